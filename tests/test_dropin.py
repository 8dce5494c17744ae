"""The drop-in promise, row by row: what code written for torch.nn.RNN/GRU/LSTM does with a layer, done to ours.

Each test is a row of README's drop-in table. Parity with torch.nn is checked as test_layers_parity.py does
(copied weights; outputs, final states and every gradient), on every engine that can run the row, in float32
and float64. tests/test_dropin_clients.py runs third-party client code (pytorch/examples, d2l) on our layers.
"""

import inspect
import io
import itertools
import warnings

import pytest
import torch
from test_layers_parity import CELLS, make_pair
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pack_sequence, pad_packed_sequence

import charlm
from charlm.errors import CharLMError, ShapeError
from charlm.layers import compiled, to_torch

pytestmark = [  # torch's own notes, not about us
    pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN"),
    pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated"),
]

ENGINES = ["fused", "scratch", "naive"]
TOL = {torch.float32: 1e-5, torch.float64: 1e-12}
STATES = {"lstm": 2, "peephole": 2}


def n_state(cell):
    return STATES.get(cell, 1)


def as_tuple(state):
    return state if isinstance(state, tuple) else (state,)


def assert_same_run(ours, reference, x, h0, tol, engine, read=lambda out: out):
    """Forward both on x (a tensor or a PackedSequence made of leaf tensors) from h0, backward a fixed random
    projection of everything they return, and compare outputs, final states and every gradient."""
    results = []
    for module, kw in ((reference, {}), (ours, {"engine": engine})):
        leaves = [
            t.detach().clone().requires_grad_()
            for t in (x.data if isinstance(x, nn.utils.rnn.PackedSequence) else x, *h0)
        ]
        inp = x._replace(data=leaves[0]) if isinstance(x, nn.utils.rnn.PackedSequence) else leaves[0]
        state = None if not h0 else (tuple(leaves[1:]) if len(h0) == 2 else leaves[1])
        module.zero_grad()
        out, final = module(inp, state, **kw)
        out = read(out)
        gen = torch.Generator().manual_seed(1)
        loss = sum((t * torch.randn(t.shape, generator=gen, dtype=t.dtype)).sum() for t in (out, *as_tuple(final)))
        loss.backward()
        results.append(
            (out, as_tuple(final), [leaf.grad for leaf in leaves], {n: p.grad for n, p in module.named_parameters()})
        )
    (ref_out, ref_final, ref_leaf_grads, ref_grads), (out, final, leaf_grads, grads) = results
    close = dict(atol=tol, rtol=tol)
    torch.testing.assert_close(out, ref_out, **close)
    for a, b in zip(final, ref_final, strict=True):
        torch.testing.assert_close(a, b, **close)
    for a, b in zip(leaf_grads, ref_leaf_grads, strict=True):
        torch.testing.assert_close(a, b, **close)
    assert grads.keys() == ref_grads.keys()
    for name in grads:
        torch.testing.assert_close(grads[name], ref_grads[name], **close, msg=lambda m, n=name: f"{n}: {m}")


# -- PackedSequence -------------------------------------------------------------------------------------------------

# Every cell stacked, both ways, unsorted, with a state runs in the fast tier; the rest of the grid is marked slow
PACKED = [pytest.param(*case, marks=() if case[1:] == (2, True, False, True) else pytest.mark.slow)
          for case in itertools.product(CELLS, (1, 2), (False, True), (True, False), (False, True))]  # fmt: skip


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "cell, num_layers, bidirectional, enforce_sorted, with_state",
    PACKED,
    ids=[
        f"{c}-L{n}-{'bi' if b else 'uni'}-{'sorted' if s else 'unsorted'}-{'h0' if h else 'zero'}"
        for c, n, b, s, h in (p.values for p in PACKED)
    ],
)
def test_packed_sequences_in_and_out_like_torch(
    cell, num_layers, bidirectional, enforce_sorted, with_state, engine, dtype
):
    """pack_padded_sequence in, pad_packed_sequence out: sequences of lengths 6, 4, 4, 1 (sorted, or shuffled with
    enforce_sorted=False), from zeros or a given h0 that the packing reorders and the output orders back."""
    ours, reference = make_pair(cell, num_layers, bidirectional, False, 3, 5, dtype)
    lengths = torch.tensor([6, 4, 4, 1] if enforce_sorted else [4, 6, 1, 4])
    x = pack_padded_sequence(torch.randn(6, 4, 3, dtype=dtype), lengths, enforce_sorted=enforce_sorted)
    D = 2 if bidirectional else 1
    h0 = [torch.randn(num_layers * D, 4, 5, dtype=dtype) for _ in range(n_state(cell))] if with_state else []
    assert_same_run(ours, reference, x, h0, TOL[dtype], engine, read=lambda out: pad_packed_sequence(out)[0])


