"""The character-level language model: input encoding → recurrent stack → linear head.

    tokens (B, T) ─ one-hot or embedding → (T, B, E) ─ RNN/GRU/LSTM stack → (T, B, D·H) ─ head → logits (B, T, V)

Checkpoints are ``save_pretrained`` folders (huggingface_hub's PyTorchModelHubMixin): ``config.json``
holding this module's ``CharLMConfig`` (vocabulary included), ``model.safetensors`` and a model card.
``from_pretrained`` reads safetensors only — it never unpickles — and checks that every tensor fits.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import safetensors.torch
import torch
import torch.nn.functional as F
from huggingface_hub import PyTorchModelHubMixin, constants, hf_hub_download
from huggingface_hub.errors import (
    EntryNotFoundError,
    HfHubHTTPError,
    HFValidationError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
)
from huggingface_hub.utils import validate_repo_id
from torch import Tensor, nn

from .cells import CELLS
from .device import pick_device
from .errors import CharLMError, CheckpointError, check_probability, check_whole
from .layers import LAYERS, Recording
from .provenance import Provenance
from .vocab import Vocab

CONFIG_FILE = constants.CONFIG_NAME  # "config.json"
WEIGHTS_FILE = constants.SAFETENSORS_SINGLE_FILE  # "model.safetensors"
MAX_PARAMETERS = 500_000_000  # a model this size is 2 GB of float32: far past any character model's need
CELL_NAMES = {name: cell.title for name, cell in CELLS.items()}  # "vanilla RNN", "GRU", …

MODEL_CARD = """
---
{{ card_data }}
---

# {{ title }}

A character-level language model made with charlm (recurrent cells written from scratch in PyTorch): {{ summary }}.

{{ training | default("", true) }}

## Use

```python
from charlm import CharLM
model = CharLM.from_pretrained("{{ repo_id | default("path/to/this/folder", true) }}")
```

The weights are in `model.safetensors`; `config.json` holds the architecture and the vocabulary.
"""


@dataclass
class CharLMConfig:
    """Everything needed to rebuild a CharLM, saved as its checkpoint's config.json."""

    vocab: list[str]  # the tokens, index = id: "<unk>" first, then one character each
    cell: str = "lstm"  # "rnn", "gru", "lstm" or "peephole"
    hidden_size: int = 256  # units per layer and direction (the d2l book: 256)
    num_layers: int = 1  # stacked recurrent layers; 2 or more makes a "deep" RNN
    bidirectional: bool = False  # also read right to left: it sees the future, so it cannot generate
    dropout: float = 0.0  # between stacked layers and before the head (char-rnn uses 0.5)
    weight_drop: float = 0.0  # DropConnect on the recurrent weights W_hh while training (AWD-LSTM uses 0.5)
    embedding_dim: int = 0  # 0: one-hot inputs, as the d2l book; > 0: a learned embedding of this size
    nonlinearity: str = "tanh"  # the vanilla RNN's: "tanh" or "relu"
    metadata: dict = field(default_factory=dict)  # how it was trained (corpus, preprocessing, split, ...)

    def __post_init__(self):
        if self.cell not in LAYERS:
            raise CharLMError(f"cell must be one of {', '.join(LAYERS)}, not {self.cell!r}")
        check_whole("hidden_size", self.hidden_size)
        check_whole("num_layers", self.num_layers)
        check_whole("embedding_dim", self.embedding_dim, minimum=0)  # 0 means one-hot
        check_probability("dropout", self.dropout)
        check_probability("weight_drop", self.weight_drop)
        if self.nonlinearity not in ("tanh", "relu"):
            raise CharLMError(f"nonlinearity must be 'tanh' or 'relu', not {self.nonlinearity!r}")
        if not isinstance(self.vocab, list):
            self.vocab = list(self.vocab)
        Vocab(self.vocab)  # raises if malformed
        n = self.num_parameters()
        if n > MAX_PARAMETERS:
            raise CharLMError(
                f"this model would have {n:,} parameters ({n * 4 / 1e9:.1f} GB); the limit is {MAX_PARAMETERS:,}. "
                "Use fewer layers or a smaller hidden size."
            )

    def num_parameters(self) -> int:
        """The parameter count, computed without building the model."""
        V, H, L = len(self.vocab), self.hidden_size, self.num_layers
        D = 2 if self.bidirectional else 1
        G = CELLS[self.cell].num_gates
        E = self.embedding_dim or V
        per_direction = lambda inputs: G * H * (inputs + H + 2) + (3 * H if self.cell == "peephole" else 0)  # noqa: E731
        stack = D * per_direction(E) + (L - 1) * D * per_direction(D * H)
        embedding = V * self.embedding_dim
        return embedding + stack + (D * H + 1) * V

    @classmethod
    def from_dict(cls, data: dict) -> CharLMConfig:
        if not isinstance(data, dict) or "vocab" not in data:
            raise CharLMError("a charlm config is a JSON object with at least a 'vocab' list")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def to_dict(self) -> dict:
        return asdict(self)


