"""The plotly figures and the offline report, checked on what they contain."""

import json
import re

import numpy as np
import plotly.graph_objects as go
import pytest

from charlm import CharLM, CharLMConfig, Vocab
from charlm.figures import (
    CAPTIONS,
    GATE_EXPLANATIONS,
    colored_text,
    gate_heatmap,
    inspection_report,
    perplexity_figure,
    saturation_figure,
)
from charlm.i18n import speaking
from charlm.inspection import find_units, saturation, trace

TEXT = 'a "quoted" line\nand  another one, with repeated letters: aaa\n'
VOCAB = Vocab.build(TEXT)


def traced(cell="lstm", **kw):
    model = CharLM(CharLMConfig(vocab=list(VOCAB.tokens), cell=cell, hidden_size=6, **kw))
    return trace(model, TEXT)


def test_heatmap_keeps_one_column_per_character_and_shows_invisible_ones():
    t = traced()
    fig = gate_heatmap(t, gate="f")
    heat = fig.data[0]
    assert np.asarray(heat.z).shape == (6, len(TEXT))  # units × characters: repeats did not merge
    assert len(set(heat.x)) == len(TEXT)
    ticks = list(fig.layout.xaxis.ticktext)
    assert "␣" in ticks and "↵" in ticks and ticks[:3] == ["a", "␣", '"']
    assert fig.layout.xaxis.title.text == "character" and fig.layout.yaxis.title.text == "unit"
    assert (heat.zmin, heat.zmax) == (0.0, 1.0)  # a gate lies in (0, 1)
    cell = gate_heatmap(t, gate="c", max_chars=10, max_units=4)
    assert np.asarray(cell.data[0].z).shape == (4, 10) and cell.data[0].zmid == 0
    assert "first 4 of 6 units, first 10 of" in cell.layout.title.text


def test_colored_text_reads_as_text_with_guesses_on_hover():
    t = traced()
    page = colored_text(t, state="c", unit=2)
    spans = re.findall(r"<span style=\"background:rgba\([^)]*\)\" title=\"([^\"]*)\">(.*?)</span>", page, re.S)
    assert len(spans) == len(TEXT)
    assert "".join(s for _, s in spans).replace("↵\n", "\n").replace("&quot;", '"') == TEXT
    assert "next: " in spans[0][0] and "surprisal" in spans[0][0]
    assert "white-space:pre-wrap" in page


def test_saturation_and_perplexity_figures_have_titled_axes():
    fig = saturation_figure(saturation(traced("gru", num_layers=2)))
    assert {tr.name for tr in fig.data if tr.name} == {
        "reset gate, layer 1", "update gate, layer 1", "reset gate, layer 2", "update gate, layer 2"
    }  # fmt: skip
    assert "shut" in fig.layout.xaxis.title.text and "open" in fig.layout.yaxis.title.text
    history = [{"epoch": e, "train_perplexity": 10 / e, "valid_perplexity": 11 / e} for e in (1, 2, 3)]
    curves = perplexity_figure({"LSTM": history, "GRU": history})
    assert len(curves.data) == 4 and curves.layout.yaxis.type == "log"
    assert curves.layout.xaxis.title.text == "epoch" and "perplexity" in curves.layout.yaxis.title.text


def test_the_report_is_one_offline_page():
    t = traced(bidirectional=True)
    page = inspection_report("a report", t, find_units(t, min_count=1), saturation(t))
    assert page.startswith("<!doctype html>") and page.count("plotly.js v") <= 1
    assert not re.search(r"<script[^>]*\ssrc=", page)  # every script inline: nothing to fetch
    assert "not predictions" in page  # the bidirectional notice
    assert "Forget gate: how much of the old cell is kept" in page


@pytest.mark.slow
def test_figures_speak_the_active_language_and_keep_plotlys_placeholders():
    t = traced(bidirectional=True)
    with speaking("zh"):
        heat = gate_heatmap(t, 0, 1, "f", max_chars=10, max_units=4)
        cut = f"（6 个单元中的前 4 个，{len(TEXT)} 个字符中的前 10 个）"
        assert heat.layout.title.text == f"遗忘门，第 1 层，从右到左{cut}"
        assert (heat.layout.xaxis.title.text, heat.layout.yaxis.title.text) == ("字符", "单元")
        assert heat.data[0].hovertemplate == "位置 · 字符 %{x}<br>单元 %{y}<br>值 %{z:.3f}<extra></extra>"
        history = [{"epoch": e, "train_perplexity": 10 / e, "valid_perplexity": 11 / e} for e in (1, 2)]
        curves = perplexity_figure({"LSTM": history})
        assert [d.name for d in curves.data] == ["LSTM · 验证", "LSTM · 训练"]
        assert curves.layout.title.text == "每个迭代周期的困惑度" and curves.layout.xaxis.title.text == "迭代周期"
        assert "验证困惑度 %{y:.3f}" in curves.data[0].hovertemplate
        assert "下一个：" in colored_text(t, state="c", unit=2) and GATE_EXPLANATIONS["z"].startswith("更新门：")
        page = inspection_report("报告", t, find_units(t, min_count=1), saturation(t))
        assert "每个门，每个字符" in page and "遗忘门：旧的记忆元保留多少" in page and "Forget gate" not in page
        assert CAPTIONS["span"].startswith("平均连通度")
    english = gate_heatmap(t, 0, 1, "f", max_chars=10, max_units=4)  # outside the block: English again
    cut = f" (first 4 of 6 units, first 10 of {len(TEXT)} characters)"
    assert english.layout.title.text == f"Forget gate, layer 1, right to left{cut}"
    assert english.data[0].hovertemplate == "position · character %{x}<br>unit %{y}<br>value %{z:.3f}<extra></extra>"
    assert CAPTIONS["span"].startswith("Mean connectivity against the distance back")


def test_every_figure_is_on_plotly_white_as_if_set_through_update_layout():
    """``_white`` sets the registered template without validating it again: the figure must be the one that
    ``update_layout(template="plotly_white")`` gives, and another figure must not change it."""
    t = traced()
    for fig in (gate_heatmap(t, gate="f"), saturation_figure(saturation(t)), perplexity_figure({"a": []})):
        validated = go.Figure(fig).update_layout(template="plotly_white")  # a copy, its template validated anew
        assert json.loads(fig.to_json()) == json.loads(validated.to_json())
        assert fig.layout.template.layout.plot_bgcolor == "white"
    first = perplexity_figure({"a": []})
    before = json.loads(first.to_json())
    gate_heatmap(t, gate="i").update_layout(title="another")
    assert json.loads(first.to_json()) == before
