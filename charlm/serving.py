"""Generation and model work for a server, for many people at once: each caller of one model gets its own samples,
stepped in one batch with everyone else's (``charlm.batching`` says how and why):

    for chars in serving.stream(model, "the ", 200, temperature=0.8, seed=1):   # as generate.stream, in any thread
        ...

In a server the batch steps in a worker process of its own, and Inspect's model work runs in a second one
(``charlm.worker``, started by ``start_worker``); elsewhere, in a thread of this process. Either way the calls here are
the same, and draw the same characters.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import TypeVar

import torch

from . import worker as workers
from .batching import Request, Sampler, pump, woken
from .generate import TEMPERATURES, check_options
from .model import CharLM
from .worker import start_worker, stop_worker  # noqa: F401 (this module's API: a server starts its workers here)

T = TypeVar("T")


def stream(model: CharLM, prefix: str, length: int, **options) -> Iterator[list[str]]:
    """``generate.stream``'s samples (the same arguments: temperature, top_k, top_p, seed, num_samples), drawn in one
    batch with those of every other caller of ``model``: in this process's worker when it has one (``start_worker``)
    and ``model`` can go there, else in a thread of this process."""
    with contextlib.closing(drawn(model, prefix, length, **options)) as arrivals:  # a reader who stops: it leaves
        for steps in arrivals:
            yield from steps


def drawn(model: CharLM, prefix: str, length: int, **options) -> Iterator[list[list[str]]]:
    """``stream``'s steps as they arrive: each time, every step drawn since the last (one or more). A reader who shows
    the text as it grows can tell the characters it has from those still to come: it need not show a text whose end
    it already holds."""
    if (worker := workers.for_generation(model)) is not None:
        return worker.drawn(model, prefix, length, **options)
    return Sampler.of(model).drawn(model, prefix, length, **options)


async def arrivals(model: CharLM, prefix: str, length: int, **options) -> AsyncIterator[list[list[str]]]:
    """``drawn`` for a coroutine (a server's async handler), which each arrival wakes in its event loop. A handler that
    reads ``drawn`` instead runs in a thread, and each of its reads is a hop there and back: with a lecture's 200
    followers busy in the event loop, each hop waited 0.12 s at the median for the interpreter. In the worker, no
    thread of this process waits for the characters; elsewhere (no worker; a GPU's or a bidirectional model) a thread
    reads ``drawn`` for the coroutine, with as many torch threads as its caller has."""
    if (worker := workers.for_generation(model)) is not None:
        async for steps in worker.arrivals(model, prefix, length, **options):
            yield steps
        return
    request = Request(options.get("num_samples", 1), length, ())  # a mailbox: the thread puts what ``drawn`` yields
    reading = drawn(model, prefix, length, **options)
    threading.Thread(target=pump, args=(reading, request, torch.get_num_threads()), name="charlm-generation-reader",
                     daemon=True).start()  # fmt: skip
    async for steps in woken(request):
        yield steps


def in_worker(function: Callable[..., T], model: CharLM, *args) -> T:
    """``function(model, *args)``, run in this process's second worker where there is one (``start_worker``) and it
    can take ``model``, else here: a server's model work other than Generate's (Inspect's trace, its connectivity and
    gradients), apart for the reason Generate's batches are, and apart from them so as not to slow them. ``function``
    goes by name (a module's function), ``args`` and what it returns by pickle; what it raises is raised here."""
    if (worker := workers.for_calls(model)) is not None:
        return worker.call(function, model, *args)
    return function(model, *args)


def at_temperatures(
    model: CharLM,
    prefix: str,
    length: int,
    temperatures: Sequence[float] = TEMPERATURES,
    *,
    seed: int,
    top_k: int = 0,
    top_p: float = 1.0,
) -> Iterator[tuple[int, str]]:
    """One sample of ``length`` characters after ``prefix`` at each temperature, all from the same ``seed``: side by
    side, they differ by the temperature alone. Yields (k, character), the k-th temperature's next character, the
    samples growing side by side: they are stepped in one batch, so four cost about what one does. Each is what
    ``generate.stream`` draws with that temperature and seed (up to the rounding ``charlm.batching`` describes), so
    Generate with the same seed and temperature writes it again."""
    for temperature in temperatures:  # every one checked before the first character
        check_options(temperature, top_k, top_p)
    samples = [stream(model, prefix, length, temperature=t, top_k=top_k, top_p=top_p, seed=seed) for t in temperatures]
    try:
        for steps in zip(*samples, strict=True):  # each joins the batch at its first character, a step after the last
            for k, chars in enumerate(steps):
                yield k, chars[0]
    finally:
        for sample in samples:
            sample.close()  # a reader who stops: every sample leaves the batch
