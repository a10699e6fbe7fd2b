"""The front door and the book: a short README, and a site that builds offline and loads nothing from the network.

The book is built once per session, as `make docs` builds it (Sphinx, warnings are errors), into a temporary folder.
Every page is scanned for resources it would load from the web (scripts, stylesheets, images, fonts, @import,
url()); links a reader may click are fine. Then Debian chromium opens the landing page, a lesson with math and a
figure, the API page of `calibrate_denoiser` and the search, with every request that is not a local file aborted.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.project.conftest import must_have
from tests.project.repo_tools import load_tool

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(p for p in (ROOT / "docs").rglob("*.md") if "_build" not in p.parts)
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SPHINX_BUILD = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going", "-c", "docs", "."]
make_slides = load_tool("make_slides")  # its external_urls() is the one definition of "loads from the web"


@pytest.fixture(scope="session")
def book(tmp_path_factory) -> Path:
    """The site, built as `make docs` builds it; skipped (failed under CI=true) without the docs extra."""
    missing = [name for name in ("sphinx", "myst_nb", "sphinx_book_theme", "mathjax")
               if importlib.util.find_spec(name) is None]
    must_have(not missing, f"the docs extra is not installed ({', '.join(missing)}): pip install -e '.[docs]'",
              test="BOOK TEST")
    out = tmp_path_factory.mktemp("book")
    done = subprocess.run([*SPHINX_BUILD, str(out)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, f"the book does not build cleanly:\n{done.stderr[-4000:]}"
    return out


def built_page(source: Path) -> str:
    """The site path of a source file: docs/nets.md -> docs/nets.html."""
    return str(source.relative_to(ROOT).with_suffix(".html"))


# ----------------------------------------------------------------------------------------------------- README

def readme_words() -> int:
    """Words of the README as a reader sees them: link targets and image addresses do not count."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    text = re.sub(r"!\[([^]]*)\]\([^)]*\)", r"\1", text)  # a badge counts as its alt text
    text = re.sub(r"\]\([^)]*\)", "]", text)  # a link counts as its words
    return len(text.split())


def test_the_readme_is_a_front_door():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_words() <= 1000, f"the README has {readme_words()} words; move detail into a page of docs/"
    first_screen = "\n".join(readme.splitlines()[:40])
    for command in ("make reproduce", "make test"):
        assert f"\n{command} " in first_screen, f"`{command}` should be on the README's first screen"
    for notebook in NOTEBOOKS:
        line = next((line for line in readme.splitlines() if f"(notebooks/{notebook.name})" in line), "")
        assert "colab.research.google.com" in line and "mybinder.org" in line, \
            f"the README lists {notebook.name} on one line with its Colab and Binder badges"


def test_the_word_count_ignores_addresses_but_not_words(tmp_path):
    assert len(re.sub(r"\]\([^)]*\)", "]", "[two words](https://a.b/c d e)").split()) == 2


@pytest.mark.parametrize("source", [ROOT / "README.md", *PAGES], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_local_link_points_at_a_file(source):
    text = source.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)  # code blocks hold no links
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:|#", target):
            continue
        path = (source.parent / target.split("#", 1)[0]).resolve()
        if not path.exists():
            broken.append(target)
    assert not broken, f"{source.relative_to(ROOT)} links to files that do not exist: {broken}"


# ------------------------------------------------------------------------------------------------------- book

@pytest.mark.slow  # builds the book (~20 s)
def test_every_page_and_lesson_is_in_the_book(book):
    assert (book / "index.html").is_file() and "docs/index.html" in (book / "index.html").read_text()
    for source in [*PAGES, *NOTEBOOKS]:
        assert (book / built_page(source)).is_file(), f"{source.relative_to(ROOT)} is not in the book"
    for table in sorted((ROOT / "results").glob("*.md")):  # the ledger and every result table
        assert (book / built_page(table)).is_file(), f"results/{table.name} is not in the book (docs/index.md)"
    assert (book / "_static" / "tex-svg-full.js").is_file(), "MathJax is not copied into the site"


def test_every_module_has_an_api_page():
    documented = set()
    for page in (ROOT / "docs" / "api").glob("*.md"):
        documented |= set(re.findall(r"^\.\. automodule:: (\S+)", page.read_text(encoding="utf-8"), re.MULTILINE))
    modules = {".".join(p.relative_to(ROOT).with_suffix("").parts) for p in (ROOT / "n2s_core").rglob("*.py")
               if not p.name.startswith("_")}
    assert modules - documented == set(), "add these modules to a page of docs/api/"
    assert documented - modules == set(), "docs/api/ names modules that do not exist"


