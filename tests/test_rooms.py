"""Rooms: a run shared with a lecture's room (charlm/ui/rooms.py, room_tab.py, run_view.py), without a server.

The served app, the API and the browser are in test_api_served.py, test_browser_room.py and tests/load.py --room.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time

import gradio as gr
import pandas as pd
import pytest
import torch
from conftest import form

from charlm.errors import CharLMError
from charlm.i18n import speaking
from charlm.ui import room_tab, train_tab
from charlm.ui.common import current_model, model_line
from charlm.ui.live_plot import LivePlot
from charlm.ui.rooms import ALPHABET, CODE_LENGTH, Rooms, Signal, Turns, new_code, read_code, room_minutes
from charlm.ui.run_view import Broadcast
from charlm.ui.session import Session


def owner_with_a_run(name: str = "1. GRU 1×16") -> Session:
    owner = Session()
    owner.broadcast = Broadcast(name, 2, 0.0, lambda event: "cpu")
    return owner


def message(e: pytest.ExceptionInfo, lang: str) -> str:
    with speaking(lang):
        return str(e.value.message)


# -- codes ---------------------------------------------------------------------------------------------


def test_a_code_has_more_than_30_bits_and_no_characters_that_look_alike():
    assert len(ALPHABET) ** CODE_LENGTH > 2**34 and not set("01ILO") & set(ALPHABET)
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000 and all(len(c) == CODE_LENGTH and set(c) <= set(ALPHABET) for c in codes)


def test_a_code_is_read_as_people_type_it_or_paste_its_address():
    assert read_code("k7m 4qx-p") == read_code(" K7M4QXP ") == "K7M4QXP"
    assert read_code("https://someone-charlm.hf.space/?lang=zh&room=k7m4qxp#top") == "K7M4QXP"


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("typed", ["", "   ", "K7M4", "K7M4QXPP", "K7M4QX0", "KIM4QXP", "房间代码", None])
def test_a_malformed_code_says_what_a_code_looks_like_in_both_languages(typed, lang):
    with pytest.raises(CharLMError) as e:
        read_code(typed)
    said = message(e, lang)
    assert e.value.message.id in ("room.no_code", "room.malformed") and "room." not in said
    assert ("7" in said) and (("letters and digits" in said) if lang == "en" else ("字母和数字" in said))


def test_room_minutes_come_from_the_environment_and_nonsense_is_refused():
    assert room_minutes({}) == 90 and room_minutes({"CHARLM_ROOM_MINUTES": "0.5"}) == 0.5
    for bad in ("0", "-3", "soon"):
        with pytest.raises(CharLMError, match="CHARLM_ROOM_MINUTES must be a positive number"):
            room_minutes({"CHARLM_ROOM_MINUTES": bad})


# -- a room's life -------------------------------------------------------------------------------------


def test_sharing_needs_a_run_and_an_owner_has_one_room():
    rooms = Rooms()
    with pytest.raises(CharLMError) as e:
        rooms.share(Session())  # no run yet
    assert "press Start" in message(e, "en") and "开始训练" in message(e, "zh")
    owner = owner_with_a_run()
    room, new = rooms.share(owner)
    again, second = rooms.share(owner)
    assert new and not second and again is room and len(rooms) == 1 and rooms.find(room.code.lower()) is room
    said = room_tab.share(type("Ctx", (), {"rooms": rooms})(), owner)[1]
    assert room.code in said and "already" in said


def test_a_room_follows_its_owners_next_run_and_only_the_owner_closes_it():
    rooms = Rooms()
    owner = owner_with_a_run()
    room, _ = rooms.share(owner)
    nxt = Broadcast("2. LSTM 1×32", 2, 0.0, lambda event: "cpu")
    rooms.started(owner, nxt)
    assert room.broadcast is nxt and nxt.shared
    rooms.started(Session(), Broadcast("x", 1, 0.0, str))  # someone else's run: not this room's
    assert room.broadcast is nxt
    follower = Session(room=room)
    assert rooms.close(follower) is None and not room.closed  # a follower cannot close it
    assert rooms.close(owner) is room and room.closed == "room.closed_by_owner"
    with pytest.raises(CharLMError) as e:
        rooms.find(room.code)
    assert message(e, "en") == f"Room {room.code} was closed by its owner." and room.code in message(e, "zh")


def test_an_unknown_code_and_a_room_whose_owner_left_say_so_in_both_languages():
    rooms = Rooms()
    with pytest.raises(CharLMError) as e:
        rooms.find("K7M4QXP")
    assert "no room K7M4QXP" in message(e, "en") and "没有课堂 K7M4QXP" in message(e, "zh")
    owner = owner_with_a_run()
    room, _ = rooms.share(owner)
    owner.release()  # their closed tab's time is up
    with pytest.raises(CharLMError) as e:
        rooms.find(room.code)
    assert "its owner has left" in message(e, "en") and "主人已经离开" in message(e, "zh")
    assert room.closed == "room.owner_left" and len(rooms) == 0


@pytest.mark.slow
def test_a_room_expires_its_minutes_after_its_last_run_ended_not_while_one_trains():
    rooms = Rooms(minutes=0.01)  # 0.6 s
    owner = owner_with_a_run()
    room, _ = rooms.share(owner)
    room.broadcast.publish()
    time.sleep(0.7)
    assert rooms.find(room.code) is room  # still training: open however long it takes
    room.broadcast.publish(done=True)
    assert rooms.find(room.code) is room and room.ended is not None
    time.sleep(0.7)
    with pytest.raises(CharLMError) as e:
        rooms.find(room.code)
    assert "0.01 minutes after its last run ended" in message(e, "en") and "0.01 分钟后关闭" in message(e, "zh")


def test_a_signal_wakes_its_waiters_from_another_thread_and_times_out_otherwise():
    signal = Signal()

    async def scenario():
        started = time.perf_counter()
        assert await signal.wait(seen=signal.version, timeout=0.2) == 0  # nothing came
        assert 0.15 < time.perf_counter() - started < 2
        loop = asyncio.get_running_loop()
        loop.call_later(0.1, lambda: __import__("threading").Thread(target=signal.bump).start())
        started = time.perf_counter()
        assert await signal.wait(seen=0, timeout=10) == 1 and time.perf_counter() - started < 2
        assert await signal.wait(seen=0, timeout=10) == 1  # already changed: at once

    asyncio.run(scenario())


# -- the run, its frames and its model ----------------------------------------------------------------


def run_shared(ctx, owner: Session, epochs: int = 3):
    """Train a tiny run in ``owner``'s session, sharing it after its first update; the room and the updates."""
    updates, room = [], None
    for update in train_tab.train(ctx, None, owner, *form(epochs=epochs)):
        updates.append(update)
        if room is None:
            room, _ = ctx.rooms.share(owner)
    return room, updates


