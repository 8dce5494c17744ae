"""Pictures of training and of a model's insides, as plotly figures and HTML — for the app, the
CLI's offline report, and a lecturer's slides.

    perplexity_figure({"LSTM": history})         # train (dashed) and validation (solid) per epoch
    gate_heatmap(trace, layer=0, gate="f")       # units × characters
    colored_text(trace, unit=37, state="c")      # the text, each character tinted by one unit
    saturation_figure(saturation(trace))         # Karpathy et al. (2015), figure 3
    connectivity_html(connectivity(model, text), target=120)   # what the prediction of character 120 looked at
    span_figure({"LSTM": c.profile(100)})        # connectivity against distance, the span marked
    gradient_figure({"trained": g, "untrained": g0})          # ‖∂loss_T/∂h_t‖ against T − t, log scale
    path_figure(state_path(trace), "position in the word")    # the hidden state's path, a point per character
    ablation_html(ablate(model, text, 1, 0, "c", 37))         # a unit switched off: what changed

Every text in them (titles, axes, legends, hover texts, notes) is in the active language (``charlm.i18n.speaking``):
the app's handlers speak their visitor's, the CLI its terminal's.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from .i18n import rendered
from .i18n import text as tr
from .inspection import (
    PROPERTIES,
    SIGMOID_GATES,
    Ablation,
    Saturation,
    StatePath,
    Trace,
    Unit,
    gate_name,
    property_name,
)
from .memory import Connectivity, GradientCurve, Memory, span_of

VISIBLE = {" ": "␣", "\n": "↵", "\t": "⇥", "\r": "␍"}  # characters that would otherwise be invisible
GATE_COLORS = {"i": "#1f77b4", "f": "#d62728", "o": "#2ca02c", "r": "#9467bd", "z": "#ff7f0e"}


class Texts(Mapping):
    """Catalogue texts by a short key ("f", "span"), each rendered in the active language when it is read."""

    def __init__(self, prefix: str, keys: Sequence[str]):
        self.prefix, self.keys_ = prefix, tuple(keys)

    def __getitem__(self, key: str) -> str:
        if key not in self.keys_:
            raise KeyError(key)
        return tr(f"{self.prefix}.{key}")

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys_)

    def __len__(self) -> int:
        return len(self.keys_)


# What each gate or state means: "Forget gate: how much of the old cell is kept (…)" (catalogue: figures.explain.*).
GATE_EXPLANATIONS = Texts("figures.explain", "ifgochrzn")

# One line under each picture of how far back a model looks, saying how to read it (catalogue: figures.caption.*).
CAPTIONS = Texts("figures.caption", ("connectivity", "span", "gradients", "compare", "path"))


def direction_name(direction: int | str) -> str:
    """ "forward" or "reverse" (a direction's index, 0 or 1, or its value), in the active language."""
    reverse = direction in (1, "reverse")
    return tr("figures.direction.reverse" if reverse else "figures.direction.forward")


def where(layer: int, direction: int) -> str:
    """ "layer 2" or "layer 2, right to left" (``layer`` counted from 0)."""
    return tr("figures.layer_right_to_left" if direction else "figures.layer", layer=layer + 1)


def cut(units: int, all_units: int, chars: int, all_chars: int) -> str:
    """ " (first 64 of 512 units, first 120 of 300 characters)", either half, or nothing when nothing was cut."""
    key = {(True, True): "figures.first_both", (True, False): "figures.first_units",
           (False, True): "figures.first_chars"}.get((units < all_units, chars < all_chars))  # fmt: skip
    return tr(key, units=units, all_units=all_units, chars=chars, all_chars=all_chars) if key else ""


def visible(ch: str) -> str:
    return VISIBLE.get(ch, ch)


def _layout(fig: go.Figure, title, height: int = 420) -> go.Figure:
    fig.update_layout(
        title={"text": rendered(title), "x": 0.01, "xanchor": "left"},
        height=height,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        legend={"orientation": "h", "y": -0.2},
    )
    return _white(fig)


def _white(fig: go.Figure) -> go.Figure:
    """The figure on plotly's "plotly_white" template, set as plotly sets its default template: the registered
    template itself, which plotly validated once, not a copy validated again. ``update_layout(template=…)`` checks its
    thousand properties anew each time: 6 ms a figure, most of what Inspect's Trace cost in Python (two figures) while
    other requests waited for the interpreter. The figure is the same: its JSON holds the same values, in another key
    order."""
    layout, validating = fig.layout, fig.layout._validate
    layout._validate = False  # plotly's own way in BaseFigure._initialize_layout_template
    try:
        layout.template = pio.templates["plotly_white"]
    finally:
        layout._validate = validating
    return fig


PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]


