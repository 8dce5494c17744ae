"""A many-visitor load test of the app, served in this process on 127.0.0.1 and nowhere else.

    python tests/load.py --visitors 8 --seconds 60

Each visitor is its own ``gradio_client.Client`` (its own session) in its own thread. For ``seconds`` it
repeats rounds of: train a tiny model of its own (visitor k: cell k mod 4, 16 + 8k hidden units), generate a
few times, trace, and read its Compare table. Every third visitor also stops a long run in each round
(``job.cancel()``, which reaches the generator like the Stop button). When the time is up, the "stop" visitors
stop one last long run and the "disconnect" visitors close their client in the middle of one without
cancelling it. Trainings are capped at ``max_trainings`` at once, so some wait in the queue.

What is measured, and checked:
- no cross-talk: after each training the model line names this visitor's own cell and hidden size, the
  traced heatmap has its number of units, its Compare table lists only its own runs, and generation works;
- the queue: the largest queue position any training saw (``job.status()``), and that queued runs finished;
- memory: this process's resident set (VmRSS) at the start, its peak, and at the end, after every visitor left;
- a stopped or abandoned run frees the CPU: seconds until its session leaves the app's runs in progress, and seconds from
  the last stop or disconnect until the app's runs in progress is empty and this process's CPU time stops growing;
- requests served, errors with their messages, p50/p95 latency of /generate while trainings run.

Every wait is bounded by a hard deadline (``seconds`` + ``grace``), and each visitor makes at most
``max_rounds`` rounds, so the run stops by itself.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO.parent / "shared" / "corpora"
CELLS = ["gru", "lstm", "rnn", "peephole"]
ROLES = ["plain", "stop", "disconnect"]  # visitor k's role is ROLES[k % 3]
CPU_QUIET = 0.25  # cores: below this, the process is idle (the server's own chatter is ~0.02)
DRAIN = 60  # seconds past the hard deadline for the queue's last runs to end (each is capped at max_seconds)
MEMORY_SLACK_MB = 150  # what "close to the starting level" allows: torch and glibc keep some of what they took


@dataclass
class Visitor:
    """One visitor's plan and what happened to it."""

    k: int
    cell: str
    hidden: int
    role: str
    arch: str = ""  # as the model line writes it, e.g. "GRU 1×24"
    client: object = None
    trainings: int = 0
    interrupts: list[dict] = field(default_factory=list)  # {kind, at, freed_after}
    problems: list[str] = field(default_factory=list)  # cross-talk or broken results


class Unfinished(TimeoutError):
    """The hard deadline came while a visitor still waited for a request: in the queue, or for a run that started
    late because of it. The queue's wait, reported as such, not an error."""


