"""The app: its tabs' handlers called directly, then the served app driven through gradio_client."""

import asyncio
import dataclasses
import inspect
import re
import time
import zipfile

import gradio as gr
import numpy as np
import pytest
import torch
from conftest import TINY, form
from load import local_client

from charlm import CharLM, CharLMConfig, serving
from charlm.bench import ENGINE_WAYS
from charlm.cells import CELLS
from charlm.cli import main
from charlm.i18n import rendered, speaking, text
from charlm.i18n.glossary import TERMS
from charlm.limits import Limits
from charlm.provenance import Provenance
from charlm.ui import cells_tab, compare_tab, generate_tab, inspect_tab, live_plot, models_tab, run_view, train_tab
from charlm.ui.common import AppContext, RunSummary, Session, localized, model_line
from charlm.ui.train_tab import OWN_TEXT


def train(ctx, session, **overrides):
    return list(train_tab.train(ctx, None, session, *form(**overrides)))


def busy(ctx) -> Session:
    """A session with a run in progress (claimed, as Start claims it)."""
    session = Session()
    ctx.jobs.claim(session, "elsewhere")
    return session


@pytest.mark.slow
def test_importing_any_app_module_changes_no_global_state():
    """Import side effects are checked in a fresh interpreter: no thread count set, no model loaded."""
    code = (
        "import torch; n = torch.get_num_threads(); import app, charlm.ui.train_tab, charlm.ui.inspect_tab, "
        "charlm.ui.generate_tab, charlm.ui.models_tab, charlm.ui.compare_tab, charlm.ui.cells_tab; "
        "import charlm.ui.common as c; assert torch.get_num_threads() == n, torch.get_num_threads(); "
        "assert not any(isinstance(v, torch.nn.Module) for m in (app, c) for v in vars(m).values()); print('clean')"
    )
    result = in_a_fresh_interpreter(code)
    assert result.stdout.strip() == "clean", result.stderr


@pytest.mark.slow
def test_the_apps_start_up_work_runs_on_one_thread_and_leaves_the_count_as_it_was(ctx, monkeypatch):
    """A thread that runs torch on several threads keeps an OpenMP pool; one more pool (the main thread's, from loading
    the start-up model on two) made every training in the app 2× slower: 6 epochs of the quick demo instead of 11."""
    import app
    from charlm.inspection import traced

    seen = []
    load = CharLM.from_pretrained

    def watched_load(*args, **kwargs):
        seen.append(("load", torch.get_num_threads()))
        return load(*args, **kwargs)

    def watched_trace(*args, **kwargs):
        seen.append(("trace", torch.get_num_threads()))
        return traced(*args, **kwargs)

    monkeypatch.setattr(CharLM, "from_pretrained", watched_load)
    monkeypatch.setattr(inspect_tab, "traced", watched_trace)
    saved = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        fresh = AppContext.create(ctx.checkpoints, ctx.limits)
        app.build_demo(fresh)
        assert torch.get_num_threads() == 2 and fresh.training_threads == 2
    finally:
        torch.set_num_threads(saved)
    assert seen == [("load", 1), ("trace", 1)]


def test_the_model_line_describes_a_model_once_in_each_language(ctx, monkeypatch):
    """A room's followers show the model line at every frame; counting the model's parameters each time was a tenth of
    the event loop's time at 200 of them. Each model is described once per language, and forgotten with the model."""
    calls = []
    describe = CharLM.describe
    monkeypatch.setattr(CharLM, "describe", lambda self, lang=None: calls.append(lang) or describe(self, lang))
    session = Session()
    tiny = CharLMConfig(vocab=["<unk>", *"abc "], hidden_size=8)
    session.set_model(CharLM(tiny), "a tiny one", None)
    lines = [model_line(ctx, session) for _ in range(3)]
    with speaking("zh"):
        chinese = model_line(ctx, session), model_line(ctx, session)
    assert calls == ["en", "zh"] and len(set(lines)) == 1 and len(set(chinese)) == 1
    assert "a tiny one" in lines[0] and f"{session.model.num_parameters:,}" in lines[0] and "当前模型" in chinese[0]
    session.set_model(CharLM(tiny), "another", None)  # a new model: described afresh
    assert "another" in model_line(ctx, session) and calls == ["en", "zh", "en"]


@pytest.mark.slow
def test_the_serving_process_freezes_the_page_and_libraries_out_of_the_collectors_passes():
    """A full pass of the garbage collector stops every thread for as long as it walks the heap: 0.4 s over torch,
    Gradio and the page at a lecture's 200 followers. What the app holds once its page is built is frozen out of those
    passes (in a fresh interpreter: the freeze is for the whole process)."""
    code = (
        "import gc, sys, torch, app; from charlm import serving; from charlm.ui.app import SWITCH_SECONDS, YOUNG_PASS, "
        "serving_process; serving.start_worker = lambda: None; demo = app.build_demo(); before = len(gc.get_objects()); "
        "serving_process(); after = gc.get_objects(); "
        "assert gc.get_freeze_count() > 0.9 * before > 100_000 and len(after) < 1_000, (gc.get_freeze_count(), before); "
        "assert not any(o is demo or o is demo.config for o in after); "
        "assert torch.get_num_threads() == 1 and sys.getswitchinterval() == SWITCH_SECONDS; "
        "assert gc.get_threshold()[0] == YOUNG_PASS; print('frozen')"
    )
    result = in_a_fresh_interpreter(code)
    assert result.stdout.strip() == "frozen", result.stderr


def test_a_new_sessions_config_reads_no_constructors_signature_and_is_the_same(monkeypatch):
    """Each new session's copy of the page's config asked ``inspect.signature`` of each block's constructor: half of
    its cost, at every phone that joins a room. The app works each out once (``signatures_once``); the config a session
    gets is the same as with the signatures worked out each time."""
    import inspect

    import gradio as gr
    from gradio.state_holder import SessionState

    from charlm.ui.app import signatures_once

    with gr.Blocks() as demo:  # a few of the page's kinds of block (build_demo calls signatures_once too)
        with gr.Tab("a"), gr.Row():
            gr.Button("b").click(lambda s, t: t, [gr.State(), gr.Textbox()], gr.Markdown())
        gr.Plot(), gr.LinePlot(), gr.Dataframe(), gr.Slider()
    signatures_once()
    worked_out = []
    from_function = inspect._signature_from_function
    monkeypatch.setattr(inspect, "_signature_from_function", lambda *a, **k: worked_out.append(a) or from_function(*a, **k))
    kept = SessionState(demo).config_values
    assert not worked_out, worked_out[:3]
    classes = {type(b) for b in demo.blocks.values()}
    assert {gr.Button, gr.Textbox, gr.Plot, gr.State, gr.Tab, gr.LinePlot} <= classes
    signatures = {cls: cls.__init__.__dict__.pop("__signature__") for cls in classes}  # as Gradio had it
    try:
        assert SessionState(demo).config_values == kept and len(worked_out) >= len(demo.blocks)
    finally:
        for cls, signature in signatures.items():
            cls.__init__.__signature__ = signature


