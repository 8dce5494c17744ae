"""Looking inside a model: every gate for every character, how saturated the gates are, and which
units track something a person can name.

    t = trace(model, "the time traveller (for so it will be convenient ...")
    t.gates[0, 0]["f"]        # (T, H): layer 0, forward direction, forget gate, per character
    saturation(t)             # Karpathy, Johnson & Fei-Fei (2015): share of time each gate is < 0.1 or > 0.9
    find_units(t)             # "unit 37 of layer 1's cell tracks the position in the line (r = 0.91)"
    state_path(t, layer=1)    # the hidden states on their first two principal components: a path, one point a character
    ablate(model, text, 1, 0, "c", 37)   # switch unit 37 off: what the text's perplexity and a sample become

Everything comes from the scratch engine's recording of the same model that generates text. How far
back a prediction looks (connectivity, memory span, gradients through time) is in ``charlm.memory``.
"""

from __future__ import annotations

import copy
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from .cells import cell_title_msg
from .errors import CharLMError
from .generate import evaluating, generate
from .i18n import DEFAULT, Msg, active
from .model import CharLM

DEFAULT_MAX_CHARS = 2000  # longer texts are cut, with a notice: a trace grows as T × layers × gates × H
SIGMOID_GATES = ("i", "f", "o", "r", "z")  # gates in (0, 1), where saturation means something
GATE_NAMES = {  # in English; in the reader's language: gate_name
    "i": "input gate",
    "f": "forget gate",
    "g": "candidate",
    "o": "output gate",
    "c": "cell state",
    "h": "hidden state",
    "r": "reset gate",
    "z": "update gate",
    "n": "candidate",
}
# What each cell records, listed in a sentence: "reset gate (r), update gate (z), candidate (n), hidden state (h)"
_RECORDED = {("h",): "inspection.records_rnn", ("r", "z", "n", "h"): "inspection.records_gru",
             ("i", "f", "g", "o", "c", "h"): "inspection.records_lstm"}  # fmt: skip


def gate_msg(key: str) -> Msg:
    """A gate's or state's name ("i", "f", "g", "o", "c", "h", "r", "z", "n") as a message, rendered when shown.
    The LSTM's candidate g and the GRU's candidate n are both "candidate" in English; in Chinese, 候选记忆元 and
    候选隐状态."""
    return Msg(f"inspection.gate.{key}")


def gate_name(key: str, lang: str | None = None, *, gloss: bool = False) -> str:
    """A gate's or state's name in ``lang`` (default: the active language): "forget gate", "遗忘门"; with ``gloss``,
    the English beside any other language's, for a student to look it up: "遗忘门 (forget gate)"."""
    name = gate_msg(key).render(lang)
    return f"{name} ({GATE_NAMES[key]})" if gloss and (lang or active()) != DEFAULT else name


@dataclass
class Trace:
    """What a model computed while reading a text, character by character."""

    text: str  # the characters read (after any truncation)
    cell: str  # "rnn", "gru", "lstm" or "peephole"
    gates: dict[tuple[int, int], dict[str, np.ndarray]]  # (layer, direction) → name → (T, H)
    top: list[list[tuple[str, float]]]  # per position: the 5 likeliest next characters, with probabilities
    surprisal: np.ndarray  # (T − 1,): −ln p(actual next character), nats
    bidirectional: bool  # if so, the guesses saw the text to the right: they are not predictions
    truncated: int = 0  # characters cut from the end of the input
    unknown: Counter = field(default_factory=Counter)  # characters outside the vocabulary (read as <unk>)

    @property
    def notices(self) -> list[str]:
        """Sentences to show next to the pictures, in the active language."""
        return [m.render() for m in self.notice_messages()]

    def notice_messages(self) -> list[Msg]:
        """The notices as messages, rendered when shown."""
        out = []
        if self.truncated:
            out.append(Msg("inspection.truncated", shown=len(self.text), cut=self.truncated))
        if self.unknown:
            chars = ", ".join(repr(c) for c, _ in self.unknown.most_common(10))
            out.append(Msg("inspection.unknown_chars", chars=chars))
        if self.bidirectional:
            out.append(Msg("inspection.bidirectional"))
        return out


