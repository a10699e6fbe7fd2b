"""Numbers in the prose of the README, the book's pages (docs/) and the notebooks' markdown are bound to the result
files they come from.

Each claim is a phrase with ``{...}`` placeholders and the JSON values that fill them. The test formats the phrase
from the committed results and looks for it in the text (whitespace and the ``# `` of jupytext markdown lines
ignored): a re-run that changes a number fails here until the prose is updated, and prose that drifts from the
results fails too. Numbers that a notebook prints from the files at run time need no claim.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "results"


def value(path: str):
    """``"table1.json:rows[method=nl_means].psnr_default"`` -> that number of that committed file."""
    file, _, keys = path.partition(":")
    node = json.loads((RESULTS / file).read_text())
    for part in keys.split("."):
        match = re.fullmatch(r"(\w+)\[(\w+)=([\w-]+)\]", part)
        if match:
            name, key, wanted = match.groups()
            node = next(item for item in node[name] if str(item[key]) == wanted)
        elif isinstance(node, list):
            node = node[int(part)]
        else:
            node = node[part]
    return node


def normalized(text: str) -> str:
    lines = (re.sub(r"^# ?", "", line) for line in text.splitlines())
    return " ".join(" ".join(lines).split())


# The pages the claims are in.
README, REPRODUCING, TABLE2, PLATFORMS = "README.md", "docs/reproducing.md", "docs/table2.md", "docs/platforms.md"
YOUR_IMAGE, PERFORMANCE, NETS = "docs/your-image.md", "docs/performance.md", "docs/nets.md"
S1 = "single_image_paper_camera.json:"  # reproduce single-image --camera paper
S17 = "single_image_depth17_paper_camera.json:"  # reproduce single-image --camera paper --depth 17
P1 = "table1_paper_camera.json:rows"  # Table 1 on the paper's own photograph (reproduce table1 --camera paper)
T1, H, IM, C = "table1.json:rows", "table2_hanzi_quick.json:summary", "table2_imagenet_quick.json:summary", \
    "table2_cellnet_quick.json:summary"
NU = "table2_nuclei_quick.json:summary"  # real nuclei (BBBC038 via stardist) with synthetic sCMOS-like noise
B = "bench_time_to_quality.json:runs"
F3R = "figure3_celltypist-sample.json:"  # reproduce figure3 --data celltypist-sample
A = "bench_time_to_quality_ablation.json:runs"  # --ablate: none, batch 16/32/64, constant lr, float32, no compile


def rescaled(table: str, *methods: str) -> list[str]:
    return [f"{table}[method={m}].psnr_rescaled" for m in methods]


CLAIMS = [
    # README, "What reproduces"
    (README, "The donut median's two losses share their argmin at r = {}", ["figure2.json:donut.best_radius"]),
    (README, "the loss picks rank {} for synthetic counts of rank {} (Figure 3)",
     ["figure3.json:draw.best_rank", "figure3.json:data.true_rank"]),
    (README, "the closed-form errors of Figure 4 are {:.4f} and {:.4f} at l = 0.75",
     ["figure4.json:optimal.0", "figure4.json:j_invariant.0"]),
    (README, "NL-means calibrated by the loss gives {:.2f} dB (paper 30.4) and the donut median {:.2f} dB (paper 27.5)",
     [f"{P1}[method=nl_means].psnr_invariant", f"{P1}[method=donut_median].psnr_invariant"]),
    (REPRODUCING, "NL-means {:.2f} dB at the loss's argmin (paper 30.4), {:.2f} dB mixed (paper 30.8), loss {:.4f} "
     "(paper 0.0098); the donut median {:.2f} dB (paper 27.5) and its best radius {}, as in Figure 2",
     [f"{P1}[method=nl_means].psnr_invariant", f"{P1}[method=nl_means].psnr_mixed_oracle",
      f"{P1}[method=nl_means].min_loss", f"{P1}[method=donut_median].psnr_invariant",
      "figure2_paper_camera.json:donut.best_radius"]),
    (REPRODUCING, "it gives {:.2f} dB in one pass (their notebook 30.29; the paper's 17-layer net 31.2) and {:.2f} dB "
     "J-invariant, after {:.0f} s of float32 training on 2 CPU cores", [f"{S1}psnr_single_pass", f"{S1}psnr_invariant",
                                                                         f"{S1}train_seconds"]),
    (REPRODUCING, "the best validation loss came at step {} of {}", [f"{S1}best_step", f"{S1}steps"]),
    (REPRODUCING, "With the paper's 17 layers (`--depth 17`, {:,} weights) the same loop gives {:.2f} dB in one pass "
     "and {:.2f} dB J-invariant, after {:.0f} s of float32 training", [f"{S17}parameters", f"{S17}psnr_single_pass",
                                                                      f"{S17}psnr_invariant", f"{S17}train_seconds"]),
    (REPRODUCING, "with its best validation loss again at step {} of {}", [f"{S17}best_step", f"{S17}steps"]),
    (REPRODUCING, "On today's camera it does not for the wavelet ({:.2f} against {:.2f} dB) or NL-means ({:.2f} "
     "against {:.2f}). On the paper's photograph it does for NL-means ({:.2f} against {:.2f}) and not for the wavelet "
     "({:.2f} against {:.2f})", [f"{table}[method={m}].{k}" for table, m in ((T1, "wavelet"), (T1, "nl_means"),
                                                                   (P1, "nl_means"), (P1, "wavelet"))
                         for k in ("psnr_invariant", "psnr_default")]),
    (REPRODUCING, "the \"default\" rows (wavelet {:.2f} against 24.6, NL-means {:.2f} against 28.9)",
     [f"{P1}[method=wavelet].psnr_default", f"{P1}[method=nl_means].psnr_default"]),
    (README, "NL-means at the authors' default parameters gives {:.2f} dB (paper 28.9)",
     [f"{T1}[method=nl_means].psnr_default"]),
    # docs/reproducing.md, Table 1
    (REPRODUCING, "NL-means at the authors' default parameters gives {:.2f} dB (paper 28.9, the authors' notebook "
     "28.94), while scikit-image's own NL-means defaults give {:.2f} dB",
     [f"{T1}[method=nl_means].psnr_default", f"{T1}[method=nl_means].psnr_library_default"]),
    (REPRODUCING, "the donut median's two losses share their argmin at r = {}", ["figure2.json:donut.best_radius"]),
    # docs/table2.md
    (TABLE2, "lifts Hanzi from {:.2f} to {:.2f} dB (rescaled; paper 8.4) and ImageNet-like from {:.2f} to "
     "{:.2f} dB (paper 15.7)", rescaled(H, "raw", "nlm") + rescaled(IM, "raw", "nlm")),
    (TABLE2, "(`nlm-skimage`, $h = 0.1$) leave Hanzi at {:.2f} dB", rescaled(H, "nlm-skimage")),
    (TABLE2, "({:.2f} and {:.2f} dB against 13.3 and 13.1); our DnCNN does not ({:.2f} and {:.2f} against 13.6 "
     "and 13.9), and both nets trained by Noise2Self trail the paper's ({:.2f} and {:.2f} against 13.8 and 13.4)",
     rescaled(H, "unet-n2n", "unet-n2t", "dncnn-n2n", "dncnn-n2t", "unet-n2s", "dncnn-n2s")),
    (TABLE2, "Ours: UNet N2S {:.2f}, N2N {:.2f}, N2T {:.2f}; DnCNN N2S {:.2f}, N2N {:.2f}, N2T {:.2f}",
     rescaled(IM, "unet-n2s", "unet-n2n", "unet-n2t", "dncnn-n2s", "dncnn-n2n", "dncnn-n2t")),
    (TABLE2, "BM3D ({:.2f} dB, paper 17.8)", rescaled(IM, "bm3d")),
    (TABLE2, "test crops come from {} independent regions", ["table2_imagenet_quick.json:n_test_groups"]),
    (TABLE2, "The calibrated NL-means falls below the default rule here ({:.2f} against {:.2f} dB)",
     rescaled(IM, "nlm-calibrated", "nlm")),
    (TABLE2, "BM3D at the noise level it estimates from each tile gets {:.2f} dB (paper 31.4); at the level the "
     "self-supervised loss picks (its grid was widened upwards {} times) it gets {:.2f}",
     [*rescaled(C, "bm3d"), "table2_cellnet_quick.json:records[method=bm3d-calibrated].widened",
      *rescaled(C, "bm3d-calibrated")]),
    (TABLE2, "The authors' NL-means rule gets {:.2f} dB (paper 29.0), below scikit-image's own defaults ({:.2f}) "
     "on this noise; the calibrated NL-means gets {:.2f} dB", rescaled(C, "nlm", "nlm-skimage", "nlm-calibrated")),
    (TABLE2, "Hanzi {:.2f}, CellNet-like {:.2f}, ImageNet-like {:.2f} dB against 6.5, 15.1 and 9.4",
     [f"{H}[method=raw].psnr", f"{C}[method=raw].psnr", f"{IM}[method=raw].psnr"]),
    # docs/table2.md: both rescaled PSNRs, and the real nuclei with synthetic noise
    (TABLE2, "(UNet N2S {:.2f} by moments, {:.2f} by least squares; paper 13.8)",
     [f"{H}[method=unet-n2s].psnr_rescaled", f"{H}[method=unet-n2s].psnr_rescaled_lstsq"]),
    (TABLE2, "the authors' NL-means rule on Hanzi goes from {:.2f} to {:.2f} dB (paper 8.4)",
     [f"{H}[method=nlm].psnr_rescaled", f"{H}[method=nlm].psnr_rescaled_lstsq"]),
    (TABLE2, "gives a raw PSNR of {:.2f} dB (plain; the paper's CellNet 15.1). BM3D gets {:.2f} dB at its estimated "
     "level and {:.2f} at the level the loss picks (widened {} times); the authors' NL-means rule {:.2f} dB, the "
     "calibrated NL-means {:.2f} dB; UNet N2S {:.2f}, N2N {:.2f}, N2T {:.2f} and DnCNN N2S {:.2f}, N2N {:.2f}, N2T "
     "{:.2f} dB", [f"{NU}[method=raw].psnr", *rescaled(NU, "bm3d", "bm3d-calibrated"),
                   "table2_nuclei_quick.json:records[method=bm3d-calibrated].widened",
                   *rescaled(NU, "nlm", "nlm-calibrated", "unet-n2s", "unet-n2n", "unet-n2t", "dncnn-n2s",
                             "dncnn-n2n", "dncnn-n2t")]),
    (TABLE2, "scored on {} test tiles from as many blocks", ["table2_nuclei_quick.json:records.0.n_test"]),
    (TABLE2, "with the paper's 25 subsets {:.2f}, {:.2f} and {:.2f} dB; holding out 10% of the pixels per step "
     "instead of 4% (10 subsets) {:.2f}, {:.2f} and {:.2f} dB. BM3D on the same tiles: {:.2f} dB in {:.0f} s",
     [f"{B}[n_subsets={n}].curve.{k}.psnr_rescaled" for n in (25, 10) for k in range(3)]
     + ["bench_time_to_quality.json:bm3d.psnr_rescaled", "bench_time_to_quality.json:bm3d.seconds"]),
    (TABLE2, "trained by Noise2Self on 8,400 Hanzi tiles on {} CPU cores in batches of {}, in {} and compiled, lr "
     "{:g} decayed to 0 along a {}", [f"bench_time_to_quality.json:{key}" for key in
                                      ("args.threads", "args.batch", "precision", "args.lr", "args.schedule")]),
    (TABLE2, "the chosen setting {:.2f} dB after {:,} steps; batches of 16, 32 and 64 instead of {}: {:.2f}, "
     "{:.2f} and {:.2f} dB ({:,}, {:,} and {:,} steps); a constant learning rate {:.2f} dB; float32 instead of "
     "bfloat16 {:.2f} dB ({:,} steps); without compilation {:.2f} dB ({:,} steps)",
     [f"{A}.0.curve.-1.psnr_rescaled", f"{A}.0.curve.-1.step", f"{A}.0.batch"]
     + [f"{A}.{i}.curve.-1.psnr_rescaled" for i in (1, 2, 3)] + [f"{A}.{i}.curve.-1.step" for i in (1, 2, 3)]
     + [f"{A}.4.curve.-1.psnr_rescaled", f"{A}.5.curve.-1.psnr_rescaled", f"{A}.5.curve.-1.step",
        f"{A}.6.curve.-1.psnr_rescaled", f"{A}.6.curve.-1.step"]),
    (TABLE2, "(it made {:,} steps where the constant-lr run, at the same cost per step, made {:,})",
     [f"{A}.0.curve.-1.step", f"{A}.4.curve.-1.step"]),
    # docs/platforms.md: the notebook table (benchmarks/bench_notebooks.py), the thread pools (bench_threads.py)
    *[(PLATFORMS, "| {:.1f} s, {:.0f} MB | {:.1f} s, {:.0f} MB | {:.1f} s, {:.0f} MB |",
       [f"bench_notebooks.json:notebooks.{i}.{cores}.{key}" for cores in ("all_cores", "one_core", "one_core_avx2")
        for key in ("seconds", "peak_mb")]) for i in range(11)],
    (PLATFORMS, "With the CPU build, set-up downloads {:.1f} MiB in {} files, of which torch is {:.1f} MiB. "
     "Unpinned, it downloads {:.1f} MiB, of which the CUDA libraries are {:.1f} MiB: {:.2f}x more",
     [f"setup_download.json:{key}" for key in ("cpu.mib", "cpu.files", "cpu.torch_mib", "unpinned.mib",
                                                "unpinned.cuda_libraries_mib", "ratio")]),
    (PLATFORMS, "pools sized to the host's 2 cores made it {:.2f}x slower", ["bench_threads.json:ratio"]),
    # docs/reproducing.md, Figures 3-5
    (REPRODUCING, "SYNTHETIC counts of known rank ({}): the self-supervised PCA rank is {} on one split",
     ["figure3.json:data.true_rank", "figure3.json:draw.best_rank"]),
    (REPRODUCING, "(at l = 0.75: {:.4f} and {:.4f} against 0.172 and 0.549), and Monte Carlo lies within {:.2f} "
     "standard errors", ["figure4.json:optimal.0", "figure4.json:j_invariant.0", "figure4.json:monte_carlo_max_z"]),
    (REPRODUCING, "at sigma 0.8 the Bayes denoiser's error is {:.4f}, its J-invariant version's {:.4f}, the best "
     "linear denoiser's {:.4f} and its J-invariant version's {:.4f}",
     [f"figure5.json:{key}.7{'.mse' if key in ('bayes', 'j_invariant') else ''}"  # sigmas[7] = 0.8
      for key in ("bayes", "j_invariant", "gp", "gp_j_invariant")]),
    (REPRODUCING, "On the authors' own 30 MNIST digits the same four errors are {:.4f}, {:.4f}, {:.4f} and {:.4f}",
     [f"figure5_mnist.json:{key}.7{'.mse' if key in ('bayes', 'j_invariant') else ''}"  # reproduce figure5 --data mnist
      for key in ("bayes", "j_invariant", "gp", "gp_j_invariant")]),
    (REPRODUCING, "(CellTypist's sample, {:,} x {:,} after the filter; not the paper's cells, and with no ground "
     "truth) the loss picks rank {} on one split and {}-{} over 10 splits",
     [f"{F3R}data.shape.0", f"{F3R}data.shape.1", f"{F3R}draw.best_rank", f"{F3R}seeds.range.0",
      f"{F3R}seeds.range.1"]),
    (REPRODUCING, "real single-cell UMI counts ({} human cells x {:,} genes, integers written as floats)",
     [f"{F3R}data.raw_shape.0", f"{F3R}data.raw_shape.1"]),
    (REPRODUCING, "celltypist's {:.1f} MiB, and its count table is {:.1f} MB unpacked",
     [f"{F3R}data.wheel_mib", f"{F3R}data.file_mb"]),
    # docs/your-image.md, the checkerboard (benchmarks/bench_checkerboard.py): rows 0-1 conv/tconv,
    # rows 6-7 avgpool/bilinear
    (YOUR_IMAGE, "the residual against the clean camera has {:.0f}x and {:.0f}x the power of its surroundings",
     ["checkerboard.json:rows.0.ratio_vs_clean", "checkerboard.json:rows.1.ratio_vs_clean"]),
    (YOUR_IMAGE, "take that to {:.2f}x and {:.2f}x and PSNR from {:.2f} / {:.2f} to {:.2f} / {:.2f} dB",
     [f"checkerboard.json:rows.{i}.{key}" for i, key in ((6, "ratio_vs_clean"), (7, "ratio_vs_clean"), (0, "psnr"),
                                                          (1, "psnr"), (6, "psnr"), (7, "psnr"))]),
    (YOUR_IMAGE, "N2V2's three fixes (no top skip, max-blur-pool, median replacement) together still leave {:.0f}x "
     "and {:.0f}x, and J-invariant inference {:.1f}x and {:.0f}x", [f"checkerboard.json:rows.{i}.ratio_vs_clean"
                                                                   for i in (16, 17, 18, 19)]),
    # rows 20-21 Poisson conv/tconv, rows 24-25 Poisson avgpool/bilinear
    (YOUR_IMAGE, "the Nyquist line (N/2, 0), at {:.0f}x its surroundings for seed 0, columns alternating, "
     "(0, N/2), at {:.0f}x for seed 1", ["checkerboard.json:rows.20.stripes_vs_clean.horizontal",
                                         "checkerboard.json:rows.21.stripes_vs_clean.vertical"]),
    (YOUR_IMAGE, "upsampling leaves {:.1f}x and {:.1f}x on the first line and {:.1f}x and {:.1f}x on the second",
     [f"checkerboard.json:rows.{i}.stripes_vs_clean.{d}" for d in ("horizontal", "vertical") for i in (24, 25)]),
]


TP = "bench_training.json:rows"  # benchmarks/bench_training.py --part throughput: 4 variants x (unet, dncnn) x 2 shapes
CLAIMS += [  # docs/performance.md, the training throughput
    (PERFORMANCE, "`train()` in float32 1.0x ({:.2f}x), in bfloat16 {:.2f}x, bfloat16 and compiled {:.2f}x ({:.1f} "
     "against {:.1f} images/s; target 1.5x); at 128x128 in batches of 32, {:.2f}x compiled. DnCNN: {:.2f}x in "
     "bfloat16 and {:.2f}x compiled at 64x64, {:.2f}x compiled at 128x128",
     [f"{TP}.{i}.speedup" for i in (1, 2, 3)] + [f"{TP}.3.images_per_s", f"{TP}.0.images_per_s"]
     + [f"{TP}.{i}.speedup" for i in (7, 10, 11, 15)]),
    (PERFORMANCE, "bfloat16 UNet step runs at {:.0%} of the rate of one large bfloat16 matrix product on the same "
     "cores ({:.2f} TFLOP/s measured)", [f"{TP}.3.share_of_matmul", "bench_training.json:matmul_tflop_per_s.bfloat16"]),
]


CLAIMS += [  # docs/nets.md, the peer benchmark (benchmarks/bench_peers.py)
    (NETS, "CAREamics' Noise2Void reaches {:.2f} dB in {:.0f} s of training ({} steps); our Noise2Void "
     "{:.2f} dB and our Noise2Self {:.2f} dB ({} and {} steps)",
     ["bench_peers.json:rows.0.psnr", "bench_peers.json:rows.0.train_seconds", "bench_peers.json:rows.0.steps",
      "bench_peers.json:rows.1.psnr", "bench_peers.json:rows.2.psnr", "bench_peers.json:rows.1.steps",
      "bench_peers.json:rows.2.steps"]),
]


def test_the_time_to_quality_verdict_holds_in_the_committed_run():
    """"Both reach the paper's 13.8 dB inside 10 CPU-minutes (the denser masking by 5)": true of the JSON, and said."""
    runs = {run["n_subsets"]: run["curve"] for run in value(B)}
    assert all(curve[-1]["psnr_rescaled"] >= 13.8 and curve[-1]["minutes"] <= 10 for curve in runs.values())
    assert runs[10][1]["psnr_rescaled"] >= 13.8 and runs[10][1]["minutes"] <= 5.05  # the 5-minute milestone
    assert value("bench_time_to_quality.json:args.compile") is True
    text = normalized((ROOT / TABLE2).read_text(encoding="utf-8"))
    assert "Both reach the paper's 13.8 dB inside 10 CPU-minutes (the denser masking by 5)" in text


def test_the_least_squares_gains_are_quoted_from_the_committed_tables():
    """docs/table2.md's ranges of what least squares adds to the nets' moments score, per data set."""
    nets = [f"{net}-{mode}" for mode in ("n2s", "n2n", "n2t") for net in ("unet", "dncnn")]
    ranges = []
    for table in (H, IM, C, NU):
        gains = [value(f"{table}[method={m}].psnr_rescaled_lstsq") - value(f"{table}[method={m}].psnr_rescaled")
                 for m in nets]
        ranges.append(f"{min(gains):.2f} to {max(gains):.2f} dB")
    phrase = (f"Our nets gain {ranges[0]} by it on Hanzi", f"{ranges[1]} on ImageNet-like, {ranges[2]} on CellNet-like "
              f"and {ranges[3]} on the nuclei")
    text = normalized((ROOT / TABLE2).read_text(encoding="utf-8"))
    assert all(part in text for part in phrase), f"{TABLE2} should say {phrase}"


def family_table_lines() -> list[str]:
    """docs/nets.md's family table, one line per method, from results/family.json (benchmarks/bench_family.py)."""
    rows = json.loads((RESULTS / "family.json").read_text())["rows"]
    poisson = {row["method"]: f"{row['psnr']:.2f}" for row in rows["poisson"]}
    lines = []
    for row in rows["gaussian"]:
        spent = (f"{row['steps']} steps" if "steps" in row else
                 f"calibration {row['seconds']:.0f} s" if "seconds" in row else "")
        lines.append(f"| {row['method']} | {row['psnr']:.2f} | {poisson.get(row['method'], 'n/a')} | {spent} |")
    return lines


