"""The shipped checkpoints: each loads, is safetensors only, and still scores the figure its card states.

The figures in README.md and in checkpoints/README.md come from these folders' config.json; this test
evaluates each stored model again on its corpus (from the reference copies) with its recipe and split,
so a figure that the weights no longer reach, or a recipe whose text has changed since, fails here.
"""

import json
import math
from pathlib import Path

import pytest

from charlm import CharLM
from charlm.corpora import load_corpus
from charlm.data import Dataset
from charlm.train import evaluate

CHECKPOINTS = Path(__file__).resolve().parents[1] / "checkpoints"
NAMES = sorted(p.name for p in CHECKPOINTS.iterdir() if (p / "config.json").is_file())
MAX_TOTAL_MB = 40  # the budget for the whole folder


def test_there_are_the_checkpoints_the_readmes_list():
    assert {"timemachine-raw", "timemachine-best", "timemachine-rnn", "timemachine-gru", "timemachine-lstm"} <= set(NAMES)
    assert {"tinyshakespeare-lstm", "moliere-lstm", "jaychou-lstm"} <= set(NAMES)
    listed = (CHECKPOINTS / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in listed for name in NAMES)


def test_the_folder_is_small_and_holds_no_pickles():
    files = [p for p in CHECKPOINTS.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < MAX_TOTAL_MB * 1_000_000
    assert not [p for p in files if p.suffix in (".bin", ".pt", ".pth", ".pkl", ".ckpt")]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_a_checkpoint_scores_what_its_card_says(name, shared):
    folder = CHECKPOINTS / name
    meta = json.loads((folder / "config.json").read_text(encoding="utf-8"))["metadata"]
    claimed = meta["training"]["best_valid_perplexity"]
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert f"{claimed:.3f}" in card and "python -m charlm train" in card

    model = CharLM.from_pretrained(folder)
    assert next(model.parameters()).dtype.is_floating_point and model.config.metadata["corpus"] == meta["corpus"]
    corpus = load_corpus(meta["corpus"], meta["recipe"], data_dir=shared)
    text = corpus.text[: meta["max_chars"]] if meta.get("max_chars") else corpus.text
    data = Dataset.from_text(text, meta.get("valid_fraction", 0.1), vocab=model.vocab)
    measured = math.exp(evaluate(model, data.valid))
    # Stored in float16 where large: the figure holds within 0.5% of the one measured in training.
    assert measured == pytest.approx(claimed, rel=5e-3), f"{name}: card {claimed:.3f}, measured {measured:.3f}"
