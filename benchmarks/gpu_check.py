"""``make gpu-check``: what a GPU machine should show, in one command sized for 10 minutes on one modern GPU.

1. ``tests/project/test_gpu.py`` (pytest, in a subprocess): the neural half on CUDA (masks, mixed precision,
   compiled training without per-step synchronisation, inference, checkpoints across devices).
2. The training throughput of ``bench_training.py --part throughput``: the paper's UNet and DnCNN on 64x64 tiles
   in batches of 64 and 128x128 in batches of 32; the plain eager loop against ``train()`` in float32, in mixed
   precision and compiled, with each step's share of the device's measured matmul rate and datasheet peak.
3. The Hanzi paper preset for the UNet trained by Noise2Self, seed 0: all 13,029 glyphs x 6 noisy tiles, the
   70/20/10 tile split, 30 epochs in batches of 64 (about 25,700 steps), scored on the whole test split beside
   the paper's Table 2 (13.8 +- 0.3 dB rescaled, over the paper's five trained models; one seed here).

Before it starts it prints how long it expects to take: a few timed training steps and a small data build on
this machine, extrapolated (allowances for compilation and the tests are stated). After each part it rewrites the
JSON (default ``results/gpu_check.json``), so an interrupted run keeps what it had measured. Without a CUDA
device it refuses with exit status 2. ``--tiny`` runs the same three parts at toy sizes on any device in
seconds, without compiling: the plumbing test in ``tests/project/test_gpu_check.py``; its figures mean nothing.

Run:  .venv/bin/python benchmarks/gpu_check.py [--tiny] [--device cuda] [--out results/gpu_check.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from argparse import Namespace
from pathlib import Path

import bench_training  # benchmarks/bench_training.py, beside this script
import torch

from n2s_core.data.datasets import make_hanzi
from n2s_core.data.noisy_dataset import split_counts
from n2s_core.nets.models import build_model, seed_weights
from n2s_core.nets.training import pick_device
from n2s_core.paper.table2 import PAPER_TABLE2, get_preset
from n2s_core.paper.table2_runs import run_method

ROOT = Path(__file__).resolve().parent.parent
GPU_TESTS = "tests/project/test_gpu.py"
METHOD = "unet-n2s"
N_GLYPHS = 13_029  # the paper's Hanzi set: 13,029 characters (n2s_core.data.hanzi's bank holds them all)
COMPILE_SECONDS = 60.0  # an assumption of the estimate, not a measurement: compiling one variant of one net
SIZES = {  # what each part runs: the full check, and the toy sizes of --tiny (no compilation; a guess at the tests)
    "full": {"preset": "paper", "models": ["unet", "dncnn"], "shapes": [(64, 64), (128, 32)], "steps": 50,
             "warmup": 10, "probe_characters": 200, "compile": True, "test_seconds": 90.0},
    "tiny": {"preset": "tiny", "models": ["unet"], "shapes": [(16, 2)], "steps": 2, "warmup": 1,
             "probe_characters": 2, "compile": False, "test_seconds": 10.0},
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true", help="toy sizes on any device: checks the plumbing only")
    parser.add_argument("--device", default="cuda", help="torch device (default cuda; --tiny allows any)")
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON of every figure (default results/gpu_check.json; with --tiny, required)")
    args = parser.parse_args(argv)
    size = SIZES["tiny" if args.tiny else "full"]
    if args.out is None and args.tiny:
        parser.error("--tiny needs --out: its toy figures must not replace a real run's results/gpu_check.json")
    out = args.out or ROOT / "results" / "gpu_check.json"
    if not args.tiny and not (torch.cuda.is_available() and pick_device(args.device).type == "cuda"):
        build = "a CPU-only build" if torch.version.cuda is None else f"built for CUDA {torch.version.cuda}"
        print(f"gpu-check needs a CUDA device and torch sees none (torch {torch.__version__}, {build}; device "
              f"{args.device!r}). On a GPU machine, in a fresh clone: `make gpu-check TORCH=torch` (PyPI's Linux "
              "torch is a CUDA build). `--tiny` checks the plumbing on any device.", file=sys.stderr)
        return 2
    device = pick_device(args.device)
    report = {"device": str(device), "device_name": bench_training.device_name(device), "tiny": args.tiny,
              "machine": platform.platform(), "torch": torch.__version__, "parts": {}}
    clock = time.perf_counter()
    report["estimate"] = estimate(size, device)
    total = sum(report["estimate"].values())
    print(f"gpu-check on {report['device_name']} ({device}): expected about {total / 60:.1f} min (" +
          ", ".join(f"{part} {seconds:.0f} s" for part, seconds in report["estimate"].items()) + ")", flush=True)
    save(report, out)

    report["parts"]["tests"] = run_gpu_tests()
    save(report, out)
    report["parts"]["throughput"] = bench_training.throughput(
        Namespace(models=size["models"], shapes=size["shapes"], throughput_steps=size["steps"],
                  warmup=size["warmup"], device=str(device), compile=size["compile"]))
    save(report, out)
    report["parts"]["hanzi"] = hanzi_run(size["preset"], device)
    report["seconds"] = round(time.perf_counter() - clock, 1)
    save(report, out)
    hanzi, tests = report["parts"]["hanzi"], report["parts"]["tests"]
    print(f"\ngpu-check done in {report['seconds'] / 60:.1f} min (expected {total / 60:.1f}): tests "
          f"{tests['summary']}; Hanzi {METHOD} {hanzi['psnr_rescaled']:.2f} dB rescaled (paper "
          f"{hanzi['paper_psnr_rescaled']} +- {hanzi['paper_se']}) in {hanzi['train_seconds']:.0f} s of training; "
          f"figures in {out}")
    return 0 if tests["returncode"] == 0 else 1


def estimate(size: dict, device) -> dict:
    """Expected seconds of each part: timed steps of the Hanzi UNet and a small data build, extrapolated."""
    preset = get_preset("hanzi", size["preset"])
    batch, side = preset.batch_size, 64
    images = torch.rand(4 * batch, 1, side, side, generator=torch.Generator().manual_seed(0))
    probe = Namespace(throughput_steps=max(2, size["steps"] // 2), warmup=size["warmup"])
    speed, _ = bench_training.time_train("unet", images, batch, {"precision": "auto"}, probe, device)
    step = 1 / speed  # seconds per Noise2Self step of the paper's UNet at the preset's batch, mixed precision, eager
    reference = flops("unet", side, batch, device)

    # throughput (the paper's nets): the variants of each case, warm-up plus timed steps at the probe's rate scaled
    # by FLOPs; float32 steps count double (tensor cores idle), and each compiled variant gets COMPILE_SECONDS
    variants = 2 + 2 + 1 + (1 if size["compile"] else 0)
    seconds = 0.0
    for name in size["models"]:
        for shape_side, shape_batch in size["shapes"]:
            scale = flops(name, shape_side, shape_batch, device) / reference
            seconds += (size["steps"] + size["warmup"]) * step * scale * variants
            seconds += COMPILE_SECONDS if size["compile"] else 0.0

    if preset.unet:  # the tiny preset trains a smaller UNet than the paper's one the probe timed
        step *= flops("unet", side, batch, device, **preset.unet) / reference

    n_glyphs = preset.data.get("n_characters", N_GLYPHS)
    clock = time.perf_counter()
    make_hanzi(n_characters=size["probe_characters"])
    build = (time.perf_counter() - clock) * n_glyphs / size["probe_characters"]
    n_train = int(split_counts(6 * n_glyphs)[0])
    training = preset.steps_for(n_train) * step
    return {"tests": size["test_seconds"], "throughput": round(seconds, 1), "hanzi data": round(build, 1),
            "hanzi training": round(training, 1)}


def flops(name, side, batch, device, **kwargs) -> float:
    model = seed_weights(build_model(name, **kwargs), 0).to(device)
    return bench_training.step_flops(model, side, batch, device)


def run_gpu_tests() -> dict:
    """pytest on the GPU test file in a subprocess: its summary line, exit status and time."""
    clock = time.perf_counter()
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", GPU_TESTS]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=os.environ | {"PYTHONHASHSEED": "0"})
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    print(done.stdout[-3000:], end="", flush=True)
    return {"command": " ".join(command[1:]), "returncode": done.returncode, "summary": lines[-1] if lines else "",
            "seconds": round(time.perf_counter() - clock, 1)}


def hanzi_run(preset_name: str, device) -> dict:
    """The preset's Hanzi data (built here, not cached: 3.8 GB at paper size) and one UNet trained by Noise2Self."""
    preset = get_preset("hanzi", preset_name)
    clock = time.perf_counter()
    data = make_hanzi(**preset.data)
    build = time.perf_counter() - clock
    print(f"\nHanzi, {preset_name} preset: {len(data.clean):,} tiles built in {build:.0f} s; training {METHOD}, "
          "seed 0", flush=True)
    record = run_method(METHOD, data, preset, seed=0, device=str(device), progress=True)
    paper, se = PAPER_TABLE2["hanzi"][METHOD]
    keep = ("psnr", "psnr_rescaled", "n_test", "steps", "train_seconds", "wall_seconds", "n_parameters", "device",
            "final_train_loss", "config")
    print(f"Hanzi {METHOD} ({record['config']['precision']}, {record['steps']:,} steps): "
          f"{record['psnr_rescaled']:.2f} dB rescaled, {record['psnr']:.2f} dB plain on {record['n_test']:,} test "
          f"tiles; paper {paper} +- {se} (five models; one seed here)", flush=True)
    return {key: record[key] for key in keep} | {"data_seconds": round(build, 1), "n_tiles": len(data.clean),
                                                  "paper_psnr_rescaled": paper, "paper_se": se, "seed": 0}


def save(report: dict, out: Path) -> None:
    """Rewrite the JSON whole through a temporary file: a reader never sees half of it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    report["finished_utc"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    temporary = out.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(report, indent=2, default=str) + "\n")
    temporary.replace(out)


if __name__ == "__main__":
    sys.exit(main())
