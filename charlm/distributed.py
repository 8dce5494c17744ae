"""Training on several processes, on one machine or several: torchrun and DistributedDataParallel.

    torchrun --standalone --nproc-per-node 2 -m charlm train --corpus tinyshakespeare ...

torchrun starts the processes (ranks) and tells each its rank in the environment; ``join`` reads it and joins the
group (gloo on the CPU, NCCL on CUDA GPUs, one GPU per process). Every rank builds the same run from the same seed,
so the models start equal, and draws the same batches from the same generator; each trains on its own share of
every batch's rows (``Group.rows``: the ``--batch-size`` rows split as evenly as they go, the first ranks taking one
more). DDP averages the gradients, each rank's loss weighted by its share of the rows, so every step is the one a
single process takes on the whole batch: 1 or N processes, a run's figures mean the same.

Every step the ranks also agree (one small all-reduce) on the batch's loss and on whether to stop: Ctrl-C on any
rank, the time limit, a NaN. They stop together, after the same step; rank 0 alone prints, samples and saves, and
what it saves is an ordinary checkpoint.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from datetime import timedelta

import torch
import torch.distributed as dist

from .errors import CharLMError
from .i18n import Msg

TIMEOUT_ENV = "CHARLM_DIST_TIMEOUT"  # seconds a rank waits for the others before giving up (default 120)


@dataclass(frozen=True)
class Group:
    """This process's place in a torchrun job; the default is a job of one, where every method does nothing."""

    rank: int = 0  # this process, 0 … world − 1; rank 0 prints and saves
    world: int = 1  # how many processes train together
    local_rank: int = 0  # this process on its machine: the GPU it uses

    @property
    def active(self) -> bool:
        return self.world > 1

    def device(self, asked: str) -> str:
        """The device this rank trains on: its own GPU when there are GPUs (``cuda:local_rank``), else ``asked``."""
        if self.active and asked in ("auto", "cuda") and torch.cuda.is_available():
            return f"cuda:{self.local_rank}"
        return asked

    def rows(self, batch_size: int) -> slice:
        """This rank's rows of a batch of ``batch_size``: as even a split as there is, the first ranks one more."""
        if batch_size < self.world:
            raise CharLMError("distributed.batch_rows", world=self.world, batch_size=batch_size)
        share, extra = divmod(batch_size, self.world)
        start = self.rank * share + min(self.rank, extra)
        return slice(start, start + share + (self.rank < extra))

    def agree(self, loss_share: float, *flags: bool) -> tuple[float, tuple[bool, ...]]:
        """The whole batch's loss (the sum of every rank's share), and for each flag (interrupted, out of time)
        whether any rank raised it: one all-reduce."""
        if not self.active:
            return loss_share, flags
        values = torch.tensor([loss_share, *map(float, flags)], dtype=torch.float64, device=self._collective_device())
        dist.all_reduce(values)
        loss, *raised = values.tolist()
        return loss, tuple(r > 0 for r in raised)

    def same_everywhere(self, what: Msg | str, value: str) -> None:
        """Raise on every rank, naming the ranks that differ, unless ``value`` is the same on all of them; ``what``
        names the value ("read a text of SHA-256")."""
        if not self.active:
            return
        values: list = [None] * self.world
        dist.all_gather_object(values, value)
        odd = [r for r, v in enumerate(values) if v != values[0]]
        if odd:
            raise CharLMError("distributed.differ", rank=odd[0], what=what, value=values[odd[0]], first=values[0])

    def barrier(self) -> None:
        if self.active:
            dist.barrier()

    def _collective_device(self) -> torch.device:
        return torch.device(f"cuda:{self.local_rank}") if dist.get_backend() == "nccl" else torch.device("cpu")


SINGLE = Group()


def join(device: str = "auto") -> Group:
    """The group torchrun started this process in (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``), joined: NCCL when
    ``device`` ("auto", "cuda") means this machine's GPUs, one a process; gloo on CPUs. ``SINGLE`` for a process
    started on its own."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return SINGLE
    group = Group(int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", "0")))
    cuda = group.device(device).startswith("cuda")
    if cuda and group.local_rank >= torch.cuda.device_count():
        raise CharLMError("distributed.no_gpu", process=group.local_rank, gpus=torch.cuda.device_count())
    if not dist.is_initialized():
        if cuda:
            torch.cuda.set_device(group.local_rank)
        timeout = timedelta(seconds=float(os.environ.get(TIMEOUT_ENV, "120")))
        dist.init_process_group("nccl" if cuda else "gloo", timeout=timeout)
    return group


def leave(group: Group) -> None:
    if group.active and dist.is_initialized():
        dist.destroy_process_group()


def stop_on_interrupt(stop) -> None:
    """Ctrl-C (SIGINT, which a terminal and torchrun send every rank) calls ``stop`` instead of raising: the ranks
    then agree to stop after the step in hand, so none is left waiting in a collective for one that has gone."""
    signal.signal(signal.SIGINT, lambda signum, frame: stop())
