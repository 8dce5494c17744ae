"""Traces, saturation, the interpretable-unit finder, the hidden state's path and ablation, on models whose weights
we chose."""

import math

import numpy as np
import pytest
import torch
from conftest import REPO

from charlm import CharLM, CharLMConfig, Vocab
from charlm.cells import CELLS
from charlm.errors import CharLMError
from charlm.generate import generate
from charlm.i18n import Msg, speaking
from charlm.inspection import (
    _RECORDED,
    GATE_NAMES,
    PROPERTIES,
    ablate,
    find_units,
    gate_name,
    principal_components,
    property_name,
    saturation,
    state_path,
    switched_off,
    trace,
)

TEXT = 'he said "hello there" and then "bye now" and left. she said "ok" and "fine, fine" too.\n' * 3
VOCAB = Vocab.build(TEXT)


def planted_quote_model(hidden=8) -> CharLM:
    """An LSTM whose unit 0 flips its cell at every double quote: +1 inside quotes, −1 after them.

    On a quote the forget gate shuts, the input gate opens, and the candidate is tanh(3 − 8·h_{t−1}):
    about +1 when the unit was off (h ≈ 0 or negative), about −1 when it was on (h ≈ +0.76).
    Elsewhere the forget gate stays open and the input gate shut, so the cell keeps its value.
    """
    torch.manual_seed(0)
    model = CharLM(CharLMConfig(vocab=list(VOCAB.tokens), cell="lstm", hidden_size=hidden)).eval()
    rnn, H, q = model.rnn, hidden, VOCAB.index['"']
    with torch.no_grad():
        for p in rnn.parameters():
            p.mul_(0.3)  # the other units: small random weights
        for row in (0, H, 2 * H, 3 * H):  # unit 0's rows of the i, f, g, o blocks
            rnn.weight_ih_l0[row].zero_()
            rnn.weight_hh_l0[row].zero_()
            rnn.bias_hh_l0[row] = 0.0
        rnn.bias_ih_l0[0], rnn.weight_ih_l0[0, q] = -10.0, 20.0  # i: open only on a quote
        rnn.bias_ih_l0[H], rnn.weight_ih_l0[H, q] = 10.0, -20.0  # f: shut only on a quote
        rnn.bias_ih_l0[2 * H], rnn.weight_hh_l0[2 * H, 0] = 3.0, -8.0  # g = tanh(3 − 8·h_{t−1})
        rnn.bias_ih_l0[3 * H] = 10.0  # o: always open
    return model


def test_the_finder_ranks_a_planted_quote_unit_first():
    t = trace(planted_quote_model(), TEXT)
    best = find_units(t)[0]
    assert (best.property, best.layer, best.direction, best.unit) == ("inside quotes", 0, 0, 0)
    assert best.correlation > 0.85  # 0 before the first quote, −1 after each closing one
    assert str(best).startswith("unit 0 of layer 1's ") and "tracks inside quotes (r = +0." in str(best)
    with speaking("zh"):
        assert str(best).startswith("第 1 层") and "的单元 0 跟踪“引号内”（r = +0." in str(best)


def test_saturation_sees_the_planted_forget_gate_open_almost_always():
    t = trace(planted_quote_model(), TEXT)
    forget = next(s for s in saturation(t) if s.gate == "f" and s.layer == 0)
    quotes = TEXT.count('"') / len(TEXT)
    assert forget.right[0] == pytest.approx(1 - quotes, abs=1e-9)
    assert forget.left[0] == pytest.approx(quotes, abs=1e-9)
    assert {s.gate for s in saturation(t)} == {"i", "f", "o"}  # g, c and h are not gates in (0, 1)


