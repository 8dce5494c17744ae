"""A catalogue of bad inputs and faults, walked through the library, the CLI and the app's handlers.

Each entry asserts the message a person sees (what was wrong, the limit, what to do) and that nothing
was lost: the visitor's current model and runs, and the files on disk. To list every entry with the
message a person sees: ``CHARLM_CATALOGUE_REPORT=report.md python -m pytest tests/test_catalogue.py``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import http.server
import os
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import pytest
import safetensors.torch
import torch

from charlm import CharLM, CharLMConfig, Vocab, corpora
from charlm.cli import main
from charlm.corpora import corpus_from_bytes
from charlm.distributed import Group
from charlm.errors import CharLMError
from charlm.i18n import speaking
from charlm.memory import connectivity
from charlm.train import TrainConfig
from charlm.ui import generate_tab, inspect_tab, models_tab, train_tab
from charlm.ui.common import AppContext, RunSummary, Session
from charlm.ui.train_tab import OWN_TEXT

VOCAB = Vocab.build("the time traveller (for so it will be convenient to speak of him)")
TRAIN = dict(cell="gru", layers=1, hidden=16, bidirectional=False, dropout=0.0, embedding=0, engine="auto", epochs=1,
             batch_size=8, num_steps=16, sampling="sequential", optimizer="adam", lr=1e-2, clip=1.0, seed=0,
             keep="best")  # fmt: skip


@dataclass
class World:
    """What a failure must leave alone: a visitor's session with a model and a run, a checkpoint on disk."""

    session: Session
    checkpoint: Path
    shared: Path
    ctx: AppContext  # the app's context, this test's own copy


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def world(tmp_path, shared, monkeypatch, ctx):
    return make_world(tmp_path, shared, monkeypatch, ctx)


def make_world(tmp_path: Path, shared: Path, monkeypatch, ctx: AppContext) -> World:
    monkeypatch.setenv("CHARLM_DATA_DIR", str(shared))
    monkeypatch.setenv("CHARLM_CACHE_DIR", str(tmp_path / "cache"))
    model = CharLM.seeded(CharLMConfig(vocab=list(VOCAB.tokens), cell="lstm", hidden_size=8), seed=1)
    run = RunSummary("1. LSTM 1×8", [{"epoch": 1, "train_perplexity": 9.0, "valid_perplexity": 9.5}], 100, 1.0, 9.5, 1.0)
    session = Session(model=model, model_name="kept", runs=[run])
    checkpoint = tmp_path / "ckpt"
    model.save_pretrained(checkpoint)
    return World(session, checkpoint, shared, ctx)


def train(w: World, **overrides):
    options = {**TRAIN, **overrides}
    corpus = options.pop("corpus", "timemachine")
    upload, pasted, max_chars = options.pop("upload", None), options.pop("pasted", ""), options.pop("max_chars", 5000)
    values = [None, corpus, "raw", max_chars, upload, pasted, *options.values()]
    return list(train_tab.train(w.ctx, None, w.session, *values))


def generate(w: World, prefix="the ", length=20, temperature=1.0, top_k=0, top_p=1.0, seed=0, samples=1):
    return list(generate_tab.generate(w.ctx, w.session, prefix, length, temperature, top_k, top_p, seed, samples))[-1]


def damaged(w: World, how: str) -> Path:
    """A copy of the world's checkpoint, damaged one way."""
    folder = w.checkpoint.parent / f"damaged-{how}"
    folder.mkdir()
    for f in w.checkpoint.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    weights = folder / "model.safetensors"
    if how == "truncated":
        weights.write_bytes(weights.read_bytes()[:-64])
    elif how == "corrupt":
        data = bytearray(weights.read_bytes())
        data[:8] = b"\xff" * 8  # the header length
        weights.write_bytes(bytes(data))
    elif how == "pickled":
        weights.unlink()
        torch.save(w.session.model.state_dict(), folder / "pytorch_model.bin")
    elif how == "mismatched":
        state = {k: v for k, v in safetensors.torch.load_file(weights).items() if "head" not in k}
        safetensors.torch.save_file(state, weights)
    return folder


