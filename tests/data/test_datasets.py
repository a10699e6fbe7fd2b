"""Datasets of the paper's Table 2: noise drawn once and stored, splits without leaks, labels, cache and folder loader.

Raw PSNR ranges checked here (paper: Hanzi 6.5, ImageNet 9.4, CellNet 15.1 dB) are tolerant, because our images
are substitutes: Hanzi [5.5, 7.5], ImageNet-like [8.5, 10.5], CellNet-like [14.0, 16.5].
"""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest
from scipy.special import ndtr

from n2s_core.data import datasets as ds
from n2s_core.data.noisy_dataset import raw_psnr, split_counts
from n2s_core.data.substitutes import cut_regions, load_photos

BLACKOUT = (1 - np.exp(-2048 / 3969)) * 3969 / 4096  # 2048 draws with replacement over rows and columns 0..62


def _fake_glyphs(count=None, *, rng=None):
    """Stand-in for n2s_core.data.hanzi.load_glyphs: white bars on black, 64 x 64, float32."""
    rng = np.random.default_rng(rng)
    glyphs = np.zeros((count or 50, 64, 64), np.float32)
    for glyph in glyphs:
        for _ in range(rng.integers(4, 9)):
            at, (start, stop) = rng.integers(8, 52), np.sort(rng.integers(8, 56, size=2))
            if rng.integers(2):
                glyph[at:at + 4, start:stop + 4] = 1.0
            else:
                glyph[start:stop + 4, at:at + 4] = 1.0
    return [chr(0x4E00 + i) for i in range(len(glyphs))], glyphs


@pytest.fixture(scope="module")
def glyph_source():
    """The real glyph loader once n2s_core.data.hanzi exists, else a fake one put in its place for this module."""
    try:
        from n2s_core.data import hanzi  # noqa: F401
        yield
    except ImportError:
        with pytest.MonkeyPatch.context() as patch:
            patch.setitem(sys.modules, "n2s_core.data.hanzi", types.SimpleNamespace(load_glyphs=_fake_glyphs))
            yield


@pytest.fixture(scope="module")
def hanzi(glyph_source):
    return ds.make_hanzi(n_characters=60, multiplicity=6, rng=0)


@pytest.fixture(scope="module")
def cellnet():
    return ds.make_cellnet_like(n_tiles=60, rng=0)


@pytest.fixture(scope="module")
def imagenet():
    return ds.make_imagenet_like(n_crops=60, rng=0)


@pytest.fixture(scope="module")
def all_sets(hanzi, cellnet, imagenet):
    return {"hanzi": hanzi, "cellnet-like": cellnet, "imagenet-like": imagenet}


def test_shapes_dtypes_and_channel_axis(all_sets):
    for name, data in all_sets.items():
        assert data.name == name
        size = 64 if name == "hanzi" else 128
        shape = (len(data), size, size) + ((3,) if name == "imagenet-like" else ())
        for images in (data.clean, data.noisy, data.noisy2):
            assert images.shape == shape and images.dtype == np.float32
            assert images.min() >= 0 and images.max() <= 1
        assert data.split.dtype == np.int8 and data.groups.shape == (len(data),)
        assert data.channel_axis == (-1 if name == "imagenet-like" else None)


def test_substitutes_are_labelled(all_sets):
    assert not all_sets["hanzi"].substitute
    for name in ("cellnet-like", "imagenet-like"):
        assert all_sets[name].substitute and "substitute" in all_sets[name].description
    assert "synthetic" in all_sets["cellnet-like"].description


def test_hanzi_blackout_fraction_and_background_statistics(glyph_source):
    bare = ds.make_hanzi(n_characters=20, sigma=0.0, rng=1)
    lit = bare.clean > 0
    assert np.mean(bare.noisy[lit] == 0) == pytest.approx(BLACKOUT, abs=0.02)
    noisy = ds.make_hanzi(n_characters=20, rng=1)
    # The blackout comes before the Gaussian noise: on the black background it changes nothing, so half the pixels
    # clip to 0; a white pixel reads 0 if blacked out and its noise was negative, or if its noise was below -1.
    assert np.mean(noisy.noisy[noisy.clean == 0] == 0) == pytest.approx(0.5, abs=0.01)
    white = noisy.noisy[noisy.clean >= 0.99]
    expected = BLACKOUT * 0.5 + (1 - BLACKOUT) * ndtr(-1 / 0.7)
    assert np.mean(white == 0) == pytest.approx(expected, abs=0.02)