def app_folder():
    from conftest import REPO

    return REPO


def in_a_fresh_interpreter(code: str):
    """``python -c code`` in the app's folder: for what changes the whole process (imports, threads, the collector)."""
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=app_folder())


def test_training_streams_updates_and_leaves_the_model_with_the_session(ctx):
    session = Session()
    update, status, sample, current, offer_cpu = train(ctx, session)[-1]
    plot, (low, high) = update["value"], update["y_lim"]
    assert set(plot["series"]) == {"training", "validation"}
    assert plot[plot.series == "validation"].epoch.tolist() == [0.0, 1.0, 2.0]  # epoch 0: the untrained model
    np.testing.assert_allclose(plot["bits per character"], np.log2(plot.perplexity))  # a log axis, perplexity on hover
    later = plot[plot.epoch >= 1]["bits per character"]  # the range follows the data from epoch 1 on, not from 0
    assert low < later.min() and later.max() < high < plot["bits per character"].max() and low > 0
    assert "Finished after 2 epochs" in status and "After epoch 2" in sample
    assert isinstance(session.model, CharLM) and session.model.config.cell == "gru"
    assert len(session.runs) == 1 and session.runs[0].best_valid_perplexity < plot.perplexity.max()
    assert "run 1. GRU 1×16" in current and not ctx.jobs.of(session)
    saved = CharLM.from_pretrained(session.checkpoint)  # the run's checkpoint, saved when it ended: Download zips it
    assert all(torch.equal(saved.state_dict()[k], v) for k, v in session.model.state_dict().items())
    assert offer_cpu == {"__type__": "update", "visible": False}  # the CPU button is for a GPU that could not be had


@pytest.mark.slow
def test_the_time_to_go_counts_down_to_the_time_limit(ctx):
    """500 epochs would take many minutes; the 2-s limit ends the run first, and the estimate says so."""
    ctx.limits = Limits(max_seconds=2.0)
    statuses = [status for _plot, status, *_ in train(ctx, Session(), epochs=500, max_chars=100_000)]
    to_go = [float(m) for status in statuses for m in re.findall(r"about (\d+) s to go", status)]
    assert to_go and max(to_go) <= 2
    assert "Reached the time limit" in statuses[-1]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"hidden": 0}, "hidden_size must be a whole number ≥ 1"),
        ({"lr": -1}, "lr must be positive"),
        ({"batch_size": 1000}, "needs at least"),  # 16,000 characters a minibatch: within the cap, over the text
        ({"hidden": 4096}, "over this server's cap"),
        ({"corpus": OWN_TEXT, "pasted": "   "}, "holds only whitespace"),
        ({"corpus": OWN_TEXT, "upload": b"\x89PNG\r\n\x1a\n\x00\x00"}, "looks like a binary file"),
        ({"corpus": OWN_TEXT, "pasted": "ab" * 40}, "needs at least"),
        ({"epochs": "many"}, "Epochs must be a number"),
    ],
)
def test_bad_training_inputs_are_readable_errors(ctx, overrides, message):
    session = Session()
    with pytest.raises(gr.Error, match=message):
        train(ctx, session, **overrides)
    assert session.model is None and session.runs == []  # nothing lost, nothing half-made


@pytest.mark.slow
def test_training_speaks_the_visitors_language(ctx):
    """A Chinese visitor's run: the status line, the plot's title and series, the sample and the run's name in
    Chinese; an English visitor's, as ever, in English."""
    session = Session(lang="zh")
    updates = train(ctx, session)
    update, status, sample, current, _offer_cpu = updates[-1]
    assert "上训练" in status and "个验证字符" in status and "迭代周期" in status
    assert update["title"] == "上一次训练的困惑度" and update["color_title"] == "曲线"
    assert set(update["value"]["series"]) == {"训练", "验证"}  # the colour map knows both languages' names
    assert set(live_plot.plot_colors()) == {"training", "validation", "训练", "验证"}
    assert sample.startswith("第 2 个迭代周期后：") and session.runs[0].name.startswith("1. GRU 1×16, ")  # a name, as is
    assert "**当前模型：** 训练 1. GRU 1×16" in current
    assert "Current model:** run 1. GRU 1×16" in model_line(ctx, session)  # the same model, and the English line
    english = train(ctx, Session())[-1]
    assert english[0]["title"] == "Perplexity of the last run"
    assert "Training on **" in english[1] and "After epoch 2" in english[2]


@pytest.mark.parametrize(
    "lang, epochs, message",
    [
        ("en", -1, "epochs must be a whole number ≥ 1, not -1"),
        ("zh", -1, "epochs 必须是 ≥ 1 的整数，而不是 -1"),
        ("en", "abc", "Epochs must be a number, not 'abc'."),
        ("zh", "abc", "迭代周期数 必须是数字，而不是 'abc'。"),
    ],
)
def test_a_bad_training_input_is_refused_in_the_visitors_language(ctx, lang, epochs, message):
    with pytest.raises(gr.Error) as refused:
        train(ctx, Session(lang=lang), epochs=epochs)
    assert refused.value.message == message


def test_the_train_tabs_server_written_texts_follow_the_language(ctx):
    """What the language switch redraws: the preset's and the corpus's descriptions and the dropdowns' labels."""
    from charlm.i18n import speaking

    with speaking("zh"):
        info, pair = train_tab.preset_info(ctx, "quick-lstm"), train_tab.preset_info(ctx, "pair-d2l-lstm")
        presets, corpora = labels(train_tab.preset_choices()), labels(train_tab.corpus_choices())
        recipes = train_tab.recipes_info("jaychou")
        own = train_tab.corpus_info(OWN_TEXT, "raw", None, "", 0)
    assert "快速演示" in info and "来源报告的结果" in info
    assert "第 5 个迭代周期之后，每个迭代周期把学习率乘以 0.85" in info
    assert "“开始训练”会先训练 **d2l：从零开始实现的长短期记忆网络（LSTM）**" in pair
    assert presets["d2l-lstm"] == "d2l：从零开始实现的长短期记忆网络（LSTM）" and corpora[OWN_TEXT] == "你自己的文本"
    assert recipes.startswith("raw：字符保持原样；d2l：") and own.startswith("请粘贴一些文本")
    assert labels(train_tab.preset_choices())["d2l-lstm"] == "d2l: LSTM from scratch"  # English outside the block


def labels(choices: list[tuple[str, str]]) -> dict[str, str]:
    return {value: label for label, value in choices}


