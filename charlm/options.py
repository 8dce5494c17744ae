"""Command-line options drawn from dataclass fields: a setting is declared once, as a field, and the command line
takes its flag, type, default, choices and help from it.

    epochs: int = option(10, "cli.help.epochs")  # passes over the training split
    hidden_size: int = option(256, "cli.help.hidden_size", flag="--hidden")

``option`` makes the field; its metadata holds the catalogue id of the help text and, where they are not the field's
own, its flag, the section of ``--help`` it is listed in, the options it excludes and what else argparse takes
(choices, metavar, nargs, action, required). The type and the default are the field's. ``add_options`` turns the fields
of some dataclasses into a parser's options; ``Parser`` and ``Formatter`` speak the reader's language, the help texts
from the catalogue and, inside a ``translated()`` block, argparse's own strings ("usage:", "invalid choice", …) too.

RunSpec, CharLMConfig and TrainConfig declare their options here, so this module sits below them: it imports nothing
of charlm's but the texts (charlm.i18n), and knows no option itself.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import functools
import gettext
import re
import types
import typing
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field, fields
from typing import Any

from .i18n import active, template, text
from .i18n.catalogue import SOURCE, current

OPTION = "charlm.option"  # the key of a field's metadata that offers it on the command line


@dataclass(frozen=True)
class Option:
    """How the command line offers a dataclass field."""

    help: str  # the catalogue id of its help text (its parameters: add_options' params)
    flag: str | None = None  # None: "--" and the field's name with dashes (batch_size: --batch-size)
    section: str | None = None  # the catalogue id of the --help section it is listed in; None: its class's
    one_of: str | None = None  # options with the same one_of exclude each other (--corpus, --text-file)
    argparse: Mapping[str, Any] = field(default_factory=dict)  # what else add_argument takes


def option(default: Any, help: str, *, flag: str | None = None, section: str | None = None, one_of: str | None = None,
           **argparse: Any) -> Any:  # fmt: skip
    """A dataclass field with this default that the command line offers as ``flag``, with the catalogue's text ``help``.
    ``argparse``: what else add_argument takes (choices, metavar, nargs, action; ``required``, which for options that
    exclude each other means that one of them is)."""
    return field(default=default, metadata={OPTION: Option(help, flag, section, one_of, argparse)})


def offered(cls: type) -> dict[str, Option]:
    """The options of dataclass ``cls``: its fields that the command line offers, by name, in their order."""
    return {f.name: f.metadata[OPTION] for f in fields(cls) if OPTION in f.metadata}


def defaults(cls: type) -> dict[str, Any]:
    """The defaults of ``cls``'s options, by name."""
    return {f.name: f.default for f in fields(cls) if OPTION in f.metadata}


def flags(*classes: type) -> dict[str, str]:
    """The flag of each option of ``classes``, by its field's name."""
    return {name: o.flag or "--" + name.replace("_", "-") for cls in classes for name, o in offered(cls).items()}


def words(flag: str, value: Any, number=str) -> list[str]:
    """What gives ``value`` to ``flag`` on a command line: ``--flag VALUE`` (a float as ``number`` writes it), a bool
    as ``--flag`` or ``--no-flag``."""
    if isinstance(value, bool):
        return [flag if value else "--no-" + flag[2:]]
    return [flag, number(value) if isinstance(value, float) else str(value)]


def add_options(parser: argparse.ArgumentParser, parts: Iterable[tuple[type, str | None]],
                values: Mapping[str, Any] | None = None, params: Mapping[str, Any] | None = None,
                sections: tuple[str, ...] = ()) -> None:  # fmt: skip
    """Give ``parser`` the options of each ``(dataclass, section)`` in ``parts``: each listed under its own section,
    else its class's (catalogue ids; None: the parser's own options); its default from ``values`` (by field name),
    else its field's; its help text in the active language, with ``params`` for the texts that take some. The argparse
    dest of an option is its field's name."""
    values, params = values or {}, params or {}
    entries = []  # (section, name, option, flag, add_argument's keywords, default)
    for cls, section in parts:
        hints, flag_of, own = typing.get_type_hints(cls), flags(cls), defaults(cls)
        for name, o in offered(cls).items():
            how = _how(hints[name], flag_of[name], o.argparse)
            entries.append((o.section or section, name, o, flag_of[name], how, values.get(name, own[name])))
    # Added, so listed in --help and its usage line, section by section in the order of ``sections``; options that
    # exclude each other side by side, where their first one is (the usage line shows [--corpus … | --text-file PATH]).
    rank = {s: k for k, s in enumerate(sections)}
    first: dict[tuple, int] = {}
    place = [first.setdefault((e[0], e[2].one_of or k), k) for k, e in enumerate(entries)]
    order = sorted(range(len(entries)), key=lambda k: (rank.get(entries[k][0], len(rank)), place[k], k))
    groups: dict[str | None, Any] = {None: parser}
    exclusive: dict[tuple[str | None, str], Any] = {}
    for where, name, o, flag, how, default in (entries[k] for k in order):
        if where not in groups:
            groups[where] = parser.add_argument_group(text(where))
        target = groups[where]
        if o.one_of:  # options that exclude each other: "required" means one of them
            if (where, o.one_of) not in exclusive:
                exclusive[where, o.one_of] = target.add_mutually_exclusive_group()
            target = exclusive[where, o.one_of]
            target.required |= how.pop("required", False)
        target.add_argument(flag, dest=name, default=default, help=text(o.help, **params), **how)