def perplexity_figure(runs: dict[str, Sequence[dict]], title=None) -> go.Figure:
    """Training (dashed) and validation (solid) perplexity per epoch, one colour per run; log scale. ``title`` (a str
    or a Msg): "Perplexity per epoch" by default."""
    fig = go.Figure()
    for k, (name, history) in enumerate(runs.items()):
        color = PALETTE[k % len(PALETTE)]
        epochs = [h["epoch"] for h in history]
        for key, dash, label in (("valid_perplexity", "solid", tr("figures.perplexity.validation")),
                                 ("train_perplexity", "dash", tr("figures.perplexity.training"))):  # fmt: skip
            fig.add_trace(
                go.Scatter(
                    x=epochs,
                    y=[h[key] for h in history],
                    mode="lines+markers" if len(epochs) < 40 else "lines",
                    name=f"{name} · {label}",
                    line={"color": color, "dash": dash},
                    hovertemplate=tr("figures.perplexity.hover", name=name, label=label),
                )
            )
    fig.update_xaxes(title=tr("figures.perplexity.x"))
    fig.update_yaxes(title=tr("figures.perplexity.y"), type="log")
    return _layout(fig, title or tr("figures.perplexity.title"))


def gate_heatmap(
    t: Trace, layer: int = 0, direction: int = 0, gate: str = "h", max_units: int = 128, max_chars: int | None = None
) -> go.Figure:
    """One gate or state of one layer and direction: units down, characters across (the first
    ``max_chars`` of them, so that every character keeps a readable label)."""
    all_units = t.gates[layer, direction][gate]  # (T, H)
    values = all_units[:max_chars, :max_units].T  # (H', T')
    chars = [visible(c) for c in t.text[:max_chars]]
    n = len(chars)
    bounded = gate in SIGMOID_GATES
    # One label per position, "12 · e": unique, so repeated characters do not merge into one column,
    # and the hover names the character without a (units × characters) array of strings beside z.
    labels = [f"{k} · {c}" for k, c in enumerate(chars)]
    fig = go.Figure(
        go.Heatmap(
            z=values,
            x=labels,
            colorscale="Viridis" if bounded else "RdBu_r",  # red positive, blue negative, as in colored_text
            zmin=0.0 if bounded else None,
            zmax=1.0 if bounded else None,
            zmid=None if bounded else 0.0,
            colorbar={"title": {"text": gate}},
            hovertemplate=tr("figures.heatmap.hover"),
        )
    )
    step = max(1, -(-n // 120))  # at most 120 labels, so each stays readable
    fig.update_xaxes(title=tr("figures.heatmap.x"), tickmode="array", tickvals=labels[::step], ticktext=chars[::step],
                     tickangle=0)  # fmt: skip
    fig.update_yaxes(title=tr("figures.heatmap.y"), autorange="reversed")
    height = max(300, min(900, 12 * values.shape[0] + 120))
    name = gate_name(gate)
    title = tr("figures.heatmap.title_right_to_left" if direction else "figures.heatmap.title",
               gate=name[:1].upper() + name[1:], layer=layer + 1,
               cut=cut(values.shape[0], all_units.shape[1], n, len(t.text)))  # fmt: skip
    return _layout(fig, title, height=height)


def colored_text(t: Trace, layer: int = 0, direction: int = 0, state: str = "h", unit: int = 0) -> str:
    """The text as HTML, each character's background tinted by one unit (Karpathy's blog style:
    blue negative, red positive), with the model's five guesses for the next character on hover."""
    values = t.gates[layer, direction][state][:, unit]
    scale = max(float(np.abs(values).max()), 1e-9) if state not in SIGMOID_GATES else 1.0
    spans = []
    for k, ch in enumerate(t.text):
        v = float(values[k])
        guesses = ", ".join(f"{visible(c)} {p:.0%}" for c, p in t.top[k])
        tip = tr("figures.tint.tip", char=visible(ch), value=v, guesses=guesses)
        if k + 1 < len(t.text):
            tip += tr("figures.tint.actual", char=visible(t.text[k + 1]), surprisal=t.surprisal[k])
        shown = html.escape("↵\n" if ch == "\n" else ch)
        spans.append(f'<span style="background:{_tint(v / scale)}" title="{html.escape(tip)}">{shown}</span>')
    legend = tr("figures.tint.gate_scale") if state in SIGMOID_GATES else tr("figures.tint.scale", scale=scale)
    name = tr("figures.tint.unit_right_to_left" if direction else "figures.tint.unit", unit=unit, layer=layer + 1,
              state=gate_name(state))  # fmt: skip
    legend = tr("figures.tint.legend", name=html.escape(name), scale=legend)
    return (
        f'<div class="charlm-text"><div style="font:13px sans-serif;margin:4px 0">{legend}</div>'
        f'<div style="font:15px/1.7 ui-monospace,monospace;white-space:pre-wrap;word-break:break-word">'
        f"{''.join(spans)}</div></div>"
    )


def _tint(x: float) -> str:
    """A background colour for a value in [−1, 1] (or [0, 1] for gates)."""
    x = max(-1.0, min(1.0, x))  # gates lie in [0, 1]: white to red only
    return f"rgba(214, 39, 40, {x:.2f})" if x >= 0 else f"rgba(31, 119, 180, {-x:.2f})"


TINT_DECADES = 3


def connectivity_html(c: Connectivity, target: int) -> str:
    """The text, each character before ``target`` (an index, ≥ 1) tinted by how much it moved the model's prediction
    of the target (Madsen 2019), the strongest red; the target boxed; hover a character for its value."""
    if not 1 <= target < len(c.text):
        raise ValueError(f"the target is a position from 1 to {len(c.text) - 1}")
    row = c.values[target - 1]
    scale = max(float(row.max()), 1e-300)
    # The tint fades over three orders of magnitude, so that characters far back still show when they count.
    tint = np.clip(1 + np.log10(np.maximum(row / scale, 1e-300)) / TINT_DECADES, 0, 1)
    spans = []
    for k, ch in enumerate(c.text):
        shown = html.escape("↵\n" if ch == "\n" else ch)
        if k == target:
            tip = tr("figures.connectivity.target", char=visible(ch), position=k)
            style = "outline:2px solid #222;outline-offset:-1px;background:#ffe08a"
        elif k < target or c.bidirectional:
            tip = tr("figures.connectivity.tip", char=visible(ch), back=target - k, value=row[k], share=row[k] / scale)
            style = f"background:{_tint(tint[k])}"
        else:
            tip, style = tr("figures.connectivity.after"), "color:#999"
        spans.append(f'<span style="{style}" title="{html.escape(tip)}">{shown}</span>')
    ahead = tr("figures.connectivity.ahead") if c.bidirectional else ""
    legend = tr("figures.connectivity.legend", char=visible(c.text[target]), position=target,
                fraction=10**TINT_DECADES, ahead=ahead)  # fmt: skip
    return (
        f'<div class="charlm-text"><div style="font:13px sans-serif;margin:4px 0">{html.escape(legend)}</div>'
        f'<div style="font:15px/1.7 ui-monospace,monospace;white-space:pre-wrap;word-break:break-word">'
        f"{''.join(spans)}</div></div>"
    )


def span_figure(profiles: dict[str, np.ndarray], title=None) -> go.Figure:
    """Each model's mean connectivity against the distance k (log scale), its memory span marked: the distance
    within which 90% of the profile lies. ``title``: "How far back the predictions look" by default."""
    fig = go.Figure()
    for n, (name, profile) in enumerate(profiles.items()):
        color, span = PALETTE[n % len(PALETTE)], span_of(profile)
        k = np.arange(1, len(profile) + 1)
        fig.add_trace(
            go.Scatter(
                x=k,
                y=np.where(profile > 0, profile, np.nan),
                mode="lines",
                name=tr("figures.span.name", name=name, span=span),
                line={"color": color, "width": 2.5},
                hovertemplate=tr("figures.span.hover", name=name),
            )
        )
        fig.add_vline(x=span, line={"color": color, "dash": "dash", "width": 1.5})
    fig.update_xaxes(title=tr("figures.span.x"))
    fig.update_yaxes(title=tr("figures.span.y"), type="log", exponentformat="power")
    return _layout(fig, title or tr("figures.span.title"), height=380)


def gradient_figure(
    curves: dict[str, GradientCurve], layer: int = 0, clip: float | None = None, title=None,
    dotted: Sequence[str] | None = None,
) -> go.Figure:  # fmt: skip
    """‖∂loss_T/∂h_(T−k)‖ against k, log scale, one line per model (a layer's forward direction): a vanishing
    gradient falls as a straight line; the clipping threshold marked. The curves named in ``dotted`` are drawn
    dotted (by default those whose name says "untrained"); ``title``: "Gradients through time" by default."""
    fig = go.Figure()
    for n, (name, curve) in enumerate(curves.items()):
        norms = curve.by_distance(min(layer, max(k[0] for k in curve.norms)), 0)
        fig.add_trace(
            go.Scatter(
                x=np.arange(len(norms)),
                y=np.where(norms > 0, norms, np.nan),  # exactly 0: below float32's smallest number; a gap
                mode="lines",
                name=name,
                line={
                    "color": PALETTE[n % len(PALETTE)],
                    "width": 2.5,
                    "dash": "dot" if (name in dotted if dotted is not None else "untrained" in name) else "solid",
                },
                hovertemplate=tr("figures.gradients.hover", name=name),
            )
        )
    if clip:
        fig.add_hline(
            y=clip,
            line={"color": "#666", "dash": "dash"},
            annotation_text=tr("figures.gradients.clip", clip=clip),
            annotation_position="top right",
        )
    fig.update_xaxes(title=tr("figures.gradients.x"))
    fig.update_yaxes(title=tr("figures.gradients.y"), type="log", exponentformat="power")
    return _layout(fig, title or tr("figures.gradients.title"), height=380)


def path_figure(path: StatePath, colour_by: str = "position in the word", max_points: int = 150) -> go.Figure:
    """The states of a layer as a path on their first two principal components, each point labelled by its
    character and coloured by a property of the text (one of ``PROPERTIES``)."""
    n = min(len(path.text), max_points)
    chars = [visible(c) for c in path.text[:n]]
    colour = PROPERTIES[colour_by](path.text)[:n] if colour_by in PROPERTIES else np.arange(n)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=path.xy[:n, 0],
            y=path.xy[:n, 1],
            mode="lines",
            line={"color": "#ccc", "width": 1},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=path.xy[:n, 0],
            y=path.xy[:n, 1],
            mode="markers+text",
            text=chars,
            textposition="top center",
            textfont={"size": 11},
            customdata=np.arange(n),
            showlegend=False,
            marker={
                "color": colour,
                "colorscale": "Viridis",
                "size": 8,
                "colorbar": {
                    "title": {
                        "text": property_name(colour_by) if colour_by in PROPERTIES else colour_by,
                        "side": "top",
                    },
                    "orientation": "h",
                    "y": -0.3,
                    "thickness": 12,
                },
            },  # below the plot: a phone keeps its width
            hovertemplate=tr("figures.path.hover"),
        )
    )
    shown = tr("figures.path.cut", shown=n, total=len(path.text)) if n < len(path.text) else ""
    fig.update_xaxes(title=tr("figures.path.x", share=path.explained[0]))
    fig.update_yaxes(title=tr("figures.path.y", share=path.explained[1]))
    title = tr("figures.path.title", state=gate_name(path.state), where=where(path.layer, path.direction), cut=shown)
    return _layout(fig, title, height=480)