def test_imagenet_like_has_at_least_the_salt_and_pepper_fraction(imagenet):
    extreme = np.mean((imagenet.noisy == 0) | (imagenet.noisy == 1))
    assert 0.2 < extreme < 0.45  # p = 0.2, plus Gaussian values clipped at 0 or 1


@pytest.mark.parametrize(("name", "low", "high"),
                         [("hanzi", 5.5, 7.5), ("cellnet-like", 14.0, 16.5), ("imagenet-like", 8.5, 10.5)])
def test_raw_psnr_is_near_the_papers(all_sets, name, low, high):
    assert low < raw_psnr(all_sets[name], part=None) < high


def test_split_fractions_and_parts(all_sets):
    for name, data in all_sets.items():
        counts = np.bincount(data.split, minlength=3)
        fractions = (0.6, 0.2, 0.2) if name == "imagenet-like" else (0.7, 0.2, 0.1)  # more test regions
        np.testing.assert_array_equal(counts, split_counts(len(data), fractions))
        parts = [data.part(which) for which in ("train", "val", "test")]
        assert [len(p) for p in parts] == counts.tolist()
        assert all(p.name == data.name and p.substitute == data.substitute for p in parts)
        np.testing.assert_array_equal(parts[2].clean, data.clean[data.split == 2])


def test_tile_split_reuses_characters_but_character_split_does_not(glyph_source, hanzi):
    train, test = (set(hanzi.groups[hanzi.split == s]) for s in (0, 2))
    assert train & test  # the authors' split: a character recurs across splits with fresh noise
    assert np.array_equal(np.bincount(hanzi.groups), np.full(60, 6))
    by_character = ds.make_hanzi(n_characters=60, split="character", rng=0)
    owners = [set(by_character.split[by_character.groups == g]) for g in range(60)]
    assert all(len(owner) == 1 for owner in owners)
    np.testing.assert_array_equal(np.bincount(by_character.split), 6 * split_counts(60))


def test_imagenet_like_test_crops_come_from_regions_no_training_crop_touches(imagenet):
    train, val, test = (set(imagenet.groups[imagenet.split == s]) for s in range(3))
    assert not (train & test) and not (train & val) and not (val & test)
    assert len(test) == 12  # 60 crops: 12 test crops shared over the 26 test blocks of 131, one block each
    other_seed = ds.make_imagenet_like(n_crops=30, rng=1)  # the region split is fixed: test regions stay test
    assert not set(other_seed.groups[other_seed.split == 2]) & (train | val)
    regions = cut_regions(load_photos(), size=128)
    for i, a in enumerate(regions):  # regions are disjoint rectangles
        for b in regions[i + 1:]:
            if a[0] == b[0]:
                assert a[2] + a[4] <= b[2] or b[2] + b[4] <= a[2] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]


def test_same_seed_same_data_other_seed_other_noise(glyph_source, hanzi):
    again = ds.make_hanzi(n_characters=60, multiplicity=6, rng=0)
    for field in ("clean", "noisy", "noisy2", "split", "groups"):
        np.testing.assert_array_equal(getattr(again, field), getattr(hanzi, field))
    small = [ds.make_cellnet_like(n_tiles=4, size=32, rng=seed) for seed in (5, 5, 6)]
    np.testing.assert_array_equal(small[0].noisy, small[1].noisy)
    assert not np.array_equal(small[0].noisy, small[2].noisy)


def test_the_two_noisy_copies_are_independent(all_sets):
    for name, data in all_sets.items():
        assert not np.array_equal(data.noisy, data.noisy2)
        # Residuals depend on the clean value (clipping, shot noise), so centre them within bins of clean values.
        level = np.digitize(data.clean.ravel(), np.linspace(0, 1, 33))
        first, second = ((noisy - data.clean).ravel() for noisy in (data.noisy, data.noisy2))
        centred = [r - (np.bincount(level, r, 34) / np.maximum(np.bincount(level, minlength=34), 1))[level]
                   for r in (first, second)]
        assert abs(np.corrcoef(*centred)[0, 1]) < 0.02, name


def test_stored_arrays_are_read_only_and_glyphs_are_not_mutated(monkeypatch, hanzi):
    with pytest.raises(ValueError, match="read-only"):
        hanzi.noisy[0, 0, 0] = 0.5
    _, glyphs = _fake_glyphs(5, rng=0)
    before = glyphs.copy()
    fake = types.SimpleNamespace(load_glyphs=lambda *a, **k: ([], glyphs))
    monkeypatch.setitem(sys.modules, "n2s_core.data.hanzi", fake)
    ds.make_hanzi(rng=0)
    np.testing.assert_array_equal(glyphs, before)


