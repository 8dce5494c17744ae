"""The Train tab: a preset or every option by hand, Start and Stop, the live perplexity plot, samples."""

from __future__ import annotations

import math
import shutil
import time
from dataclasses import astuple, dataclass, fields, replace

import gradio as gr

from ..corpora import CORPORA, corpus_from_bytes, corpus_from_text, describe, load_corpus, preprocessing, recipe_note
from ..errors import CharLMError
from ..i18n import Msg, normalise, speaking
from ..i18n import text as tr
from ..model import CharLMConfig
from ..presets import GROUPS, PRESETS
from ..run import RunSpec, build
from ..train import Finished, TrainConfig
from . import live_plot, room_tab
from .common import (
    CELL_CHOICES,
    AppContext,
    Job,
    RunSummary,
    Session,
    api_parameters,
    cell_choices,
    error,
    give_memory_back,
    localized,
    md,
    model_line,
    number,
    ui,
)
from .compare_tab import measure_run
from .live_plot import LivePlot, plot_titles, retitled
from .run_view import RunView

OWN_TEXT = "your own text"
DEFAULT_PRESET = "quick-lstm"


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
WHOLE = {name: Msg(f"train.{name}") for name in
         ("max_chars", "layers", "hidden", "embedding", "epochs", "batch_size", "num_steps", "seed")}  # fmt: skip
REAL = {name: Msg(f"train.{name}") for name in ("dropout", "lr", "clip")}  # their labels, in a reader's language


# The /train API's parameters, by the widget they stand for: the names the library's options have (CharLMConfig's,
# TrainConfig's), where a widget's name differs.
API_NAMES = {"corpus_name": "corpus", "max_chars": "max_chars", "layers": "num_layers", "hidden": "hidden_size",
             "embedding": "embedding_dim", "upload": "upload", "pasted": "text"}  # fmt: skip


def separator() -> str:
    """Between the items of a list in running text, as the active language writes it ("; ", "；")."""
    return tr("app.list_separator")


# -- presets and the corpus panel -----------------------------------------------------------------


def recipes_of(corpus_name: str) -> tuple[str, ...]:
    """The preprocessing recipes a corpus offers ("raw" first); your own text is read raw."""
    return CORPORA[corpus_name].recipes if corpus_name in CORPORA else ("raw",)


def recipes_info(corpus_name: str) -> str:
    """What each of a corpus's recipes does, for the line under the Preprocessing radio, in the active language."""
    notes = [tr("app.labelled", label=recipe, text=note) for recipe in recipes_of(corpus_name)
             if (note := recipe_note(corpus_name, recipe))]  # fmt: skip
    return separator().join([tr("train.raw_recipe"), *notes])


def offer_recipes(corpus_name: str, recipe: str):
    """The Preprocessing radio for a newly chosen corpus: its recipes, keeping the choice where it is offered."""
    offered = recipes_of(corpus_name)
    return gr.Radio(choices=list(offered), value=recipe if recipe in offered else "raw", info=recipes_info(corpus_name))


def preset_values(ctx: AppContext, name: str) -> dict:
    """A preset's value for each Train widget, by the widget's name (a group's: its first run's)."""
    spec = PRESETS[GROUPS[name].presets[0] if name in GROUPS else name].spec
    model = {widget: getattr(spec_model_config(spec), option) for widget, option in MODEL_WIDGETS.items()}
    train = {widget: getattr(spec.train, widget) for widget in TRAIN_WIDGETS if widget != "seed"}
    train["epochs"] = min(train["epochs"], ctx.limits.max_epochs)
    return {"corpus_name": spec.corpus, "recipe": spec.recipe, "max_chars": spec.max_chars or 0, **model, **train}


def spec_model_config(spec: RunSpec) -> CharLMConfig:
    """The model options a spec sets, with CharLMConfig's defaults for the rest."""
    return CharLMConfig(vocab=["<unk>"], **spec.model)


