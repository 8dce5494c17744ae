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

The lecture (``--room N``, ``lecture``):

    python tests/load.py --room 200 [--epochs 2 --max-seconds 12] [--max-threads 40] [--json]

One owner (a ``gradio_client.Client`` in this process) trains the quick demo, the ``quick-lstm`` preset with its
widgets as the Train tab sets them, twice: alone (the reference), then shared (/share_run) right after its first
update, with N followers watching the room (/watch) until the run has ended and the owner closes it (/close_room).
Every fifth follower also generates and traces with the room's model a few times while it trains. Measured, and
checked against the lecture's targets:
- errors (none), with their messages; every follower saw each epoch number the owner's status lines showed
  ("Epoch **k/N**"), its last status is the owner's final one, and its stream ended with the closed room's line;
- the delay from the server publishing an update (a listener on the run's Broadcast) to a follower's receipt of the same
  status line: p50, p95 (≤ 2 s), max; also the owner's own, a follower's first frame, and updates a follower never saw;
- /generate with the room's model while it trains, p50 and p95 (≤ 1 s), and /trace; the model line names the room;
- the owner's tokens/s alone and with the room, from the run's history (the RunSummary its session keeps: all its
  epochs, harmonic mean), and their ratio (≥ 0.80); where the server's CPU went in each run, by thread (``CpuSplit``);
- this process's RSS at the start, its peak (≤ 2 GB) and once the followers have gone (within 150 MB of the start);
  the followers connected at peak (the room's count) and how many events Gradio's queue ran at once.

How the followers run. A phone that follows a room costs the server one /watch stream and one heartbeat connection;
reading the stream and patching its texts is the phone's own work. 200 ``gradio_client.Client`` objects in the
server's process would share its GIL with the training thread and the event loop, and each keeps polling threads of
its own (measured: 40 of them took about 0.2 cores). So every follower runs in a child process (multiprocessing,
spawn: a fresh interpreter with nothing of torch or gradio in it) that reaches the server over HTTP only. Four in five
are light followers, one asyncio task each in one event loop, speaking Gradio's queue protocol with httpx as a page
does: the session's heartbeat stream kept open, /watch joined to the queue (POST gradio_api/queue/join), the session's
event stream read (GET gradio_api/queue/data) and Gradio's streaming diffs applied to the text outputs. Every fifth
is a ``gradio_client.Client`` (generating and tracing need a session that a client keeps). The child's CPU is
reported: it shares this machine's cores with the server, which a lecture's phones do not, so the owner's speed with a
room measured here is, if anything, low.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import gc
import json
import os
import queue
import re
import shutil
import socket
import sys
import tempfile
import threading
import time
import uuid
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



def local_client(url: str, **options):
    """A gradio_client for the app served here, on plain http at 127.0.0.1. ``ssl_verify=False``: there is no
    certificate to verify, and by default gradio_client has httpx build a verifying SSL context (certifi's whole bundle
    parsed) for every request it posts: 17 ms of CPU each, 38% of the followers' process at 200 followers (py-spy),
    taken from the two cores that the server measured here runs on."""
    from gradio_client import Client

    return Client(url, verbose=False, ssl_verify=False, **options)


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

    v = Visitor(-1, "", 8, "plain", client=local_client(url))
    for v.cell in cells:
        load.train(v, epochs=1, seed=0)
        load.request(v, "/generate", "the ", 200, 0.8, 0, 1.0, 0, 1)
        load.request(v, "/trace", "the time traveller", 1, "forward", "h")
    v.client.close()

    def trace_and_leave(k: int) -> None:
        w = Visitor(-2 - k, "", 8, "plain", client=local_client(url))
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


def served_settings(data_dir: str | Path | None, **more: str) -> dict[str, str]:
    """The environment a load test serves the app in: offline, no analytics, the reference corpora from ``data_dir``
    (else CHARLM_DATA_DIR, else ../shared/corpora), and ``more``."""
    folder = Path(data_dir or os.environ.get("CHARLM_DATA_DIR") or DEFAULT_DATA_DIR)
    if not (folder / "timemachine.txt").is_file():
        raise FileNotFoundError(f"no timemachine.txt in {folder}: pass --data-dir or set CHARLM_DATA_DIR")
    return {"HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "CHARLM_DATA_DIR": str(folder), **more}


def run(visitors: int = 8, seconds: float = 60, port: int | None = None, data_dir: str | Path | None = None,
        max_trainings: int = 2, max_seconds: float = 30, heartbeat: float = 1.0, generations: int = 3,
        max_rounds: int = 20, grace: float = 40) -> dict:  # fmt: skip
    """Serve the app on 127.0.0.1, let ``visitors`` use it for ``seconds``, and return the figures and checks."""
    settings = served_settings(
        data_dir,
        CHARLM_MAX_TRAININGS=str(max_trainings),
        CHARLM_MAX_SECONDS=str(max_seconds),
        # The server writes to each session's heartbeat stream this often (15 s by default). A closed browser tab
        # drops its connection at once; a closed gradio_client only notices at the next heartbeat line.
        GRADIO_HEARTBEAT_INTERVAL=str(heartbeat),
        CHARLM_SESSION_MINUTES="0.05",  # a visitor who left is released 3 s later, so the end's memory is theirs gone
    )
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
            v.client = local_client(url)
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
    settings = served_settings(data_dir, CHARLM_SESSION_MINUTES=str(session_minutes),
                               GRADIO_HEARTBEAT_INTERVAL=str(heartbeat),
                               GRADIO_TEMP_DIR=tempfile.mkdtemp(prefix="charlm-soak-"))  # its own cache  # fmt: skip
    try:
        with environment(settings):
            return _soak(minutes, visitors, cache_seconds, session_minutes, log)
    finally:
        shutil.rmtree(settings["GRADIO_TEMP_DIR"], ignore_errors=True)


def _soak(minutes: float, visitors: int, cache_seconds: int, session_minutes: float, log) -> list[Wave]:
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))

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
            client = local_client(url, download_files=False)
        except Exception as e:
            errors.append(f"visitor {k}: could not connect: {e}")
            return
        try:
            args = [None, "timemachine", "raw", 4000, None, "", cell, 1, hidden, False, 0.0, 0, "auto", 2, 8, 16,
                    "sequential", "adam", 1e-2, 1.0, wave, "best"]  # fmt: skip
            _plot, status, _sample, _line, *_ = client.predict(*args, api_name="/train")
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
        threads_before = own_threads()
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
            threads = waves[0].threads if waves else threads_before
            while time.monotonic() < settled and (
                sessions_left() or any(ctx.scratch.glob("session-*")) or cached() > before or own_threads() > threads
            ):
                time.sleep(0.25)
            gc.collect()
            time.sleep(0.5)
            waves.append(Wave(number, visitors, round(time.monotonic() - begin, 1), errors, round(rss() / 2**20),
                              len(os.listdir("/proc/self/fd")), sum(1 for _ in ctx.scratch.glob("session-*")),
                              cached(), own_threads(), sessions_left()))  # fmt: skip
            log(soak_line(waves[-1]))
    finally:
        demo.close()
    return waves


def own_threads() -> int:
    """This process's threads but AnyIO's pool of workers, where Gradio runs its handlers: the pool keeps an idle
    thread 10 s and is bounded by its own limiter, so what it holds at an instant says nothing of what a visitor left
    behind, and waiting for it to empty cost the soak 12 s before its first wave and up to 10 s after each."""
    return sum(not t.name.startswith("AnyIO worker thread") for t in threading.enumerate())


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

# -- the lecture: one run shared with a room of followers -------------------------------------------------------------

TRACE_EVERY = 5  # follower k also generates and traces, with a gradio_client of its own, when k % TRACE_EVERY == 0
ROUNDS = 3  # generate-and-trace rounds of each of those, once the room has a model and while the run trains
ROUND_GAP = 2.0  # seconds between two rounds of one follower
EPOCH_NUMBER = re.compile(r"Epoch \*\*(\d+)/")  # an epoch's number in a status line, in English
SETTLE = 20.0  # seconds for every follower to get the owner's last status, and again for the closed room's last line
REQUEST_SECONDS = 30.0  # a follower's /generate or /trace not answered by then is an error
RUN_SLACK = 120.0  # seconds past a run's time limit for its validation, its Compare figures and its last update
DELAY_TARGET, GENERATE_TARGET, SPEED_TARGET, PEAK_TARGET_MB = 2.0, 1.0, 0.80, 2048


def lecture(followers: int = 50, data_dir: str | Path | None = None, epochs: int | None = None, max_seconds: float = 30,
            heartbeat: float = 5.0, port: int | None = None, max_threads: int | None = None, log=None,
            in_a_process: bool = False, reference: bool = True, max_chars: int | None = None,
            session_minutes: float = 0.05) -> dict:  # fmt: skip
    """Serve the app on 127.0.0.1; train the quick demo once alone (the reference), then again shared with a room of
    ``followers``; return the figures and checks. ``epochs``, ``max_chars`` (the first N characters of its text) and
    ``max_seconds`` shorten the runs (CHARLM_MAX_SECONDS caps the preset's own 30 s); ``heartbeat`` is
    GRADIO_HEARTBEAT_INTERVAL (a browser's default is 15 s); ``max_threads``: Gradio's ``launch(max_threads=...)``,
    the events its queue runs at once, followers' streams included (default: the app's own launch options,
    app.MAX_THREADS; Gradio's own default, 40, let only 40 follow and queued the owner's Close behind them); ``log``
    gets a line at each phase. ``reference=False`` leaves the run alone out (the short form's, which checks no speed):
    no tokens/s ratio and no event loop's cost per frame then. ``session_minutes``: how soon a session is released
    once its client has gone (CHARLM_SESSION_MINUTES), which the lecture waits for twice: after the warm-up, and before
    the end's memory is read."""
    settings = served_settings(
        data_dir,
        CHARLM_MAX_SECONDS=str(max_seconds),
        GRADIO_HEARTBEAT_INTERVAL=str(heartbeat),
        CHARLM_SESSION_MINUTES=str(session_minutes),  # a follower who left is released soon: the end's memory is theirs gone
        CHARLM_TRAIN_IN_A_PROCESS="1" if in_a_process else "0",  # both runs, the reference's too
    )
    with environment(settings):
        return _lecture(followers, epochs, max_chars, max_seconds, port, max_threads, log or (lambda line: None),
                        reference)  # fmt: skip


def _lecture(followers: int, epochs: int | None, max_chars: int | None, max_seconds: float, port: int | None,
             max_threads: int | None, log, with_reference: bool) -> dict:  # fmt: skip
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import multiprocessing

    import torch

    import app
    from charlm.limits import Limits
    from charlm.provenance import cpu_name
    from charlm.serving import stop_worker
    from charlm.ui.app import serving_process
    from charlm.ui.common import AppContext
    from charlm.ui.train_tab import DEFAULT_PRESET, FORM_FIELDS, preset_values

    threads, switch, collector = torch.get_num_threads(), sys.getswitchinterval(), gc.get_threshold()
    ctx = AppContext.create(app.CHECKPOINTS, Limits.from_env())
    demo = app.build_demo(ctx)
    serving_process()  # as app.main has it: handlers on one core, the lock handed over every 1 ms, a generation worker
    port = port or free_port()
    served = app.launch_options() | ({"max_threads": max_threads} if max_threads else {})
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **served)
    url, gradio_queue = f"http://127.0.0.1:{port}/", demo._queue
    # Start on the Train tab as it opens: the quick demo's preset, its widgets as the preset sets them, seed 0.
    chosen = {"preset": DEFAULT_PRESET, "upload": None, "pasted": "", "seed": 0, **preset_values(ctx, DEFAULT_PRESET)}
    chosen["epochs"] = epochs or chosen["epochs"]
    chosen["max_chars"] = max_chars or chosen["max_chars"]
    args = [chosen[name] for name in FORM_FIELDS]
    run_seconds = min(max_seconds, ctx.limits.max_seconds) + RUN_SLACK
    errors: list[str] = []
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: nothing of the server's (torch, gradio) in it
    commands, reports = spawn.Queue(), spawn.Queue()
    hard_deadline = time.monotonic() + 3 * run_seconds + 120 + followers
    spec = {"url": url, "followers": followers, "hidden": chosen["hidden"], "deadline": hard_deadline}
    child = spawn.Process(target=followers_process, args=(spec, commands, reports), name="charlm-followers", daemon=True)
    # (time, CPU seconds, RSS bytes, followers of the room, events Gradio's queue runs, events waiting in it)
    samples: list[tuple[float, float, int, int, int, int]] = []
    split = CpuSplit(demo.server.thread.native_id)
    room_box: list = []
    stop_monitor = threading.Event()

    def monitor() -> None:
        while not stop_monitor.wait(0.1):
            split.look()
            running = sum(job is not None for job in gradio_queue.active_jobs)
            samples.append((time.monotonic(), time.process_time(), rss(), room_box[0].followers if room_box else 0,
                            running, len(gradio_queue)))  # fmt: skip

    def expect(kind: str, seconds: float):
        """The followers' process's next report of ``kind`` (its errors on the way are noted), or None."""
        until = time.monotonic() + seconds
        while (left := until - time.monotonic()) > 0:
            try:
                report_ = reports.get(timeout=min(left, 1.0))
            except queue.Empty:
                if not child.is_alive() and reports.empty():
                    break
                continue
            if report_[0] == kind:
                return report_
            errors.append(str(report_[1]))
        errors.append(f"the followers' process did not report {kind!r} within {seconds:.0f} s")
        return None

    try:
        child.start()  # its imports now, while nothing is measured
        log(f"app at {url}; warming up (the preset's model on 20,000 characters, one epoch)")
        warm = local_client(url)
        warm_args = [*args]
        warm_args[FORM_FIELDS.index("max_chars")], warm_args[FORM_FIELDS.index("epochs")] = 20000, 1
        owner_run(warm, warm_args, ctx, time.monotonic() + run_seconds)
        warm.predict("the ", 200, 0.8, 0, 1.0, 0, 1, api_name="/generate")
        warm.predict("the time traveller", 1, "forward", "h", api_name="/trace")
        warm.close()

        threading.Thread(target=monitor, daemon=True).start()
        reference = solo_cpu = None
        if with_reference:
            log("the reference: the quick demo trained alone")
            solo = local_client(url)
            split.begin()
            reference = owner_run(solo, args, ctx, time.monotonic() + run_seconds)
            solo_cpu = split.end()
            solo.close()
        released(demo, time.monotonic() + 60)
        gc.collect()
        rss_start, room_begin = trimmed_rss() or rss(), time.monotonic()

        log(f"the room: {followers} followers connect (those that generate and trace: a client each)")
        commands.put(("connect",))
        expect("connected", 60 + followers)
        owner = local_client(url)
        published: list[tuple[float, str]] = []  # (when the server published it, the status line in English)
        shared: dict = {}

        def share(session) -> None:  # the owner's first update has come: the room opens, the followers come in
            broadcast = session.broadcast
            broadcast.listen(lambda: published.append((time.monotonic(), broadcast.frame("en")[1])))
            shared["code"] = owner.predict(api_name="/share_run")[0]
            shared["at"] = time.monotonic()
            room_box.append(ctx.rooms.find(shared["code"]))
            commands.put(("go", shared["code"]))
            log(f"shared as room {shared['code']}")

        split.begin()
        room_run = owner_run(owner, args, ctx, time.monotonic() + run_seconds, on_first=share)
        room_cpu = split.end()
        final = room_run["statuses"][-1][1]
        log("the run has ended; every follower should get its last status")
        commands.put(("final", final))
        settled = expect("settled", SETTLE + 10)
        try:
            owner.submit(api_name="/close_room").result(timeout=REQUEST_SECONDS)
        except Exception as e:
            errors.append(f"the owner's /close_room: {type(e).__name__}: {e}")
        commands.put(("closed",))
        log("the room is closed; the followers leave")
        result = expect("result", SETTLE + 30)
        child.join(timeout=30)
        owner.close()
        if child.is_alive():
            errors.append("the followers' process had not ended 30 s after it reported")
            child.terminate()
        sessions_left = released(demo, time.monotonic() + 60)
        gc.collect()
        time.sleep(0.5)
        rss_end = rss()
        rss_end_trimmed = trimmed_rss()
    finally:
        stop_monitor.set()
        if child.is_alive():
            child.terminate()
        with contextlib.redirect_stdout(sys.stderr):  # Gradio says "Closing server…" there, not in the JSON
            demo.close()
        torch.set_num_threads(threads)
        sys.setswitchinterval(switch)
        gc.unfreeze()  # what serving_process froze: back in the collector's passes
        gc.set_threshold(*collector)
        stop_worker()  # the generation worker that serving_process started

    records, child_cpu = (result[1], result[2]) if result else ([], None)
    if not records:
        errors.append("no follower's record came back")
    samples = [s for s in samples if s[0] >= room_begin]
    return lecture_figures(followers, chosen, reference, room_run, published, shared, records, errors, settled,
                           samples, rss_start, rss_end, rss_end_trimmed, sessions_left, solo_cpu, room_cpu, child_cpu,
                           f"{cpu_name()}, {os.cpu_count()} cores", gradio_queue.max_thread_count)  # fmt: skip


