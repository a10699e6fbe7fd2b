"""Tests of n2s_core.paper.table2_runs: every row runs on a toy set, seeded, resumable, summarised beside the paper."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import numpy as np
import pytest

import n2s_core.paper.table2_runs as table2_runs
from n2s_core import psnr
from n2s_core.paper.table2 import CLASSICAL, METHODS, Preset
from n2s_core.paper.table2_runs import run_method, summarize

TINY = Preset(data={}, steps=4, batch_size=4, crop=16, unet={"features": (4, 8)}, dncnn={"depth": 2, "features": 4},
              n_test=3, n_calibration=1, approximate_calibration=True, val_every=2)


@dataclass(frozen=True)
class Toy:
    """Just what the harness reads of a NoisyDataset: 12 noisy squares of 24x24, split 6/3/3."""

    clean: np.ndarray
    noisy: np.ndarray
    noisy2: np.ndarray
    split: np.ndarray
    channel_axis: int | None = None
    description: str = "toy squares"
    substitute: bool = True

    def part(self, which):
        keep = self.split == {"train": 0, "val": 1, "test": 2}[which]
        return replace(self, clean=self.clean[keep], noisy=self.noisy[keep], noisy2=self.noisy2[keep],
                       split=self.split[keep])


@pytest.fixture(scope="module")
def toy():
    rng = np.random.default_rng(0)
    clean = np.zeros((12, 24, 24), np.float32)
    for i, (r, c) in enumerate(rng.integers(2, 14, size=(12, 2))):
        clean[i, r:r + 8, c:c + 8] = 0.8
    noise = lambda: np.clip(clean + rng.normal(0, 0.3, clean.shape), 0, 1).astype(np.float32)  # noqa: E731
    return Toy(clean, noise(), noise(), np.repeat(np.array([0, 1, 2], np.int8), [6, 3, 3]))


def test_every_classical_record_scores_the_test_tiles(toy):
    raw = run_method("raw", toy, TINY, progress=False)
    expected = np.mean([psnr(c, n) for c, n in zip(toy.part("test").clean, toy.part("test").noisy, strict=True)])
    assert raw["psnr"] == pytest.approx(expected) and raw["n_test"] == 3 and raw["method"] == "raw"
    nlm = run_method("nlm", toy, TINY, progress=False)
    calibrated = run_method("nlm-calibrated", toy, TINY, progress=False)
    assert nlm["psnr"] > raw["psnr"] and calibrated["psnr"] > raw["psnr"]
    assert calibrated["parameters"] in calibrated["grid"] and calibrated["approximate_loss"] is True
    assert np.asarray(nlm["example"]).shape == (24, 24)


def test_every_record_holds_both_rescaled_psnrs(toy):
    """Moments (the supplement's rule) and least squares (the authors' util.mse): per tile and in the mean."""
    record = run_method("nlm", toy, TINY, progress=False)
    clean = toy.part("test").clean
    outputs = [toy.part("test").noisy[0]]  # the raw input's first tile stands in for an output
    assert set(table2_runs.RESCALED) == {"psnr_rescaled", "psnr_rescaled_lstsq"}
    for key, rule in table2_runs.RESCALED.items():
        assert record[key] == pytest.approx(np.mean(record[f"tile_{key}"]), abs=1e-3)
        assert len(record[f"tile_{key}"]) == 3
        raw = run_method("raw", toy, TINY, progress=False)
        assert raw[f"tile_{key}"][0] == pytest.approx(psnr(clean[0], outputs[0], rescale=rule), abs=1e-4)
    assert all(lstsq >= moments - 1e-4 for lstsq, moments in zip(record["tile_psnr_rescaled_lstsq"],
                                                                  record["tile_psnr_rescaled"], strict=True))
    assert record["psnr_rescaled_lstsq"] > record["psnr_rescaled"]  # least squares never scores lower


@pytest.mark.parametrize("method", [m for m in METHODS if m not in CLASSICAL])
def test_every_net_trains_and_reports(toy, method):
    record = run_method(method, toy, TINY, seed=1, device="cpu", progress=False)
    assert record["steps"] == 4 and record["seed"] == 1 and record["config"]["mode"] == method.split("-")[1]
    assert record["val_steps"] == [2, 4] and np.isfinite(record["psnr_rescaled"]) and record["resumed"] is False
    assert record["device"] == "cpu" and record["n_parameters"] > 0


def test_same_seed_same_net_other_seed_other_net(toy):
    a, b, c = (run_method("unet-n2s", toy, TINY, seed=s, device="cpu", progress=False)["example"] for s in (0, 0, 1))
    assert a == b and a != c


def test_an_interrupted_run_resumes_to_the_uninterrupted_result(toy, tmp_path, monkeypatch):
    preset = replace(TINY, steps=8)
    whole = run_method("dncnn-n2n", toy, preset, device="cpu", progress=False, work_dir=tmp_path / "a")
    real_train = table2_runs.train

    def interrupted(*args, **kwargs):
        def stop(step, loss, val):
            if step == 5:  # after the checkpoint of step 4
                raise KeyboardInterrupt
        return real_train(*args, **kwargs, callback=stop)

    monkeypatch.setattr(table2_runs, "train", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_method("dncnn-n2n", toy, preset, device="cpu", progress=False, work_dir=tmp_path / "b")
    assert (tmp_path / "b" / "dncnn-n2n_seed0.pt").is_file() and not (tmp_path / "b" / "dncnn-n2n_seed0.json").exists()
    monkeypatch.setattr(table2_runs, "train", real_train)
    resumed = run_method("dncnn-n2n", toy, preset, device="cpu", progress=False, work_dir=tmp_path / "b")
    assert resumed["resumed"] is True and resumed["example"] == whole["example"]
    assert resumed["psnr"] == whole["psnr"]
    saved = json.loads((tmp_path / "b" / "dncnn-n2n_seed0.json").read_text())
    monkeypatch.setattr(table2_runs, "_run_net", lambda *a, **k: pytest.fail("a finished run must not run again"))
    assert run_method("dncnn-n2n", toy, preset, device="cpu", progress=False, work_dir=tmp_path / "b") == saved


def test_summary_averages_seeds_and_sits_beside_the_paper():
    records = [{"method": "unet-n2s", "psnr": p, "psnr_rescaled": p + 1, "psnr_rescaled_lstsq": p + 2,
                "wall_seconds": 2.0} for p in (10.0, 12.0)]
    records.append({"method": "nlm-calibrated", "psnr": 9.0, "psnr_rescaled": 9.5, "wall_seconds": 1.0})
    unet, nlm = summarize(records, "hanzi")
    assert (unet["psnr"], unet["psnr_std"], unet["psnr_rescaled"], unet["n_seeds"]) == (11.0, 1.0, 12.0, 2)
    assert (unet["psnr_rescaled_lstsq"], unet["psnr_rescaled_lstsq_std"]) == (13.0, 1.0)
    assert "psnr_rescaled_lstsq" not in nlm  # a record from before both were kept: no number made up
    assert summarize(records[:1], "nuclei")[0]["paper"] == 32.8  # the nuclei stand beside the paper's CellNet
    assert (unet["paper"], unet["paper_std"]) == (13.8, 0.3)
    assert nlm["paper"] is None and nlm["psnr_std"] == 0.0  # beyond the paper: no number to compare with


def test_the_work_folder_key_changes_with_the_data_and_the_record_format(monkeypatch):
    from n2s_core.data import datasets

    key = table2_runs.work_key("imagenet", "quick")
    assert key == table2_runs.work_key("imagenet", "quick") and key != table2_runs.work_key("cellnet", "quick")
    monkeypatch.setattr(datasets, "_CACHE_VERSION", datasets._CACHE_VERSION + 1)  # a generator changed
    assert table2_runs.work_key("imagenet", "quick") != key
    monkeypatch.undo()
    monkeypatch.setattr(table2_runs, "RECORD_VERSION", table2_runs.RECORD_VERSION + 1)  # records hold more
    assert table2_runs.work_key("imagenet", "quick") != key


def test_bad_methods_and_missing_bm3d_are_reported(toy, monkeypatch):
    with pytest.raises(ValueError, match="unknown method 'unet-n2v'"):
        run_method("unet-n2v", toy, TINY)
    monkeypatch.setattr(table2_runs, "bm3d_available", lambda: False)
    with pytest.raises(ImportError, match="pip install"):
        run_method("bm3d", toy, TINY)
