"""The corpora: four named texts, downloaded once and verified by SHA-256, and text a user brings.

A named corpus is read from a local folder when one is given (``data_dir``: the argument, the CLI's
``--data-dir``, or ``CHARLM_DATA_DIR``), else downloaded from its canonical URL by pooch into a cache
(``CHARLM_CACHE_DIR``, else the platform's user cache). Either way its SHA-256 is checked; pooch
downloads to a temporary file and moves it into the cache only once the hash matched, so a failed
or half download never leaves a file there.

Every text is decoded as UTF-8, stripped of every U+FEFF (byte-order mark) and given "\\n" newlines,
then a recipe: "raw" keeps it so; "d2l" is exactly the d2l book's preprocessing (for The Time Machine, the
current edition's, d2l.ai 1.0; "d2l-0.17" the older edition's, which glues the words at line ends together).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError
from .i18n import Msg, known
from .i18n import text as tr

DATA_DIR_ENV = "CHARLM_DATA_DIR"
CACHE_DIR_ENV = "CHARLM_CACHE_DIR"
MAX_UPLOAD_ENV = "CHARLM_MAX_UPLOAD_MB"
DEFAULT_MAX_UPLOAD_MB = 5
MIN_CHARS = 2  # a one-character text can teach nothing
BINARY_CONTROL_FRACTION = 0.10  # more control characters than this (besides \n \r \t \f) means binary
CONTROLS = "".join(chr(c) for c in [*range(32), 127] if chr(c) not in "\n\r\t\f")  # \x00 … \x1f and \x7f
_CONTROLS_TEXT = re.compile(f"[{re.escape(CONTROLS)}]")  # any one of them
_CONTROLS_BYTES = re.compile(_CONTROLS_TEXT.pattern.encode("ascii"))
CUSTOM_TITLE = "Your text"  # the title of a user's own text (``title_msg`` gives it in the reader's language)


@dataclass(frozen=True)
class CorpusSpec:
    """A named corpus: where it lives, how to check it, and which recipes it offers."""

    name: str  # registry key: "timemachine", "jaychou", "moliere", "tinyshakespeare"
    title: str  # what the UI shows, e.g. "The Time Machine (H. G. Wells)"
    language: str  # "English", "Chinese", "French"
    url: str  # canonical download URL
    sha256: str  # of the file at ``url``, as downloaded (the zip itself for jaychou)
    filename: str  # file name in a data folder and in the cache, e.g. "jaychou_lyrics.txt.zip"
    member: str | None  # for zips: the member to read; None for plain text files
    recipes: tuple[str, ...]  # preprocessing recipes it offers, "raw" always first
    note: str  # one line for the UI: licence, size
    sample_prefix: str = ""  # where samples start by default: the books' prefixes, a speaker's cue in the plays
    embedded: bool = False  # a copy ships inside the package (charlm/texts/): it trains with no network and no cache

    # ``title`` and ``note`` are the English (recorded in checkpoints, asserted by tests); the catalogue has them in
    # every language, as data.title.<name> and data.note.<name>.
    @property
    def title_msg(self) -> Msg | str:
        """The title in the reader's language (``str()`` of it renders in the active one)."""
        key = f"data.title.{self.name}"
        return Msg(key) if known(key) else self.title

    @property
    def note_msg(self) -> Msg | str:
        """The note in the reader's language."""
        key = f"data.note.{self.name}"
        return Msg(key) if known(key) else self.note


@dataclass
class Corpus:
    """A text ready to train on, and where it came from."""

    name: str  # registry name, or "custom" for user text
    title: str  # what the UI shows
    text: str  # the text after preprocessing
    recipe: str  # "raw", or one of the recipes its corpus offers, such as "d2l"
    source: str  # where it came from: a path, a URL, or "pasted text"

    @property
    def title_msg(self) -> Msg | str:
        """The title in the reader's language: ``title_msg(name, title)``."""
        return title_msg(self.name, self.title)


