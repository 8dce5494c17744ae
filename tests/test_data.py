"""The split, and the d2l book's two iterators, on small texts made here."""

import itertools

import pytest
import torch

from charlm.data import Dataset, evaluation_batches, min_train_chars, random_batches, sequential_batches
from charlm.errors import CharLMError

IDS = torch.arange(1000)  # ids equal to positions make every check a comparison of positions


def test_split_is_contiguous_and_the_vocabulary_comes_from_training_only():
    text = "abcd" * 45 + "xyz!" * 5  # 200 characters; x, y, z, ! only in the last 10%
    data = Dataset.from_text(text, valid_fraction=0.1)
    assert len(data.train) == 180 and len(data.valid) == 20
    assert set(data.vocab.tokens) == {"<unk>", "a", "b", "c", "d"}
    assert data.valid_unknown == {"x": 5, "y": 5, "z": 5, "!": 5}
    assert data.vocab.decode(data.train.tolist()) == text[:180]


@pytest.mark.parametrize("seed", range(5))
def test_random_batches_are_shuffled_non_overlapping_windows(seed):
    batches = list(random_batches(IDS, 4, 7, torch.Generator().manual_seed(seed)))
    starts = [int(x[0]) for X, _ in batches for x in X]
    assert len(starts) == len(set(starts)) and len(batches) == ((1000 - 7) // 7) // 4
    offsets = {s % 7 for s in starts}
    assert len(offsets) == 1  # one random offset per epoch
    for X, Y in batches:
        assert X.shape == Y.shape == (4, 7)
        assert torch.equal(Y, X + 1)  # targets: the next character
        assert torch.equal(X - X[:, :1], torch.arange(7).expand(4, 7))  # contiguous windows
    assert starts != sorted(starts)  # shuffled


@pytest.mark.parametrize("seed", range(5))
def test_sequential_batches_continue_each_row(seed):
    batches = list(sequential_batches(IDS, 4, 7, torch.Generator().manual_seed(seed)))
    for (X1, _), (X2, _) in itertools.pairwise(batches):
        assert torch.equal(X2[:, 0], X1[:, -1] + 1)  # row b picks up where it left off
    for X, Y in batches:
        assert torch.equal(Y, X + 1)


@pytest.mark.parametrize("sampling", ["random", "sequential"])
def test_the_minimum_length_gives_a_batch_whatever_the_offset(sampling):
    data = Dataset.from_text("ab" * 1000)
    data.train = torch.arange(min_train_chars(3, 5))
    for seed in range(30):
        assert len(list(data.batches(sampling, 3, 5, torch.Generator().manual_seed(seed)))) >= 1


def test_a_text_too_short_for_one_batch_says_the_minimum():
    data = Dataset.from_text("hello world, " * 20)
    with pytest.raises(CharLMError, match=r"has 234 characters, but a batch of 32 × 35 steps needs at least 1,156"):
        data.check_batch_fits(32, 35)
    with pytest.raises(CharLMError, match="too few to keep 10% for validation"):
        Dataset.from_text("abc")


def test_evaluation_batches_cover_the_whole_split_once():
    seen = torch.cat([X.reshape(-1) for X, _ in evaluation_batches(IDS, 8, 35)])
    assert len(seen) == len(set(seen.tolist())) >= 1000 - 8
    tiny = list(evaluation_batches(torch.arange(5), 32, 35))  # shorter than one window: one short row
    assert tiny[0][0].shape == (1, 4)
