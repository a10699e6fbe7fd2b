"""Single-cell UMI counts for Figure 3: a SYNTHETIC stand-in for the paper's data, its filter, and your own matrix.

The paper uses Paul et al. (2015), mouse myeloid progenitors: 2,730 cells x 27,297 genes, 2,416 x 10,782 after
dropping cells with fewer than 1,000 UMIs and genes seen in fewer than 10 cells. Nothing here downloads it.
:func:`synthesize_counts` draws SYNTHETIC counts of the same size from a model whose true rank is known;
:func:`load_counts` reads a real matrix you have (``.npz``, ``.csv``/``.tsv``, ``.mtx``, ``.h5ad``).

Counts are ``scipy.sparse`` CSR ``int32`` matrices, cells x genes: 8 bytes per non-zero. At the full preset 8 % of
the filtered entries are non-zero (3 % before filtering), so CSR takes about 17 MB where a dense int32 matrix would
take 104 MB (300 MB before filtering).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import scipy.io
import scipy.sparse as sp
from scipy.stats import poisson

PRESETS = {"paper": {"n_cells": 2730, "n_genes": 27297}, "quick": {"n_cells": 900, "n_genes": 4000}}
MARKERS = ("Mpo-like", "Klf1-like", "Ifitm1-like")  # stand-ins for Mpo (myeloid), Klf1 (erythroid), Ifitm1 (root)
LINEAGES = ("myeloid-like", "erythroid-like", "megakaryocyte-like")
BRANCH_TIME = 0.3  # pseudotime at which the root population splits into the three lineages
SYNTHETIC_NOTE = "SYNTHETIC counts from n2s_core.data.single_cell.synthesize_counts, not Paul et al. (2015)"


def synthesize_counts(preset: str = "paper", *, n_cells=None, n_genes=None, n_programs: int = 15,
                      median_library: float = 2500.0, strength: float = 2.0, rng=0):
    """SYNTHETIC single-cell UMI counts along a branching trajectory, with a known true rank.

    The model, cell i and gene j:

    1. A lineage ``l_i`` (45/35/20 %) and a pseudotime ``t_i ~ U(0, 1)``; before ``BRANCH_TIME`` every cell is a
       progenitor, after it the lineages diverge.
    2. ``n_programs`` expression programmes with activities ``z_ir`` in [0, 1]: bumps in pseudotime, the first fifth
       shared by all cells (the root), the others split between the lineages and gated on after the branch.
    3. Each programme raises a random 5 % of genes: weights ``w_rj = strength * Exp(1)`` (0 elsewhere). Gene baselines
       ``b_j`` are log-normal (log-sd 2.85, so most genes are rare, as in real data).
    4. ``sqrt(rho_ij) = sqrt(b_j) * (1 + sum_r z_ir w_rj)``; library sizes ``L_i`` are log-normal (median
       ``median_library``, log-sd 0.75) and the expected counts are ``lambda_ij = L_i rho_ij / sum_j rho_ij``.
    5. Counts ``X_ij ~ Poisson(lambda_ij)``, independent: exactly the noise molecule splitting assumes.

    ``sqrt(lambda)`` is a row scaling of a rank ``n_programs + 1`` matrix (the baseline and one column per programme),
    and normalizing a cell is another row scaling, so the noiseless square-root signal that PCA sees has rank
    ``true_rank = n_programs + 1``. The low rank sits on the square-root scale on purpose: a low rank in log space
    would not stay low rank after the square root. ``median_library`` is the noise knob (fewer UMIs, more noise).

    Parameters
    ----------
    preset : {"paper", "quick"}
        "paper": 2,730 x 27,297 before filtering (the paper's raw size); "quick": 900 x 4,000. The old name "full"
        is still taken for "paper", with a DeprecationWarning.
    n_cells, n_genes : int, optional
        Override the preset's size.
    rng : int or numpy.random.Generator
        Seed; the same seed gives the same counts.

    Returns
    -------
    counts : scipy.sparse.csr_matrix
        int32, cells x genes.
    meta : dict
        ``synthetic`` (True), ``note``, ``true_rank``, ``n_programs``, ``lineage`` (index into ``lineage_names``,
        -1 for progenitors), ``pseudotime``, ``gene_names`` (the first three are :data:`MARKERS`), ``markers``, and
        the factors :func:`expected_counts` needs (``library_size``, ``activity``, ``weights``, ``baseline``,
        ``row_total``).

    Examples
    --------
    >>> counts, meta = synthesize_counts("quick", n_cells=50, n_genes=300, rng=1)
    >>> counts.shape, meta["true_rank"], meta["synthetic"]
    ((50, 300), 16, True)
    """
    if preset == "full":
        warnings.warn('synthesize_counts("full") is now synthesize_counts("paper"): one word for the paper\'s scale',
                      DeprecationWarning, stacklevel=2)
        preset = "paper"
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {sorted(PRESETS)}")
    n_cells, n_genes = n_cells or PRESETS[preset]["n_cells"], n_genes or PRESETS[preset]["n_genes"]
    if n_programs < 4 or n_genes < 10 or n_cells < 2:
        raise ValueError(f"need n_programs >= 4, n_genes >= 10, n_cells >= 2; got {n_programs}, {n_genes}, {n_cells}")
    gen = np.random.default_rng(rng)
    lineage = gen.choice(len(LINEAGES), size=n_cells, p=(0.45, 0.35, 0.20))
    time = gen.uniform(0.0, 1.0, n_cells)
    activity = _activities(lineage, time, n_programs)
    weights = strength * gen.exponential(1.0, (n_programs, n_genes)) * (gen.random((n_programs, n_genes)) < 0.05)
    baseline = np.exp(gen.normal(0.0, 2.85, n_genes))
    baseline /= baseline.sum()
    _plant_markers(weights, baseline, n_programs)
    library = median_library * np.exp(gen.normal(0.0, 0.75, n_cells))
    meta = {"synthetic": True, "note": SYNTHETIC_NOTE, "true_rank": n_programs + 1, "n_programs": n_programs,
            "lineage": np.where(time < BRANCH_TIME, -1, lineage), "lineage_names": LINEAGES, "pseudotime": time,
            "gene_names": [*MARKERS, *(f"gene{j:05d}" for j in range(3, n_genes))], "markers": MARKERS,
            "library_size": library, "activity": activity, "weights": weights, "baseline": baseline}
    meta["row_total"] = np.empty(n_cells)
    chunks = []
    for start in range(0, n_cells, 256):  # 256 cells at a time: the dense expected counts never exist in full
        cells = slice(start, start + 256)
        rho = (np.sqrt(baseline) * (1.0 + activity[cells] @ weights)) ** 2
        meta["row_total"][cells] = rho.sum(axis=1)
        chunks.append(sp.csr_matrix(gen.poisson(expected_counts(meta, cells=cells)).astype(np.int32)))
    return sp.vstack(chunks, format="csr", dtype=np.int32), meta


def _activities(lineage, time, n_programs):
    """Programme activities (cells x programmes): Gaussian bumps in pseudotime; lineage bumps start at the branch."""
    n_root = max(1, round(n_programs / 5))
    groups = np.array_split(np.arange(n_root, n_programs), len(LINEAGES))
    activity = np.zeros((len(time), n_programs))
    for r, centre in zip(range(n_root), np.linspace(0.0, BRANCH_TIME, n_root), strict=True):
        activity[:, r] = np.exp(-0.5 * ((time - centre) / 0.12) ** 2)
    gate = np.clip((time - BRANCH_TIME) / 0.1, 0.0, 1.0)
    for group_lineage, group in enumerate(groups):
        for r, centre in zip(group, np.linspace(BRANCH_TIME + 0.15, 1.0, len(group)), strict=True):
            activity[:, r] = gate * (lineage == group_lineage) * np.exp(-0.5 * ((time - centre) / 0.12) ** 2)
    return activity


def _plant_markers(weights, baseline, n_programs):
    """Genes 0-2 follow the lineages: Mpo-like the late myeloid programmes, Klf1-like the erythroid, Ifitm1 the root."""
    n_root = max(1, round(n_programs / 5))
    groups = np.array_split(np.arange(n_root, n_programs), len(LINEAGES))
    weights[:, :3] = 0.0
    weights[groups[0][-2:], 0] = 5.0
    weights[groups[1][-2:], 1] = 5.0
    weights[:n_root, 2] = 4.0
    baseline[:3] = 3e-4


def expected_counts(meta: dict, *, cells=None, genes=None) -> np.ndarray:
    """The noiseless expected counts ``lambda`` of :func:`synthesize_counts` (float64, cells x genes).

    ``cells`` and ``genes`` are index arrays into the unfiltered matrix (e.g. those :func:`filter_counts` returns).
    """
    cells = slice(None) if cells is None else cells if isinstance(cells, slice) else np.asarray(cells)
    genes = slice(None) if genes is None else genes if isinstance(genes, slice) else np.asarray(genes)
    root = np.sqrt(meta["baseline"][genes]) * (1.0 + meta["activity"][cells] @ meta["weights"][:, genes])
    return (meta["library_size"][cells] / meta["row_total"][cells])[:, None] * root**2


def expected_sqrt(mean) -> np.ndarray:
    """``E[sqrt(N)]`` for ``N ~ Poisson(mean)``, elementwise: the noiseless target of square-root-normalized counts.

    Computed exactly on a grid of means and interpolated (relative error below 1e-4).

    Examples
    --------
    >>> np.round(expected_sqrt(np.array([0.0, 1.0, 100.0])), 4).tolist()
    [0.0, 0.7732, 9.9874]
    """
    mean = np.asarray(mean, dtype=float)
    top = max(float(mean.max(initial=0.0)), 1.0)
    grid = np.concatenate([[0.0], np.geomspace(1e-6, top, 600)])
    k = np.arange(int(top + 12 * np.sqrt(top) + 30))
    values = poisson.pmf(k[None, :], grid[:, None]) @ np.sqrt(k)
    return np.interp(mean, grid, values)


def filter_counts(counts, *, min_library: int = 1000, min_cells: int = 10):
    """The paper's filter: drop cells with fewer than ``min_library`` UMIs, then genes seen in fewer than ``min_cells``.

    Returns ``(filtered, cells, genes)``: the CSR matrix and the kept row and column indices.

    Examples
    --------
    >>> x = sp.csr_matrix(np.array([[5, 0, 1], [1, 0, 0], [3, 0, 2]]))
    >>> filtered, cells, genes = filter_counts(x, min_library=3, min_cells=2)
    >>> filtered.toarray().tolist(), cells.tolist(), genes.tolist()
    ([[5, 1], [3, 2]], [0, 2], [0, 2])
    """
    counts = as_counts(counts)
    cells = np.flatnonzero(np.asarray(counts.sum(axis=1)).ravel() >= min_library)
    kept = counts[cells]
    genes = np.flatnonzero(np.diff(kept.tocsc().indptr) >= min_cells)
    if len(cells) == 0 or len(genes) == 0:
        raise ValueError(f"the filter (min_library={min_library}, min_cells={min_cells}) keeps {len(cells)} cells and "
                         f"{len(genes)} genes of {counts.shape}; lower the thresholds")
    return kept[:, genes], cells, genes


def as_counts(matrix, *, name: str = "counts") -> sp.csr_matrix:
    """A CSR int32 copy of a count matrix; refuses empty, negative, non-finite and non-integer values."""
    matrix = sp.csr_matrix(matrix, copy=True)
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    if min(matrix.shape) == 0 or matrix.nnz == 0:
        raise ValueError(f"{name} is empty (shape {matrix.shape}, {matrix.nnz} non-zeros); pass a cells x genes matrix")
    data = matrix.data
    if not np.all(np.isfinite(data)) or data.min() < 0:
        raise ValueError(f"{name} has negative or non-finite values (min {data.min()}); pass raw UMI counts")
    if not np.array_equal(data, np.round(data)):
        raise ValueError(f"{name} has non-integer values (e.g. {data[data != np.round(data)][0]}); molecule splitting "
                         "needs raw UMI counts, not normalized or log-transformed values")
    if data.max() > np.iinfo(np.int32).max:
        raise ValueError(f"{name} has a count of {data.max()}, above int32; these are not UMI counts")
    return sp.csr_matrix((data.astype(np.int32), matrix.indices, matrix.indptr), shape=matrix.shape)


def load_counts(path, *, transpose=None):
    """Your own count matrix, as cells x genes: returns ``(counts, gene_names)`` (names are ``None`` if unknown).

    - ``.npz``: ``scipy.sparse.save_npz`` output, or ``numpy.savez`` with a ``counts`` array (and optionally
      ``gene_names``).
    - ``.csv`` / ``.tsv``: rows are cells, columns genes; an optional header row of gene names and an optional first
      column of cell names are detected (non-numeric text).
    - ``.mtx``: Matrix Market, read as **genes x cells** (the 10x convention) and transposed; gene names come from a
      ``features.tsv``/``genes.tsv`` (or ``.gz``) beside it, second column.
    - ``.h5ad``: ``anndata`` (``pip install anndata``), ``.X`` as cells x genes, names from ``.var_names``.

    ``transpose=True`` says the file holds genes x cells (``False`` cells x genes); ``None`` takes each format's
    convention above (only ``.mtx`` is genes x cells).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    readers = {".npz": _read_npz, ".csv": _read_text, ".tsv": _read_text, ".mtx": _read_mtx, ".h5ad": _read_h5ad}
    if suffix not in readers:
        raise ValueError(f"unknown count file suffix {suffix!r} of {path}; use one of {sorted(readers)}")
    if not path.is_file():
        raise FileNotFoundError(f"no count file at {path}")
    matrix, names = readers[suffix](path, (suffix == ".mtx") if transpose is None else bool(transpose))
    counts = as_counts(matrix, name=str(path))
    if names is not None and len(names) != counts.shape[1]:
        raise ValueError(f"{path}: {len(names)} gene names for {counts.shape[1]} genes; check transpose=")
    return counts, names


def read_count_csv(path, *, tolerance: float = 1e-6):
    """A large cells x genes CSV of counts, row by row into CSR int32: returns ``(counts, gene_names, cell_names)``.

    The first line is a header of gene names (its first field, over the cell names, is ignored); each further line
    is a cell name and then one value per gene. Values may carry float noise (``0.999999999999999``): each must lie
    within ``tolerance`` of a non-negative integer, and is rounded to it. Only the non-zeros are kept, one row at a
    time, so a 559 x 32,786 file never exists as 18 million strings or a dense matrix.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "counts.csv"
    ...     _ = path.write_text(",A,B,C\\ncell1,0,2.0000000000001,0\\ncell2,0.999999999999,0,3\\n")
    ...     counts, genes, cells = read_count_csv(path)
    >>> counts.toarray().tolist(), genes, cells
    ([[0, 2, 0], [1, 0, 3]], ['A', 'B', 'C'], ['cell1', 'cell2'])
    """
    path = Path(path)
    indptr, indices, data, cells = [0], [], [], []
    with open(path, encoding="utf-8") as handle:
        genes = handle.readline().rstrip("\r\n").split(",")[1:]
        for number, line in enumerate(handle, start=2):
            name, _, rest = line.rstrip("\r\n").partition(",")
            if not name and not rest:
                continue  # a blank line
            values = np.array(rest.split(","), dtype=np.float64)  # numpy parses the strings itself: fast
            if len(values) != len(genes):
                raise ValueError(f"{path}, line {number}: {len(values)} values for {len(genes)} genes in the header")
            rounded = np.round(values)
            off = np.abs(values - rounded) > tolerance
            if off.any() or (rounded < 0).any():
                bad = float(values[off | (rounded < 0)][0])
                raise ValueError(f"{path}, line {number}: {bad!r} is not a count (a non-negative integer within "
                                 f"{tolerance:g}); molecule splitting needs raw UMI counts")
            nonzero = np.flatnonzero(rounded)
            indices.append(nonzero.astype(np.int32))
            data.append(rounded[nonzero].astype(np.int32))
            indptr.append(indptr[-1] + len(nonzero))
            cells.append(name)
    if not cells:
        raise ValueError(f"{path} has a header but no cells")
    matrix = sp.csr_matrix((np.concatenate(data), np.concatenate(indices), np.array(indptr)),
                           shape=(len(cells), len(genes)))
    return matrix, genes, cells


def _read_npz(path, transpose):
    with np.load(path, allow_pickle=False) as archive:
        if "format" in archive.files and "indptr" in archive.files:
            matrix, names = sp.load_npz(path), None
        elif "counts" in archive.files:
            matrix = archive["counts"]
            names = [str(g) for g in archive["gene_names"]] if "gene_names" in archive.files else None
        else:
            raise ValueError(f"{path} holds {archive.files}: save a scipy.sparse matrix or a 'counts' array")
    return (matrix.T if transpose else matrix), names


def _read_text(path, transpose):
    rows = [line.rstrip("\r\n").split("\t" if path.suffix.lower() == ".tsv" else ",")
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    header = rows[0] if rows and not all(_is_number(v) for v in rows[0][1:]) else None
    body = rows[1:] if header else rows
    indexed = bool(body) and not _is_number(body[0][0])
    values = np.array([[float(v) if v.strip() else 0.0 for v in row[indexed:]] for row in body])
    names = header[len(header) - values.shape[1]:] if header and values.ndim == 2 else None
    if transpose:
        return values.T, [row[0] for row in body] if indexed else None
    return values, names


def _read_mtx(path, transpose):
    matrix = sp.csr_matrix(scipy.io.mmread(path))
    names = None
    for stem in ("features.tsv", "genes.tsv", "features.tsv.gz", "genes.tsv.gz"):
        if (path.parent / stem).is_file():
            names = [row.split("\t")[1] if "\t" in row else row for row in _text_lines(path.parent / stem)]
            break
    return (matrix.T if transpose else matrix), (names if transpose else None)


def _read_h5ad(path, transpose):
    try:
        import anndata
    except ImportError as error:
        raise ImportError(f"reading {path} needs the anndata package: pip install anndata") from error
    data = anndata.read_h5ad(path)
    return (data.X.T if transpose else data.X), (None if transpose else [str(g) for g in data.var_names])


def _text_lines(path):
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [line.rstrip("\r\n") for line in handle if line.strip()]


def _is_number(text) -> bool:
    try:
        float(text)
    except ValueError:
        return text.strip() == ""
    return True
