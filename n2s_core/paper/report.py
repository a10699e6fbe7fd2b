"""Files out: how every experiment of ``paper/`` writes its PNG, CSV, Markdown and JSON (with run metadata).

Each experiment module (:mod:`.figure2`, :mod:`.table1`, :mod:`.table2_report`) computes its numbers and calls
these writers; every number in ``results/`` goes through here. Writes are atomic: a crash never leaves half a file.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path


def run_metadata(experiment: str, quick: bool, started: float, *, flags: str = "", **extra) -> dict:
    """Who, what, where and how long: enough to rerun the experiment and compare (``flags``: the command's other
    options, as typed)."""
    import numpy
    import scipy
    import skimage

    from .. import __version__

    return {
        "experiment": experiment,
        "command": f"python -m n2s_core reproduce {experiment}" + (" --quick" if quick else "") + flags,
        "quick": quick,
        "wall_seconds": round(time.perf_counter() - started, 2),
        "finished_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": {"n2s_core": __version__, "python": platform.python_version(), "numpy": numpy.__version__,
                     "scipy": scipy.__version__, "scikit-image": skimage.__version__},
        "machine": {"platform": platform.platform(), "cores": os.cpu_count()},
        **{k: list(v) if isinstance(v, tuple) else v for k, v in extra.items()},
    }


def out_dir(path) -> Path:
    """The output folder, created if needed."""
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_text(path: Path, text: str) -> None:
    """Write atomically: a crash never leaves a half-written result behind."""
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as handle:
        handle.write(text)
    os.replace(handle.name, path)


def write_json(path: Path, obj) -> None:
    write_text(path, json.dumps(obj, indent=2) + "\n")


def write_csv(path: Path, header, rows) -> None:
    """One header row, then ``rows``; ``None`` becomes an empty cell."""
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])
    os.replace(handle.name, path)


def write_npz(path: Path, **arrays) -> None:
    import numpy as np

    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, path)


def save_figure(fig, path: Path) -> None:
    """Save a matplotlib figure as PNG (110 dpi) and close it."""
    import matplotlib.pyplot as plt

    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)


def markdown(header, rows) -> str:
    """A GitHub Markdown table.

    Examples
    --------
    >>> print(markdown(["a", "b"], [[1, 2]]))
    | a | b |
    |---|---|
    | 1 | 2 |
    """
    lines = ["| " + " | ".join(map(str, header)) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(map(str, row)) + " |" for row in rows])


def camera_stem(experiment: str, camera: str) -> str:
    """``table1`` on today's camera, ``table1_paper_camera`` on the paper's: the name its files share."""
    return experiment if camera == "today" else f"{experiment}_paper_camera"


def camera_flag(camera: str) -> str:
    """The command-line option that picks ``camera``, for the command recorded in a result: ``""`` for today's."""
    return "" if camera == "today" else f" --camera {camera}"


def camera_label(camera: str) -> str:
    """``"today's camera"`` or ``"the paper's camera"``, for a result's title."""
    return "today's camera" if camera == "today" else "the paper's camera"


def camera_footer(meta: dict) -> str:
    """The closing lines of the camera experiments' Markdown: the command, the time, and which camera it was."""
    if meta.get("camera") == "paper":
        which = ("This is the paper's camera photograph (scikit-image before 0.18, fetched by `python -m n2s_core "
                 "fetch camera`), with the authors' noise: seed 3 drawn by NumPy's legacy generator, clipped"
                 + (", quantised to 8 bits." if meta.get("quantised", True) else ", not quantised (as their "
                    "single-image notebook did)."))
    else:
        which = ("Note: scikit-image 0.18 replaced the camera photo, so absolute numbers differ from the paper's; "
                 "argmins and curve shapes are what carries over (`--camera paper` runs on the paper's photo).")
    return (f"\nMade by `{meta['command']}` in {meta['wall_seconds']} s on {meta['finished_utc']} "
            f"(scikit-image {meta['versions']['scikit-image']}). {which}\n")


def fmt(value) -> str:
    """A loss with 4 decimals, a PSNR with 2, ``None`` as ``-``."""
    if value is None:
        return "-"
    return f"{value:.4f}" if abs(value) < 1 else f"{value:.2f}"


def format_params(params: dict) -> str:
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())
