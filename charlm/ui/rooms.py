"""Rooms: a run shared with a lecture's room, followed live from every phone in it.

The owner of a run shares it (``Rooms.share``): the room gets a short code, read aloud or scanned from a QR code of
the app's address with ``?room=CODE``. A page that follows the room (the Room tab, or ``watch`` through the API)
shows the run's frames as its owner sees them, in its own language: they come from the run's ``Broadcast``, which
draws each update once per language however many follow it. Following takes no training slot: a follower waits on
the room's ``Signal`` in the server's event loop, holding no thread. The room's model (the run's weights after its
last epoch, then the model it kept) is one object that every follower's Generate and Inspect read; nobody gets a
copy unless they ask to keep one.

A room follows its owner's runs: a new Start by the owner is shown in it too (a trio, one run after another). Only
the owner can stop a run or close the room. A room closes when its owner closes it, when the owner's session is
released (they left, and their closed tab's time is up), or ``CHARLM_ROOM_MINUTES`` (default 90) after its last run
ended. A code that was closed says why when someone tries it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import threading
import time
import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING

from ..errors import CharLMError
from ..i18n import Msg
from .session import Session

if TYPE_CHECKING:
    from .run_view import Broadcast

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: a code read off a projector is typed right
CODE_LENGTH = 7  # 31⁷ ≈ 2.8 × 10¹⁰ codes: 34.6 bits, too many to find a room by guessing
ROOM_MINUTES = 90.0  # CHARLM_ROOM_MINUTES: how long a room stays open after its last run ended
CLOSED_KEPT = 10_000  # closed codes remembered, to say why they no longer work
_CODE = re.compile(rf"[{ALPHABET}]{{{CODE_LENGTH}}}")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def read_code(raw) -> str:
    """A code as a person types it (any case, spaces or dashes inside) or the room's whole address, as a code; a
    clear error when it cannot be one."""
    text = str(raw or "").strip()
    if match := re.search(r"[?&]room=([^&#\s]*)", text):  # the address from the QR code, pasted
        text = match.group(1)
    code = re.sub(r"[\s\-_.]", "", text).upper()
    if not code:
        raise CharLMError("room.no_code")
    if not _CODE.fullmatch(code):
        raise CharLMError("room.malformed", code=text[:40], length=CODE_LENGTH)
    return code


def room_minutes(environ: dict[str, str] | None = None) -> float:
    """CHARLM_ROOM_MINUTES: how long a room stays open after its last run ended, in minutes (fractions allowed)."""
    raw = (os.environ if environ is None else environ).get("CHARLM_ROOM_MINUTES", "").strip()
    if not raw:
        return ROOM_MINUTES
    try:
        minutes = float(raw)
    except ValueError:
        minutes = 0.0
    if not minutes > 0:
        raise CharLMError("errors.env_positive_number", var="CHARLM_ROOM_MINUTES", value=raw)
    return minutes


class Signal:
    """A counter that changes: set from any thread (``bump``), awaited in an event loop (``wait``), so that hundreds of
    followers wait for the next update without a thread each."""

    def __init__(self):
        self.version = 0
        self._lock = threading.Lock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future]] = []

    def bump(self) -> None:
        with self._lock:
            self.version += 1
            waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            with contextlib.suppress(RuntimeError):  # its loop has closed
                loop.call_soon_threadsafe(_wake, future)

    async def wait(self, seen: int, timeout: float) -> int:
        """The version once it is no longer ``seen`` (at once if it is not), or after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self._lock:
            if self.version != seen:
                return self.version
            self._waiters.append((loop, future))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(future, timeout)
        return self.version


def _wake(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)


FRAMES_AT_ONCE = 8  # followers' frames on their way through Gradio at once, in each event loop (``Turns``)