class Load:
    """The shared bookkeeping of one run: requests, latencies, queue positions, errors, samples."""

    def __init__(self, jobs, deadline: float):
        self.jobs, self.deadline, self.lock = jobs, deadline, threading.Lock()  # the app's runs in progress (Jobs)
        self.served = 0
        self.errors: list[str] = []
        self.generate_latency: list[tuple[float, bool]] = []  # (seconds, a training was running)
        self.queue_jobs: list[dict] = []  # one per training that waited: largest rank, queue size, finished
        self.still_queued: list[int] = []  # the queue positions of trainings still waiting at the hard deadline
        self.unfinished: list[str] = []  # the other requests still waited for at the hard deadline (which)
        self.barrier_broken = False  # some visitors had not finished their rounds by the deadline
        self.samples: list[tuple[float, float, int, int]] = []  # (time, CPU seconds, RSS bytes, len(RUNNING))

    def wait(self, job, what: str):
        """A submitted job's result, or Unfinished at the hard deadline."""
        try:
            return job.result(timeout=self.left(what))
        except Unfinished:
            raise
        except TimeoutError:  # concurrent.futures': still waiting (in its endpoint's queue, or running) at the deadline
            with self.lock:
                self.unfinished.append(what)
            raise Unfinished(what) from None

    def left(self, what: str = "a run in progress") -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            with self.lock:
                self.unfinished.append(what)
            raise Unfinished(f"the hard deadline passed, still waiting for {what}")
        return left

    def request(self, v: Visitor, api: str, *args):
        """One request, waited for; its latency is returned with the result."""
        start = time.monotonic()
        result = self.wait(v.client.submit(*args, api_name=api), api)
        with self.lock:
            self.served += 1
        return result, time.monotonic() - start

    def train(self, v: Visitor, epochs: int, seed: int, interrupt: str | None = None) -> str | None:
        """Train, watching the job's queue position; with ``interrupt``, stop or abandon it once it runs."""
        args = [None, "timemachine", "raw", 4000, None, "", v.cell, 1, v.hidden, False, 0.0, 0, "auto", epochs,
                8, 16, "sequential", "adam", 1e-2, 1.0, seed, "best"]  # fmt: skip
        job = v.client.submit(*args, api_name="/train")
        ranks, sizes, queued = [], [], True
        while not job.done() and not (interrupt and self.training(v)):
            status = job.status()
            queued = status.code.name in ("IN_QUEUE", "JOINING_QUEUE", "STARTING")
            if status.code.name == "IN_QUEUE" and status.rank is not None:
                ranks.append(status.rank)  # 0: next in line
                sizes.append(status.queue_size or 0)
            if time.monotonic() >= self.deadline and queued and not self.training(v):
                job.cancel()  # it leaves the queue
                with self.lock:
                    self.still_queued.append((ranks[-1] + 1) if ranks else 0)
                raise Unfinished(f"still waiting in the queue at position {ranks[-1] + 1 if ranks else '?'}")
            self.left()
            time.sleep(0.05)
        if interrupt:
            time.sleep(1.0)  # mid-run
            self.interrupt(v, job, interrupt)
            outputs = None
        else:
            outputs = self.wait(job, "/train")  # (plot, status, sample, model line)
        with self.lock:
            self.served += 1
            if ranks:
                finished = None if interrupt else "Finished after" in outputs[1]
                self.queue_jobs.append({"position": max(ranks) + 1, "queue_size": max(sizes), "finished": finished})
        return outputs and outputs[3]

    def interrupt(self, v: Visitor, job, kind: str) -> None:
        at = time.monotonic()
        if kind == "stop":
            job.cancel()  # POST /cancel: the server closes the generator at its next yield, as Stop does
        else:
            v.client.close()  # ends the heartbeat: the server sees the session close and runs demo.unload
        while self.training(v):
            self.left()
            time.sleep(0.02)
        v.interrupts.append({"kind": kind, "at": at, "freed_after": time.monotonic() - at})

    def error(self, v: Visitor, e: BaseException) -> None:
        with self.lock:
            self.errors.append(f"visitor {v.k} ({v.arch}, {v.role}): {type(e).__name__}: {e}")

    def monitor(self, stop: threading.Event) -> None:
        while not stop.wait(0.1):
            self.samples.append((time.monotonic(), time.process_time(), rss(), len(self.jobs)))

    def training(self, v: Visitor) -> bool:
        """Whether the app has a run in progress started by this visitor's client."""
        return bool(self.jobs.on_page(v.client.session_hash))

    @property
    def running(self) -> bool:
        return bool(self.jobs)


