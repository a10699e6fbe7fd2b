"""Tests of n2s_core.paper.figure3: the experiment writes its files; the method's old address still works."""

from __future__ import annotations

import json

import numpy as np
import pytest

from n2s_core.data import single_cell as sc
from n2s_core.paper import figure3, molecule_splitting
from n2s_core.paper.figure3 import PAPER_FIGURE3_BEST_RANK, reproduce_figure3


@pytest.mark.slow  # the whole experiment, twice (~3 s)
def test_reproduce_figure3_writes_its_files_on_synthetic_and_on_your_counts(tmp_path):
    result = reproduce_figure3(tmp_path / "syn", quick=True, seeds=range(2))
    assert {p.name for p in (tmp_path / "syn").iterdir()} == {f"figure3.{e}" for e in ("png", "csv", "md", "json")}
    text = (tmp_path / "syn" / "figure3.md").read_text()
    assert "SYNTHETIC" in text and f"true rank of {result['data']['true_rank']}" in text
    assert str(PAPER_FIGURE3_BEST_RANK) in text and "0.0872" in text
    written = json.loads((tmp_path / "syn" / "figure3.json").read_text())
    assert written["draw"]["best_rank"] == result["draw"]["best_rank"] and written["data"]["synthetic"] is True
    counts, meta = sc.synthesize_counts("quick", n_cells=300, n_genes=800, rng=1)
    np.savez(tmp_path / "mine.npz", counts=counts.toarray(), gene_names=np.array(meta["gene_names"]))
    mine = reproduce_figure3(tmp_path / "mine", counts_path=tmp_path / "mine.npz", seeds=[0])
    assert mine["data"]["synthetic"] is False and mine["draw"]["ground_truth"] is None
    assert mine["data"]["markers_chosen"] == "the three most variable genes"
    assert "no ground truth" in (tmp_path / "mine" / "figure3.md").read_text()
    with pytest.raises(ValueError, match="markers must be three gene names"):
        reproduce_figure3(tmp_path / "x", counts_path=tmp_path / "mine.npz", seeds=[0], markers=["Mpo-like", "nope"])


def test_the_methods_old_address_still_works_and_names_the_new_one():
    with pytest.warns(DeprecationWarning, match=r"figure3.rank_losses is now n2s_core.paper.molecule_splitting"):
        assert figure3.rank_losses is molecule_splitting.rank_losses
    with pytest.raises(AttributeError, match="has no attribute 'no_such_thing'"):
        figure3.no_such_thing  # noqa: B018