def test_the_family_table_quotes_the_family_benchmark():
    text = (ROOT / NETS).read_text(encoding="utf-8")
    for line in family_table_lines():
        assert line in text, f"docs/nets.md's family table should have the line {line!r} (results/family.json)"


def selection_table_lines() -> list[str]:
    """docs/your-image.md's `denoise` tables from results/bench_selection.json (benchmarks/bench_selection.py): one line
    per case, one line per case for the weighted sum, then the camera's ranking."""
    rows = json.loads((RESULTS / "bench_selection.json").read_text())["rows"]
    lines = []
    for r in rows:  # the loss's best candidate (ranking[0]) is what `denoise` writes with the plain output
        best, mix = r["ranking"][0], r["combination"]
        bound = mix["psnr"]["plain_best_possible"]
        lines.append(f"| {r['case']} | {r['psnr_noisy']:.2f} | {best['name']} {best['psnr_plain']:.2f} | "
                     f"{r['truth_pick']} {r['psnr_truth_pick']:.2f} | {mix['psnr']['plain']:.2f} | "
                     f"{mix['psnr']['plain'] - r['psnr_truth_pick']:+.2f} | {bound:.2f} | "
                     f"{bound - r['psnr_truth_pick']:+.2f} | {r['seconds']:.0f} s |")
    for r in rows:
        mix, best = r["combination"], r["ranking"][0]
        weights = ", ".join(f"{name} {weight:+.2f}" for name, weight in mix["weights"].items())
        lines.append(f"| {r['case']} | {weights} | {mix['held_out_loss']:.5f} | {mix['best_candidate']} "
                     f"{mix['candidate_losses'][mix['best_candidate']]:.5f} | {mix['psnr']['invariant']:.2f} | "
                     f"{best['psnr_invariant']:.2f} | {mix['psnr']['invariant'] - best['psnr_invariant']:+.2f} |")
    for e in rows[0]["ranking"]:
        if e["status"] == "scored":
            lines.append(f"| {e['name']} | {e['loss']:.5f} | {e['psnr_invariant']:.2f} | {e['psnr_plain']:.2f} | "
                         f"{e['seconds']:.0f} s |")
        else:
            lines.append(f"| {e['name']} | skipped: {e['note']} | | | {e['seconds']:.0f} s |")
    return lines


