"""One visitor's state, and its lifetime on a server that stays up for a semester.

A visitor's ``Session`` lives in a ``gr.State``. Gradio frees a state when its tab has been closed for a while, but
only a state that a handler has written back; ours is changed in place. So when a tab closes (``closed``), the
session is written back once, with how long to keep it (``CHARLM_SESSION_MINUTES``, default 60), and Gradio's own
expiry then calls ``Session.release``: the models, runs and traces go, and the session's folder on disk with them.

While a session lives it keeps what its tabs show and nothing a finished run no longer needs: a run's dataset,
corpus text, trainer and optimizer go when it ends; its checkpoint (weights, history, optimizer state for
``--resume``, model card) is written to the session's folder, which Download zips.

A reload, or a phone that slept, opens a new page, which Gradio gives a new, empty session. So each session has a key,
kept in the visitor's browser (a ``gr.BrowserState``): the new page finds its session by it (``Sessions``) while the
session lives, and carries on with its runs, Compare and current model. A session is released only once no page that
uses it is open (``pages``).

Whether a run is in progress is said in one place: the app's ``Jobs``. Start claims a job (under a lock, before it
builds anything), so a second Start from the same session is refused; Stop and a closed tab set the job's stop
event; the run ends, and the job is released, in one place (``train_tab.train``'s ``finally``).
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CharLMError
from ..i18n import Msg
from ..inspection import Trace, Unit
from ..memory import GradientCurve, Memory
from ..model import CharLM
from ..run import Run
from ..train import Finished

KEPT_TEXTS = 3  # how many of a visitor's own texts a session keeps the validation text of, for Guess
SESSION_MINUTES = 60.0  # CHARLM_SESSION_MINUTES: how long a closed tab's session is kept (a phone that slept)


@dataclass
class RunSummary:
    """One finished (or stopped) training run, for the Compare tab."""

    name: str
    history: list[dict]
    parameters: int
    tokens_per_second: float
    best_valid_perplexity: float | None
    seconds: float
    engine: str = ""  # what it trained on: "scratch" or "fused"
    note: str | Msg = ""  # a group's comparison (a pair's speeds, a trio's training perplexities)
    span: int | None = None  # memory span over the start of its validation text (charlm.memory)
    gradients: GradientCurve | None = None  # gradients through time over the same text
    kept: str = "best"  # the weights it ended with: the best validation epoch's, or the "last" (the books' presets)
    pretrained: bool = False  # a shipped checkpoint's recorded run, added to Compare (not trained in this session)

    @property
    def train_perplexity(self) -> float:
        """The last epoch's training perplexity: the figure the books report."""
        return self.history[-1]["train_perplexity"]


