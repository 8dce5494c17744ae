"""Our layers against torch.nn's with copied weights: outputs, final states and every gradient.

The first test of every cell (STYLE.md): if these hold, ours and torch's are interchangeable.
"""

import itertools

import pytest
import torch
from torch import nn

import charlm

# name → (our class, torch's class, extra constructor arguments)
CELLS = {
    "rnn_tanh": (charlm.RNN, nn.RNN, {"nonlinearity": "tanh"}),
    "rnn_relu": (charlm.RNN, nn.RNN, {"nonlinearity": "relu"}),
    "gru": (charlm.GRU, nn.GRU, {}),
    "lstm": (charlm.LSTM, nn.LSTM, {}),
}
# (T, B, input_size, hidden_size): an ordinary size and the edges T=1, B=1, H=1
SIZES = [(5, 3, 4, 6), (1, 3, 4, 6), (5, 1, 4, 6), (5, 3, 4, 1)]


def make_pair(cell, num_layers, bidirectional, batch_first, input_size, hidden_size, dtype=torch.float32, **kw):
    ours_cls, torch_cls, extra = CELLS[cell]
    args = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first, **extra, **kw)
    reference = torch_cls(input_size, hidden_size, **args).to(dtype)
    ours = ours_cls(input_size, hidden_size, **args).to(dtype)
    ours.load_state_dict(reference.state_dict())  # strict: same names, same shapes
    return ours, reference


def run_and_backward(module, x, state, **kw):
    """Forward, then backward of a fixed random projection of everything the module returns."""
    output, final = module(x, state, **kw)
    finals = final if isinstance(final, tuple) else (final,)
    gen = torch.Generator().manual_seed(1)
    loss = (output * torch.randn(output.shape, generator=gen, dtype=output.dtype)).sum()
    for f in finals:
        loss = loss + (f * torch.randn(f.shape, generator=gen, dtype=f.dtype)).sum()
    loss.backward()
    return output, finals


def assert_parity(cell, num_layers, bidirectional, batch_first, size, with_state, engine, dtype, tol):
    T, B, I, H = size
    ours, reference = make_pair(cell, num_layers, bidirectional, batch_first, I, H, dtype)
    D = 2 if bidirectional else 1
    x = torch.randn((B, T, I) if batch_first else (T, B, I), dtype=dtype)
    n_state = 2 if cell == "lstm" else 1
    states = [torch.randn(num_layers * D, B, H, dtype=dtype) for _ in range(n_state)] if with_state else []

    def inputs():
        leaves = [t.clone().requires_grad_() for t in [x, *states]]
        state = None if not with_state else (tuple(leaves[1:]) if n_state == 2 else leaves[1])
        return leaves, state

    ref_leaves, ref_state = inputs()
    our_leaves, our_state = inputs()
    ref_out, ref_finals = run_and_backward(reference, ref_leaves[0], ref_state)
    our_out, our_finals = run_and_backward(ours, our_leaves[0], our_state, engine=engine)

    close = dict(atol=tol, rtol=tol)
    torch.testing.assert_close(our_out, ref_out, **close)
    for ours_f, ref_f in zip(our_finals, ref_finals, strict=True):
        torch.testing.assert_close(ours_f, ref_f, **close)
    for ours_leaf, ref_leaf in zip(our_leaves, ref_leaves, strict=True):
        torch.testing.assert_close(ours_leaf.grad, ref_leaf.grad, **close)
    ref_params = dict(reference.named_parameters())
    for name, p in ours.named_parameters():
        torch.testing.assert_close(p.grad, ref_params[name].grad, **close, msg=lambda m, n=name: f"{n}: {m}")


GRID = list(itertools.product(CELLS, (1, 2, 3), (False, True), (False, True), SIZES, (False, True)))


def grid_id(cell, num_layers, bidirectional, batch_first, size, with_state):
    direction = "bi" if bidirectional else "uni"
    layout = "bf" if batch_first else "tf"
    state = "h0" if with_state else "zero"
    return f"{cell}-L{num_layers}-{direction}-{layout}-{'x'.join(map(str, size))}-{state}"


@pytest.mark.parametrize("engine", ["scratch", "fused", "naive"])
@pytest.mark.parametrize(
    "cell, num_layers, bidirectional, batch_first, size, with_state",
    GRID,
    ids=[grid_id(*case) for case in GRID],
)
@pytest.mark.slow
def test_float32_parity_with_torch_nn(cell, num_layers, bidirectional, batch_first, size, with_state, engine):
    assert_parity(cell, num_layers, bidirectional, batch_first, size, with_state, engine, torch.float32, 1e-5)