@pytest.mark.slow
def test_a_follower_sees_the_owners_frames_in_its_own_language_and_the_history_so_far(ctx):
    owner = Session()
    room, updates = run_shared(ctx, owner)
    plot, status, sample, *_ = updates[-1]
    en, zh = room.broadcast.frame("en"), room.broadcast.frame("zh")
    assert en[1] == status and en[2] == sample and "Finished after 3 epochs" in status
    assert zh[1] != en[1] and "3 个迭代周期" in zh[1]
    assert en[0]["value"].equals(plot["value"])  # the whole run's curves, for a follower who came at the end
    assert en[0] is not room.broadcast.frame("en")[0]  # each page gets a dict of its own (Gradio pops its value)
    assert room.ended is not None and room.broadcast.done


@pytest.mark.slow
def test_followers_use_one_copy_of_the_rooms_model_which_nothing_trains(ctx):
    owner = Session()
    room, _ = run_shared(ctx, owner)
    first, second = Session(), Session(lang="zh")
    first.room = second.room = room
    model = current_model(ctx, first)
    assert model is current_model(ctx, second) is room.model is owner.model  # the model the run kept, shared
    with speaking("zh"):
        assert f"课堂 {room.code} 的模型" in model_line(ctx, second)
    assert f"room {room.code}'s model (run 1. GRU 1×16, after epoch" in model_line(ctx, first)
    own = room_tab.keep_copy(ctx, first)  # the follower wants to train further: a copy of their own, on disk
    assert room.code in own and first.model is not room.model and first.room is None
    assert (first.checkpoint / "training_state.json").is_file()  # the owner's whole run: --resume trains it further
    for name, tensor in room.model.state_dict().items():
        assert torch.equal(first.model.state_dict()[name], tensor)


