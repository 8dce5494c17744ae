"""charlm as pip installs it: a wheel and an sdist built from this checkout, the wheel installed away from it, its
command line and the app's modules run from there, its dependencies declared, The Time Machine inside it."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Each third-party module the package imports, by the distribution that provides it; the app's only in its extra.
LIBRARY = {"torch": "torch", "numpy": "numpy", "safetensors": "safetensors", "huggingface_hub": "huggingface_hub",
           "pooch": "pooch", "plotly": "plotly", "tqdm": "tqdm", "requests": "pooch",  # requests comes with pooch
           "polib": "polib"}  # fmt: skip
APP = {"gradio": "gradio", "segno": "segno", "pandas": "pandas"}


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The wheel and the sdist, built once for the whole run. Built by each xdist worker whose share held one of these
    tests, two builds ran at once in the checkout, whose build/ and egg-info folders setuptools shares: one sdist lost
    its files under the other, and their tests failed (seen on the 2-core Xeon, 2026-12-07)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # not under xdist
        return build(tmp_path_factory.mktemp("build") / "dist")
    from filelock import FileLock

    run = tmp_path_factory.getbasetemp().parent  # this run's folder, its workers' tmp folders inside
    with FileLock(str(run / "dist.lock")):
        return (run / "dist") if (run / "dist").is_dir() else build(run / "dist")


def build(out: Path) -> Path:
    """``python -m build`` of the checkout into ``out``, which appears only once the build is whole."""
    part = out.with_name(out.name + ".part")
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(part), str(REPO)], check=True,
                   capture_output=True, timeout=600)  # fmt: skip
    part.rename(out)
    return out


def run(args: list[str], target: Path, cwd: Path, **env) -> subprocess.CompletedProcess:
    """A command in a clean environment that sees the installed wheel and not the checkout."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CHARLM_")} | {"PYTHONPATH": str(target), **env}
    return subprocess.run(args, cwd=cwd, env=clean, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_the_wheel_installs_whole_and_runs_away_from_the_checkout(built, tmp_path):
    import charlm

    wheel = next(built.glob("charlm-*.whl"))
    assert next(built.glob("charlm-*.tar.gz")).name == f"charlm-{charlm.__version__}.tar.gz"
    target, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(target),
                    str(wheel)], check=True, capture_output=True, timeout=300)  # fmt: skip
    where = run([sys.executable, "-c", "import charlm, charlm.i18n, charlm.ui.train_tab, charlm.ui.room_tab, "
                 "charlm.ui.guess_tab; print(charlm.i18n.text('app.language', 'zh'), charlm.__file__, "
                 "charlm.__version__)"], target, elsewhere)  # fmt: skip
    assert where.returncode == 0, where.stderr
    # its texts in both languages are inside: the catalogue's files are package data
    assert where.stdout.startswith(f"语言 {target}") and where.stdout.split()[-1] == charlm.__version__
    script = target / "bin" / "charlm"  # the console script, as pip writes it
    version = run([sys.executable, str(script), "--version"], target, elsewhere)
    assert version.stdout.strip() == f"charlm {charlm.__version__}", version.stderr
    # The quick demo's corpus is inside: it trains with no data folder, an empty cache and no network.
    trained = run([sys.executable, str(script), "train", "--preset", "quick-lstm", "--epochs", "1", "--max-chars", "6000",
                   "--hidden", "16", "--layers", "1", "--out", str(tmp_path / "run")], target, elsewhere,
                  CHARLM_CACHE_DIR=str(tmp_path / "empty-cache"), HF_HUB_OFFLINE="1")  # fmt: skip
    assert trained.returncode == 0, trained.stderr[-2000:]
    config = (tmp_path / "run" / "config.json").read_text()
    assert f'"charlm_version": "{charlm.__version__}"' in config
    cache = tmp_path / "empty-cache"
    assert not list(cache.rglob("*.txt")) and not list(cache.rglob("*.zip")), list(cache.rglob("*"))  # no download
    no_command = run([sys.executable, str(script)], target, elsewhere)
    assert no_command.returncode == 2 and "COMMAND" in no_command.stderr, no_command.stderr
    # LANG=zh_CN.UTF-8 charlm train --help: the help, argparse's frame included, in Chinese
    chinese = run([sys.executable, str(script), "train", "--help"], target, elsewhere, LANG="zh_CN.UTF-8")
    assert chinese.returncode == 0 and chinese.stdout.startswith("用法: python -m charlm train"), chinese.stderr
    assert "学习率（默认：0.003）" in chinese.stdout and "显示这条帮助信息并退出" in chinese.stdout