def _how(hint, flag: str, given: Mapping[str, Any]) -> dict[str, Any]:
    """add_argument's keywords for an option of type ``hint``: a bool is --flag/--no-flag unless ``given`` says
    otherwise; anything else takes a value of its type (a list's or tuple's items', without the None of an optional),
    shown as the flag's name in capitals where it has no choices or metavar (--batch-size BATCH_SIZE)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    if typing.get_origin(hint) in (list, tuple, Sequence):
        hint = typing.get_args(hint)[0]
    how = dict(given)
    if hint is bool:
        how.setdefault("action", argparse.BooleanOptionalAction)
    elif "action" not in how:
        how.setdefault("type", hint)
        if "choices" not in how:
            how.setdefault("metavar", flag[2:].upper().replace("-", "_"))
    return how


# -- argparse in the reader's language --------------------------------------------------------------------------------

ARGPARSE = "cli.argparse."  # the catalogue's texts of argparse's own strings: their English is argparse's to the letter
_language: ContextVar[str | None] = ContextVar("argparse_language", default=None)


def _argparse_ids() -> dict[str, str]:
    """argparse's own strings that the catalogue translates, each with its id."""
    return _ids_of(current().folder)


@functools.cache
def _ids_of(folder) -> dict[str, str]:  # by the catalogue's folder: CHARLM_LOCALES may name another
    return {en: key for key, en in current().texts[SOURCE].items() if key.startswith(ARGPARSE)}


def argparse_text(message: str) -> str:
    """One of argparse's own strings in the language of the ``translated()`` block around this call; outside one, in
    English, as argparse has it."""
    return _translated(message) or message


def _translated(message: str) -> str | None:
    lang, key = _language.get(), _argparse_ids().get(message)
    return template(key, lang) if lang and key else None


def _gettext(message: str) -> str:
    return _translated(message) or gettext.gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _translated(singular if n == 1 else plural) or gettext.ngettext(singular, plural, n)


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """argparse's own strings in the active language inside this block. argparse looks them up with the gettext
    functions it imported as ``argparse._`` and ``argparse.ngettext``; for the block they are the catalogue's, which
    translate only for the code inside it (a context variable) and answer as gettext does elsewhere, so another thread
    meanwhile is not changed. After the block they are gettext's again."""
    token = _language.set(active())
    outermost = argparse._ is not _gettext  # a block inside another leaves the functions to the outer one
    saved = argparse._, argparse.ngettext
    if outermost:
        argparse._, argparse.ngettext = _gettext, _ngettext
    try:
        yield
    finally:
        if outermost:
            argparse._, argparse.ngettext = saved
        _language.reset(token)


class Formatter(argparse.HelpFormatter):
    """argparse's help, with each option's default after its text where the default says something (not None, not
    empty), in the reader's language; a list as it is typed (d2l large app). A Chinese text is wrapped as a terminal
    shows it: each character two columns wide, a line free to break between two (textwrap counts one, and breaks only
    at spaces)."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return _wrap(text, width) if _WIDE.search(text) else super()._split_lines(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if not _WIDE.search(text):
            return super()._fill_text(text, width, indent)
        return "\n".join(indent + line for line in _wrap(text, width - len(indent)))

    def _expand_help(self, action: argparse.Action) -> str:
        if isinstance(action.default, (list, tuple)):
            action = copy.copy(action)
            action.default = " ".join(map(str, action.default))
        return super()._expand_help(action)

    def _get_help_string(self, action: argparse.Action) -> str:
        help = action.help or ""
        if action.option_strings and action.default not in (None, "", argparse.SUPPRESS) and "%(default)" not in help:
            help += argparse_text(" (default: %(default)s)")
        return help


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line in the reader's language, as every other error of the command line
    (--help shows the usage)."""

    def error(self, message: str):
        self.exit(2, argparse_text("%(prog)s: error: %(message)s\n") % {"prog": self.prog, "message": message})


# -- Chinese in a terminal's columns -----------------------------------------------------------------------------------

# The characters a terminal shows two columns wide (Unicode's East Asian Wide and Fullwidth): CJK, Hangul, kana, …
_WIDE_CHARS = "\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
_WIDE = re.compile(f"[{_WIDE_CHARS}]")
# What a line may break between: wide characters, and runs of narrow ones (a word's, or part of one); punctuation that
# opens stays with what follows it, punctuation that closes with what precedes it.
_PIECES = re.compile(f"[（《「『“]*(?:[{_WIDE_CHARS}]|[^\\s{_WIDE_CHARS}]+)[，。；：、！？）》」』”]*")


def _wrap(text: str, width: int) -> list[str]:
    """``text``, its white space folded, in lines of at most ``width`` columns where a wide character takes two."""
    lines, line = [], ""
    for word in text.split():
        for k, piece in enumerate(_PIECES.findall(word)):
            glue = " " if line and k == 0 else ""  # the space between two words
            if line and _columns(line + glue + piece) > width:
                lines.append(line)
                line, glue = "", ""
            line += glue + piece
    return [*lines, line] if line else lines


def _columns(text: str) -> int:
    """The columns ``text`` takes in a terminal: two for a wide character."""
    return len(text) + len(_WIDE.findall(text))
