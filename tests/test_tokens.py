"""Token files (charlm.tokens): a text encoded once into a memory-mapped file, re-used while it is the same text,
split and vocabulary, made again (saying why) when it is not; and a 50 MB text trained within 600 MB."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from charlm.data import Dataset
from charlm.errors import CharLMError
from charlm.tokens import token_dataset
from charlm.vocab import Vocab

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def text(shared):
    return (shared / "timemachine.txt").read_text(encoding="utf-8")


def same(a: Dataset, b: Dataset) -> bool:
    return (a.vocab == b.vocab and torch.equal(a.train.long(), b.train.long()) and torch.equal(a.valid.long(), b.valid.long())
            and a.valid_unknown == b.valid_unknown)  # fmt: skip


def test_a_token_file_holds_what_dataset_from_text_holds_and_is_re_used(text, tmp_path):
    made, note = token_dataset(text, 0.1, folder=tmp_path, name="tm")
    assert str(note) == f"token file made: {tmp_path / 'tm.tokens'}"
    assert note.render("zh") == f"已生成词元文件：{tmp_path / 'tm.tokens'}"  # a Msg: the reader's language
    assert same(made, Dataset.from_text(text, 0.1))
    assert made.train.dtype == torch.uint8 and (tmp_path / "tm.tokens").stat().st_size == len(text)
    stamp = (tmp_path / "tm.tokens").stat().st_mtime_ns
    again, note = token_dataset(text, 0.1, folder=tmp_path, name="tm")
    assert str(note).startswith("token file re-used") and same(again, made)
    assert (tmp_path / "tm.tokens").stat().st_mtime_ns == stamp  # not written again
    batches = [
        Dataset.batches(d, "random", 4, 10, torch.Generator().manual_seed(0))
        for d in (again, Dataset.from_text(text, 0.1))
    ]
    for (x1, y1), (x2, y2) in zip(*batches, strict=True):
        assert x1.dtype == torch.int64 and torch.equal(x1, x2) and torch.equal(y1, y2)


def test_a_chinese_vocabulary_takes_two_bytes_a_character(shared, tmp_path):
    import zipfile

    with zipfile.ZipFile(shared / "jaychou_lyrics.txt.zip") as z:
        text = z.read(z.namelist()[0]).decode("utf-8")
    data, _ = token_dataset(text, 0.1, folder=tmp_path, name="jaychou")
    assert len(data.vocab) > 256 and data.train.dtype == torch.uint16
    assert (tmp_path / "jaychou.tokens").stat().st_size == 2 * len(text)
    assert same(data, Dataset.from_text(text, 0.1))


def _damage(kind: str, folder: Path, text: str) -> tuple[str, float]:
    """Change what the token file in ``folder`` was made from, or the file itself; the text and split to ask for."""
    header = folder / "tm.json"
    if kind == "the text changed":  # the same length: only the text's hash tells
        return text[:-1] + ("x" if text[-1] != "x" else "y"), 0.1
    if kind == "another validation split":
        return text, 0.2
    if kind == "truncated: 1,000 bytes of":
        with (folder / "tm.tokens").open("r+b") as f:
            f.truncate(1000)
    elif kind == "its header is unreadable":
        header.write_text("{not json")
    elif kind == "format 0, not 1":
        header.write_text(json.dumps({**json.loads(header.read_text()), "format": 0}))
    return text, 0.1


@pytest.mark.parametrize(
    "why",
    [
        "the text changed",
        "another validation split",
        "truncated: 1,000 bytes of",
        "its header is unreadable",
        "format 0, not 1",
    ],
)
def test_a_stale_or_damaged_token_file_is_made_again_saying_why(text, tmp_path, why):
    token_dataset(text, 0.1, folder=tmp_path, name="tm")
    new_text, fraction = _damage(why, tmp_path, text)
    data, note = token_dataset(new_text, fraction, folder=tmp_path, name="tm")
    assert str(note).startswith(f"token file made again ({why}")
    assert same(data, Dataset.from_text(new_text, fraction))


def test_a_token_file_of_another_vocabulary_is_made_again_with_the_one_asked_for(text, tmp_path):
    token_dataset(text, 0.1, folder=tmp_path, name="tm")
    older = Vocab(["<unk>", "t", "h", "e", " "])  # a resumed model's, say
    data, note = token_dataset(text, 0.1, older, folder=tmp_path, name="tm")
    assert str(note).startswith("token file made again (another vocabulary)") and data.vocab == older
    assert note.render("zh").startswith("已重新生成词元文件（词表不同）")
    assert same(data, Dataset.from_text(text, 0.1, vocab=older))


def test_a_text_too_short_to_split_says_so_before_any_file_is_written(tmp_path):
    with pytest.raises(CharLMError, match="too few to keep 10% for validation"):
        token_dataset("abc", 0.1, folder=tmp_path, name="short")
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
def test_a_50_mb_text_trains_within_600_mb_and_its_token_file_is_re_used(shared, tmp_path):
    """Measured as a fresh process's peak resident memory (it was 1.04 GB when the ids were Python ints)."""
    piece = (shared / "tinyshakespeare.txt").read_text(encoding="utf-8")
    big = tmp_path / "big.txt"
    big.write_text((piece * (50_000_000 // len(piece) + 1))[:50_000_000], encoding="utf-8")
    train = [sys.executable, "-m", "charlm", "train", "--text-file", str(big), "--epochs", "1", "--max-seconds", "0.5",
             "--hidden", "32", "--sample-every", "0", "--valid-chars", "100000", "--token-dir", str(tmp_path / "tokens"),
             "--out", str(tmp_path / "model")]  # fmt: skip
    measure = "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True, text=True); " \
              "print(r.stdout, r.stderr, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)"  # fmt: skip
    env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}  # no upload cap to raise: a local file is not an upload
    if "OMP_NUM_THREADS" in os.environ:  # an xdist worker's share of the cores (conftest)
        env["OMP_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"]
    for word in ("made", "re-used"):
        out = subprocess.run([sys.executable, "-c", measure, *train], capture_output=True, text=True, cwd=REPO, env=env)
        *printed, peak_kb, rc = out.stdout.split()
        printed = " ".join(printed)
        assert rc == "0", out.stdout + out.stderr
        assert f"token file {word}:" in printed and "Reached the time limit" in printed
        assert int(peak_kb) < 600_000, f"peak {int(peak_kb) / 1000:.0f} MB"
    # A text of the same length but another character is made again: test_a_stale_or_damaged_token_file_is_made_again_saying_why.