def rss() -> int:
    """This process's resident set in bytes (VmRSS); the server runs in this process."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def visit(load: Load, v: Visitor, end: threading.Barrier, until: float, generations: int, max_rounds: int) -> None:
    """One visitor's rounds until ``until``, then (for "stop" and "disconnect") its last, interrupted run."""
    try:
        for round_ in range(1, max_rounds + 1):
            if time.monotonic() > until:
                break
            line = load.train(v, epochs=1 + round_ % 3, seed=round_)
            v.trainings += 1
            if v.arch not in line:
                v.problems.append(f"round {round_}: the model line after training is {line!r}")
            for g in range(generations):
                (text, _), seconds = load.request(v, "/generate", "the ", 200, 0.8, 0, 1.0, g, 1)
                load.generate_latency.append((seconds, bool(load.running)))
                if not (text.startswith("the ") and len(text) == 204):
                    v.problems.append(f"round {round_}: generated {text!r}")
            (summary, heatmap, *_), _ = load.request(v, "/trace", "the time traveller", 1, "forward", "h")
            if traced_units(heatmap) != v.hidden:
                v.problems.append(f"round {round_}: traced {traced_units(heatmap)} units, not {v.hidden}: {summary}")
            (_, table, _notes, _gradients), _ = load.request(v, "/compare")
            runs = [row[0] for row in table["data"]]  # "3. GRU 1×16, fused": the run, its model, its engine
            if len(runs) < v.trainings or not all(r.split(", ")[0].endswith(v.arch) for r in runs):
                v.problems.append(f"round {round_}: the Compare tab lists {runs}")
            if v.role == "stop":
                load.train(v, epochs=400, seed=round_, interrupt="stop")
    except Unfinished:
        pass  # counted as the queue's wait
    except Exception as e:
        load.error(v, e)
    try:  # everyone waits here, so the last stops and disconnects happen on an otherwise quiet server
        end.wait(timeout=max(load.deadline - time.monotonic(), 0.1))
        if v.role != "plain":
            load.train(v, epochs=400, seed=0, interrupt=v.role)
    except Unfinished:
        pass
    except threading.BrokenBarrierError:  # someone was still busy (or queued) at the deadline: no last interrupt
        load.barrier_broken = True
    except Exception as e:
        load.error(v, e)


def warm_up(load: Load, url: str, cells: list[str], crowd: int = 1) -> None:
    """One visitor trains each cell once, generates and traces, so that torch's one-time costs (its kernels,
    threads and allocator pools: about 100 MB) are paid before the starting memory is measured. With ``crowd``, that
    many visitors also trace at once and leave: the server's pool of threads grows to the crowd's size for good, and
    the crowd's clients run in this process (measured: 40 closed clients left 63 MB here, of which the server kept
    28 MB, then nothing more for the next 80)."""
    from gradio_client import Client

    v = Visitor(-1, "", 8, "plain", client=Client(url, verbose=False))
    for v.cell in cells:
        load.train(v, epochs=1, seed=0)
        load.request(v, "/generate", "the ", 200, 0.8, 0, 1.0, 0, 1)
        load.request(v, "/trace", "the time traveller", 1, "forward", "h")
    v.client.close()

    def trace_and_leave(k: int) -> None:
        w = Visitor(-2 - k, "", 8, "plain", client=Client(url, verbose=False))
        load.request(w, "/trace", "the time traveller", 1, "forward", "h")
        load.request(w, "/compare")
        w.client.close()

    if crowd > 1:
        threads = [threading.Thread(target=trace_and_leave, args=(k,), daemon=True) for k in range(crowd)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=max(load.deadline - time.monotonic(), 1))
    load.served = 0


def traced_units(heatmap: dict) -> int:
    """How many units the traced layer has, from a gate heatmap as the client receives it: its rows, or, where the
    heatmap shows only the first 128 of more, the count its title gives ("… (first 128 of 200 units)")."""
    figure = json.loads(heatmap["plot"])
    z = figure["data"][0]["z"]
    rows = int(z["shape"].split(",")[0]) if isinstance(z, dict) else len(z)
    title = figure["layout"].get("title", {}).get("text", "")
    cut = re.search(r"first (\d+) of (\d+) units", title)
    return int(cut.group(2)) if cut and int(cut.group(1)) == rows else rows


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))] if values else float("nan")


