"""Headless reproduction: run an experiment and write its PNG, CSV, Markdown and JSON (with run metadata).

Used by ``python -m n2s_core reproduce figure2|table1 --out DIR``. Every number in ``results/`` comes from here.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from .calibration import swept_parameter
from .data import noisy_camera
from .experiments import PAPER_FIGURE2_BEST_RADIUS, figure2_losses, table1
from .filters import donut_median, median

QUICK_SIZE = 256  # quick mode works on the central 256x256 crop of the camera


def reproduce_figure2(out_dir, *, quick: bool = False) -> dict:
    """Paper Figure 2 (median vs donut median); writes ``figure2.{png,csv,md,json}`` into ``out_dir``."""
    started = time.perf_counter()
    clean, noisy = noisy_camera(size=QUICK_SIZE if quick else None)
    result = figure2_losses(noisy, clean)
    result["paper_best_radius"] = PAPER_FIGURE2_BEST_RADIUS
    result["meta"] = run_metadata("figure2", quick, started, image_shape=noisy.shape)

    out = _out_dir(out_dir)
    rows = [[r, *(result[m][k][i] for m in ("donut", "median") for k in ("self_supervised", "ground_truth"))]
            for i, r in enumerate(result["radii"])]
    header = ["radius", "donut_self_supervised", "donut_ground_truth", "median_self_supervised",
              "median_ground_truth"]
    _write_csv(out / "figure2.csv", header, rows)
    best = [[m, result[m]["best_radius"], result[m]["best_radius_ground_truth"],
             PAPER_FIGURE2_BEST_RADIUS if m == "donut" else "-"] for m in ("donut", "median")]
    text = ("# Figure 2: median vs donut median (camera, sigma 0.1, seed 3)\n\n"
            + _markdown(header, [[r[0], *(f"{v:.5f}" for v in r[1:])] for r in rows])
            + "\n\nBest radius (argmin of each loss):\n\n"
            + _markdown(["filter", "self-supervised", "ground truth", "paper"], best)
            + f"\n\nMeasured noise variance: {result['noise_variance']:.5f}.\n" + _footer(result["meta"]))
    _write_text(out / "figure2.md", text)
    _write_json(out / "figure2.json", result)
    from .plotting import plot_figure2

    donut_r, median_r = result["donut"]["best_radius"], result["median"]["best_radius_ground_truth"]
    fig = plot_figure2(result, noisy=noisy, denoised={f"donut median r={donut_r}": donut_median(noisy, donut_r),
                                                      f"median r={median_r}": median(noisy, median_r)})
    _save_figure(fig, out / "figure2.png")
    return result


def reproduce_table1(out_dir, *, quick: bool = False, methods=None) -> dict:
    """Paper Table 1 (calibrated classical denoisers); writes ``table1.{png,csv,md,json}`` into ``out_dir``."""
    started = time.perf_counter()
    clean, noisy = noisy_camera(size=QUICK_SIZE if quick else None)
    result = table1(noisy, clean, methods=methods)
    result["meta"] = run_metadata("table1", quick, started, image_shape=noisy.shape)

    columns = ["min_loss", "psnr_invariant", "psnr_mixed", "psnr_default"]
    header = ["method", *[c for col in columns for c in (col, f"paper_{col}")], "psnr_plain_calibrated",
              "best_parameters", "best_parameters_ground_truth"]
    rows = []
    for row in result["rows"]:
        paper = row["paper"] or {}
        values = [v for col in columns for v in (row[col], paper.get(col.replace("min_", "")))]
        rows.append([row["method"], *values, row["psnr_plain_calibrated"],
                     _params(row["calibration"]["best_parameters"]), _params(row["best_parameters_ground_truth"])])
    out = _out_dir(out_dir)
    _write_csv(out / "table1.csv", header, rows)
    md_rows = [[r[0], *(f"{_fmt(r[i])} / {_fmt(r[i + 1])}" for i in range(1, 9, 2)), _fmt(r[9]), r[10], r[11]]
               for r in rows]
    text = ("# Table 1: classical denoisers calibrated by the self-supervised loss (camera, sigma 0.1, seed 3)\n\n"
            + "Each cell: ours / paper. PSNR in dB against the clean image; loss = min self-supervised loss.\n\n"
            + _markdown(["method", "min loss", "PSNR J-invariant", "PSNR J-inv. + mixing", "PSNR default",
                         "PSNR plain at calibrated params", "best (self-sup.)", "best (ground truth)"], md_rows)
            + f"\n\nNoisy PSNR {result['psnr_noisy']:.2f} dB; noise variance measured "
            f"{result['noise_variance_measured']:.5f}, estimated {result['noise_variance_estimated']:.5f}"
            f" (mixing uses the estimate). BM3D installed: {result['bm3d_available']}.\n"
            + _footer(result["meta"]))
    _write_text(out / "table1.md", text)
    _write_json(out / "table1.json", result)
    _save_figure(_table1_figure(result), out / "table1.png")
    return result


def reproduce_table2(out_dir, *, dataset: str, preset: str = "quick", seeds: int = 3, device: str = "auto",
                     methods=None, progress: bool = True) -> dict:
    """Paper Table 2 on one dataset; writes ``table2_<dataset>_<preset>.{csv,md,json,png}`` and ``..._examples.npz``.

    Finished runs are kept in ``out_dir/runs/table2_<dataset>_<preset>/`` (nets with their checkpoints), so running
    the same command again after an interruption resumes where it stopped.
    """
    import numpy as np

    from .table2 import run_table2

    started = time.perf_counter()
    out, stem = _out_dir(out_dir), f"table2_{dataset}_{preset}"
    result = run_table2(dataset, preset=preset, seeds=seeds, work_dir=out / "runs" / stem, methods=methods,
                        device=device, progress=progress)
    command = f"python -m n2s_core reproduce table2 --dataset {dataset} --preset {preset} --seeds {seeds}"
    result["meta"] = {**run_metadata("table2", preset != "paper", started), "command": command,
                      "devices": sorted({r["device"] for r in result["records"] if "device" in r}) or ["cpu"],
                      "compute_seconds": round(sum(r["wall_seconds"] for r in result["records"]), 1)}
    examples = {r["method"]: np.asarray(r.pop("example"), dtype=np.float16) for r in result["records"]
                if r["seed"] == 0 and "example" in r}
    for record in result["records"]:
        record.pop("example", None)
    clean = result.pop("example_clean")  # the first scored test tile; "raw" holds its noisy version

    header = ["method", "psnr_rescaled", "psnr_rescaled_std", "psnr", "psnr_std", "paper", "paper_std", "n_seeds",
              "wall_seconds"]
    rows = [[row[k] for k in header] for row in result["summary"]]
    _write_csv(out / f"{stem}.csv", header, rows)
    _write_text(out / f"{stem}.md", _table2_markdown(result))
    _write_json(out / f"{stem}.json", result)
    _write_npz(out / f"{stem}_examples.npz", clean=clean.astype(np.float16), **examples)
    from .plotting import plot_table2_examples

    _save_figure(plot_table2_examples({**examples, "clean": clean}, title=result["description"]), out / f"{stem}.png")
    return result


def _table2_markdown(result: dict) -> str:
    label = "substitute data set" if result["substitute"] else "regenerated from the authors' recipe"
    rows = [[r["method"], f"{r['psnr_rescaled']:.2f} +- {r['psnr_rescaled_std']:.2f}",
             f"{r['psnr']:.2f} +- {r['psnr_std']:.2f}",
             "-" if r["paper"] is None else f"{r['paper']}" + (f" +- {r['paper_std']}" if r["paper_std"] else ""),
             r["n_seeds"], f"{r['wall_seconds']:.0f}"] for r in result["summary"]]
    missing = (f"\n\nNot run: {', '.join(result['missing'])} (BM3D needs the optional extra: "
               "`pip install -e '.[bm3d]'`)." if result["missing"] else "")
    meta, settings = result["meta"], result["settings"]
    return (f"# Table 2, {result['dataset']} ({result['preset']} preset): {result['description']}\n\n"
            f"{label.capitalize()}. Mean PSNR (dB) over {result['records'][0]['n_test']} test tiles; +- is the "
            f"standard deviation over {result['seeds']} seeds (nets only). \"rescaled\" gives each output the clean "
            "tile's mean and variance first, as the paper does; \"plain\" clips to [0, 1]. The paper's numbers "
            "are on its own data and training scale: compare the ordering, not the decimals.\n\n"
            + _markdown(["method", "ours (rescaled)", "ours (plain)", "paper", "seeds", "seconds per run"], rows)
            + missing + f"\n\nTraining: {_training_length(settings)} of batch "
            f"{settings['batch_size']}, crop {settings['crop']}, Adam lr {settings['lr']}, UNet "
            f"{settings['unet'] or 'paper'}, DnCNN {settings['dncnn'] or 'paper'}; data {settings['data'] or 'paper'}."
            f"\n\nMade by `{meta['command']}`: {meta['compute_seconds']:.0f} s of runs in all (this call "
            f"{meta['wall_seconds']} s; finished runs are reused), {meta['finished_utc']}, "
            f"{meta['machine']['cores']} cores, device {', '.join(meta['devices'])}.\n")


def write_table2_overview(out_dir, *, preset: str = "quick") -> str:
    """Every data set's ``table2_<dataset>_<preset>.json`` in ``out_dir`` as one Markdown table: ours / paper.

    Rescaled PSNR (the paper's score), +- over seeds for the nets; substitute data sets carry a star. Writes
    ``table2_<preset>.md`` (``reproduce table2 --dataset all`` calls this) and returns the table; the README
    quotes it, and a test checks that the two agree.
    """
    results = {}
    for name in ("hanzi", "imagenet", "cellnet"):  # the paper's column order
        path = Path(out_dir) / f"table2_{name}_{preset}.json"
        if path.is_file():
            results[name] = json.loads(path.read_text())
    if not results:
        raise FileNotFoundError(f"no table2_*_{preset}.json in {out_dir}; run: python -m n2s_core reproduce table2 "
                                f"--dataset all --preset {preset} --out {out_dir}")
    labels = {"hanzi": "Hanzi", "imagenet": "ImageNet-like*", "cellnet": "CellNet-like*"}
    header = ["method", *(f"{labels[name]} ours / paper" for name in results)]
    methods = dict.fromkeys(row["method"] for r in results.values() for row in r["summary"])
    rows = []
    for method in methods:
        cells = []
        for result in results.values():
            row = next((x for x in result["summary"] if x["method"] == method), None)
            if row is None:
                cells.append("not run")
                continue
            spread = f" +- {row['psnr_rescaled_std']:.2f}" if row["n_seeds"] > 1 else ""
            cells.append(f"{row['psnr_rescaled']:.2f}{spread} / {'-' if row['paper'] is None else row['paper']}")
        rows.append([method, *cells])
    table = _markdown(header, rows) + "\n"
    title = f"# Table 2 ({preset} preset): rescaled PSNR in dB, ours / paper"
    _write_text(Path(out_dir) / f"table2_{preset}.md", f"{title}\n\n{table}\nA star marks a substitute data set "
                f"(see the README). Per data set: table2_<dataset>_{preset}.md.\n")
    return table


def _training_length(settings: dict) -> str:
    return f"{settings['steps']} steps" if settings["steps"] else f"{settings['epochs']} epochs"


def _write_npz(path: Path, **arrays) -> None:
    import numpy as np

    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, path)


def _table1_figure(result):
    import matplotlib.pyplot as plt

    from .plotting import plot_loss_curves

    rows = result["rows"]
    fig, axes = plt.subplots(1, len(rows), figsize=(3.6 * len(rows), 3.3), squeeze=False)
    for ax, row in zip(axes[0], rows, strict=True):
        calib = row["calibration"]
        key = swept_parameter(calib["parameters"])
        curves = {"self-supervised": calib["self_supervised_losses"], "ground truth": calib["ground_truth_losses"]}
        plot_loss_curves([p[key] for p in calib["parameters"]], curves, ax=ax, xlabel=key)
        ax.set_title(row["label"])
    fig.tight_layout()
    return fig


def run_metadata(experiment: str, quick: bool, started: float, **extra) -> dict:
    """Who, what, where and how long: enough to rerun the experiment and compare."""
    import numpy
    import scipy
    import skimage

    from . import __version__

    return {
        "experiment": experiment,
        "command": f"python -m n2s_core reproduce {experiment}" + (" --quick" if quick else ""),
        "quick": quick,
        "wall_seconds": round(time.perf_counter() - started, 2),
        "finished_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": {"n2s_core": __version__, "python": platform.python_version(), "numpy": numpy.__version__,
                     "scipy": scipy.__version__, "scikit-image": skimage.__version__},
        "machine": {"platform": platform.platform(), "cores": os.cpu_count()},
        **{k: list(v) if isinstance(v, tuple) else v for k, v in extra.items()},
    }


def _out_dir(out_dir) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return out


def _write_text(path: Path, text: str) -> None:
    """Write atomically: a crash never leaves a half-written result behind."""
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as handle:
        handle.write(text)
    os.replace(handle.name, path)


def _write_json(path: Path, obj) -> None:
    _write_text(path, json.dumps(obj, indent=2) + "\n")


def _write_csv(path: Path, header, rows) -> None:
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])
    os.replace(handle.name, path)


def _save_figure(fig, path: Path) -> None:
    import matplotlib.pyplot as plt

    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)


def _markdown(header, rows) -> str:
    lines = ["| " + " | ".join(map(str, header)) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(map(str, row)) + " |" for row in rows])


def _footer(meta: dict) -> str:
    return (f"\nMade by `{meta['command']}` in {meta['wall_seconds']} s on {meta['finished_utc']} "
            f"(scikit-image {meta['versions']['scikit-image']}). Note: scikit-image 0.18 replaced the camera photo, "
            "so absolute numbers differ from the paper's; argmins and curve shapes are what carries over.\n")


def _fmt(value) -> str:
    if value is None:
        return "-"
    return f"{value:.4f}" if abs(value) < 1 else f"{value:.2f}"


def _params(params: dict) -> str:
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())

