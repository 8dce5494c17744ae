"""A Space that runs for a semester: a visitor's session is released after their tab closes, nothing is left on disk,
one Start is one run, and a visitor's events do not trample each other."""

import copy
import gc
import multiprocessing
import sys
import threading
import time
import weakref

import gradio as gr
import pytest
import torch
from conftest import form, free_port
from load import local_client
from test_zerogpu import QUOTA, StandInSpaces, zero_gpu_context
from test_zerogpu import main_process_without_cuda as main_process_without_cuda  # a fixture

from charlm import CharLM
from charlm.ui import inspect_tab, models_tab, run_view, train_tab
from charlm.ui.common import Session
from charlm.ui.session import Jobs


def wait_until(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def served_demo(ctx):
    """The app on 127.0.0.1 at a free port, with its Blocks (the test reads Gradio's state holder)."""
    import app

    port = free_port()
    demo = app.build_demo(ctx)
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **app.launch_options())
    return demo, f"http://127.0.0.1:{port}/"


def session_of(demo, page: str) -> Session:
    kept = demo.state_holder.session_data[page]
    return next(value for value in kept.state_data.values() if isinstance(value, Session))


# -- a session's lifetime ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_each_visitor_gets_a_fresh_session_and_release_lets_go_of_everything(ctx):
    template = Session(lang="zh")
    first, second = copy.deepcopy(template), copy.deepcopy(template)  # what Gradio does for each new visitor
    assert first is not second and first.lang == "zh" and first.model is None and first.runs == []
    train_tab_run(ctx, first)
    folder, model = first.folder, weakref.ref(first.model)
    assert (folder / "model" / "config.json").is_file() and first.checkpoint == folder / "model"
    first.release()
    gc.collect()
    assert not folder.exists() and first.model is None and first.runs == [] and first.trace is None
    assert model() is None  # nothing else held on to it: the run's trainer, dataset and text went when it ended


def train_tab_run(ctx, session, **overrides):
    return list(train_tab.train(ctx, None, session, *form(**{"epochs": 1, **overrides})))


def test_a_finished_run_keeps_its_checkpoint_on_disk_not_its_trainer(ctx):
    session = Session()
    train_tab_run(ctx, session)
    assert not hasattr(session, "run")  # no Run (dataset, corpus text, trainer, optimizer) is kept
    assert all(p.grad is None for p in session.model.parameters())  # nor the gradients of its last step
    saved = session.checkpoint
    assert {"model.safetensors", "optimizer.safetensors", "training_state.json", "README.md"} <= {
        p.name for p in saved.iterdir()
    }
    zipped = models_tab.download(ctx, session)
    assert zipped.endswith("charlm-model.zip") and "## Training" in (saved / "README.md").read_text(encoding="utf-8")
    models_tab.served(ctx, session)  # Gradio has its copy: ours goes
    assert not (session.folder / "download").exists()


@pytest.mark.slow
def test_a_closed_tabs_session_is_released_by_gradios_own_expiry(ctx, monkeypatch):
    """On the code before this test, a session changed in place was never written back, so Gradio never expired it: a
    closed tab's runs, model and files stayed until 10,000 other visitors had come."""
    monkeypatch.setenv("GRADIO_HEARTBEAT_INTERVAL", "0.5")  # how soon the server notices a closed client
    ctx.session_minutes = 0.02  # 1.2 s instead of an hour
    demo, url = served_demo(ctx)
    try:
        client = local_client(url)
        _plot, status, _sample, _line, _queue = client.predict(*form(epochs=1), api_name="/train")
        assert "Finished after 1 epoch" in status
        client.predict(api_name="/download")
        session = session_of(demo, client.session_hash)
        folder, model = session.folder, weakref.ref(session.model)
        assert (folder / "model").is_dir() and session.runs  # a browser's Download is removed once served (``.then``)
        client.close()
        assert wait_until(lambda: session.released), "the closed tab's session was never released"
        gc.collect()
        assert not folder.exists() and session.model is None and session.runs == [] and model() is None
        assert client.session_hash not in demo.state_holder.session_data  # nor Gradio's copy of the page for it
        assert demo.delete_cache == (60, 600)  # Gradio's own copies (Downloads, uploads) are cleared too
    finally:
        demo.close()


