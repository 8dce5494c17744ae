"""From text to minibatches: a contiguous train/validation split, the vocabulary, and the d2l book's
two iterators over the training ids.

- ``random_batches``: a random offset, non-overlapping subsequences of ``num_steps`` characters in
  shuffled order. Neighbouring batches are unrelated, so the state starts from zero every batch.
- ``sequential_batches``: a random offset, the stream cut into ``batch_size`` rows read left to right
  in windows of ``num_steps``. Row b of one batch continues row b of the previous one, so the state
  carries over (detached: truncated backpropagation through time).

Each yields (X, Y) of shape (batch_size, num_steps), Y being X shifted one character ahead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import Tensor

from .errors import CharLMError, check_whole
from .i18n import Msg
from .vocab import Vocab

SAMPLING = ("random", "sequential")


def split_point(chars: int, valid_fraction: float) -> int:
    """Where a text of ``chars`` characters splits: the first (1 − valid_fraction) for training, the rest for
    validation; an error a user can act on when either part would be too short."""
    if not isinstance(valid_fraction, (int, float)) or not 0.0 < valid_fraction < 0.5:
        raise CharLMError("data.valid_fraction", value=valid_fraction)
    cut = round(chars * (1.0 - valid_fraction))
    if chars - cut < 2 or cut < 2:
        raise CharLMError("data.split_too_short", chars=chars, fraction=valid_fraction)
    return cut


def min_train_chars(batch_size: int, num_steps: int) -> int:
    """The fewest training characters that give one full batch whatever the random offset."""
    return (batch_size + 1) * num_steps + 1


@dataclass
class Dataset:
    """A text split into training and validation ids over the training split's vocabulary."""

    vocab: Vocab  # built from the training split only
    train: Tensor  # (N,) ids: the first part of the text, uint8 or uint16 (vocab.dtype); batches come out int64
    valid: Tensor  # (M,) ids: the last part, never trained on
    valid_unknown: Counter  # validation characters the training split never had, mapped to <unk>

    @classmethod
    def from_text(cls, text: str, valid_fraction: float = 0.1, vocab: Vocab | None = None) -> Dataset:
        """Split ``text`` contiguously: the first (1 − valid_fraction) for training, the rest for validation."""
        cut = split_point(len(text), valid_fraction)
        train_text, valid_text = text[:cut], text[cut:]
        vocab = vocab or Vocab.build(train_text)
        ids = torch.from_numpy(vocab.ids(text))  # (N + M,) compact: a 50 MB text is 50 MB of ids, not 1.8 GB
        return cls(vocab=vocab, train=ids[:cut], valid=ids[cut:], valid_unknown=vocab.unknown(valid_text))

    def check_batch_fits(self, batch_size: int, num_steps: int) -> None:
        """Raise a CharLMError naming the minimum when the training split is too short for one batch."""
        check_whole(Msg("data.batch_size"), batch_size)
        check_whole(Msg("data.num_steps"), num_steps)
        need = min_train_chars(batch_size, num_steps)
        if len(self.train) < need:
            raise CharLMError(
                "data.batch_too_long", chars=len(self.train), batch_size=batch_size, num_steps=num_steps, need=need
            )

    def batches(
        self, sampling: str, batch_size: int, num_steps: int, generator: torch.Generator
    ) -> Iterator[tuple[Tensor, Tensor]]:
        if sampling not in SAMPLING:
            raise CharLMError("data.sampling", value=sampling)
        self.check_batch_fits(batch_size, num_steps)
        iterate = random_batches if sampling == "random" else sequential_batches
        return iterate(self.train, batch_size, num_steps, generator)

    def steps_per_epoch(self, batch_size: int, num_steps: int) -> int:
        """Batches in one epoch (the larger of the two offsets' counts: an upper bound for progress bars)."""
        return max(1, (len(self.train) - 1) // (batch_size * num_steps))


def random_batches(ids: Tensor, batch_size: int, num_steps: int, generator: torch.Generator):
    """The d2l book's ``seq_data_iter_random``: shuffled, non-overlapping subsequences."""
    offset = int(torch.randint(0, num_steps, (1,), generator=generator))
    ids = ids[offset:]
    num_subseqs = (len(ids) - 1) // num_steps
    starts = torch.randperm(num_subseqs, generator=generator) * num_steps  # (S,) shuffled start positions
    window = torch.arange(num_steps)  # (T,)
    for i in range(0, (num_subseqs // batch_size) * batch_size, batch_size):
        idx = starts[i : i + batch_size, None] + window  # (B, T) positions
        yield ids[idx].long(), ids[idx + 1].long()


def sequential_batches(ids: Tensor, batch_size: int, num_steps: int, generator: torch.Generator):
    """The d2l book's ``seq_data_iter_sequential``: rows that continue from one batch to the next."""
    offset = int(torch.randint(0, num_steps + 1, (1,), generator=generator))
    num_tokens = ((len(ids) - offset - 1) // batch_size) * batch_size
    xs = ids[offset : offset + num_tokens].view(batch_size, -1)  # (B, N/B)
    ys = ids[offset + 1 : offset + 1 + num_tokens].view(batch_size, -1)
    for i in range(0, (xs.shape[1] // num_steps) * num_steps, num_steps):
        yield xs[:, i : i + num_steps].long(), ys[:, i : i + num_steps].long()


def evaluation_batches(ids: Tensor, batch_size: int, num_steps: int) -> Iterator[tuple[Tensor, Tensor]]:
    """Every position of ``ids`` (but a tail shorter than the number of rows) in sequential windows,
    for a loss over the whole split with the state carried, as a reader of the text would have it."""
    rows = max(1, min(batch_size, (len(ids) - 1) // num_steps))
    cols = (len(ids) - 1) // rows
    xs = ids[: rows * cols].view(rows, cols)
    ys = ids[1 : rows * cols + 1].view(rows, cols)
    for i in range(0, cols, num_steps):
        yield xs[:, i : i + num_steps].long(), ys[:, i : i + num_steps].long()
