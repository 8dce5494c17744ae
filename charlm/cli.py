"""The command line: ``python -m charlm train | evaluate | generate | inspect | span | shannon | bench``.

A thin consumer of the library, like the app: it builds a corpus, a dataset and a model, then prints
the trainer's events. Every error a user can cause is printed as one line, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
import time
from dataclasses import asdict, fields
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from . import __version__, distributed
from .corpora import CORPORA, RECIPE_NAMES, RECIPE_NOTES, corpus_from_file, describe, preprocessing
from .data import SAMPLING, Dataset
from .device import pick_device
from .errors import CharLMError
from .figures import inspection_report, memory_report
from .generate import generate, own_sample
from .i18n import Msg, from_environment, speaking
from .i18n import text as tr
from .inspection import DEFAULT_MAX_CHARS, find_units, saturation, state_path, trace
from .layers import ENGINES, LAYERS
from .memory import DEFAULT_MAX_DISTANCE, MAX_CHARS, PICTURE_CHARS, SPAN_MASS, check_distance, measure
from .model import CELL_NAMES, CharLM
from .presets import GROUPS, PRESETS
from .provenance import Provenance
from .run import CUSTOM, FLAGS, MODEL_OPTIONS, NO_FLAG, RunSpec, build, resume_spec
from .shannon import check_guesses, parse_guesses, play
from .tokens import token_dir
from .train import KEEP, OPTIMIZERS, PRECISIONS, Epoch, Finished, Sample, Started, Step, TrainConfig, evaluate

TRAIN_OPTIONS = tuple(f.name for f in fields(TrainConfig) if f.name not in NO_FLAG)


def dest(option: str) -> str:
    """The train subcommand's argparse dest for a RunSpec, CharLMConfig or TrainConfig option."""
    return FLAGS[option][2:].replace("-", "_") if option in FLAGS else option


def spec_defaults(spec: RunSpec) -> dict:
    """The train subcommand's defaults that ``spec`` supplies (a preset's, or a run's to resume), by dest."""
    values = {"corpus": None if spec.corpus == CUSTOM else spec.corpus, "text_file": spec.text_file}
    values |= {"recipe": spec.recipe, "max_chars": spec.max_chars} | spec.model
    values |= {k: v for k, v in asdict(spec.train).items() if k in TRAIN_OPTIONS}
    return {dest(key): value for key, value in values.items()}


def spec_from_args(args: argparse.Namespace) -> RunSpec:
    """The run the train subcommand's arguments describe."""
    train = {name: getattr(args, dest(name)) for name in TRAIN_OPTIONS} | {"sample_prefix": args.prefix or ""}
    return RunSpec(
        corpus=args.corpus or "timemachine",
        recipe=args.preprocess or "raw",
        max_chars=args.max_chars or None,
        text_file=args.text_file,
        data_dir=args.data_dir,
        model={name: getattr(args, dest(name)) for name in MODEL_OPTIONS},
        train=TrainConfig(**train),
        preset=args.preset,
        resume=args.resume,
        token_dir=(args.token_dir or str(token_dir())) if args.token_file else None,
    )


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, as every other error (--help shows the usage)
        self.exit(2, f"{self.prog}: error: {message}\n")


class _TrainHelp(argparse.Action):
    """train's --help, its defaults those of the run the options before it describe (a preset's, a resumed run's)."""

    def __call__(self, parser, namespace, values, option_string=None):
        _train_parser(build_parser(_base(vars(namespace)))).print_help()
        parser.exit()


def _add_data_arguments(p: argparse.ArgumentParser, required: bool) -> None:
    g = p.add_argument_group("data")
    src = g.add_mutually_exclusive_group(required=required)
    src.add_argument("--corpus", choices=sorted(CORPORA), help="a named corpus, downloaded and verified on first use")
    src.add_argument("--text-file", metavar="PATH", help="your own UTF-8 text file instead of a named corpus")
    g.add_argument(
        "--data-dir",
        metavar="DIR",
        help="read named corpora from this folder instead of downloading them (default: $CHARLM_DATA_DIR)",
    )
    g.add_argument(
        "--preprocess",
        choices=RECIPE_NAMES,
        help="raw characters (the default), or a book's recipe: "
        + "; ".join(f"{recipe} for {name}, {note}" for (name, recipe), note in RECIPE_NOTES.items()),
    )
    g.add_argument("--max-chars", type=int, metavar="N", help="keep only the first N characters (the d2l book: 10000)")