def test_gradios_cache_is_cleared_on_while_a_handler_adds_to_it(tmp_path, monkeypatch):
    """Gradio's own clearing walked each set of its files as a handler's thread added to it, raised "Set changed size
    during iteration", and its scheduled task ended for the life of the server (tests/load.py --soak 30, 9 minutes in:
    every Download's copy stayed on disk from then on). Here each removal adds a file to the set being walked, as a
    Download served meanwhile does: the app's clearing goes on, the files it walked go, the newcomers and the kept one
    stay, and the next round takes the newcomers. A file that cannot be removed yet waits for the next round without
    stopping this one, and the name of one already gone is forgotten."""
    import inspect
    import os

    from gradio import route_utils

    from charlm.ui import app as ui_app

    with gr.Blocks() as demo:
        download = gr.File()
    ui_app.cache_clearing_that_lasts()
    assert route_utils.delete_files_created_by_app is ui_app.delete_files_created_by_app
    for gradios in (route_utils.delete_files_on_schedule, route_utils._lifespan_handler):  # they call it by that name
        assert "delete_files_created_by_app" in inspect.getclosurevars(inspect.unwrap(gradios)).globals
    files = download.temp_files
    old = [tmp_path / f"old-{i}.zip" for i in range(4)]
    for path in old:
        path.write_bytes(b"zip")
        files.add(str(path))
    kept = tmp_path / "example.txt"
    kept.write_text("an example the page shows")
    files.add(str(kept))
    download.keep_in_cache = {str(kept)}
    newcomers, remove = [], os.remove

    def remove_while_a_download_arrives(path):
        newcomer = tmp_path / f"new-{len(newcomers)}.zip"
        newcomer.write_bytes(b"zip")
        files.add(str(newcomer))  # during the walk
        newcomers.append(newcomer)
        remove(path)

    monkeypatch.setattr(os, "remove", remove_while_a_download_arrives)
    route_utils.delete_files_created_by_app(demo, age=3600)  # the young ones stay
    assert not newcomers and all(p.exists() for p in old)
    route_utils.delete_files_created_by_app(demo, age=None)
    assert len(newcomers) == len(old)  # the set grew while it was walked
    assert not any(p.exists() for p in old) and kept.exists() and all(p.exists() for p in newcomers)
    assert files == {str(kept), *map(str, newcomers)}
    in_use, vanished = tmp_path / "in-use.zip", str(tmp_path / "removed-by-someone-else.zip")
    in_use.write_bytes(b"zip")
    files.update({str(in_use), vanished})

    def remove_unless_in_use(path):
        if path == str(in_use):
            raise PermissionError(13, "The process cannot access the file because it is being used", path)  # Windows
        remove(path)

    monkeypatch.setattr(os, "remove", remove_unless_in_use)
    route_utils.delete_files_created_by_app(demo, age=None)
    assert files == {str(kept), str(in_use)} and not any(p.exists() for p in newcomers) and kept.exists()
    monkeypatch.setattr(os, "remove", remove)  # no longer in use: the next round takes it
    route_utils.delete_files_created_by_app(demo, age=None)
    assert files == {str(kept)} and not in_use.exists()


# -- one Start, one run ---------------------------------------------------------------------------------------------


def test_two_starts_at_once_from_one_session_train_once_and_the_run_can_be_stopped(ctx):
    """On the code before this test both Starts passed the "already training" check before either set it."""
    session, outcomes = Session(), []
    barrier = threading.Barrier(2)

    def start():
        barrier.wait()
        try:
            outcomes.append(list(train_tab.train(ctx, None, session, *form(epochs=400, max_chars=20_000))))
        except gr.Error as e:
            outcomes.append(e)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    assert wait_until(lambda: outcomes and ctx.jobs.of(session) and ctx.jobs.of(session).run)  # one refused, one runs
    status, line = train_tab.stop(ctx, None, session)  # and that one can be stopped
    for t in threads:
        t.join(timeout=30)
    errors = [o for o in outcomes if isinstance(o, gr.Error)]
    assert len(outcomes) == 2 and len(errors) == 1 and "already training" in str(errors[0])
    assert "Stopped after" in status and not ctx.jobs and len(session.runs) <= 1 and line


