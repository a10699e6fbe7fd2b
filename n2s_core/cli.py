"""Command line: ``python -m n2s_core reproduce figure2|...|table2``, ``calibrate IMAGE``, ``denoise IMAGE``.

Errors a user can fix (a missing file, a bad option) print one ``error:`` line and exit with status 2.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

import numpy as np

from .paper.table2 import DATASETS as TABLE2_DATASETS  # no torch: the table's rows and presets only

EXPERIMENTS = ("figure2", "figure3", "figure4", "figure5", "table1", "table2", "ledger")
IMAGE_SUFFIXES = (".png", ".tif", ".tiff", ".jpg", ".jpeg")


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, TypeError, OSError, ImportError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m n2s_core", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    rep = commands.add_parser("reproduce", help="reproduce a figure or table of the paper into a folder "
                              "(ledger: the page of every reproduced number, from the result files there)")
    rep.add_argument("experiment", choices=EXPERIMENTS)
    rep.add_argument("--out", default="results", help="output folder (default: results)")
    rep.add_argument("--quick", action="store_true",
                     help="figures and table1: a smaller version in seconds (figure2/table1: a 256x256 crop)")
    rep.add_argument("--dataset", choices=(*TABLE2_DATASETS, "all"), help="table2: which data set (or all three)")
    rep.add_argument("--preset", default="quick", choices=("quick", "paper", "tiny"),
                     help="table2: quick (2 CPU cores, minutes), paper (the paper's scale, a GPU) or tiny (a test)")
    rep.add_argument("--seeds", type=int, default=3, help="table2: nets trained per method (default 3)")
    rep.add_argument("--device", default="auto", help="table2: auto, cpu, cuda or mps (default auto)")
    rep.add_argument("--counts", type=Path, help="figure3: your own count matrix (.npz, .csv, .tsv, .mtx, .h5ad) "
                     "instead of the synthetic one")
    rep.add_argument("--transpose", action="store_true", default=None,
                     help="figure3: the matrix is genes x cells (default: the format's usual orientation)")
    rep.add_argument("--markers", help="figure3: three gene names for the scatter panels, e.g. Mpo,Klf1,Ifitm1")
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

    den = commands.add_parser("denoise", help="train a net by Noise2Self on one noisy image and denoise it")
    den.add_argument("image", type=Path, help="PNG, JPEG or TIFF (8 or 16 bit); 2-D gray or RGB (alpha dropped)")
    den.add_argument("--out", type=Path, required=True,
                     help="denoised image; format from its extension, bit depth from the input")
    den.add_argument("--model", default="unet-small", help="unet-small, unet or dncnn (default unet-small)")
    den.add_argument("--steps", type=int, default=300, help="training steps (default 300)")
    den.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate (default 3e-3)")
    den.add_argument("--invariant", action="store_true", help="J-invariant prediction (16 passes) instead of one")
    den.add_argument("--seed", type=int, default=0, help="seeds weights, crops and masks (default 0)")
    den.add_argument("--structured", choices=("horizontal", "vertical"),
                     help="structured mask (structN2V) for noise correlated along rows (horizontal) or columns")
    den.add_argument("--mask-span", type=int, metavar="K",
                     help="pixels hidden on each side of a held-out one along --structured (default 2 with it)")
    den.add_argument("--report", type=Path, help="JSON run report (default: OUTPUT with a .json suffix)")
    den.add_argument("--device", default="auto", help="auto, cpu, cuda or mps (default auto)")
    den.set_defaults(run=_denoise)
    return parser


def _reproduce(args) -> int:
    from .paper.figure2 import reproduce_figure2
    from .paper.table1_report import reproduce_table1
    from .paper.table2_report import reproduce_table2, write_table2_overview

    if args.experiment == "table2":
        if args.dataset is None:
            raise ValueError("reproduce table2 needs --dataset hanzi, cellnet, imagenet or all")
        for dataset in TABLE2_DATASETS if args.dataset == "all" else (args.dataset,):
            result = reproduce_table2(args.out, dataset=dataset, preset=args.preset, seeds=args.seeds,
                                      device=args.device)
            print(f"wrote table2_{dataset}_{args.preset}.csv/.md/.json/.png to {args.out} in "
                  f"{result['meta']['wall_seconds']} s")
        if args.dataset == "all":
            write_table2_overview(args.out, preset=args.preset)
            print(f"wrote table2_{args.preset}.md (all three data sets, ours beside the paper's) to {args.out}")
        return 0
    if args.experiment == "ledger":
        from .paper.ledger import write_ledger

        print(f"wrote {write_ledger(args.out)} from the result files there")
        return 0
    from .paper.figure3 import reproduce_figure3
    from .paper.figure4 import reproduce_figure4
    from .paper.figure5 import reproduce_figure5

    if args.experiment == "figure3":
        markers = args.markers.split(",") if args.markers else None
        result = reproduce_figure3(args.out, quick=args.quick, counts_path=args.counts, markers=markers,
                                   transpose=args.transpose)
        print(f"wrote figure3.png/.csv/.md/.json to {args.out} in {result['meta']['wall_seconds']} s")
        return 0
    if args.counts or args.markers or args.transpose:
        raise ValueError("--counts, --markers and --transpose belong to reproduce figure3")
    run = {"figure2": reproduce_figure2, "figure4": reproduce_figure4, "figure5": reproduce_figure5,
           "table1": reproduce_table1}[args.experiment]
    result = run(args.out, quick=args.quick)
    print(f"wrote {args.experiment}.png/.csv/.md/.json to {args.out} in {result['meta']['wall_seconds']} s")
    return 0


def _calibrate(args) -> int:
    from .classical.calibration import calibrate_denoiser
    from .classical.denoisers import get_method

    image, channel_axis = read_image(args.image)
    method = get_method(args.method)
    grid = dict(method.grid(image, channel_axis=channel_axis))
    grid.update(parse_param(p) for p in args.param)
    if channel_axis is not None:
        grid["channel_axis"] = [channel_axis]
    result = calibrate_denoiser(image, method.function, grid, stride=args.stride, approximate=args.approximate,
                                channel_axis=channel_axis, invariant=method.invariant, progress=True)
    report = {"image": str(args.image), "shape": list(image.shape), "method": method.name, **result.to_dict()}
    if args.denoised:
        write_image(args.denoised, result.denoiser(image), like=args.image)
        report["denoised"] = str(args.denoised)
    text = json.dumps(report, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    else:
        print(text)
    return 0


def _denoise(args) -> int:
    from .nets.single_image import MODELS  # imports torch, so only here

    if args.model not in MODELS:
        raise ValueError(f"unknown model {args.model!r}; choose one of {', '.join(MODELS)}")
    report_path = args.report or args.out.with_suffix(".json")
    if args.mask_span is not None and (args.structured is None or args.mask_span < 1):
        raise ValueError("--mask-span needs --structured horizontal|vertical and a value >= 1, e.g. "
                         "--structured horizontal --mask-span 2")
    span = 0 if args.structured is None else (2 if args.mask_span is None else args.mask_span)
    _check_outputs(args.image, args.out, report_path)
    image, channel_axis = read_image(args.image)
    if args.out.suffix.lower() in (".jpg", ".jpeg") and _file_dtype(args.image) == np.uint16:
        raise ValueError(f"{args.image} is 16-bit but JPEG holds 8 bits; write --out as .tif or .png")
    from .nets.single_image import denoise_image

    denoised, report = denoise_image(image, channel_axis=channel_axis, model=args.model, steps=args.steps,
                                     lr=args.lr, seed=args.seed, device=args.device, invariant=args.invariant,
                                     mask_span=span, mask_direction=args.structured or "horizontal")
    write_image(args.out, denoised, like=args.image)
    report = {"image": str(args.image), "output": str(args.out), **report}
    report_path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out} and {report_path} in {report['wall_seconds']} s (final loss {report['final_loss']:.4g})")
    return 0


def _check_outputs(image: Path, out: Path, report: Path) -> None:
    """Refuse, before any training, outputs that would overwrite the input or that cannot be written."""
    for name, path in (("--out", out), ("--report", report)):
        if path.resolve() == image.resolve() or (path.exists() and image.exists() and path.samefile(image)):
            raise ValueError(f"{name} {path} is the input image; choose another path (the input is never modified)")
        if not path.parent.is_dir():
            raise ValueError(f"{name} {path}: folder {path.parent} does not exist; create it first")
    if out.suffix.lower() not in IMAGE_SUFFIXES:
        raise ValueError(f"--out {out} has an unsupported extension; use one of {', '.join(IMAGE_SUFFIXES)}")


def parse_param(text: str) -> tuple[str, list]:
    """``"h=0.05,0.1"`` -> ``("h", [0.05, 0.1])``; values are Python literals, plain words stay strings."""
    name, sep, values = text.partition("=")
    if not sep or not name or not values:
        raise ValueError(f"--param must look like NAME=V1,V2 (e.g. h=0.05,0.1), got {text!r}")
    return name.strip(), [_literal(v.strip()) for v in values.split(",")]


def read_image(path: Path):
    """Read a 2-D gray or RGB(A) image as float on [0, 1]; returns ``(image, channel_axis)``."""
    from skimage import io
    from skimage.util import img_as_float

    if not path.is_file():
        raise ValueError(f"no such image file: {path}")
    try:
        raw = io.imread(path)
    except Exception as error:  # the readers raise many types for a corrupt file
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(f"could not read {path} as an image ({reason})") from None
    if raw.ndim == 3 and raw.shape[-1] == 4:
        raw = raw[..., :3]
    if not (raw.ndim == 2 or (raw.ndim == 3 and raw.shape[-1] == 3)):
        raise ValueError(f"{path} has shape {raw.shape}; only 2-D gray (H, W) or RGB (H, W, 3) images are supported")
    return img_as_float(raw), (-1 if raw.ndim == 3 else None)


def _file_dtype(path: Path):
    from skimage import io

    return io.imread(path).dtype


def write_image(path: Path, image, *, like: Path) -> None:
    """Write ``image`` (float on [0, 1]) with the bit depth of the file ``like``."""
    from skimage import io
    from skimage.util import img_as_ubyte, img_as_uint

    dtype = _file_dtype(like)
    image = np.clip(image, 0, 1)
    converted = img_as_uint(image) if dtype == np.uint16 else img_as_ubyte(image)
    io.imsave(path, converted, check_contrast=False)


def _literal(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text

