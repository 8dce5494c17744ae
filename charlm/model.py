"""The character-level language model: input encoding → recurrent stack → linear head.

    tokens (B, T) ─ one-hot or embedding → (T, B, E) ─ RNN/GRU/LSTM stack → (T, B, D·H) ─ head → logits (B, T, V)

Checkpoints are ``save_pretrained`` folders (huggingface_hub's PyTorchModelHubMixin): ``config.json``
holding this module's ``CharLMConfig`` (vocabulary included), ``model.safetensors`` and a model card.
``from_pretrained`` reads safetensors only — it never unpickles — and checks that every tensor fits.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import NoReturn

import safetensors.torch
import torch
import torch.nn.functional as F
from huggingface_hub import PyTorchModelHubMixin, constants, get_hf_file_metadata, hf_hub_download, hf_hub_url
from huggingface_hub.errors import (
    EntryNotFoundError,
    HfHubHTTPError,
    HFValidationError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
)
from huggingface_hub.utils import validate_repo_id
from torch import Tensor, nn

from .cells import CELLS, NONLINEARITIES, cell_title_msg
from .corpora import title_msg
from .device import pick_device
from .errors import CharLMError, CheckpointError, check_probability, check_whole
from .i18n import Msg, text
from .layers import LAYERS, Recording
from .options import option
from .provenance import Provenance
from .vocab import Vocab

CONFIG_FILE = constants.CONFIG_NAME  # "config.json"
WEIGHTS_FILE = constants.SAFETENSORS_SINGLE_FILE  # "model.safetensors"
MAX_PARAMETERS = 500_000_000  # a model this size is 2 GB of float32: far past any character model's need
CELL_NAMES = {name: cell.title for name, cell in CELLS.items()}  # "vanilla RNN", "GRU", … (English: see cell_title)

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
    # A field made by option() is offered on the command line too (charlm.options): its flag --name unless it says,
    # its help text by catalogue id.
    cell: str = option("lstm", "cli.help.cell", choices=tuple(LAYERS))  # "rnn", "gru", "lstm" or "peephole"
    hidden_size: int = option(256, "cli.help.hidden_size", flag="--hidden")  # units per layer and direction (d2l: 256)
    num_layers: int = option(1, "cli.help.num_layers", flag="--layers")  # stacked layers; 2 or more is a "deep" RNN
    bidirectional: bool = option(False, "cli.help.bidirectional")  # also read right to left: it cannot generate
    dropout: float = option(0.0, "cli.help.dropout")  # between stacked layers and before the head (char-rnn uses 0.5)
    weight_drop: float = option(0.0, "cli.help.weight_drop")  # DropConnect on W_hh while training (AWD-LSTM uses 0.5)
    # 0: one-hot inputs, as the d2l book; > 0: a learned embedding of this size
    embedding_dim: int = option(0, "cli.help.embedding_dim", flag="--embedding", metavar="DIM")
    nonlinearity: str = option("tanh", "cli.help.nonlinearity", choices=NONLINEARITIES)  # the vanilla RNN's
    metadata: dict = field(default_factory=dict)  # how it was trained (corpus, preprocessing, split, ...)

    def __post_init__(self):
        if self.cell not in LAYERS:
            raise CharLMError("model.unknown_cell", cells=", ".join(LAYERS), value=self.cell)
        check_whole("hidden_size", self.hidden_size)
        check_whole("num_layers", self.num_layers)
        check_whole("embedding_dim", self.embedding_dim, minimum=0)  # 0 means one-hot
        check_probability("dropout", self.dropout)
        check_probability("weight_drop", self.weight_drop)
        if self.nonlinearity not in NONLINEARITIES:
            raise CharLMError("cells.nonlinearity", value=self.nonlinearity)
        if not isinstance(self.vocab, list):
            self.vocab = list(self.vocab)
        Vocab(self.vocab)  # raises if malformed
        n = self.num_parameters()
        if n > MAX_PARAMETERS:
            raise CharLMError("model.too_many_parameters", count=n, gigabytes=n * 4 / 1e9, limit=MAX_PARAMETERS)

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
            raise CharLMError("model.config_not_object")
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

    def description(self) -> Msg:
        """The model in one line, as a message rendered in the reader's language: see ``describe``."""
        c = self.config
        return Msg(
            "model.describe",
            layers=c.num_layers,
            bidirectional=Msg("model.describe_bidirectional") if c.bidirectional else "",
            cell=cell_title_msg(c.cell),
            units=c.hidden_size,
            inputs=Msg("model.describe_embedding", size=c.embedding_dim) if c.embedding_dim
            else Msg("model.describe_one_hot"),
            dropout=Msg("model.describe_dropout", p=c.dropout) if c.dropout else "",
            weight_drop=Msg("model.describe_weight_drop", p=c.weight_drop) if c.weight_drop else "",
            vocab=len(self.vocab),
            parameters=self.num_parameters,
        )  # fmt: skip

    def describe(self, lang: str | None = None) -> str:
        """One line a person can read, in ``lang`` (default: the active language): "2-layer bidirectional GRU,
        256 hidden units, ..."."""
        return self.description().render(lang)

    def generate_model_card(self, *args, **kwargs):
        kwargs.setdefault("title", f"charlm {CELL_NAMES[self.config.cell]}")
        kwargs.setdefault("summary", self.describe("en"))  # the card is a file for the Hub: in English
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
        endpoint: str | None = None,
        check: Callable[[CharLMConfig], None] | None = None,
    ) -> CharLM:
        """Load a checkpoint folder or a Hugging Face Hub model id, in eval mode.

        Only safetensors weights are read (a pickle can run code; it is refused), every tensor must
        fit the config's model exactly, and every failure is a ``CheckpointError`` saying why. The config
        comes first: ``check`` (a server's caps, ``Limits.check_model``) may refuse it, and a weights file
        larger than the config's model can fill is refused, before any weights come down from the Hub or are
        read. ``endpoint``: another Hub than ``HF_ENDPOINT``'s (a mirror; a stand-in in tests).
        """
        folder = Path(name_or_path)
        hub = {"revision": revision, "token": token, "cache_dir": cache_dir, "local_files_only": local_files_only,
               "endpoint": endpoint}  # fmt: skip
        if folder.is_dir():
            config_file, weights_file = folder / CONFIG_FILE, folder / WEIGHTS_FILE
            for f in (config_file, weights_file):
                if not f.is_file():
                    _missing_file(folder, f.name)
        else:
            config_file = _hub_file(str(name_or_path), CONFIG_FILE, **hub)

        try:
            data = json.loads(Path(config_file).read_text(encoding="utf-8"))
            config = CharLMConfig.from_dict(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise CheckpointError("model.config_not_json", file=config_file, error=str(e)) from e
        except CharLMError as e:
            raise CheckpointError("model.config_not_charlm", file=config_file, error=e.message) from e
        if check is not None:
            check(config)
        most = weights_bound(config)
        if not folder.is_dir():
            size = _hub_size(str(name_or_path), WEIGHTS_FILE, **hub)
            if size is not None and size > most:
                raise CheckpointError("model.weights_too_large", file=f"{name_or_path}/{WEIGHTS_FILE}", size=size,
                                      most=most, parameters=config.num_parameters())  # fmt: skip
            weights_file = _hub_file(str(name_or_path), WEIGHTS_FILE, **hub)
        if (size := Path(weights_file).stat().st_size) > most:
            raise CheckpointError("model.weights_too_large", file=weights_file, size=size, most=most,
                                  parameters=config.num_parameters())  # fmt: skip
        model = cls(config)
        try:
            state = safetensors.torch.load_file(str(weights_file))
        except Exception as e:  # safetensors raises its own error types for every kind of damage
            raise CheckpointError(
                "model.weights_unreadable", file=weights_file, kind=type(e).__name__, error=str(e)
            ) from e
        _check_state(model, state, weights_file)
        model.load_state_dict(state)  # float16 storage is restored to the model's float32 here
        return model.to(pick_device(device)).eval()


SAFETENSORS_HEADER_MOST = 1 << 20  # bytes: a safetensors header names each tensor, its type, shape and offsets


def weights_bound(config: CharLMConfig) -> int:
    """The most bytes a safetensors file of ``config``'s model can take: its parameters in float32 (charlm saves
    float32, float16 or bfloat16), and a header."""
    return 4 * config.num_parameters() + SAFETENSORS_HEADER_MOST


def _hub_size(repo_id: str, filename: str, **hub) -> int | None:
    """The size of a file on the Hub, from its metadata (no download); None where it cannot be asked (offline, only
    local files): the file's size on disk is checked once it is there."""
    if hub.get("local_files_only") or constants.is_offline_mode():
        return None
    url = hf_hub_url(repo_id, filename, revision=hub.get("revision"), endpoint=hub.get("endpoint"))
    try:
        return get_hf_file_metadata(url, token=hub.get("token"), endpoint=hub.get("endpoint")).size
    except Exception:  # whatever failed, the download that follows says so in the catalogue's words
        return None


def _missing_file(folder: Path, name: str) -> NoReturn:
    """Raise the error for a checkpoint folder without ``name``."""
    if name == WEIGHTS_FILE and any((folder / n).exists() for n in ("pytorch_model.bin", "model.pt", "model.pth")):
        raise CheckpointError("model.pickled_only", folder=folder)
    raise CheckpointError("model.missing_file", folder=folder, name=name)


def _hub_file(repo_id: str, filename: str, **hub) -> str:
    try:
        validate_repo_id(repo_id)
    except HFValidationError as e:
        raise CheckpointError("model.bad_hub_id", repo=repo_id) from e
    try:
        return hf_hub_download(repo_id, filename, **hub)
    except LocalEntryNotFoundError as e:  # offline (HF_HUB_OFFLINE=1 or no network) and not cached
        raise CheckpointError("model.hub_offline", repo=repo_id) from e
    except RepositoryNotFoundError as e:
        raise CheckpointError("model.hub_not_found", repo=repo_id) from e
    except EntryNotFoundError as e:
        raise CheckpointError("model.hub_no_file", repo=repo_id, filename=filename) from e
    except HfHubHTTPError as e:
        raise CheckpointError("model.hub_refused", repo=repo_id, filename=filename, error=str(e)) from e


def _check_state(model: nn.Module, state: dict[str, Tensor], source) -> None:
    """Every tensor present, none extra, each of the right shape — or one error listing what is off."""
    expected = model.state_dict()
    # each problem as (message id, its parameters), listed "a; b; c; and 2 more" (see _listed)
    problems = [("model.missing_tensor", {"key": k}) for k in expected if k not in state]
    problems += [("model.unexpected_tensor", {"key": k}) for k in state if k not in expected]
    problems += [
        ("model.wrong_shape", {"key": k, "shape": tuple(state[k].shape), "need": tuple(v.shape)})
        for k, v in expected.items()
        if k in state and state[k].shape != v.shape
    ]
    if problems:
        raise CheckpointError("model.state_mismatch", source=source, problems=_listed(problems))
    for k, v in state.items():
        if not v.is_floating_point():
            raise CheckpointError("model.weights_not_float", source=source, key=k, dtype=str(v.dtype))


def _listed(problems: list[tuple[str, dict]], shown: int = 5) -> Msg:
    """The first ``shown`` problems one after another, then how many more: each but the last is its "…_then" text,
    whose ``rest`` is the list after it."""
    rest = Msg("model.more_problems", count=len(problems) - shown) if len(problems) > shown else None
    for key, params in reversed(problems[:shown]):
        rest = Msg(key, **params) if rest is None else Msg(key + "_then", **params, rest=rest)
    return rest


# -- checkpoint folders, described without loading their weights -----------------------------------------------------


@dataclass(frozen=True)
class CheckpointInfo:
    """What a list of checkpoints shows: the model, the text it learned and its validation figure."""

    name: str  # the folder's name
    model: str  # "LSTM 2×512", "GRU 1×256 bidirectional": in the language active when it was described
    text: str  # "The Time Machine (H. G. Wells) (d2l recipe)": likewise
    valid_perplexity: float | None  # the best epoch's, from the training record
    megabytes: float  # the folder's size on disk
    readable: bool = True  # False: config.json is missing or damaged (loading it says why)

    def label(self, lang: str | None = None) -> str:
        """The line a list of checkpoints shows, in ``lang`` (default: the active language)."""
        if not self.readable:
            return self.name
        if self.valid_perplexity:
            return text("model.checkpoint_label_perplexity", lang, name=self.name, model=self.model, text=self.text,
                        perplexity=self.valid_perplexity)  # fmt: skip
        return text("model.checkpoint_label", lang, name=self.name, model=self.model, text=self.text)


def describe_checkpoint(folder: str | Path, lang: str | None = None) -> CheckpointInfo:
    """A checkpoint folder's model, text, figure and size, read from config.json alone; the model and the text
    are written in ``lang`` (default: the active language)."""
    folder = Path(folder)
    size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) / 1e6 if folder.is_dir() else 0.0
    try:
        data = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
        saved = Provenance.from_metadata(data.get("metadata"))
        bidirectional = Msg("model.checkpoint_bidirectional") if data.get("bidirectional") else ""
        model = text("model.checkpoint_model", lang, cell=cell_title_msg(data["cell"]), layers=data["num_layers"],
                     units=data["hidden_size"], bidirectional=bidirectional)  # fmt: skip
        model = model[0].upper() + model[1:]  # "Vanilla RNN 2×512"
        title = title_msg(saved.corpus, saved.title) if saved.title else saved.corpus or Msg("model.its_corpus")
        trained_on = (
            title if saved.recipe == "raw" else Msg("model.checkpoint_recipe", title=title, recipe=saved.recipe)
        )
        trained_on = trained_on.render(lang) if isinstance(trained_on, Msg) else trained_on
        return CheckpointInfo(folder.name, model, trained_on, saved.training.best_valid_perplexity, size)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # a damaged folder is still listed
        return CheckpointInfo(folder.name, "", "", None, size, readable=False)


def read_card(folder: str | Path) -> str:
    """A checkpoint's model card without its YAML front matter; "" where there is none."""
    readme = Path(folder) / "README.md"
    if not readme.is_file():
        return ""
    text = readme.read_text(encoding="utf-8", errors="replace")
    return text.split("---", 2)[-1].strip() if text.startswith("---") else text
