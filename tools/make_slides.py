"""Export notebooks to self-contained reveal.js slide decks that work offline (the backend of `make slides`).

    python tools/make_slides.py notebooks/*.ipynb --out slides/      # writes slides/NN_topic.html

Why: `jupyter nbconvert --to slides` writes decks that load reveal.js, require.js, jQuery, mermaid and MathJax
from CDNs: without network a lecture hall sees bare text. This script runs nbconvert's own SlidesExporter (same
`slideshow.slide_type` semantics: slide, subslide, fragment, skip, notes; a cell without it continues the current
slide) with a template (make_slides.html.j2) whose head inlines every script and stylesheet instead:

- reveal.js (dist/, the notes plugin, the theme's fonts) from the PyPI package `sphinx-revealjs`, which ships
  reveal.js's unmodified build files as package data (reveal.js 5.2.0 in sphinx-revealjs 3.2.1); read from disk,
  never imported. Not chosen: jupyterlab-rise has reveal.js only inside webpack chunks, nbconvert has none, and
  npm's `reveal.js` would need a download at build time.
- math: MathJax 3 (es5/tex-svg-full.js: SVG output, so no font files, and every TeX extension built in) from the
  PyPI package `django-static-mathjax` (MathJax 3.2.2 as data; no dependencies, Django is not needed). Its menu is
  off: its accessibility options would fetch speech-rule-engine from a CDN.
- require.js, jQuery, mermaid and widget managers are left out: nothing in these decks uses them.

Code inputs are hidden (figures and text only) unless the cell is tagged `slide-code`. A notebook without any
`slide` cell gets a warning (one giant slide). A deck that would still load an http(s) resource (script, img, link,
@import, url(); links in the text are fine) is an error. Exit status 1 when any notebook failed.
"""

from __future__ import annotations

import argparse
import base64
import importlib.util
import re
import sys
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter

CODE_TAG = "slide-code"
TEMPLATE = Path(__file__).with_name("make_slides.html.j2")  # nbconvert's reveal template, head rebuilt
URL = r"""["']?\s*((?:https?:)?//[^"'()\s>;]+)"""  # an absolute or protocol-relative web address
EXTERNAL = re.compile("|".join([r"<(?:script|img|iframe|source|video|audio|embed|track)\b[^>]*?\bsrc\s*=\s*" + URL,
                                r"<link\b[^>]*?\bhref\s*=\s*" + URL, r"@import\s+(?:url\()?\s*" + URL,
                                r"url\(\s*" + URL]), re.IGNORECASE)


class SlidesError(Exception):
    """A problem with one notebook or with the installed assets, said in one line."""


WIDGET_TEXT = "(Interactive controls"  # what n2s_core.teach.widgets stores in place of live controls


def package_dir(name: str, requirement: str) -> Path:
    """The folder of an installed package, found without importing it (sphinx_revealjs would import Sphinx)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SlidesError(f"package `{name}` is missing: pip install {requirement} (it is in the `lecture` extra)")
    return Path(list(spec.submodule_search_locations)[0])


def inline(path: Path) -> str:
    """A .js or .css file as an inline <script> or <style> element."""
    if not path.is_file():
        raise SlidesError(f"{path} is missing: reinstall the package that ships it")
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".js":
        return "<script>\n" + re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE) + "\n</script>"
    return "<style>\n" + text + "\n</style>"


def theme_css(path: Path) -> str:
    """A reveal.js theme's CSS: local @imports inlined, their fonts as woff data: URIs, remote @imports dropped."""

    def font(match: re.Match) -> str:  # one `src: ...;` of an @font-face: keep its woff, drop eot and ttf
        woff = re.search(r"""url\(['"]?([^'")?#]+\.woff)['"]?\)""", match.group(0))
        data = woff and base64.b64encode((path.parent / woff.group(1)).read_bytes()).decode()
        return f"src: url(data:font/woff;base64,{data}) format('woff');" if woff else ""

    def imported(match: re.Match) -> str:
        target = match.group(1).strip("'\"")
        return "" if "//" in target else theme_css(path.parent / target)

    css = re.sub(r"\bsrc:[^;{}]*;", font, path.read_text(encoding="utf-8"))  # this file's fonts, then its imports
    return re.sub(r"@import\s+url\(([^)]*)\);", imported, css)