def test_the_denoise_tables_quote_the_selection_benchmark():
    text = (ROOT / YOUR_IMAGE).read_text(encoding="utf-8")
    for line in selection_table_lines():
        assert line in text, f"{YOUR_IMAGE} should have the line {line!r} (results/bench_selection.json)"


def selection_prose() -> list[str]:
    """docs/your-image.md's sentences on the default-budget benchmark, from results/bench_selection.json."""
    rows = json.loads((RESULTS / "bench_selection.json").read_text())["rows"]
    short = {r["case"]: r["case"].split(",")[0].split(" (")[0] for r in rows}  # "astronaut (RGB), ..." -> astronaut
    bound = [r["combination"]["psnr"]["plain_best_possible"] - r["psnr_truth_pick"] for r in rows]
    gains = [r["combination"]["psnr"]["invariant"] - r["ranking"][0]["psnr_invariant"] for r in rows]
    plain = {r["case"]: r["combination"]["psnr"]["plain"] - r["psnr_truth_pick"] for r in rows}
    low, high = min(plain, key=plain.get), max(plain, key=plain.get)
    beat = [f"the {short[r['case']]}" for r in rows if r["combination"]["beats_best"]]
    beat = ", ".join(beat[:-1]) + " and " + beat[-1] if len(beat) > 1 else beat[0]
    lift = {r["case"]: {e["name"]: e["psnr_plain"] - e["psnr_invariant"] for e in r["ranking"]
                        if e["status"] == "scored"} for r in rows}  # plain minus J-invariant, each candidate
    photos = [v for case, by in lift.items() if "clock" not in case for name, v in by.items() if name != "n2s"]
    clock = [v for case, by in lift.items() if "clock" in case for name, v in by.items() if name != "n2s"]
    net = [by["n2s"] for by in lift.values() if "n2s" in by]
    return [f"that bound lies {min(bound):.2f} to {max(bound):.2f} dB above the clean image's pick",
            f"by more than two standard errors on {beat} only",
            f"moved {min(gains):+.2f} to {max(gains):+.2f} dB against the best J-invariant candidate",
            f"by {min(photos):.1f}-{max(photos):.1f} dB for every classical candidate on the four photographs, by "
            f"{min(clock):+.2f} to {max(clock):+.2f} dB on the smooth clock, and for the net by {min(net):+.2f} to "
            f"{max(net):+.2f} dB",
            f"moved from {-plain[low]:.2f} dB below the best plain output ({short[low]}) to {plain[high]:.2f} dB "
            f"above it ({short[high]};"]


