"""The batches of Generate, and a server's other model work, in processes of their own.

A server steps Generate's batch (``charlm.batching``) in a worker process (``start_worker``, which the app calls as it
starts): in a thread of the server, each step's few dozen torch calls each gave the interpreter's lock up and waited to
take it back from the event loop, busy with a room's pages, so a step that takes 0.5 ms alone took 6 ms there. In the
worker the batch has an interpreter to itself; the model's weights go to it once (again when they change), and the
characters come back a few steps at a time (``FLUSH_SECONDS``). A server's async handler reads them as they come,
woken in its event loop, with no thread of the server waiting for them (``Worker.arrivals``). The server's other model
work (Inspect's) runs in a second worker, for the same reason (``charlm.serving.in_worker``).
"""

from __future__ import annotations

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
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import safetensors.torch
import torch

from . import batching
from .batching import Request, Sampler, read, woken
from .errors import CharLMError
from .generate import check_request
from .model import CharLM, CharLMConfig

T = TypeVar("T")
FLUSH_SECONDS = 0.05  # the worker sends each request's characters at most this often (and its last ones at once)

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


def for_generation(model: CharLM) -> Worker | None:
    """The worker that steps ``model``'s samples (a new one where the last died), or None: they are stepped in this
    process (a bidirectional model's too: it is not batched)."""
    _restart_the_dead()
    worker = _WORKER
    return worker if worker is not None and worker.takes(model) and not model.config.bidirectional else None


def for_calls(model: CharLM) -> Worker | None:
    """The worker that runs the model work of ``charlm.serving.in_worker`` with ``model`` (a new one where the last
    died), or None: it runs in this process."""
    _restart_the_dead()
    worker = _CALLS
    return worker if worker is not None and worker.takes(model) else None


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
        self._requests: dict[int, Request | _Answer] = {}  # waiting for characters, or for a call's answer
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
            yield from read(asked[1])
        finally:
            self._release(*asked)

    async def arrivals(self, model: CharLM, prefix: str, length: int, **options) -> AsyncIterator[list[list[str]]]:
        """``drawn`` for a coroutine: no thread here waits for the characters, and none writes to the pipe for it."""
        if (asked := self._ask(model, prefix, length, **options)) is None:
            return
        try:
            async for steps in woken(asked[1]):
                yield steps
        finally:
            self._release(*asked)

    def _ask(self, model: CharLM, prefix: str, length: int, *, temperature: float = 1.0, top_k: int = 0,
             top_p: float = 1.0, seed: int | None = None, num_samples: int = 1) -> tuple[int, Request] | None:  # fmt: skip
        """The request asked of the worker, and its key (None: nothing to draw). It waits for nothing but the lock."""
        check_request(prefix, length, temperature, top_k, top_p, num_samples)
        if length == 0:
            return None
        request, rid = Request(num_samples, length, (temperature, top_k, top_p)), next(self._ids)
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

    def _release(self, rid: int, request: Request) -> None:
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
    global _WORKER, _WORKER_LOCK
    # Forked from a server whose other threads may have held these locks at that instant: its own, fresh.
    batching.after_fork()
    _WORKER, _WORKER_LOCK = None, threading.Lock()
    torch.set_num_threads(1)
    models: dict[int, CharLM] = {}
    asked: weakref.WeakValueDictionary[int, Request] = weakref.WeakValueDictionary()  # while in a batch
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
class _Sent(Request):
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
