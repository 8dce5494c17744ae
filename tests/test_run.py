"""The run builder: one spec → corpus, data, model and trainer, for the CLI, the app and the presets alike; the
provenance every checkpoint carries; the time to go."""

import json
import shutil

import pytest

from charlm import CharLM
from charlm.cli import main, parse_args, spec_from_args
from charlm.errors import CharLMError
from charlm.presets import PRESETS
from charlm.provenance import Provenance, sha256_of_file
from charlm.run import Run, RunSpec, build, resume_spec
from charlm.train import Epoch, Started, TrainConfig

TINY_MODEL = {"cell": "gru", "hidden_size": 16}
TINY_TRAIN = TrainConfig(epochs=2, batch_size=4, num_steps=10, sample_every=0)


@pytest.mark.parametrize("name", list(PRESETS))
def test_the_command_a_spec_gives_parses_back_to_the_same_spec(name):
    spec = PRESETS[name].spec
    changed = spec.with_options(max_chars=5000, model={"hidden_size": 32}, train={"epochs": 3, "seed": 7})
    raw = spec.with_options(recipe="raw")  # back to raw from a preset's book recipe: the command must say so
    for s in (spec, changed, raw, RunSpec(model=spec.model, train=spec.train)):
        args = parse_args(s.argv(base=spec if s.preset else None))
        assert spec_from_args(args) == s


def test_a_user_text_file_is_named_in_its_command(tmp_path):
    spec = RunSpec(text_file=str(tmp_path / "notes.txt"), model=TINY_MODEL)
    assert spec.corpus == "custom"
    assert spec.command() == f"python -m charlm train --text-file {tmp_path}/notes.txt --cell gru --hidden 16"
    assert spec_from_args(parse_args(spec.argv())) == spec


@pytest.mark.parametrize(
    "options, message",
    [
        ({"corpus": "gutenberg"}, "no corpus 'gutenberg'"),
        ({"corpus": "moliere", "recipe": "d2l"}, "offers the recipes raw, not 'd2l'"),
        ({"model": {"hidden": 16}}, "hidden is not model options"),
        ({"model": {"hidden_size": -1}}, "hidden_size must be a whole number"),
        ({"max_chars": 1.5}, "max_chars must be a whole number"),
    ],
)
def test_a_bad_spec_is_refused_before_any_text_is_read(options, message):
    with pytest.raises(CharLMError, match=message):
        RunSpec(**options)


def test_build_records_the_provenance_and_the_corpus_prefix(shared):
    run = build(RunSpec("timemachine", "d2l", 4000, data_dir=str(shared), model=TINY_MODEL, train=TINY_TRAIN))
    saved = run.provenance
    assert (saved.corpus, saved.recipe, saved.max_chars, saved.valid_fraction) == ("timemachine", "d2l", 4000, 0.1)
    assert saved.command == (
        "python -m charlm train --preprocess d2l --max-chars 4000 --cell gru --hidden 16 "
        "--epochs 2 --batch-size 4 --num-steps 10 --sample-every 0"
    )
    assert run.trainer.config.sample_prefix == "time traveller" and len(run.corpus.text) == 4000
    assert run.model.vocab == run.data.vocab and saved.text_file is None and saved.text_sha256 is None


def test_every_shipped_checkpoint_reads_as_a_provenance():
    from conftest import REPO

    for folder in sorted((REPO / "checkpoints").glob("*/config.json")):
        saved = Provenance.from_metadata(json.loads(folder.read_text(encoding="utf-8"))["metadata"])
        assert saved.corpus in ("timemachine", "jaychou", "moliere", "tinyshakespeare"), folder
        assert saved.training.best_valid_perplexity > 1 and saved.training.history and saved.training.config["epochs"]
    assert Provenance.from_metadata({}) == Provenance() and Provenance.from_metadata(None).corpus is None