class _HalfFile(http.server.BaseHTTPRequestHandler):
    """Promises The Time Machine's 178,979 bytes, sends 1,000 and hangs up."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "178979")
        self.end_headers()
        self.wfile.write(b"x" * 1000)
        self.wfile.flush()
        self.connection.close()

    def log_message(self, *args):
        pass


def download_from(port: int, monkeypatch) -> None:
    """Load The Time Machine with its URL pointed at 127.0.0.1:port, no data folder, and no copy of its own inside the
    package (as every other corpus: downloaded)."""
    monkeypatch.delenv("CHARLM_DATA_DIR", raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    url = f"http://127.0.0.1:{port}/timemachine.txt"
    spec = dataclasses.replace(corpora.CORPORA["timemachine"], url=url, embedded=False)
    monkeypatch.setitem(corpora.CORPORA, "timemachine", spec)
    corpora.load_corpus("timemachine")


def half_download(w: World, monkeypatch) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HalfFile)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        download_from(server.server_address[1], monkeypatch)
    finally:
        server.shutdown()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Entry:
    name: str
    act: Callable  # (world, monkeypatch, capsys) → None; raises, or prints, the message
    message: str  # a regex the message must match
    error: type = gr.Error  # what is raised; None: the message is printed or returned instead

    @property
    def in_app(self) -> bool:
        """Whether a person reads this message in the app: raised by a handler, or returned into a Markdown."""
        return self.error in (gr.Error, None)

def traced_then(w: World, act: Callable):
    """Inspect's trace of a short text with the world's model, then ``act``."""
    inspect_tab.run_trace(w.ctx, w.session, "the time traveller", 1, "forward", "h")
    return act()


class Printed(Exception):
    """What the CLI printed on its standard error for a bad input (it exits with 2; nothing is raised)."""


def _cli(argv):
    def act(w, mp, capsys):
        code = main(argv(w))
        err = capsys.readouterr().err
        assert code == 2 and "Traceback" not in err
        raise Printed(err.strip())

    return act


CATALOGUE = [
    # -- text a visitor brings
    Entry("empty upload", lambda w, mp, c: train(w, corpus=OWN_TEXT, upload=b""), "the uploaded file is empty \\(0 bytes\\)"),
    Entry("whitespace-only text", lambda w, mp, c: train(w, corpus=OWN_TEXT, pasted=" \n\t "), "holds only whitespace"),
    Entry("binary upload", lambda w, mp, c: train(w, corpus=OWN_TEXT, upload=b"\x89PNG\r\n\x1a\n\x00\x00\x00"), "looks like a binary file"),
    Entry("non-UTF-8 upload", lambda w, mp, c: train(w, corpus=OWN_TEXT, upload="café crème".encode("latin-1")), "not UTF-8 text: decoding failed at byte 3"),
    Entry("huge upload", lambda w, mp, c: (mp.setenv("CHARLM_MAX_UPLOAD_MB", "0.001"), train(w, corpus=OWN_TEXT, upload=b"a" * 5000)), "is 5.0 KB, over the limit of 1.0 KB"),
    Entry("one-character text", lambda w, mp, c: train(w, corpus=OWN_TEXT, pasted="a"), "has 1 character; a model needs at least 2"),
    Entry("corpus shorter than one batch", lambda w, mp, c: train(w, corpus=OWN_TEXT, pasted="hello world " * 20, batch_size=32, num_steps=35), "has 216 characters, but a batch of 32 × 35 steps needs at least 1,156"),
    # -- hyper-parameters
    Entry("hidden size 0", lambda w, mp, c: train(w, hidden=0), "hidden_size must be a whole number ≥ 1"),
    Entry("a million layers", lambda w, mp, c: train(w, layers=10**6), "would have .* parameters .* the limit is"),
    Entry("negative learning rate", lambda w, mp, c: train(w, lr=-1), "lr must be positive, not -1"),
    Entry("NaN learning rate", lambda w, mp, c: train(w, lr=float("nan")), "lr must be a number, not nan"),
    Entry("non-numeric epochs", lambda w, mp, c: train(w, epochs="ten"), "Epochs must be a number, not 'ten'"),
    Entry("fractional batch size", lambda w, mp, c: train(w, batch_size=2.5), "Batch size must be a whole number, not 2.5"),
    Entry("batch larger than the corpus", lambda w, mp, c: train(w, batch_size=1000), "has 4,500 characters, but a batch of 1000 × 16 steps needs at least 16,017"),
    Entry("model over the server's cap", lambda w, mp, c: train(w, hidden=4096), "4096 hidden units is over this server's cap of 512"),
    Entry("minibatch over the server's cap", lambda w, mp, c: train(w, batch_size=2000), "a minibatch of 2000 × 16 = 32,000 characters .* is over this server's cap of 16,384"),
    Entry("a precision torch cannot train in", lambda w, mp, c: TrainConfig(precision="float16"), "precision must be one of float32, bfloat16, auto, not 'float16'", error=CharLMError),
    Entry("DropConnect of 1 or more", lambda w, mp, c: CharLMConfig(vocab=list(VOCAB.tokens), weight_drop=1.5), "weight_drop must be a probability in \\[0, 1\\), not 1.5", error=CharLMError),
    Entry("keep neither best nor last", lambda w, mp, c: train(w, keep="worst"), "keep must be one of best, last, not 'worst'"),
    Entry("compiling the naive engine", lambda w, mp, c: TrainConfig(compile=True, engine="naive"), "the naive one is there to be slow. Use engine 'scratch' or 'auto' with compile", error=CharLMError),
    Entry("compiling the fused engine", lambda w, mp, c: TrainConfig(compile=True, engine="fused"), "compile applies to the scratch engine's time loop; the fused engine is one kernel already", error=CharLMError),
    Entry("validating on one character", lambda w, mp, c: TrainConfig(valid_chars=1), "valid_chars must be 0 \\(the whole validation split\\) or at least 2 characters", error=CharLMError),
    Entry("more processes than batch rows", lambda w, mp, c: Group(0, 3).rows(2), "3 processes cannot share a batch of 2 rows: each needs at least one. Use --batch-size 3 or more, or --nproc-per-node 2 or fewer", error=CharLMError),
    Entry("a vocabulary too large for a token file", lambda w, mp, c: Vocab(["<unk>", *map(chr, range(70_000))]).dtype, "a vocabulary of 70,001 characters is more than a token file holds \\(65,536\\)", error=CharLMError),
    # -- generation
    Entry("generate before any model", lambda w, mp, c: (setattr(w.ctx, "default_model", None), generate(World(Session(lang=w.session.lang), w.checkpoint, w.shared, w.ctx))), "no model yet: train one"),
    Entry("negative temperature", lambda w, mp, c: generate(w, temperature=-1), "temperature must be between 0 \\(greedy\\) and 100"),
    Entry("huge temperature", lambda w, mp, c: generate(w, temperature=1e9), "temperature must be between 0 \\(greedy\\) and 100"),
    Entry("top-p 0", lambda w, mp, c: generate(w, top_p=0), "top-p must be above 0 and at most 1"),
    Entry("top-p above 1", lambda w, mp, c: generate(w, top_p=1.5), "top-p must be above 0 and at most 1"),
    Entry("negative top-k", lambda w, mp, c: generate(w, top_k=-3), "top-k must be 0 \\(off\\)"),
    Entry("prefix with unknown characters", lambda w, mp, c: generate(w, prefix="Zé the"), "never saw: 'Z', 'é'.*read as <unk>", error=None),
    Entry("empty prefix", lambda w, mp, c: generate(w, prefix=""), "^$", error=None),  # the documented default: no note
    Entry("prefix over the server's cap", lambda w, mp, c: generate(w, prefix="a" * 1001), "a prefix of 1,001 characters is over this server's cap of 1,000"),
    Entry("temperature 0 is greedy, not an error", lambda w, mp, c: generate(w, temperature=0), "^$", error=None),
    Entry("top-k beyond the vocabulary is off, not an error", lambda w, mp, c: generate(w, top_k=10_000), "^$", error=None),
    # -- inspection
    Entry("inspect before any model", lambda w, mp, c: (setattr(w.ctx, "default_model", None), inspect_tab.run_trace(w.ctx, Session(lang=w.session.lang), "text", 1, "forward", "h")), "no model yet"),
    Entry("inspect empty text", lambda w, mp, c: inspect_tab.run_trace(w.ctx, w.session, "", 1, "forward", "h"), "no text to inspect: type or paste some"),
    Entry("inspected text with unknown characters", lambda w, mp, c: inspect_tab.run_trace(w.ctx, w.session, "the €uro", 1, "forward", "h")[0], "never saw, read as <unk>: '€'", error=None),
    Entry("switch a unit off before any trace", lambda w, mp, c: inspect_tab.switch_off(w.ctx, w.session, 1, "forward", "h", 0), "Trace a text first"),
    Entry("switch off a unit out of range", lambda w, mp, c: traced_then(w, lambda: inspect_tab.switch_off(w.ctx, w.session, 1, "forward", "h", 99)), "units are numbered 0 to 7 in each layer of this model, not 99"),
    Entry("switch off a unit in a layer the model lacks", lambda w, mp, c: traced_then(w, lambda: inspect_tab.switch_off(w.ctx, w.session, 3, "forward", "c", 0)), "this model has 1 layer: there is no layer 3"),
    Entry("switch off a reverse unit of a one-way model", lambda w, mp, c: traced_then(w, lambda: inspect_tab.switch_off(w.ctx, w.session, 1, "reverse", "h", 0)), "reads left to right only: it has no reverse direction"),
    Entry("connectivity of a one-character text", lambda w, mp, c: connectivity(w.session.model, "t"), "give at least two characters: the second is the first one a model predicts", error=CharLMError),
    Entry("connectivity of a text over the cap", lambda w, mp, c: connectivity(w.session.model, "the " * 300), "this text has 1,200 characters; at most 1,000 are measured at once", error=CharLMError),
    # -- checkpoints
    Entry("truncated checkpoint", lambda w, mp, c: CharLM.from_pretrained(damaged(w, "truncated")), "not a readable safetensors file .* truncated, corrupt", error=CharLMError),
    Entry("corrupt checkpoint", lambda w, mp, c: CharLM.from_pretrained(damaged(w, "corrupt")), "not a readable safetensors file", error=CharLMError),
    Entry("pickled checkpoint", lambda w, mp, c: CharLM.from_pretrained(damaged(w, "pickled")), "holds pickled weights only. charlm never loads pickles", error=CharLMError),
    Entry("mismatched checkpoint", lambda w, mp, c: CharLM.from_pretrained(damaged(w, "mismatched")), "does not match its config.json: missing head.weight", error=CharLMError),
    Entry("Hub id that does not exist, offline", lambda w, mp, c: models_tab.load_checkpoint(w.ctx, w.session, "", "nobody/no-such-model"), "not in the local cache: check the id and your connection"),
    Entry("path-traversal checkpoint name", lambda w, mp, c: models_tab.load_checkpoint(w.ctx, w.session, f"../../../../../..{w.checkpoint}", ""), "no pretrained checkpoint called"),
    # -- the session's controls
    Entry("Start clicked twice", lambda w, mp, c: (w.ctx.jobs.claim(w.session, "first tab"), train(w)), "already training in this session: stop it first"),
    # -- downloads
    Entry("corpus download that breaks off halfway", lambda w, mp, c: half_download(w, mp), "could not be downloaded .* broke off before the whole file arrived", error=CharLMError),
    Entry("corpus offline with nothing cached", lambda w, mp, c: download_from(closed_port(), mp), "could not be downloaded .* point CHARLM_DATA_DIR or --data-dir at it", error=CharLMError),
    # -- the command line
    Entry("CLI: nonsense option", _cli(lambda w: ["train", "--corpus", "timemachine", "--data-dir", str(w.shared), "--hidden", "0"]), "error: hidden_size must be a whole number ≥ 1", error=Printed),
    Entry("CLI: span with K longer than the text", _cli(lambda w: ["span", "--checkpoint", str(w.checkpoint), "--text", "the time", "--max-distance", "50"]), "the largest distance K = 50 is longer than the text allows: with 8 characters", error=Printed),
    Entry("CLI: corpus missing from the data folder", _cli(lambda w: ["train", "--corpus", "jaychou", "--data-dir", str(w.checkpoint)]), "should be the file jaychou_lyrics.txt.zip in", error=Printed),
]  # fmt: skip


def raw_message_of(entry: Entry, w: World, monkeypatch, capsys) -> str:
    """The message as the handler gives it: for the app, the Markdown or HTML its component renders."""
    if entry.error is None:
        result = entry.act(w, monkeypatch, capsys)
        return result[1] if isinstance(result, tuple) else str(result)
    with pytest.raises(entry.error) as caught:
        entry.act(w, monkeypatch, capsys)
    return str(caught.value.message if isinstance(caught.value, gr.Error) else caught.value)


def message_of(entry: Entry, w: World, monkeypatch, capsys) -> str:
    """The message as a person reads it (tests/test_browser.py checks the app's as Chromium renders them)."""
    raw = raw_message_of(entry, w, monkeypatch, capsys)
    return html.unescape(raw) if entry.in_app else raw


def test_the_catalogue_has_at_least_25_entries():
    assert len(CATALOGUE) >= 25


def checked_message_of(entry: Entry, w: World, monkeypatch, capsys) -> str:
    """The entry's message, after checking that nothing was lost: the same model with the same weights, the same
    runs, the checkpoint untouched."""
    model, runs = w.session.model, list(w.session.runs)
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    files = _digest(w.checkpoint)
    message = message_of(entry, w, monkeypatch, capsys)
    assert w.session.model is model and w.session.runs == runs
    assert all(torch.equal(v, weights[k]) for k, v in model.state_dict().items())
    assert _digest(w.checkpoint) == files
    assert not w.ctx.jobs.of(w.session) or entry.name == "Start clicked twice"
    return message


@pytest.mark.parametrize("entry", CATALOGUE, ids=[e.name for e in CATALOGUE])
@pytest.mark.slow
def test_entry(entry: Entry, world: World, monkeypatch, capsys):
    message = checked_message_of(entry, world, monkeypatch, capsys)
    assert re.search(entry.message, message, re.S), message
    if os.environ.get("CHARLM_CATALOGUE_REPORT"):  # a list of every entry and its message
        with open(os.environ["CHARLM_CATALOGUE_REPORT"], "a", encoding="utf-8") as report:
            report.write(f"- **{entry.name}**: {message.strip() or '(no error: it works)'}\n")


CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.mark.parametrize("entry", CATALOGUE, ids=[e.name for e in CATALOGUE])
@pytest.mark.slow
def test_entry_in_chinese(entry: Entry, world: World, monkeypatch, capsys):
    """The same bad input from a reader of Chinese (a visitor whose page is in Chinese; a terminal whose LANG is
    zh_CN): the message is theirs, and again nothing is lost."""
    world.session.lang = "zh"
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    with speaking("zh"):
        message = checked_message_of(entry, world, monkeypatch, capsys)
    if entry.message == "^$":  # no error in either language
        assert message == ""
    else:
        assert CJK.search(message), f"{entry.name}: {message!r}"
        with speaking("en"):
            assert not re.search(entry.message, message, re.S), f"{entry.name} is still in English: {message!r}"


def test_stop_with_nothing_running_changes_nothing(world):
    class Request:
        session_hash = "nobody"

    train_tab.stop(world.ctx, Request(), world.session)  # the visitor sees "Nothing is training in this session."
    assert world.session.model is not None and not world.ctx.jobs


def test_a_diverging_loss_keeps_the_last_good_weights(world):
    """The loss turns NaN part-way (a poisoned head): the run ends with advice and usable weights."""
    from charlm.data import Dataset
    from charlm.train import TrainConfig, Trainer

    data = Dataset.from_text("the cat sat on the mat. " * 80)
    model = CharLM(CharLMConfig(vocab=list(data.vocab.tokens), hidden_size=8))
    calls = {"n": 0}

    def poison(module, inputs, output):
        calls["n"] += 1
        return output * float("nan") if module.training and calls["n"] > 12 else output

    model.head.register_forward_hook(poison)
    finished = list(Trainer(model, data, TrainConfig(epochs=5, batch_size=4, num_steps=10)).run())[-1]
    assert finished.reason == "diverged" and "Lower the learning rate" in str(finished.message)
    assert all(torch.isfinite(p).all() for p in model.parameters())


@pytest.mark.slow
def test_a_half_download_leaves_nothing_in_the_cache(world, monkeypatch, tmp_path):
    with pytest.raises(CharLMError):
        half_download(world, monkeypatch)
    cache = tmp_path / "cache"
    assert not cache.exists() or not any(cache.iterdir())


def test_upload_refusals_name_the_problem_directly():
    with pytest.raises(CharLMError, match="is empty"):
        corpus_from_bytes(b"", "notes.txt")


# -- every message of the app's, as Chromium renders it ---------------------------------------------------------------


def _readable(text: str) -> str:
    """Text as a person reads it, whitespace and Markdown emphasis aside."""
    return " ".join(text.replace("**", "").split())


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_app_message_reads_whole_in_the_browser(browser, tmp_path, shared, ctx, capsys, lang):
    """Each catalogue entry the app shows is put through the component that shows it (an error toast, or the
    Markdown under Generate and Inspect) in Chromium, in English and in Chinese: the text on the page is the whole
    message, "<unk>" included."""
    from conftest import free_port

    shown = []  # (entry, the handler's string)
    for k, entry in enumerate(e for e in CATALOGUE if e.in_app):
        with pytest.MonkeyPatch.context() as mp, speaking(lang):
            folder = tmp_path / str(k)
            folder.mkdir()
            w = make_world(folder, shared, mp, dataclasses.replace(ctx, default_model=ctx.default_model))
            w.session.lang = lang
            shown.append((entry, raw_message_of(entry, w, mp, capsys)))

    def show(index: float):
        entry, raw = shown[int(index)]
        if entry.error is gr.Error:
            raise gr.Error(f"entry {int(index)}: {raw}")
        return f"entry {int(index)}:\n\n{raw}"  # the number tells this answer from the last

    with gr.Blocks() as page_app:
        index = gr.Number(0, label="entry")
        go = gr.Button("show")
        note = gr.Markdown(elem_id="note")
        go.click(show, index, note, show_progress="hidden")
    port = free_port()
    page_app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        for k, (entry, raw) in enumerate(shown):
            box = page.get_by_role("spinbutton", name="entry")
            box.fill(str(k))
            box.press("Tab")
            page.get_by_role("button", name="show").click()
            if entry.error is gr.Error:
                # This entry's toast, told from the last one's (still fading out, 0.27 s) by its number.
                toast = page.locator(".toast-body", has_text=f"entry {k}:")
                toast.wait_for(timeout=10_000)
                seen = toast.inner_text().removeprefix("Error").strip().removeprefix("×").strip()
                seen = seen.removeprefix(f"entry {k}:")
                toast.locator(".toast-close").click()
            else:
                page.wait_for_function("([k]) => document.querySelector('#note').innerText.startsWith(`entry ${k}:`)",
                                       arg=[k], timeout=10_000)  # fmt: skip
                seen = page.locator("#note").inner_text().removeprefix(f"entry {k}:")
            assert _readable(seen) == _readable(html.unescape(raw)), entry.name
            if lang == "en":
                assert re.search(entry.message, _readable(seen), re.S), (entry.name, seen)
            elif entry.message != "^$":
                assert CJK.search(seen), (entry.name, seen)
        assert sum("<unk>" in _readable(html.unescape(raw)) for _e, raw in shown) >= 2  # the case that once vanished
    finally:
        page_app.close()
