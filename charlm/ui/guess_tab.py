"""The Guess tab: Shannon's guessing game (charlm/shannon.py), the visitor against the current model.

A round is a passage: ``CONTEXT`` characters to read, then ``ROUND`` characters to guess one at a time, each until
right, as Shannon's readers did. After each character the visitor's count is shown beside the model's rank for it and
its probability; at the end, both players' histograms and bounds, and the model's cross-entropy, in one picture.

A give-up is counted honestly: the visitor did not find the character, so it counts as the most guesses it could have
taken, every character the model may guess (its vocabulary less ``<unk>``). That raises both of their bounds; it never
flatters them.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import gradio as gr
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..errors import CharLMError
from ..i18n import speaking
from ..i18n import text as tr
from ..model import CharLM
from ..run import validation_text
from ..shannon import Guesses, bounds, model_guesses
from ..vocab import UNK
from .common import AppContext, Session, api_parameters, current_model, error, localized, md, ui

CONTEXT = 100  # characters read before the first guess: Shannon's longest context
ROUND = 20  # characters a round asks for
SHANNON_RANGE = (0.6, 1.3)  # bits per letter, English with 100 letters of context (Shannon 1951)
BARS = 10  # the histograms show 1 … BARS guesses, then one bar for more
SHOWN = {" ": "␣", "\n": "⏎", "\t": "⇥"}  # characters a reader cannot see, as the passage and the messages name them
TYPED = {name: ch for ch, name in SHOWN.items()} | {"↵": "\n"}  # and typed so in a one-line box, which takes no \n


@dataclass
class Pool:
    """A room's round: one passage for everyone in the room, the room's model's game on it, and every player's guesses
    pooled, character by character, with the model's rank for the same character beside each (anonymously: the
    players are counted, never named)."""

    text: str
    start: int
    model: Guesses
    most: int
    counts: list[int] = field(default_factory=list)  # each settled character's guesses, whoever played it
    ranks: list[int] = field(default_factory=list)  # the model's rank for each of the same characters
    probabilities: list[float] = field(default_factory=list)  # and its probability for it
    players: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, player: str, count: int, rank: int, probability: float) -> None:
        with self.lock:
            self.counts.append(count)
            self.ranks.append(rank)
            self.probabilities.append(probability)
            self.players.add(player)


@dataclass
class Round:
    """One passage being played: what to read, what to guess, the visitor's counts so far, the model's game."""

    text: str  # the context and the characters to guess
    start: int  # where the guessing starts
    model: Guesses  # the model's game over the whole text (its ranks are for text[1:])
    most: int  # the guesses a give-up counts as: every character the model may guess
    counts: list[int] = field(default_factory=list)  # the visitor's guesses for each character found (or given up)
    gave_up: list[bool] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)  # wrong guesses for the character now asked for
    pool: Pool | None = None  # the room's, when this is a room's round: each settled character is added to it
    player: str = ""  # who plays, as the pool counts players

    @property
    def position(self) -> int:
        return self.start + len(self.counts)

    @property
    def done(self) -> bool:
        return self.position >= len(self.text)

    def model_rank(self, position: int) -> tuple[int, float]:
        """The model's guesses for the character at ``position``, and its probability for it."""
        return int(self.model.ranks[position - 1]), float(self.model.probabilities[position - 1])

    def model_ranks(self) -> np.ndarray:
        """The model's ranks for the characters the visitor has played."""
        return self.model.ranks[self.start - 1 : self.position - 1]


def new_round(model: CharLM, passage: str | None, rng: random.Random, kept: Mapping[str, str] | None = None) -> Round:
    """A round on ``passage`` (the visitor's own: its first characters are the context, at most CONTEXT), or on a
    stretch of the model's validation text, chosen at random (``kept``: the texts of runs on a visitor's own text)."""
    if passage is None:  # a stretch with no character the model never saw (the text reads them as <unk>)
        try:
            valid = validation_text(model, kept=kept)
        except CharLMError as e:  # a user's text the app no longer holds (a model loaded, a new session)
            raise CharLMError("guess.text_not_kept") if e.id == "data.text_not_kept" else e from None
        pieces = [piece for piece in valid.split(UNK) if len(piece) >= CONTEXT + ROUND]
        if not pieces:
            raise CharLMError("guess.short_validation", chars=CONTEXT + ROUND)
        piece = rng.choices(pieces, weights=[len(piece) - CONTEXT - ROUND + 1 for piece in pieces])[0]
        at = rng.randrange(0, len(piece) - CONTEXT - ROUND + 1)
        text, start = piece[at : at + CONTEXT + ROUND], CONTEXT
    else:  # at most CONTEXT to read and ROUND to guess: a longer text is cut, a shorter one gives fewer to read
        text = passage.strip("\n")[: CONTEXT + ROUND]
        if len(text) < 2:
            raise CharLMError("shannon.too_short", chars=len(text))
        start = max(1, min(CONTEXT, len(text) - ROUND))
    return Round(text, start, model_guesses(model, text), most=len(model.vocab) - 1)


