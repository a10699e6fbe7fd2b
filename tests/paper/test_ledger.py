"""Tests of n2s_core.paper.ledger: each reproduced number sits beside the paper's, with its definition and gap."""

from __future__ import annotations

import json

import pytest

from n2s_core.paper.ledger import ledger_rows, write_ledger
from n2s_core.paper.table1 import AUTHORS_TABLE1, PAPER_TABLE1


def _table1_row(name: str, shift: float) -> dict:
    paper = PAPER_TABLE1[name]
    return {"method": name, "label": name, "min_loss": paper["loss"] + 0.0001, "default_rule": "a rule",
            "psnr_invariant": paper["psnr_invariant"] - 1, "psnr_invariant_best": paper["psnr_invariant"] + shift,
            "psnr_mixed": 20.0, "psnr_mixed_oracle": paper["psnr_mixed"], "psnr_default": paper["psnr_default"] - 2}


def _write(folder, *, figure2=True, table1=True, table2=True):
    if figure2:
        (folder / "figure2.json").write_text(json.dumps({"donut": {"best_radius": 2, "best_radius_ground_truth": 2}}))
    if table1:
        rows = [_table1_row(name, 0.05) for name in PAPER_TABLE1] + [{"method": "tv"}]
        (folder / "table1.json").write_text(json.dumps({"rows": rows}))
    if table2:
        summary = [{"method": "raw", "psnr": 6.7, "psnr_rescaled": 7.1, "n_seeds": 1},
                   {"method": "unet-n2s", "psnr": 12.0, "psnr_rescaled": 12.8, "psnr_rescaled_std": 0.05,
                    "n_seeds": 3},
                   {"method": "nlm-calibrated", "psnr": 8.0, "psnr_rescaled": 8.4, "n_seeds": 1}]
        result = {"dataset": "hanzi", "seeds": 3, "n_test_groups": 90, "records": [{"n_test": 96}],
                  "summary": summary}
        (folder / "table2_hanzi_quick.json").write_text(json.dumps(result))


def test_every_paper_number_found_gets_a_row_with_its_definition_and_gap(tmp_path):
    _write(tmp_path)
    rows = {row[0]: row for row in ledger_rows(tmp_path)}
    assert len(rows) == 1 + 4 * 3 + 2  # Figure 2; 4 columns x 3 rows of Table 1; raw and unet-n2s of Table 2
    radius = rows["Figure 2: donut median's best radius"]
    assert radius[1:4] == ["3", "3", "2"] and radius[5].startswith("-1: scikit-image 0.18")
    loss = rows["Table 1, nl_means: min loss"]
    assert loss[1] == "0.0098" and loss[2] == str(AUTHORS_TABLE1["nl_means"]["loss"])
    assert loss[5].startswith("none, by chance: scikit-image 0.18")  # equal, but on another photograph
    best = rows["Table 1, donut_median: PSNR J-invariant"]
    assert best[2] == "27.46" and best[5].startswith("none, by chance")  # within 0.15 dB, on another photograph
    assert "at the loss's argmin" in best[4]
    default = rows["Table 1, wavelet: PSNR at default parameters"]
    assert default[5].startswith("-2.00:") and default[4] == "a rule"
    raw = rows["Table 2, Hanzi: raw"]
    assert raw[3] == "6.70" and "plain PSNR" in raw[4] and "96 test tiles (90 independent sources)" in raw[4]
    net = rows["Table 2, Hanzi: unet-n2s"]
    assert net[3] == "12.80" and "+- 0.05 over 3 seeds" in net[4] and net[5].startswith("-1.00:")
    assert not any("calibrated" in name for name in rows)  # beyond the paper: no paper number to stand beside


def test_the_ledger_file_says_what_made_it_and_needs_results(tmp_path):
    with pytest.raises(FileNotFoundError, match="make reproduce"):
        write_ledger(tmp_path)
    _write(tmp_path, table2=False)
    text = write_ledger(tmp_path).read_text()
    assert text.startswith("# Reproduction ledger") and "reproduce ledger --out results" in text
    assert "| Table 1, wavelet: min loss | 0.0113 | 0.011336 | 0.0114 |" in text


def test_the_paper_camera_gets_its_own_rows_and_its_own_reason(tmp_path):
    _write(tmp_path, table2=False)
    (tmp_path / "figure2_paper_camera.json").write_text(
        json.dumps({"donut": {"best_radius": 3, "best_radius_ground_truth": 3}}))
    rows = [_table1_row(name, 0.5) for name in PAPER_TABLE1]
    (tmp_path / "table1_paper_camera.json").write_text(json.dumps({"rows": rows}))
    found = {row[0]: row for row in ledger_rows(tmp_path)}
    assert len(found) == 2 * (1 + 4 * 3)
    assert found["Figure 2 (paper's camera): donut median's best radius"][5] == "none"
    best = found["Table 1 (paper's camera), donut_median: PSNR J-invariant"]
    assert best[5].startswith("+0.50: same photograph and noise") and "scikit-image 0.18" not in best[5]
    # today's camera keeps its own rows, and an agreement there is named luck
    assert found["Table 1, donut_median: PSNR J-invariant"][5].startswith("none, by chance")