@dataclass(eq=False)  # a session is itself: Jobs key by it, and two empty ones are not the same visitor
class Session:
    """One visitor's state: their current model and where it came from, their runs, their last trace."""

    model: CharLM | None = None  # None: the pretrained model loaded at start-up
    model_name: str | Msg = ""
    checkpoint: Path | None = None  # the folder ``model`` was loaded from, or its run was saved to (Download zips it)
    runs: list[RunSummary] = field(default_factory=list)
    trace: Trace | None = None  # None: nothing traced for the current model yet
    units: list[Unit] = field(default_factory=list)
    memory: Memory | None = None  # connectivity and gradients through time over the trace's first characters
    inspect_default: str = ""  # the sample Inspect last put in its text box (the visitor's own text is kept)
    lang: str = "en"  # the visitor's language (a code of charlm.i18n.languages()): their browser's, or the header's switch
    model_version: int = 0  # counts model changes: work that read an older model does not land (``set_model``)
    folder: Path | None = None  # this session's files (its last run's checkpoint, a Download), made when needed
    key: str = ""  # what the visitor's browser keeps, to find this session again after a reload (``Sessions``)
    pages: set[str] = field(default_factory=set)  # the Gradio sessions (tabs, reloads) open on it now
    broadcast: Any = None  # its last run as pages show it (run_view.Broadcast): what Share shares
    room: Any = None  # the room (rooms.Room) whose model is its current model, while it follows one
    watching: Any = None  # the stream that follows a room for it now (room_tab.watch): a new one ends the old
    game: Any = None  # the round of Shannon's game it plays (guess_tab.Round)
    own_texts: dict[str, str] = field(default_factory=dict)  # validation texts of its runs on its own text (``keep_text``)
    closed_pages: list[str] = field(default_factory=list)  # the Gradio sessions (tabs) it was used from, now closed
    released: bool = False

    def __deepcopy__(self, memo) -> Session:
        """Gradio gives each visitor a deep copy of the State's value: a new, empty session."""
        return Session(lang=self.lang)

    def set_model(self, model: CharLM | None, name: str | Msg = "", checkpoint: Path | None = None, room=None) -> None:
        """The visitor's model changed (trained, loaded, or a room's moved on): what was traced or measured of the old
        one goes. ``room``: the room it is the model of (a model of the visitor's own leaves the room's)."""
        self.model, self.model_name, self.checkpoint, self.room = model, name, checkpoint, room
        self.model_version += 1
        self.trace, self.units, self.memory = None, [], None

    def keep_text(self, run: Run) -> None:
        """A run on the visitor's own text: its validation text is kept (the last KEPT_TEXTS), by the SHA-256 its
        model's provenance records, so Guess can play it (``run.validation_text``); the app keeps no upload."""
        saved = run.provenance
        if saved.is_user_text and saved.text_sha256:
            self.own_texts.pop(saved.text_sha256, None)
            self.own_texts[saved.text_sha256] = run.validation_text()
            while len(self.own_texts) > KEPT_TEXTS:
                del self.own_texts[next(iter(self.own_texts))]

    def files(self, scratch: Path) -> Path:
        """This session's own folder, inside the app's ``scratch`` folder; removed by ``release``."""
        if self.folder is None or not self.folder.is_dir():
            scratch.mkdir(parents=True, exist_ok=True)
            self.folder = Path(tempfile.mkdtemp(prefix="session-", dir=scratch))
        return self.folder

    def release(self) -> None:
        """Let go of everything: models, runs, traces, files. Gradio calls this when a closed tab's time is up."""
        self.set_model(None)
        self.runs, self.inspect_default, self.broadcast, self.own_texts = [], "", None, {}
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
        self.released = True  # last: whoever waits for it finds everything gone


@dataclass(eq=False)
class Job:
    """A run in progress: claimed at the top of Start, before anything is built, released when it ends."""

    session: Session
    page: str  # the Gradio session (browser tab or API client) that started it: closing it stops the run
    stop_event: threading.Event = field(default_factory=threading.Event)
    run: Run | None = None  # once built, until it ends
    finished: Finished | None = None  # how it ended (Stop says so: the stream it stopped cannot)
    limit: float = 0.0  # its time limit, in seconds (a group's: its runs' together): the queue's estimate of the wait
    started: float = field(default_factory=time.monotonic)

    def attach(self, run: Run) -> None:
        """The run is built: a Stop that came while it was being built reaches it now."""
        self.run = run
        if self.stop_event.is_set():
            run.trainer.stop()

    def stop(self) -> None:
        self.stop_event.set()
        if (run := self.run) is not None:
            run.trainer.stop()

    @property
    def stopped(self) -> bool:
        return self.stop_event.is_set()


class Sessions:
    """The live sessions by key: how a reloaded page (its key in the browser) finds its visitor's session again."""

    def __init__(self):
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def register(self, session: Session, page: str) -> str:
        """A new visitor's session (or a key that is no longer known): a new key for it, opened on ``page``."""
        with self._lock:
            session.key = session.key or secrets.token_urlsafe(18)
            self._sessions[session.key] = session
            session.pages.add(page)
            return session.key

    def resume(self, key: str, page: str) -> Session | None:
        """The session ``key`` names, opened on ``page`` too; None when there is none (released, another server)."""
        with self._lock:
            session = self._sessions.get(key) if isinstance(key, str) else None
            if session is None or session.released:
                return None
            session.pages.add(page)
            return session

    def drop(self, session: Session) -> None:
        with self._lock:
            if self._sessions.get(session.key) is session:
                del self._sessions[session.key]

    def __len__(self) -> int:
        return len(self._sessions)


