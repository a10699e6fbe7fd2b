"""The NumPy half's unit tests on other Pythons (default: 3.10 and 3.13, the oldest and newest pyproject claims).

For each version: a virtual environment ``.venv-py<version>`` made with pyenv's interpreter; the package's own
dependencies except torch (read from pyproject.toml), the bm3d extra, pytest and hypothesis; the package installed
editable without dependencies; then pytest, tests not marked slow, on every test of the NumPy half (the method,
``classical``, ``data``, ``teach``, the figures, the app and the command line, with their doctests). The torch half
is tested on Python 3.11 only: PyTorch's CPU wheels cannot be had here for other Pythons, and PyPI's Linux torch is
the CUDA build (several GB). Under ``N2S_WITHOUT_TORCH=1`` (set here) a test that needs torch skips with a reason
that says so, which the CI rule (conftest.py) lets through; any other skip still fails under ``CI=true``.

    .venv/bin/python tools/test_pythons.py [3.10 3.13]
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
PYENV_VERSIONS = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
TESTS = ["tests", "n2s_core"]
TORCH_HALF = [  # test folders and modules that are the torch half, never collected without torch
    "tests/nets", "n2s_core/nets", "tests/project", "tests/paper/test_single_image.py",
    "n2s_core/paper/single_image.py", "tests/paper/test_table2_runs.py", "n2s_core/paper/table2_runs.py",
    "tests/paper/test_table2_report.py", "n2s_core/paper/table2_report.py",
]


def interpreter(version: str) -> Path:
    """pyenv's newest installed ``version.*`` interpreter."""
    found = sorted(PYENV_VERSIONS.glob(f"{version}.*/bin/python"),
                   key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.parent.name)])
    if not found:
        raise SystemExit(f"no Python {version} under {PYENV_VERSIONS}; install it with `pyenv install {version}`")
    return found[-1]


def requirements() -> list[str]:
    """pyproject's dependencies without torch, the bm3d extra (its tests must run too), and the test runner."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    needed = [d for d in project["dependencies"] if not d.startswith("torch")]
    wanted = ("pytest", "hypothesis", "pyyaml")
    return (needed + project["optional-dependencies"]["bm3d"]
            + [d for d in project["optional-dependencies"]["test"] if d.startswith(wanted)])


def run(version: str) -> float:
    venv = ROOT / f".venv-py{version}"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([str(interpreter(version)), "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *requirements()], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "-e", str(ROOT)], check=True)
    ignore = [f"--ignore={ROOT / path}" for path in TORCH_HALF]
    started = time.perf_counter()
    done = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow",
                           *ignore, *TESTS], cwd=ROOT, env={**os.environ, "N2S_WITHOUT_TORCH": "1"})
    seconds = time.perf_counter() - started
    print(f"test-pythons: Python {version}: pytest exited {done.returncode} in {seconds:.0f} s", flush=True)
    if done.returncode:
        raise SystemExit(done.returncode)
    return seconds


def main() -> int:
    versions = sys.argv[1:] or ["3.10", "3.13"]
    for version in versions:
        run(version)
    return 0


if __name__ == "__main__":
    sys.exit(main())
