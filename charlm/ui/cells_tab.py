"""The Cells tab: each cell's step function and its derivatives exactly as written, and the parameters it gets; the
Chinese d2l book's terms, which the app's Chinese uses."""

from __future__ import annotations

import inspect
import textwrap

import gradio as gr

from ..bench import ENGINE_WAYS, engine_speeds
from ..bptt import backward_of
from ..cells import CELLS
from ..errors import CharLMError
from ..i18n import Msg, rendered, speaking
from ..i18n import text as tr
from ..i18n.glossary import TERMS
from ..layers import LAYERS
from ..limits import Limits
from .common import AppContext, Session, cell_choices, error, localized, number, ui

PARAMETER_COLUMNS = ["parameter", "shape", "count"]  # "cells_tab.col_<column>" in the catalogue
SPEED_COLUMNS = ["engine", "train_speed", "infer_speed", "times_naive", "how"]
GLOSSARY_HEADERS = ["English", "中文"]
# Seconds after which a measurement starts no new round: the largest layer the default caps allow takes about 7 s
# (a 3-layer bidirectional LSTM of 5 M parameters, one core of a 2-vCPU Xeon); a busier or slower server gets fewer
# rounds rather than minutes of one core.
MEASURE_BUDGET = 10.0


def headers(columns: list[str]) -> list[str]:
    """A table's column headers, in the active language."""
    return [tr(f"cells_tab.col_{column}") for column in columns]


def checked(limits: Limits, cell, input_size, hidden_size, num_layers, bidirectional) -> tuple:
    """The widgets' values as a layer's arguments (cell, inputs, hidden units, layers, bidirectional), or an error a
    visitor can read: the API takes anything, and these layers are built and timed on the server."""
    if not isinstance(cell, str) or cell not in LAYERS:
        raise error(Msg("model.unknown_cell", cells=", ".join(LAYERS), value=cell))
    sizes = []
    for key, value in (("cells_tab.input_size", input_size), ("cells_tab.hidden", hidden_size),
                       ("cells_tab.layers", num_layers)):  # fmt: skip
        n = number(tr(key), value, whole=True)
        if n < 1:
            raise error(Msg("errors.whole", name=tr(key), minimum=1, value=value))
        sizes.append(n)
    try:
        limits.check_layer(*sizes)  # before the count: a layer far too large is not even built on the meta device
        layer = LAYERS[cell](*sizes, bidirectional=bool(bidirectional), device="meta")
        limits.check_layer(*sizes, parameters=sum(p.numel() for p in layer.parameters()))
    except CharLMError as e:
        raise error(e) from None
    return (cell, *sizes, bool(bidirectional))


def described(cell: str, input_size: int, hidden_size: int, num_layers: int, bidirectional: bool):
    """The cell's step function as written in charlm/cells.py, its derivatives from charlm/bptt.py, and the
    parameters the stack gets (a table: rows and headers); the prose in the active language, the code as it is."""
    layer = LAYERS[cell](int(input_size), int(hidden_size), int(num_layers), bidirectional=bidirectional, device="meta")
    cell_class = type(layer.cell)
    rows = [[name, " × ".join(map(str, p.shape)), p.numel()] for name, p in layer.named_parameters()]
    engines = tr("cells_tab.engines_both") if layer.has_fused else tr("cells_tab.engines_scratch")
    summary = tr("cells_tab.summary", title=tr(f"app.cell_{cell}"), doc=tr(f"cells_tab.doc_{cell}"),
                 total=sum(r[2] for r in rows), tensors=len(rows), gates=", ".join(cell_class.recorded),
                 engines=engines)  # fmt: skip
    backward = backward_of(layer.cell)
    backward = getattr(backward, "func", backward)  # the vanilla RNN's is a partial (tanh or relu)
    step, derivatives = textwrap.dedent(inspect.getsource(cell_class.step)), inspect.getsource(backward)
    return summary, step, derivatives, {"data": rows, "headers": headers(PARAMETER_COLUMNS)}


@localized
def describe_cell(cell: str, input_size: int, hidden_size: int, num_layers: int, bidirectional: bool,
                  session: Session | None = None, limits: Limits | None = None):  # fmt: skip
    """``described`` in the session's language (English without one), within ``limits`` (default: the default caps)."""
    return described(*checked(limits or Limits(), cell, input_size, hidden_size, num_layers, bidirectional))


def naive_code(cell: str) -> str:
    """The cell's step written the slow way, as charlm/cells.py has it: one product per gate and input."""
    return textwrap.dedent(inspect.getsource(CELLS[cell].naive_step))


def speed_table(rows: list[list]) -> dict:
    """The engines' speeds with the headers, in the active language (each engine's way rendered again)."""
    rows = [[*row[:4], rendered(ENGINE_WAYS[row[0]])] for row in rows if len(row) == 5 and row[0] in ENGINE_WAYS]
    return {"data": rows, "headers": headers(SPEED_COLUMNS)}


