"""Run a private JupyterLab on 127.0.0.1 and drive its notebooks from a real (headless) Chromium.

Used by ``tests/ui/test_notebooks_in_jupyterlab.py``. Nothing here downloads a browser: Chromium is
the system's (Debian's ``chromium`` package), launched by Python Playwright with ``executable_path``.

The server runs on a free port with a random token, on a *copy* of the notebooks in a temporary
folder, with its own Jupyter config, data, runtime and settings folders (so a learner's own settings
cannot change what the test sees, and the test writes nothing into ``~``). Settings it pins:

* notebook windowing off (``windowingMode: none``): every cell is in the page, so every output can be
  checked and every widget seen, not only those scrolled into view;
* no news or update notifications (they need the network and would cover the screenshots).

The browser may only reach the server: every other request (the Binder and Colab badges' images, for
example) is refused inside the browser, so the tests need no network and send nothing out.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Flags for Chromium: headless, no GPU, and nothing that phones home.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True},
}


def chromium_path() -> str | None:
    """The system Chromium: ``$PKI_LAB_CHROMIUM``, else ``chromium`` on the PATH, else None."""
    candidate = os.environ.get("PKI_LAB_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    return candidate if candidate and os.access(candidate, os.X_OK) else None


def missing_requirements() -> str | None:
    """Why the browser tests cannot run here, as a sentence, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return ("Python Playwright is not installed: run `make test-ui` (it installs the `ui` extra) "
                "or `.venv/bin/pip install -e '.[ui]'`.")
    if chromium_path() is None:
        return "Chromium is not installed: `apt-get install chromium` (Debian) or set PKI_LAB_CHROMIUM to its path."
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _jupyter_lab_command() -> list[str]:
    venv_lab = ROOT / ".venv" / "bin" / "jupyter-lab"
    return [str(venv_lab)] if venv_lab.exists() else [sys.executable, "-m", "jupyterlab"]


@dataclass(frozen=True)
class LabServer:
    """A running JupyterLab: its address, token, notebook folder and log file."""

    url: str
    token: str
    notebook_dir: Path
    log: Path

    def api(self, method: str, path: str) -> object:
        """Call the server's REST API (JSON), authenticated with the token."""
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def lab_url(self, notebook: str) -> str:
        return f"{self.url}/lab/tree/{notebook}?token={self.token}&reset"

    def shutdown_kernels(self) -> None:
        """Stop every kernel (one notebook's kernel must not slow the next notebook down)."""
        for session in self.api("GET", "/api/sessions") or []:
            self.api("DELETE", f"/api/sessions/{session['id']}")


@contextlib.contextmanager
def running_jupyterlab(notebooks: Path, *, startup_timeout: float = 120) -> Iterator[LabServer]:
    """Start JupyterLab on a copy of ``notebooks``; always stop it (and its kernels) at the end."""
    with tempfile.TemporaryDirectory(prefix="pki-lab-ui-") as tmp_name:
        tmp = Path(tmp_name)
        notebook_dir = tmp / "notebooks"
        shutil.copytree(notebooks, notebook_dir, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        settings = tmp / "settings"
        for name, values in _SETTINGS.items():
            (settings / name).parent.mkdir(parents=True, exist_ok=True)
            (settings / name).write_text(json.dumps(values))
        port, token = _free_port(), secrets.token_hex(24)
        env = dict(os.environ, JUPYTER_PLATFORM_DIRS="1", JUPYTER_CONFIG_DIR=str(tmp / "config"),
                   JUPYTER_DATA_DIR=str(tmp / "data"), JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
                   IPYTHONDIR=str(tmp / "ipython"), PYDEVD_DISABLE_FILE_VALIDATION="1")
        command = [
            *_jupyter_lab_command(), "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={notebook_dir}", f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={tmp / 'workspaces'}", "--LabApp.expose_app_in_browser=True",
            "--LabApp.news_url=None", "--ServerApp.allow_root=True",
        ]
        log = tmp / "jupyterlab.log"
        with open(log, "w") as log_file:
            process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, env=env,
                                       cwd=notebook_dir, start_new_session=True)
        server = LabServer(f"http://127.0.0.1:{port}", token, notebook_dir, log)
        try:
            _wait_until_up(server, process, startup_timeout)
            yield server
        finally:
            _stop(process)


