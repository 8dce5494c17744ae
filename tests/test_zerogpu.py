"""A free Hugging Face Space runs on ZeroGPU: Start's training is wrapped in ``spaces.GPU`` and runs in a forked
worker whose every yield is pickled back. Here a stand-in ``spaces`` module does what ZeroGPU does (records the
wrapped functions and their durations; forks a child for each call and pickles each value across; raises
ZeroGPU's own errors) on this CPU-only machine."""

import importlib
import multiprocessing
import os
import pickle
import signal
import sys
import types

import gradio as gr
import pytest
import torch
from conftest import form

from charlm import CharLM
from charlm.i18n import speaking
from charlm.limits import Limits
from charlm.presets import PRESETS
from charlm.provenance import Provenance
from charlm.remote import Snapshot, remote_events
from charlm.run import build
from charlm.ui import generate_tab, inspect_tab, models_tab, train_tab, zerogpu
from charlm.ui.common import AppContext, Session

QUOTA = ("You have exceeded your GPU quota (150s requested vs. 96s left). Create a free account to get more daily "
         "usage quota.")  # fmt: skip


class StandInSpaces(types.ModuleType):
    """``spaces`` as ZeroGPU has it: ``GPU(fn, duration=…)`` records what it wraps; each call of the wrapped generator
    runs it in a forked child and pickles every value back; a child that dies is ZeroGPU's "GPU task aborted"."""

    def __init__(self, kill_after_snapshots: int | None = None, refuse: str | None = None):
        super().__init__("spaces")
        self.wrapped: list[tuple] = []  # (function, duration)
        self.calls: list[tuple] = []
        self.snapshots: list[Snapshot] = []
        self.kill_after_snapshots, self.refuse = kill_after_snapshots, refuse

    def GPU(self, task=None, *, duration=None):
        self.wrapped.append((task, duration))

        def in_a_worker(*args, **kwargs):
            self.calls.append(args)
            if self.refuse:
                raise gr.Error(self.refuse, title="ZeroGPU quota exceeded")
            yield from self._forked(task, args, kwargs)

        return in_a_worker

    def _forked(self, task, args, kwargs):
        reader, writer = multiprocessing.Pipe(duplex=False)
        child = multiprocessing.get_context("fork").Process(target=_worker, args=(task, args, kwargs, writer))
        child.start()
        writer.close()
        try:
            while True:
                try:
                    data = reader.recv_bytes()
                except EOFError:  # the worker died before it said it was done
                    raise gr.Error("GPU task aborted", title="ZeroGPU worker error") from None
                kind, value = pickle.loads(data)
                if kind == "end":
                    return
                if isinstance(value, Snapshot):
                    self.snapshots.append(value)
                    if len(self.snapshots) == self.kill_after_snapshots:
                        os.kill(child.pid, signal.SIGKILL)  # its time is up
                yield value
        finally:
            if child.is_alive():
                child.kill()
            child.join()


def _worker(task, args, kwargs, writer):
    """The forked worker: CUDA would be its own here; on this machine it trains on the CPU, on one thread."""
    torch.cuda.is_available, torch.cuda._lazy_init = REAL_CUDA  # the worker may use CUDA: the main process may not
    torch.set_num_threads(1)
    for value in task(*args, **kwargs):
        writer.send_bytes(pickle.dumps(("value", value)))  # every yield crosses as a pickle, as on ZeroGPU
    writer.send_bytes(pickle.dumps(("end", None)))
    writer.close()


REAL_CUDA = (torch.cuda.is_available, torch.cuda._lazy_init)


@pytest.fixture
def main_process_without_cuda(monkeypatch):
    """This process as ZeroGPU leaves it: CUDA looks available, and initialising it is an error."""

    def refuse():
        raise RuntimeError("CUDA must not be initialized in the main process")

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "_lazy_init", refuse)
    saved = torch.get_num_threads()
    torch.set_num_threads(1)  # the forked worker trains on one thread; so does the direct run it is compared with
    yield
    torch.set_num_threads(saved)
    assert not torch.cuda.is_initialized()


