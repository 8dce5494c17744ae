"""The Train tab: a preset or every option by hand, Start and Stop, the live perplexity plot, samples."""

from __future__ import annotations

import math
import time
from dataclasses import astuple, dataclass, fields, replace

import gradio as gr
import numpy as np
import pandas as pd

from ..corpora import CORPORA, RECIPE_NOTES, corpus_from_bytes, corpus_from_text, describe, load_corpus, preprocessing
from ..errors import CharLMError
from ..model import CharLMConfig
from ..presets import PAIRS, PRESETS
from ..remote import cut_short, receive
from ..run import RunSpec, build
from ..train import Epoch, Finished, Sample, Started, Step, TrainConfig
from .common import (
    CELL_CHOICES,
    AppContext,
    RunSummary,
    Session,
    error,
    in_own_thread,
    md,
    model_line,
    number,
    single_threaded,
    ui,
)
from .compare_tab import measure_run
from .zerogpu import advice

OWN_TEXT = "your own text"
DEFAULT_PRESET = "quick-lstm"
PLOT_POINTS_PER_EPOCH = 25
UPDATE_SECONDS = 0.5  # the page is updated at most this often while steps go by


@dataclass
class TrainForm:
    """The Train tab's widgets' values, in the order of the /train API's parameters."""

    preset: str | None
    corpus_name: str
    recipe: str
    max_chars: float | None
    upload: bytes | None
    pasted: str
    cell: str
    layers: int
    hidden: int
    bidirectional: bool
    dropout: float
    embedding: int
    engine: str
    epochs: int
    batch_size: int
    num_steps: int
    sampling: str
    optimizer: str
    lr: float
    clip: float
    seed: int
    keep: str = "best"  # the weights a run ends with: "best" (validation) or "last"


FORM_FIELDS = tuple(f.name for f in fields(TrainForm))
MODEL_WIDGETS = {"cell": "cell", "layers": "num_layers", "hidden": "hidden_size", "bidirectional": "bidirectional",
                 "dropout": "dropout", "embedding": "embedding_dim"}  # fmt: skip
TRAIN_WIDGETS = ("engine", "epochs", "batch_size", "num_steps", "sampling", "optimizer", "lr", "clip", "seed", "keep")
WHOLE = {"max_chars": "Use only the first N characters", "layers": "Layers", "hidden": "Hidden units",
         "embedding": "Embedding size", "epochs": "Epochs", "batch_size": "Batch size", "num_steps": "Steps",
         "seed": "Seed"}  # fmt: skip
REAL = {"dropout": "Dropout", "lr": "Learning rate", "clip": "Clip"}


# -- presets and the corpus panel -----------------------------------------------------------------


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


def preset_values(ctx: AppContext, name: str) -> dict:
    """A preset's value for each Train widget, by the widget's name (a pair's: its first run's)."""
    spec = PRESETS[PAIRS[name].presets[0] if name in PAIRS else name].spec
    model = {widget: getattr(spec_model_config(spec), option) for widget, option in MODEL_WIDGETS.items()}
    train = {widget: getattr(spec.train, widget) for widget in TRAIN_WIDGETS if widget != "seed"}
    train["epochs"] = min(train["epochs"], ctx.limits.max_epochs)
    return {"corpus_name": spec.corpus, "recipe": spec.recipe, "max_chars": spec.max_chars or 0, **model, **train}


def spec_model_config(spec: RunSpec) -> CharLMConfig:
    """The model options a spec sets, with CharLMConfig's defaults for the rest."""
    return CharLMConfig(vocab=["<unk>"], **spec.model)


