"""The command line, run in-process as a user would type it, on The Time Machine from ../shared."""

import json
import math
import re
import shlex
import time
from pathlib import Path

import numpy as np
import pytest

from charlm import CharLM
from charlm.cli import build_parser, main
from charlm.corpora import load_corpus
from charlm.data import Dataset
from charlm.i18n import speaking
from charlm.presets import GROUPS, PRESETS
from charlm.provenance import Provenance

FAST = ["--hidden", "48", "--batch-size", "16", "--num-steps", "32", "--sample-length", "30"]
LANGUAGE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def _terminal(monkeypatch, **variables):
    """A terminal asking for a language through these variables (none: English; conftest clears them for every test)."""
    for name in LANGUAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)


@pytest.mark.slow
def test_train_then_evaluate_beats_the_unigram_baseline(tmp_path, shared, capsys):
    out = tmp_path / "tm"
    argv = ["train", "--corpus", "timemachine", "--data-dir", str(shared), "--preprocess", "d2l",
            "--max-chars", "30000"]  # fmt: skip
    assert main([*argv, "--cell", "gru", "--epochs", "3", *FAST, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    untrained = float(re.search(r"epoch +0 .* valid ppl +([\d.]+)  \(untrained\)", printed).group(1))
    valid = [float(v) for v in re.findall(r"valid ppl +([\d.]+)  \(\d", printed)]
    assert len(valid) == 3 and valid[-1] < valid[0] < untrained
    assert "sample: 'time traveller" in printed and f"saved to {out}" in printed

    # the unigram baseline: the perplexity of predicting every character by its frequency alone
    data = Dataset.from_text(load_corpus("timemachine", "d2l", data_dir=shared).text[:30000])
    counts = [data.train.tolist().count(i) for i in range(len(data.vocab))]
    unigram = math.exp(-sum(c / sum(counts) * math.log(c / sum(counts)) for c in counts if c))
    assert min(valid) < unigram * 0.85

    model = CharLM.from_pretrained(out)
    assert model.config.metadata["corpus"] == "timemachine" and model.config.metadata["recipe"] == "d2l"
    card = (out / "README.md").read_text()
    assert "(d2l preprocessing: as in d2l.ai 1.0, lower-case letters" in card
    assert f"best validation perplexity **{min(valid):.3f}**" in card
    assert "python -m charlm train --corpus timemachine" in card and "- gru" in card

    assert main(["evaluate", "--checkpoint", str(out), "--data-dir", str(shared)]) == 0
    assert f"validation perplexity {min(valid):.3f}" in capsys.readouterr().out  # the card's figure, checked


def test_resume_continues_from_the_next_epoch(tmp_path, shared, capsys):
    out = tmp_path / "run"
    argv = ["train", "--corpus", "timemachine", "--data-dir", str(shared), "--max-chars", "8000", *FAST,
            "--out", str(out)]  # fmt: skip
    assert main([*argv, "--epochs", "1", "--cell", "rnn"]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", str(out), "--data-dir", str(shared), "--epochs", "2", *FAST]) == 0
    printed = capsys.readouterr().out
    assert "epochs 2–2" in printed and "epoch    2" in printed and "epoch    1 " not in printed
    assert len(CharLM.from_pretrained(out).config.metadata["training"]["history"]) == 2


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--hidden", "0"], "error: hidden_size must be a whole number ≥ 1"),
        (["--lr", "-1"], "error: lr must be positive"),
        (["--batch-size", "5000"], "needs at least"),
        (["--layers", "1000000"], "the limit is"),
    ],
)
def test_bad_options_print_one_line_and_exit_2(shared, capsys, argv, message):
    code = main(["train", "--corpus", "timemachine", "--data-dir", str(shared), "--max-chars", "5000", *argv])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_missing_data_and_bad_text_files(tmp_path, capsys):
    assert main(["train", "--corpus", "moliere", "--data-dir", str(tmp_path)]) == 2
    assert "should be the file moliere.txt in" in capsys.readouterr().err
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert main(["train", "--text-file", str(empty)]) == 2
    assert "is empty" in capsys.readouterr().err
    assert main(["evaluate", "--checkpoint", str(tmp_path / "nothing")]) == 2
    assert "neither a checkpoint folder nor a Hub id" in capsys.readouterr().err


def test_help_lists_every_option_with_its_default():
    text = build_parser()._subparsers._group_actions[0].choices["train"].format_help()
    flags = "corpus text-file data-dir preprocess cell layers hidden bidirectional dropout embedding epochs batch-size "
    flags += "num-steps sampling optimizer lr clip seed engine device out resume"
    for flag in flags.split():
        assert f"--{flag}" in text, flag
    assert "(default: 35)" in text  # --num-steps shows its default


def test_generate_and_inspect_commands(tmp_path, shared, capsys):
    out = tmp_path / "m"
    argv = ["train", "--corpus", "timemachine", "--data-dir", str(shared), "--max-chars", "6000", "--epochs", "1"]
    assert main([*argv, *FAST, "--out", str(out)]) == 0
    capsys.readouterr()
    args = ["generate", "--checkpoint", str(out), "--length", "40", "--seed", "5"]
    assert main([*args, "--temperature", "0.8", "--samples", "2"]) == 0
    first = capsys.readouterr().out
    assert first.count("--- sample") == 2 and first.count("time traveller") == 2  # the model's own prefix
    assert main([*args, "--temperature", "0.8", "--samples", "2"]) == 0
    assert capsys.readouterr().out == first  # the same seed, the same text
    assert main([*args, "--temperature", "-1"]) == 2
    assert "temperature must be between 0" in capsys.readouterr().err

    page = tmp_path / "inspect.html"
    text = "The Time Traveller (for so it will be"
    assert main(["inspect", "--checkpoint", str(out), "--text", text, "--out", str(page)]) == 0
    printed = capsys.readouterr().out
    assert "traced 37 characters" in printed and page.stat().st_size > 100_000
    assert re.search(r"memory span \d+ characters \(connectivity over all 37 characters\)", printed)
    html = page.read_text()
    assert html.startswith("<!doctype html>") and "How far back it looks" in html
    assert "The path of the hidden state" in html
    assert "Gradients through time" in html and "untrained (same architecture)" in html


REPO_CHECKPOINTS = Path(__file__).resolve().parents[1] / "checkpoints"


@pytest.mark.slow
def test_span_prints_the_profile_and_the_span_of_one_checkpoint_or_several(tmp_path, capsys):
    rnn, lstm = str(REPO_CHECKPOINTS / "timemachine-rnn"), str(REPO_CHECKPOINTS / "timemachine-lstm")
    text = "the time traveller for so it will be convenient to speak of him was expounding a recondite matter to us"
    assert main(["span", "--checkpoint", rnn, "--text", text, "--max-distance", "40", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert len(result["profile"]) == 40 and 1 <= result["span"] <= 40 and result["characters"] == len(text)
    shares = np.cumsum(result["profile"]) / sum(result["profile"])
    assert shares[result["span"] - 1] >= 0.9 > (shares[result["span"] - 2] if result["span"] > 1 else 0)

    page = tmp_path / "span.html"
    assert main(["span", "--checkpoint", rnn, lstm, "--text", text, "--html", str(page)]) == 0
    printed = capsys.readouterr().out
    assert len(re.findall(r"memory span: \d+ characters \(90% of the connectivity within k = 1 … 100\)", printed)) == 2
    assert "← span" in printed and "timemachine-lstm (LSTM): span" in page.read_text()


@pytest.mark.parametrize(
    "args,message",
    [(["--text", "short text", "--max-distance", "50"], "longer than the text allows"),
     (["--text", "x"], "at least two characters"),
     (["--text", "a" * 1001], "at most 1,000 are measured"),
     (["--text", "a b c d e f", "--max-distance", "0"], "≥ 1")],
)  # fmt: skip
def test_span_refuses_bad_inputs_in_one_line(capsys, args, message):
    assert main(["span", "--checkpoint", str(REPO_CHECKPOINTS / "timemachine-gru"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_the_same_command_gives_the_same_numbers(tmp_path, shared, capsys):
    argv = ["train", "--corpus", "timemachine", "--data-dir", str(shared), "--max-chars", "5000", "--epochs", "1",
            *FAST]  # fmt: skip
    outputs = []
    for k in range(2):
        assert main([*argv, "--out", str(tmp_path / str(k))]) == 0
        outputs.append(re.findall(r"valid ppl +([\d.]+)", capsys.readouterr().out))
    assert outputs[0] == outputs[1]  # the seed fixes the initial weights too: a model card's command repeats


def test_resume_keeps_the_data_settings_it_was_trained_with(tmp_path, shared, capsys):
    out = tmp_path / "run"
    argv = ["train", "--corpus", "timemachine", "--data-dir", str(shared), "--max-chars", "7000", *FAST,
            "--out", str(out)]  # fmt: skip
    assert main([*argv, "--epochs", "1"]) == 0
    assert main(["train", "--resume", str(out), "--data-dir", str(shared), "--epochs", "2", *FAST]) == 0
    assert CharLM.from_pretrained(out).config.metadata["max_chars"] == 7000


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "log"])
def test_long_work_shows_progress_a_bar_on_a_terminal_plain_lines_in_a_log(terminal, capsys, monkeypatch):
    """An epoch's steps and a token file's encoding: the rate and the time left, as tqdm's bar redrawn in place on a
    terminal, as lines a CI log can keep (every half minute; here every call)."""
    from charlm.cli import _duration, _Progress
    from charlm.train import Step

    progress = _Progress(terminal=terminal)
    monkeypatch.setattr(progress, "PLAIN_EVERY", -1.0)
    for step in (1, 2, 4):
        time.sleep(0.12 if terminal else 0)  # tqdm redraws at most every 0.1 s
        progress.step(Step(3, step, 4, 2.0, 7.39, 1.0, False, 12_345.0, 1.0, 0.5, 3.0))
    progress.count("encoding", 5_000_000, 10_000_000)
    time.sleep(0.12 if terminal else 0)
    progress.count("encoding", 6_000_000, 10_000_000)
    progress.clear()
    err = capsys.readouterr().err
    if terminal:
        assert "\repoch 3:" in err and "█" in err and "4/4" in err and "steps/s" in err and "\r" in err.rstrip(" ")
        assert "encoding:" in err and "6.00M/10.0M" in err
    else:
        assert "epoch 3: 2/4 steps" in err and "█" not in err and "\r" not in err and " left" in err
        assert "encoding: 5,000,000/10,000,000 characters" in err and "M/s" in err
    assert "12,345 tok/s" in err
    assert [_duration(s) for s in (3, 245, 7620)] == ["3 s", "4 min 05 s", "2 h 07 min"]


@pytest.mark.parametrize(
    "variables, chinese",
    [({"LANG": "zh_CN.UTF-8"}, True), ({"LC_ALL": "zh_CN.UTF-8"}, True),
     ({"LANGUAGE": "zh_CN:en", "LANG": "en_US.UTF-8"}, True), ({"LANG": "en_US.UTF-8"}, False),
     ({"LANG": "C.UTF-8"}, False), ({}, False)],
    ids=["LANG=zh", "LC_ALL=zh", "LANGUAGE=zh", "LANG=en", "LANG=C", "unset"],
)  # fmt: skip
def test_evaluate_speaks_the_terminals_language(shared, capsys, monkeypatch, variables, chinese):
    """The same figures in the language LANG (or LANGUAGE, LC_ALL) asks for; English when it asks for none."""
    _terminal(monkeypatch, **variables)
    checkpoint = str(REPO_CHECKPOINTS / "timemachine-gru")
    assert main(["evaluate", "--checkpoint", checkpoint, "--data-dir", str(shared), "--max-chars", "5000"]) == 0
    printed = capsys.readouterr().out
    en = re.search(r"validation perplexity [\d.]+  \([\d.]+ bits per character, [\d.]+ nats\)  in [\d.]+ s", printed)
    zh = re.search(r"验证困惑度 [\d.]+  （每字符比特数 [\d.]+，[\d.]+ 奈特）  用时 [\d.]+ s", printed)
    assert (zh is not None, en is None) == (chinese, chinese)
    assert ("验证集：最后 10%，共 500 个字符" in printed) == chinese
    assert ("validation: the last 10%, 500 characters" in printed) == (not chinese)


def test_a_bad_input_is_refused_in_the_terminals_language(shared, capsys, monkeypatch):
    argv = ["train", "--corpus", "timemachine", "--data-dir", str(shared), "--max-chars", "5000", "--lr", "-1"]
    _terminal(monkeypatch, LANG="zh_CN.UTF-8")
    assert main(argv) == 2
    assert capsys.readouterr().err == "错误：lr 必须为正数，而不是 -1.0\n"
    assert main(["train", "--corpus", "moliere", "--data-dir", str(shared), "--preprocess", "d2l"]) == 2
    assert capsys.readouterr().err == "错误：语料 'moliere' 提供的预处理方案是 raw，没有 'd2l'\n"
    _terminal(monkeypatch, LANG="en_US.UTF-8")
    assert main(argv) == 2
    assert capsys.readouterr().err == "error: lr must be positive, not -1.0\n"


def test_training_speaks_chinese_on_a_chinese_terminal_and_saves_an_english_model_card(tmp_path, shared, capsys,
                                                                                        monkeypatch):  # fmt: skip
    _terminal(monkeypatch, LANG="zh_CN.UTF-8")
    out = tmp_path / "m"
    argv = ["train", "--corpus", "timemachine", "--data-dir", str(shared), "--max-chars", "5000", "--epochs", "1"]
    assert main([*argv, *FAST, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"^迭代周期    0  训练困惑度 +[\d.]+  验证困惑度 +[\d.]+  （未训练）$", printed, re.M)
    assert re.search(r"^迭代周期    1  训练困惑度 +[\d.]+  验证困惑度 +[\d.]+  （[\d.]+ 比特/字符） +[\d,]+ 词元/秒  裁剪 +\d+%"
                     r" +[\d.]+ s \*$", printed, re.M)  # fmt: skip
    assert "在 cpu 上用 fused 引擎以 float32 训练，迭代周期 1–1" in printed and "    样本：'time traveller" in printed
    assert "训练完成，共 1 个迭代周期；最佳验证困惑度" in printed and f"已保存到 {out}" in printed
    card = (out / "README.md").read_text(encoding="utf-8")  # a file others read: in English
    assert "Finished after 1 epoch; best validation perplexity" in card and "迭代周期" not in card


# -- the command line parses once: --opt=value and --opt value alike, a pair's presets with the options given --------

TINY = ["--epochs", "1", "--max-chars", "3000", "--hidden", "16"]


def _code(argv: list[str]) -> int:
    """main's exit status, whether it returns it or argparse exits with it."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return exit_.code


def _saved(folder: Path) -> tuple[Provenance, CharLM]:
    model = CharLM.from_pretrained(folder)
    return Provenance.of(model), model


@pytest.mark.parametrize("preset", [["--preset=pair-d2l-rnn"], ["--preset", "pair-d2l-rnn"]], ids=["=", "space"])
def test_a_pair_trains_its_two_presets_with_the_options_given(tmp_path, shared, capsys, preset):
    given = [*TINY, "--data-dir", str(shared)]
    assert main(["train", *preset, *given, "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "with the scratch engine" in printed and "with the fused engine" in printed
    assert "d2l-rnn / d2l-rnn-concise:" in printed  # the speed ratio, at the end
    for member, engine in zip(GROUPS["pair-d2l-rnn"].presets, ("scratch", "fused"), strict=True):
        saved, model = _saved(tmp_path / member)
        assert saved.preset == member and model.config.cell == "rnn" and saved.training.config["engine"] == engine
        assert model.config.hidden_size == 16 and len(saved.training.history) == 1  # given: both members take them
        assert model.config.embedding_dim == 0 and saved.training.config["optimizer"] == "sgd"  # the member preset's
        reproduce = shlex.join(["train", "--preset", member, *given, "--out", str(tmp_path / member)])
        assert saved.command == f"python -m charlm {reproduce}"


def test_an_option_given_explicitly_overrides_both_members_presets(tmp_path, shared, capsys):
    argv = ["train", "--preset=pair-peephole", "--cell=gru", "--engine", "fused", "--epochs=1", "--max-chars=3000"]
    assert main([*argv, "--hid=16", "--data-dir", str(shared), "--out", str(tmp_path)]) == 0
    assert "d2l-peephole / d2l-lstm:" in capsys.readouterr().out
    for member in GROUPS["pair-peephole"].presets:  # a peephole LSTM, an LSTM: both GRUs now, on the fused engine
        saved, model = _saved(tmp_path / member)
        assert saved.preset == member and model.config.cell == "gru" and model.config.hidden_size == 16
        assert saved.training.config["engine"] == "fused" and saved.training.config["epochs"] == 1


def test_an_option_with_an_equals_sign_is_the_same_option(tmp_path, shared, capsys):
    spaced = ["train", "--preset", "d2l-lstm", "--epochs", "1", "--max-chars", "3000", "--hidden", "16"]
    joined = ["train", "--preset=d2l-lstm", "--epochs=1", "--max-chars=3000", "--hid=16"]
    for k, argv in enumerate((spaced, joined)):
        assert main([*argv, "--data-dir", str(shared), "--out", str(tmp_path / str(k))]) == 0
    (a, model_a), (b, model_b) = _saved(tmp_path / "0"), _saved(tmp_path / "1")
    assert (a.preset, a.max_chars, a.training.config) == (b.preset, b.max_chars, b.training.config)
    assert model_a.config.hidden_size == model_b.config.hidden_size == 16 and model_b.config.embedding_dim == 0
    assert b.training.config["epochs"] == 1 and b.training.config["optimizer"] == "sgd"  # given; the preset's
    assert b.command.startswith("python -m charlm train --preset d2l-lstm --epochs 1 --max-chars 3000 --hidden 16 ")
    assert a.command.replace(str(tmp_path / "0"), str(tmp_path / "1")) == b.command  # the same reproduce command


@pytest.mark.parametrize(
    "argv",
    [["--preset", "pair-d2l-rnn", "--list-presets"], ["--preset=pair-d2l-lstm", "--list-presets"],
     ["--list-presets", "--preset", "pair-peephole"], ["--preset", "d2l-lstm", "--list-presets"]],
)  # fmt: skip
def test_list_presets_with_any_preset_only_lists(capsys, argv):
    assert main(["train", *argv]) == 0
    printed = capsys.readouterr()
    assert len(printed.out.splitlines()) == len(PRESETS) + len(GROUPS) and not printed.err


@pytest.mark.parametrize(
    "argv, message",
    [(["--epochs", "x"], "argument --epochs: invalid int value: 'x'"),
     (["--lr", "-1"], "error: lr must be positive"),
     (["--cell", "transformer"], "invalid choice: 'transformer'"),
     (["--resume", "runs/somewhere"], "pair-d2l-rnn is a group of presets: it trains 2 models from the start")],
    ids=["argparse", "value", "choice", "resume"],
)  # fmt: skip
def test_a_bad_option_with_a_pair_is_refused_in_one_line_before_either_trains(tmp_path, capsys, argv, message):
    assert _code(["train", "--preset", "pair-d2l-rnn", *argv, "--out", str(tmp_path)]) == 2
    printed = capsys.readouterr()
    assert printed.out == "" and message in printed.err and len(printed.err.splitlines()) == 1
    assert not any(tmp_path.iterdir())


def test_help_after_a_preset_shows_its_values_as_the_defaults(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--preset=d2l-lstm", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert exit_.value.code == 0 and "hidden units per layer (default: 256)" in text
    assert "passes over the training split (default: 500)" in text and "learning rate (default: 1.0)" in text


def test_a_resumed_run_takes_the_text_file_given_where_its_own_moved(tmp_path, shared, capsys):
    text, moved, out = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "run"
    text.write_text((shared / "timemachine.txt").read_text(encoding="utf-8")[:6000], encoding="utf-8")
    assert main(["train", "--text-file", str(text), *TINY[:2], "--hidden", "16", "--out", str(out)]) == 0
    text.rename(moved)
    assert main(["train", "--resume", str(out), "--epochs=2"]) == 2
    assert "give the file's new place with --text-file" in capsys.readouterr().err
    assert main(["train", "--resume", str(out), f"--text-file={moved}", "--epochs=2"]) == 0
    saved, _ = _saved(out)
    assert saved.text_file == str(moved) and len(saved.training.history) == 2


# -- --help and argparse's own messages speak the terminal's language too ----------------------------------------------

CJK = re.compile(r"[\u3400-\u9fff]")


def _exit(argv: list[str], capsys) -> tuple[int, str, str]:
    """main's exit status where argparse exits (--help, a bad option), and what it printed."""
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    printed = capsys.readouterr()
    return exit_.value.code, printed.out, printed.err


@pytest.mark.parametrize("lang", ["zh_CN.UTF-8", "en_US.UTF-8"])
def test_train_help_speaks_the_terminals_language(capsys, monkeypatch, lang):
    """LANG=zh_CN.UTF-8 charlm train --help: argparse's frame (usage, sections, -h) and every option's text in Chinese,
    each with its default; in English, the same help as ever."""
    _terminal(monkeypatch, LANG=lang)
    code, out, err = _exit(["train", "--help"], capsys)
    text = " ".join(out.split())
    assert code == 0 and not err
    if lang.startswith("zh"):
        assert out.startswith("用法: python -m charlm train [-h]") and "\n选项:\n" in out and "\n训练:\n" in out
        assert "-h, --help 显示这条帮助信息并退出" in text and "--lr LR 学习率（默认：0.003）" in text
        assert "--hidden HIDDEN 每层的隐藏单元数（默认：256）" in text and "--resume DIR 继续一次由 --out 保存的运行" in text
        assert "learning rate" not in out and "(default:" not in out and "usage:" not in out
    else:
        assert out.startswith("usage: python -m charlm train [-h]") and "\noptions:\n" in out and "\ntraining:\n" in out
        assert "-h, --help show this help message and exit" in text and "--lr LR learning rate (default: 0.003)" in text
        assert not CJK.search(out)


def test_the_commands_and_each_commands_help_speak_chinese(capsys, monkeypatch):
    _terminal(monkeypatch, LANG="zh_CN.UTF-8")
    code, out, _ = _exit(["--help"], capsys)
    assert code == 0 and "位置参数:" in out and "train     训练一个模型并保存为检查点文件夹" in out
    assert "--version   显示程序的版本号并退出" in out
    for command in ("generate", "inspect", "span", "shannon", "app", "bench", "evaluate"):
        code, out, _ = _exit([command, "--help"], capsys)
        described = out.split("\n\n")[1]  # the description, under the usage line
        assert code == 0 and out.startswith(f"用法: python -m charlm {command}") and CJK.search(described), command


def test_every_option_of_every_command_has_its_help_in_both_languages():
    """Each option's help is its field's catalogue text (-h's is argparse's): in Chinese a Chinese one, never the
    English left in place."""
    from charlm.options import translated

    parsers = build_parser()._subparsers._group_actions[0].choices
    with speaking("zh"), translated():
        chinese = build_parser()._subparsers._group_actions[0].choices
    for name, parser in parsers.items():
        for action, zh in zip(parser._actions, chinese[name]._actions, strict=True):
            assert action.help and CJK.search(zh.help), (name, action.option_strings)
            assert not CJK.search(action.help) and zh.help != action.help, (name, action.option_strings)


@pytest.mark.parametrize(
    "argv, english, chinese",
    [(["train", "--epochs", "x"], "python -m charlm train: error: argument --epochs: invalid int value: 'x'",
      "python -m charlm train：错误：参数 --epochs：无效的 int 值：'x'"),
     (["train", "--cell", "transformer"], "argument --cell: invalid choice: 'transformer' (choose from",
      "参数 --cell：无效的选择：'transformer'（可选："),
     (["generate"], "python -m charlm generate: error: the following arguments are required: --checkpoint",
      "python -m charlm generate：错误：缺少以下必需的参数：--checkpoint"),
     (["inspect", "--checkpoint", "m", "--text", "a", "--text-file", "b"],
      "argument --text-file: not allowed with argument --text", "参数 --text-file：不能与参数 --text 同时使用"),
     (["train", "--e", "4"], "ambiguous option: --e could match --embedding, --epochs, --engine",
      "选项有歧义：--e 可能是 --embedding, --epochs, --engine"),
     (["trian"], "argument COMMAND: invalid choice: 'trian'", "参数 COMMAND：无效的选择：'trian'"),
     (["train", "--bogus"], "python -m charlm: error: unrecognized arguments: --bogus",
      "python -m charlm：错误：无法识别的参数：--bogus")],
    ids=["type", "choice", "required", "exclusive", "ambiguous", "command", "unrecognized"],
)  # fmt: skip
def test_an_argparse_error_speaks_the_terminals_language_in_one_line(capsys, monkeypatch, argv, english, chinese):
    for lang, expected in (("zh_CN.UTF-8", chinese), ("en_US.UTF-8", english)):
        _terminal(monkeypatch, LANG=lang)
        code, out, err = _exit(argv, capsys)
        assert code == 2 and not out and expected in err and len(err.splitlines()) == 1, (lang, err)
        assert bool(CJK.search(err)) == lang.startswith("zh"), err


def test_argparse_speaks_chinese_only_inside_the_commands_call(capsys, monkeypatch):
    """The translation is scoped: argparse is as gettext leaves it after the call, and meanwhile in another thread."""
    import argparse
    import gettext
    import threading

    from charlm.options import translated

    _terminal(monkeypatch, LANG="zh_CN.UTF-8")
    _exit(["train", "--epochs", "x"], capsys)
    assert argparse._ is gettext.gettext and argparse.ngettext is gettext.ngettext
    assert argparse.ArgumentParser(prog="p").format_usage() == "usage: p [-h]\n"
    seen = {}
    with speaking("zh"), translated():
        thread = threading.Thread(target=lambda: seen.update(other=argparse.ArgumentParser(prog="p").format_usage()))
        thread.start()
        thread.join()
        seen["here"] = argparse.ArgumentParser(prog="p").format_usage()
    assert seen == {"other": "usage: p [-h]\n", "here": "用法: p [-h]\n"}
    assert argparse._ is gettext.gettext


def test_every_command_in_the_readme_parses():
    """README's command lines, as a reader copies them: each names flags and values the command line takes."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"^```\w*\n(.*?)^```", readme, re.S | re.M):
        for line in block.replace("\\\n", " ").splitlines():
            if found := re.search(r"(?:python -m charlm|-m charlm|^charlm)\s+(.*)", line):
                commands.append(shlex.split(found.group(1), comments=True))
    assert len(commands) >= 15 and ["train", "--resume", "runs/tm", "--epochs", "10"] in commands
    for argv in commands:
        if "--help" in argv or "--version" in argv:
            continue
        args = build_parser(given_only=True).parse_args(argv)  # the options given, not yet read (no runs/tm here)
        assert args.command == argv[0], argv


@pytest.mark.slow  # a process that loads torch and a model, 3 s
def test_a_reader_that_stops_early_ends_the_command_quietly():
    """`charlm generate … | head -c 100`: the pipe closes under a long print. The command ends as a command a closed
    pipe ended (141), with no traceback; before, a BrokenPipeError's traceback and 1."""
    import subprocess
    import sys

    command = [sys.executable, "-m", "charlm", "generate", "--checkpoint", str(REPO_CHECKPOINTS / "timemachine-lstm"),
               "--length", "5000", "--samples", "16", "--seed", "1"]  # fmt: skip  (80 KB: past a pipe's 64 KB)
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO_CHECKPOINTS.parent)
    assert len(child.stdout.read(100)) == 100
    child.stdout.close()  # as head does once it has its 100 bytes
    errors = child.stderr.read().decode()
    assert child.wait(timeout=120) == 141
    assert "Traceback" not in errors and "BrokenPipe" not in errors