@pytest.mark.parametrize("engine", ["scratch", "naive"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_peephole_equals_each_sequence_run_alone(bidirectional, engine):
    """No torch.nn peephole to hold it against: a packed batch gives what each sequence gives on its own."""
    layer = charlm.PeepholeLSTM(3, 5, 2, bidirectional=bidirectional).double()
    seqs = [torch.randn(n, 3, dtype=torch.float64) for n in (2, 6, 4)]
    out, (h, c) = layer(pack_sequence(seqs, enforce_sorted=False), engine=engine)
    padded, lengths = pad_packed_sequence(out, batch_first=True)
    for b, seq in enumerate(seqs):
        alone, (h_b, c_b) = layer(seq, engine=engine)  # unbatched
        torch.testing.assert_close(padded[b, : lengths[b]], alone)
        assert padded[b, lengths[b] :].abs().sum() == 0
        torch.testing.assert_close(h[:, b], h_b)
        torch.testing.assert_close(c[:, b], c_b)


@pytest.mark.parametrize("cell", ["gru", "lstm", "peephole"])
def test_recording_a_packed_batch_reports_only_real_steps(cell):
    """record on a packed batch returns each gate as a PackedSequence: padded steps are not there to be misread."""
    layer = charlm.layers.LAYERS[cell](3, 4, bidirectional=True).double()
    seqs = [torch.randn(n, 3, dtype=torch.float64) for n in (5, 2)]
    _, _, recording = layer.record(pack_sequence(seqs))
    for direction in range(2):
        for name, gate in recording[0][direction].items():
            assert isinstance(gate, nn.utils.rnn.PackedSequence)
            assert gate.data.shape == (7, 4)
            padded, lengths = pad_packed_sequence(gate, batch_first=True, padding_value=float("nan"))
            for b, seq in enumerate(seqs):
                _, _, alone = layer.record(seq)
                torch.testing.assert_close(padded[b, : lengths[b]], alone[0][direction][name], msg=name)
                assert padded[b, lengths[b] :].isnan().all()


# -- proj_size ------------------------------------------------------------------------------------------------------

PROJ = list(itertools.product((1, 2), (False, True), (False, True)))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("num_layers, bidirectional, with_state", PROJ)
@pytest.mark.slow
def test_lstm_with_a_projection_like_torch(num_layers, bidirectional, with_state, engine, dtype):
    torch.manual_seed(0)
    reference = nn.LSTM(3, 6, num_layers, bidirectional=bidirectional, proj_size=4).to(dtype)
    ours = charlm.LSTM(3, 6, num_layers, bidirectional=bidirectional, proj_size=4).to(dtype)
    ours.load_state_dict(reference.state_dict())
    D = 2 if bidirectional else 1
    h0 = (
        [torch.randn(num_layers * D, 2, 4, dtype=dtype), torch.randn(num_layers * D, 2, 6, dtype=dtype)]
        if with_state
        else []
    )
    assert_same_run(ours, reference, torch.randn(5, 2, 3, dtype=dtype), h0, TOL[dtype], engine)
    packed = pack_padded_sequence(torch.randn(5, 2, 3, dtype=dtype), torch.tensor([5, 3]))
    assert_same_run(ours, reference, packed, h0, TOL[dtype], engine, read=lambda out: out.data)


def test_projection_weights_load_both_ways_and_step_carries_the_projected_state():
    torch.manual_seed(0)
    ours = charlm.LSTM(3, 6, 2, proj_size=4)
    assert [n for n, _ in ours.named_parameters()][:5] == [
        "weight_ih_l0",
        "weight_hh_l0",
        "bias_ih_l0",
        "bias_hh_l0",
        "weight_hr_l0",
    ]
    back = nn.LSTM(3, 6, 2, proj_size=4)
    back.load_state_dict(ours.state_dict())
    assert list(back.state_dict()) == list(ours.state_dict())
    x = torch.randn(7, 2, 3)
    out, (h, c) = ours(x, engine="scratch")
    assert out.shape == (7, 2, 4) and h.shape == (2, 2, 4) and c.shape == (2, 2, 6)
    state, steps = None, []
    for x_t in x:  # generation's cheap path, one step at a time
        y, state = ours.step(x_t, state)
        steps.append(y)
    torch.testing.assert_close(torch.stack(steps), out)
    torch.testing.assert_close(state[1], c)


def test_peephole_lstm_takes_a_projection_too():
    """Sak et al.'s LSTMP had peepholes: with them at zero it is torch.nn.LSTM's projected LSTM."""
    torch.manual_seed(0)
    reference = nn.LSTM(3, 6, 2, proj_size=4).double()
    ours = charlm.PeepholeLSTM(3, 6, 2, proj_size=4).double()
    assert "weight_hr_l1" in dict(ours.named_parameters())
    ours.load_state_dict({**ours.state_dict(), **reference.state_dict()})
    with torch.no_grad():
        for name, p in ours.named_parameters():
            if name.startswith(("weight_ci", "weight_cf", "weight_co")):
                p.zero_()
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    torch.testing.assert_close(ours(x)[0], reference(x)[0])


# -- constructor, attributes, warnings ------------------------------------------------------------------------------

POSITIONAL = {  # torch's documented positional order after (input_size, hidden_size)
    nn.RNN: (2, "relu", False, True, 0.25, True),  # num_layers, nonlinearity, bias, batch_first, dropout, bidirectional
    nn.GRU: (2, False, True, 0.25, True),  # num_layers, bias, batch_first, dropout, bidirectional
    nn.LSTM: (2, False, True, 0.25, True, 2),  # ..., proj_size
}
TWINS = {nn.RNN: charlm.RNN, nn.GRU: charlm.GRU, nn.LSTM: charlm.LSTM}
ATTRIBUTES = ("mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional",
              "proj_size", "_flat_weights_names", "_all_weights")  # fmt: skip


@pytest.mark.parametrize("torch_cls", list(POSITIONAL), ids=lambda c: c.__name__)
def test_positional_arguments_attributes_and_isinstance_as_torch(torch_cls):
    args = (3, 4, *POSITIONAL[torch_cls])
    torch.manual_seed(0)
    theirs = torch_cls(*args)
    torch.manual_seed(0)
    ours = TWINS[torch_cls](*args)
    assert isinstance(ours, torch_cls) and isinstance(ours, nn.RNNBase)
    for attr in ATTRIBUTES:
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    if torch_cls is nn.RNN:
        assert ours.nonlinearity == theirs.nonlinearity == "relu"
    assert repr(ours) == repr(theirs)
    # the same parameters, drawn in the same order from the same seed
    for (name, a), b, flat, (_, ours_p) in zip(
        theirs.named_parameters(), ours._flat_weights, theirs._flat_weights, ours.named_parameters(), strict=True
    ):
        assert torch.equal(a, b) and torch.equal(flat, ours_p), name
    assert [[p.shape for p in group] for group in ours.all_weights] == [
        [p.shape for p in group] for group in theirs.all_weights
    ]
    ours_sig = inspect.signature(TWINS[torch_cls]).parameters
    rnn_only = ["nonlinearity"] if torch_cls is nn.RNN else []
    lstm_only = ["proj_size"] if torch_cls is nn.LSTM else []
    expected = ["input_size", "hidden_size", "num_layers", *rnn_only, "bias", "batch_first", "dropout", "bidirectional"]
    assert list(ours_sig)[: len(args)] == expected + lstm_only
    assert ours_sig["weight_drop"].kind is inspect.Parameter.KEYWORD_ONLY  # ours alone, never in torch's positions


def test_the_peephole_lstm_is_an_rnn_base_with_the_lstm_state_but_not_an_nn_lstm():
    layer = charlm.PeepholeLSTM(3, 4, 2)
    assert isinstance(layer, nn.RNNBase) and not isinstance(layer, nn.LSTM)
    assert layer._all_weights[0][-3:] == ["weight_ci_l0", "weight_cf_l0", "weight_co_l0"]
    assert len(layer._flat_weights) == 2 * 7 and all(isinstance(w, nn.Parameter) for w in layer._flat_weights)
    assert [n for n, _ in layer.named_parameters()] == layer._flat_weights_names  # per layer, peepholes beside
    with pytest.raises(ShapeError, match=r"Expected hidden\[1\] size \(2, 1, 4\), got \[2, 1, 3\]"):
        layer(torch.randn(5, 1, 3), (torch.zeros(2, 1, 4), torch.zeros(2, 1, 3)))


@pytest.mark.parametrize("torch_cls", list(TWINS), ids=lambda c: c.__name__)
def test_the_same_warning_for_dropout_on_one_layer(torch_cls):
    caught = {}
    for cls in (torch_cls, TWINS[torch_cls]):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            cls(3, 4, 1, dropout=0.5)
        caught[cls] = [str(w.message) for w in seen]
    assert caught[torch_cls] == caught[TWINS[torch_cls]] and "num_layers greater than 1" in caught[torch_cls][0]


def test_setting_a_parameter_keeps_the_flat_weight_list_in_step():
    layer = charlm.GRU(3, 4)
    new = nn.Parameter(torch.zeros(12, 4))
    layer.weight_hh_l0 = new
    assert layer._flat_weights[1] is new
    layer.double()
    assert all(w.dtype == torch.float64 for w in layer._flat_weights)


# -- errors: torch's types and messages first -----------------------------------------------------------------------


def _error(fn):
    try:
        fn()
    except Exception as error:
        return error
    raise AssertionError("no error")


BAD_CALLS = {
    "float64 input, float32 layer": lambda layer, h: layer(torch.randn(5, 2, 3, dtype=torch.float64)),
    "wrong input size": lambda layer, h: layer(torch.randn(5, 2, 7)),
    "1-D input": lambda layer, h: layer(torch.randn(5)),
    "wrong h0 shape": lambda layer, h: layer(torch.randn(5, 2, 3), h(1, 3, 4)),
    "unbatched input, 3-D hx": lambda layer, h: layer(torch.randn(5, 3), h(2, 1, 4)),
    "batched input, 2-D hx": lambda layer, h: layer(torch.randn(5, 2, 3), h(2, 4)),
    "packed input, wrong batch of h0": lambda layer, h: layer(
        pack_sequence([torch.randn(3, 3), torch.randn(2, 3)]), h(2, 3, 4)
    ),
}


@pytest.mark.parametrize("engine", ["fused", "scratch"])
@pytest.mark.parametrize("case", BAD_CALLS)
@pytest.mark.parametrize("torch_cls", list(TWINS), ids=lambda c: c.__name__)
def test_bad_inputs_raise_torchs_error_type_and_message(torch_cls, case, engine):
    """Our message starts with torch's, word for word, in an exception of torch's type (and is a CharLMError too,
    which the app and the CLI show as it is); what follows says what this layer takes."""
    theirs, ours = torch_cls(3, 4, 2), TWINS[torch_cls](3, 4, 2)
    h = (
        (lambda *shape: (torch.zeros(shape), torch.zeros(shape)))
        if torch_cls is nn.LSTM
        else (lambda *shape: torch.zeros(shape))
    )
    expected = _error(lambda: BAD_CALLS[case](theirs, h))
    got = _error(lambda: BAD_CALLS[case](lambda x, s=None: ours(x, s, engine=engine), h))
    assert isinstance(got, type(expected)) and isinstance(got, CharLMError), (type(got), type(expected))
    if torch_cls is nn.LSTM and case == "packed input, wrong batch of h0":
        # torch.nn.LSTM does not check a packed batch's state: its kernel fails on a size mismatch of two unnamed
        # tensors. Ours says what GRU and RNN say, and the expected shape.
        assert "size of tensor a (3) must match the size of tensor b (2)" in str(expected)
        assert str(got).startswith("Expected hidden[0] size (2, 2, 4), got [2, 3, 4]"), str(got)
        return
    assert str(got).startswith(str(expected)), (str(got), str(expected))


# -- double backward ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["rnn_tanh", "gru", "lstm", "peephole"])
@pytest.mark.slow
def test_gradgradcheck_passes_on_the_scratch_engine(cell):
    layer = {"rnn_tanh": charlm.RNN, "gru": charlm.GRU, "lstm": charlm.LSTM, "peephole": charlm.PeepholeLSTM}[cell](
        2, 3
    ).double()
    x = torch.randn(4, 2, 2, dtype=torch.float64, requires_grad=True)
    w = layer.weight_hh_l0

    def fn(x, w):
        layer.weight_hh_l0 = w  # the parameter as a function input, so gradgradcheck perturbs it too
        out, state = layer(x, engine="scratch")
        return out, *as_tuple(state)

    assert torch.autograd.gradcheck(fn, (x, w))
    assert torch.autograd.gradgradcheck(fn, (x, w))


@pytest.mark.parametrize("engine", ["scratch", "fused"])
@pytest.mark.parametrize("cell", ["rnn_tanh", "gru", "lstm"])
def test_a_gradient_penalty_matches_torch_nn_never_a_silent_none(cell, engine):
    """A WGAN-GP style penalty: ‖∂out/∂x‖² differentiated again. It used to come back None with allow_unused."""
    ours, reference = make_pair(cell, 2, True, False, 3, 4, torch.float64)
    results = []
    for module, kw in ((reference, {}), (ours, {"engine": engine})):
        x = torch.randn(5, 2, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(2)).requires_grad_()
        (d_x,) = torch.autograd.grad(module(x, **kw)[0].sum(), x, create_graph=True)
        penalty = d_x.pow(2).sum()
        grads = torch.autograd.grad(penalty, list(module.parameters()), allow_unused=True)
        assert all(g is not None for g in grads)
        results.append((penalty, grads))
    torch.testing.assert_close(results[0][0], results[1][0])
    for a, b in zip(results[0][1], results[1][1], strict=True):
        torch.testing.assert_close(a, b)


# -- torch.compile, TorchScript, ONNX, quantization, saving ---------------------------------------------------------


class Tagger(nn.Module):
    """A model holding a recurrent layer, as user code would."""

    def __init__(self, rnn, width):
        super().__init__()
        self.rnn, self.head = rnn, nn.Linear(width, 5)

    def forward(self, x):
        return self.head(self.rnn(x)[0])


@pytest.mark.slow
@pytest.mark.parametrize("cls", [charlm.LSTM, charlm.GRU, charlm.PeepholeLSTM])
def test_torch_compile_of_a_training_step_with_the_default_engine(cls):
    """Dynamo leaves torch.nn's recurrent layers, and so ours, to run eagerly (the peephole LSTM, which is none of
    them, is traced): a compiled training step learns exactly as the eager one."""
    losses = {}
    for compile in (False, True):
        torch.manual_seed(0)
        model = Tagger(cls(3, 4), 4)
        opt = torch.optim.SGD(model.parameters(), lr=0.5)

        def step(x, y, model=model, opt=opt):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x).flatten(0, 1), y.flatten())
            loss.backward()
            opt.step()
            return loss

        run = torch.compile(step) if compile else step
        gen = torch.Generator().manual_seed(1)
        losses[compile] = [
            run(torch.randn(6, 2, 3, generator=gen), torch.randint(5, (6, 2), generator=gen)).item() for _ in range(3)
        ]
    assert losses[True] == pytest.approx(losses[False], rel=1e-5)


