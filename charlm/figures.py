"""Pictures of training and of a model's insides, as plotly figures and HTML — for the app, the
CLI's offline report, and a lecturer's slides.

    perplexity_figure({"LSTM": history})         # train (dashed) and validation (solid) per epoch
    gate_heatmap(trace, layer=0, gate="f")       # units × characters
    colored_text(trace, unit=37, state="c")      # the text, each character tinted by one unit
    saturation_figure(saturation(trace))         # Karpathy et al. (2015), figure 3
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .inspection import GATE_NAMES, SIGMOID_GATES, Saturation, Trace, Unit

VISIBLE = {" ": "␣", "\n": "↵", "\t": "⇥", "\r": "␍"}  # characters that would otherwise be invisible
GATE_COLORS = {"i": "#1f77b4", "f": "#d62728", "o": "#2ca02c", "r": "#9467bd", "z": "#ff7f0e"}

GATE_EXPLANATIONS = {
    "i": "Input gate: how much of the new candidate is written into the cell (0 = ignore this character).",
    "f": "Forget gate: how much of the old cell is kept (1 = remember everything, 0 = wipe it).",
    "g": "Candidate: the new content proposed for the cell, in (−1, 1).",
    "o": "Output gate: how much of the cell is shown to the next layer and the output (0 = hide it).",
    "c": "Cell state: the LSTM's memory, carried from character to character, added to and forgotten.",
    "h": "Hidden state: what the layer outputs at each character, and feeds back to itself.",
    "r": "Reset gate: how much of the old state the candidate may look at (0 = start afresh).",
    "z": "Update gate: how much of the old state is kept (1 = keep it, 0 = take the candidate).",
    "n": "Candidate: the GRU's proposed new state, in (−1, 1).",
}


def visible(ch: str) -> str:
    return VISIBLE.get(ch, ch)


def _layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left"},
        height=height,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        template="plotly_white",
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def perplexity_figure(runs: dict[str, Sequence[dict]], title: str = "Perplexity per epoch") -> go.Figure:
    """Training (dashed) and validation (solid) perplexity per epoch, one colour per run; log scale."""
    fig = go.Figure()
    palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
    for k, (name, history) in enumerate(runs.items()):
        color = palette[k % len(palette)]
        epochs = [h["epoch"] for h in history]
        for key, dash, label in (("valid_perplexity", "solid", "validation"), ("train_perplexity", "dash", "training")):
            fig.add_trace(
                go.Scatter(
                    x=epochs,
                    y=[h[key] for h in history],
                    mode="lines+markers" if len(epochs) < 40 else "lines",
                    name=f"{name} · {label}",
                    line={"color": color, "dash": dash},
                    hovertemplate=f"{name}<br>epoch %{{x}}<br>{label} perplexity %{{y:.3f}}<extra></extra>",
                )
            )
    fig.update_xaxes(title="epoch")
    fig.update_yaxes(title="perplexity (log scale; lower is better)", type="log")
    return _layout(fig, title)


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
            hovertemplate="position · character %{x}<br>unit %{y}<br>value %{z:.3f}<extra></extra>",
        )
    )
    step = max(1, -(-n // 120))  # at most 120 labels, so each stays readable
    fig.update_xaxes(title="character", tickmode="array", tickvals=labels[::step], ticktext=chars[::step], tickangle=0)
    fig.update_yaxes(title="unit", autorange="reversed")
    where = f"layer {layer + 1}{', right to left' if direction else ''}"
    cut = [f"first {max_units} of {all_units.shape[1]} units"] if all_units.shape[1] > max_units else []
    cut += [f"first {n} of {len(t.text)} characters"] if n < len(t.text) else []
    shown = f" ({', '.join(cut)})" if cut else ""
    height = max(300, min(900, 12 * values.shape[0] + 120))
    return _layout(fig, f"{GATE_NAMES[gate].capitalize()}, {where}{shown}", height=height)


def colored_text(t: Trace, layer: int = 0, direction: int = 0, state: str = "h", unit: int = 0) -> str:
    """The text as HTML, each character's background tinted by one unit (Karpathy's blog style:
    blue negative, red positive), with the model's five guesses for the next character on hover."""
    values = t.gates[layer, direction][state][:, unit]
    scale = max(float(np.abs(values).max()), 1e-9) if state not in SIGMOID_GATES else 1.0
    spans = []
    for k, ch in enumerate(t.text):
        v = float(values[k])
        guesses = ", ".join(f"{visible(c)} {p:.0%}" for c, p in t.top[k])
        tip = f"{visible(ch)!r} · value {v:+.3f} · next: {guesses}"
        if k + 1 < len(t.text):
            tip += f" · actual {visible(t.text[k + 1])!r}, surprisal {t.surprisal[k]:.2f} nats"
        shown = html.escape("↵\n" if ch == "\n" else ch)
        spans.append(f'<span style="background:{_tint(v / scale)}" title="{html.escape(tip)}">{shown}</span>')
    legend = "0 → 1: white to red" if state in SIGMOID_GATES else f"blue −{scale:.2f} · white 0 · red +{scale:.2f}"
    name = f"unit {unit} of layer {layer + 1}{' (right to left)' if direction else ''}, {GATE_NAMES[state]}"
    return (
        f'<div class="charlm-text"><div style="font:13px sans-serif;margin:4px 0">{html.escape(name)} — {legend}; '
        f"hover a character for the model's guesses</div>"
        f'<div style="font:15px/1.7 ui-monospace,monospace;white-space:pre-wrap;word-break:break-word">'
        f"{''.join(spans)}</div></div>"
    )


