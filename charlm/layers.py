"""Recurrent layers: drop-in replacements for torch.nn.RNN, GRU and LSTM, plus a peephole LSTM.

A layer owns the parameters of a stack of ``num_layers`` layers, each read left to right and, when
``bidirectional``, also right to left. It has torch.nn's constructor, shapes, parameter names
(``weight_ih_l0``, ``bias_hh_l1_reverse``, ...), layout and gate order, so state_dicts load both
ways. It runs on one of two engines, chosen per call:

- ``"scratch"``: the cells of ``charlm.cells`` in a Python time loop. The reference, and the only
  engine that can record every gate (``record``). When training, its gradients come from the
  hand-written backward through time of ``charlm.bptt`` (fewer, larger operations than autograd's
  step-by-step replay); ``record`` leaves them to autograd, which is how the tests check the two agree.
- ``"fused"``: torch's own fused kernels (oneDNN on the CPU, cuDNN on CUDA) over the same weights.
  There is none for the peephole LSTM.
- ``"auto"`` (the default): fused when the cell has a fused kernel, scratch otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.autograd.function import once_differentiable

from .bptt import backward_of
from .cells import Cell, CellWeights, Gates, GRUCell, LSTMCell, PeepholeLSTMCell, RNNCell, State
from .errors import CharLMError, check_probability, check_whole

ENGINES = ("auto", "scratch", "fused", "naive")

# Recorded gates of a whole stack: recording[layer][direction][name] is a (T, B, H) tensor
# (batch first when the layer is), in input order for both directions.
Recording = list[list[dict[str, Tensor]]]


class RecurrentLayer(nn.Module):
    """The stack shared by every cell: parameters, state handling, both engines."""

    def __init__(
        self,
        cell: Cell,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device=None,
        dtype=None,
        weight_drop: float = 0.0,
    ):
        super().__init__()
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size), ("num_layers", num_layers)):
            check_whole(name, value)
        check_probability("dropout", dropout)
        check_probability("weight_drop", weight_drop)
        self.cell = cell
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.num_directions = 2 if bidirectional else 1
        # DropConnect on the recurrent weights while training (Merity et al. 2017, "Regularizing and Optimizing LSTM
        # Language Models"): one mask on W_hh per call, shared by every time step. Not in torch.nn.
        self.weight_drop = float(weight_drop)

        factory = {"device": device, "dtype": dtype}
        gates_h = cell.num_gates * hidden_size
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * self.num_directions
            for direction in range(self.num_directions):
                sfx = _suffix(layer, direction)
                self.register_parameter(f"weight_ih{sfx}", nn.Parameter(torch.empty(gates_h, layer_input, **factory)))
                self.register_parameter(f"weight_hh{sfx}", nn.Parameter(torch.empty(gates_h, hidden_size, **factory)))
                if bias:
                    self.register_parameter(f"bias_ih{sfx}", nn.Parameter(torch.empty(gates_h, **factory)))
                    self.register_parameter(f"bias_hh{sfx}", nn.Parameter(torch.empty(gates_h, **factory)))
                for name in cell.extra_weights:
                    self.register_parameter(f"{name}{sfx}", nn.Parameter(torch.empty(hidden_size, **factory)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """torch.nn's initialisation: every parameter uniform in ±1/√hidden_size."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        defaults = (("bias", True), ("batch_first", False), ("dropout", 0.0), ("bidirectional", False), ("weight_drop", 0))
        for name, default in defaults:
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)}"
        return s

    # -- public API ------------------------------------------------------------------------------

    @property
    def has_fused(self) -> bool:
        """Whether torch has a fused kernel for this cell."""
        return _fused_kernel(self.cell) is not None

    def resolve_engine(self, engine: str = "auto", record: bool = False) -> str:
        """The engine a call with these arguments runs on: "scratch", "fused" or "naive" (one product per gate and
        input per step, with autograd's backward: the d2l book's scratch code, for comparison)."""
        if engine not in ENGINES:
            raise CharLMError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
        if engine == "naive":
            return "naive"
        if engine == "fused":
            if record:
                raise CharLMError("only the scratch engine can record gates; use engine='scratch' or 'auto'")
            if not self.has_fused:
                raise CharLMError(
                    f"the {self.cell.name} cell has no fused kernel in torch (oneDNN and cuDNN implement "
                    "only the standard RNN, GRU and LSTM); use engine='scratch' or 'auto'"
                )
            return "fused"
        if engine == "auto" and self.has_fused and not record:
            return "fused"
        return "scratch"

    def forward(self, input: Tensor, hx=None, *, engine: str = "auto"):
        """Run the stack, like torch.nn's module of the same name.

        input: (T, B, input_size), (B, T, input_size) when batch_first, or (T, input_size) unbatched.
        hx: the initial state — h_0 (or (h_0, c_0) for the LSTMs), each (num_layers·num_directions,
            B, hidden_size) — or None for zeros.
        Returns (output, h_n) or (output, (h_n, c_n)); output is (T, B, num_directions·hidden_size).
        """
        output, state, _ = self._run(input, hx, self.resolve_engine(engine), record=False)
        return output, state

    def record(self, input: Tensor, hx=None, *, engine: str = "scratch") -> tuple[Tensor, object, Recording]:
        """Like ``forward`` on the scratch (or naive) engine, also returning every gate and state it computed."""
        if engine not in ("scratch", "naive"):
            raise CharLMError(f"gates are recorded on the scratch or naive engine, not {engine!r}")
        return self._run(input, hx, engine, record=True)

    def step(self, x: Tensor, hx=None):
        """One time step through every layer, for generation: x (B, input_size) → (top layer's h (B, H),
        state). The state is as ``forward`` takes and returns it. It runs the cells' own step functions
        with none of ``forward``'s per-call checks and reshaping: a sequence fed one step at a time gives
        what ``forward`` gives for the whole of it."""
        if self.bidirectional:
            raise CharLMError("a bidirectional layer reads the whole sequence at once: it cannot take one step")
        n_state = len(self.cell.state_names)
        if hx is None:
            states = (x.new_zeros(self.num_layers, x.shape[0], self.hidden_size),) * n_state
        else:
            states = (hx,) if isinstance(hx, Tensor) else tuple(hx)
        new: list[State] = []
        for layer in range(self.num_layers):
            w = self._weights(layer, 0)
            state, _ = self.cell.step(self.cell.project(x, w), tuple(s[layer] for s in states), w)
            new.append(state)
            x = state[0]  # the next layer's input
        final = tuple(torch.stack(parts) for parts in zip(*new, strict=True))  # (L, B, H) each
        return x, (final if n_state == 2 else final[0])

    # -- internals -------------------------------------------------------------------------------

    def _run(self, input: Tensor, hx, engine: str, record: bool):
        x, states, unbatched = self._prepare(input, hx)  # x: (T, B, I); states: tuple of (L·D, B, H)
        if engine == "fused":
            (output, final), recording = self._fused(x, states), []
        else:
            output, final, recording = self._scratch(x, states, record, naive=engine == "naive")

        def to_caller(t: Tensor) -> Tensor:  # (T, B, ·) → the caller's layout
            if unbatched:
                return t.squeeze(1)
            return t.transpose(0, 1) if self.batch_first else t

        output = to_caller(output)
        recording = [[{k: to_caller(v) for k, v in d.items()} for d in lay] for lay in recording]
        final = tuple(s.squeeze(1) for s in final) if unbatched else final
        return output, (final if len(final) == 2 else final[0]), recording

    def _prepare(self, input: Tensor, hx) -> tuple[Tensor, State, bool]:
        """Check shapes and bring everything to time-major, batched form with a full initial state."""
        if input.dim() not in (2, 3):
            raise CharLMError(f"input must be 2-D (unbatched) or 3-D, got shape {tuple(input.shape)}")
        if input.size(-1) != self.input_size:
            raise CharLMError(f"input has {input.size(-1)} features per step; this layer expects {self.input_size}")
        unbatched = input.dim() == 2
        x = input.unsqueeze(1) if unbatched else (input.transpose(0, 1) if self.batch_first else input)
        n_state = len(self.cell.state_names)
        batch = x.size(1)
        expected = (self.num_layers * self.num_directions, batch, self.hidden_size)
        if hx is None:
            zeros = x.new_zeros(expected)
            return x, (zeros,) * n_state, unbatched
        states = (hx,) if isinstance(hx, Tensor) else tuple(hx)
        if len(states) != n_state:
            names = " and ".join(self.cell.state_names)
            raise CharLMError(f"the {self.cell.name} state is {names}; got {len(states)} tensors")
        if unbatched:
            states = tuple(s.unsqueeze(1) for s in states)
        for name, s in zip(self.cell.state_names, states, strict=True):
            if tuple(s.shape) != expected:
                raise CharLMError(f"initial {name} has shape {tuple(s.shape)}; expected {expected}")
        return x, states, unbatched

    def _weights(self, layer: int, direction: int) -> CellWeights:
        sfx = _suffix(layer, direction)
        get = lambda name: getattr(self, f"{name}{sfx}", None)  # noqa: E731
        extras = {name: get(name) for name in self.cell.extra_weights}
        return CellWeights(get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh"), **extras)

    def _weights_for_a_pass(self, layer: int, direction: int) -> CellWeights:
        """The weights a forward pass uses: while training with ``weight_drop``, W_hh with a DropConnect mask."""
        w = self._weights(layer, direction)
        if not (self.training and self.weight_drop):
            return w
        return w._replace(weight_hh=F.dropout(w.weight_hh, self.weight_drop, training=True))

    def _scratch(self, x: Tensor, states: State, record: bool, naive: bool = False):
        """The reference engine: every layer and direction through the cell's step, one t at a time (``naive``: its
        naive_step, one product per gate and input)."""
        layer_input = x  # (T, B, I)
        finals: list[State] = []  # one per (layer, direction), in torch's order
        recording: Recording = []
        for layer in range(self.num_layers):
            outputs, gates = [], []
            for direction in range(self.num_directions):
                index = layer * self.num_directions + direction
                state = tuple(s[index] for s in states)  # (B, H) each
                weights = self._weights_for_a_pass(layer, direction)
                if naive:  # the per-gate products on the raw input, differentiated by autograd
                    out, state, trace = scan(self.cell, layer_input, state, weights, direction == 1, record, naive=True)
                else:
                    out, state, trace = self._scan(layer_input, state, weights, direction == 1, record)
                outputs.append(out)
                finals.append(state)
                gates.append(trace)
            layer_input = torch.cat(outputs, dim=2) if len(outputs) > 1 else outputs[0]  # (T, B, D·H)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, training=True)
            recording.append(gates)
        final = tuple(torch.stack([f[k] for f in finals]) for k in range(len(states)))  # (L·D, B, H) each
        return layer_input, final, (recording if record else [])

    def _scan(self, x: Tensor, state: State, w: CellWeights, reverse: bool, record: bool):
        """One layer in one direction: (T, B, I) → outputs (T, B, H), final state, recorded gates."""
        xw = self.cell.project(x, w)  # (T, B, G·H): the input's share of every gate, all steps in one product
        if not record and _needs_backward(xw, *state, *w):  # training: derivatives by hand (charlm/bptt.py)
            out, *final = _ScanWithHandBPTT.apply(self.cell, reverse, xw, len(state), *state, *w)
            return out, tuple(final), {}
        return scan(self.cell, xw, state, w, reverse, record)

    def _flat_weights(self, for_a_pass: bool = False) -> list[Tensor]:
        """The parameters in torch.nn's flat order: per layer and direction W_ih, W_hh, b_ih, b_hh (``for_a_pass``:
        as a forward pass uses them, see ``_weights_for_a_pass``)."""
        weights = self._weights_for_a_pass if for_a_pass else self._weights
        flat = []
        for layer in range(self.num_layers):
            for direction in range(self.num_directions):
                w = weights(layer, direction)
                flat += [w.weight_ih, w.weight_hh] + ([w.bias_ih, w.bias_hh] if self.bias else [])
        return flat

    def _apply(self, fn, recurse=True):
        result = super()._apply(fn, recurse)  # .to(), .cuda(), .double(), ...
        self.flatten_parameters()
        return result

    def flatten_parameters(self) -> None:
        """On a CUDA GPU, lay the weights out as the one block cuDNN reads, as torch.nn does (each parameter
        becomes a view into it); otherwise cuDNN copies them into such a block at every call. A no-op elsewhere."""
        flat = self._flat_weights()
        if not self.has_fused or not all(w.is_cuda and torch.backends.cudnn.is_acceptable(w) for w in flat):
            return
        if len({w.dtype for w in flat}) != 1 or len({w.data_ptr() for w in flat}) != len(flat):
            return
        mode = "LSTM" if self.cell.name == "lstm" else "GRU" if self.cell.name == "gru" else f"RNN_{self.cell.nonlinearity}"
        with torch.cuda.device_of(flat[0]), torch.no_grad():
            if torch._use_cudnn_rnn_flatten_weight():
                torch._cudnn_rnn_flatten_weight(
                    flat, 4 if self.bias else 2, self.input_size, torch.backends.cudnn.rnn.get_cudnn_mode(mode.upper()),
                    self.hidden_size, 0, self.num_layers, self.batch_first, self.bidirectional,
                )  # fmt: skip

    def _fused(self, x: Tensor, states: State):
        """torch's fused kernel over our parameters, in torch.nn's flat order."""
        flat = self._flat_weights(for_a_pass=True)
        args = (flat, self.bias, self.num_layers, self.dropout, self.training, self.bidirectional, False)
        kernel = _fused_kernel(self.cell)
        if len(states) == 2:
            output, h, c = kernel(x, states, *args)
            return output, (h, c)
        output, h = kernel(x, states[0], *args)
        return output, (h,)


def scan(cell: Cell, xw: Tensor, state: State, w: CellWeights, reverse: bool, record: bool, naive: bool = False):
    """The time loop: the cell's ``step`` at every t of xw (T, B, G·H), from ``state`` (each (B, H)).
    Returns the outputs (T, B, H), the final state and, when ``record``, every gate as (T, B, H),
    all in input order. ``naive``: xw is the raw input (T, B, I) and each t runs the cell's ``naive_step``."""
    step = cell.naive_step if naive else cell.step
    steps = xw.unbind(0)  # T × (B, G·H); unbind, not xw[t], keeps backward from zero-filling per step
    if reverse:
        steps = steps[::-1]
    hs: list[Tensor] = []
    trace: list[Gates] = []
    for xw_t in steps:
        state, gates = step(xw_t, state, w)
        hs.append(state[0])
        if record:
            trace.append(gates)
    if reverse:  # back to input order, as torch.nn lays out the reverse direction's outputs
        hs.reverse()
        trace.reverse()
    if not record:
        return torch.stack(hs), state, {}
    recorded = {name: torch.stack([g[name] for g in trace]) for name in cell.recorded}
    return recorded["h"], state, recorded


class _ScanWithHandBPTT(torch.autograd.Function):
    """``scan`` forward, and backward through the cell's hand-written derivatives (``charlm.bptt``):
    the same gradients autograd would find, in fewer and larger operations."""

    @staticmethod
    def forward(ctx, cell: Cell, reverse: bool, xw: Tensor, n_state: int, *tensors):
        state, w = tuple(tensors[:n_state]), CellWeights(*tensors[n_state:])
        out, final, saved = scan(cell, xw, state, w, reverse, record=True)
        ctx.cell, ctx.reverse, ctx.n_state = cell, reverse, n_state
        ctx.save_for_backward(*tensors, *saved.values())
        return out, *final

    @staticmethod
    @once_differentiable
    def backward(ctx, d_out: Tensor, *d_final: Tensor):
        cell, n_state, n_weights = ctx.cell, ctx.n_state, len(CellWeights._fields)
        tensors = ctx.saved_tensors
        state, w = tensors[:n_state], CellWeights(*tensors[n_state : n_state + n_weights])
        saved = dict(zip(cell.recorded, tensors[n_state + n_weights :], strict=True))
        if ctx.reverse:  # the derivatives run in the order the steps were taken: right to left here
            saved, d_out = {k: v.flip(0) for k, v in saved.items()}, d_out.flip(0)
        d_xw, d_state, d_weights = backward_of(cell)(saved, state, w, d_out, d_final)
        if ctx.reverse:
            d_xw = d_xw.flip(0)
        return None, None, d_xw, None, *d_state, *(d_weights.get(name) for name in CellWeights._fields)


def _needs_backward(*tensors: Tensor | None) -> bool:
    """Whether autograd will differentiate through these. Under autocast (mixed precision) and torch.compile
    (which derives a fused backward of its own) autograd's own path is the one to take."""
    if not torch.is_grad_enabled() or not any(t is not None and t.requires_grad for t in tensors):
        return False
    return not (torch.is_autocast_enabled(tensors[0].device.type) or torch.compiler.is_compiling())


def _fused_kernel(cell: Cell) -> Callable | None:
    """torch's fused kernel for a cell, or None (the peephole LSTM has none)."""
    if isinstance(cell, RNNCell):
        return torch.rnn_tanh if cell.nonlinearity == "tanh" else torch.rnn_relu
    return {"gru": torch.gru, "lstm": torch.lstm}.get(cell.name)


def _suffix(layer: int, direction: int) -> str:
    return f"_l{layer}" + ("_reverse" if direction == 1 else "")


class RNN(RecurrentLayer):
    """Drop-in for torch.nn.RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (or relu)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh", **kwargs):
        super().__init__(RNNCell(nonlinearity), input_size, hidden_size, num_layers, **kwargs)
        self.nonlinearity = nonlinearity


class GRU(RecurrentLayer):
    """Drop-in for torch.nn.GRU (gate order r, z, n)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, **kwargs):
        super().__init__(GRUCell(), input_size, hidden_size, num_layers, **kwargs)


class LSTM(RecurrentLayer):
    """Drop-in for torch.nn.LSTM (gate order i, f, g, o; no proj_size)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, **kwargs):
        super().__init__(LSTMCell(), input_size, hidden_size, num_layers, **kwargs)


class PeepholeLSTM(RecurrentLayer):
    """torch.nn.LSTM's parameters plus diagonal peepholes ``weight_ci/cf/co_l{k}`` (H,) per layer and
    direction. Scratch engine only: torch has no fused peephole kernel."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, **kwargs):
        super().__init__(PeepholeLSTMCell(), input_size, hidden_size, num_layers, **kwargs)


LAYERS: dict[str, type[RecurrentLayer]] = {"rnn": RNN, "gru": GRU, "lstm": LSTM, "peephole": PeepholeLSTM}
