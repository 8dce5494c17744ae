"""Every text charlm shows a person, in each language it speaks: English and Simplified Chinese (简体中文), and any
other whose file is added.

The texts live in the message catalogue (``catalogue.py``), read from one gettext file per language in
``charlm/i18n/locales/`` (``en.po``, ``zh.po``; ``LINGUAS`` lists them). Each text has an id, and named parameters in
``str.format`` style::

    msgctxt "vocab.too_large"
    msgid "a vocabulary of {size:,} characters is more than a token file holds (65,536)"
    msgstr "{size:,} 个字符的词表超出了词元文件能容纳的上限（65,536）"

The library never formats a sentence for a reader: it raises ``CharLMError("vocab.too_large", size=n)`` or hands
out a ``Msg``, and whoever shows it renders it in the reader's language: the app in the visitor's (their
browser's, or the header's switch), the CLI in ``LANG``'s. A ``Msg`` renders in the *active* language, which
``speaking(lang)`` sets for a block of code (a context variable: each thread and each of the app's handlers has its
own); English is the default. A text a language lacks falls back to English, never to its id.

The Chinese uses the terms of the Chinese d2l book (动手学深度学习), listed once in ``glossary.py``; a test holds
every Chinese text to them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from contextvars import ContextVar

from .catalogue import SOURCE, Language, current

DEFAULT = SOURCE  # English: the language of anyone who asks for none, or for one charlm does not speak

_active: ContextVar[str] = ContextVar("charlm_language", default=DEFAULT)


def languages() -> dict[str, Language]:
    """The languages charlm speaks, by code, in LINGUAS's order (English first): each with its name in itself."""
    return current().languages


def known(key: str) -> bool:
    """Whether the catalogue has a text with this id."""
    return key in current()


def normalise(tag: str | None) -> str:
    """A browser's or a locale's language tag as the code of a language charlm speaks: the whole tag if it is one,
    else its language ("zh", "zh-CN", "zh-Hans", "zh_CN.UTF-8" → "zh"); anything else (a language charlm does not
    speak, "C", nothing) → English."""
    codes = {code.lower(): code for code in languages()}
    tag = (tag or "").strip().lower().replace("_", "-").split(".")[0].split("@")[0]
    return codes.get(tag) or codes.get(tag.split("-")[0]) or DEFAULT


def from_environment(env: Mapping[str, str] | None = None) -> str:
    """The language a terminal asks for, read as gettext reads it: LANGUAGE (a list: its first entry), then LC_ALL,
    LC_MESSAGES, LANG; English when none is set."""
    env = os.environ if env is None else env
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        if value := env.get(name, "").split(":")[0]:
            return normalise(value)
    return DEFAULT


def active() -> str:
    """The language texts render in here and now."""
    return _active.get()


@contextlib.contextmanager
def speaking(lang: str | None) -> Iterator[str]:
    """Render texts in ``lang`` (a code or any tag ``normalise`` reads) inside this block."""
    token = _active.set(lang if lang in languages() else normalise(lang))
    try:
        yield _active.get()
    finally:
        _active.reset(token)


def template(key: str, lang: str | None = None) -> str:
    """The catalogue's text for ``key`` in ``lang`` (default: the active language), falling back to English."""
    texts = current().texts
    return texts.get(lang or active(), {}).get(key) or texts[DEFAULT][key]


def text(key: str, /, lang: str | None = None, **params) -> str:
    """The text ``key`` with its parameters, in ``lang`` (default: the active language)."""
    return Msg(key, **params).render(lang)


class Msg:
    """A message by id and parameters, rendered when it is shown, in the language of whoever shows it. A parameter that
    is itself a Msg renders in the same language; anything else is formatted as it is."""

    __slots__ = ("id", "params")

    def __init__(self, id: str, /, **params):
        if id not in current():
            raise KeyError(f"{id!r} is not in charlm's message catalogue (charlm/i18n/locales/)")
        self.id, self.params = id, params

    def render(self, lang: str | None = None) -> str:
        lang = lang or active()
        params = {k: v.render(lang) if isinstance(v, Msg) else v for k, v in self.params.items()}
        return template(self.id, lang).format_map(params)

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"Msg({self.id!r}{args})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Msg) and (self.id, self.params) == (other.id, other.params)

    def __hash__(self) -> int:
        return hash(self.id)

    def __reduce__(self):  # pickled with its parameters (the ZeroGPU worker sends events and errors back pickled)
        return _msg, (self.id, self.params)


def _msg(id: str, params: dict) -> Msg:
    return Msg(id, **params)


def rendered(value) -> str:
    """A Msg in the active language, or anything else as ``str`` makes it."""
    return value.render() if isinstance(value, Msg) else str(value)