def run(visitors: int = 8, seconds: float = 60, port: int | None = None, data_dir: str | Path | None = None,
        max_trainings: int = 2, max_seconds: float = 30, heartbeat: float = 1.0, generations: int = 3,
        max_rounds: int = 20, grace: float = 40) -> dict:  # fmt: skip
    """Serve the app on 127.0.0.1, let ``visitors`` use it for ``seconds``, and return the figures and checks."""
    folder = Path(data_dir or os.environ.get("CHARLM_DATA_DIR") or DEFAULT_DATA_DIR)
    if not (folder / "timemachine.txt").is_file():
        raise FileNotFoundError(f"no timemachine.txt in {folder}: pass --data-dir or set CHARLM_DATA_DIR")
    settings = {
        "HF_HUB_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "CHARLM_DATA_DIR": str(folder),
        "CHARLM_MAX_TRAININGS": str(max_trainings),
        "CHARLM_MAX_SECONDS": str(max_seconds),
        # The server writes to each session's heartbeat stream this often (15 s by default). A closed browser tab
        # drops its connection at once; a closed gradio_client only notices at the next heartbeat line.
        "GRADIO_HEARTBEAT_INTERVAL": str(heartbeat),
        "CHARLM_SESSION_MINUTES": "0.05",  # a visitor who left is released 3 s later, so the end's memory is theirs gone
    }
    with environment(settings):
        return _run(visitors, seconds, port, generations, max_rounds, grace)


