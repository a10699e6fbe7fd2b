"""Training and inference costs of Noise2Self in torch: masking overhead, grid masker speed, J-invariant batching.

What it measures, in one run, on one model and one batch (default: ``small_unet()``, 8 images of 64 x 64, float32,
CPU, torch's default thread count):
1. K Noise2Self training steps (mask + forward + ``masked_mse`` + backward + Adam) against K plain supervised steps
   (forward + MSE + backward + Adam) on the same input: the masking overhead (target: at most 1.05x). The ratio of
   two ~0.4 s timings moves by a few percent between runs on a shared machine, so the cost of what Noise2Self adds
   (mask, fill, masked loss) is also timed alone and printed as a share of a supervised step.
2. ``Masker("diagonal", stride=4).mask`` over all 16 offsets against a per-pixel Python loop of the authors' kernel
   ``[[.5, 1, .5], [1, 0, 1], [.5, 1, .5]] / 6`` (mirrored borders) on one image of each size in --loop-sizes;
   both masked inputs must agree.
3. ``predict_invariant`` (16 grid subsets, one batched pass) against 16 calls of ``predict_single_pass`` on the same
   batch (target: at most 1.0x); ``predict_invariant`` with ``batch_size=B`` is printed for comparison.
Repeats alternate which side runs first, after a warm-up of each; the best time of each side is kept.

Run:  .venv/bin/python benchmarks/bench_training.py [--model unet-small] [--batch 8] [--size 64] [--repeats 9] ...
(flags: --steps 20, --repeats 9, --masker axis|random, --loop-sizes 64,256). Targets: 1. <= 1.05x, 3. <= 1.0x.
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import time

import torch
import torch.nn.functional as F
from _machine import OtherLoad  # benchmarks/_machine.py, beside this script

from n2s_core.nets.inference import predict_invariant, predict_single_pass
from n2s_core.nets.masking import Masker, masked_mse
from n2s_core.nets.models import MODEL_NAMES, build_model

KERNEL = ((0.5, 1.0, 0.5), (1.0, 0.0, 1.0), (0.5, 1.0, 0.5))  # / 6: the authors' repository kernel


def best_of(sides, repeats):
    """Best wall time of each zero-argument callable in ``sides``, repeats interleaved and alternating order."""
    names, times = list(sides), {name: [] for name in sides}
    [sides[name]() for name in names]  # warm-up
    for repeat in range(repeats):
        for name in names if repeat % 2 == 0 else names[::-1]:
            start = time.perf_counter()
            sides[name]()
            times[name].append(time.perf_counter() - start)
    return {name: min(values) for name, values in times.items()}


def training_steps(model, x, steps, masker):
    """``steps`` Adam steps, Noise2Self (masker given) or supervised on a fixed target (masker None)."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    target, generator = x.clone(), torch.Generator().manual_seed(0)

    def run():
        for step in range(steps):
            optimizer.zero_grad()
            if masker is None:
                loss = F.mse_loss(model(x), target)
            else:
                grid = masker.partition == "grid"
                masked, mask = masker.mask(x, step=step) if grid else masker.mask(x, generator=generator)
                loss = masked_mse(model(masked), x, mask)
            loss.backward()
            optimizer.step()
    return run


def masking_cost(masker, x, repeats):
    """Best time of what a Noise2Self step adds to a supervised one: draw and fill a mask, score on it."""
    prediction, generator = x.flip(-1), torch.Generator().manual_seed(0)  # any tensor of the output's shape
    grid = masker.partition == "grid"

    def once():
        masked, mask = masker.mask(x, step=0) if grid else masker.mask(x, generator=generator)
        return masked_mse(prediction, x, mask)
    return best_of({"mask": once}, repeats)["mask"]


def loop_masked(image, offset, stride=4):
    """The authors' algorithm, pixel by pixel: each held-out pixel gets the kernel mean of its 8 neighbours."""
    n = len(image)  # square, nested lists
    pad = [1, *range(n), n - 2]  # pad[i + 1] = mirrored index i: -1 -> 1, n -> n - 2
    out = [row[:] for row in image]
    for r in range(n):
        for c in range(n):
            if (r % stride) * stride + c % stride == offset:  # pixel held out: weighted mean of its 8 neighbours
                out[r][c] = sum(KERNEL[i][j] * image[pad[r + i]][pad[c + j]] for i in range(3) for j in range(3)) / 6
    return out


