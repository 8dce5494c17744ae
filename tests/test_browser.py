"""End to end in headless Chromium: start training, watch the live plot gain points, then Inspect and
Generate, at desktop and phone widths. Screenshots go to $CHARLM_SCREENSHOTS when it is set (``shoot``).

Chromium is Debian's package (`apt-get install chromium-headless-shell`, or chromium; .ci/run installs the
first). Without it these tests fail — they never skip.
"""

import os
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

LINE_VERTICES = """() => [...document.querySelectorAll('.vega-embed g.mark-line path')]
    .reduce((n, p) => n + ((p.getAttribute('d') || '').match(/L/g) || []).length, 0)"""


# True once nothing on the page has changed for ``quiet`` ms: no node added, removed or changed, which a plot being
# drawn, a section opening or a stream's update all do. The observer is put in the page at the first call.
QUIET = """(quiet) => {
  if (window.__charlmChanged === undefined) {
    window.__charlmChanged = performance.now();
    new MutationObserver(() => { window.__charlmChanged = performance.now(); })
      .observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
  }
  return performance.now() - window.__charlmChanged > quiet;
}"""


def wait_quiet(page, quiet_ms: int = 400, timeout: int = 30_000) -> None:
    """Wait until the page has stopped changing (``QUIET``): what a fixed pause guessed at, waited for as long as it
    takes and no longer."""
    page.evaluate(QUIET, 0)  # the observer in place: from here, a change counts
    page.wait_for_function(QUIET, arg=quiet_ms, polling=100, timeout=timeout)


def open_tab(page, name: str) -> None:
    """A tab by its name; on a phone the last tabs sit behind Gradio's "More tabs" menu."""
    tab = page.get_by_role("tab", name=name)
    if tab.is_visible():
        tab.click()
    else:
        page.get_by_role("button", name="More tabs").click()
        page.locator(".overflow-dropdown button", has_text=name).click()


def open_settings(page, *names: str) -> None:
    """The Train tab's settings, folded away under the first screen."""
    for name in names:
        page.get_by_text(name, exact=True).click()


def set_number(page, label: str, value: str) -> None:
    """Type a number and check it stuck: a section just opened may still be putting its widgets' first values in."""
    box = page.get_by_role("spinbutton", name=label)
    for _ in range(20):
        box.fill(value)
        box.press("Tab")
        page.wait_for_timeout(250)
        if box.input_value() == value:
            return
    raise AssertionError(f"{label} would not keep {value!r}: it shows {box.input_value()!r}")


def screenshots(tmp_path: Path) -> Path:
    """Where a failing step's screenshot goes: $CHARLM_SCREENSHOTS, or pytest's tmp dir."""
    return shot_folder() or tmp_path


def shot_folder() -> Path | None:
    """$CHARLM_SCREENSHOTS, made, when someone asked for the screenshots; None otherwise."""
    folder = os.environ.get("CHARLM_SCREENSHOTS")
    if not folder:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder)


def shoot(page, name: str, *, full_page: bool = False) -> None:
    """A screenshot of what a step showed, for whoever looks at them (``CHARLM_SCREENSHOTS=folder``); none taken
    otherwise. CI's went unseen into pytest's tmp dir, and a full page of the app costs Chromium a tenth of a CPU
    second or more: 13 core-s over this module and the pseudo-locale walk (2-core Xeon). A failing step's screenshot
    is taken either way (``screenshots``)."""
    folder = shot_folder()
    if folder is not None:
        page.screenshot(path=folder / name, full_page=full_page)


