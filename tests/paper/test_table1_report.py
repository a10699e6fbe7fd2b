"""Tests of n2s_core.paper.table1_report: the table's files, and rows that need an extra are kept, never dropped."""

from __future__ import annotations

import json
import sys

import pytest

from n2s_core.paper.table1_report import reproduce_table1


def test_reproduce_table1_one_method(tmp_path):
    result = reproduce_table1(tmp_path, quick=True, methods=["donut_median"])
    saved = json.loads((tmp_path / "table1.json").read_text())
    row = saved["rows"][0]
    assert row["method"] == "donut_median" and row["paper"]["psnr_invariant"] == 27.5
    assert row["authors_notebook"]["psnr_invariant_best"] == 27.46
    assert row["psnr_mixed"] >= row["psnr_invariant"] - 0.05  # mixing with the estimated variance helps or is neutral
    assert saved["rows"][0]["min_loss"] == pytest.approx(result["rows"][0]["min_loss"])
    text = (tmp_path / "table1.md").read_text()
    assert "27.50" in text and "27.46" in text and "donut median" in text  # the paper's and the authors' numbers
    assert "true variance" in text and "estimated variance" in text
    header = (tmp_path / "table1.csv").read_text().splitlines()[0]
    assert "psnr_mixed_oracle" in header and "authors_psnr_invariant_best" in header
    assert (tmp_path / "table1.png").stat().st_size > 1000
    assert saved["carried_over"] == [] and saved["not_redone"] == []


@pytest.mark.slow  # calibrates Table 1 rows (~5 s)
def test_a_row_that_needs_an_absent_extra_is_carried_over_not_dropped(tmp_path, monkeypatch):
    first = reproduce_table1(tmp_path, quick=True, methods=["tv"])
    fake_bm3d = {**first["rows"][0], "method": "bm3d", "label": "BM3D"}  # stands in for a run that had the extra
    saved = json.loads((tmp_path / "table1.json").read_text())
    saved["rows"].append(fake_bm3d)
    (tmp_path / "table1.json").write_text(json.dumps(saved))

    monkeypatch.setitem(sys.modules, "bm3d", None)  # the extra is absent now
    again = reproduce_table1(tmp_path, quick=True, methods=["tv", "bm3d"])
    assert again["carried_over"] == ["bm3d"] and again["not_redone"] == []
    kept = again["rows"][-1]
    assert kept["method"] == "bm3d" and kept["carried_over"]["finished_utc"] == saved["meta"]["finished_utc"]
    assert "carried over from the run of" in (tmp_path / "table1.md").read_text()

    (tmp_path / "table1.json").unlink()  # nothing to carry over: the row is listed as not redone
    alone = reproduce_table1(tmp_path, quick=True, methods=["tv", "bm3d"])
    assert alone["not_redone"] == ["bm3d"] and "Not redone" in (tmp_path / "table1.md").read_text()


def test_the_paper_camera_writes_its_own_files_and_says_which_camera(tmp_path, monkeypatch):
    import numpy as np

    from n2s_core.data import images

    monkeypatch.setattr(images, "paper_camera", lambda: np.linspace(0, 1, 512 * 512).reshape(512, 512))
    result = reproduce_table1(tmp_path, quick=True, methods=["donut_median"], camera="paper")
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"table1_paper_camera.{ext}" for ext in
                                                           ("csv", "json", "md", "png")]
    assert result["meta"]["camera"] == "paper" and result["meta"]["command"].endswith("--quick --camera paper")
    text = (tmp_path / "table1_paper_camera.md").read_text()
    assert "the paper's camera" in text and "quantised to 8 bits before denoising" in text
    today = reproduce_table1(tmp_path, quick=True, methods=["donut_median"])
    assert today["meta"]["camera"] == "today" and "replaced the camera photo" in (tmp_path / "table1.md").read_text()
