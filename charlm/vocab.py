"""The character vocabulary: token strings ↔ integer ids, with an unknown token for the rest."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from .errors import CharLMError

UNK = "<unk>"


class Vocab:
    """Characters ↔ ids. Index 0 is ``<unk>`` (as in the d2l book): characters the vocabulary has not
    seen map there and are counted, never crashed on."""

    def __init__(self, tokens: Sequence[str]):
        tokens = list(tokens)
        if not tokens or tokens[0] != UNK:
            raise CharLMError(f"a vocabulary starts with {UNK!r}, then one entry per character")
        if len(set(tokens)) != len(tokens):
            dupes = sorted(t for t, n in Counter(tokens).items() if n > 1)
            raise CharLMError(f"the vocabulary lists these tokens twice: {dupes!r}")
        bad = [t for t in tokens[1:] if len(t) != 1]
        if bad:
            raise CharLMError(f"vocabulary entries after {UNK!r} must be single characters, not {bad[:5]!r}")
        self.tokens: tuple[str, ...] = tuple(tokens)
        self.index: dict[str, int] = {t: i for i, t in enumerate(tokens)}

    @classmethod
    def build(cls, text: Iterable[str]) -> Vocab:
        """The characters of ``text``, most frequent first (ties in code-point order), after ``<unk>``."""
        counts = Counter(text)
        return cls([UNK, *sorted(counts, key=lambda ch: (-counts[ch], ch))])

    def __len__(self) -> int:
        return len(self.tokens)

    def __eq__(self, other) -> bool:
        return isinstance(other, Vocab) and self.tokens == other.tokens

    def __repr__(self) -> str:
        return f"Vocab({len(self)} tokens: {''.join(self.tokens[1:40])!r}{'…' if len(self) > 40 else ''})"

    def encode(self, text: str) -> list[int]:
        """One id per character; characters outside the vocabulary become 0 (``<unk>``)."""
        get = self.index.get
        return [get(ch, 0) for ch in text]

    def unknown(self, text: str) -> Counter[str]:
        """The characters of ``text`` outside the vocabulary, with how often each occurs."""
        return Counter(ch for ch in text if ch not in self.index)

    def decode(self, ids: Iterable[int]) -> str:
        return "".join(self.tokens[i] for i in ids)
