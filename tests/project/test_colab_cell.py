"""The Colab install cell: every notebook carries the copy tools/colab_cell.py writes, pinned to this release.

After changing the cell or the version, run `python tools/colab_cell.py`; these tests fail until then.
"""

from __future__ import annotations

import copy
import shutil

import pytest

import n2s_core
from tests.project.repo_tools import load_tool

colab_cell = load_tool("colab_cell")
FILES = colab_cell.notebook_files()


def test_both_halves_of_every_notebook_are_covered():
    notebooks = sorted(p.stem for p in colab_cell.NOTEBOOKS.glob("*.ipynb"))
    assert notebooks, "notebooks/ holds no notebooks"
    assert sorted(p.stem for p in FILES if p.suffix == ".py") == notebooks
    assert sorted(p.stem for p in FILES if p.suffix == ".ipynb") == notebooks


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_each_copy_is_the_generated_cell(path):
    found = colab_cell.install_cell(colab_cell.read_notebook(path), path.name).source
    assert found == colab_cell.cell_source(), f"{path.name}: its install cell differs; run `python tools/colab_cell.py`"


def test_the_cell_installs_this_release():
    version = n2s_core.__version__
    assert colab_cell.package_version() == version
    assert colab_cell.install_url() == f"git+https://github.com/n2s-workbook/noise2self-workbook@v{version}"
    assert colab_cell.cell_source().count(colab_cell.install_url()) == 1


@pytest.mark.parametrize("suffix", [".py", ".ipynb"])
def test_the_generator_rewrites_an_edited_cell_and_nothing_else(tmp_path, suffix):
    path = tmp_path / f"{FILES[0].stem}{suffix}"
    shutil.copy(colab_cell.NOTEBOOKS / path.name, path)
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace(colab_cell.install_url(), colab_cell.install_url("0.0.1")), encoding="utf-8")
    edited = colab_cell.install_cell(colab_cell.read_notebook(path), path.name).source
    assert edited != colab_cell.cell_source()  # what test_each_copy_is_the_generated_cell would catch
    assert colab_cell.update(path) is True
    assert path.read_text(encoding="utf-8") == original  # the cell restored, every other byte as it was
    assert colab_cell.update(path) is False


def test_none_or_two_install_cells_is_an_error():
    notebook = colab_cell.read_notebook(FILES[0])
    cell = colab_cell.install_cell(notebook, "one")
    two = copy.deepcopy(notebook)
    two.cells.append(copy.deepcopy(cell))
    with pytest.raises(ValueError, match="two: expected one install cell .* found 2"):
        colab_cell.install_cell(two, "two")
    notebook.cells.remove(cell)
    with pytest.raises(ValueError, match="none: expected one install cell .* found 0"):
        colab_cell.install_cell(notebook, "none")


def test_the_check_passes_on_this_checkout(capsys):
    assert colab_cell.main(["--check"]) == 0, capsys.readouterr().out
