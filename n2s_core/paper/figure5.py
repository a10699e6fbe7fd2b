"""Paper Figure 5: the price of J-invariance for a finite alphabet of templates, measured.

When the clean image is one of a few templates, the best denoiser is the posterior-weighted average of the templates
(uniform prior, Gaussian noise sigma). Its J-invariant counterpart splits the pixels into 100 random subsets J and,
for each J, weighs the templates by how well they match the noisy image on the other pixels only, keeping the output
on J. The other pixels identify the template almost as well as all of them, so J-invariance costs little; here it
is measured, on 500 noisy samples per sigma. Beside it, the Gaussian process with the templates' mean and covariance
(rank <= 29), in closed form (:func:`.gaussian_process.linear_mse`): the best linear denoiser is far worse than the
Bayes one, and up to moderate noise J-invariance costs it more (in MSE) than it costs the alphabet.

Substitute: 30 Hanzi glyphs at 16x16, not MNIST digits. The paper used 30 MNIST digits (the authors' notebook:
training images 0-29 at 14x14); nothing here downloads, so the templates are glyphs of the shipped Hanzi bank
(:func:`n2s_core.data.hanzi.load_glyphs`, 30 characters drawn with seed 0), reduced from 64x64 by 4x4 local means.
The paper shows only curves, so there are no reference values to print beside ours.
"""

from __future__ import annotations

import time

import numpy as np

from .._checks import check_int
from ..data.hanzi import load_glyphs
from ..partitions import random_labels
from . import report
from .gaussian_process import check_positive, linear_mse

SIGMAS = tuple(float(v) for v in np.round(np.arange(0.1, 1.5, 0.1), 10))
EXAMPLE_SIGMA = 0.8
N_SUBSETS = 100


def substitute_label(n_templates: int = 30, size: int = 16) -> str:
    """What stands in for the paper's MNIST digits, for every title and table."""
    return f"substitute: {n_templates} Hanzi glyphs at {size}x{size}, not MNIST digits"


def load_templates(n_templates: int = 30, *, size: int = 16, rng=0) -> tuple[list[str], np.ndarray]:
    """``n_templates`` glyphs of the shipped bank (chosen by seed ``rng``), reduced by local means to ``size``.

    Examples
    --------
    >>> characters, templates = load_templates(3)
    >>> len(characters), templates.shape, bool(0 <= templates.min() <= templates.max() <= 1)
    (3, (3, 16, 16), True)
    """
    check_int(n_templates, name="n_templates", minimum=2, fix=" (a covariance needs two)")
    if check_int(size, name="size") and 64 % size:
        raise ValueError(f"size must divide the glyphs' side 64 (e.g. 16), got {size!r}")
    characters, glyphs = load_glyphs(n_templates, rng=rng)
    factor = 64 // size
    return characters, glyphs.reshape(len(glyphs), size, factor, size, factor).mean(axis=(2, 4)).astype(float)


def _weights(distances: np.ndarray, sigma, *, axis: int = -1) -> np.ndarray:
    """exp(-d / (2 sigma^2)) normalised along ``axis``; the smallest distance is subtracted first (no underflow)."""
    var = check_positive(sigma, name="sigma") ** 2
    w = np.exp(-(distances - distances.min(axis=axis, keepdims=True)) / (2 * var))
    return w / w.sum(axis=axis, keepdims=True)


def _flat(noisy, templates) -> tuple[np.ndarray, np.ndarray]:
    templates = np.asarray(templates, dtype=float)
    noisy = np.asarray(noisy, dtype=float)
    if templates.ndim != 3 or noisy.shape[-2:] != templates.shape[1:]:
        raise ValueError(f"noisy (..., H, W) must match templates (N, H, W), got {noisy.shape} and {templates.shape}")
    return noisy.reshape(-1, templates[0].size), templates.reshape(len(templates), -1)


def posterior_weights(noisy, templates, sigma) -> np.ndarray:
    """Posterior probability of each template given each noisy image: shape (..., N), each row sums to 1."""
    x, a = _flat(noisy, templates)
    distances = (x**2).sum(1)[:, None] - 2 * x @ a.T + (a**2).sum(1)[None]
    return _weights(distances, sigma).reshape(*np.shape(noisy)[:-2], len(a))


