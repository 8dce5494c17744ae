"""charlm's web app: the charlm library wired to Gradio widgets, one module per tab in this folder.

``charlm app`` (an installed package) and ``python app.py`` (a checkout, a Space) start it; open the address it prints
(http://127.0.0.1:7860; ``CHARLM_HOST`` and ``CHARLM_PORT`` change it). Caps for a shared server come from environment
variables (charlm/limits.py). Every visitor has their own models and runs (``charlm.ui.session.Session``, kept in a
``gr.State`` and released a while after its tab closes).

Importing this module changes nothing: the pretrained model is loaded, and torch's threads are set, when the app is
built (``build_demo``) and launched (``main``).
"""

from __future__ import annotations

import gc
import importlib.util
import inspect
import os
import sys
import time
import types
from pathlib import Path

import gradio as gr
import torch
from gradio import route_utils

from .. import serving
from ..corpora import max_upload_bytes
from ..i18n import DEFAULT, languages, speaking
from ..i18n import text as tr
from ..limits import Limits
from . import cells_tab, compare_tab, generate_tab, guess_tab, inspect_tab, models_tab, room_tab, style, train_tab
from .common import I18N, AppContext, Session, model_line, one_thread, release, resume, ui
from .session import closed

CHECKPOINTS_ENV = "CHARLM_CHECKPOINTS"  # the folder of pretrained checkpoints the app offers (default: ``checkpoints``)
# Gradio's copies of what it served (Downloads) and of uploads: every minute, those over 10 minutes old go (a browser
# fetches a Download as soon as it is ready).
DELETE_CACHE = (60, 600)
MAX_THREADS = 1000  # events served at once: a room's followers each hold one (an async stream: no thread of its own)
TABS = (train_tab, room_tab, inspect_tab, generate_tab, guess_tab, models_tab, compare_tab, cells_tab)  # as shown


def checkpoints_folder() -> Path:
    """Where the pretrained checkpoints are: ``CHARLM_CHECKPOINTS``, else ``checkpoints`` in the current folder (a
    checkout's). The package carries none (32 MB): an app with none starts on an untrained model, and its Models tab
    loads from the Hub."""
    return Path(os.environ.get(CHECKPOINTS_ENV) or "checkpoints").resolve()


def absent_optional_modules() -> None:
    """Gradio tries ``import matplotlib`` twice for every event it runs, to set its backend, and ``import bokeh`` for each
    of the page's plots in each new session's config. Where one is not installed, each of those failed imports searched
    sys.path again: a tenth of the event loop's time with a room of 200 followers. Python is told once that it is absent
    (a None in sys.modules fails the import at once)."""
    for name in OPTIONAL_MODULES:
        if name not in sys.modules and importlib.util.find_spec(name) is None:
            sys.modules[name] = None


OPTIONAL_MODULES = ("matplotlib", "bokeh")


def signatures_once() -> None:
    """Each new session gets its own copy of the page's config from Gradio (``SessionState``), and for each of the
    page's 235 blocks Gradio asks ``inspect.signature`` of the block's class's constructor: half of the 18 ms a session
    cost, and a lecture's room of 200 phones joins at once (tests/load.py --room: a quarter of the event loop's samples
    then went to these configs, and a follower's first frame came 6 s after it joined). A constructor's signature does
    not change, so each is worked out once, here, and kept where ``inspect.signature`` looks first: the function's
    ``__signature__``. It returns that same Signature from then on, for Gradio and anyone else."""
    classes = [gr.blocks.Block]
    while classes:
        cls = classes.pop()
        classes += cls.__subclasses__()
        init = cls.__init__
        if isinstance(init, types.FunctionType) and "__signature__" not in vars(init):
            init.__signature__ = inspect.signature(init)


def cache_clearing_that_lasts() -> None:
    """Gradio (6.31) clears its cache on a schedule (``delete_cache``) by walking each of its sets of the files it made,
    removing the old ones, while the handlers' threads go on adding to those same sets. When one adds a file during the
    walk, the walk raises "Set changed size during iteration", and the scheduled task, a loop with nothing to catch
    that, ends for the life of the server: from then on every Download's copy stays on disk (``tests/load.py --soak 30``
    found it 9 minutes in: 8 more files each wave after). The same clearing, over a copy of each set, takes its place
    (the scheduled task and the clearing at shutdown both look it up by name in ``gradio.route_utils``)."""
    route_utils.delete_files_created_by_app = delete_files_created_by_app


