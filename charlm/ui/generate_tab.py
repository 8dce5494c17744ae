"""The Generate tab: a prefix, then samples streamed in, with temperature, top-k, top-p and a seed; and the same prefix
and seed at several temperatures side by side (``Compare temperatures``).

Its texts are in the visitor's language: the widgets' through ``ui``, the warnings, errors and the samples'
separators rendered on the server, and the last generation's redrawn when the language changes."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import gradio as gr

from .. import serving
from ..errors import CharLMError
from ..generate import TEMPERATURES, Loop, find_loop, prepare_prefix, random_seed
from ..i18n import speaking
from ..i18n import text as tr
from .common import AppContext, Session, api_parameters, current_model, error, localized, md, model_line, number, ui

UPDATE_SECONDS = 0.1  # the text box is updated at most this often, and not when the whole text is near (``ends_soon``)
# Generate's requests at once. Those of one model are stepped together (charlm.serving): forty samples of 200
# characters cost a quarter of their time one after another (``charlm bench``), so a room's followers need not queue
# behind four at a time.
GENERATIONS_AT_ONCE = 64
COMPARES_AT_ONCE = 4  # Compare temperatures at once (each steps its four samples side by side)


@dataclass
class Samples:
    """What a generation made, kept to be shown again in another language."""

    prefix: str
    texts: list[str]
    warnings: list = field(default_factory=list)  # the library's warnings about the model or the prefix
    loops: list[Loop | None] = field(default_factory=list)  # per sample, found when the samples are complete

    def shown(self) -> tuple[str, str]:
        """The generated text and the notes under it, in the active language."""
        notes = [f"⚠️ {md(w)}" for w in self.warnings]
        loops = [tr("gen_tab.loop", sample=k + 1, loop=loop) for k, loop in enumerate(self.loops) if loop]
        notes = "  \n".join(["  \n".join(notes), *(f"🔁 {md(x)}" for x in loops)]).strip()
        return samples_text(self.prefix, self.texts), notes


@dataclass
class Ladder:
    """The same prefix and seed sampled at several temperatures, kept to be shown again in another language."""

    prefix: str
    seed: int
    temperatures: tuple[float, ...]
    texts: list[str]
    warnings: list = field(default_factory=list)  # the library's warnings about the model or the prefix
    loops: list[Loop | None] = field(default_factory=list)  # per temperature, found when the samples are complete

    def shown(self) -> tuple[list[str], str]:
        """Each temperature's text (the prefix, then the sample), and the notes under them, in the active language."""
        notes = [tr("gen_tab.same_seed", seed=self.seed), *(f"⚠️ {md(w)}" for w in self.warnings)]
        notes += [f"🔁 {md(tr('gen_tab.loop_at', temperature=f'{t:.1f}', loop=loop))}"
                  for t, loop in zip(self.temperatures, self.loops, strict=False) if loop]  # fmt: skip
        return [self.prefix + t for t in self.texts], "  \n".join(notes)


def checked(ctx: AppContext, session: Session, prefix, length, top_k, top_p, seed, samples) -> tuple:
    """The widgets' values as numbers, each checked, within this server's caps (``samples`` at once), and the prefix
    to start from with its warnings: (model, prefix, warnings, length, top_k, top_p, seed). An empty prefix is the
    model's usual one, as the prefix box says: no warning for it."""
    model = current_model(ctx, session)
    length, top_k = (number(tr(k), v, True) for k, v in (("gen_tab.length", length), ("gen_tab.name.top_k", top_k)))
    top_p = number(tr("gen_tab.name.top_p"), top_p)
    seed = None if seed is None or (seed := number(tr("gen_tab.name.seed"), seed, True)) < 0 else seed
    # Before the prefix is read: the model warms up on every character of it (10 million took minutes).
    prefix = "" if prefix is None else str(prefix)  # as sent (see ``create``): the API takes anything
    ctx.limits.check_generation(length, samples, prefix)
    prefix, warnings = prepare_prefix(model, prefix, note_default=False)
    return model, prefix, warnings, length, top_k, top_p, seed


def ends_soon(step: int, steps: int, seconds: float) -> bool:
    """Whether the text is whole (``step`` of ``steps``), or will be within ``UPDATE_SECONDS`` at the pace so far: an
    update then only delays the whole text, which comes once, with its loops. Each update is a hop through the event
    loop, and the text's end waits for the hop under way: 0.15 s and more with a lecture's room of 200 followers."""
    return step >= steps or (steps - step) * seconds / step < UPDATE_SECONDS


