"""Clean images standing in for the paper's CellNet and ImageNet sets, made offline from what our dependencies ship.

- :func:`synthesize_fluorescence`: synthetic fluorescence-like tiles (cells with a dim cytoplasm and a bright
  textured nucleus on a dark background, blurred by the optics). They are *synthetic*, not microscopy: scikit-image
  bundles no fluorescence image of cultured cells (``cells3d``, ``human_mitosis`` and ``kidney`` need a download).
- :func:`preclean_nl_means`: the paper's gentle NL-means pre-cleaning of CellNet.
- :func:`load_photos` and :func:`crop_regions`: random crops of the RGB photographs inside the scikit-image wheel,
  split so that no test crop shares a pixel with a training crop.
- :func:`load_nuclei`: the real fluorescence image of nuclei (BBBC038, as stardist ships it), when it was fetched.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_float_image

# Every RGB photograph stored inside the scikit-image 0.26 wheel (skimage/data/; the others are fetched by pooch, so
# not offline). Left out: the right half of the motorcycle stereo pair (nearly the left one: it would leak across
# splits), the gray photos (camera, coins, moon, ...: ImageNet's are colour) and drawings (logo, color chart).
# Licences, from scikit-image's docstrings: hubble_deep_field NASA, public domain; retina CC0 (Haggstrom 2014);
# immunohistochemistry (CMMI) "no known copyright restrictions".
PHOTOS = ("astronaut", "chelsea", "coffee", "motorcycle", "rocket", "hubble_deep_field", "immunohistochemistry",
          "retina")


def synthesize_fluorescence(n_tiles: int, *, size: int = 128, rng=None) -> np.ndarray:
    """Synthetic fluorescence-like tiles, float32 (n_tiles, size, size) on [0, 1].

    Each tile holds 3 to 9 cells: ellipses with wobbly borders, a dim textured cytoplasm (0.15 to 0.4) and a bright
    textured nucleus (0.5 to 0.9), over a dark background with a faint haze, blurred with a Gaussian of 1.2 pixels
    (the point spread function). Sizes scale with ``size`` (cells are 20 to 50 pixels across at 128).

    Examples
    --------
    >>> tiles = synthesize_fluorescence(2, size=64, rng=0)
    >>> tiles.shape, tiles.dtype, bool(0 <= tiles.min() and tiles.max() <= 1)
    ((2, 64, 64), dtype('float32'), True)
    """
    from scipy import ndimage

    if n_tiles < 1 or size < 16:
        raise ValueError(f"need n_tiles >= 1 and size >= 16, got n_tiles={n_tiles}, size={size}")
    rng = np.random.default_rng(rng)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)  # (H, W)
    texture = _smooth_noise(rng, (n_tiles, size, size), sigma=1.5)  # chromatin and cytoplasm grain
    wobble = _smooth_noise(rng, (n_tiles, size, size), sigma=size / 20)  # irregular cell borders
    haze = _smooth_noise(rng, (n_tiles, size, size), sigma=size / 5)  # uneven background
    tiles = np.stack([_draw_cells(rng, yy, xx, texture[i], wobble[i]) for i in range(n_tiles)])
    tiles = np.maximum(tiles, 0.04 + 0.015 * haze)
    tiles = ndimage.gaussian_filter(tiles, sigma=(0, 1.2, 1.2))
    return np.clip(tiles, 0.0, 1.0).astype(np.float32)


def _smooth_noise(rng, shape, *, sigma: float) -> np.ndarray:
    """Gaussian-filtered white noise per image (n, H, W), rescaled to unit standard deviation.

    Wide filters run on a coarse grid, then are zoomed up (linear): same look, a fraction of the time.
    """
    from scipy import ndimage

    n, height, width = shape
    step = max(1, int(sigma // 3))
    coarse = rng.standard_normal((n, -(-height // step) + 1, -(-width // step) + 1), dtype=np.float32)
    field = ndimage.gaussian_filter(coarse, sigma=(0, sigma / step, sigma / step), mode="wrap")
    if step > 1:
        field = ndimage.zoom(field, (1, step, step), order=1, grid_mode=False)
    field = field[:, :height, :width]
    return field / field.std(axis=(1, 2), keepdims=True)


def _draw_cells(rng, yy, xx, texture, wobble) -> np.ndarray:
    """One tile: the brightest cell part at every pixel (cells may overlap)."""
    size = yy.shape[0]
    n_cells = rng.integers(3, 10)
    centre = rng.uniform(-0.05 * size, 1.05 * size, size=(n_cells, 2, 1, 1)).astype(np.float32)
    radius = rng.uniform(0.08, 0.2, size=(n_cells, 1, 1)).astype(np.float32) * size  # long semi-axis
    aspect = rng.uniform(0.6, 1.0, size=(n_cells, 1, 1)).astype(np.float32)
    angle = rng.uniform(0, np.pi, size=(n_cells, 1, 1)).astype(np.float32)
    shift = rng.uniform(-0.25, 0.25, size=(n_cells, 2, 1, 1)).astype(np.float32) * radius[:, None]  # nucleus
    cytoplasm = rng.uniform(0.15, 0.4, size=(n_cells, 1, 1)).astype(np.float32)
    nucleus = rng.uniform(0.5, 0.9, size=(n_cells, 1, 1)).astype(np.float32)

    def distance(cy, cx, a, b):  # elliptic radius: 1 on the border of the ellipse, (K, H, W)
        dy, dx = yy - cy, xx - cx
        u, v = dx * np.cos(angle) + dy * np.sin(angle), -dx * np.sin(angle) + dy * np.cos(angle)
        return np.sqrt((u / a) ** 2 + (v / b) ** 2)

    in_cell = distance(centre[:, 0], centre[:, 1], radius, radius * aspect) < 1 + 0.25 * wobble
    in_nucleus = distance(centre[:, 0] + shift[:, 0], centre[:, 1] + shift[:, 1], 0.45 * radius,
                          0.45 * radius * aspect) < 1 + 0.1 * wobble
    value = np.where(in_cell, cytoplasm * (1 + 0.25 * texture), 0.0)
    value = np.where(in_nucleus & in_cell, nucleus * (1 + 0.2 * texture), value)
    return value.max(axis=0).astype(np.float32)


def load_photos(names=PHOTOS) -> list[np.ndarray]:
    """The RGB photographs bundled with scikit-image, float32 (H, W, 3) on [0, 1]; nothing is downloaded."""
    from skimage import data

    photos = []
    for name in names:
        if name not in PHOTOS:
            raise ValueError(f"unknown photo {name!r}; choose from {list(PHOTOS)}")
        image = data.stereo_motorcycle()[0] if name == "motorcycle" else getattr(data, name)()
        image = as_float_image(image).astype(np.float32)
        photos.append(_fundus_square(image) if name == "retina" else image)
    return photos


def _fundus_square(retina: np.ndarray) -> np.ndarray:
    """The 960-pixel square inside the retina photo's fundus disc (outside it the photo is black), at half size.

    The disc's centre is (705, 705) and every pixel of this square lies on it (checked on scikit-image 0.26's
    ``retina``); halved (2x2 means) so that the smooth fundus gives 9 blocks of 128 pixels, not 49 that would
    outnumber the other photos' 122.
    """
    square = retina[225:1185, 225:1185]  # (960, 960, 3)
    return square.reshape(480, 2, 480, 2, 3).mean(axis=(1, 3))


def load_nuclei(*, cache_dir=None) -> np.ndarray:
    """The real 512x512 fluorescence image of nuclei, float32 (H, W) on [0, 1]: :func:`stretch_to_unit` of the
    fetched ``img2d.tif`` (2018 Data Science Bowl, BBBC038, CC0; as stardist 0.9.1 ships it).

    Raises :class:`~n2s_core.data.fetch.NotFetchedError`, naming the command to run, when it was not fetched
    (``python -m n2s_core fetch nuclei``). Nothing is downloaded here.
    """
    import tifffile

    from .fetch import fetched

    return stretch_to_unit(tifffile.imread(fetched("nuclei", cache_dir=cache_dir)))


def stretch_to_unit(image, *, percentiles=(0.1, 99.9)) -> np.ndarray:
    """Map an image's low and high percentiles to 0 and 1 and clip, float32: for 8-, 12- or 16-bit microscopy.

    Examples
    --------
    >>> stretch_to_unit(np.arange(1001, dtype=np.uint16)).round(3)[[0, 1, 500, 999, 1000]].tolist()
    [0.0, 0.0, 0.5, 1.0, 1.0]
    """
    image = np.asarray(image, dtype=np.float64)
    low, high = np.percentile(image, percentiles)
    return np.clip((image - low) / max(high - low, 1e-12), 0, 1).astype(np.float32)


def cut_regions(images, *, size: int) -> np.ndarray:
    """Cut every image into a grid of disjoint blocks at least ``size`` on each side (``(H // size) x (W // size)``).

    Returns an int array (n_regions, 5) of ``(image index, top, left, height, width)``. Blocks rather than
    full-height bands give more independent regions per photo (64 for the first five bundled photos at 128,
    against 21 bands), so a region-level test split holds more than a couple of strips.

    Examples
    --------
    >>> cut_regions([np.zeros((300, 451, 3))], size=128).tolist()
    [[0, 0, 0, 150, 150], [0, 0, 150, 150, 150], [0, 0, 300, 150, 151], [0, 150, 0, 150, 150], \
[0, 150, 150, 150, 150], [0, 150, 300, 150, 151]]
    """
    regions = []
    for i, image in enumerate(images):
        height, width = image.shape[:2]
        if min(height, width) < size:
            raise ValueError(f"image {i} of shape {image.shape} is smaller than size={size}; lower size")
        rows = np.linspace(0, height, height // size + 1).astype(int)
        cols = np.linspace(0, width, width // size + 1).astype(int)
        for top, bottom in zip(rows[:-1], rows[1:], strict=True):
            for left, right in zip(cols[:-1], cols[1:], strict=True):
                regions.append((i, top, left, bottom - top, right - left))
    return np.array(regions, dtype=np.int64).reshape(-1, 5)


def crop_regions(images, regions, region_split, counts, *, size: int, rng=None):
    """Random ``size x size`` crops inside the regions of each split: ``counts[s]`` crops for split ``s``.

    A crop lies inside one region, so crops of different splits never overlap when the regions are disjoint. Within
    a split the crops are shared evenly over its regions (each gets ``count // n`` or one more, the extra ones at
    random), so that a test set of many crops spans all its independent regions; inside its region a crop's
    position is uniform, and it is rotated by a random multiple of 90 degrees and flipped at random (the 8
    symmetries of the square).

    Returns ``(crops, split, groups)``: float32 crops (n, size, size[, C]) in random order, the split of each crop
    (int8) and the index of the region it came from.
    """
    rng = np.random.default_rng(rng)
    region_split = np.asarray(region_split)
    groups = []
    for s, count in enumerate(counts):
        candidates = np.flatnonzero(region_split == s)
        if count and not len(candidates):
            raise ValueError(f"split {s} asks for {count} crops but has no region; add images or lower size")
        if count:
            shares = np.tile(rng.permutation(candidates), -(-count // len(candidates)))  # every region once per lap
            groups.append(shares[:count])
    groups = rng.permutation(np.concatenate(groups)) if groups else np.zeros(0, np.int64)
    crops = []
    for image_index, top, left, height, width in regions[groups]:
        y, x = top + rng.integers(0, height - size + 1), left + rng.integers(0, width - size + 1)
        crop = np.rot90(images[image_index][y:y + size, x:x + size], k=rng.integers(4))
        crops.append(crop[:, ::-1] if rng.integers(2) else crop)
    shape = (0, size, size) + np.shape(images[0])[2:]
    crops = np.stack(crops).astype(np.float32) if crops else np.zeros(shape, np.float32)
    return crops, region_split[groups].astype(np.int8), groups


def preclean_nl_means(images: np.ndarray, *, h: float = 0.01) -> np.ndarray:
    """The paper's gentle NL-means pre-cleaning of gray images (N, H, W); a small ``h`` changes little.

    The cleaned images are the ground truth the noisy copies are scored against. On synthetic tiles this is nearly
    a no-op; on real microscopy (:func:`~n2s_core.data.datasets.load_folder`) it removes the camera's own noise.
    """
    from skimage.restoration import denoise_nl_means

    return np.stack([denoise_nl_means(image, h=h, patch_size=5, patch_distance=3, fast_mode=True)
                     for image in images]).astype(np.float32).reshape(images.shape)