def preset_info(ctx: AppContext, name: str) -> str:
    """The preset (or group) described: where it comes from, what its source found, what to look for; in the active
    language."""
    if name in GROUPS:
        group, members = GROUPS[name], [PRESETS[n] for n in GROUPS[name].presets]
        runs = tr("train.group_then").join(f"**{md(p.msg('title'))}**" for p in members)
        explanation = group.msg("explanation") if group.explanation else members[0].msg("explanation")
        return tr("train.group_info", group=md(group.msg("title")), runs=runs, published=md(group.msg("published")),
                  explanation=md(explanation))  # fmt: skip
    p = PRESETS[name]
    cfg, also = base_spec(ctx, name).train, []
    if drop := p.spec.model.get("weight_drop"):
        also.append(tr("train.also_dropconnect", drop=drop))
    if cfg.lr_decay != 1:
        also.append(tr("train.also_lr_decay", decay=cfg.lr_decay, after=max(1, cfg.lr_decay_after)))
    if cfg.weight_decay:
        also.append(tr("train.also_weight_decay", value=cfg.weight_decay))
    if cfg.max_seconds < ctx.limits.max_seconds:
        also.append(tr("train.also_stops", seconds=cfg.max_seconds))
    also = tr("train.also", items=separator().join(also)) if also else ""
    return tr("train.preset_info", title=md(p.msg("title")), source=md(p.msg("source")),
              published=md(p.msg("published")), explanation=md(p.msg("explanation")), also=also)  # fmt: skip


def preset_choices() -> list[tuple[str, str]]:
    """The Preset dropdown's choices, every preset and then every group (the trio, the pairs), titled in the active
    language."""
    return [(str(p.msg("title")), k) for k, p in (*PRESETS.items(), *GROUPS.items())]


def corpus_choices() -> list[tuple[str, str]]:
    """The Corpus dropdown's choices, titled in the active language, your own text last."""
    return [(str(s.title_msg), k) for k, s in CORPORA.items()] + [(tr("train.own_text"), OWN_TEXT)]


def base_spec(ctx: AppContext, preset: str | None) -> RunSpec:
    """What a run starts from before the widgets have their say: the selected preset's spec (its options without a
    widget apply while it stays selected), or mixed precision where it is fast; always within this server's caps on
    time and on the validation characters per epoch (validation is not in the time limit)."""
    spec = PRESETS[preset].spec if preset in PRESETS else RunSpec(train=TrainConfig(precision="auto"))
    caps = ctx.limits
    limit = min(spec.train.max_seconds or caps.max_seconds, caps.max_seconds)
    valid = min(spec.train.valid_chars or caps.max_valid_chars, caps.max_valid_chars)
    return spec.with_options(train={"max_seconds": limit, "valid_chars": valid})


def load_training_text(corpus_name: str, recipe: str, upload: bytes | None, pasted: str):
    if corpus_name != OWN_TEXT:
        return load_corpus(corpus_name, recipe if recipe in recipes_of(corpus_name) else "raw")
    if upload is not None:  # an empty file is b"", and must be called empty, not missing
        return corpus_from_bytes(upload, filename=Msg("data.uploaded_file"))
    return corpus_from_text(pasted or "")


def corpus_info(corpus_name: str, recipe: str, upload: bytes | None, pasted: str, max_chars: float) -> str:
    """The chosen text described, in the active language: its size, its preprocessing, its licence."""
    if corpus_name == OWN_TEXT and upload is None and not (pasted or "").strip():
        return tr("train.paste_hint")
    try:
        corpus = load_training_text(corpus_name, recipe, upload, pasted)
    except CharLMError as e:
        return f"⚠️ {md(e)}"
    note = f"  \n{md(CORPORA[corpus_name].note_msg)}" if corpus_name in CORPORA else ""
    cut = tr("train.cut", chars=int(max_chars)) if max_chars and max_chars < len(corpus.text) else ""
    return tr("train.corpus_info", corpus=md(describe(corpus)), preprocessing=md(preprocessing(corpus)), cut=cut) + note


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
    corpus = {
        "corpus": form.corpus_name,
        "recipe": form.recipe if form.recipe in recipes_of(form.corpus_name) else "raw",
    }
    return base.with_options(**(text or corpus), max_chars=form.max_chars or None, model=model, train=train)


