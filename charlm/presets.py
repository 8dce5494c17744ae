"""Presets: one-click recipes that reproduce the books' and notebooks' experiments.

    preset = presets.get("d2l-lstm")
    run = build(preset.spec)                                   # a preset is a RunSpec, with where it comes from
    run = build(preset.spec.with_options(train={"epochs": 50}))  # ... with some options changed

Each preset records where its recipe comes from and the source's own published figure, so a run can be
set beside it. The d2l figures are *training* perplexities on 10,000 characters (memorisation); charlm
also holds out the last 10% of the text and reports validation perplexity, which is the honest one.

A preset's texts (title, source, published figure, explanation) are in the message catalogue, in every language,
as ``presets.<name>.<what>`` (charlm/i18n/locales/); its fields hold the English, ``msg(what)`` the
text to render in a reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from .errors import CharLMError
from .i18n import Msg, known, text
from .run import RunSpec
from .train import TrainConfig

TEXTS = ("title", "source", "published", "explanation")  # a preset's texts, each in the catalogue
GROUP_TEXTS = ("title", "published")  # a group's (a pair, a trio)


@dataclass(frozen=True)
class Preset:
    """A named run: its spec (corpus, preprocessing, model and training), and what its source reported."""

    name: str  # key, e.g. "d2l-lstm"
    title: str  # for the UI, e.g. "d2l: LSTM from scratch"
    spec: RunSpec  # what the run is; its ``preset`` is this preset's name
    source: str  # where the recipe comes from, e.g. "d2l.ai 0.17, 8.5 Implementation of Recurrent Neural Networks from Scratch"
    published: str  # the source's own result, in its own terms (training or validation, which unit)
    explanation: str  # 1–3 sentences for a lecturer: what this run shows and what to look for

    def msg(self, what: str) -> Msg | str:
        """Its ``what`` (one of TEXTS) in a reader's language: ``str()`` renders it in the active one. A preset made
        outside the catalogue has its English only."""
        return _msg(self, what)


def _msg(item: Preset | Group, what: str) -> Msg | str:
    key = f"presets.{item.name}.{what}"
    return Msg(key) if known(key) else getattr(item, what)


def _english(name: str, what: str) -> str:
    return text(f"presets.{name}.{what}", "en")


def _preset(name: str, title: str | None = None, *, corpus: str, recipe: str, max_chars: int | None, model: dict,
            train: dict, source: str | None = None, published: str | None = None,
            explanation: str | None = None) -> Preset:  # fmt: skip
    """A preset from its corpus, recipe, length, model options and training options; each is checked. Its texts are
    the catalogue's (``presets.<name>.<what>``) unless given."""
    unknown = sorted(set(train) - {f.name for f in fields(TrainConfig)})
    if unknown:
        known = ", ".join(f.name for f in fields(TrainConfig))
        raise CharLMError("presets.unknown_train_option", name=name, unknown=", ".join(unknown), known=known)
    try:
        spec = RunSpec(corpus, recipe, max_chars, model=model, train=TrainConfig(**train), preset=name)
    except CharLMError as e:
        raise CharLMError("presets.invalid", name=name, problem=e.message) from None  # in the reader's language
    given = {"title": title, "source": source, "published": published, "explanation": explanation}
    texts = {what: given[what] if given[what] is not None else _english(name, what) for what in TEXTS}
    return Preset(name, spec=spec, **texts)


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

