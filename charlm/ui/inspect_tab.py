"""The Inspect tab: every gate of every layer for every character of a text, the units that track something, how far
back the predictions look (connectivity, memory span, gradients through time), the hidden state's path, and a unit
switched off."""

from __future__ import annotations

import gradio as gr

from ..cells import CELLS
from ..errors import CharLMError
from ..figures import (
    CAPTIONS,
    GATE_EXPLANATIONS,
    UNITS_HEADERS,
    ablation_html,
    colored_text,
    connectivity_html,
    gate_heatmap,
    gradient_figure,
    path_figure,
    saturation_figure,
    span_figure,
    units_table,
)
from ..generate import own_sample
from ..inspection import GATE_NAMES, PROPERTIES, Trace, ablate, find_units, saturation, state_path, trace
from ..memory import PICTURE_CHARS, Memory, measure
from .common import AppContext, Session, StartTrace, current_model, error, md, number, single_threaded

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
    return StartTrace(text, t, find_units(t))  # its memory is measured when Inspect first opens: start-up stays quick


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
    session.units, session.memory = find_units(session.trace), None  # memory: measured next (``memory_pictures``)
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
    """A row of the units table: the text tinted by that unit, and the unit put in the switch-off fields."""
    t, units = shown(ctx, session)
    if t is None or evt.index is None or evt.index[0] >= len(units):
        return (gr.skip(),) * 5
    u = units[evt.index[0]]
    direction = "reverse" if u.direction else "forward"
    return colored_text(t, u.layer, u.direction, u.state, u.unit), u.layer + 1, direction, u.state, u.unit


# -- how far back it looks ------------------------------------------------------------------------


def shown_memory(ctx: AppContext, session: Session) -> Memory | None:
    """Connectivity and gradients through time for the trace shown, measured once per trace."""
    t, _ = shown(ctx, session)
    if t is None:
        return None
    start = ctx.start_trace is not None and t is ctx.start_trace.trace
    known = ctx.start_trace.memory if start else session.memory
    if known is not None or len(t.text) < 2:
        return known
    try:
        measured = measure(current_model(ctx, session), t.text[:PICTURE_CHARS])
    except CharLMError as e:
        raise error(e) from None
    if start:
        ctx.start_trace.memory = measured  # once, for every visitor
    else:
        session.memory = measured
    return measured


def memory_pictures(m: Memory | None, target=None) -> tuple:
    """The target slider, the text tinted by connectivity, the span profile, the gradients through time, a note."""
    if m is None:
        return gr.update(), "", None, None, ""
    c = m.connectivity
    last = len(c.text) - 1
    target = last if target is None else min(max(1, int(target)), last)
    note = f"Measured over the first {len(c.text)} characters of the text." if len(c.text) == PICTURE_CHARS else ""
    curves = {"this model": m.gradients, "the same architecture, untrained": m.untrained}
    return (
        gr.update(maximum=last, value=target),
        connectivity_html(c, target),
        span_figure({"this model": m.profile}, title=f"Memory span: {m.span} characters"),
        gradient_figure(curves, clip=m.gradients.clip),
        note,
    )


def render_connectivity(ctx: AppContext, session: Session, target) -> str:
    m = shown_memory(ctx, session)
    if m is None:
        return ""
    return connectivity_html(m.connectivity, min(max(1, int(target or 1)), len(m.connectivity.text) - 1))


def path_picture(t: Trace | None, layer, direction: str, gate: str, colour_by: str):
    """The hidden (or, when the cell state is picked above, the cell) state's path for the layer picked above."""
    key = (int(layer) - 1, 1 if direction == "reverse" else 0) if str(layer).isdigit() else None
    if t is None or key not in t.gates or len(t.text) < 3:
        return None
    return path_figure(state_path(t, *key, "c" if gate == "c" else "h"), colour_by)


def switch_off(ctx: AppContext, session: Session, layer, direction: str, state: str, unit) -> str:
    t, _ = shown(ctx, session)
    if t is None:
        raise gr.Error("Trace a text first: the unit is switched off while the model reads it.")
    try:
        result = ablate(current_model(ctx, session), t.text[:PICTURE_CHARS], number("Layer", layer, whole=True) - 1,
                        1 if direction == "reverse" else 0, state, number("Unit", unit, whole=True))  # fmt: skip
    except CharLMError as e:
        raise error(e) from None
    return ablation_html(result)


