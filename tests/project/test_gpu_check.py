"""`make gpu-check` (benchmarks/gpu_check.py) through its real command line: it refuses without a GPU, and its
``--tiny`` mode runs all three parts on a CPU and writes a JSON of every figure.

The figures of a tiny run mean nothing; what is tested is that every part runs, reports, and lands in the file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "gpu_check.py"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU: the check would run")
def test_without_a_gpu_it_refuses_with_a_clear_message_and_writes_nothing(tmp_path):
    out = tmp_path / "gpu_check.json"
    done = _run("--out", str(out))
    assert done.returncode == 2
    assert "needs a CUDA device" in done.stderr and "make gpu-check TORCH=torch" in done.stderr
    assert not out.exists()


def test_tiny_mode_wants_its_own_output_file():
    done = _run("--tiny", "--device", "cpu")
    assert done.returncode == 2 and "--tiny needs --out" in done.stderr


@pytest.mark.slow
def test_tiny_mode_runs_every_part_and_records_every_figure(tmp_path):
    out = tmp_path / "check.json"
    done = _run("--tiny", "--device", "cpu", "--out", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "expected about" in done.stdout.splitlines()[0]  # the estimate comes before any work
    report = json.loads(out.read_text())
    assert report["tiny"] and report["device"] == "cpu"
    assert set(report["estimate"]) == {"tests", "throughput", "hanzi data", "hanzi training"}
    assert all(seconds >= 0 for seconds in report["estimate"].values())

    tests = report["parts"]["tests"]
    assert tests["returncode"] == 0 and "skipped" in tests["summary"]  # no CUDA here: every GPU test skips

    rows = report["parts"]["throughput"]["rows"]
    assert [row["variant"] for row in rows] == ["plain eager loop", "train(), float32",
                                                f"train(), {report['parts']['throughput']['mixed_precision']}"]
    assert all(row["images_per_s"] > 0 and 0 < row["share_of_matmul"] for row in rows)

    hanzi = report["parts"]["hanzi"]
    assert hanzi["paper_psnr_rescaled"] == 13.8 and hanzi["seed"] == 0
    assert hanzi["n_tiles"] == 48 and hanzi["n_test"] == 3 and hanzi["steps"] == 4
    assert 0 < hanzi["psnr_rescaled"] < 60 and hanzi["config"]["mode"] == "n2s"
