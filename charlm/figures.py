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
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .inspection import GATE_NAMES, PROPERTIES, SIGMOID_GATES, Ablation, Saturation, StatePath, Trace, Unit
from .memory import Connectivity, GradientCurve, Memory, span_of

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


# One line under each picture of how far back a model looks, saying how to read it.
CAPTIONS = {
    "connectivity": "Connectivity (Madsen 2019): the redder a character, the more it moved the prediction of the "
    "boxed one — the size of the gradient of that prediction's log-probability with respect to the character.",
    "span": "Mean connectivity against the distance back (log scale). The memory span, dashed, is the distance "
    "within which 90% of it lies: how far back the predictions look.",
    "gradients": "How strongly the loss of the last character reaches back to each earlier hidden state (log "
    "scale). A straight fall is the vanishing gradient; the untrained architecture, dotted, for comparison.",
    "compare": "How strongly the loss of the last character reaches back to each earlier hidden state, per model (log "
    "scale): a straight fall is a vanishing gradient, a constant factor lost per step; the slower the fall, the further "
    "back the loss still reaches.",
    "path": "Each point is the hidden state after one character, on the two directions the states vary most in. "
    "Words that repeat retrace similar paths; colours show a property of the text.",
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


PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]


def perplexity_figure(runs: dict[str, Sequence[dict]], title: str = "Perplexity per epoch") -> go.Figure:
    """Training (dashed) and validation (solid) perplexity per epoch, one colour per run; log scale."""
    fig = go.Figure()
    for k, (name, history) in enumerate(runs.items()):
        color = PALETTE[k % len(PALETTE)]
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
            tip = f"the target: {visible(ch)!r}, position {k}"
            style = "outline:2px solid #222;outline-offset:-1px;background:#ffe08a"
        elif k < target or c.bidirectional:
            tip = f"{visible(ch)!r}, {target - k} back: connectivity {row[k]:.3g} ({row[k] / scale:.0%} of the most)"
            style = f"background:{_tint(tint[k])}"
        else:
            tip, style = "after the target: unseen", "color:#999"
        spans.append(f'<span style="{style}" title="{html.escape(tip)}">{shown}</span>')
    ahead = (
        " The model also read the text to the right (it is bidirectional), so the right side is tinted too."
        if c.bidirectional
        else ""
    )
    legend = (
        f"How much each character moved the prediction of the boxed {visible(c.text[target])!r} (position {target}): "
        f"the norm of the gradient of its log-probability with respect to each input; red = the most, fading to "
        f"white at a {10**TINT_DECADES:,}th of it.{ahead}"
    )
    return (
        f'<div class="charlm-text"><div style="font:13px sans-serif;margin:4px 0">{html.escape(legend)}</div>'
        f'<div style="font:15px/1.7 ui-monospace,monospace;white-space:pre-wrap;word-break:break-word">'
        f"{''.join(spans)}</div></div>"
    )


def span_figure(profiles: dict[str, np.ndarray], title: str = "How far back the predictions look") -> go.Figure:
    """Each model's mean connectivity against the distance k (log scale), its memory span marked: the distance
    within which 90% of the profile lies."""
    fig = go.Figure()
    for n, (name, profile) in enumerate(profiles.items()):
        color, span = PALETTE[n % len(PALETTE)], span_of(profile)
        k = np.arange(1, len(profile) + 1)
        fig.add_trace(
            go.Scatter(
                x=k,
                y=np.where(profile > 0, profile, np.nan),
                mode="lines",
                name=f"{name}: span {span}",
                line={"color": color, "width": 2.5},
                hovertemplate=f"{name}<br>%{{x}} characters back<br>connectivity %{{y:.3g}}<extra></extra>",
            )
        )
        fig.add_vline(x=span, line={"color": color, "dash": "dash", "width": 1.5})
    fig.update_xaxes(title="distance k: characters back from the predicted one")
    fig.update_yaxes(title="mean connectivity (log scale)", type="log", exponentformat="power")
    return _layout(fig, title, height=380)


