"""Generation for many people at once from one model: one step of the network per character for all of them.

A lecture's room generates with the room's model, a Space's visitors with its start-up model, and each asks at its own
moment, with its own prefix, length, temperature and seed. Drawn one after another, forty samples of 200 characters
cost 8,000 steps of the network, each a few dozen small torch calls that each give up and take back the interpreter's
lock; the server's event loop, busy with the room's pages, takes that lock in between, and the samples crawl. Drawn
together they cost 200 steps of a batch of forty, which costs about what one costs.

A request joins the batch at the next step (its prefix read in its caller's thread) and leaves it when its last
character is drawn or its reader stops reading; a thread of the sampler's own steps the batch while any request is in
it, and ends when none is. Each request draws with its own seed's numbers (``generate.Uniforms``), so it draws what it
would alone, up to rounding: a batch's matrix products may round the last bit of a logit differently from one row's,
which changes a character only where its number falls within about 1e-7 of the boundary between two characters.

A bidirectional model re-reads its whole sample for each character (``generate.stream``); it is not batched.

Callers go through ``charlm.serving``, which steps the batch here, in a thread of this process, or in a worker process
(``charlm.worker``, which runs this same sampler there).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field

import torch
from torch import Tensor

from . import generate
from .generate import Uniforms, check_request, evaluating, pick, warm_up
from .model import CharLM

MAX_ROWS = 512  # samples stepped at once; a request that would pass it waits for the next step with room


@dataclass(eq=False)
class Request:
    """One caller's samples: what they asked, where they are, and the characters drawn but not yet read."""

    rows: int  # samples
    length: int
    options: tuple[float, int, float]  # temperature, top_k, top_p
    uniforms: Uniforms | None = None  # None at temperature 0 (greedy)
    last: Tensor | None = None  # (rows, V): until it joins the batch, its first character's logits
    state: object = None  # until it joins the batch, its state after the prefix
    drawn: int = 0
    ready: list[list[str]] = field(default_factory=list)  # steps drawn, not yet read
    done: bool = False  # its last character is drawn (or the sampler failed: ``error``)
    error: BaseException | None = None
    gone: bool = False  # its reader stopped reading
    changed: threading.Condition = field(default_factory=threading.Condition)
    waker: Callable[[], None] | None = None  # an async reader's: called (in the thread that put them) as steps come

    def put(self, chars: list[str]) -> None:
        self.put_steps([chars])

    def put_steps(self, steps: list[list[str]]) -> None:
        with self.changed:
            self.ready += steps
            self.drawn += len(steps)
            self.done = self.drawn == self.length
            self.changed.notify()
        self._wake()

    def fail(self, error: BaseException) -> None:
        with self.changed:
            self.error, self.done = error, True
            self.changed.notify()
        self._wake()

    def end(self) -> None:
        """No more steps will come (``pump``'s reading ended)."""
        with self.changed:
            self.done = True
            self.changed.notify()
        self._wake()

    def take(self, wait: bool = True) -> list[list[str]] | None:
        """The steps drawn since the last take (waiting for one, unless not ``wait``: then [] if none has come), or
        None after the last."""
        with self.changed:
            if wait:
                self.changed.wait_for(lambda: self.ready or self.done)
            if self.error is not None:
                raise self.error
            ready, self.ready = self.ready, []
            return ready or (None if self.done else [])

    def _wake(self) -> None:
        if self.waker is not None:
            self.waker()


_SAMPLERS: weakref.WeakKeyDictionary[CharLM, Sampler] = weakref.WeakKeyDictionary()  # each model's, while it lives
_SAMPLERS_LOCK = threading.Lock()