def long_budget_lines() -> list[str]:
    """docs/your-image.md's `--budget 600` table (results/bench_selection_budget600.json): what was written beside
    BM3D as calibrated within that budget (its ranking entry) and the default budget's output."""
    rows = json.loads((RESULTS / "bench_selection_budget600.json").read_text())["rows"]
    default = {r["case"]: r for r in json.loads((RESULTS / "bench_selection.json").read_text())["rows"]}
    lines = []
    for r in rows:
        bm3d = next(e for e in r["ranking"] if e["name"] in ("bm3d", "bm3d_rgb"))
        shown = f"{bm3d['psnr_plain']:.2f}" if bm3d["status"] == "scored" else "skipped"
        beside = f"{r['psnr_written'] - bm3d['psnr_plain']:+.2f}" if bm3d["status"] == "scored" else ""
        lines.append(f"| {r['case']} | {r['chosen']} {r['psnr_written']:.2f} | {shown} | {beside} | "
                     f"{default[r['case']]['psnr_written']:.2f} | {r['seconds']:.0f} s |")
    return lines


def long_budget_prose() -> list[str]:
    """docs/your-image.md's sentences on the `--budget 600` run, from its file, the default run's and the BM3D
    calibration's (results/bench_selection_budget600.json, bench_selection.json, bench_bm3d_calibration.json)."""
    long = {r["case"]: r for r in json.loads((RESULTS / "bench_selection_budget600.json").read_text())["rows"]}
    short = {r["case"]: r for r in json.loads((RESULTS / "bench_selection.json").read_text())["rows"]}
    full = {r["image"]: r for r in json.loads((RESULTS / "bench_bm3d_calibration.json").read_text())["rows"]}
    astronaut, camera, clock = "astronaut (RGB), sigma 0.1", "camera, sigma 0.1", "clock, sigma 0.1 (unseen)"

    def entry(rows, case, name):
        return next(e for e in rows[case]["ranking"] if e["name"] == name)

    assert all(r["chosen"] == "bm3d" for r in long.values())  # "in all five cases the written output is BM3D's"
    gray = [case for case in long if "RGB" not in case]
    # "on the gray images the longer budget writes what the default one wrote", the cheap way on the full one's setting
    assert all(abs(long[c]["psnr_written"] - short[c]["psnr_written"]) < 0.005 for c in gray)
    assert all(r["psnr_difference"] == 0 for r in full.values())
    assert all(r["combination"]["beats_best"] for r in long.values())  # "beat BM3D's ... in all five cases"
    before = {"nl_means": "NL-means"}.get(short[astronaut]["chosen"], short[astronaut]["chosen"])
    net = {name: (entry(short, name, "n2s"), entry(long, name, "n2s")) for name in (camera, clock)}
    over = [(r["combination"]["psnr"]["invariant"] - entry(long, case, r["chosen"])["psnr_invariant"],
             r["combination"]["psnr"]["plain"] - entry(long, case, r["chosen"])["psnr_plain"])
            for case, r in long.items()]
    return [f"fit at all (+{long[astronaut]['psnr_written'] - short[astronaut]['psnr_written']:.2f} dB over the "
            f"default budget's {before})",
            f"on the camera its plain output rose from {net[camera][0]['psnr_plain']:.2f} to "
            f"{net[camera][1]['psnr_plain']:.2f} dB",
            f"the 600-s run's net ended below the 120-s run's ({net[clock][1]['psnr_plain']:.2f} against "
            f"{net[clock][0]['psnr_plain']:.2f} dB), and its loss on the pixels it never trained on says so "
            f"({net[clock][1]['loss']:.5f} against {net[clock][0]['loss']:.5f})",
            f"its J-invariant version is {min(o[0] for o in over):.2f} to {max(o[0] for o in over):.2f} dB above "
            f"BM3D's J-invariant one, and the same weights on the plain versions {min(o[1] for o in over):+.2f} to "
            f"{max(o[1] for o in over):+.2f} dB from BM3D's plain output"]