class Jobs:
    """The runs in progress, one per session at most: the one place that says whether a session is training."""

    def __init__(self):
        self._jobs: dict[Session, Job] = {}
        self._waiting: dict[str, float] = {}  # the pages whose Start waits for a slot, in order: their time limits
        self._lock = threading.Lock()

    def claim(self, session: Session, page: str, limit: float = 0.0) -> Job:
        """A job for a new run of ``session``'s; refused while it has one (a second Start, a double click)."""
        with self._lock:
            if session in self._jobs:
                raise CharLMError("train.already_training")
            self._waiting.pop(page, None)
            job = self._jobs[session] = Job(session, page, limit=limit)
            return job

    def wait(self, page: str, limit: float) -> None:
        """``page``'s Start waits in the queue, for a run of ``limit`` seconds."""
        with self._lock:
            self._waiting[page] = limit

    def unwait(self, page: str) -> None:
        with self._lock:
            self._waiting.pop(page, None)

    def waiting(self) -> list[str]:
        with self._lock:
            return list(self._waiting)

    def ahead(self, page: str) -> list[float]:
        """The time limits of the Starts waiting before ``page``'s."""
        with self._lock:
            pages = list(self._waiting)
            return [self._waiting[p] for p in pages[: pages.index(page)]] if page in self._waiting else []

    def time_left(self) -> list[float]:
        """The seconds each run in progress has left before its time limit."""
        now = time.monotonic()
        with self._lock:
            return [max(0.0, job.limit - (now - job.started)) for job in self._jobs.values()]

    def release(self, job: Job) -> None:
        with self._lock:
            if self._jobs.get(job.session) is job:
                del self._jobs[job.session]

    def of(self, session: Session) -> Job | None:
        with self._lock:
            return self._jobs.get(session)

    def on_page(self, page: str) -> list[Job]:
        with self._lock:
            return [job for job in self._jobs.values() if job.page == page]

    def all(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def __len__(self) -> int:
        return len(self._jobs)

    def __bool__(self) -> bool:
        return bool(self._jobs)


def closed(blocks, page: str, state, minutes: float) -> Session:
    """A tab (``page``, its Gradio session) was closed: its session is kept ``minutes`` more, then Gradio's expiry
    releases it (``state``'s ``delete_callback``, which calls ``forget``). Gradio only expires a state that a handler
    wrote back, so it is written back here; and the time a closed session is kept is Gradio's own setting for that
    session. A tab that never used its session gets an empty one, so that its Gradio session goes the same way."""
    holder = blocks.state_holder
    kept = holder.session_data.get(page)  # not holder[page]: that would make a new one for a page that had none
    if kept is None:
        return Session()
    session = kept.state_data.get(state._id)
    if not isinstance(session, Session):
        session = Session()
    session.pages.discard(page)
    session.closed_pages.append(page)
    with contextlib.suppress(AttributeError):
        kept.STATE_TTL_WHEN_CLOSED = minutes * 60
    kept[state._id] = session  # the time-to-live starts now
    return session


def forget(blocks, session: Session) -> None:
    """Drop the Gradio sessions of a released session's closed tabs. Each holds a copy of the whole page's
    configuration (about 0.3 MB here), which Gradio otherwise keeps until 10,000 newer visitors have come."""
    holder = blocks.state_holder
    with holder.lock:
        for page in session.closed_pages:
            kept = holder.session_data.get(page)
            if kept is not None and kept.is_closed:
                del holder.session_data[page]
                holder.time_last_used.pop(page, None)
    session.closed_pages = []
