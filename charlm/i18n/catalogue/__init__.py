"""charlm's message catalogue: every text it shows a person, by id, as (English, Chinese).

One module per part of charlm, each a ``TEXTS`` dict; an id is "<part>.<what>" and appears once in the whole
catalogue. Parameters are named, in ``str.format`` style, and both languages use the same ones.

    errors       the library's checks of what a user asked for (errors.py, limits.py, device.py)
    data         corpora, vocabularies, datasets, token files, provenance
    model        models, layers, cells, checkpoints, generation, inspection, memory
    shannon      Shannon's guessing game: its refusals, and what its command prints
    training     trainer events, runs, distributed training, the bench
    cli          the command line's own lines
    presets      the presets' titles, sources and explanations
    app          the app's frame: header, language switch, session, shared helpers, ZeroGPU
    train_tab    the Train tab
    inspect_tab  the Inspect and Generate tabs, and the figures
    other_tabs   the Models, Compare and Cells tabs
    room         a run shared with a lecture's room: the owner's panel, the Room tab, the queue
    guess_tab    the Guess tab: Shannon's guessing game
"""

from __future__ import annotations

from . import (
    app,
    cli,
    data,
    errors,
    guess_tab,
    inspect_tab,
    model,
    other_tabs,
    presets,
    room,
    shannon,
    train_tab,
    training,
)

PARTS = (errors, data, model, shannon, training, cli, presets, app, train_tab, inspect_tab, other_tabs, room, guess_tab)


def _merged() -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    for part in PARTS:
        for key, texts in part.TEXTS.items():
            if key in merged:
                raise KeyError(f"the message id {key!r} appears twice in charlm's catalogue")
            merged[key] = texts
    return merged


CATALOGUE: dict[str, tuple[str, str]] = _merged()
