"""The Cells tab: each cell's step function and its derivatives exactly as written, and the parameters it gets."""

from __future__ import annotations

import inspect
import textwrap

import gradio as gr

from ..bench import engine_speeds
from ..bptt import backward_of
from ..cells import CELLS
from ..layers import LAYERS
from .common import CELL_CHOICES, AppContext, single_threaded


def describe_cell(cell: str, input_size: int, hidden_size: int, num_layers: int, bidirectional: bool):
    """The cell's step function as written in charlm/cells.py, its derivatives from charlm/bptt.py, and the
    parameters the stack gets."""
    layer = LAYERS[cell](int(input_size), int(hidden_size), int(num_layers), bidirectional=bidirectional, device="meta")
    cell_class = type(layer.cell)
    doc = inspect.cleandoc(cell_class.__doc__ or "")
    rows = [[name, " × ".join(map(str, p.shape)), p.numel()] for name, p in layer.named_parameters()]
    total = sum(r[2] for r in rows)
    engines = "scratch and fused (torch's kernel)" if layer.has_fused else "scratch only (torch has no fused kernel)"
    summary = (
        f"### {dict((v, k) for k, v in CELL_CHOICES)[cell]}\n\n{doc}\n\n"
        f"**{total:,} parameters** in {len(rows)} tensors · gates recorded: `{', '.join(cell_class.recorded)}` · "
        f"engines: {engines}"
    )
    backward = backward_of(layer.cell)
    backward = getattr(backward, "func", backward)  # the vanilla RNN's is a partial (tanh or relu)
    return summary, textwrap.dedent(inspect.getsource(cell_class.step)), inspect.getsource(backward), rows


SPEED_HEADERS = ["engine", "training tokens/s", "inference tokens/s", "× naive", "how it computes a step"]


def naive_code(cell: str) -> str:
    """The cell's step written the slow way, as charlm/cells.py has it: one product per gate and input."""
    return textwrap.dedent(inspect.getsource(CELLS[cell].naive_step))


def measure(cell: str, input_size: int, hidden_size: int, num_layers: int, bidirectional: bool) -> list[list]:
    """The three engines on the same weights, timed here (one core, batch 32 × 35 steps)."""
    rows = engine_speeds(cell, int(input_size), int(hidden_size), int(num_layers), bool(bidirectional))
    naive = rows[0]["train_tokens_per_s"]
    return [[r["engine"], f"{r['train_tokens_per_s']:,.0f}", f"{r['infer_tokens_per_s']:,.0f}",
             f"{r['train_tokens_per_s'] / naive:.2f}×", r["how"]] for r in rows]  # the figures first  # fmt: skip


def create(ctx: AppContext, demo: gr.Blocks, session: gr.State, current: gr.Markdown, language: gr.Radio) -> gr.Tab:
    with gr.Tab("Cells") as tab, gr.Row():
        with gr.Column(scale=1, min_width=240):
            cell = gr.Radio(CELL_CHOICES, value="lstm", label="Cell")
            input_size = gr.Slider(1, 2048, value=28, step=1, label="Input size (vocabulary for one-hot)")
            hidden = gr.Slider(1, 1024, value=256, step=1, label="Hidden units")
            layers = gr.Slider(1, 4, value=1, step=1, label="Layers")
            bidirectional = gr.Checkbox(False, label="Bidirectional")
        with gr.Column(scale=2):
            summary = gr.Markdown()
            code = gr.Code(language="python", label="One time step, from charlm/cells.py", interactive=False)
            with gr.Accordion("Its derivatives: backpropagation through time by hand (charlm/bptt.py)", open=False):
                backward = gr.Code(language="python", interactive=False, show_label=False)
            with gr.Accordion("The same step three ways: naive, vectorized (scratch), fused — and their speed here",
                              open=False):  # fmt: skip
                naive = gr.Code(naive_code("lstm"), language="python", label="Naive: one product per gate and input",
                                interactive=False)  # fmt: skip
                measure_button = gr.Button("Measure the three on this machine (one core, batch 32 × 35)")
                speeds = gr.Dataframe(headers=SPEED_HEADERS, interactive=False, wrap=False)
            table = gr.Dataframe(headers=["parameter", "shape", "count"], label="Parameters", interactive=False)
    inputs, outputs = [cell, input_size, hidden, layers, bidirectional], [summary, code, backward, table]
    gr.on([w.change for w in inputs], describe_cell, inputs, outputs, api_name="describe_cell")
    demo.load(describe_cell, inputs, outputs, api_visibility="private")
    cell.change(naive_code, cell, naive, api_visibility="private")
    measure_button.click(single_threaded(measure), inputs, speeds, api_name="measure_engines")
    return tab
