"""The datasets of the paper's Table 2 as NumPy arrays: Hanzi, CellNet-like and ImageNet-like substitutes, and real
nuclei with the CellNet-like noise.

Each builder returns a :class:`~n2s_core.data.noisy_dataset.NoisyDataset` (noise drawn once, seeded, two
independent noisy copies, a fixed split). Nothing is downloaded: Hanzi glyphs come from
:mod:`n2s_core.data.hanzi`, the substitutes from :mod:`n2s_core.data.substitutes`, the nuclei from the image that
``python -m n2s_core fetch nuclei`` stored (:func:`make_nuclei` needs it), and
:func:`load_folder` turns a folder of your own images (ImageNet validation images, BBBC fluorescence tiles) into the
same kind of dataset. :func:`load_dataset` caches a generated set on disk.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np

from .._checks import check_choice
from ..noise import hanzi_noise, imagenet_noise, scmos_noise
from . import substitutes
from .noisy_dataset import NoisyDataset, split_counts, split_labels
from .substitutes import crop_regions, cut_regions, load_photos, preclean_nl_means, synthesize_fluorescence

NOISES = {"hanzi": hanzi_noise, "cellnet": scmos_noise, "imagenet": imagenet_noise}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
_CACHE_VERSION = 4  # bump when a generator changes, so old cache files are not reused (4: eight photos)


def make_hanzi(*, n_characters: int | None = None, multiplicity: int = 6, sigma: float = 0.7, split: str = "tile",
               fractions=(0.7, 0.2, 0.1), rng=0) -> NoisyDataset:
    """The Hanzi set: 64x64 white-on-black glyphs, each repeated ``multiplicity`` times with its own noise.

    Glyphs come from :func:`n2s_core.data.hanzi.load_glyphs` (re-rendered with another font and character list than the
    paper's: see :mod:`n2s_core.data.hanzi`). ``split="tile"`` is the authors' random 70/20/10 split over tiles (a
    character recurs across splits with fresh noise); ``split="character"`` keeps all copies of a character in one
    split. ``n_characters=None`` takes all 13,029 glyphs: 78,174 tiles as in the paper, 3.8 GB of float32 arrays.
    """
    from .hanzi import load_glyphs

    check_choice(split, ("tile", "character"), name="split")
    if multiplicity < 1:
        raise ValueError(f"multiplicity must be >= 1 (copies per character), got {multiplicity}")
    rng = np.random.default_rng(rng)
    _, glyphs = load_glyphs(n_characters, rng=rng)
    groups = np.repeat(np.arange(len(glyphs)), multiplicity)
    clean = np.asarray(glyphs, dtype=np.float32)[groups]
    labels = split_labels(len(glyphs), fractions=fractions, rng=rng)[groups] if split == "character" \
        else split_labels(len(clean), fractions=fractions, rng=rng)
    noisy, noisy2 = (_draw(hanzi_noise, clean, rng, sigma=sigma) for _ in range(2))
    return NoisyDataset("hanzi", clean, noisy, noisy2, labels, False,
                        f"Hanzi (re-rendered glyphs, sigma {sigma:g}, {split} split)", groups)


def make_cellnet_like(*, n_tiles: int = 512, size: int = 128, preclean: bool = True, fractions=(0.7, 0.2, 0.1),
                      rng=0, **noise) -> NoisyDataset:
    """CellNet substitute: *synthetic* fluorescence-like tiles, gently NL-means pre-cleaned, then sCMOS-like noise.

    The tiles come from :func:`~n2s_core.data.substitutes.synthesize_fluorescence` (no real microscopy ships offline);
    ``noise`` goes to :func:`~n2s_core.noise.scmos_noise`. Each tile is its own image, so the split is random.
    """
    rng = np.random.default_rng(rng)
    clean = synthesize_fluorescence(n_tiles, size=size, rng=rng)
    if preclean:
        clean = preclean_nl_means(clean)
    noisy, noisy2 = (_draw(scmos_noise, clean, rng, **noise) for _ in range(2))
    return NoisyDataset("cellnet-like", clean, noisy, noisy2, split_labels(n_tiles, fractions=fractions, rng=rng),
                        True, "CellNet-like (substitute: synthetic fluorescence)", np.arange(n_tiles))


def make_imagenet_like(*, n_crops: int = 512, size: int = 128, sigma: float = 80 / 255,
                       fractions=(0.6, 0.2, 0.2), rng=0) -> NoisyDataset:
    """ImageNet substitute: random RGB crops of scikit-image's eight bundled photos, with the paper's ImageNet noise.

    Crops of one photo overlap, so the split is by region: each photo is cut into blocks at least ``size`` on a
    side (131 blocks at 128), the blocks get a fixed split (the same for every ``rng``), and a crop stays inside
    one block. Test crops therefore share no pixel with training crops; ``groups`` holds the block of each crop.
    The default split gives the test set a fifth of the blocks (26 of 131 at 128), so that its mean is over that
    many independent regions rather than over two or three (the crops inside one block are not independent).
    """
    return _crops_dataset(load_photos(), "imagenet-like", "ImageNet-like (substitute: crops of scikit-image's "
                          "8 bundled photos)", True, noise="imagenet", size=size, n_crops=n_crops,
                          fractions=fractions, rng=rng, noise_kwargs={"sigma": sigma})


NUCLEI_LABEL = "Nuclei (real: BBBC038 via stardist; synthetic sCMOS-like noise)"


def make_nuclei(*, size: int = 64, n_crops: int | None = None, fractions=(0.6, 0.2, 0.2), image=None,
                cache_dir=None, rng=0, **noise) -> NoisyDataset:
    """Real nuclei with the CellNet-like noise: tiles of the fetched fluorescence image, the same gentle NL-means
    pre-cleaning and sCMOS-like noise as :func:`make_cellnet_like` (``noise`` goes to
    :func:`~n2s_core.noise.scmos_noise`).

    The image (:func:`~n2s_core.data.substitutes.load_nuclei`, or ``image``: any gray array, stretched to [0, 1]
    by its 0.1 and 99.9 percentiles) is cut into disjoint blocks of ``size`` (64 at 64 from 512x512) and the blocks
    are split 60/20/20 as the photos are, so no test tile overlaps a training one. ``n_crops=None`` takes every
    block once (at ``size`` a crop is its whole block, turned by one of the square's 8 symmetries): repeating a
    block with fresh noise would hand Noise2Self the second noisy copy that Noise2Noise is made of.
    Raises :class:`~n2s_core.data.fetch.NotFetchedError` (run ``python -m n2s_core fetch nuclei``) without it.
    """
    image = substitutes.load_nuclei(cache_dir=cache_dir) if image is None else substitutes.stretch_to_unit(image)
    if image.ndim != 2:
        raise ValueError(f"make_nuclei needs a gray image (H, W), got shape {image.shape}")
    n_crops = len(cut_regions([image], size=size)) if n_crops is None else n_crops
    return _crops_dataset([image], "nuclei", NUCLEI_LABEL, True, noise="cellnet", size=size, n_crops=n_crops,
                          fractions=fractions, rng=rng, noise_kwargs=noise)


def load_folder(path, *, noise: str = "imagenet", size: int = 128, n_crops: int | None = None,
                fractions=(0.7, 0.2, 0.1), normalize: bool = False, rng=0, **noise_kwargs) -> NoisyDataset:
    """Your own folder of PNG/JPEG/TIFF images as a :class:`NoisyDataset` with one of the paper's noise recipes.

    ``noise`` is ``"hanzi"``, ``"cellnet"`` (gray, NL-means pre-cleaned first, as the paper did) or ``"imagenet"``
    (RGB; gray images are repeated over 3 channels); ``noise_kwargs`` go to the recipe (e.g. ``sigma=0.5``, or
    ``preclean=False`` for "cellnet"). Crops are split by region as in :func:`make_imagenet_like`;
    ``n_crops=None`` takes as many crops as non-overlapping tiles fit. ``normalize=True`` stretches each image's
    0.1 and 99.9 percentiles to [0, 1] (useful for 12- or 16-bit microscopy stored in 16-bit files).
    """
    from skimage import color, img_as_float, io

    check_choice(noise, NOISES, name="noise")
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder {str(folder)!r}; pass a folder holding .png, .jpg or .tif images")
    images = []
    for file in sorted(f for f in folder.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES):
        try:
            image = img_as_float(io.imread(file)).astype(np.float32)
        except Exception as error:  # a broken file should not stop the others
            warnings.warn(f"skipped {file.name}: {error}", stacklevel=2)
            continue
        image = image[..., :3] if image.ndim == 3 and image.shape[-1] == 4 else image
        if noise == "imagenet":
            image = np.repeat(image[..., None], 3, axis=-1) if image.ndim == 2 else image
        elif image.ndim == 3:
            image = color.rgb2gray(image).astype(np.float32)
        if normalize:
            image = substitutes.stretch_to_unit(image)
        if min(image.shape[:2]) < size:
            raise ValueError(f"{file.name} has shape {image.shape}, smaller than size={size}; lower size")
        images.append(image)
    if not images:
        raise ValueError(f"no readable image in {str(folder)!r}; expected files ending in {IMAGE_SUFFIXES}")
    if n_crops is None:
        n_crops = len(cut_regions(images, size=size))
    return _crops_dataset(images, f"folder:{folder}", f"{folder.name} ({noise} noise)", False, noise=noise,
                          size=size, n_crops=n_crops, fractions=fractions, rng=rng, noise_kwargs=noise_kwargs)


def _crops_dataset(images, name, description, substitute, *, noise, size, n_crops, fractions, rng, noise_kwargs):
    rng = np.random.default_rng(rng)
    regions = cut_regions(images, size=size)
    wanted = np.asarray(fractions) > 0
    counts = split_counts(len(regions), fractions)
    if len(regions) < wanted.sum():
        raise ValueError(f"the images give {len(regions)} region(s) of side >= {size}, too few for the splits "
                         f"{tuple(fractions)}; add images or lower size")
    for s in np.flatnonzero(wanted & (counts == 0)):  # every split asked for gets a region, from the largest
        counts[np.argmax(counts)] -= 1
        counts[s] = 1
    region_split = np.random.default_rng(0).permutation(np.repeat(np.arange(3), counts))  # fixed for every rng
    clean, labels, groups = crop_regions(images, regions, region_split, split_counts(n_crops, fractions),
                                         size=size, rng=rng)
    if noise == "cellnet" and noise_kwargs.pop("preclean", True):
        clean = preclean_nl_means(clean)
    noisy, noisy2 = (_draw(NOISES[noise], clean, rng, **noise_kwargs) for _ in range(2))
    return NoisyDataset(name, clean, noisy, noisy2, labels, substitute, description, groups)


def _draw(noise, clean: np.ndarray, rng, *, chunk: int = 256, **kwargs) -> np.ndarray:
    """Apply a noise recipe in chunks of images (bounded memory), float32 out; the chunk size is part of the seed."""
    out = np.empty(clean.shape, dtype=np.float32)
    for start in range(0, len(clean), chunk):
        out[start:start + chunk] = noise(clean[start:start + chunk], rng=rng, **kwargs)
    return out


BUILDERS = {"hanzi": make_hanzi, "cellnet-like": make_cellnet_like, "imagenet-like": make_imagenet_like,
            "nuclei": make_nuclei}
FETCHED_SOURCES = {"nuclei": "nuclei"}  # data sets built from a fetched file: name -> n2s_core.data.fetch's name
ALIASES = {"cellnet": "cellnet-like", "imagenet": "imagenet-like"}  # the paper's names reach the substitutes


def load_dataset(name: str, *, cache_dir=None, rng: int = 0, **kwargs) -> NoisyDataset:
    """Build a dataset once and cache it as a compressed ``.npz``; later calls with equal arguments read it back.

    The file name holds a short hash of ``name``, ``rng`` and ``kwargs`` (the builder's arguments, e.g.
    ``n_tiles=256``). The cache lives in ``cache_dir``, else ``$N2S_CACHE_DIR``, else ``~/.cache/n2s_core``.
    ``"cellnet"`` and ``"imagenet"`` name the substitutes ``"cellnet-like"`` and ``"imagenet-like"``. ``"nuclei"``
    needs its fetched image (in the same cache folder): :class:`~n2s_core.data.fetch.NotFetchedError` without it,
    even when the set was built before.
    """
    name = ALIASES.get(name, name)
    builder = BUILDERS[check_choice(name, BUILDERS, name="dataset")]
    if name in FETCHED_SOURCES:
        from .fetch import fetched

        fetched(FETCHED_SOURCES[name], cache_dir=cache_dir)  # there and its checksum right, or the command to run
        kwargs = {**kwargs, "cache_dir": cache_dir}
    folder = Path(cache_dir or os.environ.get("N2S_CACHE_DIR") or Path.home() / ".cache" / "n2s_core").expanduser()
    file = folder / f"{name}-{dataset_key(name, rng=rng, **kwargs)}.npz"
    if file.exists():
        with np.load(file, allow_pickle=False) as stored:
            fields = {f.name: stored[f.name] for f in dataclasses.fields(NoisyDataset)}
        return NoisyDataset(**{k: v.item() if v.ndim == 0 else v for k, v in fields.items()})
    dataset = builder(rng=rng, **kwargs)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".npz.tmp", delete=False) as handle:
        try:
            np.savez_compressed(handle, **{f.name: getattr(dataset, f.name) for f in dataclasses.fields(dataset)})
        except BaseException:
            os.unlink(handle.name)
            raise
    os.replace(handle.name, file)  # atomic: readers never see half a file
    return dataset


def dataset_key(name: str, *, rng: int = 0, **kwargs) -> str:
    """A short hash of what makes a data set: its builder's name and arguments, the seed, the generators' version,
    and for a fetched source its recorded checksum (``cache_dir`` is where, not what: it is left out).

    :func:`load_dataset` names its cache file by it, and Table 2's work folder too, so that a changed generator or
    source never reuses old arrays or old runs.
    """
    name = ALIASES.get(name, name)
    if not isinstance(rng, (int, np.integer)) or isinstance(rng, bool):
        raise TypeError(f"load_dataset caches by seed, so rng must be an int, got {rng!r}")
    kwargs = {k: v for k, v in kwargs.items() if k != "cache_dir"}
    if name in FETCHED_SOURCES:
        from .fetch import paper_file

        kwargs["source_sha256"] = paper_file(FETCHED_SOURCES[name]).sha256
    key = json.dumps({"name": name, "rng": int(rng), "version": _CACHE_VERSION, **kwargs}, sort_keys=True,
                     default=repr)
    return hashlib.sha256(key.encode()).hexdigest()[:12]
