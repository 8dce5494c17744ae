"""Texts of any size as token files: encoded once, memory-mapped, shared by every process that trains on them.

A token file is a text's character ids one after another — uint8 when the vocabulary has at most 256 entries,
uint16 up to 65,536, as nanoGPT's ``train.bin`` — beside a JSON header: the vocabulary, where the validation split
starts, the text's SHA-256 and the validation characters the training split never has. Training reads its batches
straight from the mapped file: a corpus costs its size on disk and the pages a batch touches, and the processes of a
torchrun job share one copy in the page cache. The file is re-used while the text, the split and the vocabulary are
the ones it was made from, and rebuilt (saying why) when any of them changed, or when it is damaged.

    data, note = token_dataset(text, 0.1, folder=token_dir(), name="timemachine-raw")
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch

from .corpora import cache_dir
from .data import Dataset, split_point
from .errors import CharLMError
from .i18n import Msg
from .provenance import sha256_of_text
from .vocab import CHUNK, Vocab

FORMAT = 1  # the layout of a token file and its header; files of another format are rebuilt
TOKEN_DIR_ENV = "CHARLM_TOKEN_DIR"
COUNTING, ENCODING = Msg("data.tokens_counting"), Msg("data.tokens_encoding")  # what ``progress`` hears is going on
_NONE_YET = "none yet"  # _read_if_current's answer when there is no file to re-use


def token_dir() -> Path:
    """Where token files are kept: ``CHARLM_TOKEN_DIR``, else ``tokens/`` in the corpora's cache."""
    env = os.environ.get(TOKEN_DIR_ENV, "")
    return Path(env).expanduser() if env else cache_dir() / "tokens"


def token_dataset(
    text: str, valid_fraction: float, vocab: Vocab | None = None, *, folder: str | Path, name: str, progress=None
) -> tuple[Dataset, Msg]:
    """``Dataset.from_text``'s split and vocabulary, its ids mapped from the token file ``folder/name.tokens``: made
    now, or re-used when it was made from this very text, split and vocabulary (``vocab``: one the ids must use, a
    resumed model's). Returns the dataset and a line saying which, and why a file was rebuilt (a ``Msg``: ``str()``
    renders it in the active language). ``progress(what, done, total)`` hears how making one goes, in characters;
    ``what`` is ``COUNTING`` or ``ENCODING`` (a ``Msg`` too)."""
    folder = Path(folder)
    stem = re.sub(r"[^\w.-]+", "_", name)
    path, header_path = folder / f"{stem}.tokens", folder / f"{stem}.json"
    cut = split_point(len(text), valid_fraction)  # the checks Dataset.from_text makes, first
    sha = sha256_of_text(text)
    header, stale = _read_if_current(path, header_path, sha, len(text), cut, vocab)
    if stale is None:
        note = Msg("data.tokens_reused", path=str(path))
    else:
        header = _write(text, cut, vocab, sha, path, header_path, progress)
        if stale is _NONE_YET:
            note = Msg("data.tokens_made", path=str(path))
        else:
            note = Msg("data.tokens_made_again", why=stale, path=str(path))
    vocab = Vocab(header["vocab"])
    ids = torch.from_file(str(path), shared=False, size=header["chars"], dtype=_torch_dtype(vocab.dtype))
    data = Dataset(vocab, ids[:cut], ids[cut:], Counter(header["valid_unknown"]))  # ids over a private memory map
    return data, note


def _read_if_current(path: Path, header_path: Path, sha: str, chars: int, cut: int, vocab: Vocab | None):
    """(the header, None) when the file can be used as it is; else (None, what is wrong with it in a few words, or
    _NONE_YET)."""
    if not path.exists() or not header_path.exists():
        return None, _NONE_YET
    try:
        header = json.loads(header_path.read_text(encoding="utf-8"))
        file_vocab = Vocab(header["vocab"])
        expected_bytes = header["chars"] * file_vocab.dtype.itemsize
        if header.get("format") != FORMAT:
            return None, Msg("data.tokens_format", found=header.get("format"), expected=FORMAT)
    except (OSError, ValueError, KeyError, TypeError, CharLMError):
        return None, Msg("data.tokens_header_unreadable")
    if header["text_sha256"] != sha or header["chars"] != chars:
        return None, Msg("data.tokens_text_changed")
    if header["train_chars"] != cut:
        return None, Msg("data.tokens_split_changed")
    if vocab is not None and file_vocab != vocab:
        return None, Msg("data.tokens_vocab_changed")
    if path.stat().st_size != expected_bytes:
        return None, Msg("data.tokens_truncated", size=path.stat().st_size, expected=expected_bytes)
    return header, None


def _write(text: str, cut: int, vocab: Vocab | None, sha: str, path: Path, header_path: Path, progress=None) -> dict:
    """Encode ``text`` into ``path`` through a memory map, then its header; each lands whole (``_aside``), so a
    reader never maps half a file. ``vocab`` None: the training split's characters, counted a part at a time."""
    if vocab is None:
        counts: Counter[str] = Counter()
        for start in range(0, cut, CHUNK):
            counts.update(text[start : min(start + CHUNK, cut)])
            if progress:
                progress(COUNTING, min(start + CHUNK, cut), cut)
        vocab = Vocab.from_counts(counts)
    with _aside(path) as tmp:
        out = np.memmap(tmp, dtype=vocab.dtype, mode="w+", shape=(len(text),))
        vocab.ids(text, out=out, progress=progress and (lambda done, total: progress(ENCODING, done, total)))
        out.flush()
        del out
    header = {
        "format": FORMAT,
        "text_sha256": sha,
        "chars": len(text),
        "train_chars": cut,
        "dtype": vocab.dtype.name,
        "vocab": list(vocab.tokens),
        "valid_unknown": dict(vocab.unknown(text[cut:])),
    }
    with _aside(header_path) as tmp:
        tmp.write_text(json.dumps(header, ensure_ascii=False), encoding="utf-8")
    return header


@contextmanager
def _aside(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` to write; renamed to ``path`` when the block ends well, removed if not."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".part")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would keep other users of a shared cache out
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _torch_dtype(dtype: np.dtype) -> torch.dtype:
    return torch.from_numpy(np.empty(0, dtype)).dtype
