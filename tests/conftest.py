"""Test settings: offline, deterministic, and torch limited to the CI machine's two cores."""

import os

# Before anything imports huggingface_hub or gradio: they read these at import time.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import pytest
import torch

torch.set_num_threads(min(2, torch.get_num_threads()))


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
