"""What a rehearsal of a lecture found in the app, at 1280 × 800 and on a 390 × 844 phone, in English and Chinese: each
finding's fix, checked without a browser where the page as built shows it (tests/test_browser.py has the rest)."""

import dataclasses
import re

import gradio as gr
import pytest
from gradio.i18n import I18nData

from charlm.errors import CharLMError
from charlm.generate import TEMPERATURES, generate, prepare_prefix, stream
from charlm.i18n import text
from charlm.limits import Limits
from charlm.serving import at_temperatures
from charlm.ui import generate_tab, style
from charlm.ui.common import AppContext, Session
from charlm.ui.zerogpu import ZeroGPU


@pytest.fixture(scope="module")
def demo():
    """The page as built (no model: the layout and the labels are what is checked)."""
    import app

    return app.build_demo(AppContext.create(app.CHECKPOINTS, Limits(), load_model=False))


def key_of(label) -> str | None:
    """The catalogue key of a text from ui(): an I18nData, or as a button's value keeps it, a string."""
    if isinstance(label, I18nData):
        return label.key
    if not isinstance(label, str):
        return None
    found = re.fullmatch(r'__i18n__\{"__type__": "translation_metadata", "key": "(.*)"\}', label)
    return found[1] if found else None


def components_in_order(block) -> list:
    """Every component under ``block``, in the order the page shows them (depth first)."""
    found = []
    for child in getattr(block, "children", []):
        if isinstance(child, gr.components.Component):
            found.append(child)
        found.extend(components_in_order(child))
    return found


def tab_named(demo, key: str) -> gr.Tab:
    return next(b for b in demo.blocks.values() if isinstance(b, gr.Tab) and key_of(b.label) == key)


# -- 1. dropdowns on a phone: the chosen text stops before the arrow ---------------------------------------------------


def test_every_dropdowns_text_stops_before_its_arrow_and_ends_in_an_ellipsis():
    rule = re.search(r'\.gradio-container input\[role="combobox"\] \{([^}]*)\}', style.CSS)
    assert rule, "no rule for Gradio's dropdown input (role=combobox)"
    assert "padding-right: var(--size-8)" in rule[1] and "text-overflow: ellipsis" in rule[1]


# -- 2. plot titles and tables on a phone -----------------------------------------------------------------------------


def test_plot_titles_are_fitted_to_a_phone_by_a_script_the_page_runs_when_it_loads(demo):
    assert "@media (max-width: 640px)" in style.CSS and ".js-plotly-plot .gtitle { font-size: 13px" in style.CSS
    loads = [fn for fn in demo.fns.values() if fn.js == style.FIT_TITLES]
    assert loads and all(any(target[1] == "load" for target in fn.targets) for fn in loads)
    for title in (".js-plotly-plot .gtitle", "#live-plot .role-title-text text"):  # plotly's, and the live plot's
        assert title in style.FIT_TITLES


def test_on_a_phone_table_headers_wrap_between_words_and_a_wider_table_shows_a_shade_at_its_edge():
    assert "@media (max-width: 640px) {\n  table th span.header { white-space: normal; }" in style.CSS
    assert ".table-wrap::after" in style.CSS and "animation-timeline: --charlm-table" in style.CSS
    # Gradio copies rules inside @media under its own ".gradio-container … .contain": one naming it again never applies
    for block in re.findall(r"@media[^{]*\{(.*?)\n\}", style.CSS, re.S):
        assert ".gradio-container" not in block and "body.present" not in block, block


# -- 3. Inspect: the text box first ---------------------------------------------------------------------------------


def test_inspects_text_box_and_trace_button_come_before_its_pictures(demo):
    shown = components_in_order(tab_named(demo, "inspect.tab"))

    def first(key: str) -> int:  # the first component labelled (a button: reading) ``key``
        return next(k for k, c in enumerate(shown) if key in (key_of(getattr(c, "label", None)), key_of(c.value)))

    pictures = [k for k, c in enumerate(shown) if isinstance(c, gr.Plot)]
    assert first("inspect.text") < first("inspect.trace") < min(pictures), (first("inspect.text"), pictures)
    assert first("inspect.trace") < first("inspect.layer")  # and before the choice of layer, direction and gate


