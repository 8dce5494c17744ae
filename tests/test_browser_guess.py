"""Shannon's guessing game in headless Chromium (the Guess tab, charlm/ui/guess_tab.py): a round of 20 characters
typed at a desktop's width and on a phone, with wrong guesses, a give-up and a bad input, ending in the picture and its
caption; then a round in Chinese against the Jay Chou checkpoint.

The character to type is read from the server (the visitor's session's round): the page never shows it before it is
found. Chromium is Debian's package (`apt-get install chromium-headless-shell`, or chromium; .ci/run installs the
first). Without it these tests fail, never skip. Screenshots go to $CHARLM_SCREENSHOTS when it is set.
"""

import pytest
from test_browser import SIZES, open_tab, shoot, shot_folder
from test_browser_room import OVERFLOW, on_first_screen

from charlm.i18n import text
from charlm.run import validation_text
from charlm.ui.common import current_model
from charlm.ui.guess_tab import ROUND, new_round, shown

pytestmark = pytest.mark.browser

INPUT = "#guess-input input, #guess-input textarea"
CAPTION = {"en": "How to read it.", "zh": "怎么看这张图。"}
UNTYPEABLE = "\n"  # Enter submits the one-line box: a line break is typed as ⏎, never picked as a wrong guess


def start_round(page, ctx, lang: str = "en", button: str = "#guess-new"):
    """Press New passage; the visitor's session (the one of this page's that has a round): its round on the server."""
    before = {id(s.game) for s in list(ctx.sessions._sessions.values())}
    page.locator(button).click()
    page.locator("#guess-passage .guess-cursor").wait_for(timeout=15_000)
    page.get_by_text(text("guess.start", lang)).wait_for(timeout=5_000)
    (session,) = [s for s in list(ctx.sessions._sessions.values()) if s.game is not None and id(s.game) not in before]
    return session


def left_after(page, lang: str, settled: int) -> None:
    """Wait until the page says how many characters are left once ``settled`` of them are found or given up."""
    words = text("guess.over", lang) if settled == ROUND else text("guess.left", lang, left=ROUND - settled)
    page.locator("#guess-passage p").filter(has_text=words).wait_for(timeout=10_000)


def type_guess(page, ch: str) -> None:
    box = page.locator(INPUT).first
    box.fill(ch)
    box.press("Enter")


def said(page) -> str:
    return page.locator("#guess-said").inner_text()


def play(page, session, vocabulary: list[str], lang: str, wrong_at=(), give_up_at=(), bad_at=None, name="") -> int:
    """Play the round to its end: the right character typed, after a wrong one at ``wrong_at``; Give up at
    ``give_up_at``; a line break typed as the passage shows it, ⏎. The give-ups made; a screenshot mid-way, named
    after ``name``."""
    game = session.game
    gave_up = 0
    for i in range(ROUND):
        target = game.text[game.position]
        if i == bad_at:  # several characters: a toast, nothing counted
            type_guess(page, "ab")
            toast = page.locator(".toast-body").filter(has_text=text("guess.several", lang, typed="ab", count=2))
            toast.wait_for(timeout=10_000)
            assert len(game.counts) == i and game.wrong == []
            assert text("guess.left", lang, left=ROUND - i) in page.locator("#guess-passage p").inner_text()
            page.locator(".toast-close").first.click()
            toast.wait_for(state="detached", timeout=5_000)
        if i in give_up_at:
            page.locator("#guess-give-up").click()
            left_after(page, lang, i + 1)
            assert text("guess.you_gave_up", lang, most=game.most) in said(page), said(page)
            gave_up += 1
            continue
        if i in wrong_at:
            wrong = next(c for c in vocabulary if c != target and c not in UNTYPEABLE)
            type_guess(page, wrong)
            words = text("guess.wrong", lang, typed=shown(wrong), count=1)
            page.locator("#guess-said").filter(has_text=words).wait_for(timeout=10_000)
            assert len(game.counts) == i and game.wrong == [wrong]
        type_guess(page, "⏎" if target == "\n" else target)
        left_after(page, lang, i + 1)
        you = text("guess.you", lang, count=2 if i in wrong_at else 1)
        assert you in said(page) and shown(target) in said(page), said(page)
        if i == 10 and shot_folder() is not None:
            page.evaluate("window.scrollTo(0, 0)")
            shoot(page, f"guess-{name}-mid.png")
    assert game.done and sum(game.gave_up) == gave_up
    expected = [1 if g else 2 if i in wrong_at else 1 for i, g in enumerate(game.gave_up)]
    assert [1 if g else c for c, g in zip(game.counts, game.gave_up, strict=True)] == expected
    return gave_up


