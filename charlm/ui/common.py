"""What every tab shares: the app's context (caps, checkpoints, the start-up model, the runs in progress), each
visitor's session, and the helpers that turn widget values and library errors into what a person reads."""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import dataclasses
import functools
import html
import inspect
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
import warnings
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr
import torch

from ..cells import CELLS
from ..device import pick_device
from ..errors import CharLMError
from ..i18n import DEFAULT, Msg, active, languages, speaking
from ..i18n import text as tr
from ..inspection import Trace, Unit
from ..limits import Limits
from ..memory import Memory
from ..model import CharLM, describe_checkpoint
from ..run import Run
from . import zerogpu
from .rooms import Rooms, room_minutes
from .session import SESSION_MINUTES, Job, Jobs, RunSummary, Session, Sessions, forget  # noqa: F401  (the tabs import them here)
from .zerogpu import ZeroGPU

DEFAULT_CHECKPOINT = "timemachine-raw"  # the novel with its punctuation and capitals: the nicest to read and inspect
CELL_CHOICES = [(cell.title[0].upper() + cell.title[1:], name) for name, cell in CELLS.items()]  # "Vanilla RNN", …


def cell_choices() -> list[tuple[gr.I18nData, str]]:
    """CELL_CHOICES for a gr.Radio as the page is built: each title translated in the visitor's browser."""
    return [(ui(f"app.cell_{name}"), name) for name in CELLS]


@dataclass
class StartTrace:
    """The start-up model's trace of a sample of its own, shown by Inspect before a visitor asks for anything."""

    text: str
    trace: Trace
    units: list[Unit]
    memory: Memory | None = None  # how far back the model looks (first PICTURE_CHARS characters): set when first shown


APART = ("never", "room", "always")  # when the app's CPU runs train in a process of their own (``train_apart``)


def train_apart(device: str, environ: dict[str, str] | None = None) -> str:
    """When the app's CPU runs train in a forked process of their own (``remote.in_a_process``) on every core but one,
    not in a thread of the server's on all of them. In a thread, a run shares the interpreter's lock with everything the
    server does: with a room of 200 followers on two cores it kept a fifth of its speed; apart, on one core, three
    quarters of its speed alone (tests/load.py --room). Alone, a run is faster on every core. So by default ("room")
    the runs of a visitor whose room is open train apart; CHARLM_TRAIN_IN_A_PROCESS=1 makes it every run ("always"),
    0 none ("never"). Only where a process can be forked (Linux) and the run stays on the CPU (a CUDA or MPS device
    does not survive a fork)."""
    if device != "cpu" or not sys.platform.startswith("linux"):
        return "never"
    wanted = (os.environ if environ is None else environ).get("CHARLM_TRAIN_IN_A_PROCESS", "").strip().lower()
    return "always" if wanted in ("1", "true", "yes") else "never" if wanted in ("0", "false", "no") else "room"


def session_minutes(environ: dict[str, str] | None = None) -> float:
    """CHARLM_SESSION_MINUTES: how long a closed tab's session is kept, in minutes (fractions allowed)."""
    raw = (os.environ if environ is None else environ).get("CHARLM_SESSION_MINUTES", "").strip()
    if not raw:
        return SESSION_MINUTES
    try:
        minutes = float(raw)
    except ValueError:
        minutes = 0.0
    if not minutes > 0:
        raise CharLMError("errors.env_positive_number", var="CHARLM_SESSION_MINUTES", value=raw)
    return minutes


