"""Tests of n2s_core.paper.table2: the paper's numbers cover every row, and every data set has its presets."""

from __future__ import annotations

import pytest

from n2s_core.paper.table2 import DATASETS, METHODS, PAPER_TABLE2, PRESETS, get_preset


def test_paper_numbers_cover_every_paper_method_and_presets_are_complete():
    for numbers in PAPER_TABLE2.values():
        assert set(numbers) == {m for m in METHODS if "calibrated" not in m and m != "nlm-skimage"}
    assert PAPER_TABLE2["hanzi"]["unet-n2s"] == (13.8, 0.3) and PAPER_TABLE2["imagenet"]["raw"] == 9.4
    for dataset in DATASETS:
        quick = get_preset(dataset, "quick")  # a fixed, CPU-sized number of steps; the paper's counts epochs
        assert get_preset(dataset, "paper").steps is None and quick.steps is not None and quick.steps <= 1000
    assert get_preset("hanzi", "paper").steps_for(54_721) == 25_651  # 30 epochs of 54,721 tiles, batch 64
    assert get_preset("imagenet", "paper").batch_size == 32
    with pytest.raises(ValueError, match="unknown preset 'huge'"):
        get_preset("hanzi", "huge")
    with pytest.raises(ValueError, match="unknown dataset 'bsd68'"):
        get_preset("bsd68", "quick")
    assert "tiny" in PRESETS
