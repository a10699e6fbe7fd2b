"""A Colab-like check: Colab's own package versions, the notebooks' own install cell, every notebook run alone.

    python tools/colab_check.py            # make colab-check; writes test-output/colab-check/report.json

What it does, and where it differs from Colab:

1. A virtual environment with Colab's pins (``tools/colab/pip-freeze.cpu.txt``, Colab's CPU runtime as of
   2026-08-19, from its public backend-info repository) for every package the notebooks touch: numpy, scipy,
   scikit-image, matplotlib, ipywidgets 7.7.1, ipykernel 6.17.1, IPython 7.34, traitlets 5.7.1, tqdm, ... Colab runs
   Python 3.13 and torch 2.11; this check runs the Python that runs it (3.11 on our machines) and the local CPU
   build of torch 2.13.0, the only torch wheel these machines have offline. A package whose Colab pin has no wheel
   for this Python (tifffile 2026.8.16 needs 3.12) is left to pip and not compared.
2. A stand-in ``google.colab`` module imported at start-up, so each notebook takes its Colab path: its own install
   cell (written by ``tools/colab_cell.py``) runs, unchanged except for the source it installs from (a wheel built
   from this checkout instead of this release's tag on GitHub; nothing here reaches GitHub).
3. Each notebook is copied alone into an empty folder (Colab opens one ``.ipynb`` with nothing beside it) and run
   top to bottom with no ``N2S_QUICK`` set, so the scale is the one the hardware picks. Before each notebook the
   package is uninstalled again, so every notebook's install cell really installs it.
4. ``pip freeze`` before and after: the check passes only if no pinned version changed and every notebook ran.
   The widget tests also run here, under Colab's ipywidgets 7.7.1 and under the oldest ipywidgets 8 (8.0.0, laid
   over the environment), and a one-cell notebook checks that ``tqdm.auto`` draws a widget progress bar.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from colab_cell import install_url  # tools/ is on the path: this file runs as a script

ROOT = Path(__file__).resolve().parents[1]
FREEZE = ROOT / "tools" / "colab" / "pip-freeze.cpu.txt"
URL = install_url()  # what the install cell installs on Colab: this release's tag (tools/colab_cell.py)
TORCH = "torch==2.13.0"  # instead of Colab's 2.11.0+cpu (see above)
UNPINNED = {"torch", "tifffile",  # no wheel of Colab's version for this Python here
            "pip", "setuptools", "wheel"}  # the venv's own bootstrap, not a package the notebooks use
# What a notebook kernel on Colab has that the notebooks use; pinned to Colab's versions by the constraints.
COLAB_PACKAGES = ["numpy", "scipy", "scikit-image", "PyWavelets", "matplotlib", "ipywidgets", "widgetsnbextension",
                  "jupyterlab_widgets", "ipykernel", "ipython", "traitlets", "jupyter_client", "jupyter_core", "tqdm",
                  "pillow", "imageio", "threadpoolctl", "nbclient", "nbconvert", "nbformat", "pytest"]
LOWEST_8 = ["ipywidgets==8.0.0", "widgetsnbextension==4.0.0", "jupyterlab_widgets==3.0.0"]  # the oldest 8
TEST_TOOLS = ["hypothesis"]  # not on Colab; added (under the same constraints) to run the widget tests


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def colab_pins() -> dict[str, str]:
    pins = {}
    for line in FREEZE.read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[canonical(name)] = version.strip()
    return pins


def freeze(python: Path) -> dict[str, str]:
    """Name -> version (or the ``@ URL`` it came from) of every installed distribution."""
    out = subprocess.run([str(python), "-m", "pip", "freeze", "--all"], check=True, capture_output=True, text=True)
    found = {}
    for line in out.stdout.splitlines():
        name, _, version = line.partition("==") if "==" in line else line.partition(" @ ")
        if version:
            found[canonical(name.strip())] = version.strip()
    return found


def pip(python: Path, *args: str) -> None:
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args], check=True)


def make_venv(venv: Path, pins: dict[str, str]) -> Path:
    """The Colab-like environment: Colab's versions of what the notebooks use, and the google.colab stand-in."""
    if venv.exists():
        shutil.rmtree(venv)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    constraints = venv / "colab-constraints.txt"
    constraints.write_text("".join(f"{n}=={v}\n" for n, v in pins.items() if n not in UNPINNED))
    pip(python, "-c", str(constraints), TORCH)  # torch's own dependencies at Colab's versions too
    pip(python, "-c", str(constraints), *COLAB_PACKAGES, *TEST_TOOLS)
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "google" / "colab").mkdir(parents=True, exist_ok=True)  # a namespace package, like Colab's own
    (site / "google" / "colab" / "__init__.py").write_text('"""Stand-in for Colab\'s module (colab_check.py)."""\n')
    (site / "n2s_colab_stand_in.pth").write_text("import google.colab\n")  # Colab's kernel has it imported
    return python


