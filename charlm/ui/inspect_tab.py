"""The Inspect tab: every gate of every layer for every character of a text, the units that track something, how far
back the predictions look (connectivity, memory span, gradients through time), the hidden state's path, and a unit
switched off.

Its texts are in the visitor's language: the widgets' through ``ui``, what the handlers write (the summary, the
figures, the tables, the notes, the dropdowns' choices) rendered on the server, and redrawn, without running the
model again, when the language changes (``redraw``). Its model work (a trace, the memory measure, a unit switched off,
the model's own sample) runs in the server's second worker where it has one (``serving.in_worker``): a room of phones
pressing Trace would otherwise hold up the server's event loop, which their pages wait on."""

from __future__ import annotations

import re

import gradio as gr

from .. import serving
from ..cells import CELLS
from ..errors import CharLMError
from ..figures import (
    GATE_EXPLANATIONS,
    ablation_html,
    colored_text,
    connectivity_html,
    direction_name,
    gate_heatmap,
    gradient_figure,
    path_figure,
    saturation_figure,
    span_figure,
    units_headers,
    units_table,
)
from ..generate import own_sample
from ..i18n import speaking
from ..i18n import text as tr
from ..inspection import (
    PROPERTIES,
    Ablation,
    Trace,
    ablate,
    property_name,
    saturation,
    state_path,
    traced,
)
from ..memory import PICTURE_CHARS, Memory, measure
from . import style
from .common import AppContext, Session, StartTrace, api_parameters, current_model, error, localized, md, number, ui

HEATMAP_CHARS = 120
DIRECTIONS = ("forward", "reverse")


# -- the dropdowns' choices, labelled in the active language (a Dropdown's labels are rendered on the server) ----


def gate_choices(cell: str) -> list[tuple[str, str]]:
    """The gates and states a cell records, as (label, value): ("forget gate (f)", "f"), ("遗忘门（forget gate，f）", "f")."""
    return [(tr(f"inspect.gate.{g}"), g) for g in CELLS[cell].recorded]


def direction_choices(bidirectional: bool = True) -> list[tuple[str, str]]:
    return [(direction_name(d), d) for d in (DIRECTIONS if bidirectional else DIRECTIONS[:1])]


def property_choices() -> list[tuple[str, str]]:
    return [(property_name(p), p) for p in PROPERTIES]


@localized
def choices(ctx: AppContext, session: Session):
    """Layer, direction and gate choices for the current model."""
    model = session.model or ctx.default_model
    if model is None:
        return (
            gr.update(choices=[1], value=1),
            gr.update(choices=direction_choices(False), value="forward"),
            gr.update(),
        )
    c = model.config
    return (
        gr.update(choices=list(range(1, c.num_layers + 1)), value=1),
        gr.update(choices=direction_choices(c.bidirectional), value="forward"),
        gr.update(choices=gate_choices(c.cell), value="c" if "c" in CELLS[c.cell].recorded else "h"),
    )


def relabelled(ctx: AppContext, session: Session, direction: str, gate: str):
    """The direction and gate choices again, in the active language, each keeping its value."""
    model = session.model or ctx.default_model
    if model is None:
        return gr.update(choices=direction_choices(False), value=direction), gr.update()
    c = model.config
    return (
        gr.update(choices=direction_choices(c.bidirectional), value=direction),
        gr.update(choices=gate_choices(c.cell), value=gate),
    )


def default_text(ctx: AppContext, session: Session, text: str) -> str:
    if (text or "").strip():
        return text
    return serving.in_worker(own_sample, current_model(ctx, session))


def start_trace(ctx: AppContext) -> StartTrace | None:
    """The start-up model's trace of its own sample: Inspect's first picture, made once for every visitor."""
    if ctx.default_model is None:
        return None
    text = own_sample(ctx.default_model)
    # its memory is measured when Inspect first opens: start-up stays quick
    return StartTrace(text, *traced(ctx.default_model, text, max_chars=ctx.limits.max_inspect))


def shown(ctx: AppContext, session: Session) -> tuple[Trace | None, list]:
    """The trace this visitor's Inspect tab shows, and its units: their own, or the start-up picture."""
    if session.trace is None and session.model is None and ctx.start_trace is not None:
        return ctx.start_trace.trace, ctx.start_trace.units
    return session.trace, session.units


RETRACES = 3  # a model that changed while it was traced is traced again, this many times at most