def test_a_preset_brings_its_options_that_have_no_widget(ctx):
    quick = train_tab.base_spec(ctx, "quick-lstm").train
    assert (quick.precision, quick.lr_decay, quick.lr_decay_after, quick.max_seconds) == ("auto", 0.85, 5, 30)
    plain = train_tab.base_spec(ctx, None).train
    assert plain.precision == "auto" and plain.max_seconds == ctx.limits.max_seconds
    assert train_tab.base_spec(ctx, "d2l-lstm").train.lr_decay == 1
    info = train_tab.preset_info(ctx, "quick-lstm")
    assert "learning rate × 0.85 per epoch after epoch 5" in info and "stops after 30 s" in info
    assert "DropConnect 0.3 on the recurrent weights" in train_tab.preset_info(ctx, "timemachine-best")
    widgets = train_tab.preset_values(ctx, "quick-lstm")
    assert widgets["recipe"] == "d2l" and widgets["layers"] == 2 and widgets["embedding"] == 64
    assert set(widgets) <= set(train_tab.FORM_FIELDS)


@pytest.mark.slow
def test_training_with_a_preset_selected_runs_with_its_extras(ctx):
    session = Session()
    *_, (_plot, status, _sample, _line, _cpu) = train(ctx, session, preset="quick-lstm", epochs=1)
    assert "Finished after 1 epoch" in status and ("bfloat16" in status or "float32" in status)
    train(ctx, session, preset="timemachine-best", epochs=1)
    assert session.model.config.weight_drop == 0.3 and "weight drop 0.3" in session.model.describe()
    assert Provenance.of(session.model).preset == "timemachine-best"


def test_the_models_tab_lists_each_checkpoint_with_its_model_figure_and_size(ctx, tmp_path):
    rows = {row[0]: row for row in models_tab.table(ctx)}
    assert set(rows) == set(ctx.checkpoint_names()) and len(rows) >= 8
    _name, model, text, figure, size = rows["timemachine-lstm"]
    assert (model, text) == ("LSTM 1×256", "The Time Machine (H. G. Wells) (d2l recipe)")
    assert float(figure) == pytest.approx(4.56, abs=0.01) and 0.5 < float(size) < 5
    assert "## Training" in models_tab.card_of(ctx, "timemachine-lstm")
    assert models_tab.card_of(ctx, "../../etc") == ""  # listed names only
    label = ctx.checkpoint_label(ctx.start_up_checkpoint)
    assert label.startswith("timemachine-raw — LSTM 2×512 on The Time Machine") and "validation perplexity" in label

    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "config.json").write_text("{not json")
    with pytest.warns(UserWarning, match="start-up checkpoint could not be loaded.*no model.safetensors"):
        other = AppContext.create(tmp_path, Limits())
    assert other.checkpoint_names() == ["broken"] and other.checkpoint_label("broken") == "broken"
    assert other.start_up_checkpoint == "broken" and other.default_model is None  # the first there is; unreadable
    assert AppContext.create(tmp_path / "nothing", Limits()).start_up_checkpoint is None


@pytest.mark.slow
def test_a_run_trains_in_a_thread_of_its_own_with_every_core_and_handlers_stay_on_one(ctx, monkeypatch):
    """Several OpenMP pools on two cores made training in the app 2.6× slower than on the command line."""
    import threading

    from charlm.train import Trainer
    from charlm.ui.common import localized

    seen, run = {}, Trainer.run

    def watched(trainer):
        seen.update(thread=threading.current_thread().name, threads=torch.get_num_threads())
        yield from run(trainer)

    monkeypatch.setattr(Trainer, "run", watched)
    saved = torch.get_num_threads()
    try:
        list(localized(train)(ctx, Session(), epochs=1))
        assert torch.get_num_threads() == 1  # the handler's own thread
    finally:
        torch.set_num_threads(saved)
    assert seen == {"thread": "charlm-training", "threads": ctx.training_threads}


def test_a_second_start_in_the_same_session_is_refused(ctx):
    with pytest.raises(gr.Error, match="already training"):
        train(ctx, busy(ctx))


def test_generating_and_inspecting_before_any_model(ctx):
    ctx.default_model = None
    with pytest.raises(gr.Error, match="no model yet"):
        list(generate_tab.generate(ctx, Session(), "the", 20, 1.0, 0, 1.0, 0, 1))
    with pytest.raises(gr.Error, match="no model yet"):
        inspect_tab.run_trace(ctx, Session(), "some text", 1, "forward", "h")


def test_the_pretrained_model_generates_streams_and_warns(ctx, monkeypatch):
    assert ctx.default_model is not None  # checkpoints/ ships one, loaded when the app is built
    whole = list(generate_tab.generate(ctx, Session(), "The Time Traveller€", 60, 0.0, 0, 1.0, 0, 2))
    monkeypatch.setattr(generate_tab, "UPDATE_SECONDS", 0.0)  # as if each character took longer than an update's time
    updates = list(generate_tab.generate(ctx, Session(), "The Time Traveller€", 60, 0.0, 0, 1.0, 0, 2))
    text, note = updates[-1]
    sizes = [len(update[0]) for update in updates]  # an update at each arrival of characters: one or more steps
    assert len(updates) > 1 and sizes == sorted(set(sizes)) and text.count("── sample") == 2  # as it grows
    assert whole[-1] == (text, note) and len(whole) < 60  # no update before 0.1 s: a text done by then comes whole
    assert "never saw: '€'" in note and "&lt;unk&gt;" in note  # escaped, so Markdown shows <unk> instead of eating it
    with pytest.raises(gr.Error, match="at most 5 samples"):
        list(generate_tab.generate(ctx, Session(), "the", 20, 1.0, 0, 1.0, 0, 6))


def test_the_tabs_async_generate_writes_what_generate_writes_in_its_visitors_language(ctx, monkeypatch):
    """The tab's Generate handler is a coroutine woken as the characters arrive (``woken_sampling``), not a thread
    hopping to the event loop at each update: its updates, its last text and notes, and its errors in the visitor's
    language are ``generate``'s, with and without the generation worker."""

    @localized
    async def shown(session, *values):  # as the tab's handler
        async for made in generate_tab.woken_sampling(ctx, session, *values):
            yield made.shown()

    def generated(session, *values) -> list:
        async def read():
            return [update async for update in shown(session, *values)]

        return asyncio.run(read())

    monkeypatch.setattr(generate_tab, "UPDATE_SECONDS", 0.0)  # an update at each arrival
    for worker in (serving.start_worker(), None):
        if worker is None:
            serving.stop_worker()
        zh, en = Session(lang="zh"), Session()
        updates = generated(zh, "The Time Traveller€", 60, 0.0, 0, 1.0, 0, 2)
        assert len(updates) > 1 and updates[-1] == list(generate_tab.generate(ctx, zh, "The Time Traveller€", 60, 0.0,
                                                                              0, 1.0, 0, 2))[-1]  # fmt: skip
        assert "从未见过" in updates[-1][1] and "🔁 样本 1：" in updates[-1][1]
        with pytest.raises(gr.Error, match="温度 必须是数字，而不是 'hot'"):
            generated(zh, "the", 20, "hot", 0, 1.0, 0, 1)
        with pytest.raises(gr.Error, match="Temperature must be a number, not 'hot'"):
            generated(en, "the", 20, "hot", 0, 1.0, 0, 1)
        ctx_model, ctx.default_model = ctx.default_model, None
        with pytest.raises(gr.Error, match="no model yet"):
            generated(en, "the", 20, 1.0, 0, 1.0, 0, 1)
        ctx.default_model = ctx_model