_PRESETS = (
    _preset(
        name="d2l-rnn",
        corpus="timemachine",
        recipe="d2l-0.17",
        max_chars=10_000,
        model={"cell": "rnn", "hidden_size": 512, "embedding_dim": 0},
        train=SCRATCH,
    ),
    _preset(
        name="d2l-rnn-concise",
        corpus="timemachine",
        recipe="d2l-0.17",
        max_chars=10_000,
        model={"cell": "rnn", "hidden_size": 512, "embedding_dim": 0},
        train=CONCISE,
    ),
    _preset(
        name="d2l-gru",
        corpus="timemachine",
        recipe="d2l-0.17",
        max_chars=10_000,
        model={"cell": "gru", "hidden_size": 256, "embedding_dim": 0},
        train=D2L_TRAIN,
    ),
    _preset(
        name="d2l-lstm",
        corpus="timemachine",
        recipe="d2l-0.17",
        max_chars=10_000,
        model={"cell": "lstm", "hidden_size": 256, "embedding_dim": 0},
        train=SCRATCH,
    ),
    _preset(
        name="d2l-lstm-concise",
        corpus="timemachine",
        recipe="d2l-0.17",
        max_chars=10_000,
        model={"cell": "lstm", "hidden_size": 256, "embedding_dim": 0},
        train=CONCISE,
    ),
    _preset(
        name="d2l-peephole",
        corpus="timemachine",
        recipe="d2l-0.17",
        max_chars=10_000,
        model={"cell": "peephole", "hidden_size": 256, "embedding_dim": 0},
        train=SCRATCH,
    ),
    _preset(
        name="d2l-deep-lstm",
        corpus="timemachine",
        recipe="d2l-0.17",
        max_chars=10_000,
        model={"cell": "lstm", "hidden_size": 256, "num_layers": 2, "embedding_dim": 0},
        train={**D2L_TRAIN, "lr": 2.0},  # keeps the last epoch, as the book
    ),
    _preset(
        name="d2l-bidirectional",
        corpus="timemachine",
        recipe="d2l-0.17",
        max_chars=10_000,
        model={"cell": "lstm", "hidden_size": 256, "num_layers": 2, "bidirectional": True, "embedding_dim": 0},
        train=D2L_TRAIN,
    ),
    _preset(
        name="zh-rnn",
        corpus="jaychou",
        recipe="d2l",
        max_chars=None,  # the recipe already keeps the first 10,000 characters
        model={"cell": "rnn", "hidden_size": 256, "embedding_dim": 0},
        train={**ZH_TRAIN, "epochs": 250, "lr": 1e-3, "sample_every": 50},
    ),
    _preset(
        name="zh-gru",
        corpus="jaychou",
        recipe="d2l",
        max_chars=None,
        model={"cell": "gru", "hidden_size": 256, "embedding_dim": 0},
        train={**ZH_TRAIN, "epochs": 160, "lr": 1e-2, "sample_every": 40},
    ),
    _preset(
        name="zh-lstm",
        corpus="jaychou",
        recipe="d2l",
        max_chars=None,
        model={"cell": "lstm", "hidden_size": 256, "embedding_dim": 0},
        train={**ZH_TRAIN, "epochs": 160, "lr": 1e-2, "sample_every": 40},
    ),
    _preset(
        name="zh-deep-lstm",
        corpus="jaychou",
        recipe="d2l",
        max_chars=None,
        model={"cell": "lstm", "hidden_size": 256, "num_layers": 2, "embedding_dim": 0},
        train={**ZH_TRAIN, "epochs": 160, "lr": 1e-2, "sample_every": 40},
    ),
    _preset(
        name="moliere",
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
    ),
    _preset(
        name="char-rnn",
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
    ),
    _preset(
        name="quick-lstm",
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
    ),
    _preset(
        name="timemachine-best",
        corpus="timemachine",
        recipe="d2l",
        max_chars=None,
        model={
            "cell": "lstm",
            "hidden_size": 512,
            "num_layers": 2,
            "dropout": 0.5,
            "weight_drop": 0.3,
            "embedding_dim": 64,
        },
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
    ),
    _preset(
        name="shakespeare",
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
    ),
)

PRESETS: dict[str, Preset] = {p.name: p for p in _PRESETS}


@dataclass(frozen=True)
class Group:
    """Presets a source sets side by side, trained one after the other and compared (the app's Compare tab): a pair
    (the first measured against the second, in tokens/s) or the chapter's trio."""

    name: str
    title: str
    presets: tuple[str, ...]
    published: str  # what the source found, e.g. "0.09× (28,797 against 319,759 tokens/s, on a GPU)"
    explanation: str = ""  # for a lecturer; a pair has none of its own (its first preset's says it)

    def __post_init__(self):
        unknown = [n for n in self.presets if n not in PRESETS]
        if unknown:
            raise CharLMError("presets.group_unknown", name=self.name, preset=unknown[0])

    @property
    def is_pair(self) -> bool:
        return len(self.presets) == 2

    def msg(self, what: str) -> Msg | str:
        """Its ``what`` (one of GROUP_TEXTS) in a reader's language."""
        return _msg(self, what)


def _group(name: str, *presets: str) -> Group:
    """A group of presets, its texts from the catalogue."""
    explanation = _english(name, "explanation") if known(f"presets.{name}.explanation") else ""
    return Group(name, _english(name, "title"), presets, _english(name, "published"), explanation)


GROUPS: dict[str, Group] = {
    group.name: group
    for group in (
        # the chapter's three cells on the book's recipe: its vanilla RNN from scratch (faster here than torch's
        # kernel), its GRU, its LSTM on torch's kernel (the scratch one takes 2.5× as long on a CPU)
        _group("trio-d2l", "d2l-rnn", "d2l-gru", "d2l-lstm-concise"),
        _group("pair-d2l-lstm", "d2l-lstm", "d2l-lstm-concise"),
        _group("pair-d2l-rnn", "d2l-rnn", "d2l-rnn-concise"),
        _group("pair-peephole", "d2l-peephole", "d2l-lstm"),
    )
}


def get(name: str) -> Preset:
    """The preset called ``name``; a CharLMError listing the names otherwise."""
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        raise CharLMError("presets.unknown", name=name, names=", ".join(PRESETS)) from None