@localized
def run_trace(ctx: AppContext, session: Session, text: str, layer: int, direction: str, gate: str):
    """Trace ``text`` through the visitor's current model. A Load (or a run ending) while the trace ran changes the
    current model: then the new one is traced, so that the tab never shows one model's trace for another's."""
    for _ in range(RETRACES + 1):
        version, model = session.model_version, current_model(ctx, session)
        try:  # in the server's second worker, where it has one (its torch calls would hold up the event loop here)
            t, units = serving.in_worker(traced, model, text, ctx.limits.max_inspect)
        except CharLMError as e:
            raise error(e) from None
        if session.model_version == version:
            break
    session.trace, session.units, session.memory = t, units, None  # memory: measured next (``memory_pictures``)
    return picture(t, units, layer, direction, gate)


def picture(t: Trace, units: list, layer: int, direction: str, gate: str) -> tuple:
    """Every output of the tab for a trace: summary, heatmap, its note, the units (a table: headers and rows), the
    tinted text, saturation."""
    notices = "  \n".join(f"⚠️ {md(n)}" for n in t.notices)
    mean = t.surprisal.mean() if len(t.surprisal) else float("nan")
    summary = tr("inspect.summary", chars=len(t.text), surprisal=mean) + f"  \n{notices}"
    heatmap, note = gate_picture(t, layer, direction, gate)
    return summary, heatmap, note, units_frame(units), tinted_text(t, units), saturation_figure(saturation(t))


def units_frame(units: list) -> dict:
    """The units table, its headers included (they are in the visitor's language, so they travel with the rows)."""
    return {"headers": units_headers(), "data": units_table(units)}


def tinted_text(t: Trace, units: list, picked: tuple | None = None) -> str:
    """The text tinted by the unit picked in the units table, (layer, direction, state, unit), or else the best one."""
    if picked is not None:
        layer, direction, state, unit = picked
        values = t.gates.get((layer, direction), {}).get(state)
        if values is not None and unit < values.shape[1]:
            return colored_text(t, layer, direction, state, unit)
    best = units[0] if units else None
    return colored_text(t, best.layer, best.direction, best.state, best.unit) if best else ""


@localized
def follow_the_model(ctx: AppContext, session: Session, text: str, layer, direction: str, gate: str):
    """When the tab opens on a model it has not traced yet (trained or loaded since), trace it: the visitor's own
    text, or else a new sample from the new model. None: the picture shown is already this model's."""
    if session.trace is not None or session.model is None:
        return None
    own = (text or "").strip() and text not in (session.inspect_default, getattr(ctx.start_trace, "text", None))
    text = text if own else serving.in_worker(own_sample, session.model)
    session.inspect_default = "" if own else text
    return text, *run_trace(ctx, session, text, layer, direction, gate)


@localized
def render_gate(ctx: AppContext, session: Session, layer: int, direction: str, gate: str):
    return gate_picture(shown(ctx, session)[0], layer, direction, gate)


def gate_picture(t: Trace | None, layer: int, direction: str, gate: str):
    if t is None:
        return None, ""
    key = (int(layer) - 1, 1 if direction == "reverse" else 0)
    if key not in t.gates or gate not in t.gates[key]:
        return None, ""
    name, meaning = re.split("[:：]", GATE_EXPLANATIONS[gate], maxsplit=1)  # "Forget gate: how much …", "遗忘门：…"
    return gate_heatmap(t, *key, gate, max_chars=HEATMAP_CHARS), tr("inspect.gate_note", name=name, meaning=meaning)


@localized
def select_unit(ctx: AppContext, session: Session, evt: gr.SelectData):
    """A row of the units table: the text tinted by that unit, and the unit put in the switch-off fields."""
    t, units = shown(ctx, session)
    if t is None or evt.index is None or evt.index[0] >= len(units):
        return (gr.skip(),) * 5
    u = units[evt.index[0]]
    return colored_text(t, u.layer, u.direction, u.state, u.unit), u.layer + 1, DIRECTIONS[u.direction], u.state, u.unit


# -- how far back it looks ------------------------------------------------------------------------


def known_memory(ctx: AppContext, session: Session) -> Memory | None:
    """Connectivity and gradients through time for the trace shown, if they were measured."""
    t, _ = shown(ctx, session)
    if t is None:
        return None
    return ctx.start_trace.memory if ctx.start_trace is not None and t is ctx.start_trace.trace else session.memory


