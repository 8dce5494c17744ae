"""The files a Hugging Face Space builds from: the README's front matter, requirements.txt, and what an upload of
this folder sends (README, "Deploy your own Space")."""

import re
import subprocess

from conftest import REPO
from huggingface_hub import metadata_load
from huggingface_hub.utils import filter_repo_objects
from packaging.requirements import Requirement

import app

ZERO_GPU_PYTHONS = ("3.10.13", "3.12.12")  # the Pythons ZeroGPU runs (Hub docs, Nov 2026)
ZERO_GPU_TORCH = ("2.8.0", "2.9.1", "2.10.0", "2.11.0")  # torch versions it lists


def test_the_front_matter_asks_for_what_zero_gpu_and_cpu_hardware_run():
    meta = metadata_load(REPO / "README.md")
    assert meta["sdk"] == "gradio" and meta["app_file"] == "app.py" and str(meta["python_version"]) in ZERO_GPU_PYTHONS
    assert re.fullmatch(r"6\.\d+\.\d+", meta["sdk_version"])


def test_requirements_let_zero_gpu_pick_its_torch_and_keep_this_projects_cpu_wheel():
    lines = [line.split("#")[0].strip() for line in (REPO / "requirements.txt").read_text().splitlines()]
    requirements = {r.name: r for r in map(Requirement, filter(None, lines))}
    torch = requirements["torch"].specifier
    assert any(v in torch for v in ZERO_GPU_TORCH) and "2.13.0" in torch  # ZeroGPU's and this machine's wheel
    assert "2.14.1" not in torch  # the CUDA build on this project's index: gigabytes
    assert "spaces" not in requirements  # the platform installs it on ZeroGPU


def test_an_upload_sends_the_app_library_and_checkpoints_and_nothing_else():
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    sent = set(filter_repo_objects(tracked, ignore_patterns=app.SPACE_IGNORE))
    assert {"app.py", "requirements.txt", "README.md", "charlm/ui/zerogpu.py", "charlm/cells.py"} <= sent
    assert {f"checkpoints/{n}/model.safetensors" for n in ("timemachine-raw", "jaychou-lstm")} <= sent
    assert not [f for f in sent if f.startswith(("tests/", ".ci/", "runs/")) or f.endswith(".pyc")]
    assert sum((REPO / f).stat().st_size for f in sent) < 50e6
    assert not [f for f in filter_repo_objects(["runs/tm/model.safetensors", "charlm/__pycache__/x.pyc"],
                                               ignore_patterns=app.SPACE_IGNORE)]  # fmt: skip
