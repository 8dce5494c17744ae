"""Presets: every recipe builds valid configurations, and the CLI's --preset gives way to explicit flags."""

import json
from dataclasses import asdict, replace

import pytest
import torch

from charlm import CharLM, CharLMConfig
from charlm.cli import build_parser, main, spec_defaults
from charlm.corpora import CORPORA
from charlm.data import Dataset
from charlm.errors import CharLMError
from charlm.i18n import known, speaking
from charlm.presets import GROUP_TEXTS, GROUPS, PRESETS, TEXTS, Preset, _preset, get
from charlm.run import RunSpec
from charlm.train import Finished, TrainConfig, Trainer

SMALL_VOCAB = ["<unk>", " ", "a", "b", "分"]


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_is_a_valid_spec(name):
    preset = PRESETS[name]
    assert preset.name == name and get(name) is preset and isinstance(preset.spec, RunSpec)
    spec = preset.spec
    assert spec.preset == name and spec.corpus in CORPORA and spec.recipe in CORPORA[spec.corpus].recipes
    assert isinstance(spec.train, TrainConfig) and CharLMConfig(vocab=SMALL_VOCAB, **spec.model).cell == spec.model["cell"]
    for text in (preset.title, preset.source, preset.published, preset.explanation):
        assert text.strip()


@pytest.mark.parametrize("name", [*PRESETS, *GROUPS])
def test_every_preset_and_pair_has_its_texts_in_both_languages(name):
    """Its fields are the catalogue's English; ``msg`` gives the Chinese too."""
    item, whats = (PRESETS[name], TEXTS) if name in PRESETS else (GROUPS[name], GROUP_TEXTS)
    for what in whats:
        assert known(f"presets.{name}.{what}")
        en, zh = item.msg(what).render("en"), item.msg(what).render("zh")
        assert getattr(item, what) == en and zh != en


def test_the_chinese_sources_cite_the_chinese_books_sections():
    """The d2l presets name the section of the Chinese book (zh.d2l.ai, 2nd edition), the Jay Chou presets that of the
    1st edition's PyTorch version, each the section its English source names."""
    with speaking("zh"):
        source = {name: str(preset.msg("source")) for name, preset in PRESETS.items()}
    assert source["d2l-rnn"] == "《动手学深度学习》第二版（zh.d2l.ai，PyTorch 版），8.5 循环神经网络的从零开始实现"
    assert source["d2l-rnn-concise"].endswith("8.6 循环神经网络的简洁实现")
    assert source["d2l-gru"].endswith("9.1 门控循环单元（GRU）")
    assert source["d2l-lstm"].endswith("9.2 长短期记忆网络（LSTM）")
    assert source["d2l-lstm-concise"].endswith("9.2.3 简洁实现（nn.LSTM）")
    assert source["d2l-deep-lstm"].endswith("9.3 深度循环神经网络")
    assert source["d2l-bidirectional"].endswith("9.4.3 双向循环神经网络的错误应用")
    assert source["zh-rnn"] == "《动手学深度学习》第一版 PyTorch 版（Dive-into-DL-PyTorch），6.5 循环神经网络的简洁实现"
    assert source["zh-gru"].endswith("6.7 门控循环单元（GRU），6.7.4 简洁实现")
    assert source["zh-lstm"].endswith("6.8 长短期记忆（LSTM），6.8.5 简洁实现")
    assert source["zh-deep-lstm"].endswith("6.9 深度循环神经网络")


@pytest.mark.parametrize("name", list(PRESETS))
def test_the_cli_takes_every_preset_option(name):
    dests = vars(build_parser().parse_args(["train"]))
    supplied = spec_defaults(PRESETS[name].spec)
    assert set(supplied) <= set(dests), "a preset option the train subcommand has no flag for would be dropped"
    args = vars(build_parser(PRESETS[name].spec).parse_args(["train", "--preset", name]))
    assert {k: args[k] for k in supplied} == supplied


def test_preset_trains_and_explicit_flags_override_it(tmp_path, shared, capsys):
    out = tmp_path / "d2l-lstm"
    argv = ["train", "--preset", "d2l-lstm", "--epochs", "1", "--max-chars", "3000", "--hidden", "16"]
    assert main([*argv, "--data-dir", str(shared), "--out", str(out)]) == 0
    assert "epoch    1" in capsys.readouterr().out

    saved = json.loads((out / "config.json").read_text())
    meta = saved["metadata"]
    assert saved["hidden_size"] == 16 and saved["cell"] == "lstm" and saved["embedding_dim"] == 0  # flag, preset
    assert meta["preset"] == "d2l-lstm" and meta["corpus"] == "timemachine" and meta["recipe"] == "d2l-0.17"
    assert meta["max_chars"] == 3000
    training = meta["training"]["config"]
    assert training["optimizer"] == "sgd" and training["lr"] == 1 and training["epochs"] == 1
    assert training["sample_prefix"] == "time traveller"

    # the CLI built the preset's spec, but for the flags given
    spec = get("d2l-lstm").spec
    assert training == asdict(replace(spec.train, epochs=1))
    assert {k: saved[k] for k in spec.model} == {**spec.model, "hidden_size": 16}
    assert "python -m charlm train --preset d2l-lstm --epochs 1" in (out / "README.md").read_text()


