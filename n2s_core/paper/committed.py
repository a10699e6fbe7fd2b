"""The committed results the notebooks show, shipped inside the package so that a notebook opened alone has them.

Colab opens one ``.ipynb`` with no ``results/`` folder beside it, and ``pip install`` brings the package only. So the
files the notebooks read (Table 1, the Table 2 reports and example tiles, the time-to-quality benchmark) live in
``n2s_core/paper/results/``, and the repository's ``results/`` holds a relative symbolic link to each: one copy, the
package's. An experiment writes a new file into ``results/`` (replacing the link); :func:`bundle` (``make reproduce``
and ``make table2`` call it) moves it into the package and puts the link back. A test checks every link.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np

FOLDER = Path(__file__).resolve().parent / "results"
DATASETS = ("hanzi", "imagenet", "cellnet")
FILES = ("table1.json", "table1.md", "table1_paper_camera.json", "single_image_paper_camera.json",
         "single_image_depth17_paper_camera.json", "figure3_celltypist-sample.json", "figure5_mnist.json",
         "bench_time_to_quality.json", "bench_time_to_quality_ablation.json", "family.json", "checkerboard.json",
         "table2_quick.md",
         *(f"table2_{name}_quick.{ext}" for name in DATASETS for ext in ("json", "md")),
         *(f"table2_{name}_quick_examples.npz" for name in DATASETS))


def path(name: str) -> Path:
    """The shipped copy of ``results/NAME``; a clear error for a file that is not shipped or is missing."""
    if name not in FILES:
        raise KeyError(f"{name!r} is not among the shipped results; choose one of {', '.join(FILES)}")
    file = FOLDER / name
    if not file.is_file():
        raise FileNotFoundError(f"{file} is missing from this installation: reinstall n2s-core, or run `make "
                                "reproduce` and `make table2` in the repository (they refresh the shipped copies)")
    return file


def load_json(name: str) -> dict:
    """A shipped JSON result, e.g. ``load_json("table1.json")``."""
    return json.loads(path(name).read_text(encoding="utf-8"))


def read_markdown(name: str, *, title: bool = True) -> str:
    """A shipped Markdown report; ``title=False`` drops its first line (the ``# ...`` heading)."""
    text = path(name).read_text(encoding="utf-8")
    return text if title else text.split("\n", 1)[1]


def load_npz(name: str) -> dict[str, np.ndarray]:
    """A shipped ``.npz`` of arrays (the Table 2 example tiles), as a plain dict."""
    with np.load(path(name)) as arrays:
        return {key: arrays[key] for key in arrays.files}


def bundle(source: str | Path = "results", target: str | Path = FOLDER) -> list[str]:
    """Move every shipped file written anew in ``source`` (a plain file, not the link) into ``target``, and leave a
    relative link to it in its place; returns the names moved. Links already in place are left alone."""
    source, target = Path(source), Path(target)
    if not source.is_dir():
        raise FileNotFoundError(f"no results folder at {source}; run `make reproduce` first")
    target.mkdir(parents=True, exist_ok=True)
    moved = [name for name in FILES if (source / name).is_file() and not (source / name).is_symlink()]
    for name in moved:
        shutil.move(source / name, target / name)
        (source / name).symlink_to(os.path.relpath(target / name, source))
    return moved