def room_round(session: Session) -> Round | None:
    """The round of the room the session follows, when its owner has started one and this player has not played it
    yet: the room's passage, its guesses pooled."""
    room = session.room
    pool = getattr(room, "game", None) if room is not None and not room.closed else None
    player = session.key or str(id(session))
    if pool is None or player in pool.players:
        return None
    return Round(pool.text, pool.start, pool.model, pool.most, pool=pool, player=player)


def texts_of(session: Session) -> dict[str, str]:
    """The validation texts of runs on a visitor's own text that ``session``'s model may have been trained on: its
    own, and those of the room it follows (its owner's)."""
    room = session.room
    return {**(room.owner.own_texts if room is not None else {}), **session.own_texts}


def start_room_game(ctx: AppContext, session: Session, rng: random.Random) -> Pool:
    """The owner starts a round for their room: a passage of the room's model's validation text, for everyone."""
    room = ctx.rooms.owned(session)
    if room is None:
        raise CharLMError("guess.no_room")
    if room.model is None:
        raise CharLMError("room.no_model_yet", code=room.code)
    first = new_round(room.model, None, rng, kept=session.own_texts)
    room.game = Pool(first.text, first.start, first.model, first.most)
    return room.game


def pool_view(ctx: AppContext, session: Session) -> tuple:
    """What the owner's page shows of the room's round: the pooled bounds beside the model's, and the picture."""
    room = ctx.rooms.owned(session)
    pool = getattr(room, "game", None)
    if pool is None:
        return "", gr.update(visible=False)
    with pool.lock:
        counts, ranks, probabilities, players = list(pool.counts), list(pool.ranks), list(pool.probabilities), len(pool.players)
    if not counts:
        return tr("guess.room_waiting", code=room.code), gr.update(visible=False)
    _, upper, lower = bounds(counts)
    _, model_upper, model_lower = bounds(ranks)
    line = tr("guess.room_pool", code=room.code, players=players, chars=len(counts), lower=lower, upper=upper,
              model_lower=model_lower, model_upper=model_upper)  # fmt: skip
    figure = result_figure(counts, ranks, probabilities, tr("guess.player_room", players=players))
    return line, gr.update(value=figure, visible=True)


def guess(game: Round | None, typed: str, vocabulary: set[str]) -> str:
    """One guess for the character now asked for: what to tell the visitor (counted, or why it does not count)."""
    if game is None or game.done:
        raise CharLMError("guess.round_over")
    if typed is None or typed == "":
        raise CharLMError("guess.empty")
    typed = TYPED.get(typed, typed.replace("\r", ""))
    if len(typed) > 1:
        raise CharLMError("guess.several", typed=typed[:20], count=len(typed))
    if typed not in vocabulary:
        raise CharLMError("guess.unknown", typed=typed)
    if typed in game.wrong:
        raise CharLMError("guess.again", typed=shown(typed))
    target = game.text[game.position]
    if typed != target:
        game.wrong.append(typed)
        return tr("guess.wrong", typed=md(shown(typed)), count=len(game.wrong))
    return found(game, given_up=False)


def give_up(game: Round | None) -> str:
    if game is None or game.done:
        raise CharLMError("guess.round_over")
    return found(game, given_up=True)


def found(game: Round, given_up: bool) -> str:
    """The character now asked for is settled: counted, and compared with the model's guesses for it."""
    position, target = game.position, game.text[game.position]
    rank, probability = game.model_rank(position)
    count = game.most if given_up else len(game.wrong) + 1
    game.counts.append(count)
    game.gave_up.append(given_up)
    game.wrong = []
    if game.pool is not None:
        game.pool.add(game.player, count, rank, probability)
    you = tr("guess.you_gave_up", most=game.most) if given_up else tr("guess.you", count=count)
    return tr("guess.found", char=md(shown(target)), you=you, rank=rank, probability=probability)