def test_list_presets_prints_each_one(capsys):
    assert main(["train", "--list-presets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(PRESETS) + len(GROUPS)  # the pairs last
    for line, preset in zip(lines, PRESETS.values(), strict=False):
        assert line.startswith(preset.name) and preset.title in line and preset.published in line


def test_unknown_presets_are_refused(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--preset", "d2l-transformer"])
    assert exit_.value.code == 2 and "invalid choice: 'd2l-transformer'" in capsys.readouterr().err
    with pytest.raises(CharLMError, match="no preset named 'nope'.*d2l-lstm") as refused:
        get("nope")
    assert refused.value.render("zh").startswith("没有名为 'nope' 的预设。可用的预设有：d2l-rnn, ")


def test_a_malformed_preset_says_what_is_wrong():
    good = dict(corpus="timemachine", recipe="d2l", max_chars=None, model={"cell": "lstm"}, train={"epochs": 3},
                source="s", published="p", explanation="e")  # fmt: skip
    assert isinstance(_preset("good", "Good", **good), Preset)
    with pytest.raises(CharLMError, match="preset 'bad': there is no corpus 'gutenberg'") as refused:
        _preset("bad", "Bad", **{**good, "corpus": "gutenberg"})
    assert refused.value.render("zh").startswith("预设 'bad'：")  # and the corpus's error, in Chinese too
    with pytest.raises(CharLMError, match="offers the recipes raw, not 'd2l'"):
        _preset("bad", "Bad", **{**good, "corpus": "moliere"})
    with pytest.raises(CharLMError, match="hidden is not model options"):
        _preset("bad", "Bad", **{**good, "model": {"hidden": 16}})
    with pytest.raises(CharLMError, match="epoch is not among TrainConfig's options"):
        _preset("bad", "Bad", **{**good, "train": {"epoch": 3}})


def test_load_applies_the_recipe_and_the_length(shared):
    corpus = get("d2l-rnn").spec.with_options(data_dir=str(shared)).load_text()
    assert (corpus.name, corpus.recipe, len(corpus.text)) == ("timemachine", "d2l-0.17", 10_000)
    assert set(corpus.text) <= set("abcdefghijklmnopqrstuvwxyz ")
    assert len(get("zh-lstm").spec.with_options(data_dir=str(shared)).load_text().text) == 10_000  # the recipe's cut


def test_rmsprop_trains_and_resumes(tmp_path):
    data = Dataset.from_text("the cat sat on the mat. " * 40)
    model = CharLM(CharLMConfig(vocab=list(data.vocab.tokens), hidden_size=16))
    config = TrainConfig(epochs=2, batch_size=4, num_steps=10, optimizer="rmsprop", lr=2e-3, sample_every=0)
    trainer = Trainer(model, data, config)
    assert isinstance(trainer.optimizer, torch.optim.RMSprop) and trainer.optimizer.defaults["alpha"] == 0.95
    events = list(trainer.run())
    assert isinstance(events[-1], Finished) and events[-1].reason == "completed"
    history = trainer.history
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    trainer.save(tmp_path / "run")
    again = Trainer(
        CharLM.from_pretrained(tmp_path / "run"), data, replace(config, epochs=3), resume_from=tmp_path / "run"
    )
    assert again.first_epoch == 3 and again.optimizer.state_dict()["state"]  # the optimizer's state came back


@pytest.mark.parametrize("name, engine", [("d2l-lstm", "scratch"), ("d2l-lstm-concise", "fused"),
                                          ("d2l-rnn", "scratch"), ("d2l-peephole", "scratch")])  # fmt: skip
def test_from_scratch_presets_train_on_the_scratch_engine_and_keep_the_last_epoch(name, engine, tmp_path, shared, capsys):
    argv = ["train", "--preset", name, "--epochs", "2", "--max-chars", "3000", "--hidden", "16", "--data-dir", str(shared)]
    assert main([*argv, "--out", str(tmp_path / name)]) == 0
    printed = capsys.readouterr().out
    assert f"with the {engine} engine" in printed and "the last epoch's weights are kept" in printed
    assert "The weights saved are the last epoch's (keep last)" in (tmp_path / name / "README.md").read_text()
    assert "keeps the last epoch's weights" in get(name).explanation


def test_the_scratch_and_concise_twins_differ_only_in_the_engine():
    for scratch, concise in (("d2l-lstm", "d2l-lstm-concise"), ("d2l-rnn", "d2l-rnn-concise")):
        a, b = get(scratch).spec, get(concise).spec
        assert (a.train.engine, b.train.engine) == ("scratch", "fused")
        assert a.with_options(train={"engine": "fused"}, preset=concise) == b
    peephole, lstm = get("d2l-peephole").spec, get("d2l-lstm").spec
    assert peephole.with_options(model={"cell": "lstm"}, preset="d2l-lstm") == lstm  # the twin on the same recipe
    assert "Greff" in get("d2l-peephole").published


def test_a_pair_preset_from_the_command_line_trains_both_and_compares_their_speed(tmp_path, shared, capsys):
    argv = ["train", "--preset", "pair-d2l-lstm", "--epochs", "1", "--max-chars", "3000", "--hidden", "16"]
    assert main([*argv, "--data-dir", str(shared), "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "with the scratch engine" in printed and "with the fused engine" in printed
    assert "d2l-lstm / d2l-lstm-concise:" in printed and "the source: 0.09×" in printed
    assert (tmp_path / "d2l-lstm" / "model.safetensors").is_file() and (tmp_path / "d2l-lstm-concise").is_dir()
    assert main(["train", "--list-presets"]) == 0 and "pair-peephole" in capsys.readouterr().out
