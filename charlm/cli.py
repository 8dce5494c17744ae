"""The command line: ``python -m charlm train | evaluate | generate | inspect | span | shannon | app | bench``.

A thin consumer of the library, like the app. Its options are the fields that hold them, made into flags by
charlm.options: train's are a run's (RunSpec's, CharLMConfig's and TrainConfig's) and its own (``Train``), the other
commands' are in commands.py. train builds a run from them and prints the trainer's events. It speaks the terminal's
language (LANG), --help and argparse's own messages included, and prints every error a user can cause as one line,
never a traceback.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from tqdm import tqdm

from . import __version__, distributed
from .commands import COMMANDS as OTHER_COMMANDS
from .commands import Command
from .corpora import RECIPE_NOTES, describe, recipe_note
from .errors import CharLMError
from .i18n import Msg, from_environment, speaking
from .i18n import text as tr
from .memory import MAX_CHARS
from .model import CharLM, CharLMConfig
from .options import Formatter, Parser, add_options, argparse_text, defaults, flags, offered, option, translated, words
from .presets import GROUPS, PRESETS
from .provenance import Provenance
from .run import CUSTOM, RunSpec, build, resume_spec
from .tokens import token_dir
from .train import Epoch, Finished, Sample, Started, Step, TrainConfig


@dataclass
class Train:
    """train's own options, beside those of the run it trains (the fields of RunSpec, CharLMConfig and TrainConfig)."""

    preset: str | None = option(None, "cli.help.preset", section="cli.section.presets", choices=(*PRESETS, *GROUPS))
    list_presets: bool = option(False, "cli.help.list_presets", section="cli.section.presets", action="store_true")
    token_file: bool = option(True, "cli.help.token_file", section="cli.section.token_files")  # False: ids in memory
    # None: $CHARLM_TOKEN_DIR, else tokens/ in the corpora's cache (charlm.tokens.token_dir)
    token_dir: str | None = option(None, "cli.help.token_dir", section="cli.section.token_files", metavar="DIR")
    out: str | None = option(None, "cli.help.out", section="cli.section.checkpoints", metavar="DIR")  # None: runs/…
    resume: str | None = option(None, "cli.help.resume", section="cli.section.checkpoints", metavar="DIR")
    save_dtype: str = option("float32", "cli.help.save_dtype", section="cli.section.checkpoints",
                             choices=("float32", "float16"))  # fmt: skip


# train's options: its own, the run's text, model and training, each class's listed under its section of --help
TRAIN = ((Train, None), (RunSpec, "cli.section.data"), (CharLMConfig, "cli.section.model"),
         (TrainConfig, "cli.section.training"))  # fmt: skip
SECTIONS = tuple(f"cli.section.{s}" for s in ("presets", "data", "token_files", "model", "training", "checkpoints"))


def spec_defaults(spec: RunSpec) -> dict:
    """The train subcommand's defaults that ``spec`` supplies (a preset's, or a run's to resume), by dest."""
    values = {name: getattr(spec, name) for name in offered(RunSpec)} | spec.model
    values |= {name: getattr(spec.train, name) for name in offered(TrainConfig)}
    return values | {"corpus": None if spec.corpus == CUSTOM else spec.corpus}


def train_defaults(base: RunSpec | None = None) -> dict:
    """Every train option's default, by dest: train's own, then ``base``'s (the CLI's defaults where None)."""
    return defaults(Train) | spec_defaults(base or RunSpec())


def spec_from_args(args: argparse.Namespace) -> RunSpec:
    """The run the train subcommand's arguments describe."""
    text = {name: getattr(args, name) for name in offered(RunSpec)}
    text |= {"corpus": args.corpus or "timemachine", "recipe": args.recipe or "raw"}
    text["max_chars"] = args.max_chars or None  # --max-chars 0: all of it
    train = {name: getattr(args, name) for name in offered(TrainConfig)} | {"sample_prefix": args.sample_prefix or ""}
    return RunSpec(
        **text,
        model={name: getattr(args, name) for name in offered(CharLMConfig)},
        train=TrainConfig(**train),
        preset=args.preset,
        resume=args.resume,
        token_dir=(args.token_dir or str(token_dir())) if args.token_file else None,
    )