@contextlib.contextmanager
def environment(settings: dict[str, str]):
    """These environment variables set for a while, then as they were."""
    saved = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _run(visitors: int, seconds: float, port: int | None, generations: int, max_rounds: int, grace: float) -> dict:
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from gradio_client import Client

    import app
    from charlm.limits import Limits
    from charlm.ui.common import CELL_CHOICES, AppContext

    ctx = AppContext.create(app.CHECKPOINTS, Limits.from_env())  # the caps from the settings above
    demo = app.build_demo(ctx)
    port = port or free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    url = f"http://127.0.0.1:{port}/"
    names = {value: name for name, value in CELL_CHOICES}
    crowd = [Visitor(k, CELLS[k % 4], 16 + 8 * k, ROLES[k % 3]) for k in range(visitors)]
    for v in crowd:
        v.arch = f"{names[v.cell]} 1×{v.hidden}"

    rss_cold = rss()
    load = Load(ctx.jobs, deadline=time.monotonic() + grace)
    stop_monitor = threading.Event()
    try:
        warm_up(load, url, sorted({v.cell for v in crowd}), crowd=visitors)
        gc.collect()
        rss_start = rss()
        begin = time.monotonic()
        load.deadline = begin + seconds + grace
        threading.Thread(target=load.monitor, args=(stop_monitor,), daemon=True).start()
        for v in crowd:  # each its own session; created first, so that all start training at once
            v.client = Client(url, verbose=False)
        end = threading.Barrier(visitors)
        threads = [
            threading.Thread(target=visit, args=(load, v, end, begin + seconds, generations, max_rounds), daemon=True)
            for v in crowd
        ]
        for t in threads:
            t.start()
        for t in threads:  # a visitor still queued at the deadline leaves the queue within a poll
            t.join(timeout=max(load.deadline - time.monotonic(), 0) + 10)
        if any(t.is_alive() for t in threads):
            load.errors.append("some visitors were still busy at the hard deadline")
        # Wait (bounded) for an idle server: nothing training and the CPU quiet for a second.
        while time.monotonic() < load.deadline + DRAIN and not (
            not load.jobs and quiet(load.samples, since=time.monotonic() - 1.2)
        ):
            time.sleep(0.2)
        for v in crowd:  # the clients run in this process too: each holds a copy of the app's config (megabytes)
            if v.client is not None:
                v.client.close()
                v.client = None
        # Everyone has left: their sessions are released (CHARLM_SESSION_MINUTES above), then the memory is read.
        settled = time.monotonic() + 60
        while demo.state_holder.session_data and time.monotonic() < settled:
            time.sleep(0.2)
        sessions_held = len(demo.state_holder.session_data)
        gc.collect()
        time.sleep(0.5)
        rss_end = rss()
        rss_trimmed = trimmed_rss()
    finally:
        stop_monitor.set()
        demo.close()

    interrupts = [i for v in crowd for i in v.interrupts]
    last = max((i["at"] for i in interrupts), default=None)
    drained = after(load.samples, last, lambda s: s[3] == 0)  # the queue's last run ended (at once, on a quiet server)
    drained_at = None if drained is None else last + drained
    during = [s for s, training in load.generate_latency if training]
    mb = 1 / 2**20
    result = {
        "visitors": visitors,
        "seconds": round(time.monotonic() - begin, 1),
        "requests_served": load.served,
        "trainings": sum(v.trainings for v in crowd),
        "errors": load.errors,
        "cross_talk": [f"visitor {v.k} ({v.arch}): {p}" for v in crowd for p in v.problems],
        "generate_requests": len(load.generate_latency),
        "generate_during_training": len(during),
        "generate_p50_s": round(percentile(during, 0.5), 3),
        "generate_p95_s": round(percentile(during, 0.95), 3),
        "queued_trainings": len(load.queue_jobs),
        "largest_queue_position": max((j["position"] for j in load.queue_jobs), default=0),
        "largest_queue_size": max((j["queue_size"] for j in load.queue_jobs), default=0),
        "queued_finished": sum(j["finished"] is True for j in load.queue_jobs),
        "queued_unfinished": sum(j["finished"] is False for j in load.queue_jobs),
        "interrupts": len(interrupts),
        "stopped_freed_max_s": round(max((i["freed_after"] for i in interrupts if i["kind"] == "stop"), default=0), 2),
        "abandoned_freed_max_s": round(
            max((i["freed_after"] for i in interrupts if i["kind"] == "disconnect"), default=0), 2
        ),
        "running_empty_after_last_s": drained,
        "cpu_quiet_after_drained_s": after(load.samples, drained_at, lambda s: s[3] == 0 and quiet(load.samples, s[0])),
        "still_queued_at_deadline": len(load.still_queued),
        "still_queued_positions": sorted(load.still_queued),
        "unfinished_at_deadline": sorted(load.unfinished),
        "sessions_held_at_end": sessions_held,
        "last_interrupts_skipped": load.barrier_broken,
        "rss_cold_mb": round(rss_cold * mb),
        "rss_start_mb": round(rss_start * mb),
        "rss_peak_mb": round(max((s[2] for s in load.samples), default=rss_start) * mb),
        "rss_end_mb": round(rss_end * mb),
        "rss_end_trimmed_mb": round(rss_trimmed * mb) if rss_trimmed else None,
    }
    result["checks"] = {
        "no errors (the queue's own wait aside)": not load.errors,
        "no cross-talk": not result["cross_talk"] and all(v.trainings for v in crowd),
        "trainings queued, then finished": result["queued_finished"] > 0 and not result["queued_unfinished"],
        # What is held once glibc has handed back its free pages, as the app itself has it do when a run ends or a
        # session is released: the clients, which run in this process, leave free pages in its heap too.
        "memory back near the start": (result["rss_end_trimmed_mb"] or result["rss_end_mb"]) - result["rss_start_mb"]
        <= MEMORY_SLACK_MB,
        "stopped and abandoned runs free the CPU": bool(interrupts)
        and max(i["freed_after"] for i in interrupts) <= 5
        and result["cpu_quiet_after_drained_s"] is not None
        and result["cpu_quiet_after_drained_s"] <= 5,
    }
    return result