@localized
def measure(cell: str, input_size: int, hidden_size: int, num_layers: int, bidirectional: bool,
            session: Session | None = None, limits: Limits | None = None) -> dict:  # fmt: skip
    """The three engines on the same weights, timed here (one core, batch 32 × 35 steps, within MEASURE_BUDGET): the
    rows and headers. Only a layer within ``limits`` (default: the default caps)."""
    layer = checked(limits or Limits(), cell, input_size, hidden_size, num_layers, bidirectional)
    rows = engine_speeds(*layer, budget=MEASURE_BUDGET)
    naive = rows[0]["train_tokens_per_s"]
    return speed_table([[r["engine"], f"{r['train_tokens_per_s']:,.0f}", f"{r['infer_tokens_per_s']:,.0f}",
                         f"{r['train_tokens_per_s'] / naive:.2f}×", r["how"]] for r in rows])  # the figures first  # fmt: skip


def glossary_table() -> list[list[str]]:
    """The glossary, English | Chinese, as charlm.i18n.glossary has it."""
    return [[english, chinese] for english, chinese in TERMS.items()]


def create(ctx: AppContext, demo: gr.Blocks, session: gr.State, current: gr.Markdown, language: gr.Radio) -> gr.Tab:
    limits = ctx.limits
    first = ("lstm", min(28, limits.max_input_size), min(256, limits.max_hidden), 1, False)  # within the caps
    summary0, step0, backward0, table0 = described(*first)  # as first shown, in English
    with gr.Tab(ui("cells_tab.tab")) as tab:
        with gr.Row():
            with gr.Column(scale=1, min_width=240):
                cell = gr.Radio(cell_choices(), value="lstm", label=ui("cells_tab.cell"))
                input_size = gr.Slider(1, limits.max_input_size, value=first[1], step=1,
                                       label=ui("cells_tab.input_size"))  # fmt: skip
                hidden = gr.Slider(1, limits.max_hidden, value=first[2], step=1, label=ui("cells_tab.hidden"))
                layers = gr.Slider(1, limits.max_layers, value=1, step=1, label=ui("cells_tab.layers"))
                bidirectional = gr.Checkbox(False, label=ui("cells_tab.bidirectional"))
            with gr.Column(scale=2):
                summary = gr.Markdown(summary0)
                code = gr.Code(step0, language="python", label=ui("cells_tab.step_code"), interactive=False)
                with gr.Accordion(ui("cells_tab.derivatives"), open=False):
                    backward = gr.Code(backward0, language="python", interactive=False, show_label=False)
                with gr.Accordion(ui("cells_tab.three_ways"), open=False):
                    naive = gr.Code(naive_code("lstm"), language="python", label=ui("cells_tab.naive_code"),
                                    interactive=False)  # fmt: skip
                    measure_button = gr.Button(ui("cells_tab.measure"))
                    speeds = gr.Dataframe(headers=headers(SPEED_COLUMNS), interactive=False, wrap=False)
                table = gr.Dataframe(table0["data"], headers=table0["headers"], label=ui("cells_tab.parameters"),
                                     interactive=False, elem_id="cell-parameters")  # fmt: skip
        with gr.Accordion(ui("cells_tab.glossary"), open=False):
            gr.Markdown(ui("cells_tab.glossary_intro"))
            gr.Dataframe(glossary_table(), headers=GLOSSARY_HEADERS, interactive=False, elem_id="glossary")

    def relabel(session_value: Session, lang: str, *values):
        """The prose and the tables' headers again in the new language (the speeds as measured); a layer over the
        caps, which describe_cell refused, is left as shown."""
        *described_by, shown_speeds = values
        rows = shown_speeds.values.tolist() if hasattr(shown_speeds, "values") else list(shown_speeds or [])
        with speaking(lang):
            try:
                layer = described(*checked(limits, *described_by))
            except gr.Error:
                layer = (gr.skip(),) * 4
            return *layer, speed_table(rows)

    # The API's parameters are named after these functions' (what view_api shows); the caps are this server's.
    def on_describe(cell: str, input_size: int, hidden_size: int, num_layers: int, bidirectional: bool,
                    session: Session):  # fmt: skip
        return describe_cell(cell, input_size, hidden_size, num_layers, bidirectional, session, limits=limits)

    def on_measure(cell: str, input_size: int, hidden_size: int, num_layers: int, bidirectional: bool,
                   session: Session):  # fmt: skip
        return measure(cell, input_size, hidden_size, num_layers, bidirectional, session, limits=limits)

    # preprocess=False: the values reach ``checked`` as sent, so that a non-number or a size over the caps is refused
    # in the visitor's language, not by the slider's own check (in English, or a bare "exception" for a non-number).
    inputs, outputs = [cell, input_size, hidden, layers, bidirectional], [summary, code, backward, table]
    gr.on([w.change for w in inputs], on_describe, [*inputs, session], outputs, api_name="describe_cell",
          preprocess=False)  # fmt: skip
    cell.change(naive_code, cell, naive, api_visibility="private")
    # One measurement at a time, app-wide: each keeps a core busy for seconds. Those waiting see their place in the
    # queue (shown while show_progress is not "hidden").
    measure_button.click(localized(on_measure), [*inputs, session], speeds, api_name="measure_engines",
                         preprocess=False, concurrency_limit=1, concurrency_id="measure_engines")  # fmt: skip
    language.change(relabel, [session, language, *inputs, speeds], [*outputs, speeds], api_visibility="private")
    return tab
