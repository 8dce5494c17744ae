"""Connectivity, memory span and gradients through time, checked against an independent computation:
autograd through torch.nn's own cells (torch.nn.RNNCell, GRUCell, LSTMCell) holding the same weights,
stepped in a loop written here, and finite differences in float64 for the peephole LSTM, which torch
does not have."""

import itertools
import string

import numpy as np
import pytest
import torch
from torch import nn

from charlm import CharLM
from charlm.errors import CharLMError
from charlm.memory import MAX_CHARS, connectivity, gradient_through_time, span_of
from charlm.model import CharLMConfig

VOCAB = ["<unk>", *string.ascii_lowercase, " "]
TEXT = "the cat sat on a mat"
CASES = list(itertools.product(["rnn", "gru", "lstm", "peephole"], [False, True]))


def tiny(cell: str, bidirectional: bool, layers: int = 2, embedding: int = 5, seed: int = 0) -> CharLM:
    config = CharLMConfig(VOCAB, cell=cell, hidden_size=6, num_layers=layers, bidirectional=bidirectional,
                          embedding_dim=embedding)  # fmt: skip
    model = CharLM.seeded(config, seed).double().eval()
    with torch.no_grad():  # larger weights than the default init, so that gradients through time stay measurable
        for p in model.rnn.parameters():
            p.mul_(2.5)
    return model


def reference_forward(model: CharLM, x: torch.Tensor):
    """The model's stack written again, step by step with torch.nn's cells (our naive step for the peephole LSTM),
    keeping every hidden state: x (T, E) → logits (T, V), {(layer, direction): [h_t for each t]}."""
    rnn, H = model.rnn, model.rnn.hidden_size
    kept = {}
    for layer in range(rnn.num_layers):
        outputs = []
        for direction in range(rnn.num_directions):
            w = rnn._weights(layer, direction)
            if rnn.cell.name == "peephole":
                step = lambda x_t, s, w=w: rnn.cell.naive_step(x_t, s, w)[0]  # noqa: E731
            else:
                kind = {"rnn": nn.RNNCell, "gru": nn.GRUCell, "lstm": nn.LSTMCell}[rnn.cell.name]
                torch_cell = kind(x.shape[1], H).double()
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    setattr(torch_cell, name, nn.Parameter(getattr(w, name).detach().clone()))
                step = lambda x_t, s, c=torch_cell: (c(x_t, s[0]),) if len(s) == 1 else c(x_t, s)  # noqa: E731
            state = tuple(torch.zeros(1, H, dtype=x.dtype) for _ in rnn.cell.state_names)
            hs = [None] * len(x)
            for t in reversed(range(len(x))) if direction else range(len(x)):
                state = step(x[t : t + 1], state)
                hs[t] = state[0]
            kept[layer, direction] = hs
            outputs.append(torch.cat(hs))
        x = torch.cat(outputs, dim=1)
    return model.head(x), kept


def reference_connectivity(model: CharLM, text: str) -> np.ndarray:
    ids = torch.tensor(model.vocab.encode(text))
    e = model.encode_inputs(ids).detach().requires_grad_()  # (T, E)
    logits, _ = reference_forward(model, e)
    log_p = torch.log_softmax(logits, dim=-1)
    rows = [torch.autograd.grad(log_p[j - 1, ids[j]], e, retain_graph=True)[0].norm(dim=1) for j in range(1, len(ids))]
    return torch.stack(rows).detach().numpy()


@pytest.mark.parametrize("cell,bidirectional", CASES)
@pytest.mark.slow
def test_connectivity_matches_autograd_through_torch_cells(cell, bidirectional):
    model = tiny(cell, bidirectional)
    ours = connectivity(model, TEXT).values
    np.testing.assert_allclose(ours, reference_connectivity(model, TEXT), rtol=1e-6, atol=1e-12)
    assert ours.shape == (len(TEXT) - 1, len(TEXT))
    if not bidirectional:  # a prediction sees only what comes before its target
        assert np.all(ours[np.triu_indices(len(TEXT) - 1, 1)] == 0)
        assert np.all(np.diag(ours) > 0)
    else:
        assert np.all(ours[np.triu_indices(len(TEXT) - 1, 1)] > 0)