def start_training(browser, url: str, epochs: int, max_chars: int):
    """A desktop page whose Start was pressed with these settings (the quick demo's otherwise)."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(url)
    page.wait_for_selector("text=Start training")
    open_settings(page, "Text: corpus and preprocessing", "Training: epochs, batches, optimizer")
    set_number(page, "Epochs (≤ 500)", str(epochs))
    set_number(page, "Use only the first N characters (0 = all)", str(max_chars))
    page.get_by_role("button", name="Start training").click()
    return page


def test_train_watch_the_plot_then_inspect_its_memory_compare_and_generate(browser, served, tmp_path):
    """A run trained in the page: its live plot grows, then Inspect traces the new model's own sample and measures its
    memory pictures on that text, Compare shows its span and gradients, Generate writes, a model's card opens, and a
    phone's page is no wider than the phone."""
    url, _ctx = served
    shots = screenshots(tmp_path)
    page = start_training(browser, url, epochs=4, max_chars=20000)

    page.wait_for_function(f"({LINE_VERTICES})() > 2", timeout=60_000)
    early = page.evaluate(LINE_VERTICES)
    try:
        page.wait_for_selector("text=Finished after 4 epochs", timeout=120_000)
    except Exception:
        page.screenshot(path=shots / "train-failed.png", full_page=True)  # what the page showed instead
        raise
    wait_quiet(page, 300)
    assert page.evaluate(LINE_VERTICES) > early  # the plot gained points while training
    assert page.get_by_text("validation perplexity").count() > 0
    shoot(page, "train.png", full_page=True)

    page.get_by_role("tab", name="Inspect").click()  # it traces the model just trained by itself
    text_box = page.get_by_role("textbox", name="Text", exact=True)
    # the new model's own writing (the d2l text: lower-case letters and spaces), not the start-up model's
    new_sample = "(el) => el.value.length > 100 && /^[a-z \\n]+$/.test(el.value)"
    page.wait_for_function(new_sample, arg=text_box.element_handle(), timeout=30_000)
    page.wait_for_selector("text=Traced", timeout=30_000)
    page.wait_for_selector(".charlm-text span[title]")
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .heatmaplayer .hm').length > 0", timeout=30_000)
    shoot(page, "inspect.png", full_page=True)
    wait_for_memory_pictures(page)  # measured on the new model's text
    new_text = "(el) => document.querySelector('#connectivity').innerText.replaceAll('↵', '').includes(el.value.slice(0, 40))"
    page.wait_for_function(new_text, arg=text_box.element_handle(), timeout=30_000)
    shoot(page, "inspect-memory-new-run.png", full_page=True)

    open_tab(page, "Compare")  # the run's span and gradients, measured as it ended
    page.wait_for_selector("#compare-gradients .js-plotly-plot .scatterlayer .trace", timeout=30_000)
    page.get_by_text("memory span (characters)").first.wait_for(timeout=10_000)
    shoot(page, "compare-memory.png", full_page=True)

    page.get_by_role("tab", name="Generate").click()
    page.get_by_role("button", name="Generate").click()
    output = page.get_by_role("textbox", name="Generated text", exact=True)
    page.wait_for_function("(el) => el.value.length > 200", arg=output.element_handle(), timeout=30_000)
    shoot(page, "generate.png", full_page=True)

    page.get_by_role("tab", name="Models").click()
    page.locator("span.text", has_text="tinyshakespeare-lstm").first.click()  # a row of the table: its card
    page.wait_for_selector("text=Tiny Shakespeare: 1,115,394 characters", timeout=10_000)  # opens
    shoot(page, "models.png", full_page=True)

    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto(url)
    phone.wait_for_selector("text=Start training")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 400  # nothing wider than the phone
    shoot(phone, "phone.png", full_page=True)


