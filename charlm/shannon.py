"""Shannon's guessing game: how many guesses a model needs for each character of a text, and the entropy bounds.

    game = play(model, "the time traveller (for so it will be convenient to speak of him) was ...")
    game.model.ranks              # guesses the model needed for each character after the first: 1 = right first time
    game.model.upper, .lower      # Shannon's bounds on the entropy, in bits per character
    game.model.bits_per_char      # the model's own cross-entropy, for comparison
    play(model, text, [3, 1, 1, 2]).human   # a person's guesses for the first characters, and their bounds

Shannon (1951, "Prediction and Entropy of Printed English") had people guess a text one letter at a time, each letter
until they got it right, knowing everything before it. Writing q_i for the share of letters that needed i guesses,
the entropy of the text per letter lies between

    lower = Σ_i i (q_i − q_{i+1}) log₂ i        (q_{M+1} = 0 past the largest count M)
    upper = −Σ_i q_i log₂ q_i

For English read with 100 letters of context he found about 0.6 to 1.3 bits per letter.

A model plays the same game without guessing aloud: its prediction from everything before a character ranks the
characters by probability, and the number of guesses it would need is that character's *rank*:

    rank = 1 + the number of characters the model finds strictly more probable than the true one

- **Ties.** A character tied with the true one is not counted: among equals the model is given the benefit of the doubt
  (it "guesses" the true one first). Ranks are counted on the logits, which order the characters exactly as the
  probabilities do, with none of the ties rounding can make; a trained model's logits are rarely exactly equal.
- **``<unk>``.** The vocabulary's unknown token (id 0) stands for characters the model never saw, not for one: it is
  never a guess (generation never draws it either) and it is left out of the ranking. The model's probabilities are
  those of the characters it may guess (the softmax over the vocabulary without ``<unk>``), which is what generation
  draws from at temperature 1; a trained model gives ``<unk>`` almost nothing, so its bits per character differ from
  ``python -m charlm evaluate``'s by a hair. A text with characters outside the vocabulary is refused, naming them: the
  model cannot guess a character it does not know.
- **One pass.** Each prediction reads everything before it: the text goes through the model once, left to right, in
  chunks of ``CHUNK`` characters with the state carried from one to the next (only memory changes with the chunk).
- **Bidirectional models are refused**: their prediction of a character has already read it.

A model's bounds measure its predictions, not English: they say how well the game goes for it. Its cross-entropy is a
different figure: it uses how sure the model was of each character, where the bounds use only the order of its
guesses (all that a person's guesses give), so it may fall on either side of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .errors import CharLMError
from .generate import evaluating
from .i18n import Msg
from .model import CharLM
from .vocab import UNK

CHUNK = 4096  # characters read per forward pass: the logits of a chunk are CHUNK × V floats
TABLE_ROWS = 10  # the summary's table shows 1 … 10 guesses, then one row for all the rest
SHOWN_CHARACTERS = 10  # unknown characters named in a refusal


@dataclass
class Guesses:
    """One player's game: how many guesses each character needed, and what that says about the entropy."""

    ranks: np.ndarray  # (N,) int: guesses needed for each predicted character, in order; 1 = right first time
    probabilities: np.ndarray | None  # (N,): the model's probability for each true character; None for a person
    q: np.ndarray  # (M,): q[i − 1] = q_i, the share of characters that needed i guesses, i = 1 … M = max(ranks)
    upper: float  # −Σ q_i log₂ q_i, bits per character
    lower: float  # Σ i (q_i − q_{i+1}) log₂ i, bits per character
    bits_per_char: float | None  # the model's cross-entropy: mean −log₂ p(true character); None for a person

    def to_dict(self) -> dict:
        """The JSON shape: {"ranks": [...], "upper": u, "lower": l} and, for a model, "bits_per_char"."""
        out = {"ranks": self.ranks.tolist(), "upper": self.upper, "lower": self.lower}
        if self.bits_per_char is not None:
            out["bits_per_char"] = self.bits_per_char
        return out


