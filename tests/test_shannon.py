"""Shannon's guessing game: ranks against an independent count with torch.topk, the bounds against a worked example,
a model whose every prediction is known, every refusal in both languages, and the command's JSON."""

import json
import math
import string

import numpy as np
import pytest
import torch

from charlm import CharLM, CharLMConfig
from charlm.cells import CELLS
from charlm.cli import main
from charlm.errors import CharLMError
from charlm.i18n import speaking
from charlm.shannon import bounds, human_guesses, lower_bound, parse_guesses, play, rank_characters, upper_bound

VOCAB = ["<unk>", *string.ascii_lowercase, " "]
TEXT = "the time traveller for so it will be convenient to speak of him"


def tiny(cell: str = "lstm", layers: int = 1, bidirectional: bool = False, seed: int = 0) -> CharLM:
    config = CharLMConfig(VOCAB, cell=cell, hidden_size=8, num_layers=layers, bidirectional=bidirectional,
                          embedding_dim=5 if layers > 1 else 0)  # fmt: skip
    model = CharLM.seeded(config, seed).eval()
    with torch.no_grad():
        model.head.bias[0] += 3.0  # <unk> would be a likely guess: the game must leave it out all the same
    return model


def topk_ranks(model: CharLM, text: str) -> tuple[np.ndarray, np.ndarray]:
    """The ranks counted another way: the whole text in one call, each prediction's characters sorted by torch.topk
    with <unk> pushed to the end, and the true character's place in that order; its probability over the rest."""
    ids = torch.tensor(model.vocab.encode(text))
    with torch.no_grad():
        logits, _ = model(ids[None])  # (1, T, V)
    logits = logits[0, :-1].double()
    logits[:, 0] = -math.inf
    order = logits.topk(logits.shape[1], dim=1).indices  # (T − 1, V): likeliest first
    ranks = [order[t].tolist().index(target) + 1 for t, target in enumerate(ids[1:].tolist())]
    probs = torch.softmax(logits, dim=1).gather(1, ids[1:, None])[:, 0]
    return np.array(ranks), probs.numpy()


@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("cell", list(CELLS))
def test_ranks_equal_an_independent_count_with_topk_in_one_pass_or_in_chunks(cell, layers):
    model = tiny(cell, layers)
    expected_ranks, expected_probs = topk_ranks(model, TEXT)
    for chunk in (4096, 7):  # the whole text at once; chunks of 7 characters with the state carried
        ranks, probs = rank_characters(model, TEXT, chunk=chunk)
        assert ranks.tolist() == expected_ranks.tolist()
        np.testing.assert_allclose(probs, expected_probs, rtol=1e-5)
    assert len(ranks) == len(TEXT) - 1 and ranks.min() >= 1 and ranks.max() <= len(VOCAB) - 1  # <unk> never counted
    game = play(model, TEXT)
    assert game.model.bits_per_char == pytest.approx(-np.log2(expected_probs).mean(), rel=1e-6)


def test_the_bounds_are_shannons_formulas_on_a_worked_example():
    guesses = [1, 1, 2, 1, 3, 1, 1, 2]
    # 8 characters: 5 needed one guess, 2 needed two, 1 needed three: q = (5/8, 2/8, 1/8)
    # upper = −Σ q_i log₂ q_i = 5/8 log₂ 8/5 + 2/8 log₂ 4 + 1/8 log₂ 8 = 0.423795 + 0.5 + 0.375 = 1.298795
    # lower = Σ i (q_i − q_{i+1}) log₂ i = 1 (5/8 − 2/8) · 0 + 2 (2/8 − 1/8) · 1 + 3 (1/8 − 0) log₂ 3
    #       = 0 + 0.25 + 0.375 × 1.584963 = 0.844361
    q, upper, lower = bounds(guesses)
    np.testing.assert_allclose(q, [5 / 8, 2 / 8, 1 / 8])
    assert upper == pytest.approx(1.298795, abs=1e-6) and upper_bound(q) == upper
    assert lower == pytest.approx(0.844361, abs=1e-6) and lower_bound(q) == lower
    person = human_guesses(guesses)
    assert person.ranks.tolist() == guesses and person.probabilities is None and person.bits_per_char is None
    assert person.to_dict() == {"ranks": guesses, "upper": upper, "lower": lower}
    # always right first time: no uncertainty at all
    assert bounds([1, 1, 1]) == (pytest.approx([1.0]), 0.0, 0.0)


def test_a_model_with_a_fixed_ranking_gives_exactly_the_ranks_it_must():
    """No recurrent or input weights and a head with no weights: every prediction is softmax(head bias), the same
    whatever came before. The bias orders the vocabulary: "a" first, then "b", … (and <unk> above all, left out), so
    the character with id k needs exactly k guesses."""
    model = CharLM(CharLMConfig(VOCAB, cell="gru", hidden_size=4)).eval()
    bias = -torch.arange(len(VOCAB), dtype=torch.float32)  # id 1 ("a") −1, id 2 ("b") −2, …
    bias[0] = 10.0  # <unk>
    with torch.no_grad():
        for p in model.rnn.parameters():
            p.zero_()
        model.head.weight.zero_()
        model.head.bias.copy_(bias)
    game = play(model, "abcab")  # "b", "c", "a", "b" are guessed
    assert game.model.ranks.tolist() == [2, 3, 1, 2]
    p = torch.softmax(bias[1:].double(), 0).numpy()  # over the characters, <unk> left out
    np.testing.assert_allclose(game.model.probabilities, [p[1], p[2], p[0], p[1]], rtol=1e-12)
    # q = (1/4, 2/4, 1/4): upper = 1/4·2 + 1/2·1 + 1/4·2 = 1.5; lower = 2 (1/2 − 1/4) · 1 + 3 (1/4) log₂ 3
    assert game.model.upper == pytest.approx(1.5)
    assert game.model.lower == pytest.approx(0.5 + 0.75 * math.log2(3))
    assert game.model.bits_per_char == pytest.approx(-np.log2([p[1], p[2], p[0], p[1]]).mean())