def delete_files_created_by_app(blocks: gr.Blocks, age: int | None) -> None:
    """Gradio's ``route_utils.delete_files_created_by_app``, safe beside the threads that add to the sets it walks:
    the files ``blocks`` made over ``age`` seconds ago (all of them when ``age`` is None) removed, unless a component
    keeps one in the cache. A file already gone is forgotten (Gradio kept its name, and looked for it every round); one
    that cannot be removed now (in use, on Windows) is tried again next round, and the rest are cleared all the same."""
    keep = {name for component in list(blocks.blocks.values()) for name in getattr(component, "keep_in_cache", ())}
    now = time.time()
    for names in list(blocks.temp_file_sets):
        gone = set()
        for name in names.copy():  # one call that holds the interpreter: no thread adds to it meanwhile
            if name in keep:
                continue
            try:
                if age is None or now - os.lstat(name).st_ctime > age:
                    os.remove(name)
                    gone.add(name)
            except FileNotFoundError:
                gone.add(name)
            except OSError:
                continue
        names -= gone  # in place: the handlers keep adding to this same set


def build_demo(ctx: AppContext | None = None, delete_cache: tuple[int, int] = DELETE_CACHE) -> gr.Blocks:
    """The whole app; ``ctx`` (default: ``checkpoints_folder()`` and the caps from the environment) is what its
    visitors share; ``delete_cache``: how often Gradio clears its copies of what it served, and of what age."""
    ctx = ctx or AppContext.create(checkpoints_folder(), Limits.from_env())
    absent_optional_modules()
    signatures_once()
    cache_clearing_that_lasts()
    # The start-up work (Inspect's first picture) runs on one thread.
    with one_thread(), gr.Blocks(title="charlm", delete_cache=delete_cache) as demo:
        # The first optimizer a process makes imports torch's compiler (about 1 s on two cores): pay that here, not
        # between a lecturer's first click on Start and the first sign of life.
        torch.optim.Adam([torch.zeros(1, requires_grad=True)])
        # A visitor's session, released when their tab has been closed for ctx.session_minutes (see ``closed``). A plain
        # function, not a partial: Gradio deep-copies the page's config, this callback included, for every page load.
        def expired(value: Session) -> None:
            release(ctx, demo, value)

        session = gr.State(Session(), delete_callback=expired)
        # The key to the visitor's session, kept in their browser: a reload, or a phone that slept, finds it again.
        key = gr.BrowserState("", storage_key="charlm-session")
        with gr.Row(equal_height=True):
            header = gr.Markdown(header_line(ctx, DEFAULT), elem_id="header")
            language = gr.Radio([(lang.name, code) for code, lang in languages().items()], value=DEFAULT,
                                label=ui("app.language"), show_label=False, min_width=210, scale=0,
                                elem_id="language")  # fmt: skip
            present = gr.Checkbox(False, label=ui("app.presenting"), min_width=120, scale=0, elem_id="present")
        current = gr.Markdown(model_line(ctx, Session()), elem_id="current-model")
        with gr.Tabs() as tab_bar:
            tabs = [tab.create(ctx, demo, session, current, language) for tab in TABS]
        present.change(None, present, present, js=style.TOGGLE)
        demo.load(None, None, present, js=style.FROM_URL)

        # The language: the browser's, or ?lang= in the address; the switch changes it, for the page as drawn (in
        # the browser) and for what the server writes next (Session.lang). Each tab redraws its own texts.
        # The tabs' names are sent from here too: Gradio's tab bar re-translates only the tabs that have been opened.
        tab_keys = [tab.label.key for tab in tabs]

        def speak(session_value: Session, lang: str):
            session_value.lang = lang
            with speaking(lang):
                names = [gr.Tab(label=tr(key)) for key in tab_keys]
                return header_line(ctx, lang), model_line(ctx, session_value), *names

        from_browser, switch = style.language_scripts()
        language.change(None, language, None, js=switch)
        language.change(speak, [session, language], [header, current, *tabs], api_visibility="private")
        demo.load(None, None, language, js=from_browser)

        def on_close(request: gr.Request):
            """A closed tab: its run stops, so the CPU goes back to the others, unless a room follows it (a lecturer's
            reload must not end the room's run; its time limit does); its session is kept a while."""
            for job in ctx.jobs.on_page(request.session_hash):
                if ctx.rooms.owned(job.session) is None:
                    job.stop()
            ctx.jobs.unwait(request.session_hash)  # a Start it left waiting for a slot leaves the line
            closed(demo, request.session_hash, session, ctx.session_minutes)

        demo.unload(on_close)

        # A page loads: the visitor's session, found by the key their browser kept, or this page's own under a new key.
        # A found session replaces the page's: each tab's ``session.change`` shows what it holds (Compare its runs, Train
        # its last run).
        def on_load(request: gr.Request, key_value: str, session_value: Session):
            kept, found = resume(ctx, request.session_hash, key_value, session_value)
            if found is None:
                return kept, gr.skip(), gr.skip()
            with speaking(found.lang):
                return kept, found, model_line(ctx, found)

        loaded = demo.load(on_load, [key, session], [key, session, current], api_visibility="private")
        tabs[TABS.index(room_tab)].arrive(loaded, tab_bar)  # ?room=CODE: follow it, once the session is found
    # Gradio sums its last 10,000 events up (a pandas DataFrame, grouped by handler) after each event, for a monitoring
    # page this app does not open: 3 ms an event, 9 ms once it keeps 10,000, in a thread that takes the interpreter from
    # the rest. Summed up every ANALYTICS_EVERY events instead (an operator's own setting stays).
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", str(ANALYTICS_EVERY))
    demo.queue(default_concurrency_limit=4)
    # With no event it can start, Gradio's queue looks again every 1 ms on Linux (50 ms on Windows): 4-7% of a core in
    # an idle server, and as much while a room's events wait for their turn. Every QUEUE_POLL_SECONDS here instead: an
    # event starts at most that much later.
    demo._queue.sleep_when_free = QUEUE_POLL_SECONDS
    return demo


