"""Tests of n2s_core.data.substitutes: the clean images behind the CellNet-like and ImageNet-like sets."""

from __future__ import annotations

import numpy as np
import pytest

from n2s_core.data.substitutes import (
    PHOTOS,
    crop_regions,
    cut_regions,
    load_photos,
    preclean_nl_means,
    synthesize_fluorescence,
)


def test_synthetic_fluorescence_is_seeded_on_the_unit_interval_and_not_flat():
    tiles = synthesize_fluorescence(3, size=32, rng=0)
    assert tiles.shape == (3, 32, 32) and tiles.dtype == np.float32
    assert tiles.min() >= 0 and tiles.max() <= 1 and tiles.std() > 0.01
    np.testing.assert_array_equal(tiles, synthesize_fluorescence(3, size=32, rng=0))
    assert not np.array_equal(tiles, synthesize_fluorescence(3, size=32, rng=1))


def test_bundled_photos_are_rgb_floats_and_unknown_names_are_refused():
    photos = load_photos()
    assert len(photos) == len(PHOTOS) == 8
    assert all(p.ndim == 3 and p.shape[-1] == 3 and p.dtype == np.float32 and 0 <= p.min() <= p.max() <= 1
               for p in photos)
    with pytest.raises(ValueError, match=r"unknown photo 'lena'"):
        load_photos(["lena"])


def test_every_photo_ships_in_the_wheel_and_no_block_is_blank():
    """Offline: each photo is a file inside skimage/data (not one pooch would download); the retina keeps only its
    fundus, so no 128-pixel block is the black surround."""
    from pathlib import Path

    import skimage

    shipped = {f.stem for f in (Path(skimage.__file__).parent / "data").iterdir()}
    files = {"motorcycle": "motorcycle_left", "immunohistochemistry": "ihc"}
    assert all(files.get(name, name) in shipped for name in PHOTOS)
    photos = load_photos()
    assert photos[PHOTOS.index("retina")].shape == (480, 480, 3)
    for image, top, left, height, width in cut_regions(photos, size=128):
        block = photos[image][top:top + height, left:left + width]
        assert block.mean() > 0.03 and block.std() > 0.01, (PHOTOS[image], top, left)


def test_nuclei_image_is_stretched_to_the_unit_interval_and_needs_fetching(tmp_path):
    from n2s_core.data.fetch import NotFetchedError
    from n2s_core.data.substitutes import load_nuclei, stretch_to_unit

    image = stretch_to_unit(np.arange(64 * 64, dtype=np.uint16).reshape(64, 64))
    assert image.dtype == np.float32 and image.min() == 0 and image.max() == 1
    assert image[32, 0] == pytest.approx(0.5, abs=0.01)
    with pytest.raises(NotFetchedError, match=r"python -m n2s_core fetch nuclei"):
        load_nuclei(cache_dir=tmp_path)


def test_regions_are_disjoint_blocks_tiling_each_image():
    images = [np.zeros((300, 451, 3)), np.zeros((260, 130))]
    regions = cut_regions(images, size=128)
    assert regions.tolist() == [[0, 0, 0, 150, 150], [0, 0, 150, 150, 150], [0, 0, 300, 150, 151],
                                [0, 150, 0, 150, 150], [0, 150, 150, 150, 150], [0, 150, 300, 150, 151],
                                [1, 0, 0, 130, 130], [1, 130, 0, 130, 130]]
    for index, image in enumerate(images):  # the blocks of each image cover it exactly once
        cover = np.zeros(image.shape[:2], int)
        for _, top, left, height, width in regions[regions[:, 0] == index]:
            cover[top:top + height, left:left + width] += 1
        assert (cover == 1).all()
    assert len(cut_regions(load_photos(), size=128)) == 131  # 64 of the first five photos, 67 of the new three
    with pytest.raises(ValueError, match=r"smaller than size=128"):
        cut_regions([np.zeros((100, 400))], size=128)


def test_crops_stay_inside_the_regions_of_their_split():
    image = np.arange(64 * 256, dtype=np.float32).reshape(64, 256)  # every pixel value names its position
    regions = cut_regions([image], size=64)  # 4 blocks of 64 x 64, side by side
    crops, split, groups = crop_regions([image], regions, [0, 0, 1, 2], [5, 2, 1], size=32, rng=0)
    assert crops.shape == (8, 32, 32) and np.bincount(split).tolist() == [5, 2, 1]
    assert sorted(np.bincount(groups[split == 0]).tolist()) == [2, 3]  # 5 training crops shared by its 2 blocks
    for crop, group in zip(crops, groups, strict=True):
        columns = crop.astype(int) % 256
        assert columns.min() >= 64 * group and columns.max() < 64 * (group + 1)  # inside its band
    with pytest.raises(ValueError, match=r"split 2 asks for 1 crops but has no region"):
        crop_regions([image], regions, [0, 0, 1, 1], [5, 2, 1], size=32, rng=0)


def test_preclean_keeps_shape_and_changes_little():
    tiles = synthesize_fluorescence(2, size=32, rng=0)
    cleaned = preclean_nl_means(tiles)
    assert cleaned.shape == tiles.shape and cleaned.dtype == np.float32
    assert np.abs(cleaned - tiles).mean() < 0.02