def test_inspect_traces_and_a_clicked_unit_recolours_the_text(ctx):
    session = Session()
    text = inspect_tab.default_text(ctx, session, "")
    assert len(text) > 100  # a sample from the model
    summary, heatmap, note, units, tinted, _sat = inspect_tab.run_trace(ctx, session, text, 1, "forward", "c")
    assert "Traced" in summary and heatmap is not None and "Cell state" in note and len(units["data"]) > 0
    assert units["headers"] == ["tracks", "layer", "direction", "state", "unit", "correlation"]

    class Event:  # what Gradio passes for a click on row 2
        index = (2, 0)

    assert inspect_tab.select_unit(ctx, session, Event())[0] != tinted
    fig, _ = inspect_tab.render_gate(ctx, session, 1, "forward", "f")
    assert "Forget gate" in fig.layout.title.text
    *_layers_and_directions, gates = inspect_tab.choices(ctx, session)
    assert [g for _label, g in gates["choices"]] == list(CELLS["lstm"].recorded) and gates["value"] == "c"


@pytest.mark.slow
def test_inspect_and_generate_speak_their_visitors_language(ctx):
    """A Chinese visitor's trace: summary, heatmap, its note, the units table and the saturation legend in Chinese (the
    Chinese book's terms); an English visitor's, as ever, in English. The same for Generate's notes and errors."""
    text = inspect_tab.default_text(ctx, Session(), "")[:200]
    zh = Session(lang="zh")
    summary, heatmap, note, units, tinted, sat = inspect_tab.run_trace(ctx, zh, text + "€", 1, "forward", "c")
    assert summary.startswith("已追踪 201 个字符") and "从未见过" in summary  # the library's notice, in Chinese too
    assert heatmap.layout.title.text.startswith("记忆元，第 1 层（") and heatmap.layout.xaxis.title.text == "字符"
    assert "单元 %{y}" in heatmap.data[0].hovertemplate  # plotly's own placeholders kept
    assert note.startswith("**记忆元：**") and units["headers"][0] == "追踪的性质"
    assert re.search(r"第 \d 层\S+的单元 \d+ — ", tinted)  # the best unit, named in Chinese
    assert "输入门，第 1 层" in {t.name for t in sat.data} and sat.layout.title.text.startswith("门的饱和度")
    *_, gates = inspect_tab.choices(ctx, zh)
    assert ("遗忘门（forget gate，f）", "f") in gates["choices"]
    en = Session()
    summary, heatmap, note, units, _, sat = inspect_tab.run_trace(ctx, en, text, 1, "forward", "c")
    assert summary.startswith("Traced 200 characters · mean surprisal") and note.startswith("**Cell state:** the LSTM")
    assert heatmap.layout.title.text.startswith("Cell state, layer 1 (first 128 of 512 units, first 120 of 200")
    assert "input gate, layer 1" in {t.name for t in sat.data} and units["headers"][0] == "tracks"

    with pytest.raises(gr.Error, match="温度 必须是数字，而不是 'hot'"):
        list(generate_tab.generate(ctx, zh, "the", 20, "hot", 0, 1.0, 0, 1))
    with pytest.raises(gr.Error, match="Temperature must be a number, not 'hot'"):
        list(generate_tab.generate(ctx, en, "the", 20, "hot", 0, 1.0, 0, 1))
    sample, note = list(generate_tab.generate(ctx, zh, "The Time Traveller€", 60, 0.0, 0, 1.0, 0, 2))[-1]
    assert sample.startswith("── 样本 1 ──\nThe Time Traveller€") and "从未见过" in note and "🔁 样本 1：" in note
    sample, note = list(generate_tab.generate(ctx, en, "The Time Traveller€", 60, 0.0, 0, 1.0, 0, 2))[-1]
    assert sample.startswith("── sample 1 ──\n") and "never saw" in note and "🔁 Sample 1: " in note


@pytest.mark.slow
def test_a_change_of_language_redraws_the_inspect_tab_without_running_the_model(ctx, monkeypatch):
    session = Session()  # a visitor shown the start-up picture, traced once for all the tests (conftest) as by a server
    inspect_tab.shown_memory(ctx, session)  # measured when the tab first opened
    ablated = inspect_tab.switched_off(ctx, session, 2, "forward", "c", 7)

    def no_model_run(*args, **kwargs):
        raise AssertionError("a change of language ran the model")

    for name in ("traced", "measure", "ablate", "own_sample"):
        monkeypatch.setattr(inspect_tab, name, no_model_run)
    picked = (0, 0, "c", 3)  # a row clicked in the units table: its unit keeps tinting the text
    with speaking("zh"):
        redrawn = inspect_tab.redraw(ctx, session, 2, "forward", "f", "vowel", 5, "forward", picked, ablated)
    directions, gates, colours, off_directions, summary, heatmap, note, units, tinted, sat, *rest = redrawn
    target, connectivity, span, gradients, memory_note, path, ablation = rest
    assert directions["choices"] == [("前向", "forward")] and directions["value"] == "forward"
    assert gates["value"] == "f" and ("记忆元（memory cell，c）", "c") in gates["choices"]
    assert colours["value"] == "vowel" and ("元音", "vowel") in colours["choices"] and off_directions["value"] == "forward"
    assert summary.startswith("已追踪") and heatmap.layout.title.text.startswith("遗忘门，第 2 层") and "遗忘门" in note
    assert units["headers"][0] == "追踪的性质" and "第 1 层记忆元的单元 3" in tinted and "门的饱和度" in sat.layout.title.text
    assert target["value"] == 5 and "位置 5" in connectivity and span.layout.title.text.startswith("记忆跨度：")
    assert {t.name for t in gradients.data} == {"本模型", "同一架构，未训练"}
    assert path.layout.title.text.startswith("隐状态的路径，第 2 层")
    assert "固定为 0" in ablation and "没有它" in ablation and "在文本的前" in memory_note
    with speaking("en"):  # and back: the English as it was drawn
        back = inspect_tab.redraw(ctx, session, 2, "forward", "f", "vowel", 5, "forward", None, ablated)
    assert back[4].startswith("Traced") and back[5].layout.title.text.startswith("Forget gate, layer 2")
    assert back[-1] == inspect_tab.ablation_html(ablated) and "held at 0" in back[-1]
    fresh = Session(model=ctx.default_model)  # a model of its own, not traced yet: nothing to redraw but the choices
    assert all(x is gr.skip() or x == gr.skip() for x in inspect_tab.redraw(ctx, fresh, 1, "forward", "c", "vowel", 1,
                                                                                "forward", None, None)[4:-1])