class _TrainHelp(argparse.Action):
    """train's --help, its defaults those of the run the options before it describe (a preset's, a resumed run's)."""

    def __call__(self, parser, namespace, values, option_string=None):
        parser.set_defaults(**train_defaults(_base(vars(namespace))))
        parser.print_help()
        parser.exit()


def build_parser(base: RunSpec | None = None, given_only: bool = False) -> argparse.ArgumentParser:
    """The parser, each command's options drawn from its dataclasses' fields, its texts in the active language. With
    ``base`` (a preset's spec, or a saved run's), the train subcommand's defaults are its options, so that only the
    options given explicitly change it; ``given_only``: train's options have no defaults, so that its namespace holds
    only those given, in their order."""
    parser = Parser(prog="python -m charlm", description=tr("cli.about"), formatter_class=Formatter)
    parser.add_argument("--version", action="version", version=f"charlm {__version__}",
                        help=argparse_text("show program's version number and exit"))  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    separator = tr("app.list_separator")  # a list as each language writes it
    recipes = separator.join(tr("cli.help.recipe_item", recipe=recipe, corpus=name, note=recipe_note(name, recipe))
                             for name, recipe in RECIPE_NOTES)  # fmt: skip
    for name, command in COMMANDS.items():
        p = sub.add_parser(name, help=tr(f"cli.command.{name}"), description=tr(f"cli.about.{name}"),
                           formatter_class=Formatter, add_help=name != "train")  # fmt: skip
        values = command.values
        if name == "train":
            p.add_argument("-h", "--help", action=_TrainHelp, nargs=0, default=argparse.SUPPRESS,
                           help=argparse_text("show this help message and exit"))  # fmt: skip
            values = dict.fromkeys(train_defaults(), argparse.SUPPRESS) if given_only else train_defaults(base)
        add_options(p, command.parts, values, {"recipes": recipes, "max_text": MAX_CHARS}, command.sections)
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line, parsed once, argparse speaking the active language. For ``train``, the options given explicitly
    (its namespace without defaults holds only those) go on top of the run they change: see ``train_args``."""
    with translated():
        args = build_parser(given_only=True).parse_args(argv)
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
    values = train_defaults(_base(given))
    if {"corpus", "text_file"} & set(given):  # the text given replaces the base's, whichever kind it was
        values |= {"corpus": None, "text_file": None}
    return argparse.Namespace(**(values | given), command="train", given=given)


def _command(given: dict) -> str:
    """What reproduces a run: ``python -m charlm train`` with the options given, by their full names."""
    flag = flags(*(cls for cls, _section in TRAIN))
    return "python -m charlm " + shlex.join(["train", *(w for name, v in given.items() for w in words(flag[name], v))])


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


COMMANDS = {"train": Command(cmd_train, TRAIN, sections=SECTIONS)} | OTHER_COMMANDS  # in the order --help lists them


def main(argv: list[str] | None = None) -> int:
    """Run a command as the terminal asks: its lines, errors and --help in the language of LANGUAGE, LC_ALL,
    LC_MESSAGES or LANG (Chinese for zh_CN.UTF-8 and the like, else English); what machines read (JSON, files) stays
    English."""
    with speaking(from_environment()):
        return _main(sys.argv[1:] if argv is None else argv)


def _main(argv: list[str]) -> int:
    try:
        args = parse_args(argv)
        return COMMANDS[args.command].run(args)
    except CharLMError as e:
        print(tr("cli.error", message=e), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(tr("cli.interrupted"), file=sys.stderr)
        return 130
    except BrokenPipeError:  # what reads the output stopped first (`charlm shannon --json | head`): nothing to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # else Python's last flush at exit fails loudly
        return 141  # 128 + SIGPIPE: what a shell reports for a command that a closed pipe ended