# -- training -------------------------------------------------------------------------------------


@localized
def train(ctx: AppContext, request: gr.Request | None, session: Session, *values, on_cpu: bool = False,
          job: Job | None = None, made: list | None = None):  # fmt: skip
    """Train in this visitor's session, yielding the live plot, the status line, samples, the model line and whether
    to offer a run on the CPU, all in the visitor's language. On a ZeroGPU Space the run trains on a lent GPU
    (``on_cpu``: here, on the CPU). ``job``: the claim it trains under (a group's; else it claims its own);
    ``made``: a list that gets the run's RunSummary, or None when the run left nothing."""
    own_job = job is None
    if own_job:
        job = claim(ctx, request, session, values[0] if values else None)
    summary = None
    try:
        form = TrainForm(*values)
        remote = ctx.gpu is not None and not on_cpu
        try:
            spec = spec_from_form(ctx, form)
            base = PRESETS[spec.preset].spec if spec.preset in PRESETS else None
            here = spec.with_options(train={"device": "cpu"}) if ctx.gpu else spec  # on ZeroGPU: off CUDA here
            run = build(here, limits=ctx.limits, command=spec.command(base))
        except CharLMError as e:
            raise error(e) from None
        job.attach(run)
        session.keep_text(run)  # a room's round may be started on it while it trains
        # The run's name is the same in every language: Compare lists it, the model line names it, a switch keeps it.
        # It is unique: the session's runs are added one at a time, under its one claim.
        title = dict((v, k) for k, v in CELL_CHOICES)[form.cell]
        name = f"{len(session.runs) + 1}. {title} {form.layers}×{form.hidden}" + (" bi" if form.bidirectional else "")
        # trained in another process: a GPU worker, or here on the CPU apart from the server (``common.train_apart``)
        apart = remote or ctx.train_apart == "always" or (ctx.train_apart == "room" and ctx.rooms.owned(session))
        view = RunView(ctx, job, run, spec, remote, name, apart=bool(apart))
        try:
            yield from view.updates()
        finally:  # also when Stop or a closed tab cancels the run: keep what was learned, and only that
            summary = keep(ctx, session, run, name)
            job.finished, job.run = run.finished, None
            view.run = run = None  # the dataset, the corpus text, the trainer and its optimizer go
            give_memory_back()
        yield view.last(session.model if summary else None, kept_epoch(summary, job.finished))
    finally:  # also when Stop or a closed tab cancels the run
        if own_job:
            ctx.jobs.release(job)
        if made is not None:
            made.append(summary)


def claim(ctx: AppContext, request: gr.Request | None, session: Session, preset: str | None) -> Job:
    """The session's claim on a run, made before anything is built: a second Start is refused here."""
    try:
        return ctx.jobs.claim(session, request.session_hash if request else "local", time_limit(ctx, preset))
    except CharLMError as e:
        raise error(e) from None


def time_limit(ctx: AppContext, preset: str | None) -> float:
    """The seconds a Start of ``preset`` (a group: all its runs) may train, at most."""
    names = GROUPS[preset].presets if preset in GROUPS else [preset]
    return sum(base_spec(ctx, name if name in PRESETS else None).train.max_seconds for name in names)


def keep(ctx: AppContext, session: Session, run, name: str) -> RunSummary | None:
    """What a session keeps of a run that ended: the model, its checkpoint on disk (weights, history, optimizer state,
    card: what Download and --resume need) and its summary in Compare. The dataset, the corpus text, the trainer and
    the gradients go with ``run``. None when the run has nothing to keep (it never finished an epoch)."""
    history = run.trainer.history
    if not history or session.released:
        return None
    run.model.zero_grad(set_to_none=True)
    folder = session.files(ctx.scratch) / "model"
    shutil.rmtree(folder, ignore_errors=True)  # the last run's: a session keeps the checkpoint of its current model
    run.save(folder)
    best = run.finished.best_valid_perplexity if run.finished else min(h["valid_perplexity"] for h in history)
    engine = run.started.engine if run.started else run.trainer.engine
    summary = RunSummary(f"{name}, {engine}", list(history), run.model.num_parameters,
                         history[-1]["tokens_per_second"], best, history[-1]["elapsed"], engine,
                         kept=run.trainer.config.keep)  # fmt: skip
    if math.isfinite(history[-1]["train_loss"]):  # a diverged run has nothing to measure
        summary.span, summary.gradients = measure_run(run)
    session.set_model(run.model, Msg("train.run_model", name=name), folder)  # the model line names it in any language
    session.runs.append(summary)
    return summary


