"""The Colab install cell: written once here, copied into every notebook, pinned to the release it belongs to.

    python tools/colab_cell.py           # write the cell into every notebook pair (NAME.py and NAME.ipynb)
    python tools/colab_cell.py --check   # change nothing; name each notebook whose copy differs, and exit 1

On Colab the cell installs the package from the tag of this release, ``git+REPOSITORY@v{version}``, so a notebook
opened from an older release gets that release's package, not the moving default branch's. The version is
``n2s_core.__version__``, its one place, read here from the file without importing the package (as setuptools
reads it for pyproject.toml).

Making a release: bump ``__version__`` in ``n2s_core/__init__.py`` (and its copy in ``CITATION.cff``), run
``python tools/colab_cell.py``, commit, and tag that commit ``v{version}`` (push the tag: the cells install from it).

Each notebook's copy is the one code cell that contains ``MARKER``; none, or two, is an error. Only that cell's
source is rewritten: its metadata, its outputs and every other cell are left as they are.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
REPOSITORY = "https://github.com/n2s-workbook/noise2self-workbook"
MARKER = '"google.colab" in sys.modules'
# The cell; {url} is replaced by install_url() (str.format would trip over the dict's braces).
CELL = """\
import importlib.util
import subprocess
import sys

if "google.colab" in sys.modules and importlib.util.find_spec("n2s_core") is None:
    needs = {"numpy": "numpy", "scipy": "scipy", "scikit-image": "skimage", "PyWavelets": "pywt", "tqdm": "tqdm",
             "matplotlib": "matplotlib", "ipywidgets": "ipywidgets", "torch": "torch"}  # pip name: module
    missing = [name for name, module in needs.items() if importlib.util.find_spec(module) is None]
    if missing:  # pinned to what is installed, so pip upgrades nothing
        frozen = subprocess.run([sys.executable, "-m", "pip", "freeze"], capture_output=True, text=True).stdout
        with open("/tmp/n2s-constraints.txt", "w") as constraints:
            constraints.write(frozen)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-c", "/tmp/n2s-constraints.txt", *missing],
                       check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "{url}"], check=True)"""


def package_version() -> str:
    """``n2s_core.__version__``, read from ``n2s_core/__init__.py`` without importing the package."""
    tree = ast.parse((ROOT / "n2s_core" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["__version__"]:
            return ast.literal_eval(node.value)
    raise LookupError("n2s_core/__init__.py assigns no __version__")


def install_url(version: str | None = None) -> str:
    """What pip installs on Colab: the repository at the tag of ``version`` (default: the package's)."""
    return f"git+{REPOSITORY}@v{version or package_version()}"


def cell_source(version: str | None = None) -> str:
    """The install cell's source, pinned to ``version`` (default: the package's)."""
    return CELL.replace("{url}", install_url(version))


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """A notebook from its .ipynb (nbformat) or its py:percent twin (jupytext)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        return nbformat.reads(text, as_version=4)
    return jupytext.reads(text, fmt="py:percent")


def install_cell(notebook: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """The one code cell that contains ``MARKER``; ``name`` goes into the error when there are none or several."""
    found = [cell for cell in notebook.cells if cell.cell_type == "code" and MARKER in cell.source]
    if len(found) != 1:
        raise ValueError(f"{name}: expected one install cell (a code cell containing {MARKER}), found {len(found)}")
    return found[0]


def update(path: Path, source: str | None = None) -> bool:
    """Write ``source`` (default: :func:`cell_source`) into the install cell of ``path``; True if the file changed."""
    source = cell_source() if source is None else source
    notebook = read_notebook(path)
    cell = install_cell(notebook, path.name)
    if cell.source == source:
        return False
    cell.source = source
    if path.suffix == ".ipynb":
        text = nbformat.writes(notebook) + "\n"
    else:
        text = jupytext.writes(notebook, fmt="py:percent")
    path.write_text(text, encoding="utf-8")
    return True


def notebook_files(folder: Path = NOTEBOOKS) -> list[Path]:
    """Both halves of every notebook pair in ``folder``."""
    return sorted([*folder.glob("[0-9][0-9]_*.py"), *folder.glob("[0-9][0-9]_*.ipynb")])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a copy differs")
    args = parser.parse_args(argv)
    source = cell_source()
    if args.check:
        stale = [path for path in notebook_files() if install_cell(read_notebook(path), path.name).source != source]
        for path in stale:
            print(f"{path.relative_to(ROOT)}: its install cell differs; run `python tools/colab_cell.py`")
        return 1 if stale else 0
    changed = [path for path in notebook_files() if update(path, source)]
    print(f"install cell ({install_url()}) written into {len(changed)} of {len(notebook_files())} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
