"""charlm's web app: wires the charlm library to Gradio widgets, and nothing more.

Run ``python app.py`` and open the address it prints (http://127.0.0.1:7860 by default;
``CHARLM_HOST`` and ``CHARLM_PORT`` change it, a Hugging Face Space sets them for you).
"""

from __future__ import annotations

import inspect
import os
import textwrap

import gradio as gr

from charlm import pick_device
from charlm.layers import LAYERS

CELL_CHOICES = [("Vanilla RNN", "rnn"), ("GRU", "gru"), ("LSTM", "lstm"), ("Peephole LSTM", "peephole")]


def describe_cell(cell: str, input_size: int, hidden_size: int, num_layers: int, bidirectional: bool):
    """The cell's step function as written in charlm/cells.py, and the parameters the stack gets."""
    layer = LAYERS[cell](int(input_size), int(hidden_size), int(num_layers), bidirectional=bidirectional, device="meta")
    cell_class = type(layer.cell)
    doc = inspect.cleandoc(cell_class.__doc__ or "")
    rows = [[name, " × ".join(map(str, p.shape)), p.numel()] for name, p in layer.named_parameters()]
    total = sum(r[2] for r in rows)
    engines = "scratch and fused (torch's kernel)" if layer.has_fused else "scratch only (torch has no fused kernel)"
    summary = (
        f"### {dict((v, k) for k, v in CELL_CHOICES)[cell]}\n\n{doc}\n\n"
        f"**{total:,} parameters** in {len(rows)} tensors · gates recorded: `{', '.join(layer.cell.recorded)}` · "
        f"engines: {engines}"
    )
    return summary, textwrap.dedent(inspect.getsource(cell_class.step)), rows


def build_demo() -> gr.Blocks:
    with gr.Blocks(title="charlm") as demo:
        gr.Markdown(
            "# charlm\nCharacter-level recurrent language models — vanilla RNN, GRU, LSTM, peephole LSTM, "
            "stacked and bidirectional — built on one from-scratch cell library in PyTorch. "
            f"Running on **{pick_device()}**."
        )
        with gr.Tab("Cells"):
            with gr.Row():
                with gr.Column(scale=1, min_width=240):
                    cell = gr.Radio(CELL_CHOICES, value="lstm", label="Cell")
                    input_size = gr.Slider(1, 2048, value=28, step=1, label="Input size (vocabulary for one-hot)")
                    hidden_size = gr.Slider(1, 1024, value=256, step=1, label="Hidden units")
                    num_layers = gr.Slider(1, 4, value=1, step=1, label="Layers")
                    bidirectional = gr.Checkbox(False, label="Bidirectional")
                with gr.Column(scale=2):
                    summary = gr.Markdown()
                    code = gr.Code(language="python", label="One time step, from charlm/cells.py", interactive=False)
                    table = gr.Dataframe(headers=["parameter", "shape", "count"], label="Parameters", interactive=False)
            inputs = [cell, input_size, hidden_size, num_layers, bidirectional]
            for widget in inputs:
                widget.change(describe_cell, inputs, [summary, code, table])
            demo.load(describe_cell, inputs, [summary, code, table])
    return demo


if __name__ == "__main__":
    host = os.environ.get("CHARLM_HOST", os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    port = int(os.environ.get("CHARLM_PORT", os.environ.get("GRADIO_SERVER_PORT", "7860")))
    build_demo().launch(server_name=host, server_port=port)