def bayes_denoise(noisy, templates, sigma) -> np.ndarray:
    """The optimal (Bayes) denoiser: the posterior-weighted average of the templates, for images (..., H, W).

    Examples
    --------
    >>> templates = np.stack([np.zeros((2, 2)), np.ones((2, 2))])
    >>> bayes_denoise(np.full((2, 2), 0.9), templates, 0.1).round(3).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    weights = posterior_weights(noisy, templates, sigma)
    return (weights @ np.asarray(templates, dtype=float).reshape(len(templates), -1)).reshape(np.shape(noisy))


def bayes_denoise_invariant(noisy, templates, sigma, *, labels) -> np.ndarray:
    """The J-invariant Bayes denoiser: on each subset J of ``labels``, the posterior average from x on J^c only."""
    x, a = _flat(noisy, templates)
    if np.shape(labels) != np.shape(templates)[1:]:
        raise ValueError(f"labels must have the templates' shape {np.shape(templates)[1:]}, got {np.shape(labels)}")
    labels = np.asarray(labels).ravel()
    squared = (x[:, None, :] - a[None]) ** 2  # (B, N, P)
    one_hot = (labels[:, None] == np.arange(labels.max() + 1)).astype(float)  # (P, subsets)
    on_subset = (squared.reshape(-1, len(labels)) @ one_hot).reshape(*squared.shape[:2], -1)  # one BLAS call
    weights = _weights(squared.sum(-1)[..., None] - on_subset, sigma, axis=1)  # from the pixels outside J
    return np.einsum("bnp,np->bp", weights[:, :, labels], a).reshape(np.shape(noisy))


def gp_mse(templates, sigmas=SIGMAS) -> tuple[np.ndarray, np.ndarray]:
    """Mean-over-pixels MSE of the optimal and the J-invariant linear denoisers for the templates' Gaussian.

    The Gaussian has the templates' mean and ``numpy.cov`` covariance; J-invariant means leave-one-pixel-out.
    """
    templates = np.asarray(templates, dtype=float)
    optimal, j_invariant = linear_mse(np.cov(templates.reshape(len(templates), -1), rowvar=False), sigmas)
    return optimal.mean(axis=0), j_invariant.mean(axis=0)


def _summary(per_sample: np.ndarray) -> dict:
    return {"mse": float(per_sample.mean()), "se": float(per_sample.std(ddof=1) / np.sqrt(len(per_sample)))}


def figure5_curves(templates, sigmas=SIGMAS, *, n_samples: int = 500, n_subsets: int = N_SUBSETS, rng=0) -> dict:
    """Measured MSE (mean, standard error) of both alphabet denoisers per sigma, and the Gaussian's closed form.

    Sample ``k`` is template ``k mod N``; one standard-normal draw is scaled by every sigma (common random
    numbers, so the curves are smooth in sigma); ``difference`` is J-invariant minus Bayes, paired per sample.
    """
    check_int(n_samples, name="n_samples", minimum=2)
    templates, rng = np.asarray(templates, dtype=float), np.random.default_rng(rng)
    sigmas = [check_positive(float(s), name="sigma") for s in sigmas]
    labels = random_labels(templates.shape[1:], n_subsets=n_subsets, rng=rng)
    clean = templates[np.arange(n_samples) % len(templates)]
    noise = rng.standard_normal(clean.shape)
    result = {"sigmas": sigmas, "n_templates": len(templates), "n_samples": int(n_samples),
              "n_subsets": int(n_subsets), "bayes": [], "j_invariant": [], "difference": []}
    for sigma in sigmas:
        noisy = clean + sigma * noise
        bayes = np.mean((bayes_denoise(noisy, templates, sigma) - clean) ** 2, axis=(1, 2))
        jinv = np.mean((bayes_denoise_invariant(noisy, templates, sigma, labels=labels) - clean) ** 2, axis=(1, 2))
        for key, per_sample in (("bayes", bayes), ("j_invariant", jinv), ("difference", jinv - bayes)):
            result[key].append(_summary(per_sample))
    result["gp"], result["gp_j_invariant"] = (v.tolist() for v in gp_mse(templates, sigmas))
    return result


def figure5_examples(templates, *, sigma=EXAMPLE_SIGMA, indices=(0, 1, 2), n_subsets: int = N_SUBSETS,
                     rng=0) -> dict:
    """For each template index: clean, noisy, Bayes, J-invariant Bayes and the Gaussian's linear denoiser."""
    templates, rng = np.asarray(templates, dtype=float), np.random.default_rng(rng)
    labels = random_labels(templates.shape[1:], n_subsets=n_subsets, rng=rng)
    flat = templates.reshape(len(templates), -1)
    mean, cov = flat.mean(axis=0), np.cov(flat, rowvar=False)
    examples = {}
    for i in indices:
        noisy = templates[i] + check_positive(sigma, name="sigma") * rng.standard_normal(templates[i].shape)
        linear = mean + cov @ np.linalg.solve(cov + sigma**2 * np.eye(len(cov)), noisy.ravel() - mean)
        examples[f"template {i}"] = {"clean": templates[i], f"noisy, sigma {sigma:g}": noisy,
                                     "Bayes": bayes_denoise(noisy, templates, sigma),
                                     "J-invariant": bayes_denoise_invariant(noisy, templates, sigma, labels=labels),
                                     "GP linear": linear.reshape(noisy.shape)}
    return examples


