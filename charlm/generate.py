"""Text from a model: warm up on a prefix, then draw one character at a time, carrying the state.

    generate(model, "time traveller", 200, temperature=0.8, seed=1)   # → Generation(texts, warnings, loops)

No autograd, and the prefix is read once: each new character costs one step of the network. Several
samples are drawn side by side as one batch. Temperature 0 is greedy (the d2l book's predict_ch8);
top-k and top-p (nucleus) trim the unlikely tail; the same seed gives the same text.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
from torch import Tensor

from .errors import CharLMError, check_whole
from .i18n import Msg
from .model import CharLM
from .provenance import Provenance
from .vocab import UNK

MAX_LENGTH = 100_000  # characters per sample
MAX_SAMPLES = 64

BIDIRECTIONAL_WARNING = Msg("generate.bidirectional")  # its low perplexity comes from reading the answer


@contextmanager
def evaluating(model: torch.nn.Module):
    """Dropout off for the duration, then the model's mode as it was (training may be under way)."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


def check_options(temperature: float, top_k: int, top_p: float) -> None:
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 <= temperature <= 100:
        raise CharLMError("generate.temperature", value=temperature)
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 0:
        raise CharLMError("generate.top_k", value=top_k)
    if isinstance(top_p, bool) or not isinstance(top_p, (int, float)) or not 0.0 < top_p <= 1.0:
        raise CharLMError("generate.top_p", value=top_p)


def next_char_distribution(logits: Tensor, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0) -> Tensor:
    """Probabilities (..., V) to draw the next character from; temperature 0 puts all mass on the argmax.

    The unknown token (id 0) is never drawn: it stands for characters the model never saw, not for one.
    """
    check_options(temperature, top_k, top_p)
    return _distribution(logits, temperature, top_k, top_p)


def _distribution(logits: Tensor, temperature: float, top_k: int, top_p: float) -> Tensor:
    """``next_char_distribution`` without the checks, for the generation loop (checked once before it)."""
    logits = logits.float().clone()
    logits[..., 0] = float("-inf")
    if temperature == 0:
        return torch.nn.functional.one_hot(logits.argmax(-1), logits.shape[-1]).float()
    probs = torch.softmax(logits / temperature, dim=-1)
    if 0 < top_k < probs.shape[-1]:
        kth = probs.topk(top_k, dim=-1).values[..., -1:]  # the k-th largest probability
        probs = torch.where(probs >= kth, probs, 0.0)
    if top_p < 1.0:
        sorted_probs, order = probs.sort(dim=-1, descending=True)
        before = sorted_probs.cumsum(-1) - sorted_probs  # the mass of the likelier characters
        keep_sorted = before < top_p * probs.sum(-1, keepdim=True)  # the smallest set reaching top_p
        keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
        probs = torch.where(keep, probs, 0.0)
    return probs / probs.sum(-1, keepdim=True)


def default_prefix(model: CharLM) -> str:
    """Where to start when the user gives no prefix: the prefix the model was trained to sample from,
    else a newline, else its most frequent character."""
    saved = Provenance.of(model).training.config.get("sample_prefix")
    if saved:
        return saved
    return "\n" if "\n" in model.vocab.index else model.vocab.tokens[1]


def check_request(prefix: str, length: int, temperature: float, top_k: int, top_p: float, num_samples: int) -> None:
    """What ``stream`` and a shared ``Sampler`` check before the first character."""
    check_whole("length", length, minimum=0)
    check_whole(Msg("generate.number_of_samples"), num_samples)
    check_options(temperature, top_k, top_p)
    if length > MAX_LENGTH or num_samples > MAX_SAMPLES:
        raise CharLMError("generate.too_much", samples=MAX_SAMPLES, length=MAX_LENGTH)
    if not prefix:
        raise CharLMError("generate.empty_prefix")


