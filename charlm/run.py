"""A run, put together in one place: corpus → vocabulary → dataset → model → trainer.

    spec = RunSpec(corpus="timemachine", recipe="d2l", model={"cell": "gru"}, train=TrainConfig(epochs=5))
    run = build(spec)                          # the corpus, the dataset, the model and its trainer
    for event in run.events():                 # the trainer's events (the run keeps its last sample)
        ...
    run.save("runs/tm")                        # the checkpoint, its provenance and its model card

The command line, the app and the presets all describe a run as a ``RunSpec`` (a preset *is* one) and
build it here, so a model trained anywhere carries the same provenance and the same model card.
"""

from __future__ import annotations

import math
import shlex
import sys
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import torch

from . import __version__
from .corpora import (
    CORPORA,
    RECIPE_NAMES,
    Corpus,
    corpus_from_file,
    describe,
    load_corpus,
    preprocessing,
    sample_prefix,
)
from .data import Dataset
from .distributed import SINGLE, Group
from .errors import CharLMError
from .i18n import Msg, speaking
from .limits import Limits
from .model import CharLM, CharLMConfig
from .options import flags, option, words
from .provenance import Provenance, hardware, sha256_of_file, sha256_of_text
from .tokens import token_dataset
from .train import Event, Finished, Sample, Started, TrainConfig, Trainer

CUSTOM = "custom"  # the corpus name of a user's own text
MODEL_OPTIONS = tuple(f.name for f in fields(CharLMConfig) if f.name not in ("vocab", "metadata"))


@dataclass(frozen=True)
class RunSpec:
    """Everything that decides a run: what text, which model, how to train it."""

    # A field made by option() is offered on the command line too (charlm.options): its flag --name unless it says,
    # its help text by catalogue id; --corpus and --text-file exclude each other (one_of).
    # a named corpus (charlm.corpora.CORPORA), or "custom" for a user's text
    corpus: str = option("timemachine", "cli.help.corpus", one_of="text", choices=tuple(sorted(CORPORA)))
    # the corpus's preprocessing: "raw", or a book's recipe it offers ("d2l", "d2l-0.17")
    recipe: str = option("raw", "cli.help.recipe", flag="--preprocess", choices=RECIPE_NAMES)
    # keep only the first N characters after the recipe (the d2l book: 10,000)
    max_chars: int | None = option(None, "cli.help.max_chars", metavar="N")
    # a user's UTF-8 text file (corpus "custom")
    text_file: str | None = option(None, "cli.help.text_file", one_of="text", metavar="PATH")
    user_text: Corpus | None = None  # or a user's text already read: pasted or uploaded (corpus "custom")
    # read named corpora from this folder instead of downloading them
    data_dir: str | None = option(None, "cli.help.data_dir", metavar="DIR")
    model: dict = field(default_factory=dict)  # CharLMConfig's options but the vocabulary; those left out: its defaults
    train: TrainConfig = field(default_factory=TrainConfig)
    preset: str | None = None  # the preset this spec came from, recorded with the model
    resume: str | None = None  # a checkpoint folder saved by a run, to go on from
    # Keep the text's ids in a memory-mapped token file here (charlm.tokens; the CLI's default); None: in memory. A
    # pasted or uploaded text always stays in memory. Where the ids live changes no figure: not compared.
    token_dir: str | None = field(default=None, compare=False)

    def __post_init__(self):
        if self.text_file or self.user_text is not None:
            object.__setattr__(self, "corpus", CUSTOM)
        elif self.corpus not in CORPORA and not self.resume:
            raise CharLMError("run.no_corpus", name=self.corpus, corpora=", ".join(CORPORA))
        if self.corpus in CORPORA and self.recipe not in CORPORA[self.corpus].recipes:
            offered = ", ".join(CORPORA[self.corpus].recipes)
            raise CharLMError("run.recipe", corpus=self.corpus, offered=offered, recipe=self.recipe)
        unknown = sorted(set(self.model) - set(MODEL_OPTIONS))
        if len(unknown) == 1:
            raise CharLMError("run.not_model_option", unknown=unknown[0], options=", ".join(MODEL_OPTIONS))
        if unknown:
            raise CharLMError("run.not_model_options", unknown=", ".join(unknown), options=", ".join(MODEL_OPTIONS))
        if self.max_chars is not None and (isinstance(self.max_chars, bool) or not isinstance(self.max_chars, int)):
            raise CharLMError("run.max_chars", value=self.max_chars)
        config = CharLMConfig(vocab=["<unk>", "a"], **self.model)  # nonsense options fail now, before any text is read
        object.__setattr__(self, "model", {name: getattr(config, name) for name in MODEL_OPTIONS})  # every option

    def with_options(self, **options) -> RunSpec:
        """This spec with some fields replaced; ``model`` and ``train`` options given as dicts are merged."""
        model = {**self.model, **options.pop("model", {})}
        train = options.pop("train", {})
        train = train if isinstance(train, TrainConfig) else replace(self.train, **train)
        return replace(self, model=model, train=train, **options)

    def load_text(self) -> Corpus:
        """The text to train on: fetched (named corpora), read (a file) or as given, then cut to ``max_chars``."""
        if self.user_text is not None:
            corpus = replace(self.user_text)
        elif self.text_file:  # a file on this machine, not a visitor's upload: no upload cap (charlm.limits is the app's)
            corpus = corpus_from_file(self.text_file, max_bytes=sys.maxsize)
        else:
            corpus = load_corpus(self.corpus, self.recipe, data_dir=self.data_dir)
        if self.max_chars:
            corpus.text = corpus.text[: self.max_chars]
        return corpus

    def argv(self, base: RunSpec | None = None) -> list[str]:
        """The ``python -m charlm train`` arguments that make this run: those that differ from ``base`` (the
        spec of ``--preset``, if this one names a preset; else the CLI's defaults). A pasted text cannot be named
        on a command line: YOUR_TEXT.txt holds its place."""
        base = base or RunSpec()
        args = ["train"] + (["--preset", self.preset] if self.preset else [])
        if self.corpus == CUSTOM:
            args += [FLAGS["text_file"], self.text_file or "YOUR_TEXT.txt"]
        else:
            args += [FLAGS["corpus"], self.corpus] if self.corpus != base.corpus else []
            args += [FLAGS["recipe"], self.recipe] if self.recipe != base.recipe else []
        if self.max_chars != base.max_chars:
            args += [FLAGS["max_chars"], str(self.max_chars or 0)]
        old, new = {**base.model, **asdict(base.train)}, {**self.model, **asdict(self.train)}
        for name, value in new.items():
            if name in FLAGS and value != old[name]:  # an option the command line offers, changed
                args += words(FLAGS[name], value, number="{:g}".format)
        return args

    def command(self, base: RunSpec | None = None) -> str:
        return "python -m charlm " + shlex.join(self.argv(base))