def build_parser(base: RunSpec | None = None) -> argparse.ArgumentParser:
    """The parser; with ``base`` (a preset's spec, or a saved run's), the train subcommand's defaults are its
    options, so that only the options given explicitly change it."""
    parser = _Parser(
        prog="python -m charlm",
        description="Train, evaluate and sample character-level recurrent language models.",
    )
    parser.add_argument("--version", action="version", version=f"charlm {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    t = sub.add_parser(
        "train",
        help="train a model and save it as a checkpoint folder",
        description="Train a character-level language model. One line per epoch with train and validation "
        "perplexity; at the end a checkpoint folder that CharLM.from_pretrained loads, with its model card.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        add_help=False,
    )
    t.add_argument("-h", "--help", action=_TrainHelp, nargs=0, default=argparse.SUPPRESS,
                   help="show this help message and exit")  # fmt: skip
    r = t.add_argument_group("presets")
    r.add_argument(
        "--preset",
        choices=[*PRESETS, *GROUPS],
        help="a recipe from a book or notebook: it sets the corpus, recipe, model, training and sample prefix; "
        "options given explicitly override it (see --list-presets)",
    )
    r.add_argument("--list-presets", action="store_true", help="print each preset with its source's figure and exit")
    _add_data_arguments(t, required=False)
    k = t.add_argument_group("token files")
    k.add_argument(
        "--token-file",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="encode the text once into a memory-mapped token file, re-used while the text is unchanged (a large "
        "corpus then costs its size on disk, not 20 times it in memory); --no-token-file keeps the ids in memory",
    )
    k.add_argument("--token-dir", metavar="DIR", help="where token files are kept (default: $CHARLM_TOKEN_DIR, else "
                   "tokens/ in the corpora's cache)")  # fmt: skip
    m = t.add_argument_group("model")
    m.add_argument("--cell", choices=list(LAYERS), help="recurrent cell")
    m.add_argument("--layers", type=int, help="stacked layers")
    m.add_argument("--hidden", type=int, help="hidden units per layer")
    m.add_argument("--bidirectional", action=argparse.BooleanOptionalAction,
                   help="also read right to left (cannot generate: it sees the future)")  # fmt: skip
    m.add_argument("--dropout", type=float, help="dropout between layers and before the head")
    m.add_argument("--weight-drop", type=float,
                   help="DropConnect on the recurrent weights while training (Merity et al. 2017)")  # fmt: skip
    m.add_argument("--embedding", type=int, metavar="DIM", help="learned embedding size; 0 for one-hot inputs as in "
                   "the d2l book")  # fmt: skip
    m.add_argument("--nonlinearity", choices=["tanh", "relu"], help="the vanilla RNN's activation")

    o = t.add_argument_group("training")
    o.add_argument("--epochs", type=int, help="passes over the training split")
    o.add_argument("--batch-size", type=int, help="sequences per minibatch")
    o.add_argument("--num-steps", type=int, help="characters per sequence (truncated backpropagation through time)")
    o.add_argument("--sampling", choices=SAMPLING,
                   help="random: shuffled sequences, state reset; sequential: state carried across batches")  # fmt: skip
    o.add_argument("--optimizer", choices=OPTIMIZERS, help="optimizer")
    o.add_argument("--lr", type=float, help="learning rate")
    o.add_argument("--lr-decay", type=float, help="multiply the learning rate by this after every epoch past "
                   "--lr-decay-after (char-rnn: 0.97)")  # fmt: skip
    o.add_argument("--lr-decay-after", type=int, metavar="EPOCH", help="the last epoch at the full learning rate "
                   "(char-rnn: 10)")  # fmt: skip
    o.add_argument("--clip", type=float, help="clip the gradient norm to this; 0 = off")
    o.add_argument("--weight-decay", type=float, help="weight decay")
    o.add_argument("--valid-fraction", type=float, help="the last part of the text held out for validation")
    o.add_argument("--valid-chars", type=int, metavar="N", help="validate each epoch on the validation split's first "
                   "N characters only (a large corpus's); 0: all")  # fmt: skip
    o.add_argument("--seed", type=int, help="random seed")
    o.add_argument(
        "--engine",
        choices=ENGINES,
        help="scratch: charlm's cells; fused: torch's kernels; auto: fused where it exists; naive: charlm's cells "
        "written the slow way, one matrix product per gate and input per step (the d2l book's scratch code)",
    )
    o.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps")
    o.add_argument(
        "--precision",
        choices=PRECISIONS,
        help="bfloat16: mixed-precision training steps (2-3x faster on CPUs with AMX and on GPUs); weights, "
        "validation and samples stay float32. auto: bfloat16 where the hardware is fast at it",
    )
    o.add_argument("--compile", action=argparse.BooleanOptionalAction, help="torch.compile the training step (CUDA "
                   "graphs on a GPU); compiling takes 20-60 s first")  # fmt: skip
    o.add_argument("--max-seconds", type=float, help="stop after this many seconds; 0 = no limit")
    o.add_argument(
        "--keep",
        choices=KEEP,
        help="the weights a run ends with: the best validation epoch's, or the last epoch's (the d2l book's figures "
        "are its final model's training perplexity)",
    )
    o.add_argument("--sample-every", type=int, help="epochs between samples; 0 = none")
    o.add_argument("--prefix", help="where samples start; empty: where the corpus's samples usually start")
    o.add_argument("--sample-length", type=int, help="characters per sample")

    s = t.add_argument_group("checkpoints")
    s.add_argument("--out", metavar="DIR", help="where to save the model (default: runs/CORPUS-CELL)")
    s.add_argument("--resume", metavar="DIR", help="continue a run saved by --out (up to --epochs in all)")
    s.add_argument(
        "--save-dtype",
        choices=["float32", "float16"],
        default="float32",
        help="float16 halves the checkpoint's size; it loads back as float32",
    )
    t.set_defaults(**spec_defaults(base or RunSpec()))

    g = sub.add_parser(
        "generate",
        help="print text sampled from a checkpoint",
        description="Warm a model up on a prefix, then sample. Temperature 0 is greedy (the d2l book's predict_ch8).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    g.add_argument("--checkpoint", required=True, metavar="DIR", help="a checkpoint folder or Hugging Face Hub id")
    g.add_argument("--prefix", default="", help="text to start from (default: the prefix the model was trained with)")
    g.add_argument("--length", type=int, default=200, help="characters to generate per sample")
    g.add_argument("--temperature", type=float, default=1.0, help="0 = greedy; below 1 safer, above 1 wilder")
    g.add_argument("--top-k", type=int, default=0, help="draw only from the k likeliest characters; 0 = off")
    g.add_argument("--top-p", type=float, default=1.0, help="draw only from the likeliest characters holding this mass")
    g.add_argument("--seed", type=int, help="the same seed gives the same text")
    g.add_argument("--samples", type=int, default=1, help="how many samples")
    g.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")

    i = sub.add_parser(
        "inspect",
        help="write every gate's activity on a text to one offline HTML page",
        description="Trace a text through a checkpoint and write heatmaps of every gate, the text coloured by the "
        "units that track something, gate saturation and a table of interpretable units into one HTML page.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    i.add_argument("--checkpoint", required=True, metavar="DIR", help="a checkpoint folder or Hugging Face Hub id")
    text = i.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", help="the text to inspect")
    text.add_argument("--text-file", metavar="PATH", help="a UTF-8 file with the text to inspect")
    i.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS, help="longer texts are cut, with a notice")
    i.add_argument("--out", default="inspect.html", metavar="FILE.html", help="where to write the page")

    m = sub.add_parser(
        "span",
        help="how far back a checkpoint's predictions look: its connectivity profile and memory span",
        description="Connectivity (Madsen 2019): how much each earlier character moved each prediction, averaged "
        "at each distance k. The memory span is the smallest k holding 90%% of that profile (k = 1 … K). Without "
        "--text or --text-file the text is the model's own writing (its usual prefix and 300 characters, seed 0).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    m.add_argument("--checkpoint", required=True, nargs="+", metavar="DIR",
                   help="checkpoint folders or Hugging Face Hub ids: several are measured on the same text")  # fmt: skip
    text = m.add_mutually_exclusive_group()
    text.add_argument("--text", help="the text to measure on")
    text.add_argument("--text-file", metavar="PATH",
                      help=f"a UTF-8 file with the text (at most {MAX_CHARS:,} characters)")  # fmt: skip
    m.add_argument("--max-distance", type=int, default=DEFAULT_MAX_DISTANCE, metavar="K",
                   help="the profile's longest distance")  # fmt: skip
    m.add_argument("--json", action="store_true", help="print JSON, a line per checkpoint: span, profile, and more")
    m.add_argument("--html", metavar="FILE.html",
                   help="also write the pictures, the checkpoints side by side (offline)")  # fmt: skip
    m.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")

    h = sub.add_parser(
        "shannon",
        help="Shannon's guessing game: how many guesses a checkpoint needs per character, and the entropy bounds",
        description="Shannon (1951): each character after the first is guessed from all the text before it, until "
        "right; from the share q_i of characters that took i guesses, the entropy per character lies between "
        "sum i (q_i - q_i+1) log2 i and -sum q_i log2 q_i. A model's guess count is the true character's rank in its "
        "prediction. With --guesses, a person's counts are scored the same way. --json: the last line is one object.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    h.add_argument("--checkpoint", required=True, metavar="DIR", help="a checkpoint folder or Hugging Face Hub id")
    text = h.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", help="the text to play on")
    text.add_argument("--text-file", metavar="PATH", help="a UTF-8 file with the text to play on")
    h.add_argument("--guesses", metavar="3,1,1,...", help="a person's guess counts for the first characters after the "
                   "first, in order: scored beside the model's")  # fmt: skip
    h.add_argument("--json", action="store_true", help="print one JSON object: characters, model, human")
    h.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")

    a = sub.add_parser(
        "app",
        help="serve the web app (needs charlm[app]: gradio, plotly)",
        description="Serve the web app until interrupted: train, inspect, generate, compare, rooms. The pretrained "
        "checkpoints are not in the package: --checkpoints names a folder of them (a checkout's checkpoints/), else "
        "the app starts on an untrained model and its Models tab loads from the Hugging Face Hub.",
    )
    a.add_argument("--host", help="the address to serve at (default: $CHARLM_HOST, else 127.0.0.1)")
    a.add_argument("--port", type=int, help="the port (default: $CHARLM_PORT, else 7860)")
    a.add_argument("--checkpoints", metavar="DIR", help="the pretrained checkpoints to offer (default: "
                   "$CHARLM_CHECKPOINTS, else ./checkpoints)")  # fmt: skip

    b = sub.add_parser(
        "bench",
        help="measure training, inference, generation and trace speed against torch.nn and a naive baseline",
        description="Tokens/s of torch.nn, charlm's fused and scratch engines and a naive d2l-style loop, side by "
        "side in one run, with ratios; plus generation and trace speed, app start-up time and peak memory.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    b.add_argument("--settings", nargs="+", default=["d2l", "large", "app"], choices=["d2l", "large", "app"])
    b.add_argument("--cells", nargs="+", default=list(LAYERS), choices=list(LAYERS))
    b.add_argument("--repeats", type=int, default=10, help="timed repeats per figure (the median is reported)")
    b.add_argument("--warmup", type=int, default=3, help="untimed runs first")
    b.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or mps")
    b.add_argument("--no-startup", action="store_true", help="skip timing the app's start-up")
    b.add_argument(
        "--compile", action="store_true", help="also time the scratch engine under torch.compile (CUDA graphs on a GPU)"
    )
    b.add_argument(
        "--no-processes",
        action="store_true",
        help="skip timing training on 1 and 2 processes (torchrun, gloo; CPU only, about 30 s)",
    )
    b.add_argument("--json", action="store_true", help="print JSON instead of a table")

    e = sub.add_parser(
        "evaluate",
        help="print a checkpoint's validation perplexity and bits per character",
        description="Evaluate a checkpoint on its validation split. Corpus, preprocessing and split are the ones "
        "saved in the checkpoint unless given here.",
    )
    e.add_argument("--checkpoint", required=True, metavar="DIR", help="a checkpoint folder or Hugging Face Hub id")
    _add_data_arguments(e, required=False)
    e.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    return parser


def cmd_train(args: argparse.Namespace) -> int:
    if args.list_presets:
        for p in PRESETS.values():
            print(f"{p.name:<18} {p.msg('title')} — {p.msg('published')}")
        for group in GROUPS.values():
            print(tr("cli.group_line", name=group.name, title=group.msg("title"), published=group.msg("published")))
        return 0
    if args.preset in GROUPS:
        return train_group(args)
    group = distributed.join(args.device)  # torchrun's processes train together; one started alone: a group of one
    try:
        return _train(args, group)
    finally:
        distributed.leave(group)


def _train(args: argparse.Namespace, group: distributed.Group) -> int:
    say = print if group.rank == 0 else lambda *args, **kwargs: None  # rank 0 speaks for the job
    progress = _Progress(enabled=group.rank == 0)

    def making(what: str, done: int, total: int) -> None:  # a token file: its characters counted, then encoded
        progress.count(what, done, total)
        if done == total:
            progress.clear()

    run = build(spec_from_args(args), command=_command(args.given), group=group, progress=making)
    corpus, data, model = run.corpus, run.data, run.model
    out = Path(args.out or args.resume or f"runs/{corpus.name}-{model.config.cell}")
    if group.active:
        distributed.stop_on_interrupt(run.trainer.stop)
        rows = run.trainer.rows
        share = rows.stop - rows.start
        say(tr("cli.processes", world=group.world, rows=share, batch_size=run.trainer.config.batch_size))
    say(tr("cli.data", corpus=describe(corpus), train=len(data.train), valid=len(data.valid)))
    if run.data_note:
        say(str(run.data_note))
    if len(run.trainer.valid) < len(data.valid):
        say(tr("cli.valid_chars", used=len(run.trainer.valid), total=len(data.valid)))
    say(tr("cli.model", model=model.describe()))
    if data.valid_unknown:
        say(tr("cli.valid_unknown", count=sum(data.valid_unknown.values())))

    try:
        for event in run.events():
            if isinstance(event, Started):
                say(tr("cli.started", device=event.device, engine=event.engine, precision=event.precision,
                       first=event.first_epoch, last=event.epochs))  # fmt: skip
                if event.initial_valid_perplexity is not None:
                    say(tr("cli.epoch_zero", train=event.initial_train_perplexity,
                           valid=event.initial_valid_perplexity))  # fmt: skip
            elif isinstance(event, Step):
                progress.step(event)
            elif isinstance(event, Epoch):
                progress.clear()
                per_process = tr("cli.per_process", speed=event.tokens_per_second / group.world) if group.active else ""
                say(tr("cli.epoch", epoch=event.epoch, train=event.train_perplexity, valid=event.valid_perplexity,
                       bpc=event.valid_bpc, speed=event.tokens_per_second, per_process=per_process,
                       clipped=event.clipped_fraction, elapsed=event.elapsed, best=" *" if event.is_best else ""))  # fmt: skip
            elif isinstance(event, Sample):
                say(tr("cli.sample", text=event.prefix + event.text))
            elif isinstance(event, Finished):
                progress.clear()
                say(str(event.message))
    except KeyboardInterrupt:
        progress.clear()
        say(tr("cli.interrupted_saving"))
    if group.rank == 0:
        run.save(out, weights_dtype=getattr(torch, args.save_dtype))
    group.barrier()  # the others wait for rank 0's checkpoint: the job ends when it is on disk
    say(tr("cli.saved", out=out, path=str(out)))
    return 1 if run.finished is not None and run.finished.reason == "diverged" else 0


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
    recipe = args.preprocess or (saved.recipe if corpus == saved.corpus else "raw")
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
        process_settings=() if args.no_processes else tuple(bench.PROCESS_SETTINGS),
    )  # fmt: skip
    print(bench.to_json(result) if args.json else bench.format_table(result))
    return 0


class _Progress:
    """Progress of long work on stderr: on a terminal, tqdm's bar (redrawn at most ten times a second, with the rate
    and the time left); in a log (CI, a file), where a bar's carriage returns would pile up, a plain line every half
    minute instead, so a long epoch is not silent there."""

    PLAIN_EVERY = 30.0  # seconds between plain lines

    def __init__(self, enabled: bool = True, terminal: bool | None = None):
        self.enabled = enabled
        self.terminal = sys.stderr.isatty() if terminal is None else terminal
        self.bar: tqdm | None = None
        self.last, self.started = 0.0, time.perf_counter()
        self.work = None  # what is in progress: an epoch's number, or a task's name ("encoding")

    def step(self, e: Step) -> None:
        if e.epoch != self.work:
            self._begin(e.epoch, tr("cli.bar_epoch", epoch=e.epoch), e.steps_per_epoch, tr("cli.bar_step_unit"))
        detail = tr("cli.bar_steps", loss=e.loss, perplexity=e.perplexity, norm=e.grad_norm, speed=e.tokens_per_second,
                    clipped=Msg("cli.bar_clipped") if e.clipped else "")  # fmt: skip
        self._show(e.step, detail)

    def count(self, what: str, done: int, total: int) -> None:
        """Work counted in characters (encoding a text): done of total, at the rate so far."""
        if what != self.work:
            self._begin(what, str(what), total, tr("cli.bar_character_unit"))
        self._show(done, "")

    def _begin(self, work, what: str, total: int, unit: str) -> None:
        self.clear()
        self.work, self.what, self.total, self.unit = work, what, total, unit
        self.started = self.last = time.perf_counter()
        if self.enabled and self.terminal:
            self.bar = tqdm(total=total, desc=what, unit=f" {unit}", unit_scale=total > 100_000, leave=False,
                            file=sys.stderr, dynamic_ncols=True, mininterval=0.1)  # fmt: skip

    def _show(self, done: int, detail: str) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(detail, refresh=False)
            self.bar.update(done - self.bar.n)
            return
        now = time.perf_counter()
        if not self.enabled or now - self.last < self.PLAIN_EVERY:
            return
        self.last = now
        rate = done / max(now - self.started, 1e-9)
        eta = tr("cli.bar_left", duration=_duration((self.total - done) / rate)) if done else ""
        speed = "" if detail else f" ({rate / 1e6:.1f} M/s)"
        sys.stderr.write(f"{self.what}: {done:,}/{self.total:,} {self.unit}{speed} {detail}{eta}\n")
        sys.stderr.flush()

    def clear(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _duration(seconds: float) -> str:
    """3 s, 4 min 05 s, 2 h 07 min."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def _train_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    return parser._subparsers._group_actions[0].choices["train"]


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line, parsed once. For ``train``, the options given explicitly (argparse's train subcommand without
    defaults holds only those) go on top of the run they change: see ``train_args``."""
    parser = build_parser()
    train = _train_parser(parser)
    train._defaults.clear()  # without defaults, the namespace holds only the options given, in their order
    for action in train._actions:
        action.default = argparse.SUPPRESS
    args = parser.parse_args(argv)
    return train_args({k: v for k, v in vars(args).items() if k != "command"}) if args.command == "train" else args


def _base(given: dict) -> RunSpec | None:
    """The run that the train options ``given`` change: a saved run's (--resume), else a preset's (--preset); None for
    the CLI's defaults, and where there is no run of its own (a list, or a group: each member has its preset's)."""
    if given.get("list_presets") or given.get("preset") in GROUPS:
        return None
    if given.get("resume"):
        return resume_spec(given["resume"], **({"text_file": given["text_file"]} if given.get("text_file") else {}))
    return PRESETS[given["preset"]].spec if given.get("preset") else None


def train_args(given: dict) -> argparse.Namespace:
    """The train subcommand's arguments: the CLI's defaults ← the preset's ← the resumed run's ← ``given``, the
    options given explicitly, by dest (kept as ``given``: a group's members, and the model card's command, use them)."""
    values = {a.dest: a.default for a in _train_parser(build_parser(_base(given)))._actions if a.dest != "help"}
    if {"corpus", "text_file"} & set(given):  # the text given replaces the base's, whichever kind it was
        values |= {"corpus": None, "text_file": None}
    return argparse.Namespace(**(values | given), command="train", given=given)


def _command(given: dict) -> str:
    """What reproduces a run: ``python -m charlm train`` with the options given, by their full names."""
    flags = {a.dest: a.option_strings for a in _train_parser(build_parser())._actions}
    words = ["train"]
    for name, value in given.items():
        words += [flags[name][0 if value else -1]] if isinstance(value, bool) else [flags[name][0], str(value)]
    return "python -m charlm " + shlex.join(words)


def train_group(args: argparse.Namespace) -> int:
    """``train --preset GROUP`` (a pair, the chapter's trio): its presets one after the other, each with the options
    given on top and saved under --out (default runs/GROUP); then what they show side by side, here and in the source:
    a pair's ratio of speeds, a trio's last training perplexities."""
    group = GROUPS[args.preset]
    out = Path(args.out or f"runs/{group.name}")
    if args.resume:
        raise CharLMError("cli.group_resume", group=group.name, count=len(group.presets),
                          folder=str(out / group.presets[0]))  # fmt: skip
    members = [train_args(args.given | {"preset": name, "out": str(out / name)}) for name in group.presets]
    for member in members:
        spec_from_args(member)  # a bad option is refused before any trains
    last = []
    for member in members:
        print(f"== {member.preset}: {PRESETS[member.preset].msg('title')}")
        code = cmd_train(member)
        if code != 0:
            return code
        last.append(Provenance.of(CharLM.from_pretrained(member.out)).training.history[-1])
    if group.is_pair:
        ratio = last[0]["tokens_per_second"] / last[1]["tokens_per_second"]
        print(tr("cli.pair_ratio", first=group.presets[0], second=group.presets[1], ratio=ratio,
                 published=group.msg("published")))  # fmt: skip
    else:
        items = " · ".join(f"{name} {h['train_perplexity']:.3f}" for name, h in zip(group.presets, last, strict=True))
        print(tr("cli.group_perplexities", items=items, published=group.msg("published")))
    return 0


def english(value) -> str:
    """A text for machines (JSON, files): a Msg in English, anything else as ``str`` makes it."""
    return value.render("en") if isinstance(value, Msg) else str(value)


def main(argv: list[str] | None = None) -> int:
    """Run a command as the terminal asks: its lines and errors in the language of LANGUAGE, LC_ALL, LC_MESSAGES or
    LANG (Chinese for zh_CN.UTF-8 and the like, else English); what machines read (JSON, files) stays English."""
    with speaking(from_environment()):
        return _main(sys.argv[1:] if argv is None else argv)


def _main(argv: list[str]) -> int:
    try:
        args = parse_args(argv)
        commands = {
            "train": cmd_train,
            "evaluate": cmd_evaluate,
            "generate": cmd_generate,
            "inspect": cmd_inspect,
            "span": cmd_span,
            "shannon": cmd_shannon,
            "bench": cmd_bench,
            "app": cmd_app,
        }
        return commands[args.command](args)
    except CharLMError as e:
        print(tr("cli.error", message=e), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(tr("cli.interrupted"), file=sys.stderr)
        return 130
