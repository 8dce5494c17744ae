"""The command line's commands but train: evaluate, generate, inspect, span, shannon, app and bench. Each is a
dataclass of its options (fields made by ``charlm.options.option``: cli.py turns them into flags) and a function that
runs it on the parsed arguments; what it prints for a person is in the terminal's language, what it writes for
machines (JSON, files) in English.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .corpora import CORPORA, corpus_from_file, describe, preprocessing
from .data import Dataset
from .device import pick_device
from .errors import CharLMError
from .figures import inspection_report, memory_report
from .generate import generate, own_sample
from .i18n import Msg
from .i18n import text as tr
from .inspection import DEFAULT_MAX_CHARS, find_units, saturation, state_path, trace
from .layers import LAYERS
from .memory import DEFAULT_MAX_DISTANCE, PICTURE_CHARS, SPAN_MASS, check_distance, measure
from .model import CELL_NAMES, CharLM
from .options import offered, option
from .provenance import Provenance
from .run import RunSpec
from .shannon import check_guesses, parse_guesses, play
from .train import evaluate


class Command(NamedTuple):
    """A subcommand of the command line."""

    run: Callable[[argparse.Namespace], int]  # what runs it: its exit status
    # the dataclasses whose fields are its options, each with the --help section its fields are listed in (a catalogue
    # id; None: the command's own options, where -h is)
    parts: tuple[tuple[type, str | None], ...]
    values: Mapping[str, Any] | None = None  # defaults other than the fields', by field name
    sections: tuple[str, ...] = ()  # the order of its sections in --help, where it has several


# -- each command's options -------------------------------------------------------------------------------------------


@dataclass
class Evaluate:
    """evaluate's options, beside the text's (RunSpec's: the checkpoint's own unless given)."""

    checkpoint: str = option(None, "cli.help.checkpoint", required=True, metavar="DIR")
    device: str = option("auto", "cli.help.device")


@dataclass
class Generate:
    checkpoint: str = option(None, "cli.help.checkpoint", required=True, metavar="DIR")
    prefix: str = option("", "cli.help.generate_prefix")  # "": the one the model was trained with
    length: int = option(200, "cli.help.length")
    temperature: float = option(1.0, "cli.help.temperature")
    top_k: int = option(0, "cli.help.top_k")
    top_p: float = option(1.0, "cli.help.top_p")
    seed: int | None = option(None, "cli.help.generate_seed")
    samples: int = option(1, "cli.help.samples")
    device: str = option("auto", "cli.help.device")


@dataclass
class Inspect:
    checkpoint: str = option(None, "cli.help.checkpoint", required=True, metavar="DIR")
    text: str | None = option(None, "cli.help.inspect_text", one_of="text", required=True)  # this, or the file's
    text_file: str | None = option(None, "cli.help.inspect_text_file", one_of="text", required=True, metavar="PATH")
    max_chars: int = option(DEFAULT_MAX_CHARS, "cli.help.inspect_max_chars")
    out: str = option("inspect.html", "cli.help.inspect_out", metavar="FILE.html")


@dataclass
class Span:
    checkpoint: Sequence[str] = option(None, "cli.help.span_checkpoints", required=True, nargs="+", metavar="DIR")
    text: str | None = option(None, "cli.help.span_text", one_of="text")  # neither: the first model's own writing
    text_file: str | None = option(None, "cli.help.span_text_file", one_of="text", metavar="PATH")
    max_distance: int = option(DEFAULT_MAX_DISTANCE, "cli.help.max_distance", metavar="K")
    json: bool = option(False, "cli.help.span_json", action="store_true")
    html: str | None = option(None, "cli.help.span_html", metavar="FILE.html")
    device: str = option("auto", "cli.help.device")


@dataclass
class Shannon:
    checkpoint: str = option(None, "cli.help.checkpoint", required=True, metavar="DIR")
    text: str | None = option(None, "cli.help.shannon_text", one_of="text", required=True)
    text_file: str | None = option(None, "cli.help.shannon_text_file", one_of="text", required=True, metavar="PATH")
    guesses: str | None = option(None, "cli.help.guesses", metavar="3,1,1,...")
    json: bool = option(False, "cli.help.shannon_json", action="store_true")
    device: str = option("auto", "cli.help.device")


@dataclass
class App:
    host: str | None = option(None, "cli.help.host")  # None: $CHARLM_HOST, else 127.0.0.1
    port: int | None = option(None, "cli.help.port")  # None: $CHARLM_PORT, else 7860
    checkpoints: str | None = option(None, "cli.help.app_checkpoints", metavar="DIR")


@dataclass
class Bench:
    # charlm.bench.SETTINGS' names (bench is imported only to run)
    settings: Sequence[str] = option(("d2l", "large", "app"), "cli.help.bench_settings", nargs="+",
                                     choices=("d2l", "large", "app"))  # fmt: skip
    cells: Sequence[str] = option(tuple(LAYERS), "cli.help.bench_cells", nargs="+", choices=tuple(LAYERS))
    repeats: int = option(10, "cli.help.repeats")
    warmup: int = option(3, "cli.help.warmup")
    device: str = option("cpu", "cli.help.bench_device")
    no_startup: bool = option(False, "cli.help.no_startup", action="store_true")
    compile: bool = option(False, "cli.help.bench_compile", action="store_true")
    no_processes: bool = option(False, "cli.help.no_processes", action="store_true")
    memory_chars: int = option(300, "cli.help.bench_memory_chars")
    json: bool = option(False, "cli.help.bench_json", action="store_true")


# -- what each does ---------------------------------------------------------------------------------------------------


def cmd_evaluate(args: argparse.Namespace) -> int:
    model = CharLM.from_pretrained(args.checkpoint, device=args.device)
    saved = Provenance.of(model)
    text_file = args.text_file
    if not (args.corpus or text_file):
        if saved.corpus is None:
            raise CharLMError("cli.no_corpus")
        if saved.is_user_text:
            text_file = str(saved.check_text_file())  # there and unchanged, or a message saying what moved
    corpus = args.corpus or (saved.corpus if saved.corpus in CORPORA else "timemachine")
    recipe = args.recipe or (saved.recipe if corpus == saved.corpus else "raw")
    spec = RunSpec(corpus, recipe, args.max_chars or saved.max_chars, text_file=text_file, data_dir=args.data_dir)
    corpus = spec.load_text()
    data = Dataset.from_text(corpus.text, saved.valid_fraction, vocab=model.vocab)
    start = time.perf_counter()
    loss = evaluate(model, data.valid)
    unknown = sum(data.valid_unknown.values())
    print(tr("cli.eval_data", corpus=describe(corpus), preprocessing=preprocessing(corpus),
             fraction=saved.valid_fraction, chars=len(data.valid)))  # fmt: skip
    if unknown:
        print(tr("cli.eval_unknown", count=unknown))
    print(tr("cli.eval_result", perplexity=math.exp(loss), bpc=loss / math.log(2), nats=loss,
             seconds=time.perf_counter() - start))  # fmt: skip
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    model = CharLM.from_pretrained(args.checkpoint, device=args.device)
    result = generate(
        model, args.prefix, args.length, temperature=args.temperature, top_k=args.top_k, top_p=args.top_p,
        seed=args.seed, num_samples=args.samples,
    )  # fmt: skip
    for warning in result.warnings:
        print(tr("cli.note", note=warning), file=sys.stderr)
    for k, (text, loop) in enumerate(zip(result.texts, result.loops, strict=True)):
        if args.samples > 1:
            print(tr("cli.sample_header", number=k + 1))
        print(result.prefix + text)
        if loop:
            print(tr("cli.note", note=loop), file=sys.stderr)
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    model = CharLM.from_pretrained(args.checkpoint)
    text = args.text if args.text is not None else corpus_from_file(args.text_file).text
    t = trace(model, text, max_chars=args.max_chars)
    units, sats = find_units(t), saturation(t)
    memory = measure(model, t.text[:PICTURE_CHARS]) if len(t.text) >= 2 else None
    path = state_path(t, layer=model.config.num_layers - 1) if len(t.text) >= 3 else None
    page = inspection_report(f"charlm inspect: {model.describe()}", t, units, sats, memory, path)
    Path(args.out).write_text(page, encoding="utf-8")
    for notice in t.notices:
        print(tr("cli.note", note=notice))
    print(tr("cli.traced", chars=len(t.text), surprisal=t.surprisal.mean()))
    for u in units[:5]:
        print(f"  {u}")
    if memory is not None:
        if len(t.text) > PICTURE_CHARS:
            measured = Msg("cli.measured_first", count=PICTURE_CHARS)
        else:
            measured = Msg("cli.measured_all", count=len(t.text))
        print(tr("cli.inspect_span", span=memory.span, measured=measured))
    print(tr("cli.wrote_page", path=args.out, size=Path(args.out).stat().st_size / 1e6))
    return 0


def cmd_span(args: argparse.Namespace) -> int:
    models = {str(c): CharLM.from_pretrained(c, device=args.device) for c in args.checkpoint}
    first = next(iter(models.values()))
    if args.text is not None:
        text, source = args.text, Msg("cli.source_given")
    elif args.text_file is not None:
        text, source = corpus_from_file(args.text_file).text, args.text_file
    else:
        text, source = own_sample(first), Msg("cli.source_own")
    if len(text) >= 2:
        check_distance(args.max_distance, len(text))  # before minutes of work, not after
    measured = {}
    for name, model in models.items():
        start = time.perf_counter()
        memory = measure(model, text, args.max_distance, untrained=False)
        measured[name] = memory
        seconds = time.perf_counter() - start
        if args.json:
            print(json.dumps({"span": memory.span, "max_distance": args.max_distance, "mass": SPAN_MASS,
                              "profile": memory.profile.tolist(), "characters": len(text), "text": english(source),
                              "checkpoint": name, "bidirectional": model.config.bidirectional, "seconds": seconds}))  # fmt: skip
            continue
        print(tr("cli.span_measured", name=name, model=model.describe(), source=source, chars=len(text),
                 seconds=seconds))  # fmt: skip
        profile = memory.profile
        shares = np.cumsum(profile) / max(profile.sum(), 1e-300)
        print(tr("cli.span_columns"))
        marker = tr("cli.span_marker")
        shown = {*range(1, min(10, len(profile)) + 1), *range(10, len(profile) + 1, 10), memory.span, len(profile)}
        for k in sorted(shown):
            print(f"{k:>5}  {profile[k - 1]:>12.4g}  {shares[k - 1]:>14.1%}{marker if k == memory.span else ''}")
        print(tr("cli.span", span=memory.span, mass=SPAN_MASS, k=len(profile)))
        if model.config.bidirectional:
            print(tr("cli.span_bidirectional"))
    if args.html:
        names = {name: f"{Path(name).name} ({CELL_NAMES[m.config.cell]})" for name, m in models.items()}
        page = memory_report({names[k]: m for k, m in measured.items()}, str(source))
        Path(args.html).write_text(page, encoding="utf-8")
        print(tr("cli.wrote", path=args.html), file=sys.stderr if args.json else sys.stdout)
    return 0


def cmd_shannon(args: argparse.Namespace) -> int:
    guesses = check_guesses(parse_guesses(args.guesses)) if args.guesses is not None else None  # before loading
    model = CharLM.from_pretrained(args.checkpoint, device=args.device)
    text = args.text if args.text is not None else corpus_from_file(args.text_file).text
    game = play(model, text, guesses)
    if args.json:
        print(json.dumps(game.to_dict()))
        return 0
    print(tr("shannon.checkpoint", name=args.checkpoint, model=model.describe()))
    for line in game.summary():
        print(line)
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    try:
        from .ui import app
    except ImportError as e:  # the library alone: the app's dependencies are an extra
        raise CharLMError("cli.app_needs_extra", missing=e.name or str(e)) from None
    app.main(Path(args.checkpoints).resolve() if args.checkpoints else None, args.host, args.port)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from . import bench  # imported here: only this command needs it

    pick_device(args.device)  # a clear error for a device this machine lacks
    result = bench.run(
        args.settings, args.cells, args.repeats, args.warmup, args.device, not args.no_startup, args.compile,
        memory_chars=args.memory_chars, process_settings=() if args.no_processes else tuple(bench.PROCESS_SETTINGS),
    )  # fmt: skip
    print(bench.to_json(result) if args.json else bench.format_table(result))
    return 0


def english(value) -> str:
    """A text for machines (JSON, files): a Msg in English, anything else as ``str`` makes it."""
    return value.render("en") if isinstance(value, Msg) else str(value)


COMMANDS = {  # in the order --help lists them, after train
    "generate": Command(cmd_generate, ((Generate, None),)),
    "inspect": Command(cmd_inspect, ((Inspect, None),)),
    "span": Command(cmd_span, ((Span, None),)),
    "shannon": Command(cmd_shannon, ((Shannon, None),)),
    "app": Command(cmd_app, ((App, None),)),
    "bench": Command(cmd_bench, ((Bench, None),)),
    # the text's options default to None: the checkpoint's corpus, recipe and cut unless given here
    "evaluate": Command(cmd_evaluate, ((Evaluate, None), (RunSpec, "cli.section.data")),
                        dict.fromkeys(offered(RunSpec))),
}