@pytest.mark.slow
def test_the_installed_package_serves_the_app(built, tmp_path):
    """``charlm app`` from the wheel, away from the checkout, answers over HTTP, with the checkout's checkpoints."""
    import urllib.request

    from conftest import free_port

    wheel = next(built.glob("charlm-*.whl"))
    target, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(target),
                    str(wheel)], check=True, capture_output=True, timeout=300)  # fmt: skip
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CHARLM_")} | {"PYTHONPATH": str(target)}
    server = subprocess.Popen([sys.executable, str(target / "bin" / "charlm"), "app", "--port", str(port),
                               "--checkpoints", str(REPO / "checkpoints")], cwd=elsewhere, env=clean,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        page, deadline = None, time.monotonic() + 240
        while page is None and time.monotonic() < deadline and server.poll() is None:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=5).read().decode()
            except OSError:
                time.sleep(1)
        assert page is not None, server.stdout.read() if server.poll() is not None else "no answer in 240 s"
        assert '"title":"charlm"' in page.replace(" ", "") and "timemachine-raw" in page  # its checkpoints offered
    finally:
        server.terminate()
        server.wait(timeout=30)


LONGEST = 600  # lines a module of the package may have: past it, it holds more than one concern
LONGEST_CLI = 400  # the command line's own module: its options are drawn from the dataclasses' fields (options.py)


def package_imports() -> dict[str, set[str]]:
    """Each module of the package, and the package's modules it imports as it is imported (at its top level)."""
    imports = {}
    for path in (REPO / "charlm").rglob("*.py"):
        name = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                found |= {f"{base}.{node.module}"} if node.module else {f"{base}.{a.name}" for a in node.names}
            elif isinstance(node, ast.ImportFrom | ast.Import):
                found |= {a.name for a in node.names} if isinstance(node, ast.Import) else {node.module}
        imports[name] = {m for m in found if m and m.split(".")[0] == "charlm" and m != name}
    return imports


def test_each_module_holds_one_concern_and_the_imports_go_one_way():
    """Every module under LONGEST lines (serving.py grew to 728 before it was split into the batch, the worker and
    what a server calls), and no module imports, through any chain, one that imports it back."""
    lines = {p.relative_to(REPO).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
             for p in (REPO / "charlm").rglob("*.py")}  # fmt: skip
    assert lines["charlm/cli.py"] <= LONGEST_CLI
    assert not {p: n for p, n in lines.items() if n > LONGEST}
    imports = package_imports()
    assert {"charlm.worker", "charlm.batching"} <= imports["charlm.serving"]
    assert imports["charlm.ui.app"] >= {"charlm.serving", "charlm.ui.common"}

    def reached(module: str) -> set[str]:
        seen, todo = set(), [module]
        while todo:
            for m in imports.get(todo.pop(), ()):
                if m not in seen:
                    seen.add(m)
                    todo.append(m)
        return seen

    assert not [m for m in imports if m in reached(m)], "modules that import themselves back, through a chain"


@pytest.mark.slow
def test_the_wheel_declares_every_module_the_package_imports(built):
    wheel = next(built.glob("charlm-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        metadata = Parser().parsestr(z.read(next(n for n in names if n.endswith("METADATA"))).decode())
        sources = {n: z.read(n).decode() for n in names if n.endswith(".py")}
    assert "charlm/texts/timemachine.txt" in names
    assert {"charlm/i18n/locales/LINGUAS", "charlm/i18n/locales/en.po", "charlm/i18n/locales/zh.po"} <= set(names)
    required = metadata.get_all("Requires-Dist")
    core = {r.split(";")[0].split("[")[0].split(">")[0].split("<")[0].split("=")[0].strip() for r in required
            if "extra ==" not in r}  # fmt: skip
    extra = {r.split(">")[0].split("<")[0].strip() for r in required if 'extra == "app"' in r}
    imported = {}
    for name, source in sources.items():
        for node in ast.walk(ast.parse(source)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []  # fmt: skip
            for module in modules:
                imported.setdefault(module.split(".")[0], set()).add(name)
    third_party = {m for m in imported if m not in sys.stdlib_module_names and m != "charlm"}
    for module in sorted(third_party):
        in_app = all(n.startswith("charlm/ui/") for n in imported[module])
        if module in ("spaces",):  # ZeroGPU's, installed by the platform and imported only there
            continue
        if in_app:
            assert APP.get(module, LIBRARY.get(module)) in extra | core, (module, imported[module])
        else:
            assert LIBRARY.get(module) in core, (module, sorted(imported[module]))
    assert metadata["Version"] and "charlm = charlm.cli:main" in zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith("entry_points.txt"))).decode()  # fmt: skip
