"""charlm's message catalogue: every text it shows a person, by id, read from its locale files.

The files are in ``charlm/i18n/locales/``: ``LINGUAS`` lists the languages by code, English (the source) first, and
each language is ``<code>.po``, a gettext catalogue a translator's tools open (Poedit, Weblate, ``msgfmt --check``).
Each entry is one text::

    #. part data: Texts of charlm's data: the corpora, ...        (comments for translators: where it is used)
    #, python-brace-format
    msgctxt "vocab.too_large"                                      (its id: what the code names)
    msgid "a vocabulary of {size:,} characters is more than ..."   (the English it translates)
    msgstr "{size:,} 个字符的词表超出了词元文件能容纳的上限（65,536）"   (this language's text)

Parameters are named, in ``str.format`` style, and every language uses the same ones. A text that is not translated,
or marked fuzzy (translated from an older English), is left out: it is shown in English. Adding a language is adding
its file and its code in LINGUAS; the file's ``Language`` header is its tag (``zh_CN``), and its text
``app.language_name`` its name in itself (``中文``).

``CHARLM_LOCALES`` names another folder of the same kind, read instead of the package's: a language being tried out,
or the tests' pseudo-locale. The files are read the first time a text is asked for (not on import), once per folder.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import polib

LOCALES_ENV = "CHARLM_LOCALES"  # a folder of locale files to read instead of the package's
PACKAGE_LOCALES = Path(__file__).resolve().with_name("locales")
SOURCE = "en"  # the language every other one translates, and the one a missing text falls back to
NAME_ID = "app.language_name"  # each language's name in itself


@dataclass(frozen=True)
class Language:
    code: str  # as LINGUAS, the file, ?lang= and a session name it: "zh"
    name: str  # in itself, as the app's language switch shows it: "中文"
    tag: str  # the file's Language header as a browser's tag: "zh-CN" (Gradio's own texts follow it)


@dataclass(frozen=True)
class Catalogue:
    folder: Path
    languages: dict[str, Language]  # by code, in LINGUAS's order
    texts: dict[str, dict[str, str]]  # code → id → text: what each language has translated (English: every id)

    def __contains__(self, key: object) -> bool:
        return key in self.texts[SOURCE]


def linguas(folder: Path) -> list[str]:
    """The language codes LINGUAS lists (gettext's layout: separated by spaces or lines, # starts a comment)."""
    path = folder / "LINGUAS"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: charlm's locale folder lists its languages there")
    return [code for line in path.read_text(encoding="utf-8").splitlines() for code in line.split("#")[0].split()]


def read(folder: Path) -> Catalogue:
    """The catalogue in ``folder``: each language LINGUAS lists, from its .po file."""
    codes = linguas(folder)
    if not codes or codes[0] != SOURCE:
        raise ValueError(f"{folder / 'LINGUAS'} must list {SOURCE!r} (the source every language translates) first")
    languages, texts = {}, {}
    for code in codes:
        path = folder / f"{code}.po"
        if not path.is_file():
            raise FileNotFoundError(f"{folder / 'LINGUAS'} lists {code!r}, but {path} is missing")
        po = polib.pofile(str(path))
        texts[code] = {e.msgctxt: e.msgstr for e in po if e.msgctxt and e.msgstr and not e.obsolete and not e.fuzzy}
        tag = po.metadata.get("Language") or code
        languages[code] = Language(code, texts[code].get(NAME_ID, code), tag.replace("_", "-"))
    return Catalogue(folder, languages, texts)


@functools.cache
def _read_once(folder: str) -> Catalogue:
    return read(Path(folder))


def current() -> Catalogue:
    """The catalogue in use: ``CHARLM_LOCALES``'s folder, else the package's; read once, on first use."""
    return _read_once(os.environ.get(LOCALES_ENV) or str(PACKAGE_LOCALES))
