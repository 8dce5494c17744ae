"""The Compare tab: this session's runs on one plot and in one table, with how far back each one looks."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from ..figures import gradient_figure, perplexity_figure
from ..i18n import Msg, speaking
from ..i18n import text as tr
from ..memory import measure
from ..run import Run
from .common import AppContext, Session, localized, md, ui

# the table's columns, each "compare.col_<column>" in the catalogue
COLUMNS = ["run", "parameters", "tokens_per_second", "best_valid_perplexity", "memory_span", "seconds"]
COMPARE_CHARS = 200  # of each run's validation text: the same text for runs on the same corpus, about a second


def headers() -> list[str]:
    """The table's column headers, in the active language."""
    return [tr(f"compare.col_{column}") for column in COLUMNS]


def measure_run(run: Run):
    """A finished run's memory span and gradients through time, over the start of its validation text."""
    m = measure(run.model, run.model.vocab.decode(run.data.valid[:COMPARE_CHARS].tolist()), untrained=False)
    return m.span, m.gradients


def shown(session: Session):
    """The session's runs: the perplexity plot, the table (a DataFrame with its headers), the notes and the gradients,
    in the active language. Nothing is measured here: each run brought its span and gradients with it."""
    if not session.runs:
        return None, pd.DataFrame(columns=headers()), "", None
    fig = perplexity_figure({r.name: r.history for r in session.runs}, title=tr("compare.plot_title"))
    rows = [
        [r.name, f"{r.parameters:,}", f"{r.tokens_per_second:,.0f}",
         f"{r.best_valid_perplexity:.3f}" if r.best_valid_perplexity else "—",
         "—" if r.span is None else str(r.span), f"{r.seconds:.0f}"]
        for r in session.runs
    ]  # fmt: skip
    notes = "  \n".join(dict.fromkeys(md(r.note) for r in session.runs if r.note))  # a pair's speeds, once
    curves = {r.name: r.gradients for r in session.runs if r.gradients is not None}
    gradients = gradient_figure(curves, title=tr("compare.gradients_title")) if curves else None
    return fig, pd.DataFrame(rows, columns=headers()), notes, gradients


compare = localized(shown)  # the tab's handler: in the session's language


def caption() -> gr.I18nData:
    """The line under the gradients, translated in the browser: the figures' caption (figures.CAPTIONS["compare"],
    as a message, so that each language gets its own) and what the table measures."""
    return ui("compare.caption", caption=Msg("figures.caption.compare"), chars=COMPARE_CHARS)


def create(ctx: AppContext, demo: gr.Blocks, session: gr.State, current: gr.Markdown, language: gr.Radio) -> gr.Tab:
    with gr.Tab(ui("compare.tab")) as tab:
        gr.Markdown(ui("compare.intro"))
        plot = gr.Plot()
        table = gr.Dataframe(headers=headers(), interactive=False)
        notes = gr.Markdown()
        gradients = gr.Plot(label=ui("compare.gradients"), elem_id="compare-gradients")
        gr.Markdown(caption(), elem_classes="caption")

    def relabel(session_value: Session, lang: str):
        """The plots, table and notes again in the new language, from the runs as they are (nothing measured)."""
        with speaking(lang):
            return shown(session_value)

    outputs = [plot, table, notes, gradients]
    tab.select(compare, session, outputs, api_name="compare")
    language.change(relabel, [session, language], outputs, api_visibility="private")
    return tab