@pytest.mark.slow
def test_the_trainers_compile_traces_into_our_layers():
    """charlm's own compile (the trainer's --compile) wants the scratch engine's time loop in the graph: no break."""
    layer = charlm.LSTM(3, 4)
    fn = lambda x: layer(x, engine="scratch")[0].sum()  # noqa: E731
    x = torch.randn(5, 2, 3)
    assert torch._dynamo.explain(fn)(x).graph_break_count == 1  # what a user's torch.compile sees: the layer left out
    with torch._dynamo.config.patch(allow_rnn=True):
        assert torch._dynamo.explain(fn)(x).graph_break_count == 0
    torch.testing.assert_close(compiled(fn)(x), fn(x))


@pytest.mark.parametrize("cls", [charlm.RNN, charlm.GRU, charlm.LSTM])
@pytest.mark.slow
def test_torch_jit_script_of_a_model_holding_the_layer(cls):
    """TorchScript compiles torch.nn's forward over our parameters (__prepare_scriptable__). As TorchScript does
    with that hook, the model it was given then holds torch's layer too: the same parameters, the same outputs."""
    model = Tagger(cls(3, 4, 2), 4)
    x = torch.randn(6, 2, 3)
    expected = model(x)
    rnn_params = list(model.rnn.parameters())
    scripted = torch.jit.script(model)
    torch.testing.assert_close(scripted(x), expected)
    assert all(a is b for a, b in zip(model.rnn.parameters(), rnn_params, strict=True))
    with torch.no_grad():
        model.head.bias.add_(1.0)  # shared: the scripted model sees training that happens after
    torch.testing.assert_close(scripted(x), expected + 1.0)


