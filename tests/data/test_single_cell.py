"""Tests of n2s_core.data.single_cell: the SYNTHETIC counts keep their promises, the filter, and every file format."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp
from scipy.stats import poisson

from n2s_core.data.single_cell import (
    MARKERS,
    as_counts,
    expected_counts,
    expected_sqrt,
    filter_counts,
    load_counts,
    read_count_csv,
    synthesize_counts,
)


@pytest.fixture(scope="module")
def small():
    return synthesize_counts("quick", n_cells=300, n_genes=600, rng=3)


def test_synthetic_counts_are_seeded_sparse_int32_and_labelled(small):
    counts, meta = small
    assert sp.isspmatrix_csr(counts) and counts.dtype == np.int32 and counts.shape == (300, 600)
    assert meta["synthetic"] is True and "SYNTHETIC" in meta["note"] and meta["true_rank"] == 16
    assert meta["gene_names"][:3] == list(MARKERS) == ["Mpo-like", "Klf1-like", "Ifitm1-like"]
    assert len(meta["gene_names"]) == 600 and meta["pseudotime"].shape == meta["lineage"].shape == (300,)
    again, _ = synthesize_counts("quick", n_cells=300, n_genes=600, rng=3)
    assert (counts != again).nnz == 0
    assert (counts != synthesize_counts("quick", n_cells=300, n_genes=600, rng=4)[0]).nnz > 0


def test_the_true_rank_is_the_rank_of_the_square_root_signal(small):
    _, meta = small
    s = np.linalg.svd(np.sqrt(expected_counts(meta)), compute_uv=False)
    rank = meta["true_rank"]
    assert s[rank - 1] / s[0] > 1e-3  # every programme and the baseline are there...
    assert s[rank] / s[0] < 1e-12  # ...and nothing else: a rank-16 matrix up to rounding


def test_expected_counts_sum_to_the_library_and_the_counts_are_poisson_around_them(small):
    counts, meta = small
    expected = expected_counts(meta)
    np.testing.assert_allclose(expected.sum(axis=1), meta["library_size"], rtol=1e-10)
    np.testing.assert_allclose(expected_counts(meta, cells=[4, 7], genes=[0, 9]), expected[np.ix_([4, 7], [0, 9])])
    total = np.asarray(counts.sum(axis=1)).ravel()
    z = (total - meta["library_size"]) / np.sqrt(meta["library_size"])  # Poisson: sd = sqrt(mean)
    assert abs(z.mean()) < 0.3 and 0.8 < z.std() < 1.2


def test_markers_follow_the_lineages(small):
    counts, meta = small
    x = counts[:, :3].toarray()
    lineage, late = meta["lineage"], meta["pseudotime"] > 0.7
    myeloid, erythroid, root = (lineage == 0) & late, (lineage == 1) & late, lineage == -1
    assert x[myeloid, 0].mean() > 5 * x[erythroid, 0].mean()  # Mpo-like: myeloid-like cells
    assert x[erythroid, 1].mean() > 5 * x[myeloid, 1].mean()  # Klf1-like: erythroid-like cells
    assert x[root, 2].mean() > 5 * x[late, 2].mean()  # Ifitm1-like: the progenitors


def test_expected_sqrt_matches_a_direct_sum():
    means = np.array([0.0, 1e-4, 0.03, 0.4, 2.0, 7.5, 40.0, 333.0])
    k = np.arange(800)
    direct = poisson.pmf(k[None, :], means[:, None]) @ np.sqrt(k)
    np.testing.assert_allclose(expected_sqrt(means), direct, rtol=1e-4, atol=1e-9)
    assert expected_sqrt(np.zeros((2, 3))).shape == (2, 3)


def test_filter_drops_small_cells_then_rare_genes():
    x = np.array([[900, 5, 0, 0], [2000, 0, 1, 0], [1500, 3, 1, 0], [10, 0, 0, 7]])
    filtered, cells, genes = filter_counts(x, min_library=1000, min_cells=2)
    assert cells.tolist() == [1, 2] and genes.tolist() == [0, 2]  # gene 1 counts once among kept cells; gene 3 never
    assert filtered.toarray().tolist() == [[2000, 1], [1500, 1]]
    with pytest.raises(ValueError, match=r"keeps 0 cells .*lower the thresholds"):
        filter_counts(x, min_library=10**6)


@pytest.mark.parametrize(("bad", "message"), [
    (np.array([[1, -2]]), "negative"), (np.array([[1.0, 2.5]]), "non-integer"),
    (np.array([[1.0, np.nan]]), "non-finite"), (np.zeros((0, 4)), "empty"), (np.zeros((3, 4)), "empty")])
def test_as_counts_refuses_what_is_not_a_count_matrix(bad, message):
    with pytest.raises(ValueError, match=message):
        as_counts(bad)


def test_as_counts_accepts_integral_floats_and_never_mutates():
    x = sp.csr_matrix(np.array([[1.0, 0.0], [2.0, 3.0]]))
    before = x.data.copy()
    out = as_counts(x)
    assert out.dtype == np.int32 and out.toarray().tolist() == [[1, 0], [2, 3]]
    np.testing.assert_array_equal(x.data, before)


COUNTS = np.array([[3, 0, 1], [0, 7, 2], [5, 5, 0], [1, 0, 0]], dtype=np.int64)
NAMES = ["Mpo", "Klf1", "Ifitm1"]


def _same(loaded, names=None):
    counts, genes = loaded
    assert counts.dtype == np.int32 and counts.toarray().tolist() == COUNTS.tolist()
    assert genes == names


def test_load_npz_sparse_and_dense(tmp_path):
    sp.save_npz(tmp_path / "a.npz", sp.csr_matrix(COUNTS))
    _same(load_counts(tmp_path / "a.npz"))
    np.savez(tmp_path / "b.npz", counts=COUNTS, gene_names=np.array(NAMES))
    _same(load_counts(tmp_path / "b.npz"), NAMES)
    np.savez(tmp_path / "c.npz", counts=COUNTS.T)
    _same(load_counts(tmp_path / "c.npz", transpose=True))
    np.savez(tmp_path / "d.npz", other=COUNTS)
    with pytest.raises(ValueError, match=r"holds \['other'\].*'counts' array"):
        load_counts(tmp_path / "d.npz")


def test_load_csv_and_tsv_with_and_without_headers(tmp_path):
    (tmp_path / "plain.csv").write_text("\n".join(",".join(map(str, row)) for row in COUNTS) + "\n")
    _same(load_counts(tmp_path / "plain.csv"))
    lines = ["cell\t" + "\t".join(NAMES)] + [f"c{i}\t" + "\t".join(map(str, row)) for i, row in enumerate(COUNTS)]
    (tmp_path / "named.tsv").write_text("\n".join(lines) + "\n")
    _same(load_counts(tmp_path / "named.tsv"), NAMES)
    (tmp_path / "header.csv").write_text(",".join(NAMES) + "\n" + "\n".join(",".join(map(str, r)) for r in COUNTS))
    _same(load_counts(tmp_path / "header.csv"), NAMES)
    genes_by_cells = [",".join(["gene", "c0", "c1", "c2", "c3"])] + [
        f"{name}," + ",".join(map(str, COUNTS[:, j])) for j, name in enumerate(NAMES)]
    (tmp_path / "t.csv").write_text("\n".join(genes_by_cells))
    _same(load_counts(tmp_path / "t.csv", transpose=True), NAMES)
    (tmp_path / "bad.csv").write_text("1,0.5\n2,3\n")
    with pytest.raises(ValueError, match="non-integer"):
        load_counts(tmp_path / "bad.csv")


def test_load_mtx_in_the_10x_orientation(tmp_path):
    scipy.io.mmwrite(tmp_path / "matrix.mtx", sp.coo_matrix(COUNTS.T))  # 10x: genes x cells
    _same(load_counts(tmp_path / "matrix.mtx"))
    (tmp_path / "features.tsv").write_text("".join(f"ENSG{j}\t{n}\tGene Expression\n" for j, n in enumerate(NAMES)))
    _same(load_counts(tmp_path / "matrix.mtx"), NAMES)
    scipy.io.mmwrite(tmp_path / "cells.mtx", sp.coo_matrix(COUNTS))
    _same(load_counts(tmp_path / "cells.mtx", transpose=False))


def test_load_h5ad_needs_anndata(tmp_path):
    path = tmp_path / "x.h5ad"
    path.write_bytes(b"")
    try:
        import anndata
    except ImportError:
        with pytest.raises(ImportError, match="pip install anndata"):
            load_counts(path)
        return
    import pandas as pd  # anndata depends on pandas

    anndata.AnnData(COUNTS.astype(np.float32), var=pd.DataFrame(index=NAMES)).write_h5ad(path)
    _same(load_counts(path), NAMES)


def test_load_refuses_unknown_suffixes_missing_files_and_mismatched_names(tmp_path):
    with pytest.raises(ValueError, match=r"unknown count file suffix '.xlsx'.*use one of"):
        load_counts(tmp_path / "x.xlsx")
    with pytest.raises(FileNotFoundError, match="no count file"):
        load_counts(tmp_path / "missing.csv")
    np.savez(tmp_path / "n.npz", counts=COUNTS, gene_names=np.array(NAMES[:2]))
    with pytest.raises(ValueError, match=r"2 gene names for 3 genes; check transpose="):
        load_counts(tmp_path / "n.npz")
    (tmp_path / "empty.csv").write_text("a,b\n")
    with pytest.raises(ValueError, match="empty"):
        load_counts(tmp_path / "empty.csv")


def test_read_count_csv_rounds_float_noise_and_keeps_only_the_non_zeros(tmp_path):
    path = tmp_path / "cells.csv"
    path.write_text(",G1,G2,G3\nc1,0,3.00000000000001,0.0\n\nc2,0.999999999999999,0,12\n")
    counts, genes, cells = read_count_csv(path)
    assert sp.isspmatrix_csr(counts) and counts.dtype == np.int32 and counts.nnz == 3
    assert counts.toarray().tolist() == [[0, 3, 0], [1, 0, 12]] and genes == ["G1", "G2", "G3"]
    assert cells == ["c1", "c2"]  # the blank line is skipped


@pytest.mark.parametrize(("row", "message"), [
    ("c1,0,2.5,1", r"line 2: 2.5 is not a count \(a non-negative integer within 1e-06\)"),
    ("c1,0,-1,1", r"line 2: -1.0 is not a count"),
    ("c1,0,1.00001,1", r"line 2: 1.00001 is not a count"),
    ("c1,0,1", r"line 2: 2 values for 3 genes in the header"),
])
def test_read_count_csv_refuses_what_is_not_a_count(tmp_path, row, message):
    path = tmp_path / "cells.csv"
    path.write_text(f",G1,G2,G3\n{row}\n")
    with pytest.raises(ValueError, match=message):
        read_count_csv(path)
    path.write_text(",G1,G2,G3\n")
    with pytest.raises(ValueError, match="a header but no cells"):
        read_count_csv(path)


def test_full_is_the_old_name_of_the_paper_preset():
    with pytest.warns(DeprecationWarning, match=r'synthesize_counts\("full"\) is now synthesize_counts\("paper"\)'):
        old, _ = synthesize_counts("full", n_cells=40, n_genes=200, rng=2)
    new, _ = synthesize_counts("paper", n_cells=40, n_genes=200, rng=2)
    assert (old != new).nnz == 0
    with pytest.raises(ValueError, match=r"unknown preset 'huge'; choose one of \['paper', 'quick'\]"):
        synthesize_counts("huge")
