"""Running the dataset table: one (method, seed) pair at a time, resumable, then a summary over seeds.

Scores are mean PSNR over the test split, plain and rescaled by both rules in use (:data:`RESCALED`); nets are
averaged over seeds (the paper: five trained models).

One run is one (method, seed) pair. Each writes ``<method>_seed<k>.json`` into a work folder when it finishes,
and nets checkpoint while they train, so an interrupted reproduction skips finished runs and resumes the one it
was in. The data is generated once per dataset and preset (:func:`n2s_core.data.datasets.load_dataset`); only the
seeds of the nets change between repetitions. This module imports torch.
"""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from .._checks import check_choice
from ..classical.calibration import calibrate_denoiser, expand_grid, swept_parameter
from ..classical.denoisers import bm3d_available, get_method
from ..metrics import psnr
from ..nets.inference import predict_single_pass
from ..nets.models import build_model, count_parameters, seed_weights
from ..nets.training import TrainConfig, pick_device, train
from .table2 import CLASSICAL, METHODS, PAPER_COLUMN, PAPER_TABLE2, Preset, get_preset

# The two rescaled PSNRs (n2s_core.metrics.rescale_to); which one made the paper's Table 2 is not known (no code for
# it was released). "moments": the output given the clean tile's mean and standard deviation, as the paper's
# supplement describes. "least squares": both centred, then the least-squares gain, as the authors' util.mse(
# rescale=True) does (github.com/czbiohub-sf/noise2self, util.py); never below the moments score.
RESCALED = {"psnr_rescaled": "moments", "psnr_rescaled_lstsq": "least-squares"}
SCORES = ("psnr", *RESCALED)
RECORD_VERSION = 2  # bump when a record's contents change (2: both rescaled PSNRs), so old work folders are not reused


def run_method(method: str, data, preset: Preset, *, seed: int = 0, work_dir=None, device: str = "auto",
               progress: bool = True) -> dict:
    """Score one method with one seed on ``data`` (a :class:`~n2s_core.data.noisy_dataset.NoisyDataset`).

    Returns the run's record: its scores, settings and wall time.

    With ``work_dir`` the record is saved as ``<method>_seed<seed>.json`` and returned as is on the next call, and
    nets checkpoint to ``<method>_seed<seed>.pt`` and resume from it after an interruption. A work folder belongs
    to one data set and preset: after changing a preset's settings, delete it (or use another) to start afresh.
    """
    check_choice(method, METHODS, name="method")
    path = None if work_dir is None else Path(work_dir) / f"{method}_seed{seed}.json"
    if path is not None and path.is_file():
        return json.loads(path.read_text())
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    clean, noisy = test_tiles(data, preset)
    clock = time.perf_counter()
    if method in CLASSICAL:
        record, outputs = _run_classical(method, data, noisy, preset)
    else:
        record, outputs = _run_net(method, data, noisy, preset, seed=seed, device=device, progress=progress,
                                   checkpoint=None if path is None else path.with_suffix(".pt"))
    record.update(method=method, seed=seed, wall_seconds=round(time.perf_counter() - clock, 2),
                  **_scores(clean, outputs))
    record["example"] = np.asarray(outputs[0], dtype=np.float32).round(4).tolist()  # first test tile, for figures
    if path is not None:
        temporary = path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(record))
        temporary.replace(path)  # a finished run is all there or not there
    return record


def test_tiles(data, preset: Preset) -> tuple[np.ndarray, np.ndarray]:
    """``(clean, noisy)`` of the scored test tiles: the first ``preset.n_test`` of the test split."""
    test = data.part("test")
    return test.clean[:preset.n_test], test.noisy[:preset.n_test]


def test_groups(data, preset: Preset) -> np.ndarray:
    """The source of each scored test tile (Hanzi: character; crops: region): tiles of one group are not
    independent, so spreads over the test set are taken over groups."""
    return np.asarray(data.part("test").groups[:preset.n_test])


