"""Recurrent layers: drop-in replacements for torch.nn.RNN, GRU and LSTM, plus a peephole LSTM.

A layer owns the parameters of a stack of ``num_layers`` layers, each read left to right and, when
``bidirectional``, also right to left. ``charlm.LSTM`` *is* a ``torch.nn.LSTM`` (and ``GRU``, ``RNN``
likewise): it subclasses torch's class, so it has torch's constructor, attributes (``mode``,
``all_weights``, ``_flat_weights``, ...), parameter names and layout, input checks and error messages,
and code that asks ``isinstance(layer, nn.LSTM)`` — the d2l book's ``begin_state``, torch.compile —
gets the answer it expects. What it changes is ``forward``: it runs on one of two engines, chosen per call:

- ``"scratch"``: the cells of ``charlm.cells`` in a Python time loop. The reference, and the only
  engine that can record every gate (``record``). When training, its gradients come from the
  hand-written backward through time of ``charlm.bptt`` (fewer, larger operations than autograd's
  step-by-step replay); ``record``, packed batches and double backward leave them to autograd.
- ``"fused"``: torch's own fused kernels (oneDNN on the CPU, cuDNN on CUDA) over the same weights.
  There is none for the peephole LSTM.
- ``"auto"`` (the default): fused when the cell has a fused kernel, scratch otherwise.

Both engines take what torch.nn's layers take: a (T, B, I) tensor, (B, T, I) when ``batch_first``,
(T, I) unbatched, or a ``PackedSequence`` of sequences of different lengths; the LSTMs take
``proj_size`` (h_t = W_hr (o_t ⊙ tanh(c_t)), Sak et al. 2014).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.rnn import PackedSequence

from .bptt import backward_of
from .cells import Cell, CellWeights, Gates, GRUCell, LSTMCell, PeepholeLSTMCell, RNNCell, State, cell_title_msg
from .errors import CharLMError, ShapeError, check_probability
from .i18n import Msg

ENGINES = ("auto", "scratch", "fused", "naive")

# Recorded gates of a whole stack: recording[layer][direction][name] is a (T, B, H) tensor
# (batch first when the layer is), in input order for both directions; a PackedSequence for packed input.
Recording = list[list[dict[str, Tensor]]]


class RecurrentLayer(nn.RNNBase):
    """The stack shared by every cell: torch.nn.RNNBase's parameters and checks, our engines."""

    cell: Cell  # the cell every layer and direction runs (each subclass names its own)

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device=None,
        dtype=None,
        *,
        weight_drop: float = 0.0,
    ):
        check_probability("weight_drop", weight_drop)
        # torch's own constructor: its argument checks and warnings, parameters (uniform in ±1/√hidden_size,
        # drawn in the same order, so a seed gives torch.nn's weights), names, flat weight list and cuDNN layout.
        nn.RNNBase.__init__(
            self, mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, proj_size,
            device, dtype,
        )  # fmt: skip
        # DropConnect on the recurrent weights while training (Merity et al. 2017, "Regularizing and Optimizing LSTM
        # Language Models"): one mask on W_hh per call, shared by every time step. Not in torch.nn.
        self.weight_drop = float(weight_drop)
        if self.cell.extra_weights:
            self._add_extra_weights(device, dtype)

    def _add_extra_weights(self, device, dtype) -> None:
        """The cell's per-unit (H,) weights beyond torch.nn's (the peepholes), beside each layer and direction's
        others in ``_all_weights``, ``_flat_weights`` and the parameter order; uniform in ±1/√hidden_size."""
        extra = []
        for k, names in enumerate(self._all_weights):
            sfx = _suffix(k // self.num_directions, k % self.num_directions)
            for name in self.cell.extra_weights:
                self.register_parameter(
                    name + sfx, nn.Parameter(torch.empty(self.hidden_size, device=device, dtype=dtype))
                )
                extra.append(getattr(self, name + sfx))
                names.append(name + sfx)
        self._flat_weights_names = [name for names in self._all_weights for name in names]
        self._parameters = {name: self._parameters[name] for name in self._flat_weights_names}
        self._init_flat_weights()
        for p in extra:
            nn.init.uniform_(p, -(self.hidden_size**-0.5), self.hidden_size**-0.5)

    def flatten_parameters(self) -> None:
        """torch.nn's cuDNN layout, for the cells cuDNN runs; the others have no fused kernel, so none to keep."""
        if self.has_fused:
            super().flatten_parameters()

    def extra_repr(self) -> str:
        return super().extra_repr() + (f", weight_drop={self.weight_drop}" if self.weight_drop else "")

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    # -- public API ------------------------------------------------------------------------------

    @property
    def has_fused(self) -> bool:
        """Whether torch has a fused kernel for this cell."""
        return _fused_kernel(self.cell) is not None

    def resolve_engine(self, engine: str = "auto", record: bool = False) -> str:
        """The engine a call with these arguments runs on: "scratch", "fused" or "naive" (one product per gate and
        input per step, with autograd's backward: the d2l book's scratch code, for comparison)."""
        if engine not in ENGINES:
            raise CharLMError("layers.engine", engines=", ".join(ENGINES), value=engine)
        if engine == "naive":
            return "naive"
        if engine == "fused":
            if record:
                raise CharLMError("layers.record_fused")
            if not self.has_fused:
                raise CharLMError("layers.no_fused", cell=self.cell.name)
            return "fused"
        if engine == "auto" and self.has_fused and not record:
            return "fused"
        return "scratch"

    def forward(self, input, hx=None, engine: str = "auto"):
        """Run the stack, like torch.nn's module of the same name.

        input: (T, B, input_size), (B, T, input_size) when batch_first, (T, input_size) unbatched, or a
            PackedSequence.
        hx: the initial state — h_0 (or (h_0, c_0) for the LSTMs), each (num_layers·num_directions,
            B, H) with H the hidden size (for h_0 the projection size when proj_size > 0) — or None for zeros.
        Returns (output, h_n) or (output, (h_n, c_n)); output is (T, B, num_directions·H), or a PackedSequence.
        """
        output, state, _ = self._run(input, hx, self.resolve_engine(engine), record=False)
        return output, state

    def record(self, input, hx=None, *, engine: str = "scratch") -> tuple[Tensor, object, Recording]:
        """Like ``forward`` on the scratch (or naive) engine, also returning every gate and state it computed."""
        if engine not in ("scratch", "naive"):
            raise CharLMError("layers.record_engine", engine=engine)
        return self._run(input, hx, engine, record=True)

    def step(self, x: Tensor, hx=None):
        """One time step through every layer, for generation: x (B, input_size) → (top layer's h (B, H),
        state). The state is as ``forward`` takes and returns it. It runs the cells' own step functions
        with none of ``forward``'s per-call checks and reshaping: a sequence fed one step at a time gives
        what ``forward`` gives for the whole of it."""
        if self.bidirectional:
            raise CharLMError("layers.bidirectional_step")
        if hx is None:
            states = tuple(x.new_zeros(self.num_layers, x.shape[0], size) for size in self._state_sizes())
        else:
            states = (hx,) if isinstance(hx, Tensor) else tuple(hx)
        new: list[State] = []
        for layer in range(self.num_layers):
            w = self._weights(layer, 0)
            state, _ = self.cell.step(self.cell.project(x, w), tuple(s[layer] for s in states), w)
            new.append(state)
            x = state[0]  # the next layer's input
        final = tuple(torch.stack(parts) for parts in zip(*new, strict=True))  # (L, B, H) each
        return x, (final if len(final) == 2 else final[0])

    def to_torch(self) -> nn.RNNBase:
        """torch.nn's own layer of this kind, sharing these parameters (not copies): for tools that run torch's
        forward rather than ours — TorchScript (``torch.jit.script`` calls this itself), and
        ``torch.ao.quantization.quantize_dynamic``, which matches module classes exactly (see ``to_torch``)."""
        torch_class = next((c for c in type(self).__mro__ if c.__module__ == nn.RNNBase.__module__), None)
        if torch_class in (None, nn.RNNBase):
            raise CharLMError("layers.no_torch_cell", cell=cell_title_msg(self.cell.name))
        if self.weight_drop:
            raise CharLMError("layers.no_torch_weight_drop")
        kwargs = {"nonlinearity": self.nonlinearity} if torch_class is nn.RNN else {}
        if self.proj_size:
            kwargs["proj_size"] = self.proj_size
        twin = torch_class(
            self.input_size, self.hidden_size, self.num_layers, bias=self.bias, batch_first=self.batch_first,
            dropout=self.dropout, bidirectional=self.bidirectional, device="meta", **kwargs,
        )  # fmt: skip
        for name in self._flat_weights_names:
            setattr(twin, name, getattr(self, name))
        twin._init_flat_weights()  # cuDNN's layout, as for any torch.nn layer
        return twin.train(self.training)

    def __prepare_scriptable__(self) -> nn.RNNBase:
        """What ``torch.jit.script`` compiles in this layer's place: torch.nn's layer over the same parameters
        (TorchScript compiles torch's annotated forward; ours, with its two engines, is plain Python)."""
        return self.to_torch()

    # -- internals -------------------------------------------------------------------------------

    def _state_sizes(self) -> tuple[int, ...]:
        """The width of each state: h is proj_size wide when there is a projection; c is hidden_size wide."""
        h = self.proj_size or self.hidden_size
        return (h, self.hidden_size)[: len(self.cell.state_names)]

    def _run(self, input, hx, engine: str, record: bool):
        """Both engines on torch.nn's inputs: checks and layout as torch.nn.LSTM.forward does them."""
        self._update_flat_weights()
        n_state = len(self.cell.state_names)
        if hx is not None:
            hx = (hx,) if isinstance(hx, Tensor) else tuple(hx)
            if len(hx) != n_state:
                raise CharLMError("layers.state_count", cell=self.cell.name, names=_and(self.cell.state_names),
                                  count=len(hx))  # fmt: skip
        if isinstance(input, PackedSequence):
            x, batch_sizes, sorted_indices, unsorted_indices = input
            states = self._initial_state(hx, x, int(batch_sizes[0]), sorted_indices)
            self._check(x, states, batch_sizes)
            output, final, recording = self._engine(engine, x, states, record, batch_sizes)
            pack = lambda t: PackedSequence(t, batch_sizes, sorted_indices, unsorted_indices)  # noqa: E731
            recording = [[{k: pack(v) for k, v in d.items()} for d in lay] for lay in recording]
            final = self._permuted(final, unsorted_indices)
            return pack(output), (final if n_state == 2 else final[0]), recording

        if input.dim() not in (2, 3):
            kind = self.mode.split("_")[0]  # torch.nn's words, to the letter (its RNN says "tensor", the others not)
            if kind == "RNN":
                raise CharLMError("layers.input_dims_tensor", kind=kind, dims=input.dim())
            raise CharLMError("layers.input_dims", kind=kind, dims=input.dim())
        unbatched = input.dim() == 2
        if hx is not None and any(s.dim() != (2 if unbatched else 3) for s in hx):
            kind, dims = (Msg("layers.unbatched"), 2) if unbatched else (Msg("layers.batched"), 3)
            if n_state == 2:
                raise ShapeError("layers.state_dims_pair", kind=kind, dims=dims, h=hx[0].dim(), c=hx[1].dim())
            raise ShapeError("layers.state_dims", kind=kind, dims=dims, h=hx[0].dim())
        if unbatched:  # a batch of one: (T, I) → (T, 1, I), or (1, T, I) when batch first
            input = input.unsqueeze(0 if self.batch_first else 1)
            hx = None if hx is None else tuple(s.unsqueeze(1) for s in hx)
        states = self._initial_state(hx, input, input.size(0 if self.batch_first else 1), None)
        self._check(input, states, None)
        x = input.transpose(0, 1) if self.batch_first else input  # (T, B, I): both engines run time-major
        output, final, recording = self._engine(engine, x, states, record, None)

        def to_caller(t: Tensor) -> Tensor:  # (T, B, ·) → the caller's layout
            if unbatched:
                return t.squeeze(1)
            return t.transpose(0, 1) if self.batch_first else t

        output = to_caller(output)
        recording = [[{k: to_caller(v) for k, v in d.items()} for d in lay] for lay in recording]
        final = tuple(s.squeeze(1) for s in final) if unbatched else final
        return output, (final if n_state == 2 else final[0]), recording

    def _initial_state(self, hx: State | None, x: Tensor, batch: int, sorted_indices: Tensor | None) -> State:
        """The state to start from, in the batch's order: zeros for None, else hx sorted as a packed batch is."""
        if hx is None:
            L = self.num_layers * self.num_directions
            return tuple(x.new_zeros(L, batch, size) for size in self._state_sizes())
        return self._permuted(hx, sorted_indices)

    def _permuted(self, states: State, indices: Tensor | None) -> State:
        return states if indices is None else tuple(s.index_select(1, indices) for s in states)

    def _check(self, input: Tensor, states: State, batch_sizes: Tensor | None) -> None:
        """torch.nn's checks of the input and the state, with torch's error types and messages (as CharLMErrors,
        which the app and the CLI show), and what this layer does take."""
        try:
            self.check_forward_args(input, states if len(states) == 2 else states[0], batch_sizes)
        except (RuntimeError, ValueError) as error:
            sizes = _and([f"{n} ({self.num_layers * self.num_directions}, B, {s})"
                          for n, s in zip(self.cell.state_names, self._state_sizes(), strict=True)])  # fmt: skip
            layout = ("(B, T, {})" if self.batch_first else "(T, B, {})").format(self.input_size)
            # torch's message word for word, then what this layer takes; in torch's error type
            if isinstance(error, RuntimeError):
                raise ShapeError("layers.torch_check", error=str(error), layout=layout, sizes=sizes) from None
            raise CharLMError("layers.torch_check", error=str(error), layout=layout, sizes=sizes) from None

    def _engine(self, engine: str, x: Tensor, states: State, record: bool, batch_sizes: Tensor | None):
        """(T, B, I) time-major, or packed data (N, I) with its batch sizes → output, final states, recording."""
        if engine == "fused":
            return *self._fused(x, states, batch_sizes), []
        return self._scratch(x, states, record, batch_sizes, naive=engine == "naive")

    def _weights(self, layer: int, direction: int) -> CellWeights:
        sfx = _suffix(layer, direction)
        get = lambda name: getattr(self, f"{name}{sfx}", None)  # noqa: E731
        return CellWeights(*(get(name) for name in CellWeights._fields))

    def _weights_for_a_pass(self, layer: int, direction: int) -> CellWeights:
        """The weights a forward pass uses: while training with ``weight_drop``, W_hh with a DropConnect mask."""
        w = self._weights(layer, direction)
        if not (self.training and self.weight_drop):
            return w
        return w._replace(weight_hh=F.dropout(w.weight_hh, self.weight_drop, training=True))

    def _scratch(self, x: Tensor, states: State, record: bool, batch_sizes: Tensor | None, naive: bool = False):
        """The reference engine: every layer and direction through the cell's step, one t at a time (``naive``: its
        naive_step, one product per gate and input)."""
        layer_input = x  # (T, B, I), or packed (N, I)
        finals: list[State] = []  # one per (layer, direction), in torch's order
        recording: Recording = []
        for layer in range(self.num_layers):
            outputs, gates = [], []
            for direction in range(self.num_directions):
                index = layer * self.num_directions + direction
                state = tuple(s[index] for s in states)  # (B, H) each
                weights = self._weights_for_a_pass(layer, direction)
                xw = layer_input if naive else self.cell.project(layer_input, weights)  # naive: products per step
                if batch_sizes is not None:  # sequences of different lengths, differentiated by autograd
                    out, state, trace = scan_packed(self.cell, xw, batch_sizes, state, weights, direction == 1, record,
                                                    naive)  # fmt: skip
                elif not naive and not record and _needs_backward(xw, *state, *weights):  # training: charlm/bptt.py
                    out, *final = _ScanWithHandBPTT.apply(self.cell, direction == 1, xw, len(state), *state, *weights)
                    state, trace = tuple(final), {}
                else:
                    out, state, trace = scan(self.cell, xw, state, weights, direction == 1, record, naive)
                outputs.append(out)
                finals.append(state)
                gates.append(trace)
            layer_input = torch.cat(outputs, dim=-1) if len(outputs) > 1 else outputs[0]  # (T, B, D·H)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, training=True)
            recording.append(gates)
        final = tuple(torch.stack([f[k] for f in finals]) for k in range(len(states)))  # (L·D, B, H) each
        return layer_input, final, (recording if record else [])

    def _kernel_weights(self) -> list[Tensor]:
        """The parameters in torch.nn's flat order, as a forward pass uses them (see ``_weights_for_a_pass``)."""
        if not (self.training and self.weight_drop):
            return self._flat_weights
        return [F.dropout(w, self.weight_drop, training=True) if name.startswith("weight_hh") else w
                for name, w in zip(self._flat_weights_names, self._flat_weights, strict=True)]  # fmt: skip

    def _fused(self, x: Tensor, states: State, batch_sizes: Tensor | None):
        """torch's fused kernel over our parameters, as torch.nn's forward calls it."""
        kernel = _fused_kernel(self.cell)
        hx = states if len(states) == 2 else states[0]
        args = (self._kernel_weights(), self.bias, self.num_layers, self.dropout, self.training, self.bidirectional)
        if batch_sizes is None:
            output, *final = kernel(x, hx, *args, False)  # time-major
        else:
            output, *final = kernel(x, batch_sizes, hx, *args)
        return output, tuple(final)


def to_torch(module: nn.Module) -> nn.Module:
    """``module`` with every charlm layer in it replaced by torch.nn's (``RecurrentLayer.to_torch``: the same
    parameters, not copies), in place; a charlm layer itself becomes torch's. For tools that pick modules by their
    exact class, as ``torch.ao.quantization.quantize_dynamic(to_torch(model), {nn.LSTM, nn.Linear})`` does."""
    if isinstance(module, RecurrentLayer):
        return module.to_torch()
    for name, child in list(module.named_children()):
        setattr(module, name, to_torch(child))
    return module


def compiled(fn: Callable, **kwargs) -> Callable:
    """``torch.compile(fn, **kwargs)`` that traces into charlm's layers. Dynamo leaves torch.nn.RNN, GRU and LSTM,
    and so ours, to run eagerly (the fused kernels do not trace); the trainer's ``compile`` wants the scratch engine's
    time loop compiled, so it asks dynamo to trace them (``allow_rnn``) while it calls."""
    inner = torch.compile(fn, **kwargs)

    def call(*args, **kw):
        with torch._dynamo.config.patch(allow_rnn=True):
            return inner(*args, **kw)

    return call


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


def scan_packed(cell: Cell, xw: Tensor, batch_sizes: Tensor, state: State, w: CellWeights, reverse: bool,
                record: bool, naive: bool = False):  # fmt: skip
    """``scan`` over a packed batch of sequences of different lengths, longest first: step t's rows are the
    batch_sizes[t] sequences still going, xw (N, G·H) all of them in a row. Left to right, a sequence that has
    ended keeps its last state as its final one; right to left, a sequence joins, from its own initial state,
    at its own last step. Returns the outputs (N, H), the final state (each (B, H)) and the recorded gates (N, H)."""
    step = cell.naive_step if naive else cell.step
    steps = xw.split(batch_sizes.tolist())  # T × (B_t, G·H), B_t never growing
    if reverse:
        steps = steps[::-1]
    live = tuple(s[: len(steps[0])] for s in state)  # the sequences running at the first step
    ended: list[State] = []  # left to right: the final states of sequences as they end, shortest last
    hs: list[Tensor] = []
    trace: list[Gates] = []
    for xw_t in steps:
        B_t, B_live = len(xw_t), len(live[0])
        if B_t < B_live:  # the last B_live − B_t sequences have ended
            ended.append(tuple(s[B_t:] for s in live))
            live = tuple(s[:B_t] for s in live)
        elif B_t > B_live:  # right to left: more sequences start here, from their initial state
            live = tuple(torch.cat([s, s0[B_live:B_t]]) for s, s0 in zip(live, state, strict=True))
        live, gates = step(xw_t, live, w)
        hs.append(live[0])
        if record:
            trace.append(gates)
    if reverse:
        hs.reverse()
        trace.reverse()
    final = tuple(torch.cat(parts) for parts in zip(live, *ended[::-1], strict=True))  # back in batch order
    recorded = {name: torch.cat([g[name] for g in trace]) for name in cell.recorded} if record else {}
    return torch.cat(hs), final, recorded


class _ScanWithHandBPTT(torch.autograd.Function):
    """``scan`` forward, and backward through the cell's hand-written derivatives (``charlm.bptt``):
    the same gradients autograd would find, in fewer and larger operations. A backward that must itself be
    differentiable (``create_graph=True``: gradient penalties, Hessian-vector products, ``gradgradcheck``)
    runs the time loop again under autograd instead, from the saved inputs."""

    @staticmethod
    def forward(ctx, cell: Cell, reverse: bool, xw: Tensor, n_state: int, *tensors):
        state, w = tuple(tensors[:n_state]), CellWeights(*tensors[n_state:])
        out, final, saved = scan(cell, xw, state, w, reverse, record=True)
        ctx.cell, ctx.reverse, ctx.n_state = cell, reverse, n_state
        ctx.save_for_backward(xw, *tensors, *saved.values())
        return out, *final

    @staticmethod
    def backward(ctx, d_out: Tensor, *d_final: Tensor):
        cell, n_state, n_weights = ctx.cell, ctx.n_state, len(CellWeights._fields)
        xw, *tensors = ctx.saved_tensors
        state, w = tuple(tensors[:n_state]), CellWeights(*tensors[n_state : n_state + n_weights])
        if torch.is_grad_enabled():  # create_graph: autograd's own backward of the loop, which it can differentiate
            return None, None, *_differentiable_backward(cell, ctx.reverse, xw, state, w, d_out, d_final)
        saved = dict(zip(cell.recorded, tensors[n_state + n_weights :], strict=True))
        if ctx.reverse:  # the derivatives run in the order the steps were taken: right to left here
            saved, d_out = {k: v.flip(0) for k, v in saved.items()}, d_out.flip(0)
        d_xw, d_state, d_weights = backward_of(cell)(saved, state, w, d_out, d_final)
        if ctx.reverse:
            d_xw = d_xw.flip(0)
        return None, None, d_xw, None, *d_state, *(d_weights.get(name) for name in CellWeights._fields)


def _differentiable_backward(cell: Cell, reverse: bool, xw: Tensor, state: State, w: CellWeights, d_out, d_final):
    """The gradients of ``scan`` by autograd through a second forward pass, with the graph kept: (d_xw, None,
    *d_state, *d_weights) in ``_ScanWithHandBPTT.forward``'s argument order."""
    inputs = [xw, *state, *w]
    wanted = [t for t in inputs if t is not None and t.requires_grad]
    with torch.enable_grad():
        out, final, _ = scan(cell, xw, state, w, reverse, record=False)
        grads = iter(torch.autograd.grad((out, *final), wanted, (d_out, *d_final), create_graph=True,
                                         allow_unused=True))  # fmt: skip
    d_xw, *rest = (next(grads) if t is not None and t.requires_grad else None for t in inputs)
    return d_xw, None, *rest


def _needs_backward(*tensors: Tensor | None) -> bool:
    """Whether autograd will differentiate through these. Under autocast (mixed precision), torch.compile (which
    derives a fused backward of its own) and tracing (torch.jit.trace, torch.onnx.export: they record operations, and
    would record our backward as one opaque Python call) autograd's own path is the one to take."""
    if not torch.is_grad_enabled() or not any(t is not None and t.requires_grad for t in tensors):
        return False
    if torch.compiler.is_compiling() or torch.jit.is_tracing():
        return False
    return not torch.is_autocast_enabled(tensors[0].device.type)


def _fused_kernel(cell: Cell) -> Callable | None:
    """torch's fused kernel for a cell, or None (the peephole LSTM has none)."""
    if isinstance(cell, RNNCell):
        return torch.rnn_tanh if cell.nonlinearity == "tanh" else torch.rnn_relu
    return {"gru": torch.gru, "lstm": torch.lstm}.get(cell.name)


def _and(names) -> Msg | str:
    """One or two names as a sentence lists them: "h", "h and c"."""
    return names[0] if len(names) == 1 else Msg("layers.and", first=names[0], second=names[1])


def _suffix(layer: int, direction: int) -> str:
    return f"_l{layer}" + ("_reverse" if direction == 1 else "")


class RNN(RecurrentLayer, nn.RNN):
    """Drop-in for torch.nn.RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (or relu)."""

    CELLS: ClassVar[dict[str, RNNCell]] = {"RNN_TANH": RNNCell("tanh"), "RNN_RELU": RNNCell("relu")}  # by mode

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device=None,
        dtype=None,
        *,
        weight_drop: float = 0.0,
    ):
        if nonlinearity not in ("tanh", "relu"):
            raise CharLMError("layers.unknown_nonlinearity", value=nonlinearity)
        super().__init__(
            f"RNN_{nonlinearity.upper()}", input_size, hidden_size, num_layers, bias, batch_first, dropout,
            bidirectional, 0, device, dtype, weight_drop=weight_drop,
        )  # fmt: skip
        self.nonlinearity = nonlinearity

    @property
    def cell(self) -> Cell:
        return self.CELLS[self.mode]