def shown(ch: str) -> str:
    """A character as a reader can see it: a space or a line break named."""
    return SHOWN.get(ch, ch)


def passage_html(game: Round | None) -> str:
    """The passage up to the character asked for: the context grey, the characters found dark, a cursor after."""
    if game is None:
        return ""
    read = md(game.text[: game.start]).replace("\n", "<br>")
    got = md(game.text[game.start : game.position]).replace("\n", "<br>")
    cursor = "" if game.done else "<span class='guess-cursor'>▁</span>"
    left = tr("guess.left", left=len(game.text) - game.position) if not game.done else tr("guess.over")
    return f"<div class='guess-passage'><span class='guess-read'>{read}</span><b>{got}</b>{cursor}</div><p>{left}</p>"


def result_figure(people: Sequence[int], model_ranks: Sequence[int], model_probabilities: Sequence[float],
                  name: str) -> go.Figure:  # fmt: skip
    """People's guesses (``name``: "you", or a room's players) and the model's over the same characters: the
    histograms, and each one's bounds beside the model's cross-entropy and Shannon's range for English."""
    # One above the other: side by side, a phone's 390 px ran the two titles into each other.
    fig = make_subplots(rows=2, cols=1, row_heights=[0.55, 0.45], vertical_spacing=0.2,
                        subplot_titles=(tr("guess.histogram_title"), tr("guess.bounds_title")))  # fmt: skip
    labels = [str(i) for i in range(1, BARS + 1)] + [f">{BARS}"]
    model_name = tr("guess.player_model")
    for player, ranks, colour in ((name, np.array(people), "#ff7f0e"), (model_name, np.array(model_ranks), "#1f77b4")):
        counts = [int((ranks == i).sum()) for i in range(1, BARS + 1)] + [int((ranks > BARS).sum())]
        fig.add_trace(go.Bar(x=labels, y=counts, name=player, marker_color=colour, legendgroup=player), row=1, col=1)
        _, upper, lower = bounds(ranks)
        fig.add_trace(go.Scatter(x=[player, player], y=[lower, upper], mode="lines+markers",
                                 line={"color": colour, "width": 10}, marker={"size": 12}, showlegend=False,
                                 legendgroup=player,
                                 hovertemplate=tr("guess.bounds_hover", lower=lower, upper=upper) + "<extra></extra>"),
                      row=2, col=1)  # fmt: skip
    cross = float(-np.log2(np.asarray(model_probabilities)).mean())
    fig.add_trace(go.Scatter(x=[model_name], y=[cross], mode="markers", name=tr("guess.cross_entropy"),
                             marker={"symbol": "diamond", "size": 14, "color": "#2ca02c"}), row=2, col=1)  # fmt: skip
    fig.add_hrect(y0=SHANNON_RANGE[0], y1=SHANNON_RANGE[1], fillcolor="#999", opacity=0.2, line_width=0, row=2, col=1,
                  annotation_text=tr("guess.shannon_range"), annotation_position="top right",
                  annotation_font_size=11)  # fmt: skip
    fig.update_layout(barmode="group", height=560, margin={"l": 40, "r": 10, "t": 50, "b": 40},
                      legend={"orientation": "h", "y": -0.12})  # fmt: skip
    fig.update_xaxes(title_text=tr("guess.guesses_axis"), row=1, col=1)
    fig.update_yaxes(title_text=tr("guess.characters_axis"), row=1, col=1)
    fig.update_yaxes(rangemode="tozero", row=2, col=1)  # its unit is in its title
    fig.update_annotations(font_size=12)  # the subplots' titles side by side, on a phone too
    return fig


def round_figure(game: Round) -> go.Figure:
    """A visitor's finished round, against the model over the same characters."""
    played = slice(game.start - 1, game.position - 1)
    return result_figure(game.counts, game.model_ranks(), game.model.probabilities[played], tr("guess.player_you"))


def caption(game: Round) -> str:
    yours, models = game.counts, game.model_ranks()
    _, upper, lower = bounds(yours)
    _, model_upper, model_lower = bounds(models)
    return tr("guess.caption", chars=len(yours), lower=lower, upper=upper, model_lower=model_lower,
              model_upper=model_upper, gave_up=sum(game.gave_up), most=game.most)  # fmt: skip


# -- the tab --------------------------------------------------------------------------------------------------------


