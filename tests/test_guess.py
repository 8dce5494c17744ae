"""The Guess tab: Shannon's guessing game against the current model (charlm/ui/guess_tab.py), without a browser."""

from __future__ import annotations

import random

import numpy as np
import pytest

from charlm import CharLM, CharLMConfig, Vocab
from charlm.errors import CharLMError
from charlm.i18n import speaking
from charlm.shannon import bounds
from charlm.ui import guess_tab as g

REPO = __import__("pathlib").Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def model() -> CharLM:
    return CharLM.from_pretrained(REPO / "checkpoints" / "timemachine-raw")


def said(e: pytest.ExceptionInfo, lang: str) -> str:
    with speaking(lang):
        return str(e.value.message)


def play_round(game: g.Round, wrong_first: int = 1) -> list[str]:
    """Play a round to its end: ``wrong_first`` wrong guesses before each right one (one give-up at the third)."""
    vocabulary = list("etaoinshrdlu ,.")
    notes = []
    while not game.done:
        if len(game.counts) == 2:
            notes.append(g.give_up(game))
            continue
        target = game.text[game.position]
        wrong = [c for c in vocabulary if c != target][:wrong_first]
        notes += [g.guess(game, c, set(vocabulary) | {target}) for c in wrong]
        notes.append(g.guess(game, target, set(vocabulary) | {target}))
    return notes


def test_a_round_counts_wrong_guesses_and_a_give_up_and_compares_with_the_models_ranks(model):
    game = g.new_round(model, None, random.Random(3))
    assert game.start == g.CONTEXT and len(game.text) == g.CONTEXT + g.ROUND
    notes = play_round(game, wrong_first=1)
    assert game.done and len(game.counts) == g.ROUND and game.counts[2] == game.most == len(model.vocab) - 1
    assert game.gave_up == [i == 2 for i in range(g.ROUND)]
    assert all(c == 2 for i, c in enumerate(game.counts) if i != 2)  # one wrong, then right
    assert notes[0].startswith("Not “") and "you needed 2; the model needed" in notes[1]
    ranks = game.model_ranks()
    assert len(ranks) == g.ROUND and all(r >= 1 for r in ranks)
    rank, probability = game.model_rank(game.start)
    assert f"the model needed {rank} (it gave it a probability of {probability:.1%})" in notes[1]
    _, upper, lower = bounds(game.counts)
    assert f"lower {lower:.2f}, upper {upper:.2f}" in g.caption(game) and "Given up: 1 (each counted as" in g.caption(game)
    fig = g.round_figure(game)
    bars = [t for t in fig.data if t.type == "bar"]
    assert [sum(b.y) for b in bars] == [g.ROUND, g.ROUND]  # both players, over the same 20 characters
    assert "<b>" in g.passage_html(game) and "The round is over" in g.passage_html(game)


def test_the_passage_shown_stops_at_the_character_asked_for(model):
    game = g.new_round(model, "the time traveller (for so it will be convenient to speak of him) was expounding", None)
    html = g.passage_html(game)
    assert game.text[: game.start].replace("(", "(") in html and game.text[game.start :] not in html
    assert "guess-cursor" in html


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_bad_guesses_say_why_and_count_nothing(model, lang):
    game = g.new_round(model, None, random.Random(0))
    vocabulary = set(model.vocab.tokens[1:])
    target = game.text[game.position]
    wrong = next(c for c in "etaoin" if c != target)
    cases = [("", "guess.empty"), ("ab", "guess.several"), ("€", "guess.unknown")]
    for typed, why in cases:
        with pytest.raises(CharLMError) as e:
            g.guess(game, typed, vocabulary)
        assert e.value.message.id == why and "guess." not in said(e, lang)
    g.guess(game, wrong, vocabulary)
    with pytest.raises(CharLMError) as e:
        g.guess(game, wrong, vocabulary)  # the same wrong guess twice counts once
    assert e.value.message.id == "guess.again" and game.wrong == [wrong] and game.counts == []
    while not game.done:
        g.give_up(game)
    for act in (lambda: g.guess(game, "e", vocabulary), lambda: g.give_up(game), lambda: g.guess(None, "e", vocabulary)):
        with pytest.raises(CharLMError) as e:
            act()
        assert e.value.message.id == "guess.round_over" and ("New passage" in said(e, "en"))
    with pytest.raises(CharLMError) as e:
        g.new_round(model, "t", None)
    assert e.value.message.id == "shannon.too_short"


def test_a_bidirectional_model_is_refused_with_its_reason():
    vocab = Vocab.build("the time traveller was expounding a recondite matter to us")
    bi = CharLM(CharLMConfig(vocab=vocab.tokens, cell="gru", hidden_size=8, bidirectional=True))
    with pytest.raises(CharLMError) as e:
        g.new_round(bi, "the time traveller was expounding a recondite matter to us", None)
    assert e.value.message.id == "shannon.bidirectional"


def test_a_chinese_passage_plays_with_its_large_vocabulary():
    model = CharLM.from_pretrained(REPO / "checkpoints" / "jaychou-lstm")
    assert len(model.vocab) > 1000
    game = g.new_round(model, None, random.Random(1))
    vocabulary = set(model.vocab.tokens[1:])
    while not game.done:
        g.guess(game, game.text[game.position], vocabulary)  # right first time: the reader knows the lyrics
    assert game.counts == [1] * g.ROUND and np.all(game.model_ranks() >= 1)
    with speaking("zh"):
        assert "你的下界 0.00、上界 0.00" in g.caption(game)


def test_a_model_trained_on_pasted_text_plays_that_text_and_a_session_without_it_says_why(ctx):
    """The caps walk found it: New passage on a model of the visitor's own text asked for a corpus named 'custom'."""
    from conftest import form

    from charlm.ui import train_tab
    from charlm.ui.common import Session
    from charlm.ui.rooms import Room
    from charlm.ui.run_view import Broadcast

    pasted = "".join(f"Line {i}: the quick brown fox jumps over the lazy dog, and the cat watches it go.\n" for i in range(80))
    owner = Session()
    list(train_tab.train(ctx, None, owner, *form(corpus=train_tab.OWN_TEXT, pasted=pasted, epochs=1)))
    assert len(owner.own_texts) == 1
    game = g.new_round(owner.model, None, random.Random(2), kept=g.texts_of(owner))
    assert game.text in pasted and len(game.text) == g.CONTEXT + g.ROUND

    follower = Session()  # a phone in the owner's room plays the room's model on the owner's text
    follower.set_model(owner.model, "room", room=Room("ABCDEFG", owner, Broadcast("1. GRU", 1, 60.0, str)))
    assert g.new_round(follower.model, None, random.Random(3), kept=g.texts_of(follower)).text in pasted

    stranger = Session()  # the same model, where the text is not held: said, in both languages
    with pytest.raises(CharLMError) as e:
        g.new_round(owner.model, None, random.Random(4), kept=g.texts_of(stranger))
    assert e.value.message.id == "guess.text_not_kept" and "passage of your own" in said(e, "en") and "自己" in said(e, "zh")