class CharLM(
    nn.Module,
    PyTorchModelHubMixin,
    library_name="charlm",
    tags=["character-level", "rnn", "text-generation"],
    license="mit",
    model_card_template=MODEL_CARD,
):
    """A character-level recurrent language model over one of charlm's layers."""

    def __init__(self, config: CharLMConfig):
        super().__init__()
        self.config = config
        self.vocab = Vocab(config.vocab)
        V, H, D = len(self.vocab), config.hidden_size, 2 if config.bidirectional else 1
        if config.embedding_dim:
            self.embedding = nn.Embedding(V, config.embedding_dim)
        else:
            self.embedding = None  # one-hot: each character is a column of W_ih, as in the d2l book
        extra = {"nonlinearity": config.nonlinearity} if config.cell == "rnn" else {}
        self.rnn = LAYERS[config.cell](
            config.embedding_dim or V,
            H,
            config.num_layers,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
            bidirectional=config.bidirectional,
            weight_drop=config.weight_drop,
            **extra,
        )
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(D * H, V)

    @classmethod
    def seeded(cls, config: CharLMConfig, seed: int) -> CharLM:
        """A new model whose initial weights depend on ``seed`` alone, so a run can be repeated exactly
        (torch's global random state is left as it was)."""
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return cls(config)

    def describe(self) -> str:
        """One line a person can read: "2-layer bidirectional GRU, 256 hidden units, ..."."""
        c = self.config
        parts = [
            f"{c.num_layers}-layer{' bidirectional' if c.bidirectional else ''} {CELL_NAMES[c.cell]}",
            f"{c.hidden_size} hidden units",
            f"{'embedding ' + str(c.embedding_dim) if c.embedding_dim else 'one-hot inputs'}",
            f"vocabulary of {len(self.vocab)}",
            f"{self.num_parameters:,} parameters",
        ]
        if c.weight_drop:
            parts.insert(3, f"weight drop {c.weight_drop:g}")
        if c.dropout:
            parts.insert(3, f"dropout {c.dropout:g}")
        return ", ".join(parts)

    def generate_model_card(self, *args, **kwargs):
        kwargs.setdefault("title", f"charlm {CELL_NAMES[self.config.cell]}")
        kwargs.setdefault("summary", self.describe())
        card = super().generate_model_card(*args, **kwargs)
        mixin_tags = [t for t in card.data.tags or [] if "mixin" in t]
        card.data.tags = ["character-level", "rnn", self.config.cell, "text-generation", *mixin_tags]
        return card

    @property
    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    @property
    def device(self) -> torch.device:
        return self.head.weight.device

    def encode_inputs(self, tokens: Tensor) -> Tensor:
        """tokens (T, B) → the recurrent stack's inputs (T, B, E)."""
        if self.embedding is not None:
            return self.embedding(tokens)
        return F.one_hot(tokens, len(self.vocab)).to(self.head.weight.dtype)

    def forward(self, tokens: Tensor, state=None, *, engine: str = "auto") -> tuple[Tensor, object]:
        """tokens (B, T) of ids → logits (B, T, V) for the next character at every position, final state."""
        out, state = self.rnn(self.encode_inputs(tokens.t()), state, engine=engine)  # (T, B, D·H)
        logits = self.head(self.drop(out))  # (T, B, V)
        return logits.transpose(0, 1), state

    def step(self, tokens: Tensor, state=None) -> tuple[Tensor, object]:
        """One character per sequence: tokens (B,) → logits (B, V) for the next one, and the new state.
        The cheap path for generation (see ``RecurrentLayer.step``); unidirectional models only."""
        x = (
            self.embedding(tokens)
            if self.embedding is not None
            else F.one_hot(tokens, len(self.vocab)).to(self.head.weight.dtype)
        )
        h, state = self.rnn.step(x, state)  # (B, H)
        return self.head(h), state

    def record(self, tokens: Tensor, state=None) -> tuple[Tensor, object, Recording]:
        """Like ``forward`` on the scratch engine, also returning every gate: recording[layer][direction]
        [name] is (B, T, H)."""
        out, state, recording = self.rnn.record(self.encode_inputs(tokens.t()), state)
        logits = self.head(self.drop(out)).transpose(0, 1)
        recording = [[{k: v.transpose(0, 1) for k, v in d.items()} for d in layer] for layer in recording]
        return logits, state, recording

    # -- checkpoints -----------------------------------------------------------------------------

    def save_pretrained(self, save_directory, *, weights_dtype: torch.dtype | None = None, **kwargs):
        """huggingface_hub's save_pretrained (config.json, model.safetensors, README.md model card); with
        ``weights_dtype=torch.float16`` the weights file is half the size, and ``from_pretrained`` restores float32."""
        self._weights_dtype = weights_dtype  # read by _save_pretrained, which the mixin calls without arguments
        try:
            return super().save_pretrained(save_directory, **kwargs)
        finally:
            del self._weights_dtype

    def _save_pretrained(self, save_directory: Path) -> None:
        """model.safetensors, written from a CPU copy of every tensor: on a GPU the recurrent weights are views
        into the one block cuDNN reads, which safetensors will not write as they are."""
        dtype = getattr(self, "_weights_dtype", None)
        state = {k: v.detach().to("cpu", dtype=dtype, copy=True) for k, v in self.state_dict().items()}
        safetensors.torch.save_file(state, str(Path(save_directory) / WEIGHTS_FILE), metadata={"format": "pt"})
        # The mixin writes a model card only where there is none; one left by an earlier save describes other weights.
        (Path(save_directory) / "README.md").unlink(missing_ok=True)

    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | Path,
        *,
        device: str | torch.device | None = "cpu",
        revision: str | None = None,
        token: str | None = None,
        cache_dir: str | Path | None = None,
        local_files_only: bool = False,
    ) -> CharLM:
        """Load a checkpoint folder or a Hugging Face Hub model id, in eval mode.

        Only safetensors weights are read (a pickle can run code; it is refused), every tensor must
        fit the config's model exactly, and every failure is a ``CheckpointError`` saying why.
        """
        folder = Path(name_or_path)
        if folder.is_dir():
            config_file, weights_file = folder / CONFIG_FILE, folder / WEIGHTS_FILE
            for f in (config_file, weights_file):
                if not f.is_file():
                    raise CheckpointError(_missing_file_message(folder, f.name))
        else:
            hub = {"revision": revision, "token": token, "cache_dir": cache_dir, "local_files_only": local_files_only}
            config_file = _hub_file(str(name_or_path), CONFIG_FILE, **hub)
            weights_file = _hub_file(str(name_or_path), WEIGHTS_FILE, **hub)

        try:
            data = json.loads(Path(config_file).read_text(encoding="utf-8"))
            config = CharLMConfig.from_dict(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise CheckpointError(f"{config_file} is not valid JSON ({e}); the checkpoint is corrupt") from e
        except CharLMError as e:
            raise CheckpointError(f"{config_file} does not describe a charlm model: {e}") from e
        model = cls(config)
        try:
            state = safetensors.torch.load_file(str(weights_file))
        except Exception as e:  # safetensors raises its own error types for every kind of damage
            raise CheckpointError(
                f"{weights_file} is not a readable safetensors file ({type(e).__name__}: {e}). "
                "It may be truncated, corrupt, or a pickle renamed; charlm reads safetensors only."
            ) from e
        _check_state(model, state, weights_file)
        model.load_state_dict(state)  # float16 storage is restored to the model's float32 here
        return model.to(pick_device(device)).eval()


def _missing_file_message(folder: Path, name: str) -> str:
    if name == WEIGHTS_FILE and any((folder / n).exists() for n in ("pytorch_model.bin", "model.pt", "model.pth")):
        return (
            f"{folder} holds pickled weights only. charlm never loads pickles (unpickling can run arbitrary "
            "code); re-save the model with save_pretrained, which writes model.safetensors"
        )
    return f"{folder} is not a charlm checkpoint: it has no {name}"


def _hub_file(repo_id: str, filename: str, **hub) -> str:
    try:
        validate_repo_id(repo_id)
    except HFValidationError as e:
        raise CheckpointError(f"{repo_id!r} is neither a checkpoint folder nor a Hub id (user/model)") from e
    try:
        return hf_hub_download(repo_id, filename, **hub)
    except LocalEntryNotFoundError as e:  # offline (HF_HUB_OFFLINE=1 or no network) and not cached
        raise CheckpointError(
            f"could not fetch {repo_id} from the Hugging Face Hub and it is not in the local cache: "
            "check the id and your connection (and that HF_HUB_OFFLINE is not set)"
        ) from e
    except RepositoryNotFoundError as e:
        raise CheckpointError(f"there is no model {repo_id!r} on the Hugging Face Hub (or it is private)") from e
    except EntryNotFoundError as e:
        raise CheckpointError(
            f"{repo_id} has no {filename}: it is not a charlm checkpoint (pickled weights are never loaded)"
        ) from e
    except HfHubHTTPError as e:
        raise CheckpointError(f"the Hugging Face Hub refused {repo_id}/{filename}: {e}") from e


def _check_state(model: nn.Module, state: dict[str, Tensor], source) -> None:
    """Every tensor present, none extra, each of the right shape — or one error listing what is off."""
    expected = model.state_dict()
    problems = [f"missing {k}" for k in expected if k not in state]
    problems += [f"unexpected {k}" for k in state if k not in expected]
    problems += [
        f"{k} is {tuple(state[k].shape)}, the config needs {tuple(v.shape)}"
        for k, v in expected.items()
        if k in state and state[k].shape != v.shape
    ]
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise CheckpointError(f"{source} does not match its config.json: {shown}")
    for k, v in state.items():
        if not v.is_floating_point():
            raise CheckpointError(f"{source}: {k} holds {v.dtype} values; weights must be floating point")


# -- checkpoint folders, described without loading their weights -----------------------------------------------------


@dataclass(frozen=True)
class CheckpointInfo:
    """What a list of checkpoints shows: the model, the text it learned and its validation figure."""

    name: str  # the folder's name
    model: str  # "LSTM 2×512", "GRU 1×256 bidirectional"
    text: str  # "The Time Machine (H. G. Wells) (d2l recipe)"
    valid_perplexity: float | None  # the best epoch's, from the training record
    megabytes: float  # the folder's size on disk
    readable: bool = True  # False: config.json is missing or damaged (loading it says why)

    def label(self) -> str:
        if not self.readable:
            return self.name
        figure = f", validation perplexity {self.valid_perplexity:.2f}" if self.valid_perplexity else ""
        return f"{self.name} — {self.model} on {self.text}{figure}"


def describe_checkpoint(folder: str | Path) -> CheckpointInfo:
    """A checkpoint folder's model, text, figure and size, read from config.json alone."""
    folder = Path(folder)
    size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) / 1e6 if folder.is_dir() else 0.0
    try:
        data = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
        saved = Provenance.from_metadata(data.get("metadata"))
        model = f"{CELL_NAMES[data['cell']]} {data['num_layers']}×{data['hidden_size']}"
        model = (model[0].upper() + model[1:]) + (" bidirectional" if data.get("bidirectional") else "")
        text = (saved.title or saved.corpus or "its corpus") + ("" if saved.recipe == "raw" else f" ({saved.recipe} recipe)")
        return CheckpointInfo(folder.name, model, text, saved.training.best_valid_perplexity, size)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # a damaged folder is still listed
        return CheckpointInfo(folder.name, "", "", None, size, readable=False)


def read_card(folder: str | Path) -> str:
    """A checkpoint's model card without its YAML front matter; "" where there is none."""
    readme = Path(folder) / "README.md"
    if not readme.is_file():
        return ""
    text = readme.read_text(encoding="utf-8", errors="replace")
    return text.split("---", 2)[-1].strip() if text.startswith("---") else text