@dataclass
class Growing:
    """Samples as their steps arrive, and when to show them: at most every ``UPDATE_SECONDS``, the first update only
    after it (a text done by then comes whole, once), and none when the whole text is near (``ends_soon``)."""

    prefix: str
    length: int
    warnings: list
    texts: list[str]
    step: int = 0
    start: float = field(default_factory=time.perf_counter)
    last: float = field(default_factory=time.perf_counter)

    def add(self, steps: list[list[str]]) -> Samples | None:
        """Every step drawn since the last arrival; the samples to show now, if it is time."""
        self.texts = [t + "".join(new) for t, new in zip(self.texts, zip(*steps, strict=True), strict=True)]
        self.step += len(steps)
        if (now := time.perf_counter()) - self.last > UPDATE_SECONDS and not ends_soon(self.step, self.length,
                                                                                         now - self.start):  # fmt: skip
            self.last = now
            return Samples(self.prefix, self.texts, self.warnings)
        return None

    def whole(self) -> Samples:
        return Samples(self.prefix, self.texts, self.warnings, [find_loop(t) for t in self.texts])


def asked(ctx: AppContext, session: Session, prefix: str, length, temperature, top_k, top_p, seed, samples):
    """What Generate asks of ``serving``, each value checked (model, prefix, length, options), and the samples to
    grow."""
    samples = number(tr("gen_tab.samples"), samples, True)
    temperature = number(tr("gen_tab.name.temperature"), temperature)
    model, prefix, warnings, length, top_k, top_p, seed = checked(ctx, session, prefix, length, top_k, top_p, seed,
                                                                  samples)  # fmt: skip
    options = {"temperature": temperature, "top_k": top_k, "top_p": top_p, "seed": seed, "num_samples": samples}
    return model, prefix, length, options, Growing(prefix, length, warnings, [""] * samples)


def sampling(ctx: AppContext, session: Session, *values):
    """The samples as they grow (a ``Samples`` each update), the last one complete, with its loops found. ``values``:
    the prefix, length, temperature, top_k, top_p, seed and number of samples, as the tab sends them."""
    current_model(ctx, session)  # no model: said first, whatever the values
    try:
        model, prefix, length, options, growing = asked(ctx, session, *values)
        for steps in serving.drawn(model, prefix, length, **options):  # every step drawn since the last
            if (update := growing.add(steps)) is not None:
                yield update
    except CharLMError as e:
        raise error(e) from None
    yield growing.whole()


async def woken_sampling(ctx: AppContext, session: Session, *values):
    """``sampling`` for the tab's async handler, woken in the event loop as the characters arrive
    (``serving.arrivals``), not in a thread hopping there and back at each update."""
    current_model(ctx, session)
    try:
        model, prefix, length, options, growing = asked(ctx, session, *values)
        async for steps in serving.arrivals(model, prefix, length, **options):
            if (update := growing.add(steps)) is not None:
                yield update
    except CharLMError as e:
        raise error(e) from None
    yield growing.whole()


@localized
def generate(ctx: AppContext, session: Session, prefix: str, length, temperature, top_k, top_p, seed, samples):
    """The generated text and the notes under it, as they grow: what the tab shows."""
    for made in sampling(ctx, session, prefix, length, temperature, top_k, top_p, seed, samples):
        yield made.shown()


def temperatures(ctx: AppContext, session: Session, prefix: str, length, top_k, top_p, seed):
    """The same prefix and seed at each of ``TEMPERATURES`` as the samples grow (a ``Ladder`` each update), the last one
    complete, with its loops found. A seed of -1 (random) is drawn once, for all of them, and said."""
    current_model(ctx, session)  # no model: said first, whatever the values
    try:
        model, prefix, warnings, length, top_k, top_p, seed = checked(ctx, session, prefix, length, top_k, top_p, seed,
                                                                      len(TEMPERATURES))  # fmt: skip
        seed = random_seed() if seed is None else seed
        texts = [""] * len(TEMPERATURES)
        start = last = time.perf_counter()  # the first update after UPDATE_SECONDS: a text done by then comes whole, once
        side_by_side = serving.at_temperatures(model, prefix, length, TEMPERATURES, seed=seed, top_k=top_k, top_p=top_p)
        for step, (k, char) in enumerate(side_by_side, 1):
            texts[k] += char
            if (now := time.perf_counter()) - last > UPDATE_SECONDS and not ends_soon(step, length * len(TEMPERATURES),
                                                                                      now - start):  # fmt: skip
                last = now
                yield Ladder(prefix, seed, TEMPERATURES, list(texts), warnings)
    except CharLMError as e:
        raise error(e) from None
    yield Ladder(prefix, seed, TEMPERATURES, texts, warnings, [find_loop(t) for t in texts])


@localized
def compare_temperatures(ctx: AppContext, session: Session, prefix: str, length, top_k, top_p, seed):
    """Each temperature's text and the notes under them, as they grow: what the tab shows."""
    for made in temperatures(ctx, session, prefix, length, top_k, top_p, seed):
        yield made.shown()