@dataclass
class Game:
    """A text played by a model, and by a person too when their guesses were given."""

    text: str
    model: Guesses  # for every character after the first
    human: Guesses | None = None  # for the first len(human.ranks) of them

    def to_dict(self) -> dict:
        """{"characters": n, "model": {...}, "human": {...}}: "human" only when a person played."""
        out = {"characters": len(self.text), "model": self.model.to_dict()}
        if self.human is not None:
            out["human"] = self.human.to_dict()
        return out

    def summary(self) -> list[Msg | str]:
        """What the command line prints for a person: a table of q_i, then each player's bounds (messages are
        rendered in the reader's language when shown)."""
        players = [self.model] + ([self.human] if self.human is not None else [])
        lines: list[Msg | str] = [Msg("shannon.played", chars=len(self.text), predicted=len(self.model.ranks)),
                                  Msg("shannon.columns_both" if self.human is not None else "shannon.columns")]  # fmt: skip
        for i in range(1, TABLE_ROWS + 2):
            if i <= TABLE_ROWS:
                label, shares = f"{i:>7}", [p.q[i - 1] if i <= len(p.q) else 0.0 for p in players]
            else:  # one row for every count past the table
                label, shares = f"{'≥ ' + str(i):>7}", [p.q[i - 1 :].sum() for p in players]
            lines.append(label + "".join(f"{share:>10.1%}" for share in shares))
        m = self.model
        lines.append(Msg("shannon.model_bounds", upper=m.upper, lower=m.lower, bpc=m.bits_per_char))
        if self.human is not None:
            h, k = self.human, len(self.human.ranks)
            _, upper, lower = bounds(m.ranks[:k])
            lines.append(Msg("shannon.human_bounds", count=k, upper=h.upper, lower=h.lower, model_upper=upper,
                             model_lower=lower))  # fmt: skip
        return lines


# -- Shannon's bounds, from any guess counts --------------------------------------------------------------------------


def shares(ranks: Sequence[int] | np.ndarray) -> np.ndarray:
    """q: q[i − 1] = the share of ``ranks`` equal to i, for i = 1 … max(ranks)."""
    ranks = np.asarray(ranks, dtype=np.int64)
    return np.bincount(ranks)[1:] / len(ranks)


def upper_bound(q: np.ndarray) -> float:
    """−Σ q_i log₂ q_i: the entropy of the guess counts (a rank with q_i = 0 adds nothing)."""
    q = q[q > 0]
    return float(-(q * np.log2(q)).sum()) + 0.0  # + 0.0: a text guessed right every time is 0, not −0


def lower_bound(q: np.ndarray) -> float:
    """Σ i (q_i − q_{i+1}) log₂ i, with q_{M+1} = 0. Shannon derives it for q_1 ≥ q_2 ≥ …, as an ideal predictor's
    counts are; counted shares need not be, and the formula is applied to them as it stands."""
    i = np.arange(1, len(q) + 1)
    q_next = np.append(q[1:], 0.0)  # q_{i+1}
    return float((i * (q - q_next) * np.log2(i)).sum())


def bounds(ranks: Sequence[int] | np.ndarray) -> tuple[np.ndarray, float, float]:
    """q, and Shannon's upper and lower bounds in bits per character, from guess counts (each ≥ 1)."""
    q = shares(ranks)
    return q, upper_bound(q), lower_bound(q)


# -- the model's game -------------------------------------------------------------------------------------------------


def check_text(model: CharLM, text: str) -> torch.Tensor:
    """The ids of ``text`` (T,), on the model's device; an error for a model or a text that cannot play."""
    if model.config.bidirectional:
        raise CharLMError("shannon.bidirectional")
    if len(text) < 2:
        raise CharLMError("shannon.too_short", chars=len(text))
    unknown = model.vocab.unknown(text)
    if unknown:
        chars = ", ".join(f"{c!r} ({n:,}×)" for c, n in unknown.most_common(SHOWN_CHARACTERS))
        more = len(unknown) - SHOWN_CHARACTERS
        known = "".join(model.vocab.tokens[1:])
        raise CharLMError("shannon.unknown_chars", chars=chars + (f", … (+{more})" if more > 0 else ""),
                          size=len(known), known=repr(known[:80]) + ("…" if len(known) > 80 else ""))  # fmt: skip
    return torch.tensor(model.vocab.encode(text), device=model.device)


