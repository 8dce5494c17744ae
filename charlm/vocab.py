"""The character vocabulary: token strings ↔ integer ids, with an unknown token for the rest."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from .errors import CharLMError

UNK = "<unk>"
CHUNK = 1 << 22  # characters ``ids`` encodes at once: 16 MB of code points


class Vocab:
    """Characters ↔ ids. Index 0 is ``<unk>`` (as in the d2l book): characters the vocabulary has not
    seen map there and are counted, never crashed on."""

    def __init__(self, tokens: Sequence[str]):
        tokens = list(tokens)
        if not tokens or tokens[0] != UNK:
            raise CharLMError("data.vocab_starts_with_unk", unk=UNK)
        if len(set(tokens)) != len(tokens):
            dupes = sorted(t for t, n in Counter(tokens).items() if n > 1)
            raise CharLMError("data.vocab_twice", tokens=dupes)
        bad = [t for t in tokens[1:] if len(t) != 1]
        if bad:
            raise CharLMError("data.vocab_not_characters", unk=UNK, entries=bad[:5])
        self.tokens: tuple[str, ...] = tuple(tokens)
        self.index: dict[str, int] = {t: i for i, t in enumerate(tokens)}

    @classmethod
    def build(cls, text: Iterable[str]) -> Vocab:
        """The characters of ``text``, most frequent first (ties in code-point order), after ``<unk>``."""
        return cls.from_counts(Counter(text))

    @classmethod
    def from_counts(cls, counts: Counter[str]) -> Vocab:
        """``build``'s vocabulary from the characters' counts (a large text counted a part at a time)."""
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

    @property
    def dtype(self) -> np.dtype:
        """The smallest unsigned integer that holds every id: uint8 up to 256 tokens, uint16 up to 65,536."""
        if len(self) > 1 << 16:
            raise CharLMError("data.vocab_too_large", size=len(self))
        return np.dtype(np.uint8 if len(self) <= 1 << 8 else np.uint16)

    def ids(self, text: str, out: np.ndarray | None = None, progress=None) -> np.ndarray:
        """``encode`` for texts of any size: the ids as a compact array (``dtype``), a few million characters at a
        time, where ``encode``'s list of Python ints costs 36 bytes a character. ``out``: where to write them (a
        memory-mapped file, say), ``len(text)`` long; ``progress(done, total)`` is called after each part."""
        table = np.zeros(max(map(ord, self.tokens[1:]), default=0) + 2, dtype=self.dtype)  # code point → id; 0: <unk>
        for i, token in enumerate(self.tokens[1:], 1):
            table[ord(token)] = i
        beyond = len(table) - 1  # every code point past the vocabulary's largest looks up this 0
        out = np.empty(len(text), dtype=self.dtype) if out is None else out
        for start in range(0, len(text), CHUNK):
            points = np.frombuffer(text[start : start + CHUNK].encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            out[start : start + len(points)] = table[np.minimum(points, beyond)]
            if progress:
                progress(start + len(points), len(text))
        return out

    def unknown(self, text: str) -> Counter[str]:
        """The characters of ``text`` outside the vocabulary, with how often each occurs."""
        return Counter(ch for ch in text if ch not in self.index)

    def decode(self, ids: Iterable[int]) -> str:
        return "".join(self.tokens[i] for i in ids)
