"""The Hanzi glyph bank: what ships loads offline, looks like white-on-black characters, and matches the renderer."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pytest

from n2s_core.data import hanzi
from n2s_core.data.hanzi import load_glyphs, render_glyphs

DEJAVU = Path(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSans.ttf")  # ships with matplotlib: no CJK needed
has_noto = pytest.mark.skipif(not Path(hanzi.NOTO_CJK_PATH).is_file(),
                              reason="Noto Sans CJK not installed (apt-get install fonts-noto-cjk)")


@pytest.fixture(scope="module")
def bank():
    return load_glyphs()


def test_bank_has_the_papers_character_count_shape_dtype_and_range(bank):
    characters, glyphs = bank
    assert len(characters) == glyphs.shape[0] == hanzi.PAPER_CHARACTERS == int(hanzi.bank_metadata()["count"])
    assert glyphs.shape[1:] == (64, 64) and glyphs.dtype == np.float32
    assert glyphs.min() == 0.0 and glyphs.max() == 1.0
    # Only the 16 stored levels k / 15 occur.
    values = np.unique(glyphs[::20])
    np.testing.assert_allclose(values, np.arange(16) / 15, atol=1e-6)


def test_characters_are_distinct_hanzi_in_code_point_order(bank):
    characters, _ = bank
    assert all(len(c) == 1 and 0x4E00 <= ord(c) <= 0x9FFF for c in characters)
    assert characters == sorted(set(characters))
    assert set("水国國汉漢") <= set(characters)  # simplified (GB2312) and traditional (Big5) forms


def test_glyphs_are_white_on_black_and_distinct(bank):
    _, glyphs = bank
    border = np.concatenate([glyphs[:, :2].reshape(len(glyphs), -1), glyphs[:, -2:].reshape(len(glyphs), -1),
                             glyphs[:, :, :2].reshape(len(glyphs), -1), glyphs[:, :, -2:].reshape(len(glyphs), -1)], 1)
    assert border.max() == 0.0  # a black frame around every glyph: nothing is clipped
    assert (glyphs.max(axis=(1, 2)) == 1.0).all()  # every glyph has full-ink pixels
    ink = glyphs.mean(axis=(1, 2))
    assert 0.01 < ink.min() and ink.max() < 0.5 and 0.1 < ink.mean() < 0.3  # mostly black background
    assert len({g.tobytes() for g in glyphs}) == len(glyphs)


def test_glyphs_are_centred():
    _, glyphs = load_glyphs(500, rng=0)
    total = glyphs.sum(axis=0)  # (64, 64) mean ink
    rows, cols = total.sum(axis=1), total.sum(axis=0)
    assert abs((rows * np.arange(64)).sum() / rows.sum() - 31.5) < 1.5
    assert abs((cols * np.arange(64)).sum() / cols.sum() - 31.5) < 1.5


def test_subset_is_seeded_sorted_and_part_of_the_bank(bank):
    characters, glyphs = bank
    first, first_glyphs = load_glyphs(50, rng=7)
    again, again_glyphs = load_glyphs(50, rng=np.random.default_rng(7))
    assert first == again and np.array_equal(first_glyphs, again_glyphs)
    assert first == sorted(first) and len(set(first)) == 50
    assert load_glyphs(50, rng=8)[0] != first
    index = [characters.index(c) for c in first]
    np.testing.assert_array_equal(first_glyphs, glyphs[index])


def test_callers_cannot_corrupt_the_cache():
    characters, glyphs = load_glyphs(5, rng=1)
    glyphs[:] = 0.5
    characters[0] = "x"
    characters_again, glyphs_again = load_glyphs(5, rng=1)
    assert characters_again[0] != "x" and glyphs_again.max() == 1.0


@pytest.mark.parametrize("count", [0, -1, hanzi.PAPER_CHARACTERS + 1])
def test_bad_count_is_refused(count):
    with pytest.raises(ValueError, match=r"count must be an int in \[1, 13029\]"):
        load_glyphs(count)


@pytest.mark.parametrize("count", [2.5, True])
def test_a_count_that_is_no_int_is_a_type_error(count):
    with pytest.raises(TypeError, match=f"count must be an int, got {count!r}"):
        load_glyphs(count)


def test_source_label_matches_the_bank():
    metadata = hanzi.bank_metadata()
    assert metadata["font"] == hanzi.HANZI_SOURCE["font"]
    assert metadata["font_version"] == hanzi.HANZI_SOURCE["font_version"]
    assert float(metadata["quantisation_max_error"]) <= 1 / 30
    assert "substitute" in hanzi.HANZI_SOURCE["label"]
    licence = (Path(hanzi.__file__).parent / "assets" / "HANZI_GLYPHS_LICENSE.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence and "Adobe" in licence and "Google" in licence


def test_pack_levels_round_trips():
    levels = np.random.default_rng(0).integers(0, 16, size=(3, 5, 8), dtype=np.uint8)
    packed = hanzi.pack_levels(levels)
    assert packed.shape == (3, 5, 4) and packed.dtype == np.uint8
    np.testing.assert_array_equal(hanzi.unpack_levels(packed), levels)
    with pytest.raises(ValueError, match="even last axis"):
        hanzi.pack_levels(np.zeros((2, 3), dtype=np.uint8))


def test_renderer_with_a_latin_font_is_white_on_black_and_centred():
    glyphs = render_glyphs(["H", "O"], DEJAVU, size=48)
    assert glyphs.shape == (2, 48, 48) and glyphs.dtype == np.float32
    assert glyphs.min() == 0.0 and glyphs.max() == 1.0
    cols = glyphs[0].sum(axis=0)
    assert abs((cols * np.arange(48)).sum() / cols.sum() - 23.5) < 1.5  # H is centred horizontally
    np.testing.assert_array_equal(render_glyphs("HO", DEJAVU, size=48), glyphs)  # a string is split into characters


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"characters": []}, ValueError, "characters is empty"),
    ({"characters": ["水", "ab"]}, ValueError, "single-character strings, got 'ab'"),
    ({"size": 4}, ValueError, "size must be an int >= 8"),
    ({"font_size": 100}, ValueError, r"font_size must be an int in \[1, 64\], got 100 \(size=64\)"),
    ({"font_path": "/no/such/font.ttc"}, FileNotFoundError, "'/no/such/font.ttc' not found; install a CJK font"),
])
def test_renderer_errors_name_the_bad_value_and_the_fix(kwargs, error, match):
    arguments = {"characters": "水", "font_path": DEJAVU, **kwargs}
    with pytest.raises(error, match=match):
        render_glyphs(arguments.pop("characters"), arguments.pop("font_path"), **arguments)


@has_noto
def test_renderer_reproduces_the_bank_with_the_noto_font(bank):
    characters, glyphs = bank
    picks = [0, 1, 1000, 6000, len(characters) - 1]
    rendered = render_glyphs([characters[i] for i in picks], hanzi.NOTO_CJK_PATH, font_index=hanzi.NOTO_CJK_SC_INDEX)
    # The bank stores 16 levels: at most 1/30 apart from the 8-bit rendering (plus float rounding).
    assert np.abs(rendered - glyphs[picks]).max() <= 1 / 30 + 1e-6
