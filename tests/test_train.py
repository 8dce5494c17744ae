"""The trainer's event stream, stopping, divergence, best weights, determinism and resuming."""

import math
import pickle

import pytest
import torch

from charlm import CharLM, CharLMConfig
from charlm.data import Dataset
from charlm.errors import CharLMError, CheckpointError
from charlm.train import Epoch, Finished, Sample, Started, Step, TrainConfig, Trainer, evaluate

TEXT = "the cat sat on the mat. the dog sat on the log. " * 40  # 1,960 characters


def setup(cell="gru", text=TEXT, **train):
    data = Dataset.from_text(text)
    model = CharLM(CharLMConfig(vocab=list(data.vocab.tokens), cell=cell, hidden_size=16))
    options = {"epochs": 3, "batch_size": 4, "num_steps": 10, "lr": 1e-2, "sample_length": 20, **train}
    return model, data, TrainConfig(**options)


def run(model, data, config, **kw):
    return list(Trainer(model, data, config, **kw).run())


def test_events_arrive_in_order_and_validation_perplexity_falls():
    model, data, config = setup(epochs=4)
    events = run(model, data, config)
    assert isinstance(events[0], Started) and isinstance(events[-1], Finished)
    assert events[0].engine == "fused" and events[0].num_parameters == model.num_parameters
    epochs = [e for e in events if isinstance(e, Epoch)]
    steps = [e for e in events if isinstance(e, Step)]
    assert [e.epoch for e in epochs] == [1, 2, 3, 4]
    assert len([e for e in events if isinstance(e, Sample)]) == 4
    assert steps[0].steps_per_epoch == data.steps_per_epoch(4, 10) and steps[-1].tokens_per_second > 0
    unigram = math.exp(-sum(p * math.log(p) for p in _unigram(data)))  # perplexity of character frequencies
    assert epochs[-1].valid_perplexity < unigram / 2 < epochs[0].train_perplexity
    assert epochs[-1].valid_bpc == pytest.approx(math.log2(epochs[-1].valid_perplexity))
    assert events[-1].reason == "completed" and "best validation perplexity" in str(events[-1].message)
    assert "最佳验证困惑度" in events[-1].message.render("zh")  # the message renders in the reader's language


def _unigram(data):
    counts = torch.bincount(data.train, minlength=len(data.vocab)).float()
    p = counts[counts > 0] / counts.sum()
    return p.tolist()


@pytest.mark.slow
def test_the_same_seed_gives_the_same_numbers():
    def losses(seed):
        model, data, config = setup(cell="lstm", seed=seed, sampling="random")
        torch.manual_seed(123)  # the model's initialisation
        model = CharLM(model.config)
        return [e.loss for e in run(model, data, config) if isinstance(e, Step)]

    assert losses(1) == losses(1)
    assert losses(1) != losses(2)


def test_stop_ends_the_run_and_keeps_a_usable_model():
    model, data, config = setup(epochs=50)
    trainer = Trainer(model, data, config)
    events = []
    for event in trainer.run():
        events.append(event)
        if isinstance(event, Epoch) and event.epoch == 2:
            trainer.stop()
    assert events[-1].reason == "stopped" and events[-1].epochs_done == 2
    assert not model.training and math.isfinite(evaluate(model, data.valid))


def test_closing_the_stream_restores_the_best_weights():
    model, data, config = setup(epochs=50)
    stream = Trainer(model, data, config).run()
    best = None
    for event in stream:
        if isinstance(event, Epoch) and event.is_best:
            best = event.valid_loss
        if isinstance(event, Step) and event.epoch == 3 and event.step == 2:
            break  # mid-epoch, with weights that are no epoch's
    stream.close()
    assert evaluate(model, data.valid) == pytest.approx(best, rel=1e-6)


def test_a_diverging_loss_stops_with_advice_and_the_last_good_weights():
    model, data, config = setup(epochs=5)
    calls = {"n": 0}

    def poison(module, inputs, output):  # the fault: from the 2nd epoch's 3rd step on, NaN logits
        calls["n"] += module.training  # training steps only: the untrained model is measured first
        return output * math.nan if module.training and calls["n"] > data.steps_per_epoch(4, 10) + 2 else output

    model.head.register_forward_hook(poison)
    events = run(model, data, config)
    finished = events[-1]
    assert finished.reason == "diverged" and finished.epochs_done == 1
    message = str(finished.message)
    assert "diverged (became nan) at epoch 2, step" in message
    assert "back to the end of epoch 1" in message and "Lower the learning rate (now 0.01)" in message
    # in the reader's language, as it comes back from a ZeroGPU worker (pickled)
    chinese = pickle.loads(pickle.dumps(finished)).message.render("zh")
    assert chinese.startswith("损失在第 2 个迭代周期的第 ") and "权重已恢复为第 1 个迭代周期结束时的值" in chinese
    assert "请降低学习率（当前为 0.01）" in chinese
    assert all(torch.isfinite(p).all() for p in model.parameters())
    epoch1 = next(e for e in events if isinstance(e, Epoch))
    model.head._forward_hooks.clear()
    assert evaluate(model, data.valid) == pytest.approx(epoch1.valid_loss, rel=1e-6)