def test_the_quick_demo_starts_offline_with_an_empty_cache_and_no_data_folder(browser, served, tmp_path, monkeypatch):
    """A lecture hall's Wi-Fi decides nothing: The Time Machine ships inside the package."""
    url, _ctx = served
    monkeypatch.delenv("CHARLM_DATA_DIR", raising=False)
    monkeypatch.setenv("CHARLM_CACHE_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    page = start_training(browser, url, epochs=1, max_chars=20000)
    page.wait_for_selector("text=Finished after 1 epoch", timeout=120_000)
    assert not list((tmp_path / "empty-cache").rglob("*.txt")), "a corpus was downloaded"


def test_unknown_characters_are_listed_whole_in_generate_and_inspect(browser, served):
    """The warning once lost everything after "read as": "<unk>" was taken for an HTML tag."""
    url, _ctx = served
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(url)
    page.get_by_role("tab", name="Generate").click()
    page.get_by_role("textbox", name="Prefix (empty: the model's usual one)").fill("Zebra € ☃ the")
    page.get_by_role("button", name="Generate").click()
    warning = page.get_by_text("never saw").first
    warning.wait_for(timeout=30_000)
    text = warning.inner_text()
    assert "<unk>" in text and all(f"'{c}'" in text for c in "€☃"), text

    page.get_by_role("tab", name="Inspect").click()
    page.get_by_role("textbox", name="Text", exact=True).fill("the € and the ☃ again")
    page.get_by_role("button", name="Trace").click()
    notice = page.get_by_text("read as <unk>").first
    notice.wait_for(timeout=30_000)
    text = notice.inner_text()
    assert "<unk>" in text and "'€'" in text and "'☃'" in text, text


def test_closing_the_tab_stops_its_run(browser, served):
    url, ctx = served
    page = browser.new_page()
    page.goto(url)
    page.wait_for_selector("text=Start training")
    open_settings(page, "Training: epochs, batches, optimizer")
    set_number(page, "Epochs (≤ 500)", "200")
    page.get_by_role("button", name="Start training").click()
    page.wait_for_selector("text=Epoch 1/200", timeout=30_000)
    assert len(ctx.jobs) == 1
    page.close()
    deadline = time.perf_counter() + 15
    while ctx.jobs and time.perf_counter() < deadline:
        time.sleep(0.1)
    assert not ctx.jobs  # the run ended and gave the CPU back


SIZES = {"projector": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
PRIMARY = {"Generate": "Generate", "Models": "Load", "Cells": None, "Compare": None}  # the button each tab is for


@pytest.mark.parametrize("size", list(SIZES))
def test_one_visit_at_each_size_first_screens_how_far_back_it_looks_temperatures_and_stop(browser, served, size):
    """One page at a projector's size and one at a phone's, each walked through the tabs as a visitor would (a page
    load and a first visit to Inspect cost 1 and 3 CPU s of Chromium: once per size, not once per check).

    The first screen of each tab holds what it is for: Start and the live plot (the header one line on a phone), the
    text box and Trace on Inspect (on a phone they were 1,400 px down), the heatmap still on a projector's, each tab's
    own button. Stop with nothing running says so, where it can be seen. The header says where training runs once.
    Inspect: the start-up model's memory pictures, each with its caption, without a click; a unit from the table
    switched off. Generate: the same prefix and seed at four temperatures, side by side on a projector and one under
    another on a phone, with no warning for the empty prefix. Nothing is wider than the page at any step."""
    from itertools import pairwise

    url, ctx = served
    viewport = SIZES[size]
    overflows = "document.documentElement.scrollWidth - window.innerWidth"
    page = browser.new_page(viewport=viewport)
    page.goto(url)
    page.wait_for_selector("text=Start training")

    # Train: its first screen, then Stop with nothing running
    start = page.get_by_role("button", name="Start training").bounding_box()
    plot = page.locator("#live-plot").bounding_box()
    assert start["y"] + start["height"] <= viewport["height"] and plot["y"] + 40 <= viewport["height"], (start, plot)
    lines = "(p) => p.getBoundingClientRect().height / parseFloat(getComputedStyle(p).lineHeight)"
    assert size != "phone" or page.locator("#header p").evaluate(lines) < 1.5  # the header is one line on a phone
    header = page.locator("#header").inner_text()
    assert header.count("CPU") == 1, header
    assert page.evaluate(overflows) <= 0
    shoot(page, f"train-{size}.png")
    page.get_by_role("button", name="Stop").click()  # nothing is running
    toast = page.locator(".toast-body").filter(has_text="Nothing is training in this session.")
    toast.wait_for(timeout=10_000)
    page.wait_for_function("() => getComputedStyle(document.querySelector('.toast-body')).opacity === '1'",
                           timeout=5_000)  # faded in: a screenshot at once showed no toast  # fmt: skip
    box = toast.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], box
    shoot(page, f"rehearsal-stop-{size}.png")
    page.locator(".toast-close").last.click()

    # Inspect's first screen: a picture at once, the start-up model's trace, no click on Trace
    open_tab(page, "Inspect")
    page.wait_for_selector("#gate-heatmap .js-plotly-plot .heatmaplayer", timeout=10_000)
    text_box = page.get_by_role("textbox", name="Text", exact=True).bounding_box()
    trace = page.get_by_role("button", name="Trace").bounding_box()
    heatmap = page.locator("#gate-heatmap").bounding_box()
    assert trace["y"] + trace["height"] <= viewport["height"] and text_box["y"] < heatmap["y"], (text_box, trace)
    assert size == "phone" or heatmap["y"] + 100 <= viewport["height"], heatmap
    assert page.evaluate(overflows) <= 0
    shoot(page, f"inspect-{size}.png")

    # every other tab's first screen, before anything scrolls the page
    for tab, button in PRIMARY.items():
        open_tab(page, tab)
        page.wait_for_timeout(300)
        assert page.evaluate(overflows) <= 0, tab
        if button:
            box = page.get_by_role("button", name=button, exact=True).bounding_box()
            assert box["y"] + box["height"] <= viewport["height"], (tab, box)
        if tab == "Generate":
            shoot(page, f"generate-{size}.png")

    # Generate: four temperatures, then one text again
    open_tab(page, "Generate")
    page.get_by_role("button", name="Compare temperatures").click()
    samples = page.locator("#temperature-samples textarea")
    page.wait_for_function("() => [...document.querySelectorAll('#temperature-samples textarea')].length === 4 && "
                           "[...document.querySelectorAll('#temperature-samples textarea')].every((t) => t.value.length > 300)",
                           timeout=60_000)  # fmt: skip
    boxes = [s.bounding_box() for s in samples.all()]
    for label in ("Temperature 0.2", "Temperature 0.5", "Temperature 1.0", "Temperature 1.5"):
        assert page.get_by_text(label, exact=True).is_visible(), label
    values = [s.input_value() for s in samples.all()]
    assert all(v.startswith("time traveller") for v in values) and len(set(values)) == 4
    if size == "phone":  # one under another
        assert all(b["x"] == boxes[0]["x"] and b["y"] > a["y"] for a, b in pairwise(boxes)), boxes
    else:  # side by side
        assert all(b["y"] == boxes[0]["y"] and b["x"] > a["x"] for a, b in pairwise(boxes)), boxes
    notes = page.get_by_text("The same prefix and the same seed")
    assert notes.is_visible() and page.get_by_text("No prefix given").count() == 0
    assert page.evaluate(overflows) <= 0
    shoot(page, f"rehearsal-generate-{size}.png", full_page=True)
    page.get_by_role("button", name="Generate", exact=True).click()  # one text again: the four are put away
    output = page.get_by_role("textbox", name="Generated text", exact=True)
    page.wait_for_function("(el) => el.value.length > 200", arg=output.element_handle(), timeout=30_000)
    samples.first.wait_for(state="hidden", timeout=10_000)
    assert page.get_by_text("No prefix given").count() == 0

    # Inspect again: how far back the start-up model looks, measured as the tab first opened; a unit switched off
    open_tab(page, "Inspect")
    wait_for_memory_pictures(page, timeout=30_000)
    span = ctx.start_trace.memory.span
    page.get_by_text(f"Memory span: {span} characters").first.wait_for(timeout=5_000)
    for caption in ("Connectivity (Madsen 2019)", "Mean connectivity against the distance back",
                    "How strongly the loss of the last character", "Each point is the hidden state"):  # fmt: skip
        assert page.get_by_text(caption).first.is_visible(), caption
    # The path's colour bar lies below its x-axis title (style.FIT_TITLES moves it there where they meet), once.
    page.wait_for_function(f"({PATH_BAR_CLEAR})() >= 0", timeout=10_000)
    units = ctx.start_trace.units
    unit = next(u for u in units if u.property == units[1].property)  # the first row naming that property
    page.locator("#units-table").get_by_text(unit.property, exact=True).filter(visible=True).first.click()  # its unit
    page.wait_for_function(f"() => [...document.querySelectorAll('input[type=number]')].some(e => e.value == '{unit.unit}')",
                           timeout=10_000)  # fmt: skip
    page.get_by_role("button", name="Switch it off").click()
    page.locator("#ablation").get_by_text("held at 0").wait_for(timeout=30_000)
    assert page.locator("#ablation").get_by_text("Without it").is_visible()
    assert page.evaluate(overflows) <= 0
    shoot(page, f"inspect-memory-{size}.png", full_page=True)


def test_the_presenting_view_is_larger_and_bookmarkable(browser, served):
    url, _ctx = served
    size = "() => parseFloat(getComputedStyle(document.querySelector('#current-model p')).fontSize)"
    page = browser.new_page(viewport=SIZES["projector"])
    page.goto(url)
    page.wait_for_selector("text=Start training")
    normal = page.evaluate(size)
    page.get_by_label("Presenting").check()  # the switch
    page.wait_for_function("document.body.classList.contains('present')")
    assert page.evaluate(size) >= 1.4 * normal
    assert not page.get_by_text("Training: epochs, batches, optimizer").is_visible()  # settings give way

    bookmarked = browser.new_page(viewport=SIZES["projector"])
    bookmarked.goto(url + "?present")  # the URL parameter, for a lecturer's bookmark
    bookmarked.wait_for_function("document.body.classList.contains('present')", timeout=10_000)
    assert bookmarked.evaluate(size) >= 1.4 * normal and bookmarked.get_by_label("Presenting").is_checked()
    bookmarked.get_by_role("button", name="Start training").click()
    bookmarked.wait_for_function(f"({LINE_VERTICES})() > 2", timeout=60_000)
    tick = "() => parseFloat(getComputedStyle(document.querySelector('#live-plot .role-axis-label text')).fontSize)"
    assert bookmarked.evaluate(tick) >= 18  # the plot's tick labels, readable from the back
    shoot(bookmarked, "train-presenting.png")
    bookmarked.get_by_role("button", name="Stop").click()
    bookmarked.wait_for_selector("text=Stopped after", timeout=30_000)
    for theme in ("dark",):  # Gradio's dark theme: the plots stay readable
        dark = browser.new_page(viewport=SIZES["projector"])
        dark.goto(url + f"?__theme={theme}&present")
        dark.wait_for_selector("text=Start training")
        open_tab(dark, "Inspect")
        dark.wait_for_selector("#gate-heatmap .js-plotly-plot .heatmaplayer", timeout=10_000)
        shoot(dark, f"inspect-presenting-{theme}.png")


def test_a_pair_preset_puts_both_runs_in_compare_with_their_speeds(browser, served):
    url, _ctx = served
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(url)
    page.wait_for_selector("text=Start training")
    page.get_by_label("Preset: one click sets every option to a book's experiment").click()
    page.get_by_role("option", name="Pair: d2l LSTM from scratch, then concise — the book's speed comparison").click()
    open_settings(page, "About this preset", "Text: corpus and preprocessing", "Training: epochs, batches, optimizer")
    page.wait_for_selector("text=Start trains", timeout=10_000)  # the pair's explanation came in
    set_number(page, "Epochs (≤ 500)", "2")
    set_number(page, "Use only the first N characters (0 = all)", "4000")
    page.get_by_role("button", name="Start training").click()
    page.wait_for_selector("text=the tokens/s here", timeout=120_000)  # both runs done, their speeds compared
    open_tab(page, "Compare")
    page.get_by_text("the source: 0.09×").filter(visible=True).first.wait_for(timeout=10_000)  # the note under the table
    for run in ("1. LSTM 1×256, scratch", "2. LSTM 1×256, fused"):  # the table's rows (Gradio draws them as spans)
        page.get_by_text(run, exact=True).filter(visible=True).first.wait_for(timeout=10_000)


MEMORY_PICTURES = ("#span-plot", "#gradient-plot", "#path-plot")


def wait_for_memory_pictures(page, timeout=60_000) -> None:
    for plot in MEMORY_PICTURES:
        page.wait_for_selector(f"{plot} .js-plotly-plot .scatterlayer .trace", timeout=timeout)
    page.wait_for_selector("#connectivity .charlm-text span[title]", timeout=timeout)


PATH_BAR_CLEAR = """() => {  // px between the path picture's x-axis title and its colour bar below (< 0: they meet)
  const plot = document.querySelector('#path-plot .js-plotly-plot');
  const title = plot && plot.querySelector('.g-xtitle text'), bar = plot && plot.querySelector('.colorbar');
  return title && bar ? bar.getBoundingClientRect().top - title.getBoundingClientRect().bottom : -1;
}"""


# -- the app in Chinese --------------------------------------------------------------------------------------------


def tabs_read(page, names: list[str]) -> None:
    """Wait until the tabs' names are ``names`` (a language switch redraws them one by one)."""
    page.wait_for_function("(names) => JSON.stringify([...document.querySelectorAll('button[role=tab]')]"
                           ".map((b) => b.innerText.trim())) === JSON.stringify(names)", arg=names, timeout=10_000)  # fmt: skip


def test_the_app_in_chinese_then_english_and_back_keeping_the_visitors_run(browser, served, tmp_path):
    """A browser set to zh-CN reads the app in Chinese: the tabs, Start, the live plot's title, a training's status
    line, a bad input's message. The header's switch turns the page to English and back, the run and the model kept.
    Screenshots of Train, Inspect and Generate in Chinese go with the others.

    The badge on each picture (gr.Plot's label) once read Gradio's own "Plot" / "图表", which stayed Chinese after a
    switch to English; every one now comes from the catalogue and follows the switch."""
    import contextlib
    import re
    import subprocess

    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from charlm.i18n import text

    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False).stdout
    if not fonts.strip():
        pytest.fail("no CJK font: Chinese would be drawn as empty boxes (`apt-get install fonts-noto-cjk`; .ci/run does)")

    def zh(key: str, **params) -> str:
        return text(key, "zh", **params)

    tab_keys = ("train.tab", "room.tab", "inspect.tab", "gen_tab.tab", "guess.tab", "models_tab.tab", "compare.tab",
                "cells_tab.tab")  # fmt: skip
    cjk = re.compile(r"[\u3400-\u9fff]")
    badges = "() => [...document.querySelectorAll('[data-testid=block-label]')].filter((e) => e.offsetParent)" \
             ".map((e) => e.innerText.trim())"  # fmt: skip
    seen = {}

    def badges_read(tab: str, language: str) -> None:
        page.get_by_role("tab", name=tab).click()
        if language == "zh":
            page.wait_for_timeout(1000)  # how many pictures the tab has is not known here: a second for them to come
            seen[tab] = shown = page.evaluate(badges)
            assert shown and all(cjk.search(b) or "charlm/" in b for b in shown), (tab, shown)
        else:  # the same pictures as in Chinese, every badge in English
            count = len(seen[{"Inspect": "查看", "Compare": "比较", "Cells": "循环单元"}[tab]])
            with contextlib.suppress(PlaywrightTimeout):  # the assertions below say what was shown instead
                page.wait_for_function(f"(n) => ({badges})().length === n && !({badges})().some((b) => /[\\u3400-\\u9fff]/"
                                       ".test(b))", arg=count, timeout=10_000)  # fmt: skip
            shown = page.evaluate(badges)
            assert len(shown) == count, shown
            assert not any(cjk.search(b) for b in shown) and "Plot" not in shown, (tab, shown)

    url, ctx = served
    shots = screenshots(tmp_path)
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 1000}).new_page()
    page.goto(url)
    page.wait_for_selector(f"text={zh('train.start')}")
    page.wait_for_function("/[\\u3400-\\u9fff]/.test(document.querySelector('#header').innerText)", timeout=10_000)
    tabs_read(page, [zh(k) for k in tab_keys])

    open_settings(page, zh("train.text_section"), zh("train.training_section"))
    set_number(page, zh("train.epochs_widget", max=ctx.limits.max_epochs), "2")
    set_number(page, zh("train.max_chars_widget"), "12000")
    page.get_by_role("button", name=zh("train.start")).click()
    status = page.locator("#train-status")
    page.wait_for_function("(el) => el.innerText.includes('困惑度')", arg=status.element_handle(), timeout=60_000)
    try:
        page.get_by_text("最佳验证困惑度").first.wait_for(timeout=120_000)  # how the run ended: its best 困惑度
    except Exception:
        page.screenshot(path=shots / "zh-train-failed.png", full_page=True)
        raise
    assert cjk.search(status.inner_text()) and "Epoch" not in status.inner_text()
    title = page.locator("#live-plot .role-title-text").first.text_content()
    assert title == zh("train.plot_title_done"), title  # the run has ended, and the title says so
    page.wait_for_timeout(500)
    shoot(page, "zh-train.png")

    page.get_by_role("tab", name=zh("inspect.tab")).click()
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .heatmaplayer .hm').length > 0", timeout=30_000)
    page.wait_for_selector(".charlm-text span[title]", timeout=30_000)
    page.wait_for_timeout(1000)
    shoot(page, "zh-inspect.png", full_page=True)
    for tab in ("查看", "比较", "循环单元"):
        badges_read(tab, "zh")

    page.get_by_role("tab", name=zh("gen_tab.tab")).click()
    page.get_by_role("button", name=zh("gen_tab.go"), exact=True).click()
    output = page.get_by_role("textbox", name=zh("gen_tab.output"), exact=True)
    page.wait_for_function("(el) => el.value.length > 200", arg=output.element_handle(), timeout=30_000)
    shoot(page, "zh-generate.png", full_page=True)

    # a bad input: a Hub id that is not one, its message in Chinese as the toast renders it
    page.get_by_role("tab", name=zh("models_tab.tab")).click()
    page.get_by_role("textbox", name=zh("models_tab.hub_id")).fill("not a hub id!!")
    page.get_by_role("button", name=zh("models_tab.load"), exact=True).click()
    toast = page.locator(".toast-body").last
    toast.wait_for(timeout=15_000)
    shown = toast.inner_text()
    assert "not a hub id!!" in shown and cjk.search(shown.replace("not a hub id!!", "")), shown
    assert "neither" not in shown, shown
    page.locator(".toast-close").last.click()

    model_line = page.locator("#current-model")
    assert "1." in model_line.inner_text()  # the run's model is the current one

    # the switch: English, the same run and model; then Chinese again
    page.locator("#language").get_by_text("English", exact=True).click()
    tabs_read(page, ["Train", "Room", "Inspect", "Generate", "Guess", "Models", "Compare", "Cells"])
    page.wait_for_selector("text=Start training", state="attached", timeout=10_000)
    page.wait_for_function("(el) => el.innerText.startsWith('Current model: run 1.')", arg=model_line.element_handle(),
                           timeout=10_000)  # fmt: skip
    assert not cjk.search(page.locator("#header").inner_text())
    for tab in ("Inspect", "Compare", "Cells"):
        badges_read(tab, "en")
    page.get_by_role("tab", name="Compare").click()
    page.wait_for_selector("text=1. LSTM", timeout=15_000)  # the run is still there
    page.locator("#language").get_by_text("中文", exact=True).click()
    tabs_read(page, [zh(k) for k in tab_keys])
    page.wait_for_selector(f"text={zh('train.start')}", state="attached", timeout=10_000)
    page.wait_for_function("(el) => /[\\u3400-\\u9fff]/.test(el.innerText) && el.innerText.includes('1.')",
                           arg=model_line.element_handle(), timeout=10_000)  # fmt: skip


