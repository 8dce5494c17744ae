"""A run as a page shows it: the live plot, the status line and the latest sample, in every language at once.

A run's events (``charlm.train``: Started, Step, Epoch, Sample, Finished) go one way: from the trainer (a thread of
its own here, or a GPU worker on ZeroGPU) into the run's ``Broadcast``, which draws each of them on one ``Screen`` per
language. The page of the visitor who trains it shows their language's frames; so does every page that follows the
run once it is shared (a room: ``rooms.py``). A frame is drawn once per language and update, however many pages
show it, and a page that arrives mid-run gets the run so far, as its screens hold it. ``RunView`` is the Train tab's
side of it: it starts the run where it trains (a thread, a forked process, a GPU worker), feeds its events to the
Broadcast, and hands the tab a frame at most every ``UPDATE_SECONDS``.
"""

from __future__ import annotations

import copy
import math
import threading
import time
from collections.abc import Callable

import gradio as gr
import torch

from ..i18n import Msg, languages, speaking
from ..i18n import text as tr
from ..model import CharLM
from ..remote import cut_short, in_a_process, receive
from ..run import RunSpec
from ..train import Epoch, Event, Finished, Sample, Started, Step
from . import live_plot
from .common import AppContext, Job, in_own_thread, md, model_line
from .live_plot import SERIES, LivePlot
from .zerogpu import advice

PLOT_POINTS_PER_EPOCH = 25  # training points an epoch adds to the live plot (thinned as the run grows: LivePlot)