@pytest.mark.slow
def test_save_and_resume_continue_exactly_where_the_run_left_off(tmp_path):
    def fresh(epochs):
        torch.manual_seed(7)
        model, data, config = setup(cell="lstm", epochs=epochs, keep="last", sample_every=0)
        return CharLM(model.config), data, config

    model, data, config = fresh(4)
    unbroken = [e.valid_loss for e in run(model, data, config) if isinstance(e, Epoch)]

    model, data, config = fresh(2)
    trainer = Trainer(model, data, config)
    list(trainer.run())
    trainer.save(tmp_path / "run")
    resumed_model = CharLM.from_pretrained(tmp_path / "run")
    _, _, config4 = fresh(4)
    events = run(resumed_model, data, config4, resume_from=tmp_path / "run")
    assert events[0].first_epoch == 3
    resumed = [e.valid_loss for e in events if isinstance(e, Epoch)]
    assert resumed == pytest.approx(unbroken[2:], rel=1e-6)
    assert resumed_model.config.metadata["training"]["history"][-1]["epoch"] == 2


def test_resume_from_a_folder_without_training_state(tmp_path):
    model, data, config = setup()
    model.save_pretrained(tmp_path)
    with pytest.raises(CheckpointError, match="has no training_state.json: it was not saved by the trainer"):
        Trainer(model, data, config, resume_from=tmp_path)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"lr": -1}, "lr must be positive"),
        ({"lr": float("nan")}, "lr must be a number"),
        ({"lr": 1e6}, "can only diverge"),
        ({"epochs": 0}, "epochs must be a whole number ≥ 1"),
        ({"batch_size": "32"}, "batch size must be a whole number"),
        ({"clip": -1}, "clip must be zero or positive"),
        ({"optimizer": "lbfgs"}, "optimizer must be one of sgd, adam, adamw"),
        ({"sampling": "shuffled"}, "sampling must be one of random, sequential"),
        ({"precision": "float16"}, "precision must be one of float32, bfloat16"),
        ({"lr_decay": 0}, "lr_decay must be above 0 and at most 1"),
        ({"lr_decay": 1.5}, "lr_decay must be above 0 and at most 1"),
        ({"lr_decay_after": -2}, "lr_decay_after must be a whole number ≥ 0"),
        ({"compile": True, "engine": "fused"}, "compile applies to the scratch engine"),
    ],
)
def test_nonsense_options_are_refused(options, message):
    with pytest.raises(CharLMError, match=message):
        TrainConfig(**options)


def test_a_batch_larger_than_the_corpus_is_refused_with_the_minimum():
    model, data, config = setup(batch_size=500)
    with pytest.raises(CharLMError, match="needs at least 5,011"):
        Trainer(model, data, config)


@pytest.mark.slow
def test_the_learning_rate_decays_per_epoch_after_the_chosen_one():
    model, data, config = setup(epochs=5, lr=0.1, lr_decay=0.5, lr_decay_after=3, sample_every=0)
    trainer = Trainer(model, data, config)
    assert [trainer.learning_rate(e) for e in range(1, 6)] == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.025])
    seen = []
    for event in trainer.run():
        if isinstance(event, Step) and event.step == 1:
            seen.append(trainer.optimizer.param_groups[0]["lr"])
    assert seen == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.025])
    assert Trainer(model, data, TrainConfig(lr=0.1, lr_decay=0.5)).learning_rate(3) == pytest.approx(0.025)


@pytest.mark.parametrize("engine", ["fused", "scratch"])
@pytest.mark.slow
def test_bfloat16_training_steps_learn_and_leave_float32_weights(engine):
    model, data, config = setup(cell="lstm", epochs=3, precision="bfloat16", engine=engine, sample_every=0)
    epochs = [e for e in run(model, data, config) if isinstance(e, Epoch)]
    assert epochs[-1].valid_loss < epochs[0].train_loss and all(math.isfinite(e.valid_loss) for e in epochs)
    assert all(p.dtype == torch.float32 for p in model.parameters())


@pytest.mark.slow
def test_compiled_training_takes_the_scratch_engine_and_learns_what_eager_training_does():
    def losses(compile):
        torch.manual_seed(3)
        model, data, config = setup(cell="lstm", epochs=2, sample_every=0, compile=compile)
        events = run(CharLM(model.config), data, config)
        assert events[0].engine == "scratch" or not compile
        return [e.valid_loss for e in events if isinstance(e, Epoch)]

    assert losses(True) == pytest.approx(losses(False), rel=1e-3)


def test_a_stopped_run_that_keeps_the_last_epoch_keeps_the_last_finished_one():
    """Stop lands mid-epoch; ``keep="last"`` ends with the weights its history's last row describes."""
    model, data, config = setup(epochs=5, keep="last", sample_every=0)
    trainer = Trainer(model, data, config)
    at_epoch_2 = None
    for event in trainer.run():
        if isinstance(event, Epoch) and event.epoch == 2:
            at_epoch_2 = {k: v.clone() for k, v in model.state_dict().items()}
        elif isinstance(event, Step) and event.epoch == 3 and event.step == 2:
            trainer.stop()  # two minibatches into epoch 3
    assert [h["epoch"] for h in trainer.history] == [1, 2]
    assert all(torch.equal(model.state_dict()[k], v) for k, v in at_epoch_2.items())


@pytest.mark.slow
def test_training_on_the_naive_engine_learns_what_the_scratch_engine_does():
    figures = {}
    for engine in ("scratch", "naive"):
        torch.manual_seed(0)
        model, data, config = setup(cell="lstm", epochs=2, engine=engine, sample_every=0)
        events = run(model, data, config)
        assert events[0].engine == engine
        figures[engine] = [e.valid_loss for e in events if isinstance(e, Epoch)]
    assert figures["naive"] == pytest.approx(figures["scratch"], rel=1e-5)
