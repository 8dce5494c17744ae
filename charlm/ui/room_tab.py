"""A run shared with a lecture's room (``rooms.py``): the owner's panel in the Train tab (Share, the code and the QR
code, Close) and the Room tab, where a follower types the code, or arrives from the QR code's ``?room=CODE``, and
watches the run live. While a visitor waits in the queue to train, they are told their place and offered a room.

Following is an async stream: a follower waits on its room's signal in the server's event loop, holding no thread and
no training slot, and each update it shows was drawn once for every follower who reads its language.
"""

from __future__ import annotations

import contextlib
import heapq
import html
import os
import shutil
import time

import gradio as gr
import segno
from gradio.data_classes import GradioModel, GradioRootModel

from ..errors import CharLMError
from ..i18n import speaking
from ..i18n import text as tr
from ..model import CharLM
from . import live_plot, style
from .common import AppContext, Session, error, localized, md, model_line, ui
from .rooms import Room

WAKE_SECONDS = 20.0  # a follower looks at its room at least this often, updated or not (a room that expired closes)
QUEUE_SECONDS = 3.0  # how often a visitor waiting to train is told their place


# -- the owner's panel, in the Train tab -------------------------------------------------------------


def room_address(request: gr.Request | None, code: str) -> str:
    """The address a phone opens to follow room ``code``: ``CHARLM_PUBLIC_URL``, else the page the owner shares from
    (its Referer: on a Space, the Space's own address), else the address the request came to."""
    base = os.environ.get("CHARLM_PUBLIC_URL", "").strip()
    headers = getattr(request, "headers", None) or {}
    referer = headers.get("referer", "")
    if not base and referer.startswith(("http://", "https://")):
        base = referer.split("#")[0].split("?")[0]
    if not base and (host := headers.get("x-forwarded-host") or headers.get("host")):
        base = f"{headers.get('x-forwarded-proto', 'http')}://{host}/"
    base = base or "http://127.0.0.1:7860/"
    return f"{base if base.endswith('/') else base + '/'}?room={code}"


def qr_html(address: str) -> str:
    """The address as a QR code (SVG, drawn by segno), with the address and how to join under it."""
    svg = segno.make(address, error="m").svg_inline(scale=8, border=2, title=address, omitsize=True)  # sized by CSS
    link = f"<a href='{html.escape(address)}' target='_blank'>{html.escape(address)}</a>"
    return f"<div class='room-qr-code'>{svg}</div><p class='room-join-at'>{tr('room.join_at', address=link)}</p>"


def followers_line(room: Room) -> str:
    return tr("room.followers", followers=room.followers)


def share(ctx: AppContext, session: Session) -> tuple[Room, str]:
    """Share the session's run (training, or its last): its room, new or the one it has, and what to tell the owner."""
    try:
        room, new = ctx.rooms.share(session)
    except CharLMError as e:
        raise error(e) from None
    return room, tr("room.shared" if new else "room.already_open", code=room.code)


def close(ctx: AppContext, session: Session) -> str:
    """Close the room the session owns; a follower is told only the owner can; what to tell them."""
    if (room := ctx.rooms.close(session)) is not None:
        return tr("room.closed_now", code=room.code)
    if (followed := session.room) is not None:
        raise error(tr("room.only_owner_closes", code=followed.code))
    return tr("room.none_to_close")