@localized
def train_group(ctx: AppContext, request: gr.Request | None, session: Session, *values, on_cpu: bool = False):
    """A group of presets (a pair, the chapter's trio): its runs one after the other, under one claim, each with the
    widgets' text and training options but its own model and engine (the trio's RNN has 512 units, its GRU 256); then
    what they show side by side: a pair's speeds, here and in the source, or the group's training perplexities against
    the source's. A member that left nothing (stopped before an epoch, its GPU refused) ends the group, saying so."""
    job = claim(ctx, request, session, values[0])
    try:
        form = TrainForm(*values)
        group = GROUPS[form.preset]
        total, status, made = len(group.presets), "", []
        for k, member in enumerate(group.presets, 1):
            spec = PRESETS[member].spec
            model = {widget: getattr(spec_model_config(spec), option) for widget, option in MODEL_WIDGETS.items()}
            own = replace(form, preset=member, engine=spec.train.engine, **model)
            for plot, status, sample, line, offer_cpu in train(ctx, request, session, *astuple(own), on_cpu=on_cpu,
                                                               job=job, made=made):  # fmt: skip
                status = tr("train.group_run", number=k, total=total, title=md(PRESETS[member].msg("title")),
                            status=status)  # fmt: skip
                yield plot, status, sample, line, offer_cpu
            if job.stopped:  # the visitor stopped the group
                return
            if made[-1] is None:
                if k < total:
                    yield gr.skip(), tr("train.group_cut", status=status, number=k), gr.skip(), gr.skip(), gr.skip()
                return
        if note := group_note(group, made):
            for summary in made:
                summary.note = note  # a Msg: Compare writes it in the language it is read in
            done = tr("train.group_done", status=status, note=md(note), total=total)
            yield gr.skip(), done, gr.skip(), gr.skip(), gr.skip()
    finally:
        ctx.jobs.release(job)


def kept_epoch(summary: RunSummary | None, finished: Finished | None) -> int:
    """The epoch whose weights a run kept: its best validation epoch's, or its last."""
    if summary is None:
        return 0
    best = finished.best_epoch if finished is not None else None
    return best if summary.kept == "best" and best else len(summary.history)


def group_note(group, made: list[RunSummary]) -> Msg | None:
    """What a group's runs show side by side: a pair's ratio of speeds, or each run's last training perplexity (the
    books' figure); beside the source's."""
    if group.is_pair:
        first, second = made
        if not second.tokens_per_second:
            return None
        return Msg("train.pair_note", first=first.name, second=second.name,
                   ratio=first.tokens_per_second / second.tokens_per_second, published=group.msg("published"))  # fmt: skip
    items = " · ".join(f"{r.name} {r.history[-1]['train_perplexity']:.3f}" for r in made)
    return Msg("train.group_note", items=items, published=group.msg("published"))


STOP_WAIT_SECONDS = 15  # how long Stop waits for the run to end its minibatch and restore its best weights


@localized
def stop(ctx: AppContext, request: gr.Request | None, session: Session):
    """Stop this visitor's run (the event's cancellation closes its stream), then say how it ended: the status line and
    the model line. The stream, being closed, cannot say it itself."""
    job = ctx.jobs.of(session)
    if job is None:  # a follower's Stop leaves the room's run alone, and says why
        gr.Info(tr("room.only_owner_stops", code=session.room.code) if session.room else tr("train.nothing_training"))
        return gr.skip(), gr.skip()
    job.stop()
    deadline = time.monotonic() + STOP_WAIT_SECONDS
    while ctx.jobs.of(session) is job and time.monotonic() < deadline:
        time.sleep(0.05)
    if job.finished is None:
        return gr.skip(), model_line(ctx, session)
    return f"**{md(job.finished.message)}**", model_line(ctx, session)


