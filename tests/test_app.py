"""The app: its handlers called directly, then the served app driven through gradio_client."""

import re
import socket
import time

import gradio as gr
import pytest

import app
from charlm import CharLM
from charlm.limits import Limits

TINY = dict(cell="gru", layers=1, hidden=16, bidirectional=False, dropout=0.0, embedding=0, engine="auto", epochs=2,
            batch_size=8, num_steps=16, sampling="sequential", optimizer="adam", lr=1e-2, clip=1.0, seed=0)  # fmt: skip


@pytest.fixture(autouse=True)
def _corpora(shared, monkeypatch):
    monkeypatch.setenv("CHARLM_DATA_DIR", str(shared))


def train_args(session, **overrides):
    options = {**TINY, **overrides}
    corpus = options.pop("corpus", "timemachine")
    upload, pasted = options.pop("upload", None), options.pop("pasted", "")
    preset = options.pop("preset", None)
    return [session, preset, corpus, "raw", options.pop("max_chars", 6000), upload, pasted, *options.values()]


def test_training_streams_updates_and_leaves_the_model_with_the_session():
    session = app.Session()
    updates = list(app.train(*train_args(session), request=None))
    plot, status, sample, current = updates[-1]
    assert set(plot["series"]) == {"training", "validation"}
    assert plot[plot.series == "validation"].epoch.tolist() == [0.0, 1.0, 2.0]  # epoch 0: the untrained model
    assert "Finished after 2 epochs" in status and "After epoch 2" in sample
    assert isinstance(session.model, CharLM) and session.model.config.cell == "gru"
    assert len(session.runs) == 1 and session.runs[0].best_valid_perplexity < plot.perplexity.max()
    assert "run 1. GRU 1×16" in current and not session.training


def test_the_time_to_go_counts_down_to_the_time_limit(monkeypatch):
    """500 epochs would take many minutes; the 2-s limit ends the run first, and the estimate says so."""
    monkeypatch.setattr(app, "LIMITS", Limits(max_seconds=2.0))
    args = train_args(app.Session(), epochs=500, max_chars=100_000)  # epochs longer than the half-second updates
    statuses = [status for _plot, status, *_ in app.train(*args, request=None)]
    to_go = [float(m) for status in statuses for m in re.findall(r"about (\d+) s to go", status)]
    assert to_go and max(to_go) <= 2
    assert "Reached the time limit" in statuses[-1]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"hidden": 0}, "hidden_size must be a whole number ≥ 1"),
        ({"lr": -1}, "lr must be positive"),
        ({"batch_size": 4000}, "needs at least"),
        ({"hidden": 4096}, "over this server's cap"),
        ({"corpus": app.OWN_TEXT, "pasted": "   "}, "holds only whitespace"),
        ({"corpus": app.OWN_TEXT, "upload": b"\x89PNG\r\n\x1a\n\x00\x00"}, "looks like a binary file"),
        ({"corpus": app.OWN_TEXT, "pasted": "ab" * 40}, "needs at least"),
    ],
)
def test_bad_training_inputs_are_readable_errors(overrides, message):
    session = app.Session()
    with pytest.raises(gr.Error, match=message):
        list(app.train(*train_args(session, **overrides), request=None))
    assert session.model is None and session.runs == []  # nothing lost, nothing half-made


def test_a_preset_brings_its_options_that_have_no_widget():
    quick = app.preset_extras("quick-lstm")
    assert quick == {"precision": "auto", "lr_decay": 0.85, "lr_decay_after": 5, "max_seconds": 30}
    assert app.preset_extras(None) == {"precision": "auto", "max_seconds": app.LIMITS.max_seconds}
    assert "lr_decay" not in app.preset_extras("d2l-lstm")
    info = app.preset_info("quick-lstm")
    assert "learning rate × 0.85 per epoch after epoch 5" in info and "stops after 30 s" in info
    assert app.preset_model_extras("timemachine-best") == {"weight_drop": 0.3}
    assert "DropConnect 0.3 on the recurrent weights" in app.preset_info("timemachine-best")
    widgets = app.preset_widget_values("quick-lstm")
    assert widgets["recipe"] == "d2l" and widgets["layers"] == 2 and widgets["embedding"] == 64


def test_training_with_a_preset_selected_runs_with_its_extras():
    session = app.Session()
    *_, (_plot, status, _sample, _line) = app.train(*train_args(session, preset="quick-lstm", epochs=1), request=None)
    assert "Finished after 1 epoch" in status and ("bfloat16" in status or "float32" in status)
    list(app.train(*train_args(session, preset="timemachine-best", epochs=1), request=None))
    assert session.model.config.weight_drop == 0.3 and "weight drop 0.3" in session.model.describe()


