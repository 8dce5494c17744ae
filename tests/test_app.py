"""The app's handlers, called directly, and the app served on a free local port."""

import socket

import pytest

import app


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm", "peephole"])
def test_describe_cell_shows_the_real_step_and_parameters(cell):
    summary, code, rows = app.describe_cell(cell, 28, 256, 2, True)
    assert code.lstrip().startswith("def step(") and "return" in code
    gates = {"rnn": 1, "gru": 3, "lstm": 4, "peephole": 4}[cell]
    assert ["weight_ih_l1_reverse", f"{gates * 256} × 512", gates * 256 * 512] in rows
    total = sum(r[2] for r in rows)
    assert f"**{total:,} parameters**" in summary
    assert ("scratch only" in summary) == (cell == "peephole")


def test_the_app_serves_and_answers_through_gradio_client():
    from gradio_client import Client

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo = app.build_demo()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        summary, code, _table = client.predict("gru", 28, 8, 1, False, api_name="/describe_cell")
        assert "GRU" in summary and "torch.lerp" in code
    finally:
        demo.close()