CORPORA: dict[str, CorpusSpec] = {
    spec.name: spec
    for spec in (
        CorpusSpec(
            name="timemachine",
            title="The Time Machine (H. G. Wells)",
            language="English",
            url="http://d2l-data.s3-accelerate.amazonaws.com/timemachine.txt",
            sha256="8424dbd9532ac81f7e5f0b6add90e6952baea29158309d7d1bf3884f4e12c516",
            filename="timemachine.txt",
            member=None,
            recipes=("raw", "d2l", "d2l-0.17"),
            note="Public domain; 179 KB. The d2l book's corpus: its recipe keeps lower-case letters and spaces.",
            sample_prefix="time traveller",
            embedded=True,  # public domain: the quick demo and the book's presets run offline, in a lecture hall
        ),
        CorpusSpec(
            name="jaychou",
            title="Jay Chou lyrics (周杰伦歌词)",
            language="Chinese",
            url="https://raw.githubusercontent.com/d2l-ai/d2l-zh/66964df083b506fcc672132851ea171519d48d0b/"
            "data/jaychou_lyrics.txt.zip",
            sha256="3cfedd7d174111cdad5a27eaffaa6a2432a2842cf2590a03dd8a97610ea07043",
            filename="jaychou_lyrics.txt.zip",
            member="jaychou_lyrics.txt",
            recipes=("raw", "d2l"),
            note="Lyrics under copyright: downloaded at run time, never redistributed; 63,282 characters.",
            sample_prefix="分开",
        ),
        CorpusSpec(
            name="moliere",
            title="Molière, Œuvres complètes",
            language="French",
            url="https://raw.githubusercontent.com/Bamishola/be-mini-gpt/94dc9998f2655cf2f83f3ef3173888bd6683e686/"
            "moliere.txt",
            sha256="792db7f15f17032f76e610eff6ee6a8bf62a01e01170a198b1070d744ff9443e",
            filename="moliere.txt",
            member=None,
            recipes=("raw",),
            note="Public domain (Project Gutenberg volumes); 1.8 MB.",
            sample_prefix="MASCARILLE.",
        ),
        CorpusSpec(
            name="tinyshakespeare",
            title="Tiny Shakespeare",
            language="English",
            url="https://raw.githubusercontent.com/karpathy/char-rnn/6f9487a6fe5b420b7ca9afb0d7c078e37c1d1b4e/"
            "data/tinyshakespeare/input.txt",
            sha256="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
            filename="tinyshakespeare.txt",
            member=None,
            recipes=("raw",),
            note="Public domain; 1.1 MB. The char-rnn / nanoGPT reference corpus.",
            sample_prefix="ROMEO:",
        ),
    )
}

RECIPE_NAMES = tuple(dict.fromkeys(recipe for spec in CORPORA.values() for recipe in spec.recipes))  # raw first


# ---- where corpora live ---------------------------------------------------------------------------------------------


def data_dir(explicit: str | Path | None = None) -> Path | None:
    """The local folder to read named corpora from: ``explicit``, else ``CHARLM_DATA_DIR``, else None."""
    if explicit is not None and str(explicit) != "":
        return Path(explicit).expanduser()
    env = os.environ.get(DATA_DIR_ENV, "")
    return Path(env).expanduser() if env else None


_data_dir = data_dir  # fetch's and load_corpus's argument of that name hides the function


def cache_dir() -> Path:
    """Where downloads are kept: ``CHARLM_CACHE_DIR``, else the platform's user cache for charlm."""
    env = os.environ.get(CACHE_DIR_ENV, "")
    if env:
        return Path(env).expanduser()
    import pooch  # imported here: only a download needs it

    return Path(pooch.os_cache("charlm"))


def sample_prefix(name: str) -> str:
    """Where samples of a model trained on corpus ``name`` start by default ("" for the user's own text)."""
    return CORPORA[name].sample_prefix if name in CORPORA else ""


def spec(name: str) -> CorpusSpec:
    """The registry entry for ``name``; a CorpusError listing the known names otherwise."""
    try:
        return CORPORA[name]
    except (KeyError, TypeError):
        raise CorpusError("data.no_such_corpus", name=name, names=", ".join(CORPORA)) from None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(name: str, data_dir: str | Path | None = None) -> Path:
    """The path to the verified raw file of corpus ``name``: from the data folder if there is one, else the package's
    own copy (The Time Machine), else from the cache, downloading it there first if needed."""
    entry = spec(name)
    folder = _data_dir(data_dir)
    if folder is not None:
        return _from_folder(entry, folder)
    if entry.embedded:
        return _embedded(entry)
    return _download(entry)


EMBEDDED = Path(__file__).resolve().parent / "texts"  # the corpora that ship inside the package


