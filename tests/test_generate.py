"""Generation: determinism, the sampling distribution, warnings and loop detection."""

import math

import pytest
import torch

from charlm import CharLM, CharLMConfig, Vocab
from charlm.errors import CharLMError
from charlm.generate import find_loop, generate, next_char_distribution, stream
from charlm.i18n import speaking

VOCAB = Vocab.build("the time traveller (for so it will be convenient to speak of him)\n")


def model_of(cell="lstm", **kw) -> CharLM:
    torch.manual_seed(0)
    return CharLM(CharLMConfig(vocab=list(VOCAB.tokens), cell=cell, hidden_size=16, **kw)).eval()


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm", "peephole"])
def test_greedy_generation_matches_rereading_the_whole_text_each_step(cell):
    """The d2l book's way, slow but obviously right: feed everything so far, take the argmax."""
    model = model_of(cell, num_layers=2)
    ours = generate(model, "time tr", 30, temperature=0).texts[0]
    text = "time tr"
    with torch.no_grad():
        for _ in range(30):
            logits, _ = model(torch.tensor([VOCAB.encode(text)]))
            logits[0, -1, 0] = -math.inf  # <unk> is never produced
            text += VOCAB.tokens[int(logits[0, -1].argmax())]
    assert ours == text[len("time tr") :]


def test_a_seed_repeats_exactly_and_different_seeds_differ():
    model = model_of()
    a = generate(model, "the ", 60, temperature=1.0, seed=3, num_samples=4).texts
    b = generate(model, "the ", 60, temperature=1.0, seed=3, num_samples=4).texts
    c = generate(model, "the ", 60, temperature=1.0, seed=4, num_samples=4).texts
    assert a == b and a != c and len(set(a)) == 4 and all(len(t) == 60 for t in a)


def test_streaming_yields_one_character_per_sample_per_step():
    steps = list(stream(model_of(), "the", 5, num_samples=3, seed=0))
    assert len(steps) == 5 and all(len(s) == 3 and all(len(ch) == 1 for ch in s) for s in steps)


def test_the_distribution_follows_temperature_top_k_and_top_p():
    logits = torch.tensor([5.0, 2.0, 1.0, 0.5, 0.0, -1.0])  # index 0 is <unk>
    p1 = next_char_distribution(logits, 1.0)
    expected = torch.softmax(torch.tensor([-math.inf, 2.0, 1.0, 0.5, 0.0, -1.0]), 0)
    torch.testing.assert_close(p1, expected)  # temperature 1: the model's own probabilities, <unk> excluded
    assert p1[0] == 0
    assert next_char_distribution(logits, 0).tolist() == [0, 1, 0, 0, 0, 0]  # greedy

    def entropy(p):
        return -(p[p > 0] * p[p > 0].log()).sum()

    assert entropy(next_char_distribution(logits, 0.5)) < entropy(p1) < entropy(next_char_distribution(logits, 3.0))
    k2 = next_char_distribution(logits, 1.0, top_k=2)
    assert (k2 > 0).sum() == 2 and k2[1] / k2[2] == pytest.approx(float(p1[1] / p1[2]))
    assert torch.equal(next_char_distribution(logits, 1.0, top_k=100), p1)  # k beyond the vocabulary: off
    # top-p: the smallest set of likeliest characters whose mass reaches p
    mass = p1.sort(descending=True).values.cumsum(0)
    for p in (0.3, float(mass[1]) + 1e-3, 0.99):
        kept = int((next_char_distribution(logits, 1.0, top_p=p) > 0).sum())
        assert kept == int((mass < p).sum()) + 1


@pytest.mark.parametrize(
    "options, message",
    [
        ({"temperature": -1}, "temperature must be between 0"),
        ({"temperature": float("nan")}, "temperature must be between 0"),
        ({"temperature": 1e9}, "temperature must be between 0"),
        ({"top_k": -2}, "top-k must be 0"),
        ({"top_p": 0}, "top-p must be above 0"),
        ({"top_p": 1.5}, "top-p must be above 0"),
        ({"length": -1}, "length must be a whole number ≥ 0"),
        ({"num_samples": 0}, "number of samples must be a whole number ≥ 1"),
    ],
)
def test_bad_options_say_what_is_allowed(options, message):
    kw = {"length": 10, **options}
    with pytest.raises(CharLMError, match=message):
        generate(model_of(), "the", **kw)


def test_an_option_named_in_an_error_is_named_in_the_readers_language():
    with pytest.raises(CharLMError) as caught:
        generate(model_of(), "the", 10, num_samples=0)
    assert caught.value.render("zh") == "样本数 必须是 ≥ 1 的整数，而不是 0"
    with pytest.raises(CharLMError) as caught:
        generate(model_of(), "the", 10, temperature=-1)
    assert caught.value.render("zh") == "温度必须在 0（贪心）到 100 之间，而不是 -1"


def test_prefix_warnings_unknown_characters_and_empty_prefix():
    model = model_of()
    g = generate(model, "Zé the", 10, temperature=0)
    assert "never saw: 'Z', 'é'" in str(g.warnings[0]) and len(g.texts[0]) == 10
    assert (
        g.warnings[0].render("zh")
        == "前缀中有这个模型从未见过的字符：'Z', 'é'。它们会被读作 <unk>，而模型对它所知甚少。"
    )
    empty = generate(model, "", 10, temperature=0)
    assert empty.prefix == "\n" and "No prefix given" in str(empty.warnings[0])


def test_bidirectional_models_are_flagged():
    g = generate(model_of("gru", bidirectional=True), "the", 20)
    assert "bidirectional" in str(g.warnings[0]) and "gibberish" in str(g.warnings[0])
    with speaking("zh"):
        assert "双向" in str(g.warnings[0]) and "困惑度" in str(g.warnings[0])


def test_loops_are_found_and_ordinary_text_is_not_flagged():
    loop = find_loop("once upon a time " + "the " * 12)
    assert loop.cycle in ("the ", "he t", "e th", " the") and loop.repeats >= 12 and loop.start <= 17
    assert "raise the temperature" in str(loop)
    with speaking("zh"):
        assert "调高温度" in str(loop) and f"重复了 {loop.repeats:.0f} 次" in str(loop)
    assert find_loop("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").cycle == "a"
    assert find_loop("the time traveller (for so it will be convenient to speak of him) was expounding") is None
    assert find_loop("abab") is None  # too short to call a loop