def test_cache_round_trip_and_key(tmp_path, monkeypatch):
    first = ds.load_dataset("cellnet-like", n_tiles=6, size=32, cache_dir=tmp_path)
    monkeypatch.setitem(ds.BUILDERS, "cellnet-like", lambda **kwargs: pytest.fail("cache miss: rebuilt"))
    second = ds.load_dataset("cellnet-like", n_tiles=6, size=32, cache_dir=tmp_path)
    for field in ("clean", "noisy", "noisy2", "split", "groups"):
        np.testing.assert_array_equal(getattr(first, field), getattr(second, field))
    assert (second.name, second.substitute, second.description) == (first.name, True, first.description)
    monkeypatch.undo()
    monkeypatch.setenv("N2S_CACHE_DIR", str(tmp_path))
    ds.load_dataset("cellnet-like", n_tiles=6, size=32, rng=1)  # another seed: another file, in $N2S_CACHE_DIR
    ds.load_dataset("cellnet-like", n_tiles=7, size=32)  # another argument: another file
    files = sorted(tmp_path.iterdir())
    assert len(files) == 3 and all(f.suffix == ".npz" and f.name.startswith("cellnet-like-") for f in files)


@pytest.mark.parametrize(("args", "error", "match"), [
    (dict(name="bsd68"), ValueError, r"unknown dataset 'bsd68'"),
    (dict(name="hanzi", rng=None), TypeError, r"rng must be an int, got None"),
])
def test_load_dataset_errors(args, error, match, tmp_path):
    with pytest.raises(error, match=match):
        ds.load_dataset(cache_dir=tmp_path, **args)


def test_the_papers_names_reach_the_substitutes(tmp_path):
    alias = ds.load_dataset("cellnet", n_tiles=6, size=32, cache_dir=tmp_path)
    same = ds.load_dataset("cellnet-like", n_tiles=6, size=32, cache_dir=tmp_path)
    assert alias.name == "cellnet-like" and alias.substitute and np.array_equal(alias.noisy, same.noisy)
    assert len(list(tmp_path.iterdir())) == 1  # one cache file: the alias is resolved before the key is made


@pytest.fixture
def photo_folder(tmp_path):
    from skimage import io

    rng = np.random.default_rng(0)
    for i in range(3):
        io.imsave(tmp_path / f"photo{i}.png", (rng.random((100, 150, 3)) * 255).astype(np.uint8))
    io.imsave(tmp_path / "gray.png", (rng.random((80, 64)) * 255).astype(np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")
    return tmp_path


def test_load_folder_rgb_and_gray(photo_folder):
    rgb = ds.load_folder(photo_folder, size=32, rng=0)
    assert rgb.clean.shape[1:] == (32, 32, 3) and rgb.channel_axis == -1
    assert len(rgb) == 3 * (3 * 4) + 2 * 2  # non-overlapping 32 x 32 tiles that fit
    assert not rgb.substitute and rgb.name == f"folder:{photo_folder}"
    assert not set(rgb.groups[rgb.split == 0]) & set(rgb.groups[rgb.split == 2])
    gray = ds.load_folder(photo_folder, noise="cellnet", size=32, n_crops=10, rng=0)
    assert gray.clean.shape == (10, 32, 32) and gray.channel_axis is None
    glyphs = ds.load_folder(photo_folder, noise="hanzi", size=32, n_crops=10, sigma=0.5, rng=0)
    assert glyphs.noisy.shape == (10, 32, 32)


@pytest.mark.filterwarnings("ignore:The legacy `DICOM` plugin:DeprecationWarning")  # imageio probing a bad file
def test_load_folder_errors(photo_folder, tmp_path_factory):
    with pytest.raises(FileNotFoundError, match="no folder"):
        ds.load_folder(photo_folder / "missing")
    empty = tmp_path_factory.mktemp("empty")
    (empty / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match="no readable image"):
        ds.load_folder(empty)
    with pytest.raises(ValueError, match=r"smaller than size=128; lower size"):
        ds.load_folder(photo_folder, size=128)
    with pytest.raises(ValueError, match="unknown noise 'poisson'"):
        ds.load_folder(photo_folder, noise="poisson")
    (empty / "one.png").write_bytes(np.zeros((40, 40), np.uint8).tobytes())  # not a PNG: skipped with a warning
    with pytest.warns(UserWarning, match="skipped one.png"), pytest.raises(ValueError, match="no readable image"):
        ds.load_folder(empty, size=16)


def test_too_few_regions_for_three_splits(tmp_path):
    from skimage import io

    io.imsave(tmp_path / "one.png", np.zeros((40, 40, 3), np.uint8), check_contrast=False)
    with pytest.raises(ValueError, match=r"1 region\(s\) of side >= 32, too few"):
        ds.load_folder(tmp_path, size=32)


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(fractions=(0.5, 0.2, 0.2)), r"fractions must be 3 numbers >= 0 summing to 1"),
    (dict(fractions=(0.7, 0.3)), r"fractions must be 3 numbers"),
    (dict(split="random"), r"unknown split 'random'"),
    (dict(multiplicity=0), r"multiplicity must be >= 1"),
])
def test_make_hanzi_bad_arguments(glyph_source, kwargs, match):
    with pytest.raises(ValueError, match=match):
        ds.make_hanzi(n_characters=4, **kwargs)