def the_picture(page, lang: str) -> None:
    page.locator("#guess-plot .js-plotly-plot .barlayer").first.wait_for(timeout=15_000)
    assert page.locator("#guess-plot .js-plotly-plot .trace.bars").count() == 2  # you and the model
    assert CAPTION[lang] in page.locator("#guess-caption").inner_text()
    assert page.locator("#guess-passage .guess-cursor").count() == 0


@pytest.mark.parametrize("size", list(SIZES))
def test_a_round_of_the_guessing_game_typed(browser, served, size):
    url, ctx = served
    page = browser.new_page(viewport=SIZES[size])
    page.goto(url)
    page.wait_for_selector("text=Start training")
    open_tab(page, "Guess")
    session = start_round(page, ctx)
    assert len(session.game.text) - session.game.position == ROUND
    context = page.locator("#guess-passage .guess-read").inner_text()
    assert len(context) >= 90, context  # the 100 characters read (a line break drawn as one)
    for selector in ("#guess-passage", INPUT, "#guess-go"):
        on_first_screen(page, selector)
    assert page.locator(INPUT).first.evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)") >= 16  # no zoom
    assert page.evaluate(OVERFLOW) <= 0

    vocabulary = current_model(ctx, session).vocab.tokens[1:]
    gave_up = play(page, session, vocabulary, "en", wrong_at=(0, 3, 7), give_up_at=(5,), bad_at=2, name=size)
    assert gave_up >= 1
    the_picture(page, "en")
    assert page.evaluate(OVERFLOW) <= 0
    page.locator("#guess-plot").scroll_into_view_if_needed()
    shoot(page, f"guess-{size}-end.png", full_page=True)

    type_guess(page, "e")  # the round is over: a toast, nothing counted
    page.locator(".toast-body").filter(has_text=text("guess.round_over", "en")).wait_for(timeout=10_000)
    assert len(session.game.counts) == ROUND


def test_a_round_in_chinese_against_the_jay_chou_model(browser, served):
    url, ctx = served
    page = browser.new_page(viewport=SIZES["phone"])
    page.goto(url + "?lang=zh")
    page.wait_for_selector(f"text={text('train.start', 'zh')}")
    open_tab(page, text("models_tab.tab", "zh"))
    page.locator("span.text", has_text="jaychou-lstm").first.click()  # a row of the table: the checkpoint picked
    # its card shown: the pick has reached the server (a Load before it loaded the start-up model, once, beside a
    # busy worker, and the model line never named Jay Chou)
    page.locator("#model-card").filter(has_text="Jay Chou lyrics").wait_for(timeout=15_000)
    page.get_by_role("button", name=text("models_tab.load", "zh"), exact=True).click()
    page.locator("#current-model").filter(has_text="jaychou").wait_for(timeout=30_000)

    open_tab(page, text("guess.tab", "zh"))
    # A passage of the model's own validation text, typed in as the visitor's own (New passage: tests/test_guess.py).
    (session,) = [s for s in list(ctx.sessions._sessions.values()) if s.model is not None]
    model = current_model(ctx, session)
    valid = validation_text(model)
    at = next(i for i in range(len(valid) - 120) if "<unk>" not in valid[i : i + 120] and valid[i] != "\n"
              and valid[i + 119] != "\n")  # fmt: skip
    page.get_by_text(text("guess.own_passage", "zh"), exact=True).click()
    page.locator("#guess-own textarea").fill(valid[at : at + 120])
    session = start_round(page, ctx, "zh", button="#guess-play-own")
    assert session.game.text == valid[at : at + 120]
    for selector in ("#guess-passage", INPUT, "#guess-go"):
        on_first_screen(page, selector)
    vocabulary = current_model(ctx, session).vocab.tokens[1:]
    play(page, session, vocabulary, "zh", wrong_at=(1,), name="zh")
    the_picture(page, "zh")
    assert page.evaluate(OVERFLOW) <= 0
    page.locator("#guess-plot").scroll_into_view_if_needed()
    shoot(page, "guess-zh-end.png", full_page=True)


def test_a_new_passage_with_the_jay_chou_model_has_no_character_it_never_saw():
    import random
    from pathlib import Path

    from charlm.model import CharLM

    model = CharLM.from_pretrained(Path(__file__).resolve().parents[1] / "checkpoints" / "jaychou-lstm")
    for seed in range(5):  # a random stretch of its validation text, as New passage picks one
        assert "<unk>" not in new_round(model, None, random.Random(seed)).text
