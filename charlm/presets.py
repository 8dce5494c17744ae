"""Presets: one-click recipes that reproduce the books' and notebooks' experiments.

    preset = presets.get("d2l-lstm")
    run = build(preset.spec)                                   # a preset is a RunSpec, with where it comes from
    run = build(preset.spec.with_options(train={"epochs": 50}))  # ... with some options changed

Each preset records where its recipe comes from and the source's own published figure, so a run can be
set beside it. The d2l figures are *training* perplexities on 10,000 characters (memorisation); charlm
also holds out the last 10% of the text and reports validation perplexity, which is the honest one.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from .errors import CharLMError
from .run import RunSpec
from .train import TrainConfig

D2L_BOOK = "d2l.ai 0.17 (Dive into Deep Learning)"
D2L_ZH = "动手学深度学习 (the Chinese d2l book, 1st edition), PyTorch edition"


@dataclass(frozen=True)
class Preset:
    """A named run: its spec (corpus, preprocessing, model and training), and what its source reported."""

    name: str  # key, e.g. "d2l-lstm"
    title: str  # for the UI, e.g. "d2l: LSTM from scratch"
    spec: RunSpec  # what the run is; its ``preset`` is this preset's name
    source: str  # where the recipe comes from, e.g. "d2l.ai 0.17, 8.5 Implementation of Recurrent Neural Networks from Scratch"
    published: str  # the source's own result, in its own terms (training or validation, which unit)
    explanation: str  # 1–3 sentences for a lecturer: what this run shows and what to look for


def _preset(name: str, title: str, *, corpus: str, recipe: str, max_chars: int | None, model: dict, train: dict,
           source: str, published: str, explanation: str) -> Preset:  # fmt: skip
    """A preset from its corpus, recipe, length, model options and training options; each is checked."""
    unknown = sorted(set(train) - {f.name for f in fields(TrainConfig)})
    if unknown:
        known = ", ".join(f.name for f in fields(TrainConfig))
        raise CharLMError(f"preset {name!r}: {', '.join(unknown)} is not among TrainConfig's options ({known})")
    try:
        spec = RunSpec(corpus, recipe, max_chars, model=model, train=TrainConfig(**train), preset=name)
    except CharLMError as e:
        raise CharLMError(f"preset {name!r}: {e}") from None
    return Preset(name, title, spec, source, published, explanation)


# -- the recipes ------------------------------------------------------------------------------------

# The d2l book's train_ch8: plain SGD, lr 1, clipping at norm 1, 32 × 35 windows taken in order with the
# state carried, 500 epochs, a greedy 50-character prediction after "time traveller" (we sample every 50). The
# book's figures are its final model's training perplexity, so these presets keep the last epoch's weights.
D2L_TRAIN = {
    "epochs": 500, "batch_size": 32, "num_steps": 35, "sampling": "sequential", "optimizer": "sgd", "lr": 1.0,
    "clip": 1.0, "sample_every": 50, "sample_prefix": "time traveller", "sample_length": 50, "keep": "last",
}  # fmt: skip
SCRATCH = {**D2L_TRAIN, "engine": "scratch"}  # "from scratch": charlm's cells, step by step in Python
CONCISE = {**D2L_TRAIN, "engine": "fused"}  # the book's concise twin: torch's kernel (oneDNN on a CPU, cuDNN on a GPU)

# The Chinese book's nn-based runs: Adam, clipping at 1e-2, 32 × 35 windows in order, 50 characters after "分开";
# its figures too are the final model's training perplexity.
ZH_TRAIN = {
    "batch_size": 32, "num_steps": 35, "sampling": "sequential", "optimizer": "adam", "clip": 1e-2,
    "sample_prefix": "分开", "sample_length": 50, "keep": "last",
}  # fmt: skip

MEMORISED = (
    "Watch the training perplexity fall towards 1 — the model has learned these characters by heart — while "
    "validation perplexity on the held-out last 10% stops falling and climbs: the gap is overfitting. As the book "
    "reports its final model, the run keeps the last epoch's weights, not the best validation epoch's."
)
KEPT_LAST = " As the book reports its final model, the run keeps the last epoch's weights."
SCRATCH_VS_CONCISE = (
    " The book sets this from-scratch run beside the concise one, which calls the framework's fused kernel: on its "
    "GPU the scratch LSTM ran at 28,797 tokens/s against 319,759 (0.09×). Train both and compare tokens/s in Compare."
)

_PRESETS = (
    _preset(
        name="d2l-rnn",
        title="d2l: vanilla RNN from scratch",
        corpus="timemachine",
        recipe="d2l-0.17",
        max_chars=10_000,
        model={"cell": "rnn", "hidden_size": 512, "embedding_dim": 0},
        train=SCRATCH,
        source=f"{D2L_BOOK}, 8.5 Implementation of Recurrent Neural Networks from Scratch",
        published="training perplexity ≈ 1.0 after 500 epochs (scratch RNN, 512 hidden)",
        explanation="The book's first language model, on charlm's own cells (the scratch engine): one tanh layer over "
        "one-hot letters. " + MEMORISED + SCRATCH_VS_CONCISE,
    ),
    _preset(
        name="d2l-rnn-concise",
        title="d2l: vanilla RNN, concise (torch's fused kernel)",
        corpus="timemachine",
        recipe="d2l-0.17",
        max_chars=10_000,
        model={"cell": "rnn", "hidden_size": 512, "embedding_dim": 0},
        train=CONCISE,
        source=f"{D2L_BOOK}, 8.6 Concise Implementation of Recurrent Neural Networks",
        published="no figure on record for 512 hidden units; the scratch run's training perplexity ≈ 1.0",
        explanation="d2l-rnn's model and recipe on torch's fused kernel instead of charlm's cells: the same numbers "
        "(the layers agree to 1e-5), at the framework's speed. " + MEMORISED,
    ),
    _preset(
        name="d2l-gru",
        title="d2l: GRU",
        corpus="timemachine",
        recipe="d2l-0.17",
        max_chars=10_000,
        model={"cell": "gru", "hidden_size": 256, "embedding_dim": 0},
        train=D2L_TRAIN,
        source=f"{D2L_BOOK}, 9.1 Gated Recurrent Units (GRU)",
        published="no figure on record",
        explanation="The same recipe with reset and update gates, and half the RNN's hidden units. Set its curves "
        "beside d2l-rnn's and d2l-lstm's: which memorises sooner, and which holds up better on the held-out text?"
        + KEPT_LAST,
    ),
    _preset(
        name="d2l-lstm",
        title="d2l: LSTM from scratch",
        corpus="timemachine",
        recipe="d2l-0.17",
        max_chars=10_000,
        model={"cell": "lstm", "hidden_size": 256, "embedding_dim": 0},
        train=SCRATCH,
        source=f"{D2L_BOOK}, 9.2 Long Short-Term Memory (LSTM)",
        published="training perplexity 1.3 from scratch (28,797 tokens/s on a GPU); 1.0 with nn.LSTM "
        "(319,759 tokens/s), after 500 epochs",
        explanation="The book's LSTM on charlm's own cells (the scratch engine), with input, forget and output gates "
        "and a memory cell. " + MEMORISED + SCRATCH_VS_CONCISE,
    ),
    _preset(
        name="d2l-lstm-concise",
        title="d2l: LSTM, concise (torch's fused kernel)",
        corpus="timemachine",
        recipe="d2l-0.17",
        max_chars=10_000,
        model={"cell": "lstm", "hidden_size": 256, "embedding_dim": 0},
        train=CONCISE,
        source=f"{D2L_BOOK}, 9.2.2 Concise Implementation (nn.LSTM)",
        published="training perplexity 1.0, 319,759 tokens/s on a GPU, after 500 epochs",
        explanation="d2l-lstm's model and recipe on torch's fused kernel: the book's concise twin. " + MEMORISED,
    ),
    _preset(
        name="d2l-peephole",
        title="Peephole LSTM beside its LSTM twin (d2l recipe)",
        corpus="timemachine",
        recipe="d2l-0.17",
        max_chars=10_000,
        model={"cell": "peephole", "hidden_size": 256, "embedding_dim": 0},
        train=SCRATCH,
        source="Gers & Schmidhuber (2000), “Recurrent nets that time and count”; the hand-written LSTM article's "
        "peephole version, corrected",
        published="Greff et al. 2015 (“LSTM: A Search Space Odyssey”) found that peepholes gave no significant "
        "improvement on their tasks",
        explanation="d2l-lstm's recipe with peepholes: each gate also sees its own unit's cell state through one "
        "weight per unit. The input and forget gates look at the old state, the output gate at the new one: "
        "i = σ(W_ii x + W_hi h + w_ci ⊙ c_{t−1} + b), f = σ(W_if x + W_hf h + w_cf ⊙ c_{t−1} + b), "
        "c_t = f ⊙ c_{t−1} + i ⊙ tanh(W_ig x + W_hg h + b), o = σ(W_io x + W_ho h + w_co ⊙ c_t + b), h = o ⊙ tanh(c_t). "
        "The hand-written article's version, as we read it, multiplied the cell state by full H × H matrices in place "
        "of the hidden state's, and let the output gate see the old state: more weights, and no longer Gers & "
        "Schmidhuber's cell. Train d2l-lstm too and compare the curves: the gain, if any, is small. " + MEMORISED,
    ),
    _preset(
        name="d2l-deep-lstm",
        title="d2l: deep (2-layer) LSTM",
        corpus="timemachine",
        recipe="d2l-0.17",
        max_chars=10_000,
        model={"cell": "lstm", "hidden_size": 256, "num_layers": 2, "embedding_dim": 0},
        train={**D2L_TRAIN, "lr": 2.0},  # keeps the last epoch, as the book
        source=f"{D2L_BOOK}, 9.3 Deep Recurrent Neural Networks",
        published="no figure on record",
        explanation="Two LSTM layers stacked, trained with the book's larger learning rate of 2. A second layer adds "
        "capacity, but there are only 9,000 training characters: compare its validation curve with d2l-lstm's "
        "to see whether depth helps on text it has not seen."
        + KEPT_LAST,
    ),
    _preset(
        name="d2l-bidirectional",
        title="d2l: bidirectional LSTM (the wrong application)",
        corpus="timemachine",
        recipe="d2l-0.17",
        max_chars=10_000,
        model={"cell": "lstm", "hidden_size": 256, "num_layers": 2, "bidirectional": True, "embedding_dim": 0},
        train=D2L_TRAIN,
        source=f"{D2L_BOOK}, 9.4 Bidirectional Recurrent Neural Networks, “a wrong application”",
        published="a low perplexity, but the generated text is gibberish",
        explanation="The right-to-left half of the network reads the text from the end, so at each position it has "
        "already seen the very character it is asked to predict: it copies the answer and its perplexity drops "
        "close to 1. When generating there is no future text to read, so the samples are gibberish — a perplexity "
        "means nothing if the model was shown the answer."
        + KEPT_LAST,
    ),
    _preset(
        name="zh-rnn",
        title="d2l-zh: RNN on Jay Chou lyrics",
        corpus="jaychou",
        recipe="d2l",
        max_chars=None,  # the recipe already keeps the first 10,000 characters
        model={"cell": "rnn", "hidden_size": 256, "embedding_dim": 0},
        train={**ZH_TRAIN, "epochs": 250, "lr": 1e-3, "sample_every": 50},
        source=f"{D2L_ZH}, 6.5 循环神经网络的简洁实现 (concise RNN)",
        published="training perplexity 1.02 after 250 epochs",
        explanation="A vocabulary of about a thousand Chinese characters, each one-hot, with only 10,000 characters "
        "of text: most characters occur a handful of times. " + MEMORISED,
    ),
    _preset(
        name="zh-gru",
        title="d2l-zh: GRU on Jay Chou lyrics",
        corpus="jaychou",
        recipe="d2l",
        max_chars=None,
        model={"cell": "gru", "hidden_size": 256, "embedding_dim": 0},
        train={**ZH_TRAIN, "epochs": 160, "lr": 1e-2, "sample_every": 40},
        source=f"{D2L_ZH}, 6.7 门控循环单元 (GRU), concise implementation",
        published="training perplexity 1.018 after 160 epochs",
        explanation="The book gave the GRU 160 epochs rather than the RNN's 250, and Adam at lr 1e-2 rather than 1e-3. "
        + MEMORISED,
    ),
    _preset(
        name="zh-lstm",
        title="d2l-zh: LSTM on Jay Chou lyrics",
        corpus="jaychou",
        recipe="d2l",
        max_chars=None,
        model={"cell": "lstm", "hidden_size": 256, "embedding_dim": 0},
        train={**ZH_TRAIN, "epochs": 160, "lr": 1e-2, "sample_every": 40},
        source=f"{D2L_ZH}, 6.8 长短期记忆 (LSTM), concise implementation",
        published="training perplexity 1.017 after 160 epochs",
        explanation="The LSTM on the same lyrics and recipe as zh-gru; the book's figures for the two differ in the "
        "third decimal. " + MEMORISED,
    ),
    _preset(
        name="zh-deep-lstm",
        title="d2l-zh: 2-layer LSTM on Jay Chou lyrics",
        corpus="jaychou",
        recipe="d2l",
        max_chars=None,
        model={"cell": "lstm", "hidden_size": 256, "num_layers": 2, "embedding_dim": 0},
        train={**ZH_TRAIN, "epochs": 160, "lr": 1e-2, "sample_every": 40},
        source=f"{D2L_ZH}, 6.9 深度循环神经网络 (deep RNN)",
        published="training perplexity 1.016 after 160 epochs",
        explanation="Two stacked LSTM layers: the training figure barely moves from zh-lstm's 1.017, because both "
        "have already memorised the lyrics; the validation curve is where any difference shows."
        + KEPT_LAST,
    ),
    _preset(
        name="moliere",
        title="Molière: embedding + LSTM 128",
        corpus="moliere",
        recipe="raw",
        max_chars=100_000,
        model={"cell": "lstm", "hidden_size": 128, "embedding_dim": 128},
        train={
            "epochs": 20,
            "batch_size": 1,
            "num_steps": 100,
            "sampling": "random",
            "optimizer": "adamw",
            "lr": 1e-3,
            "weight_decay": 0.01,  # torch's AdamW default, which AdamW(params, lr=1e-3) gets
            "clip": 0.0,  # the notebook's recipe names no clipping
            "sample_every": 5,
            "sample_prefix": "MASCARILLE.",
            "sample_length": 200,
        },
        source="the Molière notebook: first 100,000 characters, embedding → nn.LSTM(128, 128) → linear",
        published="training loss 1.10, test loss 1.51 nats/char after 20 epochs (it overfits)",
        explanation="A learned 128-dimensional embedding instead of one-hot, on French plays, accents included. The "
        "notebook split 90/10 like charlm, so its test loss of 1.51 nats/char (perplexity ≈ 4.5) compares directly "
        "with our validation loss: look for the same gap between training and validation.",
    ),
    _preset(
        name="char-rnn",
        title="char-rnn: 2 × 512 LSTM on Tiny Shakespeare",
        corpus="tinyshakespeare",
        recipe="raw",
        max_chars=None,
        model={"cell": "lstm", "hidden_size": 512, "num_layers": 2, "dropout": 0.5, "embedding_dim": 0},
        train={
            "epochs": 50,
            "batch_size": 50,
            "num_steps": 50,
            "sampling": "sequential",
            "optimizer": "rmsprop",  # with char-rnn's decay rate 0.95
            "lr": 2e-3,
            "lr_decay": 0.97,  # char-rnn: ×0.97 per epoch after epoch 10
            "lr_decay_after": 10,
            "clip": 5.0,  # char-rnn clamps each gradient element to ±5; we clip the global norm at 5
            "sample_every": 5,
            "sample_prefix": "ROMEO:",
            "sample_length": 200,
        },
        source="karpathy/char-rnn (Karpathy 2015, “The Unreasonable Effectiveness of Recurrent Neural Networks”)",
        published="no perplexity published in the char-rnn repository; for reference, nanoGPT's character "
        "transformer reaches a validation loss of 1.47 nats/char (perplexity ≈ 4.35)",
        explanation="The classic: one-hot characters into two 512-unit LSTM layers with dropout 0.5, RMSprop at "
        "2e-3. Watch the samples: does the shape of a play (speaker names, line breaks) appear before the "
        "spelling is right? We hold out 10% as nanoGPT does (char-rnn held out 5%), so the validation loss compares "
        "with nanoGPT's 1.47.",
    ),
    _preset(
        name="quick-lstm",
        title="Quick demo: a 2-layer LSTM on The Time Machine in 30 s",
        corpus="timemachine",
        recipe="d2l",
        max_chars=None,
        model={"cell": "lstm", "hidden_size": 256, "num_layers": 2, "dropout": 0.3, "embedding_dim": 64},
        train={
            "epochs": 13,
            "batch_size": 32,
            "num_steps": 64,
            "sampling": "sequential",
            "optimizer": "adam",
            "lr": 6e-3,
            "lr_decay": 0.85,
            "lr_decay_after": 5,
            "clip": 1.0,
            "precision": "auto",
            "max_seconds": 30,
            "sample_every": 1,
            "sample_prefix": "time traveller",
            "sample_length": 100,
        },
        source="charlm's own recipe for a live demo on a laptop CPU, chosen among 70 tried at the same budget",
        published="no figure published; the d2l book's own models report training perplexity only",
        explanation="The whole novel in the book's preprocessing (lower-case letters and spaces), the last 10% held "
        "out for validation, 30 seconds of training. A learned embedding, two layers with dropout 0.3 and a learning "
        "rate that decays after epoch 5: on a 2-core CPU (bfloat16, AMX) it reaches a validation perplexity of about "
        "3.75 in 30 s, where the book's one-hot LSTM-256 is best at 4.6 and then overfits. The greedy samples fall "
        "into loops, as greedy decoding does: generate with a temperature of 0.5–1 to compare.",
    ),
    _preset(
        name="timemachine-best",
        title="The best LSTM on The Time Machine (d2l recipe), in about 3 minutes",
        corpus="timemachine",
        recipe="d2l",
        max_chars=None,
        model={"cell": "lstm", "hidden_size": 512, "num_layers": 2, "dropout": 0.5, "weight_drop": 0.3, "embedding_dim": 64},
        train={
            "epochs": 30,
            "batch_size": 64,
            "num_steps": 64,
            "sampling": "sequential",
            "optimizer": "adam",
            "lr": 3e-3,
            "lr_decay": 0.9,
            "lr_decay_after": 8,
            "clip": 1.0,
            "precision": "auto",
            "sample_every": 5,
            "sample_prefix": "time traveller",
            "sample_length": 100,
        },
        source="charlm's own recipe: the best of about 80 sizes and regularisers tried on the book's text",
        published="no figure published; the d2l book's own models report training perplexity only",
        explanation="Two 512-unit LSTM layers over a learned embedding, dropout 0.5 between layers and before the "
        "head, and DropConnect 0.3 on the recurrent weights (Merity et al. 2017): a validation perplexity of about "
        "3.7. Without the DropConnect the same model overfits sooner (on the 0.17 edition's text, 4.24 instead of "
        "4.13). Larger and deeper models level off at the same figure: the held-out chapter is as predictable as this "
        "much text lets it be.",
    ),
    _preset(
        name="shakespeare",
        title="Tiny Shakespeare in 20 minutes: 2 × 512 LSTM against nanoGPT's 1.47",
        corpus="tinyshakespeare",
        recipe="raw",
        max_chars=None,
        model={"cell": "lstm", "hidden_size": 512, "num_layers": 2, "dropout": 0.3, "embedding_dim": 64},
        train={
            "epochs": 14,
            "batch_size": 128,
            "num_steps": 100,
            "sampling": "sequential",
            "optimizer": "adam",
            "lr": 3e-3,
            "lr_decay": 0.9,
            "lr_decay_after": 8,
            "clip": 1.0,
            "precision": "auto",
            "max_seconds": 1200,
            "sample_every": 2,
            "sample_prefix": "ROMEO:",
            "sample_length": 200,
        },
        source="charlm's own recipe: the best of the sizes and schedules tried at 20 minutes of a 2-core CPU",
        published="nanoGPT's character-level transformer (10.7M parameters, an A100): validation loss 1.47 nats/char",
        explanation="The char-rnn corpus with a learned embedding, two 512-unit LSTM layers and a learning rate that "
        "decays after epoch 8, in bfloat16 where the CPU has AMX. Validation loss falls below nanoGPT's 1.47 nats "
        "per character around epoch 8–10 and then the model starts to overfit: the best epoch's weights are kept.",
    ),
)

PRESETS: dict[str, Preset] = {p.name: p for p in _PRESETS}


@dataclass(frozen=True)
class Pair:
    """Two presets a source sets side by side, trained one after the other and compared (the app's Compare tab)."""

    name: str
    title: str
    presets: tuple[str, str]  # the first is measured against the second
    published_ratio: str  # what the source found, e.g. "0.09× (28,797 against 319,759 tokens/s, on a GPU)"

    def __post_init__(self):
        unknown = [n for n in self.presets if n not in PRESETS]
        if unknown:
            raise CharLMError(f"pair {self.name!r}: there is no preset {unknown[0]!r}")


PAIRS: dict[str, Pair] = {
    pair.name: pair
    for pair in (
        Pair("pair-d2l-lstm", "Pair: d2l LSTM from scratch, then concise — the book's speed comparison",
             ("d2l-lstm", "d2l-lstm-concise"), "0.09× (28,797 against 319,759 tokens/s, on the book's GPU)"),
        Pair("pair-d2l-rnn", "Pair: d2l vanilla RNN from scratch, then concise", ("d2l-rnn", "d2l-rnn-concise"),
             "none published"),
        Pair("pair-peephole", "Pair: peephole LSTM, then the same LSTM without peepholes", ("d2l-peephole", "d2l-lstm"),
             "Greff et al. 2015: no significant difference in quality"),
    )
}  # fmt: skip


def get(name: str) -> Preset:
    """The preset called ``name``; a CharLMError listing the names otherwise."""
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        raise CharLMError(f"there is no preset named {name!r}. The presets are: {', '.join(PRESETS)}") from None
