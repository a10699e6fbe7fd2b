"""Fold each notebook's "For the reproducer" section in JupyterLab, so a student meets the lesson, not the forensics.

    python tools/collapse_reproducer.py notebooks/*.ipynb     # make notebooks runs it after executing them

JupyterLab folds a markdown heading, and every cell under it, when the heading cell's metadata holds
``"jp-MarkdownHeadingCollapsed": true``. The .py twin does not carry that key (its cell metadata filter keeps tags,
slide types and collapsed inputs only); jupytext keeps it in the .ipynb when it syncs the pair. One click on the
heading's arrow opens the section.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

KEY = "jp-MarkdownHeadingCollapsed"
HEADING = re.compile(r"^#+\s*For the reproducer", re.MULTILINE)


def collapse(notebook: nbformat.NotebookNode) -> bool:
    """Set the fold on the "For the reproducer" heading; True when the notebook changed."""
    changed = False
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and HEADING.search(cell.source) and cell.metadata.get(KEY) is not True:
            cell.metadata[KEY] = True
            changed = True
    return changed


def main(paths: list[str]) -> int:
    for path in map(Path, paths):
        notebook = nbformat.read(path, as_version=4)
        if collapse(notebook):
            nbformat.write(notebook, path)
            print(f"{path}: 'For the reproducer' folded")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