@pytest.mark.parametrize(
    "layer", [charlm.PeepholeLSTM(3, 4), charlm.LSTM(3, 4, weight_drop=0.3)], ids=["peephole", "weight_drop"]
)
def test_torch_jit_script_says_why_it_cannot_run_what_torch_nn_lacks(layer):
    with pytest.raises(CharLMError, match="torch.nn has no layer with .* torch.compile and torch.onnx.export .* can"):
        torch.jit.script(Tagger(layer, 4))


@pytest.mark.parametrize("cls", [charlm.RNN, charlm.GRU, charlm.LSTM, charlm.PeepholeLSTM])
@pytest.mark.slow
def test_onnx_export_of_the_layer_itself_runs_in_onnxruntime(cls):
    import onnxruntime as ort  # requirements-dev.txt: a missing one fails here, it does not skip

    layer = cls(3, 4).eval()
    x = torch.randn(5, 2, 3)
    h0 = (
        (torch.randn(1, 2, 4), torch.randn(1, 2, 4))
        if cls in (charlm.LSTM, charlm.PeepholeLSTM)
        else torch.randn(1, 2, 4)
    )
    f = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's own notes on the TorchScript exporter and on LSTM batch sizes
        torch.onnx.export(layer, (x, h0), f, dynamo=False)
    session = ort.InferenceSession(f.getvalue())
    feeds = dict(zip([i.name for i in session.get_inputs()], [t.numpy() for t in (x, *as_tuple(h0))], strict=True))
    out, *_ = session.run(None, feeds)
    torch.testing.assert_close(torch.from_numpy(out), layer(x, h0)[0], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("cls", [charlm.GRU, charlm.LSTM, charlm.PeepholeLSTM])
@pytest.mark.slow
def test_onnx_export_of_a_model_holding_the_layer_runs_in_onnxruntime(cls):
    import onnxruntime as ort

    model = Tagger(cls(3, 4, 2, bidirectional=True), 8).eval()
    x = torch.randn(5, 2, 3)
    f = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), f, dynamo=False, input_names=["x"])
    (out,) = ort.InferenceSession(f.getvalue()).run(None, {"x": x.numpy()})
    torch.testing.assert_close(torch.from_numpy(out), model(x), atol=1e-5, rtol=1e-5)


