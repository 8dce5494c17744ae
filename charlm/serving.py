"""Generation for many people at once from one model: one step of the network per character for all of them.

A lecture's room generates with the room's model, a Space's visitors with its start-up model, and each asks at its own
moment, with its own prefix, length, temperature and seed. Drawn one after another, forty samples of 200 characters
cost 8,000 steps of the network, each a few dozen small torch calls that each give up and take back the interpreter's
lock; the server's event loop, busy with the room's pages, takes that lock in between, and the samples crawl. Drawn
together they cost 200 steps of a batch of forty, which costs about what one costs:

    for chars in serving.stream(model, "the ", 200, temperature=0.8, seed=1):   # as generate.stream, in any thread
        ...

A request joins the batch at the next step (its prefix read in its caller's thread) and leaves it when its last
character is drawn or its reader stops reading; a thread of the sampler's own steps the batch while any request is in
it, and ends when none is. Each request draws with its own seed's numbers (``generate.Uniforms``), so it draws what it
would alone, up to rounding: a batch's matrix products may round the last bit of a logit differently from one row's,
which changes a character only where its number falls within about 1e-7 of the boundary between two characters.

A bidirectional model re-reads its whole sample for each character (``generate.stream``); it is not batched.

A server steps the batch in a process of its own (``start_worker``, which the app calls as it starts): in a thread of
the server, each step's few dozen torch calls each gave the interpreter's lock up and waited to take it back from the
event loop, busy with a room's pages, so a step that takes 0.5 ms alone took 6 ms there. In the worker the batch has an
interpreter to itself; the model's weights go to it once (again when they change), and the characters come back a
few steps at a time (``FLUSH_SECONDS``). A server's async handler reads them with ``arrivals``: woken in its event loop
as they come, with no thread of the server waiting for them. The server's other model work (Inspect's) runs in a
second worker, for the same reason (``in_worker``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import multiprocessing
import os
import queue
import sys
import threading
import time
import traceback
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import safetensors.torch
import torch
from torch import Tensor

from . import generate
from .errors import CharLMError
from .generate import TEMPERATURES, Uniforms, check_options, check_request, evaluating, pick, warm_up
from .model import CharLM, CharLMConfig

T = TypeVar("T")
MAX_ROWS = 512  # samples stepped at once; a request that would pass it waits for the next step with room
FLUSH_SECONDS = 0.05  # the worker sends each request's characters at most this often (and its last ones at once)


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
    if (worker := worker_for(model)) is not None:
        return worker.drawn(model, prefix, length, **options)
    return Sampler.of(model).drawn(model, prefix, length, **options)


async def arrivals(model: CharLM, prefix: str, length: int, **options) -> AsyncIterator[list[list[str]]]:
    """``drawn`` for a coroutine (a server's async handler), which each arrival wakes in its event loop. A handler that
    reads ``drawn`` instead runs in a thread, and each of its reads is a hop there and back: with a lecture's 200
    followers busy in the event loop, each hop waited 0.12 s at the median for the interpreter. In the worker, no
    thread of this process waits for the characters; elsewhere (no worker; a GPU's or a bidirectional model) a thread
    reads ``drawn`` for the coroutine, with as many torch threads as its caller has."""
    if (worker := worker_for(model)) is not None:
        async for steps in worker.arrivals(model, prefix, length, **options):
            yield steps
        return
    request = _Request(options.get("num_samples", 1), length, ())  # a mailbox: the thread puts what ``drawn`` yields
    reading = drawn(model, prefix, length, **options)
    threading.Thread(target=_pump, args=(reading, request, torch.get_num_threads()), name="charlm-generation-reader",
                     daemon=True).start()  # fmt: skip
    async for steps in _woken(request):
        yield steps


def worker_for(model: CharLM) -> Worker | None:
    """The worker that steps ``model``'s samples (a new one where the last died), or None: they are stepped in this
    process (a bidirectional model's too: it is not batched)."""
    _restart_the_dead()
    worker = _WORKER
    return worker if worker is not None and worker.takes(model) and not model.config.bidirectional else None


def in_worker(function: Callable[..., T], model: CharLM, *args) -> T:
    """``function(model, *args)``, run in this process's second worker where there is one (``start_worker``) and it
    can take ``model``, else here: a server's model work other than Generate's (Inspect's trace, its connectivity and
    gradients), apart for the reason Generate's batches are, and apart from them so as not to slow them. ``function``
    goes by name (a module's function), ``args`` and what it returns by pickle; what it raises is raised here."""
    _restart_the_dead()
    worker = _CALLS
    if worker is not None and worker.takes(model):
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
    ``generate.stream`` draws with that temperature and seed (up to the rounding the module's docstring describes), so
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


@dataclass(eq=False)
class _Request:
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
        """No more steps will come (``_pump``'s reading ended)."""
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
        self._joining: list[_Request] = []
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
        yield from _read(self.join(model, prefix, _Request(num_samples, length, (temperature, top_k, top_p)), seed))

    def join(self, model: CharLM, prefix: str, request: _Request, seed: int | None) -> _Request:
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
        batch: list[_Request] = []
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

    def _admit(self, batch: list[_Request]) -> list[_Request]:
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
    def _draw(batch: list[_Request], last: Tensor) -> Tensor:
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


def _read(request: _Request) -> Iterator[list[list[str]]]:
    """A request's steps as they arrive; a reader who stops takes it out of the batch."""
    try:
        while (steps := request.take()) is not None:
            yield steps
    finally:
        request.gone = True  # read to the end, or its reader stopped: either way it leaves the batch


async def _woken(request: _Request) -> AsyncIterator[list[list[str]]]:
    """``_read`` for a coroutine: woken in its event loop by the thread that puts the steps."""
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


def _pump(reading: Iterator[list[list[str]]], request: _Request, threads: int) -> None:
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


def _joined(last: Tensor | None, state, joining: list[_Request]) -> tuple[Tensor, object]:
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


# -- the batch in a process of its own --------------------------------------------------------------------------------

_WORKER: Worker | None = None  # Generate's batches
_CALLS: Worker | None = None  # the rest of a server's model work (``in_worker``)
_WORKER_LOCK = threading.Lock()


def start_worker() -> Worker | None:
    """From now on, step this process's batches in a worker process (the module's docstring says why), and run its
    other model work (``in_worker``) in a second one: both started now, and each again after it dies (the requests it
    had fail with ``generate.worker_died``). Returns the first. Where a process cannot be forked (not Linux), nothing
    changes."""
    global _WORKER, _CALLS
    if not sys.platform.startswith("linux"):
        return None
    with _WORKER_LOCK:
        if _WORKER is None or not _WORKER.alive:
            _WORKER = Worker()
        if _CALLS is None or not _CALLS.alive:
            _CALLS = Worker("charlm-model-work")
        return _WORKER


def _restart_the_dead() -> None:
    """A worker that died (its requests were told) is started again; one that lives is left as it is."""
    if any(worker is not None and not worker.alive for worker in (_WORKER, _CALLS)):
        start_worker()


def stop_worker() -> None:
    """Back to stepping and working in threads of this process; the workers end."""
    global _WORKER, _CALLS
    with _WORKER_LOCK:
        workers, _WORKER, _CALLS = (_WORKER, _CALLS), None, None
    for worker in workers:
        if worker is not None:
            worker.close()


class Worker:
    """A forked process that steps the batches of the models sent to it, and the two threads here that write to it and
    read what it sends back. ``drawn`` (``arrivals``, for a coroutine) is ``Sampler.drawn`` for any CPU model this
    process holds: its weights go over once (again when they change, and they are dropped there when the model is
    collected here); each request goes over as what it asks, and its characters come back."""

    def __init__(self, name: str = "charlm-generation"):
        context = multiprocessing.get_context("fork")  # at once, with charlm imported: no second start-up
        self._conn, theirs = context.Pipe()
        self.process = context.Process(target=_serve, args=(theirs, self._conn), name=name, daemon=True)
        self.process.start()
        theirs.close()
        self.pid, self.alive = os.getpid(), True
        self._lock = threading.Lock()  # the models sent, the requests waiting, and the order of the messages
        self._outbox: queue.SimpleQueue[tuple | None] = queue.SimpleQueue()  # messages to the worker, in order
        self._sender = threading.Thread(target=self._send_all, name="charlm-generation-sender", daemon=True)
        self._sender.start()
        self._models: weakref.WeakKeyDictionary[CharLM, tuple[list[int], tuple]] = weakref.WeakKeyDictionary()
        self._requests: dict[int, _Request | _Answer] = {}  # waiting for characters, or for a call's answer
        self._forgotten: list[int] = []  # keys of models collected here, for the worker to drop at the next request
        self._ids = itertools.count()
        self._receiver = threading.Thread(target=self._receive, name="charlm-generation-receiver", daemon=True)
        self._receiver.start()

    def takes(self, model: CharLM) -> bool:
        """Whether ``model`` can go to the worker: on the CPU, and asked by the process that started it (a process
        forked from that one shares its pipe, and must not use it)."""
        return self.alive and os.getpid() == self.pid and model.device.type == "cpu"

    def drawn(self, model: CharLM, prefix: str, length: int, **options) -> Iterator[list[list[str]]]:
        """``Sampler.drawn``, stepped in the worker."""
        if (asked := self._ask(model, prefix, length, **options)) is None:
            return
        try:
            yield from _read(asked[1])
        finally:
            self._release(*asked)

    async def arrivals(self, model: CharLM, prefix: str, length: int, **options) -> AsyncIterator[list[list[str]]]:
        """``drawn`` for a coroutine: no thread here waits for the characters, and none writes to the pipe for it."""
        if (asked := self._ask(model, prefix, length, **options)) is None:
            return
        try:
            async for steps in _woken(asked[1]):
                yield steps
        finally:
            self._release(*asked)

    def _ask(self, model: CharLM, prefix: str, length: int, *, temperature: float = 1.0, top_k: int = 0,
             top_p: float = 1.0, seed: int | None = None, num_samples: int = 1) -> tuple[int, _Request] | None:  # fmt: skip
        """The request asked of the worker, and its key (None: nothing to draw). It waits for nothing but the lock."""
        check_request(prefix, length, temperature, top_k, top_p, num_samples)
        if length == 0:
            return None
        request, rid = _Request(num_samples, length, (temperature, top_k, top_p)), next(self._ids)
        with self._lock:
            key = self._sent(model)
            self._requests[rid] = request
            self._send(("ask", rid, key, prefix, length, request.options, seed, num_samples))
        return rid, request

    def call(self, function: Callable[..., T], model: CharLM, *args) -> T:
        """``in_worker``'s call, in the worker: each call in a thread of its own there."""
        answer, rid = _Answer(), next(self._ids)
        with self._lock:
            key = self._sent(model)
            self._requests[rid] = answer
            self._send(("call", rid, key, function, args))
        try:
            return answer.wait()
        finally:
            with self._lock:
                self._requests.pop(rid, None)

    def _release(self, rid: int, request: _Request) -> None:
        with self._lock:
            if self._requests.pop(rid, None) is not None and not request.done:
                self._send(("stop", rid))  # its reader stopped: it leaves the worker's batch

    def close(self) -> None:
        """End the worker: asked to, as the pipe's closing here would not reach it while the receiving thread reads."""
        self.alive = False
        with self._lock:
            self._send(("close",))
            self._send(None)  # the sending thread's end, once it has sent the rest
        self._receiver.join(timeout=5)  # it sees the worker's end and reaps it: one thread joins the process, not two
        if self._receiver.is_alive():  # the worker did not end when asked
            self.process.kill()
            self._receiver.join()
        self._sender.join(timeout=5)
        self._conn.close()

    def _sent(self, model: CharLM) -> int:
        """``model``'s key in the worker, its weights sent first where the worker does not have them as they are now
        (under the lock); the models collected here since the last request are dropped there first."""
        while self._forgotten:
            self._send(("forget", self._forgotten.pop()[0]))
        tensors = [*model.parameters(), *model.buffers()]
        version = tuple((t.data_ptr(), t._version) for t in tensors)  # changes with any change in place
        box, sent_version = self._models.get(model, (None, None))
        if box is not None and sent_version == version:
            return box[0]
        key = next(self._ids)
        weights = {name: t.detach().to("cpu", copy=True) for name, t in model.state_dict().items()}  # as they are now
        self._send(("model", key, model.config.to_dict(), weights))  # saved as safetensors by the sending thread
        if box is None:
            box = [key]
            weakref.finalize(model, self._forgotten.append, box)  # dropped there too (not sent from a collection,
            # which may come in the middle of sending another message)
        else:
            self._send(("forget", box[0]))
            box[0] = key
        self._models[model] = (box, version)
        return key

    def _send(self, message: tuple | None) -> None:
        """``message`` on its way to the worker (under the lock, which keeps the messages in order). The sending
        thread writes it to the pipe: a write waits while the worker is busy and the pipe is full, or while it reads a
        model's weights, and a caller must not wait for that, least of all an event loop's coroutine."""
        self._outbox.put(message)

    def _send_all(self) -> None:
        """The sending thread: the messages, in order, until ``close``."""
        while (message := self._outbox.get()) is not None:
            if message[0] == "model":
                message = (*message[:3], safetensors.torch.save(message[3]))
            with contextlib.suppress(OSError, ValueError):  # the worker is gone: the receiving thread tells the readers
                self._conn.send(message)

    def _receive(self) -> None:
        """The worker's messages, until it ends: characters for the requests waiting here, or why one failed."""
        try:
            while True:
                kind, *body = self._conn.recv()
                if kind == "chars":
                    for rid, steps in body[0]:
                        if (request := self._requests.get(rid)) is not None:
                            request.put_steps(steps)
                elif (request := self._requests.get(body[0])) is None:
                    pass
                elif kind == "answer":
                    request.put(body[1])
                else:  # "failed"
                    request.fail(body[1])
        except (EOFError, OSError):
            pass
        self.alive = False
        self._outbox.put(None)  # the sending thread ends too (what is sent from now on reaches no one)
        self.process.join(timeout=5)
        with self._lock:
            waiting, self._requests = list(self._requests.values()), {}
        for request in waiting:
            request.fail(CharLMError("generate.worker_died", code=self.process.exitcode))


def _serve(conn, ours) -> None:
    """The worker process, to its end: ``os._exit``, straight away. Python's own ending (flushing the standard
    streams, joining threads) could wait forever on a lock that a thread of the server held at the instant of the fork
    (a server thread writing to stdout, say), and a worker has nothing to tidy."""
    try:
        _serve_requests(conn, ours)
    except BaseException:  # a bug: the server tells the waiting readers (generate.worker_died, code 1); what it was,
        # straight to the standard error's descriptor, past sys.stderr's lock (which a server thread may have held)
        with contextlib.suppress(OSError):
            os.write(2, f"charlm's generation worker failed:\n{traceback.format_exc()}".encode(errors="replace"))
        os._exit(1)
    os._exit(0)


def _serve_requests(conn, ours) -> None:
    """The worker: models, requests and stops as they come, until the process that started it says to close or
    closes the pipe."""
    ours.close()  # the other end, which the fork copied: held here too, its closing there would never reach ``conn``
    global _SAMPLERS, _SAMPLERS_LOCK, _WORKER, _WORKER_LOCK
    # Forked from a server whose other threads may have held these locks at that instant: its own, fresh.
    _SAMPLERS, _SAMPLERS_LOCK = weakref.WeakKeyDictionary(), threading.Lock()
    _WORKER, _WORKER_LOCK = None, threading.Lock()
    torch.set_num_threads(1)
    models: dict[int, CharLM] = {}
    asked: weakref.WeakValueDictionary[int, _Request] = weakref.WeakValueDictionary()  # while in a batch
    outbox = _Outbox(conn)
    while True:
        try:
            kind, *body = conn.recv()
        except (EOFError, OSError):
            return
        if kind == "model":
            key, config, weights = body
            tensors = safetensors.torch.load(weights)
            dtype = next((t.dtype for t in tensors.values() if t.is_floating_point()), torch.float32)
            model = models[key] = CharLM(CharLMConfig.from_dict(config)).to(dtype).eval()  # float64 stays float64
            model.load_state_dict(tensors)
        elif kind == "forget":
            models.pop(body[0], None)
        elif kind == "close":
            return
        elif kind == "call":
            rid, key, function, args = body
            threading.Thread(target=_answer, args=(outbox, rid, function, models.get(key), args), name="charlm-call",
                             daemon=True).start()  # fmt: skip
        elif kind == "ask":
            rid, key, prefix, length, options, seed, rows = body
            request = asked[rid] = _Sent(rows, length, options, rid=rid, outbox=outbox)
            try:
                Sampler.of(models[key]).join(models[key], prefix, request, seed)
            except Exception as e:  # its prefix was checked there; whatever else, said there
                request.fail(e)
        elif (request := asked.get(body[0])) is not None:  # "stop"
            request.gone = True


def _answer(outbox: _Outbox, rid: int, function: Callable, model: CharLM | None, args: tuple) -> None:
    """A call's thread in the worker: what ``function`` returns, or why it failed, to the process that asked."""
    torch.set_num_threads(1)
    try:
        if model is None:  # dropped by a "forget" that crossed this call: a bug of the caller's
            raise RuntimeError("the model called is not in the worker")
        value = function(model, *args)
    except Exception as e:
        outbox.fail(rid, e)
    else:
        outbox.answer(rid, value)


@dataclass(eq=False)
class _Answer:
    """A call's answer, awaited by the thread that asked (``Worker.call``)."""

    arrived: threading.Event = field(default_factory=threading.Event)
    value: object = None
    error: BaseException | None = None

    def put(self, value: object) -> None:
        self.value = value
        self.arrived.set()

    def fail(self, error: BaseException) -> None:
        self.error = error
        self.arrived.set()

    def wait(self):
        self.arrived.wait()
        if self.error is not None:
            raise self.error
        return self.value


@dataclass(eq=False)
class _Sent(_Request):
    """A request in the worker: its characters go into the outbox, to the process that asked."""

    rid: int = 0
    outbox: _Outbox | None = None

    def put_steps(self, steps: list[list[str]]) -> None:
        self.drawn += len(steps)
        self.done = self.drawn == self.length
        self.outbox.put(self.rid, steps, self.done)

    def fail(self, error: BaseException) -> None:
        self.done = True
        self.outbox.fail(self.rid, error)


class _Outbox:
    """The worker's characters on their way back: each request's steps gathered, and sent every ``FLUSH_SECONDS``
    (a request's last at once), so that the process that asked is woken a few dozen times a second, not per step."""

    def __init__(self, conn):
        self.conn, self._lock = conn, threading.Lock()
        self._steps: dict[int, list[list[str]]] = {}
        self._sent = time.monotonic()

    def put(self, rid: int, steps: list[list[str]], last: bool) -> None:
        with self._lock:
            self._steps.setdefault(rid, []).extend(steps)
            if last or time.monotonic() - self._sent >= FLUSH_SECONDS:
                self._flush()

    def fail(self, rid: int, error: BaseException) -> None:
        if not isinstance(error, CharLMError):  # what crosses is a message, not the worker's objects
            error = RuntimeError(f"{type(error).__name__}: {error}")
        with self._lock:
            self._flush()
            self.conn.send(("failed", rid, error))

    def answer(self, rid: int, value: object) -> None:
        with self._lock:
            self.conn.send(("answer", rid, value))

    def _flush(self) -> None:
        if self._steps:
            self.conn.send(("chars", list(self._steps.items())))
            self._steps = {}
        self._sent = time.monotonic()