@torch.inference_mode()
def rank_characters(model: CharLM, text: str, *, chunk: int = CHUNK) -> tuple[np.ndarray, np.ndarray]:
    """For each character of ``text`` after the first: its rank in the model's prediction from everything before it,
    and its probability (both (T − 1,)). One pass over the text, ``chunk`` characters at a time, the state carried."""
    ids = check_text(model, text)  # (T,)
    inputs, targets = ids[:-1], ids[1:]  # the last character is only guessed, the first only read
    unk = model.vocab.index[UNK]
    ranks, log_probs, state = [], [], None
    with evaluating(model):
        for start in range(0, len(inputs), chunk):
            x, y = inputs[start : start + chunk], targets[start : start + chunk]  # (n,) each
            logits, state = model(x[None], state)  # (1, n, V); the state goes on to the next chunk
            logits = logits[0].double()  # (n, V)
            logits[:, unk] = float("-inf")  # never a guess: below every character, and no probability
            true = logits.gather(1, y[:, None])  # (n, 1): the true character's logit
            ranks.append((logits > true).sum(1) + 1)  # 1 + the characters strictly more probable
            log_probs.append(torch.log_softmax(logits, dim=-1).gather(1, y[:, None])[:, 0])  # over guessable ones
    return torch.cat(ranks).cpu().numpy(), torch.cat(log_probs).exp().cpu().numpy()


def model_guesses(model: CharLM, text: str, *, chunk: int = CHUNK) -> Guesses:
    """The model's game on ``text``: its ranks, probabilities, bounds and cross-entropy."""
    ranks, probabilities = rank_characters(model, text, chunk=chunk)
    q, upper, lower = bounds(ranks)
    bits = float(-np.log2(probabilities).mean())
    return Guesses(ranks, probabilities, q, upper, lower, bits)


# -- a person's game --------------------------------------------------------------------------------------------------


def check_guesses(guesses: Sequence, predicted: int | None = None) -> list[int]:
    """The guess counts as a list, or an error: each must be a whole number ≥ 1, and there may be no more of them
    than the ``predicted`` characters of the text (every character after the first)."""
    guesses = list(guesses)
    if not guesses:
        raise CharLMError("shannon.no_guesses")
    whole = lambda g: isinstance(g, (int, np.integer)) and not isinstance(g, bool) and g >= 1  # noqa: E731
    bad = [g for g in guesses if not whole(g)]
    if bad:
        raise CharLMError("shannon.bad_guesses", values=", ".join(repr(g) for g in bad[:SHOWN_CHARACTERS]))
    if predicted is not None and len(guesses) > predicted:
        raise CharLMError("shannon.too_many_guesses", count=len(guesses), predicted=predicted, chars=predicted + 1)
    return [int(g) for g in guesses]


def parse_guesses(text: str) -> list[int | str]:
    """ "3,1,1,2" (commas or spaces between) → [3, 1, 1, 2]; a part that is not a whole number is kept as it was
    written, for ``check_guesses`` to name it."""
    return [int(part) if re.fullmatch(r"[+-]?\d+", part) else part for part in re.split(r"[,\s]+", text.strip()) if part]


def human_guesses(guesses: Sequence[int], predicted: int | None = None) -> Guesses:
    """A person's game: their guess counts for the first characters after the first, in order, and the bounds."""
    ranks = np.array(check_guesses(guesses, predicted), dtype=np.int64)
    q, upper, lower = bounds(ranks)
    return Guesses(ranks, None, q, upper, lower, None)


def play(model: CharLM, text: str, guesses: Sequence[int] | None = None, *, chunk: int = CHUNK) -> Game:
    """The model's game on ``text``; with a person's ``guesses`` (for its first characters after the first), theirs
    too. The guesses are checked before the model reads anything."""
    if guesses is not None and len(text) >= 2:
        check_guesses(guesses, len(text) - 1)
    model_game = model_guesses(model, text, chunk=chunk)
    return Game(text, model_game, human_guesses(guesses, len(model_game.ranks)) if guesses is not None else None)