def trimmed_rss() -> int | None:
    """RSS once glibc has handed its free heap pages back (malloc_trim): what is really still in use."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        return None
    return rss()


def quiet(samples: list[tuple], since: float, window: float = 1.0) -> bool:
    """Whether the CPU time grew by less than ``CPU_QUIET`` cores over ``window`` seconds from ``since``."""
    inside = [s for s in samples if since <= s[0] <= since + window]
    if len(inside) < 2 or inside[-1][0] - inside[0][0] < 0.8 * window:
        return False
    return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0]) < CPU_QUIET


def after(samples: list[tuple], since: float | None, ok) -> float | None:
    """Seconds from ``since`` to the first sample for which ``ok`` holds."""
    if since is None:
        return None
    return next((round(s[0] - since, 2) for s in samples if s[0] >= since and ok(s)), None)


def report(r: dict) -> str:
    lines = [
        f"{r['visitors']} visitors, {r['seconds']} s: {r['requests_served']} requests served "
        f"({r['trainings']} trainings, {r['generate_requests']} generations), {len(r['errors'])} errors",
        *(f"  error: {e}" for e in r["errors"]),
        *(f"  cross-talk: {p}" for p in r["cross_talk"]),
        f"/generate while trainings ran: p50 {r['generate_p50_s']} s, p95 {r['generate_p95_s']} s "
        f"({r['generate_during_training']} requests)",
        f"queue: {r['queued_trainings']} trainings waited, largest position {r['largest_queue_position']} "
        f"(queue of {r['largest_queue_size']}); of those run to their end, {r['queued_finished']} finished and "
        f"{r['queued_unfinished']} did not",
        f"memory (RSS): {r['rss_cold_mb']} MB before any training, start (after a warm-up run of each cell) "
        f"{r['rss_start_mb']} MB, peak {r['rss_peak_mb']} MB, end {r['rss_end_mb']} MB "
        f"({r['rss_end_trimmed_mb']} MB once glibc returns its free pages), {r['sessions_held_at_end']} sessions still "
        "held then",
        f"{r['interrupts']} stops and disconnects: a stopped run left RUNNING within {r['stopped_freed_max_s']} s, "
        f"an abandoned one within {r['abandoned_freed_max_s']} s; after the last, no run was in progress after "
        f"{r['running_empty_after_last_s']} s (the queue drained) and the CPU was quiet {r['cpu_quiet_after_drained_s']} s "
        "later",
        f"the queue's wait: {r['still_queued_at_deadline']} trainings were still waiting at the hard deadline "
        f"(positions {r['still_queued_positions']}) and left the queue; other requests still waited for: "
        f"{r['unfinished_at_deadline'] or 'none'}"
        + (
            "; some visitors' last stop or disconnect was skipped, the queue still busy"
            if r["last_interrupts_skipped"]
            else ""
        ),
        *(f"check {'passed' if ok else 'FAILED'}: {name}" for name, ok in r["checks"].items()),
    ]
    return "\n".join(lines)


# -- the soak: a semester in minutes ----------------------------------------------------------------------------------


@dataclass
class Wave:
    """What the server held once a wave of visitors had come, done everything and left, and their sessions expired."""

    number: int
    visitors: int
    seconds: float  # the wave's own time, from the first arrival to the last session released
    errors: list[str]
    rss_mb: float
    open_files: int  # this process's file descriptors
    session_folders: int  # folders under the app's scratch folder (each session's files)
    cache_files: int  # files in Gradio's cache (its copies of Downloads)
    threads: int
    sessions_left: int  # visitors' sessions Gradio still holds


def soak(minutes: float, visitors: int = 8, data_dir: str | Path | None = None, session_minutes: float = 0.05,
         heartbeat: float = 0.5, cache_seconds: int = 5, log=print) -> list[Wave]:  # fmt: skip
    """Waves of ``visitors`` for ``minutes``: each visitor trains a tiny model, downloads it, traces, generates, reads
    Compare and leaves; the next wave comes once the last one's sessions have expired. Sessions are kept
    ``session_minutes`` after their tab closes (CHARLM_SESSION_MINUTES) and Gradio's copies of Downloads
    ``cache_seconds``, so that a semester's turnover fits in minutes. One line per wave goes to ``log``."""
    folder = Path(data_dir or os.environ.get("CHARLM_DATA_DIR") or DEFAULT_DATA_DIR)
    settings = {"HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "CHARLM_DATA_DIR": str(folder),
                "CHARLM_SESSION_MINUTES": str(session_minutes), "GRADIO_HEARTBEAT_INTERVAL": str(heartbeat),
                "GRADIO_TEMP_DIR": tempfile.mkdtemp(prefix="charlm-soak-")}  # its own cache: no one else's files  # fmt: skip
    try:
        with environment(settings):
            return _soak(minutes, visitors, cache_seconds, session_minutes, log)
    finally:
        shutil.rmtree(settings["GRADIO_TEMP_DIR"], ignore_errors=True)


