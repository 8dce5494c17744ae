"""Speed, measured side by side: ``python -m charlm bench``.

For each configuration and cell, training (forward + backward + SGD step) and inference tokens/s of
- ``torch.nn``: torch's own module (oneDNN on the CPU, cuDNN on CUDA) — the reference;
- ``fused``: charlm's layer on torch's fused kernel;
- ``scratch``: charlm's cells in a Python time loop;
- ``naive``: the d2l book's style — a separate matrix product per gate, ``X @ W`` at every step —
  kept here as the baseline the scratch engine must beat;
- ``compiled`` (with ``compile=True``): the scratch engine under ``torch.compile`` (CUDA graphs on a
  GPU); the seconds its first call spent compiling are reported beside it.
Variants are timed round-robin after a warm-up; each speed is a median over rounds and each ratio the
median of per-round ratios, so load that comes and goes on a shared machine does not mislead.
Also: generation and trace speed, the app's start-up time and peak memory.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from . import serving
from . import worker as workers
from .cells import CELLS
from .generate import stream
from .i18n import Msg
from .inspection import state_path, trace
from .layers import LAYERS, compiled
from .memory import DEFAULT_MAX_DISTANCE, connectivity, gradient_through_time
from .model import CharLM, CharLMConfig
from .presets import PRESETS
from .run import RunSpec
from .vocab import Vocab

TORCH_NN = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


@dataclass(frozen=True)
class Setting:
    name: str
    batch_size: int
    num_steps: int
    hidden_size: int
    num_layers: int
    vocab_size: int  # input features per step (one-hot inputs of this size) and the head's outputs

    @classmethod
    def of(cls, name: str, spec: RunSpec, inputs: int) -> Setting:
        """A run's shape: its batch, steps and layers; ``inputs`` features per step (the embedding, else the
        one-hot vocabulary the spec's text gives)."""
        train, model = spec.train, spec.model
        return cls(name, train.batch_size, train.num_steps, model["hidden_size"], model["num_layers"],
                   model["embedding_dim"] or inputs)  # fmt: skip


SETTINGS = {
    "d2l": Setting.of("d2l", PRESETS["d2l-lstm"].spec, 28),  # the book's LSTM chapter: 26 letters, space, <unk>
    "large": Setting("large", 128, 35, 512, 2, 28),
    "app": Setting.of("app", PRESETS["quick-lstm"].spec, 28),  # the app's default: 2 × 256 over a 64-wide embedding
}


# -- the naive baseline: the d2l book's scratch cells -----------------------------------------------


class NaiveRNN(nn.Module):
    """The d2l book's from-scratch style: one weight matrix per gate, ``X @ W`` per step, Python loop."""

    def __init__(self, cell: str, input_size: int, hidden_size: int, num_layers: int):
        super().__init__()
        self.cell, self.hidden_size = cell, hidden_size
        self.layers = nn.ModuleList()
        for layer in range(num_layers):
            n_in = input_size if layer == 0 else hidden_size
            params = nn.ParameterDict()
            for g in range(CELLS[cell].num_gates):
                params[f"W_x{g}"] = nn.Parameter(torch.randn(n_in, hidden_size) * 0.01)
                params[f"W_h{g}"] = nn.Parameter(torch.randn(hidden_size, hidden_size) * 0.01)
                params[f"b_{g}"] = nn.Parameter(torch.zeros(hidden_size))
            if cell == "peephole":
                for name in ("w_ci", "w_cf", "w_co"):
                    params[name] = nn.Parameter(torch.zeros(hidden_size))
            self.layers.append(params)

    def forward(self, X: Tensor) -> Tensor:  # X: (T, B, I) → (T, B, H)
        for p in self.layers:
            H = X.new_zeros(X.shape[1], self.hidden_size)
            C = H
            outputs = []
            for x in X:  # indexing per step, as the book does
                if self.cell == "rnn":
                    H = torch.tanh(x @ p["W_x0"] + H @ p["W_h0"] + p["b_0"])
                elif self.cell == "gru":
                    R = torch.sigmoid(x @ p["W_x0"] + H @ p["W_h0"] + p["b_0"])
                    Z = torch.sigmoid(x @ p["W_x1"] + H @ p["W_h1"] + p["b_1"])
                    H_tilde = torch.tanh(x @ p["W_x2"] + (R * H) @ p["W_h2"] + p["b_2"])
                    H = Z * H + (1 - Z) * H_tilde
                elif self.cell == "lstm":
                    I = torch.sigmoid(x @ p["W_x0"] + H @ p["W_h0"] + p["b_0"])
                    Fg = torch.sigmoid(x @ p["W_x1"] + H @ p["W_h1"] + p["b_1"])
                    G = torch.tanh(x @ p["W_x2"] + H @ p["W_h2"] + p["b_2"])
                    O = torch.sigmoid(x @ p["W_x3"] + H @ p["W_h3"] + p["b_3"])
                    C = Fg * C + I * G
                    H = O * torch.tanh(C)
                else:  # peephole
                    I = torch.sigmoid(x @ p["W_x0"] + H @ p["W_h0"] + p["w_ci"] * C + p["b_0"])
                    Fg = torch.sigmoid(x @ p["W_x1"] + H @ p["W_h1"] + p["w_cf"] * C + p["b_1"])
                    G = torch.tanh(x @ p["W_x2"] + H @ p["W_h2"] + p["b_2"])
                    C = Fg * C + I * G
                    O = torch.sigmoid(x @ p["W_x3"] + H @ p["W_h3"] + p["w_co"] * C + p["b_3"])
                    H = O * torch.tanh(C)
                outputs.append(H)
            X = torch.stack(outputs)
        return X


