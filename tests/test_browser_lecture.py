"""The lecture, rehearsed in headless Chromium: the chapter's three cells in Compare without training, the trio in one
click, and a reload (mid-run, after a run) that finds the visitor's runs, Compare and model again.

Chromium is Debian's package (`apt-get install chromium-headless-shell`, or chromium; .ci/run installs the
first). Without it these tests fail, never skip.
"""

import re

import pytest
from test_browser import open_settings, open_tab, set_number
from test_lifetime import wait_until

pytestmark = pytest.mark.browser

PRESET = "Preset: one click sets every option to a book's experiment"


def desktop(browser, url: str):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(url)
    page.wait_for_selector("text=Start training")
    return page


def compare_rows(page, *names: str) -> None:
    """Compare's table shows these runs (Gradio draws its cells as spans)."""
    for name in names:
        cell = page.get_by_text(name) if isinstance(name, re.Pattern) else page.get_by_text(name, exact=True)
        cell.filter(visible=True).first.wait_for(timeout=20_000)


def curves(page) -> int:
    """The traces on Compare's perplexity plot."""
    return page.locator("#compare-plot .js-plotly-plot .scatterlayer .trace").count()


def test_the_pretrained_three_and_the_trio_in_compare_with_their_curves_and_a_caption(browser, served):
    url, _ctx = served
    page = desktop(browser, url)
    open_tab(page, "Compare")
    page.get_by_role("button", name="Add to Compare").click()  # the book's three are chosen already
    compare_rows(page, "timemachine-rnn", "timemachine-gru", "timemachine-lstm")
    page.wait_for_function("() => document.querySelectorAll('#compare-plot .scatterlayer .trace').length === 6")
    page.get_by_text("the run its training recorded").first.wait_for()  # the caption says what the curves are

    open_tab(page, "Train")
    page.get_by_label(PRESET).click()
    page.get_by_role("option", name=re.compile("^Trio: d2l RNN, GRU and LSTM")).click()
    open_settings(page, "About this preset", "Text: corpus and preprocessing", "Training: epochs, batches, optimizer")
    page.wait_for_selector("text=Start trains", timeout=10_000)  # the trio's explanation came in
    set_number(page, "Epochs (≤ 500)", "2")
    set_number(page, "Use only the first N characters (0 = all)", "3000")
    page.get_by_role("button", name="Start training").click()
    page.wait_for_selector("text=Training perplexity after the last epoch", timeout=180_000)
    page.get_by_text("(all 3 in Compare)").wait_for()
    open_tab(page, "Compare")
    compare_rows(page, "4. Vanilla RNN 1×512, scratch", "5. GRU 1×256, fused", "6. LSTM 1×256, fused")
    page.wait_for_function("() => document.querySelectorAll('#compare-plot .scatterlayer .trace').length === 12")
    page.get_by_text("memorise the 10,000").first.wait_for()  # why a book preset's validation rises
    assert curves(page) == 12


def test_a_reload_mid_run_and_after_a_run_finds_the_runs_compare_and_the_model_again(browser, served):
    url, ctx = served
    page = desktop(browser, url)
    open_settings(page, "Text: corpus and preprocessing", "Training: epochs, batches, optimizer")
    set_number(page, "Epochs (≤ 500)", "200")  # more than its 30 s allow: still going at the reload
    set_number(page, "Use only the first N characters (0 = all)", "6000")
    page.get_by_role("button", name="Start training").click()
    # mid-way: past the first epoch (the page is updated once a second, so it may never show epoch 2 itself)
    page.wait_for_selector("text=/Epoch \\*?\\*?([2-9]|\\d\\d+)\\//", timeout=120_000)
    key = page.evaluate("() => localStorage.getItem('charlm-session')")
    assert key, "the session's key is kept in the browser"

    page.reload()  # the old page closes (its run stops and is kept); the new one finds the session by its key
    page.wait_for_selector("text=Welcome back", timeout=30_000)
    page.get_by_text("Current model: run 1. LSTM 2×256").wait_for()
    assert page.locator("#live-plot .vega-embed").count() == 1  # the last run's curves
    open_tab(page, "Compare")
    compare_rows(page, re.compile(r"^1\. LSTM 2×256, "))
    assert len(ctx.sessions) == 1 and not ctx.jobs  # one visitor, one session; the run stopped with its page

    open_tab(page, "Train")
    open_settings(page, "Training: epochs, batches, optimizer")  # a new page: its settings folded again
    set_number(page, "Epochs (≤ 500)", "1")
    page.get_by_role("button", name="Start training").click()
    page.wait_for_selector("text=/Finished after|Reached the time limit/", timeout=120_000)
    page.reload()
    page.wait_for_selector("text=Welcome back", timeout=30_000)
    page.get_by_text("Current model: run 2. LSTM 2×256").wait_for()
    page.get_by_text(re.compile(r"runs \(2\) are in Compare")).wait_for()
    open_tab(page, "Compare")
    compare_rows(page, re.compile(r"^1\. LSTM 2×256, "), re.compile(r"^2\. LSTM 2×256, "))

    other = desktop(browser, url)  # another visitor (a browser of their own) starts afresh
    other.get_by_text("Current model: pretrained").wait_for()  # the page's first text: its session may come after it
    assert wait_until(lambda: len(ctx.sessions) == 2), len(ctx.sessions)  # once was 1 when asked at once (under -n 2)
