"""The Compare tab: this session's runs on one plot and in one table, with how far back each one looks; the shipped
checkpoints' recorded runs can join them (the book's three cells without training)."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from ..errors import CharLMError
from ..figures import gradient_figure, perplexity_figure
from ..i18n import Msg, speaking
from ..i18n import text as tr
from ..memory import measure
from ..model import CharLM
from ..provenance import Provenance
from ..run import Run, validation_text
from .common import AppContext, RunSummary, Session, api_parameters, error, localized, md, one_thread, ui

# the table's columns, each "compare.col_<column>" in the catalogue
COLUMNS = ["run", "parameters", "tokens_per_second", "train_perplexity", "best_valid_perplexity", "memory_span",
           "seconds"]  # fmt: skip
COMPARE_CHARS = 200  # of each run's validation text: the same text for runs on the same corpus, about a second
BOOKS_THREE = ("timemachine-rnn", "timemachine-gru", "timemachine-lstm")  # the chapter's cells, on the whole novel


def headers() -> list[str]:
    """The table's column headers, in the active language."""
    return [tr(f"compare.col_{column}") for column in COLUMNS]


def measure_run(run: Run):
    """A finished run's memory span and gradients through time, over the start of its validation text."""
    m = measure(run.model, run.model.vocab.decode(run.data.valid[:COMPARE_CHARS].tolist()), untrained=False)
    return m.span, m.gradients


def pretrained_run(ctx: AppContext, name: str) -> RunSummary:
    """A shipped checkpoint's run as Compare shows it: the history its training recorded, and its memory span and
    gradients over the start of its own validation text (its corpus, recipe and split, as recorded). The same for
    every visitor, so measured once per app (``ctx.pretrained_runs``)."""
    if name in ctx.pretrained_runs:
        return ctx.pretrained_runs[name]
    if name not in ctx.checkpoint_names():
        raise CharLMError("compare.no_checkpoint", name=name, names=", ".join(ctx.checkpoint_names()))
    with one_thread():
        model = CharLM.from_pretrained(ctx.checkpoints / name)
        saved = Provenance.of(model)
        training = saved.training
        if not training.history:
            raise CharLMError("compare.no_history", name=name)
        history, span, gradients = training.history, None, None
        try:
            m = measure(model, validation_text(model, COMPARE_CHARS), untrained=False)
            span, gradients = m.span, m.gradients
        except CharLMError:  # its corpus cannot be had here (offline, not cached): the curves still say the most
            pass
    best = training.best_valid_perplexity or min(h["valid_perplexity"] for h in history)
    kept = training.config.get("keep", "best")
    summary = RunSummary(name, list(history), model.num_parameters, history[-1]["tokens_per_second"], best,
                         history[-1]["elapsed"], span=span, gradients=gradients, kept=kept, pretrained=True)  # fmt: skip
    ctx.pretrained_runs[name] = summary
    return summary


def add_pretrained(ctx: AppContext, session: Session, names: list[str] | None):
    """The chosen checkpoints' runs added to the session's Compare (each once), then everything Compare shows."""
    names = [names] if isinstance(names, str) else list(names or [])
    if not names:
        raise error(tr("compare.choose_checkpoint"))
    there = {r.name for r in session.runs}
    try:
        session.runs.extend(pretrained_run(ctx, name) for name in names if name not in there)
    except CharLMError as e:
        raise error(e) from None
    return shown(session)


def shown(session: Session):
    """The session's runs: the perplexity plot, the table (a DataFrame with its headers), the notes and the gradients,
    in the active language. Nothing is measured here: each run brought its span and gradients with it."""
    if not session.runs:
        return None, pd.DataFrame(columns=headers()), "", None
    fig = perplexity_figure({r.name: r.history for r in session.runs}, title=tr("compare.plot_title"))
    rows = [
        [r.name, f"{r.parameters:,}", f"{r.tokens_per_second:,.0f}", f"{r.train_perplexity:.3f}",
         f"{r.best_valid_perplexity:.3f}" if r.best_valid_perplexity else "—",
         "—" if r.span is None else str(r.span), f"{r.seconds:.0f}"]
        for r in session.runs
    ]  # fmt: skip
    notes = list(dict.fromkeys(md(r.note) for r in session.runs if r.note))  # a group's note, once
    if any(r.kept == "last" for r in session.runs):  # the book presets: they memorise, and are kept as they end
        notes.append(tr("compare.kept_last"))
    if any(r.pretrained for r in session.runs):
        notes.append(tr("compare.pretrained_note"))
    curves = {r.name: r.gradients for r in session.runs if r.gradients is not None}
    gradients = gradient_figure(curves, title=tr("compare.gradients_title")) if curves else None
    return fig, pd.DataFrame(rows, columns=headers()), "  \n".join(notes), gradients


compare = localized(shown)  # the tab's handler: in the session's language


def caption() -> gr.I18nData:
    """The line under the gradients, translated in the browser: the figures' caption (figures.CAPTIONS["compare"],
    as a message, so that each language gets its own) and what the table measures."""
    return ui("compare.caption", caption=Msg("figures.caption.compare"), chars=COMPARE_CHARS)


def create(ctx: AppContext, demo: gr.Blocks, session: gr.State, current: gr.Markdown, language: gr.Radio) -> gr.Tab:
    names = ctx.checkpoint_names()
    with gr.Tab(ui("compare.tab")) as tab:
        gr.Markdown(ui("compare.intro"))
        with gr.Row(equal_height=True):
            chosen = gr.Dropdown(names, value=[n for n in BOOKS_THREE if n in names], multiselect=True,
                                 label=ui("compare.pretrained"), scale=3, elem_id="compare-checkpoints")  # fmt: skip
            add = gr.Button(ui("compare.add_pretrained"), scale=1, min_width=160, elem_id="compare-add")
        plot = gr.Plot(label=ui("compare.plot_title"), elem_id="compare-plot")
        table = gr.Dataframe(headers=headers(), interactive=False, elem_id="compare-table")
        notes = gr.Markdown(elem_id="compare-notes")
        gradients = gr.Plot(label=ui("compare.gradients"), elem_id="compare-gradients")
        gr.Markdown(caption(), elem_classes="caption")

    def relabel(session_value: Session, lang: str):
        """The plots, table and notes again in the new language, from the runs as they are (nothing measured)."""
        with speaking(lang):
            return shown(session_value)

    @localized
    def on_add(session_value: Session, names_value):
        return add_pretrained(ctx, session_value, names_value)

    outputs = [plot, table, notes, gradients]
    tab.select(compare, session, outputs, api_name="compare")
    session.change(compare, session, outputs, api_visibility="private")  # a reloaded page found its session again
    add.click(api_parameters(on_add, "checkpoints"), [session, chosen], outputs, api_name="compare_pretrained")
    language.change(relabel, [session, language], outputs, api_visibility="private")
    return tab