@pytest.mark.slow
def test_while_a_shared_run_trains_its_room_model_is_a_frozen_copy_after_each_epoch(ctx):
    owner = Session()
    follower = Session()
    seen = []
    room = None
    for _update in train_tab.train(ctx, None, owner, *form(epochs=4, max_chars=20000)):
        if room is None:
            room, _ = ctx.rooms.share(owner)
            follower.room = room
        elif room.model is not None and not room.broadcast.done:
            seen.append(room.model)
    assert seen, "no epoch ended while the run was shared"
    snapshot = seen[0]
    assert not snapshot.training and not any(p.requires_grad for p in snapshot.parameters())
    assert snapshot is not owner.model and room.model is owner.model  # at the end: the model the run kept


def test_a_followers_stop_leaves_the_rooms_run_alone_and_says_why(ctx, monkeypatch):
    owner, follower = owner_with_a_run(), Session(lang="zh")
    room, _ = ctx.rooms.share(owner)
    follower.room = room
    job = ctx.jobs.claim(owner, "owner-page")
    said = []
    monkeypatch.setattr(gr, "Info", said.append)
    assert train_tab.stop(ctx, None, follower) == (gr.skip(), gr.skip())
    assert not job.stopped and said == [f"这次训练属于课堂 {room.code} 的主人：只有主人可以停止它。要训练你自己的模型，请点击“开始训练”。"]  # noqa: E501
    with pytest.raises(gr.Error, match="Only the owner"):
        room_tab.close(ctx, Session(room=room))
    assert not room.closed and "no open room" in room_tab.close(ctx, Session())
    ctx.jobs.release(job)


def test_watching_streams_each_update_and_ends_with_the_closed_room(ctx):
    owner = owner_with_a_run()
    room, _ = ctx.rooms.share(owner)
    follower = Session()

    async def follow():
        frames = []
        async for frame in room_tab.watch(ctx, follower, room.code):
            frames.append(frame)
            if len(frames) == 1:
                threading_bump(lambda: owner.broadcast.publish())
            elif len(frames) == 2:
                assert room.followers == 1
                threading_bump(lambda: ctx.rooms.close(owner))
        return frames

    frames = asyncio.run(asyncio.wait_for(follow(), 10))
    assert len(frames) == 3 and f"**Room {room.code}** · 1 following" in frames[0][0]
    assert "is closed" in frames[-1][0] and room.followers == 0
    # No output is ever an update with properties after the first frame (each would rebuild the widget for the page):
    # a text that stands is sent again as it is (Gradio sends nothing for it), the plot's data as a value
    assert not [output for frame in frames[1:] for output in frame if isinstance(output, dict)], frames[1:]
    assert frames[1][2:] == frames[0][2:] == frames[2][2:]  # the run's status, sample and model line stand
    assert follower.room is None  # a closed room is nobody's to follow; its last model, if any, stays theirs


