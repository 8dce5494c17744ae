"""The scratch engine on its own: gradcheck, the peephole LSTM's published equations, recording,
engine choice and the errors a user meets."""

import pytest
import torch
from torch.func import functional_call

import charlm
from charlm.cells import CELLS, cell_title
from charlm.errors import CharLMError, ShapeError
from charlm.i18n import speaking

ALL_CELLS = {"rnn": charlm.RNN, "gru": charlm.GRU, "lstm": charlm.LSTM, "peephole": charlm.PeepholeLSTM}


@pytest.mark.parametrize("cell", ALL_CELLS)
@pytest.mark.slow
def test_gradcheck_float64_scratch(cell):
    """Autograd through our time loop gives the numerical gradient for inputs, states and weights."""
    layer = ALL_CELLS[cell](3, 2, num_layers=2, bidirectional=True).double()
    names = [n for n, _ in layer.named_parameters()]
    n_state = 2 if cell in ("lstm", "peephole") else 1
    x = torch.randn(4, 2, 3, dtype=torch.float64, requires_grad=True)
    states = [torch.randn(4, 2, 2, dtype=torch.float64, requires_grad=True) for _ in range(n_state)]
    params = [p.detach().clone().requires_grad_() for p in layer.parameters()]

    def f(x, *rest):
        state = rest[:n_state]
        weights = dict(zip(names, rest[n_state:], strict=True))
        hx = tuple(state) if n_state == 2 else state[0]
        out, final = functional_call(layer, weights, (x, hx), {"engine": "scratch"})
        return (out, *(final if n_state == 2 else (final,)))

    assert torch.autograd.gradcheck(f, (x, *states, *params), eps=1e-6, atol=1e-5)


def naive_peephole_lstm(x, h, c, p, reverse=False):
    """Gers & Schmidhuber (2000) written out gate by gate with separate matrices, as a reference
    that shares no code with charlm: x (T, B, I), h and c (B, H), p the layer's parameters."""
    H = h.shape[1]
    W_i, W_f, W_g, W_o = p["weight_ih"].split(H)
    U_i, U_f, U_g, U_o = p["weight_hh"].split(H)
    b = p["bias_ih"] + p["bias_hh"]
    b_i, b_f, b_g, b_o = b.split(H)
    outputs = []
    steps = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
    for t in steps:
        i = torch.sigmoid(x[t] @ W_i.T + h @ U_i.T + p["weight_ci"] * c + b_i)
        f = torch.sigmoid(x[t] @ W_f.T + h @ U_f.T + p["weight_cf"] * c + b_f)
        g = torch.tanh(x[t] @ W_g.T + h @ U_g.T + b_g)
        c = f * c + i * g
        o = torch.sigmoid(x[t] @ W_o.T + h @ U_o.T + p["weight_co"] * c + b_o)  # sees the new cell
        h = o * torch.tanh(c)
        outputs.append(h)
    if reverse:
        outputs.reverse()
    return torch.stack(outputs), h, c