def owner_panel(ctx: AppContext, session: gr.State, share_button: gr.Button) -> gr.Column:
    """The room's code, its QR code, who follows, and Close: hidden until the owner shares (``share_button``)."""
    with gr.Column(scale=1, min_width=260, visible=False, elem_id="room-panel") as panel:
        code = gr.Textbox(label=ui("room.code"), interactive=False, max_lines=1, elem_id="room-code")
        qr = gr.HTML(elem_id="room-qr")
        count = gr.Markdown(elem_id="room-count")
        with gr.Row():
            fold = gr.Button(ui("room.fold"), size="sm", variant="secondary", elem_id="room-fold")
            close_button = gr.Button(ui("room.close"), size="sm", variant="secondary", elem_id="room-close")
    timer = gr.Timer(5, active=False)  # the followers' count on the owner's page (only there is it on)
    outputs = [code, qr, count, panel, timer]

    def shown(request: gr.Request | None, room: Room | None) -> tuple:
        if room is None:
            return "", "", "", gr.update(visible=False), gr.Timer(active=False)
        address = room_address(request, room.code)
        return room.code, qr_html(address), followers_line(room), gr.update(visible=True), gr.Timer(active=True)

    @localized
    def on_share(request: gr.Request, session_value: Session):
        room, note = share(ctx, session_value)
        gr.Info(note)
        return shown(request, room)

    @localized
    def on_close(request: gr.Request, session_value: Session):
        gr.Info(close(ctx, session_value))
        return shown(request, None)

    @localized
    def on_tick(session_value: Session):
        room = ctx.rooms.owned(session_value)
        return (followers_line(room), gr.skip()) if room else ("", gr.update(visible=False))

    @localized
    def on_restored(request: gr.Request, session_value: Session):  # a reload: the owner's open room, shown again
        room = ctx.rooms.owned(session_value)
        return shown(request, room) if room else (gr.skip(),) * len(outputs)

    room = {"concurrency_limit": None, "concurrency_id": "room"}
    fold.click(None, js=style.FOLD_ROOM)
    share_button.click(on_share, session, outputs, api_name="share_run", **room)
    close_button.click(on_close, session, outputs, api_name="close_room", **room)
    timer.tick(on_tick, session, [count, panel], api_visibility="private", **room)
    session.change(on_restored, session, outputs, api_visibility="private", **room)
    return panel


# -- the Room tab ------------------------------------------------------------------------------------


def room_frame(ctx: AppContext, room: Room, session: Session) -> tuple:
    """What a follower's page shows, in their language: the room's line, the run's plot, status and sample, and the
    current model's line (the room's model)."""
    plot, status, sample = room.broadcast.frame(session.lang, converted=True)
    if room.closed:
        why = tr(room.closed, code=room.code, minutes=f"{ctx.rooms.minutes:g}")
        line = tr("room.closed_line", code=room.code, why=why)
    else:
        name = md(room.broadcast.name) + ("" if room.model is not None else f" ({tr('room.model_waits')})")
        line = tr("room.following", code=room.code, followers=room.followers, name=name)
    return line, plot, status, sample, model_line(ctx, session)


def news(frame: tuple, sent: tuple | None) -> tuple:
    """``frame`` as a page that was last sent ``sent`` needs it: the plot's new data as a value alone while its range
    and titles stand. An update with properties (gr.update(y_lim=…), gr.skip() too) makes Gradio build the widget anew
    for that page, its config included: at a lecture's 200 followers that cost the training run most of its speed. A
    value that has not changed is sent again, as a value: Gradio sends a page only what differs."""
    if sent is None:
        return frame

    def props(update) -> dict | None:  # the plot's gr.update(value=…, y_lim=…, title=…) but its value
        return {k: v for k, v in update.items() if k != "value"} if isinstance(update, dict) else None

    def needed(new, old):
        if new == gr.skip():  # the plot before its first point: nothing to draw, said as a value
            return None
        return new["value"] if props(new) is not None and "value" in new and props(new) == props(old) else new

    return tuple(needed(new, old) for new, old in zip(frame, sent, strict=True))


def as_sent(outputs: list, frame: tuple) -> tuple:
    """``frame`` as the page receives it: each output's value through that output's own ``postprocess``, here, in the
    event loop. Gradio would run each in a worker thread, one hop per output per frame: at 200 followers, 1,000 hops for
    each update of the run, a quarter of the event loop's time. The follow events are registered with
    ``postprocess=False``, and send what this gives as it is."""

    def sent(component, value):
        if isinstance(value, dict) and value.get("__type__") == "update":  # properties, and perhaps a value
            return {**value, "value": sent(component, value["value"])} if "value" in value else value
        value = component.postprocess(value)
        return value.model_dump() if isinstance(value, GradioModel | GradioRootModel) else value

    return tuple(sent(c, v) for c, v in zip(outputs, frame, strict=True))