def preset_info(ctx: AppContext, name: str) -> str:
    if name in PAIRS:
        pair, (a, b) = PAIRS[name], (PRESETS[n] for n in PAIRS[name].presets)
        return (f"**{md(pair.title)}** — Start trains **{md(a.title)}**, then **{md(b.title)}**, with the options below "
                f"(each keeps its own cell and engine), and puts both in Compare with their tokens/s. The source found: "
                f"{md(pair.published_ratio)}.  \n{md(a.explanation)}")  # fmt: skip
    p = PRESETS[name]
    cfg, also = base_spec(ctx, name).train, []
    if drop := p.spec.model.get("weight_drop"):
        also.append(f"DropConnect {drop:g} on the recurrent weights")
    if cfg.lr_decay != 1:
        also.append(f"learning rate × {cfg.lr_decay:g} per epoch after epoch {max(1, cfg.lr_decay_after)}")
    if cfg.weight_decay:
        also.append(f"weight decay {cfg.weight_decay:g}")
    if cfg.max_seconds < ctx.limits.max_seconds:
        also.append(f"stops after {cfg.max_seconds:g} s")
    also = f"  \nAlso from this preset: {'; '.join(also)}." if also else ""
    return f"**{md(p.title)}** — {md(p.source)}. Published: {md(p.published)}.  \n{md(p.explanation)}{also}"


def base_spec(ctx: AppContext, preset: str | None) -> RunSpec:
    """What a run starts from before the widgets have their say: the selected preset's spec (its options without a
    widget apply while it stays selected), or mixed precision where it is fast; always within this server's time cap."""
    spec = PRESETS[preset].spec if preset in PRESETS else RunSpec(train=TrainConfig(precision="auto"))
    limit = min(spec.train.max_seconds or ctx.limits.max_seconds, ctx.limits.max_seconds)
    return spec.with_options(train={"max_seconds": limit})


def load_training_text(corpus_name: str, recipe: str, upload: bytes | None, pasted: str):
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
        return f"⚠️ {md(e)}"
    note = f"  \n{md(CORPORA[corpus_name].note)}" if corpus_name in CORPORA else ""
    cut = f" Training uses the first {int(max_chars):,}." if max_chars and max_chars < len(corpus.text) else ""
    return f"**{md(describe(corpus))}** ({md(preprocessing(corpus))}).{cut}{note}"