@pytest.mark.parametrize("engine", ["scratch", "fused", "naive"])
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_float64_parity_is_tighter(cell, bidirectional, engine):
    assert_parity(cell, 2, bidirectional, False, (6, 3, 4, 5), True, engine, torch.float64, 1e-12)


@pytest.mark.parametrize("cell", CELLS)
def test_state_dicts_load_both_ways(cell):
    ours, reference = make_pair(cell, 2, True, False, 3, 4)
    back = CELLS[cell][1](3, 4, num_layers=2, bidirectional=True, **CELLS[cell][2])
    back.load_state_dict(ours.state_dict())  # strict in the other direction too
    assert list(ours.state_dict()) == list(reference.state_dict())  # same names in the same order
    for (name, ours_p), ref_p in zip(ours.state_dict().items(), back.state_dict().values(), strict=True):
        assert torch.equal(ours_p, ref_p), name


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("engine", ["scratch", "fused", "naive"])
def test_unbatched_input_like_torch(cell, engine):
    ours, reference = make_pair(cell, 2, True, False, 3, 4)
    x = torch.randn(7, 3)  # (T, input_size)
    ref_out, ref_final = reference(x)
    our_out, our_final = ours(x, engine=engine)
    torch.testing.assert_close(our_out, ref_out, atol=1e-6, rtol=1e-6)
    torch.testing.assert_close(our_final, ref_final, atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("cell", CELLS)
def test_dropout_between_layers_acts_only_in_training(cell):
    ours, reference = make_pair(cell, 3, False, False, 3, 8, dropout=0.5)
    x = torch.randn(6, 4, 3)
    ours.eval()
    reference.eval()
    torch.testing.assert_close(ours(x, engine="scratch")[0], reference(x)[0], atol=1e-6, rtol=1e-6)
    ours.train()
    a, b = ours(x, engine="scratch")[0], ours(x, engine="scratch")[0]
    assert not torch.equal(a, b)  # two different dropout masks
    # on the top layer's input only: the first layer's outputs are never dropped, so the output stays finite
    assert torch.isfinite(a).all()


def test_constructor_matches_torch_signature():
    """The same arguments in the same positions as torch.nn's constructors."""
    import inspect

    for ours_cls, torch_cls in [(charlm.LSTM, nn.LSTM), (charlm.GRU, nn.GRU), (charlm.RNN, nn.RNN)]:
        for args in [(3, 4, 2), (3, 4)]:
            kwargs = dict(bias=False, batch_first=True, dropout=0.25 if len(args) == 3 else 0.0, bidirectional=True)
            ours, theirs = ours_cls(*args, **kwargs), torch_cls(*args, **kwargs)
            for attr in ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional"):
                assert getattr(ours, attr) == getattr(theirs, attr), (ours_cls, attr)
            assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert "nonlinearity" in inspect.signature(charlm.RNN).parameters


@pytest.mark.parametrize("cls", [nn.GRU, nn.LSTM])
def test_weight_drop_masks_the_recurrent_weights_while_training_only(cls):
    """DropConnect (AWD-LSTM): one mask on W_hh per call; both engines see the same mask; eval sees all weights."""
    ours = {nn.GRU: charlm.GRU, nn.LSTM: charlm.LSTM}[cls](3, 5, 2, weight_drop=0.5)
    plain = {nn.GRU: charlm.GRU, nn.LSTM: charlm.LSTM}[cls](3, 5, 2)
    plain.load_state_dict(ours.state_dict())
    x = torch.randn(7, 2, 3)
    ours.eval()
    torch.testing.assert_close(ours(x)[0], plain(x)[0])
    ours.train()
    outs = {}
    for engine in ("scratch", "fused"):
        torch.manual_seed(4)
        outs[engine] = ours(x, engine=engine)[0]
    torch.testing.assert_close(outs["scratch"], outs["fused"], atol=1e-5, rtol=1e-5)
    assert not torch.allclose(outs["scratch"], plain(x)[0])
    outs["scratch"].sum().backward()
    assert ours.weight_hh_l0.grad.abs().sum() > 0 and "weight_drop=0.5" in repr(ours)