def test_followers_take_turns_and_one_that_goes_mid_turn_gives_its_turn_back(ctx):
    """An update wakes every follower at once; at most ``at_once`` of their frames are on their way through Gradio at a
    time (from the yield to the stream's resumption), and a page that closes holding a turn gives it back."""
    ctx.rooms.turns = Turns(at_once=2)
    owner = owner_with_a_run()
    room, _ = ctx.rooms.share(owner)
    holding, most, seen = 0, 0, {}

    async def page(k: int, leaves: bool):
        nonlocal holding, most
        stream = room_tab.watch(ctx, Session(), room.code)
        seen[k] = 0
        try:
            async for _frame in stream:
                holding += 1
                most = max(most, holding)
                seen[k] += 1
                if leaves and seen[k] == 2:
                    holding -= 1
                    return  # the page closed with a frame in hand: the stream is closed, not resumed
                await asyncio.sleep(0.02)  # Gradio at work on the frame
                holding -= 1
        finally:
            await stream.aclose()

    async def lecture():
        pages = [asyncio.create_task(page(k, leaves=k == 0)) for k in range(6)]
        while room.followers < 6:
            await asyncio.sleep(0.01)
        for _ in range(3):
            threading_bump(lambda: owner.broadcast.publish())
            await asyncio.sleep(0.3)
        threading_bump(lambda: ctx.rooms.close(owner))
        await asyncio.gather(*pages)

    asyncio.run(asyncio.wait_for(lecture(), 20))
    assert most == 2, most
    assert seen == {0: 2, **dict.fromkeys(range(1, 6), 5)}, seen  # the first frame, 3 updates, the closed room


def test_other_work_runs_between_a_few_followers_frames_when_gradio_sends_each_without_waiting(ctx):
    """Gradio's handling of a frame may not wait for anything: each follower then takes its frame and asks for the
    next in one step of the event loop. The 30 an update woke still take turns, ``at_once`` at a time, and a task
    that only wants the loop now and then (another visitor's Generate) gets it between every few frames."""
    ctx.rooms.turns = Turns(at_once=3)
    owner = owner_with_a_run()
    room, _ = ctx.rooms.share(owner)
    log: list[str] = []  # "frame" or "tick", in the order they ran

    async def page():
        stream = room_tab.watch(ctx, Session(), room.code)
        try:
            async for _frame in stream:
                log.append("frame")  # handled and sent without waiting: the stream is resumed in the same step
        finally:
            await stream.aclose()

    async def ticker(over: asyncio.Event):
        while not over.is_set():
            log.append("tick")
            await asyncio.sleep(0)

    async def lecture() -> list[str]:
        pages = [asyncio.create_task(page()) for _ in range(30)]
        while log.count("frame") < 30:  # each page's first frame
            await asyncio.sleep(0.01)
        over = asyncio.Event()
        ticking = asyncio.create_task(ticker(over))
        log.clear()
        threading_bump(lambda: owner.broadcast.publish())
        while log.count("frame") < 30:
            await asyncio.sleep(0.01)
        seen = list(log)
        over.set()
        threading_bump(lambda: ctx.rooms.close(owner))
        await asyncio.gather(*pages, ticking)
        return seen

    seen = asyncio.run(asyncio.wait_for(lecture(), 20))
    runs = [len(list(group)) for kind, group in itertools.groupby(seen) if kind == "frame"]
    assert sum(runs) == 30 and max(runs) <= 3, runs  # as it was: runs of 5, 11 and 14, nothing else in between


def test_a_follower_is_sent_the_plots_data_alone_while_its_range_and_titles_stand():
    plot = LivePlot()
    for epoch, perplexity in ((0, 30.0), (0.5, 12.0), (1, 10.0)):
        plot.add("training", epoch, perplexity)
    first = ("line", plot.update(), "status", "sample", "model")
    plot.add("training", 1.2, 9.9)  # inside the range, which the data still fill: it stands
    second = ("line", plot.update(), "status 2", "sample", "model")
    sent = room_tab.news(second, first)
    assert isinstance(sent[1], pd.DataFrame) and len(sent[1]) == 4 and sent[1] is second[1]["value"]
    assert sent[::2] == second[::2] and sent[3] == second[3]  # the texts, as they are
    plot.add("training", 1.4, 3.0)  # out of the range: a new one, sent with the data
    third = ("line", plot.update(done=True), "status 2", "sample", "model")
    sent = room_tab.news(third, second)
    assert sent[1] is third[1] and sent[1]["y_lim"][0] < 1.58 < second[1]["y_lim"][0]
    assert room_tab.news(first, None) is first  # the first frame, whole