# -- the tab --------------------------------------------------------------------------------------


def create(ctx: AppContext, demo: gr.Blocks, session: gr.State, current: gr.Markdown, language: gr.Radio) -> gr.Tab:
    """The tab's widgets and its events."""
    chosen = preset_values(ctx, DEFAULT_PRESET)
    with gr.Tab(ui("train.tab")) as tab:
        # The first screen, on a projector and on a phone: the preset, Start and Stop, the status and the live plot.
        # A dropdown's choices and the plot's title are written on the server, in English until the page says its
        # language (speak, below).
        preset = gr.Dropdown(preset_choices(), value=DEFAULT_PRESET, label=ui("train.preset"))
        w: dict[str, gr.components.Component] = {"preset": preset}
        with gr.Row(elem_classes="train-buttons"):
            start = gr.Button(ui("train.start"), variant="primary", min_width=120)
            stop_button = gr.Button(ui("train.stop"), variant="stop", min_width=80)
            on_cpu = gr.Button(ui("train.on_cpu"), variant="secondary", visible=False, min_width=160)
            share = gr.Button(ui("room.share"), variant="secondary", min_width=120, elem_id="share-run")
        queue_note = gr.Markdown(elem_id="train-queue")  # while a Start waits for a slot: its place, and a room
        queue_timer = gr.Timer(room_tab.QUEUE_SECONDS, active=False)
        status = gr.Markdown(elem_id="train-status")
        with gr.Row(elem_id="plot-and-room"):  # the room's code and QR code beside the plot, once shared
            live = live_plot.widget("live-plot", scale=3, min_width=320)
            room_tab.owner_panel(ctx, session, share)
        sample = gr.Textbox(label=ui("train.sample"), lines=3, interactive=False)

        # Everything else, one tap away; a preset still sets it all.
        with gr.Accordion(ui("train.about_preset"), open=False, elem_classes="settings"):
            about_preset = gr.Markdown(preset_info(ctx, DEFAULT_PRESET))
        with gr.Accordion(ui("train.text_section"), open=False, elem_classes="settings"):
            w["corpus_name"] = gr.Dropdown(corpus_choices(), value=chosen["corpus_name"], label=ui("train.corpus"))
            w["recipe"] = gr.Radio(list(recipes_of(chosen["corpus_name"])), value=chosen["recipe"],
                                   label=ui("train.recipe"), info=recipes_info(chosen["corpus_name"]))  # fmt: skip
            w["max_chars"] = gr.Number(chosen["max_chars"], label=ui("train.max_chars_widget"), precision=0, minimum=0)
            w["upload"] = gr.File(label=ui("train.upload"), type="binary", file_types=[".txt"], visible=False)
            w["pasted"] = gr.Textbox(label=ui("train.pasted"), lines=4, visible=False)
            info = gr.Markdown()
        with gr.Accordion(ui("train.model_section"), open=False, elem_classes="settings"):
            w["cell"] = gr.Radio(cell_choices(), value=chosen["cell"], label=ui("train.cell"))
            with gr.Row():
                w["layers"] = gr.Slider(
                    1, ctx.limits.max_layers, value=chosen["layers"], step=1, label=ui("train.layers")
                )
                w["hidden"] = gr.Slider(8, ctx.limits.max_hidden, value=chosen["hidden"], step=8,
                                        label=ui("train.hidden"))  # fmt: skip
            with gr.Row():
                w["bidirectional"] = gr.Checkbox(False, label=ui("train.bidirectional"))
                engines = [(ui(f"train.engine_{e}"), e) for e in ("auto", "scratch", "fused", "naive")]
                w["engine"] = gr.Radio(engines, value=chosen["engine"], label=ui("train.engine"))
            with gr.Row():
                w["dropout"] = gr.Slider(0, 0.8, value=chosen["dropout"], step=0.05, label=ui("train.dropout"))
                w["embedding"] = gr.Number(chosen["embedding"], label=ui("train.embedding_widget"), precision=0,
                                           minimum=0)  # fmt: skip
        with gr.Accordion(ui("train.training_section"), open=False, elem_classes="settings"):
            with gr.Row():
                w["epochs"] = gr.Number(chosen["epochs"], label=ui("train.epochs_widget", max=ctx.limits.max_epochs),
                                        precision=0, minimum=1)  # fmt: skip
                w["seed"] = gr.Number(0, label=ui("train.seed"), precision=0, minimum=0)
                w["batch_size"] = gr.Number(chosen["batch_size"], label=ui("train.batch_size"), precision=0, minimum=1)
                w["num_steps"] = gr.Number(chosen["num_steps"], label=ui("train.num_steps_widget"), precision=0,
                                           minimum=1)  # fmt: skip
            with gr.Row():
                samplings = [(ui(f"train.sampling_{s}"), s) for s in ("sequential", "random")]
                w["sampling"] = gr.Radio(samplings, value=chosen["sampling"], label=ui("train.sampling"))
                optimizers = ["adam", "adamw", "sgd", "rmsprop"]
                w["optimizer"] = gr.Dropdown(optimizers, value=chosen["optimizer"], label=ui("train.optimizer"))
                w["lr"] = gr.Number(chosen["lr"], label=ui("train.lr"))
                w["clip"] = gr.Number(chosen["clip"], label=ui("train.clip_widget"))
            keeps = [(ui("train.keep_best"), "best"), (ui("train.keep_last"), "last")]
            w["keep"] = gr.Radio(keeps, value=chosen["keep"], label=ui("train.keep"))

    corpus_inputs = [w[k] for k in ("corpus_name", "recipe", "upload", "pasted", "max_chars")]
    private = {"api_visibility": "private"}

    @localized
    def on_corpus(session_value: Session, *values):
        return corpus_info(*values)

    gr.on([c.change for c in corpus_inputs], on_corpus, [session, *corpus_inputs], info, **private)
    own = lambda c: (gr.update(visible=c == OWN_TEXT),) * 2  # noqa: E731
    w["corpus_name"].change(own, w["corpus_name"], [w["upload"], w["pasted"]], **private)

    @localized
    def on_recipes(session_value: Session, corpus_name: str, recipe: str):
        return offer_recipes(corpus_name, recipe)

    w["corpus_name"].change(on_recipes, [session, w["corpus_name"], w["recipe"]], w["recipe"], **private)
    filled = [about_preset, *(w[k] for k in chosen), status, live, sample]

    @localized
    def apply_preset(session_value: Session, name: str):
        """Fill the widgets from a preset: corpus, model, recipe, and what the book reported. The last run's status,
        curves and sample go, as they belong to another recipe (not while a run trains: its next update redraws them)."""
        if name not in PRESETS and name not in GROUPS:  # the dropdown was cleared
            return {}
        cleared = {} if ctx.jobs.of(session_value) else {status: "", live: gr.update(value=None), sample: ""}
        return {about_preset: preset_info(ctx, name)} | {w[k]: v for k, v in preset_values(ctx, name).items()} | cleared

    preset.input(apply_preset, [session, preset], filled, api_name="apply_preset")

    @localized
    def on_start(request: gr.Request, session_value: Session, *values):
        for update in (train_group if values[0] in GROUPS else train)(ctx, request, session_value, *values):
            yield *update, ""  # it trains: the queue's note goes

    @localized
    def on_start_cpu(request: gr.Request, session_value: Session, *values):
        for update in (train_group if values[0] in GROUPS else train)(ctx, request, session_value, *values, on_cpu=True):
            yield *update, ""

    # A Start while every slot is taken: its place in the line, the wait, and a room to follow meanwhile, refreshed every
    # few seconds until it trains. Its own listener, before training's: the page runs a click's listeners one after
    # another, and training's stream ends only with the run.
    @localized
    def on_queue(request: gr.Request, session_value: Session, preset_name: str | None):
        note = room_tab.queue_note(ctx, request.session_hash, session_value, time_limit(ctx, preset_name))
        return note, gr.Timer(active=bool(note))

    start.click(on_queue, [session, preset], [queue_note, queue_timer], api_visibility="private", concurrency_limit=None,
                concurrency_id="room", show_progress="hidden")  # fmt: skip

    for handler in (on_start, on_start_cpu):  # the API names each widget's value, and every one has a default
        api_parameters(handler, *(API_NAMES.get(name, name) for name in FORM_FIELDS), request=True)

    def on_stop(request: gr.Request, session_value: Session):
        if request is not None:  # a Start still waiting for its slot leaves the line
            ctx.jobs.unwait(request.session_hash)
        return *stop(ctx, request, session_value), ""

    inputs, outputs = [session, *(w[k] for k in FORM_FIELDS)], [live, status, sample, current, on_cpu, queue_note]
    queue = {"concurrency_limit": ctx.limits.max_trainings, "concurrency_id": "train", "trigger_mode": "once"}
    training = start.click(on_start, inputs, outputs, api_name="train", show_progress="hidden", **queue)
    training_on_cpu = on_cpu.click(
        on_start_cpu, inputs, outputs, api_name="train_on_cpu", show_progress="hidden", **queue
    )
    stop_button.click(on_stop, session, [status, current, queue_note], cancels=[training, training_on_cpu],
                      api_name="stop")  # fmt: skip

    @localized
    def on_queue_tick(request: gr.Request, session_value: Session):
        note = room_tab.queue_note(ctx, request.session_hash, session_value)
        return note, gr.Timer(active=bool(note))

    queue_timer.tick(on_queue_tick, session, [queue_note, queue_timer], api_visibility="private", concurrency_limit=None,
                     concurrency_id="room")  # fmt: skip

    def on_load(request: gr.Request, *values):  # the language the page is about to say: ?lang=, else the browser's
        asked = request.query_params.get("lang") or request.headers.get("accept-language", "").split(",")[0]
        with speaking(normalise(asked)):
            return corpus_info(*values)

    demo.load(on_load, corpus_inputs, info, **private)

    # The language switched (or the page said its language at load): what the server wrote, written again in it,
    # the plot's series included. The status line follows at its next update.
    def speak(session_value: Session, lang: str, plot, preset_name: str | None, corpus_name: str, *corpus_values):
        # The corpus dropdown redrawn here fires its .change, whose handler writes the corpus's line in the session's
        # language: set it now, not only in app.py's handler of this event, which may run after that one (a page
        # opened in another language showed that line in English).
        session_value.lang = lang
        with speaking(lang):
            about = preset_info(ctx, preset_name) if preset_name in PRESETS or preset_name in GROUPS else gr.skip()
            return (gr.update(choices=preset_choices(), value=preset_name), about,
                    gr.update(choices=corpus_choices(), value=corpus_name),
                    gr.update(info=recipes_info(corpus_name)), corpus_info(corpus_name, *corpus_values),
                    gr.update(**plot_titles(done=ctx.jobs.of(session_value) is None), **retitled(plot)))  # fmt: skip

    language.change(speak, [session, language, live, preset, *corpus_inputs],
                    [preset, about_preset, w["corpus_name"], w["recipe"], info, live], **private)  # fmt: skip

    # A page that found its visitor's session again (a reload: app.py's on_load): the last run's curves, and what came
    # back. Its status line while it trained went with the old page.
    @localized
    def on_restored(session_value: Session):
        trained = [r for r in session_value.runs if not r.pretrained]
        if not trained:
            return gr.skip(), gr.skip()
        last = trained[-1]
        return LivePlot.of(last.history).update(done=True), tr("train.restored", runs=len(trained), name=last.name)

    session.change(on_restored, session, [live, status], **private)
    return tab
