"""Tests of n2s_core.paper.report: the writers every experiment shares are atomic and say what made the files."""

from __future__ import annotations

import json
import time

import matplotlib
import pytest

from n2s_core.paper import report

matplotlib.use("Agg")


def test_writers_round_trip_and_leave_no_temporary_files(tmp_path):
    out = report.out_dir(tmp_path / "new" / "folder")
    report.write_text(out / "a.md", "# title\n")
    report.write_json(out / "a.json", {"x": [1, 2.5]})
    report.write_csv(out / "a.csv", ["name", "value"], [["nlm", 0.01], ["raw", None]])
    assert (out / "a.md").read_text() == "# title\n"
    assert json.loads((out / "a.json").read_text()) == {"x": [1, 2.5]}
    assert (out / "a.csv").read_text().splitlines() == ["name,value", "nlm,0.01", "raw,"]
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "a.json", "a.md"]


def test_a_failed_write_keeps_the_old_file(tmp_path):
    report.write_json(tmp_path / "a.json", {"ok": True})
    with pytest.raises(TypeError):
        report.write_json(tmp_path / "a.json", {"bad": object()})
    assert json.loads((tmp_path / "a.json").read_text()) == {"ok": True}


def test_figures_and_arrays_are_written(tmp_path):
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots()
    ax.plot([0, 1])
    report.save_figure(fig, tmp_path / "f.png")
    report.write_npz(tmp_path / "e.npz", clean=np.ones((2, 2), np.float16))
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"
    assert np.load(tmp_path / "e.npz")["clean"].sum() == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.npz", "f.png"]


def test_metadata_names_the_command_versions_and_time():
    meta = report.run_metadata("figure2", True, time.perf_counter() - 1.5, image_shape=(256, 256))
    assert meta["command"] == "python -m n2s_core reproduce figure2 --quick"
    assert meta["wall_seconds"] >= 1.5 and meta["image_shape"] == [256, 256]
    assert {"n2s_core", "numpy", "scipy", "scikit-image", "python"} <= set(meta["versions"])
    assert "replaced the camera photo" in report.camera_footer(meta)


def test_numbers_are_formatted_as_the_tables_print_them():
    assert [report.fmt(v) for v in (None, 0.01234, 27.456)] == ["-", "0.0123", "27.46"]
    assert report.format_params({"h": 0.0812345, "patch_size": 5}) == "h=0.08123, patch_size=5"
    assert report.markdown(["a"], [[1]]).splitlines() == ["| a |", "|---|", "| 1 |"]