def zero_gpu_context(ctx, monkeypatch, spaces: StandInSpaces) -> AppContext:
    monkeypatch.setitem(sys.modules, "spaces", spaces)
    monkeypatch.setenv("SPACES_ZERO_GPU", "true")
    on_space = AppContext.create(ctx.checkpoints, ctx.limits, load_model=False)
    on_space.default_model = ctx.default_model
    return on_space


def test_the_app_wraps_starts_training_and_asks_for_its_time_limit(ctx, monkeypatch):
    spaces = StandInSpaces()
    monkeypatch.setitem(sys.modules, "spaces", spaces)
    monkeypatch.setenv("SPACES_ZERO_GPU", "true")
    app = importlib.import_module("app")
    app.build_demo(AppContext.create(ctx.checkpoints, ctx.limits, load_model=False))
    assert [fn for fn, _ in spaces.wrapped] == [remote_events]  # what Start streams from, and nothing else
    (_, duration), limit = spaces.wrapped[0], ctx.limits.max_seconds
    quick = train_tab.spec_from_form(ctx, train_tab.TrainForm(*form(preset="quick-lstm")))
    assert 30 <= duration(quick) <= 30 + 60  # the quick demo's own 30-s limit, and start-up
    for name, preset in PRESETS.items():
        spec = train_tab.spec_from_form(ctx, train_tab.TrainForm(*form(preset=name)))
        own = min(preset.spec.train.max_seconds or limit, limit)
        assert own <= duration(spec) <= own + 60, name
    longest = max(PRESETS, key=lambda n: PRESETS[n].spec.train.max_seconds)
    longest_spec = train_tab.spec_from_form(ctx, train_tab.TrainForm(*form(preset=longest)))
    assert longest == "shakespeare" and limit <= duration(longest_spec) <= limit + 60  # 20 minutes, capped


def test_without_zero_gpu_nothing_is_wrapped_and_the_header_says_cpu(ctx, monkeypatch):
    spaces = StandInSpaces()
    monkeypatch.setitem(sys.modules, "spaces", spaces)
    monkeypatch.delenv("SPACES_ZERO_GPU", raising=False)  # CPU hardware: the package may be there, ZeroGPU is not
    local = AppContext.create(ctx.checkpoints, ctx.limits, load_model=False)
    assert local.gpu is None and spaces.wrapped == [] and local.where_training_runs() == "this machine's CPU"
    monkeypatch.setenv("SPACES_ZERO_GPU", "true")
    monkeypatch.delitem(sys.modules, "spaces")
    monkeypatch.setattr(importlib, "import_module", lambda name: (_ for _ in ()).throw(ImportError(name)))
    assert zerogpu.detect() is None  # ZeroGPU said, but no package: train here


