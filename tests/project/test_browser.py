"""Every notebook runs top to bottom in JupyterLab, driven by a real browser, and its first slider redraws in place.

Playwright for Python drives the system (Debian) chromium; nothing is downloaded. One JupyterLab server is
started per test session with throwaway settings (all cells attached to the DOM, no autosave, no news
pop-up) and N2S_QUICK=1, so kernels run in quick mode. Screenshots land in test-output/browser/.

    N2S_BROWSER_NOTEBOOKS='/tmp/x/*.ipynb' pytest tests/project/test_browser.py   # other notebooks
"""

from __future__ import annotations

import glob
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # reported by the `browser` fixture (tests/project/conftest.py)
    PlaywrightTimeout = None

ROOT = Path(__file__).resolve().parents[2]
PATTERN = os.environ.get("N2S_BROWSER_NOTEBOOKS", str(ROOT / "notebooks" / "*.ipynb"))
NOTEBOOKS = sorted(Path(p).resolve() for p in glob.glob(PATTERN))
SHOTS = ROOT / "test-output" / "browser"
RUN_TIMEOUT_S = 240  # one notebook, run-all in quick mode
WIDGET_TIMEOUT_S = 60  # a slider move until the panel's readout line changes
READOUT = ".n2s-readout"  # n2s_core.teach.widgets.READOUT_CLASS: the line each panel updates on every redraw
LAB_SETTINGS = {  # plugin id -> user settings; written to a throwaway user-settings dir
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},  # every cell in the DOM
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},  # never write back to notebooks/
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}

pytestmark = pytest.mark.browser

# JavaScript run in the page; `panel` is the notebook JupyterLab shows.
JS_PANEL = "const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
JS_KERNEL_IDLE = "() => {" + JS_PANEL + """
  return !!panel?.content?.model && panel.sessionContext?.session?.kernel?.status === 'idle';}"""
JS_PROGRESS = "() => {" + JS_PANEL + """
  const cells = panel.content.model.cells, pending = [], errors = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code' || !cell.sharedModel.getSource().trim()) continue;
    if (cell.executionCount === null || cell.executionState === 'running') pending.push(i);
    for (let j = 0; j < cell.outputs.length; j++) {
      const out = cell.outputs.get(j).toJSON();
      if (out.output_type === 'error') errors.push(`cell ${i}: ${out.ename}: ${out.evalue}`);
    }
  }
  for (const el of panel.node.querySelectorAll(
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')) {
    if (el.innerText.includes('Traceback')) errors.push('stderr: ...' + el.innerText.slice(-600));
  }
  return {pending, errors, idle: panel.sessionContext.session.kernel.status === 'idle'};}"""


def _free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_lab_settings(settings_dir: Path) -> None:
    """Write LAB_SETTINGS as JupyterLab user settings (one file per plugin)."""
    for plugin_id, values in LAB_SETTINGS.items():
        package, plugin = plugin_id.split(":")
        path = settings_dir / package / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def _api(url: str, token: str, method: str, path: str):
    """Call the Jupyter server's REST API; return the decoded JSON (None when empty)."""
    request = urllib.request.Request(url + path, method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
    return json.loads(body) if body else None


def _wait_for_server(proc: subprocess.Popen, url: str, token: str, log: Path, timeout: float = 90) -> None:
    """Poll /api/status until the server answers; fail with its log if it dies or never answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            return _api(url, token, "GET", "/api/status")
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"JupyterLab did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """A fresh JupyterLab server for this session: yields (base_url, token, root_dir); killed by PID."""
    tmp = tmp_path_factory.mktemp("jupyterlab")
    _write_lab_settings(tmp / "settings")
    inside = all(p.is_relative_to(ROOT) for p in NOTEBOOKS)
    root = ROOT if inside else Path(os.path.commonpath([p.parent for p in NOTEBOOKS]))
    port, token, log = _free_port(), secrets.token_hex(24), tmp / "lab.log"
    env = dict(os.environ, N2S_QUICK="1", JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
               JUPYTER_CONFIG_DIR=str(tmp / "config"))
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
               f"--port={port}", f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}",
               "--LabApp.expose_app_in_browser=True", f"--LabApp.user_settings_dir={tmp / 'settings'}",
               f"--LabApp.workspaces_dir={tmp / 'workspaces'}"]
    with open(log, "w") as log_file:
        proc = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(proc, url, token, log)
        yield url, token, root
    finally:
        proc.terminate()  # the server shuts its kernels down on SIGTERM
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # our own process group: the server and its kernels
            proc.wait()


def _open_notebook(page, url: str, token: str, relpath: str) -> None:
    """Load the notebook in a fresh workspace and wait until its kernel is idle (accepting any kernel dialog)."""
    page.goto(f"{url}/lab/tree/{relpath}?reset&token={token}")
    deadline = time.monotonic() + 120
    while not page.evaluate(JS_KERNEL_IDLE):
        assert time.monotonic() < deadline, f"kernel of {relpath} not idle after 120 s"
        accept = page.locator(".jp-Dialog .jp-mod-accept")
        if accept.count():
            accept.first.click()
        time.sleep(0.3)
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")  # more room for the notebook


def _run_all(page) -> list[str]:
    """Clear stored outputs, run all cells, wait until done (twice in a row) or an error shows; the errors."""
    page.evaluate("async () => { const c = window.jupyterapp.commands;"
                  " await c.execute('notebook:clear-all-cell-outputs'); c.execute('notebook:run-all-cells'); }")
    deadline, done_before = time.monotonic() + RUN_TIMEOUT_S, False
    while True:
        state = page.evaluate(JS_PROGRESS)
        done = state["idle"] and not state["pending"]
        if state["errors"] or (done and done_before):
            return state["errors"]
        assert time.monotonic() < deadline, f"still running after {RUN_TIMEOUT_S} s: cells {state['pending']}"
        done_before = done
        time.sleep(0.5)


JS_PANEL_STATE = "() => {" + JS_PANEL + """
  const readout = panel.node.querySelector('""" + READOUT + """');
  if (!readout) return null;
  const cell = readout.closest('.jp-Cell');
  const images = [...cell.querySelectorAll('.jp-OutputArea-output img')].map(img => img.src.slice(-200));
  return {readout: readout.innerText.trim(), images, text: cell.querySelector('.jp-OutputArea').innerText};}"""


def _panel_state(page) -> dict | None:
    """The first panel's readout line, the figures in its cell's output (tail of each src) and the output's text."""
    return page.evaluate(JS_PANEL_STATE)