def samples_text(prefix: str, texts: list[str]) -> str:
    if len(texts) == 1:
        return prefix + texts[0]
    return "\n\n".join(f"{tr('gen_tab.sample', sample=k + 1)}\n{prefix}{t}" for k, t in enumerate(texts))


def create(ctx: AppContext, demo: gr.Blocks, session: gr.State, current: gr.Markdown, language: gr.Radio) -> gr.Tab:
    limits = ctx.limits
    with gr.Tab(ui("gen_tab.tab")) as tab:
        with gr.Row(equal_height=True):
            prefix = gr.Textbox(label=ui("gen_tab.prefix"), scale=3, min_width=200, max_length=limits.max_prefix)
            temperature = gr.Slider(0, 2, value=0.7, step=0.05, label=ui("gen_tab.temperature"), scale=2,
                                    min_width=160)  # fmt: skip
            with gr.Column(scale=1, min_width=100):
                go = gr.Button(ui("gen_tab.go"), variant="primary")
                compare = gr.Button(ui("gen_tab.compare"), variant="secondary", size="sm", elem_id="compare-temperatures")
        warnings = gr.Markdown()
        # The same prefix and seed at each temperature: columns on a wide screen, one under another on a phone (a row
        # wraps what does not fit its min_width). Shown by Compare, above the single text; Generate puts it away.
        with gr.Row(visible=False, elem_id="temperature-samples") as ladder_row:
            ladder = [gr.Textbox(label=ui("gen_tab.at_temperature", temperature=f"{t:.1f}"), lines=8, max_lines=20,
                                 interactive=False, min_width=220) for t in TEMPERATURES]  # fmt: skip
        output = gr.Textbox(label=ui("gen_tab.output"), lines=10, interactive=False)
        with gr.Accordion(ui("gen_tab.more"), open=False, elem_classes="settings"):
            with gr.Row():
                length = gr.Slider(10, limits.max_generate, value=300, step=10, label=ui("gen_tab.length"))
                samples = gr.Slider(1, limits.max_samples, value=1, step=1, label=ui("gen_tab.samples"))
            with gr.Row():
                top_k = gr.Number(0, label=ui("gen_tab.top_k"), precision=0, minimum=0)
                top_p = gr.Slider(0.05, 1, value=1, step=0.05, label=ui("gen_tab.top_p"))
                seed = gr.Number(-1, label=ui("gen_tab.seed"), precision=0)
        made = gr.State(None)  # the last generation, complete (Samples or Ladder): redrawn when the language changes

    @localized
    async def on_generate(session_value: Session, *values):
        async for samples_value in woken_sampling(ctx, session_value, *values):
            done = bool(samples_value.loops)  # the last update: its loops looked for
            yield *samples_value.shown(), samples_value if done else gr.skip()

    @localized
    def on_compare(session_value: Session, *values):
        for step, ladder_value in enumerate(temperatures(ctx, session_value, *values)):
            texts, notes = ladder_value.shown()
            done = bool(ladder_value.loops)
            yield gr.Row(visible=True) if step == 0 else gr.skip(), *texts, notes, ladder_value if done else gr.skip()

    def on_language(lang: str, made_value: Samples | Ladder | None):
        if made_value is None:
            return gr.skip(), gr.skip()
        with speaking(lang):
            text, notes = made_value.shown()
            return (text if isinstance(made_value, Samples) else gr.skip()), notes

    tab.select(localized(lambda s: model_line(ctx, s)), session, current, api_visibility="private")
    # preprocess=False: the values reach ``sampling`` as sent, which checks each (a slider's own check would refuse a
    # non-number with a bare "exception", and a length over the cap in English only).
    api_parameters(on_generate, "prefix", "length", "temperature", "top_k", "top_p", "seed", "samples")
    api_parameters(on_compare, "prefix", "length", "top_k", "top_p", "seed")
    go.click(on_generate, [session, prefix, length, temperature, top_k, top_p, seed, samples], [output, warnings, made],
             api_name="generate", preprocess=False, concurrency_limit=GENERATIONS_AT_ONCE,
             concurrency_id="generate")  # fmt: skip
    go.click(lambda: gr.Row(visible=False), None, ladder_row, api_visibility="private")  # back to one text
    compare.click(on_compare, [session, prefix, length, top_k, top_p, seed], [ladder_row, *ladder, warnings, made],
                  api_name="generate_temperatures", preprocess=False, concurrency_limit=COMPARES_AT_ONCE,
                  concurrency_id="generate_temperatures")  # fmt: skip
    language.change(on_language, [language, made], [output, warnings], api_visibility="private")
    return tab
