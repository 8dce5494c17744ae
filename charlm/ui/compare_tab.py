"""The Compare tab: this session's runs on one plot and in one table, with how far back each one looks."""

from __future__ import annotations

import gradio as gr

from ..figures import CAPTIONS, gradient_figure, perplexity_figure
from ..memory import measure
from ..run import Run
from .common import AppContext, Session, md

HEADERS = ["run", "parameters", "tokens/s", "best validation perplexity", "memory span (characters)", "seconds"]
COMPARE_CHARS = 200  # of each run's validation text: the same text for runs on the same corpus, about a second


def measure_run(run: Run):
    """A finished run's memory span and gradients through time, over the start of its validation text."""
    m = measure(run.model, run.model.vocab.decode(run.data.valid[:COMPARE_CHARS].tolist()), untrained=False)
    return m.span, m.gradients


def compare(session: Session):
    if not session.runs:
        return None, [], "", None
    fig = perplexity_figure({r.name: r.history for r in session.runs}, title="This session's runs")
    rows = [
        [r.name, f"{r.parameters:,}", f"{r.tokens_per_second:,.0f}",
         f"{r.best_valid_perplexity:.3f}" if r.best_valid_perplexity else "—",
         "—" if r.span is None else str(r.span), f"{r.seconds:.0f}"]
        for r in session.runs
    ]  # fmt: skip
    notes = "  \n".join(dict.fromkeys(md(r.note) for r in session.runs if r.note))  # a pair's speeds, once
    curves = {r.name: r.gradients for r in session.runs if r.gradients is not None}
    gradients = gradient_figure(curves, title="Gradients through time, each run's first layer") if curves else None
    return fig, rows, notes, gradients


def create(ctx: AppContext, demo: gr.Blocks, session: gr.State, current: gr.Markdown, language: gr.Radio) -> gr.Tab:
    with gr.Tab("Compare") as tab:
        gr.Markdown("This session's runs side by side: validation (solid) and training (dashed) perplexity.")
        plot = gr.Plot()
        table = gr.Dataframe(headers=HEADERS, interactive=False)
        notes = gr.Markdown()
        gradients = gr.Plot(label="Gradients through time", elem_id="compare-gradients")
        gr.Markdown(f"{CAPTIONS['compare']} The memory span, in the table, is how far back the predictions look. Both are "
                    f"measured over the first {COMPARE_CHARS} characters of each run's validation text.",
                    elem_classes="caption")  # fmt: skip
    tab.select(compare, session, [plot, table, notes, gradients], api_name="compare")
    return tab
