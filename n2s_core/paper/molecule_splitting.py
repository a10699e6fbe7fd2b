"""Noise2Self for counts: molecule splitting, and choosing the rank of PCA by the loss it gives (paper §3.1, Figure 3).

Each UMI of a cell is a molecule caught independently, so the counts split into two halves: ``X2 ~ Binomial(X, p)``,
``X1 = X - X2``. For Poisson counts the halves are independent Poisson with means ``(1 - p) lambda`` and
``p lambda``: predicting X2 from X1 is J-invariant, and its error is the error against the truth plus a constant.
This module is the method: the split, the normalization, a rank-k PCA map from one half to the other and its loss
for every k, the argmin over splits. :mod:`.figure3` runs it as the paper's experiment and writes its files.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..data import single_cell as sc


def split_molecules(counts, *, p: float = 0.5, rng=None):
    """Split every count into two: ``X2 ~ Binomial(X, p)`` molecule by molecule and ``X1 = X - X2``.

    Works on a dense integer array or a scipy.sparse matrix (returned in the same form); ``X1 + X2 == X`` exactly.

    Examples
    --------
    >>> x1, x2 = split_molecules(np.array([[0, 3, 10]]), rng=0)
    >>> (x1 + x2).tolist(), bool((x1 >= 0).all() and (x2 >= 0).all())
    ([[0, 3, 10]], True)
    """
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be a fraction in (0, 1), got {p}; p=0.5 splits the molecules in halves")
    gen = np.random.default_rng(rng)
    if sp.issparse(counts):
        x1, x2 = sp.csr_matrix(counts, copy=True), sp.csr_matrix(counts, copy=True)  # own arrays: the input stays
        x2.data = gen.binomial(x1.data, p).astype(x1.dtype)
        x1.data -= x2.data
        x1.eliminate_zeros(), x2.eliminate_zeros()
        return x1, x2
    counts = np.asarray(counts)
    if not np.issubdtype(counts.dtype, np.integer) or (counts < 0).any():
        raise ValueError(f"counts must be non-negative integers, got dtype {counts.dtype}; pass raw UMI counts")
    half = gen.binomial(counts, p).astype(counts.dtype)
    return counts - half, half


def library_scale(counts) -> np.ndarray:
    """Per cell, the factor that scales its library to the median library (0 for an empty cell)."""
    library = np.asarray(counts.sum(axis=1), dtype=float).ravel()
    return np.divide(np.median(library), library, out=np.zeros_like(library), where=library > 0)


def normalize(counts) -> np.ndarray:
    """The paper's recipe: scale each cell to the median library size, then take the square root (dense float32).

    Examples
    --------
    >>> np.round(normalize(np.array([[1, 3], [4, 4], [0, 8]])).astype(float), 3).tolist()  # median library 8
    [[1.414, 2.449], [2.0, 2.0], [0.0, 2.828]]
    """
    scale = library_scale(counts).astype(np.float32)
    if sp.issparse(counts):  # scale and root the non-zeros only, then densify once, in float32
        return (sp.diags(scale) @ sp.csr_matrix(counts, dtype=np.float32)).sqrt().toarray()
    dense = np.asarray(counts, dtype=np.float32) * scale[:, None]
    return np.sqrt(dense, out=dense)


def randomized_svd(matrix, rank: int, *, oversample: int = 10, n_iter: int = 4, rng=0):
    """The top ``rank`` singular triplets ``(U, S, Vt)`` by a random range finder with power iterations.

    Halko, Martinsson & Tropp (2011): sketch the range with ``rank + oversample`` random vectors, sharpen it with
    ``n_iter`` power iterations (re-orthonormalized each time), then an exact SVD of the small projected matrix.
    """
    gen = np.random.default_rng(rng)
    width = min(rank + oversample, *matrix.shape)
    basis = np.linalg.qr(matrix @ gen.standard_normal((matrix.shape[1], width)).astype(matrix.dtype))[0]
    for _ in range(n_iter):
        basis = np.linalg.qr(matrix @ np.linalg.qr(matrix.T @ basis)[0])[0]
    u, s, vt = np.linalg.svd((matrix.T @ basis).T.astype(np.float64), full_matrices=False)
    return (basis @ u)[:, :rank], s[:rank], vt[:rank]


def rank_k_map(y1_train, y2_train, y1_test, rank: int, *, svd=None) -> np.ndarray:
    """Predict the test cells' second half from their first through rank-``rank`` PCA of the training cells.

    With ``Y1_train = U S V^T`` (top ``k`` triplets), a test cell's coordinates in the top-``k`` right singular
    vectors, scaled by ``S^-1``, are the row of ``U`` a training cell with that profile would have; ``U^T Y2_train``
    is the least-squares map from those rows to the second halves (``U`` has orthonormal columns). So
    ``pred = Y1_test V_k S_k^-1 U_k^T Y2_train = Y1_test pinv([Y1_train]_k) Y2_train``: principal-component regression.
    It never reads ``Y2_test``, so its error on ``Y2_test`` is the self-supervised loss.
    """
    u, s, vt = svd if svd is not None else randomized_svd(y1_train, rank)
    return (y1_test @ vt[:rank].T / s[:rank]) @ (u[:, :rank].T @ y2_train)


def loss_curves(coords, maps, targets) -> list[np.ndarray]:
    """MSE of ``pred_k = coords[:, :k] @ maps[:k]`` against each target, for every k at once.

    ``|pred_k - T|^2 = |T|^2 - 2 sum_{j<k} coords_j . (T maps_j) + sum_{i,j<k} (coords^T coords)_ij (maps maps^T)_ij``,
    so no ``pred_k`` is ever formed: the cost is two Gram matrices and one product per target.
    """
    energy = np.cumsum(np.cumsum((coords.T @ coords) * (maps @ maps.T), axis=0), axis=1).diagonal()
    squares = [float(t.multiply(t).sum() if sp.issparse(t) else np.sum(np.square(t, dtype=float))) for t in targets]
    return [(square - 2 * np.cumsum(np.einsum("ik,ik->k", coords, t @ maps.T)) + energy) / np.prod(t.shape)
            for square, t in zip(squares, targets, strict=True)]


def rank_losses(counts, *, p: float = 0.5, train_fraction: float = 0.75, max_rank: int = 100, expected=None,
                rng=0) -> dict:
    """Self-supervised loss of rank-k PCA for k = 1..``max_rank``, one molecule split and one cell split.

    The counts split into X1, X2 (:func:`split_molecules`), both :func:`normalize`-d; the cells split at random into
    ``train_fraction`` train and the rest test; the SVD of the training X1 gives :func:`rank_k_map` for every k, and
    the loss is its MSE against the test cells' normalized X2. With ``expected`` (the noiseless expected counts, as
    :func:`n2s_core.data.single_cell.expected_counts` gives for synthetic data) the ground-truth loss is the MSE
    against ``E[normalized X2]``, computed exactly (:func:`~n2s_core.data.single_cell.expected_sqrt`).
    """
    counts = sc.as_counts(counts)
    if not 0.0 < train_fraction < 1.0:
        raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction}; the paper's is 0.75")
    gen = np.random.default_rng(rng)
    x1, x2 = split_molecules(counts, p=p, rng=gen)
    order, n_train = gen.permutation(counts.shape[0]), round(train_fraction * counts.shape[0])
    train, test = np.sort(order[:n_train]), np.sort(order[n_train:])
    max_rank = min(max_rank, len(train) - 1, counts.shape[1] - 1)
    if max_rank < 1 or len(test) == 0:
        raise ValueError(f"{counts.shape} is too small for a train/test split; pass more cells")
    y1, y2 = normalize(x1), normalize(x2)
    u, s, vt = randomized_svd(y1[train], max_rank, rng=gen)
    coords, maps = (y1[test] @ vt.T) / s, (u.T @ y2[train].astype(np.float64))
    targets = [y2[test]]
    if expected is not None:
        targets.append(np.sqrt(library_scale(x2)[test])[:, None] * sc.expected_sqrt(p * np.asarray(expected)[test]))
    curves = loss_curves(coords, maps, targets)
    ranks = list(range(1, max_rank + 1))
    return {"ranks": ranks, "self_supervised": curves[0].tolist(),
            "ground_truth": curves[1].tolist() if expected is not None else None,
            "best_rank": ranks[int(np.argmin(curves[0]))],
            "best_rank_ground_truth": ranks[int(np.argmin(curves[1]))] if expected is not None else None,
            "p": p, "train_fraction": train_fraction, "n_train": len(train), "n_test": len(test)}


def argmin_over_seeds(counts, *, seeds=range(10), **options) -> dict:
    """:func:`rank_losses` once per seed (a new molecule split and cell split each): the spread of the argmin."""
    draws = [rank_losses(counts, rng=seed, **options) for seed in seeds]
    return {"seeds": list(seeds), "best_rank": [d["best_rank"] for d in draws],
            "best_rank_ground_truth": [d["best_rank_ground_truth"] for d in draws], "draws": draws}


def denoised_genes(counts, genes, ranks) -> dict:
    """Normalized expression of ``genes`` (cells x len(genes)), raw and after rank-k PCA for each k in ``ranks``."""
    y = normalize(counts)
    u, s, vt = randomized_svd(y, min(max(ranks), *y.shape), rng=0)
    out = {"raw": y[:, genes].astype(float)}
    for k in ranks:
        out[k] = (u[:, :k] * s[:k]) @ vt[:k, genes]
    return out