def test_part_and_raw_psnr_errors(cellnet):
    with pytest.raises(ValueError, match=r"unknown part 'testing'"):
        cellnet.part("testing")
    tiny = ds.make_cellnet_like(n_tiles=2, size=32, fractions=(1.0, 0.0, 0.0))
    with pytest.raises(ValueError, match=r"the 'test' part of 'cellnet-like' is empty"):
        raw_psnr(tiny)




def _nuclei_fixture(size=256, seed=0):
    """A uint16 stand-in for the fetched nuclei image: bright discs on a dim, uneven background."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    image = 8 + 4 * rng.random((size, size))
    for cy, cx, r in rng.uniform((0, 0, 5), (size, size, 12), size=(40, 3)):
        image[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] += rng.uniform(80, 220)
    return np.minimum(image, 1000).astype(np.uint16)


def test_nuclei_tiles_split_by_block_with_the_cellnet_noise():
    image = _nuclei_fixture()
    data = ds.make_nuclei(image=image, size=32, rng=0)  # 8 x 8 blocks of 32, each once
    assert data.name == "nuclei" and data.substitute and "BBBC038" in data.description
    assert "synthetic sCMOS-like noise" in data.description and "real" in data.description
    assert data.clean.shape == (64, 32, 32) and data.clean.dtype == np.float32 and data.channel_axis is None
    assert sorted(data.groups.tolist()) == list(range(64))  # every block once: no clean tile repeated
    np.testing.assert_array_equal(np.bincount(data.split), split_counts(64, (0.6, 0.2, 0.2)))
    train, val, test = (set(data.groups[data.split == s]) for s in range(3))
    assert not (train & test) and not (train & val) and not (val & test)  # blocks are disjoint: no overlap
    again = ds.make_nuclei(image=image, size=32, rng=0)
    np.testing.assert_array_equal(again.noisy, data.noisy)
    # the same sCMOS-like noise as CellNet-like: per-pixel gain, shot noise and heavy-tailed Cauchy outliers
    residual = data.noisy - data.clean
    assert 12 < raw_psnr(data, part=None) < 18 and np.mean(np.abs(residual) > 0.5) > 0.005
    with pytest.raises(ValueError, match="gray image"):
        ds.make_nuclei(image=np.zeros((64, 64, 3)), size=32)


def test_nuclei_come_only_from_the_fetched_file(tmp_path, monkeypatch):
    import dataclasses
    import hashlib

    import tifffile

    from n2s_core.data import fetch

    with pytest.raises(fetch.NotFetchedError, match=r"run `python -m n2s_core fetch nuclei`"):
        ds.load_dataset("nuclei", size=32, cache_dir=tmp_path)
    path = fetch.cache_folder(tmp_path) / "nuclei" / "img2d.tif"
    path.parent.mkdir(parents=True)
    tifffile.imwrite(path, _nuclei_fixture(128))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    monkeypatch.setitem(fetch.PAPER_FILES, "nuclei", dataclasses.replace(fetch.PAPER_FILES["nuclei"], sha256=digest))
    data = ds.load_dataset("nuclei", size=32, cache_dir=tmp_path)
    assert len(data) == 16 and len(list(tmp_path.glob("nuclei-*.npz"))) == 1
    path.unlink()  # built before, but the file is gone: the error again, not the stale arrays
    with pytest.raises(fetch.NotFetchedError):
        ds.load_dataset("nuclei", size=32, cache_dir=tmp_path)
    assert ds.dataset_key("nuclei", size=32) != ds.dataset_key("nuclei", size=32, rng=1)
    monkeypatch.undo()  # another recorded source: another key, so arrays of the old file are never reused
    assert ds.dataset_key("nuclei", size=32) not in {f.stem.split("-", 1)[1] for f in tmp_path.glob("nuclei-*")}
