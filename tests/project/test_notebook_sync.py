"""Each notebook is a jupytext pair, and the two halves say the same thing.

notebooks/NAME.py (py:percent) is the file people edit and review; notebooks/NAME.ipynb is what Colab,
Binder and GitHub open. After editing one, run `make notebooks` (or `jupytext --sync notebooks/*.ipynb`).
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import jupytext
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
STEMS = sorted({p.stem for p in NOTEBOOKS.glob("*.py")} | {p.stem for p in NOTEBOOKS.glob("*.ipynb")})


def _cells(path: Path) -> list[tuple[str, list[str], str]]:
    """(cell type, tags, source) of every cell, as jupytext reads the file; trailing blank space ignored."""
    notebook = jupytext.read(path)
    return [(cell.cell_type, list(cell.metadata.get("tags", [])), cell.source.rstrip()) for cell in notebook.cells]


def _first_difference(left: list, right: list) -> str:
    """A readable account of where two cell lists part ways ('' when they agree)."""
    for index, (a, b) in enumerate(zip(left, right, strict=False)):
        if a != b:
            diff = difflib.unified_diff(a[2].splitlines(), b[2].splitlines(), ".py", ".ipynb", lineterm="", n=1)
            return f"cell {index} differs; type, tags {a[:2]} vs {b[:2]}:\n" + "\n".join(list(diff)[:30])
    if len(left) != len(right):
        return f"the .py has {len(left)} cells, the .ipynb {len(right)}"
    return ""


def test_notebooks_folder_has_pairs():
    if not STEMS:
        pytest.skip("notebooks/ holds no notebooks yet")
    unpaired = [f"notebooks/{stem}" for stem in STEMS
                if not ((NOTEBOOKS / f"{stem}.py").exists() and (NOTEBOOKS / f"{stem}.ipynb").exists())]
    assert not unpaired, f"{unpaired}: each notebook needs both a .py and an .ipynb (jupytext --sync)"


@pytest.mark.parametrize("stem", STEMS or [pytest.param("none", marks=pytest.mark.skip("no notebooks yet"))])
def test_pair_has_the_same_cells(stem):
    text, notebook = NOTEBOOKS / f"{stem}.py", NOTEBOOKS / f"{stem}.ipynb"
    if not (text.exists() and notebook.exists()):
        pytest.skip("unpaired: reported by test_notebooks_folder_has_pairs")
    difference = _first_difference(_cells(text), _cells(notebook))
    assert not difference, f"notebooks/{stem}.py and .ipynb differ ({difference})\nrun `make notebooks`"


def test_check_catches_an_edit(tmp_path):
    """The comparison is live: editing one cell of a copy of a pair makes it report that cell."""
    pairs = [stem for stem in STEMS if os.path.exists(NOTEBOOKS / f"{stem}.ipynb")]
    if not pairs:
        pytest.skip("no notebooks yet")
    edited = jupytext.read(NOTEBOOKS / f"{pairs[0]}.ipynb")
    last_code = max(i for i, cell in enumerate(edited.cells) if cell.cell_type == "code")
    edited.cells[last_code].source += "\nprint('edited')"
    jupytext.write(edited, tmp_path / "copy.ipynb")
    difference = _first_difference(_cells(NOTEBOOKS / f"{pairs[0]}.py"), _cells(tmp_path / "copy.ipynb"))
    assert difference.startswith(f"cell {last_code} differs")