def test_the_live_plots_range_leaves_room_for_a_learning_curves_fall():
    """A falling curve, two points an epoch for 13 epochs: each range holds the data and is at least half filled by
    them, and it changes at a few updates, not most (each change makes Gradio build every follower's plot anew)."""
    plot, ranges = LivePlot(), []
    for k in range(26):
        epoch = (k + 1) / 2
        plot.add("training", epoch, 6 + 30 * math.exp(-epoch))
        if epoch == int(epoch):
            plot.add("validation", epoch, 6.5 + 30 * math.exp(-epoch))
        update = plot.update()
        shown = update["value"][update["value"]["epoch"] >= 1] if epoch > 1.5 else update["value"]
        low, high = shown["bits per character"].min(), shown["bits per character"].max()
        (bottom, top), ranges = update["y_lim"], [*ranges, update["y_lim"]]
        assert bottom < low <= high < top, (epoch, low, high, bottom, top)
        assert high - low >= 0.5 * (top - bottom) or len(shown) == 1, (epoch, low, high, bottom, top)
    changes = sum(a != b for a, b in itertools.pairwise(ranges))
    assert 1 <= changes <= 4, changes  # with 10% below, as it was, 6


def threading_bump(action) -> None:
    import threading

    threading.Timer(0.05, action).start()


def test_watching_a_bad_code_is_a_clear_error(ctx):
    async def follow(code):
        async for _ in room_tab.watch(ctx, Session(lang="zh"), code):
            pass

    with pytest.raises(gr.Error, match="不是课堂代码"):
        asyncio.run(follow("nope"))
    with pytest.raises(gr.Error, match="没有课堂"):
        asyncio.run(follow("K7M4QXP"))


# -- the queue ------------------------------------------------------------------------------------------


def test_the_wait_comes_from_the_time_limits_of_the_runs_ahead():
    assert room_tab.wait_seconds([], [], 2) == 0
    assert room_tab.wait_seconds([30.0], [], 2) == 0  # a slot is free
    assert room_tab.wait_seconds([30.0, 10.0], [], 2) == 10
    assert room_tab.wait_seconds([30.0, 10.0], [60.0], 2) == 30  # the one ahead takes the slot freed at 10 s
    assert room_tab.wait_seconds([30.0, 10.0], [60.0, 60.0], 2) == 70


def test_a_start_that_waits_is_told_its_place_and_offered_a_room(ctx):
    busy = [Session() for _ in range(ctx.limits.max_trainings)]
    jobs = [ctx.jobs.claim(s, f"page-{i}", limit=90) for i, s in enumerate(busy)]
    room, _ = ctx.rooms.share(owner_with_a_run())
    first, second = Session(), Session(lang="zh")
    note = room_tab.queue_note(ctx, "first-page", first, limit=30)
    assert "number 1 in the queue" in note and "about 90 s to wait" in note
    assert f"follow room [{room.code}](?room={room.code})" in note
    with speaking("zh"):
        assert "排第 2 位" in room_tab.queue_note(ctx, "second-page", second, limit=30)  # after the first's 30 s
        assert "大约还要等 90 秒" in room_tab.queue_note(ctx, "second-page", second)  # two slots: the other one frees
    ctx.jobs.release(jobs[0])
    ctx.jobs.claim(first, "first-page")  # its turn: it leaves the line
    assert room_tab.queue_note(ctx, "first-page", first) == "" and ctx.jobs.waiting() == ["second-page"]
    assert "number 1 in the queue" in room_tab.queue_note(ctx, "second-page", second)
    ctx.jobs.unwait("second-page")  # its Stop, or its closed tab
    assert room_tab.queue_note(ctx, "second-page", second) == "" and ctx.jobs.waiting() == []
    for job in jobs[1:]:
        ctx.jobs.release(job)
    assert room_tab.queue_note(ctx, "third-page", Session(), limit=30) == ""  # a slot is free: no note, no line