def spec_from_form(ctx: AppContext, form: TrainForm) -> RunSpec:
    """The run the widgets describe, on top of the selected preset's; every value checked."""
    for name, label in WHOLE.items():
        setattr(form, name, number(label, getattr(form, name) or 0, whole=True))
    for name, label in REAL.items():
        setattr(form, name, number(label, getattr(form, name)))
    base = base_spec(ctx, form.preset)
    own = form.corpus_name == OWN_TEXT
    text = {"user_text": load_training_text(form.corpus_name, form.recipe, form.upload, form.pasted)} if own else {}
    model = {option: getattr(form, widget) for widget, option in MODEL_WIDGETS.items()}
    model["bidirectional"] = bool(model["bidirectional"])
    train = {name: getattr(form, name) for name in TRAIN_WIDGETS}
    train |= {"sample_every": max(1, form.epochs // 10), "sample_prefix": ""}  # "": the corpus's usual prefix
    corpus = {"corpus": form.corpus_name, "recipe": form.recipe if form.recipe in recipes_of(form.corpus_name) else "raw"}
    return base.with_options(**(text or corpus), max_chars=form.max_chars or None, model=model, train=train)


# -- training -------------------------------------------------------------------------------------


def train(ctx: AppContext, request: gr.Request | None, session: Session, *values, on_cpu: bool = False):
    """Train in this visitor's session, yielding the live plot, the status line, samples, the model line and whether
    to offer a run on the CPU. On a ZeroGPU Space the run trains on a lent GPU (``on_cpu``: here, on the CPU)."""
    if session.training:
        raise gr.Error("A run is already training in this session: stop it first.")
    form = TrainForm(*values)
    remote = ctx.gpu is not None and not on_cpu
    try:
        spec = spec_from_form(ctx, form)
        base = PRESETS[spec.preset].spec if spec.preset in PRESETS else None
        here = spec.with_options(train={"device": "cpu"}) if ctx.gpu else spec  # on ZeroGPU this process keeps off CUDA
        run = build(here, limits=ctx.limits, command=spec.command(base))
    except CharLMError as e:
        raise error(e) from None

    title = dict((v, k) for k, v in CELL_CHOICES)[form.cell]
    name = f"{len(session.runs) + 1}. {title} {form.layers}×{form.hidden}" + (" bi" if form.bidirectional else "")
    points: list[dict] = []  # the live plot's rows: epoch (fractional within an epoch), perplexity, series
    status, header, sample, last_yield, recent, gpu_failed = "Starting…", "", "", 0.0, [], False
    epochs = run.trainer.config.epochs
    key = request.session_hash if request else "local"
    events = receive(ctx.gpu.train(spec), run) if remote else in_own_thread(run, ctx.training_threads)
    session.training = True
    with ctx.lock:
        ctx.running[key] = run
    try:
        for event in events:
            if remote and run.trainer.stop_requested:  # Stop, or a closed tab: the worker is told when this ends
                event = cut_short(run)
            if isinstance(event, Started):
                header = status = (
                    f"Training on **{where(ctx, event, remote)}** ({event.engine} engine, {event.precision}): "
                    f"{event.num_parameters:,} parameters, "
                    f"{event.train_chars:,} training and {event.valid_chars:,} validation characters."
                )
                # Epoch 0: the untrained model, about as perplexed as the vocabulary is large. Both series must be in
                # the plot's first update: Gradio's line plot keeps the colours of its first data for good.
                initial = (event.initial_train_perplexity, event.initial_valid_perplexity)
                for series, value in zip(("training", "validation"), initial, strict=True):
                    if value is not None:
                        points.append({"epoch": 0.0, "perplexity": value, "series": series})
            elif isinstance(event, Step):
                recent.append(event.loss)
                if event.step % max(1, event.steps_per_epoch // PLOT_POINTS_PER_EPOCH) == 0:
                    x = event.epoch - 1 + event.step / event.steps_per_epoch
                    points.append({"epoch": x, "perplexity": math.exp(min(sum(recent) / len(recent), 50)), "series": "training"})
                    recent = []
                status = (
                    f"{header}  \nEpoch **{event.epoch}/{epochs}**, step {event.step}/{event.steps_per_epoch} · "
                    f"training perplexity {event.perplexity:.2f} · {event.tokens_per_second:,.0f} tokens/s · "
                    f"gradient norm {event.grad_norm:.2f}{' (clipped)' if event.clipped else ''} · "
                    f"{event.elapsed:.0f} s, about {event.seconds_to_go:.0f} s to go"
                )
                if time.perf_counter() - last_yield < UPDATE_SECONDS:
                    continue
            elif isinstance(event, Epoch):
                points.append({"epoch": float(event.epoch), "perplexity": event.valid_perplexity, "series": "validation"})
                status = (
                    f"{header}  \nEpoch **{event.epoch}/{epochs}** · training perplexity "
                    f"{event.train_perplexity:.3f} · **validation perplexity {event.valid_perplexity:.3f}** "
                    f"({event.valid_bpc:.3f} bits/char){' — best so far' if event.is_best else ''} · "
                    f"{event.tokens_per_second:,.0f} tokens/s · {event.clipped_fraction:.0%} of steps clipped · "
                    f"{event.elapsed:.0f} s, about {event.seconds_to_go:.0f} s to go"
                )
            elif isinstance(event, Sample):
                sample = f"After epoch {event.epoch}:\n{event.prefix}{event.text}"
            elif isinstance(event, Finished):
                status = f"{header}  \n**{md(event.message)}**"
            if isinstance(event, Finished):
                break  # said by the last update, once the run is in Compare (with its memory span)
            last_yield = time.perf_counter()
            yield live_points(points), status, sample, model_line(ctx, session), gr.update(visible=False)
    except Exception as e:  # the GPU could not be had, or its worker died: ZeroGPU says why in a gr.Error
        if not remote:
            raise
        gpu_failed, message = True, getattr(e, "message", None) or str(e) or type(e).__name__
        kept = cut_short(run, "cut off").message if run.trainer.history else "Your model and runs are as they were."
        status = f"{header}  \n**The GPU run stopped: {md(message)}** {md(advice(message))}  \n{md(kept)}"
    finally:  # also when Stop or a closed tab cancels the run: keep what was learned
        events.close()  # stops a local run's thread, or tells a GPU worker to stop
        if remote and run.finished is None:
            cut_short(run)
        with ctx.lock:
            ctx.running.pop(key, None)
        session.training = False
        history = run.trainer.history
        if history:
            session.model, session.model_name, session.run, session.checkpoint = run.model, f"run {name}", run, None
            session.trace = None
            best = run.finished.best_valid_perplexity if run.finished else min(h["valid_perplexity"] for h in history)
            engine = run.started.engine if run.started else run.trainer.engine
            summary = RunSummary(f"{name}, {engine}", list(history), run.model.num_parameters,
                                 history[-1]["tokens_per_second"], best, history[-1]["elapsed"], engine)  # fmt: skip
            if math.isfinite(history[-1]["train_loss"]):  # a diverged run has nothing to measure
                summary.span, summary.gradients = measure_run(run)
            session.runs.append(summary)
    yield live_points(points), status, sample, model_line(ctx, session), gr.update(visible=gpu_failed)


def train_pair(ctx: AppContext, request: gr.Request | None, session: Session, *values, on_cpu: bool = False):
    """A pair preset: its two runs one after the other, each with the widgets' options but its own cell and engine;
    then how their speeds compare, here and in the source."""
    form = TrainForm(*values)
    pair = PAIRS[form.preset]
    status = ""
    for k, member in enumerate(pair.presets, 1):
        spec = PRESETS[member].spec
        own = replace(form, preset=member, cell=spec.model["cell"], engine=spec.train.engine)
        for plot, status, sample, line, offer_cpu in train(ctx, request, session, *astuple(own), on_cpu=on_cpu):
            status = f"**Run {k} of 2: {md(PRESETS[member].title)}**  \n{status}"
            yield plot, status, sample, line, offer_cpu
    first, second = session.runs[-2:] if len(session.runs) >= 2 else (None, None)
    if first and second and second.tokens_per_second:
        ratio = first.tokens_per_second / second.tokens_per_second
        second.note = first.note = (f"{first.name} / {second.name}: {ratio:.2f}× the tokens/s here; "
                                    f"the source: {pair.published_ratio}")  # fmt: skip
        yield gr.skip(), f"{status}  \n**{md(second.note)}** (both in Compare)", gr.skip(), gr.skip(), gr.skip()


def where(ctx: AppContext, event: Started, remote: bool) -> str:
    return f"this Space's GPU ({event.device}, ZeroGPU)" if remote else ("this Space's CPU" if ctx.gpu else event.device)


def live_points(points: list[dict]):
    """The live plot's data in bits per character (log₂ perplexity: a log axis, which gr.LinePlot lacks), perplexity on
    hover, and a y range that follows the data: past the first epoch, the points from epoch 1 on, so that 4.5 → 4.0
    fills the plot while the first drop (from about the vocabulary's size) runs off its top. No update until there
    is a point (an empty frame would fix the colours as numbers)."""
    if not points:
        return gr.skip()
    frame = pd.DataFrame(points, columns=["epoch", "perplexity", "series"])
    frame.insert(1, "bits per character", np.log2(frame["perplexity"]))
    shown = frame[frame["epoch"] >= 1] if frame["epoch"].max() > 1.5 else frame
    low, high = shown["bits per character"].min(), shown["bits per character"].max()
    pad = max(0.05 * (high - low), 0.01)
    return gr.update(value=frame, y_lim=[float(low - pad), float(high + pad)])


STOP_WAIT_SECONDS = 15  # how long Stop waits for the run to end its minibatch and restore its best weights


def stop(ctx: AppContext, request: gr.Request | None, session: Session):
    """Stop this visitor's run (the event's cancellation closes its stream), then say how it ended: the status line and
    the model line. The stream, being closed, cannot say it itself."""
    key = request.session_hash if request else "local"
    with ctx.lock:
        run = ctx.running.get(key)
    if run is None:
        gr.Info("Nothing is training in this session.")
        return gr.skip(), gr.skip()
    run.trainer.stop()
    deadline = time.monotonic() + STOP_WAIT_SECONDS
    while key in ctx.running and time.monotonic() < deadline:
        time.sleep(0.05)
    if run.finished is None:
        return gr.skip(), model_line(ctx, session)
    return f"**{md(run.finished.message)}**", model_line(ctx, session)


def stop_on_close(ctx: AppContext, request: gr.Request | None):
    """A closed tab stops its run, so the CPU goes back to the other visitors."""
    with ctx.lock:
        run = ctx.running.get(request.session_hash if request else "local")
    if run is not None:
        run.trainer.stop()


# -- the tab --------------------------------------------------------------------------------------


def create(ctx: AppContext, demo: gr.Blocks, session: gr.State, current: gr.Markdown, language: gr.Radio) -> gr.Tab:
    """The tab's widgets and its events."""
    chosen = preset_values(ctx, DEFAULT_PRESET)
    with gr.Tab(ui("train.tab")) as tab:
        # The first screen, on a projector and on a phone: the preset, Start and Stop, the status and the live plot.
        choices = [(p.title, k) for k, p in PRESETS.items()] + [(p.title, k) for k, p in PAIRS.items()]
        preset = gr.Dropdown(choices, value=DEFAULT_PRESET,
                             label="Preset: one click sets every option to a book's experiment")  # fmt: skip
        w: dict[str, gr.components.Component] = {"preset": preset}
        with gr.Row(elem_classes="train-buttons"):
            start = gr.Button(ui("train.start"), variant="primary", min_width=120)
            stop_button = gr.Button("Stop", variant="stop", min_width=80)
            on_cpu = gr.Button("Train the same run on the CPU", variant="secondary", visible=False, min_width=160)
        status = gr.Markdown(elem_id="train-status")
        colors = {"training": "#1f77b4", "validation": "#d62728"}
        live = gr.LinePlot(None, x="epoch", y="bits per character", color="series", color_map=colors, height=320,
                           x_title="epoch", y_title="bits per character (log₂ perplexity)",
                           tooltip=["epoch", "perplexity", "series"], elem_id="live-plot",
                           title="While training: per step (training) and per epoch (validation)")  # fmt: skip
        sample = gr.Textbox(label="Greedy sample from the prefix, every few epochs", lines=3, interactive=False)

        # Everything else, one tap away; a preset still sets it all.
        with gr.Accordion("About this preset", open=False, elem_classes="settings"):
            about_preset = gr.Markdown(preset_info(ctx, DEFAULT_PRESET))
        with gr.Accordion("Text: corpus and preprocessing", open=False, elem_classes="settings"):
            corpora = [(s.title, k) for k, s in CORPORA.items()] + [("Your own text", OWN_TEXT)]
            w["corpus_name"] = gr.Dropdown(corpora, value=chosen["corpus_name"], label="Corpus")
            w["recipe"] = gr.Radio(list(recipes_of(chosen["corpus_name"])), value=chosen["recipe"], label="Preprocessing",
                                   info=recipes_info(chosen["corpus_name"]))  # fmt: skip
            w["max_chars"] = gr.Number(chosen["max_chars"], label="Use only the first N characters (0 = all)",
                                       precision=0, minimum=0)  # fmt: skip
            w["upload"] = gr.File(label="Upload a UTF-8 text file", type="binary", file_types=[".txt"], visible=False)
            w["pasted"] = gr.Textbox(label="…or paste text", lines=4, visible=False)
            info = gr.Markdown()
        with gr.Accordion("Model: cell, layers, size", open=False, elem_classes="settings"):
            w["cell"] = gr.Radio(CELL_CHOICES, value=chosen["cell"], label="Cell")
            with gr.Row():
                w["layers"] = gr.Slider(1, ctx.limits.max_layers, value=chosen["layers"], step=1, label="Layers")
                w["hidden"] = gr.Slider(8, ctx.limits.max_hidden, value=chosen["hidden"], step=8, label="Hidden units")
            with gr.Row():
                w["bidirectional"] = gr.Checkbox(False, label="Bidirectional (cannot generate)")
                w["engine"] = gr.Radio(["auto", "scratch", "fused", "naive"], value=chosen["engine"], label="Engine")
            with gr.Row():
                w["dropout"] = gr.Slider(0, 0.8, value=chosen["dropout"], step=0.05, label="Dropout")
                w["embedding"] = gr.Number(chosen["embedding"], label="Embedding size (0 = one-hot)", precision=0, minimum=0)
        with gr.Accordion("Training: epochs, batches, optimizer", open=False, elem_classes="settings"):
            with gr.Row():
                w["epochs"] = gr.Number(chosen["epochs"], label=f"Epochs (≤ {ctx.limits.max_epochs})", precision=0, minimum=1)
                w["seed"] = gr.Number(0, label="Seed", precision=0, minimum=0)
                w["batch_size"] = gr.Number(chosen["batch_size"], label="Batch size", precision=0, minimum=1)
                w["num_steps"] = gr.Number(chosen["num_steps"], label="Steps (BPTT length)", precision=0, minimum=1)
            with gr.Row():
                w["sampling"] = gr.Radio(["sequential", "random"], value=chosen["sampling"], label="Minibatches")
                optimizers = ["adam", "adamw", "sgd", "rmsprop"]
                w["optimizer"] = gr.Dropdown(optimizers, value=chosen["optimizer"], label="Optimizer")
                w["lr"] = gr.Number(chosen["lr"], label="Learning rate")
                w["clip"] = gr.Number(chosen["clip"], label="Clip gradient norm (0 = off)")
            keeps = [("the best validation epoch's", "best"), ("the last epoch's (as the d2l book reports)", "last")]
            w["keep"] = gr.Radio(keeps, value=chosen["keep"], label="Keep the weights of")

    corpus_inputs = [w[k] for k in ("corpus_name", "recipe", "upload", "pasted", "max_chars")]
    private = {"api_visibility": "private"}
    gr.on([c.change for c in corpus_inputs], corpus_info, corpus_inputs, info, **private)
    own = lambda c: (gr.update(visible=c == OWN_TEXT),) * 2  # noqa: E731
    w["corpus_name"].change(own, w["corpus_name"], [w["upload"], w["pasted"]], **private)
    w["corpus_name"].change(offer_recipes, [w["corpus_name"], w["recipe"]], w["recipe"], **private)
    filled = [about_preset, *(w[k] for k in chosen)]

    def apply_preset(name: str):
        """Fill the widgets from a preset: corpus, model, recipe, and what the book reported."""
        if name not in PRESETS and name not in PAIRS:  # the dropdown was cleared
            return {}
        return {about_preset: preset_info(ctx, name)} | {w[k]: v for k, v in preset_values(ctx, name).items()}

    preset.input(apply_preset, preset, filled, api_name="apply_preset")

    @single_threaded
    def on_start(request: gr.Request, session_value: Session, *values):
        yield from (train_pair if values[0] in PAIRS else train)(ctx, request, session_value, *values)

    @single_threaded
    def on_start_cpu(request: gr.Request, session_value: Session, *values):
        yield from (train_pair if values[0] in PAIRS else train)(ctx, request, session_value, *values, on_cpu=True)

    def on_stop(request: gr.Request, session_value: Session):
        return stop(ctx, request, session_value)

    inputs, outputs = [session, *(w[k] for k in FORM_FIELDS)], [live, status, sample, current, on_cpu]
    queue = {"concurrency_limit": ctx.limits.max_trainings, "concurrency_id": "train", "trigger_mode": "once"}
    training = start.click(on_start, inputs, outputs, api_name="train", show_progress="hidden", **queue)
    training_on_cpu = on_cpu.click(on_start_cpu, inputs, outputs, api_name="train_on_cpu", show_progress="hidden", **queue)
    stop_button.click(on_stop, session, [status, current], cancels=[training, training_on_cpu], api_name="stop")
    demo.load(corpus_info, corpus_inputs, info, **private)

    def on_close(request: gr.Request):
        stop_on_close(ctx, request)

    demo.unload(on_close)
    return tab