def ablation_html(a: Ablation) -> str:
    """Perplexity with and without the unit, the characters whose prediction moved most, and the two samples."""
    rows = "".join(
        f"<tr><td>{k}</td><td>{html.escape(repr(visible(ch)))}</td><td>{on:.1%}</td><td>{off:.1%}</td></tr>"
        for k, ch, on, off in a.changed
    )
    change = a.perplexity_off / a.perplexity_on - 1

    def sample(label, text):
        return (
            f'<div style="flex:1 1 260px;min-width:0"><b>{label}</b><div style="font:14px/1.6 '
            f'ui-monospace,monospace;white-space:pre-wrap;word-break:break-word">'
            f"{html.escape(a.prefix)}<b>{html.escape(text)}</b></div></div>"
        )

    held = tr("figures.ablation.held", unit=html.escape(rendered(a.unit)), on=a.perplexity_on, off=a.perplexity_off,
              change=change)  # fmt: skip
    headers = "".join(f"<th>{tr(f'figures.ablation.{h}')}</th>" for h in ("position", "character", "p_on", "p_off"))
    return (
        f'<div class="charlm-text"><p>{held}</p>'
        f"<p>{tr('figures.ablation.moved')}</p><table><tr>{headers}</tr>{rows}</table>"
        f'<p>{tr("figures.ablation.samples")}</p><div style="display:flex;flex-wrap:wrap;gap:12px">'
        f"{sample(tr('figures.ablation.with'), a.sample_on)}{sample(tr('figures.ablation.without'), a.sample_off)}"
        f"</div></div>"
    )


