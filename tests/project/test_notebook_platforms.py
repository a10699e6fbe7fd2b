"""What makes a notebook work from a badge: one install cell that upgrades nothing, the scale said up front, nothing
read from beside the notebook, and no plumbing (memory reports, long drawing functions) in the student's view.

`make colab-check` runs the notebooks this way; these checks are the fast, static half of it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from tests.project.repo_tools import load_tool

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
colab_cell = load_tool("colab_cell")  # the install cell's one source
ids = [p.stem for p in NOTEBOOKS]


def code_cells(path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def test_every_notebook_opens_with_the_install_cell():
    """The install cell is the first code cell (test_colab_cell.py holds each copy to tools/colab_cell.py)."""
    late = [path.name for path in NOTEBOOKS if colab_cell.MARKER not in code_cells(path)[0].source]
    assert not late, f"the install cell is not the first code cell of {late}"
    cell = colab_cell.cell_source()
    assert cell.count(colab_cell.install_url()) == 1
    assert '"--no-deps"' in cell and '"-c"' in cell  # the package without its dependencies; missing ones pinned


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_the_scale_is_picked_by_the_hardware_and_said_first(path):
    cells = code_cells(path)
    parameters = next(c for c in cells if "parameters" in c.metadata.get("tags", []))
    assert "SCALE = n2s.pick_scale()" in parameters.source and "print(SCALE)" in parameters.source
    assert "QUICK = SCALE.quick" in parameters.source and "N2S_QUICK" not in parameters.source.split("#")[0]
    before = cells[:cells.index(parameters)]
    assert not any("print(" in c.source for c in before[1:]), "something prints before the scale"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_nothing_is_read_from_beside_the_notebook(path):
    for cell in code_cells(path):
        found = re.findall(r"""["'](?:\.\./|results/)""", cell.source)
        assert not found, f"{path.name} reads a file beside it (Colab opens it alone):\n{cell.source[:300]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_no_plumbing_in_the_students_view(path):
    for cell in code_cells(path):
        assert "ru_maxrss" not in cell.source and "import resource" not in cell.source
        for node in ast.walk(ast.parse(_python(cell.source))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith(("draw", "plot")):
                length = node.end_lineno - node.lineno + 1
                assert length <= 15, f"{path.name}: {node.name} is {length} lines; move its drawing to teach.plotting"


def _python(source: str) -> str:
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_stored_widgets_show_a_sentence_not_a_dead_view(path):
    outputs = [o for c in code_cells(path) for o in c.get("outputs", [])]
    assert not any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs), (
        f"{path.name} stores a widget view: run `make notebooks` (it strips them)")
    texts = [o["data"].get("text/plain", "") for o in outputs if "data" in o]
    assert any("Interactive controls: run the notebook" in "".join(t) for t in texts)
    assert not any("VBox(" in "".join(t) for t in texts)
