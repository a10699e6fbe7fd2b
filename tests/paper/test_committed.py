"""The results shipped inside the package are the one copy: results/ links to each, and they load as notebooks need."""

from __future__ import annotations

from pathlib import Path

import pytest

from n2s_core.paper import committed

RESULTS = Path(__file__).resolve().parents[2] / "results"


@pytest.mark.parametrize("name", committed.FILES)
def test_every_shipped_file_is_linked_from_results_never_copied(name):
    link = RESULTS / name
    assert link.is_symlink() and link.resolve() == committed.path(name).resolve(), (
        f"results/{name} should be a link to n2s_core/paper/results/{name}: run `python -c \"from n2s_core.paper "
        "import committed; committed.bundle('results')\"` (it moves a new file into the package and links it)")
    assert not Path(str(link.readlink())).is_absolute()  # relative, so a clone anywhere keeps it


def test_the_loaders_return_what_the_notebooks_read():
    assert {row["method"] for row in committed.load_json("table1.json")["rows"]} >= {"donut_median", "nl_means"}
    assert not committed.read_markdown("table2_quick.md", title=False).startswith("#")
    examples = committed.load_npz("table2_hanzi_quick_examples.npz")
    assert {"raw", "clean", "unet-n2s"} <= set(examples) and examples["clean"].ndim >= 2


def test_bundle_moves_a_new_file_into_the_package_and_links_it(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "table1.json").write_text("{}")
    assert committed.bundle(tmp_path / "src", tmp_path / "dst") == ["table1.json"]
    assert (tmp_path / "dst" / "table1.json").read_text() == "{}" and (tmp_path / "src" / "table1.json").is_symlink()
    assert (tmp_path / "src" / "table1.json").read_text() == "{}"
    assert committed.bundle(tmp_path / "src", tmp_path / "dst") == []  # the link is left alone
    (tmp_path / "src" / "table1.json").unlink()
    (tmp_path / "src" / "table1.json").write_text('{"new": 1}')  # an experiment rewrote it
    assert committed.bundle(tmp_path / "src", tmp_path / "dst") == ["table1.json"]
    assert (tmp_path / "dst" / "table1.json").read_text() == '{"new": 1}'
    with pytest.raises(FileNotFoundError, match="no results folder"):
        committed.bundle(tmp_path / "nowhere", tmp_path / "dst")
    with pytest.raises(KeyError, match="'figure9.json' is not among the shipped results"):
        committed.path("figure9.json")
