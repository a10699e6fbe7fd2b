"""The student edition: every notebook with its solutions replaced by a prompt, and their checks kept.

    python tools/make_student.py            # make student: notebooks/*.ipynb -> student/*.ipynb
    python tools/make_student.py --check    # exit 1 when student/ is not what the notebooks make (CI)

One source, two editions. In the full notebooks a solution is a code cell tagged ``solution`` (its input collapsed
in JupyterLab). Here each becomes two cells: a prompt that raises ``NotImplementedError`` until the student writes
an answer, and, when the solution asserted anything, a check cell with those ``assert`` statements, so a student
can test an answer. The prompt names what the check reads. The raw cells tagged ``wrong-answer`` (the plausible
wrong answers that tests/project/test_exercises.py runs against each check) are left out. Outputs are cleared (a
stored output would show the answer) and the jupytext pairing is dropped: the student edition is plain ``.ipynb``.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BANNER = ("> **Student edition.** The exercises at the end have no solutions here: write yours in the cells that "
          "say `NotImplementedError`, then run the check below each. Made from `notebooks/{name}` by "
          "`make student`; the full notebook has the solutions.")


def checks_of(source: str) -> tuple[list[str], list[str]]:
    """The solution's top-level ``assert`` statements, and the names they read that the solution defines."""
    tree = ast.parse(source)
    asserts = [node for node in tree.body if isinstance(node, ast.Assert)]
    defined = {target.id for node in ast.walk(tree) for target in _targets(node) if isinstance(target, ast.Name)}
    defined |= {node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)}
    read = sorted((node for a in asserts for node in ast.walk(a) if isinstance(node, ast.Name)),
                  key=lambda node: (node.lineno, node.col_offset))  # in the order the checks read them
    names = list(dict.fromkeys(node.id for node in read if node.id in defined))
    return [ast.get_source_segment(source, a) for a in asserts], names


def _targets(node):
    if isinstance(node, ast.Assign):
        for target in node.targets:
            yield from ast.walk(target)
    elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.For | ast.comprehension):
        yield from ast.walk(node.target)
    elif isinstance(node, ast.With):
        for item in node.items:
            if item.optional_vars is not None:
                yield from ast.walk(item.optional_vars)


def student_cells(cell, number: int) -> list:
    """The prompt (and the check, if the solution asserted anything) that replace one solution cell."""
    source = cell.source
    first = source.splitlines()[0] if source else ""
    title = first.lstrip("# ").split(":")[0] if first.startswith("# Exercise") else f"Exercise {number}"
    asserts, names = checks_of(source)
    listed = ", ".join(f"`{name}`" for name in names)
    wanted = f" Define {listed}: the check below reads {'it' if len(names) == 1 else 'them'}." if names else ""
    prompt = nbformat.v4.new_code_cell(
        f"# {title}: your answer here.{wanted}\n"
        f'raise NotImplementedError("{title}: replace this line with your answer")',
        metadata={"tags": ["exercise"]})
    cells = [prompt]
    if asserts:
        cells.append(nbformat.v4.new_code_cell(f"# Check of {title}\n" + "\n".join(asserts),
                                               metadata={"tags": ["check"]}))
    return cells


def student_edition(notebook: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """A copy of the notebook with solutions replaced, outputs cleared and the jupytext pairing dropped."""
    cells, number = [], 0
    for cell in notebook.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "wrong-answer" in tags:
            continue
        if "solution" in tags:
            number += 1
            cells.extend(student_cells(cell, number))
            continue
        copy = nbformat.from_dict(dict(cell))
        if copy.cell_type == "code":
            copy.outputs, copy.execution_count = [], None
        cells.append(copy)
    if not number:
        raise ValueError(f"{name} has no cell tagged 'solution': nothing to make a student edition of")
    cells.insert(1, nbformat.v4.new_markdown_cell(BANNER.format(name=name)))
    metadata = {key: value for key, value in notebook.metadata.items() if key != "jupytext"}
    student = nbformat.v4.new_notebook(cells=cells, metadata=metadata)
    for index, cell in enumerate(student.cells):  # ids that stay the same from run to run
        cell["id"] = f"student-{index:03d}"
    return student


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, default=sorted((ROOT / "notebooks").glob("*.ipynb")))
    parser.add_argument("--out", type=Path, default=ROOT / "student")
    parser.add_argument("--check", action="store_true", help="compare with --out instead of writing")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True) if not args.check else None
    stale = []
    for path in args.notebooks:
        text = nbformat.writes(student_edition(nbformat.read(path, as_version=4), path.name)) + "\n"
        target = args.out / path.name
        if args.check:
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                stale.append(target.name)
        else:
            target.write_text(text, encoding="utf-8")
            print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    if stale:
        print(f"student edition out of date for {', '.join(stale)}: run `make student`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
