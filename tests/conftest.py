"""Test settings: offline, deterministic, and torch limited to the CI machine's two cores."""

import os

# Before anything imports huggingface_hub or gradio: they read these at import time.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

from pathlib import Path

import pytest
import torch

from charlm.corpora import CORPORA

torch.set_num_threads(min(2, torch.get_num_threads()))


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


# The reference corpora beside the clone (../shared/corpora), or where CHARLM_DATA_DIR points;
# read before any test's monkeypatch touches the environment.
SHARED_CANDIDATES = [Path(__file__).resolve().parents[2] / "shared" / "corpora"]
if os.environ.get("CHARLM_DATA_DIR"):
    SHARED_CANDIDATES.append(Path(os.environ["CHARLM_DATA_DIR"]))


@pytest.fixture(scope="session")
def shared() -> Path:
    """The folder holding the reference corpora; tests that need it fail, never skip, without it."""
    for folder in SHARED_CANDIDATES:
        if all((folder / spec.filename).is_file() for spec in CORPORA.values()):
            return folder
    pytest.fail(
        "the reference corpora are not there: looked in "
        + " and ".join(str(f) for f in SHARED_CANDIDATES)
        + " for "
        + ", ".join(spec.filename for spec in CORPORA.values())
        + ". Point CHARLM_DATA_DIR at a folder holding them."
    )
