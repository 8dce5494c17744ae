"""Test settings: offline, deterministic, and torch limited to the CI machine's two cores (to a worker's share of
them under pytest-xdist)."""

import os

# Before anything imports huggingface_hub or gradio: they read these at import time.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
# Token files the CLI writes (charlm.tokens) go to a folder of this session's, never the user's cache.
os.environ.setdefault("CHARLM_TOKEN_DIR", __import__("tempfile").mkdtemp(prefix="charlm-tokens-"))

# Each xdist worker's share of the cores, put in the environment before torch (and numpy's OpenBLAS) is imported.
from cores import THREADS

# isort: split
from pathlib import Path

import pytest
import torch
from load import free_port  # the load test's, which tests import from here too

# The order xdist's workers get the tests in (longest first, each worker's share ending light), and the durations file.
from ordering import pytest_collection_modifyitems, pytest_runtest_logreport, pytest_sessionfinish  # noqa: F401

from charlm.corpora import CORPORA

torch.set_num_threads(THREADS)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.fixture(autouse=True)
def _english_terminal(monkeypatch):
    """The CLI speaks the terminal's language (charlm.i18n.from_environment): tests read English unless they ask for
    another, whatever the machine running them is set to."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


# The reference corpora beside the clone (../shared/corpora), or where CHARLM_DATA_DIR points;
# read before any test's monkeypatch touches the environment.
SHARED_CANDIDATES = [Path(__file__).resolve().parents[2] / "shared" / "corpora"]
if os.environ.get("CHARLM_DATA_DIR"):
    SHARED_CANDIDATES.append(Path(os.environ["CHARLM_DATA_DIR"]))


@pytest.fixture(scope="session")
def shared() -> Path:
    """The folder holding the reference corpora; tests that need it fail, never skip, without it."""
    for folder in SHARED_CANDIDATES:
        if all((folder / spec.filename).is_file() for spec in CORPORA.values()):
            return folder
    pytest.fail(
        "the reference corpora are not there: looked in "
        + " and ".join(str(f) for f in SHARED_CANDIDATES)
        + " for "
        + ", ".join(spec.filename for spec in CORPORA.values())
        + ". Point CHARLM_DATA_DIR at a folder holding them."
    )


# -- the app: its shared context, tiny run options, a served copy -----------------------------------------------------

REPO = Path(__file__).resolve().parents[1]

# The Train tab's values, in the /train API's order after the preset, corpus, recipe, max_chars, upload and pasted text:
# a model small enough to train two epochs in well under a second.
TINY = dict(cell="gru", layers=1, hidden=16, bidirectional=False, dropout=0.0, embedding=0, engine="auto", epochs=2,
            batch_size=8, num_steps=16, sampling="sequential", optimizer="adam", lr=1e-2, clip=1.0, seed=0,
            keep="best")  # fmt: skip


@pytest.fixture(scope="session")
def _app_context():
    from charlm.limits import Limits
    from charlm.ui.common import AppContext
    from charlm.ui.inspect_tab import start_trace

    ctx = AppContext.create(REPO / "checkpoints", Limits())  # the start-up model, loaded once for every test
    # Its trace too, and so its memory once the first test shows it, as a server keeps them for every visitor: measured
    # afresh by each test's app, it had cost 5 CPU s a visit to Inspect, 60 over test_browser.py (2-core Xeon).
    ctx.start_trace = start_trace(ctx)
    return ctx


@pytest.fixture
def ctx(_app_context, shared, monkeypatch, tmp_path):
    """The app's shared context, with runs of its own; the corpora read from the reference copies."""
    import dataclasses

    from charlm.ui.rooms import Rooms
    from charlm.ui.session import Jobs, Sessions

    monkeypatch.setenv("CHARLM_DATA_DIR", str(shared))
    return dataclasses.replace(_app_context, jobs=Jobs(), sessions=Sessions(), rooms=Rooms(), scratch=tmp_path / "scratch")


def form(**overrides) -> list:
    """The Train tab's values for a tiny run on the first 6,000 characters of The Time Machine, with ``overrides``."""
    options = {**TINY, **overrides}
    head = [options.pop(k, default) for k, default in
            (("preset", None), ("corpus", "timemachine"), ("recipe", "raw"), ("max_chars", 6000), ("upload", None),
             ("pasted", ""))]  # fmt: skip
    return [*head, *options.values()]


@pytest.fixture
def served(ctx):
    """The app served on 127.0.0.1 at a free port: (its URL, its context)."""
    import app

    port = free_port()
    demo = app.build_demo(ctx)
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **app.launch_options())
    try:
        yield f"http://127.0.0.1:{port}/", ctx
    finally:
        import time

        for job in ctx.jobs.all():  # no run of this test's may go on eating the next one's CPU
            job.stop()
        deadline = time.monotonic() + 15
        while ctx.jobs and time.monotonic() < deadline:
            time.sleep(0.1)
        for b in _BROWSERS:  # a page still open keeps its streams open, and the server waits 5 s for them to end
            for context in b.contexts:
                context.close()
        demo.close()


# -- headless Chromium: Debian's package (.ci/run installs its headless shell); a test needing it fails, never skips --

# Chromium's headless shell first: the same Blink without the browser's own interface, which new-style headless
# Chromium draws in a renderer of its own. Over the lecture and guessing-game browser tests it took 34 CPU s where
# Chromium took 43, and a page load of the app 1.0 CPU s instead of 1.7 (2-core Xeon, both 156.0.8078.129).
CHROMIUM_CANDIDATES = [os.environ.get("CHARLM_CHROMIUM", ""), "/usr/lib/chromium/chromium-headless-shell",
                       "/usr/lib/chromium/chromium"]  # fmt: skip


_BROWSERS: list = []  # the ``browser`` fixtures' Chromiums now open, whose pages ``served`` closes before the server


@pytest.fixture(scope="module")
def _chromium():
    """One Chromium for a test module's run of tests on this worker, as pytest-playwright keeps one browser and gives
    each test fresh pages: starting Playwright's driver and Chromium again cost each browser test 0.7 s and 0.8 CPU s
    (2-core Xeon). Module-wide, not session-wide: Playwright's event loop lives no longer than the tests that drive
    it."""
    import shutil

    from playwright.sync_api import sync_playwright

    candidates = [*CHROMIUM_CANDIDATES, *(shutil.which(name) or "" for name in ("chromium-headless-shell", "chromium"))]
    executable = next((c for c in candidates if c and Path(c).is_file()), None)
    if executable is None:
        pytest.fail("Chromium is not installed: `apt-get install chromium-headless-shell` (Debian; or chromium), or set "
                    "CHARLM_CHROMIUM")
    with sync_playwright() as p:
        flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
        b = p.chromium.launch(executable_path=executable, args=flags)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def browser(_chromium):
    """The module's Chromium, every page the test opened closed at its end: a page left open, its server gone, would
    keep retrying and take CPU from the next test's training."""
    _BROWSERS.append(_chromium)
    try:
        yield _chromium
    finally:
        _BROWSERS.remove(_chromium)
        for context in _chromium.contexts:
            context.close()
