"""Build the Hanzi glyph bank n2s_core/data/assets/hanzi_glyphs.npz and its licence file (see n2s_core/data/hanzi.py).

Needs a CJK font, only here (the bank is what ships and what runs offline):

    sudo apt-get install -y fonts-noto-cjk
    .venv/bin/python tools/make_hanzi_bank.py

Recipe: hanzi of the gb2312 and big5 codecs (CJK Unified Ideographs only), united and sorted by code point; keep those
the font's cmap covers; render 64x64 with n2s_core.data.hanzi.render_glyphs; quantise to 16 grey levels; drop a
character whose quantised glyph repeats an earlier one; draw a seeded subset of 13,029 (the paper's count), kept in
code-point order; pack two pixels per byte and save with np.savez_compressed.
"""

from __future__ import annotations

import argparse
import io
import time
from datetime import date
from pathlib import Path

import numpy as np
from fontTools.ttLib import TTFont

from n2s_core.data import hanzi

ASSETS = Path(hanzi.__file__).parent / "assets"
DEBIAN_COPYRIGHT = "/usr/share/doc/fonts-noto-cjk/copyright"
CJK_UNIFIED = (0x4E00, 0x9FFF)  # the basic CJK Unified Ideographs block
SOURCE = "hanzi of Python's gb2312 and big5 codecs (CJK Unified Ideographs), stand-in for CC-CEDICT"


def codec_hanzi(codec: str, leads, trails) -> set[str]:
    """Every CJK Unified Ideograph that a two-byte code (lead, trail) of ``codec`` decodes to."""
    found = set()
    for lead in leads:
        for trail in trails:
            try:
                text = bytes((lead, trail)).decode(codec)
            except UnicodeDecodeError:
                continue
            if len(text) == 1 and CJK_UNIFIED[0] <= ord(text) <= CJK_UNIFIED[1]:
                found.add(text)
    return found


def candidate_characters() -> tuple[list[str], dict[str, int]]:
    """GB2312 hanzi united with Big5 hanzi, sorted by code point, and the count from each source."""
    gb2312 = codec_hanzi("gb2312", range(0xA1, 0xFF), range(0xA1, 0xFF))
    big5 = codec_hanzi("big5", range(0x81, 0xFF), [*range(0x40, 0x7F), *range(0xA1, 0xFF)])
    union = sorted(gb2312 | big5)
    return union, {"gb2312": len(gb2312), "big5": len(big5), "union": len(union)}


def font_info(path: str, index: int) -> tuple[dict[str, str], set[int]]:
    """Name, version, copyright and licence strings from the font's name table, and the code points it covers."""
    font = TTFont(path, fontNumber=index, lazy=True)
    name = font["name"]
    return {
        "font": f"{name.getDebugName(1)} {name.getDebugName(2)}",
        "font_version": name.getDebugName(5).removeprefix("Version ").split(";")[0],
        "copyright": name.getDebugName(0) or "",
        "trademark": name.getDebugName(7) or "",
        "licence": name.getDebugName(13) or "",
        "licence_url": name.getDebugName(14) or "",
    }, set(font.getBestCmap())


def ofl_text(path: str) -> str:
    """The SIL OFL 1.1 text: the 'License: SIL-1.1' stanza of a Debian copyright file, or a plain OFL.txt."""
    text = Path(path).read_text(encoding="utf-8")
    if not text.startswith("Format:"):
        return text.strip()
    stanza = text.split("License: SIL-1.1\n", 2)[-1].split("\n\n")[0]
    return "\n".join("" if line.strip() == "." else line[1:] for line in stanza.splitlines()).strip()


def npz_bytes(**arrays) -> int:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.tell()