def _refusal(call) -> tuple[str, str]:
    """The error ``call`` raises, as an English and a Chinese reader see it."""
    with pytest.raises(CharLMError) as caught:
        call()
    with speaking("en"):
        english = str(caught.value)
    with speaking("zh"):
        chinese = str(caught.value)
    return english, chinese


@pytest.mark.parametrize(
    ("call", "english", "chinese"),
    [
        (lambda: play(tiny(bidirectional=True), TEXT), "bidirectional: its prediction of each character has already "
         "read that character", "双向的：它对每个字符的预测已经读过这个字符"),
        (lambda: play(tiny(), "t"), "needs at least two characters, not 1", "至少需要两个字符，而这里只有 1 个"),
        (lambda: play(tiny(), ""), "needs at least two characters, not 0", "至少需要两个字符，而这里只有 0 个"),
        (lambda: play(tiny(), "The Time Traveller!"), "vocabulary lacks: 'T' (3×), '!' (1×)",
         "词表里没有的字符：'T' (3×), '!' (1×)"),
        (lambda: human_guesses([]), "no guess counts were given", "没有给出猜测次数"),
        (lambda: human_guesses([1, 0, 2, -1]), "whole number ≥ 1 (how many guesses a character took; 1 = right first "
         "time), not 0, -1", "必须是 ≥ 1 的整数（猜中一个字符用了几次；1 = 第一次就猜中），而不是 0, -1"),
        (lambda: human_guesses([1.5, True, 2]), "not 1.5, True", "而不是 1.5, True"),
        (lambda: human_guesses(parse_guesses("3, 1 ,x,2")), "not 'x'", "而不是 'x'"),
        (lambda: play(tiny(), "abc", [1, 1, 1]), "3 guess counts for a text of 3 characters: only 2 are guessed",
         "给出了 3 个猜测次数，但这段 3 个字符的文本只需要猜 2 个"),
    ],
    ids=["bidirectional", "one-character", "empty", "unknown-characters", "no-guesses", "below-one", "not-whole",
         "not-a-number", "too-many-guesses"],
)  # fmt: skip
def test_every_bad_input_is_refused_in_english_and_in_chinese(call, english, chinese):
    said_in_english, said_in_chinese = _refusal(call)
    assert english in said_in_english
    assert chinese in said_in_chinese


def test_guesses_are_parsed_from_commas_or_spaces():
    assert parse_guesses("3,1,1, 2  5") == [3, 1, 1, 2, 5]
    assert parse_guesses("1,1.5,a") == [1, "1.5", "a"]
    assert parse_guesses("  ") == []


@pytest.fixture
def checkpoint(tmp_path):
    folder = tmp_path / "tiny"
    tiny("gru").save_pretrained(folder)
    return folder


def test_the_command_prints_json_last_and_adds_the_person_with_guesses(checkpoint, tmp_path, capsys):
    assert main(["shannon", "--checkpoint", str(checkpoint), "--text", TEXT, "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(result) == {"characters", "model"} and result["characters"] == len(TEXT)
    assert set(result["model"]) == {"ranks", "upper", "lower", "bits_per_char"}
    game = play(CharLM.from_pretrained(checkpoint), TEXT)
    assert result["model"]["ranks"] == game.model.ranks.tolist() and len(result["model"]["ranks"]) == len(TEXT) - 1
    assert result["model"]["upper"] == pytest.approx(game.model.upper)
    assert result["model"]["bits_per_char"] == pytest.approx(game.model.bits_per_char)

    passage = tmp_path / "passage.txt"
    passage.write_text(TEXT, encoding="utf-8")
    assert main(["shannon", "--checkpoint", str(checkpoint), "--text-file", str(passage), "--guesses", "3,1,1,2",
                 "--json"]) == 0  # fmt: skip
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    _, upper, lower = bounds([3, 1, 1, 2])
    assert result["human"] == {"ranks": [3, 1, 1, 2], "upper": upper, "lower": lower}
    assert result["model"]["ranks"] == game.model.ranks.tolist()


def test_the_command_speaks_the_terminals_language_and_refuses_in_one_line(checkpoint, capsys, monkeypatch):
    assert main(["shannon", "--checkpoint", str(checkpoint), "--text", TEXT, "--guesses", "1,2"]) == 0
    printed = capsys.readouterr().out
    assert f"{len(TEXT)} characters: the model guessed the {len(TEXT) - 1} after the first" in printed
    assert "the model: upper bound" in printed and "you, on the first 2 characters guessed: upper bound" in printed
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert main(["shannon", "--checkpoint", str(checkpoint), "--text", TEXT]) == 0
    printed = capsys.readouterr().out
    assert "模型：上界" in printed and "每字符比特数" in printed and "you" not in printed
    assert main(["shannon", "--checkpoint", str(checkpoint), "--text", TEXT, "--guesses", "1,0", "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == "错误：猜测次数必须是 ≥ 1 的整数（猜中一个字符用了几次；1 = 第一次就猜中），而不是 0\n"