def create(ctx: AppContext, demo: gr.Blocks, session: gr.State, current: gr.Markdown, language: gr.Radio) -> gr.Tab:
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

        # Filled in when the tab opens (``on_memory``): measured then, not at start-up.
        gr.Markdown("### How far back it looks")
        memory_note = gr.Markdown()
        target = gr.Slider(1, 2, step=1, value=1, elem_id="connectivity-target",
                           label="Predicted character (its position): the characters before it are tinted by how much "
                           "they moved the prediction")  # fmt: skip
        connectivity_text = gr.HTML(elem_id="connectivity")
        gr.Markdown(CAPTIONS["connectivity"], elem_classes="caption")
        span_plot = gr.Plot(label="Memory span", elem_id="span-plot")
        gr.Markdown(CAPTIONS["span"], elem_classes="caption")
        gradient_plot = gr.Plot(label="Gradients through time", elem_id="gradient-plot")
        gr.Markdown(CAPTIONS["gradients"], elem_classes="caption")

        gr.Markdown("### The path of the hidden state")
        colour_by = gr.Dropdown(list(PROPERTIES), value="position in the word", label="Colour the points by")
        path_plot = gr.Plot(path_picture(start.trace if start else None, 1, "forward", gate0, "position in the word"),
                            label="Path of the state (layer and state as picked above)", elem_id="path-plot")  # fmt: skip
        gr.Markdown(CAPTIONS["path"], elem_classes="caption")

        gr.Markdown("### Switch a unit off\nHold one unit at 0 and see what changes. Click a row of the units table "
                    "above to pick its unit.")  # fmt: skip
        with gr.Row():
            off_layer = gr.Number(1, label="Layer", precision=0, minimum=1, min_width=80)
            off_direction = gr.Dropdown(["forward", "reverse"], value="forward", label="Direction", min_width=100)
            off_state = gr.Radio([("hidden state h", "h"), ("cell state c", "c")], value="h", label="State",
                                 min_width=160)  # fmt: skip
            off_unit = gr.Number(0, label="Unit", precision=0, minimum=0, min_width=80)
            off_button = gr.Button("Switch it off", variant="secondary", min_width=120)
        ablation = gr.HTML(elem_id="ablation")

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

    @single_threaded
    def on_memory(session_value: Session, layer_value, direction_value: str, gate_value: str, colour: str):
        t, _ = shown(ctx, session_value)
        return *memory_pictures(shown_memory(ctx, session_value)), path_picture(t, layer_value, direction_value,
                                                                                 gate_value, colour)  # fmt: skip

    def on_path(session_value: Session, layer_value, direction_value: str, gate_value: str, colour: str):
        return path_picture(shown(ctx, session_value)[0], layer_value, direction_value, gate_value, colour)

    inputs = [session, text, layer, direction, gate]
    memory_outputs = [target, connectivity_text, span_plot, gradient_plot, memory_note, path_plot]
    then_memory = {"fn": on_memory, "inputs": [session, layer, direction, gate, colour_by], "outputs": memory_outputs}
    tab.select(on_select, inputs, [layer, direction, gate, text, *outputs], **private).then(**then_memory, **private)
    trace_button.click(on_trace, inputs, outputs, api_name="trace").success(**then_memory, api_name="memory")
    gr.on([c.change for c in (layer, direction, gate)], lambda *a: render_gate(ctx, *a), [session, layer, direction, gate],
          [heatmap, gate_note], **private)  # fmt: skip
    gr.on([c.change for c in (layer, direction, gate, colour_by)], on_path, [session, layer, direction, gate, colour_by],
          path_plot, **private)  # fmt: skip
    target.release(lambda s, k: render_connectivity(ctx, s, k), [session, target], connectivity_text, **private)

    def on_unit(session_value: Session, evt: gr.SelectData):
        return select_unit(ctx, session_value, evt)

    units.select(on_unit, session, [tinted, off_layer, off_direction, off_state, off_unit], **private)
    off_button.click(single_threaded(lambda *a: switch_off(ctx, *a)), [session, off_layer, off_direction, off_state, off_unit],
                     ablation, api_name="switch_off")  # fmt: skip
    return tab