def warm_up(model: CharLM, prefix: str, num_samples: int) -> tuple[Tensor, object]:
    """The whole prefix read in one call: the logits of the first character to draw (N, V) and the state after the
    prefix (L·D, N, H), the same for each of the ``num_samples`` samples."""
    tokens = torch.tensor([model.vocab.encode(prefix)], device=model.device)  # (1, P)
    logits, state = model(tokens)
    return logits[:, -1].expand(num_samples, -1), _repeat(state, num_samples)


class Uniforms:
    """The uniform numbers a seeded sample draws its characters with: ``rows`` a step, for ``steps`` steps, drawn
    ``CHUNK`` steps at a time. A CPU generator gives the same numbers in the same order however its draws are cut, so a
    sample drawn alone and one drawn in a batch with others (``batching.Sampler``) read the same numbers."""

    CHUNK = 256

    def __init__(self, rows: int, steps: int, generator: torch.Generator | None):
        self.rows, self.left, self.generator = rows, steps, generator
        self.chunk, self.at = torch.empty(0, rows, 1), 0

    def next(self) -> Tensor:
        """The next step's numbers, (rows, 1)."""
        if self.at == len(self.chunk):
            n = min(self.CHUNK, self.left)
            self.chunk, self.at, self.left = torch.rand(n, self.rows, 1, generator=self.generator), 0, self.left - n
        self.at += 1
        return self.chunk[self.at - 1]


def pick(last: Tensor, temperature: float, top_k: int, top_p: float, u: Tensor | None) -> Tensor:
    """The next character's id for each row of logits ``last`` (N, V), on the CPU: the argmax at temperature 0, else
    drawn with ``u`` (N, 1), the row's next uniform numbers (``Uniforms``: the seeded generator lives on the CPU)."""
    probs = _distribution(last, temperature, top_k, top_p).cpu()  # (N, V); a no-op on the CPU
    return probs.argmax(-1) if temperature == 0 else _draw(probs, u)


@torch.inference_mode()
def stream(
    model: CharLM,
    prefix: str,
    length: int,
    *,
    temperature: float = 1.0,
    top_k: int = 0,
    top_p: float = 1.0,
    seed: int | None = None,
    num_samples: int = 1,
) -> Iterator[list[str]]:
    """Yield, ``length`` times, the next character of each of ``num_samples`` samples."""
    check_request(prefix, length, temperature, top_k, top_p, num_samples)
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    uniforms = Uniforms(num_samples, length, generator) if temperature != 0 else None
    with evaluating(model):
        last, state = warm_up(model, prefix, num_samples)  # the whole prefix in one call warms the state up
        one_step = model.step if not model.config.bidirectional else None  # a bidirectional model re-reads
        device, on_cpu = model.device, model.device.type == "cpu"
        for _ in range(length):
            ids = pick(last, temperature, top_k, top_p, uniforms.next() if uniforms else None)
            yield [model.vocab.tokens[i] for i in ids.tolist()]
            ids = ids if on_cpu else ids.to(device)
            if one_step is not None:
                last, state = one_step(ids, state)  # (N, V): one step of the cells, state carried
            else:
                logits, state = model(ids[:, None], state)  # (N, 1, V)
                last = logits[:, -1]


def _draw(probs: Tensor, u: Tensor) -> Tensor:
    """One index per row of ``probs`` (N, V), drawn with ``u`` (N, 1) uniform in [0, 1) by inverting the cumulative
    distribution (a quarter of ``torch.multinomial``'s cost for one draw; the same numbers give the same draws)."""
    cdf = probs.cumsum(-1)  # (N, V)
    # the first index whose cumulative mass exceeds u·total: an index with no mass never qualifies
    return torch.searchsorted(cdf, u * cdf[:, -1:], right=True).clamp_(max=probs.shape[-1] - 1)[:, 0]


def _repeat(state, n: int):
    """A batch-of-one state (L·D, 1, H) repeated for n samples."""
    if isinstance(state, tuple):
        return tuple(s.expand(-1, n, -1).contiguous() for s in state)
    return state.expand(-1, n, -1).contiguous()


