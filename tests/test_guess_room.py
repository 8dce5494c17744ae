"""A room plays Shannon's game: 30 players guess the room's passage through the API, and the owner's page shows their
guesses pooled beside the model's (charlm/ui/guess_tab.py: Pool, room_round, pool_view)."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import form
from load import local_client

from charlm.shannon import bounds

PLAYERS, CHARACTERS = 30, 5


@pytest.mark.slow
def test_thirty_players_guesses_are_pooled_on_the_owners_page(served):
    url, ctx = served
    owner = local_client(url)
    owner.predict(*form(epochs=2), api_name="/train")
    code = owner.predict(api_name="/share_run")[0]
    with pytest.raises(Exception, match="Share a run with the room first"):
        local_client(url).predict(api_name="/guess_room_start")  # not an owner
    started, *_ = owner.predict(api_name="/guess_room_start")
    assert f"Room {code}'s round has started" in started
    pool = ctx.rooms.find(code).game

    def play(k: int) -> list[int]:
        player = local_client(url)
        watching = player.submit(code, api_name="/watch")  # in the room: its model, its round
        deadline = time.monotonic() + 60
        while not watching.outputs() and time.monotonic() < deadline:
            time.sleep(0.1)
        _passage, note, *_ = player.predict(api_name="/guess_new")
        assert f"Room {code}'s passage" in note
        counts = []
        for i in range(CHARACTERS):
            target = pool.text[pool.start + i]
            wrong = "e" if target != "e" else "t"
            if (k + i) % 3 == 0:  # one wrong guess first, now and then
                assert "wrong so far" in player.predict(wrong, api_name="/guess")[1]
            said = player.predict(target, api_name="/guess")[1]
            counts.append(2 if (k + i) % 3 == 0 else 1)
            assert f"you needed {counts[-1]}" in said, said
        watching.cancel()
        return counts

    with ThreadPoolExecutor(10) as pool_of_players:
        played = [c for counts in pool_of_players.map(play, range(PLAYERS)) for c in counts]
    line, picture = owner.predict(api_name="/guess_room")
    assert f"{PLAYERS} players, {PLAYERS * CHARACTERS} characters guessed" in line, line
    _, upper, lower = bounds(played)
    assert f"lower {lower:.2f}, upper {upper:.2f} bits per character" in line, line
    ranks = [int(pool.model.ranks[pool.start - 1 + i]) for i in range(CHARACTERS)] * PLAYERS
    _, model_upper, model_lower = bounds(ranks)
    assert f"lower {model_lower:.2f}, upper {model_upper:.2f}." in line, line
    assert re.search(r"the room \(30\)", str(picture))  # the picture names the room's players, no one by name