def _scores(clean: np.ndarray, outputs: np.ndarray) -> dict:
    """Mean PSNR over test tiles: plain (outputs clipped to [0, 1]) and rescaled onto each clean tile by both rules
    of :data:`RESCALED` (the paper rescales its methods' outputs).

    The per-tile values are kept (4 decimals) so that the summary can give a spread over tiles and regions.
    """
    pairs = list(zip(clean, outputs, strict=True))
    tiles = {"psnr": [psnr(c, np.clip(o, 0, 1)) for c, o in pairs]}
    tiles.update({key: [psnr(c, o, rescale=rule) for c, o in pairs] for key, rule in RESCALED.items()})
    return {**{key: float(np.mean(values)) for key, values in tiles.items()}, "n_test": len(clean),
            **{f"tile_{key}": np.round(values, 4).tolist() for key, values in tiles.items()}}


def work_key(dataset: str, preset: str) -> str:
    """A short hash of one table's data, settings and record format: finished runs are reused only under it."""
    import hashlib

    from ..data.datasets import dataset_key

    settings = get_preset(dataset, preset)
    what = {"data": dataset_key(dataset, **settings.data), "settings": asdict(settings), "record": RECORD_VERSION}
    return hashlib.sha256(json.dumps(what, sort_keys=True, default=repr).encode()).hexdigest()[:12]


SKIMAGE_NLM_RULE = "scikit-image's own defaults: h 0.1, patch 7, distance 11, fast"


def _run_classical(method: str, data, noisy: np.ndarray, preset: Preset) -> tuple[dict, np.ndarray]:
    """The noisy input itself, or NL-means / BM3D at defaults or at the setting the self-supervised loss picks.

    Defaults follow :mod:`n2s_core.classical.denoisers` (for NL-means the authors' rule, worked out per tile from
    its estimated noise level); ``nlm-skimage`` uses scikit-image's own defaults instead.
    """
    if method == "raw":
        return {}, noisy
    name = "nl_means" if method.startswith("nlm") else "bm3d"
    if name == "bm3d" and not bm3d_available():
        raise ImportError("BM3D needs the optional package: pip install 'n2s-core[bm3d]'")
    denoiser, axis = get_method(name), data.channel_axis
    if method.endswith("calibrated"):
        params, record = _calibrate(denoiser, data.part("val").noisy[:preset.n_calibration], axis,
                                    approximate=preset.approximate_calibration)
        settings = [params] * len(noisy)
    else:
        skimage = method == "nlm-skimage"
        settings = [dict(denoiser.library_defaults) if skimage else denoiser.defaults(image, channel_axis=axis)
                    for image in noisy]
        record = {"default_rule": SKIMAGE_NLM_RULE if skimage else denoiser.default_rule,
                  "parameters": settings[0]}  # of the first tile; the rule may set them per tile
    outputs = np.stack([denoiser.function(image, channel_axis=axis, **params)
                        for image, params in zip(noisy, settings, strict=True)])
    return record, outputs


def _calibrate(denoiser, images: np.ndarray, axis, *, approximate: bool, widen: int = 4) -> tuple[dict, dict]:
    """The grid setting with the lowest self-supervised loss summed over ``images`` (noisy only, no clean).

    When the best setting is the first or last of the swept parameter's values, the grid is extended two steps
    further that way (same ratio as its end steps) and only the new settings are scored, up to ``widen`` times,
    so that the choice is an interior minimum; ``best_on_edge`` says whether it still is not.
    """
    grid = expand_grid(denoiser.grid(images[0], channel_axis=axis))
    key, scored, widened = swept_parameter(grid), {}, 0
    while True:
        todo = [p for p in grid if repr(p) not in scored]
        with warnings.catch_warnings():  # edges are handled here, by widening
            warnings.simplefilter("ignore", UserWarning)
            results = [calibrate_denoiser(image, denoiser.function, todo, channel_axis=axis, approximate=approximate)
                       for image in images]
        scored.update(zip(map(repr, todo), np.sum([r.losses for r in results], axis=0), strict=True))
        losses = [float(scored[repr(p)]) for p in grid]
        best = int(np.argmin(losses))
        if 0 < best < len(grid) - 1 or widened == widen:
            break
        grid, widened = _widen(grid, key, low=best == 0), widened + 1
    on_edge = best in (0, len(grid) - 1)
    if on_edge:
        warnings.warn(f"{denoiser.name}: the best {key} still lies on the edge of the grid after widening it "
                      f"{widen} times", UserWarning, stacklevel=2)
    return grid[best], {"parameters": grid[best], "grid": grid, "calibration_losses": losses,
                        "approximate_loss": approximate, "loss": "one subset of 16" if approximate else "exact",
                        "widened": widened, "best_on_edge": on_edge}