class Screen:
    """One language's view of a run, fed every event: the status line (the run's header, the last epoch's line, the
    current step's), the live plot and the latest sample."""

    def __init__(self, lang: str, epochs: int, limit: float, where: Callable[[Started], str]):
        self.lang, self.epochs, self.limit, self.where = lang, epochs, limit, where
        self.plot = LivePlot()
        self.header = self.done = self.sample = ""  # done: the last epoch's line, shown until the next one
        self.recent: list[float] = []  # training losses since the plot's last training point
        with speaking(lang):
            self.status = tr("train.starting")

    def see(self, event: Event) -> None:
        with speaking(self.lang):
            self._see(event)

    def _see(self, event: Event) -> None:
        plot = self.plot
        if isinstance(event, Started):
            self.header = self.status = tr("train.started", where=self.where(event), engine=event.engine,
                                           precision=event.precision, parameters=event.num_parameters,
                                           train_chars=event.train_chars, valid_chars=event.valid_chars)  # fmt: skip
            # Epoch 0: the untrained model, about as perplexed as the vocabulary is large. Both series must be in the
            # plot's first update: Gradio's line plot keeps the colours of its first data for good.
            initial = (event.initial_train_perplexity, event.initial_valid_perplexity)
            for series, value in zip(SERIES, initial, strict=True):
                if value is not None:
                    plot.add(series, 0.0, value)
        elif isinstance(event, Step):
            x = event.epoch - 1 + event.step / event.steps_per_epoch
            epochs = epochs_shown(self.epochs, self.limit, x, event.elapsed)
            self.recent.append(event.loss)
            if event.step % max(1, event.steps_per_epoch // PLOT_POINTS_PER_EPOCH) == 0:
                plot.add("training", x, math.exp(min(sum(self.recent) / len(self.recent), 50)))
                self.recent = []
            step = tr("train.step", epoch=event.epoch, epochs=epochs, step=event.step, steps=event.steps_per_epoch,
                      perplexity=event.perplexity, tokens_per_second=event.tokens_per_second,
                      grad_norm=event.grad_norm, clipped=tr("train.clipped") if event.clipped else "",
                      elapsed=event.elapsed, to_go=event.seconds_to_go)  # fmt: skip
            self.status = "  \n".join(filter(None, (self.header, self.done, step)))
        elif isinstance(event, Epoch):
            epochs = epochs_shown(self.epochs, self.limit, event.epoch, event.elapsed)
            plot.add("validation", event.epoch, event.valid_perplexity)
            self.done = tr("train.epoch", epoch=event.epoch, epochs=epochs, train_perplexity=event.train_perplexity,
                           valid_perplexity=event.valid_perplexity, bpc=event.valid_bpc,
                           best=tr("train.best") if event.is_best else "", tokens_per_second=event.tokens_per_second,
                           clipped=event.clipped_fraction, elapsed=event.elapsed, to_go=event.seconds_to_go)  # fmt: skip
            self.status = f"{self.header}  \n{self.done}"
        elif isinstance(event, Sample):
            self.sample = tr("train.sample_after", epoch=event.epoch, prefix=event.prefix, text=event.text)
        elif isinstance(event, Finished):
            self.ended(f"**{md(event.message)}**")

    def ended(self, line: str | Msg) -> None:
        """The run's last line, under its header: how it finished, or why it was cut off."""
        with speaking(self.lang):
            self.status = f"{self.header}  \n{line}"


class Broadcast:
    """A run's screens, one per language, and what its followers share: the frames, drawn once per update, and the
    run's model as it stands (``model``). The page that trains the run feeds it (``see``) and says when an update is
    due (``publish``); any page, in any thread, reads a frame (``frame``)."""

    def __init__(self, name: str, epochs: int, limit: float, where: Callable[[Started], str]):
        self.name = name  # the run's name, as Compare lists it ("1. LSTM 2×256")
        self.screens = {lang: Screen(lang, epochs, limit, where) for lang in languages()}
        self.version = 0  # counts updates: a page shows a frame when the version it last showed is older
        self.done = False  # the run has ended, and its last frame is published
        self.shared = False  # a room shows it: ``model`` is kept up to date
        self.model: CharLM | None = None  # the run's model as followers use it: a copy after each epoch, then the kept
        self.epoch = 0  # the last epoch ``model`` has finished
        self._frames: dict[str, tuple] = {}  # each language's frame for ``version``
        self._converted: dict[str, tuple] = {}  # the same, with the plot's data as Gradio sends them
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    def see(self, event: Event) -> None:
        with self._lock:
            for screen in self.screens.values():
                screen.see(event)

    def ended(self, line_of: Callable[[], str | Msg]) -> None:
        """The run was cut off (its GPU was lost): each screen's last line, ``line_of()`` in its language."""
        with self._lock:
            for lang, screen in self.screens.items():
                with speaking(lang):
                    screen.ended(line_of())

    def observe(self, event: Event, model: CharLM) -> None:
        """Called where the model trains, between its steps (the training thread, or here for a GPU worker's run): after
        each epoch a shared run's followers get its weights, as a copy nothing trains further."""
        if self.shared and isinstance(event, Epoch | Started):
            self.model, self.epoch = frozen(model), getattr(event, "epoch", 0)

    def publish(self, done: bool = False) -> None:
        """An update is due: every page that shows the run draws the frame it is at now."""
        with self._lock:
            self.version += 1
            self.done = done
            self._frames.clear()
            self._converted.clear()
            listeners = list(self._listeners)
        for listener in listeners:
            listener()

    def listen(self, listener: Callable[[], None]) -> None:
        with self._lock:
            self._listeners.append(listener)

    def frame(self, lang: str, converted: bool = False) -> tuple:
        """(the live plot's update, the status line, the sample) in ``lang``, as of the last update. ``converted``: the
        plot's data as Gradio sends them (``live_plot.converted``), converted once for all the pages that show it."""
        with self._lock:
            if (drawn := self._frames.get(lang)) is None:
                screen = self.screens[lang if lang in self.screens else next(iter(self.screens))]
                with speaking(screen.lang):
                    drawn = self._frames[lang] = (screen.plot.update(done=self.done), screen.status, screen.sample)
            if converted:  # the same frame (drawn once, so every page shows the same update), its data converted
                if (sent := self._converted.get(lang)) is None:
                    plot = drawn[0]
                    if isinstance(plot, dict) and "value" in plot:
                        plot = {**plot, "value": live_plot.converted(plot["value"])}
                    sent = self._converted[lang] = (plot, *drawn[1:])
                drawn = sent
        plot, status, sample = drawn
        # Gradio takes an update's value out of the dict it is given: each page gets a dict of its own
        return (dict(plot) if isinstance(plot, dict) else plot), status, sample


def frozen(model: CharLM) -> CharLM:
    """A copy of ``model`` for inference only: evaluation mode, no gradients, nothing an optimizer holds."""
    twin = copy.deepcopy(model.config)
    with torch.no_grad():
        copied = CharLM(twin).to(next(model.parameters()).device)
        copied.load_state_dict(model.state_dict())
    copied.eval().requires_grad_(False)
    return copied


def epochs_shown(epochs: int, limit: float, done: float, elapsed: float) -> int | str:
    """The epochs a run's status counts to: its epochs, or, when its time limit will stop it first at the pace so far,
    both ("13, the time limit stops it near 8"), in the active language."""
    if not limit or done < 0.5 or elapsed <= 0:  # too early to tell the pace
        return epochs
    reach = int(limit / (elapsed / done))
    return epochs if reach >= epochs else tr("train.epochs_in_limit", epochs=epochs, reach=max(reach, 1))


UPDATE_SECONDS = 1.0  # the page is updated at most this often, whatever the rate of steps and epochs: at 0.5 s the
# browser drawing it took 28% of a core from the run beside it (the d2l GRU preset 1.33× its command-line time)


class RunView:
    """What the tab shows of a run: ``updates()`` while it trains (the live plot, the status line, the sample, the
    model line and whether to offer a run on the CPU), then ``last`` (said once the run is in Compare). What it shows
    is the run's Broadcast in the visitor's language: the frames a room that follows the run shows too."""

    def __init__(self, ctx: AppContext, job: Job, run, spec: RunSpec, remote: bool, name: str, apart: bool = False):
        self.ctx, self.job, self.run, self.spec, self.remote, self.apart = ctx, job, run, spec, remote, apart or remote
        config = run.trainer.config
        self.broadcast = Broadcast(name, config.epochs, config.max_seconds, lambda event: where(ctx, event, remote))
        job.session.broadcast = self.broadcast  # what Share shares, while it trains and once it has ended
        ctx.rooms.started(job.session, self.broadcast)  # the owner's open room follows its new run
        self.gpu_failed = False

    def updates(self):
        ctx, job, run, remote, shown = self.ctx, self.job, self.run, self.remote, self.broadcast
        last_yield = 0.0
        apart = self.apart  # trained in another process: its snapshots land in ``run`` here
        if remote:
            events = receive(ctx.gpu.train(self.spec), run)
        elif apart:  # on every core but one: the server's, which a thread of this process would have shared
            events = receive(in_a_process(self.spec, max(1, ctx.training_threads - 1)), run)
        else:
            events = in_own_thread(run, ctx.training_threads, observe=shown.observe)
        try:
            for event in events:
                if apart:
                    if job.stopped:  # Stop, or a closed tab: the worker is told when this ends
                        event = cut_short(run)
                    shown.observe(event, run.model)  # the weights the worker sent last are in run.model
                shown.see(event)
                if isinstance(event, Finished):
                    break  # said by the last update, once the run is in Compare (with its memory span)
                if time.perf_counter() - last_yield < UPDATE_SECONDS and not isinstance(event, Started):
                    continue  # what came is in the next update: steps and epochs can come hundreds a second
                last_yield = time.perf_counter()
                shown.publish()
                yield self.frame(visible=False)
        except Exception as e:  # the GPU could not be had, or its worker died: ZeroGPU says why in a gr.Error
            if not remote:
                raise
            self.gpu_failed, message = True, getattr(e, "message", None) or str(e) or type(e).__name__
            kept = cut_short(run, "cut off").message if run.trainer.history else Msg("train.kept_as_was")
            shown.ended(lambda: tr("train.gpu_stopped", message=md(message), advice=md(advice(message)), kept=md(kept)))
        finally:
            events.close()  # stops a local run's thread, or tells a worker to stop
            if apart and run.finished is None:
                cut_short(run)

    def frame(self, visible: bool) -> tuple:
        plot, status, sample = self.broadcast.frame(self.job.session.lang)
        return plot, status, sample, model_line(self.ctx, self.job.session), gr.update(visible=visible)

    def last(self, model, epochs: int) -> tuple:
        """The run has ended and is kept: its last frame, for its visitor and for a room that follows it. ``model``:
        what the run kept (after ``epochs`` epochs), which the room's followers use from now on; None: nothing kept."""
        if model is not None:
            self.broadcast.model, self.broadcast.epoch = model, epochs
        self.broadcast.publish(done=True)
        return self.frame(visible=self.gpu_failed)


def where(ctx: AppContext, event: Started, remote: bool) -> str:
    """Where a run trains, in the active language."""
    if remote:
        return tr("train.where_space_gpu", device=event.device)
    return tr("train.where_space_cpu") if ctx.gpu else event.device