def _embedded(entry: CorpusSpec) -> Path:
    """The package's own copy of a corpus, checked against the same SHA-256 as a download."""
    path = EMBEDDED / entry.filename
    actual = sha256_of(path) if path.is_file() else "(missing)"
    if actual != entry.sha256:
        raise CorpusError("data.embedded_checksum", path=str(path), name=entry.name, expected=entry.sha256,
                          actual=actual)  # fmt: skip
    return path


def _from_folder(entry: CorpusSpec, folder: Path) -> Path:
    path = folder / entry.filename
    if not path.is_file():
        missing = Msg("data.folder_missing") if not folder.is_dir() else Msg("data.file_missing")
        raise CorpusError(
            "data.not_in_folder",
            name=entry.name,
            filename=entry.filename,
            folder=str(folder),
            missing=missing,
            env=DATA_DIR_ENV,
            url=entry.url,
        )
    actual = sha256_of(path)
    if actual != entry.sha256:
        raise CorpusError(
            "data.folder_checksum", path=str(path), name=entry.name, expected=entry.sha256, actual=actual, url=entry.url
        )
    return path


def _download(entry: CorpusSpec) -> Path:
    import pooch
    import requests

    folder = cache_dir()
    try:
        path = pooch.retrieve(
            entry.url, known_hash=f"sha256:{entry.sha256}", fname=entry.filename, path=folder, progressbar=False
        )
    except requests.exceptions.RequestException as e:  # offline, refused, timed out, HTTP error, cut short
        raise CorpusError(
            "data.download_failed",
            name=entry.name,
            url=entry.url,
            reason=_reason(e),
            filename=entry.filename,
            env=DATA_DIR_ENV,
        ) from e
    except ValueError as e:  # pooch.hashes.hash_matches: "... expected sha256:X but got Y ..."
        got = re.search(r"but got ([0-9a-fA-F]+)", str(e))
        if got is None:
            raise CorpusError("data.download_error", name=entry.name, url=entry.url, error=str(e)) from e
        raise CorpusError(
            "data.download_checksum",
            name=entry.name,
            url=entry.url,
            expected=entry.sha256,
            actual=got.group(1).lower(),
            filename=entry.filename,
            env=DATA_DIR_ENV,
        ) from e
    except OSError as e:  # the cache folder cannot be created or written
        raise CorpusError(
            "data.cache_unwritable", name=entry.name, folder=str(folder), error=str(e), env=CACHE_DIR_ENV
        ) from e
    return Path(path)