def _widen(grid: list[dict], key: str, *, low: bool) -> list[dict]:
    """Two more settings beyond the low or high end of ``key``'s (positive, increasing) values, geometrically."""
    values = [p[key] for p in grid]
    end, ratio = (values[0], values[0] / values[1]) if low else (values[-1], values[-1] / values[-2])
    extra = [{**(grid[0] if low else grid[-1]), key: round(end * ratio ** k, 5)} for k in (1, 2)]
    return extra[::-1] + grid if low else grid + extra


def _run_net(method: str, data, noisy: np.ndarray, preset: Preset, *, seed: int, device: str, progress: bool,
             checkpoint) -> tuple[dict, np.ndarray]:
    """Train a fresh net by the method's mode on the training split, then predict the test tiles in one pass."""
    name, mode = method.split("-")
    train_part, val_part = data.part("train"), data.part("val")
    target = {"n2s": None, "n2n": train_part.noisy2, "n2t": train_part.clean}[mode]
    val_target = {"n2s": None, "n2n": val_part.noisy2, "n2t": val_part.clean}[mode]
    channels = 1 if data.channel_axis is None else data.clean.shape[-1]
    model = seed_weights(build_model(name, in_channels=channels, **getattr(preset, name)), seed)
    config = TrainConfig(mode=mode, steps=preset.steps_for(len(train_part.noisy)), batch_size=preset.batch_size,
                         lr=preset.lr, crop=preset.crop, seed=seed, device=device,
                         precision="auto" if pick_device(device).type == "cuda" else "float32",  # bf16/fp16 on a GPU
                         val_every=preset.val_every, checkpoint=None if checkpoint is None else str(checkpoint),
                         checkpoint_every=max(1, preset.val_every))
    resume = checkpoint is not None and Path(checkpoint).is_file()
    result = train(model, _to_batch(train_part.noisy), config=config, target=_to_batch(target),
                   val_noisy=_to_batch(val_part.noisy[:64]), val_target=_to_batch(val_target, 64),
                   progress=progress, resume=resume)
    outputs = _predict(model, noisy, channel_axis=data.channel_axis, batch_size=preset.batch_size)
    record = {"n_parameters": count_parameters(model), "steps": config.steps, "device": result.device,
              "train_seconds": round(result.wall_time, 2), "resumed": resume, "config": asdict(config),
              "final_train_loss": result.train_loss[-1], "val_loss": result.val_loss, "val_steps": result.val_steps}
    return record, outputs


def _to_batch(images: np.ndarray | None, limit: int | None = None) -> torch.Tensor | None:
    """(N, H, W) or (N, H, W, C) float images -> a float32 tensor (N, C, H, W), sharing memory where it can."""
    if images is None:
        return None
    images = np.ascontiguousarray(images[:limit], dtype=np.float32)
    with warnings.catch_warnings():  # the data set's arrays are read-only on purpose; training only reads them
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        x = torch.from_numpy(images)
    return x[:, None] if x.ndim == 3 else x.permute(0, 3, 1, 2)


