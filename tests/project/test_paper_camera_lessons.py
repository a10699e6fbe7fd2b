"""Notebooks 02 and 03 run top to bottom on the paper's own camera, once it is fetched, and say so.

Without the fetched photograph they run on today's camera (nbval covers that run); this test runs them with
``N2S_CAMERA=paper`` so that every assertion of the two lessons is checked on the paper's photograph too. It is
skipped where the photograph was not fetched (``python -m n2s_core fetch camera``).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from n2s_core.data.fetch import is_fetched
from tests.conftest import USER_CACHE_DIR

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["02_donut_median.ipynb", "03_calibrating_classical_denoisers.ipynb"])
def test_the_lesson_holds_on_the_paper_camera(name, monkeypatch):
    from nbclient import NotebookClient

    if not is_fetched("camera", cache_dir=USER_CACHE_DIR):
        pytest.skip("the paper's camera is not fetched: run `python -m n2s_core fetch camera`")
    monkeypatch.setenv("N2S_CACHE_DIR", USER_CACHE_DIR)  # the kernel finds the fetched photograph there
    monkeypatch.setenv("N2S_QUICK", "1")
    monkeypatch.setenv("N2S_CAMERA", "paper")
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()  # raises at the first failing cell
    printed = "".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                      for output in cell.get("outputs", []))
    assert "the paper's camera (scikit-image before 0.18, fetched)" in printed