def build_wheel(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(folder), str(ROOT)], check=True)
    return next(folder.glob("n2s_core-*.whl"))


def run_widget_tests(python: Path, *, overlay: list[str] | None = None, out: Path | None = None) -> dict:
    """tests/teach/test_widgets.py in the environment, or with other ipywidgets wheels laid over it."""
    path = [str(ROOT)]
    if overlay:
        target = out / "ipywidgets-overlay"
        shutil.rmtree(target, ignore_errors=True)
        pip(python, "--no-deps", "--target", str(target), *overlay)
        path.insert(0, str(target))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    version = subprocess.run([str(python), "-c", "import ipywidgets; print(ipywidgets.__version__)"], env=env,
                             capture_output=True, text=True, check=True).stdout.strip()
    done = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(ROOT / "tests" / "teach" / "test_widgets.py")], cwd=ROOT, capture_output=True,
                          text=True, env=env)
    lines = done.stdout.strip().splitlines() or done.stderr.strip().splitlines() or ["no output"]
    return {"ipywidgets": version, "passed": done.returncode == 0, "summary": lines[-1]}


def progress_bar_probe(python: Path, out: Path) -> str:
    """Run a one-cell notebook that uses tqdm.auto (as the package does) and say what it drew."""
    notebook = out / "progress_probe.ipynb"
    cell = "from tqdm.auto import tqdm\nfor _ in tqdm(range(3), desc='probe'):\n    pass"
    notebook.write_text(json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "source": cell, "outputs": [],
                                               "execution_count": None}], "metadata": {}, "nbformat": 4,
                                    "nbformat_minor": 5}))
    subprocess.run([str(python), "-m", "nbconvert", "--to", "notebook", "--execute", "--inplace", str(notebook)],
                   check=True, capture_output=True)
    outputs = json.loads(notebook.read_text())["cells"][0]["outputs"]
    kinds = {key for o in outputs for key in o.get("data", {})}
    if any("IProgress" in "".join(o.get("text", "")) for o in outputs):
        return "a text bar: tqdm could not find ipywidgets (IProgress)"
    return "an ipywidgets progress bar" if "application/vnd.jupyter.widget-view+json" in kinds else "a text bar"


def plain_install_changes(python: Path, wheel: Path, report: Path) -> dict[str, str]:
    """What ``pip install PACKAGE`` with its dependencies (not the install cell's way) would install or upgrade."""
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--dry-run",
                    "--report", str(report), str(wheel)], check=True)
    wanted = json.loads(report.read_text())["install"]
    return {item["metadata"]["name"]: item["metadata"]["version"] for item in wanted
            if canonical(item["metadata"]["name"]) != "n2s-core"}