def _predict(model, images: np.ndarray, *, channel_axis, batch_size: int) -> np.ndarray:
    device = next(model.parameters()).device
    parts = [predict_single_pass(model, _to_batch(images[i:i + batch_size]).to(device)).float().cpu()
             for i in range(0, len(images), batch_size)]
    out = torch.cat(parts).numpy()  # (N, C, H, W)
    return out[:, 0] if channel_axis is None else out.transpose(0, 2, 3, 1)


def run_table2(dataset: str, *, preset: str = "quick", seeds: int = 3, work_dir=None, methods=None,
               device: str = "auto", progress: bool = True) -> dict:
    """Every method (nets once per seed) on one dataset; returns the records and a summary per method.

    Missing BM3D is reported in ``missing`` rather than failing the run. ``work_dir`` makes the run resumable.
    """
    from ..data.datasets import load_dataset

    settings = get_preset(dataset, preset)
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise ValueError(f"seeds must be an int >= 1, got {seeds!r}")
    methods = METHODS if methods is None else tuple(check_choice(m, METHODS, name="method") for m in methods)
    skipped = [m for m in methods if m.startswith("bm3d") and not bm3d_available()]
    data = load_dataset(dataset, **settings.data)
    jobs = [(m, s) for m in methods if m not in skipped for s in (range(seeds) if m not in CLASSICAL else [0])]
    records = []
    for method, seed in tqdm(jobs, desc=f"table 2 {dataset} ({preset})", unit="run", disable=not progress):
        records.append(run_method(method, data, settings, seed=seed, work_dir=work_dir, device=device,
                                  progress=progress))
    groups = test_groups(data, settings)
    return {"dataset": dataset, "preset": preset, "seeds": seeds, "description": data.description,
            "paper_column": PAPER_COLUMN.get(dataset, dataset), "rescaled": RESCALED,
            "example_clean": test_tiles(data, settings)[0][0],  # the tile of each record's "example"
            "substitute": bool(data.substitute), "settings": asdict(settings), "missing": skipped,
            "test_groups": groups.tolist(), "n_test_groups": int(len(np.unique(groups))),
            "records": records, "summary": summarize(records, dataset, groups=groups)}


def summarize(records: list[dict], dataset: str, *, groups=None) -> list[dict]:
    """One row per method: mean and standard deviation over seeds (population std), beside the paper's number.

    With ``groups`` (the source of each test tile) each row also gets ``*_tile_se``: the standard error of the mean
    over independent test groups (per-group means of the seed-averaged tile PSNRs, sample std / sqrt(groups)).
    """
    rows = []
    for method in dict.fromkeys(r["method"] for r in records):
        mine = [r for r in records if r["method"] == method]
        paper = PAPER_TABLE2[dataset].get(method)  # rows beyond the paper: None
        paper_mean, paper_std = paper if isinstance(paper, tuple) else (paper, None)
        row = {"method": method, "n_seeds": len(mine), "paper": paper_mean, "paper_std": paper_std}
        for key in (*SCORES, "wall_seconds"):
            if all(key in r for r in mine):  # records from before RECORD_VERSION 2 lack the least-squares score
                values = np.array([r[key] for r in mine], dtype=float)
                row[key], row[f"{key}_std"] = float(values.mean()), float(values.std())
        for key in SCORES:
            if groups is not None and all(f"tile_{key}" in r for r in mine):
                row[f"{key}_tile_se"] = _group_se(np.mean([r[f"tile_{key}"] for r in mine], axis=0), groups)
        rows.append(row)
    return rows


def _group_se(values: np.ndarray, groups) -> float | None:
    """Standard error of the mean of ``values`` over independent groups; None with fewer than two groups."""
    groups = np.asarray(groups)
    means = np.array([values[groups == g].mean() for g in np.unique(groups)])
    return float(means.std(ddof=1) / np.sqrt(len(means))) if len(means) > 1 else None