def header_line(ctx: AppContext, lang: str) -> str:
    """The header: the app, and where it trains, in ``lang``."""
    with speaking(lang):
        return tr("app.header", brief=ctx.where_training_runs_briefly(), where=ctx.where_training_runs())


def launch_options() -> dict:
    """What ``launch`` needs beyond the address: the app's CSS, the upload cap, the texts in both languages, no run
    history, and room for a lecture hall of followers."""
    # Gradio's run history ("Runs" in the footer) is off: it shows texts given through gr.I18n as raw keys, and keeps every
    # input in the visitor's browser, a Hub token typed into Push included.
    # Gradio serves at most max_threads events at once (40 by default), streams included: a room's 41st follower would wait
    # for a free worker until someone left (tests/load.py --room measured it), and the owner's Close behind them.
    return {"css": style.CSS, "max_file_size": max_upload_bytes(), "i18n": I18N, "run_history": False,
            "max_threads": MAX_THREADS}  # fmt: skip


QUEUE_POLL_SECONDS = 0.01  # how often Gradio's queue looks for an event it can start, when it had none (build_demo)
ANALYTICS_EVERY = 1000  # events between two of Gradio's summaries of its last events (build_demo says why)
SWITCH_SECONDS = 0.001  # how long a thread of the server holds the interpreter's lock while another waits (Python: 5 ms)
YOUNG_PASS = 10_000  # allocations between two young passes of the garbage collector (Python: 700): see serving_process


def serving_process() -> None:
    """Set the process that serves the app up for it. Every handler runs torch on one core, each training run in a
    thread of its own with all of them (charlm/ui/common.py says why); the main thread keeps to one too.

    And the interpreter's lock changes hands every ``SWITCH_SECONDS``, not every 5 ms. A torch thread (a training run,
    the generation batch) gives the lock up at each of its calls and waits to take it back; while the event loop is
    busy with a room's pages, it waited up to 5 ms each time. Beside a Python thread busy half of the time, 20 training
    steps took 2.0× as long as alone, and 1.3× at 0.5 ms; a lecture's /generate at 200 followers, p50 2.4–3.4 s, took
    1.9–2.1 s at 1 ms (README, "In a lecture").

    And what the process holds by now (torch, Gradio, plotly, the app's page: 470,000 objects) is frozen out of the garbage
    collector's passes (``gc.freeze``). Its full passes, over all of it, stop every thread: 0.18 s alone, 0.4–0.5 s in
    a lecture at 200 followers, three times in 13 s, and each /generate that met one waited that long more. And its
    young passes come every ``YOUNG_PASS`` allocations, not 700: a room's pages allocate fast, and the full passes,
    which come after so many young ones, still came 5 times in 12 s (0.2–0.3 s each, over the room's 200 sessions);
    with 10,000, none in the same 12 s, and the collector's CPU went from 1.5 to 0.5 s.

    And Generate's batches step in a process of their own (``serving.start_worker``): forked now, before the server's
    threads start (what is frozen here is frozen there too: its collector does not walk it, or write to its pages)."""
    torch.set_num_threads(1)
    sys.setswitchinterval(SWITCH_SECONDS)
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_PASS, *gc.get_threshold()[1:])
    serving.start_worker()


def main(checkpoints: Path | None = None, host: str | None = None, port: int | None = None) -> None:
    """Serve the app until interrupted: the checkpoints in ``checkpoints`` (default: ``checkpoints_folder()``), at
    ``host``:``port`` (default: ``CHARLM_HOST``, ``CHARLM_PORT``, or Gradio's own variables; 127.0.0.1:7860)."""
    ctx = AppContext.create(checkpoints or checkpoints_folder(), Limits.from_env())
    demo = build_demo(ctx)
    serving_process()  # once the page is built: its 170,000 objects frozen with the rest
    host = host or os.environ.get("CHARLM_HOST", os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    port = port or int(os.environ.get("CHARLM_PORT", os.environ.get("GRADIO_SERVER_PORT", "7860")))
    demo.launch(server_name=host, server_port=port, **launch_options())
