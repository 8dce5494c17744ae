"""The corpora: the four named ones from the shared reference copies, downloads through a local HTTP
server (cache, checksum, broken and refused connections), the data folder, and the user's own text."""

import dataclasses
import http.server
import re
import socket
import threading
import zipfile
from pathlib import Path

import pytest

from charlm import corpora
from charlm.corpora import (
    CORPORA,
    RECIPE_NAMES,
    cache_dir,
    corpus_from_bytes,
    corpus_from_file,
    corpus_from_text,
    data_dir,
    describe,
    fetch,
    load_corpus,
    preprocessing,
    recipe_note,
    title_msg,
)
from charlm.errors import CharLMError, CorpusError
from charlm.i18n import speaking


@pytest.fixture(autouse=True)
def _no_charlm_env(monkeypatch, tmp_path):
    """No test reads the developer's data folder, cache or upload cap by accident."""
    for var in ("CHARLM_DATA_DIR", "CHARLM_MAX_UPLOAD_MB"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CHARLM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


# ---- the named corpora, from the reference copies --------------------------------------------------------------------


def test_timemachine_d2l_is_the_books_corpus(shared):
    corpus = load_corpus("timemachine", "d2l", data_dir=shared)
    assert len(corpus.text) == 173_428
    assert sorted(set(corpus.text)) == [" ", *"abcdefghijklmnopqrstuvwxyz"]
    # The d2l book's own code (d2l.ai 1.0, TimeMachine._preprocess) on the whole file.
    with open(shared / "timemachine.txt") as f:
        assert corpus.text == re.sub("[^A-Za-z]+", " ", f.read()).lower()
    assert corpus.text.startswith("the time machine by h g wells i the time traveller")
    assert "  " not in corpus.text and " along the time dimension " in corpus.text  # a line break is a space
    assert describe(corpus) == "The Time Machine (H. G. Wells): 173,428 characters, 27 distinct"
    assert (corpus.name, corpus.recipe, corpus.source) == ("timemachine", "d2l", CORPORA["timemachine"].url)


def test_timemachine_d2l_017_is_the_older_editions_corpus(shared):
    corpus = load_corpus("timemachine", "d2l-0.17", data_dir=shared)
    assert len(corpus.text) == 170_580
    assert sorted(set(corpus.text)) == [" ", *"abcdefghijklmnopqrstuvwxyz"]
    # The 0.17 edition's own code: read_time_machine, tokenize(lines, "char"), then flatten.
    with open(shared / "timemachine.txt") as f:
        lines = [re.sub("[^A-Za-z]+", " ", line).strip().lower() for line in f.readlines()]
    assert corpus.text == "".join(ch for line in lines for ch in list(line))
    assert " alongthe time dimension" in corpus.text  # the words at a line break run together
    assert corpus.recipe == "d2l-0.17"


def test_each_recipe_says_what_it_does(shared):
    assert preprocessing(load_corpus("timemachine", "d2l", data_dir=shared)) == (
        "d2l preprocessing: as in d2l.ai 1.0, lower-case letters and one space for each run of anything else"
    )
    assert "words at line ends are glued" in preprocessing(load_corpus("timemachine", "d2l-0.17", data_dir=shared))
    assert preprocessing(load_corpus("moliere", data_dir=shared)) == "raw characters"
    assert preprocessing(corpus_from_text("my own notes")) == "raw characters"
    assert set(corpora.RECIPE_NOTES) == set(corpora.RECIPES)  # every recipe explained


def test_timemachine_raw(shared):
    corpus = load_corpus("timemachine", data_dir=shared)
    assert corpus.recipe == "raw"
    assert corpus.text == (shared / "timemachine.txt").read_text(encoding="utf-8")
    assert corpus.text.startswith("The Time Machine, by H. G. Wells")


def test_jaychou_d2l_is_the_chinese_books_corpus(shared):
    corpus = load_corpus("jaychou", "d2l", data_dir=shared)
    assert len(corpus.text) == 10_000
    assert "\n" not in corpus.text and "\r" not in corpus.text
    with zipfile.ZipFile(shared / "jaychou_lyrics.txt.zip") as zin, zin.open("jaychou_lyrics.txt") as f:
        book = f.read().decode("utf-8")
    assert corpus.text == book.replace("\n", " ").replace("\r", " ")[:10000]
    raw = load_corpus("jaychou", data_dir=shared)
    assert len(raw.text) == 63_282 and raw.text.startswith("想要有直升机\n")


def test_moliere_raw_has_no_bom_and_no_carriage_return(shared):
    corpus = load_corpus("moliere", data_dir=shared)
    raw = (shared / "moliere.txt").read_bytes().decode("utf-8")
    assert raw.count("\ufeff") == 3 and "\r\n" in raw  # what there was to clean
    assert "\ufeff" not in corpus.text and "\r" not in corpus.text
    assert len(corpus.text) == 1_664_814
    assert corpus.text.startswith("OEUVRES COMPLÈTES\nDE MOLIÈRE\n")


def test_tinyshakespeare_raw_has_65_characters(shared):
    corpus = load_corpus("tinyshakespeare", data_dir=shared)
    assert len(set(corpus.text)) == 65
    assert len(corpus.text) == 1_115_394


def test_the_env_var_names_the_data_folder(shared, monkeypatch):
    monkeypatch.setenv("CHARLM_DATA_DIR", str(shared))
    assert data_dir() == shared
    assert data_dir("/elsewhere") == Path("/elsewhere")  # the argument wins
    assert fetch("tinyshakespeare") == shared / "tinyshakespeare.txt"
    monkeypatch.delenv("CHARLM_DATA_DIR")
    assert data_dir() is None


def test_cache_dir(monkeypatch, tmp_path):
    assert cache_dir() == tmp_path / "cache"
    monkeypatch.delenv("CHARLM_CACHE_DIR")
    assert "charlm" in str(cache_dir())


def test_registry_is_consistent():
    assert set(CORPORA) == {"timemachine", "jaychou", "moliere", "tinyshakespeare"}
    for name, spec in CORPORA.items():
        assert spec.name == name and spec.recipes[0] == "raw"
        assert re.fullmatch("[0-9a-f]{64}", spec.sha256) and spec.url.startswith("http")
    assert CORPORA["timemachine"].recipes == ("raw", "d2l", "d2l-0.17")
    assert CORPORA["jaychou"].recipes == ("raw", "d2l")
    assert RECIPE_NAMES == ("raw", "d2l", "d2l-0.17")


def test_titles_notes_and_recipes_speak_both_languages_their_english_unchanged(shared):
    for spec in CORPORA.values():
        assert spec.title_msg.render("en") == spec.title and spec.note_msg.render("en") == spec.note
        assert spec.title_msg.render("zh") != spec.title and spec.note_msg.render("zh") != spec.note
    for (name, recipe), note in corpora.RECIPE_NOTES.items():
        assert recipe_note(name, recipe).render("en") == note and recipe_note(name, recipe).render("zh") != note
    assert recipe_note("timemachine", "raw") is None and recipe_note("moliere", "d2l") is None
    assert title_msg("custom", "Your text").render("zh") == "你的文本"
    assert title_msg("jaychou", "an older title") == "an older title"  # a title the registry no longer has: as it is
    corpus = load_corpus("timemachine", "d2l", data_dir=shared)
    assert corpus.title == "The Time Machine (H. G. Wells)"  # what a checkpoint records stays English
    with speaking("zh"):
        assert describe(corpus) == "《时间机器》（The Time Machine，H. G. 威尔斯）：173,428 个字符，27 种不同字符"
        assert preprocessing(corpus).startswith("d2l 预处理：与 d2l.ai 1.0 相同，")
        assert preprocessing(corpus_from_text("abca")) == "原始字符"
        assert describe(corpus_from_text("abca")) == "你的文本：4 个字符，3 种不同字符"


def test_an_error_about_the_users_text_reads_in_chinese_too():
    with pytest.raises(CorpusError) as info:
        corpus_from_bytes(b"", "notes.txt")
    assert info.value.render("zh") == "文件“notes.txt”是空的（0 字节）。请提供一些用来训练的文本。"
    with pytest.raises(CorpusError) as info:
        corpus_from_text("x" * 30, max_chars=25)
    assert info.value.render("zh") == "粘贴的文本共 30 个字符，超过了上限 25 个字符。请换一段更短的文本，或提高上限。"


def test_unknown_name_and_recipe(shared):
    with pytest.raises(CorpusError, match="no corpus named 'shakespeare'.*timemachine, jaychou, moliere"):
        load_corpus("shakespeare", data_dir=shared)
    with pytest.raises(CorpusError, match="'moliere' has no recipe 'd2l'. It offers: raw"):
        load_corpus("moliere", "d2l", data_dir=shared)
    assert issubclass(CorpusError, CharLMError)


# ---- the data folder ------------------------------------------------------------------------------------------------


def test_data_dir_missing_file(tmp_path):
    with pytest.raises(CorpusError) as info:
        load_corpus("timemachine", data_dir=tmp_path)
    message = str(info.value)
    assert "timemachine.txt" in message and str(tmp_path) in message
    assert "CHARLM_DATA_DIR" in message and "--data-dir" in message
    with pytest.raises(CorpusError, match="that folder does not exist"):
        fetch("timemachine", data_dir=tmp_path / "nowhere")


def test_data_dir_checksum_mismatch(tmp_path, monkeypatch):
    (tmp_path / "timemachine.txt").write_text("The Time Machine, abridged.\n")
    expected = CORPORA["timemachine"].sha256
    actual = corpora.sha256_of(tmp_path / "timemachine.txt")
    monkeypatch.setenv("CHARLM_DATA_DIR", str(tmp_path))
    with pytest.raises(CorpusError, match=f"does not match the SHA-256.*expected {expected}, got {actual}"):
        load_corpus("timemachine")


# ---- downloads, from a local server ---------------------------------------------------------------------------------


class _Server:
    """A local HTTP server for one file; ``mode`` says how it answers, ``hits`` counts the requests."""

    def __init__(self, body: bytes):
        self.body, self.mode, self.hits = body, "ok", 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.hits += 1
                if server.mode == "404":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                if server.mode == "truncate":  # promise the whole file, send half, hang up
                    self.wfile.write(server.body[: len(server.body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(server.body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/timemachine.txt"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def server(shared):
    server = _Server((shared / "timemachine.txt").read_bytes())
    yield server
    server.close()


@pytest.fixture
def served(server, monkeypatch, tmp_path):
    """The timemachine spec pointed at the local server, a fresh cache folder, no data folder, and no copy of its own
    in the package (as every other corpus: downloaded)."""
    server.mode, server.hits = "ok", 0
    monkeypatch.setitem(CORPORA, "timemachine", dataclasses.replace(CORPORA["timemachine"], url=server.url, embedded=False))
    return server


def _cached(tmp_path) -> list[str]:
    folder = tmp_path / "cache"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_download_then_the_cache(served, tmp_path):
    corpus = load_corpus("timemachine", "d2l")
    assert len(corpus.text) == 173_428 and corpus.source == served.url
    assert served.hits == 1
    assert _cached(tmp_path) == ["timemachine.txt"]
    again = load_corpus("timemachine", "d2l")
    assert again.text == corpus.text
    assert served.hits == 1  # read from the cache: no second request


def test_download_with_wrong_checksum_is_refused_and_not_cached(served, monkeypatch, tmp_path):
    wrong, actual = "0" * 64, CORPORA["timemachine"].sha256  # the served file is the real one
    monkeypatch.setitem(CORPORA, "timemachine", dataclasses.replace(CORPORA["timemachine"], sha256=wrong))
    with pytest.raises(CorpusError, match=f"does not match its SHA-256: expected {wrong}, got {actual}"):
        fetch("timemachine")
    assert served.hits == 1
    assert _cached(tmp_path) == []


def test_download_cut_short_leaves_no_partial_file(served, tmp_path):
    served.mode = "truncate"
    with pytest.raises(CorpusError, match="could not be downloaded from .*broke off.*CHARLM_DATA_DIR"):
        fetch("timemachine")
    assert served.hits == 1
    assert _cached(tmp_path) == []


def test_download_http_error(served, tmp_path):
    served.mode = "404"
    with pytest.raises(CorpusError, match="could not be downloaded .*HTTP 404.*CHARLM_DATA_DIR or --data-dir"):
        fetch("timemachine")
    assert _cached(tmp_path) == []


def test_download_connection_refused(monkeypatch, tmp_path):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/timemachine.txt"
    monkeypatch.setitem(CORPORA, "timemachine", dataclasses.replace(CORPORA["timemachine"], url=url, embedded=False))
    with pytest.raises(CorpusError) as info:
        load_corpus("timemachine")
    message = str(info.value)
    assert f"could not be downloaded from {url}" in message
    assert "Connect to the internet" in message and "CHARLM_DATA_DIR" in message and "timemachine.txt" in message
    assert _cached(tmp_path) == []


# ---- the user's text ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, match",
    [
        (b"", "upload is empty"),
        (b" \n\t\r\n  ", "only whitespace"),
        (b"\xef\xbb\xbf", "upload is empty"),  # a BOM and nothing else
        (b"a", "1 character; a model needs at least 2"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "NUL bytes: it looks like a binary file"),
        (b"ab\x01\x02\x03\x1b[0m" + b"x" * 20, "control characters .*looks like a binary file"),
        ("Le théâtre de Molière".encode("cp1252"), "not UTF-8 text: decoding failed at byte 5 \\(0xe9\\).*UTF-8"),
        ("Bonjour".encode("utf-16"), "UTF-16.*UTF-8"),
    ],
)
def test_uploads_refused(data, match):
    with pytest.raises(CorpusError, match=match):
        corpus_from_bytes(data)


@pytest.mark.parametrize("as_bytes", [False, True], ids=["pasted", "uploaded"])
def test_control_characters_refused_just_past_a_tenth_and_counted_whole(as_bytes):
    """A text passes with a tenth of its characters control characters (every one of them, besides the NUL, which
    is refused alone), and is refused with one more; the message counts them all."""
    controls = corpora.CONTROLS[1:] * 3  # 84: each of \x01 … \x1f and \x7f, three times
    passes = "a" * (10 * len(controls) - len(controls)) + controls  # 840 characters, a tenth of them controls
    refused = passes[1:] + "\x7f"  # the same length, one more control
    make = (lambda t: corpus_from_bytes(t.encode("ascii"))) if as_bytes else corpus_from_text
    assert make(passes).text.endswith("\x7f")
    with pytest.raises(CorpusError, match="85 of the 840 .* are control characters"):
        make(refused)


def test_upload_size_cap(monkeypatch):
    with pytest.raises(CorpusError, match="notes.txt is 20 bytes, over the limit of 10 bytes"):
        corpus_from_bytes(b"x" * 20, "notes.txt", max_bytes=10)
    monkeypatch.setenv("CHARLM_MAX_UPLOAD_MB", "0.001")
    with pytest.raises(CorpusError, match="is 2.0 KB, over the limit of 1.0 KB.*CHARLM_MAX_UPLOAD_MB"):
        corpus_from_bytes(b"x" * 2000)
    with pytest.raises(CorpusError, match="pasted text is 2.0 KB, over the limit of 1.0 KB"):
        corpus_from_text("x" * 2000)
    assert corpus_from_bytes(b"x" * 1000).text == "x" * 1000
    monkeypatch.setenv("CHARLM_MAX_UPLOAD_MB", "lots")
    with pytest.raises(CorpusError, match="CHARLM_MAX_UPLOAD_MB must be a number of megabytes above 0"):
        corpus_from_bytes(b"hello")
    monkeypatch.delenv("CHARLM_MAX_UPLOAD_MB")
    assert corpora.max_upload_bytes() == 5_000_000
    with pytest.raises(CorpusError, match="pasted text is 30 characters, over the limit of 25 characters"):
        corpus_from_text("x" * 30, max_chars=25)


@pytest.mark.parametrize(
    "text, match",
    [
        ("", "pasted text is empty"),
        ("   \n\n", "only whitespace"),
        ("é", "1 character"),
        ("abc\x00def", "NUL characters"),
    ],
)
def test_pasted_text_refused(text, match):
    with pytest.raises(CorpusError, match=match):
        corpus_from_text(text)


def test_french_and_chinese_text_pass_and_newlines_are_normalised():
    french = "\ufeffÀ la claire fontaine,\r\nm'en allant promener…\rJ'ai trouvé l'eau si belle\n"
    corpus = corpus_from_bytes(french.encode("utf-8"), "chanson.txt")
    assert corpus.text == "À la claire fontaine,\nm'en allant promener…\nJ'ai trouvé l'eau si belle\n"
    assert (corpus.name, corpus.title, corpus.recipe, corpus.source) == ("custom", "Your text", "raw", "chanson.txt")
    chinese = "床前明月光，\r\n疑是地上霜。"
    assert corpus_from_text(chinese).text == "床前明月光，\n疑是地上霜。"
    assert corpus_from_text(chinese).source == "pasted text"
    assert describe(corpus_from_text("abca")) == "Your text: 4 characters, 3 distinct"


def test_corpus_from_file(tmp_path):
    path = tmp_path / "poème.txt"
    path.write_bytes("Demain, dès l'aube…\r\n".encode())
    corpus = corpus_from_file(path)
    assert corpus.text == "Demain, dès l'aube…\n" and corpus.source == str(path)
    with pytest.raises(CorpusError, match="is 24 bytes, over the limit of 10 bytes"):
        corpus_from_file(path, max_bytes=10)
    with pytest.raises(CorpusError, match="could not read .*absent.txt"):
        corpus_from_file(tmp_path / "absent.txt")


# ---- The Time Machine inside the package: the quick demo with no network and an empty cache ---------------------------


@pytest.fixture
def offline(monkeypatch):
    """No download can happen: any attempt fails the test."""
    import pooch

    def refuse(*args, **kwargs):
        raise AssertionError("a download was attempted")

    monkeypatch.setattr(pooch, "retrieve", refuse)


def test_the_time_machine_ships_inside_the_package_and_is_read_offline(offline, shared, tmp_path):
    from charlm.corpora import EMBEDDED

    assert (EMBEDDED / "timemachine.txt").read_bytes() == (shared / "timemachine.txt").read_bytes()
    for recipe in ("raw", "d2l", "d2l-0.17"):
        assert load_corpus("timemachine", recipe).text == load_corpus("timemachine", recipe, data_dir=shared).text
    assert _cached(tmp_path) == []  # nothing downloaded, nothing cached
    with pytest.raises(AssertionError, match="a download was attempted"):  # the others still download
        load_corpus("jaychou")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_damaged_copy_inside_the_package_is_refused_by_its_checksum(offline, monkeypatch, tmp_path, lang):
    from charlm import corpora

    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "timemachine.txt").write_text("The Time Machine, abridged")
    monkeypatch.setattr(corpora, "EMBEDDED", tmp_path / "texts")
    with pytest.raises(CorpusError) as info:
        load_corpus("timemachine")
    with speaking(lang):
        said = str(info.value)
    assert CORPORA["timemachine"].sha256 in said and "CHARLM_DATA_DIR" in said
    assert ("is damaged" in said) if lang == "en" else ("已损坏" in said)


@pytest.mark.slow
def test_the_quick_demo_trains_offline_in_the_app_and_on_the_command_line(offline, ctx, monkeypatch, tmp_path):
    from conftest import form

    from charlm.cli import main
    from charlm.ui import train_tab
    from charlm.ui.session import Session

    monkeypatch.delenv("CHARLM_DATA_DIR", raising=False)  # ctx's fixture set it: not here
    session = Session()
    *_, (_plot, status, *_rest) = train_tab.train(ctx, None, session, *form(preset="quick-lstm", epochs=1, max_chars=6000,
                                                                           hidden=16, layers=1))  # fmt: skip
    assert "Finished after 1 epoch" in status, status
    out = tmp_path / "run"
    assert main(["train", "--preset", "quick-lstm", "--epochs", "1", "--max-chars", "6000", "--hidden", "16",
                 "--layers", "1", "--out", str(out)]) == 0  # fmt: skip
    assert (out / "config.json").is_file()
