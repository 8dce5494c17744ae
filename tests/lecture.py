"""The lecture, timed: each preset trained on the command line, then in the app from a headless Chromium page, one
after the other on this machine; the app's wall time against the command line's, and the page's JS heap after the run.

    python tests/lecture.py                              # the d2l GRU preset and the chapter's trio
    python tests/lecture.py d2l-rnn d2l-lstm --epochs 100   # any presets or groups, fewer epochs
    python tests/lecture.py --json

The app is timed as a lecturer sees it: from the click on Start to the finish line on the page (a group: its closing
note), in a 1280 × 800 page of a Chromium on the same machine, the app served as ``python app.py`` serves it. The
command line is ``python -m charlm train --preset NAME``, start-up included. A benchmark, not a test: its figures
depend on the machine (the CPU is printed with them).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("CHARLM_DATA_DIR", str(ROOT.parent / "shared" / "corpora"))

PRESET_LABEL = "Preset: one click sets every option to a book's experiment"
FINISHED = "text=/Finished after|Reached the time limit|Stopped after/"
GROUP_DONE = "text=/in Compare\\)/"  # a group's closing note: "(all 3 in Compare)"
CHROMIUM = os.environ.get("CHARLM_CHROMIUM", "/usr/lib/chromium/chromium")


def cpu_model() -> str:
    from charlm.provenance import cpu_name

    return f"{cpu_name()}, {os.cpu_count()} cores"


def cli_seconds(name: str, epochs: int | None) -> float:
    with tempfile.TemporaryDirectory() as out:
        argv = [sys.executable, "-m", "charlm", "train", "--preset", name, "--out", out, "--no-token-file"]
        argv += ["--epochs", str(epochs)] if epochs else []
        start = time.perf_counter()
        subprocess.run(argv, check=True, cwd=ROOT, capture_output=True)
        return time.perf_counter() - start


def process_cpu(pattern: bytes) -> float:
    """CPU seconds used so far by the processes whose command line contains ``pattern``."""
    total = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if pattern in Path(f"/proc/{pid}/cmdline").read_bytes():
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return total


def app_run(url: str, name: str, epochs: int | None, group: bool) -> dict:
    """One run in a fresh page: wall time from Start to the finish line, the page's JS heap, the CPU the browser used."""
    from playwright.sync_api import sync_playwright

    from charlm.presets import GROUPS, PRESETS

    title = str((GROUPS.get(name) or PRESETS[name]).msg("title"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--enable-precise-memory-info"])
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url)
        page.wait_for_selector("text=Start training")
        page.get_by_label(PRESET_LABEL).click()
        page.get_by_role("option", name=title, exact=True).click()
        page.wait_for_timeout(1000)  # the preset's options arrive
        if epochs:
            page.get_by_text("Training: epochs, batches, optimizer", exact=True).click()
            box = page.get_by_role("spinbutton", name=re.compile("^Epochs"))
            box.fill(str(epochs))
            box.press("Tab")
            page.wait_for_timeout(500)
        browser_cpu = process_cpu(b"chromium")
        start = time.perf_counter()
        page.get_by_role("button", name="Start training").click()
        page.wait_for_selector(GROUP_DONE if group else FINISHED, timeout=3_600_000)
        seconds = time.perf_counter() - start
        browser_cpu = process_cpu(b"chromium") - browser_cpu
        heap = page.evaluate("performance.memory.usedJSHeapSize") / 2**20
        page.context.new_cdp_session(page).send("HeapProfiler.collectGarbage")
        heap_after_gc = page.evaluate("performance.memory.usedJSHeapSize") / 2**20
        browser.close()
    return {"app_seconds": seconds, "js_heap_mb": heap, "js_heap_after_gc_mb": heap_after_gc,
            "browser_cpu_seconds": browser_cpu}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("presets", nargs="*", default=["d2l-gru", "trio-d2l"], help="presets or groups to time")
    parser.add_argument("--epochs", type=int, help="fewer epochs than the presets' (the same in both)")
    parser.add_argument("--port", type=int, default=7897)
    parser.add_argument("--json", action="store_true", help="one JSON object per preset")
    args = parser.parse_args(argv)

    import torch

    import app
    from charlm.presets import GROUPS, PRESETS
    from charlm.ui.common import AppContext

    unknown = [n for n in args.presets if n not in PRESETS and n not in GROUPS]
    if unknown:
        parser.error(f"no preset or group {unknown[0]!r}")
    ctx = AppContext.create(app.CHECKPOINTS)  # as app.main does: then the app's own work on one core, each run on all
    torch.set_num_threads(1)
    demo = app.build_demo(ctx)
    demo.launch(server_name="127.0.0.1", server_port=args.port, prevent_thread_lock=True, quiet=True,
                **app.launch_options())  # fmt: skip
    try:
        if not args.json:
            print(f"{cpu_model()}; torch {torch.__version__}")
        for name in args.presets:
            cli = cli_seconds(name, args.epochs)
            result = {"preset": name, "epochs": args.epochs, "cli_seconds": cli}
            result |= app_run(f"http://127.0.0.1:{args.port}/", name, args.epochs, name in GROUPS)
            result["ratio"] = result["app_seconds"] / cli
            if args.json:
                print(json.dumps(result | {"cpu": cpu_model()}), flush=True)
            else:
                print(f"{name}: command line {cli:.1f} s, app {result['app_seconds']:.1f} s ({result['ratio']:.2f}×); "
                      f"JS heap {result['js_heap_mb']:.0f} MB ({result['js_heap_after_gc_mb']:.0f} MB after GC); "
                      f"the browser used {result['browser_cpu_seconds']:.1f} s of CPU", flush=True)  # fmt: skip
    finally:
        demo.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