def report(rows, label, first, second, target=None):
    """Print and keep one comparison: times of both sides, their ratio first / second, target met or missed."""
    ratio = first / second
    result = "-" if target is None else ("met" if ratio <= target else "MISSED")
    rows.append((label, first, second, ratio, "-" if target is None else f"<= {target}", result))
    print(f"{label}: {first:.4f} s / {second:.4f} s = {ratio:.3f}x" + ("" if target is None else
          f" (target <= {target}: {result})"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="unet-small", choices=MODEL_NAMES, help="model name (nets.models)")
    parser.add_argument("--batch", type=int, default=8, help="images per batch")
    parser.add_argument("--size", type=int, default=64, help="image side (square)")
    parser.add_argument("--repeats", type=int, default=9, help="timed runs of each side (best kept)")
    parser.add_argument("--steps", type=int, default=20, help="training steps per timed run")
    parser.add_argument("--masker", default="axis", choices=("axis", "random"), help="Noise2Self training masker")
    parser.add_argument("--loop-sizes", default="64,256", type=lambda text: [int(n) for n in text.split(",")],
                        help="image sides for the Python-loop comparison (comma-separated)")
    args = parser.parse_args(argv)
    if min(args.batch, args.size, args.repeats, args.steps, *args.loop_sizes) < 1:
        parser.error("--batch, --size, --repeats, --steps and --loop-sizes must be >= 1")

    x = torch.rand(args.batch, 1, args.size, args.size, generator=(seeded := torch.Generator().manual_seed(0)))
    model, grid = build_model(args.model), Masker("axis")  # grid masker for the J-invariant prediction
    print(f"{args.model}, batch {tuple(x.shape)} float32 CPU | {os.cpu_count()} cores, {torch.get_num_threads()} torch "
          f"threads, python {platform.python_version()}, torch {torch.__version__}")
    load = OtherLoad()
    rows = []
    t = best_of({"n2s": training_steps(copy.deepcopy(model), x, args.steps, Masker(args.masker)),
                 "sup": training_steps(copy.deepcopy(model), x, args.steps, None)}, args.repeats)
    report(rows, f"1. {args.steps} steps, Noise2Self ({args.masker}) / supervised", t["n2s"], t["sup"], 1.05)
    masking = masking_cost(Masker(args.masker), x, repeats=50 * args.repeats)
    print(f"   what Noise2Self adds to a step (mask + fill + masked loss, timed alone): {masking * 1e3:.2f} ms = "
          f"{masking * args.steps / t['sup']:.1%} of a supervised step")

    diagonal = Masker("diagonal", stride=4)
    for side in args.loop_sizes:
        image = torch.rand(1, 1, side, side, generator=seeded)
        listed = image[0, 0].tolist()
        for offset in range(16):
            loop_out = torch.tensor(loop_masked(listed, offset))[None, None]
            same = torch.allclose(diagonal.mask(image, offset=offset)[0], loop_out, atol=1e-6)
            assert same, f"offset {offset}: grid masker and Python loop give different masked inputs"
        t = best_of({"grid": lambda: [diagonal.mask(image, offset=o) for o in range(16)],  # noqa: B023 (run now)
                     "loop": lambda: [loop_masked(listed, o) for o in range(16)]}, args.repeats)  # noqa: B023
        report(rows, f"2. Python per-pixel loop / grid masker (diagonal, 16 offsets of {side}x{side}, same masked "
               "inputs)", t["loop"], t["grid"])

    t = best_of({"inv": lambda: predict_invariant(model, x, masker=grid, batch_size=16 * args.batch),
                 "single": lambda: [predict_single_pass(model, x) for _ in range(16)],
                 "inv_b": lambda: predict_invariant(model, x, masker=grid, batch_size=args.batch)}, args.repeats)
    report(rows, "3. predict_invariant (16 subsets, one batch) / 16 x single pass", t["inv"], t["single"], 1.0)
    report(rows, f"3. predict_invariant (batch_size={args.batch}) / 16 x single pass", t["inv_b"], t["single"])

    print("\n| comparison (first / second) | first (s) | second (s) | ratio | target | verdict |")
    print("|---|---|---|---|---|---|")
    for label, ours, ref, value, target, result in rows:
        print(f"| {label} | {ours:.4f} | {ref:.4f} | {value:.3f}x | {target} | {result} |")
    load.report()  # other processes steal cores from the threads: say how much
    print(f"(best of {args.repeats} interleaved repeat(s) per side)")


if __name__ == "__main__":
    main()