FLAGS = flags(RunSpec, CharLMConfig, TrainConfig)  # the train subcommand's flag for each option, by its field's name


@dataclass
class Run:
    """A run built from a spec: its text, data, model and trainer, and what it has produced so far."""

    spec: RunSpec
    corpus: Corpus
    data: Dataset
    model: CharLM
    trainer: Trainer
    command: str  # what reproduces it
    last_sample: str = ""
    started: Started | None = None  # what the trainer said it runs on, and in which precision
    finished: Finished | None = None
    hardware: str | None = None  # where it trained, when not here (charlm.remote); None: this trainer's device
    data_note: Msg | str | None = None  # which token file the ids come from (made, re-used, made again), if one

    @property
    def provenance(self) -> Provenance:
        return Provenance.of(self.model)

    def validation_text(self) -> str:
        """The text its model is validated on, as characters (a character the vocabulary lacks reads as <unk>)."""
        return self.model.vocab.decode(self.data.valid.tolist())

    def events(self) -> Iterator[Event]:
        """The trainer's events; the run keeps the last sample and how it finished, for its model card."""
        for event in self.trainer.run():
            if isinstance(event, Started):
                self.started = event
            elif isinstance(event, Sample):
                self.last_sample = event.prefix + event.text
            elif isinstance(event, Finished):
                self.finished = event
            yield event

    def where(self) -> str:
        """Where it trained: "cpu (AMD EPYC, 2 of 2 cores), torch 2.13.0+cpu"."""
        return self.hardware or hardware(self.trainer.device)

    def card(self) -> str:
        """The model card's training section: data, recipe, hardware, figures, a sample, the command."""
        return training_card(self)

    def save(self, folder: str | Path, weights_dtype: torch.dtype | None = None) -> Path:
        """The checkpoint (``CharLM.from_pretrained`` reads it, ``--resume`` goes on from it) with its card."""
        self.model.config.metadata["hardware"] = self.where()
        self.model.config.metadata["charlm_version"] = __version__  # the charlm that trained it
        with speaking("en"):  # a checkpoint's files (its model card, its metadata) are in English wherever it is saved
            return self.trainer.save(folder, model_card=self.card(), weights_dtype=weights_dtype)