# -- loops and warnings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Loop:
    """The end of a text that repeats one cycle over and over."""

    cycle: str  # the repeating characters
    start: int  # where the repetition begins, in the generated text
    repeats: float  # how many times the cycle occurs, counting a partial one

    def message(self) -> Msg:
        """What happened and what to do, rendered in the reader's language."""
        return Msg("generate.loop", cycle=self.cycle, repeats=self.repeats, start=self.start)

    def __str__(self) -> str:  # in the active language
        return self.message().render()


def find_loop(text: str, max_period: int = 80, min_repeats: float = 3.0, min_span: int = 24) -> Loop | None:
    """The longest repeating tail of ``text``: a cycle of at most ``max_period`` characters occurring
    at least ``min_repeats`` times over at least ``min_span`` characters, or None."""
    best: Loop | None = None
    n = len(text)
    for period in range(1, min(max_period, n // 2) + 1):
        run = 0  # how far back text[k] == text[k - period] holds without a break
        while run < n - period and text[n - 1 - run] == text[n - 1 - run - period]:
            run += 1
        span = run + period
        if span >= min_span and span / period >= min_repeats and (best is None or span > n - best.start):
            best = Loop(text[n - span : n - span + period], n - span, span / period)  # read from where it starts
    return best


@dataclass
class Generation:
    prefix: str  # as the user gave it
    texts: list[str]  # the generated characters of each sample, without the prefix
    warnings: list[Msg] = field(default_factory=list)  # about the model or the prefix: str() renders one
    loops: list[Loop | None] = field(default_factory=list)  # per sample


def prepare_prefix(model: CharLM, prefix: str, *, note_default: bool = True) -> tuple[str, list[Msg]]:
    """The prefix to start from, and warnings about it (messages, rendered when shown): unknown characters, and an
    empty prefix (``note_default``: said, with the prefix used instead; a caller whose reader was told that empty means
    the model's usual prefix, as the app's prefix box is, leaves it out)."""
    warnings = []
    if model.config.bidirectional:
        warnings.append(BIDIRECTIONAL_WARNING)
    if not prefix:
        prefix = default_prefix(model)
        if note_default:
            warnings.append(Msg("generate.no_prefix", prefix=prefix))
    unknown = model.vocab.unknown(prefix)
    if unknown:
        chars = ", ".join(repr(c) for c in unknown)
        warnings.append(Msg("generate.unknown_chars", chars=chars, unk=UNK))
    return prefix, warnings


def generate(model: CharLM, prefix: str, length: int, *, num_samples: int = 1, **options) -> Generation:
    """Samples of ``length`` characters after ``prefix``, with warnings and loop detection."""
    prefix_used, warnings = prepare_prefix(model, prefix)
    columns = list(stream(model, prefix_used, length, num_samples=num_samples, **options))
    texts = ["".join(chars) for chars in zip(*columns, strict=True)] if columns else [""] * num_samples
    return Generation(prefix_used, texts, warnings, [find_loop(t) for t in texts])


# -- the same sample at several temperatures -------------------------------------------------------------------------

TEMPERATURES = (0.2, 0.5, 1.0, 1.5)  # from nearly greedy (it loops) to past the model's own distribution (gibberish)


def random_seed() -> int:
    """A seed for samples that must share one (``serving.at_temperatures``) when the caller gave none: short enough to
    type."""
    return int(torch.randint(0, 10_000, ()).item())


OWN_SAMPLE_LENGTH = 300  # characters of a model's own writing, when a picture needs a text and none is given


def own_sample(model: CharLM, length: int = OWN_SAMPLE_LENGTH) -> str:
    """A text the model wrote itself, the same each time (seed 0, temperature 0.7): what Inspect traces and
    ``span`` measures when given no text. It starts with the model's usual prefix."""
    prefix, _ = prepare_prefix(model, "")
    return prefix + "".join(chars[0] for chars in stream(model, prefix, length, temperature=0.7, seed=0))