@dataclass
class AppContext:
    """What the whole app shares, made once when it is built (importing a module makes none of it)."""

    limits: Limits
    checkpoints: Path  # the pretrained checkpoint folders
    training_threads: int  # the cores a training run gets (every other handler keeps to one: see localized)
    gpu: ZeroGPU | None = None  # on a ZeroGPU Space: what lends Start a GPU (see zerogpu.py)
    device: str = "cpu"  # where models live in this process: the CPU on ZeroGPU, else CUDA, then MPS, else the CPU
    start_up_checkpoint: str | None = None
    default_model: CharLM | None = None  # what a visitor has before training or loading anything
    start_trace: StartTrace | None = None  # Inspect's first picture, computed once when the app is built
    jobs: Jobs = field(default_factory=Jobs)  # the runs in progress, one per session at most
    sessions: Sessions = field(default_factory=Sessions)  # the live sessions, by the key their browser keeps
    session_minutes: float = SESSION_MINUTES  # how long a closed tab's session is kept before it is released
    scratch: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="charlm-")))  # its sessions' files
    pretrained_runs: dict[str, RunSummary] = field(default_factory=dict)  # shipped checkpoints' runs, for Compare
    rooms: Rooms = field(default_factory=Rooms)  # the shared runs, by code
    train_apart: str = "never"  # when CPU runs train in a process of their own: APART (``train_apart``)

    @classmethod
    def create(cls, checkpoints: Path, limits: Limits | None = None, load_model: bool = True) -> AppContext:
        gpu = zerogpu.detect()  # before anything could touch CUDA
        device = "cpu" if gpu else str(pick_device())
        limits = limits or Limits.from_env()
        if gpu and not os.environ.get("CHARLM_MAX_SECONDS"):  # a run must fit a visitor's daily GPU quota
            limits = dataclasses.replace(limits, max_seconds=zerogpu.DEFAULT_MAX_SECONDS)
        ctx = cls(limits, checkpoints, torch.get_num_threads(), gpu, device, session_minutes=session_minutes(),
                  rooms=Rooms(room_minutes()), train_apart=train_apart(device))  # fmt: skip
        atexit.register(shutil.rmtree, ctx.scratch, ignore_errors=True)  # the sessions' files go with the process
        names = ctx.checkpoint_names()
        ctx.start_up_checkpoint = DEFAULT_CHECKPOINT if DEFAULT_CHECKPOINT in names else names[0] if names else None
        if load_model and ctx.start_up_checkpoint:
            try:
                with one_thread():
                    ctx.default_model = CharLM.from_pretrained(checkpoints / ctx.start_up_checkpoint)
            except CharLMError as e:  # the app still starts: a visitor can train or load another
                warnings.warn(f"the start-up checkpoint could not be loaded: {e}", stacklevel=2)
        return ctx

    def checkpoint_names(self) -> list[str]:
        folders = self.checkpoints.iterdir() if self.checkpoints.is_dir() else []
        return sorted(p.name for p in folders if (p / "config.json").is_file())

    def checkpoint_label(self, name: str) -> str:
        return describe_checkpoint(self.checkpoints / name).label()

    def where_training_runs(self) -> str:
        if self.gpu:
            return self.gpu.describe()
        return tr("app.where_cpu") if self.device == "cpu" else tr("app.where_device", device=self.device)

    def where_training_runs_briefly(self) -> str:
        return "ZeroGPU" if self.gpu else "CPU" if self.device == "cpu" else self.device.upper()


# -- the visitor's language ------------------------------------------------------------------------
# Two halves. What Gradio draws from the page as built (labels, buttons, tab names, choices, static Markdown) is
# translated in the browser, by gr.I18n: ``ui(key)`` names a catalogue text, and the browser shows it in its
# language. What a handler writes (status lines, errors, figures, cards) is rendered on the server in the
# visitor's language, ``Session.lang``, which every handler wrapped in ``localized`` speaks.

# Each language's texts are kept under its code ("zh"); the browser is set to its tag ("zh-CN", see style.py), from
# which Gradio's i18n library falls back to the code, as it does from a Traditional Chinese browser's "zh-TW".
I18N = gr.I18n()  # filled by ui() as the page is built; launch(i18n=I18N)


def ui(key: str, **params) -> gr.I18nData:
    """A catalogue text for a widget, translated in the visitor's browser: in every language charlm speaks. With
    parameters, each language is formatted now, under a key of its own."""
    texts = {lang: tr(key, lang, **params) for lang in languages()}
    if params:
        key = f"{key}({','.join(f'{k}={v}' for k, v in sorted(params.items()))})"
    for lang, text in texts.items():
        I18N.translations.setdefault(lang, {})[key] = text
    return I18N(key)


