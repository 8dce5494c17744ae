"""The recurrent cells, written as their equations.

A cell advances a recurrent network by one time step. Each one below is a small class with

- ``project(x, w)``: the input's share of every gate, for **all time steps at once** — one large
  matrix product before the time loop instead of one small product per step;
- ``step(xw_t, state, w)``: one time step, one line per gate, the equation beside it.

Conventions are torch.nn's, so weights move freely between ``torch.nn.LSTM`` and ours:
the gates' weights are stacked row-wise in torch.nn's gate order (RNN: one block; GRU: r, z, n;
LSTM: i, f, g, o) and named ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``.

Shapes: B = batch, H = hidden size, I = input size, G = number of gate blocks, T = time steps,
P = the projection size of an LSTM with ``proj_size`` (h_t is then P wide; elsewhere P = H).
σ is the logistic sigmoid, ⊙ the element-wise product.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

from .errors import CharLMError
from .i18n import Msg

State = tuple[Tensor, ...]  # (h,) for RNN and GRU, (h, c) for the LSTMs; each (B, H)
Gates = dict[str, Tensor]  # every gate and state a step computed, by name; each (B, H)
NONLINEARITIES = ("tanh", "relu")  # the vanilla RNN's activations, as torch.nn.RNN's


class CellWeights(NamedTuple):
    """The parameters of one layer in one direction (torch.nn's names, without the ``_l0`` suffix)."""

    weight_ih: Tensor  # (G·H, I)  input → gates
    weight_hh: Tensor  # (G·H, H)  previous hidden state → gates
    bias_ih: Tensor | None  # (G·H,)  or None when bias=False
    bias_hh: Tensor | None  # (G·H,)
    weight_ci: Tensor | None = None  # (H,)  peephole only: c_{t-1} → input gate
    weight_cf: Tensor | None = None  # (H,)  peephole only: c_{t-1} → forget gate
    weight_co: Tensor | None = None  # (H,)  peephole only: c_t → output gate
    weight_hr: Tensor | None = None  # (P, H)  LSTMs with proj_size = P only: projects h_t down to P units


def _both_biases(w: CellWeights) -> Tensor | None:
    """b_ih + b_hh: where the two biases are only ever added together, one is enough per step."""
    if w.bias_ih is None:
        return None
    return w.bias_ih + w.bias_hh


def projected(m: Tensor, w: CellWeights) -> Tensor:
    """An LSTM's output m_t = o_t ⊙ tanh(c_t) (B, H), projected to h_t = W_hr m_t (B, P) when the layer has
    ``proj_size`` P (the LSTMP of Sak et al. 2014: a smaller h to carry and to multiply by W_hh each step)."""
    return m if w.weight_hr is None else m @ w.weight_hr.t()


class Cell:
    """What every cell declares. Subclasses only fill in the class attributes and ``step``."""

    name: str  # as the CLI and configs spell it
    title: str  # as a sentence names it, in English: "vanilla RNN", "peephole LSTM" (in the reader's: cell_title)
    num_gates: int  # G: blocks of H rows stacked in weight_ih and weight_hh
    state_names: tuple[str, ...]  # the carried state: ("h",) or ("h", "c")
    recorded: tuple[str, ...]  # what ``step`` returns for inspection, in display order
    extra_weights: tuple[str, ...] = ()  # per-unit (H,) parameters beyond torch.nn's four

    def project(self, x: Tensor, w: CellWeights) -> Tensor:
        """x (T, B, I) → W_ih x_t + b_ih + b_hh for every t at once: (T, B, G·H)."""
        return F.linear(x, w.weight_ih, _both_biases(w))

    def step(self, xw_t: Tensor, state: State, w: CellWeights) -> tuple[State, Gates]:
        raise NotImplementedError

    def naive_step(self, x_t: Tensor, state: State, w: CellWeights) -> tuple[State, Gates]:
        """The same step written the slow way, as the d2l book's scratch code and the hand-written LSTM article's
        first version are: one matrix product per gate and per input (the naive engine)."""
        raise NotImplementedError

    def gate(self, v: Tensor, weight: Tensor, bias: Tensor | None, k: int) -> Tensor:
        """Gate k's own product: v (B, ·) → W_k v + b_k (B, H), with W_k the k-th block of H rows."""
        H = weight.size(0) // self.num_gates
        return F.linear(v, weight[k * H : (k + 1) * H], None if bias is None else bias[k * H : (k + 1) * H])


class RNNCell(Cell):
    """The vanilla (Elman) RNN: one hidden state, squashed by tanh (or cut by relu)."""

    name = "rnn"
    title = "vanilla RNN"
    num_gates = 1
    state_names = ("h",)
    recorded = ("h",)

    def __init__(self, nonlinearity: str = "tanh"):
        if nonlinearity not in NONLINEARITIES:
            raise CharLMError("cells.nonlinearity", value=nonlinearity)
        self.nonlinearity = nonlinearity
        self.activation = torch.tanh if nonlinearity == "tanh" else torch.relu

    def step(self, xw_t: Tensor, state: State, w: CellWeights) -> tuple[State, Gates]:
        (h,) = state  # (B, H)
        a = torch.addmm(xw_t, h, w.weight_hh.t())  # W_ih x_t + b_ih + b_hh (all in xw_t) + W_hh h_{t-1}
        h = self.activation(a)                      # hidden state  h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
        return (h,), {"h": h}

    def naive_step(self, x_t: Tensor, state: State, w: CellWeights) -> tuple[State, Gates]:
        (h,) = state
        h = self.activation(self.gate(x_t, w.weight_ih, w.bias_ih, 0) + self.gate(h, w.weight_hh, w.bias_hh, 0))
        return (h,), {"h": h}


class GRUCell(Cell):
    """The gated recurrent unit (Cho et al. 2014) in torch.nn.GRU's form, gate order r, z, n.

    The recurrent bias of the candidate, b_hn, sits *inside* the reset gate's product, so the two
    biases cannot be summed ahead: ``project`` adds only b_ih and the step adds b_hh.
    """

    name = "gru"
    title = "GRU"
    num_gates = 3
    state_names = ("h",)
    recorded = ("r", "z", "n", "h")

    def project(self, x: Tensor, w: CellWeights) -> Tensor:
        """x (T, B, I) → W_ih x_t + b_ih for every t at once: (T, B, 3H)."""
        return F.linear(x, w.weight_ih, w.bias_ih)

    def step(self, xw_t: Tensor, state: State, w: CellWeights) -> tuple[State, Gates]:
        (h,) = state  # (B, H)
        x_r, x_z, x_n = xw_t.chunk(3, dim=1)  # W_i· x_t + b_i·, (B, H) each
        h_r, h_z, h_n = F.linear(h, w.weight_hh, w.bias_hh).chunk(3, dim=1)  # W_h· h_{t-1} + b_h·
        r = torch.sigmoid(x_r + h_r)                # reset gate    r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)
        z = torch.sigmoid(x_z + h_z)                # update gate   z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
        n = torch.tanh(x_n + r * h_n)               # candidate     n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))
        h = torch.lerp(n, h, z)                     # new state     h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}
        return (h,), {"r": r, "z": z, "n": n, "h": h}

    def naive_step(self, x_t: Tensor, state: State, w: CellWeights) -> tuple[State, Gates]:
        (h_prev,) = state
        x = lambda k: self.gate(x_t, w.weight_ih, w.bias_ih, k)  # noqa: E731  (W_i· x_t + b_i·)
        u = lambda k: self.gate(h_prev, w.weight_hh, w.bias_hh, k)  # noqa: E731  (W_h· h_{t-1} + b_h·)
        r = torch.sigmoid(x(0) + u(0))
        z = torch.sigmoid(x(1) + u(1))
        n = torch.tanh(x(2) + r * u(2))
        h = (1 - z) * n + z * h_prev
        return (h,), {"r": r, "z": z, "n": n, "h": h}


class LSTMCell(Cell):
    """Long short-term memory (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al.
    2000) in torch.nn.LSTM's form, gate order i, f, g, o."""

    name = "lstm"
    title = "LSTM"
    num_gates = 4
    state_names = ("h", "c")
    recorded = ("i", "f", "g", "o", "c", "h")

    def step(self, xw_t: Tensor, state: State, w: CellWeights) -> tuple[State, Gates]:
        h, c = state  # h (B, P), c (B, H)
        x_i, x_f, x_g, x_o = torch.addmm(xw_t, h, w.weight_hh.t()).chunk(4, dim=1)  # (B, H) each
        i = torch.sigmoid(x_i)                      # input gate    i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)
        f = torch.sigmoid(x_f)                      # forget gate   f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)
        g = torch.tanh(x_g)                         # candidate     g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)
        o = torch.sigmoid(x_o)                      # output gate   o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)
        c = f * c + i * g                           # cell state    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
        h = projected(o * torch.tanh(c), w)         # hidden state  h_t = o_t ⊙ tanh(c_t)  (or W_hr (o_t ⊙ tanh(c_t)))
        return (h, c), {"i": i, "f": f, "g": g, "o": o, "c": c, "h": h}

    def naive_step(self, x_t: Tensor, state: State, w: CellWeights) -> tuple[State, Gates]:
        h_prev, c = state
        a = lambda k: self.gate(x_t, w.weight_ih, w.bias_ih, k) + self.gate(h_prev, w.weight_hh, w.bias_hh, k)  # noqa: E731
        i, f, g, o = torch.sigmoid(a(0)), torch.sigmoid(a(1)), torch.tanh(a(2)), torch.sigmoid(a(3))
        c = f * c + i * g
        h = projected(o * torch.tanh(c), w)
        return (h, c), {"i": i, "f": f, "g": g, "o": o, "c": c, "h": h}


class PeepholeLSTMCell(Cell):
    """The LSTM with peephole connections (Gers & Schmidhuber 2000, "Recurrent nets that time and
    count"): the gates also look at the cell state through *diagonal* weights — one number per unit,
    an element-wise product, not a matrix. The input and forget gates see the old cell c_{t-1};
    the output gate sees the new cell c_t, so it is computed after the cell update.
    With the three peephole vectors at zero this is exactly the LSTM above.
    """

    name = "peephole"
    title = "peephole LSTM"
    num_gates = 4
    state_names = ("h", "c")
    recorded = ("i", "f", "g", "o", "c", "h")
    extra_weights = ("weight_ci", "weight_cf", "weight_co")

    def step(self, xw_t: Tensor, state: State, w: CellWeights) -> tuple[State, Gates]:
        h, c = state  # h (B, P), c (B, H)
        x_i, x_f, x_g, x_o = torch.addmm(xw_t, h, w.weight_hh.t()).chunk(4, dim=1)  # (B, H) each
        i = torch.sigmoid(x_i + w.weight_ci * c)    # input gate    i_t = σ(W_ii x_t + W_hi h_{t-1} + w_ci ⊙ c_{t-1} + b_i)
        f = torch.sigmoid(x_f + w.weight_cf * c)    # forget gate   f_t = σ(W_if x_t + W_hf h_{t-1} + w_cf ⊙ c_{t-1} + b_f)
        g = torch.tanh(x_g)                         # candidate     g_t = tanh(W_ig x_t + W_hg h_{t-1} + b_g)
        c = f * c + i * g                           # cell state    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
        o = torch.sigmoid(x_o + w.weight_co * c)    # output gate   o_t = σ(W_io x_t + W_ho h_{t-1} + w_co ⊙ c_t + b_o)
        h = projected(o * torch.tanh(c), w)         # hidden state  h_t = o_t ⊙ tanh(c_t)  (or W_hr (o_t ⊙ tanh(c_t)))
        return (h, c), {"i": i, "f": f, "g": g, "o": o, "c": c, "h": h}

    def naive_step(self, x_t: Tensor, state: State, w: CellWeights) -> tuple[State, Gates]:
        h_prev, c_prev = state
        a = lambda k: self.gate(x_t, w.weight_ih, w.bias_ih, k) + self.gate(h_prev, w.weight_hh, w.bias_hh, k)  # noqa: E731
        i = torch.sigmoid(a(0) + w.weight_ci * c_prev)
        f = torch.sigmoid(a(1) + w.weight_cf * c_prev)
        g = torch.tanh(a(2))
        c = f * c_prev + i * g
        o = torch.sigmoid(a(3) + w.weight_co * c)
        h = projected(o * torch.tanh(c), w)
        return (h, c), {"i": i, "f": f, "g": g, "o": o, "c": c, "h": h}


CELLS: dict[str, type[Cell]] = {c.name: c for c in (RNNCell, GRUCell, LSTMCell, PeepholeLSTMCell)}


def cell_title_msg(name: str) -> Msg:
    """A cell's title (by its ``name``: "rnn", "gru", "lstm", "peephole") as a message, rendered when shown."""
    return Msg(f"cells.title.{name}")


def cell_title(name: str, lang: str | None = None) -> str:
    """A cell's title in ``lang`` (default: the active language): "GRU", "门控循环单元（GRU）"."""
    return cell_title_msg(name).render(lang)
