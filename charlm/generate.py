"""Text from a model: warm up on a prefix, then draw one character at a time, carrying the state.

No autograd, and the prefix is read once: each new character costs one step of the network.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import Tensor

from .errors import CharLMError
from .model import CharLM


@contextmanager
def evaluating(model: torch.nn.Module):
    """Dropout off for the duration, then the model's mode as it was (training may be under way)."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


def next_char_distribution(logits: Tensor, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0) -> Tensor:
    """Probabilities (V,) to draw the next character from; ``temperature`` 0 puts all mass on the argmax.

    The unknown token is never drawn: it stands for characters the model never saw, not for one.
    """
    if not temperature >= 0:  # also refuses NaN
        raise CharLMError(f"temperature must be 0 (greedy) or positive, not {temperature!r}")
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 0:
        raise CharLMError(f"top-k must be 0 (off) or a positive whole number, not {top_k!r}")
    if not 0.0 < top_p <= 1.0:
        raise CharLMError(f"top-p must be in (0, 1] (1 is off), not {top_p!r}")
    logits = logits.float().clone()
    logits[0] = float("-inf")  # <unk>
    if temperature == 0:
        probs = torch.zeros_like(logits)
        probs[logits.argmax()] = 1.0
        return probs
    probs = torch.softmax(logits / temperature, dim=-1)
    if 0 < top_k < len(probs):
        kth = torch.topk(probs, top_k).values[-1]
        probs = torch.where(probs >= kth, probs, 0.0)
    if top_p < 1.0:
        sorted_probs, order = probs.sort(descending=True)
        before = sorted_probs.cumsum(0) - sorted_probs  # mass of the more likely characters
        keep = torch.zeros_like(probs, dtype=torch.bool)
        keep[order] = before < top_p * probs.sum()  # the smallest set whose mass reaches top_p
        probs = torch.where(keep, probs, 0.0)
    return probs / probs.sum()


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
) -> Iterator[str]:
    """Yield ``length`` characters that follow ``prefix``, one at a time."""
    if not prefix:
        raise CharLMError("the prefix is empty: give at least one character to start from")
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    with evaluating(model):
        tokens = torch.tensor([model.vocab.encode(prefix)], device=model.device)  # (1, P)
        logits, state = model(tokens)  # the whole prefix in one call warms the state up
        for _ in range(length):
            probs = next_char_distribution(logits[0, -1], temperature, top_k, top_p).cpu()
            next_id = int(torch.multinomial(probs, 1, generator=generator)) if temperature else int(probs.argmax())
            yield model.vocab.tokens[next_id]
            logits, state = model(torch.tensor([[next_id]], device=model.device), state)


def generate(model: CharLM, prefix: str, length: int, **options) -> str:
    """The prefix followed by ``length`` generated characters (see ``stream`` for the options)."""
    return prefix + "".join(stream(model, prefix, length, **options))
