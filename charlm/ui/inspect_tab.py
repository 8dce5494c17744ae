"""The Inspect tab: every gate of every layer for every character of a text, and the units that track something."""

from __future__ import annotations

import gradio as gr

from ..cells import CELLS
from ..errors import CharLMError
from ..figures import GATE_EXPLANATIONS, UNITS_HEADERS, colored_text, gate_heatmap, saturation_figure, units_table
from ..generate import own_sample
from ..inspection import GATE_NAMES, Trace, find_units, saturation, trace
from .common import AppContext, Session, StartTrace, current_model, error, md, single_threaded

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
    return own_sample(current_model(ctx, session))


def start_trace(ctx: AppContext) -> StartTrace | None:
    """The start-up model's trace of its own sample: Inspect's first picture, made once for every visitor."""
    if ctx.default_model is None:
        return None
    text = own_sample(ctx.default_model)
    t = trace(ctx.default_model, text, max_chars=ctx.limits.max_inspect)
    return StartTrace(text, t, find_units(t))


def shown(ctx: AppContext, session: Session) -> tuple[Trace | None, list]:
    """The trace this visitor's Inspect tab shows, and its units: their own, or the start-up picture."""
    if session.trace is None and session.model is None and ctx.start_trace is not None:
        return ctx.start_trace.trace, ctx.start_trace.units
    return session.trace, session.units


def run_trace(ctx: AppContext, session: Session, text: str, layer: int, direction: str, gate: str):
    model = current_model(ctx, session)
    try:
        session.trace = trace(model, text, max_chars=ctx.limits.max_inspect)
    except CharLMError as e:
        raise error(e) from None
    session.units = find_units(session.trace)
    return picture(session.trace, session.units, layer, direction, gate)


def picture(t: Trace, units: list, layer: int, direction: str, gate: str) -> tuple:
    """Every output of the tab for a trace: summary, heatmap, its note, the units, the tinted text, saturation."""
    notices = "  \n".join(f"⚠️ {md(n)}" for n in t.notices)
    mean = t.surprisal.mean() if len(t.surprisal) else float("nan")
    summary = f"Traced {len(t.text):,} characters · mean surprisal {mean:.3f} nats per character.  \n{notices}"
    best = units[0] if units else None
    text_html = colored_text(t, best.layer, best.direction, best.state, best.unit) if best else ""
    heatmap, note = gate_picture(t, layer, direction, gate)
    return summary, heatmap, note, units_table(units), text_html, saturation_figure(saturation(t))


def follow_the_model(ctx: AppContext, session: Session, text: str, layer, direction: str, gate: str):
    """When the tab opens on a model it has not traced yet (trained or loaded since), trace it: the visitor's own
    text, or else a new sample from the new model. None: the picture shown is already this model's."""
    if session.trace is not None or session.model is None:
        return None
    own = (text or "").strip() and text not in (session.inspect_default, getattr(ctx.start_trace, "text", None))
    text = text if own else own_sample(session.model)
    session.inspect_default = "" if own else text
    return text, *run_trace(ctx, session, text, layer, direction, gate)


def render_gate(ctx: AppContext, session: Session, layer: int, direction: str, gate: str):
    return gate_picture(shown(ctx, session)[0], layer, direction, gate)


def gate_picture(t: Trace | None, layer: int, direction: str, gate: str):
    if t is None:
        return None, ""
    key = (int(layer) - 1, 1 if direction == "reverse" else 0)
    if key not in t.gates or gate not in t.gates[key]:
        return None, ""
    name, _, meaning = GATE_EXPLANATIONS[gate].partition(":")
    return gate_heatmap(t, *key, gate, max_chars=HEATMAP_CHARS), f"**{name}:**{meaning} Zoom the heatmap to read its labels."


def select_unit(ctx: AppContext, session: Session, evt: gr.SelectData):
    t, units = shown(ctx, session)
    if t is None or evt.index is None or evt.index[0] >= len(units):
        return gr.update()
    u = units[evt.index[0]]
    return colored_text(t, u.layer, u.direction, u.state, u.unit)


def create(ctx: AppContext, demo: gr.Blocks, session: gr.State, current: gr.Markdown) -> gr.Tab:
    if ctx.start_trace is None:
        ctx.start_trace = start_trace(ctx)
    start, first = ctx.start_trace, choices(ctx, Session())
    gate0 = first[2].get("value", "c")
    shown0 = picture(start.trace, start.units, 1, "forward", gate0) if start else ("", None, "", [], "", None)
    with gr.Tab("Inspect") as tab:
        gr.Markdown("What every gate did at every character of a text: the model's own writing, or yours (below).")
        with gr.Row():
            # Choices follow the visitor's current model (set when the tab opens); any value is accepted,
            # and one the model lacks draws nothing.
            layer = gr.Dropdown(first[0]["choices"], value=1, label="Layer", allow_custom_value=True, min_width=80)
            direction = gr.Dropdown(first[1]["choices"], value="forward", label="Direction", allow_custom_value=True,
                                    min_width=100)  # fmt: skip
            gate = gr.Dropdown(first[2].get("choices", [("cell state (c)", "c")]), value=gate0, label="Gate or state",
                               allow_custom_value=True, min_width=140)  # fmt: skip
        heatmap = gr.Plot(shown0[1], label="Units × characters", elem_id="gate-heatmap")
        gate_note = gr.Markdown(shown0[2])
        with gr.Row(equal_height=True):
            text = gr.Textbox(start.text if start else "", label="Text", lines=3, scale=4, min_width=240)
            trace_button = gr.Button("Trace", variant="primary", scale=1, min_width=90)
        summary = gr.Markdown(shown0[0])
        gr.Markdown("**Units that track something.** Click a row to colour the text by that unit.")
        units = gr.Dataframe(shown0[3], headers=UNITS_HEADERS, interactive=False, wrap=False, elem_id="units-table")
        tinted = gr.HTML(shown0[4])
        saturation_plot = gr.Plot(shown0[5], label="Gate saturation")

    private = {"api_visibility": "private"}
    outputs = [summary, heatmap, gate_note, units, tinted, saturation_plot]

    @single_threaded
    def on_select(session_value: Session, text_value: str, layer_value, direction_value: str, gate_value: str):
        layers, directions, gates = choices(ctx, session_value)
        traced = follow_the_model(ctx, session_value, text_value, 1, "forward", gates.get("value", gate_value))
        if traced is None:
            return layers, directions, gates, *(gr.skip() for _ in range(1 + len(outputs)))
        return layers, directions, gates, *traced

    @single_threaded
    def on_trace(session_value: Session, text_value: str, layer_value, direction_value: str, gate_value: str):
        return run_trace(ctx, session_value, text_value, layer_value, direction_value, gate_value)

    inputs = [session, text, layer, direction, gate]
    tab.select(on_select, inputs, [layer, direction, gate, text, *outputs], **private)
    trace_button.click(on_trace, inputs, outputs, api_name="trace")
    gr.on([c.change for c in (layer, direction, gate)], lambda *a: render_gate(ctx, *a), [session, layer, direction, gate],
          [heatmap, gate_note], **private)  # fmt: skip

    def on_unit(session_value: Session, evt: gr.SelectData):
        return select_unit(ctx, session_value, evt)

    units.select(on_unit, session, tinted, **private)
    return tab
