"""Training and inference costs of Noise2Self in torch: masking overhead, grid masker, J-invariant batching, throughput.

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
4. Training throughput (``--part throughput``): images/s of Noise2Self steps for the paper's UNet and DnCNN on
   64x64 tiles in batches of 64 and 128x128 in batches of 32, by a plain eager loop (host-side batching, a copy and
   a loss read-back per step, float32) and by ``train()`` in float32, in mixed precision (``precision="auto"``:
   bfloat16 where the device has it) and compiled; each as a ratio to the plain loop, and as the share of the rate
   of one large matrix product on the same device in the same dtype (plus the datasheet peak on known GPUs).

Run:  .venv/bin/python benchmarks/bench_training.py [--part costs|throughput|all] [--model unet-small] [--batch 8]
(costs flags: --size 64, --steps 20, --repeats 9, --masker axis|random, --loop-sizes 64,256; throughput flags:
--models unet,dncnn, --shapes 64x64,128x32 (side x batch), --throughput-steps 5, --warmup 2, --device auto,
--no-compile, --out FILE.json). Targets: 1. <= 1.05x, 3. <= 1.0x, 4. >= 1.5x for the UNet at 64x64 on a CPU.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from _machine import OtherLoad  # benchmarks/_machine.py, beside this script

from n2s_core.hardware import size_thread_pools
from n2s_core.nets.inference import predict_invariant, predict_single_pass
from n2s_core.nets.masking import Masker, masked_mse
from n2s_core.nets.models import MODEL_NAMES, build_model, seed_weights
from n2s_core.nets.training import TrainConfig, pick_device, resolve_precision, train

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


# --- 4. Training throughput (issue 13): train() at the device's limit against a plain eager loop -----------------

# Dense peak of the GPUs we would expect, TFLOP/s (NVIDIA datasheets, without sparsity): bfloat16 / float16 tensor
# cores, and float32 (not TF32). Matched against torch.cuda.get_device_name().
GPU_PEAKS = {"H200": {"bfloat16": 989.4, "float16": 989.4, "float32": 66.9},
             "H100": {"bfloat16": 989.4, "float16": 989.4, "float32": 66.9},
             "A100": {"bfloat16": 312.0, "float16": 312.0, "float32": 19.5},
             "L4": {"bfloat16": 121.0, "float16": 121.0, "float32": 30.3},
             "T4": {"bfloat16": 0.0, "float16": 65.0, "float32": 8.1}}
SHAPES = ((64, 64), (128, 32))  # (side, batch): the paper's Hanzi/CellNet tiles at batch 64, ImageNet crops at 32
THROUGHPUT_MODELS = ("unet", "dncnn")  # the paper's nets: UNet 32-256 (2.0M parameters), DnCNN 17 x 64


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def plain_eager_loop(model, images, *, batch, steps, device, masker):
    """What a reader writes first: Python batching on the host, a copy per step, float32, the loss read per step."""
    model.to(device).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(0)
    for _ in range(steps):
        index = torch.randint(len(images), (batch,), generator=generator).tolist()
        x = torch.stack([images[i] for i in index]).to(device)  # (B, 1, S, S)
        masked, mask = masker.mask(x.cpu(), generator=generator)
        loss = masked_mse(model(masked.to(device)), x, mask.to(device))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss.item()  # the host waits for the device at every step


def steps_per_second(run, steps, warmup, device):
    """Steps per second of ``run(n)`` (n steps) after ``run(warmup)``: (t(warmup + steps) - t(warmup)) would double
    count a compile, so the warm-up call is separate and the timed call runs ``steps`` more on the same model."""
    clock = time.perf_counter()
    run(warmup)
    synchronize(device)
    first = time.perf_counter() - clock
    clock = time.perf_counter()
    run(steps)
    synchronize(device)
    return steps / (time.perf_counter() - clock), first


def step_flops(model, side, batch, device) -> float:
    """Floating-point operations of one forward and backward pass on a (batch, 1, side, side) batch."""
    from torch.utils.flop_counter import FlopCounterMode

    x = torch.rand(batch, 1, side, side, device=device)
    with FlopCounterMode(display=False) as counter:
        model(x).square().mean().backward()
    model.zero_grad(set_to_none=True)
    return float(counter.get_total_flops())


def matmul_peak(device, dtype, *, size=None, repeats=5) -> float:
    """Measured rate of one large square matrix product in ``dtype`` on ``device`` (TFLOP/s): the yardstick."""
    size = size or (8192 if device.type == "cuda" else 2048)
    a = torch.rand(size, size, device=device, dtype=dtype)
    b = torch.rand(size, size, device=device, dtype=dtype)
    a @ b
    synchronize(device)
    clock = time.perf_counter()
    for _ in range(repeats):
        a @ b
    synchronize(device)
    return 2 * size**3 * repeats / (time.perf_counter() - clock) / 1e12


def dtype_name(dtype) -> str:
    return str(dtype).removeprefix("torch.")


def device_name(device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return platform.processor() or platform.machine()


def datasheet_peak(device, dtype) -> float | None:
    """The datasheet's dense peak (TFLOP/s) of this GPU in ``dtype``, if it is one of GPU_PEAKS."""
    if device.type != "cuda":
        return None
    peaks = next((peaks for key, peaks in GPU_PEAKS.items() if key in device_name(device)), None)
    return (peaks or {}).get(dtype_name(dtype)) or None