@pytest.mark.parametrize("cell,bidirectional", [("rnn", False), ("gru", True), ("peephole", False)])
def test_connectivity_of_one_hot_inputs(cell, bidirectional):
    model = tiny(cell, bidirectional, embedding=0)
    np.testing.assert_allclose(connectivity(model, TEXT).values, reference_connectivity(model, TEXT), rtol=1e-6,
                               atol=1e-12)  # fmt: skip


@pytest.mark.parametrize("bidirectional", [False, True])
def test_peephole_connectivity_matches_finite_differences(bidirectional):
    model, text = tiny("peephole", bidirectional, layers=1, embedding=3), "a cat"
    ids = torch.tensor(model.vocab.encode(text))
    e = model.encode_inputs(ids[:, None]).detach()  # (T, 1, E)

    def log_p(inputs):
        out, _ = model.rnn(inputs, engine="scratch")
        return torch.log_softmax(model.head(out[:, 0]), -1)[torch.arange(len(ids) - 1), ids[1:]]  # (T − 1,)

    eps, fd = 1e-6, np.zeros((len(ids) - 1, len(ids), e.shape[2]))
    with torch.no_grad():
        for t, k in itertools.product(range(len(ids)), range(e.shape[2])):
            plus, minus = e.clone(), e.clone()
            plus[t, 0, k] += eps
            minus[t, 0, k] -= eps
            fd[:, t, k] = ((log_p(plus) - log_p(minus)) / (2 * eps)).numpy()
    np.testing.assert_allclose(connectivity(model, text).values, np.linalg.norm(fd, axis=2), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("cell,bidirectional", CASES)
def test_gradient_through_time_matches_autograd_through_torch_cells(cell, bidirectional):
    model = tiny(cell, bidirectional)
    ids = torch.tensor(model.vocab.encode(TEXT))
    logits, kept = reference_forward(model, model.encode_inputs(ids[:-1]).detach())
    loss = torch.nn.functional.cross_entropy(logits[-1:], ids[-1:])
    curve = gradient_through_time(model, TEXT)
    assert set(curve.norms) == set(kept)
    for key, hs in kept.items():
        grads = torch.autograd.grad(loss, hs, retain_graph=True, allow_unused=True, materialize_grads=True)
        expected = np.array([g.norm().item() for g in grads])
        np.testing.assert_allclose(curve.norms[key], expected, rtol=1e-6, atol=1e-15)
    assert curve.by_distance(0, 0)[0] == curve.norms[0, 0][-1]  # k = 0: the state that made the last prediction


def shift_register(k: int) -> CharLM:
    """A relu RNN whose prediction of x_j depends only on x_{j−k}: its hidden state is k copies of the one-hot
    input, block b holding the character b steps back (all ≥ 0, so relu passes them), and the head reads block
    k − 1."""
    V = len(VOCAB)
    model = CharLM(CharLMConfig(VOCAB, cell="rnn", hidden_size=k * V, nonlinearity="relu")).double()
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        model.rnn.weight_ih_l0[:V] = torch.eye(V)
        model.rnn.bias_ih_l0.fill_(1.0)  # every unit stays > 0: relu is the identity, gradients pass exactly
        model.rnn.weight_hh_l0[V:, :-V] = torch.eye((k - 1) * V)  # block b − 1 → block b: one step further back
        model.head.weight[:, (k - 1) * V :] = 3 * torch.eye(V)
    return model


@pytest.mark.parametrize("k", [1, 2, 5, 12])
def test_span_of_a_model_that_looks_exactly_k_back_is_k(k):
    c = connectivity(shift_register(k), "the quick brown fox jumps over the lazy dog")
    profile = c.profile(20)
    assert c.span(20) == k
    assert profile[k - 1] > 0 and np.count_nonzero(profile) == 1


def test_span_is_where_the_mass_reaches_ninety_percent():
    assert span_of(np.array([0.5, 0.3, 0.1, 0.1])) == 3  # 0.9 of 1.0 is reached at k = 3
    assert span_of(np.array([1.0, 0.0, 0.0])) == 1
    assert span_of(np.zeros(5)) == 0


@pytest.mark.parametrize(
    "text,match",
    [("", "at least two characters"), ("a", "at least two characters"), ("a" * (MAX_CHARS + 1), "at most 1,000")],
)
def test_bad_texts_are_refused_clearly(text, match):
    model = tiny("gru", False)
    for measure in (connectivity, gradient_through_time):
        with pytest.raises(CharLMError, match=match):
            measure(model, text)


@pytest.mark.parametrize("K,match", [(len(TEXT), "longer than the text allows"), (0, "≥ 1"), (2.5, "whole number")])
def test_a_bad_distance_is_refused_clearly(K, match):
    c = connectivity(tiny("lstm", False), TEXT)
    with pytest.raises(CharLMError, match=match):
        c.span(K)
    assert c.span(len(TEXT) - 1) >= 1  # the longest distance the text allows is fine


UNTRAINED_TEXT = ("the time traveller (for so it will be convenient to speak of him) was expounding a recondite matter "
                  * 3)[:300]  # fmt: skip


def untrained_lstm(hidden: int, bidirectional: bool = False) -> CharLM:
    """In float32, as the app's models are: its gradients vanish within a few characters."""
    config = CharLMConfig(["<unk>", *(" " + string.ascii_lowercase + "().,")], cell="lstm", hidden_size=hidden,
                          bidirectional=bidirectional, embedding_dim=8)  # fmt: skip
    return CharLM.seeded(config, 0).eval()


def denormals(t: torch.Tensor) -> int:
    return int(((t != 0) & (t.abs() < torch.finfo(t.dtype).tiny)).sum())


def watch_denormals(monkeypatch) -> list[tuple[int, int]]:
    """Each call of the cells' backward in charlm.memory from here on, as (the denormal numbers carried into it, the
    ones it made)."""
    from charlm import memory

    calls, backward_of = [], memory.backward_of

    def watched(cell):
        back = backward_of(cell)

        def counted(saved, state0, w, d_out, d_final, weights=True):
            d_xw, d_state, grads = back(saved, state0, w, d_out, d_final, weights=weights)
            calls.append((sum(denormals(d) for d in d_final), denormals(d_xw)))
            return d_xw, d_state, grads

        return counted

    monkeypatch.setattr(memory, "backward_of", watched)
    return calls


def test_no_gradient_is_carried_back_as_a_denormal_number(monkeypatch):
    """An untrained LSTM's gradients vanish within a few characters, and carried further they shrank into float32's
    denormal range, where x86 CPUs compute 10-100× slower (48.8 s for 300 characters of the 2 × 512 start-up
    architecture on one core of the 2-core Xeon, 2.8 s without them). A 1 × 64 LSTM carried 445,904 such numbers
    over 300 characters; none now."""
    calls = watch_denormals(monkeypatch)
    c = connectivity(untrained_lstm(64), UNTRAINED_TEXT)
    assert len(calls) == 299 and sum(carried for carried, _ in calls) == 0  # a call at each step
    assert c.values[:, 0].max() > 0 and 1 <= c.span(100) <= 100  # the near past is still measured


def test_a_bidirectional_models_blocks_make_no_denormal_number_on_one_thread(monkeypatch):
    """Its steps run inside charlm.bptt, where no carried gradient is looked at: the CPU flushes denormals to zero
    instead, on the thread that works (the app's model worker runs torch on one)."""
    calls = watch_denormals(monkeypatch)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        connectivity(untrained_lstm(32, bidirectional=True), UNTRAINED_TEXT)
    finally:
        torch.set_num_threads(threads)
    assert calls and sum(made for _, made in calls) == 0