# -- 4. the footer's "Runs": Gradio's run history, which cannot translate the app's labels -------------------------


def test_the_run_history_is_off():
    """Gradio's run history (the footer's "Runs", /gradio_api/runs) lists each call's inputs under their labels, and
    shows a label given through gr.I18n as its raw key: `__I18N__{"__TYPE__": "TRANSLATION_METADATA", …}`. It also
    keeps every input in the visitor's browser, a Hub write token included, which the Models tab promises is "never
    stored". launch(run_history=False) removes the link and the page and deletes the runs a browser kept.
    (app.launch_options is app.py's: this test fails until app.py sets it.)"""
    import app

    assert app.launch_options().get("run_history") is False


# -- 5. every picture's badge follows the language ------------------------------------------------------------------


def test_every_plot_has_a_label_the_browser_translates(demo):
    """A gr.Plot without a label shows Gradio's own badge ("Plot", "图表"), which a switch of language leaves as it was;
    a label from ui() follows the page's language."""
    pictures = [b for b in demo.blocks.values() if isinstance(b, (gr.Plot, gr.Image, gr.Gallery, gr.Model3D))]
    assert len(pictures) >= 7
    unlabelled = [(type(b).__name__, b.elem_id) for b in pictures if b.show_label and key_of(b.label) is None]
    assert not unlabelled


# -- 6. the header says where training runs once ----------------------------------------------------------------------


def header_parts(ctx: AppContext, lang: str) -> tuple[str, str]:
    """The header as a phone shows it (the "long" part hidden) and as a wider screen does (the "short" part hidden)."""
    import app

    line = app.header_line(ctx, lang)
    drop = lambda part: re.sub(rf"<span class='{part}'>.*?</span>", "", line)  # noqa: E731
    plain = lambda s: re.sub(r"<[^>]+>|\*\*", "", s)  # noqa: E731
    return plain(drop("long")), plain(drop("short"))