@torch.inference_mode()
def trace(model: CharLM, text: str, max_chars: int = DEFAULT_MAX_CHARS) -> Trace:
    """Run ``text`` through the model's scratch engine and keep every gate, guess and surprisal."""
    if not text:
        raise CharLMError("inspection.no_text")
    truncated = max(0, len(text) - max_chars)
    text = text[:max_chars]
    vocab = model.vocab
    ids = torch.tensor([vocab.encode(text)], device=model.device)  # (1, T)
    with evaluating(model):
        logits, _, recording = model.record(ids)  # logits (1, T, V); recording[l][d][name] (1, T, H)
    gates = {
        (layer, direction): {name: v[0].float().cpu().numpy() for name, v in by_name.items()}
        for layer, by_direction in enumerate(recording)
        for direction, by_name in enumerate(by_direction)
    }
    log_probs = torch.log_softmax(logits[0].float(), dim=-1).cpu()  # (T, V)
    top_lp, top_ids = log_probs.topk(min(5, log_probs.shape[1]), dim=-1)
    top = [
        [(vocab.tokens[i], math.exp(lp)) for lp, i in zip(lps, idx, strict=True)]
        for lps, idx in zip(top_lp.tolist(), top_ids.tolist(), strict=True)
    ]
    surprisal = -log_probs[:-1].gather(1, ids[0, 1:].cpu()[:, None])[:, 0].numpy()
    return Trace(
        text, model.config.cell, gates, top, surprisal, model.config.bidirectional, truncated, vocab.unknown(text)
    )


def traced(model: CharLM, text: str, max_chars: int = DEFAULT_MAX_CHARS) -> tuple[Trace, list[Unit]]:
    """``trace`` and the units it finds (``find_units``): what Inspect shows of a text."""
    t = trace(model, text, max_chars)
    return t, find_units(t)


# -- saturation -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Saturation:
    layer: int
    direction: int
    gate: str  # one of SIGMOID_GATES
    left: np.ndarray  # (H,): share of characters where the unit's gate is below 0.1 (nearly shut)
    right: np.ndarray  # (H,): share where it is above 0.9 (nearly open)


def saturation(t: Trace, low: float = 0.1, high: float = 0.9) -> list[Saturation]:
    """Per gate and unit, how often the gate is nearly shut or nearly open (Karpathy et al. 2015, fig. 3)."""
    return [
        Saturation(layer, direction, name, (values < low).mean(axis=0), (values > high).mean(axis=0))
        for (layer, direction), by_name in t.gates.items()
        for name, values in by_name.items()
        if name in SIGMOID_GATES
    ]


# -- interpretable units --------------------------------------------------------------------------


def _inside_quotes(text: str) -> np.ndarray:
    """1 from an opening quotation mark to its closing one, both included. Straight quotes toggle;
    a ' between two letters is an apostrophe ("it's"), not a quotation mark."""
    inside, out = False, np.zeros(len(text))
    for k, ch in enumerate(text):
        apostrophe = ch == "'" and 0 < k < len(text) - 1 and text[k - 1].isalpha() and text[k + 1].isalpha()
        straight = ch in "\"'" and not apostrophe
        opens = ch in "“‘«" or (straight and not inside)
        closes = ch in "”’»" or (straight and inside)
        inside = inside or opens
        out[k] = inside
        inside = inside and not closes
    return out


def _inside_brackets(text: str) -> np.ndarray:
    """1 from an opening bracket to its closing one, both included, nested ones too."""
    depth, out = 0, np.zeros(len(text))
    for k, ch in enumerate(text):
        depth += ch in "([{"
        out[k] = depth > 0
        depth = max(0, depth - (ch in ")]}"))
    return out


def _position_in_line(text: str) -> np.ndarray:
    out, pos = np.zeros(len(text)), 0
    for k, ch in enumerate(text):
        out[k] = pos
        pos = 0 if ch == "\n" else pos + 1
    return out


