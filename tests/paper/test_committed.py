"""The results shipped inside the package are the committed results/, byte for byte, and load as the notebooks need."""

from __future__ import annotations

from pathlib import Path

import pytest

from n2s_core.paper import committed

RESULTS = Path(__file__).resolve().parents[2] / "results"


@pytest.mark.parametrize("name", committed.FILES)
def test_every_shipped_file_is_the_committed_one(name):
    assert committed.path(name).read_bytes() == (RESULTS / name).read_bytes(), (
        f"n2s_core/paper/results/{name} differs from results/{name}: run `make reproduce` (or "
        "`python -c \"from n2s_core.paper import committed; committed.bundle('results')\"`)")


def test_the_loaders_return_what_the_notebooks_read():
    assert {row["method"] for row in committed.load_json("table1.json")["rows"]} >= {"donut_median", "nl_means"}
    assert not committed.read_markdown("table2_quick.md", title=False).startswith("#")
    examples = committed.load_npz("table2_hanzi_quick_examples.npz")
    assert {"raw", "clean", "unet-n2s"} <= set(examples) and examples["clean"].ndim >= 2


def test_bundle_copies_what_exists_and_errors_are_clear(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "table1.json").write_text("{}")
    assert committed.bundle(tmp_path / "src", tmp_path / "dst") == ["table1.json"]
    assert (tmp_path / "dst" / "table1.json").read_text() == "{}"
    with pytest.raises(FileNotFoundError, match="no results folder"):
        committed.bundle(tmp_path / "nowhere", tmp_path / "dst")
    with pytest.raises(KeyError, match="'figure9.json' is not among the shipped results"):
        committed.path("figure9.json")
