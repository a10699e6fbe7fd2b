"""The package layout is a rule, not a habit: imports run one way, the NumPy half never loads torch, tests mirror.

The rules (``docs/architecture.md`` explains them):

- **Layers.** The method (top-level modules) imports only itself; ``classical``, ``data``, ``teach`` and ``nets``
  import the method and themselves, never each other; ``paper`` may import all of those; ``app`` (the command
  line's work on a user's image) the method, ``classical``, ``data`` and ``nets``; ``cli`` anything. So
  nothing below ``paper`` can import it, and the arrows run one way: paper -> nets/classical/data/teach -> method.
- **Torch.** Only ``nets`` and the few modules in :data:`TORCH_USERS` may import torch, directly or through another
  module, even inside a function. Everything else is the NumPy half, and importing it leaves torch unloaded.
- **Mirror.** ``tests/<folder>/test_<name>.py`` tests ``n2s_core/<folder>/<name>.py`` (``tests/test_<name>.py`` a
  top-level module); every public module has one. ``tests/project/`` tests the repository as a whole.

The checks read the source with :mod:`ast` (every ``import`` statement, at any depth), so a lazy import inside a
function counts. Each rule is also run on a small fake package that breaks it, so that the check itself can fail.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "n2s_core"

# the top-level modules
METHOD = {"noise", "partitions", "interpolation", "invariance", "combination", "metrics", "diagnostics", "_checks",
          "hardware"}
FOLDERS = {"classical", "data", "teach", "nets", "paper", "app"}
# Which layers each layer may import from, besides itself. "facade" is n2s_core/__init__.py.
ALLOWED = {
    "method": set(),
    "classical": {"method"},
    "data": {"method"},
    "teach": {"method"},
    "nets": {"method"},
    "facade": {"method", "classical", "data"},
    "paper": {"method", "classical", "data", "teach", "nets", "facade"},
    "app": {"method", "classical", "data", "nets"},
    "cli": {"method", "classical", "data", "teach", "nets", "paper", "facade", "app"},
}
TORCH_LAYERS = {"nets"}
# Modules outside nets/ that may reach torch, each for a reason (everything else is the NumPy half):
TORCH_USERS = {
    "n2s_core.paper.table2_runs",  # trains the nets of Table 2
    "n2s_core.paper.table2_report",  # calls table2_runs, lazily, when the table is run
    "n2s_core.paper.single_image",  # trains the single-image DnCNN (paper §5)
    "n2s_core.app.selection",  # trains the Noise2Self candidate, lazily, only when a net is a candidate
    "n2s_core.cli",  # the denoise and table2 commands, lazily: `calibrate` never loads torch
    "n2s_core.__main__",  # calls cli
}


# --- reading the package ----------------------------------------------------------------------------------------
def modules_of(package: Path) -> dict[str, Path]:
    """Dotted name -> file for every module of the package (``pkg.sub`` for ``pkg/sub/__init__.py``)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Every module ``name`` imports, at any depth of its code; relative imports resolved to dotted names."""
    is_package = path.name == "__init__.py"
    base = name.split(".") if is_package else name.split(".")[:-1]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            anchor = base[:len(base) - node.level + 1] if node.level else []
            module = ".".join(anchor + (node.module.split(".") if node.module else []))
            for alias in node.names:  # `from . import report` imports the module n2s_core.paper.report
                submodule = f"{module}.{alias.name}"
                targets.add(submodule if submodule in known else module)
    return targets


def import_graph(package: Path) -> dict[str, set[str]]:
    modules = modules_of(package)
    return {name: imports_of(name, path, set(modules)) for name, path in modules.items()}


def layer_of(module: str, root: str = "n2s_core") -> str:
    parts = module.split(".")
    if parts == [root]:
        return "facade"
    if len(parts) == 2:
        if parts[1] in METHOD:
            return "method"
        if parts[1] in ("cli", "__main__"):
            return "cli"
    if parts[1] in FOLDERS:
        return parts[1]
    raise AssertionError(f"{module} belongs to no layer: a new top-level module or folder must be added to METHOD, "
                         f"FOLDERS and ALLOWED in {Path(__file__).name} (and to docs/architecture.md)")


# --- the rules --------------------------------------------------------------------------------------------------
def layer_violations(graph: dict[str, set[str]], root: str = "n2s_core") -> list[str]:
    bad = []
    for module, targets in graph.items():
        layer = layer_of(module, root)
        for target in sorted(t for t in targets if t == root or t.startswith(root + ".")):
            other = layer_of(target, root)
            if other != layer and other not in ALLOWED[layer]:
                bad.append(f"{module} ({layer}) imports {target} ({other})")
    return bad


def torch_side(graph: dict[str, set[str]]) -> set[str]:
    """The modules that import torch directly, or import (transitively) a module that does."""
    side = {m for m, targets in graph.items() if any(t == "torch" or t.startswith("torch.") for t in targets)}
    while True:
        more = {m for m, targets in graph.items() if m not in side and targets & side}
        if not more:
            return side
        side |= more


def torch_violations(graph: dict[str, set[str]], root: str = "n2s_core") -> list[str]:
    allowed = {m for m in graph if layer_of(m, root) in TORCH_LAYERS} | {
        m.replace("n2s_core", root, 1) for m in TORCH_USERS}
    return sorted(f"{m} reaches torch but is in the NumPy half" for m in torch_side(graph) - allowed)


def numpy_half(graph: dict[str, set[str]]) -> list[str]:
    return sorted(m for m in graph if layer_of(m) not in TORCH_LAYERS and m not in TORCH_USERS)


# --- the package obeys them -------------------------------------------------------------------------------------
GRAPH = import_graph(PACKAGE)


def test_every_module_belongs_to_a_layer():
    layers = {module: layer_of(module) for module in GRAPH}
    assert set(layers.values()) == set(ALLOWED)  # every layer in use, none unknown
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()} == FOLDERS


def test_imports_run_down_the_layers():
    assert layer_violations(GRAPH) == []


def test_nothing_below_paper_imports_paper():
    importers = {m for m, targets in GRAPH.items() for t in targets if t.startswith("n2s_core.paper")}
    assert {layer_of(m) for m in importers} <= {"paper", "cli"}, sorted(importers)


def test_the_numpy_half_never_imports_torch_even_lazily():
    assert torch_violations(GRAPH) == []
    assert "n2s_core.classical.calibration" in numpy_half(GRAPH) and "n2s_core.paper.table1" in numpy_half(GRAPH)


def test_importing_the_numpy_half_and_the_cli_leaves_torch_unloaded():
    modules = [*numpy_half(GRAPH), "n2s_core.cli"]
    code = ("import importlib, json, sys\n"
            f"for name in {modules!r}:\n    importlib.import_module(name)\n"
            "print(json.dumps(sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert json.loads(result.stdout) == []


# --- the checks can fail ----------------------------------------------------------------------------------------
def _fake_package(tmp_path: Path, files: dict[str, str]) -> Path:
    package = tmp_path / "fake"
    for relative, text in {"__init__.py": "", "noise.py": "import numpy\n", **files}.items():
        path = package / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return package


def test_the_checks_catch_an_upward_import_a_sideways_import_and_a_lazy_torch(tmp_path):
    package = _fake_package(tmp_path, {
        "classical/__init__.py": "",
        "classical/filters.py": "from ..noise import numpy\n\ndef f():\n    from ..paper import figure2\n",
        "data/__init__.py": "",
        "data/images.py": "from ..classical.filters import f\n",
        "nets/__init__.py": "",
        "nets/models.py": "import torch.nn\n",
        "paper/__init__.py": "",
        "paper/figure2.py": "from . import report\n",
        "paper/report.py": "def later():\n    from ..nets import models\n",
    })
    graph = import_graph(package)
    assert graph["fake.paper.figure2"] == {"fake.paper.report"}
    assert layer_violations(graph, root="fake") == [
        "fake.classical.filters (classical) imports fake.paper.figure2 (paper)",
        "fake.data.images (data) imports fake.classical.filters (classical)",
    ]
    assert torch_violations(graph, root="fake") == [  # report imports nets lazily; the others import report
        f"fake.{m} reaches torch but is in the NumPy half"
        for m in ("classical.filters", "data.images", "paper.figure2", "paper.report")]


def test_an_unknown_folder_is_refused():
    with pytest.raises(AssertionError, match="belongs to no layer"):
        layer_of("n2s_core.helpers.misc")
    with pytest.raises(AssertionError, match="belongs to no layer"):
        layer_of("n2s_core.utils")


# --- tests mirror the package -----------------------------------------------------------------------------------
def mirror_problems(package: Path, tests: Path) -> list[str]:
    public = {p.relative_to(package).with_suffix("") for p in package.rglob("*.py")
              if not p.name.startswith("_")}
    problems = []
    tested = set()
    for test in sorted(tests.rglob("test_*.py")):
        relative = test.relative_to(tests)
        if relative.parts[0] == "project":
            continue
        module = relative.with_name(relative.name.removeprefix("test_")).with_suffix("")
        tested.add(module)
        if module not in public:
            problems.append(f"{relative} tests no module: n2s_core/{module}.py does not exist")
    problems += [f"n2s_core/{m}.py has no test file tests/{m.with_name('test_' + m.name)}.py"
                 for m in sorted(public - tested)]
    return problems


def test_tests_mirror_the_package():
    assert mirror_problems(PACKAGE, ROOT / "tests") == []


def test_the_mirror_check_catches_a_stray_test_and_an_untested_module(tmp_path):
    package = _fake_package(tmp_path, {"classical/__init__.py": "", "classical/filters.py": ""})
    tests = tmp_path / "tests"
    for relative in ("test_noise.py", "classical/test_filters.py", "classical/test_median.py", "project/test_x.py"):
        (tests / relative).parent.mkdir(parents=True, exist_ok=True)
        (tests / relative).write_text("")
    assert mirror_problems(package, tests) == ["classical/test_median.py tests no module: "
                                               "n2s_core/classical/median.py does not exist"]
    (tests / "test_noise.py").unlink()
    assert mirror_problems(package, tests)[-1] == "n2s_core/noise.py has no test file tests/test_noise.py"


def test_the_architecture_page_names_every_module():
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [str(p.relative_to(PACKAGE)) for p in sorted(PACKAGE.rglob("*.py"))
               if p.name not in ("__init__.py", "__main__.py") and p.name not in page]
    assert missing == [], f"docs/architecture.md does not mention {missing}: add them to its map"
    assert "(docs/architecture.md)" in (ROOT / "README.md").read_text(encoding="utf-8")  # linked from the README