def test_trace_holds_every_gate_guess_and_surprisal():
    model = planted_quote_model()
    t = trace(model, TEXT)
    T = len(TEXT)
    assert set(t.gates[0, 0]) == {"i", "f", "g", "o", "c", "h"} and t.gates[0, 0]["c"].shape == (T, 8)
    np.testing.assert_allclose(t.gates[0, 0]["h"], t.gates[0, 0]["o"] * np.tanh(t.gates[0, 0]["c"]), rtol=1e-6)
    with torch.no_grad():
        log_probs = torch.log_softmax(model(torch.tensor([VOCAB.encode(TEXT)]))[0][0], -1)
    for k in (0, 10, T - 2):
        assert t.surprisal[k] == pytest.approx(-float(log_probs[k, VOCAB.index[TEXT[k + 1]]]), rel=1e-5)
        probs = [p for _, p in t.top[k]]
        assert len(probs) == 5 and probs == sorted(probs, reverse=True)
        assert t.top[k][0][1] == pytest.approx(math.exp(float(log_probs[k].max())), rel=1e-5)
    assert t.notices == []


def test_long_text_is_cut_with_a_notice_and_unknown_characters_are_named():
    t = trace(planted_quote_model(), "héllo " * 100 + "€", max_chars=50)
    assert len(t.text) == 50 and t.truncated == 551
    assert "Only the first 50 characters" in t.notices[0]
    assert t.unknown == {"é": 9} and "'é'" in t.notices[1]
    with speaking("zh"):
        assert t.notices[0] == "只显示前 50 个字符（其余 551 个已截去）。"
        assert t.notices[1] == "模型从未见过、按 <unk> 读入的字符：'é'。"
    with pytest.raises(CharLMError, match="no text to inspect"):
        trace(planted_quote_model(), "")


def test_bidirectional_traces_say_their_guesses_saw_the_future():
    model = CharLM(CharLMConfig(vocab=list(VOCAB.tokens), cell="gru", hidden_size=4, num_layers=2, bidirectional=True))
    t = trace(model, TEXT[:40])
    assert set(t.gates) == {(0, 0), (0, 1), (1, 0), (1, 1)} and set(t.gates[1, 1]) == {"r", "z", "n", "h"}
    assert any("not predictions" in n for n in t.notices)
    assert [m.render("zh") for m in t.notice_messages()] == [
        "这个模型是双向的：它的猜测看到了右边的字符，所以算不上预测，它的低损失也名不副实。"
    ]


def test_gates_and_properties_are_named_in_the_readers_language():
    assert [gate_name(g) for g in "ifgoch"] == [GATE_NAMES[g] for g in "ifgoch"]  # English by default
    assert [gate_name(g, "zh") for g in "ifgochrzn"] == ["输入门", "遗忘门", "候选记忆元", "输出门", "记忆元", "隐状态",
                                                         "重置门", "更新门", "候选隐状态"]  # fmt: skip
    with speaking("zh"):
        assert gate_name("f") == "遗忘门" and gate_name("f", gloss=True) == "遗忘门 (forget gate)"
        assert gate_name("f", "en", gloss=True) == "forget gate"
        assert property_name("inside quotes") == "引号内"
    assert [property_name(p) for p in PROPERTIES] == list(PROPERTIES)
    assert all(property_name(p, "zh") != p for p in PROPERTIES)
    for cell in CELLS.values():  # what a cell records, listed in a sentence: the catalogue's list is its own
        listed = ", ".join(f"{GATE_NAMES[g]} ({g})" for g in cell.recorded)
        assert Msg(_RECORDED[cell.recorded]).render("en") == listed


@pytest.mark.parametrize(
    "name, text, expected",
    [
        ("inside quotes", 'a "b c" d', [0, 0, 1, 1, 1, 1, 1, 0, 0]),
        ("inside quotes", "«a» b", [1, 1, 1, 0, 0]),
        ("inside quotes", "'it's' x", [1, 1, 1, 1, 1, 1, 0, 0]),  # the middle ' is an apostrophe
        ("inside brackets", "a (b [c]) d", [0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0]),
        ("position in the line", "ab\ncd", [0, 1, 2, 0, 1]),
        ("start of a word", "ab cd", [1, 0, 0, 1, 0]),
        ("upper case", "aB", [0, 1]),
        ("punctuation", "a, b!", [0, 1, 0, 0, 1]),
    ],
)
def test_text_properties(name, text, expected):
    assert PROPERTIES[name](text).tolist() == expected


# -- the path of the hidden state, and ablation ------------------------------------------------------

