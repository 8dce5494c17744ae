"""A pseudo-locale, made from the English at test time: every letter accented, each text about a third longer, and
marked at both ends, "Train the model" → "⟦Ŧřáíñ ŧĥé ɱóðéł ∼∼∼∼ ∼⟧".

Added to a copy of charlm's locale folder as one more language file (``qps.po``, its code in LINGUAS) and pointed at
with CHARLM_LOCALES, it shows three things with no change to the code: that a language is a file (the app and the CLI
speak it), which texts reach a reader without coming through the catalogue (an English word outside the marks), and
what a longer language does to the layout.

What is a template's working, not its words, is kept as it is: ``{parameters}`` (and a literal brace, written twice),
HTML tags and entities, Markdown's code spans, link targets and the marks that start a heading or a list item, plotly's
``%{x}`` placeholders and web addresses. A text with no letters (the "; " between a list's items) is left alone. The
marks are ⟦ and ⟧, not [ and ]: Markdown reads brackets as links, and English texts have brackets of their own
("[0, 1)"). The padding is ∼ (the tilde operator), not ~, which Markdown reads as a strikethrough or a code fence, in
groups of four that a line may break between, as it breaks between a real language's words.
"""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import polib

from charlm.i18n.catalogue import LOCALES_ENV, PACKAGE_LOCALES, linguas

CODE = "qps"  # from ISO 639's range for local use (qaa–qtz): no browser asks for it by chance
TAG = "qps_PLOC"  # its Language header: the browser is set to qps-PLOC, and falls back to qps for charlm's texts
OPEN, CLOSE, PAD = "⟦", "⟧", "∼"
LONGER = 0.35  # each text this much longer than the English (its marks aside), as German or Finnish may well be
ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "áƀçðéƒğĥíĵķłɱñóþǫřšŧúṽŵẋýžÁƁÇÐÉƑĞĤÍĴĶŁṀÑÓÞǪŘŠŦÚṼŴẊÝŽ",
)
KEPT = re.compile(
    r"""%\{\{.*?\}\}       # a plotly placeholder, its braces written twice: %{{y:.3f}}
      | \{\{ | \}\}        # a literal brace
      | \{[^{}]*\}         # a parameter: {size:,}, {name!r}
      | <[^<>]+>           # an HTML tag (and <unk>)
      | &[#\w]+;           # an HTML entity
      | `[^`]*`            # a Markdown code span
      | \]\([^)]*\)        # a Markdown link's target
      | https?://[^\s)]+   # a web address
    """,
    re.VERBOSE,
)
BLOCK_START = re.compile(r"^\s*(?:#{1,6}\s+|[-*+]\s+|>\s*|\d+\.\s+)?")  # a heading's, a list item's, a quote's marks
LETTERS = re.compile(r"[A-Za-z]")
LAST_WORD = re.compile(r"[A-Za-z][.,:;!?…)'\"’”]*(?!.*[A-Za-z])", re.DOTALL)  # a run's last letter, and what ends its word


def pseudo(template: str) -> str:
    """``template`` in the pseudo-locale: its words accented and about a third longer, marked at both ends."""
    words, kept = KEPT.split(template), KEPT.findall(template)  # the words to translate, and what lies between them
    if not LETTERS.search("".join(words)):
        return template  # punctuation only: nothing to translate
    accented = "".join(longer(w) + k for w, k in zip(words, [*kept, ""], strict=True))
    start = BLOCK_START.match(accented).end()
    end = len(accented.rstrip())
    return f"{accented[:start]}{OPEN}{accented[start:end]}{CLOSE}{accented[end:]}"


def longer(words: str) -> str:
    """A run of words accented, and padded after its last word (and that word's punctuation), so that Markdown's marks
    around it still open and close. Each run grows with its own length: a part of a text the page hides (the header's
    long form on a phone) hides its padding too."""
    if not LETTERS.search(words):
        return words
    wanted, padding = math.ceil(LONGER * len(words)), ""
    while len(padding) < wanted:  # " ∼∼∼∼ ∼∼∼∼ ∼∼": groups of four, a space before each
        padding += " " + PAD * max(1, min(4, wanted - len(padding) - 1))
    end = LAST_WORD.search(words).end()
    return f"{words[:end].translate(ACCENTED)}{padding}{words[end:].translate(ACCENTED)}"


def write_locales(folder: Path) -> Path:
    """A copy of charlm's locale files in ``folder``, with the pseudo-locale added as one more language."""
    shutil.copytree(PACKAGE_LOCALES, folder)
    po = polib.pofile(str(folder / "en.po"))
    po.metadata["Language"] = TAG
    for entry in po:
        entry.msgstr = pseudo(entry.msgid)
    po.save(str(folder / f"{CODE}.po"))
    (folder / "LINGUAS").write_text(" ".join([*linguas(PACKAGE_LOCALES), CODE]) + "\n", encoding="utf-8")
    return folder


def use_locales(folder: Path, monkeypatch) -> Path:
    """Point charlm at ``folder``'s locale files, with the pseudo-locale, for this test."""
    write_locales(folder)
    monkeypatch.setenv(LOCALES_ENV, str(folder))
    return folder


def outside(text: str) -> list[str]:
    """The English words in ``text`` that are outside every pair of marks: what reached it without the catalogue."""
    words, depth, word = [], 0, ""
    for ch in text + " ":
        depth += (ch == OPEN) - (ch == CLOSE)
        if depth == 0 and ch.isascii() and ch.isalpha():
            word += ch
            continue
        if len(word) >= 2:
            words.append(word)
        word = ""
    return words
