"""Every exercise check fails on the untouched prompt and on a plausible wrong answer, and passes on the solution.

Each notebook runs top to bottom in one kernel, in quick mode. At each solution cell with a check (its top-level
asserts, exactly what tools/make_student.py gives the student), the check runs three times in the notebook's state:
first as a student who has not answered would run it (it must fail), then after the raw cell tagged
``wrong-answer`` (it must fail with an AssertionError: the wrong answer defines the names, and the check catches it),
then after the solution (it must pass). The notebook then goes on from the solution's state.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

from tests.project.repo_tools import load_tool

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
make_student = load_tool("make_student")


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def exercises(notebook):
    """(index, solution cell, check source, wrong-answer source) for every solution that asserts something."""
    for index, cell in enumerate(notebook.cells):
        if "solution" not in tags(cell):
            continue
        asserts, _ = make_student.checks_of(cell.source)
        if asserts:
            following = notebook.cells[index + 1] if index + 1 < len(notebook.cells) else None
            wrong = following.source if following is not None and "wrong-answer" in tags(following) else None
            yield index, cell, "\n".join(asserts), wrong


class Kernel:
    """Run source in one notebook kernel; say which exception, if any, it raised."""

    def __init__(self, client):
        self.client = client

    def run(self, source: str, index: int) -> str | None:
        from nbclient.exceptions import CellExecutionError

        cell = nbformat.v4.new_code_cell(source)
        try:
            self.client.execute_cell(cell, index, store_history=False)
        except CellExecutionError as error:
            return error.ename
        return None


def test_the_kernel_helper_reports_the_exception(tmp_path):
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    client = NotebookClient(notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": tmp_path}})
    with client.setup_kernel():
        kernel = Kernel(client)
        assert kernel.run("x = 2", 0) is None
        assert kernel.run("assert x == 1", 0) == "AssertionError"
        assert kernel.run("undefined_name", 0) == "NameError"


def test_exercises_finds_checks_and_their_wrong_answers():
    cells = [nbformat.v4.new_code_cell("# Exercise 1 (code): double\nanswer = 2\nassert answer == 2 * 1",
                                       metadata={"tags": ["solution"]}),
             nbformat.v4.new_raw_cell("answer = 3", metadata={"tags": ["wrong-answer"]}),
             nbformat.v4.new_code_cell("# Exercise 2 (derive): no check\nprint(1)", metadata={"tags": ["solution"]})]
    found = list(exercises(nbformat.v4.new_notebook(cells=cells)))
    assert [(index, check, wrong) for index, _, check, wrong in found] == [(0, "assert answer == 2 * 1", "answer = 3")]


def problems_of(notebook, folder) -> list[str]:
    """Run the notebook in one kernel; each check against the untouched prompt, the wrong answer, the solution."""
    from nbclient import NotebookClient

    checked = {index: (check, wrong) for index, _, check, wrong in exercises(notebook)}
    client = NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}})
    problems = []
    with client.setup_kernel():
        kernel = Kernel(client)
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code":
                continue
            title = cell.source.splitlines()[0] if cell.source else f"cell {index}"
            if index in checked:
                check, wrong = checked[index]
                if kernel.run(check, index) is None:
                    problems.append(f"{title}: the check passes before any answer is written")
                if wrong is None:
                    problems.append(f"{title}: no raw wrong-answer cell after the solution")
                elif (raised := kernel.run(wrong, index)) is not None:
                    problems.append(f"{title}: the wrong answer itself raised {raised}")
                elif (raised := kernel.run(check, index)) != "AssertionError":
                    problems.append(f"{title}: after the wrong answer the check gave {raised or 'no error'}, "
                                    "not an AssertionError")
            if (raised := kernel.run(cell.source, index)) is not None:
                problems.append(f"{title}: raised {raised}")
                break
    return problems


def test_a_check_that_cannot_fail_is_reported(tmp_path):
    solution = {"tags": ["solution"]}
    cells = [nbformat.v4.new_code_cell("answer = 4  # the lesson already defines the name"),
             nbformat.v4.new_code_cell("# Exercise 1 (code): square\nanswer = 2 ** 2\nassert answer % 2 == 0",
                                       metadata=solution),
             nbformat.v4.new_raw_cell("answer = 6", metadata={"tags": ["wrong-answer"]}),
             nbformat.v4.new_code_cell("# Exercise 2 (code): cube\ncube = 2 ** 3\nassert cube == 2 * 2 * 2",
                                       metadata=solution),
             nbformat.v4.new_raw_cell("cube = 2 * 3", metadata={"tags": ["wrong-answer"]})]
    problems = problems_of(nbformat.v4.new_notebook(cells=cells), tmp_path)
    assert problems == ["# Exercise 1 (code): square: the check passes before any answer is written",
                        "# Exercise 1 (code): square: after the wrong answer the check gave no error, "
                        "not an AssertionError"]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_checks_fail_on_the_prompt_and_on_a_wrong_answer(path, monkeypatch):
    monkeypatch.setenv("N2S_QUICK", os.environ.get("N2S_QUICK", "1"))
    notebook = nbformat.read(path, as_version=4)
    assert list(exercises(notebook)), f"{path.name} has no exercise with a check"
    problems = problems_of(notebook, path.parent)
    assert not problems, f"{path.name}:\n" + "\n".join(problems)
