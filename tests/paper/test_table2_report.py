"""Tests of n2s_core.paper.table2_report: the command writes every file, resumes, and the overview reads them all."""

from __future__ import annotations

import json

import numpy as np
import pytest

import n2s_core.paper.table2_runs as table2_runs
from n2s_core.paper.table2 import METHODS


def test_reproduce_table2_end_to_end_writes_the_schema_and_resumes(tmp_path, monkeypatch, capsys):
    from n2s_core.cli import main

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
    monkeypatch.setattr(table2_runs, "_run_net", lambda *a, **k: pytest.fail("finished runs must be reused"))
    monkeypatch.setattr(table2_runs, "_run_classical", lambda *a, **k: pytest.fail("finished runs must be reused"))
    assert main(argv) == 0
    again = json.loads(stem.with_suffix(".json").read_text())
    assert again["summary"] == result["summary"]


def test_reproduce_table2_needs_a_dataset(capsys):
    from n2s_core.cli import main

    assert main(["reproduce", "table2", "--out", "unused"]) == 2
    assert "needs --dataset" in capsys.readouterr().err


def _fake_result(dataset: str, substitute: bool, rows: list[tuple]) -> dict:
    """What the overview reads of a table2 JSON; rows are (method, mean, std, seeds, paper); plain = rescaled - 0.5."""
    summary = [dict(zip(("method", "psnr_rescaled", "psnr_rescaled_std", "n_seeds", "paper"), row, strict=True))
               for row in rows]
    for row in summary:
        row["psnr"], row["psnr_std"] = row["psnr_rescaled"] - 0.5, row["psnr_rescaled_std"]
    return {"dataset": dataset, "substitute": substitute, "summary": summary}


def test_overview_puts_each_data_set_beside_the_paper_in_the_papers_order(tmp_path):
    from n2s_core.paper.table2_report import write_table2_overview

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
    assert "| raw (plain PSNR) | 6.50 / 6.5 | 14.50 / 15.1 |" in lines  # the paper's raw row is a plain PSNR
    assert "| nlm-calibrated | 8.50 / - | not run |" in lines  # beyond the paper: no number beside ours
    assert "| unet-n2s | not run | 30.12 +- 0.46 / 32.8 |" in lines
    written = (tmp_path / "table2_quick.md").read_text()
    assert table in written and "substitute" in written