@pytest.mark.slow
def test_inspect_opens_on_the_start_up_picture_and_follows_the_visitors_model(ctx):
    start = ctx.start_trace  # made by inspect_tab.start_trace once for all the tests (conftest), as at start-up
    assert start.text.startswith("time traveller") and len(start.units) > 0  # the start-up model's own sample
    fresh = Session()
    fig, note = inspect_tab.render_gate(ctx, fresh, 1, "forward", "f")  # nothing traced: the start-up picture
    assert "Forget gate" in fig.layout.title.text and "Forget gate" in note

    class Event:
        index = (0, 0)

    tinted, *picked = inspect_tab.select_unit(ctx, fresh, Event())
    u = start.units[0]
    assert "charlm-text" in tinted and picked == [u.layer + 1, "forward", u.state, u.unit]  # ready to switch off
    assert inspect_tab.follow_the_model(ctx, fresh, start.text, 1, "forward", "c") is None  # already this model's

    train(ctx, fresh, epochs=1)  # a model of the visitor's own: the tab traces it when it opens
    text, summary, heatmap, *_ = inspect_tab.follow_the_model(ctx, fresh, start.text, 1, "forward", "h")
    assert text != start.text and fresh.trace is not None and fresh.inspect_default == text and heatmap is not None
    assert summary.startswith("Traced ")
    assert inspect_tab.follow_the_model(ctx, fresh, text, 1, "forward", "h") is None  # traced: nothing to do
    fresh.trace = None  # a newer model again, and a text the visitor typed: theirs is kept
    assert inspect_tab.follow_the_model(ctx, fresh, "my own words", 1, "forward", "h")[0] == "my own words"


def test_loading_checkpoints_and_bad_ones(ctx, tmp_path):
    session = Session()
    line, card = models_tab.load_checkpoint(ctx, session, "timemachine-lstm", "")
    assert "timemachine-lstm" in line and "validation perplexity" in card
    with pytest.raises(gr.Error, match="not in the local cache"):
        models_tab.load_checkpoint(ctx, session, "", "nobody/no-such-model")
    with pytest.raises(gr.Error, match="Pick a pretrained checkpoint"):
        models_tab.load_checkpoint(ctx, session, "", "")
    (tmp_path / "config.json").write_text("{}")  # a folder outside checkpoints/, reached by a crafted name
    with pytest.raises(gr.Error, match="no pretrained checkpoint called"):
        models_tab.load_checkpoint(ctx, session, f"../../../../../../{tmp_path}", "")
    assert session.model is not None  # a failed load keeps the model the visitor had


def test_download_and_push_refusals(ctx):
    session = Session()
    assert models_tab.download(ctx, session).endswith(".zip")
    with pytest.raises(gr.Error, match="user/name"):
        models_tab.push(ctx, session, "noslash", "hf_x", True)
    with pytest.raises(gr.Error, match="write token"):
        models_tab.push(ctx, session, "me/model", "", True)


def test_the_models_tab_speaks_its_visitors_language(ctx):
    zh, en = Session(lang="zh"), Session()
    with pytest.raises(gr.Error, match="没有名为 '../etc' 的预训练检查点"):
        models_tab.load_checkpoint(ctx, zh, "../etc", "")
    with pytest.raises(gr.Error, match="no pretrained checkpoint called '../etc'"):
        models_tab.load_checkpoint(ctx, en, "../etc", "")
    with pytest.raises(gr.Error, match="请选择一个预训练检查点"):
        models_tab.load_checkpoint(ctx, zh, "", "")
    with pytest.raises(gr.Error, match="user/name 的格式"):
        models_tab.push(ctx, zh, "noslash", "hf_x", True)
    line, card = models_tab.load_checkpoint(ctx, zh, "timemachine-lstm", "")
    assert "当前模型" in line and card.startswith("*以下是检查点自带的模型卡") and "## Training" in card
    assert models_tab.load_checkpoint(ctx, en, "timemachine-lstm", "")[1] == models_tab.read_card(
        ctx.checkpoints / "timemachine-lstm"
    )  # in English, the card as it is
    with speaking("zh"):
        assert models_tab.table_headers()[3] == "验证困惑度"
    assert models_tab.table_headers() == ["checkpoint", "model", "text", "validation perplexity", "size (MB)"]


def card_sections(text: str) -> list[str]:
    return [line.split(":")[0] for line in text.splitlines() if line.startswith(("#", "- **"))]


@pytest.mark.slow
def test_a_model_downloaded_from_the_app_is_saved_as_the_cli_saves_the_same_run(ctx, tmp_path, shared):
    session = Session()
    train(ctx, session, epochs=2)
    with zipfile.ZipFile(models_tab.download(ctx, session)) as z:
        z.extractall(tmp_path / "app")
    argv = "train --corpus timemachine --max-chars 6000 --cell gru --hidden 16 --epochs 2 --batch-size 8 --num-steps 16"
    argv = [*argv.split(), "--lr", "0.01", "--precision", "auto", "--sample-every", "1"]
    assert main([*argv, "--data-dir", str(shared), "--out", str(tmp_path / "cli")]) == 0
    app_model, cli_model = (CharLM.from_pretrained(tmp_path / k) for k in ("app", "cli"))
    app_saved, cli_saved = Provenance.of(app_model), Provenance.of(cli_model)
    assert set(app_model.config.metadata) == set(cli_model.config.metadata)
    assert (app_saved.corpus, app_saved.recipe, app_saved.max_chars) == (cli_saved.corpus, cli_saved.recipe, 6000)
    assert len(app_saved.training.history) == len(cli_saved.training.history) == 2
    assert app_saved.hardware and app_saved.command.startswith("python -m charlm train --max-chars 6000 --cell gru")
    cards = [(tmp_path / k / "README.md").read_text(encoding="utf-8") for k in ("app", "cli")]
    assert card_sections(cards[0]) == card_sections(cards[1]) and "Reproduce:" in cards[0]
    assert (tmp_path / "app" / "training_state.json").is_file()  # --resume can go on from it