def test_peephole_matches_the_published_equations():
    layer = charlm.PeepholeLSTM(3, 5, bidirectional=True).double()
    with torch.no_grad():  # make the peepholes matter: large, of both signs
        for name, p in layer.named_parameters():
            if name.startswith(("weight_ci", "weight_cf", "weight_co")):
                p.uniform_(-2, 2)
    x = torch.randn(6, 4, 3, dtype=torch.float64)
    h0, c0 = torch.randn(2, 2, 4, 5, dtype=torch.float64)
    out, (h_n, c_n) = layer(x, (h0, c0))
    for direction, sfx in enumerate(["_l0", "_l0_reverse"]):
        params = {n.removesuffix(sfx): p for n, p in layer.named_parameters() if n.endswith(sfx)}
        ref_out, ref_h, ref_c = naive_peephole_lstm(x, h0[direction], c0[direction], params, reverse=direction == 1)
        torch.testing.assert_close(out[..., direction * 5 : (direction + 1) * 5], ref_out, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(h_n[direction], ref_h, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(c_n[direction], ref_c, rtol=1e-12, atol=1e-12)


def test_peephole_with_zero_peepholes_is_torch_lstm():
    reference = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    layer = charlm.PeepholeLSTM(3, 4, num_layers=2, bidirectional=True)
    missing, unexpected = layer.load_state_dict(reference.state_dict(), strict=False)
    assert unexpected == [] and all(k.startswith(("weight_ci", "weight_cf", "weight_co")) for k in missing)
    with torch.no_grad():
        for k in missing:
            layer.get_parameter(k).zero_()
    x = torch.randn(5, 2, 3)
    torch.testing.assert_close(layer(x)[0], reference(x)[0], atol=1e-6, rtol=1e-6)


def test_peephole_weights_are_diagonal_vectors():
    layer = charlm.PeepholeLSTM(3, 7, num_layers=2, bidirectional=True)
    peepholes = {n: p.shape for n, p in layer.named_parameters() if n.startswith("weight_c")}
    assert len(peepholes) == 3 * 2 * 2 and set(peepholes.values()) == {torch.Size([7])}


# -- recording ------------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", ALL_CELLS)
@pytest.mark.parametrize("batch_first", [False, True])
def test_recorded_gates_rebuild_the_states(cell, batch_first):
    """The recorded gates are the values the forward pass used: the cell equations rebuild c and h
    from them, the recorded h is the output, and each layer's h is the next layer's input."""
    layer = ALL_CELLS[cell](3, 4, num_layers=2, bidirectional=True, batch_first=batch_first).double()
    x = torch.randn((2, 6, 3) if batch_first else (6, 2, 3), dtype=torch.float64)
    n_state = 2 if cell in ("lstm", "peephole") else 1
    init = torch.randn(n_state, 4, 2, 4, dtype=torch.float64)
    hx = (init[0], init[1]) if n_state == 2 else init[0]
    out, final, rec = layer.record(x, hx)
    torch.testing.assert_close(out, layer(x, hx, engine="scratch")[0], rtol=0, atol=0)

    time_dim = 1 if batch_first else 0
    assert set(rec[0][0]) == set(layer.cell.recorded)
    for lay in range(2):
        h_both = torch.cat([rec[lay][d]["h"] for d in range(2)], dim=-1)
        if lay == 1:
            torch.testing.assert_close(h_both, out, rtol=0, atol=0)
        for d in range(2):
            g = {k: v.movedim(time_dim, 0) for k, v in rec[lay][d].items()}  # (T, B, H)
            order = range(6) if d == 0 else range(5, -1, -1)
            h_prev = init[0][lay * 2 + d]
            c_prev = init[1][lay * 2 + d] if n_state == 2 else None
            for t in order:
                if cell in ("lstm", "peephole"):
                    torch.testing.assert_close(g["c"][t], g["f"][t] * c_prev + g["i"][t] * g["g"][t])
                    torch.testing.assert_close(g["h"][t], g["o"][t] * torch.tanh(g["c"][t]))
                    c_prev = g["c"][t]
                elif cell == "gru":
                    torch.testing.assert_close(g["h"][t], (1 - g["z"][t]) * g["n"][t] + g["z"][t] * h_prev)
                h_prev = g["h"][t]
            assert torch.equal(h_prev, final[0][lay * 2 + d] if n_state == 2 else final[lay * 2 + d])


def test_recorded_lstm_gates_follow_from_the_weights():
    """Recompute the LSTM's input gate at every step from x, the recorded h_{t-1} and the weights."""
    layer = charlm.LSTM(3, 4).double()
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    _, _, rec = layer.record(x)
    h_prev = torch.zeros(2, 4, dtype=torch.float64)
    for t in range(5):
        W_ii, W_hi = layer.weight_ih_l0[:4], layer.weight_hh_l0[:4]  # the input gate's rows come first
        pre = x[t] @ W_ii.T + layer.bias_ih_l0[:4] + h_prev @ W_hi.T + layer.bias_hh_l0[:4]
        torch.testing.assert_close(rec[0][0]["i"][t], torch.sigmoid(pre))
        h_prev = rec[0][0]["h"][t]


def test_recording_matches_the_fused_output():
    layer = charlm.GRU(3, 4, num_layers=2)
    x = torch.randn(5, 2, 3)
    out, _, rec = layer.record(x)
    torch.testing.assert_close(rec[1][0]["h"], layer(x, engine="fused")[0], atol=1e-6, rtol=1e-6)
    torch.testing.assert_close(out, rec[1][0]["h"], atol=0, rtol=0)


def test_recording_unbatched_input_has_no_batch_dimension():
    out, _, rec = charlm.LSTM(3, 4).record(torch.randn(5, 3))
    assert out.shape == (5, 4) and rec[0][0]["f"].shape == (5, 4)


# -- engines and errors ---------------------------------------------------------------------------


def test_auto_engine_is_fused_unless_recording_or_peephole():
    assert charlm.LSTM(2, 3).resolve_engine("auto") == "fused"
    assert charlm.LSTM(2, 3).resolve_engine("auto", record=True) == "scratch"
    assert charlm.PeepholeLSTM(2, 3).resolve_engine("auto") == "scratch"
    assert charlm.RNN(2, 3, nonlinearity="relu").resolve_engine("auto") == "fused"


def test_fused_engine_errors_say_what_to_do():
    with pytest.raises(CharLMError, match="no fused kernel.*engine='scratch'"):
        charlm.PeepholeLSTM(2, 3)(torch.randn(4, 1, 2), engine="fused")
    with pytest.raises(CharLMError, match="only the scratch engine can record"):
        charlm.LSTM(2, 3).resolve_engine("fused", record=True)
    with pytest.raises(CharLMError, match="engine must be one of auto, scratch, fused"):
        charlm.LSTM(2, 3)(torch.randn(4, 1, 2), engine="cudnn")


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"hidden_size": 0}, ValueError, "hidden_size must be greater than zero"),
        ({"num_layers": -1}, ValueError, "num_layers must be greater than zero"),
        ({"hidden_size": 2.5}, TypeError, "hidden_size should be of type int, got: float"),
        ({"dropout": 1.5}, ValueError, r"dropout should be a number in range \[0, 1\]"),
        ({"dropout": float("nan")}, ValueError, r"dropout should be a number in range \[0, 1\]"),
        ({"proj_size": 4}, ValueError, "proj_size has to be smaller than hidden_size"),
        ({"weight_drop": 1.0}, CharLMError, "weight_drop must be a probability"),
    ],
)
def test_bad_constructor_arguments_raise_what_torch_raises(kwargs, error, message):
    args = {"input_size": 3, "hidden_size": 4, **kwargs}
    with pytest.raises(error, match=message):
        charlm.LSTM(**args)
    if error is not CharLMError:
        with pytest.raises(error, match=message):
            torch.nn.LSTM(**{k: v for k, v in args.items() if k != "weight_drop"})