async def watch(ctx: AppContext, session: Session, code: str):
    """Follow the room ``code`` names: a frame now (the run so far), then one at each of its updates, until the room
    closes or this page follows another. Its model becomes the session's current model."""
    with speaking(session.lang):
        try:
            room = ctx.rooms.find(code)
        except CharLMError as e:
            raise error(e) from None
    token = session.watching = object()  # a second Follow from this session ends this stream
    if room.owner is not session:
        session.room = room  # Generate and Inspect use its model (common.follow_room)
    room.joined(1)
    seen, sent = -1, None
    try:
        while session.watching is token:
            if (version := room.signal.version) != seen:
                seen = version
                async with ctx.rooms.turns.turn():  # at most a few followers' frames in the event loop at once
                    with speaking(session.lang):  # not across the yield: the stream may go on in another context
                        frame = room_frame(ctx, room, session)
                    yield news(frame, sent)
                sent = frame
                if room.closed:
                    return
            await room.signal.wait(seen, WAKE_SECONDS)
            if room.expired(ctx.rooms.minutes, time.monotonic()):
                ctx.rooms.sweep()
    finally:
        room.joined(-1)


async def watched(ctx: AppContext, outputs: list, session: Session, code: str):
    """``watch``'s frames as the page receives them (``as_sent``). When Gradio closes this stream (Leave, a closed
    tab), ``watch`` is closed with it, at once: a frame in hand gives its turn back then, not when it is collected."""
    async with contextlib.aclosing(watch(ctx, session, code)) as frames:
        async for frame in frames:
            yield as_sent(outputs, frame)


def leave(session: Session) -> str:
    """Stop following: the stream ends, and the room's model stays the visitor's until they train or load another."""
    session.watching = None
    room, session.room = session.room, None
    if room is None:
        return tr("room.not_following")
    return tr("room.left", code=room.code)


def keep_copy(ctx: AppContext, session: Session) -> str:
    """The room's model as a model of the visitor's own: a copy in their session's folder (the whole run, resumable,
    once it has ended), which Download zips and ``--resume`` trains further."""
    room = session.room
    if room is None:
        raise error(tr("room.not_following"))
    if room.model is None:
        raise error(tr("room.no_model_yet", code=room.code))
    folder = session.files(ctx.scratch) / "model"
    shutil.rmtree(folder, ignore_errors=True)
    owner_run = room.owner.checkpoint if room.broadcast.done and room.model is room.owner.model else None
    if owner_run is not None and owner_run.is_dir():
        shutil.copytree(owner_run, folder)  # the run as its owner keeps it: history and optimizer state included
    else:
        room.model.save_pretrained(folder)
    session.set_model(CharLM.from_pretrained(folder), room.model_name(), folder)
    return tr("room.copy_kept", code=room.code)


