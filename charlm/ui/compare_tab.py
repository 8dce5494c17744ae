"""The Compare tab: this session's runs on one plot and in one table."""

from __future__ import annotations

import gradio as gr

from ..figures import perplexity_figure
from .common import AppContext, Session, md

HEADERS = ["run", "parameters", "tokens/s", "best validation perplexity", "seconds"]


def compare(session: Session):
    if not session.runs:
        return None, [], ""
    fig = perplexity_figure({r.name: r.history for r in session.runs}, title="This session's runs")
    rows = [
        [r.name, f"{r.parameters:,}", f"{r.tokens_per_second:,.0f}",
         f"{r.best_valid_perplexity:.3f}" if r.best_valid_perplexity else "—", f"{r.seconds:.0f}"]
        for r in session.runs
    ]  # fmt: skip
    notes = "  \n".join(dict.fromkeys(md(r.note) for r in session.runs if r.note))  # a pair's speeds, once
    return fig, rows, notes


def create(ctx: AppContext, demo: gr.Blocks, session: gr.State, current: gr.Markdown) -> gr.Tab:
    with gr.Tab("Compare") as tab:
        gr.Markdown("This session's runs side by side: validation (solid) and training (dashed) perplexity.")
        plot = gr.Plot()
        table = gr.Dataframe(headers=HEADERS, interactive=False)
        notes = gr.Markdown()
    tab.select(compare, session, [plot, table, notes], api_name="compare")
    return tab