def build(
    spec: RunSpec, *, limits: Limits | None = None, command: str | None = None, group: Group = SINGLE, progress=None
) -> Run:
    """Read the text, split it, build the model (seeded, or resumed from ``spec.resume``) and its trainer.
    ``limits`` refuses what a shared server does not allow; ``command`` is recorded as what reproduces the
    run (default: the spec's own command line); ``group``: the processes of a torchrun job this one trains with
    (rank 0 makes the token file, the others then map it; all must have read the same text); ``progress(what,
    done, total)`` hears how making a token file goes."""
    command = command or spec.command()
    corpus = spec.load_text()
    if not spec.train.sample_prefix:  # samples start where the corpus's do ("time traveller", "分开", …)
        spec = spec.with_options(train={"sample_prefix": sample_prefix(corpus.name)})
    model = CharLM.from_pretrained(spec.resume, device="cpu") if spec.resume else None
    if group.rank != 0:
        group.barrier()  # until rank 0 has made the token file
    try:
        data, data_note = dataset_of(spec, corpus, vocab=model.vocab if model else None, progress=progress)
    finally:  # an error here is every rank's: the others meet it after the barrier
        if group.rank == 0:
            group.barrier()
    if group.active:  # a single process has nothing to compare with: no hashing the whole text for nothing
        group.same_everywhere(Msg("run.text_sha"), sha256_of_text(corpus.text)[:16])
    if model is None:
        model_config = CharLMConfig(vocab=list(data.vocab.tokens), **spec.model)
        if limits is not None:
            limits.check_model(model_config)
        model = CharLM.seeded(model_config, spec.train.seed)
    if limits is not None:
        limits.check_training(spec.train, vocab_size=len(data.vocab))
    provenance = Provenance(
        corpus=corpus.name,
        title=corpus.title,
        recipe=corpus.recipe,
        source=corpus.source,
        max_chars=spec.max_chars,
        valid_fraction=spec.train.valid_fraction,
        text_file=str(Path(spec.text_file).expanduser().resolve()) if spec.text_file else None,
        text_sha256=(sha256_of_file(spec.text_file) if spec.text_file else sha256_of_text(corpus.text))
        if corpus.name == CUSTOM
        else None,
        preset=spec.preset or Provenance.of(model).preset,
        command=command,
    )
    model.config.metadata.update(provenance.to_metadata())
    trainer = Trainer(model, data, spec.train, resume_from=spec.resume, group=group)
    return Run(spec, corpus, data, model, trainer, command, data_note=data_note)


def dataset_of(spec: RunSpec, corpus: Corpus, vocab=None, progress=None) -> tuple[Dataset, Msg | str | None]:
    """The corpus split and encoded: in memory, or (``spec.token_dir``) mapped from a token file made once and
    re-used; with a line saying which token file, and whether it was made, re-used or made again."""
    if spec.token_dir is None or spec.user_text is not None:
        return Dataset.from_text(corpus.text, spec.train.valid_fraction, vocab=vocab), None
    if spec.text_file:  # one file per path; its header's SHA-256 says when the text in it changed
        where = str(Path(spec.text_file).expanduser().resolve())
        name = f"{Path(where).stem}-{sha256_of_text(where)[:12]}"
    else:
        name = f"{corpus.name}-{corpus.recipe}"
    name += f"-{spec.max_chars or 'all'}-valid{spec.train.valid_fraction:g}"
    return token_dataset(corpus.text, spec.train.valid_fraction, vocab, folder=spec.token_dir, name=name, progress=progress)


def validation_text(model: CharLM, chars: int | None = None, kept: Mapping[str, str] | None = None) -> str:
    """The text ``model`` was validated on, as its provenance records it (its corpus, recipe, cut and split), or its
    first ``chars`` characters. A user's text is read again from its file, if the run named one and it has not
    changed, else taken from ``kept`` (validation texts by the SHA-256 of their whole text: ``Run.validation_text``);
    an error when it cannot be had here (a pasted text not kept, a corpus offline)."""
    saved = Provenance.of(model)
    if saved.is_user_text and saved.text_sha256 in (kept or {}):
        return kept[saved.text_sha256][:chars]
    if saved.is_user_text:
        saved.check_text_file()  # or says why it cannot be read again
    spec = RunSpec(text_file=saved.text_file) if saved.is_user_text else RunSpec(saved.corpus, saved.recipe)
    corpus = replace(spec, max_chars=saved.max_chars).load_text()
    valid = Dataset.from_text(corpus.text, saved.valid_fraction, vocab=model.vocab).valid
    return model.vocab.decode((valid if chars is None else valid[:chars]).tolist())


