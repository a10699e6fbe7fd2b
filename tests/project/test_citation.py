"""LICENSE and CITATION.cff agree with pyproject.toml and the package: one licence, one version, and the paper cited.

The version is written once, as ``n2s_core.__version__``; pyproject.toml reads it (setuptools, without importing
the package) and CITATION.cff carries a copy that these tests hold to it.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

import n2s_core
from tests.project.repo_tools import load_tool

ROOT = Path(__file__).resolve().parents[2]


def project() -> dict:
    """pyproject.toml's licence, and how it finds the version (read with patterns: tomllib is Python 3.11+, we
    support 3.10)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    licence = re.search(r'^license = \{ text = "([^"]+)" \}', text, re.MULTILINE).group(1)
    literal = re.search(r'^version = "([^"]+)"', text, re.MULTILINE)
    dynamic = re.search(r'^dynamic = \[([^]]*)\]', text, re.MULTILINE)
    attr = re.search(r'^version = \{ attr = "([^"]+)" \}', text, re.MULTILINE)
    return {"license": {"text": licence}, "version": literal and literal.group(1),
            "dynamic": dynamic and dynamic.group(1), "version_attr": attr and attr.group(1)}


def citation() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def test_the_licence_file_is_the_licence_pyproject_names():
    assert project()["license"]["text"] == "MIT" == citation()["license"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")


def test_the_citation_names_this_version_and_the_paper():
    cff = citation()
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software" and cff["authors"]
    assert cff["version"] == n2s_core.__version__, "CITATION.cff's version must follow n2s_core.__version__"
    assert cff["repository-code"] == load_tool("colab_cell").REPOSITORY  # where the Colab cell installs from
    paper = next(ref for ref in cff["references"] if ref["type"] == "conference-paper")
    assert paper["title"] == "Noise2Self: Blind Denoising by Self-Supervision" and paper["year"] == 2019
    assert [a["family-names"] for a in paper["authors"]] == ["Batson", "Royer"]
    assert any(i["value"] == "arXiv:1901.11365" for i in paper["identifiers"])


def test_the_version_is_written_once_in_the_package():
    found = project()
    assert found["version"] is None, "pyproject.toml writes a version: it must read n2s_core.__version__ instead"
    assert found["dynamic"] == '"version"' and found["version_attr"] == "n2s_core.__version__"
