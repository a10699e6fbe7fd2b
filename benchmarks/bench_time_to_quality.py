"""Time to quality on Hanzi: a UNet trained by Noise2Self against the wall clock, beside BM3D on the same tiles.

What it measures, in one run: Hanzi at sigma 0.7 (the paper's Table 2 setting; n2s_core.data.datasets), the paper's UNet
(features 32-256) trained by Noise2Self (random partition masks filled with uniform values, Adam) on the training
split, once per masking density (default: the paper's 25 subsets, then 10); at each milestone (default 2, 5 and
10 minutes of training time) the test PSNR of a single pass over the same test tiles, rescaled as the paper scores
it and plain. Evaluation time is not counted as training time. Then BM3D at its default setting on the same test
tiles (the optional ``bm3d`` extra), with its time. Printed: PSNR per milestone, BM3D's PSNR and time, and the
ratio (training time the UNet needed to pass BM3D) / (BM3D's time on the test tiles).

Training time counts everything from the first step on (a compilation included), evaluations excepted.

``--ablate`` answers "what moved the needle": from the chosen setting (batch, schedule, precision, compilation), it
trains once more per change in ABLATION, one thing changed at a time, every run on the same data and clock.

Target (issues 4 and 13): the paper's 13.8 dB inside 10 CPU-minutes on 2 cores; on a GPU inside 2 minutes.

Run:  .venv/bin/python benchmarks/bench_time_to_quality.py [--minutes 2,5,10] [--n-subsets 25,10]
      [--characters 2000] [--batch 8] [--lr 3e-3] [--schedule constant|cosine] [--precision float32|auto]
      [--compile] [--ablate] [--no-bm3d] [--n-test 256] [--threads 2] [--device auto]
      [--out results/bench_time_to_quality.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch
from _machine import OtherLoad  # benchmarks/_machine.py, beside this script

from n2s_core import psnr
from n2s_core.classical.denoisers import bm3d_available
from n2s_core.data.datasets import load_dataset
from n2s_core.nets.inference import predict_single_pass
from n2s_core.nets.models import build_model, count_parameters, seed_weights
from n2s_core.nets.training import PRECISIONS, SCHEDULES, TrainConfig, pick_device, resolve_precision, train

PAPER_UNET_N2S = 13.8  # paper Table 2, Hanzi, UNet Noise2Self (dB, rescaled)
# --ablate: one change at a time from the chosen setting
ABLATION = ({}, {"batch": 16}, {"batch": 32}, {"batch": 64}, {"schedule": "constant"}, {"precision": "float32"},
            {"compile": False})


class Done(Exception):
    """Raised from the training callback once the last milestone is reached."""


def scores(clean, outputs) -> tuple[float, float]:
    rescaled = np.mean([psnr(c, o, rescale=True) for c, o in zip(clean, outputs, strict=True)])
    plain = np.mean([psnr(c, np.clip(o, 0, 1)) for c, o in zip(clean, outputs, strict=True)])
    return float(rescaled), float(plain)


def evaluate(model, noisy, device) -> np.ndarray:
    x = torch.from_numpy(np.array(noisy))[:, None]  # (N, 1, 64, 64); np.array: a writable copy
    return torch.cat([predict_single_pass(model, x[i:i + 64].to(device)).float().cpu()
                      for i in range(0, len(x), 64)])[:, 0].numpy()


def train_against_the_clock(images, clean, noisy, *, n_subsets, setting, milestones, device) -> list[dict]:
    """Train a fresh UNet (same seed every time) until the last milestone; the test PSNR at each milestone.

    ``setting``: batch, lr, schedule, precision and compile of the run."""
    model = seed_weights(build_model("unet"), 0)
    # a cosine schedule needs the end of the run in advance: train() stops itself at the last milestone (its clock
    # counts the evaluations too, so the UNet trains slightly less than the milestone; the minutes say how much)
    cosine = setting["schedule"] == "cosine"
    config = TrainConfig(mode="n2s", steps=10**9, batch_size=setting["batch"], lr=setting["lr"], n_subsets=n_subsets,
                         device=str(device), precision=setting["precision"], compile=setting["compile"],
                         schedule=setting["schedule"], time_limit=milestones[-1] if cosine else None)
    curve, paused, start = [], 0.0, time.perf_counter()

    def measure(step, loss, elapsed):
        nonlocal paused
        clock = time.perf_counter()
        rescaled, plain = scores(clean, evaluate(model, noisy, device))
        model.train()
        paused += time.perf_counter() - clock
        curve.append({"minutes": round(elapsed / 60, 2), "step": step, "psnr_rescaled": rescaled, "psnr": plain})
        print(f"  {elapsed / 60:5.1f} min, step {step:6d}: {rescaled:.2f} dB rescaled, {plain:.2f} dB plain "
              f"(train loss {loss:.4f})", flush=True)

    def callback(step, loss, val_loss):
        elapsed = time.perf_counter() - start - paused
        if elapsed >= milestones[len(curve)] and not (cosine and len(curve) == len(milestones) - 1):
            measure(step, loss, elapsed)
            if len(curve) == len(milestones):
                raise Done

    print(f"UNet ({count_parameters(model):,} parameters), Noise2Self with {n_subsets} subsets, "
          f"{describe(setting, device)}:", flush=True)
    try:
        result = train(model, images, config=config, callback=callback, progress=False)
        measure(len(result.train_loss), result.train_loss[-1], time.perf_counter() - start - paused)  # cosine's end
    except Done:
        pass
    return curve


def dtype_name(precision: str, device) -> str:
    """What ``TrainConfig.precision`` means on ``device``: "float32", "bfloat16" or "float16"."""
    return str(resolve_precision(precision, device)).removeprefix("torch.")


def describe(setting: dict, device) -> str:
    return (f"batch {setting['batch']}, lr {setting['lr']} ({setting['schedule']}), "
            f"{dtype_name(setting['precision'], device)}{', compiled' if setting['compile'] else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", default="2,5,10", help="milestones of training time, in minutes")
    parser.add_argument("--n-subsets", default="25,10", help="masking densities to train, one UNet each "
                        "(paper: 25, i.e. 4%% of the pixels held out per step)")
    parser.add_argument("--characters", type=int, default=2000, help="characters (x6 tiles) of the Hanzi set")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--schedule", choices=SCHEDULES, default="constant",
                        help="learning rate: constant, or a cosine decay to 0 at the last milestone")
    parser.add_argument("--precision", choices=PRECISIONS, default="float32",
                        help="auto: bfloat16 where the device has it natively (TrainConfig.precision)")
    parser.add_argument("--compile", action="store_true", help="torch.compile the training forward pass")
    parser.add_argument("--ablate", action="store_true", help="also train once per change in ABLATION")
    parser.add_argument("--no-bm3d", dest="bm3d", action="store_false", help="leave out the BM3D comparison")
    parser.add_argument("--n-test", type=int, default=256, help="test tiles scored (both methods, the same tiles)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (the target is for 2 cores)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--out", type=Path, help="also write the measurements as JSON")
    args = parser.parse_args()
    milestones = sorted(float(m) * 60 for m in args.minutes.split(","))
    densities = [int(n) for n in args.n_subsets.split(",")]
    chosen = {"batch": args.batch, "lr": args.lr, "schedule": args.schedule, "precision": args.precision,
              "compile": args.compile}
    changes = [c for c in ABLATION if not c or chosen | c != chosen] if args.ablate else [{}]  # no repeats
    torch.set_num_threads(args.threads)
    device = pick_device(args.device)

    data = load_dataset("hanzi", n_characters=args.characters, sigma=0.7)
    train_part, test = data.part("train"), data.part("test")
    clean, noisy = test.clean[:args.n_test], test.noisy[:args.n_test]
    images = torch.from_numpy(np.array(train_part.noisy))[:, None]  # np.array: a writable copy of the split
    print(f"{data.description}: {len(images)} training tiles, {len(clean)} test tiles; raw PSNR "
          f"{scores(clean, noisy)[0]:.2f} dB (rescaled); device {device}, {args.threads} threads")
    load = OtherLoad()
    runs = []
    for change in changes:
        setting = chosen | change
        for n in densities:
            curve = train_against_the_clock(images, clean, noisy, n_subsets=n, setting=setting,
                                            milestones=milestones, device=device)
            runs.append({"n_subsets": n, "change": ", ".join(f"{k} {v}" for k, v in change.items()) or "none",
                         **setting, "dtype": dtype_name(setting["precision"], device), "curve": curve})

    bm3d = None
    if not args.bm3d:
        print("BM3D left out (--no-bm3d)")
    elif bm3d_available():
        clock = time.perf_counter()
        outputs = np.stack([bm3d(image) for image in noisy])
        seconds = time.perf_counter() - clock
        rescaled, plain = scores(clean, outputs)
        bm3d = {"psnr_rescaled": rescaled, "psnr": plain, "seconds": seconds}
        print(f"BM3D (default, sigma estimated): {rescaled:.2f} dB rescaled, {plain:.2f} dB plain, {seconds:.1f} s "
              f"for {len(clean)} tiles")
    else:
        print("BM3D not installed (pip install -e '.[bm3d]'): no comparison")
    for run in runs:
        label = f"{run['n_subsets']} subsets, {describe(run, device)}"
        if bm3d:
            passed = next((c for c in run["curve"] if c["psnr_rescaled"] > bm3d["psnr_rescaled"]), None)
            print(f"{label}: " + (f"passed BM3D by {passed['minutes']:.1f} min of training = "
                                  f"{passed['minutes'] * 60 / bm3d['seconds']:.1f}x BM3D's time on the test tiles"
                                  if passed else "did not pass BM3D within the last milestone"))
        reached = next((c for c in run["curve"] if c["psnr_rescaled"] >= PAPER_UNET_N2S), None)
        print(f"{label}: paper's {PAPER_UNET_N2S} dB " + (f"reached at {reached['minutes']:.1f} min" if reached else
                                                          f"not reached in {milestones[-1] / 60:g} min"))
    load.report()
    if args.out:
        report = {"runs": runs, "bm3d": bm3d, "args": vars(args) | {"out": str(args.out)}, "device": str(device),
                  "precision": dtype_name(args.precision, device),
                  "machine": platform.platform(), "torch": torch.__version__, "description": data.description,
                  "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