def test_bad_nonlinearity():
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sigmoid'. Select from 'tanh' or 'relu'."):
        charlm.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(CharLMError, match="nonlinearity must be 'tanh' or 'relu'"):
        charlm.cells.RNNCell("sigmoid")


def test_bad_inputs_and_states_say_what_torch_says_and_what_the_layer_takes():
    """torch.nn's error types and messages first (the tests of test_dropin.py hold every one against torch.nn's),
    then what this layer takes; CharLMErrors too, which the app and the CLI show as they are."""
    layer = charlm.LSTM(3, 4, num_layers=2)
    takes = r"this layer takes input \(T, B, 3\) and an initial state h \(2, B, 4\) and c \(2, B, 4\)"
    with pytest.raises(RuntimeError, match=r"input.size\(-1\) must be equal to input_size. Expected 3, got 7 \(" + takes):
        layer(torch.randn(5, 2, 7))
    with pytest.raises(ValueError, match="LSTM: Expected input to be 2D or 3D, got 1D instead"):
        layer(torch.randn(5))
    with pytest.raises(CharLMError, match=r"Expected hidden\[0\] size \(2, 2, 4\), got \[1, 2, 4\]"):
        layer(torch.randn(5, 2, 3), (torch.zeros(1, 2, 4), torch.zeros(1, 2, 4)))
    with pytest.raises(CharLMError, match="the lstm state is h and c"):
        layer(torch.randn(5, 2, 3), torch.zeros(2, 2, 4))