def _position_in_word(text: str) -> np.ndarray:
    """1 for a word's first letter, 2 for its second, …; 0 between words."""
    out, pos = np.zeros(len(text)), 0
    for k, ch in enumerate(text):
        pos = pos + 1 if ch.isalnum() else 0
        out[k] = pos
    return out


PROPERTIES: dict[str, Callable[[str], np.ndarray]] = {
    "inside quotes": _inside_quotes,
    "inside brackets": _inside_brackets,
    "position in the line": _position_in_line,
    "position in the word": _position_in_word,
    "start of a word": lambda s: np.array(
        [c.isalnum() and (k == 0 or not s[k - 1].isalnum()) for k, c in enumerate(s)], float
    ),
    "whitespace": lambda s: np.array([c.isspace() for c in s], float),
    "vowel": lambda s: np.array([c.lower() in "aeiouyàâéèêëîïôùûü" for c in s], float),
    "upper case": lambda s: np.array([c.isupper() for c in s], float),
    "punctuation": lambda s: np.array([bool(re.match(r"[^\w\s]", c)) for c in s], float),
    "digit": lambda s: np.array([c.isdigit() for c in s], float),
}


def property_msg(key: str) -> Msg:
    """A property of ``PROPERTIES`` ("inside quotes", …) as a message, rendered when shown."""
    if key not in PROPERTIES:
        raise KeyError(key)
    return Msg("inspection.property." + key.replace(" ", "_"))


def property_name(key: str, lang: str | None = None) -> str:
    """A property of ``PROPERTIES`` in ``lang`` (default: the active language): "inside quotes", "引号内"."""
    return property_msg(key).render(lang)


def _layer(layer: int, direction: int, reverse: str = "inspection.layer_reverse") -> Msg:
    """ "layer 2", or "layer 2 (reverse)" (with ``reverse``'s words) for the right-to-left direction; from 0."""
    return Msg(reverse if direction else "inspection.layer", layer=layer + 1)


@dataclass(frozen=True)
class Unit:
    property: str  # what it tracks, one of PROPERTIES
    layer: int
    direction: int  # 0 left to right, 1 right to left
    state: str  # "c" (cell) or "h" (hidden)
    unit: int
    correlation: float  # Pearson's r between the unit's value and the property, over the text's characters

    def message(self) -> Msg:
        """ "unit 37 of layer 1's cell state tracks position in the line (r = +0.91)", rendered when shown."""
        return Msg("inspection.unit_tracks", unit=self.unit, where=_layer(self.layer, self.direction),
                   gate=gate_msg(self.state), property=property_msg(self.property), r=self.correlation)  # fmt: skip

    def __str__(self) -> str:  # in the active language
        return self.message().render()


def find_units(t: Trace, top: int = 10, per_property: int = 3, min_count: int = 3) -> list[Unit]:
    """The units whose state best follows each property of the text, best first.

    A property needs at least ``min_count`` characters both with and without it to be scored; each
    one contributes its ``per_property`` best units, and the ``top`` strongest of all are returned.
    """
    found: list[Unit] = []
    for name, compute in PROPERTIES.items():
        target = compute(t.text)
        varying = target.std() > 0 and min(np.sum(target > 0), np.sum(target == target.min())) >= min_count
        if not varying:
            continue
        candidates = []
        for (layer, direction), by_name in t.gates.items():
            for state in ("c", "h"):
                if state in by_name:
                    r = _correlations(by_name[state], target)  # (H,)
                    candidates += [Unit(name, layer, direction, state, int(u), float(r[u])) for u in range(len(r))]
        candidates.sort(key=lambda u: -abs(u.correlation))
        found += candidates[:per_property]
    found.sort(key=lambda u: -abs(u.correlation))
    return found[:top]


