"""The Train tab's live plot: a run's perplexity as it trains, light whatever the run's length.

A 500-epoch preset makes 12,500 training points. Sent whole at every epoch, the data built, sent and redrawn grew with
the square of the run's length: the d2l GRU preset took 7.7× longer in the app than on the command line, and the page
grew to gigabytes. So each series keeps at most ``MAX_POINTS``, evenly spread over the run (``LivePlot``), and the
page is updated at most every ``run_view.UPDATE_SECONDS``. Between two thinnings an update adds a point or two, which
Gradio sends as a small diff.
"""

from __future__ import annotations

import functools

import gradio as gr
import numpy as np
import pandas as pd

from ..i18n import languages
from ..i18n import text as tr

SERIES = ("training", "validation")  # the live plot's series, as its points name them (translated when drawn)
COLORS = {"training": "#1f77b4", "validation": "#d62728"}
ROOM_TO_FALL = 0.5  # a new y range leaves this much of the data's height free below it, for the curve's fall
MAX_POINTS = 200  # per series: the browser redraws them all at each update (on the machine that trains, in a lecture)


class LivePlot:
    """A run's points so far, in the order they came, each series at most ``max_points`` long and evenly thinned:
    (epoch, perplexity, series), the epoch fractional within an epoch for the training series. A series keeps every
    ``stride``-th point that comes; when it fills up, every other point it holds goes and its stride doubles, so its
    points stay evenly spread over the whole run (the first, epoch 0, always stays)."""

    def __init__(self, max_points: int = MAX_POINTS):
        self.max_points = max_points
        self.points: list[tuple[float, float, str]] = []
        self.counts = dict.fromkeys(SERIES, 0)  # points held
        self.came = dict.fromkeys(SERIES, 0)  # points offered
        self.stride = dict.fromkeys(SERIES, 1)
        self.y_lim: list[float] | None = None  # the y range last drawn (``y_range``)

    def add(self, series: str, epoch: float, perplexity: float) -> None:
        offered, self.came[series] = self.came[series], self.came[series] + 1
        if offered % self.stride[series]:
            return
        self.points.append((float(epoch), float(perplexity), series))
        self.counts[series] += 1
        if self.counts[series] > self.max_points:
            mine = [i for i, point in enumerate(self.points) if point[2] == series]
            dropped = set(mine[1::2])
            self.points = [point for i, point in enumerate(self.points) if i not in dropped]
            self.counts[series] -= len(dropped)
            self.stride[series] *= 2

    def __len__(self) -> int:
        return len(self.points)

    @classmethod
    def of(cls, history: list[dict]) -> LivePlot:
        """A finished run's curves from its history: the training and validation perplexity of each epoch."""
        plot = cls()
        for h in history:
            plot.add("training", h["epoch"], h["train_perplexity"])
            plot.add("validation", h["epoch"], h["valid_perplexity"])
        return plot

    def update(self, done: bool = False):
        """The plot's data in bits per character (log₂ perplexity: a log axis, which gr.LinePlot lacks), perplexity
        on hover, and a y range that follows the data: past the first epoch, the points from epoch 1 on, so that
        4.5 → 4.0 fills the plot while the first drop (from about the vocabulary's size) runs off its top. No update
        until there is a point (an empty frame would fix the colours as numbers). The series and the titles in the
        active language; ``done``: the run has ended, and the title says so."""
        if not len(self):
            return gr.skip()
        frame = pd.DataFrame(self.points, columns=["epoch", "perplexity", "series"])
        frame["series"] = frame["series"].map({series: tr(f"train.series_{series}") for series in SERIES})
        frame.insert(1, "bits per character", np.log2(frame["perplexity"]))
        shown = frame[frame["epoch"] >= 1] if frame["epoch"].max() > 1.5 else frame
        low, high = shown["bits per character"].min(), shown["bits per character"].max()
        return gr.update(value=frame, y_lim=self.y_range(float(low), float(high)), **plot_titles(done))

    def y_range(self, low: float, high: float) -> list[float]:
        """The y range for data from ``low`` to ``high``: the last one while the data stay inside it and fill at least
        half of it, else one with a margin of 10% above and ``ROOM_TO_FALL`` below, where a learning curve goes next.
        A range that changes at every update makes Gradio build the plot anew, for every page that shows it (a room's
        hundreds); a new value alone is a small diff. With 10% below, the quick demo's range changed at 11 of its 29
        updates, and that rebuilding was a tenth of the event loop's time at a lecture's 200 followers."""
        lim = self.y_lim
        if lim is None or not (lim[0] <= low and high <= lim[1] and high - low >= 0.5 * (lim[1] - lim[0])):
            span = max(high - low, 0.1)
            lim = self.y_lim = [low - ROOM_TO_FALL * span, high + 0.1 * span]
        return list(lim)


def converted(frame: pd.DataFrame) -> dict:
    """``frame`` as gr.LinePlot sends it to a page (its ``postprocess``: columns, rows, types), which the widget passes
    on as it is. Gradio converts a DataFrame once for each page it goes to: a room's followers share one conversion."""
    return _converter().postprocess(frame).model_dump()


@functools.cache
def _converter() -> gr.LinePlot:
    return gr.LinePlot(x="epoch", y="bits per character", render=False)


def widget(elem_id: str, **options) -> gr.LinePlot:
    """The live plot as a page shows it (the Train tab's, a room's), empty until a run's first update."""
    from .common import ui  # the page's texts: common imports this module's neighbours, not the other way round

    # The title is short (drawn in the picture, it cannot wrap, and a long one squeezes the plot to nothing on a
    # phone); what the curves are is said in the caption under it, as HTML, which wraps in any language. The height is
    # the block's: style.py keeps the picture at it and lets the block grow for the caption.
    return gr.LinePlot(None, x="epoch", y="bits per character", color="series", color_map=plot_colors(), height=320,
                       x_title=ui("train.plot_x"), y_title=ui("train.plot_y"), caption=ui("train.plot_caption"),
                       tooltip=["epoch", "perplexity", "series"], elem_id=elem_id, **plot_titles(), **options)  # fmt: skip


def plot_titles(done: bool = False) -> dict:
    """The live plot's texts that gr.LinePlot cannot take from ui(), in the active language: while a run trains, or
    (``done``) once it has ended."""
    return {"title": tr("train.plot_title_done" if done else "train.plot_title"), "color_title": tr("train.plot_series")}


def retitled(plot) -> dict:
    """The live plot's data (as the page sends it back) with its series renamed in the active language; nothing to send
    when it has none."""
    if isinstance(plot, dict):  # {"columns": [...], "data": [[...], ...], ...}
        plot = pd.DataFrame(plot.get("data") or [], columns=plot.get("columns"))
    if not isinstance(plot, pd.DataFrame) or plot.empty or "series" not in plot:
        return {}
    names = {
        tr(f"train.series_{series}", lang): tr(f"train.series_{series}") for series in SERIES for lang in languages()
    }
    return {"value": plot.assign(series=plot["series"].map(lambda name: names.get(name, name)))}


def plot_colors() -> dict[str, str]:
    """Each series' colour, by its name in every language (the plot's data names them in the visitor's)."""
    return {tr(f"train.series_{series}", lang): COLORS[series] for series in SERIES for lang in languages()}