@pytest.mark.slow
def test_a_run_in_a_process_of_its_own_is_followed_stopped_and_kept(ctx):
    """CHARLM_TRAIN_IN_A_PROCESS: the run trains in a forked process; its snapshots reach this one after every epoch
    (a room's followers get its model), Stop ends the process, and what it had finished is kept, as on ZeroGPU."""
    ctx.train_apart = "always"
    session, outcomes = Session(), []
    thread = threading.Thread(target=lambda: outcomes.extend(train_tab_run(ctx, session, epochs=400, max_chars=20_000)))
    thread.start()
    assert wait_until(lambda: ctx.jobs.of(session) and ctx.jobs.of(session).run)
    room, _ = ctx.rooms.share(session)
    assert wait_until(lambda: room.model is not None and room.broadcast.epoch >= 2, 60), "no epoch's model reached the room"
    status, _line = train_tab.stop(ctx, None, session)
    thread.join(timeout=60)
    assert "Stopped after" in status and not ctx.jobs and not thread.is_alive()
    assert len(session.runs) == 1 and len(session.runs[0].history) >= 2 and session.model is not None
    assert not [p for p in multiprocessing.active_children() if p.name == "charlm-training"]  # the process is gone
    saved = CharLM.from_pretrained(session.checkpoint)
    assert all(torch.equal(saved.state_dict()[k], v) for k, v in session.model.state_dict().items())


def test_training_apart_is_asked_for_and_only_on_the_cpu():
    from charlm.ui.common import train_apart

    linux = sys.platform.startswith("linux")
    assert train_apart("cpu", {}) == ("room" if linux else "never")  # by default, a room owner's runs
    assert train_apart("cpu", {"CHARLM_TRAIN_IN_A_PROCESS": "1"}) == ("always" if linux else "never")
    assert train_apart("cpu", {"CHARLM_TRAIN_IN_A_PROCESS": "0"}) == "never"
    assert train_apart("cuda", {"CHARLM_TRAIN_IN_A_PROCESS": "1"}) == "never"  # CUDA does not survive a fork


@pytest.mark.slow
def test_a_room_owners_next_run_trains_apart_by_default(ctx):
    """The lecturer shared a run; the next one they start trains in a process of its own, the room following it."""
    ctx.train_apart = "room"
    session = Session()
    train_tab_run(ctx, session)  # alone: in a thread
    room, _ = ctx.rooms.share(session)
    seen = []
    real = run_view.in_a_process
    with pytest.MonkeyPatch.context() as m:
        m.setattr(run_view, "in_a_process", lambda *a: seen.append(a) or real(*a))
        train_tab_run(ctx, session, epochs=2)
    assert len(seen) == 1 and len(session.runs) == 2 and room.model is not None and room.broadcast.done


def test_run_names_are_unique_and_stop_with_nothing_running_says_so(ctx, monkeypatch):
    session = Session()
    for _ in range(2):
        train_tab_run(ctx, session)
    assert [r.name for r in session.runs] == ["1. GRU 1×16, fused", "2. GRU 1×16, fused"]
    infos = []
    monkeypatch.setattr(gr, "Info", infos.append)
    assert train_tab.stop(ctx, None, session) == (gr.skip(), gr.skip())
    assert infos == ["Nothing is training in this session."]


def test_a_stop_that_comes_while_the_run_is_built_reaches_it():
    jobs, session = Jobs(), Session()
    job = jobs.claim(session, "tab")
    job.stop()  # before the run exists

    class Trainer:
        stopped = False

        def stop(self):
            self.stopped = True

    class Run:
        trainer = Trainer()

    job.attach(Run())
    assert Run.trainer.stopped and job.stopped
    with pytest.raises(Exception, match="already training"):
        jobs.claim(session, "another tab")
    jobs.release(job)
    assert jobs.claim(session, "tab") is not job and jobs.of(session).page == "tab"


# -- a visitor's events do not trample each other ---------------------------------------------------------------------


def test_a_load_while_a_trace_runs_ends_with_the_trace_of_the_model_now_current(ctx, monkeypatch):
    """On the code before this test the trace of the model that was current when Trace was clicked was kept as the
    new model's: a 256-unit GRU's Inspect showed the 2 × 512 LSTM's gates."""
    session, traced = Session(), []
    real = inspect_tab.traced

    def slow_trace(model, text, *args, **kwargs):
        traced.append(model.config.cell)
        if len(traced) == 1:  # the visitor clicks Load while the first trace runs
            models_tab.load_checkpoint(ctx, session, "timemachine-gru", "")
        return real(model, text, *args, **kwargs)

    monkeypatch.setattr(inspect_tab, "traced", slow_trace)
    inspect_tab.run_trace(ctx, session, "the time traveller", 1, "forward", "h")
    assert traced == ["lstm", "gru"] and session.model.config.cell == "gru"
    assert session.trace.gates[(0, 0)]["h"].shape[1] == 256  # the GRU's 256 units, not the LSTM's 512
    assert "h" in session.trace.gates[(0, 0)] and "c" not in session.trace.gates[(0, 0)]