def saturation_figure(sats: Sequence[Saturation]) -> go.Figure:
    """Each unit's gate: how often it is nearly shut (x) against nearly open (y)."""
    fig = go.Figure()
    for s in sats:
        name = tr("figures.saturation.name_reverse" if s.direction else "figures.saturation.name",
                  gate=gate_name(s.gate), layer=s.layer + 1)  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=s.left,
                y=s.right,
                mode="markers",
                name=name,
                marker={
                    "color": GATE_COLORS.get(s.gate),
                    "size": 7,
                    "opacity": 0.7,
                    "symbol": ["circle", "diamond", "square", "cross"][s.layer % 4],
                },
                customdata=np.arange(len(s.left)),
                hovertemplate=tr("figures.saturation.hover", name=name),
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[0, 1], y=[1, 0], mode="lines", line={"color": "#bbb", "dash": "dot"}, showlegend=False, hoverinfo="skip"
        )
    )
    fig.update_xaxes(title=tr("figures.saturation.x"), range=[-0.02, 1.02], tickformat=".0%")
    fig.update_yaxes(title=tr("figures.saturation.y"), range=[-0.02, 1.02], tickformat=".0%")
    return _layout(fig, tr("figures.saturation.title"), height=480)


def units_table(units: Sequence[Unit]) -> list[list]:
    """Rows for a table of interpretable units: property, layer, direction, state, unit, correlation (its headers:
    ``units_headers()``)."""
    return [
        [
            property_name(u.property),
            u.layer + 1,
            direction_name(u.direction),
            gate_name(u.state),
            u.unit,
            round(u.correlation, 3),
        ]
        for u in units
    ]