@pytest.mark.parametrize("where", ["cpu", "cuda", "mps", "zerogpu"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_header_says_where_training_runs_once(where, lang, tmp_path):
    ctx = AppContext(Limits(), tmp_path, 1, device="cpu" if where == "zerogpu" else where, scratch=tmp_path)
    if where == "zerogpu":
        ctx = dataclasses.replace(ctx, gpu=ZeroGPU(lambda spec: iter(())))
    brief = ctx.where_training_runs_briefly()
    phone, wide = header_parts(ctx, lang)
    assert phone.startswith("charlm · ") and phone.endswith(brief) and phone.count(brief) == 1, phone
    word = {"cpu": "CPU", "cuda": "GPU", "mps": "GPU", "zerogpu": "ZeroGPU"}[where]
    assert wide.count(word) == 1, wide  # "training on CPU: this machine's CPU" said it twice
    assert ("this machine's" in wide or "本机的" in wide or "Space" in wide) and "—" in wide
    assert "CPU: " not in wide and "CPU：" not in wide
    if lang == "zh":
        assert re.search(r"[\u3400-\u9fff]", wide) and "training" not in wide


# -- 7. an empty prefix is the usual one, not a warning -------------------------------------------------------------


def test_an_empty_prefix_in_generate_is_the_models_usual_one_without_a_warning(ctx):
    sample, notes = list(generate_tab.generate(ctx, Session(), "", 30, 0.0, 0, 1.0, 0, 1))[-1]
    assert sample.startswith("time traveller") and "No prefix" not in notes and "prefix" not in notes.lower(), notes
    _, notes = list(generate_tab.generate(ctx, Session(lang="zh"), "", 30, 0.0, 0, 1.0, 0, 1))[-1]
    assert "前缀" not in notes, notes
    # the library still says which prefix it used, to a caller who did not say they knew
    assert "No prefix given" in str(generate(ctx.default_model, "", 5).warnings[0])
    assert prepare_prefix(ctx.default_model, "", note_default=False) == ("time traveller", [])


# -- 8. one prefix and seed at several temperatures, side by side ---------------------------------------------------


def test_at_temperatures_is_generate_at_each_temperature_with_the_same_seed(ctx):
    model = ctx.default_model
    texts = [""] * len(TEMPERATURES)
    for k, char in at_temperatures(model, "the ", 40, seed=7):
        texts[k] += char
    for temperature, made in zip(TEMPERATURES, texts, strict=True):
        alone = "".join(c[0] for c in stream(model, "the ", 40, temperature=temperature, seed=7))
        assert made == alone, temperature
    assert len(set(texts)) == len(TEMPERATURES)  # the temperature alone makes them differ
    with pytest.raises(CharLMError, match="temperature must be between 0"):
        next(at_temperatures(model, "the ", 10, (0.5, -1.0), seed=0))  # every one checked before the first character


@pytest.mark.slow
def test_compare_temperatures_shows_each_with_the_seed_said_within_the_caps(ctx):
    ladders = list(generate_tab.temperatures(ctx, Session(), "", 50, 0, 1.0, -1))
    last = ladders[-1]
    texts, notes = last.shown()
    assert len(texts) == len(TEMPERATURES) and all(t.startswith("time traveller") and len(t) == 64 for t in texts)
    assert f"same seed ({last.seed})" in notes and last.seed >= 0 and len(last.loops) == len(TEMPERATURES)
    again = list(generate_tab.temperatures(ctx, Session(), "", 50, 0, 1.0, last.seed))[-1]
    assert again.texts == last.texts  # the seed said makes the same samples
    coolest = list(generate_tab.generate(ctx, Session(), "", 50, TEMPERATURES[0], 0, 1.0, last.seed, 1))[-1][0]
    assert coolest == texts[0]  # Generate with that seed and temperature writes the same text
    with pytest.raises(gr.Error, match="at most 3 samples"):  # four samples: over a server's cap of three
        list(generate_tab.temperatures(dataclasses.replace(ctx, limits=Limits(max_samples=3)), Session(), "the", 50,
                                       0, 1.0, 0))  # fmt: skip
    with pytest.raises(gr.Error, match="of 2,000 characters here"):
        list(generate_tab.temperatures(ctx, Session(), "the", 2001, 0, 1.0, 0))
    _, notes = list(generate_tab.compare_temperatures(ctx, Session(lang="zh"), "the", 20, 0, 1.0, 3))[-1]
    assert "同样的随机种子（3）" in notes  # in the visitor's language


# -- 9. the vanilla RNN presets speak of the RNN ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["d2l-rnn", "d2l-rnn-concise"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_rnn_presets_explanations_quote_the_rnns_speeds_not_the_lstms(name, lang):
    explanation = text(f"presets.{name}.explanation", lang)
    assert "66,089" in explanation and "55,578" in explanation
    assert not any(lstm in explanation for lstm in ("28,797", "319,759", "0.09")), explanation


# -- seen in the Chinese screenshots ----------------------------------------------------------------------------------


@pytest.mark.parametrize("gate", ["c", "f", "h"])
def test_the_gate_note_is_bold_in_chinese_too(gate):
    """"**记忆元：**LSTM 的记忆…" showed its asterisks: Markdown's "**" after a full-width colon closes only before a space
    or punctuation."""
    from markdown_it import MarkdownIt

    from charlm.i18n import speaking
    from charlm.ui.inspect_tab import GATE_EXPLANATIONS

    for lang in ("en", "zh"):
        with speaking(lang):
            name, meaning = re.split("[:：]", GATE_EXPLANATIONS[gate], maxsplit=1)
            shown = MarkdownIt("commonmark").render(text("inspect.gate_note", name=name, meaning=meaning))
        assert "<strong>" in shown and "**" not in shown, shown