def create(ctx: AppContext, demo: gr.Blocks, session: gr.State, current: gr.Markdown, language: gr.Radio) -> gr.Tab:
    with gr.Tab(ui("room.tab"), id="room") as tab:
        with gr.Row(equal_height=True):
            code = gr.Textbox(label=ui("room.join_code"), max_lines=1, max_length=200, scale=3, min_width=150,
                              elem_id="room-join-code")  # fmt: skip  (200: room for the whole address, pasted)
            join = gr.Button(ui("room.join"), variant="primary", scale=1, min_width=90, elem_id="room-join")
        line = gr.Markdown(elem_id="room-line")
        plot = live_plot.widget("room-plot")
        status = gr.Markdown(elem_id="room-status")
        sample = gr.Textbox(label=ui("train.sample"), lines=3, interactive=False, elem_id="room-sample")
        with gr.Row():
            copy_button = gr.Button(ui("room.keep_copy"), size="sm", elem_id="room-keep-copy")
            leave_button = gr.Button(ui("room.leave"), size="sm", elem_id="room-leave")
        gr.Markdown(ui("room.help"))

    async def follow(session_value: Session, code: str):
        async for sent in watched(ctx, outputs, session_value, code):
            yield sent

    outputs = [line, plot, status, sample, current]
    streaming = {"concurrency_limit": None, "concurrency_id": "room", "show_progress": "hidden", "postprocess": False}
    following = gr.on([join.click, code.submit], follow, [session, code], outputs, api_name="watch", **streaming)

    @localized
    def on_leave(session_value: Session):
        return leave(session_value), model_line(ctx, session_value)

    leave_button.click(on_leave, session, [line, current], cancels=[following], api_name="leave_room")

    @localized
    def on_copy(session_value: Session):
        return keep_copy(ctx, session_value), model_line(ctx, session_value)

    copy_button.click(on_copy, session, [line, current], api_name="keep_room_model")

    def speak(lang: str, plot_value):  # the switch: the plot's titles and series, until the next frame redraws it all
        with speaking(lang):
            return gr.update(**live_plot.plot_titles(), **live_plot.retitled(plot_value))

    language.change(speak, [language, plot], plot, api_visibility="private")

    def arrive(loaded, tabs: gr.Tabs) -> None:
        """After the page has found its session (``loaded``): a page opened at ``?room=CODE`` shows this tab and follows
        the room."""

        def from_address(request: gr.Request):
            asked = request.query_params.get("room", "") if request else ""
            return (asked, gr.Tabs(selected="room")) if asked else (gr.skip(), gr.skip())

        async def follow_asked(request: gr.Request, session_value: Session, code_value: str):
            if not (request and request.query_params.get("room")):
                yield (gr.skip(),) * len(outputs)  # a stream that yields nothing would blank its outputs
                return
            async for sent in watched(ctx, outputs, session_value, code_value):
                yield sent

        arrived = loaded.then(from_address, None, [code, tabs], api_visibility="private")
        arrived.then(follow_asked, [session, code], outputs, api_visibility="private", **streaming)

    tab.arrive = arrive
    return tab


# -- the queue for training ----------------------------------------------------------------------------


def wait_seconds(running: list[float], ahead: list[float], slots: int) -> float:
    """When a training slot frees for the next in line: ``running``, the seconds the runs in progress have left;
    ``ahead``, the time limits of those waiting before it; ``slots`` runs train at once."""
    free = sorted(running)[:slots] + [0.0] * max(0, slots - len(running))
    heapq.heapify(free)
    for limit in ahead:
        heapq.heappush(free, heapq.heappop(free) + limit)
    return free[0]


def duration(seconds: float) -> str:
    if seconds >= 90:
        return tr("room.minutes", minutes=round(seconds / 60))
    return tr("room.seconds", seconds=max(5, round(seconds / 5) * 5))


def queue_note(ctx: AppContext, page: str, session: Session, limit: float | None = None) -> str:
    """While a Start waits for a training slot: its place in the line and the wait, from the time limits of the runs
    ahead, and the room most followed, to follow meanwhile; "" once it trains, or when a slot is free. ``limit``: this
    Start was just pressed, for a run of ``limit`` seconds: it joins the line if every slot is taken."""
    jobs, slots = ctx.jobs, ctx.limits.max_trainings
    if jobs.of(session) is not None:
        jobs.unwait(page)
        return ""
    if limit is not None and page not in jobs.waiting():
        if len(jobs) + len(jobs.waiting()) < slots:
            return ""  # it trains at once
        jobs.wait(page, limit)
    if page not in jobs.waiting():
        return ""
    running, ahead = jobs.time_left(), jobs.ahead(page)
    note = tr("room.queue", place=len(ahead) + 1, running=len(running), slots=slots,
              wait=duration(wait_seconds(running, ahead, slots)))  # fmt: skip
    if rooms := [room for room in ctx.rooms.open() if not room.broadcast.done]:
        note += "  \n" + tr("room.queue_follow", code=rooms[0].code)
    return note