class Turns:
    """Followers take turns: at most ``at_once`` of their frames go through Gradio at a time. An update wakes every
    follower at once, and Gradio's handling of a frame is several steps in the event loop, each queued behind every
    step already waiting: at a lecture's 200 followers, each step of anyone else's request (a Generate's next
    characters) waited behind 200 frames, 0.4 s a time, and a 200-character sample took 2 to 5 s. Taking turns
    delivers the same frames in the same time, while another request's step waits behind a few. A turn lasts from
    the frame's yield to the stream's resumption, which Gradio asks for once the frame is on its way to the page.

    A turn begins with a pass of the event loop. Gradio's handling of a frame need not wait for anything (the page's
    values are made in the loop, ``room_tab.as_sent``): from the yield to the resumption is then one step, and a turn
    taken and given back within it never made anyone wait. The 200 followers an update woke ran their frames back to
    back, 0.1–0.35 s in which nothing else ran, once a second."""

    def __init__(self, at_once: int = FRAMES_AT_ONCE):
        self.at_once = at_once
        self._semaphores: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per event loop
        self._lock = threading.Lock()

    @contextlib.asynccontextmanager
    async def turn(self):
        """``async with turns.turn():`` around a follower's yield."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if (semaphore := self._semaphores.get(loop)) is None:
                semaphore = self._semaphores[loop] = asyncio.Semaphore(self.at_once)
        async with semaphore:
            await asyncio.sleep(0)  # what was waiting in the loop runs now, before this frame and the next few
            yield


class Room:
    """A shared run, by its code: the owner's session, the run it shows now, who follows it."""

    def __init__(self, code: str, owner: Session, broadcast: Broadcast):
        self.code, self.owner = code, owner
        self.signal = Signal()  # bumped at every update of the run it shows, and when it closes
        self.closed: str | None = None  # why it closed: a catalogue id ("room.closed_by_owner", …)
        self.ended: float | None = None  # when its last run ended (time.monotonic()); None while one trains
        self.followers = 0  # pages following it now
        self.game = None  # the round of Shannon's game its owner started for everyone (guess_tab.Pool)
        self._lock = threading.Lock()
        self.broadcast = broadcast
        self.show(broadcast)

    def show(self, broadcast: Broadcast) -> None:
        """The owner's run to show from now on (the one shared, or the owner's next)."""
        self.broadcast, broadcast.shared = broadcast, True
        broadcast.listen(lambda: self._published(broadcast))
        self._published(broadcast)

    def _published(self, broadcast: Broadcast) -> None:
        if broadcast is not self.broadcast:
            return  # an earlier run's last words
        self.ended = (self.ended or time.monotonic()) if broadcast.done else None
        self.signal.bump()

    @property
    def model(self):
        """The room's model: the run's after its last epoch, or the model it kept; None before its first epoch."""
        return self.broadcast.model

    def model_name(self) -> Msg:
        return Msg("room.model_name", code=self.code, name=self.broadcast.name, epoch=self.broadcast.epoch)

    def joined(self, change: int) -> None:
        with self._lock:
            self.followers += change

    def close(self, why: str) -> None:
        self.closed = why
        self.signal.bump()

    def expired(self, minutes: float, now: float) -> bool:
        return self.ended is not None and now - self.ended > minutes * 60


class Rooms:
    """The open rooms by code, at most one per owner; the codes of closed ones, to say why they no longer work."""

    def __init__(self, minutes: float = ROOM_MINUTES):
        self.minutes = minutes
        self.turns = Turns()  # every room's followers share the event loop's turns
        self._rooms: dict[str, Room] = {}
        self._closed: OrderedDict[str, str] = OrderedDict()  # code → why it closed
        self._lock = threading.Lock()

    def share(self, session: Session) -> tuple[Room, bool]:
        """A room for ``session``'s run (training, or its last), and whether it is new: an owner has one room, and a
        second Share gives the same one back."""
        with self._lock:
            self._sweep()
            if (room := self._owned(session)) is not None:
                return room, False
            broadcast = getattr(session, "broadcast", None)
            if broadcast is None:
                raise CharLMError("room.no_run")
            code = new_code()
            while code in self._rooms or code in self._closed:
                code = new_code()
            room = self._rooms[code] = Room(code, session, broadcast)
            return room, True

    def started(self, session: Session, broadcast: Broadcast) -> None:
        """``session`` started a run: the room it owns, if any, shows it."""
        with self._lock:
            room = self._owned(session)
        if room is not None:
            room.show(broadcast)

    def find(self, raw) -> Room:
        """The open room a code names; a clear error for a code that is malformed, unknown or closed."""
        code = read_code(raw)
        with self._lock:
            self._sweep()
            if (room := self._rooms.get(code)) is not None:
                return room
            why = self._closed.get(code)
        if why == "room.expired":
            raise CharLMError("room.expired", code=code, minutes=f"{self.minutes:g}")
        if why == "room.owner_left":
            raise CharLMError("room.owner_left", code=code)
        if why is not None:
            raise CharLMError("room.closed_by_owner", code=code)
        raise CharLMError("room.unknown", code=code)

    def owned(self, session: Session) -> Room | None:
        with self._lock:
            return self._owned(session)

    def close(self, session: Session, why: str = "room.closed_by_owner") -> Room | None:
        """Close the room ``session`` owns (None: it owns none)."""
        with self._lock:
            room = self._owned(session)
            if room is not None:
                self._close(room, why)
            return room

    def open(self) -> list[Room]:
        """The open rooms, the most followed first."""
        with self._lock:
            self._sweep()
            return sorted(self._rooms.values(), key=lambda room: -room.followers)

    def sweep(self) -> None:
        with self._lock:
            self._sweep()

    def _owned(self, session: Session) -> Room | None:
        return next((room for room in self._rooms.values() if room.owner is session), None)

    def _sweep(self) -> None:
        now = time.monotonic()
        for room in list(self._rooms.values()):
            if room.owner.released:
                self._close(room, "room.owner_left")
            elif room.expired(self.minutes, now):
                self._close(room, "room.expired")

    def _close(self, room: Room, why: str) -> None:
        del self._rooms[room.code]
        self._closed[room.code] = why
        while len(self._closed) > CLOSED_KEPT:
            self._closed.popitem(last=False)
        room.close(why)

    def __len__(self) -> int:
        return len(self._rooms)
