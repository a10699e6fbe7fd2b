"""The Hanzi glyph bank: clean Chinese characters, white on black, 64x64, on [0, 1].

The paper's Hanzi dataset (paper §5, supplement §5.1) renders about 13k characters, the character list of the
CC-CEDICT dictionary, with a Chinese font the authors downloaded (github.com/batson/hanzi): 50 px glyphs on a black
64x64 canvas at a fixed position, six noisy copies per character (78,174 images in all, so 13,029 characters). Neither
the list nor the font can be downloaded here, so this workbook ships the clean glyphs it needs, pre-rendered, and
keeps the renderer for anyone who has a font. The differences from the paper, to say when quoting numbers:

- **Characters.** CC-CEDICT cannot be fetched offline. The closest list that ships with Python is the union of the
  hanzi of the ``gb2312`` codec (6,763 simplified characters) and of the ``big5`` codec (13,061 traditional ones):
  15,441 characters in the CJK Unified Ideographs block, all covered by the font. One pair renders identically
  (墫 and 壿) and keeps only its first member; a subset of 13,029 drawn with seed 2019, kept in code-point order,
  matches the paper's dataset size.
- **Font.** Noto Sans CJK SC Regular 2.004 (Adobe and Google, SIL Open Font License 1.1; Debian's
  ``fonts-noto-cjk``), not the authors' font. The licence travels with the bank in
  ``assets/HANZI_GLYPHS_LICENSE.txt``.
- **Placement.** As the authors did: 50 px glyphs (``round(size * 50 / 64)`` for other sizes) at one fixed
  position for every character, the font's ideographic em square centred in the canvas. The em square is taken to
  span 0.88 em above the baseline to 0.12 em below it, Adobe's convention that Noto CJK follows; each glyph keeps
  its place in the square (一 sits in the middle, 丶 near the top), as in handwriting practice grids.
- **Grey levels.** The bank stores 16 grey levels (k / 15), two pixels per byte, so it stays small (about 5 MB);
  the largest error against the 8-bit rendering is 1/30, far below the noise (sigma 0.7) the paper adds.

Rebuild the bank with ``python tools/make_hanzi_bank.py`` after ``apt-get install fonts-noto-cjk``; only that step
needs the font. The noise recipe lives in :mod:`~n2s_core.noise`.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from .._checks import check_int

BANK_PATH = Path(__file__).parent / "assets" / "hanzi_glyphs.npz"
LEVELS = 15  # grey levels k / LEVELS, k = 0..15: four bits per pixel
PAPER_CHARACTERS = 13_029  # 78,174 images / 6 noisy copies per character
NOTO_CJK_PATH = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"  # Debian/Ubuntu fonts-noto-cjk
NOTO_CJK_SC_INDEX = 2  # face "Noto Sans CJK SC" inside that collection
_EM_TOP = 0.88  # ideographic em square: 0.88 em above the baseline, 0.12 em below

HANZI_SOURCE = {
    "label": "Hanzi substitute: GB2312 + Big5 hanzi, Noto Sans CJK SC",
    "characters": "GB2312 + Big5 hanzi (15,440 distinct glyphs), seeded subset of 13,029; paper: CC-CEDICT, ~13k",
    "font": "Noto Sans CJK SC Regular",
    "font_version": "2.004",
    "licence": "SIL Open Font License 1.1; (c) Adobe, Google; see n2s_core/data/assets/HANZI_GLYPHS_LICENSE.txt",
    "placement": "50 px glyph, em square centred in a 64x64 canvas (the authors' size and fixed position)",
    "quantisation": "16 grey levels (k / 15), max error 1/30",
}


def render_glyphs(characters, font_path, *, size: int = 64, font_size: int | None = None,
                  font_index: int = 0) -> np.ndarray:
    """Render characters white on black, each one in its own ``size`` x ``size`` square.

    Every glyph is drawn at the same place: its em square (``font_size`` wide) centred in the canvas, horizontally
    by the glyph's advance width and vertically by the ideographic em box (0.88 em above the baseline to 0.12 em
    below). Pillow's anti-aliasing gives the grey edges.

    Parameters
    ----------
    characters : str or sequence of str
        The characters, one per image; a string is split into its characters.
    font_path : str or Path
        A TrueType/OpenType font or collection (.ttf, .otf, .ttc) that covers the characters; characters it lacks
        come out as its placeholder box.
    size : int
        Side of the square canvas in pixels, at least 8.
    font_size : int or None
        Em size in pixels; ``None`` scales the authors' 50 px at size 64: ``round(size * 50 / 64)``.
    font_index : int
        Face inside a collection; Noto Sans CJK SC is face ``NOTO_CJK_SC_INDEX`` of ``NOTO_CJK_PATH``.

    Returns
    -------
    glyphs : ndarray, float32, shape (N, size, size)
        Values in [0, 1]: 0 the black background, 1 full ink.

    Examples
    --------
    >>> from pathlib import Path
    >>> import matplotlib
    >>> dejavu = Path(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSans.ttf")  # a Latin font, as a stand-in
    >>> glyphs = render_glyphs("AB", dejavu, size=32)
    >>> glyphs.shape, glyphs.dtype, float(glyphs.max()), float(glyphs[:, 0].max())
    ((2, 32, 32), dtype('float32'), 1.0, 0.0)
    """
    characters = _check_characters(characters)
    check_int(size, name="size", minimum=8, fix=" (the paper uses 64)")
    font_size = round(size * 50 / 64) if font_size is None else font_size
    check_int(font_size, name="font_size", maximum=size, fix=f" (size={size})")
    font_path = Path(font_path)
    if not font_path.is_file():
        raise FileNotFoundError(
            f"font file {str(font_path)!r} not found; install a CJK font (Debian/Ubuntu: apt-get install "
            f"fonts-noto-cjk, then use {NOTO_CJK_PATH!r} with font_index={NOTO_CJK_SC_INDEX}), or use load_glyphs()"
        )
    from PIL import Image, ImageDraw, ImageFont  # imported here so that importing n2s_core stays cheap

    font = ImageFont.truetype(str(font_path), int(font_size), index=font_index)
    origin = (size / 2, size / 2 + (_EM_TOP - 0.5) * font_size)  # middle of the advance, on the baseline
    glyphs = np.empty((len(characters), size, size), dtype=np.float32)  # (N, H, W)
    for i, char in enumerate(characters):
        canvas = Image.new("L", (size, size), 0)
        ImageDraw.Draw(canvas).text(origin, char, fill=255, font=font, anchor="ms")
        glyphs[i] = np.asarray(canvas, dtype=np.float32) / 255
    return glyphs


def load_glyphs(count: int | None = None, *, rng=None) -> tuple[list[str], np.ndarray]:
    """Load clean Hanzi glyphs from the bank that ships with the package (no font needed).

    Parameters
    ----------
    count : int or None
        How many characters; ``None`` returns all of them (13,029). A smaller count draws a random subset, kept
        in code-point order.
    rng : numpy.random.Generator, int or None
        Seed or generator for the subset; the same seed gives the same characters. Unused when ``count`` is None.

    Returns
    -------
    characters : list of str
        One character per glyph, sorted by code point.
    glyphs : ndarray, float32, shape (N, 64, 64)
        White on black, values k / 15 in [0, 1]; a fresh array, free to modify.

    Examples
    --------
    >>> characters, glyphs = load_glyphs(3, rng=0)
    >>> len(characters), glyphs.shape, glyphs.dtype
    (3, (3, 64, 64), dtype('float32'))
    >>> characters == sorted(characters), float(glyphs.min()), float(glyphs.max())
    (True, 0.0, 1.0)
    """
    all_characters, levels = _bank()
    available = len(all_characters)
    if count is None:
        index = np.arange(available)
    else:
        check_int(count, name="count", maximum=available, fix=" (or None for all characters)")
        index = np.sort(np.random.default_rng(rng).choice(available, size=int(count), replace=False))
    glyphs = levels[index].astype(np.float32) / np.float32(LEVELS)  # (N, 64, 64), a copy
    return [all_characters[i] for i in index], glyphs


def pack_levels(levels: np.ndarray) -> np.ndarray:
    """Pack 4-bit levels (..., W) with even W into bytes (..., W / 2): even columns in the high nibble.

    Examples
    --------
    >>> import numpy as np
    >>> levels = np.array([[15, 0, 3, 12]], dtype=np.uint8)
    >>> packed = pack_levels(levels)
    >>> packed.tolist(), bool((unpack_levels(packed) == levels).all())
    ([[240, 60]], True)
    """
    levels = np.asarray(levels)
    if levels.shape[-1] % 2 or levels.size and (levels.min() < 0 or levels.max() > LEVELS):
        raise ValueError(f"levels must be integers in [0, {LEVELS}] with an even last axis, got shape {levels.shape}")
    levels = levels.astype(np.uint8)
    return (levels[..., 0::2] << 4) | levels[..., 1::2]


def unpack_levels(packed: np.ndarray) -> np.ndarray:
    """Inverse of :func:`pack_levels`: bytes (..., W / 2) to 4-bit levels (..., W) as uint8.

    Examples
    --------
    >>> import numpy as np
    >>> unpack_levels(np.array([240, 60], dtype=np.uint8)).tolist()
    [15, 0, 3, 12]
    """
    packed = np.asarray(packed, dtype=np.uint8)
    levels = np.empty(packed.shape[:-1] + (2 * packed.shape[-1],), dtype=np.uint8)
    levels[..., 0::2] = packed >> 4
    levels[..., 1::2] = packed & 0x0F
    return levels


def bank_metadata() -> dict[str, str]:
    """The bank's metadata (font, version, size, count, character source, packing) as strings.

    Examples
    --------
    >>> bank_metadata()["font"]
    'Noto Sans CJK SC Regular'
    """
    with np.load(BANK_PATH, allow_pickle=False) as bank:
        return {key: str(bank[key]) for key in bank.files if key not in ("glyphs", "characters")}


@functools.lru_cache(maxsize=1)
def _bank() -> tuple[str, np.ndarray]:
    """Read and unpack the bank once: (characters as one string, read-only uint8 levels (N, 64, 64))."""
    if not BANK_PATH.is_file():
        raise FileNotFoundError(f"Hanzi bank {str(BANK_PATH)!r} is missing; rebuild: python tools/make_hanzi_bank.py")
    with np.load(BANK_PATH, allow_pickle=False) as bank:
        characters, levels = str(bank["characters"]), unpack_levels(bank["glyphs"])
    levels.setflags(write=False)
    return characters, levels


def _check_characters(characters) -> list[str]:
    if isinstance(characters, str):
        characters = list(characters)
    characters = list(characters)
    if not characters:
        raise ValueError("characters is empty; pass at least one character, e.g. render_glyphs('水', font_path)")
    bad = [c for c in characters if not isinstance(c, str) or len(c) != 1]
    if bad:
        raise ValueError(f"characters must be single-character strings, got {bad[0]!r}; split words into characters")
    return characters