def test_quantize_dynamic_through_to_torch():
    """quantize_dynamic picks modules by exact class, so a charlm layer would stay float, silently. to_torch hands it
    torch's layer over the same weights; the quantized model then computes nearly what ours does."""
    model = Tagger(charlm.LSTM(3, 16), 16).eval()
    x = torch.randn(8, 2, 3)
    expected = model(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao's deprecation notice
        quantized = torch.ao.quantization.quantize_dynamic(to_torch(model), {nn.LSTM, nn.Linear}, dtype=torch.qint8)
    assert type(quantized.rnn).__name__ == "LSTM" and type(quantized.rnn).__module__.startswith("torch.ao.nn.quantized")
    torch.testing.assert_close(quantized(x), expected, atol=0.05, rtol=0)
    assert type(model.rnn) is nn.LSTM  # to_torch works in place, sharing the parameters


@pytest.mark.parametrize("cls", [charlm.RNN, charlm.GRU, charlm.LSTM, charlm.PeepholeLSTM])
def test_a_whole_saved_layer_loads_with_weights_only_and_one_allowed_class(cls, tmp_path):
    layer = cls(3, 4, 2, bidirectional=True)
    torch.save(layer, tmp_path / "layer.pt")
    with pytest.raises(Exception, match="Unsupported global"):  # torch refuses an unknown class, as for its own
        torch.load(tmp_path / "layer.pt", weights_only=True)
    with torch.serialization.safe_globals([cls]):
        back = torch.load(tmp_path / "layer.pt", weights_only=True)
    x = torch.randn(5, 2, 3)
    torch.testing.assert_close(back(x)[0], layer(x)[0])
    assert back.cell.name == layer.cell.name
