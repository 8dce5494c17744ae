"""End to end in headless Chromium: start training, watch the live plot gain points, then Inspect and
Generate, at desktop and phone widths. Screenshots go to $CHARLM_SCREENSHOTS (default: pytest's tmp dir).

Chromium is Debian's package (`apt-get install chromium`; .ci/run installs it). Without it this test
fails — it never skips.
"""

import os
import shutil
import socket
import time
from pathlib import Path

import pytest

import app

CANDIDATES = [os.environ.get("CHARLM_CHROMIUM", ""), "/usr/lib/chromium/chromium", shutil.which("chromium") or ""]
LINE_VERTICES = """() => [...document.querySelectorAll('.vega-embed g.mark-line path')]
    .reduce((n, p) => n + ((p.getAttribute('d') || '').match(/L/g) || []).length, 0)"""


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    executable = next((c for c in CANDIDATES if c and Path(c).is_file()), None)
    if executable is None:
        pytest.fail("Chromium is not installed: `apt-get install chromium` (Debian), or set CHARLM_CHROMIUM")
    with sync_playwright() as p:
        flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
        b = p.chromium.launch(executable_path=executable, args=flags)
        yield b
        b.close()


@pytest.fixture
def url(shared, monkeypatch):
    monkeypatch.setenv("CHARLM_DATA_DIR", str(shared))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo = app.build_demo()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def test_train_watch_the_plot_then_inspect_and_generate(browser, url, tmp_path):
    shots = Path(os.environ.get("CHARLM_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(url)
    page.wait_for_selector("text=Start training")
    for label, value in (("Epochs (≤ 500)", "4"), ("Use only the first N characters (0 = all)", "40000")):
        box = page.get_by_role("spinbutton", name=label)
        box.fill(value)
        box.press("Tab")
    page.get_by_role("button", name="Start training").click()

    page.wait_for_function(f"({LINE_VERTICES})() > 2", timeout=60_000)
    early = page.evaluate(LINE_VERTICES)
    page.wait_for_selector("text=Finished after 4 epochs", timeout=120_000)
    page.wait_for_timeout(500)
    assert page.evaluate(LINE_VERTICES) > early  # the plot gained points while training
    assert page.get_by_text("validation perplexity").count() > 0
    page.screenshot(path=shots / "train.png", full_page=True)

    page.get_by_role("tab", name="Inspect").click()
    text_box = page.get_by_role("textbox", name="Text", exact=True)
    page.wait_for_function("(el) => el.value.length > 100", arg=text_box.element_handle(), timeout=30_000)
    page.get_by_role("button", name="Trace").click()
    page.wait_for_selector("text=Traced", timeout=30_000)
    page.wait_for_selector(".charlm-text span[title]")
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .heatmaplayer .hm').length > 0", timeout=30_000)
    page.screenshot(path=shots / "inspect.png", full_page=True)

    page.get_by_role("tab", name="Generate").click()
    page.get_by_role("button", name="Generate").click()
    output = page.get_by_role("textbox", name="Generated text", exact=True)
    page.wait_for_function("(el) => el.value.length > 200", arg=output.element_handle(), timeout=30_000)
    page.screenshot(path=shots / "generate.png", full_page=True)

    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto(url)
    phone.wait_for_selector("text=Start training")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 400  # nothing wider than the phone
    phone.screenshot(path=shots / "phone.png", full_page=True)


def test_closing_the_tab_stops_its_run(browser, url):
    page = browser.new_page()
    page.goto(url)
    page.wait_for_selector("text=Start training")
    box = page.get_by_role("spinbutton", name="Epochs (≤ 500)")
    box.fill("200")
    box.press("Tab")
    page.get_by_role("button", name="Start training").click()
    page.wait_for_selector("text=Epoch 1/200", timeout=30_000)
    assert len(app.RUNNING) == 1
    page.close()
    deadline = time.perf_counter() + 15
    while app.RUNNING and time.perf_counter() < deadline:
        time.sleep(0.1)
    assert not app.RUNNING  # the run ended and gave the CPU back