class GRU(RecurrentLayer, nn.GRU):
    """Drop-in for torch.nn.GRU (gate order r, z, n)."""

    cell = GRUCell()

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device=None,
        dtype=None,
        *,
        weight_drop: float = 0.0,
    ):
        super().__init__(
            "GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0, device, dtype,
            weight_drop=weight_drop,
        )  # fmt: skip


class _LSTMBase(RecurrentLayer):
    """What both LSTMs share: torch.nn.LSTM's constructor (``proj_size`` included) and its checks of the (h, c)
    state, whose two parts have different widths when there is a projection."""

    get_expected_cell_size = nn.LSTM.get_expected_cell_size
    check_forward_args = nn.LSTM.check_forward_args
    permute_hidden = nn.LSTM.permute_hidden

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device=None,
        dtype=None,
        *,
        weight_drop: float = 0.0,
    ):
        super().__init__(
            "LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, proj_size,
            device, dtype, weight_drop=weight_drop,
        )  # fmt: skip


class LSTM(_LSTMBase, nn.LSTM):
    """Drop-in for torch.nn.LSTM (gate order i, f, g, o; with ``proj_size``, h_t = W_hr (o_t ⊙ tanh(c_t)))."""

    cell = LSTMCell()


class PeepholeLSTM(_LSTMBase):
    """torch.nn.LSTM's parameters plus diagonal peepholes ``weight_ci/cf/co_l{k}`` (H,) per layer and
    direction. Scratch engine only: torch has no fused peephole kernel. A ``torch.nn.RNNBase`` with the LSTM's
    checks and state (h, c), but not a ``torch.nn.LSTM``: code that runs torch's LSTM on an ``nn.LSTM``'s weights
    would drop the peepholes."""

    cell = PeepholeLSTMCell()


LAYERS: dict[str, type[RecurrentLayer]] = {"rnn": RNN, "gru": GRU, "lstm": LSTM, "peephole": PeepholeLSTM}