def gradient_figure(
    curves: dict[str, GradientCurve], layer: int = 0, clip: float | None = None, title: str = "Gradients through time"
) -> go.Figure:
    """‖∂loss_T/∂h_(T−k)‖ against k, log scale, one line per model (a layer's forward direction): a vanishing
    gradient falls as a straight line; the clipping threshold marked."""
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
                    "dash": "dot" if "untrained" in name else "solid",
                },
                hovertemplate=f"{name}<br>k = %{{x}}<br>gradient norm %{{y:.3g}}<extra></extra>",
            )
        )
    if clip:
        fig.add_hline(
            y=clip,
            line={"color": "#666", "dash": "dash"},
            annotation_text=f"clipping threshold {clip:g} (on the whole gradient)",
            annotation_position="top right",
        )
    fig.update_xaxes(title="k: steps back from the last prediction")
    fig.update_yaxes(title="‖∂loss / ∂h‖ (log scale)", type="log", exponentformat="power")
    return _layout(fig, title, height=380)


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
            marker={"color": colour, "colorscale": "Viridis", "size": 8,
                    "colorbar": {"title": {"text": colour_by, "side": "top"}, "orientation": "h", "y": -0.3,
                                 "thickness": 12}},  # below the plot: a phone keeps its width
            hovertemplate="%{text} (position %{customdata})<extra></extra>",
        )
    )
    where = f"layer {path.layer + 1}{', right to left' if path.direction else ''}"
    cut = f", first {n} of {len(path.text)} characters" if n < len(path.text) else ""
    fig.update_xaxes(title=f"first principal component ({path.explained[0]:.0%} of the variance)")
    fig.update_yaxes(title=f"second ({path.explained[1]:.0%})")
    return _layout(fig, f"The path of the {GATE_NAMES[path.state]}, {where}{cut}", height=480)


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
    return (
        f'<div class="charlm-text"><p><b>{html.escape(a.unit)}, held at 0.</b> Perplexity of the text: '
        f"{a.perplexity_on:.3f} with it, {a.perplexity_off:.3f} without ({change:+.1%}).</p>"
        f"<p>The characters whose probability moved most:</p><table><tr><th>position</th><th>character</th>"
        f"<th>p with the unit</th><th>p without</th></tr>{rows}</table>"
        f'<p>Samples from the same seed:</p><div style="display:flex;flex-wrap:wrap;gap:12px">'
        f"{sample('With the unit', a.sample_on)}{sample('Without it', a.sample_off)}</div></div>"
    )


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


def inspection_report(
    title: str, t: Trace, units: Sequence[Unit], sats: Sequence[Saturation], memory: Memory | None = None,
    path: StatePath | None = None,
) -> str:  # fmt: skip
    """One self-contained HTML page — plotly included, nothing fetched — that opens offline:
    a heatmap of every gate of every layer and direction, the text tinted by the best units,
    the saturation plot, the table of interpretable units; how far back the model looks (connectivity,
    memory span, gradients through time) and the path of its hidden state."""
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
    if memory is not None:
        c = memory.connectivity
        parts.append(f"<h2>How far back it looks</h2><p class='explain'>{html.escape(CAPTIONS['span'])}</p>")
        parts.append(figure(span_figure({"this model": memory.profile}, title=f"Memory span: {memory.span} characters")))
        parts.append(f"<p class='explain'>{html.escape(CAPTIONS['connectivity'])}</p>")
        parts += [connectivity_html(c, j) for j in sorted({len(c.text) // 3, 2 * len(c.text) // 3, len(c.text) - 1})]
        parts.append(f"<p class='explain'>{html.escape(CAPTIONS['gradients'])}</p>")
        curves = {"trained": memory.gradients, "untrained (same architecture)": memory.untrained}
        parts.append(figure(gradient_figure(curves, clip=memory.gradients.clip)))
    if path is not None:
        parts.append(f"<h2>The path of the hidden state</h2><p class='explain'>{html.escape(CAPTIONS['path'])}</p>")
        parts.append(figure(path_figure(path)))
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


def memory_report(memories: dict[str, Memory], source: str) -> str:
    """One offline HTML page putting several models side by side on the same text: their span profiles and
    gradients through time overlaid, and what each one's last prediction looked at."""
    spans = span_figure({name: m.profile for name, m in memories.items()}, title="How far back the predictions look")
    curves = gradient_figure({name: m.gradients for name, m in memories.items()}, title="Gradients through time")
    config = {"displaylogo": False}
    text = next(iter(memories.values())).connectivity.text
    tinted = "".join(f"<h3>{html.escape(name)}: span {m.span}</h3>{connectivity_html(m.connectivity, len(text) - 1)}"
                     for name, m in memories.items())  # fmt: skip
    style = "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>charlm span</title><style>{style}</style></head><body>"
        f"<h1>How far back they look</h1><p>Measured on {html.escape(source)}: {len(text):,} characters.</p>"
        f"<p>{html.escape(CAPTIONS['span'])}</p>{spans.to_html(full_html=False, include_plotlyjs=True, config=config)}"
        f"<p>{html.escape(CAPTIONS['compare'])}</p>{curves.to_html(full_html=False, include_plotlyjs=False, config=config)}"
        f"<h2>What the last prediction looked at</h2><p>{html.escape(CAPTIONS['connectivity'])}</p>{tinted}</body></html>"
    )