def test_a_downloaded_pretrained_model_keeps_its_card(ctx, tmp_path):
    with zipfile.ZipFile(models_tab.download(ctx, Session())) as z:
        z.extractall(tmp_path)
    shipped = ctx.checkpoints / ctx.start_up_checkpoint / "README.md"
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8")


def test_the_preprocessing_choices_follow_the_corpus():
    assert train_tab.recipes_of("timemachine") == ("raw", "d2l", "d2l-0.17") and train_tab.recipes_of(OWN_TEXT) == ("raw",)
    kept = train_tab.offer_recipes("jaychou", "d2l")
    assert kept.choices == [("raw", "raw"), ("d2l", "d2l")] and kept.value == "d2l"
    assert "d2l: as in the Chinese d2l book" in kept.info and "0.17" not in kept.info  # each corpus's own recipes
    assert train_tab.offer_recipes("jaychou", "d2l-0.17").value == "raw"  # the Chinese book has no 0.17 edition
    assert train_tab.offer_recipes("moliere", "d2l").value == "raw"
    assert train_tab.offer_recipes(OWN_TEXT, "d2l").value == "raw"


def test_limits_come_from_the_environment():
    limits = Limits.from_env({"CHARLM_MAX_HIDDEN": "64", "CHARLM_MAX_SECONDS": "2.5"})
    assert limits.max_hidden == 64 and limits.max_seconds == 2.5 and limits.max_layers == Limits().max_layers
    with pytest.raises(Exception, match="CHARLM_MAX_EPOCHS must be a positive whole number"):
        Limits.from_env({"CHARLM_MAX_EPOCHS": "lots"})


@pytest.mark.parametrize("cell", list(CELLS))
def test_describe_cell_shows_the_real_step_and_parameters(cell):
    summary, code, backward, table = cells_tab.describe_cell(cell, 28, 256, 2, True)
    rows = table["data"]
    assert table["headers"] == ["parameter", "shape", "count"]
    assert code.lstrip().startswith("def step(") and "return" in code
    assert backward.startswith(f"def {cell}_backward(") and "weight_hh" in backward
    gates = CELLS[cell].num_gates
    assert ["weight_ih_l1_reverse", f"{gates * 256} × 512", gates * 256 * 512] in rows
    assert f"**{sum(r[2] for r in rows):,} parameters**" in summary
    assert ("scratch only" in summary) == (cell == "peephole")


@pytest.mark.slow
def test_a_pair_preset_trains_both_runs_and_compares_their_speed(ctx):
    session = Session()
    updates = list(train_tab.train_group(ctx, None, session, *form(preset="pair-d2l-lstm", epochs=1, max_chars=3000,
                                                                   hidden=16)))  # fmt: skip
    statuses = [u[1] for u in updates if isinstance(u[1], str)]
    assert any(s.startswith("**Run 1 of 2: d2l: LSTM from scratch**") for s in statuses)
    assert any(s.startswith("**Run 2 of 2: d2l: LSTM, concise") for s in statuses)
    first, second = session.runs
    assert (first.engine, second.engine) == ("scratch", "fused") and first.name.endswith("LSTM 1×256, scratch")
    assert "the tokens/s here; the source: 0.09×" in statuses[-1] and first.note == second.note
    _fig, rows, notes, _gradients = compare_tab.compare(session)
    assert len(rows) == 2 and "0.09×" in notes and f"{first.tokens_per_second / second.tokens_per_second:.2f}×" in notes
    assert "Start trains **d2l: LSTM from scratch**, then **d2l: LSTM, concise" in train_tab.preset_info(ctx, "pair-d2l-lstm")
    assert train_tab.preset_values(ctx, "pair-d2l-lstm")["engine"] == "scratch"
    with pytest.raises(gr.Error, match="already training"):  # the pair while a run is training
        list(train_tab.train_group(ctx, None, busy(ctx), *form(preset="pair-d2l-lstm")))


@pytest.mark.slow
def test_the_trio_trains_the_chapters_three_cells_and_sets_their_training_perplexities_beside_the_books(ctx):
    session = Session()
    updates = list(train_tab.train_group(ctx, None, session, *form(preset="trio-d2l", epochs=1, max_chars=3000,
                                                                   hidden=16)))  # fmt: skip
    statuses = [u[1] for u in updates if isinstance(u[1], str)]
    for k, title in enumerate(("d2l: vanilla RNN from scratch", "d2l: GRU", "d2l: LSTM, concise"), 1):
        assert any(s.startswith(f"**Run {k} of 3: {title}") for s in statuses), title
    names = [r.name for r in session.runs]  # each its own model (the book's sizes), not the form's 16 units
    assert names == ["1. Vanilla RNN 1×512, scratch", "2. GRU 1×256, fused", "3. LSTM 1×256, fused"]
    last = [f"{r.history[-1]['train_perplexity']:.3f}" for r in session.runs]
    assert "Training perplexity after the last epoch: " in statuses[-1] and all(x in statuses[-1] for x in last)
    assert "(all 3 in Compare)" in statuses[-1] and "≈ 1.0 for each of the three" in statuses[-1]
    _fig, rows, notes, _gradients = compare_tab.compare(session)
    assert len(rows) == 3 and all(x in notes for x in last)
    info = train_tab.preset_info(ctx, "trio-d2l")
    assert "Start trains **d2l: vanilla RNN from scratch**, then **d2l: GRU" in info and "memorise" in info


def test_compare_lists_the_sessions_runs():
    session = Session(runs=[RunSummary("1. LSTM 1×8", [{"epoch": 1, "train_perplexity": 9.0, "valid_perplexity": 9.5}],
                                       100, 1.0, 9.5, 1.0)])  # fmt: skip
    fig, table, notes, gradients = compare_tab.compare(session)
    assert table.values.tolist() == [["1. LSTM 1×8", "100", "1", "9.000", "9.500", "—", "1"]] and fig is not None
    assert gradients is None and notes == ""
    fig, table, notes, gradients = compare_tab.compare(Session())
    assert (fig, notes, gradients) == (None, "", None) and table.empty and list(table.columns) == compare_tab.headers()


def test_compare_gives_each_trained_run_a_memory_span_and_overlays_their_gradients(ctx):
    session = Session()
    for cell in ("rnn", "lstm"):
        train(ctx, session, cell=cell, epochs=1)
    _fig, table, _notes, gradients = compare_tab.compare(session)
    spans = list(table["memory span (characters)"])
    assert all(1 <= int(s) <= 100 for s in spans), spans
    assert [t.name for t in gradients.data] == [r.name for r in session.runs] and gradients.layout.yaxis.type == "log"


