"""Sphinx configuration of the workbook's book: `make docs` builds it into build/docs (offline, in seconds).

The source folder is the repository root, so the book reads the files where they live: the pages in docs/, the
lessons in notebooks/ (their stored quick-mode outputs; nothing is executed) and the result tables in results/.
`sphinx-build -c docs . build/docs` is the whole build; tests/project/test_docs.py builds it and checks it.

Why Sphinx with myst-nb and the book theme (the engine of Jupyter Book 1, without its wrapper): it reads our
Markdown and .ipynb as they are, generates the API pages from the numpydoc docstrings, and builds with no network.
Jupyter Book 2 (mystmd) fetches its theme at build time, and Quarto cannot be installed from the package index.

Nothing in the built site loads from the network: MathJax 3 (one file, SVG output, so no fonts) comes from the
PyPI package django-static-mathjax and is copied into _static; the theme ships its icon fonts; myst-nb's widget
scripts (from a CDN) are switched off, since the stored lessons hold widget text, not live widgets.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the package as it is in this checkout, installed or not
from n2s_core import __version__  # noqa: E402


def mathjax_file() -> Path:
    """MathJax 3's all-in-one TeX-to-SVG file, from the installed django-static-mathjax (it is in the docs extra)."""
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the docs need MathJax from the package django-static-mathjax: pip install -e '.[docs]'")
    return Path(list(spec.submodule_search_locations)[0]) / "static" / "mathjax" / "es5" / "tex-svg-full.js"


project = "Noise2Self workbook"
author = "The Noise2Self workbook authors"
copyright = "2026, the Noise2Self workbook authors (MIT licence)"
version = release = __version__

root_doc = "docs/index"
include_patterns = ["docs/**", "notebooks/*.ipynb", "results/*.md"]
exclude_patterns = ["build", ".venv*", ".git", "test-output", "student", "slides", "docs/_static", "docs/_root"]

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax", "sphinx.ext.viewcode"]

# The lessons: read the stored outputs, never run a kernel.
nb_execution_mode = "off"
nb_ipywidgets_js = {}  # the CDN scripts that would bring stored widgets to life; ours store text instead
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]  # notebooks open with their own title heading levels

# The API pages: numpydoc docstrings, read by napoleon; members in source order, as the modules tell their story.
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "description"
napoleon_google_docstring = False
napoleon_numpy_docstring = True

# Math, offline: the one MathJax file, copied into _static; no menu (its accessibility items fetch from a CDN).
html_static_path = ["_static", str(mathjax_file())]  # relative to docs/
mathjax_path = "tex-svg-full.js"
mathjax3_config = {"options": {"enableMenu": False}, "svg": {"fontCache": "global"}}

html_theme = "sphinx_book_theme"
html_title = f"Noise2Self workbook {version}"
html_extra_path = ["_root"]  # index.html at the site's root, which opens the landing page
html_css_files = ["workbook.css"]
# Each lesson's page links to its notebook on GitHub, Colab and Binder (links a reader clicks; nothing is loaded).
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "home_page_in_toc": True,
    "repository_url": "https://github.com/n2s-workbook/noise2self-workbook",
    "repository_branch": "main",
    "use_repository_button": True,
    "launch_buttons": {"colab_url": "https://colab.research.google.com", "binderhub_url": "https://mybinder.org",
                       "notebook_interface": "jupyterlab"},
}
html_show_sourcelink = False
html_last_updated_fmt = None