def test_the_models_tab_lists_each_checkpoint_with_its_model_and_figure(tmp_path, monkeypatch):
    label = app.checkpoint_label(app.DEFAULT_CHECKPOINT)
    assert (
        label.startswith(f"{app.DEFAULT_CHECKPOINT} — LSTM 2×512 on The Time Machine")
        and "validation perplexity" in label
    )
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "config.json").write_text("{not json")
    assert app.start_up_checkpoint() == app.DEFAULT_CHECKPOINT  # the Models tab opens on the model loaded
    monkeypatch.setattr(app, "CHECKPOINTS", tmp_path)
    assert app.list_checkpoints() == ["broken"] and app.checkpoint_label("broken") == "broken"
    assert app.start_up_checkpoint() == "broken"  # without the default, the first there is
    monkeypatch.setattr(app, "CHECKPOINTS", tmp_path / "nothing")
    assert app.start_up_checkpoint() is None and app.load_default_model() is None


def test_a_run_trains_in_a_thread_of_its_own_with_every_core_and_handlers_stay_on_one(monkeypatch):
    """Several OpenMP pools on two cores made training in the app 2.6× slower than on the command line."""
    import threading

    import torch

    seen = {}
    run = app.Trainer.run

    def watched(trainer):
        seen.update(thread=threading.current_thread().name, threads=torch.get_num_threads())
        yield from run(trainer)

    monkeypatch.setattr(app.Trainer, "run", watched)
    list(app.train(*train_args(app.Session(), epochs=1), request=None))
    assert seen == {"thread": "charlm-training", "threads": app.TRAINING_THREADS}
    assert torch.get_num_threads() == 1  # the handler's own thread


def test_a_second_start_in_the_same_session_is_refused():
    session = app.Session(training=True)
    with pytest.raises(gr.Error, match="already training"):
        list(app.train(*train_args(session), request=None))


def test_generating_and_inspecting_before_any_model(monkeypatch):
    monkeypatch.setattr(app, "DEFAULT_MODEL", None)
    with pytest.raises(gr.Error, match="no model yet"):
        list(app.generate(app.Session(), "the", 20, 1.0, 0, 1.0, 0, 1))
    with pytest.raises(gr.Error, match="no model yet"):
        app.run_trace(app.Session(), "some text", 1, "forward", "h")


def test_the_pretrained_model_generates_streams_and_warns():
    assert app.DEFAULT_MODEL is not None  # checkpoints/ ships one, loaded at start-up
    updates = list(app.generate(app.Session(), "The Time Traveller€", 60, 0.0, 0, 1.0, 0, 2))
    text, note = updates[-1]
    assert len(updates) >= 2 and text.count("── sample") == 2
    assert "never saw: '€'" in note


def test_inspect_traces_and_a_clicked_unit_recolours_the_text():
    session = app.Session()
    text = app.default_inspect_text(session, "")
    assert len(text) > 100  # a sample from the model
    summary, heatmap, note, units, tinted, _sat = app.run_trace(session, text, 1, "forward", "c")
    assert "Traced" in summary and heatmap is not None and "Cell state" in note and len(units) > 0

    class Event:  # what Gradio passes for a click on row 2
        index = (2, 0)

    assert app.select_unit(session, Event()) != tinted
    fig, _ = app.render_gate(session, 1, "forward", "f")
    assert "Forget gate" in fig.layout.title.text


def test_loading_checkpoints_and_bad_ones(tmp_path):
    session = app.Session()
    line, card = app.load_checkpoint(session, "timemachine-lstm", "")
    assert "timemachine-lstm" in line and "validation perplexity" in card
    with pytest.raises(gr.Error, match="not in the local cache"):
        app.load_checkpoint(session, "", "nobody/no-such-model")
    with pytest.raises(gr.Error, match="Pick a pretrained checkpoint"):
        app.load_checkpoint(session, "", "")
    (tmp_path / "config.json").write_text("{}")  # a folder outside checkpoints/, reached by a crafted name
    with pytest.raises(gr.Error, match="no pretrained checkpoint called"):
        app.load_checkpoint(session, f"../../../../../../{tmp_path}", "")
    assert session.model is not None  # a failed load keeps the model the visitor had