def test_path_is_the_states_on_their_first_two_principal_components():
    t = trace(planted_quote_model(), TEXT)
    path = state_path(t, state="c")
    values = t.gates[0, 0]["c"].astype(np.float64)
    centered = values - values.mean(axis=0)
    assert path.xy.shape == (len(TEXT), 2)
    assert 1 >= path.explained[0] >= path.explained[1] >= 0
    # the two coordinates are uncorrelated, and together they reproduce the states' projection's variance
    assert abs(np.corrcoef(path.xy.T)[0, 1]) < 1e-6
    total = (centered**2).sum()
    np.testing.assert_allclose((path.xy**2).sum(axis=0) / total, path.explained, rtol=1e-6)


@pytest.mark.parametrize("shape", [(300, 512), (1000, 64), (40, 40), (5, 1)])
def test_principal_components_are_the_svds_first_ones(shape):
    """From the smaller of xᵀx and xxᵀ, as a whole SVD of x gives them (up to each component's sign)."""
    x = np.random.default_rng(0).standard_normal(shape) @ np.diag(np.linspace(3, 0.1, shape[1]))  # distinct variances
    x -= x.mean(axis=0)
    coordinates, variance = principal_components(x, 2)
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    expected = np.pad(u[:, :2] * s[:2], ((0, 0), (0, max(0, 2 - len(s)))))
    np.testing.assert_allclose(np.abs(coordinates), np.abs(expected), atol=1e-9 * s[0])
    np.testing.assert_allclose(variance[:2], np.pad(s**2 / (s**2).sum(), (0, max(0, 2 - len(s))))[:2], rtol=1e-9)


def test_a_layer_of_one_unit_has_a_path_along_one_axis():
    model = CharLM.seeded(CharLMConfig(vocab=list(VOCAB.tokens), cell="gru", hidden_size=1), 0)
    path = state_path(trace(model, TEXT[:30]))
    assert path.xy.shape == (30, 2) and np.all(path.xy[:, 1] == 0) and path.explained == (1.0, 0.0)


def test_a_repeated_word_retraces_its_path():
    """The shipped start-up model reads "time traveller" twice in different sentences: the second reading's
    points lie near the first's, nearer than the path's other points do."""
    model = CharLM.from_pretrained(REPO / "checkpoints" / "timemachine-raw")
    text = "The Time Traveller smiled. Then the Time Traveller put forth his finger towards the lever."
    path = state_path(trace(model, text), layer=1)
    first, second = (text.index("Time Traveller"), text.rindex("Time Traveller"))
    word = range(5, len("Time Traveller"))  # after the first few letters, once the word is recognised
    same = [np.linalg.norm(path.xy[first + k] - path.xy[second + k]) for k in word]
    others = [np.linalg.norm(path.xy[second + k] - path.xy[j]) for k in word for j in range(len(text))
              if abs(j - first - k) > 2 and abs(j - second - k) > 2]  # fmt: skip
    assert np.median(same) < np.percentile(others, 25)


@pytest.mark.parametrize(
    "kwargs,match",
    [({"layer": 1}, "no layer 2"), ({"state": "f"}, "hidden state \\(h\\) or the LSTM's cell state"),
     ({"direction": 1}, "one direction")],
)  # fmt: skip
def test_path_refuses_what_the_model_does_not_have(kwargs, match):
    with pytest.raises(CharLMError, match=match):
        state_path(trace(planted_quote_model(), TEXT), **kwargs)
    with pytest.raises(CharLMError, match="at least three"):
        state_path(trace(planted_quote_model(), "ab"))


def held_at_zero(model: CharLM, text: str, layer: int, direction: int, state: str, unit: int) -> torch.Tensor:
    """The model's logits with one unit held at 0 after every step, written as a plain loop over the cells."""
    rnn, H = model.rnn, model.config.hidden_size
    x = model.encode_inputs(torch.tensor(model.vocab.encode(text))[:, None])  # (T, 1, E)
    for lay in range(rnn.num_layers):
        outputs = []
        for d in range(rnn.num_directions):
            w, s = rnn._weights(lay, d), tuple(torch.zeros(1, H) for _ in rnn.cell.state_names)
            hs = [None] * len(x)
            for t in reversed(range(len(x))) if d else range(len(x)):
                s, _ = rnn.cell.step(rnn.cell.project(x[t], w), s, w)
                if (lay, d) == (layer, direction):
                    s = tuple(v.clone() for v in s)
                    for v in s if state == "c" else s[:1]:  # c held at 0 makes h = o·tanh(0) = 0 too
                        v[:, unit] = 0
                hs[t] = s[0]
            outputs.append(torch.cat(hs))
        x = torch.cat(outputs, dim=1)[:, None]
    return model.head(x[:, 0])