def run_alone(python: Path, notebook: Path, wheel: Path, out: Path) -> dict:
    """Copy the notebook alone into an empty folder, point its install cell at the wheel, run it; what it showed."""
    subprocess.run([str(python), "-m", "pip", "uninstall", "-y", "-q", "n2s-core"], check=False, capture_output=True)
    with tempfile.TemporaryDirectory(prefix="colab-") as folder:
        copy = Path(folder) / notebook.name
        text = notebook.read_text()
        if text.count(URL) != 1:
            raise SystemExit(f"{notebook.name}: its install cell must name {URL} exactly once")
        copy.write_text(text.replace(URL, str(wheel)))
        env = {k: v for k, v in os.environ.items() if k not in ("N2S_QUICK", "PYTHONPATH", "VIRTUAL_ENV")}
        env["PATH"] = f"{python.parent}{os.pathsep}{env['PATH']}"
        start = time.monotonic()
        run = subprocess.run([str(python), "-m", "nbconvert", "--to", "notebook", "--execute", "--inplace",
                              "--ExecutePreprocessor.timeout=900", str(copy)], cwd=folder, env=env,
                             capture_output=True, text=True)
        seconds = time.monotonic() - start
        executed = json.loads(copy.read_text()) if run.returncode == 0 else None
        shutil.copy(copy, out / notebook.name)
        left_behind = sorted(p.name for p in Path(folder).iterdir() if p.name != notebook.name)
    record = {"notebook": notebook.name, "ran": run.returncode == 0, "seconds": round(seconds, 1),
              "files_written_beside_it": left_behind}
    if executed is None:
        record["error"] = run.stderr[-3000:]
        return record
    outputs = [o for cell in executed["cells"] if cell["cell_type"] == "code" for o in cell.get("outputs", [])]
    first_text = next(("".join(o["text"]) for o in outputs if o.get("output_type") == "stream"), "")
    record["first_output"] = first_text.strip()
    record["warnings"] = [("".join(o["text"]))[:300] for o in outputs
                          if o.get("name") == "stderr" and "Warning" in "".join(o["text"])]
    return record


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv-colab")
    parser.add_argument("--out", type=Path, default=ROOT / "test-output" / "colab-check")
    parser.add_argument("notebooks", nargs="*", type=Path, default=sorted((ROOT / "notebooks").glob("*.ipynb")))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    pins = colab_pins()
    print(f"colab-check: building {args.venv} with Colab's pins ({FREEZE.name}) ...", flush=True)
    python = make_venv(args.venv, pins)
    before = freeze(python)
    wheel = build_wheel(args.out)
    plain = plain_install_changes(python, wheel, args.out / "plain-install-report.json")
    print(f"a plain `pip install` of the package with its dependencies would change: {plain or 'nothing'}")
    widgets = {"colab": run_widget_tests(python), "lowest 8": run_widget_tests(python, overlay=LOWEST_8, out=args.out)}
    for name, result in widgets.items():
        print(f"widget tests under ipywidgets {result['ipywidgets']} ({name}): {result['summary']}")
    progress = progress_bar_probe(python, args.out)
    print(f"tqdm.auto progress bar in a notebook: {progress}")
    records = []
    for notebook in args.notebooks:
        records.append(run_alone(python, notebook.resolve(), wheel, args.out))
        r = records[-1]
        print(f"  {r['notebook']}: {'ran' if r['ran'] else 'FAILED'} in {r['seconds']} s"
              + (f"; first output: {r.get('first_output', '')[:70]}..." if r["ran"] else f"\n{r['error']}"),
              flush=True)
    after = freeze(python)
    compared = {n: v for n, v in before.items() if n in pins and n not in UNPINNED}
    changed = {n: [v, after.get(n)] for n, v in compared.items() if after.get(n) != v}
    added = sorted(set(after) - set(before))
    off_colab = {n: [pins[n], v] for n, v in before.items() if n in pins and n not in UNPINNED and pins[n] != v}
    report = {"colab_freeze": FREEZE.name, "python": sys.version.split()[0], "torch": before.get("torch"),
              "pinned_packages_compared": len(compared), "changed_by_the_notebooks": changed,
              "added_by_the_notebooks": added, "base_differs_from_colab": off_colab,
              "a_plain_pip_install_would_install": plain,
              "widget_tests": widgets, "progress_bar": progress,
              "notebooks": records}
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    ok = (not changed and not off_colab and added == ["n2s-core"] and all(w["passed"] for w in widgets.values())
          and progress == "an ipywidgets progress bar"
          and all(r["ran"] and not r["warnings"] and not r["files_written_beside_it"] for r in records))
    print(f"pip changed {len(changed)} of {len(compared)} Colab pins {changed or ''}; added {added}; "
          f"report: {args.out / 'report.json'}")
    print("colab-check: PASSED" if ok else "colab-check: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
