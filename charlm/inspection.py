"""Looking inside a model: every gate for every character, how saturated the gates are, and which
units track something a person can name.

    t = trace(model, "the time traveller (for so it will be convenient ...")
    t.gates[0, 0]["f"]        # (T, H): layer 0, forward direction, forget gate, per character
    saturation(t)             # Karpathy, Johnson & Fei-Fei (2015): share of time each gate is < 0.1 or > 0.9
    find_units(t)             # "unit 37 of layer 1's cell tracks the position in the line (r = 0.91)"

Everything comes from the scratch engine's recording of the same model that generates text.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from .errors import CharLMError
from .generate import evaluating
from .model import CharLM

DEFAULT_MAX_CHARS = 2000  # longer texts are cut, with a notice: a trace grows as T × layers × gates × H
SIGMOID_GATES = ("i", "f", "o", "r", "z")  # gates in (0, 1), where saturation means something
GATE_NAMES = {
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
        """Sentences to show next to the pictures."""
        out = []
        if self.truncated:
            out.append(f"Only the first {len(self.text):,} characters are shown ({self.truncated:,} more were cut).")
        if self.unknown:
            chars = ", ".join(repr(c) for c, _ in self.unknown.most_common(10))
            out.append(f"Characters the model never saw, read as <unk>: {chars}.")
        if self.bidirectional:
            out.append(
                "This model is bidirectional: its guesses saw the characters to their right, "
                "so they are not predictions and its low loss is not earned."
            )
        return out


@torch.inference_mode()
def trace(model: CharLM, text: str, max_chars: int = DEFAULT_MAX_CHARS) -> Trace:
    """Run ``text`` through the model's scratch engine and keep every gate, guess and surprisal."""
    if not text:
        raise CharLMError("there is no text to inspect: type or paste some")
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


PROPERTIES: dict[str, Callable[[str], np.ndarray]] = {
    "inside quotes": _inside_quotes,
    "inside brackets": _inside_brackets,
    "position in the line": _position_in_line,
    "start of a word": lambda s: np.array(
        [c.isalnum() and (k == 0 or not s[k - 1].isalnum()) for k, c in enumerate(s)], float
    ),
    "whitespace": lambda s: np.array([c.isspace() for c in s], float),
    "vowel": lambda s: np.array([c.lower() in "aeiouyàâéèêëîïôùûü" for c in s], float),
    "upper case": lambda s: np.array([c.isupper() for c in s], float),
    "punctuation": lambda s: np.array([bool(re.match(r"[^\w\s]", c)) for c in s], float),
    "digit": lambda s: np.array([c.isdigit() for c in s], float),
}


@dataclass(frozen=True)
class Unit:
    property: str  # what it tracks, one of PROPERTIES
    layer: int
    direction: int  # 0 left to right, 1 right to left
    state: str  # "c" (cell) or "h" (hidden)
    unit: int
    correlation: float  # Pearson's r between the unit's value and the property, over the text's characters

    def __str__(self) -> str:
        where = f"layer {self.layer + 1}{' (reverse)' if self.direction else ''}"
        return f"unit {self.unit} of {where}'s {GATE_NAMES[self.state]} tracks {self.property} (r = {self.correlation:+.2f})"


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