def owner_run(client, args: list, ctx, deadline: float, on_first=None) -> dict:
    """One Start of the preset by ``client``, as the Train tab sends it, followed to its end: the statuses as the owner
    received them (time, status), and the session that trained it (the app's, found through its runs in progress).
    ``on_first(session)`` is called at the first update."""
    job = client.submit(*args, api_name="/train")
    got, statuses, session = 0, [], None
    while True:
        done = job.done()
        outputs = job.outputs()
        now = time.monotonic()
        statuses += [(now, out[1]) for out in outputs[got:]]
        if outputs and session is None:
            jobs = ctx.jobs.on_page(client.session_hash)
            if not jobs:
                raise RuntimeError("the owner's run is not among the app's runs in progress at its first update")
            session = jobs[0].session
            if on_first is not None:
                on_first(session)
        got = len(outputs)
        if done:
            break
        if now > deadline:
            job.cancel()
            raise TimeoutError("the owner's run had not ended at its hard deadline")
        time.sleep(0.02)
    job.result(timeout=5)  # the app's error, if the run failed
    history = session.runs[-1].history if session and session.runs else []
    return {"statuses": statuses, "history": history, "tokens_per_second": throughput(history)}


def throughput(history: list[dict]) -> float | None:
    """A run's training tokens per second over all its epochs (each epoch the same tokens: the harmonic mean of the
    epochs' figures)."""
    rates = [h["tokens_per_second"] for h in history if h.get("tokens_per_second")]
    return len(rates) / sum(1 / r for r in rates) if rates else None