class Sampler:
    """The samples of every caller of one model, stepped as one batch (see the module's docstring)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._joining: list[Request] = []
        self._stepping = False

    @classmethod
    def of(cls, model: CharLM) -> Sampler:
        """The sampler every caller of ``model`` shares."""
        with _SAMPLERS_LOCK:
            if (sampler := _SAMPLERS.get(model)) is None:
                sampler = _SAMPLERS[model] = cls()  # kept while the model lives, and no longer
            return sampler

    def drawn(
        self,
        model: CharLM,
        prefix: str,
        length: int,
        *,
        temperature: float = 1.0,
        top_k: int = 0,
        top_p: float = 1.0,
        seed: int | None = None,
        num_samples: int = 1,
    ) -> Iterator[list[list[str]]]:
        """What ``generate.stream`` yields for the same arguments (the next character of each sample, ``length``
        times), drawn in the batch of every caller of ``model`` (this sampler's), as it arrives (``drawn``)."""
        if model.config.bidirectional:  # a bidirectional model re-reads: one at a time
            for chars in generate.stream(model, prefix, length, temperature=temperature, top_k=top_k, top_p=top_p,
                                         seed=seed, num_samples=num_samples):  # fmt: skip
                yield [chars]
            return
        check_request(prefix, length, temperature, top_k, top_p, num_samples)
        if length == 0:
            return
        yield from read(self.join(model, prefix, Request(num_samples, length, (temperature, top_k, top_p)), seed))

    def join(self, model: CharLM, prefix: str, request: Request, seed: int | None) -> Request:
        """``request`` (its rows, length and options checked) in the batch from the next step, ``prefix`` read first
        in the caller's thread: a long prefix holds up no one."""
        generator = torch.Generator().manual_seed(seed) if seed is not None else None
        with torch.inference_mode(), evaluating(model):
            request.last, request.state = warm_up(model, prefix, request.rows)
        if request.options[0] != 0:
            request.uniforms = Uniforms(request.rows, request.length, generator)
        with self._lock:
            self._joining.append(request)
            start, self._stepping = not self._stepping, True
        if start:
            threading.Thread(target=self._step_all, args=(model,), name="charlm-generation").start()
        return request

    def _step_all(self, model: CharLM) -> None:
        """Step the batch until no request is left in it (this sampler's thread)."""
        batch: list[Request] = []
        try:
            with torch.inference_mode(), evaluating(model):
                last = state = None
                while True:
                    with self._lock:
                        joining = self._admit(batch)
                        if not batch and not joining:
                            self._stepping = False
                            return
                    if joining:
                        last, state = _joined(last, state, joining)
                        batch += joining
                    ids = self._draw(batch, last)  # (R,) on the CPU
                    tokens, row = model.vocab.tokens, 0
                    chars = [tokens[i] for i in ids.tolist()]
                    for request in batch:
                        request.put(chars[row : row + request.rows])
                        row += request.rows
                    staying = [not (r.done or r.gone) for r in batch]
                    if not all(staying):  # the rows of those that leave are dropped before the step
                        rows = torch.tensor([stays for r, stays in zip(batch, staying, strict=True)
                                             for _ in range(r.rows)]).nonzero()[:, 0]  # fmt: skip
                        batch = [r for r, stays in zip(batch, staying, strict=True) if stays]
                        if not batch:
                            last = state = None
                            continue
                        ids, state = ids[rows], _rows(state, rows.to(model.device))
                    last, state = model.step(ids.to(model.device), state)  # (R, V): one step for every sample
        except BaseException as e:  # every request waiting learns it, and the next caller starts afresh
            with self._lock:
                waiting, self._joining, self._stepping = batch + self._joining, [], False
            for request in waiting:
                request.fail(e)  # raised in each reader's thread

    def _admit(self, batch: list[Request]) -> list[Request]:
        """The requests that join the batch at this step (under the lock): as many as MAX_ROWS leaves room for."""
        room = MAX_ROWS - sum(r.rows for r in batch)
        joining, waiting = [], []
        for request in self._joining:
            if request.gone:
                continue
            if request.rows <= room:
                joining.append(request)
                room -= request.rows
            else:
                waiting.append(request)
        self._joining = waiting
        return joining

    @staticmethod
    def _draw(batch: list[Request], last: Tensor) -> Tensor:
        """Each sample's next character (R,): the rows of requests that asked alike drawn together, as is usual."""
        if len({r.options for r in batch}) == 1:
            u = torch.cat([r.uniforms.next() for r in batch]) if batch[0].uniforms is not None else None
            return pick(last, *batch[0].options, u)
        ids = torch.empty(last.shape[0], dtype=torch.long)
        row = 0
        for r in batch:
            u = r.uniforms.next() if r.uniforms is not None else None
            ids[row : row + r.rows] = pick(last[row : row + r.rows], *r.options, u)
            row += r.rows
        return ids


def read(request: Request) -> Iterator[list[list[str]]]:
    """A request's steps as they arrive; a reader who stops takes it out of the batch."""
    try:
        while (steps := request.take()) is not None:
            yield steps
    finally:
        request.gone = True  # read to the end, or its reader stopped: either way it leaves the batch


async def woken(request: Request) -> AsyncIterator[list[list[str]]]:
    """``read`` for a coroutine: woken in its event loop by the thread that puts the steps."""
    loop, arrived = asyncio.get_running_loop(), asyncio.Event()

    def wake() -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: no one is reading
            loop.call_soon_threadsafe(arrived.set)

    request.waker = wake
    try:
        while True:
            arrived.clear()  # before looking: steps put after the look wake it
            if (steps := request.take(wait=False)) is None:
                return
            if steps:
                yield steps
            else:
                await arrived.wait()
    finally:
        request.gone = True


def pump(reading: Iterator[list[list[str]]], request: Request, threads: int) -> None:
    """``arrivals``' thread where no worker steps the model: what ``reading`` yields, into ``request``, until it ends
    or the reader leaves."""
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    try:
        with contextlib.closing(reading):  # a reader who left: its samples leave the batch
            for steps in reading:
                request.put_steps(steps)
                if request.gone:
                    return
    except BaseException as e:  # raised in the reader's coroutine
        request.fail(e)
    else:
        request.end()


def _joined(last: Tensor | None, state, joining: list[Request]) -> tuple[Tensor, object]:
    """The batch's logits and state with the rows of ``joining`` added after its own."""
    lasts = ([last] if last is not None else []) + [r.last for r in joining]
    states = ([state] if state is not None else []) + [r.state for r in joining]
    for r in joining:
        r.last = r.state = None  # the batch holds them now
    if isinstance(states[0], tuple):
        state = tuple(torch.cat(parts, dim=1) for parts in zip(*states, strict=True))
    else:
        state = torch.cat(states, dim=1)
    return torch.cat(lasts), state


def _rows(state, rows: Tensor):
    """The state (L·D, R, H), or each of a tuple of them, at the batch rows ``rows``."""
    if isinstance(state, tuple):
        return tuple(s.index_select(1, rows) for s in state)
    return state.index_select(1, rows)


def after_fork() -> None:
    """A forked process's own table of samplers and its lock: another thread of the process it was forked from may have
    held the lock at that instant, and the samplers there step in threads the fork did not copy."""
    global _SAMPLERS, _SAMPLERS_LOCK
    _SAMPLERS, _SAMPLERS_LOCK = weakref.WeakKeyDictionary(), threading.Lock()
