"""Command-line options drawn from dataclass fields (charlm.options): one field makes an option, with its flag, type,
default, choices and help; and the package's layers, which let the library declare its options without knowing the
command line."""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from charlm.i18n import speaking
from charlm.options import Formatter, Parser, _wrap, add_options, flags, offered, option, translated

CHARLM = Path(__file__).resolve().parents[1] / "charlm"


@dataclass
class Toy:
    batch_size: int = option(32, "cli.help.batch_size")
    hidden_size: int = option(256, "cli.help.hidden_size", flag="--hidden")
    cell: str = option("lstm", "cli.help.cell", choices=("rnn", "lstm"))
    compile: bool = option(False, "cli.help.compile")
    max_chars: int | None = option(None, "cli.help.max_chars", metavar="N")
    corpus: str | None = option(None, "cli.help.corpus", one_of="text", required=True)
    text_file: str | None = option(None, "cli.help.text_file", one_of="text", required=True)
    temperature: float = 0.0  # a field without option(): not on the command line


def _parser(**values) -> Parser:
    parser = Parser(prog="toy", formatter_class=Formatter)
    add_options(parser, [(Toy, None)], values)
    return parser


def test_an_option_is_one_field():
    assert list(offered(Toy)) == ["batch_size", "hidden_size", "cell", "compile", "max_chars", "corpus", "text_file"]
    assert flags(Toy)["hidden_size"] == "--hidden" and flags(Toy)["batch_size"] == "--batch-size"
    args = _parser().parse_args(["--corpus", "tm"])
    assert vars(args) == {"batch_size": 32, "hidden_size": 256, "cell": "lstm", "compile": False, "max_chars": None,
                          "corpus": "tm", "text_file": None}  # fmt: skip
    args = _parser().parse_args(["--batch-size=8", "--hidden", "4", "--cell", "rnn", "--compile", "--max-chars", "9",
                                 "--text-file", "a.txt"])  # fmt: skip
    assert (args.batch_size, args.hidden_size, args.cell, args.compile, args.max_chars) == (8, 4, "rnn", True, 9)
    assert _parser(batch_size=64).parse_args(["--corpus", "tm", "--no-compile"]).batch_size == 64  # another default


@pytest.mark.parametrize(
    "argv, message",
    [(["--corpus", "tm", "--temperature", "1"], "unrecognized arguments: --temperature"),
     (["--corpus", "tm", "--cell", "gru"], "invalid choice: 'gru'"),
     (["--corpus", "tm", "--batch-size", "1.5"], "invalid int value: '1.5'"),
     ([], "one of the arguments --corpus --text-file is required"),
     (["--corpus", "tm", "--text-file", "a"], "argument --text-file: not allowed with argument --corpus")],
)  # fmt: skip
def test_what_a_field_does_not_allow_the_option_refuses(capsys, argv, message):
    with pytest.raises(SystemExit):
        _parser().parse_args(argv)
    err = capsys.readouterr().err
    assert err.startswith("toy: error: ") and message in err and len(err.splitlines()) == 1


def test_the_help_is_the_catalogues_with_each_default_that_says_something():
    text = " ".join(_parser().format_help().split())
    assert "--batch-size BATCH_SIZE sequences per minibatch (default: 32)" in text
    assert "--hidden HIDDEN hidden units per layer (default: 256)" in text and "--max-chars N keep only" in text
    assert "(--corpus CORPUS | --text-file TEXT_FILE)" in text  # side by side, one of them required
    assert "(default: None)" not in text and "temperature" not in text
    with speaking("zh"), translated():
        chinese = _parser().format_help()
    assert chinese.startswith("用法: toy") and "每个小批量中的序列数（默认：32）" in chinese


def test_chinese_help_is_wrapped_as_a_terminal_shows_it():
    """Two columns a Chinese character, a line broken between two of them, but never before a closing mark."""
    text = "来自书或笔记本的配方：它设定语料、预处理方案、模型、训练方式和样本前缀（见 --list-presets）（默认：256）"
    lines = _wrap(text, 30)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "") and len(lines) == 4
    assert all(len(line) + sum(c > "\u2e80" for c in line) <= 30 for line in lines)
    assert not any(line[0] in "，。；：、）" for line in lines)
    assert _wrap("pure English words", 6) == ["pure", "English", "words"]


# -- the layers: the library below the command line and the app -----------------------------------------------------

LIBRARY = sorted(p for p in CHARLM.glob("*.py") if p.stem not in ("cli", "commands", "__main__"))


def imported(path: Path) -> set[str]:
    """charlm's modules that ``path`` imports, anywhere in it (a lazy import inside a function counts)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names |= {node.module} if node.module else {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("charlm."):
            names.add(node.module.removeprefix("charlm."))
        elif isinstance(node, ast.Import):
            names |= {a.name.removeprefix("charlm.") for a in node.names if a.name.startswith("charlm.")}
    return {name.split(".")[0] for name in names}


@pytest.mark.parametrize("path", LIBRARY, ids=[p.name for p in LIBRARY])
def test_the_library_imports_neither_the_command_line_nor_the_app(path):
    assert not imported(path) & {"cli", "commands", "ui"}, path.name


def test_the_options_sit_below_the_dataclasses_that_declare_them():
    assert imported(CHARLM / "options.py") == {"i18n"}
    assert "options" in imported(CHARLM / "model.py") & imported(CHARLM / "train.py") & imported(CHARLM / "run.py")