def test_the_compare_tab_speaks_its_visitors_language():
    history = [{"epoch": 1, "train_perplexity": 9.0, "valid_perplexity": 9.5}]
    runs = [RunSummary("1. LSTM 1×8", history, 100, 1.0, 9.5, 1.0)]
    _fig, zh, *_ = compare_tab.compare(Session(runs=runs, lang="zh"))
    _fig, en, *_ = compare_tab.compare(Session(runs=runs))
    assert list(zh.columns) == ["运行", "参数量", "词元/秒", "最后的训练困惑度", "最佳验证困惑度", "记忆跨度（字符）", "秒"]
    assert list(en.columns) == ["run", "parameters", "tokens/s", "last training perplexity", "best validation perplexity",
                                "memory span (characters)", "seconds"]  # fmt: skip
    assert zh.values.tolist() == en.values.tolist()  # the figures are the same
    assert list(compare_tab.compare(Session(lang="zh"))[1].columns) == list(zh.columns)  # headers before any run


# -- the served app -------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_served_app_trains_stops_generates_and_traces(served):
    url, _ctx = served
    client = local_client(url)
    _plot, status, _sample, current, _queue = client.predict(*form(), api_name="/train")  # a button is no API output
    assert "Finished after 2 epochs" in status and "GRU 1×16" in current
    text, _ = client.predict("the ", 40, 0.0, 0, 1.0, 0, 1, api_name="/generate")
    assert text.startswith("the ") and len(text) == 44
    summary, *_ = client.predict("the time traveller", 1, "forward", "h", api_name="/trace")
    assert "Traced 18 characters" in summary

    # a long run, stopped part-way: the session keeps a model and the server stays responsive
    job = client.submit(*form(epochs=400), api_name="/train")
    time.sleep(4)
    job.cancel()
    start = time.perf_counter()
    text, _ = client.predict("the ", 20, 0.0, 0, 1.0, 0, 1, api_name="/generate")
    assert len(text) == 24 and time.perf_counter() - start < 20


@pytest.mark.slow
def test_one_visitors_training_does_not_block_anothers_generation(served):
    url, _ctx = served
    trainer, visitor = local_client(url), local_client(url)
    job = trainer.submit(*form(max_chars=60000, epochs=100), api_name="/train")
    time.sleep(3)  # training is under way
    start = time.perf_counter()
    text, _ = visitor.predict("the ", 100, 0.8, 0, 1.0, 1, 1, api_name="/generate")
    waited = time.perf_counter() - start
    assert len(text) == 104 and not job.done() and waited < 15, waited
    job.cancel()


def test_tiny_options_follow_the_train_apis_order():
    assert list(TINY) == list(train_tab.FORM_FIELDS[6:])


@pytest.mark.parametrize("cell", list(CELLS))
def test_the_cells_tab_shows_the_naive_step_and_measures_the_three_engines(cell):
    assert cells_tab.naive_code(cell).startswith("def naive_step(") and "self.gate(" in cells_tab.naive_code(cell)
    table = cells_tab.measure(cell, 28, 32, 1, False)
    rows, engines = table["data"], [r[0] for r in table["data"]]
    assert table["headers"][0] == "engine" and all(r[4] == rendered(ENGINE_WAYS[r[0]]) for r in rows)
    assert engines == (["naive", "scratch"] if cell == "peephole" else ["naive", "scratch", "fused"])
    assert rows[0][3] == "1.00×" and all(float(r[1].replace(",", "")) > 0 for r in rows)  # tokens/s, measured


def test_the_cells_tab_speaks_its_visitors_language_and_keeps_the_code_as_written():
    en = cells_tab.describe_cell("lstm", 28, 256, 1, False)
    zh = cells_tab.describe_cell("lstm", 28, 256, 1, False, Session(lang="zh"))
    assert en[0].startswith("### LSTM\n\nLong short-term memory") and "parameters** in 4 tensors" in en[0]
    assert zh[0].startswith("### 长短期记忆网络 (LSTM)\n\n长短期记忆网络") and "个参数**" in zh[0] and "遗忘门" in zh[0]
    assert zh[1:3] == en[1:3] and zh[3]["data"] == en[3]["data"] and zh[3]["headers"] == ["参数", "形状", "数量"]
    for name, cell in CELLS.items():  # the English prose is the cell's docstring, word for word
        assert text(f"cells_tab.doc_{name}", "en") == inspect.cleandoc(cell.__doc__), name


def test_the_cells_tabs_glossary_lists_every_term_of_the_books():
    rows = cells_tab.glossary_table()
    assert dict(rows) == TERMS and len(rows) == len(TERMS)
    assert ["perplexity", "困惑度"] in rows and ["forget gate", "遗忘门"] in rows


@pytest.mark.slow
def test_inspect_measures_how_far_back_the_model_looks_for_the_start_up_model_and_a_new_one(ctx):
    ctx.start_trace = dataclasses.replace(ctx.start_trace, memory=None)  # the start-up trace, its memory not measured
    fresh = Session()
    memory = inspect_tab.shown_memory(ctx, fresh)
    assert memory is ctx.start_trace.memory and 1 <= memory.span <= 100  # measured once, for every visitor
    target, tinted, span_plot, gradient_plot, _note = inspect_tab.memory_pictures(memory)
    assert target["maximum"] == target["value"] == len(memory.connectivity.text) - 1
    assert "boxed" in tinted and f"Memory span: {memory.span} characters" in span_plot.layout.title.text
    assert gradient_plot.layout.yaxis.type == "log" and len(gradient_plot.data) == 2  # trained and untrained
    assert "position 5" in inspect_tab.render_connectivity(ctx, fresh, 5)
    path = inspect_tab.path_picture(ctx.start_trace.trace, 2, "forward", "c", "vowel")
    assert "cell state, layer 2" in path.layout.title.text
    assert inspect_tab.path_picture(ctx.start_trace.trace, 3, "forward", "c", "vowel") is None  # no layer 3: nothing

    train(ctx, fresh, epochs=1)  # the visitor's own model: its trace, then its memory
    text, *_ = inspect_tab.follow_the_model(ctx, fresh, "", 1, "forward", "h")
    mine = inspect_tab.shown_memory(ctx, fresh)
    assert mine is not memory and mine.connectivity.text == text[: len(mine.connectivity.text)]
    assert mine.gradients.norms.keys() == {(0, 0)}  # the tiny GRU: one layer, one direction


@pytest.mark.slow
def test_switching_a_unit_off_in_the_app_and_its_bad_inputs(ctx):
    page = inspect_tab.switch_off(ctx, Session(), 2, "forward", "c", 7)
    assert "unit 7 of layer 2&#x27;s cell state, held at 0" in page and "Without it" in page
    for args, message in [((3, "forward", "c", 7), "there is no layer 3"), ((1, "forward", "h", 512), "numbered 0 to 511"),
                          ((1, "reverse", "h", 0), "no reverse direction"), ((1, "forward", "h", "x"), "Unit")]:  # fmt: skip
        with pytest.raises(gr.Error, match=message):
            inspect_tab.switch_off(ctx, Session(), *args)