@pytest.mark.slow  # reads the built book
def test_no_page_loads_anything_from_the_network(book):
    loads = {}
    for path in [*book.rglob("*.html"), *book.rglob("*.css")]:
        found = make_slides.external_urls(path.read_text(encoding="utf-8", errors="replace"))
        if found:
            loads[str(path.relative_to(book))] = sorted(set(found))[:3]
    assert not loads, f"pages that would load from the web: {loads}"


@pytest.mark.slow  # reads the built book
def test_the_api_page_shows_calibrate_denoiser_from_its_docstring(book):
    html = (book / "docs" / "api" / "classical.html").read_text(encoding="utf-8")
    assert 'id="n2s_core.classical.calibration.calibrate_denoiser"' in html
    entry = html.split('id="n2s_core.classical.calibration.calibrate_denoiser"', 1)[1].split("</dl>", 1)[0]
    for section in ("Parameters", "parameter_grid", "Warns"):  # numpydoc sections, rendered
        assert section in entry, f"calibrate_denoiser's API entry lacks {section!r}"


# ---------------------------------------------------------------------------------------------------- browser

def open_offline(browser, url: str):
    """A page that may load only local files; returns (page, blocked requests, page errors)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    blocked, errors = [], []

    def only_local(route):
        if route.request.url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url, wait_until="load")
    return page, blocked, errors


@pytest.mark.browser
def test_the_book_reads_offline_in_a_browser(book, browser, tmp_path):
    shots = {}
    # the landing page, opened from the site's root, with its three doors
    page, blocked, errors = open_offline(browser, (book / "index.html").as_uri())
    page.wait_for_url("**/docs/index.html", timeout=10_000)
    doors = page.locator(".doors .door")
    assert doors.count() == 3 and all(doors.nth(i).is_visible() for i in range(3))
    assert [doors.nth(i).locator("strong").first.inner_text() for i in range(3)] == \
        ["I am a student", "I teach", "I check the paper"]
    page.wait_for_function("() => document.querySelector('mjx-container svg')", timeout=30_000)
    shots["landing"] = page.screenshot(path=str(tmp_path / "landing.png"), full_page=True)
    page.close()
    # a lesson: its math typeset by the local MathJax, its stored figures shown
    page, more_blocked, more_errors = open_offline(browser, (book / "notebooks" / "01_loss_decomposition.html")
                                                   .as_uri())
    blocked += more_blocked
    errors += more_errors
    page.wait_for_function("() => document.querySelectorAll('mjx-container svg').length > 5", timeout=30_000)
    figure = page.locator(".cell_output img").first
    figure.scroll_into_view_if_needed()
    assert figure.evaluate("img => img.complete && img.naturalWidth > 100")
    shots["lesson"] = page.screenshot(path=str(tmp_path / "lesson.png"))
    page.close()
    # the API page of calibrate_denoiser
    page, more_blocked, more_errors = open_offline(
        browser, (book / "docs" / "api" / "classical.html").as_uri() + "#n2s_core.classical.calibration"
        ".calibrate_denoiser")
    blocked += more_blocked
    errors += more_errors
    signature = page.locator('[id="n2s_core.classical.calibration.calibrate_denoiser"]')
    assert signature.is_visible() and "calibrate_denoiser" in signature.inner_text()
    page.close()
    # the search, from the local index
    page, more_blocked, more_errors = open_offline(browser, (book / "search.html").as_uri() + "?q=calibrate_denoiser")
    blocked += more_blocked
    errors += more_errors
    page.wait_for_selector("#search-results ul.search li", timeout=30_000)
    hits = page.locator("#search-results ul.search li a").evaluate_all("links => links.map(a => a.href)")
    assert any("api/classical.html" in hit for hit in hits), f"search found {hits[:5]}"
    page.close()
    assert not blocked, f"the book tried the network: {sorted(set(blocked))[:5]}"
    assert not errors, f"page errors: {errors}"
    assert shots["landing"] != shots["lesson"]


# ------------------------------------------------------------------------------------------------------ setup

def make_setup_commands(*args: str) -> str:
    done = subprocess.run(["make", "-n", "-B", "setup", "VENV=/nonexistent-venv", *args], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return done.stdout


def test_setup_takes_the_cpu_build_of_torch_unless_told_otherwise():
    default = make_setup_commands()
    assert "--index-url https://download.pytorch.org/whl/cpu" in default and "torch==2.13.0" in default
    assert "|| {" in default, "set-up falls back to pip's own index when the CPU index cannot be reached"
    gpu = make_setup_commands("TORCH=torch")
    assert "download.pytorch.org" not in gpu and 'pip install "torch"' in gpu
    assert '-e ".[test,notebooks,docs]"' in default
