"""Files out for the dataset table: ``table2_<dataset>_<preset>.{csv,md,json,png}``, examples, and one overview.

Used by ``python -m n2s_core reproduce table2 --dataset NAME|all``; :func:`reproduce_table2` runs the table
(:mod:`.table2_runs`, which imports torch, loaded only when called) and :func:`write_table2_overview` puts every
data set's committed JSON into one Markdown table, the one the book quotes (docs/table2.md).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from . import report
from .table2 import QUICK_CHOICES

# What each PSNR column means, named in every table (n2s_core.metrics.rescale_to; table2_runs.RESCALED).
DEFINITIONS = ("\"moments\": each output given the clean tile's mean and standard deviation first, as the paper's "
               "supplement describes; \"least squares\": both centred, then the output scaled by the gain that fits "
               "it best to the clean tile, as the authors' code scores (util.mse(rescale=True)), never lower. Which "
               "one made the paper's Table 2 is not known (its code was not released). \"plain\" clips to [0, 1].")
LABELS = {"hanzi": "Hanzi", "imagenet": "ImageNet-like*", "cellnet": "CellNet-like*", "nuclei": "Nuclei\u2020"}
DATA_NOTES = {  # said of the data in each table's text
    "nuclei": "Real image, synthetic noise: 64x64 tiles of one real fluorescence image of nuclei (2018 Data Science "
              "Bowl, BBBC038, CC0; the one stardist ships, fetched by `python -m n2s_core fetch nuclei`), each "
              "block used once and split by block (no test tile overlaps a training one), gently NL-means "
              "pre-cleaned, with the CellNet-like set's synthetic sCMOS-like noise. The paper's numbers beside it "
              "are its CellNet column: other microscopy (BBBC) at another scale, the same kind of noise",
}


def reproduce_table2(out_dir, *, dataset: str, preset: str = "quick", seeds: int = 3, device: str = "auto",
                     methods=None, progress: bool = True) -> dict:
    """Paper Table 2 on one dataset; writes ``table2_<dataset>_<preset>.{csv,md,json,png}`` and ``..._examples.npz``.

    Finished runs are kept in ``out_dir/runs/table2_<dataset>_<preset>/<key>/`` (nets with their checkpoints), so
    running the same command again after an interruption resumes where it stopped; the key hashes the data, the
    preset and the record format (:func:`~.table2_runs.work_key`), so runs made before a change are never reused.
    """
    import numpy as np

    from .table2_runs import run_table2, work_key

    started = time.perf_counter()
    out, stem = report.out_dir(out_dir), f"table2_{dataset}_{preset}"
    work = out / "runs" / stem / work_key(dataset, preset)  # changed data or settings: a fresh folder
    result = run_table2(dataset, preset=preset, seeds=seeds, work_dir=work, methods=methods,
                        device=device, progress=progress)
    command = f"python -m n2s_core reproduce table2 --dataset {dataset} --preset {preset} --seeds {seeds}"
    result["meta"] = {**report.run_metadata("table2", preset != "paper", started), "command": command,
                      "devices": sorted({r["device"] for r in result["records"] if "device" in r}) or ["cpu"],
                      "compute_seconds": round(sum(r["wall_seconds"] for r in result["records"]), 1)}
    examples = {r["method"]: np.asarray(r.pop("example"), dtype=np.float16) for r in result["records"]
                if r["seed"] == 0 and "example" in r}
    for record in result["records"]:
        record.pop("example", None)
    clean = result.pop("example_clean")  # the first scored test tile; "raw" holds its noisy version

    header = ["method", "psnr_rescaled", "psnr_rescaled_std", "psnr_rescaled_lstsq", "psnr_rescaled_lstsq_std",
              "psnr", "psnr_std", "paper", "paper_std", "n_seeds", "wall_seconds"]
    rows = [[row.get(k) for k in header] for row in result["summary"]]
    report.write_csv(out / f"{stem}.csv", header, rows)
    report.write_text(out / f"{stem}.md", _table2_markdown(result))
    report.write_json(out / f"{stem}.json", result)
    report.write_npz(out / f"{stem}_examples.npz", clean=clean.astype(np.float16), **examples)
    from ..teach.plotting import plot_table2_examples

    figure = plot_table2_examples({**examples, "clean": clean}, title=result["description"])
    report.save_figure(figure, out / f"{stem}.png")
    return result


def _spread(row: dict, key: str) -> str:
    if key not in row:
        return "-"
    seeds = f" +- {row[f'{key}_std']:.2f}" if row["n_seeds"] > 1 else ""
    tiles = row.get(f"{key}_tile_se")
    return f"{row[key]:.2f}{seeds}" + ("" if tiles is None else f" (se {tiles:.2f})")


def _paper(row: dict) -> str:
    return "-" if row["paper"] is None else f"{row['paper']}" + (f" +- {row['paper_std']}" if row["paper_std"] else "")


def _table2_markdown(result: dict) -> str:
    label = DATA_NOTES.get(result["dataset"], "substitute data set" if result["substitute"] else
                           "regenerated from the authors' recipe")
    rows = [[r["method"], _spread(r, "psnr_rescaled"), _spread(r, "psnr_rescaled_lstsq"), _spread(r, "psnr"),
             _paper(r), r["n_seeds"], f"{r['wall_seconds']:.0f}"] for r in result["summary"]]
    missing = (f"\n\nNot run: {', '.join(result['missing'])} (BM3D needs the optional extra: "
               "`pip install -e '.[bm3d]'`)." if result["missing"] else "")
    meta, settings = result["meta"], result["settings"]
    choices = f" {QUICK_CHOICES}" if result["preset"] == "quick" else ""
    groups = result.get("n_test_groups")
    return (f"# Table 2, {result['dataset']} ({result['preset']} preset): {result['description']}\n\n"
            f"{label[0].upper() + label[1:]}. Mean PSNR (dB) over {result['records'][0]['n_test']} test tiles"
            + (f" from {groups} independent sources (characters or regions)" if groups else "")
            + f"; +- is the standard deviation over {result['seeds']} seeds (nets only); (se) the standard error "
            "over those sources. The paper rescales its methods' outputs before scoring, by one of two rules: "
            + DEFINITIONS + " The paper's raw row is a plain PSNR: compare "
            "it with our plain column. nlm: the authors' NL-means rule (h = 0.8 sigma_est, patch 5, distance 6); "
            "nlm-skimage: scikit-image's own defaults; *-calibrated: the grid setting with the lowest "
            "self-supervised loss on validation tiles (exact loss, grid widened until the minimum is interior). "
            "The paper's numbers are on its own data and training scale: compare the ordering, not the "
            "decimals.\n\n"
            + report.markdown(["method", "ours, rescaled (moments)", "ours, rescaled (least squares)", "ours (plain)",
                               "paper", "seeds", "seconds per run"], rows)
            + missing + f"\n\nTraining: {_training_length(settings)} of batch "
            f"{settings['batch_size']}, crop {settings['crop']}, Adam lr {settings['lr']}, UNet "
            f"{settings['unet'] or 'paper'}, DnCNN {settings['dncnn'] or 'paper'}; data {settings['data'] or 'paper'}."
            f"{choices}\n\nMade by `{meta['command']}`: {meta['compute_seconds']:.0f} s of runs in all (this call "
            f"{meta['wall_seconds']} s; finished runs are reused), {meta['finished_utc']}, "
            f"{meta['machine']['cores']} cores, device {', '.join(meta['devices'])}.\n")


def write_table2_overview(out_dir, *, preset: str = "quick") -> str:
    """Every data set's ``table2_<dataset>_<preset>.json`` in ``out_dir`` as one Markdown table: ours / paper.

    Both rescaled PSNRs (moments / least squares, :data:`DEFINITIONS`; the paper rescales its methods' outputs),
    +- over seeds for the nets; the raw row is the plain PSNR, as the paper's is. Substitute data sets carry a star,
    the real nuclei with synthetic noise a dagger. Writes ``table2_<preset>.md`` (``reproduce table2 --dataset all``
    calls this) and returns the table; docs/table2.md quotes it, and a test checks that they agree.
    """
    results = {}
    for name in LABELS:  # the paper's column order, the nuclei beside CellNet
        path = Path(out_dir) / f"table2_{name}_{preset}.json"
        if path.is_file():
            results[name] = json.loads(path.read_text())
    if not results:
        raise FileNotFoundError(f"no table2_*_{preset}.json in {out_dir}; run: python -m n2s_core reproduce table2 "
                                f"--dataset all --preset {preset} --out {out_dir}")
    header = ["method", *(f"{LABELS[name]} ours (moments / least squares) / paper" for name in results)]
    methods = dict.fromkeys(row["method"] for r in results.values() for row in r["summary"])
    rows = []
    for method in methods:
        cells = []
        for result in results.values():
            row = next((x for x in result["summary"] if x["method"] == method), None)
            paper = "-" if row is None or row["paper"] is None else row["paper"]
            if row is None:
                cells.append("not run")
            elif method == "raw":
                cells.append(f"{row['psnr']:.2f} / {paper}")
            else:
                spread = f" +- {row['psnr_rescaled_std']:.2f}" if row["n_seeds"] > 1 else ""
                lstsq = f"{row['psnr_rescaled_lstsq']:.2f}" if "psnr_rescaled_lstsq" in row else "-"
                cells.append(f"{row['psnr_rescaled']:.2f}{spread} / {lstsq} / {paper}")
        rows.append(["raw (plain PSNR)" if method == "raw" else method, *cells])
    table = report.markdown(header, rows) + "\n"
    title = f"# Table 2 ({preset} preset): PSNR in dB, ours / paper"
    report.write_text(Path(out_dir) / f"table2_{preset}.md", f"{title}\n\n{table}\nRescaled PSNR, by two rules "
                      f"(the +- over seeds belongs to the first): {DEFINITIONS} The raw row is the plain PSNR of the "
                      "noisy input (ours / paper), as the paper's raw row is. A star marks a substitute data set; "
                      "the dagger real nuclei (BBBC038 via stardist) with synthetic sCMOS-like noise, beside the "
                      "paper's CellNet numbers (see docs/table2.md). Per data set: "
                      f"table2_DATASET_{preset}.md.\n")
    return table


def _training_length(settings: dict) -> str:
    return f"{settings['steps']} steps" if settings["steps"] else f"{settings['epochs']} epochs"