def _soak(minutes: float, visitors: int, cache_seconds: int, session_minutes: float, log) -> list[Wave]:
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from gradio_client import Client

    import app
    from charlm.limits import Limits
    from charlm.ui.common import AppContext

    ctx = AppContext.create(app.CHECKPOINTS, Limits.from_env())
    demo = app.build_demo(ctx, delete_cache=(max(1, cache_seconds // 2), cache_seconds))
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    url, waves = f"http://127.0.0.1:{port}/", []
    cache = Path(demo.GRADIO_CACHE)

    def sessions_left() -> int:  # Gradio's sessions, each with its visitor's Session and a copy of the page's config
        return len(demo.state_holder.session_data)

    def visit(k: int, wave: int, errors: list[str]) -> None:
        cell, hidden = CELLS[k % 4], 16 + 8 * k
        try:
            client = Client(url, verbose=False, download_files=False)
        except Exception as e:
            errors.append(f"visitor {k}: could not connect: {e}")
            return
        try:
            args = [None, "timemachine", "raw", 4000, None, "", cell, 1, hidden, False, 0.0, 0, "auto", 2, 8, 16,
                    "sequential", "adam", 1e-2, 1.0, wave, "best"]  # fmt: skip
            _plot, status, _sample, _line = client.predict(*args, api_name="/train")
            if "Finished after 2 epochs" not in status:
                errors.append(f"visitor {k}: the run ended {status!r}")
            client.predict(api_name="/download")
            _summary, heatmap, *_ = client.predict("the time traveller", 1, "forward", "h", api_name="/trace")
            if traced_units(heatmap) != hidden:
                errors.append(f"visitor {k}: traced {traced_units(heatmap)} units, not {hidden}")
            text, _ = client.predict("the ", 100, 0.8, 0, 1.0, k, 1, api_name="/generate")
            if len(text) != 104:
                errors.append(f"visitor {k}: generated {text!r}")
            _fig, table, *_ = client.predict(api_name="/compare")
            if len(table["data"]) != 1:
                errors.append(f"visitor {k}: Compare lists {table['data']}")
        except Exception as e:
            errors.append(f"visitor {k}: {type(e).__name__}: {e}")
        finally:
            client.close()

    try:
        warm_up(Load(ctx.jobs, deadline=time.monotonic() + 120), url, CELLS)
        cached = lambda: sum(p.is_file() for p in cache.rglob("*"))  # noqa: E731
        before = cached()  # what Gradio caches of the page itself, before any Download
        time.sleep(12)  # the warm-up's idle worker threads end (anyio keeps one 10 s)
        threads_before = threading.active_count()
        end = time.monotonic() + 60 * minutes  # the waves' time, from here
        for number in range(1, 10**6):
            if time.monotonic() > end and len(waves) >= 2:  # two at least: the first is what the others compare with
                break
            begin, errors = time.monotonic(), []
            crowd = [threading.Thread(target=visit, args=(k, number, errors), daemon=True) for k in range(visitors)]
            for t in crowd:
                t.start()
            for t in crowd:
                t.join(timeout=300)
            # Every session released and Gradio's copies cleared: bounded by the settings above, plus slack
            settled = time.monotonic() + 60 * session_minutes + cache_seconds + 30
            threads = waves[0].threads if waves else threads_before  # idle worker threads end after a while
            while time.monotonic() < settled and (
                sessions_left() or any(ctx.scratch.glob("session-*")) or cached() > before
                or threading.active_count() > threads
            ):  # fmt: skip
                time.sleep(0.25)
            gc.collect()
            time.sleep(0.5)
            waves.append(Wave(number, visitors, round(time.monotonic() - begin, 1), errors, round(rss() / 2**20),
                              len(os.listdir("/proc/self/fd")), sum(1 for _ in ctx.scratch.glob("session-*")),
                              cached(), threading.active_count(), sessions_left()))  # fmt: skip
            log(soak_line(waves[-1]))
    finally:
        demo.close()
    return waves


def soak_line(w: Wave) -> str:
    return (f"wave {w.number:>3}: {w.visitors} visitors in {w.seconds:5.1f} s, {len(w.errors)} errors; RSS {w.rss_mb:.0f} MB, "
            f"{w.open_files} open files, {w.session_folders} session folders, {w.cache_files} files in Gradio's cache, "
            f"{w.threads} threads, {w.sessions_left} sessions held")  # fmt: skip


def soak_checks(waves: list[Wave]) -> dict[str, bool]:
    """The soak's checks: memory and resources after the last wave back to what they were after the first."""
    first, last = waves[0], waves[-1]
    return {
        "no errors": not any(w.errors for w in waves),
        f"RSS after the last wave within {MEMORY_SLACK_MB} MB of after the first": last.rss_mb - first.rss_mb
        <= MEMORY_SLACK_MB,
        "open files back to the first wave's": last.open_files <= first.open_files,
        "no session folders or sessions left": not (last.session_folders or last.sessions_left),
        "files in Gradio's cache back to the first wave's": last.cache_files <= first.cache_files,
        "threads back to the first wave's": last.threads <= first.threads,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=8, help="visitors at once, each its own client (default 8)")
    parser.add_argument("--seconds", type=float, default=60, help="how long visitors start new rounds (default 60)")
    parser.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--data-dir", default=None,
                        help=f"folder of the reference corpora (default: $CHARLM_DATA_DIR, else {DEFAULT_DATA_DIR})")  # fmt: skip
    parser.add_argument("--max-trainings", type=int, default=2, help="CHARLM_MAX_TRAININGS: trainings at once (2)")
    parser.add_argument("--max-seconds", type=float, default=30, help="CHARLM_MAX_SECONDS: one run's wall time (30)")
    parser.add_argument("--heartbeat", type=float, default=1.0,
                        help="GRADIO_HEARTBEAT_INTERVAL: how soon a closed client is noticed, in seconds (1)")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the result as JSON instead")
    parser.add_argument("--soak", type=float, metavar="MINUTES",
                        help="instead: waves of --visitors arrive, train, download, trace, generate and leave for MINUTES, "
                        "with RSS, open files, temporary folders and threads printed per wave")  # fmt: skip
    a = parser.parse_args()
    if a.soak:
        waves = soak(a.soak, a.visitors, a.data_dir, heartbeat=min(a.heartbeat, 0.5))
        checks = soak_checks(waves)
        for name, ok in checks.items():
            print(f"check {'passed' if ok else 'FAILED'}: {name}")
        for w in waves:
            for e in w.errors:
                print(f"  wave {w.number} error: {e}")
        sys.exit(0 if all(checks.values()) else 1)
    r = run(a.visitors, a.seconds, a.port, a.data_dir, a.max_trainings, a.max_seconds, a.heartbeat)
    print(json.dumps(r, indent=2, ensure_ascii=False) if a.json else report(r))
    sys.exit(0 if all(r["checks"].values()) else 1)


if __name__ == "__main__":
    main()