def resume_spec(folder: str | Path, **overrides) -> RunSpec:
    """The spec of the run saved in ``folder``, to go on from it: its text, model and training as recorded,
    with ``overrides`` (RunSpec fields; ``train`` a dict of TrainConfig options) on top."""
    model = CharLM.from_pretrained(folder, device="cpu")
    saved = Provenance.of(model)
    text = {"text_file": saved.text_file} if saved.is_user_text else {"corpus": saved.corpus or "timemachine"}
    if saved.is_user_text and not overrides.get("text_file"):
        saved.check_text_file()
    spec = RunSpec(
        **text,
        recipe=saved.recipe,
        max_chars=saved.max_chars,
        model={k: getattr(model.config, k) for k in MODEL_OPTIONS},
        train=TrainConfig.from_dict({**saved.training.config, "valid_fraction": saved.valid_fraction}),
        preset=saved.preset,
        resume=str(folder),
    )
    return spec.with_options(**overrides)


def training_card(run: Run) -> str:
    """The model card's training section: data, recipe, hardware, figures, a sample, the command. In English,
    whatever language the one saving it speaks: a model card is a file others read."""
    with speaking("en"):
        return _training_card(run)


def _training_card(run: Run) -> str:
    trainer, corpus, sample, finished = run.trainer, run.corpus, run.last_sample, run.finished
    cfg, data, history = trainer.config, trainer.data, trainer.history
    engine, precision = (run.started.engine, run.started.precision) if run.started else (trainer.engine, trainer.precision)
    lines = [
        "## Training",
        "",
        f"- **Data**: {describe(corpus)} ({preprocessing(corpus)}); contiguous split: the first "
        f"{1 - cfg.valid_fraction:.0%} for training ({len(data.train):,} characters), the last {cfg.valid_fraction:.0%} "
        f"for validation ({len(data.valid):,}"
        + (f"; each epoch validated on its first {len(trainer.valid):,}" if len(trainer.valid) < len(data.valid) else "")
        + ").",
        f"- **Recipe**: {cfg.optimizer} lr {cfg.lr:g}{_decay(cfg)}, gradient clipping {cfg.clip:g}, weight decay "
        f"{cfg.weight_decay:g}, batch {cfg.batch_size} × {cfg.num_steps} steps, {cfg.sampling} sampling, seed {cfg.seed}, "
        f"{engine} engine, {precision} training steps.",
        f"- **Hardware**: {run.where()}.",
    ]
    if history:
        best = min(history, key=lambda h: h["valid_loss"])
        lines += [
            f"- **Result**: {len(history)} epochs in {history[-1]['elapsed']:.0f} s; best validation perplexity "
            f"**{best['valid_perplexity']:.3f}** ({best['valid_bpc']:.3f} bits per character) at epoch {best['epoch']}, "
            f"training perplexity then {best['train_perplexity']:.3f}."
            + (" These are the weights saved (keep best)." if cfg.keep == "best" else
               f" The weights saved are the last epoch's (keep last): epoch {history[-1]['epoch']}, training perplexity "
               f"{history[-1]['train_perplexity']:.3f}, validation {history[-1]['valid_perplexity']:.3f}."),
            "",
            "| epoch | train perplexity | validation perplexity | bits/char | tokens/s |",
            "|---:|---:|---:|---:|---:|",
        ]
        every = math.ceil(len(history) / 12)  # at most about a dozen rows, the last epoch always among them
        shown = [h for i, h in enumerate(history) if i % every == 0 or i == len(history) - 1]
        lines += [
            f"| {h['epoch']} | {h['train_perplexity']:.3f} | {h['valid_perplexity']:.3f} | {h['valid_bpc']:.3f} | "
            f"{h['tokens_per_second']:,.0f} |"
            for h in shown
        ]
    if finished is not None:
        lines += ["", str(finished.message)]
    if sample:
        lines += ["", "Greedy sample after training:", "", "```text", sample, "```"]
    lines += ["", "Reproduce:", "", "```bash", run.command, "```"]
    return "\n".join(lines)


def _decay(cfg: TrainConfig) -> str:
    if cfg.lr_decay == 1:
        return ""
    return f" × {cfg.lr_decay:g} per epoch after epoch {max(1, cfg.lr_decay_after)}"
