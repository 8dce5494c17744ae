"""A checkpoint named by a Hub id, against a stand-in for the Hugging Face Hub on 127.0.0.1: its config comes first and
is held to the caps before any weights come down, and a weights file larger than its config's model can fill is
refused from its size alone. huggingface_hub asks the Hub for a file's metadata (HEAD on its resolve address: the
commit, the ETag, the size) before it downloads it (GET); the stand-in answers both, and writes down every request."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import torch
from huggingface_hub import constants

from charlm import CharLM, CharLMConfig, Vocab
from charlm.errors import CharLMError, CheckpointError
from charlm.limits import Limits

COMMIT = "c0ffee" * 6 + "c0ff"  # 40 hex digits: the commit the stand-in says each file is at


class StandInHub(ThreadingHTTPServer):
    """Serves ``root/<owner>/<name>/<file>`` at ``/<owner>/<name>/resolve/<revision>/<file>``, as the Hub does."""

    def __init__(self, root: Path):
        super().__init__(("127.0.0.1", 0), Handler)
        self.root, self.requests = root, []
        self.endpoint = f"http://127.0.0.1:{self.server_address[1]}"

    def fetched(self, method: str) -> list[str]:
        return [path.rsplit("/", 1)[-1] for m, path in self.requests if m == method]


class Handler(BaseHTTPRequestHandler):
    server: StandInHub

    def _file(self) -> Path | None:
        parts = self.path.split("?")[0].strip("/").split("/")
        if len(parts) != 5 or parts[2] != "resolve":
            return None
        path = self.server.root / parts[0] / parts[1] / parts[4]
        return path if path.is_file() else None

    def _answer(self, body: bool) -> None:
        self.server.requests.append((self.command, self.path))
        path = self._file()
        if path is None:
            self.send_response(404)
            self.send_header("X-Error-Code", "EntryNotFound")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("X-Repo-Commit", COMMIT)
        self.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def do_HEAD(self):
        self._answer(body=False)

    def do_GET(self):
        self._answer(body=True)

    def log_message(self, *args):  # quiet
        pass


def tiny_model() -> CharLM:
    torch.manual_seed(0)
    return CharLM(CharLMConfig(vocab=Vocab.build("the time machine").tokens, cell="gru", hidden_size=8))


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """The stand-in, online (the tests run with HF_HUB_OFFLINE=1), with three repositories: a small model, one whose
    config is far beyond the caps, and one whose weights file is padded past what its config can fill."""
    root = tmp_path / "hub"
    tiny_model().save_pretrained(root / "team" / "small")
    huge = root / "team" / "huge"
    shutil.copytree(root / "team" / "small", huge)
    config = json.loads((huge / "config.json").read_text())
    (huge / "config.json").write_text(json.dumps({**config, "hidden_size": 2048, "num_layers": 2}))
    padded = root / "team" / "padded"
    shutil.copytree(root / "team" / "small", padded)
    with open(padded / "model.safetensors", "ab") as f:
        f.write(b"\0" * (2 << 20))  # 2 MiB more than 8 hidden units need
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    server = StandInHub(root)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()  # shutdown waits a poll
    yield server
    server.shutdown()
    server.server_close()


def load(hub: StandInHub, repo: str, tmp_path: Path, **options) -> CharLM:
    return CharLM.from_pretrained(repo, endpoint=hub.endpoint, cache_dir=tmp_path / "cache", **options)


def test_a_hub_model_within_the_caps_loads(hub, tmp_path):
    model = load(hub, "team/small", tmp_path, check=Limits().check_model)
    expected = tiny_model().state_dict()
    assert all(torch.equal(model.state_dict()[k], v) for k, v in expected.items())
    assert hub.fetched("GET") == ["config.json", "model.safetensors"]


@pytest.mark.parametrize("lang, words", [("en", "hidden units"), ("zh", "隐藏单元")])
def test_a_config_beyond_the_caps_is_refused_before_any_weights_come_down(hub, tmp_path, lang, words):
    with pytest.raises(CharLMError) as e:
        load(hub, "team/huge", tmp_path, check=Limits().check_model)
    assert e.value.message.id == "errors.cap_hidden" and words in e.value.render(lang), e.value.render(lang)
    assert "model.safetensors" not in hub.fetched("GET") + hub.fetched("HEAD")  # not even asked about
    assert not list((tmp_path / "cache").rglob("model.safetensors"))


@pytest.mark.parametrize("lang, words", [("en", "more than a model of"), ("zh", "超过了")])
def test_a_weights_file_larger_than_its_config_implies_is_refused_from_its_size(hub, tmp_path, lang, words):
    with pytest.raises(CheckpointError) as e:
        load(hub, "team/padded", tmp_path, check=Limits().check_model)
    assert e.value.message.id == "model.weights_too_large" and words in e.value.render(lang)
    assert "model.safetensors" in hub.fetched("HEAD") and "model.safetensors" not in hub.fetched("GET")


def test_a_padded_weights_file_on_disk_is_refused_before_it_is_read(hub, tmp_path):
    """Offline, or a folder: no metadata to ask, the file's size on disk says it."""
    with pytest.raises(CheckpointError, match="more than a model of"):
        CharLM.from_pretrained(hub.root / "team" / "padded")


def test_the_models_tab_holds_a_hub_id_to_the_servers_caps(hub, tmp_path, ctx, monkeypatch):
    """The app's own path: the Models tab's Load with a Hub id, on a server whose caps the huge config exceeds."""
    import gradio as gr

    from charlm.ui import models_tab
    from charlm.ui.common import Session

    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", hub.endpoint + "/{repo_id}/resolve/{revision}/{filename}")
    monkeypatch.setattr(constants, "ENDPOINT", hub.endpoint)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "cache"))
    session = Session(lang="zh")
    with pytest.raises(gr.Error, match="隐藏单元"):
        models_tab.load_checkpoint(ctx, session, None, "team/huge")
    assert session.model is None and "model.safetensors" not in hub.fetched("GET")
    line, _card = models_tab.load_checkpoint(ctx, session, None, "team/small")
    assert "team/small" in line and session.model.config.hidden_size == 8
