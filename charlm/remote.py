"""A run trained in another process (a ZeroGPU worker, say), watched and kept by this one.

    # in the worker, where the GPU is:
    for item in remote_events(spec): send(item)            # the trainer's events, and Snapshots, all picklable
    # here, on the CPU:
    run = build(spec.with_options(train={"device": "cpu"}))  # the same run, built but never trained here
    for event in receive(items, run): ...                  # Snapshots land in ``run``; events pass through

After every epoch the worker sends a ``Snapshot``: the best weights so far as CPU tensors, with the history
and the trainer's bookkeeping. So when the worker is cut off (its time is up, it died), ``run`` holds the best
weights of the last finished epoch, and it saves, resumes and generates like a run trained here.
"""

from __future__ import annotations

import math
import multiprocessing
import pickle
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import torch
from torch import Tensor

from .errors import CharLMError
from .provenance import hardware
from .run import Run, RunSpec, build
from .train import Epoch, Event, Finished, Started


@dataclass(frozen=True)
class Snapshot:
    """What a worker's run has to show for itself so far, in CPU tensors."""

    weights: dict[str, Tensor]  # the best epoch's (the model's own until an epoch has finished)
    history: list[dict]  # one row per finished epoch, as Trainer.history
    best_epoch: int | None
    best_valid_loss: float
    next_epoch: int  # where a resume would go on from
    hardware: str  # where it trained: "cuda:0 (NVIDIA H200), torch 2.11.0"
    optimizer: dict | None = None  # the optimizer's state, with the last snapshot only (for --resume)


def _cpu(state: dict) -> dict:
    return {k: v.detach().to("cpu", copy=True) if isinstance(v, Tensor) else _cpu(v) if isinstance(v, dict) else v
            for k, v in state.items()}  # fmt: skip


def remote_events(spec: RunSpec) -> Iterator[Event | Snapshot]:
    """Build and train ``spec`` here (on this process's GPU, if it has one), yielding the trainer's events and, after
    every epoch and once at the end, a Snapshot. Everything yielded pickles, and holds no CUDA tensor."""
    run = build(spec.with_options(train={"compile": False}))  # ZeroGPU workers cannot compile
    trainer, where = run.trainer, hardware(run.trainer.device)
    best = _cpu(run.model.state_dict())

    def snapshot(optimizer: dict | None = None) -> Snapshot:
        return Snapshot(best, list(trainer.history), trainer.best_epoch, trainer.best_valid_loss, trainer.first_epoch,
                        where, optimizer)  # fmt: skip

    for event in run.events():
        if isinstance(event, Finished):
            best = _cpu(run.model.state_dict())  # the weights the run ends with (the best epoch's, restored)
            yield snapshot(_cpu(trainer.optimizer.state_dict()))
        yield event
        if isinstance(event, Epoch):
            if event.is_best:
                best = _cpu(run.model.state_dict())
            yield snapshot()


def in_a_process(spec: RunSpec, threads: int) -> Iterator[Event | Snapshot]:
    """``remote_events(spec)`` in a forked process of its own, on ``threads`` cores: what a server that trains while it
    serves (a lecture's room of followers) does, so that training and serving share no interpreter lock. Everything
    crosses as a pickle, as from a ZeroGPU worker; closing this iterator (Stop, a closed tab) ends the process, and
    the run keeps its last snapshot (``cut_short``). A process that dies says so (``train.worker_died``)."""
    context = multiprocessing.get_context("fork")  # the run's text and settings as this process has them, at once
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(target=_work, args=(spec, threads, writer), name="charlm-training", daemon=True)
    child.start()
    writer.close()
    try:
        while True:
            try:
                kind, value = pickle.loads(reader.recv_bytes())
            except EOFError:  # it died before it said it was done
                raise CharLMError("train.worker_died", code=child.exitcode) from None
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        reader.close()


def _work(spec: RunSpec, threads: int, writer) -> None:
    torch.set_num_threads(threads)
    try:
        for item in remote_events(spec):
            writer.send_bytes(pickle.dumps(("item", item)))
        writer.send_bytes(pickle.dumps(("end", None)))
    except CharLMError as e:  # what a user can act on, said where they are
        writer.send_bytes(pickle.dumps(("error", e)))
    finally:
        writer.close()


def receive(items: Iterable[Event | Snapshot], run: Run) -> Iterator[Event]:
    """The events of a run trained elsewhere; each Snapshot is put into ``run`` (built from the same spec here)."""
    for item in items:
        if isinstance(item, Snapshot):
            apply(item, run)
        else:
            if isinstance(item, Started):
                run.started = item
            yield item


def cut_short(run: Run, reason: str = "stopped") -> Finished:
    """How a run trained elsewhere ended when its worker did not say (stopped here, or cut off): with the weights of
    its last snapshot."""
    t = run.trainer
    best = math.exp(t.best_valid_loss) if t.best_epoch is not None else None
    elapsed = t.history[-1]["elapsed"] if t.history else 0.0
    run.finished = Finished(reason, t.finish_message(reason, len(t.history), best), len(t.history), t.best_epoch, best,
                            elapsed)  # fmt: skip
    return run.finished


def apply(snapshot: Snapshot, run: Run) -> None:
    """Make ``run`` what the worker's run was at that snapshot: its weights, history and bookkeeping."""
    trainer = run.trainer
    run.model.load_state_dict(snapshot.weights)
    trainer.history = list(snapshot.history)
    trainer.best_epoch, trainer.best_valid_loss = snapshot.best_epoch, snapshot.best_valid_loss
    trainer.first_epoch = snapshot.next_epoch
    run.hardware = snapshot.hardware
    if snapshot.optimizer is not None:
        trainer.optimizer.load_state_dict(snapshot.optimizer)
    run.model.eval()
