"""Files out for Table 1: ``table1.{png,csv,md,json}``, our numbers beside the paper's and the authors' notebook's.

Used by ``python -m n2s_core reproduce table1``. BM3D needs an optional extra: on a machine without it, a BM3D row
already in the output folder from a run that had it (same image, same row layout) is kept and marked as carried
over, so that re-running the command never silently drops a committed row; without one, the row is listed as not
redone.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..classical.calibration import swept_parameter
from ..classical.denoisers import bm3d_available
from ..data.images import noisy_camera
from . import report
from .figure2 import QUICK_SIZE
from .table1 import METHODS, table1

NEEDS_EXTRA = {"bm3d": "the optional bm3d package (pip install -e '.[bm3d]')"}


def reproduce_table1(out_dir, *, quick: bool = False, methods=None, camera: str = "today") -> dict:
    """Paper Table 1 on the noisy camera; writes ``table1.{png,csv,md,json}`` into ``out_dir``.

    ``camera="paper"`` runs on the paper's own photograph (fetched) with the authors' noise and writes
    ``table1_paper_camera.*`` instead, so both cameras' tables sit side by side.
    """
    started = time.perf_counter()
    out = report.out_dir(out_dir)
    clean, noisy = noisy_camera(size=QUICK_SIZE if quick else None, camera=camera)
    stem = report.camera_stem("table1", camera)
    wanted = METHODS if methods is None else methods
    missing = [m for m in wanted if m in NEEDS_EXTRA and not bm3d_available()]
    result = table1(noisy, clean, methods=[m for m in wanted if m not in missing])
    result["meta"] = report.run_metadata("table1", quick, started, image_shape=noisy.shape, camera=camera,
                                         flags=report.camera_flag(camera))
    result["carried_over"], result["not_redone"] = _carry_over(out / f"{stem}.json", result, missing)

    header = ["method", "min_loss", "paper_loss", "psnr_invariant", "paper_psnr_invariant", "psnr_invariant_best",
              "authors_psnr_invariant_best", "psnr_mixed", "psnr_mixed_oracle", "paper_psnr_mixed", "psnr_default",
              "paper_psnr_default", "psnr_library_default", "psnr_plain_calibrated", "best_on_edge",
              "best_parameters", "best_parameters_ground_truth", "default_rule", "carried_over"]
    rows = [[*(_cells(row)), row.get("carried_over", {}).get("finished_utc")] for row in result["rows"]]
    report.write_csv(out / f"{stem}.csv", header, rows)
    report.write_text(out / f"{stem}.md", _markdown(result))
    report.write_json(out / f"{stem}.json", result)
    report.save_figure(_figure(result), out / f"{stem}.png")
    return result



def _cells(row: dict) -> list:
    paper, authors = row["paper"] or {}, row["authors_notebook"] or {}
    return [row["method"], row["min_loss"], paper.get("loss"), row["psnr_invariant"], paper.get("psnr_invariant"),
            row["psnr_invariant_best"], authors.get("psnr_invariant_best"), row["psnr_mixed"],
            row["psnr_mixed_oracle"], paper.get("psnr_mixed"), row["psnr_default"], paper.get("psnr_default"),
            row["psnr_library_default"], row["psnr_plain_calibrated"], row["best_on_edge"],
            report.format_params(row["calibration"]["best_parameters"]),
            report.format_params(row["best_parameters_ground_truth"]), row["default_rule"]]


def _carry_over(previous: Path, result: dict, missing: list[str]) -> tuple[list[str], list[str]]:
    """Keep the rows of ``missing`` methods from the previous ``table1.json`` when it was made on the same image."""
    if not missing:
        return [], []
    old = json.loads(previous.read_text()) if previous.is_file() else {}
    keys = set(result["rows"][0]) if result["rows"] else set()
    same_image = old.get("meta", {}).get("image_shape") == result["meta"]["image_shape"]
    carried = []
    for name in missing:
        row = next((r for r in old.get("rows", []) if r["method"] == name), None)
        if row is None or not same_image or not keys <= set(row):
            continue
        meta = row.get("carried_over") or {"finished_utc": old["meta"]["finished_utc"],
                                           "versions": old["meta"]["versions"], "reason": NEEDS_EXTRA[name]}
        result["rows"].append({**row, "carried_over": meta})
        carried.append(name)
    return carried, [m for m in missing if m not in carried]


def _pair(ours, theirs) -> str:
    return f"{report.fmt(ours)} / {report.fmt(theirs)}"


def _markdown(result: dict) -> str:
    rows = []
    for row in result["rows"]:
        paper, authors = row["paper"] or {}, row["authors_notebook"] or {}
        mark = " *" if row.get("carried_over") else ""
        edge = " (edge)" if row["best_on_edge"] else ""
        rows.append([row["label"] + mark, _pair(row["min_loss"], paper.get("loss")),
                     _pair(row["psnr_invariant"], paper.get("psnr_invariant")),
                     _pair(row["psnr_invariant_best"], authors.get("psnr_invariant_best")),
                     report.fmt(row["psnr_mixed"]), _pair(row["psnr_mixed_oracle"], paper.get("psnr_mixed")),
                     _pair(row["psnr_default"], paper.get("psnr_default")), report.fmt(row["psnr_plain_calibrated"]),
                     report.format_params(row["calibration"]["best_parameters"]) + edge,
                     report.format_params(row["best_parameters_ground_truth"])])
    header = ["method", "min loss (ours / paper)", "PSNR J-inv. at the loss's argmin (ours / paper)",
              "J-inv., best over the grid (ours / authors' notebook)", "+ mixing, estimated variance",
              "+ mixing, true variance (ours / paper)", "default (ours / paper)", "plain, calibrated",
              "best (self-sup.)", "best (ground truth)"]
    defaults = "\n".join(f"- {row['label']}: {row['default_rule']}" + (
        f"; scikit-image's own defaults give {row['psnr_library_default']:.2f} dB" if row["psnr_library_default"]
        is not None else "") for row in result["rows"])
    carried = "".join(f"\n\n\\* {name}: {NEEDS_EXTRA[name]} is not installed here, so this row is carried over from "
                      f"the run of {row['carried_over']['finished_utc']} that had it."
                      for name in result["carried_over"] for row in result["rows"] if row["method"] == name)
    not_redone = (f"\n\nNot redone (needs {', '.join(NEEDS_EXTRA[n] for n in result['not_redone'])}): "
                  f"{', '.join(result['not_redone'])}." if result["not_redone"] else "")
    which = report.camera_label(result["meta"].get("camera", "today"))
    return (f"# Table 1: classical denoisers calibrated by the self-supervised loss ({which}, sigma 0.1, seed 3)\n\n"
            "PSNR in dB against the clean image; loss = min self-supervised loss of the J-invariant denoiser over "
            "its grid. The paper's median row is the **donut median** (J-invariant by construction); our median "
            "made J-invariant by the grid wrapper is an extra row. \"At the loss's argmin\" is the blind choice; "
            "\"best over the grid\" picks the setting with the clean image, which is what the authors' notebook "
            "printed for this column. Mixing weighs the output by noise variance / loss: \"estimated\" uses the "
            "variance estimated from the noisy image (blind), \"true\" the variance measured against the clean "
            "image, as the authors' notebook did (an oracle). \"(edge)\": the chosen setting is the first or "
            "last of its grid.\n\n"
            + report.markdown(header, rows) + carried + not_redone
            + f"\n\nDefault parameters, per row:\n\n{defaults}\n\nNoisy PSNR {result['psnr_noisy']:.2f} dB; noise "
            f"variance measured {result['noise_variance_measured']:.5f}, estimated "
            f"{result['noise_variance_estimated']:.5f}. " + (
                "Like the authors, the noisy image was quantised to 8 bits before denoising.\n"
                if result["meta"].get("camera") == "paper" else "The authors also quantised the noisy image to 8 "
                "bits before denoising; we keep it in floating point.\n") + report.camera_footer(result["meta"]))


_STYLES = {"self-supervised": {"color": "C0", "marker": "."}, "ground truth": {"color": "C1", "marker": "."},
           "classic, self-sup.": {"color": "C0", "ls": "--"}, "classic, ground truth": {"color": "C1", "ls": "--"}}


def _figure(result):
    """One panel per row: both losses of the J-invariant denoiser (solid) and of the plain one (dashed)."""
    import matplotlib.pyplot as plt

    from ..teach.plotting import plot_loss_curves

    rows = result["rows"]
    fig, axes = plt.subplots(1, len(rows), figsize=(3.6 * len(rows), 3.4), squeeze=False)
    for ax, row in zip(axes[0], rows, strict=True):
        calib, classic = row["calibration"], row["classic"]
        key = swept_parameter(calib["parameters"])
        curves = {"self-supervised": calib["self_supervised_losses"], "ground truth": calib["ground_truth_losses"],
                  "classic, self-sup.": classic["self_supervised"], "classic, ground truth": classic["ground_truth"]}
        plot_loss_curves([p[key] for p in calib["parameters"]], curves, ax=ax, xlabel=key, styles=_STYLES)
        ax.set_title(row["label"], fontsize=9)
    fig.tight_layout()
    return fig
