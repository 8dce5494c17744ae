"""charlm's web app: the charlm library wired to Gradio widgets, and nothing more.

Run ``python app.py`` and open the address it prints (http://127.0.0.1:7860; ``CHARLM_HOST`` and
``CHARLM_PORT`` change it). Caps for a shared server come from environment variables (charlm/limits.py).
Every visitor has their own models and runs (``Session``, kept in a ``gr.State``).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import inspect
import json
import math
import os
import queue
import shutil
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import gradio as gr
import pandas as pd
import torch

from charlm import CharLM, CharLMConfig, pick_device
from charlm.bptt import backward_of
from charlm.corpora import (
    CORPORA,
    RECIPE_NOTES,
    Corpus,
    corpus_from_bytes,
    corpus_from_text,
    describe,
    load_corpus,
    max_upload_bytes,
    preprocessing,
    sample_prefix,
)
from charlm.data import Dataset
from charlm.errors import CharLMError
from charlm.figures import (
    GATE_EXPLANATIONS,
    UNITS_HEADERS,
    colored_text,
    gate_heatmap,
    perplexity_figure,
    saturation_figure,
    units_table,
)
from charlm.generate import find_loop, prepare_prefix, stream
from charlm.inspection import GATE_NAMES, Trace, Unit, find_units, saturation, trace
from charlm.layers import LAYERS
from charlm.limits import Limits
from charlm.model import CELL_NAMES
from charlm.presets import PRESETS
from charlm.train import Epoch, Finished, Sample, Started, Step, TrainConfig, Trainer, evaluate

# torch's parallel work runs on OpenMP, which keeps a pool of worker threads for every thread that ever used more
# than one. Once several pools exist on a 2-core machine (Gradio serves each event from its own thread pool), OpenMP
# stops spinning between parallel regions, and training here ran 2.6× slower than the same run on the command line.
# So every thread of this app runs torch single-threaded, except each training run, which gets a thread of its own
# with all the cores and takes its pool with it when it ends.
TRAINING_THREADS = torch.get_num_threads()
torch.set_num_threads(1)

LIMITS = Limits.from_env()
CHECKPOINTS = Path(__file__).resolve().parent / "checkpoints"
DEFAULT_CHECKPOINT = "timemachine-raw"  # the novel with its punctuation and capitals: the nicest to read and inspect
OWN_TEXT = "your own text"
CELL_CHOICES = [("Vanilla RNN", "rnn"), ("GRU", "gru"), ("LSTM", "lstm"), ("Peephole LSTM", "peephole")]
RUNNING: dict[str, Trainer] = {}  # session hash → its training run, so a closed tab can stop it
RUNNING_LOCK = threading.Lock()


@dataclass
class Run:
    """One finished (or stopped) training run, for the Compare tab."""

    name: str
    history: list[dict]
    parameters: int
    tokens_per_second: float
    best_valid_perplexity: float | None
    seconds: float


@dataclass
class Session:
    """One visitor's state: their current model, their runs, their last trace."""

    model: CharLM | None = None  # None: the pretrained model loaded at start-up
    model_name: str = ""
    runs: list[Run] = field(default_factory=list)
    trace: Trace | None = None
    units: list[Unit] = field(default_factory=list)
    training: bool = False


def list_checkpoints() -> list[str]:
    return (
        sorted(p.name for p in CHECKPOINTS.iterdir() if (p / "config.json").is_file()) if CHECKPOINTS.is_dir() else []
    )


def checkpoint_label(name: str) -> str:
    """A line for the Models tab's list: the name, the model, the text and its validation figure."""
    try:
        config = json.loads((CHECKPOINTS / name / "config.json").read_text(encoding="utf-8"))
        meta = config.get("metadata", {})
        ppl = meta.get("training", {}).get("best_valid_perplexity")
        size = f"{config['num_layers']}×{config['hidden_size']}" + (" bidirectional" if config.get("bidirectional") else "")
        recipe = meta.get("recipe", "raw")
        text = f"{meta.get('title', meta.get('corpus', 'its corpus'))}{'' if recipe == 'raw' else f' ({recipe} recipe)'}"
        figure = f", validation perplexity {ppl:.2f}" if ppl else ""
        return f"{name} — {CELL_NAMES[config['cell']]} {size} on {text}{figure}"
    except (OSError, ValueError, KeyError, TypeError):  # a damaged folder still gets listed; loading it says why
        return name


def start_up_checkpoint() -> str | None:
    """The checkpoint the app loads at start-up: DEFAULT_CHECKPOINT where it is there, else the first one."""
    names = list_checkpoints()
    return DEFAULT_CHECKPOINT if DEFAULT_CHECKPOINT in names else names[0] if names else None


def load_default_model() -> CharLM | None:
    name = start_up_checkpoint()
    return CharLM.from_pretrained(CHECKPOINTS / name) if name else None


START_UP_CHECKPOINT = start_up_checkpoint()  # read once: the header names it on every update of a run
DEFAULT_MODEL = load_default_model()
# The first optimizer a process makes imports torch's compiler (about 1 s on two cores): pay that at start-up, not
# between a lecturer's first click on Start and the first sign of life.
torch.optim.Adam([torch.zeros(1, requires_grad=True)])


