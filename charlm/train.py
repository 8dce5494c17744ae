"""Training: one loop that yields typed events, which the CLI, the app and the tests all consume.

    for event in Trainer(model, dataset, TrainConfig(epochs=5)).run():
        ...   # Started, then Step per minibatch, Epoch (with validation) and Sample per epoch, then Finished

The loop can be stopped at any moment (``trainer.stop()``, or by closing the generator): the model
is left usable, with the best weights by validation perplexity (``keep="best"``) or the last (``keep="last"``). A loss or
gradient that becomes NaN or infinite ends the run with an explanation and the last good weights.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import safetensors.torch
import torch
import torch.nn.functional as F
from torch import Tensor

from .data import SAMPLING, Dataset, evaluation_batches
from .device import fast_bfloat16, pick_device
from .distributed import SINGLE, Group
from .errors import CharLMError, CheckpointError, check_whole
from .generate import evaluating, generate
from .i18n import Msg
from .layers import ENGINES, compiled
from .model import CharLM
from .options import option
from .provenance import Provenance, TrainingRecord

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
PRECISIONS = ("float32", "bfloat16", "auto")
KEEP = ("best", "last")
TRAINING_STATE_FILE = "training_state.json"
# What a checkpoint keeps of each Epoch event (its history): the figures, not the run's progress.
HISTORY_KEYS = ("epoch", "train_loss", "train_perplexity", "valid_loss", "valid_perplexity", "valid_bpc",
                "tokens_per_second", "clipped_fraction", "elapsed")  # fmt: skip
OPTIMIZER_FILE = "optimizer.safetensors"


@dataclass
class TrainConfig:
    """How to train. The defaults suit a small model on a laptop CPU; the d2l book's recipe is
    ``optimizer="sgd", lr=1, clip=1, batch_size=32, num_steps=35, sampling="random"``."""

    # A field made by option() is offered on the command line too (charlm.options): its flag --name unless it says,
    # its help text by catalogue id.
    epochs: int = option(10, "cli.help.epochs")  # passes over the training split
    batch_size: int = option(32, "cli.help.batch_size")  # sequences per minibatch
    num_steps: int = option(35, "cli.help.num_steps")  # characters per sequence: how far back gradients flow (BPTT)
    # "random" (state reset every batch) or "sequential" (state carried over)
    sampling: str = option("sequential", "cli.help.sampling", choices=SAMPLING)
    # "sgd" (the d2l book), "adam", "adamw" or "rmsprop" (char-rnn)
    optimizer: str = option("adam", "cli.help.optimizer", choices=OPTIMIZERS)
    lr: float = option(3e-3, "cli.help.lr")  # learning rate
    # multiply the learning rate by this after every epoch (char-rnn: 0.97); 1 keeps it
    lr_decay: float = option(1.0, "cli.help.lr_decay")
    # the last epoch at the full rate (char-rnn: 10); 0 or 1: decay from epoch 2
    lr_decay_after: int = option(0, "cli.help.lr_decay_after", metavar="EPOCH")
    clip: float = option(1.0, "cli.help.clip")  # clip the gradients' global L2 norm to this; 0 turns clipping off
    weight_decay: float = option(0.0, "cli.help.weight_decay")  # L2 penalty (decoupled from the gradient for adamw)
    valid_fraction: float = option(0.1, "cli.help.valid_fraction")  # the last part of the text, held out for validation
    # validate on the validation split's first N characters only (a large corpus's); 0: all
    valid_chars: int = option(0, "cli.help.valid_chars", metavar="N")
    seed: int = option(0, "cli.help.seed")  # the same seed and options give the same numbers on the CPU
    engine: str = option("auto", "cli.help.engine", choices=ENGINES)  # "auto", "scratch" (ours) or "fused" (torch's)
    device: str = option("auto", "cli.help.device")  # "auto" (CUDA, then MPS, else the CPU), "cpu", "cuda" or "mps"
    # "bfloat16": mixed precision (autocast) for the training steps — 2–3× faster on CPUs with AMX and on GPUs;
    # weights, validation and generation stay float32. "auto": bfloat16 where the hardware is fast at it, else float32
    precision: str = option("float32", "cli.help.precision", choices=PRECISIONS)
    # torch.compile the scratch engine's training step (CUDA graphs on a GPU); the first steps wait for the compiler
    # (seconds to a minute)
    compile: bool = option(False, "cli.help.compile")
    sample_every: int = option(1, "cli.help.sample_every")  # epochs between samples; 0 for none
    # where samples start; "" takes the training text's first characters
    sample_prefix: str = option("", "cli.help.sample_prefix", flag="--prefix")
    sample_length: int = option(100, "cli.help.sample_length")  # characters per sample
    sample_temperature: float = 0.0  # 0 is greedy, as the d2l book's predict_ch8
    max_seconds: float = option(0.0, "cli.help.max_seconds")  # stop after this much wall time; 0 for no limit
    # which weights a run ends with: "best" (the best validation epoch's) or "last" (the d2l book's: its figures are the
    # final model's training perplexity)
    keep: str = option("best", "cli.help.keep", choices=KEEP)
    evaluate_first: bool = True  # measure the untrained model (Started's initial perplexities) before the clock starts

    def __post_init__(self):
        check_whole("epochs", self.epochs)
        check_whole("batch size", self.batch_size)
        check_whole("number of steps", self.num_steps)
        check_whole("sample_every", self.sample_every, minimum=0)
        check_whole("sample_length", self.sample_length, minimum=0)
        check_whole("seed", self.seed, minimum=0)
        check_whole("lr_decay_after", self.lr_decay_after, minimum=0)
        check_whole("valid_chars", self.valid_chars, minimum=0)
        if 0 < self.valid_chars < 2:
            raise CharLMError("training.valid_chars")
        for name, low in (("lr", 0.0), ("clip", 0.0), ("weight_decay", 0.0), ("max_seconds", 0.0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise CharLMError("training.not_a_number", name=name, value=value)
            if name == "lr" and value <= 0:
                raise CharLMError("training.not_positive", name=name, value=value)
            if value < low:
                raise CharLMError("training.negative", name=name, value=value)
        if isinstance(self.lr_decay, bool) or not isinstance(self.lr_decay, (int, float)) or not 0 < self.lr_decay <= 1:
            raise CharLMError("training.lr_decay", value=self.lr_decay)
        if self.lr > 100:
            raise CharLMError("training.lr_too_high", lr=self.lr)
        choices = (("sampling", SAMPLING), ("optimizer", OPTIMIZERS), ("engine", ENGINES), ("precision", PRECISIONS),
                   ("keep", KEEP))  # fmt: skip
        for name, allowed in choices:
            if getattr(self, name) not in allowed:
                raise CharLMError("training.choice", name=name, allowed=", ".join(allowed), value=getattr(self, name))
        if self.compile and self.engine in ("fused", "naive"):
            raise CharLMError("training.compile_engine")
        if not 0.0 < self.valid_fraction < 0.5:
            raise CharLMError("training.valid_fraction", value=self.valid_fraction)

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


# -- events ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    epochs: int  # the last epoch this run will reach
    first_epoch: int  # 1, or the next one when resuming
    steps_per_epoch: int
    num_parameters: int
    device: str
    engine: str  # what actually runs: "scratch" or "fused"
    precision: str  # what the training steps run in: "float32" or "bfloat16"
    train_chars: int
    valid_chars: int
    vocab_size: int
    # The model before this run's first step (the live plot's epoch 0), on a training slice as long as the
    # validation text and on the validation text; None when resuming or with ``TrainConfig(evaluate_first=False)``.
    initial_train_perplexity: float | None = None
    initial_valid_perplexity: float | None = None
    processes: int = 1  # training together (torchrun); tokens/s are the whole job's


@dataclass(frozen=True)
class Step:
    epoch: int
    step: int  # 1-based within the epoch
    steps_per_epoch: int
    loss: float  # this minibatch's mean cross-entropy, nats per character
    perplexity: float
    grad_norm: float  # global L2 norm before clipping
    clipped: bool
    tokens_per_second: float  # over the epoch so far
    elapsed: float  # seconds since the run started
    fraction_done: float  # of this run's epochs, counting this step
    seconds_to_go: float  # estimated from the pace so far, and never past the time limit


@dataclass(frozen=True)
class Epoch:
    epoch: int
    train_loss: float  # mean over the epoch's minibatches, nats per character
    train_perplexity: float
    valid_loss: float
    valid_perplexity: float
    valid_bpc: float  # bits per character: valid_loss / ln 2
    tokens_per_second: float  # training throughput over the epoch
    clipped_fraction: float  # share of this epoch's steps whose gradient was clipped
    elapsed: float
    is_best: bool  # the best validation perplexity so far
    fraction_done: float = 1.0  # of this run's epochs
    seconds_to_go: float = 0.0  # estimated from the pace so far, and never past the time limit


@dataclass(frozen=True)
class Sample:
    epoch: int
    prefix: str
    text: str  # what followed the prefix


@dataclass(frozen=True)
class Finished:
    reason: str  # "completed", "stopped", "time limit" or "diverged"
    message: Msg | str  # one sentence for the person watching, in their language when shown (str() renders it)
    epochs_done: int
    best_epoch: int | None
    best_valid_perplexity: float | None
    elapsed: float


Event = Started | Step | Epoch | Sample | Finished


# -- the loop -------------------------------------------------------------------------------------


class Trainer:
    def __init__(
        self,
        model: CharLM,
        data: Dataset,
        config: TrainConfig,
        *,
        resume_from: str | Path | None = None,
        group: Group = SINGLE,
    ):
        if data.vocab != model.vocab:
            raise CharLMError("training.vocab_mismatch")
        data.check_batch_fits(config.batch_size, config.num_steps)
        self.config = config
        self.data = data
        # The processes training together (charlm.distributed): this one's rows of every batch; a job of one: all.
        self.group, self.rows = group, group.rows(config.batch_size)
        self.device = pick_device(group.device(config.device))
        self.precision = config.precision  # what the training steps run in: "float32" or "bfloat16"
        if config.precision == "auto":
            self.precision = "bfloat16" if fast_bfloat16(self.device) else "float32"
        # What each epoch is validated on: the whole validation split, or its first valid_chars characters.
        self.valid = data.valid[: config.valid_chars] if config.valid_chars else data.valid
        self.model = model.to(self.device)
        self.engine = "scratch" if config.compile else model.rnn.resolve_engine(config.engine)
        self.optimizer = _make_optimizer(model, config)
        # What the training steps call: the model, or the model compiled (CUDA graphs on a GPU remove the per-step
        # launch cost that a Python time loop pays). Validation and samples use the model as it is.
        mode = "reduce-overhead" if self.device.type == "cuda" else "default"
        ddp = torch.nn.parallel.DistributedDataParallel
        synced = ddp(model, device_ids=[self.device] if self.device.type == "cuda" else None) if group.active else model
        self.forward = compiled(synced, mode=mode) if config.compile else synced
        self.history: list[dict] = []  # one entry per finished epoch, across resumes
        self.first_epoch = 1
        self.best_epoch: int | None = None
        self.best_valid_loss = math.inf
        self._stop_requested = False
        if resume_from is not None:
            self._load_training_state(Path(resume_from))

    def learning_rate(self, epoch: int) -> float:
        """The rate for ``epoch``: ``lr`` until ``lr_decay_after``, then multiplied by ``lr_decay`` per epoch."""
        cfg = self.config
        return cfg.lr * cfg.lr_decay ** max(0, epoch - max(1, cfg.lr_decay_after))

    def stop(self) -> None:
        """Ask the loop to stop before its next minibatch (safe from another thread)."""
        self._stop_requested = True

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested

    def run(self) -> Iterator[Event]:
        cfg, model = self.config, self.model
        steps_per_epoch = self.data.steps_per_epoch(cfg.batch_size, cfg.num_steps)
        prefix = cfg.sample_prefix or self.data.vocab.decode(self.data.train[:10].tolist())
        params = [p for p in model.parameters() if p.requires_grad]
        initial = (None, None)
        if cfg.evaluate_first and self.first_epoch == 1:  # outside the time limit: it is not training
            slices = (self.data.train[: len(self.valid)], self.valid)
            initial = tuple(perplexity(evaluate(model, ids, engine=self.engine)) for ids in slices)
        start = time.perf_counter()
        last_good = _snapshot(model)
        best_state = _snapshot(model) if self.best_epoch is not None else None
        first, epochs_in_run = self.first_epoch, max(1, cfg.epochs - self.first_epoch + 1)

        def progress(epoch: int, step: int) -> tuple[float, float]:
            """The fraction of this run done after ``step`` of ``epoch``, and the seconds still to go."""
            done = (epoch - first + step / steps_per_epoch) / epochs_in_run
            elapsed = time.perf_counter() - start
            to_go = elapsed * (1 - done) / max(done, 1e-9)
            if cfg.max_seconds:  # a time limit can end the run before its last epoch
                to_go = min(to_go, max(0.0, cfg.max_seconds - elapsed))
            return done, to_go

        yield Started(
            cfg.epochs, self.first_epoch, steps_per_epoch, model.num_parameters, str(self.device), self.engine,
            self.precision, len(self.data.train), len(self.valid), len(self.data.vocab), *initial, self.group.world,
        )  # fmt: skip
        # This rank's share of each batch's loss: DDP averages the ranks' gradients, so weighting each rank's mean
        # by its share of the rows makes the step the whole batch's mean, as one process would take it.
        share = (self.rows.stop - self.rows.start) / cfg.batch_size

        reason, message, epoch = "completed", None, self.first_epoch - 1
        try:
            for epoch in range(self.first_epoch, cfg.epochs + 1):
                # Random streams seeded per epoch: a run resumed at epoch k draws what an unbroken one would.
                torch.manual_seed(cfg.seed * 100_003 + epoch)  # dropout masks
                batches_rng = torch.Generator().manual_seed(cfg.seed * 100_003 + epoch)  # offsets and shuffles
                model.train()
                for group in self.optimizer.param_groups:
                    group["lr"] = self.learning_rate(epoch)
                state, losses, clipped_steps, tokens, epoch_start = None, [], 0, 0, time.perf_counter()
                batches = self.data.batches(cfg.sampling, cfg.batch_size, cfg.num_steps, batches_rng)
                for step, (X, Y) in enumerate(batches, 1):
                    if self._stop_requested and not self.group.active:  # several processes stop together, below
                        reason = "stopped"
                        break
                    tokens += Y.numel()  # the whole batch's, whichever rows this process trains on
                    X, Y = X[self.rows].to(self.device), Y[self.rows].to(self.device)  # (B, T) each: this rank's rows
                    if cfg.sampling == "random":
                        state = None  # unrelated sequences: start from zeros
                    elif state is not None:
                        state = _detach(state, copy=cfg.compile)  # continue the rows, but stop gradients here
                    if cfg.compile:
                        torch.compiler.cudagraph_mark_step_begin()  # CUDA graphs may now reuse the last step's outputs
                    with torch.autocast(self.device.type, torch.bfloat16, enabled=self.precision == "bfloat16"):
                        logits, state = self.forward(X, state, engine=self.engine)  # (B, T, V)
                        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), Y.reshape(-1))
                    self.optimizer.zero_grad(set_to_none=True)
                    (loss * (share * self.group.world) if self.group.active else loss).backward()
                    grad_norm = torch.nn.utils.clip_grad_norm_(params, cfg.clip or math.inf)
                    loss_value, grad_norm = torch.stack([loss.detach().float(), grad_norm]).tolist()  # one GPU sync
                    over_time = bool(cfg.max_seconds) and time.perf_counter() - start > cfg.max_seconds
                    if self.group.active:  # the whole batch's loss; whether any rank was interrupted or is out of time
                        loss_value, (stop, over_time) = self.group.agree(loss_value * share, self._stop_requested, over_time)
                        reason = "stopped" if stop else reason
                    if not (math.isfinite(loss_value) and math.isfinite(grad_norm)):
                        reason, message = "diverged", self._diverged_message(epoch, step, loss_value, grad_norm)
                        model.load_state_dict(last_good)
                        break
                    self.optimizer.step()
                    losses.append(loss_value)
                    clipped = bool(cfg.clip) and grad_norm > cfg.clip
                    clipped_steps += clipped
                    speed = tokens / max(time.perf_counter() - epoch_start, 1e-9)
                    yield Step(
                        epoch, step, steps_per_epoch, loss_value, perplexity(loss_value), grad_norm, clipped, speed,
                        time.perf_counter() - start, *progress(epoch, step),
                    )  # fmt: skip
                    if reason == "stopped":  # several processes: interrupted, and all have taken this step
                        break
                    if over_time:
                        reason = "time limit"
                        break
                if reason in ("stopped", "diverged") or not losses:
                    break
                train_seconds = time.perf_counter() - epoch_start
                valid_loss = evaluate(model, self.valid, engine=self.engine)  # one protocol everywhere
                if not math.isfinite(valid_loss):
                    reason, message = "diverged", self._diverged_message(epoch, None, valid_loss, math.nan)
                    model.load_state_dict(last_good)
                    break
                last_good = _snapshot(model)
                is_best = valid_loss < self.best_valid_loss
                if is_best:
                    self.best_valid_loss, self.best_epoch, best_state = valid_loss, epoch, last_good
                train_loss = sum(losses) / len(losses)
                event = Epoch(
                    epoch, train_loss, perplexity(train_loss), valid_loss, perplexity(valid_loss),
                    valid_loss / math.log(2), tokens / train_seconds, clipped_steps / len(losses),
                    time.perf_counter() - start, is_best, *progress(epoch, steps_per_epoch),
                )  # fmt: skip
                self.history.append({k: v for k, v in asdict(event).items() if k in HISTORY_KEYS})
                self.first_epoch = epoch + 1  # where a resume would go on from
                yield event
                if cfg.sample_every and epoch % cfg.sample_every == 0 and cfg.sample_length and self.group.rank == 0:
                    sample = generate(model, prefix, cfg.sample_length, temperature=cfg.sample_temperature, seed=cfg.seed)
                    yield Sample(epoch, sample.prefix, sample.texts[0])
                if reason == "time limit":
                    break
        finally:  # also when the consumer closes the generator: leave the model usable
            if cfg.keep == "best" and best_state is not None and reason != "diverged":
                model.load_state_dict(best_state)
            elif cfg.keep == "last" and reason == "stopped" and self.history:
                model.load_state_dict(last_good)  # the last finished epoch's, not a half-trained one
            model.eval()
        epochs_done = len(self.history)
        best_ppl = math.exp(self.best_valid_loss) if self.best_epoch is not None else None
        if message is None:
            message = self.finish_message(reason, epochs_done, best_ppl)
        yield Finished(reason, message, epochs_done, self.best_epoch, best_ppl, time.perf_counter() - start)

    def _diverged_message(self, epoch: int, step: int | None, loss: float, grad_norm: float) -> Msg:
        where = Msg("training.at_step", epoch=epoch, step=step) if step else Msg("training.at_validation", epoch=epoch)
        good = self.history[-1]["epoch"] if self.history else None  # the last epoch whose weights were finite
        back = Msg("training.back_to_epoch", epoch=good) if good else Msg("training.back_to_start")
        cfg = self.config
        advice = Msg("training.advice" if cfg.clip else "training.advice_clip_off", lr=cfg.lr, clip=cfg.clip)
        if not math.isfinite(loss):
            return Msg("training.diverged_loss", value=loss, where=where, back=back, advice=advice)
        return Msg("training.diverged_gradient", value=grad_norm, where=where, back=back, advice=advice)

    def finish_message(self, reason: str, epochs_done: int, best_ppl: float | None) -> Msg:
        """One sentence on how a run ended and which weights it kept, rendered where it is shown."""
        ended = {"completed": "training.end_completed", "stopped": "training.end_stopped",
                 "time limit": "training.end_time_limit", "cut off": "training.end_cut_off"}[reason]  # fmt: skip
        epochs = Msg("training.epochs_one") if epochs_done == 1 else Msg("training.epochs", count=epochs_done)
        ended = Msg(ended, epochs=epochs)
        if best_ppl is None:
            return Msg("training.finish_none", ended=ended)
        if self.config.keep == "best":
            return Msg("training.finish_best", ended=ended, perplexity=best_ppl, epoch=self.best_epoch)
        last = self.history[-1]
        return Msg("training.finish_last", ended=ended, perplexity=best_ppl, epoch=self.best_epoch,
                   train=last["train_perplexity"], valid=last["valid_perplexity"])  # fmt: skip

    # -- checkpoints -------------------------------------------------------------------------------

    def save(self, folder: str | Path, model_card: str = "", weights_dtype: torch.dtype | None = None) -> Path:
        """The model (``CharLM.from_pretrained`` reads it) plus what ``resume_from`` needs to go on;
        ``weights_dtype=torch.float16`` halves the weights file (they load back as float32)."""
        folder = Path(folder)
        best_ppl = math.exp(self.best_valid_loss) if self.best_epoch is not None else None
        record = TrainingRecord(asdict(self.config), self.history, self.best_epoch, best_ppl)
        self.model.config.metadata["training"] = asdict(record)
        self.model.save_pretrained(folder, weights_dtype=weights_dtype, model_card_kwargs={"training": model_card})
        tensors, layout = _flatten_optimizer_state(self.optimizer.state_dict())
        safetensors.torch.save_file(tensors, str(folder / OPTIMIZER_FILE))
        state = {"next_epoch": self.first_epoch, "best_epoch": self.best_epoch, "best_valid_loss": self.best_valid_loss}
        (folder / TRAINING_STATE_FILE).write_text(json.dumps({**state, "optimizer": layout}, indent=2))
        return folder

    def _load_training_state(self, folder: Path) -> None:
        try:
            saved = json.loads((folder / TRAINING_STATE_FILE).read_text(encoding="utf-8"))
            tensors = safetensors.torch.load_file(str(folder / OPTIMIZER_FILE))
            state = _unflatten_optimizer_state(tensors, saved["optimizer"])
            if all(set(self.optimizer.defaults) <= set(group) for group in state["param_groups"]):
                self.optimizer.load_state_dict(state)
            # else the saved run used another optimizer (Adam's moments, resumed with SGD): this one starts afresh
        except FileNotFoundError as e:
            raise CheckpointError("training.no_state_file", folder=str(folder), file=Path(e.filename).name) from e
        except (ValueError, KeyError, TypeError, RuntimeError) as e:  # JSON, safetensors or layout damage
            raise CheckpointError("training.bad_state", folder=str(folder), error=str(e)) from e
        self.first_epoch = int(saved["next_epoch"])
        self.best_epoch = saved["best_epoch"]
        self.best_valid_loss = float(saved["best_valid_loss"])
        self.history = list(Provenance.of(self.model).training.history)


def perplexity(loss: float) -> float:
    """e^loss, the perplexity of a mean loss in nats; infinite past what a float holds (a loss of 710 nats a
    character: a run going wrong, which must still be reported, not crash the report)."""
    return math.exp(loss) if loss < 709.0 else math.inf


@torch.inference_mode()
def evaluate(model: CharLM, ids: Tensor, batch_size: int = 32, num_steps: int = 35, engine: str = "auto") -> float:
    """Mean cross-entropy in nats per character over ``ids``, read in order with the state carried.

    The figure depends a little on how the text is cut into rows (each row starts from a zero state):
    the trainer, ``python -m charlm evaluate`` and model cards all use the defaults, so they agree.
    """
    total, count, state = 0.0, 0, None
    with evaluating(model):
        for X, Y in evaluation_batches(ids, batch_size, num_steps):
            logits, state = model(X.to(model.device), state, engine=engine)  # (B, T, V)
            targets = Y.reshape(-1).to(model.device)
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets, reduction="sum").item()
            count += Y.numel()
    return total / count


def _make_optimizer(model: CharLM, cfg: TrainConfig) -> torch.optim.Optimizer:
    params = model.parameters()
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "rmsprop":  # alpha 0.95: char-rnn's decay rate for the running mean of squared gradients
        return torch.optim.RMSprop(params, lr=cfg.lr, alpha=0.95, weight_decay=cfg.weight_decay)
    return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)


def _snapshot(model: torch.nn.Module) -> dict[str, Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _detach(state, copy: bool = False):
    """The state cut off from its graph; with ``copy``, in memory of its own (a CUDA graph's outputs are
    overwritten by its next run)."""
    cut = (lambda s: s.detach().clone()) if copy else (lambda s: s.detach())
    return tuple(cut(s) for s in state) if isinstance(state, tuple) else cut(state)


def _flatten_optimizer_state(state_dict: dict) -> tuple[dict[str, Tensor], dict]:
    """An optimizer's state_dict as safetensors tensors plus a JSON layout — no pickle anywhere."""
    tensors, per_param = {}, {}
    for index, values in state_dict["state"].items():
        per_param[str(index)] = {}
        for name, value in values.items():
            if isinstance(value, Tensor):
                tensors[f"{index}.{name}"] = value.contiguous()
                per_param[str(index)][name] = None
            else:
                per_param[str(index)][name] = value
    return tensors, {"state": per_param, "param_groups": state_dict["param_groups"]}


def _unflatten_optimizer_state(tensors: dict[str, Tensor], layout: dict) -> dict:
    state = {
        int(index): {name: tensors[f"{index}.{name}"] if value is None else value for name, value in values.items()}
        for index, values in layout["state"].items()
    }
    return {"state": state, "param_groups": layout["param_groups"]}
