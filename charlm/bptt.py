"""Backpropagation through time, by hand: the derivatives of each cell in ``charlm.cells``.

autograd can differentiate the time loop on its own, and the recording path (``layer.record``) lets
it. Training on the scratch engine uses these hand-written derivatives instead, because they can be
arranged better than a step-by-step replay of the forward pass:

1. **Local derivatives for every step at once.** How a gate's output changes with its input
   (σ' = σ(1 − σ), tanh' = 1 − tanh²) depends only on what the forward pass computed, never on the
   gradient coming back, so it is one tensor operation over all T steps instead of T small ones.
2. **Only the chain through time is a loop.** The gradient reaching h_{t−1} (and c_{t−1}) needs
   step t's gradient first: ∂L/∂h_{t−1} = W_hhᵀ ∂L/∂a_t (+ what h_{t−1} gets directly). That is the
   one matrix product per step that cannot be avoided.
3. **One product for the recurrent weights.** ∂L/∂W_hh = Σ_t ∂L/∂a_t h_{t−1}ᵀ is a single large
   matrix product over all steps, not T small ones added up.

Notation as in ``cells.py``; a_t is a gate's pre-activation (what goes into σ or tanh), and
``d_x`` is short for ∂L/∂x. Every function takes the recorded gates of one layer in one direction,
in the order the steps were computed, each (T, B, H); the initial state; the weights; the gradient
of the outputs (T, B, H); and what reaches the final state from after the sequence (zeros when
nothing does). It returns

- ``d_xw`` (T, B, G·H): the gradient of the input projection ``cell.project`` made (autograd takes
  it from there to W_ih, the input biases and the layer's input);
- the gradient of the initial state, one (B, H) tensor per state;
- the gradients of the weights the step used: ``weight_hh``, and ``bias_hh`` or the peepholes where
  the step itself uses them (none with ``weights=False``).

The batch of ``d_out`` may be larger than the forward pass's: saved gates of one sequence (B = 1)
broadcast against many gradients of it at once. ``charlm.memory`` sends one gradient per target
character back through a single recorded pass that way, to see how far back each prediction looks.

``tests/test_bptt.py`` checks each against autograd through the cells' own ``step``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from .cells import Cell, CellWeights

Gradients = tuple[Tensor, tuple[Tensor, ...], dict[str, Tensor]]  # d_xw, d_state0, weight name → gradient


def previous(seq: Tensor, first: Tensor) -> Tensor:
    """(T, B, H) values at steps 1..T → the same one step earlier: first, seq[0], ..., seq[T−2]."""
    return torch.cat([first.unsqueeze(0), seq[:-1]])


def outer_sum(d_a: Tensor, h_prev: Tensor) -> Tensor:
    """Σ_t d_a_t h_{t−1}ᵀ over every step and sequence in one product: (T, B, G·H), (T, B, H) → (G·H, H)."""
    return d_a.flatten(0, 1).t() @ h_prev.flatten(0, 1)


def unprojected(d_h: Tensor, w: CellWeights) -> Tensor:
    """An LSTM's d_h_t (B, P) → d_m_t (B, H), back through h_t = W_hr m_t (the same tensor without a projection)."""
    return d_h if w.weight_hr is None else d_h @ w.weight_hr


def projection_gradient(d_hs: Tensor, m: Tensor, w: CellWeights) -> dict[str, Tensor]:
    """∂L/∂W_hr = Σ_t d_h_t m_tᵀ, one product over every step: (T, B, P), (T, B, H) → {"weight_hr": (P, H)}."""
    return {} if w.weight_hr is None else {"weight_hr": outer_sum(d_hs, m)}


def rnn_backward(
    saved: dict[str, Tensor], state0, w: CellWeights, d_out: Tensor, d_final, relu: bool, weights: bool = True
) -> Gradients:
    """h_t = tanh(a_t), a_t = W_ih x_t + b + W_hh h_{t−1}."""
    (h0,) = state0
    h = saved["h"]  # (T, B, H)
    slope = (h > 0).to(h.dtype) if relu else 1 - h * h  # ∂h_t/∂a_t: relu' or tanh' = 1 − tanh²
    d_a = torch.empty_like(d_out)  # (T, B, H)
    (d_h,) = d_final  # what reaches h_T from after the sequence (zeros when nothing does)
    for t in range(len(h) - 1, -1, -1):
        d_h = d_h + d_out[t]                        # h_t feeds the output and the next step
        torch.mul(d_h, slope[t], out=d_a[t])        # d_a_t = d_h_t ⊙ ∂h_t/∂a_t
        d_h = d_a[t] @ w.weight_hh                  # d_h_{t−1} = W_hhᵀ d_a_t
    return d_a, (d_h,), {"weight_hh": outer_sum(d_a, previous(h, h0))} if weights else {}