def time_train(name, images, batch, settings, args, device):
    """(steps/s, seconds of the warm-up call) of train() with ``settings`` on a freshly seeded model."""
    model = seed_weights(build_model(name), 0)

    def run(steps):
        train(model, images, config=TrainConfig(steps=steps, batch_size=batch, device=str(device), **settings),
              progress=False)
    return steps_per_second(run, args.throughput_steps, args.warmup, device)


def time_plain_loop(name, images, batch, args, device):
    model, masker = seed_weights(build_model(name), 0), Masker("random")
    return steps_per_second(lambda steps: plain_eager_loop(model, images, batch=batch, steps=steps, device=device,
                                                           masker=masker), args.throughput_steps, args.warmup, device)


def throughput(args) -> dict:
    """Images/s of Noise2Self training steps: the plain loop, then train() in float32, in mixed precision, compiled."""
    device = pick_device(args.device)
    fast = resolve_precision("auto", device)
    variants = [("plain eager loop", None), ("train(), float32", {"precision": "float32"}),
                (f"train(), {dtype_name(fast)}", {"precision": "auto"}),
                (f"train(), {dtype_name(fast)}, compiled", {"precision": "auto", "compile": True})]
    variants = variants if args.compile else variants[:3]
    print(f"\n4. Training throughput on {device} ({device_name(device)}, {torch.get_num_threads()} threads): "
          f"Noise2Self steps (random 25-subset masks, Adam), images/s; mixed precision here is {dtype_name(fast)}")
    peaks = {dtype_name(dtype): matmul_peak(device, dtype) for dtype in {torch.float32, fast}}
    print("   measured matmul rate: " + ", ".join(f"{dtype} {rate:.2f} TFLOP/s" for dtype, rate in peaks.items()))
    rows = []
    for name in args.models:
        for side, batch in args.shapes:
            images = torch.rand(4 * batch, 1, side, side, generator=torch.Generator().manual_seed(0))
            flops = step_flops(seed_weights(build_model(name), 0).to(device), side, batch, device)
            plain = None
            for label, settings in variants:
                if settings is None:
                    speed, first = time_plain_loop(name, images, batch, args, device)
                    plain = speed
                else:
                    speed, first = time_train(name, images, batch, settings, args, device)
                dtype = fast if settings and settings["precision"] == "auto" else torch.float32
                achieved = speed * flops / 1e12
                sheet = datasheet_peak(device, dtype)
                row = {"model": name, "side": side, "batch": batch, "variant": label, "dtype": dtype_name(dtype),
                       "images_per_s": speed * batch, "speedup": speed / plain, "warmup_seconds": first,
                       "gflop_per_step": flops / 1e9, "tflop_per_s": achieved,
                       "share_of_matmul": achieved / peaks[dtype_name(dtype)],
                       "share_of_datasheet": None if sheet is None else achieved / sheet}
                rows.append(row)
                print(f"   {name} {side}x{side} b{batch}, {label}: {row['images_per_s']:.1f} images/s = "
                      f"{row['speedup']:.2f}x the plain loop; {achieved:.3f} TFLOP/s = {row['share_of_matmul']:.0%} of "
                      "the matmul rate" + ("" if sheet is None else f", {row['share_of_datasheet']:.1%} of the "
                                           "datasheet peak"), flush=True)
    print("\n| model | tiles | variant | images/s | x plain loop | TFLOP/s | share of matmul rate |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['model']} | {row['side']}x{row['side']}, batch {row['batch']} | {row['variant']} | "
              f"{row['images_per_s']:.1f} | {row['speedup']:.2f}x | {row['tflop_per_s']:.3f} | "
              f"{row['share_of_matmul']:.0%} |")
    unet = [row for row in rows if row["model"] == "unet" and row["side"] == 64 and row["variant"].startswith("train")]
    if unet:
        best = max(unet, key=lambda row: row["speedup"])
        verdict = "met" if best["speedup"] >= 1.5 else "MISSED"
        print(f"UNet 64x64: best is {best['variant']}, {best['speedup']:.2f}x the plain loop (target >= 1.5x on a "
              f"CPU: {verdict})")
    return {"device": str(device), "device_name": device_name(device), "threads": torch.get_num_threads(),
            "mixed_precision": dtype_name(fast), "matmul_tflop_per_s": peaks, "rows": rows,
            "steps": args.throughput_steps, "warmup": args.warmup}

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", default="all", choices=("costs", "throughput", "all"),
                        help="costs: comparisons 1-3; throughput: 4")
    parser.add_argument("--models", default=",".join(THROUGHPUT_MODELS), type=lambda text: text.split(","),
                        help="throughput: models (comma-separated names of nets.models)")
    parser.add_argument("--shapes", default="64x64,128x32", help="throughput: SIDExBATCH, comma-separated",
                        type=lambda text: [tuple(int(n) for n in item.split("x")) for item in text.split(",")])
    parser.add_argument("--throughput-steps", type=int, default=5, help="throughput: timed steps per variant")
    parser.add_argument("--warmup", type=int, default=2, help="throughput: untimed steps first (compiles)")
    parser.add_argument("--device", default="auto", help="throughput: torch device (auto: cuda, mps, cpu)")
    parser.add_argument("--out", type=Path, help="throughput: also write the rows as JSON")
    parser.add_argument("--no-compile", dest="compile", action="store_false",
                        help="throughput: leave out the compiled variant (torch.compile needs a C++ compiler on a CPU)")
    parser.add_argument("--model", default="unet-small", choices=MODEL_NAMES, help="model name (nets.models)")
    parser.add_argument("--batch", type=int, default=8, help="images per batch")
    parser.add_argument("--size", type=int, default=64, help="image side (square)")
    parser.add_argument("--repeats", type=int, default=9, help="timed runs of each side (best kept)")
    parser.add_argument("--steps", type=int, default=20, help="training steps per timed run")
    parser.add_argument("--masker", default="axis", choices=("axis", "random"), help="Noise2Self training masker")
    parser.add_argument("--loop-sizes", default="64,256", type=lambda text: [int(n) for n in text.split(",")],
                        help="image sides for the Python-loop comparison (comma-separated)")
    args = parser.parse_args(argv)
    size_thread_pools()  # one thread per CPU this process may use, or N2S_THREADS
    if min(args.batch, args.size, args.repeats, args.steps, *args.loop_sizes) < 1:
        parser.error("--batch, --size, --repeats, --steps and --loop-sizes must be >= 1")
    unknown = sorted(set(args.models) - set(MODEL_NAMES))
    if unknown or min(args.throughput_steps, args.warmup, *(n for shape in args.shapes for n in shape)) < 1:
        parser.error(f"--models must be names in {MODEL_NAMES} (got {unknown}); --shapes, --throughput-steps and "
                     "--warmup must be >= 1")
    if args.part in ("costs", "all"):
        costs(args)
    if args.part in ("throughput", "all"):
        load = OtherLoad()
        measured = throughput(args)
        load.report()
        if args.out:
            measured |= {"machine": platform.platform(), "torch": torch.__version__,
                         "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            args.out.write_text(json.dumps(measured, indent=2) + "\n")


def costs(args):
    """Comparisons 1-3: masking overhead, the grid masker against a Python loop, J-invariant batching."""

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