def _reason(e: Exception) -> Msg | str:
    """What went wrong with a download, in a few words (requests' own words when it is none of the usual)."""
    import requests

    if isinstance(e, requests.exceptions.HTTPError) and e.response is not None:
        return Msg("data.reason_http", status=e.response.status_code, reason=e.response.reason)
    if isinstance(e, requests.exceptions.Timeout):
        return Msg("data.reason_timeout")
    if isinstance(e, requests.exceptions.ConnectionError):
        return Msg("data.reason_connection")
    if isinstance(e, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
        return Msg("data.reason_cut_short")
    return f"{type(e).__name__}: {e}"


# ---- named corpora --------------------------------------------------------------------------------------------------


def clean(text: str) -> str:
    """Remove every U+FEFF (byte-order mark) and turn "\\r\\n" and "\\r" into "\\n"."""
    return text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")


def d2l_timemachine(text: str) -> str:
    """The d2l book (d2l.ai 1.0, 9.2 Converting Raw Text into Sequence Data): letters only, every run of anything
    else (newlines included) becoming one space, lower-cased."""
    return re.sub("[^A-Za-z]+", " ", text).lower()


def d2l_017_timemachine(text: str) -> str:
    """The d2l book's 0.17 edition: each line keeps letters only (runs of anything else become one space),
    stripped and lower-cased; the tokenizer then concatenates the lines with no separator, so empty lines vanish
    and the last word of each line is glued to the first of the next ("alongthe", "cannotwe"): one character in
    about 60 is such a join, which no model can foresee."""
    return "".join(re.sub("[^A-Za-z]+", " ", line).strip().lower() for line in text.split("\n"))


def d2l_jaychou(text: str) -> str:
    """The Chinese d2l book: newlines and carriage returns become spaces; the first 10,000 characters."""
    return text.replace("\n", " ").replace("\r", " ")[:10000]


RECIPES: dict[tuple[str, str], Callable[[str], str]] = {
    ("timemachine", "d2l"): d2l_timemachine,
    ("timemachine", "d2l-0.17"): d2l_017_timemachine,
    ("jaychou", "d2l"): d2l_jaychou,
}

# What each recipe does, for a model card or the UI to say beside the recipe's name: the English here, every language
# from ``recipe_note`` (the catalogue's data.recipe.<corpus>_<recipe>).
RECIPE_NOTES: dict[tuple[str, str], str] = {
    ("timemachine", "d2l"): "as in d2l.ai 1.0, lower-case letters and one space for each run of anything else",
    ("timemachine", "d2l-0.17"): "as in the d2l book's 0.17 edition, lower-case letters and spaces line by line, the "
    "lines run together so that the words at line ends are glued",
    ("jaychou", "d2l"): "as in the Chinese d2l book, newlines to spaces and the first 10,000 characters",
}


def recipe_note(name: str, recipe: str) -> Msg | None:
    """What ``recipe`` does to corpus ``name``, in the reader's language (``RECIPE_NOTES``' English); None for "raw"
    and for a recipe the corpus does not offer."""
    if (name, recipe) not in RECIPE_NOTES:
        return None
    return Msg(f"data.recipe.{name}_{re.sub(r'[^a-z0-9]+', '_', recipe.replace('.', ''))}")


def title_msg(name: str | None, title: str) -> Msg | str:
    """A corpus's title in the reader's language, from its registry name and its (English) title as a ``Corpus`` or a
    checkpoint's provenance has it: a named corpus's or "Your text" from the catalogue, any other title as it is."""
    if name in CORPORA and title == CORPORA[name].title:
        return CORPORA[name].title_msg
    if name == "custom" and title == CUSTOM_TITLE:
        return Msg("data.your_text")
    return title


def preprocessing(corpus: Corpus) -> str:
    """What was done to a corpus's text, in words, in the active language: "raw characters", or the recipe's name
    and what it does."""
    note = recipe_note(corpus.name, corpus.recipe)
    return tr("data.preprocessing", recipe=corpus.recipe, note=note) if note else tr("data.raw_characters")


def load_corpus(name: str, recipe: str = "raw", data_dir: str | Path | None = None) -> Corpus:
    """Corpus ``name`` fetched, verified, decoded, cleaned and put through ``recipe``."""
    entry = spec(name)
    if recipe not in entry.recipes:
        raise CorpusError("data.no_such_recipe", name=name, recipe=recipe, recipes=", ".join(entry.recipes))
    path = fetch(name, data_dir)
    if entry.member is None:
        raw = path.read_bytes()
    else:
        try:
            with zipfile.ZipFile(path) as archive:
                raw = archive.read(entry.member)
        except (zipfile.BadZipFile, KeyError) as e:  # cannot happen to a file that passed its checksum
            raise CorpusError("data.bad_zip", path=str(path), member=entry.member, error=str(e)) from e
    text = clean(raw.decode("utf-8"))
    text = RECIPES.get((name, recipe), lambda t: t)(text)
    # A local copy passed the same SHA-256 check as a download: either way the text is the canonical source's.
    return Corpus(name=name, title=entry.title, text=text, recipe=recipe, source=entry.url)


# ---- the user's text ------------------------------------------------------------------------------------------------


def max_upload_bytes() -> int:
    """The cap on an uploaded file: ``CHARLM_MAX_UPLOAD_MB`` megabytes (1 MB = 1,000,000 bytes), default 5."""
    env = os.environ.get(MAX_UPLOAD_ENV, "")
    if not env:
        return DEFAULT_MAX_UPLOAD_MB * 1_000_000
    try:
        mb = float(env)
    except ValueError:
        mb = -1.0
    if not mb > 0:
        raise CorpusError("data.upload_cap_invalid", env=MAX_UPLOAD_ENV, value=env)
    return int(mb * 1_000_000)


def _size(n: int, unit: str = "bytes") -> Msg | str:
    if unit != "bytes":
        return Msg("data.size_characters", n=n)
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    if n >= 1_000:
        return f"{n / 1_000:.1f} KB"
    return Msg("data.size_bytes", n=n)


def _check_size(what: Msg, n: int, cap: int | None, unit: str) -> None:
    """Raise when ``n`` is over the cap; ``cap`` None means the CHARLM_MAX_UPLOAD_MB default."""
    limit = max_upload_bytes() if cap is None else cap
    if n <= limit:
        return
    if cap is None:
        raise CorpusError(
            "data.too_large_env", what=what, size=_size(n, unit), limit=_size(limit, unit), env=MAX_UPLOAD_ENV
        )
    raise CorpusError("data.too_large", what=what, size=_size(n, unit), limit=_size(limit, unit))


def _check_not_binary(what: Msg, data: str | bytes) -> None:
    """Raise when ``data`` holds NULs or too many control characters: a binary file, not text. One pass of a regular
    expression that stops at the first control character past the limit (0.11 s for 50 MB of text, where counting
    each of the 29 took 0.81 s on the 2-core Xeon); the exact count only for the message."""
    unit = Msg("data.unit_bytes") if isinstance(data, bytes) else Msg("data.unit_characters")
    controls = [c.encode("ascii") for c in CONTROLS] if isinstance(data, bytes) else list(CONTROLS)
    if controls[0] in data:  # NUL
        raise CorpusError("data.nul", what=what, unit=unit)
    pattern = _CONTROLS_BYTES if isinstance(data, bytes) else _CONTROLS_TEXT
    too_many = int(BINARY_CONTROL_FRACTION * len(data)) + 1  # the fewest that are more than the fraction
    if sum(1 for _ in itertools.islice(pattern.finditer(data), too_many)) == too_many:
        count = sum(data.count(c) for c in controls)
        raise CorpusError(
            "data.controls", count=count, total=len(data), unit=unit, what=what, fraction=BINARY_CONTROL_FRACTION
        )


def _custom(text: str, what: Msg, source: str) -> Corpus:
    """Clean ``text`` and check there is something to learn from."""
    text = clean(text)
    if not text:
        raise CorpusError("data.empty", what=what)
    if not text.strip():
        raise CorpusError("data.whitespace", what=what, chars=len(text))
    if len(text) < MIN_CHARS:
        raise CorpusError("data.too_short", what=what, chars=len(text), need=MIN_CHARS)
    return Corpus(name="custom", title=CUSTOM_TITLE, text=text, recipe="raw", source=source)


def corpus_from_text(text: str, max_chars: int | None = None) -> Corpus:
    """Pasted text as a corpus: at most ``max_chars`` characters, or if None, the upload cap in UTF-8 bytes."""
    what = Msg("data.pasted_text")
    if not isinstance(text, str):
        raise CorpusError("data.not_a_string", what=what, type=type(text).__name__)
    if max_chars is None:
        _check_size(what, len(text.encode("utf-8", errors="replace")), None, "bytes")
    else:
        _check_size(what, len(text), max_chars, "characters")
    _check_not_binary(what, text)
    return _custom(text, what, "pasted text")


def corpus_from_bytes(data: bytes, filename: str | Msg = "upload", max_bytes: int | None = None) -> Corpus:
    """An uploaded file as a corpus: plain text in UTF-8, at most ``max_bytes`` (default: the upload cap). Its messages
    name it by ``filename``, or by a phrase of the reader's language (a Msg: "the uploaded file")."""
    what = filename if isinstance(filename, Msg) else Msg("data.file", name=filename)
    if not data:
        raise CorpusError("data.empty_file", what=what)
    _check_size(what, len(data), max_bytes, "bytes")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise CorpusError("data.utf16", what=what)
    _check_not_binary(what, data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CorpusError("data.not_utf8", what=what, at=e.start, byte=data[e.start], total=len(data)) from None
    return _custom(text, what, filename.render("en") if isinstance(filename, Msg) else filename)  # a record: English


def corpus_from_file(path: str | Path, max_bytes: int | None = None) -> Corpus:
    """A text file on disk as a corpus; the same checks as ``corpus_from_bytes``."""
    path = Path(path).expanduser()
    try:
        size = path.stat().st_size
        if path.is_file():  # refuse before reading a file that is far too large
            _check_size(Msg("data.file", name=path.name), size, max_bytes, "bytes")
        data = path.read_bytes()
    except OSError as e:
        raise CorpusError("data.unreadable", path=str(path), error=e.strerror or str(e)) from e
    corpus = corpus_from_bytes(data, filename=path.name, max_bytes=max_bytes)
    corpus.source = str(path)
    return corpus


def describe(corpus: Corpus) -> str:
    """One line for the UI, in the active language, e.g. "The Time Machine (H. G. Wells): 173,428 characters, 27
    distinct"."""
    return tr("data.describe", title=corpus.title_msg, chars=len(corpus.text), distinct=len(set(corpus.text)))