def gru_backward(
    saved: dict[str, Tensor], state0, w: CellWeights, d_out: Tensor, d_final, weights: bool = True
) -> Gradients:
    """r = σ(a_r), z = σ(a_z), n = tanh(W_in x + b_in + r ⊙ (W_hn h_{t−1} + b_hn)), h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}."""
    (h0,) = state0
    r, z, n, h = saved["r"], saved["z"], saved["n"], saved["h"]  # (T, B, H) each
    H = h.shape[-1]
    h_prev = previous(h, h0)
    bias_n = w.bias_hh[2 * H :] if w.bias_hh is not None else None
    hn = F.linear(h_prev, w.weight_hh[2 * H :], bias_n)  # W_hn h_{t−1} + b_hn, for every step in one product
    # Local derivatives, all steps at once: how each pre-activation moves with d_h_t.
    k_n = (1 - z) * (1 - n * n)                     # ∂h/∂a_n = (1 − z) ⊙ tanh'(a_n)
    k_r = k_n * hn * r * (1 - r)                    # ∂h/∂a_r = ∂h/∂a_n ⊙ (W_hn h_{t−1} + b_hn) ⊙ σ'(a_r)
    k_z = (h_prev - n) * z * (1 - z)                # ∂h/∂a_z = (h_{t−1} − n) ⊙ σ'(a_z)
    k_hw = torch.cat([k_r, k_z, k_n * r], dim=2)    # (T, B, 3H): to the recurrent product W_hh h_{t−1} + b_hh
    d_hw = d_out.new_empty(*d_out.shape[:2], k_hw.shape[2])  # (T, B, 3H)
    d_hs = torch.empty_like(d_out)  # d_h_t for every t, kept for the input side
    (d_h,) = d_final
    for t in range(len(h) - 1, -1, -1):
        d_h = torch.add(d_h, d_out[t], out=d_hs[t])
        torch.mul(d_h.repeat(1, 3), k_hw[t], out=d_hw[t])
        d_h = torch.addmm(d_h * z[t], d_hw[t], w.weight_hh)  # d_h_{t−1} = z ⊙ d_h_t + W_hhᵀ d(W_hh h_{t−1} + b_hh)
    d_xw = d_hs.repeat(1, 1, 3) * torch.cat([k_r, k_z, k_n], dim=2)  # the input side sees a_n without the r ⊙
    if not weights:
        return d_xw, (d_h,), {}
    grads = {"weight_hh": outer_sum(d_hw, h_prev)}
    if w.bias_hh is not None:
        grads["bias_hh"] = d_hw.sum((0, 1))
    return d_xw, (d_h,), grads


