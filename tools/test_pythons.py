"""The unit tests on other Pythons (default: 3.10 and 3.13, the oldest and newest pyproject claims).

For each version: a virtual environment ``.venv-py<version>`` made with pyenv's interpreter; the package's own
dependencies with the torch release of ``.venv`` (3.11), the bm3d extra, pytest, hypothesis and pytest-xdist; the
package installed editable without dependencies; then pytest, tests not marked slow or browser, on every test and
doctest outside ``tests/project`` (the notebooks, the book, the browser and the committed claims, which test the
project rather than the package and run on 3.11), on two workers of one thread each as ``make test-fast`` does.

On the package index torch for Linux is the CUDA build: about 5 GB per environment the first time (pip's cache
shares the CUDA libraries between versions); it runs on the CPU here. ``--numpy-only`` installs no torch and
collects no test of the torch half: under ``N2S_WITHOUT_TORCH=1`` (set then) a test that needs torch skips with a
reason that says so, which the CI rule (conftest.py) lets through; any other skip still fails under ``CI=true``.

    .venv/bin/python tools/test_pythons.py [--numpy-only] [3.10 3.13]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from importlib.metadata import version as installed_version
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
PYENV_VERSIONS = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
TESTS = ["tests", "n2s_core"]
PROJECT_TESTS = ["tests/project"]  # notebooks, book, browser, claims: the project's, run on 3.11 only
TORCH_HALF = [  # test folders and modules that are the torch half, never collected without torch
    "tests/nets", "n2s_core/nets", "tests/paper/test_single_image.py",
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


def requirements(*, torch: bool) -> list[str]:
    """pyproject's dependencies (torch pinned to ``.venv``'s release, or left out), the bm3d extra (its tests must
    run too), and the test runner with its parallel workers."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    needed = [d for d in project["dependencies"] if not d.startswith("torch")]
    if torch:  # the release tested on 3.11, without its local tag (+cpu): the package index's build
        needed.append(f"torch=={installed_version('torch').split('+')[0]}")
    wanted = ("pytest", "hypothesis", "pyyaml", "pytest-xdist", "pytest-timeout")
    return (needed + project["optional-dependencies"]["bm3d"]
            + [d for d in project["optional-dependencies"]["test"] if d.startswith(wanted)])


def run(version: str, *, torch: bool) -> float:
    venv = ROOT / f".venv-py{version}"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([str(interpreter(version)), "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *requirements(torch=torch)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "-e", str(ROOT)], check=True)
    left_out = PROJECT_TESTS + ([] if torch else TORCH_HALF)
    env = {**os.environ, "N2S_QUICK": "1", "N2S_THREADS": "1", "N2S_WITHOUT_TORCH": "0" if torch else "1"}
    started = time.perf_counter()
    done = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m",
                           "not slow and not browser", "-n", "2", "--dist", "loadfile", "--timeout=300",
                           *[f"--ignore={ROOT / path}" for path in left_out], *TESTS], cwd=ROOT, env=env)
    seconds = time.perf_counter() - started
    half = "with torch" if torch else "the NumPy half"
    print(f"test-pythons: Python {version}, {half}: pytest exited {done.returncode} in {seconds:.0f} s", flush=True)
    if done.returncode:
        raise SystemExit(done.returncode)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("versions", nargs="*", default=["3.10", "3.13"])
    parser.add_argument("--numpy-only", action="store_true", help="no torch (no 5 GB download): the NumPy half")
    args = parser.parse_args()
    for version in args.versions:
        run(version, torch=not args.numpy_only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
