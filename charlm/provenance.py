"""Where a model came from: the record a checkpoint carries in its config.json, typed.

    p = Provenance.of(model)          # from a model's config.metadata, old checkpoints included
    p.corpus, p.recipe, p.text_file, p.text_sha256, p.command, p.hardware, p.training.best_valid_perplexity

The record is stored as flat keys of ``CharLMConfig.metadata`` (the keys older checkpoints already
have: corpus, recipe, max_chars, valid_fraction, source, title, preset, training), so every
checkpoint ever saved still loads, and a missing key reads as its default here.
"""

from __future__ import annotations

import hashlib
import os
import platform
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import torch

from .errors import CorpusError


@dataclass(frozen=True)
class TrainingRecord:
    """What the trainer saved: its configuration, one row per epoch, and the best epoch."""

    config: dict = field(default_factory=dict)  # TrainConfig as a dict
    history: list[dict] = field(default_factory=list)  # the Epoch events' fields, one dict per finished epoch
    best_epoch: int | None = None
    best_valid_perplexity: float | None = None

    @classmethod
    def from_dict(cls, data: dict | None) -> TrainingRecord:
        data = data if isinstance(data, dict) else {}
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


@dataclass(frozen=True)
class Provenance:
    """The data a model was trained on, how to make it again, and what it scored."""

    corpus: str | None = None  # a charlm.corpora.CORPORA name, "custom" for a user's text, None if unrecorded
    title: str = ""  # what the corpus is called in the UI
    recipe: str = "raw"  # the preprocessing recipe
    source: str = ""  # where the text came from: a path, a URL, "pasted text", an uploaded file's name
    max_chars: int | None = None  # only the first N characters were used
    valid_fraction: float = 0.1  # the last part of the text, held out
    text_file: str | None = None  # a user's text file, as an absolute path
    text_sha256: str | None = None  # SHA-256 of that file's bytes (or of a pasted text's UTF-8)
    preset: str | None = None  # the preset the run started from
    command: str = ""  # the command line that reproduces the run
    hardware: str = ""  # where it was trained
    charlm_version: str = ""  # the charlm that trained it (charlm.__version__)
    training: TrainingRecord = field(default_factory=TrainingRecord)

    @classmethod
    def from_metadata(cls, metadata: dict | None) -> Provenance:
        metadata = metadata if isinstance(metadata, dict) else {}
        values = {f.name: metadata[f.name] for f in fields(cls) if f.name in metadata and f.name != "training"}
        return cls(**values, training=TrainingRecord.from_dict(metadata.get("training")))

    @classmethod
    def of(cls, model) -> Provenance:
        """The provenance of a ``CharLM``."""
        return cls.from_metadata(model.config.metadata)

    def to_metadata(self) -> dict:
        """The flat keys for ``CharLMConfig.metadata``; an empty training record is left out."""
        data = asdict(self)
        if not self.training.history and self.training.best_epoch is None:
            data.pop("training")
        return data

    @property
    def is_user_text(self) -> bool:
        return self.corpus == "custom"

    def check_text_file(self) -> Path:
        """The recorded text file, when it is still there and unchanged; otherwise a CorpusError saying what
        moved or changed and what to do."""
        if not self.text_file:
            raise CorpusError("data.text_not_kept")
        path = Path(self.text_file)
        if not path.is_file():
            raise CorpusError("data.text_file_gone", path=str(path))
        if self.text_sha256 and (now := sha256_of_file(path)) != self.text_sha256:
            raise CorpusError("data.text_file_changed", path=str(path), was=self.text_sha256[:12], now=now[:12])
        return path


def sha256_of_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_of_text(text: str) -> str:
    """The SHA-256 of ``text`` in UTF-8, encoded a few million characters at a time (a large text is not copied)."""
    digest = hashlib.sha256()
    for start in range(0, len(text), 1 << 22):
        digest.update(text[start : start + (1 << 22)].encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def cpu_name() -> str:
    """The processor's model name (``lscpu``'s "Model name"), else what the platform module knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def hardware(device: torch.device | str) -> str:
    """One line: the device, the processor, the threads and torch's version."""
    device = torch.device(device)
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)}), torch {torch.__version__}"
    return f"{device} ({cpu_name()}, {torch.get_num_threads()} of {os.cpu_count()} cores), torch {torch.__version__}"