def lstm_backward(
    saved: dict[str, Tensor], state0, w: CellWeights, d_out: Tensor, d_final, weights: bool = True
) -> Gradients:
    """i, f, o = σ(a_·), g = tanh(a_g), c_t = f ⊙ c_{t−1} + i ⊙ g, h_t = o ⊙ tanh(c_t) (or W_hr (o ⊙ tanh(c_t)))."""
    h0, c0 = state0
    i, f, g, o, c, h = (saved[k] for k in ("i", "f", "g", "o", "c", "h"))  # (T, B, H) each; h (T, B, P)
    c_prev = previous(c, c0)
    tanh_c = torch.tanh(c)
    k_c = o * (1 - tanh_c * tanh_c)                 # ∂m_t/∂c_t = o ⊙ tanh'(c_t), m_t = o ⊙ tanh(c_t) (= h_t unprojected)
    k = torch.cat(
        [
            g * i * (1 - i),                        # ∂c_t/∂a_i = g ⊙ σ'(a_i)
            c_prev * f * (1 - f),                   # ∂c_t/∂a_f = c_{t−1} ⊙ σ'(a_f)
            i * (1 - g * g),                        # ∂c_t/∂a_g = i ⊙ tanh'(a_g)
            tanh_c * o * (1 - o),                   # ∂h_t/∂a_o = tanh(c_t) ⊙ σ'(a_o)
        ],
        dim=2,
    )  # (T, B, 4H)
    d_a = d_out.new_empty(*d_out.shape[:2], k.shape[2])
    d_hs = torch.empty_like(d_out)  # d_h_t for every t, kept for W_hr
    d_h, d_c = d_final
    for t in range(len(h) - 1, -1, -1):
        d_h = torch.add(d_h, d_out[t], out=d_hs[t])
        d_m = unprojected(d_h, w)                   # d_m_t = W_hrᵀ d_h_t (d_h_t without a projection)
        d_c = torch.addcmul(d_c, d_m, k_c[t])       # d_c_t = (from c_{t+1}) + d_m_t ⊙ ∂m_t/∂c_t
        torch.mul(torch.cat([d_c, d_c, d_c, d_m], dim=1), k[t], out=d_a[t])  # d_a_i, d_a_f, d_a_g from c; d_a_o from m
        d_h = d_a[t] @ w.weight_hh                  # d_h_{t−1} = W_hhᵀ d_a_t
        d_c = d_c * f[t]                            # d_c_{t−1} = f_t ⊙ d_c_t
    if not weights:
        return d_a, (d_h, d_c), {}
    return d_a, (d_h, d_c), {"weight_hh": outer_sum(d_a, previous(h, h0)), **projection_gradient(d_hs, o * tanh_c, w)}


def peephole_backward(
    saved: dict[str, Tensor], state0, w: CellWeights, d_out: Tensor, d_final, weights: bool = True
) -> Gradients:
    """The LSTM's derivatives plus the peepholes: c_{t−1} also reaches i and f, and c_t reaches o."""
    h0, c0 = state0
    i, f, g, o, c, h = (saved[k] for k in ("i", "f", "g", "o", "c", "h"))  # (T, B, H) each
    c_prev = previous(c, c0)
    tanh_c = torch.tanh(c)
    k_o = tanh_c * o * (1 - o)                      # ∂m_t/∂a_o (m_t = o ⊙ tanh(c_t), h_t unprojected)
    k_c = o * (1 - tanh_c * tanh_c) + k_o * w.weight_co  # ∂m_t/∂c_t, directly and through o's peephole w_co ⊙ c_t
    k = torch.cat([g * i * (1 - i), c_prev * f * (1 - f), i * (1 - g * g), k_o], dim=2)  # as the LSTM's
    d_a = d_out.new_empty(*d_out.shape[:2], k.shape[2])
    d_hs = torch.empty_like(d_out)
    H = c.shape[-1]
    d_h, d_c = d_final
    for t in range(len(h) - 1, -1, -1):
        d_h = torch.add(d_h, d_out[t], out=d_hs[t])
        d_m = unprojected(d_h, w)
        d_c = torch.addcmul(d_c, d_m, k_c[t])
        torch.mul(torch.cat([d_c, d_c, d_c, d_m], dim=1), k[t], out=d_a[t])
        d_a_i, d_a_f = d_a[t, :, :H], d_a[t, :, H : 2 * H]
        d_h = d_a[t] @ w.weight_hh
        d_c = d_c * f[t] + d_a_i * w.weight_ci + d_a_f * w.weight_cf  # c_{t−1} reached c_t, i and f
    if not weights:
        return d_a, (d_h, d_c), {}
    d_i, d_f, _, d_o = d_a.chunk(4, dim=2)
    grads = {
        "weight_hh": outer_sum(d_a, previous(h, h0)),
        "weight_ci": (d_i * c_prev).sum((0, 1)),    # a_i = … + w_ci ⊙ c_{t−1}
        "weight_cf": (d_f * c_prev).sum((0, 1)),    # a_f = … + w_cf ⊙ c_{t−1}
        "weight_co": (d_o * c).sum((0, 1)),         # a_o = … + w_co ⊙ c_t
        **projection_gradient(d_hs, o * tanh_c, w),
    }
    return d_a, (d_h, d_c), grads


def backward_of(cell: Cell) -> Callable[..., Gradients]:
    """The derivatives of ``cell.step``: f(saved, state0, w, d_out, d_final) → (d_xw, d_state0, weight gradients)."""
    if cell.name == "rnn":
        return functools.partial(rnn_backward, relu=cell.nonlinearity == "relu")
    return {"gru": gru_backward, "lstm": lstm_backward, "peephole": peephole_backward}[cell.name]