def _single_image_run(*, psnr_single_pass, psnr_invariant, quick) -> dict:
    """A single-image result of the authors' 8-layer setting, as reproduce single-image writes it."""
    return {"depth": 8, "parameters": 223169, "steps": 500, "lr": 0.01, "precision": "float32", "best_step": 490,
            "psnr_single_pass": psnr_single_pass, "psnr_invariant": psnr_invariant,
            "paper": {"psnr": 31.2, "depth": 17}, "authors": {"psnr": 30.29, "depth": 8}, "meta": {"quick": quick}}


def test_the_single_image_run_gets_a_row_unless_it_was_quick(tmp_path):
    _write(tmp_path, table1=False, table2=False)
    run = _single_image_run(psnr_single_pass=30.1, psnr_invariant=29.8, quick=True)
    (tmp_path / "single_image_paper_camera.json").write_text(json.dumps(run))
    assert not any(row[0].startswith("Single image") for row in ledger_rows(tmp_path))
    assert "the single-image DnCNN" in write_ledger(tmp_path).read_text()  # still listed as not in the ledger
    run["meta"]["quick"] = False
    (tmp_path / "single_image_paper_camera.json").write_text(json.dumps(run))
    row = next(r for r in ledger_rows(tmp_path) if r[0].startswith("Single image"))
    assert row[0] == "Single image (§5) (paper's camera): DnCNN, single pass"
    assert row[1:4] == ["31.2", "30.29", "30.10"] and row[5].startswith("-1.10: 8 layers, as in the authors' notebook")
    assert "(ours -0.19 from it: not explained yet" in row[5]
    assert "J-invariant prediction: 29.80" in row[4]
    assert "the single-image DnCNN" not in write_ledger(tmp_path).read_text()


def test_table2_rows_give_both_rescaled_psnrs_and_name_the_nuclei_data(tmp_path):
    summary = [{"method": "raw", "psnr": 15.0, "psnr_rescaled": 15.5, "psnr_rescaled_lstsq": 16.0, "n_seeds": 1},
               {"method": "unet-n2s", "psnr": 28.0, "psnr_rescaled": 30.8, "psnr_rescaled_std": 0.1,
                "psnr_rescaled_lstsq": 31.05, "n_seeds": 3}]
    result = {"dataset": "nuclei", "seeds": 3, "n_test_groups": 13, "records": [{"n_test": 13}], "summary": summary}
    (tmp_path / "table2_nuclei_quick.json").write_text(json.dumps(result))
    rows = {row[0]: row for row in ledger_rows(tmp_path)}
    net = rows["Table 2, real nuclei (BBBC038 via stardist) with synthetic sCMOS-like noise, beside CellNet: unet-n2s"]
    assert net[1] == "32.8" and net[3] == "30.80 / 31.05"  # the paper's CellNet number beside both of ours
    assert "moments" in net[4] and "least squares" in net[4] and "util.mse(rescale=True)" in net[4]
    assert net[5].startswith("-2.00 (least squares -1.75): real nuclei, but 64 tiles of one 512x512 image")
    raw = next(row for name, row in rows.items() if name.endswith(": raw"))
    assert raw[3] == "15.00" and "plain PSNR" in raw[4]  # the raw row stays plain, as the paper's


def test_the_paper_depth_single_image_run_gets_its_own_row_beside_the_authors_depth(tmp_path):
    _write(tmp_path, table1=False, table2=False)
    run = _single_image_run(psnr_single_pass=29.5, psnr_invariant=29.2, quick=False)
    (tmp_path / "single_image_paper_camera.json").write_text(json.dumps(run))
    deep = dict(run, depth=17, parameters=556097, psnr_single_pass=30.0)
    (tmp_path / "single_image_depth17_paper_camera.json").write_text(json.dumps(deep))
    rows = {row[0]: row for row in ledger_rows(tmp_path) if row[0].startswith("Single image")}
    assert sorted(rows) == ["Single image (§5) (paper's camera): DnCNN of 17 layers, single pass",
                            "Single image (§5) (paper's camera): DnCNN, single pass"]
    row = rows["Single image (§5) (paper's camera): DnCNN of 17 layers, single pass"]
    assert row[2] == "-" and row[3] == "30.00"  # the authors' notebook never ran 17 layers
    assert row[5].startswith("-1.20: the paper's 17 layers, but the paper gives no training loop")
