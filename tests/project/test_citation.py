"""LICENSE and CITATION.cff agree with pyproject.toml: one licence, one version, and the paper cited."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def project() -> dict:
    """pyproject.toml's version and licence (read with a pattern: tomllib is Python 3.11+, we support 3.10)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    version = re.search(r'^version = "([^"]+)"', text, re.MULTILINE).group(1)
    licence = re.search(r'^license = \{ text = "([^"]+)" \}', text, re.MULTILINE).group(1)
    return {"version": version, "license": {"text": licence}}


def citation() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def test_the_licence_file_is_the_licence_pyproject_names():
    assert project()["license"]["text"] == "MIT" == citation()["license"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")


def test_the_citation_names_this_version_and_the_paper():
    cff = citation()
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software" and cff["authors"]
    assert cff["version"] == project()["version"], "CITATION.cff's version must follow pyproject.toml's"
    paper = next(ref for ref in cff["references"] if ref["type"] == "conference-paper")
    assert paper["title"] == "Noise2Self: Blind Denoising by Self-Supervision" and paper["year"] == 2019
    assert [a["family-names"] for a in paper["authors"]] == ["Batson", "Royer"]
    assert any(i["value"] == "arXiv:1901.11365" for i in paper["identifiers"])
