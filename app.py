"""charlm's web app, as a checkout and a Hugging Face Space start it: ``python app.py``.

The app itself is ``charlm.ui.app`` (``charlm app`` starts it from an installed package); this file gives it the
checkpoints beside it, and says what an upload of this folder to a Space leaves out.
"""

from __future__ import annotations

from pathlib import Path

from charlm.limits import Limits
from charlm.ui.app import DELETE_CACHE, MAX_THREADS, header_line, launch_options  # noqa: F401 (this app's API)
from charlm.ui.app import build_demo as _build_demo
from charlm.ui.app import main as _main
from charlm.ui.common import AppContext

CHECKPOINTS = Path(__file__).resolve().parent / "checkpoints"
# What an upload of this folder to a Space leaves out (README: "Deploy your own Space"): the Space needs the app, the
# library, the checkpoints and the README, not the tests, CI, training runs or anything a tool left behind.
SPACE_IGNORE = ["tests/*", ".ci/*", "runs/*", ".git/*", "**/__pycache__/*", "*.pyc", ".pytest_cache/*", ".ruff_cache/*",
                "*.egg-info/*", ".venv/*", "venv/*", "inspect.html", "requirements-dev.txt", "pyproject.toml"]


def build_demo(ctx: AppContext | None = None, delete_cache: tuple[int, int] = DELETE_CACHE):
    """The app on this folder's checkpoints (``charlm.ui.app.build_demo``)."""
    return _build_demo(ctx or AppContext.create(CHECKPOINTS, Limits.from_env()), delete_cache)


def main() -> None:
    _main(CHECKPOINTS)


if __name__ == "__main__":
    main()
