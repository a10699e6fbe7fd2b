"""Tests of n2s_core.paper.figure3_real: Figure 3 on fetched real counts, beside the synthetic run and the paper.

The fast tests write a small CSV in the fetched file's format (a header of gene names, a first column of cell names,
counts written with float noise) and register it as the fetched ``celltypist-sample``; without it the run stops
with the command that fetches it. One slow test reads the real file where it was fetched.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

import matplotlib
import numpy as np
import pytest

from n2s_core import cli
from n2s_core.data import single_cell as sc
from n2s_core.data.fetch import PAPER_FILES, NotFetchedError, fetched, is_fetched
from n2s_core.paper.figure3_real import COUNT_DATA, load_real_counts, reproduce_figure3_real, stem
from tests.conftest import USER_CACHE_DIR  # the user's cache, not the tests' tmp one

matplotlib.use("Agg")
NAME = "celltypist-sample"


@pytest.fixture
def fake_counts(monkeypatch, tmp_path):
    """300 synthetic cells x 600 genes as the fetched sample: integers written as 0.999999999999999-style floats."""
    counts, meta = sc.synthesize_counts("quick", n_cells=300, n_genes=600, rng=1)
    dense = counts.toarray().astype(float)
    dense[dense > 0] *= 1 + 1e-15  # the float noise the real file carries
    folder = tmp_path / "cache" / "paper-data" / NAME
    folder.mkdir(parents=True)
    lines = ["," + ",".join(["PTPRC", *meta["gene_names"][1:]])]
    lines += [f"Cell_{i + 1}," + ",".join(repr(float(v)) if v else "0" for v in row) for i, row in enumerate(dense)]
    path = folder / PAPER_FILES[NAME].filename
    path.write_text("\n".join(lines) + "\n")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    monkeypatch.setitem(PAPER_FILES, NAME, dataclasses.replace(PAPER_FILES[NAME], sha256=digest))
    monkeypatch.setenv("N2S_CACHE_DIR", str(tmp_path / "cache"))
    return counts


def test_the_counts_load_filtered_with_their_markers(fake_counts):
    counts, genes, info = load_real_counts(NAME)
    expected = sc.filter_counts(fake_counts)[0]
    assert counts.shape == expected.shape and (counts != expected).nnz == 0  # rounded back to the integers
    assert info["synthetic"] is False and info["true_rank"] is None and info["name"] == NAME
    assert info["raw_shape"] == [300, 600] and info["markers_chosen"] == "the three most variable genes"
    assert len(genes) == 3 and "PTPRC" in info["expressing"] and "LYZ" not in info["expressing"]
    assert load_real_counts(NAME, markers=["PTPRC", "Klf1-like", "Ifitm1-like"])[2]["markers_chosen"] == "named"


def test_it_writes_every_file_with_the_synthetic_run_and_the_paper_beside(fake_counts, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "figure3.json").write_text(json.dumps({"seeds": {"best_rank": [16, 16, 15]},
                                                  "data": {"true_rank": 16, "shape": [2439, 10677]}}))
    result = reproduce_figure3_real(out, seeds=range(3))
    assert {p.name for p in out.iterdir()} == {"figure3.json"} | {f"{stem(NAME)}.{s}" for s in
                                                                   ("png", "csv", "md", "json")}
    saved = json.loads((out / f"{stem(NAME)}.json").read_text())
    assert saved["seeds"]["best_rank"] == result["seeds"]["best_rank"] and len(saved["seeds"]["seeds"]) == 3
    assert saved["synthetic_beside"] == {"best_rank": [16, 16, 15], "true_rank": 16, "shape": [2439, 10677]}
    assert saved["meta"]["command"] == f"python -m n2s_core reproduce figure3 --data {NAME}"
    page = (out / f"{stem(NAME)}.md").read_text()
    assert "Figure 3 on REAL counts" in page and "**not the paper's data**" in page
    assert "| self-supervised argmin, seed 0 | " + str(result["draw"]["best_rank"]) + " | 16 | 17 |" in page
    assert "2,439 x 10,677" in page and "median 16, range 15-16" in page
    assert (out / f"{stem(NAME)}.csv").read_text().splitlines()[0] == "rank,self_supervised"


def test_without_the_synthetic_run_the_page_says_so(fake_counts, tmp_path):
    reproduce_figure3_real(tmp_path / "out", seeds=range(1))
    assert "No synthetic run (`figure3.json`) was found" in (tmp_path / "out" / f"{stem(NAME)}.md").read_text()


def test_missing_or_wrong_data_says_what_to_do(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("N2S_CACHE_DIR", str(tmp_path / "empty"))
    with pytest.raises(NotFetchedError, match=rf"run `python -m n2s_core fetch {NAME}`"):
        reproduce_figure3_real(tmp_path / "out")
    assert not (tmp_path / "out").exists()
    with pytest.raises(ValueError, match=r"--data 'mnist' holds no counts; Figure 3 runs on celltypist-sample"):
        load_real_counts("mnist")
    assert cli.main(["reproduce", "figure3", "--data", NAME, "--out", str(tmp_path / "out")]) == 2
    assert f"python -m n2s_core fetch {NAME}" in capsys.readouterr().err
    assert cli.main(["reproduce", "figure3", "--data", NAME, "--counts", "x.csv", "--out", str(tmp_path)]) == 2
    assert "leave out --counts" in capsys.readouterr().err


def test_the_command_line_runs_it(fake_counts, tmp_path, capsys):
    assert cli.main(["reproduce", "figure3", "--data", NAME, "--out", str(tmp_path / "out")]) == 0
    assert f"wrote {stem(NAME)}.png/.csv/.md/.json" in capsys.readouterr().out
    assert COUNT_DATA == (NAME,) and NAME in PAPER_FILES


@pytest.mark.slow
def test_the_real_sample_is_559_cells_of_integer_counts():
    if not is_fetched(NAME, cache_dir=USER_CACHE_DIR):
        pytest.skip(f"the sample is not fetched into {USER_CACHE_DIR} (python -m n2s_core fetch {NAME})")
    counts, genes, cells = sc.read_count_csv(fetched(NAME, cache_dir=USER_CACHE_DIR))
    assert counts.shape == (559, 32786) and len(genes) == 32786 and cells[0] == "Cell_1"
    assert counts.dtype == np.int32 and counts.data.min() >= 1