def test_the_live_plot_stays_light_and_evenly_spread_however_long_the_run():
    """A 500-epoch preset offers 4,000 training points; the plot keeps at most 300 a series, spread evenly over the whole
    run (a first version thinned only the older half, again and again, and lost the run's first 400 epochs)."""
    from charlm.ui.live_plot import LivePlot

    plot = LivePlot(max_points=300)
    plot.add("training", 0.0, 30.0), plot.add("validation", 0.0, 30.0)
    for epoch in range(1, 501):
        for step in range(1, 9):
            plot.add("training", epoch - 1 + step / 8, 10.0)
        plot.add("validation", epoch, 5.0)
    for series in ("training", "validation"):
        xs = [x for x, _y, name in plot.points if name == series]
        gaps = np.diff(xs)
        assert 150 <= len(xs) <= 300 and xs[0] == 0.0 and xs[-1] >= 498  # bounded, from the start to the end
        assert gaps.max() <= 2 * gaps.min() + 1e-9  # evenly spread
    frame = plot.update()["value"]
    assert len(frame) == len(plot.points) and set(frame["series"]) == {"training", "validation"}


# -- Compare: the pretrained three beside the session's runs, and what the book presets' curves mean -----------------


@pytest.mark.slow
def test_the_pretrained_three_join_compare_with_their_recorded_histories_once(ctx):
    session = Session()
    fig, rows, notes, gradients = compare_tab.add_pretrained(ctx, session, list(compare_tab.BOOKS_THREE))
    assert [r.name for r in session.runs] == list(compare_tab.BOOKS_THREE) and all(r.pretrained for r in session.runs)
    for run in session.runs:
        recorded = Provenance.of(CharLM.from_pretrained(ctx.checkpoints / run.name)).training
        assert run.history == recorded.history and run.best_valid_perplexity == recorded.best_valid_perplexity
        assert run.span is not None and run.gradients is not None  # measured on its own validation text
    assert list(rows["run"]) == list(compare_tab.BOOKS_THREE) and len(fig.data) == 6  # validation and training each
    assert list(rows["last training perplexity"]) == [f"{r.history[-1]['train_perplexity']:.3f}" for r in session.runs]
    assert "the run its training recorded" in notes and gradients is not None
    compare_tab.add_pretrained(ctx, session, ["timemachine-gru", "timemachine-raw"])  # one already there, one new
    assert [r.name for r in session.runs][3:] == ["timemachine-raw"]
    with pytest.raises(gr.Error, match="Choose at least one"):
        compare_tab.add_pretrained(ctx, session, [])
    with pytest.raises(gr.Error, match="no pretrained model 'nope' here"):
        compare_tab.add_pretrained(ctx, session, ["nope"])
    assert len(session.runs) == 4  # nothing lost


@pytest.mark.slow
def test_compare_says_why_a_book_presets_validation_rises(ctx):
    session = Session()
    train(ctx, session, epochs=1, max_chars=3000, hidden=16, keep="last")
    _fig, rows, notes, _gradients = compare_tab.compare(session)
    assert session.runs[0].kept == "last" and "memorise the 10,000" in notes and "book's figure" in notes
    assert rows["last training perplexity"][0] == f"{session.runs[0].history[-1]['train_perplexity']:.3f}"
    best = Session()
    train(ctx, best, epochs=1, max_chars=3000, hidden=16)
    assert "memorise" not in compare_tab.compare(best)[2]


def test_the_status_counts_to_the_epoch_the_time_limit_will_stop_a_run_near():
    """The quick demo (13 epochs in at most 30 s) read "Epoch 1/13" on a machine where the limit stops it at 7–8."""
    assert run_view.epochs_shown(13, 30.0, 1, 4.0) == "13, the time limit stops it near 7"
    assert run_view.epochs_shown(13, 30.0, 0.5, 2.0) == "13, the time limit stops it near 7"  # mid-epoch, from steps
    assert run_view.epochs_shown(13, 0.0, 1, 4.0) == 13 and run_view.epochs_shown(13, 100.0, 1, 4.0) == 13
    assert run_view.epochs_shown(13, 30.0, 0.1, 1.0) == 13  # too early to tell
    with speaking("zh"):
        assert run_view.epochs_shown(13, 30.0, 1, 4.0) == "13，时间限制会在第 7 个左右停止"


def test_generate_sends_no_update_when_the_whole_text_is_due_within_one():
    """``ends_soon``: at the pace so far, the rest comes within UPDATE_SECONDS (0.1 s), or the text is whole."""
    assert generate_tab.ends_soon(200, 200, 5.0)  # whole, however slow
    assert generate_tab.ends_soon(190, 200, 0.3)  # 10 more at 1.6 ms each
    assert not generate_tab.ends_soon(20, 200, 0.1)  # 180 more at 5 ms each: 0.9 s
    assert not generate_tab.ends_soon(1, 60, 0.01)  # the first characters, at 10 ms each: they show at once


@pytest.mark.slow
def test_the_queue_sums_its_events_up_every_thousand_and_looks_for_new_ones_every_10_ms(ctx, monkeypatch):
    """Gradio's queue summed its last 10,000 events up with pandas after every event (3-9 ms each, for a monitoring
    page the app does not open), and looked for an event to start every 1 ms (4-7% of a core, idle); the app's queue
    does the first every ``ANALYTICS_EVERY`` events, the second every ``QUEUE_POLL_SECONDS``."""
    import inspect

    from gradio.queueing import Queue

    import app
    from charlm.ui.app import ANALYTICS_EVERY, QUEUE_POLL_SECONDS

    monkeypatch.delenv("GRADIO_ANALYTICS_CACHE_FREQUENCY", raising=False)
    queue = app.build_demo(ctx)._queue
    assert queue.sleep_when_free == QUEUE_POLL_SECONDS == 0.01
    assert "asyncio.sleep(self.sleep_when_free)" in inspect.getsource(Queue.start_processing)  # still what it reads
    summed = []
    get_df = queue._get_df
    monkeypatch.setattr(queue, "_get_df", lambda records: summed.append(len(records)) or get_df(records))
    records = [{"time": 0.0, "status": "success", "process_time": 0.1, "function": "generate"}]
    for _ in range(ANALYTICS_EVERY - 1):
        queue.events_recorded += 1  # as Queue.push counts each event
        queue.compute_analytics_summary(records)
    assert summed == []
    queue.events_recorded += 1
    assert queue.compute_analytics_summary(records)["functions"]["generate"]["success_rate"] == 1.0 and summed == [1]
