"""Drop the live-widget part of stored notebook outputs, keeping their text.

    python tools/strip_widget_views.py notebooks/*.ipynb     # make notebooks runs it after executing them

A stored output of a widget holds a reference to a widget model that exists only while its kernel runs. Opened
later, JupyterLab tries to draw that model and shows an error in its place; GitHub, nbviewer and Colab show the
text beside it. Keeping only the text (the panel's "(Interactive controls: run the notebook ...)") shows every
reader the same sentence until the notebook runs again. The figures stay: they are ordinary image outputs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def strip(path: Path) -> int:
    """Remove the widget views of one notebook in place; return how many were removed."""
    notebook = nbformat.read(path, as_version=4)
    removed = 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if WIDGET_VIEW in output.get("data", {}):
                del output["data"][WIDGET_VIEW]
                removed += 1
    if removed:
        nbformat.write(notebook, path)
    return removed


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(f"{name}: {strip(Path(name))} widget views removed")
