"""Traces, saturation and the interpretable-unit finder, on models whose weights we chose."""

import math

import numpy as np
import pytest
import torch

from charlm import CharLM, CharLMConfig, Vocab
from charlm.errors import CharLMError
from charlm.inspection import PROPERTIES, find_units, saturation, trace

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
    with pytest.raises(CharLMError, match="no text to inspect"):
        trace(planted_quote_model(), "")


def test_bidirectional_traces_say_their_guesses_saw_the_future():
    model = CharLM(CharLMConfig(vocab=list(VOCAB.tokens), cell="gru", hidden_size=4, num_layers=2, bidirectional=True))
    t = trace(model, TEXT[:40])
    assert set(t.gates) == {(0, 0), (0, 1), (1, 0), (1, 1)} and set(t.gates[1, 1]) == {"r", "z", "n", "h"}
    assert any("not predictions" in n for n in t.notices)


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