UNITS_COLUMNS = ("tracks", "layer", "direction", "state", "unit", "correlation")


def units_headers() -> list[str]:
    """The headers of ``units_table``'s columns, in the active language."""
    return [tr(f"figures.units.{c}") for c in UNITS_COLUMNS]


def inspection_report(
    title: str, t: Trace, units: Sequence[Unit], sats: Sequence[Saturation], memory: Memory | None = None,
    path: StatePath | None = None,
) -> str:  # fmt: skip
    """One self-contained HTML page — plotly included, nothing fetched — that opens offline:
    a heatmap of every gate of every layer and direction, the text tinted by the best units,
    the saturation plot, the table of interpretable units; how far back the model looks (connectivity,
    memory span, gradients through time) and the path of its hidden state."""
    parts = [f"<h1>{html.escape(title)}</h1>"]
    parts += [f"<p class='notice'>{html.escape(rendered(n))}</p>" for n in t.notices]
    include_js = True  # the first figure carries plotly.js, the others reuse it

    def figure(fig: go.Figure) -> str:
        nonlocal include_js
        out = fig.to_html(full_html=False, include_plotlyjs=include_js, config={"displaylogo": False})
        include_js = False
        return out

    if units:
        parts.append(f"<h2>{tr('figures.report.units')}</h2><table><tr>")
        parts.append("".join(f"<th>{h}</th>" for h in units_headers()) + "</tr>")
        for row in units_table(units):
            parts.append("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>")
        parts.append("</table>")
        for u in units[:3]:
            parts.append(colored_text(t, u.layer, u.direction, u.state, u.unit))
    if memory is not None:
        c = memory.connectivity
        parts.append(f"<h2>{tr('figures.report.how_far')}</h2><p class='explain'>{html.escape(CAPTIONS['span'])}</p>")
        profiles = {tr("figures.this_model"): memory.profile}
        parts.append(figure(span_figure(profiles, title=tr("figures.memory_span", span=memory.span))))
        parts.append(f"<p class='explain'>{html.escape(CAPTIONS['connectivity'])}</p>")
        parts += [connectivity_html(c, j) for j in sorted({len(c.text) // 3, 2 * len(c.text) // 3, len(c.text) - 1})]
        parts.append(f"<p class='explain'>{html.escape(CAPTIONS['gradients'])}</p>")
        untrained = tr("figures.untrained")
        curves = {tr("figures.trained"): memory.gradients, untrained: memory.untrained}
        parts.append(figure(gradient_figure(curves, clip=memory.gradients.clip, dotted=[untrained])))
    if path is not None:
        parts.append(f"<h2>{tr('figures.report.path')}</h2><p class='explain'>{html.escape(CAPTIONS['path'])}</p>")
        parts.append(figure(path_figure(path)))
    if sats:
        parts.append(f"<h2>{tr('figures.report.saturation')}</h2>" + figure(saturation_figure(sats)))
    parts.append(f"<h2>{tr('figures.report.every_gate')}</h2>")
    for (layer, direction), by_name in t.gates.items():
        for name in by_name:
            parts.append(f"<p class='explain'>{html.escape(GATE_EXPLANATIONS[name])}</p>")
            parts.append(figure(gate_heatmap(t, layer, direction, name, max_units=64, max_chars=120)))
    style = (
        "body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
        "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}"
        ".notice{background:#fff4d6;padding:8px;border-radius:4px}.explain{color:#555;margin-bottom:0}"
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body>{''.join(parts)}</body></html>"
    )


def memory_report(memories: dict[str, Memory], source: str) -> str:
    """One offline HTML page putting several models side by side on the same text: their span profiles and
    gradients through time overlaid, and what each one's last prediction looked at."""
    spans = span_figure({name: m.profile for name, m in memories.items()})
    curves = gradient_figure({name: m.gradients for name, m in memories.items()})
    config = {"displaylogo": False}
    text = next(iter(memories.values())).connectivity.text
    tinted = "".join(f"<h3>{tr('figures.span.name', name=html.escape(name), span=m.span)}</h3>"
                     f"{connectivity_html(m.connectivity, len(text) - 1)}" for name, m in memories.items())  # fmt: skip
    style = "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>charlm span</title><style>{style}</style></head><body>"
        f"<h1>{tr('figures.report.how_far_they')}</h1>"
        f"<p>{tr('figures.report.measured_on', source=html.escape(source), chars=len(text))}</p>"
        f"<p>{html.escape(CAPTIONS['span'])}</p>{spans.to_html(full_html=False, include_plotlyjs=True, config=config)}"
        f"<p>{html.escape(CAPTIONS['compare'])}</p>{curves.to_html(full_html=False, include_plotlyjs=False, config=config)}"
        f"<h2>{tr('figures.report.last_prediction')}</h2><p>{html.escape(CAPTIONS['connectivity'])}</p>{tinted}"
        "</body></html>"
    )
