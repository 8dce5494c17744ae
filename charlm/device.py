"""Where tensors live: CUDA, then Apple MPS, else the CPU — or what the user names; and whether that
hardware does bfloat16 arithmetic fast."""

from __future__ import annotations

import torch

from .errors import CharLMError


def pick_device(name: str | torch.device | None = "auto") -> torch.device:
    """``"auto"`` (or None) picks CUDA, then Apple MPS, then the CPU; anything else must be available."""
    if name is None or name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError) as e:
        raise CharLMError("errors.not_a_device", name=name) from e
    if device.type == "cuda" and not torch.cuda.is_available():
        raise CharLMError("errors.no_cuda")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise CharLMError("errors.no_such_cuda", device=str(device), count=torch.cuda.device_count())
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise CharLMError("errors.no_mps")
    if device.type not in ("cpu", "cuda", "mps"):
        raise CharLMError("errors.unsupported_device", type=device.type)
    return device


def fast_bfloat16(device: torch.device) -> bool:
    """Whether mixed bfloat16 precision speeds training up here: a CUDA GPU that supports it, or a CPU with
    Intel AMX or AVX-512 BF16 instructions (elsewhere bfloat16 is emulated, and slower than float32)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        try:  # private, but the only way torch tells; a torch without it gets the safe answer
            return bool(torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported())
        except AttributeError:
            return False
    return False
