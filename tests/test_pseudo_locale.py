"""A language added as a file, with no change to the code: the pseudo-locale (tests/pseudo.py), made from the English
at test time, spoken by the command line and by the app. tests/test_browser_pseudo.py walks the app in it."""

from __future__ import annotations

import os
import re
import string
import subprocess
import sys
from pathlib import Path

import gradio as gr
import pytest
from pseudo import CLOSE, CODE, KEPT, LONGER, OPEN, outside, pseudo, use_locales, write_locales

from charlm.i18n import DEFAULT, languages, text
from charlm.i18n.catalogue import current

REPO = Path(__file__).resolve().parents[1]


def fields_of(template: str) -> list[str]:
    return [f"{name}!{conversion}:{spec}" for _, name, spec, conversion in string.Formatter().parse(template) if name]


def test_the_pseudo_locale_keeps_what_makes_a_template_work_and_is_a_third_longer():
    english = current().texts[DEFAULT]
    made = {key: pseudo(template) for key, template in english.items()}
    assert all(fields_of(made[k]) == fields_of(t) for k, t in english.items())  # the same parameters, in order
    assert all(KEPT.findall(made[k]) == KEPT.findall(t) for k, t in english.items())  # tags, code, links, plotly's %{x}
    assert all(not outside(KEPT.sub(" ", made[k])) for k in english)  # no English word outside its marks
    assert made["app.list_separator"] == "; "  # punctuation: nothing to translate
    assert made["inspect.path_heading"].startswith("### " + OPEN)  # still a heading
    assert made["app.header"].startswith(OPEN + "**") and made["app.header"].endswith("</span>" + CLOSE)
    growth = [(len(made[k]) - 2) / len(t) for k, t in english.items() if len(t) >= 40 and made[k] != t]
    assert 1.3 <= sum(growth) / len(growth) <= 1 + LONGER + 0.05, sum(growth) / len(growth)


@pytest.mark.slow
def test_the_command_line_speaks_a_language_added_as_a_file(tmp_path, shared):
    """``charlm evaluate`` and a refused option, from a terminal whose LANG asks for the pseudo-locale: every word they
    print is the catalogue's (inside its marks), parameters (a recipe's name, an option's) included."""
    folder = write_locales(tmp_path / "locales")  # pointed at in the child's environment only
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHARLM_", "LC_", "LANG"))}
    env |= {"CHARLM_LOCALES": str(folder), "LANG": "qps_PLOC.UTF-8", "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}

    def charlm(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "charlm", *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=300)  # fmt: skip

    evaluated = charlm("evaluate", "--checkpoint", str(REPO / "checkpoints" / "timemachine-gru"), "--data-dir",
                       str(shared), "--max-chars", "5000")  # fmt: skip
    assert evaluated.returncode == 0, evaluated.stderr
    lines = evaluated.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith(OPEN) and line.endswith(CLOSE) for line in lines), lines
    assert not outside(evaluated.stdout), evaluated.stdout
    assert re.search(r"ṽáłíðáŧíóñ þéřþłéẋíŧý [∼ ]+[\d.]+", lines[1]), lines[1]
    refused = charlm("train", "--corpus", "timemachine", "--data-dir", str(shared), "--lr", "-1")
    assert refused.returncode == 2 and refused.stderr.startswith(OPEN + "éřřóř") and "-1.0" in refused.stderr
    assert not outside(refused.stderr), refused.stderr


@pytest.mark.slow
def test_the_app_speaks_a_language_added_as_a_file(tmp_path, monkeypatch, ctx):
    """Built with the pseudo-locale's files: the switch offers it by its own name, the browser's tables hold every text
    the page asks for in it, and a handler answers a visitor who chose it in it."""
    import app
    from charlm.ui import generate_tab
    from charlm.ui.common import I18N, Session

    use_locales(tmp_path / "locales", monkeypatch)
    assert list(languages()) == ["en", "zh", CODE] and languages()[CODE].tag == "qps-PLOC"
    config = app.build_demo(ctx).get_config_file()
    switch = next(c for c in config["components"] if c.get("props", {}).get("elem_id") == "language")
    assert [tuple(choice) for choice in switch["props"]["choices"]][-1] == (pseudo("English"), CODE)
    keys = set(re.findall(r'"key": "([^"]+)"', str(config["components"])))
    assert keys and all(OPEN in I18N.translations[CODE][key] for key in keys)
    assert app.header_line(ctx, CODE).startswith(OPEN)
    with pytest.raises(gr.Error) as refused:
        list(generate_tab.generate(ctx, Session(lang=CODE), "the ", 20, -1.0, 0, 1.0, 0, 1))
    assert refused.value.message.startswith(OPEN) and not outside(refused.value.message), refused.value.message
    assert text("gen_tab.go", CODE) == pseudo(text("gen_tab.go", "en"))