def _wait_until_up(server: LabServer, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {process.returncode}:\n{server.log.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            server.api("GET", "/api/status")
            return
        time.sleep(0.3)
    raise RuntimeError(f"JupyterLab did not answer within {timeout:.0f} s:\n{server.log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    """Stop the server's whole process group (server and kernels): SIGTERM, then SIGKILL."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


def only_local_requests(page, server: LabServer, refused: list[str]) -> None:
    """Refuse every request from ``page`` that is not for the lab server; record what was refused."""

    def handle(route) -> None:
        url = route.request.url
        if url.startswith(server.url + "/") or url.startswith(server.url.replace("http", "ws", 1)):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    page.route("**/*", handle)


# --- Driving one notebook -------------------------------------------------------------------------------------

# JupyterLab's application object (exposed with --LabApp.expose_app_in_browser) and the open notebook panel.
_PANEL = "(window.jupyterapp && window.jupyterapp.shell.currentWidget)"

_KERNEL_IDLE = f"""() => {{
    const panel = {_PANEL};
    const kernel = panel && panel.sessionContext && panel.sessionContext.session
        && panel.sessionContext.session.kernel;
    return !!(panel && panel.content && kernel && kernel.status === 'idle');
}}"""

# Done when the kernel is idle and either every code cell has run, or a cell failed without the
# raises-exception tag (the kernel then skips the rest, so waiting longer would only time out).
_RUN_FINISHED = f"""() => {{
    const panel = {_PANEL};
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    if (!kernel || kernel.status !== 'idle') return false;
    let pending = 0, unexpected = 0;
    for (const cell of panel.content.widgets) {{
        if (cell.model.type !== 'code' || !cell.model.sharedModel.getSource().trim()) continue;
        if (cell.model.executionCount === null) pending++;
        const tags = cell.model.getMetadata('tags') || [];
        for (const out of cell.model.outputs.toJSON())
            if (out.output_type === 'error' && !tags.includes('raises-exception')) unexpected++;
    }}
    return pending === 0 || unexpected > 0;
}}"""

# One record per code cell: its index, tags, execution count and outputs (type, stream name, text, mime types).
_CELLS = f"""() => {{
    const panel = {_PANEL};
    return panel.content.widgets.map((cell, index) => {{
        if (cell.model.type !== 'code') return null;
        const outputs = cell.model.outputs.toJSON().map(out => ({{
            type: out.output_type, name: out.name || null,
            text: out.output_type === 'error' ? out.ename + ': ' + out.evalue
                : (Array.isArray(out.text) ? out.text.join('') : (out.text || '')),
            mimes: Object.keys(out.data || {{}}),
        }}));
        return {{index, tags: cell.model.getMetadata('tags') || [], count: cell.model.executionCount,
                 source: cell.model.sharedModel.getSource(), outputs}};
    }}).filter(Boolean);
}}"""


@dataclass(frozen=True)
class CodeCell:
    index: int
    tags: tuple[str, ...]
    count: int | None
    source: str
    outputs: tuple[dict, ...]

    @property
    def first_line(self) -> str:
        return self.source.strip().splitlines()[0] if self.source.strip() else ""


def open_notebook(page, server: LabServer, name: str, *, timeout_ms: int = 120_000) -> None:
    """Open a notebook in JupyterLab and wait until its kernel is idle."""
    page.goto(server.lab_url(name))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=timeout_ms)
    page.wait_for_function(_KERNEL_IDLE, timeout=timeout_ms)
    command(page, "application:toggle-left-area")  # more room for the notebook in the screenshots


def command(page, name: str) -> None:
    """Run a JupyterLab command (the same ones the menus run), and wait for it."""
    page.evaluate("name => window.jupyterapp.commands.execute(name)", name)


def run_all(page, *, timeout_ms: int = 300_000) -> None:
    """Clear every output, run all cells (Run > Run All Cells), and wait until the kernel is idle again."""
    command(page, "notebook:clear-all-cell-outputs")
    command(page, "notebook:run-all-cells")
    page.wait_for_function(_RUN_FINISHED, timeout=timeout_ms, polling=250)


def code_cells(page) -> list[CodeCell]:
    """What each code cell shows now, read from JupyterLab's notebook model."""
    return [CodeCell(c["index"], tuple(c["tags"]), c["count"], c["source"], tuple(c["outputs"]))
            for c in page.evaluate(_CELLS)]


# --- Widgets ---------------------------------------------------------------------------------------------------

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# What a learner can operate in a widget; a slider's readout is edited through its handle instead.
CONTROLS = ("input:not([type=hidden]), select, textarea, button, .noUi-handle, .widget-toggle-button, "
            ".widget-toggle-buttons button")

# The text a widget shows (its controls removed, so a slider's own readout does not count as a reaction),
# plus its images: a widget "reacts" when this changes.
_DISPLAY = """el => {
    const copy = el.cloneNode(true);
    copy.querySelectorAll('input, select, textarea, button, .widget-readout, .noUi-target').forEach(c => c.remove());
    const images = Array.from(el.querySelectorAll('img')).map(i => i.src.slice(-200));
    const svg = Array.from(el.querySelectorAll('svg')).map(s => s.innerHTML.length);
    return JSON.stringify([copy.textContent.replace(/\\s+/g, ' ').trim(), images, svg]);
}"""


def mark_cell(page, index: int):
    """A locator for notebook cell ``index`` (marked with a data attribute so it can be found again)."""
    page.evaluate(f"i => {_PANEL}.content.widgets[i].node.setAttribute('data-ui-test-cell', String(i))", index)
    return page.locator(f"[data-ui-test-cell='{index}']")


def widget_outputs(cell):
    """The outputs of a cell that hold a widget view (or JupyterLab's message that it could not show one)."""
    return cell.locator(".jp-OutputArea-output:has(.jupyter-widgets), "
                        ".jp-OutputArea-output:has-text('Error displaying widget')")


def display_signature(output) -> str:
    return output.evaluate(_DISPLAY)


def _control_kind(control) -> str:
    return control.evaluate("""c => {
        if (c.classList.contains('noUi-handle')) return 'slider';
        const tag = c.tagName.toLowerCase(), type = (c.getAttribute('type') || '').toLowerCase();
        if (tag === 'select') return 'select';
        if (tag === 'textarea') return 'text';
        if (tag === 'input' && (type === 'checkbox' || type === 'radio')) return type;
        if (tag === 'input' && type === 'number') return 'number';
        if (tag === 'input') return 'text';
        return 'button';
    }""")


_ORDER = ("slider", "select", "checkbox", "radio", "number", "text", "button")


def _inputs_for(control, kind: str):
    """The learner-like inputs to try on one control, each a function of no arguments."""
    if kind == "slider":
        return [lambda: (control.focus(), control.press("ArrowRight")),
                lambda: (control.focus(), control.press("End")),
                lambda: (control.focus(), control.press("Home"))]
    if kind == "select":
        values = control.evaluate("s => Array.from(s.options).filter(o => !o.selected).map(o => o.value)")
        return [lambda v=v: control.select_option(v) for v in values[:3]]
    if kind in ("checkbox", "radio", "button"):
        return [lambda: control.click()]
    if kind == "number":
        return [lambda: (control.fill(str(float(control.input_value() or 0) + 1)), control.press("Enter"),
                         control.press("Tab"))]
    value = control.input_value()
    changed = value[:-1] if len(value) > 1 else value + "a"
    return [lambda: (control.fill(changed), control.press("Enter"), control.press("Tab"))]


def react_to_one_input(page, output, *, wait_s: float = 10.0) -> tuple[str, str, str] | None:
    """Operate the widget's controls one at a time, as a learner would, until what it shows changes.

    Returns (the control operated, the display before, the display after), or None if nothing changed.
    """
    controls = [c for c in output.locator(CONTROLS).all() if c.is_visible() and c.is_enabled()]
    controls.sort(key=lambda c: _ORDER.index(_control_kind(c)))
    for control in controls:
        kind = _control_kind(control)
        for act in _inputs_for(control, kind):
            before = display_signature(output)
            act()
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline:
                page.wait_for_timeout(200)
                after = display_signature(output)
                if after != before:
                    page.wait_for_function(_KERNEL_IDLE, timeout=60_000)
                    page.wait_for_timeout(300)
                    return kind, before, display_signature(output)
    return None


_SCROLLER = f"({_PANEL}.content.node.querySelector('.jp-WindowedPanel-outer') || {_PANEL}.content.node)"
_SCROLL_HEIGHT = f"() => {_SCROLLER}.scrollHeight"


def scroll_to_top(page) -> None:
    """Select the first cell and scroll the notebook back to its title."""
    page.evaluate(f"() => {{ {_PANEL}.content.activeCellIndex = 0; {_SCROLLER}.scrollTop = 0; }}")
    page.wait_for_timeout(300)


def full_page_screenshot(page, path: Path, *, max_height: int = 16_000) -> None:
    """A screenshot of the whole notebook: the window is made as tall as the notebook, then restored."""
    viewport = page.viewport_size
    height = page.evaluate(_SCROLL_HEIGHT)
    page.set_viewport_size({"width": viewport["width"], "height": min(max_height, int(height) + 200)})
    page.wait_for_timeout(500)
    scroll_to_top(page)
    page.screenshot(path=str(path))
    page.set_viewport_size(viewport)
