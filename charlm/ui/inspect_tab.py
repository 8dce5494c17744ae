"""The Inspect tab: every gate of every layer for every character of a text, and the units that track something."""

from __future__ import annotations

import gradio as gr

from ..cells import CELLS
from ..errors import CharLMError
from ..figures import GATE_EXPLANATIONS, UNITS_HEADERS, colored_text, gate_heatmap, saturation_figure, units_table
from ..generate import prepare_prefix, stream
from ..inspection import GATE_NAMES, find_units, saturation, trace
from .common import AppContext, Session, current_model, error, md, single_threaded

DEFAULT_LENGTH = 300  # characters of the sample that is traced when the visitor gives no text
HEATMAP_CHARS = 120


def choices(ctx: AppContext, session: Session):
    """Layer, direction and gate choices for the current model."""
    model = session.model or ctx.default_model
    if model is None:
        return gr.update(choices=[1], value=1), gr.update(choices=["forward"], value="forward"), gr.update()
    c = model.config
    gates = [(f"{GATE_NAMES[g]} ({g})", g) for g in CELLS[c.cell].recorded]
    directions = ["forward", "reverse"] if c.bidirectional else ["forward"]
    return (
        gr.update(choices=list(range(1, c.num_layers + 1)), value=1),
        gr.update(choices=directions, value="forward"),
        gr.update(choices=gates, value="c" if "c" in CELLS[c.cell].recorded else "h"),
    )


def default_text(ctx: AppContext, session: Session, text: str) -> str:
    if (text or "").strip():
        return text
    model = current_model(ctx, session)
    prefix, _ = prepare_prefix(model, "")
    return prefix + "".join(ch[0] for ch in stream(model, prefix, DEFAULT_LENGTH, temperature=0.7, seed=0))


def run_trace(ctx: AppContext, session: Session, text: str, layer: int, direction: str, gate: str):
    model = current_model(ctx, session)
    try:
        session.trace = trace(model, text, max_chars=ctx.limits.max_inspect)
    except CharLMError as e:
        raise error(e) from None
    session.units = find_units(session.trace)
    notices = "  \n".join(f"⚠️ {md(n)}" for n in session.trace.notices)
    mean = session.trace.surprisal.mean() if len(session.trace.surprisal) else float("nan")
    summary = f"Traced {len(session.trace.text):,} characters · mean surprisal {mean:.3f} nats per character.  \n{notices}"
    best = session.units[0] if session.units else None
    text_html = colored_text(session.trace, best.layer, best.direction, best.state, best.unit) if best else ""
    heatmap, note = render_gate(session, layer, direction, gate)
    return summary, heatmap, note, units_table(session.units), text_html, saturation_figure(saturation(session.trace))


def render_gate(session: Session, layer: int, direction: str, gate: str):
    t = session.trace
    if t is None:
        return None, ""
    key = (int(layer) - 1, 1 if direction == "reverse" else 0)
    if key not in t.gates or gate not in t.gates[key]:
        return None, ""
    name, _, meaning = GATE_EXPLANATIONS[gate].partition(":")
    return gate_heatmap(t, *key, gate, max_chars=HEATMAP_CHARS), f"**{name}:**{meaning} Zoom the heatmap to read its labels."


def select_unit(session: Session, evt: gr.SelectData):
    if session.trace is None or evt.index is None or evt.index[0] >= len(session.units):
        return gr.update()
    u = session.units[evt.index[0]]
    return colored_text(session.trace, u.layer, u.direction, u.state, u.unit)


def create(ctx: AppContext, demo: gr.Blocks, session: gr.State, current: gr.Markdown) -> gr.Tab:
    with gr.Tab("Inspect") as tab:
        gr.Markdown("What every gate did at every character. Type or paste text (a sample from the model by default).")
        text = gr.Textbox(label="Text", lines=5)
        with gr.Row():
            # Choices follow the visitor's current model (set when the tab opens); any value is accepted,
            # and one the model lacks draws nothing.
            layer = gr.Dropdown([1], value=1, label="Layer", allow_custom_value=True)
            direction = gr.Dropdown(["forward"], value="forward", label="Direction", allow_custom_value=True)
            gate = gr.Dropdown([("cell state (c)", "c")], value="c", label="Gate or state", allow_custom_value=True)
            trace_button = gr.Button("Trace", variant="primary")
        summary = gr.Markdown()
        gate_note = gr.Markdown()
        heatmap = gr.Plot(label="Units × characters")
        gr.Markdown("**Units that track something.** Click a row to colour the text by that unit.")
        units = gr.Dataframe(headers=UNITS_HEADERS, interactive=False, wrap=True)
        tinted = gr.HTML()
        saturation_plot = gr.Plot(label="Gate saturation")

    private = {"api_visibility": "private"}
    tab.select(single_threaded(lambda s: choices(ctx, s)), session, [layer, direction, gate], **private).then(
        single_threaded(lambda s, t: default_text(ctx, s, t)), [session, text], text, **private
    )

    @single_threaded
    def on_trace(session_value: Session, text_value: str, layer_value, direction_value: str, gate_value: str):
        return run_trace(ctx, session_value, text_value, layer_value, direction_value, gate_value)

    outputs = [summary, heatmap, gate_note, units, tinted, saturation_plot]
    trace_button.click(on_trace, [session, text, layer, direction, gate], outputs, api_name="trace")
    gr.on([c.change for c in (layer, direction, gate)], render_gate, [session, layer, direction, gate],
          [heatmap, gate_note], **private)  # fmt: skip
    units.select(select_unit, session, tinted, **private)
    return tab
