"""notebooks/charlm-chapter9.ipynb, run top to bottom in a Jupyter kernel as a reader's would, offline: with the
network's variables off, an empty cache and no data folder (The Time Machine ships inside the package), in the short
setting the notebook offers CI (CHARLM_NOTEBOOK_QUICK=1). What each cell shows is read back from its outputs."""

from __future__ import annotations

import json
import os

import pytest
from conftest import REPO

NOTEBOOK = REPO / "notebooks" / "charlm-chapter9.ipynb"


def outputs_of(cell) -> tuple[str, set[str]]:
    """A cell's printed text (streams and plain results), and the MIME types of what it displayed."""
    text, kinds = [], set()
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            text.append(out["text"])
        elif out["output_type"] in ("display_data", "execute_result"):
            kinds |= set(out["data"])
            text.append(out["data"].get("text/plain", ""))
    return "".join(text), kinds


@pytest.mark.slow
def test_the_notebook_runs_top_to_bottom_offline(tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    for name in [k for k in os.environ if k.startswith("CHARLM_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CHARLM_NOTEBOOK_QUICK", "1")
    monkeypatch.setenv("CHARLM_CACHE_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    cells = [c for c in notebook.cells if c.cell_type == "code"]
    setup, engines, training, curves, heatmap, samples, app = (outputs_of(c) for c in cells)
    assert "charlm 0." in setup[0] and "running on cpu" in setup[0]
    differences = [float(line.rsplit(" ", 1)[-1]) for line in engines[0].splitlines() if "largest difference" in line]
    assert len(differences) == 2 and max(differences) < 1e-4, engines[0]
    assert "scratch/fused" in engines[0]
    assert "epoch 1: perplexity" in training[0] and "epoch 2: perplexity" in training[0]
    for figure in (curves, heatmap):  # plotly's figure, as a notebook front end draws it
        assert "application/vnd.plotly.v1+json" in figure[1], figure[1]
    plotted = next(o for o in cells[3]["outputs"] if "application/vnd.plotly.v1+json" in o.get("data", {}))
    traces = plotted["data"]["application/vnd.plotly.v1+json"]["data"]
    assert len(traces) == 2 and [t["x"] for t in traces] == [[1, 2], [1, 2]]  # validation, training
    assert [line[:8] for line in samples[0].splitlines()] == ["T = 0.2:", "T = 0.7:", "T = 1.0:", "T = 1.5:"]
    assert "the app answers: True" in app[0]
    assert not list((tmp_path / "empty-cache").rglob("*.txt")), "the notebook downloaded a corpus"
    json.dumps(notebook)  # nothing unserialisable was displayed
