"""The three ways to install the workbook agree: pyproject.toml, environment.yml (conda) and binder/.

Every runtime dependency of the package must be installable from each, torch must be a CPU build
everywhere, and Binder must install the package itself.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[2]
# pyproject name -> the names conda-forge may use for it
CONDA_ALIASES = {"torch": {"pytorch", "pytorch-cpu"}, "matplotlib": {"matplotlib-base"}}


def _normalise(name: str) -> str:
    """PEP 503 name normalisation: `PyWavelets` == `pywavelets`, `scikit_image` == `scikit-image`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _runtime_dependencies() -> set[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {_normalise(Requirement(dep).name) for dep in pyproject["project"]["dependencies"]}


def _conda_names(environment_text: str) -> tuple[set[str], list[str]]:
    """(conda package names, pip lines) of an environment.yml text."""
    environment = yaml.safe_load(environment_text)
    names, pip_lines = set(), []
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            pip_lines += entry.get("pip", [])
        else:  # a conda match spec: "numpy>=1.24", "conda-forge::numpy 1.26.*"
            spec = str(entry).split("::")[-1]
            names.add(_normalise(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", spec).group()))
    return names, pip_lines


def _requirement_names(lines: list[str]) -> set[str]:
    """Package names in requirements-file lines, skipping comments, options (-e, --index-url) and blanks."""
    names = set()
    for line in lines:
        line = line.split(" #")[0].strip()
        if line and not line.startswith(("#", "-")):
            names.add(_normalise(Requirement(line).name))
    return names


def _missing_from_conda(runtime: set[str], environment_text: str) -> set[str]:
    """Runtime dependencies that neither a conda package (or its alias) nor a pip line provides."""
    conda, pip_lines = _conda_names(environment_text)
    provided = conda | _requirement_names(pip_lines)
    return {dep for dep in runtime if not ({dep} | CONDA_ALIASES.get(dep, set())) & provided}


def test_conda_environment_provides_every_runtime_dependency():
    environment = (ROOT / "environment.yml").read_text()
    assert not _missing_from_conda(_runtime_dependencies(), environment)
    _, pip_lines = _conda_names(environment)
    assert any(re.fullmatch(r"-e\s+\.", line.split(" #")[0].strip()) for line in pip_lines), (
        "environment.yml must `pip: [-e .]` the package itself"
    )


def test_conda_check_catches_a_missing_dependency():
    """The check above is live: drop scipy from a copy of environment.yml and it is reported."""
    environment = (ROOT / "environment.yml").read_text()
    without_scipy = re.sub(r"(?m)^\s*- scipy.*\n", "", environment)
    assert without_scipy != environment
    assert _missing_from_conda(_runtime_dependencies(), without_scipy) == {"scipy"}


def test_conda_environment_is_cpu_only_from_conda_forge():
    environment = (ROOT / "environment.yml").read_text()
    assert yaml.safe_load(environment)["channels"][0] == "conda-forge"
    conda, _ = _conda_names(environment)
    assert "pytorch-cpu" in conda or {"pytorch", "cpuonly"} <= conda, "torch must be the CPU build"
    assert not {name for name in conda if "cuda" in name or name == "pytorch-gpu"}


def test_binder_requirements_provide_every_runtime_dependency():
    lines = (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    missing = _runtime_dependencies() - _requirement_names(lines)
    assert not missing, f"binder/requirements.txt lacks {sorted(missing)}"
    assert "jupyterlab" in _requirement_names(lines)


def test_binder_torch_comes_from_the_cpu_index():
    text = (ROOT / "binder" / "requirements.txt").read_text()
    assert re.search(r"(?m)^--(extra-)?index-url\s+https://download\.pytorch\.org/whl/cpu/?\s*$", text)


def test_binder_postbuild_installs_the_package():
    post_build = ROOT / "binder" / "postBuild"
    text = post_build.read_text()
    assert os.access(post_build, os.X_OK), "binder/postBuild must be executable (chmod +x)"
    assert re.search(r"(?m)^set -e", text), "postBuild must stop on the first error"
    assert re.search(r"(?m)^\s*(python -m )?pip install\b.*(\s-e\s+\.|\s\.)\s*$", text), (
        "postBuild must pip-install the repository's package"
    )


def test_binder_python_satisfies_requires_python():
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    version = re.fullmatch(r"python-(\d+\.\d+)", runtime)
    assert version, f"binder/runtime.txt should read like python-3.11, got {runtime!r}"
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert version.group(1) in SpecifierSet(requires)
