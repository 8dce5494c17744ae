"""The Generate tab: a prefix, then samples streamed in, with temperature, top-k, top-p and a seed."""

from __future__ import annotations

import time

import gradio as gr

from ..errors import CharLMError
from ..generate import find_loop, prepare_prefix, stream
from .common import AppContext, Session, current_model, error, md, model_line, number, single_threaded

UPDATE_SECONDS = 0.1  # the text box is updated at most this often


def generate(ctx: AppContext, session: Session, prefix: str, length, temperature, top_k, top_p, seed, samples):
    model = current_model(ctx, session)
    try:
        prefix, warnings = prepare_prefix(model, prefix or "")
        length, samples, top_k = (number(k, v, True) for k, v in (("Length", length), ("Samples", samples), ("Top-k", top_k)))
        temperature, top_p = number("Temperature", temperature), number("Top-p", top_p)
        seed = None if seed is None or number("Seed", seed, True) < 0 else number("Seed", seed, True)
        ctx.limits.check_generation(length, samples)
        chars = stream(model, prefix, length, temperature=temperature, top_k=top_k, top_p=top_p, seed=seed,
                       num_samples=samples)  # fmt: skip
        texts = [""] * samples
        note = "  \n".join(f"⚠️ {md(w)}" for w in warnings)
        last = 0.0
        for step, new in enumerate(chars, 1):
            texts = [t + c for t, c in zip(texts, new, strict=True)]
            if time.perf_counter() - last > UPDATE_SECONDS or step == length:
                last = time.perf_counter()
                yield samples_text(prefix, texts), note
    except CharLMError as e:
        raise error(e) from None
    loops = [f"Sample {k + 1}: {loop}" for k, t in enumerate(texts) if (loop := find_loop(t))]
    yield samples_text(prefix, texts), "  \n".join([note, *(f"🔁 {md(line)}" for line in loops)]).strip()


def samples_text(prefix: str, texts: list[str]) -> str:
    if len(texts) == 1:
        return prefix + texts[0]
    return "\n\n".join(f"── sample {k + 1} ──\n{prefix}{t}" for k, t in enumerate(texts))


def create(ctx: AppContext, demo: gr.Blocks, session: gr.State, current: gr.Markdown, language: gr.Radio) -> gr.Tab:
    limits = ctx.limits
    with gr.Tab("Generate") as tab:
        with gr.Row(equal_height=True):
            prefix = gr.Textbox(label="Prefix (empty: the model's usual one)", scale=3, min_width=200)
            temperature = gr.Slider(0, 2, value=0.7, step=0.05, label="Temperature (0 = greedy)", scale=2, min_width=160)
            go = gr.Button("Generate", variant="primary", scale=1, min_width=100)
        warnings = gr.Markdown()
        output = gr.Textbox(label="Generated text", lines=10, interactive=False)
        with gr.Accordion("More options: length, samples, top-k, top-p, seed", open=False, elem_classes="settings"):
            with gr.Row():
                length = gr.Slider(10, limits.max_generate, value=300, step=10, label="Length")
                samples = gr.Slider(1, limits.max_samples, value=1, step=1, label="Samples")
            with gr.Row():
                top_k = gr.Number(0, label="Top-k (0 = off)", precision=0, minimum=0)
                top_p = gr.Slider(0.05, 1, value=1, step=0.05, label="Top-p (1 = off)")
                seed = gr.Number(-1, label="Seed (−1 = random)", precision=0)

    @single_threaded
    def on_generate(session_value: Session, *values):
        yield from generate(ctx, session_value, *values)

    tab.select(lambda s: model_line(ctx, s), session, current, api_visibility="private")
    go.click(on_generate, [session, prefix, length, temperature, top_k, top_p, seed, samples], [output, warnings],
             api_name="generate", concurrency_limit=4, concurrency_id="generate")  # fmt: skip
    return tab
