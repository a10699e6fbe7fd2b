"""The single-image experiment replays the authors' loop: their subset order, subset 15 held out, the best
validation step kept; and it writes its files through the command line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from n2s_core.data.images import authors_noise
from n2s_core.nets.masking import Masker
from n2s_core.paper.single_image import HELD_OUT, single_image_stem, single_shot


@pytest.fixture
def image():
    clean = np.outer(np.sin(np.linspace(0, 3, 32)), np.cos(np.linspace(0, 3, 32))) / 2 + 0.5
    return clean, authors_noise(clean, sigma=0.1, seed=3, quantise=False)


def test_it_trains_on_the_authors_subsets_and_validates_on_the_one_left_out(image, monkeypatch):
    clean, noisy = image
    seen = []
    original = Masker.mask

    def spy(self, x, **kwargs):
        seen.append(kwargs["offset"])
        return original(self, x, **kwargs)

    monkeypatch.setattr(Masker, "mask", spy)
    result = single_shot(noisy, clean, depth=3, steps=17, val_every=10, progress=False)
    training = [offset for i, offset in enumerate(seen[:12]) if i != 1]  # step 0, its validation, steps 1..10
    # the authors' subset i covers rows i % 4 and columns i // 4: offsets 0, 4, 8, 12, 1, 5, ...
    assert training[:6] == [0, 4, 8, 12, 1, 5] and seen[1] == HELD_OUT
    train_offsets = [o for i, o in enumerate(seen[:17 + 2]) if o != HELD_OUT]
    assert HELD_OUT not in train_offsets and len(set(train_offsets)) == 15
    assert result["curve"]["step"] == [0, 10] and result["best_step"] in (0, 10)
    assert result["best_val_loss"] == min(result["curve"]["val_loss"])
    assert result["single_pass"].shape == result["invariant"].shape == clean.shape
    assert {"psnr_noisy", "psnr_single_pass", "psnr_invariant"} <= set(result)


def test_the_same_seed_gives_the_same_net(image):
    clean, noisy = image
    first = single_shot(noisy, depth=3, steps=5, val_every=2, progress=False)
    again = single_shot(noisy, depth=3, steps=5, val_every=2, progress=False)
    np.testing.assert_array_equal(first["single_pass"], again["single_pass"])
    assert "psnr_single_pass" not in first  # no clean image, no PSNR


def test_authors_depth_counts_their_parameters_plus_our_two_biases(image):
    _, noisy = image
    assert single_shot(noisy[:8, :8], depth=8, steps=1, progress=False)["parameters"] == 223_104 + 65


@pytest.mark.slow
def test_reproduce_single_image_quick_writes_its_files(tmp_path, capsys):
    from n2s_core.cli import main

    assert main(["reproduce", "single-image", "--quick", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["single_image.json", "single_image.md", "single_image.png"]
    saved = json.loads((tmp_path / "single_image.json").read_text())
    assert saved["paper"]["psnr"] == 31.2 and saved["authors"]["psnr"] == 30.29 and saved["steps"] == 60
    assert "30.29 (8 layers)" in (tmp_path / "single_image.md").read_text()
    assert "single pass" in capsys.readouterr().out
    assert main(["reproduce", "figure2", "--depth", "17", "--out", str(tmp_path)]) == 2


def test_each_depth_and_camera_writes_files_of_its_own():
    assert single_image_stem("today", 8) == "single_image"
    assert single_image_stem("paper", 8) == "single_image_paper_camera"
    assert single_image_stem("paper", 17) == "single_image_depth17_paper_camera"  # never over the 8-layer run