def shown_memory(ctx: AppContext, session: Session) -> Memory | None:
    """Connectivity and gradients through time for the trace shown, measured once per trace."""
    t, _ = shown(ctx, session)
    if t is None:
        return None
    start = ctx.start_trace is not None and t is ctx.start_trace.trace
    known = known_memory(ctx, session)
    if known is not None or len(t.text) < 2:
        return known
    try:
        measured = serving.in_worker(measure, current_model(ctx, session), t.text[:PICTURE_CHARS])  # as run_trace's
    except CharLMError as e:
        raise error(e) from None
    if start:
        ctx.start_trace.memory = measured  # once, for every visitor
    elif session.trace is t:  # else the model changed while it was measured: the new trace is measured when shown
        session.memory = measured
    return measured


def memory_pictures(m: Memory | None, target=None) -> tuple:
    """The target slider, the text tinted by connectivity, the span profile, the gradients through time, a note."""
    if m is None:
        return gr.update(), "", None, None, ""
    c = m.connectivity
    last = len(c.text) - 1
    target = last if target is None else min(max(1, int(target)), last)
    note = tr("inspect.measured_over", chars=len(c.text)) if len(c.text) == PICTURE_CHARS else ""
    this, untrained = tr("figures.this_model"), tr("inspect.untrained")
    return (
        gr.update(maximum=last, value=target),
        connectivity_html(c, target),
        span_figure({this: m.profile}, title=tr("figures.memory_span", span=m.span)),
        gradient_figure({this: m.gradients, untrained: m.untrained}, clip=m.gradients.clip, dotted=[untrained]),
        note,
    )


@localized
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


@localized
def switch_off(ctx: AppContext, session: Session, layer, direction: str, state: str, unit) -> str:
    return ablation_html(switched_off(ctx, session, layer, direction, state, unit))


def switched_off(ctx: AppContext, session: Session, layer, direction: str, state: str, unit) -> Ablation:
    t, _ = shown(ctx, session)
    if t is None:
        raise error(tr("inspect.trace_first"))
    layer, unit = number(tr("inspect.layer"), layer, whole=True), number(tr("inspect.unit"), unit, whole=True)
    try:
        return serving.in_worker(ablate, current_model(ctx, session), t.text[:PICTURE_CHARS], layer - 1,
                                 1 if direction == "reverse" else 0, state, unit)  # fmt: skip
    except CharLMError as e:
        raise error(e) from None


def redraw(ctx: AppContext, session: Session, layer, direction: str, gate: str, colour: str, target, off_direction: str,
           picked: tuple | None, ablated: Ablation | None) -> tuple:  # fmt: skip
    """Everything the tab wrote, again in the active language, from what it already has (the trace, its units and
    memory, the last unit switched off): no model runs. What there is nothing of is left as it is (``gr.skip()``).

    Returns the direction, gate, colour and switch-off direction dropdowns, the trace's six pictures (``picture``),
    the five of how far back it looks (``memory_pictures``), the path and the switched-off unit's page."""
    t, units = shown(ctx, session)
    skip = gr.skip()
    directions, gates = relabelled(ctx, session, direction, gate)
    dropdowns = (directions, gates, gr.update(choices=property_choices(), value=colour),
                 gr.update(choices=direction_choices(), value=off_direction))  # fmt: skip
    if t is None:
        pictures, path = (skip,) * 6, skip
    else:
        summary, heatmap, note, table, _, sat = picture(t, units, layer, direction, gate)
        pictures, path = (
            (summary, heatmap, note, table, tinted_text(t, units, picked), sat),
            path_picture(t, layer, direction, gate, colour),
        )
    m = known_memory(ctx, session)
    memory = memory_pictures(m, target) if m is not None else (skip,) * 5
    return *dropdowns, *pictures, *memory, path, ablation_html(ablated) if ablated is not None else skip