def test_a_download_in_the_browser_leaves_none_of_our_files_behind(browser, served):
    """The zip a Download makes is Gradio's to serve once handed over: the session's copy is removed then, and the
    session keeps only its model's checkpoint (removed in turn when the session is released)."""
    url, ctx = served
    page = start_training(browser, url, epochs=2, max_chars=6000)
    page.wait_for_selector("text=Finished after 2 epochs", timeout=60_000)
    page.get_by_role("tab", name="Models").click()
    with page.expect_download(timeout=30_000) as download:  # one click (a DownloadButton alone needed two)
        page.locator("#download-model").click()
    assert download.value.suggested_filename.endswith(".zip")
    (folder,) = ctx.scratch.glob("session-*")
    deadline = time.perf_counter() + 10
    while (folder / "download").exists() and time.perf_counter() < deadline:
        time.sleep(0.1)
    assert not (folder / "download").exists() and (folder / "model" / "config.json").is_file()
    page.close()


# -- what a rehearsal of a lecture found, at 1280 × 800 and on a 390 × 844 phone (tests/test_rehearsal.py has the rest) --

DROPDOWNS = """() => [...document.querySelectorAll('input[role=combobox]')].filter((i) => i.offsetParent).map((i) => {
    const box = i.getBoundingClientRect(), style = getComputedStyle(i), arrow = i.parentElement.querySelector('.icon-wrap');
    return {text: i.value, end: box.right - parseFloat(style.paddingRight), ellipsis: style.textOverflow,
            arrow: arrow ? arrow.getBoundingClientRect().left : 1e9};
})"""
TITLES = """() => [...document.querySelectorAll('.js-plotly-plot .gtitle, .js-plotly-plot .g-xtitle text, '
                                      + '#live-plot .role-title-text text')]
    .filter((t) => t.ownerSVGElement && t.ownerSVGElement.getBoundingClientRect().width > 0).map((t) => {
        const picture = t.ownerSVGElement.getBoundingClientRect(), box = t.getBoundingClientRect();
        return {text: t.textContent, left: box.left - picture.left, right: picture.right - box.right};
    })"""
