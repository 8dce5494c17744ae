"""The served app through its API, as README shows it (gradio_client): the named parameters, and a room."""

from __future__ import annotations

import re
import textwrap
import time
from pathlib import Path

import pytest
from conftest import form
from load import local_client
from test_lifetime import wait_until

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_example(marker: str = "room-example") -> str:
    """One of README's examples: the python block after its marker."""
    text = README.read_text(encoding="utf-8")
    block = re.search(rf"<!-- {marker} -->\s*```python\n(.*?)```", text, re.S)
    assert block, f"README has no example after its {marker} marker"
    return textwrap.dedent(block.group(1))  # indented under its list item


@pytest.mark.slow
def test_readmes_room_example_runs_against_a_served_app(served, capsys):
    url, _ctx = served
    code = readme_example().replace("http://127.0.0.1:7860/", url)
    code = code.replace('preset="quick-lstm"', 'preset="quick-lstm", epochs=3, max_chars=30000')  # a short run here
    exec(compile(code, "README.md (room example)", "exec"), {})
    printed = capsys.readouterr().out
    assert re.search(r"room [2-9A-HJKMNP-Z]{7}", printed), printed
    assert "Finished after 3 epochs" in printed, printed
    assert "room's model wrote: the time" in printed, printed


@pytest.mark.slow
def test_readmes_api_example_trains_follows_and_generates_by_name(served, capsys):
    url, _ctx = served
    code = readme_example("api-example").replace("http://127.0.0.1:7860/", url)
    code = code.replace('epochs=3,', 'epochs=2, max_chars=30000,')  # a shorter run here
    exec(compile(code, "README.md (API example)", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert "Finished after 2 epochs" in printed[-2] and printed[-1].startswith("the time traveller"), printed[-3:]


@pytest.mark.slow
def test_the_room_api_refuses_what_it_must_and_loses_nothing(served, capfd):
    url, _ctx = served
    owner, follower = local_client(url), local_client(url)
    with pytest.raises(Exception, match="There is no run to share yet"):
        owner.predict(api_name="/share_run")
    run = owner.submit(*form(max_chars=60000, epochs=6, hidden=48), api_name="/train")
    deadline = time.monotonic() + 60
    while not run.outputs() and time.monotonic() < deadline:
        time.sleep(0.2)
    code = owner.predict(api_name="/share_run")[0]
    assert owner.predict(api_name="/share_run")[0] == code  # a second room from one owner: the same one
    for bad, said in (("nope", "is not a room code"), ("ABCDEFG", "There is no room ABCDEFG")):
        with pytest.raises(Exception, match=said):
            follower.predict(bad, api_name="/watch")
    watching = follower.submit(code.lower(), api_name="/watch")
    while not watching.outputs() and time.monotonic() < deadline:
        time.sleep(0.2)
    follower.predict(api_name="/stop")  # a follower's Stop: nothing happens to the owner's run
    with pytest.raises(Exception, match="Only the owner"):
        follower.predict(api_name="/close_room")
    final = run.result()
    assert "Finished after 6 epochs" in final[1]
    wait_until(lambda: watching.outputs()[-1][2] == final[1], 10)  # the owner's last update reaches the follower
    assert watching.outputs()[-1][2] == final[1] and not watching.done()  # the room stays open for its next run
    owner.predict(api_name="/close_room")
    deadline = time.monotonic() + 10
    while not watching.done() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert watching.done() and "is closed" in watching.outputs()[-1][0]
    with pytest.raises(Exception, match="was closed by its owner"):
        follower.predict(code, api_name="/watch")
    text, _ = follower.predict("the ", 30, 0.0, 0, 1.0, 0, 1, api_name="/generate")  # the room's last model stays
    assert len(text) == 34
    # Each refusal above was a visitor's mistake, said to them: none is a traceback in the server's log.
    assert "Traceback" not in capfd.readouterr().err
