"""The dataset-table harness: records, scores, seeds, resume after an interruption, missing BM3D, presets."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import numpy as np
import pytest

import n2s_core.table2 as table2
from n2s_core import psnr
from n2s_core.table2 import METHODS, PAPER_TABLE2, PRESETS, Preset, get_preset, run_method, summarize

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


@pytest.mark.parametrize("method", [m for m in METHODS if m not in table2.CLASSICAL])
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
    real_train = table2.train

    def interrupted(*args, **kwargs):
        def stop(step, loss, val):
            if step == 5:  # after the checkpoint of step 4
                raise KeyboardInterrupt
        return real_train(*args, **kwargs, callback=stop)

    monkeypatch.setattr(table2, "train", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_method("dncnn-n2n", toy, preset, device="cpu", progress=False, work_dir=tmp_path / "b")
    assert (tmp_path / "b" / "dncnn-n2n_seed0.pt").is_file() and not (tmp_path / "b" / "dncnn-n2n_seed0.json").exists()
    monkeypatch.setattr(table2, "train", real_train)
    resumed = run_method("dncnn-n2n", toy, preset, device="cpu", progress=False, work_dir=tmp_path / "b")
    assert resumed["resumed"] is True and resumed["example"] == whole["example"]
    assert resumed["psnr"] == whole["psnr"]
    saved = json.loads((tmp_path / "b" / "dncnn-n2n_seed0.json").read_text())
    monkeypatch.setattr(table2, "_run_net", lambda *a, **k: pytest.fail("a finished run must not run again"))
    assert run_method("dncnn-n2n", toy, preset, device="cpu", progress=False, work_dir=tmp_path / "b") == saved


def test_summary_averages_seeds_and_sits_beside_the_paper():
    records = [{"method": "unet-n2s", "psnr": p, "psnr_rescaled": p + 1, "wall_seconds": 2.0} for p in (10.0, 12.0)]
    records.append({"method": "nlm-calibrated", "psnr": 9.0, "psnr_rescaled": 9.5, "wall_seconds": 1.0})
    unet, nlm = summarize(records, "hanzi")
    assert (unet["psnr"], unet["psnr_std"], unet["psnr_rescaled"], unet["n_seeds"]) == (11.0, 1.0, 12.0, 2)
    assert (unet["paper"], unet["paper_std"]) == (13.8, 0.3)
    assert nlm["paper"] is None and nlm["psnr_std"] == 0.0  # beyond the paper: no number to compare with


def test_paper_numbers_cover_every_paper_method_and_presets_are_complete():
    for numbers in PAPER_TABLE2.values():
        assert set(numbers) == {m for m in METHODS if "calibrated" not in m}
    assert PAPER_TABLE2["hanzi"]["unet-n2s"] == (13.8, 0.3) and PAPER_TABLE2["imagenet"]["raw"] == 9.4
    for dataset in table2.DATASETS:
        quick = get_preset(dataset, "quick")  # a fixed, CPU-sized number of steps; the paper's counts epochs
        assert get_preset(dataset, "paper").steps is None and quick.steps is not None and quick.steps <= 1000
    assert get_preset("hanzi", "paper").steps_for(54_722) == 25_651  # 30 epochs of 54,722 tiles, batch 64
    assert get_preset("imagenet", "paper").batch_size == 32
    with pytest.raises(ValueError, match="unknown preset 'huge'"):
        get_preset("hanzi", "huge")
    with pytest.raises(ValueError, match="unknown dataset 'bsd68'"):
        get_preset("bsd68", "quick")
    assert "tiny" in PRESETS


def test_bad_methods_and_missing_bm3d_are_reported(toy, monkeypatch):
    with pytest.raises(ValueError, match="unknown method 'unet-n2v'"):
        run_method("unet-n2v", toy, TINY)
    monkeypatch.setattr(table2, "bm3d_available", lambda: False)
    with pytest.raises(ImportError, match="pip install"):
        run_method("bm3d", toy, TINY)


def test_reproduce_table2_end_to_end_writes_the_schema_and_resumes(tmp_path, monkeypatch, capsys):
    from n2s_core.__main__ import main

    argv = ["reproduce", "table2", "--dataset", "cellnet", "--preset", "tiny", "--seeds", "2", "--out", str(tmp_path),
            "--device", "cpu"]
    assert main(argv) == 0
    stem = tmp_path / "table2_cellnet_tiny"
    result = json.loads(stem.with_suffix(".json").read_text())
    assert result["substitute"] is True and "substitute" in result["description"]
    assert {r["method"] for r in result["summary"]} == set(METHODS) - set(result["missing"])
    nets = [r for r in result["summary"] if r["method"] == "unet-n2s"][0]
    assert nets["n_seeds"] == 2 and nets["paper"] == 32.8 and nets["paper_std"] == 0.2
    assert result["meta"]["command"].startswith("python -m n2s_core reproduce table2 --dataset cellnet")
    assert "example" not in str(result["records"][0].keys())
    header = stem.with_suffix(".csv").read_text().splitlines()[0]
    assert header == "method,psnr_rescaled,psnr_rescaled_std,psnr,psnr_std,paper,paper_std,n_seeds,wall_seconds"
    text = stem.with_suffix(".md").read_text()
    assert "Substitute data set" in text and "| unet-n2s |" in text and "32.8 +- 0.2" in text
    examples = np.load(tmp_path / "table2_cellnet_tiny_examples.npz")
    assert {"clean", "raw", "unet-n2s"} <= set(examples.files) and examples["clean"].shape == (32, 32)
    assert stem.with_suffix(".png").stat().st_size > 1000
    # Everything finished: the same command again trains nothing and writes the same table.
    monkeypatch.setattr(table2, "_run_net", lambda *a, **k: pytest.fail("finished runs must be reused"))
    monkeypatch.setattr(table2, "_run_classical", lambda *a, **k: pytest.fail("finished runs must be reused"))
    assert main(argv) == 0
    again = json.loads(stem.with_suffix(".json").read_text())
    assert again["summary"] == result["summary"]


def test_reproduce_table2_needs_a_dataset(capsys):
    from n2s_core.__main__ import main

    assert main(["reproduce", "table2", "--out", "unused"]) == 2
    assert "needs --dataset" in capsys.readouterr().err


def _fake_result(dataset: str, substitute: bool, rows: list[tuple]) -> dict:
    """What the overview reads of a table2 JSON; rows are (method, mean, std, seeds, paper)."""
    summary = [dict(zip(("method", "psnr_rescaled", "psnr_rescaled_std", "n_seeds", "paper"), row, strict=True))
               for row in rows]
    return {"dataset": dataset, "substitute": substitute, "summary": summary}


def test_overview_puts_each_data_set_beside_the_paper_in_the_papers_order(tmp_path):
    from n2s_core.reproduce import write_table2_overview

    with pytest.raises(FileNotFoundError, match="reproduce table2 --dataset all"):
        write_table2_overview(tmp_path)
    fakes = {"cellnet": _fake_result("cellnet", True, [("raw", 15.0, 0.0, 1, 15.1),
                                                       ("unet-n2s", 30.123, 0.456, 3, 32.8)]),
             "hanzi": _fake_result("hanzi", False, [("raw", 7.0, 0.0, 1, 6.5),
                                                    ("nlm-calibrated", 8.5, 0.0, 1, None)])}
    for name, fake in fakes.items():
        (tmp_path / f"table2_{name}_quick.json").write_text(json.dumps(fake))
    table = write_table2_overview(tmp_path)
    lines = table.splitlines()
    assert lines[0] == "| method | Hanzi ours / paper | CellNet-like* ours / paper |"  # no ImageNet: not run
    assert "| raw | 7.00 / 6.5 | 15.00 / 15.1 |" in lines
    assert "| nlm-calibrated | 8.50 / - | not run |" in lines  # beyond the paper: no number beside ours
    assert "| unet-n2s | not run | 30.12 +- 0.46 / 32.8 |" in lines
    written = (tmp_path / "table2_quick.md").read_text()
    assert table in written and "substitute" in written