@pytest.mark.slow
def test_a_forked_gpu_run_arrives_whole_and_equals_a_direct_run(ctx, monkeypatch, main_process_without_cuda, tmp_path):
    spaces = StandInSpaces()
    on_space = zero_gpu_context(ctx, monkeypatch, spaces)
    assert "ZeroGPU" in on_space.where_training_runs() and "2 min a day for visitors who are not logged in" in (
        on_space.where_training_runs()
    )
    session = Session()
    updates = list(train_tab.train(on_space, None, session, *form(epochs=3)))
    _plot, status, _sample, _line, offer_cpu = updates[-1]
    assert "Finished after 3 epochs" in status and "this Space's GPU" in status and not offer_cpu["visible"]
    assert len(spaces.calls) == 1 and len(spaces.snapshots) == 4  # one per epoch, and the last

    spec = train_tab.spec_from_form(ctx, train_tab.TrainForm(*form(epochs=3)))
    direct = build(spec.with_options(train={"device": "cpu"}))
    list(direct.events())
    received = session.model.state_dict()
    assert all(torch.equal(received[k], v) for k, v in direct.model.state_dict().items())  # bit for bit
    figures = lambda history: [{k: v for k, v in h.items() if k not in ("elapsed", "tokens_per_second")} for h in history]  # noqa: E731
    assert figures(saved_history(session)) == figures(direct.trainer.history)
    assert len(session.runs) == 1 and session.runs[0].best_valid_perplexity == direct.finished.best_valid_perplexity

    # the model is this visitor's current one, here on the CPU: it generates, traces, saves and resumes
    text, _ = list(generate_tab.generate(on_space, session, "the ", 40, 0.0, 0, 1.0, 0, 1))[-1]
    assert len(text) == 44
    assert "Traced" in inspect_tab.run_trace(on_space, session, "the time traveller", 1, "forward", "h")[0]
    models_tab.load_checkpoint(on_space, Session(), "timemachine-lstm", "")
    saved = session.checkpoint  # the run's checkpoint, saved when it ended: what Download zips
    card = (saved / "README.md").read_text(encoding="utf-8")
    assert "- **Hardware**: cpu (" in card and (saved / "training_state.json").is_file()


@pytest.mark.slow
def test_a_worker_cut_off_mid_run_leaves_the_last_finished_epochs_best_weights(ctx, monkeypatch, main_process_without_cuda):
    spaces = StandInSpaces(kill_after_snapshots=2)  # the worker dies once epoch 2 has been sent
    on_space = zero_gpu_context(ctx, monkeypatch, spaces)
    session = Session()
    *_, (_plot, status, _sample, _line, offer_cpu) = train_tab.train(on_space, None, session, *form(epochs=50))
    assert "The GPU run stopped: GPU task aborted" in status and "train the same run on this Space's CPU" in status
    assert "Cut off after 2 epochs; best validation perplexity" in status
    assert offer_cpu["visible"]
    kept = spaces.snapshots[-1]
    assert [h["epoch"] for h in saved_history(session)] == [1, 2]
    assert Provenance.of(CharLM.from_pretrained(session.checkpoint)).training.best_epoch == kept.best_epoch
    assert all(torch.equal(session.model.state_dict()[k], v) for k, v in kept.weights.items())
    assert len(session.runs) == 1 and not on_space.jobs


@pytest.mark.slow
def test_over_quota_the_visitor_reads_why_and_one_click_trains_on_the_cpu(ctx, monkeypatch, main_process_without_cuda):
    spaces = StandInSpaces(refuse=QUOTA)
    on_space = zero_gpu_context(ctx, monkeypatch, spaces)
    before = Session()
    models_tab.load_checkpoint(on_space, before, "timemachine-lstm", "")
    model, runs = before.model, list(before.runs)
    *_, (_plot, status, _sample, line, offer_cpu) = train_tab.train(on_space, None, before, *form())
    assert QUOTA in status and "Log in to Hugging Face for more GPU time" in status and offer_cpu["visible"]
    assert before.model is model and before.runs == runs and "timemachine-lstm" in line  # nothing lost

    *_, (_plot, status, _sample, line, offer_cpu) = train_tab.train(on_space, None, before, *form(), on_cpu=True)
    assert "Finished after 2 epochs" in status and "this Space's CPU" in status and not offer_cpu["visible"]
    assert len(spaces.calls) == 1 and len(before.runs) == 1 and "run 1. GRU 1×16" in line


