"""Training on a Hugging Face ZeroGPU Space: a GPU lent for each Start, in a forked worker.

On ZeroGPU (the ``spaces`` package, installed by the platform, and ``SPACES_ZERO_GPU`` set) the function a
Start streams from, ``charlm.remote.remote_events``, is wrapped in ``spaces.GPU`` with a duration computed from
the run's own time limit. It runs in a forked worker that has the GPU; its events and a snapshot of the best
weights after every epoch come back pickled, as CPU tensors, into a copy of the run built here on the CPU. CUDA
is never touched in this process: generation, Inspect and loading stay on the CPU.

Elsewhere (a laptop, CPU hardware, the tests without a stand-in) nothing here is used and the app trains in
a thread of its own, as it always did.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..i18n import text as tr
from ..remote import remote_events
from ..run import RunSpec

DEFAULT_MAX_SECONDS = 90  # a run's time limit on ZeroGPU unless CHARLM_MAX_SECONDS says otherwise: 90 + 30 s of GPU
#                           fits the 2 minutes a day of a visitor who is not logged in
START_UP_SECONDS = 30  # what a worker needs beyond the run's time limit: fork, CUDA, the first compile of kernels
# GPU minutes a day, by who is asking (a catalogue id: "visitors who are not logged in", …), Nov 2026
QUOTA_MINUTES = {"zerogpu.who_anonymous": 2, "zerogpu.who_free": 5, "zerogpu.who_pro": 40}


def gpu_seconds(spec: RunSpec) -> int:
    """The GPU time a run asks for: its time limit and the worker's start-up."""
    return int(spec.train.max_seconds) + START_UP_SECONDS


@dataclass(frozen=True)
class ZeroGPU:
    """The GPU-lending wrapper of a ZeroGPU Space, around what Start trains with."""

    train: Callable[[RunSpec], Iterator]  # remote_events, wrapped: called from a handler, it streams from the worker

    def describe(self) -> str:
        """Where Start trains, and each visitor's daily GPU time, in the active language."""
        separator = tr("app.short_list_separator")  # a list as each language writes it
        quota = separator.join(tr("zerogpu.quota", minutes=m, who=tr(who)) for who, m in QUOTA_MINUTES.items())
        return tr("zerogpu.describe", quota=quota)


def detect() -> ZeroGPU | None:
    """The ZeroGPU wrapper when this app runs on a ZeroGPU Space, else None. Wrapping happens here, when the app is
    built: at launch ZeroGPU requires at least one wrapped function."""
    if os.environ.get("SPACES_ZERO_GPU", "").lower() not in ("1", "t", "true"):  # as the spaces package reads it
        return None
    try:
        spaces = importlib.import_module("spaces")
    except ImportError:
        return None
    return ZeroGPU(spaces.GPU(remote_events, duration=gpu_seconds))


def advice(message: str) -> str:
    """What a visitor can do when the GPU could not be had, after ZeroGPU's own message; in the active language."""
    if "quota" in message.lower():
        return tr("zerogpu.advice_quota", free=QUOTA_MINUTES["zerogpu.who_free"], pro=QUOTA_MINUTES["zerogpu.who_pro"])
    return tr("zerogpu.advice_busy")