def build(args) -> None:
    characters, counts = candidate_characters()
    info, cmap = font_info(args.font, args.font_index)
    covered = [c for c in characters if ord(c) in cmap]
    start = time.perf_counter()
    glyphs = hanzi.render_glyphs(covered, args.font, font_index=args.font_index)  # (N, 64, 64) float32
    seconds = time.perf_counter() - start
    levels = np.round(glyphs * hanzi.LEVELS).astype(np.uint8)
    _, first = np.unique(levels.reshape(len(levels), -1), axis=0, return_index=True)
    keep = np.sort(first)  # the first character of every distinct quantised glyph
    dropped = sorted(set(range(len(covered))) - set(keep.tolist()))
    if len(keep) > args.count:
        keep = np.sort(np.random.default_rng(args.seed).choice(keep, size=args.count, replace=False))
    chosen, levels = [covered[i] for i in keep], levels[keep]
    error = float(np.abs(levels / hanzi.LEVELS - glyphs[keep]).max())
    uint8_size = npz_bytes(glyphs=np.round(glyphs[keep] * 255).astype(np.uint8))
    metadata = {
        "font": info["font"], "font_version": info["font_version"], "font_file": Path(args.font).name,
        "font_index": str(args.font_index), "size": "64", "font_size": "50", "count": str(len(chosen)),
        "character_source": f"{SOURCE}: gb2312 {counts['gb2312']}, big5 {counts['big5']}, union {counts['union']}, "
        f"covered {len(covered)}, distinct glyphs {len(first)}, seeded subset (seed {args.seed}) of {len(chosen)}",
        "packing": "4-bit levels k/15, two pixels per byte, even columns in the high nibble: (N, 64, 32) uint8",
        "quantisation_max_error": f"{error:.4f}", "built": date.today().isoformat(),
    }
    bank = ASSETS / "hanzi_glyphs.npz" if args.out is None else Path(args.out)
    np.savez_compressed(bank, glyphs=hanzi.pack_levels(levels), characters=np.array("".join(chosen)),
                        **{key: np.array(value) for key, value in metadata.items()})
    write_licence(bank.with_name("HANZI_GLYPHS_LICENSE.txt"), info, metadata, ofl_text(args.ofl_text))
    print(f"{counts} covered={len(covered)} dropped duplicates={[covered[i] for i in dropped]}")
    print(f"rendered {len(covered)} glyphs in {seconds:.1f} s; kept {len(chosen)}; max quantisation error {error:.4f}")
    print(f"npz of uint8 glyphs: {uint8_size} bytes; 4-bit packed bank {bank}: {bank.stat().st_size} bytes")


def write_licence(path: Path, info: dict, metadata: dict, ofl: str) -> None:
    lines = [
        "Hanzi glyph bank (n2s_core/data/assets/hanzi_glyphs.npz): licence and provenance",
        "",
        f"The {metadata['count']} glyph images in hanzi_glyphs.npz are renderings of characters of the font",
        f"{info['font']}, version {info['font_version']} (file {metadata['font_file']}, face {metadata['font_index']},",
        "from the Debian package fonts-noto-cjk), at 50 px on a 64x64 canvas, quantised to 16 grey levels.",
        "They derive from that font and are distributed under the same licence, the SIL Open Font License 1.1,",
        "reproduced below. The rest of the n2s_core package is under its own licence (see pyproject.toml).",
        "",
        f"Font copyright: {info['copyright']}",
        "Debian lists the family as: Copyright 2010-2012, Google Corporation, License: SIL-1.1.",
        "Noto Sans CJK is designed by Adobe in partnership with Google (github.com/notofonts/noto-cjk).",
        f"Trademark: {info['trademark']}",
        f"Licence statement in the font: {info['licence']}",
        f"Licence URL: {info['licence_url']}",
        "",
        f"Characters: {metadata['character_source']}.",
        "The paper (Batson & Royer 2019) used the CC-CEDICT character list (about 13k) and another font.",
        "",
        "Rebuild: sudo apt-get install -y fonts-noto-cjk && .venv/bin/python tools/make_hanzi_bank.py",
        "",
        "-" * 72,
        ofl,
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--font", default=hanzi.NOTO_CJK_PATH, help="CJK font file (.ttc/.otf/.ttf)")
    parser.add_argument("--font-index", type=int, default=hanzi.NOTO_CJK_SC_INDEX, help="face in a collection")
    parser.add_argument("--count", type=int, default=hanzi.PAPER_CHARACTERS, help="characters to keep at most")
    parser.add_argument("--seed", type=int, default=2019, help="seed of the subset")
    parser.add_argument("--ofl-text", default=DEBIAN_COPYRIGHT, help="OFL.txt, or the Debian copyright file")
    parser.add_argument("--out", default=None, help="bank path (default: n2s_core/data/assets/hanzi_glyphs.npz)")
    build(parser.parse_args())


if __name__ == "__main__":
    main()