def thread_cpu(native_id: int) -> float:
    """CPU seconds a thread of this process has used (Linux: /proc/self/task/ID/stat); 0 when it is gone."""
    try:
        fields = Path(f"/proc/self/task/{native_id}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuSplit:
    """Where this process's CPU goes while a run trains, by thread: the training (its thread, and torch's own worker
    threads, which Python does not know), the server's event loop (every follower's frames are sent from it), and the
    rest (the request handlers' threads: Generate, Trace…; the owner's client). A thread's CPU is read while it lives
    (``look``, five times a second): a run's thread ends with it."""

    def __init__(self, loop: int):
        self.loop, self.training, self.python = loop, set(), set()  # native thread ids
        self.seen: dict[int, float] = {}  # each thread's CPU seconds when last read
        self.looks = 0

    def look(self) -> None:
        """Note which threads are Python's and which is a run's, and read their CPU (a run's each time, the others'
        every other time)."""
        for t in threading.enumerate():
            if t.name == "charlm-training":
                self.training.add(t.native_id)
                self.seen[t.native_id] = max(self.seen.get(t.native_id, 0.0), thread_cpu(t.native_id))  # 0: gone
            else:
                self.python.add(t.native_id)
        self.looks += 1
        if self.looks % 2 == 1:
            self.seen.update(self.used())

    def begin(self) -> None:
        self.looks = 0
        self.look()
        self.at, self.wall, self.cpu = dict(self.seen), time.monotonic(), time.process_time()
        self.worker_at = worker_cpu()

    def end(self) -> dict:
        """Cores used since ``begin``: in all, by the training, by the event loop and by the rest; and the seconds."""
        self.looks = 0
        self.look()
        seconds, total = time.monotonic() - self.wall, time.process_time() - self.cpu
        spent = {tid: cpu - self.at.get(tid, 0.0) for tid, cpu in self.seen.items()}
        loop = spent.get(self.loop, 0.0)
        training = sum(cpu for tid, cpu in spent.items() if tid in self.training or tid not in self.python | {self.loop})
        return {"seconds": seconds, "cores": total / seconds, "training": training / seconds,
                "event_loop": loop / seconds, "other": (total - training - loop) / seconds,
                "generation_worker": (worker_cpu() - self.worker_at) / seconds}  # fmt: skip

    @staticmethod
    def used() -> dict[int, float]:
        return {int(tid): thread_cpu(int(tid)) for tid in os.listdir("/proc/self/task")}


def worker_cpu() -> float:
    """CPU seconds of this process's workers (``serving.start_worker``: Generate's batches and the rest of the model
    work, each a process of its own), if any."""
    from charlm import worker as workers

    seconds = 0.0
    for worker in (workers._WORKER, workers._CALLS):
        try:
            fields = Path(f"/proc/{worker.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (AttributeError, OSError):
            continue
        seconds += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    return seconds


def released(demo, until: float) -> int:
    """Wait (until ``until``) for every Gradio session to be released; how many are left."""
    while demo.state_holder.session_data and time.monotonic() < until:
        time.sleep(0.2)
    return len(demo.state_holder.session_data)


def lecture_figures(n: int, chosen: dict, reference: dict | None, room_run: dict, published: list, shared: dict,
                    records: list[dict], errors: list[str], settled, samples: list, rss_start: int, rss_end: int,
                    rss_end_trimmed: int | None, sessions_left: int, solo: dict | None, room: dict,
                    child_cpu: dict | None,
                    cpu: str, queue_workers: int) -> dict:  # fmt: skip
    """The figures and checks of a lecture from what its owner, the server and every follower recorded. ``solo`` and
    ``room``: where this process's CPU went during each run (``CpuSplit.end``); ``reference`` and ``solo`` are None
    where the run alone was left out."""
    owner_statuses = room_run["statuses"]
    final = owner_statuses[-1][1]
    first_published: dict[str, float] = {}
    for t, status in published:  # from the server's side: when the run's update was published
        first_published.setdefault(status, t)
    owner_delays = [t - first_published[s] for t, s in owner_statuses if s in first_published]
    for t, status in owner_statuses:  # the first update came before the room's listener: the owner's receipt
        first_published.setdefault(status, t)
    owner_epochs = {int(e) for _, s in owner_statuses for e in EPOCH_NUMBER.findall(s)}
    delays, first_frames, missed, problems = [], [], [], []
    every_epoch = saw_end = closed = 0
    for r in records:
        who = f"follower {r['k']} ({r['kind']})"
        errors += [f"{who}: {e}" for e in r["errors"]]
        problems += [f"{who}: {p}" for p in r["problems"]]
        seen = {s for _, s in r["statuses"]}
        epochs = {int(e) for s in seen for e in EPOCH_NUMBER.findall(s)}
        if owner_epochs <= epochs:
            every_epoch += 1
        else:
            problems.append(f"{who}: never saw epoch {sorted(owner_epochs - epochs)}")
        if r["statuses"] and r["statuses"][-1][1] == final:
            saw_end += 1
        else:
            problems.append(f"{who}: its last status is {r['statuses'][-1][1] if r['statuses'] else None!r}")
        closed += r["closed"]
        if r["first"] is not None and r["joined"] is not None:
            first_frames.append(r["first"] - r["joined"])
        for t, s in r["statuses"]:
            if s not in first_published:
                problems.append(f"{who}: a status its room's owner never had: {s[:120]!r}")
            elif r["joined"] is not None and first_published[s] >= r["joined"]:
                delays.append(t - first_published[s])
        if r["joined"] is not None:
            missed.append(sum(1 for s, t in first_published.items() if t >= r["joined"] and s not in seen))
    frames = sum(len(r["statuses"]) for r in records)  # a frame with a new status line, as nearly every update has
    generate = [s for r in records for s, training in r["generate"] if training]
    traces = [s for r in records for s in r["trace"]]
    speed = {"solo": reference and reference["tokens_per_second"], "room": room_run["tokens_per_second"]}
    ratio = speed["room"] / speed["solo"] if speed["solo"] and speed["room"] else None
    mb = 1 / 2**20
    peak = max((s[2] for s in samples), default=rss_start)
    followers_peak = max((s[3] for s in samples), default=0)
    r3 = lambda x: None if x is None or x != x else round(x, 3)  # noqa: E731  (NaN: no samples)
    result = {
        "followers": n,
        "cpu": cpu,
        "in_a_process": os.environ.get("CHARLM_TRAIN_IN_A_PROCESS") == "1",  # as the served app read it
        "preset": chosen["preset"],
        "epochs_asked": chosen["epochs"],
        "room_code": shared.get("code"),
        "errors": errors,
        "problems": problems,
        "owner_epochs": sorted(owner_epochs),
        "owner_updates": len(owner_statuses),
        "followers_reported": len(records),
        "followers_saw_every_epoch": every_epoch,
        "followers_saw_the_end": saw_end,
        "followers_saw_the_room_close": closed,
        "settled": settled[1] if settled else None,
        "delay_p50_s": r3(percentile(delays, 0.5)),
        "delay_p95_s": r3(percentile(delays, 0.95)),
        "delay_max_s": r3(max(delays, default=float("nan"))),
        "delays_measured": len(delays),
        "owner_delay_p50_s": r3(percentile(owner_delays, 0.5)),
        "owner_delay_p95_s": r3(percentile(owner_delays, 0.95)),
        "first_frame_p50_s": r3(percentile(first_frames, 0.5)),
        "first_frame_p95_s": r3(percentile(first_frames, 0.95)),
        "first_frame_max_s": r3(max(first_frames, default=float("nan"))),
        "updates_missed_total": sum(missed),
        "updates_missed_max": max(missed, default=0),
        "generate_requests": len(generate),
        "generate_p50_s": r3(percentile(generate, 0.5)),
        "generate_p95_s": r3(percentile(generate, 0.95)),
        "trace_requests": len(traces),
        "trace_p50_s": r3(percentile(traces, 0.5)),
        "trace_p95_s": r3(percentile(traces, 0.95)),
        "tokens_per_second_solo": round(speed["solo"]) if speed["solo"] else None,
        "tokens_per_second_room": round(speed["room"]) if speed["room"] else None,
        "speed_ratio": r3(ratio),
        "epochs_solo": reference and len(reference["history"]),
        "epochs_room": len(room_run["history"]),
        # cores of this process (the server) during each run: in all, the training's, the event loop's, the rest's
        "server_cores_solo": solo and {k: round(v, 2) for k, v in solo.items() if k != "seconds"},
        "server_cores_room": {k: round(v, 2) for k, v in room.items() if k != "seconds"},
        # the event loop's CPU over the room run beyond what it used alone, per frame a follower received
        "event_loop_ms_per_frame": solo and r3(
            1000 * (room["event_loop"] - solo["event_loop"]) * room["seconds"] / max(frames, 1)
        ),
        "frames_received": frames,
        "followers_process_cpu_s": child_cpu and round(child_cpu["run_cpu_s"], 1),
        "followers_process_cores": child_cpu and round(child_cpu["run_cpu_s"] / max(child_cpu["run_s"], 1e-9), 2),
        "rss_start_mb": round(rss_start * mb),
        "rss_peak_mb": round(peak * mb),
        "rss_end_mb": round(rss_end * mb),
        "rss_end_trimmed_mb": round(rss_end_trimmed * mb) if rss_end_trimmed else None,
        "sessions_held_at_end": sessions_left,
        "followers_peak": followers_peak,
        "gradio_queue_workers": queue_workers,  # launch(max_threads=...): the events its queue runs at once
        "gradio_queue_running_peak": max((s[4] for s in samples), default=0),
        "gradio_queue_waiting_peak": max((s[5] for s in samples), default=0),
    }
    end = result["rss_end_trimmed_mb"] or result["rss_end_mb"]
    result["checks"] = {
        "no errors": not errors,
        "every follower saw every epoch line the owner saw": every_epoch == n and bool(owner_epochs),
        "every follower's last status is the owner's final status": saw_end == n,
        f"delay p95 ≤ {DELAY_TARGET:g} s": result["delay_p95_s"] is not None and result["delay_p95_s"] <= DELAY_TARGET,
        f"/generate with the room's model p95 ≤ {GENERATE_TARGET:g} s": result["generate_p95_s"] is not None
        and result["generate_p95_s"] <= GENERATE_TARGET,
        f"RSS peak ≤ {PEAK_TARGET_MB} MB": result["rss_peak_mb"] <= PEAK_TARGET_MB,
        f"RSS after the room within {MEMORY_SLACK_MB} MB of the start": end - result["rss_start_mb"] <= MEMORY_SLACK_MB,
        "every follower connected at once": followers_peak == n,
    }
    if reference is not None:
        speed_check = f"the owner's tokens/s ≥ {SPEED_TARGET:.0%} of the reference's"
        result["checks"][speed_check] = ratio is not None and ratio >= SPEED_TARGET
    return result


def cores(r: dict, run: str) -> str:
    if (c := r[f"server_cores_{run}"]) is None:
        return "not run"
    return f"{c['cores']} = {c['training']} + {c['event_loop']} + {c['other']}"


def room_report(r: dict) -> str:
    lines = [
        f"{r['followers']} followers of room {r['room_code']} ({r['preset']}, {r['epochs_asked']} epochs asked, trained "
        f"{'in a process of its own' if r['in_a_process'] else 'in a thread of the server'}; {r['cpu']}): "
        f"{len(r['errors'])} errors",
        *(f"  error: {e}" for e in r["errors"]),
        *(f"  problem: {p}" for p in r["problems"][:20]),
        f"the owner's run: {r['owner_updates']} updates, epochs {r['owner_epochs']}; every epoch seen by "
        f"{r['followers_saw_every_epoch']} of {r['followers']} followers, the last status by {r['followers_saw_the_end']}, "
        f"the closed room's line by {r['followers_saw_the_room_close']}",
        f"delay from the owner's update (published) to a follower's receipt: p50 {r['delay_p50_s']} s, p95 "
        f"{r['delay_p95_s']} s, max {r['delay_max_s']} s ({r['delays_measured']} receipts); the owner's own: p50 "
        f"{r['owner_delay_p50_s']} s, p95 {r['owner_delay_p95_s']} s",
        f"first frame after /watch: p50 {r['first_frame_p50_s']} s, p95 {r['first_frame_p95_s']} s, max "
        f"{r['first_frame_max_s']} s; updates a follower never saw (a newer one came first): {r['updates_missed_total']} "
        f"in all, at most {r['updates_missed_max']} for one",
        f"/generate with the room's model while it trained: p50 {r['generate_p50_s']} s, p95 {r['generate_p95_s']} s "
        f"({r['generate_requests']} requests); /trace p50 {r['trace_p50_s']} s, p95 {r['trace_p95_s']} s "
        f"({r['trace_requests']})",
        f"the owner's tokens/s: alone {r['tokens_per_second_solo']} ({r['epochs_solo']} epochs), with the room "
        f"{r['tokens_per_second_room']} ({r['epochs_room']} epochs): ratio {r['speed_ratio']}",
        f"the server's cores (in all, training, event loop, request handlers and the rest): alone {cores(r, 'solo')}; "
        f"with the room {cores(r, 'room')}; its two workers (processes of their own: Generate's, and Inspect's) "
        f"{r['server_cores_room']['generation_worker']} cores; the followers' own process {r['followers_process_cores']} "
        f"cores "
        f"({r['followers_process_cpu_s']} CPU s); the event loop spent {r['event_loop_ms_per_frame']} ms per frame a "
        f"follower received ({r['frames_received']} frames)",
        f"memory (RSS): start {r['rss_start_mb']} MB, peak {r['rss_peak_mb']} MB, after the room closed and the "
        f"followers left {r['rss_end_mb']} MB ({r['rss_end_trimmed_mb']} MB once glibc returns its free pages), "
        f"{r['sessions_held_at_end']} sessions still held; followers connected at peak: {r['followers_peak']}",
        f"Gradio's queue: at most {r['gradio_queue_running_peak']} events ran at once (its limit, launch's max_threads: "
        f"{r['gradio_queue_workers']}), at most {r['gradio_queue_waiting_peak']} waited",
        *(f"check {'passed' if ok else 'FAILED'}: {name}" for name, ok in r["checks"].items()),
    ]
    return "\n".join(lines)


# The followers' process: spawned, so it holds nothing of the server's, and talks to it over HTTP only.


def followers_process(spec: dict, commands, reports) -> None:
    """Every follower of the room, in a process of its own (``lecture`` says why): connect the clients of those that
    generate and trace, then follow the room from "go" until it closes, and report each follower's record."""
    try:
        asyncio.run(_followers(spec, commands, reports))
    except BaseException as e:  # said to the parent, which counts it as an error
        reports.put(("error", f"the followers' process: {type(e).__name__}: {e}"))


def new_record(k: int, kind: str) -> dict:
    return {"k": k, "kind": kind, "joined": None, "first": None, "statuses": [], "line": "", "model": "",
            "closed": False, "errors": [], "problems": [], "generate": [], "trace": []}  # fmt: skip


def heard(r: dict, when: float, values, code: str, strings: dict) -> None:
    """A follower got a frame: (room line, plot, status, sample, model line)."""
    line, _plot, status, _sample, model = values
    if r["first"] is None:
        r["first"] = when
    # a text that did not change may come as an update with no value (gr.skip()): the page keeps what it shows
    r["line"], r["model"] = (v if isinstance(v, str) else old for v, old in ((line, r["line"]), (model, r["model"])))
    r["closed"] = r["closed"] or f"Room {code} is closed" in r["line"]
    if isinstance(status, str) and (not r["statuses"] or r["statuses"][-1][1] != status):
        r["statuses"].append((when, strings.setdefault(status, status)))


async def _followers(spec: dict, commands, reports) -> None:
    import httpx

    n, url, deadline = spec["followers"], spec["url"], spec["deadline"]
    records = [new_record(k, "client" if k % TRACE_EVERY == 0 else "light") for k in range(n)]
    strings: dict[str, str] = {}

    async def command(kind: str) -> tuple:
        while True:
            got = await asyncio.to_thread(commands.get, True, max(deadline - time.monotonic(), 0.1))
            if got[0] == kind:
                return got

    await command("connect")
    heavy = [r for r in records if r["kind"] == "client"]
    clients = await asyncio.gather(*(asyncio.to_thread(local_client, url, download_files=False)
                                     for _ in heavy), return_exceptions=True)  # fmt: skip
    for r, c in zip(heavy, clients, strict=True):
        if isinstance(c, BaseException):
            r["errors"].append(f"could not connect: {type(c).__name__}: {c}")
    live = [(r, c) for r, c in zip(heavy, clients, strict=True) if not isinstance(c, BaseException)]
    reports.put(("connected", len(live)))
    _, code = await command("go")
    watch = None
    if live:  # where a page joins the queue and reads its events, and what /watch is sent, from a client's config
        first = live[0][1]
        endpoint = next(e for e in first.endpoints.values() if e.api_name == "/watch")
        watch = {"join": first.sse_data_url, "events": first.sse_url, "heartbeat": first.heartbeat_url,
                 "fn_index": endpoint.fn_index, "data": list(endpoint.insert_empty_state(code))}  # fmt: skip
    over = threading.Event()  # the owner's run has ended
    limits = httpx.Limits(max_connections=3 * n + 10, max_keepalive_connections=3 * n + 10)
    cpu0, wall0 = time.process_time(), time.monotonic()
    async with httpx.AsyncClient(timeout=httpx.Timeout(30.0, read=None), limits=limits) as http:
        light = [asyncio.create_task(follow_light(r, http, watch, code, strings, deadline))
                 for r in records if r["kind"] == "light" and watch is not None]  # fmt: skip
        stop = threading.Event()  # the room has closed, and the followers' wait for their streams to end is over
        watcher = threading.Thread(target=watch_clients, args=(live, code, strings, deadline, stop), daemon=True)
        watcher.start()
        rounds = [threading.Thread(target=generate_and_trace, args=(r, c, code, spec["hidden"], over, deadline, i),
                                   daemon=True) for i, (r, c) in enumerate(live)]  # fmt: skip
        for t in rounds:
            t.start()
        _, final = await command("final")
        over.set()
        run_cpu, run_s = time.process_time() - cpu0, time.monotonic() - wall0
        settle = time.monotonic() + SETTLE
        while time.monotonic() < settle and not all(r["statuses"] and r["statuses"][-1][1] == final for r in records):
            await asyncio.sleep(0.05)
        reports.put(("settled", sum(bool(r["statuses"]) and r["statuses"][-1][1] == final for r in records)))
        await asyncio.to_thread(commands.get, True, max(deadline - time.monotonic(), 0.1))  # "closed"
        ended = time.monotonic() + min(SETTLE, max(deadline - time.monotonic(), 0.1))
        if light:  # the owner has closed the room: each stream ends with the closed room's line
            _, pending = await asyncio.wait(light, timeout=max(ended - time.monotonic(), 0.1))
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await asyncio.to_thread(watcher.join, max(ended - time.monotonic(), 0.1))
        stop.set()
        await asyncio.to_thread(watcher.join, 5)
        for (r, _), t in zip(live, rounds, strict=True):  # a request still waiting now is left to its own bound
            await asyncio.to_thread(t.join, max(ended + 5 - time.monotonic(), 0.1))
            if t.is_alive():
                r["errors"].append("a /generate or /trace was still unanswered when the room had closed")
    await asyncio.gather(*(asyncio.to_thread(c.close) for _, c in live))  # each waits up to 1 s for its heartbeat
    for r in records:
        if not r["closed"]:
            r["errors"].append("its stream had not ended with the closed room's line")
    reports.put(("result", records, {"run_cpu_s": run_cpu, "run_s": run_s}))


async def follow_light(r: dict, http, watch: dict, code: str, strings: dict, deadline: float) -> None:
    """A follower as a phone's page follows a room, and no more: its session's heartbeat stream open, one /watch
    joined to the queue, and the queue's event stream read, each frame's text outputs patched with Gradio's diffs."""
    session = uuid.uuid4().hex[:11]
    beat = asyncio.create_task(keep_alive(http, watch["heartbeat"].format(session_hash=session)))
    try:
        await asyncio.wait_for(_follow_light(r, http, watch, code, strings, session),
                               max(deadline - time.monotonic(), 0.1))  # fmt: skip
    except asyncio.CancelledError:
        r["errors"].append("still following when the followers' wait ended")
    except Exception as e:
        r["errors"].append(f"{type(e).__name__}: {e}")
    finally:
        beat.cancel()  # the page is closed: the server sees it at its next heartbeat, and releases the session
        await asyncio.gather(beat, return_exceptions=True)


async def keep_alive(http, url: str) -> None:
    async with http.stream("GET", url) as response:
        async for _ in response.aiter_raw():
            pass


async def _follow_light(r: dict, http, watch: dict, code: str, strings: dict, session: str) -> None:
    from gradio_client.utils import apply_diff

    r["joined"] = time.monotonic()
    body = {"data": watch["data"], "fn_index": watch["fn_index"], "session_hash": session, "event_data": None,
            "trigger_id": None}  # fmt: skip
    joined = await http.post(watch["join"], json=body)
    joined.raise_for_status()
    values = None
    async with http.stream("GET", watch["events"], params={"session_hash": session}) as response:
        response.raise_for_status()
        buffer = b""
        async for chunk in response.aiter_bytes():
            buffer += chunk
            while b"\n\n" in buffer:
                block, buffer = buffer.split(b"\n\n", 1)
                for line in block.split(b"\n"):
                    if not line.startswith(b"data:"):
                        continue
                    message = json.loads(line[5:])
                    kind = message.get("msg")
                    if kind in ("process_generating", "process_completed"):
                        output = message.get("output") or {}
                        if kind == "process_completed" and not message.get("success", True):
                            raise RuntimeError(f"/watch failed: {output.get('error')}")
                        data = output.get("data")
                        if data and (values is None or kind == "process_completed"):
                            values = list(data)  # the first frame, and the last: whole values
                        elif data:
                            for i in (0, 2, 4):  # the texts; the plot and the sample are not looked at
                                values[i] = patched(values[i], data[i], apply_diff)
                        if data:
                            heard(r, time.monotonic(), values, code, strings)
                        if kind == "process_completed":
                            return
                    elif kind == "unexpected_error":
                        raise RuntimeError(f"the server: {message.get('message')}")
                    elif kind == "close_stream":
                        raise RuntimeError("the server closed the stream before /watch ended")
    raise RuntimeError("the stream ended before /watch did")


def patched(value, edits: list, apply_diff):
    """A text output after Gradio's streaming diff (["append"|"replace", [], text] edits)."""
    for action, path, new in edits:
        if path or action not in ("append", "replace"):
            return apply_diff(value, edits)
        value = new if action == "replace" else value + new
    return value


def watch_clients(live: list, code: str, strings: dict, deadline: float, stop: threading.Event) -> None:
    """The /watch streams of the followers that have a gradio_client, all followed by this one thread until they end
    (or ``stop``): each new frame is time-stamped when it is seen here (within 50 ms, plus the client's own 50 ms
    poll)."""
    jobs, seen = [], {}
    for r, c in live:
        r["joined"] = time.monotonic()
        jobs.append((r, c.submit(code, api_name="/watch")))
    while jobs and time.monotonic() < deadline and not stop.is_set():
        for r, job in list(jobs):
            done = job.done()
            outputs = job.outputs()
            now = time.monotonic()
            for values in outputs[seen.get(id(job), 0):]:
                heard(r, now, values, code, strings)
            seen[id(job)] = len(outputs)
            if done:
                jobs.remove((r, job))
                if (e := job.exception()) is not None:
                    r["errors"].append(f"/watch failed: {type(e).__name__}: {e}")
        time.sleep(0.05)
    for r, job in jobs:
        r["errors"].append("still following when the followers' wait ended")
        job.cancel()


def generate_and_trace(r: dict, client, code: str, hidden: int, over: threading.Event, deadline: float, i: int) -> None:
    """Once the room has a model, while its run trains: a few rounds of /generate and /trace with it, each timed and
    checked (the text's length, the traced layer's units, the model line naming the room)."""
    room_model = f"room {code}"
    while not over.is_set() and time.monotonic() < deadline and room_model not in r["model"]:
        time.sleep(0.25)
    over.wait(ROUND_GAP * 2 * (i * 7 % 10) / 10)  # the followers' first taps spread over 4 s
    try:
        for round_ in range(ROUNDS):
            if over.is_set() or time.monotonic() > deadline:
                break
            start = time.monotonic()
            text, _warnings = client.submit("the ", 200, 0.8, 0, 1.0, round_, 1, api_name="/generate").result(
                timeout=min(REQUEST_SECONDS, max(deadline - start, 0.1)))  # fmt: skip
            r["generate"].append((time.monotonic() - start, not over.is_set()))
            if not (text.startswith("the ") and len(text) == 204):
                r["problems"].append(f"generated {text[:80]!r}")
            if room_model not in r["model"]:
                r["problems"].append(f"its model line after /generate: {r['model'][:120]!r}")
            start = time.monotonic()
            _summary, heatmap, *_ = client.submit("the time traveller", 1, "forward", "h", api_name="/trace").result(
                timeout=min(REQUEST_SECONDS, max(deadline - start, 0.1)))  # fmt: skip
            r["trace"].append(time.monotonic() - start)
            if traced_units(heatmap) != hidden:
                r["problems"].append(f"traced {traced_units(heatmap)} units, not the room's {hidden}")
            over.wait(ROUND_GAP)
    except Exception as e:
        r["errors"].append(f"generate or trace: {type(e).__name__}: {e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=8, help="visitors at once, each its own client (default 8)")
    parser.add_argument("--seconds", type=float, default=60, help="how long visitors start new rounds (default 60)")
    parser.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--data-dir", default=None,
                        help=f"folder of the reference corpora (default: $CHARLM_DATA_DIR, else {DEFAULT_DATA_DIR})")  # fmt: skip
    parser.add_argument("--max-trainings", type=int, default=2, help="CHARLM_MAX_TRAININGS: trainings at once (2)")
    parser.add_argument("--max-seconds", type=float, default=30, help="CHARLM_MAX_SECONDS: one run's wall time (30)")
    parser.add_argument("--heartbeat", type=float, default=None,
                        help="GRADIO_HEARTBEAT_INTERVAL: how soon a closed client is noticed (1 s; --room: 5 s)")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the result as JSON instead")
    parser.add_argument("--soak", type=float, metavar="MINUTES",
                        help="instead: waves of --visitors arrive, train, download, trace, generate and leave for MINUTES, "
                        "with RSS, open files, temporary folders and threads printed per wave")  # fmt: skip
    parser.add_argument("--room", type=int, metavar="N",
                        help="instead: a lecture. The quick demo trained alone, then again shared with a room that N "
                        "followers watch (--max-seconds caps both runs; default 30, the preset's own)")  # fmt: skip
    parser.add_argument("--epochs", type=int, default=None, help="--room: the runs' epochs (default: the preset's)")
    parser.add_argument("--max-threads", type=int, default=None,
                        help="--room: Gradio's launch(max_threads=...), the events its queue runs at once, followers' "
                        "streams included (default: the app's launch options)")  # fmt: skip
    parser.add_argument("--in-a-process", action="store_true",
                        help="--room: the app trains in a process of its own (CHARLM_TRAIN_IN_A_PROCESS=1)")
    a = parser.parse_args()
    if a.room:
        r = lecture(a.room, a.data_dir, a.epochs, a.max_seconds, a.heartbeat or 5.0, a.port, a.max_threads,
                    log=lambda line: print(line, file=sys.stderr, flush=True), in_a_process=a.in_a_process)  # fmt: skip
        print(json.dumps(r, indent=2, ensure_ascii=False) if a.json else room_report(r))
        sys.exit(0 if all(r["checks"].values()) else 1)
    heartbeat = 1.0 if a.heartbeat is None else a.heartbeat
    if a.soak:
        waves = soak(a.soak, a.visitors, a.data_dir, heartbeat=min(heartbeat, 0.5))
        checks = soak_checks(waves)
        for name, ok in checks.items():
            print(f"check {'passed' if ok else 'FAILED'}: {name}")
        for w in waves:
            for e in w.errors:
                print(f"  wave {w.number} error: {e}")
        sys.exit(0 if all(checks.values()) else 1)
    r = run(a.visitors, a.seconds, a.port, a.data_dir, a.max_trainings, a.max_seconds, heartbeat)
    print(json.dumps(r, indent=2, ensure_ascii=False) if a.json else report(r))
    sys.exit(0 if all(r["checks"].values()) else 1)


if __name__ == "__main__":
    main()