def create(ctx: AppContext, demo: gr.Blocks, session: gr.State, current: gr.Markdown, language: gr.Radio) -> gr.Tab:
    with gr.Tab(ui("guess.tab"), id="guess") as tab:
        gr.Markdown(ui("guess.intro"))
        passage = gr.HTML(elem_id="guess-passage")
        with gr.Row(equal_height=True):
            typed = gr.Textbox(label=ui("guess.your_guess"), max_lines=1, max_length=8, scale=2, min_width=120,
                               elem_id="guess-input", autofocus=False)  # fmt: skip
            go_button = gr.Button(ui("guess.go"), variant="primary", scale=1, min_width=80, elem_id="guess-go")
            quit_button = gr.Button(ui("guess.give_up"), scale=1, min_width=80, elem_id="guess-give-up")
        said = gr.Markdown(elem_id="guess-said")
        picture = gr.Plot(visible=False, elem_id="guess-plot", show_label=False)
        summary = gr.Markdown(elem_id="guess-caption")
        gr.Markdown(ui("guess.how"), elem_classes="guess-how")  # below the game: on a phone the guess box comes first
        with gr.Row():
            new = gr.Button(ui("guess.new"), elem_id="guess-new")
        with gr.Row():
            room_start = gr.Button(ui("guess.room_start"), size="sm", elem_id="guess-room-start")
        pooled = gr.Markdown(elem_id="guess-room")
        pooled_plot = gr.Plot(visible=False, elem_id="guess-room-plot", show_label=False)
        pooled_timer = gr.Timer(2, active=False)  # the owner's page: the room's guesses as they come
        with gr.Accordion(ui("guess.own_passage"), open=False, elem_classes="settings"):
            own = gr.Textbox(label=ui("guess.own_label"), lines=3, max_length=10 * (CONTEXT + ROUND), elem_id="guess-own")
            own_button = gr.Button(ui("guess.play_own"), size="sm", elem_id="guess-play-own")

    def shown_state(game: Round | None, note: str):
        done = game is not None and game.done
        fig = gr.update(value=round_figure(game), visible=True) if done else gr.update(visible=False)
        return passage_html(game), note, fig, caption(game) if done else "", ""

    outputs = [passage, said, picture, summary, typed]

    @localized
    def start(session_value: Session, text: str | None = None):
        shared = room_round(session_value) if text is None else None
        if shared is not None:  # a room's round: its passage, against its model, for everyone in it
            session_value.game = shared
            return shown_state(shared, tr("guess.room_round", code=session_value.room.code))
        model = current_model(ctx, session_value)
        try:
            session_value.game = new_round(model, text, random.Random(), kept=texts_of(session_value))
        except CharLMError as e:
            raise error(e) from None
        return shown_state(session_value.game, tr("guess.start"))

    @localized
    def on_room_start(session_value: Session):
        try:
            start_room_game(ctx, session_value, random.Random())
        except CharLMError as e:
            raise error(e) from None
        return *pool_view(ctx, session_value), gr.Timer(active=True)

    @localized
    def on_pool(session_value: Session):
        return pool_view(ctx, session_value)

    room_start.click(on_room_start, session, [pooled, pooled_plot, pooled_timer], api_name="guess_room_start")
    pooled_timer.tick(on_pool, session, [pooled, pooled_plot], api_name="guess_room")

    @localized
    def on_guess(session_value: Session, value: str):
        game = session_value.game
        try:
            note = guess(game, value, set(current_model(ctx, session_value).vocab.tokens[1:]))
        except CharLMError as e:
            raise error(e) from None
        return shown_state(game, note)

    @localized
    def on_give_up(session_value: Session):
        try:
            note = give_up(session_value.game)
        except CharLMError as e:
            raise error(e) from None
        return shown_state(session_value.game, note)

    new.click(start, session, outputs, api_name="guess_new")
    own_button.click(api_parameters(lambda s, t: start(s, t), "text"), [session, own], outputs, api_name="guess_own")
    gr.on([go_button.click, typed.submit], api_parameters(on_guess, "character"), [session, typed], outputs,
          api_name="guess")  # fmt: skip
    quit_button.click(on_give_up, session, outputs, api_name="guess_give_up")

    def speak(session_value: Session, lang: str):  # the switch: what the server wrote, written again
        game = session_value.game
        with speaking(lang):
            if game is None:
                return (gr.skip(),) * len(outputs)
            return (passage_html(game), gr.skip(), *shown_state(game, "")[2:4], gr.skip())

    language.change(speak, [session, language], outputs, api_visibility="private")
    return tab