def assets(theme: str = "white") -> dict[str, str]:
    """reveal.js, its notes plugin, the theme and MathJax as inline elements, from the installed packages."""
    reveal = package_dir("sphinx_revealjs", "sphinx-revealjs") / "_static" / "revealjs"
    mathjax = package_dir("mathjax", "django-static-mathjax") / "static" / "mathjax" / "es5" / "tex-svg-full.js"
    theme_file = reveal / "dist" / "theme" / f"{theme}.css"
    if not theme_file.is_file():
        themes = ", ".join(sorted(p.stem for p in theme_file.parent.glob("*.css")))
        raise SlidesError(f"no reveal.js theme {theme!r}; choose one of {themes}")
    return {"reveal_css": inline(reveal / "dist" / "reveal.css"), "mathjax_js": inline(mathjax),
            "theme_css": f'<style id="theme">\n{theme_css(theme_file)}\n</style>',
            "reveal_js": inline(reveal / "dist" / "reveal.js") + inline(reveal / "plugin" / "notes" / "notes.js")}


def external_urls(html: str) -> list[str]:
    """The web addresses the page would load (not the links a reader may click)."""
    return [next(group for group in match.groups() if group) for match in EXTERNAL.finditer(html)]


def export(path: Path, out_dir: Path, offline: dict[str, str]) -> Path:
    """Write the offline deck of the notebook at `path` into `out_dir`; return its path."""
    if not path.is_file():
        raise SlidesError(f"{path}: no such file")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as error:  # nbformat raises JSON, validation and reader errors of several kinds
        raise SlidesError(f"{path} is not a Jupyter notebook ({type(error).__name__}: {error})") from error
    if not any(cell.metadata.get("slideshow", {}).get("slide_type") == "slide" for cell in nb.cells):
        print(f"warning: {path} has no cell with slideshow.slide_type 'slide': its deck is ONE long slide",
              file=sys.stderr)
    for cell in nb.cells:  # hide code unless tagged, as TagRemovePreprocessor's remove_input_tags would
        if cell.cell_type == "code" and CODE_TAG not in cell.metadata.get("tags", []):
            cell.metadata.setdefault("transient", {})["remove_source"] = True
        if cell.cell_type == "code":  # a slide cannot run a widget: drop the stored "(Interactive controls...)"
            cell.outputs = [o for o in cell.outputs if not str(o.get("data", {}).get("text/plain", "")).startswith(
                WIDGET_TEXT)]
    exporter = SlidesExporter(raw_template=TEMPLATE.read_text(encoding="utf-8"), exclude_input_prompt=True,
                              exclude_output_prompt=True, embed_images=True)  # markdown's images as data: URIs
    resources = {"metadata": {"name": path.stem, "path": str(path.parent)}, "offline": offline}
    try:
        html, _ = exporter.from_notebook_node(nb, resources=resources)
    except ValueError as error:  # "All cells are hidden, cannot create slideshow"
        raise SlidesError(f"{path}: {error}") from error
    if urls := external_urls(html):
        raise SlidesError(f"{path}: the deck would load {len(urls)} resource(s) from the network: {urls[:3]}")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{path.stem}.html"
    target.write_text(html, encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path, help="the .ipynb files to export")
    parser.add_argument("--out", type=Path, default=Path("slides"), help="folder for the decks (default: slides)")
    parser.add_argument("--theme", default="white", help="a reveal.js theme (default: white)")
    args = parser.parse_args(argv)
    try:
        offline = assets(args.theme)
    except SlidesError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    failed = 0
    for path in args.notebooks:
        try:
            target = export(path, args.out, offline)
            print(f"{path} -> {target} ({target.stat().st_size / 1e6:.1f} MB)")
        except SlidesError as error:
            print(f"error: {error}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