def test_download_and_push_refusals():
    session = app.Session()
    assert app.download_model(session).endswith(".zip")
    with pytest.raises(gr.Error, match="user/name"):
        app.push_model(session, "noslash", "hf_x", True)
    with pytest.raises(gr.Error, match="write token"):
        app.push_model(session, "me/model", "", True)


def test_presets_fill_every_training_widget():
    values = app.apply_preset("d2l-lstm")
    assert len(values) == 17 and values[1] == "timemachine" and values[2] == "d2l-0.17" and values[6] == 256


def test_the_preprocessing_choices_follow_the_corpus():
    assert app.recipes_of("timemachine") == ("raw", "d2l", "d2l-0.17") and app.recipes_of(app.OWN_TEXT) == ("raw",)
    kept = app.offer_recipes("jaychou", "d2l")
    assert kept.choices == [("raw", "raw"), ("d2l", "d2l")] and kept.value == "d2l"
    assert "d2l: as in the Chinese d2l book" in kept.info and "0.17" not in kept.info  # each corpus's own recipes
    assert app.offer_recipes("jaychou", "d2l-0.17").value == "raw"  # the Chinese book has no 0.17 edition
    assert app.offer_recipes("moliere", "d2l").value == "raw" and app.offer_recipes(app.OWN_TEXT, "d2l").value == "raw"
    assert "The Time Machine (H. G. Wells) (d2l recipe)" in app.checkpoint_label("timemachine-lstm")


def test_limits_come_from_the_environment():
    limits = Limits.from_env({"CHARLM_MAX_HIDDEN": "64", "CHARLM_MAX_SECONDS": "2.5"})
    assert limits.max_hidden == 64 and limits.max_seconds == 2.5 and limits.max_layers == Limits().max_layers
    with pytest.raises(Exception, match="CHARLM_MAX_EPOCHS must be a positive whole number"):
        Limits.from_env({"CHARLM_MAX_EPOCHS": "lots"})


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm", "peephole"])
def test_describe_cell_shows_the_real_step_and_parameters(cell):
    summary, code, backward, rows = app.describe_cell(cell, 28, 256, 2, True)
    assert code.lstrip().startswith("def step(") and "return" in code
    assert backward.startswith(f"def {cell}_backward(") and "weight_hh" in backward
    gates = {"rnn": 1, "gru": 3, "lstm": 4, "peephole": 4}[cell]
    assert ["weight_ih_l1_reverse", f"{gates * 256} × 512", gates * 256 * 512] in rows
    assert f"**{sum(r[2] for r in rows):,} parameters**" in summary
    assert ("scratch only" in summary) == (cell == "peephole")


# -- the served app -------------------------------------------------------------------------------


@pytest.fixture
def served():
    from gradio_client import Client

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo = app.build_demo()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield Client(f"http://127.0.0.1:{port}/", verbose=False)
    finally:
        demo.close()


def test_the_served_app_trains_stops_generates_and_traces(served):
    client = served
    args = [None, "timemachine", "raw", 6000, None, "", *TINY.values()]
    _plot, status, _sample, current = client.predict(*args, api_name="/train")
    assert "Finished after 2 epochs" in status and "GRU 1×16" in current
    text, _ = client.predict("the ", 40, 0.0, 0, 1.0, 0, 1, api_name="/generate")
    assert text.startswith("the ") and len(text) == 44
    summary, *_ = client.predict("the time traveller", 1, "forward", "h", api_name="/trace")
    assert "Traced 18 characters" in summary

    # a long run, stopped part-way: the session keeps a model and the server stays responsive
    job = client.submit(*args[:6], *{**TINY, "epochs": 400}.values(), api_name="/train")
    time.sleep(4)
    job.cancel()
    start = time.perf_counter()
    text, _ = client.predict("the ", 20, 0.0, 0, 1.0, 0, 1, api_name="/generate")
    assert len(text) == 24 and time.perf_counter() - start < 20


def test_one_visitors_training_does_not_block_anothers_generation(served):
    from gradio_client import Client

    trainer, visitor = served, Client(served.src, verbose=False)
    args = [None, "timemachine", "raw", 60000, None, "", *{**TINY, "epochs": 100}.values()]
    job = trainer.submit(*args, api_name="/train")
    time.sleep(3)  # training is under way
    start = time.perf_counter()
    text, _ = visitor.predict("the ", 100, 0.8, 0, 1.0, 1, 1, api_name="/generate")
    waited = time.perf_counter() - start
    assert len(text) == 104 and not job.done() and waited < 15, waited
    job.cancel()