def _wait_for_redraw(page, before: dict) -> tuple[dict | None, list[str]]:
    """Wait until the first panel's readout changes, or an error shows; return (the panel's state, errors)."""
    deadline = time.monotonic() + WIDGET_TIMEOUT_S
    while time.monotonic() < deadline:
        page.wait_for_timeout(250)
        state, errors = _panel_state(page), page.evaluate(JS_PROGRESS)["errors"]
        if errors or (state and state["readout"] != before["readout"] and state["images"] != before["images"]):
            return state, errors
    return None, []


def _nudge_first_control(page) -> None:
    """Move the first control of the first panel: a slider by one step with the keyboard (after scrolling it into
    view and focusing its handle), else the next toggle button, else the dropdown's next option."""
    cell = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell", has=page.locator(READOUT)).first
    try:
        cell.locator(".widget-hbox").first.wait_for(state="attached", timeout=30_000)
    except PlaywrightTimeout:
        pytest.fail("no panel controls rendered within 30 s")
    handle = cell.locator(".widget-slider .noUi-handle").first
    toggle = cell.locator(".widget-toggle-buttons button:not(.mod-active)").first
    dropdown = cell.locator(".widget-dropdown select").first
    if handle.count():
        handle.scroll_into_view_if_needed()
        at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
        handle.focus()
        page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
    elif toggle.count():
        toggle.scroll_into_view_if_needed()
        toggle.click()
    elif dropdown.count():
        dropdown.scroll_into_view_if_needed()
        options = dropdown.locator("option")
        current = dropdown.evaluate("el => el.selectedIndex")
        dropdown.select_option(index=(current + 1) % options.count())
    else:
        pytest.fail("the first panel has no slider, toggle buttons or dropdown")


def _screenshot(page, name: str) -> None:
    """Save the whole notebook: grow the viewport to the notebook's height, shoot, restore."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("() => {" + JS_PANEL + " const n = panel.content.node;"
                           " const s = n.querySelector('.jp-WindowedPanel-outer') || n;"
                           " s.scrollTop = 0; return s.scrollHeight; }")
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(max(height + 150, size["height"]), 16000)})
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(size)


@pytest.mark.skipif(not NOTEBOOKS, reason=f"no notebooks match {PATTERN}")
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_its_first_panel_redraws_in_place(notebook, browser, lab):
    url, token, root = lab
    on_disk = notebook.read_bytes()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        start = time.monotonic()
        _open_notebook(page, url, token, notebook.relative_to(root).as_posix())
        stored = page.evaluate("() => {" + JS_PANEL + " return panel.node.innerText; }")
        assert "VBox(children" not in stored, f"{notebook.name}: a stored widget shows its raw repr before a run"
        assert "Error displaying widget" not in stored, f"{notebook.name}: a stored widget view shows an error"
        errors = _run_all(page)
        ran = time.monotonic()
        _screenshot(page, notebook.stem)
        assert not errors, f"{notebook.name} raised:\n" + "\n".join(errors)
        before = _panel_state(page)
        assert before and before["readout"], f"{notebook.name}: no panel readout ({READOUT}) after the run"
        assert len(before["images"]) == 1, f"{notebook.name}: the panel's cell shows {len(before['images'])} figures"
        _nudge_first_control(page)
        after, errors = _wait_for_redraw(page, before)
        _screenshot(page, f"{notebook.stem}-widget")
        assert not errors, f"moving the first slider of {notebook.name} raised:\n" + "\n".join(errors)
        assert after, f"the readout and figure did not change {WIDGET_TIMEOUT_S} s after moving the slider: {before}"
        assert len(after["images"]) == 1, f"{notebook.name}: {len(after['images'])} figures after a move, not 1"
        assert "[widget]" not in after["text"] and "VBox(" not in after["text"]
        print(f"{notebook.name}: ran in {ran - start:.1f} s; the panel redrew to {after['readout']!r} "
              f"{time.monotonic() - ran:.1f} s later")
    finally:
        context.close()
        for session in _api(url, token, "GET", "/api/sessions"):  # free this kernel's memory now
            _api(url, token, "DELETE", f"/api/sessions/{session['id']}")
    assert notebook.read_bytes() == on_disk, f"the browser test modified {notebook}"