@pytest.mark.parametrize(
    "cell,layers,bidirectional,layer,direction,state",
    [("lstm", 2, False, 0, 0, "h"), ("lstm", 2, False, 1, 0, "c"), ("gru", 2, True, 0, 1, "h"),
     ("peephole", 1, True, 0, 0, "c"), ("rnn", 2, False, 1, 0, "h")],
)  # fmt: skip
@torch.no_grad()
def test_switching_a_unit_off_holds_it_at_zero(cell, layers, bidirectional, layer, direction, state):
    config = CharLMConfig(vocab=list(VOCAB.tokens), cell=cell, hidden_size=5, num_layers=layers,
                          bidirectional=bidirectional)  # fmt: skip
    model = CharLM.seeded(config, 3).eval()
    off = switched_off(model, layer, direction, state, unit=2)
    text = TEXT[:40]
    logits, _ = off(torch.tensor([model.vocab.encode(text)]), engine="scratch")
    torch.testing.assert_close(logits[0], held_at_zero(model, text, layer, direction, state, 2))
    before, _ = model(torch.tensor([model.vocab.encode(text)]))
    assert not torch.allclose(before, logits, atol=1e-4)  # the unit mattered, and the original is untouched
    assert model.state_dict()["head.weight"].abs().sum() > 0


def test_ablation_reports_perplexity_changed_characters_and_same_seed_samples():
    model = planted_quote_model()
    result = ablate(model, TEXT, 0, 0, "c", 0, length=60)
    assert result.unit == "unit 0 of layer 1's cell state"
    assert result.label.render("zh") == "第 1 层记忆元的单元 0"
    with speaking("zh"):
        assert result.unit == "第 1 层记忆元的单元 0"
    assert result.perplexity_off != result.perplexity_on
    assert len(result.changed) == 10
    moved = [abs(math.log(on) - math.log(off)) for _, _, on, off in result.changed]
    assert moved == sorted(moved, reverse=True)
    position, char, _, _ = result.changed[0]
    assert TEXT[position] == char
    assert result.sample_on == generate(model, "", 60, temperature=0.7, seed=0).texts[0]


@pytest.mark.parametrize(
    "args,match",
    [((2, 0, "h", 0), "1 layer: there is no layer 3"), ((0, 1, "h", 0), "no reverse direction"),
     ((0, 0, "h", 8), "numbered 0 to 7"), ((0, 0, "r", 0), "LSTM has no reset gate"),
     ((0, 0, "f", 0), "hidden state \\(h\\) or cell state"), ((0, 0, "h", -1), "numbered 0 to 7")],
)  # fmt: skip
def test_ablation_refuses_what_the_model_does_not_have(args, match):
    with pytest.raises(CharLMError, match=match):
        ablate(planted_quote_model(), TEXT, *args)


def test_refusals_read_in_chinese():
    model = planted_quote_model()
    with pytest.raises(CharLMError) as caught:
        ablate(model, TEXT, 0, 0, "r", 0)
    assert caught.value.render("zh") == ("长短期记忆网络（LSTM）没有重置门；它记录的是输入门（i）、遗忘门（f）、候选记忆元（g）、"
                                         "输出门（o）、记忆元（c）、隐状态（h）")  # fmt: skip
    with pytest.raises(CharLMError) as caught:
        ablate(model, TEXT, 2, 0, "h", 0)
    assert caught.value.render("zh") == "这个模型只有 1 层：没有第 3 层"
    with pytest.raises(CharLMError) as caught:
        state_path(trace(model, TEXT), layer=0, direction=1)
    assert caught.value.render("zh") == "这个模型有 1 层、一个方向：没有第 1 层的从右到左方向"