def plot_figure5(result: dict, examples: dict | None = None, *, beside: dict | None = None):
    """MSE against sigma (alphabet: mean ± 2 SE bands; Gaussian: dashed) and a row of images per example.

    ``beside``: another run's result (the Hanzi glyphs beside MNIST), whose alphabet curves are drawn in grey.
    """
    import matplotlib.pyplot as plt

    rows = list((examples or {}).items())
    ncols = len(rows[0][1]) if rows else 0
    fig = plt.figure(figsize=(6 + 1.8 * ncols, max(4.5, 1.9 * len(rows))))
    grid = fig.add_gridspec(max(len(rows), 1), 1 + ncols, width_ratios=[3.4] + [1] * ncols)
    ax = fig.add_subplot(grid[:, 0])
    sigmas = np.array(result["sigmas"])
    for key, label, colour in (("bayes", "alphabet: Bayes optimal", "C0"), ("j_invariant", "alphabet: J-invariant",
                                                                             "C1")):
        mse, se = (np.array([s[k] for s in result[key]]) for k in ("mse", "se"))
        ax.plot(sigmas, mse, "o-", ms=3, color=colour, label=label)
        ax.fill_between(sigmas, mse - 2 * se, mse + 2 * se, color=colour, alpha=0.25, lw=0)
    if beside is not None:
        for key, style, name in (("bayes", "-", "Bayes"), ("j_invariant", ":", "J-invariant")):
            ax.plot(beside["sigmas"], [s["mse"] for s in beside[key]], style, color="0.55", lw=1,
                    label=f"Hanzi glyphs (substitute): {name}")
    ax.plot(sigmas, result["gp"], "--", color="C0", label="Gaussian: optimal linear")
    ax.plot(sigmas, result["gp_j_invariant"], "--", color="C1", label="Gaussian: J-invariant linear")
    ax.set(xlabel="noise sigma", ylabel="MSE per pixel",
           title=f"alphabet vs Gaussian\n({result.get('data_label') or substitute_label(result['n_templates'])})")
    ax.title.set_fontsize(10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    for r, (name, images) in enumerate(rows):
        for c, (title, image) in enumerate(images.items()):
            panel = fig.add_subplot(grid[r, c + 1])
            panel.imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            panel.set_title(f"{title}" + ("" if c else f"\n{name}"), fontsize=9)
            panel.set_axis_off()
    fig.tight_layout()
    return fig


def _markdown(result: dict) -> str:
    meta = result["meta"]
    rows = [[f"{s:.1f}", *(f"{result[k][i]['mse']:.3g} ± {result[k][i]['se']:.2g}" for k in
                           ("bayes", "j_invariant", "difference")), f"{result['gp'][i]:.4f}",
             f"{result['gp_j_invariant'][i]:.4f}", f"{result['gp_j_invariant'][i] - result['gp'][i]:.4f}"]
            for i, s in enumerate(result["sigmas"])]
    return (f"# Figure 5: the price of J-invariance for an alphabet ({substitute_label(result['n_templates'])})\n\n"
            + report.markdown(["sigma", "Bayes (± 1 SE)", "J-invariant (± 1 SE)", "price (paired)", "GP optimal",
                               "GP J-invariant", "GP price"], rows)
            + f"\n\nAlphabet: {result['n_samples']} noisy samples per sigma (sample k is template k mod "
            f"{result['n_templates']}), J-invariance over a random partition into {result['n_subsets']} subsets. GP: "
            "the Gaussian with the templates' mean and numpy.cov covariance, in closed form (mean over pixels). "
            f"Templates: characters {''.join(result['characters'])} of the shipped Hanzi bank, 64x64 reduced to "
            "16x16 by 4x4 local means. Differences from the paper: these glyphs stand in for its 30 MNIST digits "
            "(the authors' notebook: MNIST training images 0-29 at 14x14), so absolute MSEs differ; the paper shows "
            "only curves, so there are no reference values. What carries over: the Bayes denoiser beats the best "
            "linear one by far, and the price of J-invariance (J-invariant minus optimal MSE) stays small.\n\n"
            f"Made by `{meta['command']}` in {meta['wall_seconds']} s on {meta['finished_utc']}.\n")


def reproduce_figure5(out_dir, *, quick: bool = False, n_templates: int = 30) -> dict:
    """Paper Figure 5; writes ``figure5.{png,csv,md,json}`` into ``out_dir``. Quick: 100 samples per sigma."""
    started = time.perf_counter()
    characters, templates = load_templates(n_templates)
    result = figure5_curves(templates, n_samples=100 if quick else 500)
    result["characters"] = characters
    result["substitute"] = substitute_label(n_templates)
    examples = figure5_examples(templates)
    result["examples_mse"] = {name: {k: float(np.mean((v - ims["clean"]) ** 2)) for k, v in ims.items()
                                     if k != "clean"} for name, ims in examples.items()}
    result["meta"] = report.run_metadata("figure5", quick, started, n_templates=n_templates,
                                         example_sigma=EXAMPLE_SIGMA)
    out = report.out_dir(out_dir)
    header = ["sigma", "bayes_mse", "bayes_se", "j_invariant_mse", "j_invariant_se", "gp_mse", "gp_j_invariant_mse"]
    report.write_csv(out / "figure5.csv", header, [[s, result["bayes"][i]["mse"], result["bayes"][i]["se"],
                                                    result["j_invariant"][i]["mse"], result["j_invariant"][i]["se"],
                                                    result["gp"][i], result["gp_j_invariant"][i]]
                                                   for i, s in enumerate(result["sigmas"])])
    report.write_text(out / "figure5.md", _markdown(result))
    report.write_json(out / "figure5.json", result)
    report.save_figure(plot_figure5(result, examples), out / "figure5.png")
    return result