def localized(handler):
    """An event handler as the app runs it: in its visitor's language (the first Session among its arguments says
    which), its torch work on one core (``one_core``). Gradio runs a generator's every step in a thread of its own,
    so both are set for each step; an async generator's steps run in the event loop."""

    def language_of(args) -> str:
        return next((a.lang for a in args if isinstance(a, Session)), DEFAULT)

    if inspect.isgeneratorfunction(handler):

        @functools.wraps(handler)
        def stream(*args, **kwargs):
            steps = handler(*args, **kwargs)
            while True:  # each step in the language as it is now: a switch during a run reaches its next line
                one_core()
                with speaking(language_of(args)):
                    try:
                        item = next(steps)
                    except StopIteration:
                        return
                yield item

        return stream

    if inspect.isasyncgenfunction(handler):  # in the event loop: each step in the language

        @functools.wraps(handler)
        async def flow(*args, **kwargs):
            one_core()  # for the threads it starts, which take its count (serving.arrivals)
            async with contextlib.aclosing(handler(*args, **kwargs)) as steps:
                while True:
                    with speaking(language_of(args)):  # a context variable: the task's own, across its awaits
                        try:
                            item = await anext(steps)
                        except StopAsyncIteration:
                            return
                    yield item

        return flow

    @functools.wraps(handler)
    def call(*args, **kwargs):
        one_core()
        with speaking(language_of(args)):
            return handler(*args, **kwargs)

    return call


def follow_room(session: Session) -> None:
    """A session that follows a room uses the room's model as it stands now: the same object as every follower (the
    trace and memory of an older one go, as for any change of model). A closed room's last model stays theirs."""
    room = session.room
    if room is None:
        return
    if room.closed:
        session.room = None
    elif (model := room.model) is not None and session.model is not model:
        session.set_model(model, room.model_name(), None, room=room)


def api_parameters(handler, *names: str, request: bool = False):
    """Give ``handler(session, *values)`` (``request``: a gr.Request before the session) the signature Gradio's API
    reads: each value a parameter of that name, each optional (the widget's value as the page opens, else None), so
    that a client passes only what it changes. Returns the handler."""
    keyword = inspect.Parameter.POSITIONAL_OR_KEYWORD
    fixed = [inspect.Parameter("request", keyword, annotation=gr.Request)] if request else []
    fixed.append(inspect.Parameter("session_value", keyword))
    values = [inspect.Parameter(name, keyword, default=None) for name in names]
    handler.__signature__ = inspect.Signature([*fixed, *values])
    handler.__annotations__ = {"request": gr.Request} if request else {}
    return handler


def current_model(ctx: AppContext, session: Session) -> CharLM:
    follow_room(session)
    model = session.model or ctx.default_model
    if model is None:
        raise error(tr("app.no_model"))
    return model


def model_line(ctx: AppContext, session: Session) -> str:
    follow_room(session)
    model = session.model or ctx.default_model
    if model is None:
        return tr("app.model_line_none")
    name = session.model_name or tr("app.pretrained", name=ctx.start_up_checkpoint)
    return tr("app.model_line", name=name, details=described(model))


_DESCRIBED: weakref.WeakKeyDictionary[CharLM, dict[str, str]] = weakref.WeakKeyDictionary()


def described(model: CharLM) -> str:
    """``model.describe()`` in the active language, as Markdown, kept while the model lives: a room's followers show
    it at each frame, and it counts the model's parameters, walking all of them (a tenth of the event loop's time at
    200 followers). What it says (the architecture, the vocabulary's size, the parameters' count) cannot change."""
    lines = _DESCRIBED.setdefault(model, {})
    if (line := lines.get(lang := active())) is None:
        line = lines[lang] = md(model.describe(lang))
    return line


def md(text: str) -> str:
    """Text from the library or the visitor, safe inside Markdown: "<unk>" and the like would be taken for tags and
    vanish, so the characters HTML gives meaning to are escaped."""
    return html.escape(str(text), quote=False)


def error(e: CharLMError | Msg | str) -> gr.Error:
    """A library error as Gradio shows it, in the active language, every character of it visible (its toast renders
    HTML). A visitor's mistake, not the server's: Gradio writes no traceback of it to the server's log (it would for
    every mistyped room code of a lecture's hall, and format each at the cost of the event loop's thread)."""
    return gr.Error(md(e), print_exception=False)