def net_precision_prose() -> list[str]:
    """docs/your-image.md's sentence on the clock's net in float32 and bfloat16 (results/bench_net_precision.json)."""
    run = json.loads((RESULTS / "bench_net_precision.json").read_text())
    (timed32, timed16, stepped16), seconds = run["rows"], f"{run['seconds']:.0f} s"
    assert timed16["psnr_plain"] < timed32["psnr_plain"] < stepped16["psnr_plain"]  # "the steps, not the precision"
    assert stepped16["held_out_loss"] < timed16["held_out_loss"]  # "its loss on the kept-out pixels rose with it"
    return [f"{seconds} in float32 made {timed32['steps']:,} steps and {timed32['psnr_plain']:.2f} dB, {seconds} in "
            f"bfloat16 {timed16['steps']:,} steps and {timed16['psnr_plain']:.2f} dB, and bfloat16 stopped at "
            f"float32's {stepped16['steps']:,} steps {stepped16['psnr_plain']:.2f} dB",
            f"({stepped16['held_out_loss']:.5f} at {stepped16['steps']:,} steps in bfloat16, "
            f"{timed16['held_out_loss']:.5f} at {timed16['steps']:,})"]


@pytest.mark.parametrize("prose", [selection_prose, long_budget_prose, net_precision_prose])
def test_the_denoise_prose_quotes_its_benchmarks(prose):
    text = normalized((ROOT / YOUR_IMAGE).read_text(encoding="utf-8"))
    for phrase in prose():
        assert phrase in text, f"{YOUR_IMAGE} should say {phrase!r} (tests/project/test_claims.py, {prose.__name__})"