TITLES_FIT = f"() => ({TITLES})().every((t) => t.left >= -1 && t.right >= -1)"


def header_reads_whole(page, table: str, header: str) -> dict:
    """A table's column header: whether its text is clipped, how many lines it takes; and the shade at the table's
    right edge, at the start and when scrolled to the end."""
    return page.evaluate("""([table, header]) => {
        const th = [...document.querySelectorAll(`${table} th`)].find((th) => th.innerText.trim() === header);
        const span = th.querySelector('span.header'), style = getComputedStyle(span);
        const wrap = document.querySelector(`${table} .table-wrap`), viewport = wrap.querySelector('.virtual-table-viewport');
        return {clipped: span.scrollWidth > span.clientWidth + 1, visible: th.getBoundingClientRect().width > 0,
                lines: Math.round(span.getBoundingClientRect().height / parseFloat(style.lineHeight)),
                scrolls: viewport.scrollWidth > viewport.clientWidth,
                shade: parseFloat(getComputedStyle(wrap, '::after').opacity)};
    }""", [table, header])  # fmt: skip


def test_on_a_phone_dropdowns_plot_titles_and_table_headers_read_whole(browser, served):
    """'The Time Mac▾h', 'forwarc': dropdown texts under their arrow; plot titles cut at both sides; Compare's table cut
    at 'best valida'. Every dropdown's text ends before its arrow (with an ellipsis when too long), every plot title
    fits its picture, and a wide table's headers wrap, with a shade at its edge while there is more to scroll to."""
    url, _ctx = served
    page = browser.new_page(viewport=SIZES["phone"])
    page.goto(url)
    page.wait_for_selector("text=Start training")
    open_settings(page, "Text: corpus and preprocessing", "Training: epochs, batches, optimizer")
    set_number(page, "Epochs (≤ 500)", "1")
    set_number(page, "Use only the first N characters (0 = all)", "3000")
    page.get_by_role("button", name="Start training").click()
    page.wait_for_selector("text=Finished after 1 epoch", timeout=60_000)
    page.wait_for_selector("#live-plot .role-title-text text")
    checked = 0
    for tab in ("Train", "Inspect", "Models", "Compare"):
        open_tab(page, tab)
        wait_quiet(page, 300)
        if tab == "Inspect":
            wait_for_memory_pictures(page)
        try:
            page.wait_for_function(TITLES_FIT, timeout=10_000)
        finally:
            shoot(page, f"rehearsal-phone-{tab.lower()}.png", full_page=True)
        titles = page.evaluate(TITLES)
        assert all(t["left"] >= -1 and t["right"] >= -1 for t in titles), (tab, titles)
        checked += len(titles)
        dropdowns = page.evaluate(DROPDOWNS)
        assert all(d["end"] <= d["arrow"] and d["ellipsis"] == "ellipsis" for d in dropdowns), (tab, dropdowns)
    assert checked >= 8  # the live plot's title, Inspect's five pictures' titles and axes, …

    for tab, table, header in (("Models", "#models-table", "validation perplexity"),
                               ("Compare", "#compare-table", "best validation perplexity")):  # fmt: skip
        open_tab(page, tab)
        wait_quiet(page, 300)
        shown = header_reads_whole(page, table, header)
        assert shown["visible"] and not shown["clipped"] and shown["lines"] >= 2, (tab, shown)
        assert shown["scrolls"] and shown["shade"] > 0.5, (tab, shown)  # more to the right, and it says so
        page.locator(f"{table} .virtual-table-viewport").evaluate("(v) => { v.scrollLeft = v.scrollWidth; }")
        page.wait_for_timeout(300)
        assert header_reads_whole(page, table, header)["shade"] < 0.1, tab  # at the end: no shade
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def test_as_the_app_serves_them_inspect_and_generate_run_their_model_in_its_workers(browser, served, monkeypatch):
    """``python app.py`` steps Generate's batches in one worker process and runs Inspect's model work in another
    (``serving.start_worker``). With both started, and the model made to fail in the server's own process, a trace,
    its memory pictures, a unit switched off and a generation all come: each ran in a worker."""
    from charlm import CharLM, serving

    url, _ctx = served
    serving.start_worker()  # forked with the model as it is; then, here only, it fails
    try:

        def not_here(*args, **kwargs):
            raise AssertionError("the model ran in the server's process")

        for name in ("forward", "record", "step"):
            monkeypatch.setattr(CharLM, name, not_here)
        page = browser.new_page(viewport=SIZES["projector"])
        page.goto(url)
        page.wait_for_selector("text=Start training")
        open_tab(page, "Inspect")
        page.get_by_role("textbox", name="Text", exact=True).fill("The Time Traveller smiled round at us all.")
        page.get_by_role("button", name="Trace").click()
        page.get_by_text("Traced 42 characters").first.wait_for(timeout=30_000)
        wait_for_memory_pictures(page)
        page.get_by_role("button", name="Switch it off").click()
        page.locator("#ablation").get_by_text("held at 0").wait_for(timeout=30_000)
        shoot(page, "inspect-in-the-worker.png", full_page=True)
        open_tab(page, "Generate")
        page.get_by_role("button", name="Generate", exact=True).click()
        output = page.get_by_role("textbox", name="Generated text", exact=True)
        page.wait_for_function("(el) => el.value.length > 200", arg=output.element_handle(), timeout=30_000)
        assert page.locator(".toast-body").count() == 0
    finally:
        serving.stop_worker()