def test_evaluate_rereads_a_recorded_text_file_and_says_when_it_moved_or_changed(tmp_path, capsys, shared):
    text = tmp_path / "notes.txt"
    shutil.copy(shared / "timemachine.txt", text)
    out = tmp_path / "model"
    argv = ["train", "--text-file", str(text), "--max-chars", "6000", "--cell", "gru", "--hidden", "16", "--epochs", "1"]
    assert main([*argv, "--batch-size", "8", "--num-steps", "16", "--out", str(out)]) == 0
    saved = Provenance.of(CharLM.from_pretrained(out))
    assert saved.text_file == str(text.resolve()) and saved.text_sha256 == sha256_of_file(text)
    figure = f"{saved.training.best_valid_perplexity:.3f}"
    capsys.readouterr()

    assert main(["evaluate", "--checkpoint", str(out)]) == 0  # no --text-file needed: it is where it was
    assert f"validation perplexity {figure}" in capsys.readouterr().out

    text.write_text(text.read_text(encoding="utf-8") + "\nan extra line", encoding="utf-8")
    assert main(["evaluate", "--checkpoint", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{text.resolve()} has changed since this checkpoint was trained on it" in err and "--text-file" in err
    assert main(["evaluate", "--checkpoint", str(out), "--text-file", str(text)]) == 0  # asked for: evaluated as it is
    capsys.readouterr()

    text.rename(tmp_path / "moved.txt")
    assert main(["evaluate", "--checkpoint", str(out)]) == 2
    err = capsys.readouterr().err
    assert "which is no longer there (moved or deleted)" in err and "--text-file" in err
    assert main(["evaluate", "--checkpoint", str(out), "--text-file", str(tmp_path / "moved.txt")]) == 0


@pytest.mark.slow
def test_a_resumed_run_keeps_its_recorded_options_unless_told_otherwise(tmp_path, shared):
    first = build(RunSpec("timemachine", "raw", 5000, data_dir=str(shared), model=TINY_MODEL,
                          train=TrainConfig(epochs=1, batch_size=4, num_steps=10, lr=0.02, sample_every=0)))  # fmt: skip
    list(first.events())
    first.save(tmp_path / "run")
    spec = resume_spec(tmp_path / "run", data_dir=str(shared), train={"epochs": 2})
    assert (spec.max_chars, spec.train.lr, spec.train.epochs, spec.model["hidden_size"]) == (5000, 0.02, 2, 16)
    run = build(spec)
    assert run.trainer.first_epoch == 2
    events = list(run.events())
    assert isinstance(events[0], Started) and events[0].initial_valid_perplexity is None  # no epoch 0 on a resume
    assert [e.epoch for e in events if isinstance(e, Epoch)] == [2]


@pytest.mark.slow
def test_the_time_to_go_after_epoch_2_of_3_is_half_the_time_so_far(shared):
    """The app once read an epoch counter the run advances on another thread, and was wrong from epoch 2 on. The
    estimate is the pace so far (two epochs took ``elapsed``, one is left), checked as such: against the time the
    third epoch then took, a shared machine's noise made this test fail now and then."""
    spec = RunSpec("timemachine", "raw", 60_000, data_dir=str(shared), model={"cell": "lstm", "hidden_size": 96},
                   train=TrainConfig(epochs=3, batch_size=16, num_steps=32, sample_every=0))  # fmt: skip
    events = [e for e in build(spec).events() if isinstance(e, Epoch)]
    assert events[1].seconds_to_go == pytest.approx(events[1].elapsed / 2, rel=1e-3)
    assert events[0].seconds_to_go == pytest.approx(events[0].elapsed * 2, rel=1e-3)
    assert events[1].fraction_done == pytest.approx(2 / 3) and events[2].seconds_to_go == 0


@pytest.mark.parametrize("keep", ["best", "last"])
@pytest.mark.slow
def test_keep_decides_which_weights_are_saved_and_the_card_says_which(keep, tmp_path, shared, capsys):
    """The d2l book's figures are its final model's: ``--keep last``; charlm's own presets keep the best epoch."""
    import torch

    from charlm import CharLM

    argv = ["train", "--corpus", "timemachine", "--data-dir", str(shared), "--max-chars", "3000", "--cell", "gru",
            "--hidden", "64", "--epochs", "8", "--batch-size", "8", "--num-steps", "16", "--lr", "0.03",
            "--sample-every", "0", "--keep", keep, "--out", str(tmp_path / keep)]  # fmt: skip
    seen = {}
    original = Run.events

    def watched(run):  # each epoch's weights, as the Epoch event finds them
        for event in original(run):
            if isinstance(event, Epoch):
                seen[event.epoch] = {k: v.clone() for k, v in run.model.state_dict().items()}
            yield event

    import charlm.run

    monkey = pytest.MonkeyPatch()
    monkey.setattr(charlm.run.Run, "events", watched)
    try:
        assert main(argv) == 0
    finally:
        monkey.undo()
    printed = capsys.readouterr().out
    saved = Provenance.of(CharLM.from_pretrained(tmp_path / keep))
    best, last = saved.training.best_epoch, max(seen)
    assert best != last, "the recipe must overfit for this test to tell the two apart"
    weights = CharLM.from_pretrained(tmp_path / keep).state_dict()
    expected = seen[best if keep == "best" else last]
    assert all(torch.equal(weights[k], v) for k, v in expected.items())
    card = (tmp_path / keep / "README.md").read_text(encoding="utf-8")
    if keep == "best":
        assert "These are the weights saved (keep best)." in card and "these are the weights kept" in printed
    else:
        assert f"The weights saved are the last epoch's (keep last): epoch {last}" in card
        assert "the last epoch's weights are kept" in printed
    assert saved.training.config["keep"] == keep and f"--keep {keep}" in saved.command


@pytest.mark.slow
def test_valid_chars_caps_each_epochs_validation_and_the_card_says_so(shared):
    spec = RunSpec("timemachine", "raw", 20_000, data_dir=str(shared), model={"cell": "gru", "hidden_size": 16},
                   train=TrainConfig(epochs=1, batch_size=8, num_steps=16, sample_every=0, valid_chars=500))  # fmt: skip
    run = build(spec)
    started = next(e for e in run.events() if isinstance(e, Started))
    assert started.valid_chars == 500 and len(run.data.valid) == 2_000
    for _ in run.events():
        pass
    assert "for validation (2,000; each epoch validated on its first 500)" in run.card()
    with pytest.raises(CharLMError, match="valid_chars must be 0 .* or at least 2"):
        TrainConfig(valid_chars=1)
