"""The hand-written backward through time (charlm/bptt.py) against autograd through the cells' own steps.

Training on the scratch engine differentiates with charlm.bptt; ``layer.record`` runs the same cells
with autograd following every operation. Both must give the same gradient for every parameter, the
input and the initial state, in float64, whatever the gradient reaches (outputs, final states, both).
"""

import itertools

import pytest
import torch

from charlm.layers import GRU, LSTM, RNN, PeepholeLSTM

LAYERS = {
    "rnn-tanh": lambda *a, **k: RNN(*a, nonlinearity="tanh", **k),
    "rnn-relu": lambda *a, **k: RNN(*a, nonlinearity="relu", **k),
    "gru": GRU,
    "lstm": LSTM,
    "peephole": PeepholeLSTM,
    "lstm-proj": lambda *a, **k: LSTM(*a, proj_size=2, **k),  # h_t = W_hr (o_t ⊙ tanh(c_t)): h is 2 wide
    "peephole-proj": lambda *a, **k: PeepholeLSTM(*a, proj_size=2, **k),
}
CASES = [
    # every cell, stacked, both ways, from a state, the loss reading both runs in the fast tier; the rest is marked slow
    pytest.param(*case, marks=() if case[1:] == (2, True, True, "both") else pytest.mark.slow)
    for case in itertools.product(
        LAYERS,
        [1, 2],  # layers
        [False, True],  # bidirectional
        [False, True],  # an initial state that needs its gradient
        ["outputs", "final", "both"],  # what the loss reads
    )
]


def _gradients(layer, x, hx, loss_on: str, use_record: bool, seed: int):
    torch.manual_seed(seed)  # the same dropout masks for both runs
    if use_record:
        out, state, _ = layer.record(x, hx)  # autograd through cells.step
    else:
        out, state = layer(x, hx, engine="scratch")  # charlm.bptt
    states = state if isinstance(state, tuple) else (state,)
    weights = torch.linspace(-1, 1, out.numel(), dtype=out.dtype).reshape(out.shape)  # every output matters differently
    loss = (out * weights).sum() if loss_on != "final" else 0
    if loss_on != "outputs":
        loss = loss + sum((s.sin() * (k + 1)).sum() for k, s in enumerate(states))
    inputs = [x, *(hx if isinstance(hx, tuple) else (hx,) if hx is not None else ()), *layer.parameters()]
    return torch.autograd.grad(loss, inputs)


@pytest.mark.parametrize(("cell", "num_layers", "bidirectional", "with_h0", "loss_on"), CASES)
def test_hand_written_bptt_equals_autograd(cell, num_layers, bidirectional, with_h0, loss_on):
    torch.manual_seed(0)
    layer = LAYERS[cell](5, 7, num_layers, bidirectional=bidirectional, dropout=0.3 * (num_layers > 1), dtype=torch.float64)
    T, B, D = 6, 3, 2 if bidirectional else 1
    x = torch.randn(T, B, 5, dtype=torch.float64, requires_grad=True)
    hx = None
    if with_h0:
        states = tuple(
            torch.randn(num_layers * D, B, size, dtype=torch.float64, requires_grad=True)
            for size in layer._state_sizes()
        )
        hx = states if len(states) == 2 else states[0]
    hand = _gradients(layer, x, hx, loss_on, use_record=False, seed=1)
    auto = _gradients(layer, x, hx, loss_on, use_record=True, seed=1)
    names = [
        "x",
        *(["h0"] * (len(hand) - 1 - len(list(layer.parameters())))),
        *(n for n, _ in layer.named_parameters()),
    ]
    for name, a, b in zip(names, hand, auto, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12, msg=lambda m, name=name: f"∂L/∂{name}: {m}")


@pytest.mark.parametrize("cell", LAYERS)
def test_training_takes_the_hand_written_path_and_recording_takes_autograds(cell):
    layer = LAYERS[cell](4, 3)
    x = torch.randn(5, 2, 4)

    def nodes(t):
        seen, todo = set(), [t.grad_fn]
        while todo:
            fn = todo.pop()
            if fn is not None and fn not in seen:
                seen.add(fn)
                todo += [f for f, _ in fn.next_functions]
        return {type(fn).__name__ for fn in seen}

    assert "_ScanWithHandBPTTBackward" in nodes(layer(x, engine="scratch")[0])
    assert "_ScanWithHandBPTTBackward" not in nodes(layer.record(x)[0])
    with torch.no_grad():
        assert layer(x, engine="scratch")[0].grad_fn is None


def test_bias_free_layers_and_bf16_autocast_still_train():
    for layer in (GRU(4, 3, bias=False), LSTM(4, 3, bias=False)):
        out, _ = layer(torch.randn(5, 2, 4), engine="scratch")
        out.sum().backward()
        assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in layer.parameters())
    layer = LSTM(4, 3)
    with torch.autocast("cpu", dtype=torch.bfloat16):  # mixed precision goes through autograd's path
        out, _ = layer(torch.randn(5, 2, 4), engine="scratch")
    out.float().sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in layer.parameters())