def create(ctx: AppContext, demo: gr.Blocks, session: gr.State, current: gr.Markdown, language: gr.Radio) -> gr.Tab:
    if ctx.start_trace is None:
        ctx.start_trace = start_trace(ctx)
    start, first = ctx.start_trace, choices(ctx, Session())
    gate0 = first[2].get("value", "c")
    shown0 = (
        picture(start.trace, start.units, 1, "forward", gate0) if start else ("", None, "", units_frame([]), "", None)
    )
    with gr.Tab(ui("inspect.tab")) as tab:
        gr.Markdown(ui("inspect.intro"))
        # What a visitor types into comes first: on a phone the pictures below are thousands of pixels long, and the
        # text box and its button were found some 1,400 px down. On a wide screen the heatmap still starts on the first
        # screen, under them.
        with gr.Row(equal_height=True):
            text = gr.Textbox(start.text if start else "", label=ui("inspect.text"), lines=3, max_lines=8, scale=4,
                              min_width=240, elem_id="inspect-text")  # fmt: skip
            trace_button = gr.Button(ui("inspect.trace"), variant="primary", scale=1, min_width=90)
        summary = gr.Markdown(shown0[0])
        with gr.Row():
            # Choices follow the visitor's current model (set when the tab opens); any value is accepted,
            # and one the model lacks draws nothing. On a phone the gate goes to a line of its own (the three
            # minimum widths are more than its width): each choice reads whole.
            layer = gr.Dropdown(first[0]["choices"], value=1, label=ui("inspect.layer"), allow_custom_value=True,
                                min_width=80)  # fmt: skip
            direction = gr.Dropdown(first[1]["choices"], value="forward", label=ui("inspect.direction"),
                                    allow_custom_value=True, min_width=120)  # fmt: skip
            gate = gr.Dropdown(first[2].get("choices", [(tr("inspect.gate.c"), "c")]), value=gate0,
                               label=ui("inspect.gate_or_state"), allow_custom_value=True, min_width=180)  # fmt: skip
        heatmap = gr.Plot(shown0[1], label=ui("inspect.heatmap"), elem_id="gate-heatmap")
        gate_note = gr.Markdown(shown0[2])
        gr.Markdown(ui("inspect.units"))
        units = gr.Dataframe(shown0[3], headers=units_headers(), interactive=False, wrap=False, elem_id="units-table")
        tinted = gr.HTML(shown0[4])
        saturation_plot = gr.Plot(shown0[5], label=ui("inspect.saturation"))

        # Filled in when the tab opens (``on_memory``): measured then, not at start-up.
        gr.Markdown(ui("inspect.how_far"))
        memory_note = gr.Markdown()
        target = gr.Slider(1, 2, step=1, value=1, elem_id="connectivity-target", label=ui("inspect.target"))
        connectivity_text = gr.HTML(elem_id="connectivity")
        gr.Markdown(ui("figures.caption.connectivity"), elem_classes="caption")
        span_plot = gr.Plot(label=ui("inspect.span"), elem_id="span-plot")
        gr.Markdown(ui("figures.caption.span"), elem_classes="caption")
        gradient_plot = gr.Plot(label=ui("inspect.gradients"), elem_id="gradient-plot")
        gr.Markdown(ui("figures.caption.gradients"), elem_classes="caption")

        gr.Markdown(ui("inspect.path_heading"))
        colour_by = gr.Dropdown(property_choices(), value="position in the word", label=ui("inspect.colour_by"))
        path_plot = gr.Plot(path_picture(start.trace if start else None, 1, "forward", gate0, "position in the word"),
                            label=ui("inspect.path"), elem_id="path-plot")  # fmt: skip
        gr.Markdown(ui("figures.caption.path"), elem_classes="caption")

        gr.Markdown(ui("inspect.off_heading"))
        with gr.Row():
            off_layer = gr.Number(1, label=ui("inspect.layer"), precision=0, minimum=1, min_width=80)
            off_direction = gr.Dropdown(direction_choices(), value="forward", label=ui("inspect.direction"),
                                        min_width=100)  # fmt: skip
            off_state = gr.Radio([(ui("inspect.state_h"), "h"), (ui("inspect.state_c"), "c")], value="h",
                                 label=ui("inspect.state"), min_width=160)  # fmt: skip
            off_unit = gr.Number(0, label=ui("inspect.unit"), precision=0, minimum=0, min_width=80)
            off_button = gr.Button(ui("inspect.switch_off"), variant="secondary", min_width=120)
        ablation = gr.HTML(elem_id="ablation")
        # What a change of language redraws from: the unit picked in the units table (None: the best one, as a new
        # trace shows it) and the last unit switched off.
        picked = gr.State(None)
        ablated = gr.State(None)

    # While its pictures are computed, the tab shows the time each has waited, not Gradio's spinner over each of its
    # dozen outputs: the spinners are drawn every frame, 0.4 of a core in headless Chromium (2-core Xeon) for as long
    # as the pictures take, on a phone that also has them to draw.
    minimal = {"show_progress": "minimal"}
    private = {"api_visibility": "private", **minimal}
    outputs = [summary, heatmap, gate_note, units, tinted, saturation_plot]
    # Plot titles fit a phone's width, this tab's and every other's (style.FIT_TITLES watches the page from its load).
    demo.load(None, js=style.FIT_TITLES)

    @localized
    def on_select(session_value: Session, text_value: str, layer_value, direction_value: str, gate_value: str):
        layers, directions, gates = choices(ctx, session_value)
        traced = follow_the_model(ctx, session_value, text_value, 1, "forward", gates.get("value", gate_value))
        if traced is None:
            return layers, directions, gates, *(gr.skip() for _ in range(2 + len(outputs)))
        return layers, directions, gates, *traced, None

    @localized
    def on_trace(session_value: Session, text_value: str, layer_value, direction_value: str, gate_value: str):
        return *run_trace(ctx, session_value, text_value, layer_value, direction_value, gate_value), None

    @localized
    def on_memory(session_value: Session, layer_value, direction_value: str, gate_value: str, colour: str):
        t, _ = shown(ctx, session_value)
        return *memory_pictures(shown_memory(ctx, session_value)), path_picture(t, layer_value, direction_value,
                                                                                 gate_value, colour)  # fmt: skip

    @localized
    def on_path(session_value: Session, layer_value, direction_value: str, gate_value: str, colour: str):
        return path_picture(shown(ctx, session_value)[0], layer_value, direction_value, gate_value, colour)

    api_parameters(on_trace, "text", "layer", "direction", "gate")
    api_parameters(on_memory, "layer", "direction", "gate", "colour_by")
    inputs = [session, text, layer, direction, gate]
    memory_outputs = [target, connectivity_text, span_plot, gradient_plot, memory_note, path_plot]
    then_memory = {"fn": on_memory, "inputs": [session, layer, direction, gate, colour_by], "outputs": memory_outputs}
    tab.select(on_select, inputs, [layer, direction, gate, text, *outputs, picked], **private).then(**then_memory,
                                                                                                    **private)  # fmt: skip
    trace_button.click(on_trace, inputs, [*outputs, picked], api_name="trace", **minimal).success(**then_memory,
                                                                                                  api_name="memory",
                                                                                                  **minimal)  # fmt: skip
    gr.on([c.change for c in (layer, direction, gate)], lambda *a: render_gate(ctx, *a), [session, layer, direction, gate],
          [heatmap, gate_note], **private)  # fmt: skip
    gr.on([c.change for c in (layer, direction, gate, colour_by)], on_path, [session, layer, direction, gate, colour_by],
          path_plot, **private)  # fmt: skip
    target.release(lambda s, k: render_connectivity(ctx, s, k), [session, target], connectivity_text, **private)

    def on_unit(session_value: Session, evt: gr.SelectData):
        t, units_value = shown(ctx, session_value)
        row = evt.index[0] if evt.index is not None else None
        chosen = units_value[row] if t is not None and row is not None and row < len(units_value) else None
        unit = (chosen.layer, chosen.direction, chosen.state, chosen.unit) if chosen else gr.skip()
        return *select_unit(ctx, session_value, evt), unit

    @localized
    def on_switch_off(session_value: Session, *values):
        result = switched_off(ctx, session_value, *values)
        return ablation_html(result), result

    @localized
    def on_language(session_value: Session, lang: str, *values):
        with speaking(lang):
            return redraw(ctx, session_value, *values)

    units.select(on_unit, session, [tinted, off_layer, off_direction, off_state, off_unit, picked], **private)
    api_parameters(on_switch_off, "layer", "direction", "state", "unit")
    off_button.click(on_switch_off, [session, off_layer, off_direction, off_state, off_unit], [ablation, ablated],
                     api_name="switch_off", **minimal)  # fmt: skip
    language.change(on_language, [session, language, layer, direction, gate, colour_by, target, off_direction, picked,
                                  ablated],
                    [direction, gate, colour_by, off_direction, *outputs, target, connectivity_text, span_plot,
                     gradient_plot, memory_note, path_plot, ablation], **private)  # fmt: skip
    return tab
