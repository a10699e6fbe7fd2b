"""Every notebook is laid out as docs/lesson-style.md says: a lesson a student can follow in 50 minutes.

Checked here, without running anything: the title cell's prerequisites, time and goals; the Korean goals and summary
(in the glossary's terms); a prediction before the cell that reveals it; "What to remember" and where the idea comes
back; exercises of each kind whose checks cannot reveal the answer and have a wrong answer to fail on; the lesson's
word budget; and one citation scheme for the paper's sections. tests/project/test_exercises.py runs the checks.
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
NAMES = [path.name for path in NOTEBOOKS]
BUDGET = 900  # words of English lesson markdown before "For the reproducer" (docs/lesson-style.md)
KINDS = ("derive", "predict", "code")
REPRODUCER = load_tool("collapse_reproducer").HEADING  # the heading that tool folds


def load(name: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "notebooks" / name, as_version=4)


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def slide_type(cell) -> str | None:
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type")


def lesson_cells(notebook) -> list:
    """The cells before the "For the reproducer" heading (all of them when there is none)."""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown" and REPRODUCER.search(cell.source):
            return notebook.cells[:index]
    return notebook.cells


def lesson_words(notebook) -> int:
    return sum(len(cell.source.split()) for cell in lesson_cells(notebook)
               if cell.cell_type == "markdown" and "ko" not in tags(cell))


def markdown_index(notebook, pattern: str) -> int:
    found = [i for i, cell in enumerate(notebook.cells)
             if cell.cell_type == "markdown" and re.search(pattern, cell.source, re.MULTILINE)]
    assert found, f"no markdown cell matches {pattern!r}"
    return found[0]


def next_markdown(notebook, index: int):
    return next(cell for cell in notebook.cells[index + 1:] if cell.cell_type == "markdown")


def solutions(notebook) -> list:
    return [cell for cell in notebook.cells if "solution" in tags(cell)]


def asserts_of(source: str) -> list[ast.Assert]:
    return [node for node in ast.parse(source).body if isinstance(node, ast.Assert)]


# ---------------------------------------------------------------------------------------------------- the layout


@pytest.mark.parametrize("name", NAMES)
def test_the_title_cell_gives_prerequisites_time_and_goals(name):
    title = load(name).cells[0]
    assert title.cell_type == "markdown" and re.match(r"# \d\d · ", title.source), "the first cell is `# NN · Title`"
    for label in ("**Prerequisites:**", "**Time:**", "**Learning goals**"):
        assert label in title.source, f"{name}: the title cell has no {label}"
    goals = title.source.split("**Learning goals**", 1)[1]
    assert len(re.findall(r"^- ", goals, re.MULTILINE)) >= 2, f"{name}: list the learning goals as bullets"


@pytest.mark.parametrize("name", NAMES)
def test_goals_and_summary_have_their_korean_cells(name):
    notebook = load(name)
    korean_goals = next_markdown(notebook, 0)
    assert "ko" in tags(korean_goals) and korean_goals.source.startswith("**한국어 · 학습 목표**"), \
        f"{name}: the cell after the title must be the Korean goals (tag `ko`, starting **한국어 · 학습 목표**)"
    summary = markdown_index(notebook, r"^## What to remember")
    korean_summary = next_markdown(notebook, summary)
    assert "ko" in tags(korean_summary) and korean_summary.source.startswith("**한국어 · 기억할 것**"), \
        f"{name}: the cell after 'What to remember' must be the Korean summary (tag `ko`, **한국어 · 기억할 것**)"
    for cell in (korean_goals, korean_summary):
        assert slide_type(cell) not in ("skip", "notes"), f"{name}: a Korean cell must be shown on the slides"
    student = nbformat.read(ROOT / "student" / name, as_version=4)
    assert sum("ko" in tags(cell) for cell in student.cells) >= 2, f"{name}: the student edition lost its Korean"


@pytest.mark.parametrize("name", NAMES)
def test_what_to_remember_is_short_and_says_where_the_idea_comes_back(name):
    notebook = load(name)
    summary = notebook.cells[markdown_index(notebook, r"^## What to remember")].source
    bullets = re.findall(r"^- ", summary, re.MULTILINE)
    assert 3 <= len(bullets) <= 5, f"{name}: 'What to remember' has {len(bullets)} bullets, not 3-5"
    assert "**Where it comes back:**" in summary, f"{name}: say where the idea comes back"


@pytest.mark.parametrize("name", NAMES)
def test_a_prediction_is_written_before_the_cell_that_reveals_it(name):
    cells = load(name).cells
    predicts = [i for i, cell in enumerate(cells) if "predict" in tags(cell)]
    assert predicts, f"{name}: no code cell tagged `predict`"
    for index in predicts:
        assert cells[index].cell_type == "code" and re.search(r"^prediction = None\b", cells[index].source,
                                                              re.MULTILINE), \
            f"{name}: a predict cell holds `prediction = None` and the question as a comment"
        after = [cell for cell in cells[index + 1:] if cell.cell_type == "code"][:2]
        assert any("reveal(prediction" in cell.source for cell in after), \
            f"{name}: the cell after a prediction must call exercises.reveal(prediction, ...)"


@pytest.mark.parametrize("name", NAMES)
def test_exercises_of_each_kind(name):
    notebook = load(name)
    firsts = [cell.source.splitlines()[0] for cell in solutions(notebook)]
    for first in firsts:
        assert re.match(rf"# Exercise \d+ \(({'|'.join(KINDS)})\): \S", first), \
            f"{name}: a solution starts `# Exercise N (kind): ...`, got {first!r}"
    kinds = {re.match(r"# Exercise \d+ \((\w+)\)", first).group(1) for first in firsts}
    assert {"derive", "code"} <= kinds, f"{name}: needs a (derive) and a (code) exercise, has {sorted(kinds)}"
    checked = [cell for cell in solutions(notebook) if asserts_of(cell.source)]
    assert checked, f"{name}: no exercise has a check"


@pytest.mark.parametrize("name", NAMES)
def test_every_check_has_a_wrong_answer_and_reveals_nothing(name):
    cells = load(name).cells
    for index, cell in enumerate(cells):
        if "solution" not in tags(cell) or not asserts_of(cell.source):
            continue
        title = cell.source.splitlines()[0]
        following = cells[index + 1] if index + 1 < len(cells) else None
        assert following is not None and following.cell_type == "raw" and "wrong-answer" in tags(following), \
            f"{name}: {title}: put a plausible wrong answer in a raw cell tagged wrong-answer right after it"
        assert not any(may_reveal(node) for node in asserts_of(cell.source)), \
            f"{name}: {title}: an assert message must be a plain string, so that it cannot show the answer"


def may_reveal(node: ast.Assert) -> bool:
    """Whether a failing check could print a value: its message is anything but a plain string."""
    return node.msg is not None and not (isinstance(node.msg, ast.Constant) and isinstance(node.msg.value, str))


def test_a_message_that_formats_a_value_may_reveal_the_answer():
    first, second, third = asserts_of("assert a == b, f'expected {b}'\nassert a == b, b\nassert a == b, 'no'")
    assert may_reveal(first) and may_reveal(second) and not may_reveal(third)


@pytest.mark.parametrize("name", NAMES)
def test_the_reproducer_section_closes_the_notebook_off_the_slides(name):
    notebook = load(name)
    lesson = lesson_cells(notebook)
    rest = notebook.cells[len(lesson):]
    if not rest:
        return
    assert all(slide_type(cell) == "skip" for cell in rest), f"{name}: 'For the reproducer' cells must be skip"
    assert rest[0].metadata.get("jp-MarkdownHeadingCollapsed") is True, \
        f"{name}: the section must open folded in JupyterLab (run `make notebooks`: tools/collapse_reproducer.py)"
    assert not any("solution" in tags(cell) for cell in rest), f"{name}: exercises come before the reproducer"


@pytest.mark.parametrize("name", NAMES)
def test_the_lesson_keeps_its_word_budget(name):
    words = lesson_words(load(name))
    assert words <= BUDGET, (f"{name}: {words} words of lesson markdown (budget {BUDGET}); move forensics to "
                             "'## For the reproducer' or cut")


def test_the_word_count_skips_korean_and_the_reproducer():
    cells = [nbformat.v4.new_markdown_cell("one two three"),
             nbformat.v4.new_markdown_cell("넷 다섯", metadata={"tags": ["ko"]}),
             nbformat.v4.new_markdown_cell("## For the reproducer\nmany words here"),
             nbformat.v4.new_markdown_cell("more words")]
    assert lesson_words(nbformat.v4.new_notebook(cells=cells)) == 3


# ---------------------------------------------------------------------------------------------------- the glossary


def glossary() -> list[tuple[list[str], list[str]]]:
    rows = []
    for line in (ROOT / "docs" / "ko" / "glossary.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and line.startswith("| ") and cells[0] not in ("English", "---"):
            rows.append(([form.strip() for form in cells[0].split(" / ")],
                         [form.strip() for form in cells[1].split(" / ")]))
    return rows


def uses(text: str, english: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(english)}s?(?![\w-])", text, re.IGNORECASE) is not None


def test_the_glossary_has_about_forty_terms_each_defined_once():
    rows = glossary()
    assert len(rows) >= 40
    english = [form.lower() for forms, _ in rows for form in forms]
    assert len(english) == len(set(english)), "an English term is listed twice"


@pytest.mark.parametrize("name", NAMES)
def test_korean_cells_use_the_glossary_terms(name):
    notebook = load(name)
    pairs = [(notebook.cells[0].source.split("**Learning goals**", 1)[-1], next_markdown(notebook, 0).source)]
    summary = markdown_index(notebook, r"^## What to remember")
    pairs.append((notebook.cells[summary].source, next_markdown(notebook, summary).source))
    missing = [(english[0], korean[0]) for text, korean_text in pairs for english, korean in glossary()
               if any(uses(text, form) for form in english) and not any(form in korean_text for form in korean)]
    assert not missing, f"{name}: the Korean cell lacks the glossary's term for: {missing}"


def test_the_korean_door_is_near_the_top_of_the_readme_and_maps_every_notebook():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", readme, re.MULTILINE)
    assert headings[0] == "한국어", "the README's first section is the Korean one"
    section = readme.split("## 한국어", 1)[1].split("\n## ", 1)[0]
    assert "docs/ko/glossary.md" in section and "docs/ko/README.md" in section
    door = (ROOT / "docs" / "ko" / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d\d) \|", door, re.MULTILINE)
    assert rows == [name[:2] for name in NAMES], "docs/ko/README.md maps each notebook to the paper, in order"


def test_each_lecture_plan_fills_fifty_minutes():
    page = (ROOT / "docs" / "teaching.md").read_text(encoding="utf-8")
    plans = dict(re.findall(r"^\| (\d\d) \| (.+) \|$", page.split("a 50-minute lecture |", 1)[1], re.MULTILINE))
    assert sorted(plans) == [name[:2] for name in NAMES], "one plan per notebook"
    for number, plan in plans.items():
        minutes = [int(m) for m in re.findall(r"\((\d+)(?: min)?\)", plan)]
        assert sum(minutes) == 50, f"the plan for {number} adds up to {sum(minutes)} minutes"


def test_the_term_match_is_whole_word():
    assert uses("J-invariant denoisers", "J-invariant") and uses("two masks", "mask")
    assert not uses("unmasked", "mask") and not uses("J-invariance", "J-invariant")


# ---------------------------------------------------------------------------------------------------- citations

CITATION = re.compile(r"\b(paper|supplement),? §(\d+(?:\.\d+)?)")
# What the paper's own sections hold (docs/paper-sections.md): a citation on a line that names one of these must
# point at one of its sections.
TOPICS = {r"Proposition 1\b": {"1", "4"}, r"\bTable 1\b": {"3"}, r"\bFigure 2\b": {"3"}, r"\bTable 2\b": {"5"},
          r"\bFigure 3\b": {"3.1"}, r"\bFigure 4\b": {"4.1"}, r"\bFigure 5\b": {"4.1"}, r"single.pass": {"5"}}


def sections() -> dict[str, set[str]]:
    text = (ROOT / "docs" / "paper-sections.md").read_text(encoding="utf-8")
    found = {"paper": set(), "supplement": set()}
    for kind, number in re.findall(r"^\| (supplement )?§(\d+(?:\.\d+)?) \|", text, re.MULTILINE):
        found["supplement" if kind else "paper"].add(number)
    return found


def cited_files() -> list[Path]:
    files = sorted((ROOT / "notebooks").glob("*.py")) + sorted((ROOT / "n2s_core").rglob("*.py"))
    return files + [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def test_every_citation_names_a_section_the_paper_has():
    known = sections()
    assert {"1", "3", "4.1", "5"} <= known["paper"] and {"5.4"} <= known["supplement"]
    wrong = [f"{path.relative_to(ROOT)}:{line_number}: {kind} §{number}"
             for path in cited_files() for line_number, line in enumerate(path.read_text().splitlines(), 1)
             for kind, number in CITATION.findall(line) if number not in known[kind]]
    assert not wrong, "citations of sections the paper does not have:\n" + "\n".join(wrong)


def test_a_citation_beside_a_named_result_points_at_its_section():
    wrong = []
    for path in cited_files():
        if path.name == "paper-sections.md":
            continue
        for line_number, line in enumerate(path.read_text().splitlines(), 1):
            cited = {number for kind, number in CITATION.findall(line) if kind == "paper"}
            for topic, allowed in TOPICS.items():
                if cited and re.search(topic, line) and not cited & allowed:
                    wrong.append(f"{path.relative_to(ROOT)}:{line_number}: {topic} cited as paper §{sorted(cited)}")
    assert not wrong, "see docs/paper-sections.md:\n" + "\n".join(wrong)