def _correlations(values: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Pearson's r of each column of ``values`` (T, H) with ``target`` (T,); 0 for constant columns."""
    v = values - values.mean(axis=0)
    y = target - target.mean()
    denominator = np.sqrt((v**2).sum(axis=0) * (y**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (v * y[:, None]).sum(axis=0) / denominator
    return np.nan_to_num(r)


def check_unit(model: CharLM, layer: int, direction: int, state: str, unit: int | None = None) -> None:
    """A clear error for a layer, direction, state or unit the model does not have (all counted from 0)."""
    c = model.config
    whole = lambda v: isinstance(v, int) and not isinstance(v, bool)  # noqa: E731
    if not whole(layer) or not 0 <= layer < c.num_layers:
        shown = layer + 1 if whole(layer) else repr(layer)  # counted from 1, as the app shows layers
        raise CharLMError("inspection.no_layer", layers=_layers(c.num_layers), layer=shown)
    if direction not in range(2 if c.bidirectional else 1):
        if direction == 1:
            raise CharLMError("inspection.no_reverse")
        raise CharLMError("inspection.bad_direction", value=direction)
    if state not in model.rnn.cell.recorded:
        gate = gate_msg(state) if state in GATE_NAMES else repr(state)
        raise CharLMError("inspection.no_such_state", cell=cell_title_msg(c.cell), gate=gate,
                          recorded=Msg(_RECORDED[model.rnn.cell.recorded]))  # fmt: skip
    if unit is not None and (not whole(unit) or not 0 <= unit < c.hidden_size):
        raise CharLMError("inspection.bad_unit", last=c.hidden_size - 1, value=unit)


def _layers(n: int) -> Msg:
    """ "1 layer", "2 layers"."""
    return Msg("inspection.layers_many" if n > 1 else "inspection.layers_one", count=n)


# -- the path of the hidden state -----------------------------------------------------------------


@dataclass(frozen=True)
class StatePath:
    """A layer's states over a text, projected on their first two principal components."""

    text: str
    xy: np.ndarray  # (T, 2): each character's state on the two components
    explained: tuple[float, float]  # the share of the states' variance each component holds
    layer: int
    direction: int
    state: str  # "h" or "c"


def state_path(t: Trace, layer: int = 0, direction: int = 0, state: str = "h") -> StatePath:
    """Principal components of the states of one layer and direction over the traced text (at least 3 characters)."""
    if (layer, direction) not in t.gates:
        layers = 1 + max(k[0] for k in t.gates)
        directions = Msg("inspection.two_directions" if t.bidirectional else "inspection.one_direction")
        reverse = Msg("inspection.path_right_to_left") if direction else ""
        raise CharLMError("inspection.no_path_layer", layers=_layers(layers), directions=directions, layer=layer + 1,
                          reverse=reverse)  # fmt: skip
    if state not in ("h", "c") or state not in t.gates[layer, direction]:
        raise CharLMError("inspection.path_state", value=state)
    if len(t.text) < 3:
        raise CharLMError("inspection.path_too_short")
    values = t.gates[layer, direction][state].astype(np.float64)  # (T, H)
    xy, variance = principal_components(values - values.mean(axis=0), 2)
    xy = xy * np.where(xy[np.abs(xy).argmax(axis=0), [0, 1]] < 0, -1, 1)  # signs fixed: the farthest point is +
    return StatePath(t.text, xy, (float(variance[0]), float(variance[1])), layer, direction, state)


def principal_components(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows of the centred ``x`` (T, H) on its first ``k`` principal components, (T, k), and the share of the
    variance each component holds, (max(k, ·),). From the eigenvectors of the smaller of xᵀx (H × H) and xxᵀ (T × T),
    not a whole SVD of x: for 1,000 characters of 512 units, a fifth of the time. A layer of fewer than ``k`` units
    has fewer components: the rest are zeros."""
    small = x.shape[0] < x.shape[1]
    eigenvalues, vectors = np.linalg.eigh(x @ x.T if small else x.T @ x)  # ascending
    eigenvalues, vectors = np.clip(eigenvalues[::-1], 0, None), vectors[:, ::-1]  # the largest first; no rounding < 0
    top = min(k, len(eigenvalues))
    coordinates = vectors[:, :top] * np.sqrt(eigenvalues[:top]) if small else x @ vectors[:, :top]
    coordinates = np.pad(coordinates, ((0, 0), (0, k - top)))
    variance = np.pad(eigenvalues, (0, max(0, k - len(eigenvalues)))) / max(float(eigenvalues.sum()), 1e-300)
    return coordinates, variance


# -- ablation ---------------------------------------------------------------------------------------


def switched_off(model: CharLM, layer: int, direction: int, state: str, unit: int) -> CharLM:
    """A copy of ``model`` whose unit is held at 0, by editing weights (so every engine and generation see it):

    - hidden state h: nothing reads the unit any more: its column of W_hh, and of the next layer's W_ih
      (or of the head), is zero; it still runs, unseen;
    - cell state c (the LSTMs): its candidate g is held at tanh(0) = 0, so c stays at its initial 0, and so
      does h = o ⊙ tanh(c).
    """
    check_unit(model, layer, direction, state, unit)
    if state not in ("h", "c"):
        raise CharLMError("inspection.switch_off_state", gate=gate_msg(state))
    off = copy.deepcopy(model)
    rnn, H = off.rnn, off.config.hidden_size
    with torch.no_grad():
        w = rnn._weights(layer, direction)
        if state == "c":
            for weight in (w.weight_ih, w.weight_hh, w.bias_ih, w.bias_hh):
                if weight is not None:
                    weight[2 * H + unit] = 0  # the candidate's row (gate order i, f, g, o)
        else:
            w.weight_hh[:, unit] = 0
            column = direction * H + unit  # where the unit sits in the layer's output, both directions side by side
            readers = [rnn._weights(layer + 1, d).weight_ih for d in range(rnn.num_directions)] \
                if layer + 1 < rnn.num_layers else [off.head.weight]  # fmt: skip
            for weight in readers:
                weight[:, column] = 0
    rnn.flatten_parameters()
    return off


@dataclass
class Ablation:
    """What changes when one unit is held at 0."""

    label: Msg  # "unit 37 of layer 2's cell state", rendered when shown (``unit``: in the active language)
    perplexity_on: float  # of the text, as the model is
    perplexity_off: float  # with the unit held at 0
    changed: list[tuple[int, str, float, float]]  # (position, character, p with, p without): most changed first
    sample_on: str  # a sample as the model is
    sample_off: str  # the same seed with the unit off
    prefix: str  # what both samples start from

    @property
    def unit(self) -> str:
        """ "unit 37 of layer 2's cell state", in the active language."""
        return self.label.render()


def ablate(model: CharLM, text: str, layer: int, direction: int, state: str, unit: int, *, length: int = 200,
           temperature: float = 0.7, seed: int = 0, top: int = 10) -> Ablation:  # fmt: skip
    """Hold a unit at 0 and compare: the perplexity of ``text``, the characters whose probability moved most
    (in log-probability), and a sample of ``length`` characters with the same seed."""
    if len(text) < 2:
        raise CharLMError("inspection.two_characters")
    off = switched_off(model, layer, direction, state, unit)
    ids = torch.tensor([model.vocab.encode(text)], device=model.device)

    @torch.inference_mode()
    def log_p(m: CharLM) -> np.ndarray:
        with evaluating(m):
            logits, _ = m(ids)
        return torch.log_softmax(logits[0, :-1].double(), -1).gather(1, ids[0, 1:, None])[:, 0].cpu().numpy()

    on, without = log_p(model), log_p(off)
    order = np.argsort(-np.abs(on - without), kind="stable")[:top]
    changed = [(int(k) + 1, text[k + 1], math.exp(on[k]), math.exp(without[k])) for k in order]
    options = {"temperature": temperature, "seed": seed}
    sample_on, sample_off = (generate(m, "", length, **options) for m in (model, off))
    where = _layer(layer, direction, reverse="inspection.layer_right_to_left")
    label = Msg("inspection.unit_of", unit=unit, where=where, gate=gate_msg(state))
    return Ablation(label, math.exp(-on.mean()), math.exp(-without.mean()), changed, sample_on.texts[0],
                    sample_off.texts[0], sample_on.prefix)  # fmt: skip