def current_model(session: Session) -> CharLM:
    model = session.model or DEFAULT_MODEL
    if model is None:
        raise gr.Error("There is no model yet: train one in the Train tab, or load one in the Models tab.")
    return model


def model_line(session: Session) -> str:
    model = session.model or DEFAULT_MODEL
    if model is None:
        return "**Current model:** none yet — train one, or load one in the Models tab."
    name = session.model_name or f"pretrained `{START_UP_CHECKPOINT}`"
    return f"**Current model:** {name} — {model.describe()}."


# -- Train ----------------------------------------------------------------------------------------


def single_threaded(handler):
    """An event handler whose torch work runs on one core (see TRAINING_THREADS)."""
    if inspect.isgeneratorfunction(handler):

        @functools.wraps(handler)
        def stream(*args, **kwargs):
            torch.set_num_threads(1)
            yield from handler(*args, **kwargs)

        return stream

    @functools.wraps(handler)
    def call(*args, **kwargs):
        torch.set_num_threads(1)
        return handler(*args, **kwargs)

    return call


class InitialPerplexity(NamedTuple):
    """The untrained model's perplexity on a training-sized slice and on the validation text: the plot's epoch 0."""

    training: float
    validation: float


def in_own_thread(trainer: Trainer, data: Dataset) -> Iterator:
    """The run's events, produced in a thread of its own that uses every core and ends with the run (see
    TRAINING_THREADS); closing this iterator (Stop, a closed tab) stops the run and waits for its thread."""
    events: queue.SimpleQueue = queue.SimpleQueue()
    done = object()

    def work():
        torch.set_num_threads(TRAINING_THREADS)
        try:
            slices = (data.train[: len(data.valid)], data.valid)
            events.put(InitialPerplexity(*(math.exp(evaluate(trainer.model, ids)) for ids in slices)))
            for event in trainer.run():
                events.put(event)
        except BaseException as e:  # handed to the event handler, which shows it
            events.put(e)
        finally:
            events.put(done)

    thread = threading.Thread(target=work, name="charlm-training", daemon=True)
    thread.start()
    try:
        while (item := events.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        trainer.stop()
        thread.join()
        give_memory_back()


def give_memory_back() -> None:
    """Hand the heap a finished run freed back to the system. glibc keeps a separate heap for each thread that
    allocated, and gives little of it back on its own: without this the server's memory stays near its peak."""
    with contextlib.suppress(OSError, AttributeError):  # glibc only; elsewhere there is nothing to call
        ctypes.CDLL(None).malloc_trim(0)


def number(label: str, value, whole: bool = False) -> float | int:
    """A widget's value as a number, or an error a visitor can read (the API accepts anything)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise gr.Error(f"{label} must be a number, not {value!r}.") from None
    if whole and not x.is_integer():
        raise gr.Error(f"{label} must be a whole number, not {value!r}.")
    return int(x) if whole else x


def recipes_of(corpus_name: str) -> tuple[str, ...]:
    """The preprocessing recipes a corpus offers ("raw" first); your own text is read raw."""
    return CORPORA[corpus_name].recipes if corpus_name in CORPORA else ("raw",)


def recipes_info(corpus_name: str) -> str:
    """What each of a corpus's recipes does, for the line under the Preprocessing radio."""
    notes = [f"{r}: {RECIPE_NOTES[corpus_name, r]}" for r in recipes_of(corpus_name) if (corpus_name, r) in RECIPE_NOTES]
    return "; ".join(["raw: the characters as they are", *notes])


def offer_recipes(corpus_name: str, recipe: str):
    """The Preprocessing radio for a newly chosen corpus: its recipes, keeping the choice where it is offered."""
    offered = recipes_of(corpus_name)
    return gr.Radio(choices=list(offered), value=recipe if recipe in offered else "raw", info=recipes_info(corpus_name))


def load_training_text(corpus_name: str, recipe: str, upload: bytes | None, pasted: str) -> Corpus:
    if corpus_name != OWN_TEXT:
        return load_corpus(corpus_name, recipe if recipe in recipes_of(corpus_name) else "raw")
    if upload is not None:  # an empty file is b"", and must be called empty, not missing
        return corpus_from_bytes(upload, filename="the uploaded file")
    return corpus_from_text(pasted or "")


def corpus_info(corpus_name: str, recipe: str, upload: bytes | None, pasted: str, max_chars: float) -> str:
    if corpus_name == OWN_TEXT and upload is None and not (pasted or "").strip():
        return "Paste some text or upload a UTF-8 text file (up to the upload limit)."
    try:
        corpus = load_training_text(corpus_name, recipe, upload, pasted)
    except CharLMError as e:
        return f"⚠️ {e}"
    note = f"  \n{CORPORA[corpus_name].note}" if corpus_name in CORPORA else ""
    cut = f" Training uses the first {int(max_chars):,}." if max_chars and max_chars < len(corpus.text) else ""
    return f"**{describe(corpus)}** ({preprocessing(corpus)}).{cut}{note}"


# The preset options that have no widget of their own: they apply while the preset stays selected.
PRESET_EXTRAS = ("lr_decay", "lr_decay_after", "weight_decay", "precision", "max_seconds")  # TrainConfig's
PRESET_MODEL_EXTRAS = ("weight_drop", "nonlinearity")  # CharLMConfig's
DEFAULT_PRESET = "quick-lstm"


def preset_widget_values(name: str) -> dict:
    """A preset's value for each Train widget, by the widget's name."""
    p = PRESETS[name]
    m, t = p.model, p.train
    return {
        "corpus_name": p.corpus,
        "recipe": p.recipe,
        "max_chars": p.max_chars or 0,
        "cell": m.get("cell", "lstm"),
        "layers": m.get("num_layers", 1),
        "hidden": m.get("hidden_size", 256),
        "bidirectional": m.get("bidirectional", False),
        "dropout": m.get("dropout", 0.0),
        "embedding": m.get("embedding_dim", 0),
        "epochs": min(t.get("epochs", 10), LIMITS.max_epochs),
        "batch_size": t.get("batch_size", 32),
        "num_steps": t.get("num_steps", 35),
        "sampling": t.get("sampling", "sequential"),
        "optimizer": t.get("optimizer", "adam"),
        "lr": t.get("lr", 3e-3),
        "clip": t.get("clip", 1.0),
    }


def preset_extras(name: str | None) -> dict:
    """The TrainConfig options a selected preset adds to the widgets' (none selected: mixed precision where fast)."""
    train = PRESETS[name].train if name in PRESETS else {}
    extras = {"precision": "auto"} | {k: train[k] for k in PRESET_EXTRAS if k in train}
    extras["max_seconds"] = min(extras.get("max_seconds") or LIMITS.max_seconds, LIMITS.max_seconds)
    return extras


def preset_model_extras(name: str | None) -> dict:
    """The CharLMConfig options a selected preset adds to the widgets'."""
    model = PRESETS[name].model if name in PRESETS else {}
    return {k: model[k] for k in PRESET_MODEL_EXTRAS if k in model}


def preset_info(name: str) -> str:
    p = PRESETS[name]
    extras = preset_extras(name)
    also = []
    if drop := preset_model_extras(name).get("weight_drop"):
        also.append(f"DropConnect {drop:g} on the recurrent weights")
    if extras.get("lr_decay", 1) != 1:
        also.append(f"learning rate × {extras['lr_decay']:g} per epoch after epoch {max(1, extras.get('lr_decay_after', 0))}")
    if extras.get("weight_decay"):
        also.append(f"weight decay {extras['weight_decay']:g}")
    if extras["max_seconds"] < LIMITS.max_seconds:
        also.append(f"stops after {extras['max_seconds']:g} s")
    also = f"  \nAlso from this preset: {'; '.join(also)}." if also else ""
    return f"**{p.title}** — {p.source}. Published: {p.published}.  \n{p.explanation}{also}"


def apply_preset(name: str):
    """Fill the Train tab's widgets from a preset: corpus, model, recipe, and what the book reported."""
    if name not in PRESETS:  # the dropdown was cleared
        return (gr.skip(),) * 17
    return preset_info(name), *preset_widget_values(name).values()


@single_threaded
def train(
    session: Session,
    preset,
    corpus_name,
    recipe,
    max_chars,
    upload,
    pasted,
    cell,
    layers,
    hidden,
    bidirectional,
    dropout,
    embedding,
    engine,
    epochs,
    batch_size,
    num_steps,
    sampling,
    optimizer,
    lr,
    clip,
    seed,
    request: gr.Request,
):
    """Train in this visitor's session, yielding the live plot, the status line and samples."""
    if session.training:
        raise gr.Error("A run is already training in this session: stop it first.")
    max_chars = number("Use only the first N characters", max_chars or 0, whole=True)
    hidden, layers, embedding = (
        number(k, v, True) for k, v in (("Hidden units", hidden), ("Layers", layers), ("Embedding size", embedding))
    )
    epochs, batch_size, num_steps, seed = (
        number(k, v, True)
        for k, v in (("Epochs", epochs), ("Batch size", batch_size), ("Steps", num_steps), ("Seed", seed))
    )
    dropout, lr, clip = (number(k, v) for k, v in (("Dropout", dropout), ("Learning rate", lr), ("Clip", clip)))
    try:
        corpus = load_training_text(corpus_name, recipe, upload, pasted)
        if max_chars:
            corpus.text = corpus.text[:max_chars]
        data = Dataset.from_text(corpus.text)
        model_config = CharLMConfig(
            vocab=list(data.vocab.tokens),
            cell=cell,
            hidden_size=hidden,
            num_layers=layers,
            bidirectional=bool(bidirectional),
            dropout=dropout,
            embedding_dim=embedding,
            **preset_model_extras(preset),
        )
        LIMITS.check_model(model_config)
        train_config = TrainConfig(
            epochs=epochs,
            batch_size=batch_size,
            num_steps=num_steps,
            sampling=sampling,
            optimizer=optimizer,
            lr=lr,
            clip=clip,
            seed=seed,
            engine=engine,
            sample_prefix=sample_prefix(corpus.name),
            sample_every=max(1, epochs // 10),
            **preset_extras(preset),
        )
        LIMITS.check_training(train_config)
        model = CharLM.seeded(model_config, seed)
        model.config.metadata.update(corpus=corpus.name, recipe=corpus.recipe, max_chars=max_chars or None)
        trainer = Trainer(model, data, train_config)
    except CharLMError as e:
        raise gr.Error(str(e)) from None

    name = f"{len(session.runs) + 1}. {dict((v, k) for k, v in CELL_CHOICES)[cell]} {layers}×{hidden}" + (
        " bi" if bidirectional else ""
    )
    points: list[dict] = []  # the live plot's rows: epoch (fractional within an epoch), perplexity, series
    status, header, sample, last_yield, recent = "Starting…", "", "", 0.0, []
    session.training = True
    with RUNNING_LOCK:
        RUNNING[request.session_hash if request else "local"] = trainer
    try:
        for event in in_own_thread(trainer, data):
            if isinstance(event, InitialPerplexity):
                # Epoch 0: the untrained model, about as perplexed as the vocabulary is large. Both series must be in
                # the plot's first update: Gradio's line plot keeps the colours of its first data for good.
                for series, value in zip(("training", "validation"), event, strict=True):
                    points.append({"epoch": 0.0, "perplexity": value, "series": series})
                continue
            if isinstance(event, Started):
                status = (
                    f"Training on **{event.device}** ({event.engine} engine, {event.precision}): "
                    f"{event.num_parameters:,} parameters, "
                    f"{event.train_chars:,} training and {event.valid_chars:,} validation characters."
                )
                header = status
            elif isinstance(event, Step):
                recent.append(event.loss)
                every = max(1, event.steps_per_epoch // 25)  # about 25 points per epoch
                if event.step % every == 0:
                    x = event.epoch - 1 + event.step / event.steps_per_epoch
                    points.append(
                        {"epoch": x, "perplexity": math.exp(min(sum(recent) / len(recent), 50)), "series": "training"}
                    )
                    recent = []
                done = (event.epoch - 1 + event.step / event.steps_per_epoch - (trainer.first_epoch - 1)) / max(
                    1, train_config.epochs - trainer.first_epoch + 1
                )
                eta = event.elapsed * (1 - done) / max(done, 1e-9)
                if train_config.max_seconds:  # a time limit can end the run before its last epoch
                    eta = min(eta, max(0.0, train_config.max_seconds - event.elapsed))
                status = (
                    f"{header}  \nEpoch **{event.epoch}/{train_config.epochs}**, step {event.step}/"
                    f"{event.steps_per_epoch} · training perplexity {event.perplexity:.2f} · "
                    f"{event.tokens_per_second:,.0f} tokens/s · gradient norm {event.grad_norm:.2f}"
                    f"{' (clipped)' if event.clipped else ''} · {event.elapsed:.0f} s, about {eta:.0f} s to go"
                )
                if time.perf_counter() - last_yield < 0.5:
                    continue
            elif isinstance(event, Epoch):
                points.append(
                    {"epoch": float(event.epoch), "perplexity": event.valid_perplexity, "series": "validation"}
                )
                status = (
                    f"{header}  \nEpoch **{event.epoch}/{train_config.epochs}** · training perplexity "
                    f"{event.train_perplexity:.3f} · **validation perplexity {event.valid_perplexity:.3f}** "
                    f"({event.valid_bpc:.3f} bits/char){' — best so far' if event.is_best else ''} · "
                    f"{event.tokens_per_second:,.0f} tokens/s · {event.clipped_fraction:.0%} of steps clipped"
                )
            elif isinstance(event, Sample):
                sample = f"After epoch {event.epoch}:\n{event.prefix}{event.text}"
            elif isinstance(event, Finished):
                status = f"{header}  \n**{event.message}**"
            last_yield = time.perf_counter()
            yield live_points(points), status, sample, model_line(session)
    finally:  # also when Stop or a closed tab cancels the run: keep what was learned
        with RUNNING_LOCK:
            RUNNING.pop(request.session_hash if request else "local", None)
        session.training = False
        if trainer.history:
            session.model, session.model_name = trainer.model, f"run {name}"
            session.trace = None
            best = min(h["valid_perplexity"] for h in trainer.history)
            session.runs.append(
                Run(
                    name,
                    list(trainer.history),
                    model.num_parameters,
                    trainer.history[-1]["tokens_per_second"],
                    best,
                    trainer.history[-1]["elapsed"],
                )
            )
    yield live_points(points), status, sample, model_line(session)


def live_points(points: list[dict]):
    """The live plot's data; no update until there is a point (an empty frame would fix the colours as numbers)."""
    return pd.DataFrame(points, columns=["epoch", "perplexity", "series"]) if points else gr.skip()


def stop(session: Session, request: gr.Request):
    with RUNNING_LOCK:
        trainer = RUNNING.get(request.session_hash if request else "local")
    if trainer is None:
        gr.Info("Nothing is training in this session.")
    else:
        trainer.stop()


def stop_on_close(request: gr.Request):
    """A closed tab stops its run, so the CPU goes back to the other visitors."""
    with RUNNING_LOCK:
        trainer = RUNNING.get(request.session_hash if request else "local")
    if trainer is not None:
        trainer.stop()


# -- Inspect --------------------------------------------------------------------------------------


@single_threaded
def inspect_choices(session: Session):
    """Layer, direction and gate choices for the current model."""
    model = session.model or DEFAULT_MODEL
    if model is None:
        return gr.update(choices=[1], value=1), gr.update(choices=["forward"], value="forward"), gr.update()
    c = model.config
    gates = [(f"{GATE_NAMES[g]} ({g})", g) for g in LAYERS[c.cell](1, 1).cell.recorded]
    directions = ["forward", "reverse"] if c.bidirectional else ["forward"]
    default_gate = "c" if c.cell in ("lstm", "peephole") else "h"
    return (
        gr.update(choices=list(range(1, c.num_layers + 1)), value=1),
        gr.update(choices=directions, value="forward"),
        gr.update(choices=gates, value=default_gate),
    )


@single_threaded
def default_inspect_text(session: Session, text: str) -> str:
    if (text or "").strip():
        return text
    model = current_model(session)
    prefix, _ = prepare_prefix(model, "")
    return prefix + "".join(ch[0] for ch in stream(model, prefix, 300, temperature=0.7, seed=0))


@single_threaded
def run_trace(session: Session, text: str, layer: int, direction: str, gate: str):
    model = current_model(session)
    try:
        session.trace = trace(model, text, max_chars=LIMITS.max_inspect)
    except CharLMError as e:
        raise gr.Error(str(e)) from None
    session.units = find_units(session.trace)
    notices = "  \n".join(f"⚠️ {n}" for n in session.trace.notices)
    mean = session.trace.surprisal.mean() if len(session.trace.surprisal) else float("nan")
    summary = (
        f"Traced {len(session.trace.text):,} characters · mean surprisal {mean:.3f} nats per character.  \n{notices}"
    )
    best = session.units[0] if session.units else None
    text_html = colored_text(session.trace, best.layer, best.direction, best.state, best.unit) if best else ""
    return (
        summary,
        *render_gate(session, layer, direction, gate),
        units_table(session.units),
        text_html,
        saturation_figure(saturation(session.trace)),
    )


def render_gate(session: Session, layer: int, direction: str, gate: str):
    t = session.trace
    if t is None:
        return None, ""
    key = (int(layer) - 1, 1 if direction == "reverse" else 0)
    if key not in t.gates or gate not in t.gates[key]:
        return None, ""
    name, _, meaning = GATE_EXPLANATIONS[gate].partition(":")
    return gate_heatmap(t, *key, gate, max_chars=120), f"**{name}:**{meaning} Zoom the heatmap to read its labels."


def select_unit(session: Session, evt: gr.SelectData):
    if session.trace is None or evt.index is None or evt.index[0] >= len(session.units):
        return gr.update()
    u = session.units[evt.index[0]]
    return colored_text(session.trace, u.layer, u.direction, u.state, u.unit)


# -- Generate -------------------------------------------------------------------------------------


@single_threaded
def generate(session: Session, prefix: str, length, temperature, top_k, top_p, seed, samples):
    model = current_model(session)
    try:
        prefix, warnings = prepare_prefix(model, prefix or "")
        length, samples, top_k = (
            number(k, v, True) for k, v in (("Length", length), ("Samples", samples), ("Top-k", top_k))
        )
        temperature, top_p = number("Temperature", temperature), number("Top-p", top_p)
        seed = None if seed is None or number("Seed", seed, True) < 0 else number("Seed", seed, True)
        if length > LIMITS.max_generate or samples > LIMITS.max_samples:
            raise CharLMError(f"at most {LIMITS.max_samples} samples of {LIMITS.max_generate:,} characters here")
        chars = stream(
            model,
            prefix,
            length,
            temperature=temperature,
            top_k=top_k,
            top_p=top_p,
            seed=seed,
            num_samples=samples,
        )
        texts = [""] * samples
        note = "  \n".join(f"⚠️ {w}" for w in warnings)
        last = 0.0
        for step, new in enumerate(chars, 1):
            texts = [t + c for t, c in zip(texts, new, strict=True)]
            if time.perf_counter() - last > 0.1 or step == length:
                last = time.perf_counter()
                yield _samples_text(prefix, texts), note
    except CharLMError as e:
        raise gr.Error(str(e)) from None
    loops = [f"Sample {k + 1}: {loop}" for k, t in enumerate(texts) if (loop := find_loop(t))]
    yield _samples_text(prefix, texts), "  \n".join([note, *(f"🔁 {line}" for line in loops)]).strip()


def _samples_text(prefix: str, texts: list[str]) -> str:
    if len(texts) == 1:
        return prefix + texts[0]
    return "\n\n".join(f"── sample {k + 1} ──\n{prefix}{t}" for k, t in enumerate(texts))


# -- Models and Compare ---------------------------------------------------------------------------


@single_threaded
def load_checkpoint(session: Session, name: str, hub_id: str):
    if not (hub_id or "").strip() and name and name not in list_checkpoints():  # a name, never a path
        raise gr.Error(f"There is no pretrained checkpoint called {name!r}; pick one from the list.")
    source = (hub_id or "").strip() or (CHECKPOINTS / name if name else None)
    if not source:
        raise gr.Error("Pick a pretrained checkpoint, or type a Hugging Face Hub id such as user/model.")
    try:
        session.model = CharLM.from_pretrained(source, device=pick_device())
    except CharLMError as e:
        raise gr.Error(str(e)) from None
    session.model_name, session.trace = f"`{hub_id.strip() if hub_id and hub_id.strip() else name}`", None
    card = ""
    readme = Path(source) / "README.md" if Path(source).is_dir() else None
    if readme and readme.is_file():
        card = readme.read_text(encoding="utf-8").split("---", 2)[-1]
    return model_line(session), card


@single_threaded
def download_model(session: Session):
    model = current_model(session)
    folder = Path(tempfile.mkdtemp(prefix="charlm-"))
    model.save_pretrained(folder / "model")
    archive = shutil.make_archive(str(folder / "charlm-model"), "zip", folder / "model")
    return archive


@single_threaded
def push_model(session: Session, repo_id: str, token: str, private: bool):
    """Push the current model to the Hub with the visitor's token; the token is used once and kept nowhere."""
    model = current_model(session)
    if not (repo_id or "").strip() or "/" not in repo_id:
        raise gr.Error("Give the Hub repository as user/name.")
    if not (token or "").strip():
        raise gr.Error("Paste a Hugging Face write token (it is used for this push only and never stored).")
    try:
        url = model.push_to_hub(repo_id.strip(), token=token.strip(), private=bool(private))
    except Exception as e:  # the Hub's errors are many; show the message, never the token
        raise gr.Error(f"The Hub refused the push: {str(e).replace(token.strip(), '***')}") from None
    return f"Pushed to {url}"


def compare(session: Session):
    if not session.runs:
        return None, []
    fig = perplexity_figure({r.name: r.history for r in session.runs}, title="This session's runs")
    rows = [
        [
            r.name,
            f"{r.parameters:,}",
            f"{r.tokens_per_second:,.0f}",
            f"{r.best_valid_perplexity:.3f}" if r.best_valid_perplexity else "—",
            f"{r.seconds:.0f}",
        ]
        for r in session.runs
    ]
    return fig, rows


# -- Cells ----------------------------------------------------------------------------------------


def describe_cell(cell: str, input_size: int, hidden_size: int, num_layers: int, bidirectional: bool):
    """The cell's step function as written in charlm/cells.py, its derivatives from charlm/bptt.py, and the
    parameters the stack gets."""
    layer = LAYERS[cell](int(input_size), int(hidden_size), int(num_layers), bidirectional=bidirectional, device="meta")
    cell_class = type(layer.cell)
    doc = inspect.cleandoc(cell_class.__doc__ or "")
    rows = [[name, " × ".join(map(str, p.shape)), p.numel()] for name, p in layer.named_parameters()]
    total = sum(r[2] for r in rows)
    engines = "scratch and fused (torch's kernel)" if layer.has_fused else "scratch only (torch has no fused kernel)"
    summary = (
        f"### {dict((v, k) for k, v in CELL_CHOICES)[cell]}\n\n{doc}\n\n"
        f"**{total:,} parameters** in {len(rows)} tensors · gates recorded: `{', '.join(layer.cell.recorded)}` · "
        f"engines: {engines}"
    )
    backward = backward_of(layer.cell)
    backward = getattr(backward, "func", backward)  # the vanilla RNN's is a partial (tanh or relu)
    return summary, textwrap.dedent(inspect.getsource(cell_class.step)), inspect.getsource(backward), rows


# -- Layout ---------------------------------------------------------------------------------------


def build_demo() -> gr.Blocks:
    with gr.Blocks(title="charlm") as demo:
        session = gr.State(Session())
        gr.Markdown(
            "# charlm\nTrain, inspect and sample character-level recurrent language models — vanilla RNN, GRU, "
            f"LSTM, peephole LSTM, stacked and bidirectional — on one from-scratch cell library. "
            f"Running on **{pick_device()}**."
        )
        current = gr.Markdown(model_line(Session()))

        with gr.Tab("Train"):
            preset = gr.Dropdown(
                [(p.title, k) for k, p in PRESETS.items()],
                value=DEFAULT_PRESET,
                label="Preset: one click sets everything below to a book's experiment",
            )
            chosen = preset_widget_values(DEFAULT_PRESET)
            info_of_preset = gr.Markdown(preset_info(DEFAULT_PRESET))
            with gr.Row(equal_height=False):
                with gr.Column(min_width=300):
                    corpus_name = gr.Dropdown(
                        [(s.title, k) for k, s in CORPORA.items()] + [("Your own text", OWN_TEXT)],
                        value=chosen["corpus_name"],
                        label="Corpus",
                    )
                    recipe = gr.Radio(
                        list(recipes_of(chosen["corpus_name"])),
                        value=chosen["recipe"],
                        label="Preprocessing",
                        info=recipes_info(chosen["corpus_name"]),
                    )
                    max_chars = gr.Number(
                        chosen["max_chars"], label="Use only the first N characters (0 = all)", precision=0, minimum=0
                    )
                    upload = gr.File(
                        label="Upload a UTF-8 text file", type="binary", file_types=[".txt"], visible=False
                    )
                    pasted = gr.Textbox(label="…or paste text", lines=4, visible=False)
                    info = gr.Markdown()
                with gr.Column(min_width=300):
                    cell = gr.Radio(CELL_CHOICES, value=chosen["cell"], label="Cell")
                    with gr.Row():
                        layers = gr.Slider(1, LIMITS.max_layers, value=chosen["layers"], step=1, label="Layers")
                        hidden = gr.Slider(8, LIMITS.max_hidden, value=chosen["hidden"], step=8, label="Hidden units")
                    with gr.Row():
                        bidirectional = gr.Checkbox(False, label="Bidirectional (cannot generate)")
                        engine = gr.Radio(["auto", "scratch", "fused"], value="auto", label="Engine")
                    with gr.Row():
                        dropout = gr.Slider(0, 0.8, value=chosen["dropout"], step=0.05, label="Dropout")
                        embedding = gr.Number(chosen["embedding"], label="Embedding size (0 = one-hot)", precision=0, minimum=0)
                with gr.Column(min_width=300):
                    with gr.Row():
                        epochs = gr.Number(chosen["epochs"], label=f"Epochs (≤ {LIMITS.max_epochs})", precision=0, minimum=1)
                        seed = gr.Number(0, label="Seed", precision=0, minimum=0)
                    with gr.Row():
                        batch_size = gr.Number(chosen["batch_size"], label="Batch size", precision=0, minimum=1)
                        num_steps = gr.Number(chosen["num_steps"], label="Steps (BPTT length)", precision=0, minimum=1)
                    sampling = gr.Radio(["sequential", "random"], value=chosen["sampling"], label="Minibatches")
                    with gr.Row():
                        optimizer = gr.Dropdown(
                            ["adam", "adamw", "sgd", "rmsprop"], value=chosen["optimizer"], label="Optimizer"
                        )
                        lr = gr.Number(chosen["lr"], label="Learning rate")
                        clip = gr.Number(chosen["clip"], label="Clip gradient norm (0 = off)")
            with gr.Row():
                start = gr.Button("Start training", variant="primary")
                stop_button = gr.Button("Stop", variant="stop")
            status = gr.Markdown()
            live = gr.LinePlot(
                None,
                x="epoch",
                y="perplexity",
                color="series",
                color_map={"training": "#1f77b4", "validation": "#d62728"},
                x_title="epoch",
                y_title="perplexity (lower is better)",
                title="Perplexity while training: per step (training) and per epoch (validation)",
                height=320,
            )
            sample = gr.Textbox(label="Greedy sample from the prefix, every few epochs", lines=4, interactive=False)

        with gr.Tab("Inspect") as inspect_tab:
            gr.Markdown(
                "What every gate did at every character. Type or paste text (a sample from the model by default)."
            )
            inspect_text = gr.Textbox(label="Text", lines=5)
            with gr.Row():
                # Choices follow the visitor's current model (set when the tab opens); any value is accepted,
                # and one the model lacks draws nothing.
                layer = gr.Dropdown([1], value=1, label="Layer", allow_custom_value=True)
                direction = gr.Dropdown(["forward"], value="forward", label="Direction", allow_custom_value=True)
                gate = gr.Dropdown([("cell state (c)", "c")], value="c", label="Gate or state", allow_custom_value=True)
                trace_button = gr.Button("Trace", variant="primary")
            trace_summary = gr.Markdown()
            gate_note = gr.Markdown()
            heatmap = gr.Plot(label="Units × characters")
            gr.Markdown("**Units that track something.** Click a row to colour the text by that unit.")
            units = gr.Dataframe(headers=UNITS_HEADERS, interactive=False, wrap=True)
            tinted = gr.HTML()
            saturation_plot = gr.Plot(label="Gate saturation")

        with gr.Tab("Generate") as generate_tab:
            with gr.Row():
                prefix = gr.Textbox(label="Prefix (empty: the model's usual one)", scale=3)
                go = gr.Button("Generate", variant="primary", scale=1)
            with gr.Row():
                length = gr.Slider(10, LIMITS.max_generate, value=300, step=10, label="Length")
                temperature = gr.Slider(0, 2, value=0.7, step=0.05, label="Temperature (0 = greedy)")
                samples = gr.Slider(1, LIMITS.max_samples, value=1, step=1, label="Samples")
            with gr.Row():
                top_k = gr.Number(0, label="Top-k (0 = off)", precision=0, minimum=0)
                top_p = gr.Slider(0.05, 1, value=1, step=0.05, label="Top-p (1 = off)")
                gen_seed = gr.Number(-1, label="Seed (−1 = random)", precision=0)
            warnings = gr.Markdown()
            output = gr.Textbox(label="Generated text", lines=12, interactive=False)

        with gr.Tab("Models"):
            with gr.Row():
                checkpoint = gr.Dropdown(
                    [(checkpoint_label(n), n) for n in list_checkpoints()],
                    value=START_UP_CHECKPOINT,  # the one the app opens with
                    label="Pretrained checkpoints (trained by this project)",
                )
                hub_id = gr.Textbox(label="…or a Hugging Face Hub id (user/model)")
                load = gr.Button("Load", variant="primary")
            card = gr.Markdown()
            with gr.Row():
                download = gr.DownloadButton("Download the current model (.zip)")
            with gr.Accordion("Push the current model to the Hugging Face Hub", open=False):
                repo_id = gr.Textbox(label="Repository (user/name)")
                token = gr.Textbox(label="Write token (used for this push only, never stored)", type="password")
                private = gr.Checkbox(True, label="Private")
                push = gr.Button("Push")
                pushed = gr.Markdown()

        with gr.Tab("Compare") as compare_tab:
            gr.Markdown("This session's runs side by side: validation (solid) and training (dashed) perplexity.")
            compare_plot = gr.Plot()
            compare_table = gr.Dataframe(
                headers=["run", "parameters", "tokens/s", "best validation perplexity", "seconds"], interactive=False
            )

        with gr.Tab("Cells"), gr.Row():
            with gr.Column(scale=1, min_width=240):
                c_cell = gr.Radio(CELL_CHOICES, value="lstm", label="Cell")
                c_input = gr.Slider(1, 2048, value=28, step=1, label="Input size (vocabulary for one-hot)")
                c_hidden = gr.Slider(1, 1024, value=256, step=1, label="Hidden units")
                c_layers = gr.Slider(1, 4, value=1, step=1, label="Layers")
                c_bidir = gr.Checkbox(False, label="Bidirectional")
            with gr.Column(scale=2):
                c_summary = gr.Markdown()
                c_code = gr.Code(language="python", label="One time step, from charlm/cells.py", interactive=False)
                with gr.Accordion("Its derivatives: backpropagation through time by hand (charlm/bptt.py)", open=False):
                    c_backward = gr.Code(language="python", interactive=False, show_label=False)
                c_table = gr.Dataframe(headers=["parameter", "shape", "count"], label="Parameters", interactive=False)

        # -- wiring --
        corpus_inputs = [corpus_name, recipe, upload, pasted, max_chars]
        gr.on([w.change for w in corpus_inputs], corpus_info, corpus_inputs, info, api_visibility="private")
        corpus_name.change(
            lambda c: (gr.update(visible=c == OWN_TEXT),) * 2, corpus_name, [upload, pasted], api_visibility="private"
        )
        corpus_name.change(offer_recipes, [corpus_name, recipe], recipe, api_visibility="private")
        preset.input(
            apply_preset,
            preset,
            [
                info_of_preset,
                corpus_name,
                recipe,
                max_chars,
                cell,
                layers,
                hidden,
                bidirectional,
                dropout,
                embedding,
                epochs,
                batch_size,
                num_steps,
                sampling,
                optimizer,
                lr,
                clip,
            ],
            api_name="apply_preset",
        )
        train_inputs = [
            session,
            preset,
            corpus_name,
            recipe,
            max_chars,
            upload,
            pasted,
            cell,
            layers,
            hidden,
            bidirectional,
            dropout,
            embedding,
            engine,
            epochs,
            batch_size,
            num_steps,
            sampling,
            optimizer,
            lr,
            clip,
            seed,
        ]
        training = start.click(
            train,
            train_inputs,
            [live, status, sample, current],
            api_name="train",
            concurrency_limit=LIMITS.max_trainings,
            concurrency_id="train",
            trigger_mode="once",
            show_progress="hidden",
        )
        stop_button.click(stop, session, None, cancels=[training], api_name="stop")

        inspect_outputs = [trace_summary, heatmap, gate_note, units, tinted, saturation_plot]
        inspect_tab.select(inspect_choices, session, [layer, direction, gate], api_visibility="private").then(
            default_inspect_text, [session, inspect_text], inspect_text, api_visibility="private"
        )
        trace_button.click(
            run_trace, [session, inspect_text, layer, direction, gate], inspect_outputs, api_name="trace"
        )
        gate_inputs = [session, layer, direction, gate]
        gr.on(
            [w.change for w in (layer, direction, gate)],
            render_gate,
            gate_inputs,
            [heatmap, gate_note],
            api_visibility="private",
        )
        units.select(select_unit, session, tinted, api_visibility="private")

        generate_tab.select(lambda s: model_line(s), session, current, api_visibility="private")
        go.click(
            generate,
            [session, prefix, length, temperature, top_k, top_p, gen_seed, samples],
            [output, warnings],
            api_name="generate",
            concurrency_limit=4,
            concurrency_id="generate",
        )

        load.click(load_checkpoint, [session, checkpoint, hub_id], [current, card], api_name="load")
        download.click(download_model, session, download, api_name="download")
        push.click(push_model, [session, repo_id, token, private], pushed, api_name="push")
        compare_tab.select(compare, session, [compare_plot, compare_table], api_name="compare")

        cell_inputs = [c_cell, c_input, c_hidden, c_layers, c_bidir]
        gr.on(
            [w.change for w in cell_inputs],
            describe_cell,
            cell_inputs,
            [c_summary, c_code, c_backward, c_table],
            api_name="describe_cell",
        )
        demo.load(describe_cell, cell_inputs, [c_summary, c_code, c_backward, c_table], api_visibility="private")
        demo.load(corpus_info, corpus_inputs, info, api_visibility="private")
        demo.unload(stop_on_close)
    demo.queue(default_concurrency_limit=4)
    return demo


if __name__ == "__main__":
    host = os.environ.get("CHARLM_HOST", os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    port = int(os.environ.get("CHARLM_PORT", os.environ.get("GRADIO_SERVER_PORT", "7860")))
    build_demo().launch(server_name=host, server_port=port, max_file_size=max_upload_bytes())