def test_layer_errors_read_in_chinese_torchs_own_words_kept():
    """torch's message stays as torch wrote it; what the layer takes is said in the reader's language."""
    layer = charlm.LSTM(3, 4, num_layers=2)
    with pytest.raises(ShapeError) as caught:
        layer(torch.randn(5, 2, 7))
    assert caught.value.render("zh") == ("input.size(-1) must be equal to input_size. Expected 3, got 7（本层接受形状为 "
                                         "(T, B, 3) 的输入，以及形状为 h (2, B, 4) 和 c (2, B, 4) 的初始状态）")  # fmt: skip
    with pytest.raises(ShapeError) as caught:
        layer(torch.randn(5, 2, 3), (torch.zeros(2, 4), torch.zeros(2, 4)))
    assert str(caught.value) == "For batched 3-D input, hx and cx should also be 3-D but got (2-D, 2-D) tensors"
    assert caught.value.render("zh") == "对于批量的三维输入，hx 和 cx 也应为 3 维，实际却是 (2 维, 2 维) 张量"
    with pytest.raises(CharLMError) as caught, speaking("zh"):
        layer(torch.randn(5, 2, 3), torch.zeros(2, 2, 4))
    assert caught.value.render("zh") == "lstm 的状态是 h 和 c；却收到了 1 个张量"
    with pytest.raises(CharLMError) as caught:
        charlm.PeepholeLSTM(2, 3).to_torch()
    assert str(caught.value).startswith("torch.nn has no layer with the peephole LSTM: ")
    assert caught.value.render("zh").startswith("torch.nn 中没有窥视孔长短期记忆网络（peephole LSTM）层：")


def test_every_cell_has_a_title_in_either_language():
    assert [cell_title(name) for name in CELLS] == [cell.title for cell in CELLS.values()]
    assert [cell_title(name, "zh") for name in CELLS] == [
        "普通循环神经网络（RNN）", "门控循环单元（GRU）", "长短期记忆网络（LSTM）", "窥视孔长短期记忆网络（peephole LSTM）"
    ]  # fmt: skip
    with speaking("zh"):
        assert cell_title("gru") == "门控循环单元（GRU）"


@pytest.mark.parametrize("cell", list(ALL_CELLS))
def test_the_naive_engine_is_the_same_cell_one_product_per_gate(cell):
    """The d2l book's scratch code and the hand-written article's first LSTM compute each gate with its own matrix
    products; the naive engine does so on the layer's own weights, and agrees with the scratch engine everywhere
    (torch's cells are checked against it in test_layers_parity.py): outputs, states, gradients and every gate."""
    torch.manual_seed(3)
    layer = ALL_CELLS[cell](5, 6, 2, bidirectional=True).double()
    if cell == "peephole":  # non-zero peepholes, or they would prove nothing
        for name, p in layer.named_parameters():
            if name.startswith("weight_c"):
                p.data.uniform_(-0.5, 0.5)
    x = torch.randn(7, 3, 5, dtype=torch.double)
    results = {}
    for engine in ("scratch", "naive"):
        layer.zero_grad()
        out, state = layer(x, engine=engine)
        states = state if isinstance(state, tuple) else (state,)
        (out.square().sum() + sum(s.sum() for s in states)).backward()
        results[engine] = (out, states, {n: p.grad.clone() for n, p in layer.named_parameters()})
    (a_out, a_states, a_grads), (b_out, b_states, b_grads) = results["scratch"], results["naive"]
    torch.testing.assert_close(b_out, a_out, rtol=1e-12, atol=1e-12)
    for a, b in zip(a_states, b_states, strict=True):
        torch.testing.assert_close(b, a, rtol=1e-12, atol=1e-12)
    for name in a_grads:
        torch.testing.assert_close(b_grads[name], a_grads[name], rtol=1e-10, atol=1e-12, msg=name)
    with torch.no_grad():
        _, _, scratch = layer.record(x)
        _, _, naive = layer.record(x, engine="naive")
    for layer_gates, naive_gates in zip(scratch, naive, strict=True):
        for d_scratch, d_naive in zip(layer_gates, naive_gates, strict=True):
            assert d_scratch.keys() == d_naive.keys()
            for k in d_scratch:
                torch.testing.assert_close(d_naive[k], d_scratch[k], rtol=1e-12, atol=1e-12)
    with pytest.raises(charlm.CharLMError, match="recorded on the scratch or naive engine"):
        layer.record(x, engine="fused")