def _tint(x: float) -> str:
    """A background colour for a value in [−1, 1] (or [0, 1] for gates)."""
    x = max(-1.0, min(1.0, x))  # gates lie in [0, 1]: white to red only
    return f"rgba(214, 39, 40, {x:.2f})" if x >= 0 else f"rgba(31, 119, 180, {-x:.2f})"


def saturation_figure(sats: Sequence[Saturation]) -> go.Figure:
    """Each unit's gate: how often it is nearly shut (x) against nearly open (y)."""
    fig = go.Figure()
    for s in sats:
        where = f"layer {s.layer + 1}{' reverse' if s.direction else ''}"
        fig.add_trace(
            go.Scatter(
                x=s.left,
                y=s.right,
                mode="markers",
                name=f"{GATE_NAMES[s.gate]}, {where}",
                marker={
                    "color": GATE_COLORS.get(s.gate),
                    "size": 7,
                    "opacity": 0.7,
                    "symbol": ["circle", "diamond", "square", "cross"][s.layer % 4],
                },
                customdata=np.arange(len(s.left)),
                hovertemplate=f"{GATE_NAMES[s.gate]}, {where}, unit %{{customdata}}<br>"
                "shut (< 0.1) %{x:.0%} of the time<br>open (> 0.9) %{y:.0%}<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[0, 1], y=[1, 0], mode="lines", line={"color": "#bbb", "dash": "dot"}, showlegend=False, hoverinfo="skip"
        )
    )
    fig.update_xaxes(title="fraction of characters with the gate shut (< 0.1)", range=[-0.02, 1.02], tickformat=".0%")
    fig.update_yaxes(title="fraction with the gate open (> 0.9)", range=[-0.02, 1.02], tickformat=".0%")
    return _layout(fig, "Gate saturation: one point per unit (Karpathy, Johnson & Fei-Fei 2015)", height=480)


def units_table(units: Sequence[Unit]) -> list[list]:
    """Rows for a table of interpretable units: property, layer, direction, state, unit, correlation."""
    return [
        [
            u.property,
            u.layer + 1,
            "reverse" if u.direction else "forward",
            GATE_NAMES[u.state],
            u.unit,
            round(u.correlation, 3),
        ]
        for u in units
    ]


UNITS_HEADERS = ["tracks", "layer", "direction", "state", "unit", "correlation"]


def inspection_report(title: str, t: Trace, units: Sequence[Unit], sats: Sequence[Saturation]) -> str:
    """One self-contained HTML page — plotly included, nothing fetched — that opens offline:
    a heatmap of every gate of every layer and direction, the text tinted by the best units,
    the saturation plot and the table of interpretable units."""
    parts = [f"<h1>{html.escape(title)}</h1>"]
    parts += [f"<p class='notice'>{html.escape(n)}</p>" for n in t.notices]
    include_js = True  # the first figure carries plotly.js, the others reuse it

    def figure(fig: go.Figure) -> str:
        nonlocal include_js
        out = fig.to_html(full_html=False, include_plotlyjs=include_js, config={"displaylogo": False})
        include_js = False
        return out

    if units:
        parts.append("<h2>Units that track something</h2><table><tr>")
        parts.append("".join(f"<th>{h}</th>" for h in UNITS_HEADERS) + "</tr>")
        for row in units_table(units):
            parts.append("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>")
        parts.append("</table>")
        for u in units[:3]:
            parts.append(colored_text(t, u.layer, u.direction, u.state, u.unit))
    if sats:
        parts.append("<h2>Gate saturation</h2>" + figure(saturation_figure(sats)))
    parts.append("<h2>Every gate, every character</h2>")
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
