"""The lecture-slide exporter tools/make_slides.py: one self-contained reveal.js deck per notebook, offline.

A small synthetic notebook (four slides, display math, a PNG output, a skipped cell, speaker notes, a code cell
tagged `slide-code`) is exported once per module. The fast tests read the HTML; the `browser` test opens it in
Debian chromium (the session's `browser` fixture, tests/project/conftest.py) with every non-file request aborted,
steps through the slides and screenshots each into tmp_path.
"""

from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

from tests.project.conftest import must_have
from tests.project.repo_tools import load_tool

ROOT = Path(__file__).resolve().parents[2]
make_slides = load_tool("make_slides")

SLIDE_TEXT = ["Noise2Self in four slides", "Self-supervised loss", "A figure", "Code shown on purpose"]


def _png(width: int = 96, height: int = 64) -> bytes:
    """A small RGB gradient as PNG bytes (written by hand: no imaging library needed)."""
    rows = b"".join(b"\x00" + bytes(v for x in range(width) for v in (2 * x, 4 * y, 160)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _slide(kind: str) -> dict:
    return {"slideshow": {"slide_type": kind}}


def _notebook() -> nbformat.NotebookNode:
    """Four slides: title; math with speaker notes (and a skipped cell); a figure; a tagged code cell."""
    v4 = nbformat.v4
    figure = v4.new_code_cell("HIDDEN_INPUT = show_figure()", metadata=_slide("-"), execution_count=1, outputs=[
        v4.new_output("display_data", data={"image/png": base64.b64encode(_png()).decode(), "text/plain": "<Fig>"})])
    code = v4.new_code_cell("VISIBLE_INPUT = 6 * 7\nprint(VISIBLE_INPUT)", execution_count=2,
                            metadata={"tags": ["slide-code"]},
                            outputs=[v4.new_output("stream", name="stdout", text="42\n")])
    return v4.new_notebook(cells=[
        v4.new_markdown_cell(f"# {SLIDE_TEXT[0]}\nA [paper link](https://arxiv.org/abs/1901.11365) is fine.",
                             metadata=_slide("slide")),
        v4.new_markdown_cell(f"## {SLIDE_TEXT[1]}\n$$x^2$$\nand inline $\\sigma$.", metadata=_slide("slide")),
        v4.new_markdown_cell("SPEAKER-NOTE: say why J-invariance matters.", metadata=_slide("notes")),
        v4.new_markdown_cell("SKIPPED-CELL: draft that must not show.", metadata=_slide("skip")),
        v4.new_markdown_cell(f"## {SLIDE_TEXT[2]}", metadata=_slide("slide")),
        figure,
        v4.new_markdown_cell(f"## {SLIDE_TEXT[3]}", metadata=_slide("slide")),
        code,
        v4.new_markdown_cell("NO-METADATA: continues the last slide."),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


@pytest.fixture(scope="module")
def offline() -> dict[str, str]:
    """The inline reveal.js and MathJax; skipped loudly without their packages (failed under CI=true)."""
    try:
        return make_slides.assets()
    except make_slides.SlidesError as error:
        must_have(False, str(error), test="SLIDE TESTS")


@pytest.fixture(scope="module")
def deck(offline, tmp_path_factory) -> Path:
    """The synthetic notebook's deck, exported once for this module."""
    folder = tmp_path_factory.mktemp("slides")
    nbformat.write(_notebook(), folder / "07_demo.ipynb")
    return make_slides.export(folder / "07_demo.ipynb", folder / "out", offline)


def test_external_urls_finds_what_a_page_loads():
    page = """<script src="https://cdn.example/reveal.js"></script><link rel="stylesheet" href="//cdn.example/x.css">
        <img src='http://example.org/a.png'><style>@import url(https://fonts.example/css); b {background: url("https://x/y.png")}
        @import "http://fonts.example/2.css";</style>"""
    assert len(make_slides.external_urls(page)) == 6
    harmless = '<a href="https://arxiv.org/abs/1901.11365">paper</a><img src="data:image/png;base64,AAAA"> url(#f)'
    assert make_slides.external_urls(harmless) == []


def test_deck_is_self_contained_and_keeps_slide_semantics(deck):
    html = deck.read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert deck.name == "07_demo.html"
    assert make_slides.external_urls(html) == []
    assert soup.select("script[src]") == [] and soup.select("link") == []  # every script and stylesheet inline
    assert "reveal.js 5." in html and "MathJax" in html
    slides = soup.select("div.reveal > div.slides > section")
    assert len(slides) == 4
    for section, text in zip(slides, SLIDE_TEXT, strict=True):
        assert text in section.get_text()
    assert "SKIPPED-CELL" not in html
    assert "SPEAKER-NOTE" in " ".join(aside.get_text() for aside in slides[1].select("aside.notes"))
    assert "$$x^2$$" in slides[1].get_text()  # typeset in the browser by the inline MathJax
    assert "HIDDEN_INPUT" not in html and "VISIBLE_INPUT" in slides[3].get_text()
    assert "NO-METADATA" in slides[3].get_text()
    assert slides[2].select('img[src^="data:image/png;base64,"]')
    assert "paper link" in slides[0].get_text()


def test_cli_reports_bad_input_and_warns_on_one_giant_slide(offline, tmp_path, capsys):
    not_a_notebook = tmp_path / "notes.ipynb"
    not_a_notebook.write_text("this is not JSON")
    assert make_slides.main([str(tmp_path / "missing.ipynb"), str(not_a_notebook), "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "missing.ipynb: no such file" in err and "notes.ipynb is not a Jupyter notebook" in err
    flat = [nbformat.v4.new_markdown_cell("# Only one"), nbformat.v4.new_markdown_cell("no metadata")]
    nbformat.write(nbformat.v4.new_notebook(cells=flat), tmp_path / "flat.ipynb")
    assert make_slides.main([str(tmp_path / "flat.ipynb"), "--out", str(tmp_path / "out")]) == 0
    assert "has no cell with slideshow.slide_type 'slide'" in capsys.readouterr().err
    soup = BeautifulSoup((tmp_path / "out" / "flat.html").read_text(encoding="utf-8"), "html.parser")
    assert len(soup.select(".slides > section")) == 1
    assert make_slides.main([str(tmp_path / "flat.ipynb"), "--theme", "nope", "--out", str(tmp_path)]) == 1
    assert "no reveal.js theme 'nope'" in capsys.readouterr().err


@pytest.mark.browser
def test_deck_runs_offline_in_chromium(deck, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    blocked, failed, errors = [], [], []

    def only_local(route):
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(deck.as_uri(), wait_until="load")
        assert not blocked, f"the deck tried the network: {blocked}"
        page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=30_000)
        page.wait_for_function("() => document.querySelector('mjx-container svg')", timeout=30_000)
        page.evaluate("Reveal.configure({transition: 'none'})")  # screenshots without a slide half way in
        assert page.evaluate("async () => { await document.fonts.ready; return [...document.fonts].some("
                             "f => f.family.includes('Source Sans Pro') && f.status === 'loaded'); }"), \
            "the theme's inlined font did not load"
        assert page.evaluate("Reveal.getTotalSlides()") == len(SLIDE_TEXT)
        shots = []
        for index, text in enumerate(SLIDE_TEXT):
            assert page.evaluate("Reveal.getIndices().h") == index
            present = page.locator(".reveal .slides > section.present")
            assert text in present.text_content()  # not inner_text(): the theme upper-cases headings
            if index == 1:
                assert "$$" not in present.inner_text()  # MathJax replaced the TeX
            shots.append(tmp_path / f"slide-{index}.png")
            page.screenshot(path=str(shots[-1]))
            page.keyboard.press("ArrowRight")
            if index + 1 < len(SLIDE_TEXT):
                page.wait_for_function(f"() => Reveal.getIndices().h === {index + 1}", timeout=5_000)
        assert page.evaluate("Reveal.isLastSlide()")
    finally:
        page.close()
    assert not blocked, f"the deck tried the network: {blocked}"
    assert not failed and not errors, f"failed requests {failed}, page errors {errors}"
    assert len({shot.read_bytes() for shot in shots}) == len(shots), "two slides looked the same"


NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_notebook_says_what_goes_on_a_slide(path):
    """Every cell has a slide type; set-up cells and solutions stay off the slides; each section is a slide, except
    "For the reproducer" (docs/lesson-style.md), which is skipped."""
    cells = nbformat.read(path, as_version=4).cells
    kinds = [cell.metadata.get("slideshow", {}).get("slide_type") for cell in cells]
    assert None not in kinds, f"{path.name}: cells {[i for i, k in enumerate(kinds) if k is None]} have no slide type"
    for cell, kind in zip(cells, kinds, strict=True):
        setup = cell.cell_type == "code" and ("import " in cell.source.split("\n", 1)[0] or
                                              "parameters" in cell.metadata.get("tags", []))
        if setup or "solution" in cell.metadata.get("tags", []):
            assert kind == "skip", f"{path.name}: a set-up or solution cell is on a slide:\n{cell.source[:200]}"
        reproducer = cell.source.startswith("## For the reproducer")  # skipped: tests/project/test_lessons.py
        if cell.cell_type == "markdown" and cell.source.startswith(("# ", "## ")) and not reproducer:
            assert kind == "slide", f"{path.name}: the section {cell.source.splitlines()[0]!r} is not a slide"
        if cell.cell_type == "code" and kind in ("slide", "subslide"):  # its input is hidden unless slide-code
            assert cell.get("outputs") or "slide-code" in cell.metadata.get("tags", []), \
                f"{path.name}: this code cell opens an empty slide (no output; tag it slide-code):\n{cell.source[:200]}"
    figures = [k for cell, k in zip(cells, kinds, strict=True) if cell.cell_type == "code" and k != "skip"]
    assert kinds[0] == "slide" and len(figures) >= 3, f"{path.name}: a title slide and at least three figures"


@pytest.mark.browser
def test_a_real_lesson_deck_steps_through_every_slide(offline, browser, tmp_path):
    """notebooks/02 as a deck, offline: every slide (and subslide) is reached with Reveal.next(), each has content,
    and the math is typeset."""
    notebook = next(p for p in NOTEBOOKS if p.name.startswith("02_"))
    deck = make_slides.export(notebook, tmp_path, offline)
    expected = sum(c.metadata["slideshow"]["slide_type"] in ("slide", "subslide")
                   for c in nbformat.read(notebook, as_version=4).cells)
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
               else route.abort())
    try:
        page.goto(deck.as_uri(), wait_until="load")
        page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=30_000)
        page.wait_for_function("() => document.querySelector('mjx-container svg')", timeout=30_000)
        page.evaluate("Reveal.configure({transition: 'none'})")
        assert page.evaluate("Reveal.getTotalSlides()") == expected
        seen = []
        for _ in range(expected):
            seen.append(page.evaluate("() => { const i = Reveal.getIndices(); return [i.h, i.v]; }"))
            current = page.evaluate("() => Reveal.getCurrentSlide().innerText.trim().length"
                                    " + Reveal.getCurrentSlide().querySelectorAll('img').length")
            assert current > 0, f"slide {seen[-1]} of {deck.name} is empty"
            page.evaluate("Reveal.next()")
        assert len({tuple(s) for s in seen}) == expected and page.evaluate("Reveal.isLastSlide()")
    finally:
        page.close()