# -- measuring ------------------------------------------------------------------------------------


def _seconds(fn: Callable[[], None], device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


@dataclass
class Row:
    setting: str
    cell: str
    variant: str  # "torch.nn", "fused", "scratch" or "naive"
    train_tokens_per_s: float  # median over the rounds
    infer_tokens_per_s: float
    train_s: list[float]  # each round's time for one batch: ratios pair these round by round
    infer_s: list[float]
    first_call_s: float  # the first training step, warm-up included: for "compiled", the compile time


def _variants(
    cell: str, s: Setting, device: torch.device, compile: bool = False
) -> dict[str, tuple[nn.Module, Callable[[Tensor], Tensor]]]:
    """Each variant: its module, and a function (T, B, V) → (T, B, H) that runs it."""
    out = {}
    if cell in TORCH_NN:
        ref = TORCH_NN[cell](s.vocab_size, s.hidden_size, s.num_layers).to(device)
        out["torch.nn"] = (ref, lambda x: ref(x)[0])
    ours = LAYERS[cell](s.vocab_size, s.hidden_size, s.num_layers).to(device)
    if ours.has_fused:
        out["fused"] = (ours, lambda x: ours(x, engine="fused")[0])
    out["scratch"] = (ours, lambda x: ours(x, engine="scratch")[0])
    naive = NaiveRNN(cell, s.vocab_size, s.hidden_size, s.num_layers).to(device)
    out["naive"] = (naive, naive)
    if compile:  # the scratch engine, compiled: its own copy of the weights, as the trainer would hold them
        other = LAYERS[cell](s.vocab_size, s.hidden_size, s.num_layers).to(device)
        mode = "reduce-overhead" if device.type == "cuda" else "default"
        out["compiled"] = (other, compiled(lambda x: other(x, engine="scratch")[0], mode=mode))
    return out


ENGINE_WAYS = {engine: Msg(f"bench.way_{engine}") for engine in ("naive", "scratch", "fused")}  # how each one steps


def engine_speeds(cell: str, input_size: int, hidden_size: int, num_layers: int = 1, bidirectional: bool = False,
                  batch_size: int = 32, num_steps: int = 35, repeats: int = 3,
                  budget: float | None = None) -> list[dict]:  # fmt: skip
    """The same layer and weights on each of its engines: training (forward and backward) and inference tokens/s,
    the median of ``repeats`` rounds taken round-robin, on this process's threads. With a ``budget`` (seconds), no
    round starts once it is spent, the warm-up and the first round always taken: a large layer on a busy machine
    gets fewer rounds, each still a whole measurement."""
    start = time.perf_counter()
    layer = LAYERS[cell](input_size, hidden_size, num_layers, bidirectional=bidirectional)
    engines = [e for e in ENGINE_WAYS if e != "fused" or layer.has_fused]
    x = torch.randn(num_steps, batch_size, input_size, generator=torch.Generator().manual_seed(0))
    tokens, device = batch_size * num_steps, torch.device("cpu")

    def train(engine: str) -> None:
        layer.zero_grad(set_to_none=True)
        layer(x, engine=engine)[0].square().mean().backward()

    def infer(engine: str) -> None:
        with torch.inference_mode():
            layer(x, engine=engine)

    for engine in engines:  # warm-up
        train(engine), infer(engine)
    times = {e: ([], []) for e in engines}
    for k in range(repeats):
        if k and budget is not None and time.perf_counter() - start > budget:
            break
        for e in engines:
            times[e][0].append(_seconds(lambda e=e: train(e), device))
            times[e][1].append(_seconds(lambda e=e: infer(e), device))
    return [
        {"engine": e, "how": str(ENGINE_WAYS[e]), "train_tokens_per_s": tokens / statistics.median(times[e][0]),
         "infer_tokens_per_s": tokens / statistics.median(times[e][1])}
        for e in engines
    ]  # fmt: skip


def measure_setting(s: Setting, cells, device, repeats: int, warmup: int, compile: bool = False) -> list[Row]:
    """Round-robin: every round times each variant once, so load that comes and goes on a shared
    machine falls on all of them alike, and a ratio taken round by round stays honest."""
    rows = []
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(0, s.vocab_size, (s.num_steps, s.batch_size), generator=g)
    x = F.one_hot(ids, s.vocab_size).float().to(device)  # (T, B, V)
    targets = ids.to(device).reshape(-1)
    tokens = s.batch_size * s.num_steps
    for cell in cells:
        steps = {}
        for variant, (module, run) in _variants(cell, s, device, compile).items():
            head = nn.Linear(s.hidden_size, s.vocab_size).to(device)
            opt = torch.optim.SGD([*module.parameters(), *head.parameters()], lr=0.1)

            def train_step(run=run, head=head, opt=opt, graphs=variant == "compiled"):
                if graphs:
                    torch.compiler.cudagraph_mark_step_begin()
                loss = F.cross_entropy(head(run(x)).reshape(-1, s.vocab_size), targets)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()

            def infer(run=run):
                with torch.inference_mode():
                    run(x)

            steps[variant] = (train_step, infer)
        first = {v: _seconds(train_step, device) for v, (train_step, _) in steps.items()}
        for _ in range(warmup):
            for train_step, infer in steps.values():
                train_step(), infer()
        times = {v: ([], []) for v in steps}
        for _ in range(repeats):
            for variant, (train_step, infer) in steps.items():
                times[variant][0].append(_seconds(train_step, device))
                times[variant][1].append(_seconds(infer, device))
        for variant, (train_s, infer_s) in times.items():
            speed = (tokens / statistics.median(train_s), tokens / statistics.median(infer_s))
            rows.append(Row(s.name, cell, variant, *speed, train_s, infer_s, first[variant]))
    return rows


def ratios(rows: list[Row]) -> list[dict]:
    """Per setting and cell: fused and scratch against torch.nn, scratch against naive — each the
    median over rounds of that round's speed ratio."""
    out = []
    for setting, cell in dict.fromkeys((r.setting, r.cell) for r in rows):
        by = {r.variant: r for r in rows if r.setting == setting and r.cell == cell}
        for a, b in (
            ("fused", "torch.nn"),
            ("scratch", "torch.nn"),
            ("scratch", "naive"),
            ("compiled", "torch.nn"),
            ("compiled", "scratch"),
        ):
            if a in by and b in by:
                pair = {"setting": setting, "cell": cell, "pair": f"{a} / {b}"}
                for kind in ("train", "infer"):
                    ta, tb = getattr(by[a], f"{kind}_s"), getattr(by[b], f"{kind}_s")
                    pair[kind] = statistics.median(y / x for x, y in zip(ta, tb, strict=True))
                out.append(pair)
    return out


def generation_and_trace(device: torch.device, repeats: int) -> dict:
    """A 1,000-character sample and a 2,000-character full trace from a 1-layer LSTM-256."""
    vocab = Vocab.build("abcdefghijklmnopqrstuvwxyz .,;'\n")
    torch.manual_seed(0)
    model = CharLM(CharLMConfig(vocab=list(vocab.tokens), cell="lstm", hidden_size=256)).to(device).eval()
    text = ("the time traveller (for so it will be convenient to speak of him) was expounding " * 30)[:2000]

    def sample():
        for _ in stream(model, "the time traveller", 1000, temperature=1.0, seed=0):
            pass

    sample()  # warm-up
    t_gen = statistics.median(_seconds(sample, device) for _ in range(repeats))
    t_trace = statistics.median(_seconds(lambda: trace(model, text, max_chars=2000), device) for _ in range(repeats))
    alone, together, in_a_worker = callers_at_once(model, device, max(1, repeats // 2))
    return {
        "generate_1000_chars_s": t_gen,
        "generate_chars_per_s": 1000 / t_gen,
        "trace_2000_chars_s": t_trace,
        "trace_chars_per_s": 2000 / t_trace,
        "callers": CALLERS,
        "callers_one_after_another_s": alone,
        "callers_together_s": together,
        "callers_in_a_worker_s": in_a_worker,
    }


CALLERS = (40, 200)  # a room's followers who tap Generate at once, and the characters each asks for


def callers_at_once(model: CharLM, device: torch.device, repeats: int) -> tuple[float, float, float | None]:
    """Seconds for CALLERS' samples drawn one after another (``generate.stream``), and asked for at once from threads
    of their own (``serving.stream``: one batch), each with its own seed; medians over ``repeats``, alternating. On one
    thread of torch's, as the app's handlers run. Third, at once again with the batch in a worker process, as the app
    steps it (``serving.start_worker``; None where there is none: not Linux, or the model is not on the CPU)."""
    callers, length = CALLERS
    threads_before = torch.get_num_threads()

    def one_after_another():
        for k in range(callers):
            for _ in stream(model, "the ", length, temperature=0.8, seed=k):
                pass

    def together():
        def ask(k):
            for _ in serving.stream(model, "the ", length, temperature=0.8, seed=k):
                pass

        threads = [threading.Thread(target=ask, args=(k,)) for k in range(callers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    torch.set_num_threads(1)
    had_worker = workers._WORKER is not None
    try:
        together()  # warm-up
        alone, shared, apart = [], [], []
        for _ in range(repeats):
            alone.append(_seconds(one_after_another, device))
            if not had_worker:
                shared.append(_seconds(together, device))
        if device.type == "cpu" and (worker := serving.start_worker()) is not None and worker.takes(model):
            together()  # the weights go over once
            apart = [_seconds(together, device) for _ in range(repeats)]
            if had_worker:
                shared = apart  # the batch of this process is the worker's already
    finally:
        if not had_worker:
            serving.stop_worker()
        torch.set_num_threads(threads_before)
    return statistics.median(alone), statistics.median(shared), statistics.median(apart) if apart else None


def memory_pictures(device: torch.device, repeats: int, chars: int = 300) -> dict:
    """Inspect's pictures of how far back a model looks, for the app's start-up architecture (2 × 512 LSTM, embedding
    64) on a 300-character text: connectivity of every target and the span, one gradient curve, the path; beside
    the obvious way to get connectivity, one autograd backward pass per target (timed on 10 targets, scaled up)."""
    vocab = Vocab.build("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,;:!?'\"-()\n0123456789")
    config = CharLMConfig(list(vocab.tokens), cell="lstm", hidden_size=512, num_layers=2, embedding_dim=64)
    model = CharLM.seeded(config, 0).to(device).eval()
    text = ("The Time Traveller (for so it will be convenient to speak of him) was expounding a recondite matter "
            * 4)[:chars]  # fmt: skip
    ids = torch.tensor(vocab.encode(text), device=device)

    def per_target(targets) -> None:
        e = model.encode_inputs(ids[:, None]).detach().requires_grad_()
        out, _, _ = model.rnn.record(e)
        log_p = torch.log_softmax(model.head(out[:, 0]), -1)
        for j in targets:
            torch.autograd.grad(log_p[j - 1, ids[j]], e, retain_graph=True)

    def span() -> None:
        connectivity(model, text).span(min(DEFAULT_MAX_DISTANCE, chars - 1))

    def path() -> None:
        state_path(trace(model, text), layer=1)

    span()  # warm-up
    median = lambda fn: statistics.median(_seconds(fn, device) for _ in range(repeats))  # noqa: E731
    sample = list(range(chars // 20, chars, chars // 10))[:10]  # 10 targets spread over the text
    one_by_one = median(lambda: per_target(sample)) * (chars - 1) / len(sample)
    t_span = median(span)
    return {
        "memory_chars": chars,
        "connectivity_and_span_s": t_span,
        "connectivity_one_backward_per_target_s": one_by_one,
        "gradient_curve_s": median(lambda: gradient_through_time(model, text)),
        "path_s": median(path),
    }


def app_startup_seconds(timeout: float = 60.0) -> float | None:
    """Seconds from ``python app.py`` to its first HTTP answer, or None when app.py is not beside charlm."""
    app = Path(__file__).resolve().parent.parent / "app.py"
    if not app.is_file():
        return None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "CHARLM_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False"}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(app)], env=env, cwd=app.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while time.perf_counter() - start < timeout:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
                return time.perf_counter() - start
            except OSError:
                time.sleep(0.1)
        return None
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def peak_memory_mb() -> float | None:
    """This process's peak resident memory (Linux), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


# Training on 1 and on 2 processes (torchrun, gloo), the same global batch: (layers, hidden, batch, characters). The
# characters give each run an epoch of a few seconds on a 2-core CPU; the tiny model is where communication rules.
PROCESS_SETTINGS = {"tiny": (1, 32, 32, 400_000), "d2l": (1, 256, 32, 300_000), "large": (2, 512, 128, 40_000)}


def processes(settings=("tiny", "d2l", "large")) -> list[dict]:
    """Training throughput of an LSTM on one process and on two (``torchrun --nproc-per-node 2``, gloo on the CPU)
    with the same global batch, each an epoch of the CLI's own training on a synthetic text: tokens/s of the whole
    job. One process uses every core with torch's threads; two take one thread each (torchrun's default)."""
    import tempfile

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        letters = "etaoin shrdlucmfwypvbgkjqxz\n"  # a synthetic text; speed does not depend on what it says
        text_rng = torch.Generator().manual_seed(0)
        for name in settings:
            layers, hidden, batch, chars = PROCESS_SETTINGS[name]
            text = Path(tmp, f"{name}.txt")
            picks = torch.randint(len(letters), (chars,), generator=text_rng).tolist()
            text.write_text("".join(letters[i] for i in picks), encoding="utf-8")
            row = {"setting": name, "layers": layers, "hidden": hidden, "batch": batch}
            for n in (1, 2):
                out = Path(tmp, f"{name}-{n}")
                launch = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={n}"] \
                    if n > 1 else [sys.executable]  # fmt: skip
                cmd = [*launch, "-m", "charlm", "train", "--text-file", str(text), "--cell", "lstm", "--layers",
                       str(layers), "--hidden", str(hidden), "--batch-size", str(batch), "--num-steps", "35", "--epochs",
                       "1", "--sample-every", "0", "--no-token-file", "--valid-fraction", "0.02", "--out", str(out)]  # fmt: skip
                env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
                done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
                if done.returncode != 0:
                    raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
                history = json.loads((out / "config.json").read_text())["metadata"]["training"]["history"]
                row[f"tokens_per_s_{n}"] = history[-1]["tokens_per_second"]
            row["ratio"] = row["tokens_per_s_2"] / row["tokens_per_s_1"]
            rows.append(row)
    return rows


def run(
    settings=("d2l", "large", "app"),
    cells=("rnn", "gru", "lstm", "peephole"),
    repeats: int = 10,
    warmup: int = 3,
    device: str = "cpu",
    startup: bool = True,
    compile: bool = False,
    memory_chars: int = 300,
    process_settings=("tiny", "d2l", "large"),
) -> dict:
    dev = torch.device(device)
    rows = [r for name in settings for r in measure_setting(SETTINGS[name], cells, dev, repeats, warmup, compile)]
    result = {
        "device": str(dev) if dev.type != "cuda" else torch.cuda.get_device_name(dev),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "rows": [asdict(r) for r in rows],
        "ratios": ratios(rows),
        **generation_and_trace(dev, max(1, repeats // 2)),
        **memory_pictures(dev, max(1, repeats // 3), memory_chars),
        "processes": processes(process_settings) if process_settings and dev.type == "cpu" else [],
        "app_startup_s": app_startup_seconds() if startup else None,
        "peak_memory_mb": peak_memory_mb(),
    }
    if dev.type == "cuda":
        result["peak_gpu_memory_mb"] = torch.cuda.max_memory_allocated(dev) / 2**20
    return result


def format_table(result: dict) -> str:
    lines = [
        f"charlm bench on {result['device']} (torch {result['torch']}, {result['threads']} threads); "
        "tokens/s, median of repeats",
        "",
    ]
    lines.append(f"{'setting':<8} {'cell':<9} {'variant':<9} {'train tok/s':>12} {'infer tok/s':>12}")
    for r in result["rows"]:
        compiled = f"   (compiling: {r['first_call_s']:.1f} s)" if r["variant"] == "compiled" else ""
        lines.append(
            f"{r['setting']:<8} {r['cell']:<9} {r['variant']:<9} {r['train_tokens_per_s']:>12,.0f} "
            f"{r['infer_tokens_per_s']:>12,.0f}{compiled}"
        )
    lines += ["", f"{'setting':<8} {'cell':<9} {'ratio':<20} {'train':>7} {'infer':>7}"]
    for q in result["ratios"]:
        lines.append(f"{q['setting']:<8} {q['cell']:<9} {q['pair']:<20} {q['train']:>6.2f}× {q['infer']:>6.2f}×")
    lines += [
        "",
        f"generation: 1,000 characters in {result['generate_1000_chars_s']:.3f} s "
        f"({result['generate_chars_per_s']:,.0f} chars/s, 1-layer LSTM-256)",
        f"trace: 2,000 characters with every gate in {result['trace_2000_chars_s']:.3f} s "
        f"({result['trace_chars_per_s']:,.0f} chars/s)",
        f"{result['callers'][0]} callers asking for {result['callers'][1]} characters each: "
        f"{result['callers_one_after_another_s']:.2f} s one after another, {result['callers_together_s']:.2f} s at once "
        f"in one batch ({result['callers_one_after_another_s'] / result['callers_together_s']:.1f}×)"
        + (f", {result['callers_in_a_worker_s']:.2f} s with the batch in a worker process "
           f"({result['callers_one_after_another_s'] / result['callers_in_a_worker_s']:.1f}×)"
           if result.get("callers_in_a_worker_s") else ""),
    ]
    chars = result["memory_chars"]
    lines += [
        f"how far back it looks, 2 × 512 LSTM on {chars} characters: connectivity of every target and the span in "
        f"{result['connectivity_and_span_s']:.2f} s (one backward pass per target: "
        f"{result['connectivity_one_backward_per_target_s']:.1f} s, "
        f"{result['connectivity_one_backward_per_target_s'] / result['connectivity_and_span_s']:.0f}× longer); "
        f"gradient curve {result['gradient_curve_s']:.2f} s; path {result['path_s']:.2f} s",
    ]
    for p in result.get("processes", []):
        lines.append(
            f"training on 1 and 2 processes (torchrun, gloo), {p['setting']} ({p['layers']} × {p['hidden']} LSTM, "
            f"batch {p['batch']}): {p['tokens_per_s_1']:,.0f} and {p['tokens_per_s_2']:,.0f} tokens/s, {p['ratio']:.2f}×"
        )
    if result.get("app_startup_s") is not None:
        lines.append(f"app start-up: {result['app_startup_s']:.1f} s to the first HTTP answer")
    if result.get("peak_memory_mb") is not None:
        lines.append(f"peak memory: {result['peak_memory_mb']:,.0f} MB resident")
    if result.get("peak_gpu_memory_mb") is not None:
        lines.append(f"peak GPU memory: {result['peak_gpu_memory_mb']:,.0f} MB")
    return "\n".join(lines)


def to_json(result: dict) -> str:
    return json.dumps(result, indent=2)