def bm3d_calibration_lines() -> list[str]:
    """docs/your-image.md's cheap-against-full BM3D calibration table (results/bench_bm3d_calibration.json)."""
    rows = json.loads((RESULTS / "bench_bm3d_calibration.json").read_text())["rows"]
    return [f"| {r['image']} | {r['full']['sigma_psd']:.4f}, {r['full']['psnr_plain']:.2f} dB, "
            f"{r['full']['seconds']:.0f} s | {r['cheap']['sigma_psd']:.4f}, {r['cheap']['psnr_plain']:.2f} dB, "
            f"{r['cheap']['seconds']:.0f} s | {r['psnr_difference']:+.2f} | {r['time_ratio']:.2f} |" for r in rows]


def stack_lines() -> list[str]:
    """docs/your-image.md's stack-against-plane table (results/bench_stack.json)."""
    rows = json.loads((RESULTS / "bench_stack.json").read_text())["rows"]
    return [f"| {r['method']} | {r['plane']['seconds']:.1f} s | {r['stack']['seconds']:.1f} s | "
            f"{r['plane_seconds_per_megapixel']:.0f} | {r['stack_seconds_per_megapixel']:.0f} | {r['ratio']:.2f} |"
            for r in rows]


@pytest.mark.parametrize("lines", [long_budget_lines, bm3d_calibration_lines, stack_lines])
def test_the_budget_bm3d_and_stack_tables_quote_their_benchmarks(lines):
    text = (ROOT / YOUR_IMAGE).read_text(encoding="utf-8")
    for line in lines():
        assert line in text, f"{YOUR_IMAGE} should have the line {line!r} ({lines.__doc__.split('(')[-1][:-2]})"


@pytest.mark.parametrize(("file", "phrase", "paths"), CLAIMS, ids=[c[1][:40] for c in CLAIMS])
def test_the_prose_quotes_the_committed_results(file, phrase, paths):
    expected = phrase.format(*(value(p) for p in paths))
    assert expected in normalized((ROOT / file).read_text(encoding="utf-8")), (
        f"{file} should say: {expected!r} (from {', '.join(paths)}); update the prose to the committed results")


def test_a_changed_number_is_caught():
    phrase, paths = CLAIMS[0][1], CLAIMS[0][2]
    text = normalized((ROOT / CLAIMS[0][0]).read_text(encoding="utf-8"))
    shifted = phrase.format(*(value(p) + 0.01 for p in paths))
    assert shifted not in text  # the same phrase with a number 0.01 off is not in the text
    assert normalized("# a\n# b  c\nd") == "a b c d"
    assert value("table1.json:rows[method=nl_means].method") == "nl_means"