@pytest.mark.slow
def test_stop_ends_a_gpu_run_after_the_epoch_in_hand_and_keeps_its_weights(ctx, monkeypatch, main_process_without_cuda):
    spaces = StandInSpaces()
    on_space = zero_gpu_context(ctx, monkeypatch, spaces)
    session = Session()
    updates = train_tab.train(on_space, None, session, *form(epochs=200, max_chars=40_000))
    for _plot, status, *_ in updates:
        if "validation perplexity" in status and on_space.jobs.of(session):  # an epoch is in: the visitor presses Stop
            on_space.jobs.of(session).stop()  # what Stop does, before it waits for the run to end
    epochs = [h["epoch"] for h in saved_history(session)]  # those in before the Stop reached the worker
    assert f"Stopped after {len(epochs)} epoch" in status and "best validation perplexity" in status
    assert epochs == list(range(1, len(epochs) + 1)) and len(epochs) < 200 and len(spaces.snapshots) >= len(epochs)
    assert not on_space.jobs


def test_on_zero_gpu_a_run_fits_an_anonymous_visitors_quota_unless_the_space_says_otherwise(ctx, monkeypatch):
    monkeypatch.setitem(sys.modules, "spaces", StandInSpaces())
    monkeypatch.setenv("SPACES_ZERO_GPU", "true")
    monkeypatch.delenv("CHARLM_MAX_SECONDS", raising=False)
    on_space = AppContext.create(ctx.checkpoints, Limits(), load_model=False)
    assert on_space.limits.max_seconds == 90 and zerogpu.gpu_seconds(train_tab.base_spec(on_space, None)) == 120
    monkeypatch.setenv("CHARLM_MAX_SECONDS", "300")  # the Space's own variable wins
    assert AppContext.create(ctx.checkpoints, Limits.from_env(), load_model=False).limits.max_seconds == 300


def test_the_gpus_description_and_advice_speak_the_visitors_language():
    gpu = zerogpu.ZeroGPU(remote_events)
    english = gpu.describe()
    assert english == ("this Space's GPU (ZeroGPU, lent for each run: about 2 min a day for visitors who are not logged "
                       "in, 5 min a day for free accounts, 40 min a day for PRO accounts)")  # fmt: skip
    with speaking("zh"):
        assert gpu.describe() == ("本 Space 的 GPU（ZeroGPU，每次运行时借用；每天约可用：未登录的访客 2 分钟、"
                                  "免费账户 5 分钟、PRO 账户 40 分钟）")  # fmt: skip
        assert "免费账户 5 分钟，PRO 账户 40 分钟" in zerogpu.advice(QUOTA) and "CPU" in zerogpu.advice("GPU task aborted")
    assert zerogpu.advice(QUOTA).startswith("Log in to Hugging Face for more GPU time a day (free accounts get 5 minutes")


def saved_history(session) -> list[dict]:
    """The history of the session's last run, as its checkpoint (saved when the run ended) records it."""
    return Provenance.of(CharLM.from_pretrained(session.checkpoint)).training.history


@pytest.mark.slow
def test_a_shared_run_trained_in_the_forked_worker_reaches_its_followers(ctx, monkeypatch, main_process_without_cuda):
    """The room's run trains in the GPU worker; this process passes its events on: the followers see every epoch as
    the owner does, and generate with the weights the worker sent back."""
    spaces = StandInSpaces()
    on_space = zero_gpu_context(ctx, monkeypatch, spaces)
    owner, follower = Session(), Session(lang="zh")
    room, seen = None, []
    for _plot, status, *_ in train_tab.train(on_space, None, owner, *form(epochs=3)):
        if room is None:
            room, _ = on_space.rooms.share(owner)
            follower.room = room
        seen.append((status, room.broadcast.frame("en")[1], room.broadcast.frame("zh")[1]))
    assert len(spaces.calls) == 1 and all(own == followed for own, followed, _ in seen)  # the same line, each update
    last_en, last_zh = seen[-1][1:]
    assert "Finished after 3 epochs" in last_en and "this Space's GPU" in last_en and "3 个迭代周期" in last_zh
    assert room.model is owner.model  # the weights the worker sent back, kept: the followers' model
    text, _ = list(generate_tab.generate(on_space, follower, "the ", 40, 0.0, 0, 1.0, 0, 1))[-1]
    assert len(text) == 44 and follower.model is owner.model