def test_memory_measured_for_an_old_model_is_not_kept_for_the_new_one(ctx, monkeypatch):
    session = Session()
    inspect_tab.run_trace(ctx, session, "the time traveller went", 1, "forward", "h")
    real = inspect_tab.measure

    def measure_then_load(model, text, *args, **kwargs):
        m = real(model, text, *args, **kwargs)
        models_tab.load_checkpoint(ctx, session, "timemachine-gru", "")  # while it was measured
        return m

    monkeypatch.setattr(inspect_tab, "measure", measure_then_load)
    inspect_tab.shown_memory(ctx, session)
    assert session.memory is None and session.trace is None and session.model.config.cell == "gru"


@pytest.mark.slow
def test_a_pair_whose_first_run_failed_on_zero_gpu_compares_nothing(ctx, monkeypatch, main_process_without_cuda):
    """On the code before this test the pair compared its second run with an earlier run of the session's."""
    spaces = StandInSpaces()
    on_space = zero_gpu_context(ctx, monkeypatch, spaces)
    session = Session()
    list(train_tab.train(on_space, None, session, *form(epochs=1), on_cpu=True))  # an earlier run
    earlier = session.runs[0]
    spaces.refuse = QUOTA  # the pair's first run gets no GPU
    updates = list(train_tab.train_group(on_space, None, session, *form(preset="pair-d2l-lstm", epochs=1, hidden=16)))
    status = updates[-1][1]
    assert "The group stops here: run 1 left no model to compare" in status and QUOTA in status
    assert session.runs == [earlier] and earlier.note == "" and len(spaces.calls) == 1 and not on_space.jobs


@pytest.mark.slow
def test_a_pair_stopped_in_its_first_run_does_not_start_the_second(ctx):
    session = Session()
    updates = train_tab.train_group(ctx, None, session, *form(preset="pair-d2l-lstm", epochs=400, max_chars=20_000))
    statuses = []
    for _plot, status, *_ in updates:
        statuses.append(status)
        if "validation perplexity" in str(status) and ctx.jobs.of(session):  # an epoch is in: Stop
            ctx.jobs.of(session).stop()
    assert len(session.runs) == 1 and session.runs[0].name.endswith("scratch") and not ctx.jobs
    assert not any("Run 2 of 2" in str(s) for s in statuses) and "Stopped after" in str(statuses[-1])


def test_the_start_up_model_survives_a_visitors_release(ctx):
    session = Session()
    models_tab.load_checkpoint(ctx, session, "timemachine-gru", "")
    session.release()
    assert isinstance(ctx.default_model, CharLM) and session.model is None


# -- a reload finds its session ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_reload_finds_its_session_which_is_released_only_once_no_page_is_open(ctx):
    import app
    from charlm.ui.common import release, resume

    demo = app.build_demo(ctx)
    first = copy.deepcopy(Session())  # a page's own new session, as Gradio makes it
    key, found = resume(ctx, "page-1", "", first)
    assert found is None and len(key) >= 24 and first.key == key and first.pages == {"page-1"}
    train_tab_run(ctx, first)
    key_again, found = resume(ctx, "page-2", key, copy.deepcopy(Session()))  # the reload, with the browser's key
    assert key_again == key and found is first and first.pages == {"page-1", "page-2"}
    first.pages.discard("page-1")  # the old page closed (``closed``); its time is up:
    release(ctx, demo, first)
    assert not first.released and first.runs and first.model is not None  # the reloaded page still uses it
    first.pages.discard("page-2")
    release(ctx, demo, first)
    assert first.released and len(ctx.sessions) == 0
    for stale in (key, "forged-key", None, 42):  # released, never given, nothing kept, not even a string
        fresh = copy.deepcopy(Session())
        new_key, found = resume(ctx, "page-3", stale, fresh)
        assert found is None and new_key not in (key, stale) and fresh.key == new_key


@pytest.mark.slow
def test_picking_another_preset_clears_the_last_runs_status_plot_and_sample(ctx):
    """The rehearsal: a new preset left the last run's status, curves and sample on screen, under another recipe."""
    demo, url = served_demo(ctx)
    try:
        client = local_client(url)
        _plot, status, sample, _line, _queue = client.predict(*form(epochs=2), api_name="/train")
        assert "Finished after 2 epochs" in status and sample
        *filled, status, plot, sample = client.predict("d2l-gru", api_name="/apply_preset")
        assert (status, sample) == ("", "") and (plot or {}).get("value") is None  # the plot emptied
        assert "d2l.ai" in filled[0]  # the preset's About text came in
    finally:
        demo.close()