def number(label: str | Msg, value, whole: bool = False) -> float | int:
    """A widget's value as a number, or an error a visitor can read (the API accepts anything)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise error(tr("app.not_a_number", label=label, value=value)) from None
    if whole and not x.is_integer():
        raise error(tr("app.not_whole", label=label, value=value))
    return int(x) if whole else x


# torch's parallel work runs on OpenMP, which keeps a pool of worker threads for every thread that ever used more
# than one. Once several pools exist on a 2-core machine, OpenMP stops spinning between parallel regions (or several
# spin against each other), and training in the app ran 2.6× slower than on the command line, and in one run of four
# 5× slower. Gradio serves each event, and each step of a streaming one, from a thread of its own pool; a thread
# that has not set its count takes torch's process-wide one, which is whatever thread set it last (a training run's
# thread sets it to every core). So every handler's step sets its thread to one core (``localized``), and each training
# run gets a thread of its own with all the cores (AppContext.training_threads), which gives the process-wide count
# back to one and takes its pool with it when it ends.
def one_core() -> None:
    """torch on one core in this thread from now on (set only when it is not: setting it clears oneDNN's caches)."""
    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)


@contextlib.contextmanager
def one_thread():
    """torch on one thread for a while (the app's own start-up work): a thread that once ran torch on several keeps an
    OpenMP pool, and one more pool made every training run in the app 2× slower (measured, 2-core CPU)."""
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(saved)


def in_own_thread(run: Run, threads: int, observe=None) -> Iterator:
    """The run's events, produced in a thread of its own that uses ``threads`` cores and ends with the run; closing
    this iterator (Stop, a closed tab) stops the run and waits for its thread. ``observe(event, model)`` is called in
    that thread before each event is passed on, while the model is between two steps."""
    events: queue.SimpleQueue = queue.SimpleQueue()
    done = object()

    def work():
        torch.set_num_threads(threads)
        try:
            for event in run.events():
                if observe is not None:
                    observe(event, run.model)
                events.put(event)
        except BaseException as e:  # handed to the event handler, which shows it
            events.put(e)
        finally:
            torch.set_num_threads(1)  # the process-wide count, which a new handler thread takes, back to one core
            events.put(done)

    thread = threading.Thread(target=work, name="charlm-training", daemon=True)
    thread.start()
    try:
        while (item := events.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        run.trainer.stop()
        thread.join()
        give_memory_back()


RESUME_WAIT_SECONDS = 15  # how long a reloaded page waits for the run its old page was training to stop and be kept


def resume(ctx: AppContext, page: str, key: str | None, fresh: Session) -> tuple[str, Session | None]:
    """A page loaded with the key its browser kept: the visitor's session, if it lives, else ``fresh`` (the page's new
    one) under a new key. Returns the key to keep, and the session to use when it is not ``fresh``. A run the old page
    was training was stopped when it closed (``on_close``): it is waited for, so that it is in Compare, and the model
    it trained is current, when the page shows them."""
    session = ctx.sessions.resume(key, page) if key else None
    if session is None or session is fresh:
        return ctx.sessions.register(fresh, page), None
    deadline = time.monotonic() + RESUME_WAIT_SECONDS
    while (job := ctx.jobs.of(session)) is not None and job.stopped and time.monotonic() < deadline:
        time.sleep(0.05)
    return session.key, session


def release(ctx: AppContext, blocks: gr.Blocks, session: Session) -> None:
    """A closed tab's session, its time up (Gradio's expiry calls this): everything it held goes, its tabs' Gradio
    sessions with it, and the heap it freed goes back to the system. A session still open in another page (a reload)
    keeps everything; only its closed tabs' Gradio sessions go."""
    if not session.pages:
        session.release()
        ctx.sessions.drop(session)
        ctx.rooms.sweep()  # a room it owned closes: its owner has left
    forget(blocks, session)
    give_memory_back()


def give_memory_back() -> None:
    """Hand the heap a finished run freed back to the system. glibc keeps a separate heap for each thread that
    allocated, and gives little of it back on its own: without this the server's memory stays near its peak."""
    with contextlib.suppress(OSError, AttributeError):  # glibc only; elsewhere there is nothing to call
        ctypes.CDLL(None).malloc_trim(0)
