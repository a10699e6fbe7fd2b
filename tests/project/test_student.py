"""The student edition: made from the notebooks (in sync), no solution left in it, and it runs up to the first
unanswered exercise, where it stops with the expected NotImplementedError."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tests.project.repo_tools import load_tool

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
make_student = load_tool("make_student")


def test_the_student_edition_is_what_the_notebooks_make(capsys):
    assert make_student.main(["--check"]) == 0, capsys.readouterr().err


def test_a_stale_edition_is_caught(tmp_path, capsys):
    notebook = NOTEBOOKS[0]
    assert make_student.main([str(notebook), "--out", str(tmp_path)]) == 0
    (tmp_path / notebook.name).write_text((tmp_path / notebook.name).read_text() + " ")
    assert make_student.main([str(notebook), "--out", str(tmp_path), "--check"]) == 1
    assert "out of date" in capsys.readouterr().err


def synthetic():
    cells = [nbformat.v4.new_markdown_cell("# 99 · A lesson"),
             nbformat.v4.new_code_cell("x = 1", outputs=[nbformat.v4.new_output("stream", text="1\n")]),
             nbformat.v4.new_code_cell("# Exercise 1: double it\nsecret_answer = 2 * x\nassert secret_answer == 2",
                                       metadata={"tags": ["solution"], "jupyter": {"source_hidden": True}}),
             nbformat.v4.new_raw_cell("secret_answer = 3 * x", metadata={"tags": ["wrong-answer"]}),
             nbformat.v4.new_code_cell("print('no checks here')", metadata={"tags": ["solution"]})]
    return nbformat.v4.new_notebook(cells=cells, metadata={"jupytext": {"formats": "ipynb,py:percent"}})


def test_solutions_become_prompts_and_their_asserts_become_checks():
    student = make_student.student_edition(synthetic(), "99_lesson.ipynb")
    sources = [cell.source for cell in student.cells]
    assert "secret_answer = 2 * x" not in "\n".join(sources) and "no checks here" not in "\n".join(sources)
    assert "secret_answer = 3 * x" not in "\n".join(sources)  # the wrong answer the tests run is left out
    prompts = [c for c in student.cells if "exercise" in c.metadata.get("tags", [])]
    checks = [c for c in student.cells if "check" in c.metadata.get("tags", [])]
    assert [p.source.splitlines()[0] for p in prompts] == [
        "# Exercise 1: your answer here. Define `secret_answer`: the check below reads it.",
        "# Exercise 2: your answer here."]
    assert all("raise NotImplementedError" in p.source for p in prompts)
    assert [c.source for c in checks] == ["# Check of Exercise 1\nassert secret_answer == 2"]
    assert all(c.outputs == [] for c in student.cells if c.cell_type == "code")
    assert "jupytext" not in student.metadata and "Student edition" in student.cells[1].source


def test_a_notebook_without_solutions_is_refused():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    with pytest.raises(ValueError, match="has no cell tagged 'solution'"):
        make_student.student_edition(notebook, "plain.ipynb")


@pytest.mark.slow
@pytest.mark.parametrize("name", [p.name for p in NOTEBOOKS])
def test_a_student_notebook_runs_up_to_its_first_exercise(name, tmp_path):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(ROOT / "student" / name, as_version=4)
    first = next(i for i, c in enumerate(notebook.cells) if "exercise" in c.metadata.get("tags", []))
    client = NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": tmp_path}})
    with pytest.raises(CellExecutionError) as stopped:
        client.execute()
    assert stopped.value.ename == "NotImplementedError", f"{name} stopped on {stopped.value.ename} before exercise 1"
    ran = [i for i, c in enumerate(notebook.cells) if c.cell_type == "code" and c.get("execution_count")]
    assert max(ran) == first, f"{name} stopped at cell {max(ran)}, not at its first exercise (cell {first})"
