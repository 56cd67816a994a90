"""Run a private JupyterLab on 127.0.0.1 and drive its notebooks from a real (headless) Chromium.

Used by ``tests/ui/test_notebooks_in_jupyterlab.py``. Nothing here downloads a browser: Chromium is
the system's (Debian's ``chromium`` package), launched by Python Playwright with ``executable_path``.

The server runs on a free port with a random token, on a *copy* of the notebooks in a temporary
folder, with its own Jupyter config, data, runtime and settings folders (so a learner's own settings
cannot change what the test sees, and the test writes nothing into ``~``). Its application settings are
the course's own (``jupyter/lab-overrides.json``, which ``make lab`` and Binder's ``postBuild`` install):
they switch off the "official Jupyter news" prompt, and the tests check that it does not appear, so the
harness does not switch it off itself. The one setting it pins: notebook windowing off
(``windowingMode: none``), so every cell is in the page, every output can be checked and every widget
seen, not only those scrolled into view.

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

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Flags for Chromium: headless, no GPU, and nothing that phones home.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}
#: The course's JupyterLab settings, installed as the application's overrides (as `make lab` and postBuild do).
COURSE_OVERRIDES = ROOT / "jupyter" / "lab-overrides.json"
#: What JupyterLab's news prompt says (it must never appear for the course).
NEWS_PROMPT = "official Jupyter news"


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


def require(reason: str | None, what: str = "the browser tests") -> None:
    """Skip with ``reason`` (a sentence), or fail with it where ``PKI_LAB_REQUIRE_UI`` is set (CI); None: go on."""
    if reason is None:
        return
    if os.environ.get("PKI_LAB_REQUIRE_UI", "").strip() not in ("", "0"):
        pytest.fail(f"PKI_LAB_REQUIRE_UI is set but {what} cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


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
        app_settings = tmp / "app-settings"
        (app_settings / "overrides.d").mkdir(parents=True)
        if COURSE_OVERRIDES.exists():
            shutil.copy(COURSE_OVERRIDES, app_settings / "overrides.d" / "pki-lab.json")
        port, token = _free_port(), secrets.token_hex(24)
        env = dict(os.environ, JUPYTER_PLATFORM_DIRS="1", JUPYTER_CONFIG_DIR=str(tmp / "config"),
                   JUPYTER_DATA_DIR=str(tmp / "data"), JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
                   IPYTHONDIR=str(tmp / "ipython"), PYDEVD_DISABLE_FILE_VALIDATION="1")
        command = [
            *_jupyter_lab_command(), "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={notebook_dir}", f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.app_settings_dir={app_settings}",
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
# An image counts by its bytes (a hash), not its address: ipywidgets gives every new value a new blob: URL,
# so a control that redraws the same picture must not count as changing it.
_DISPLAY = """async el => {
    const copy = el.cloneNode(true);
    copy.querySelectorAll('input, select, textarea, button, .widget-readout, .noUi-target').forEach(c => c.remove());
    const images = [];
    for (const img of el.querySelectorAll('img')) {
        let hash = 2166136261;
        try {
            const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
            for (const b of bytes) hash = Math.imul(hash ^ b, 16777619) >>> 0;
            images.push(bytes.length + ':' + hash);
        } catch (e) { images.push(img.src.slice(-200)); }
    }
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
    if kind == "slider":  # the smallest move first (one step either way), then the ends
        return [lambda: (control.focus(), control.press("ArrowRight")),
                lambda: (control.focus(), control.press("ArrowLeft")),
                lambda: (control.focus(), control.press("End")),
                lambda: (control.focus(), control.press("Home"))]
    if kind == "select":
        values = control.evaluate("s => Array.from(s.options).filter(o => !o.selected).map(o => o.value)")
        return [lambda v=v: control.select_option(v) for v in values[:3]]
    if kind in ("checkbox", "radio", "button"):
        return [lambda: control.click()]
    if kind == "number":
        value = control.input_value() or "0"
        bumped = str(int(value) + 1) if value.lstrip("-").isdigit() else str(float(value) + 1)
        return [lambda: (control.fill(bumped), control.press("Enter"), control.press("Tab"))]
    value = control.input_value()
    changed = value[:-1] if len(value) > 1 else value + "a"
    return [lambda: (control.fill(changed), control.press("Enter"), control.press("Tab"))]


def _restore_for(control, kind: str):
    """How to put a control back as it was (None for sliders and buttons: they are judged where they are)."""
    if kind == "checkbox":
        return control.click
    if kind == "select":
        value = control.input_value()
        return lambda: control.select_option(value)
    if kind in ("number", "text"):
        value = control.input_value()
        return lambda: (control.fill(value), control.press("Enter"), control.press("Tab"))
    return None


def _label(control) -> str:
    """What a learner would call the control: its description, its text, or its value."""
    return control.evaluate("""c => {
        const clean = t => (t || '').replace(/[\\u200b\\s]+/g, ' ').trim();
        const wrapping = c.closest('label');
        const box = c.closest('.widget-inline-hbox, .widget-hbox, .widget-vbox, .jupyter-widgets');
        const label = box && box.querySelector(':scope > .widget-label');
        const own = clean(c.getAttribute('aria-label') || c.getAttribute('title') || c.textContent);
        return (clean(wrapping && wrapping.textContent) || clean(label && label.textContent) || own || c.value
                || c.tagName).slice(0, 40);
    }""")


@dataclass(frozen=True)
class ControlTry:
    """One control operated: its kind and label, and whether what the widget shows changed."""

    number: int
    kind: str
    label: str
    changed: bool
    before: str = ""
    after: str = ""
    note: str = ""

    def __str__(self) -> str:
        verdict = "changed the display" if self.changed else f"did NOT change the display{self.note}"
        return f"control {self.number} ({self.kind} {self.label!r}) {verdict}"


def _wait_for_change(page, output, before: str, wait_s: float) -> str | None:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        page.wait_for_timeout(150)
        after = display_signature(output)
        if after != before:
            page.wait_for_function(_KERNEL_IDLE, timeout=60_000)
            page.wait_for_timeout(200)  # let the last message from the kernel land
            return display_signature(output)
    return None


def use_every_control(page, output, *, screenshot=None, wait_s: float = 3.0) -> list[ControlTry]:
    """Operate each of the widget's controls in turn, as a learner would, and see whether the display changes.

    Controls are tried in a learner's order (sliders and menus first, buttons last, so a reset button comes
    after something to reset); each gets a few inputs (a slider: one step right, one step left, its end, its
    start), and each input up to ``wait_s`` seconds to change what the widget shows. A checkbox, menu or text
    box is then put back as it was, so each is judged from the widget's first state (two faults that hide one
    another, or two menus that make a state where a third control cannot matter, are not piled up). The
    selected button of a toggle group is skipped (pressing it again changes nothing by design).
    ``screenshot(name)``, if given, is called before and after each control.
    """
    controls = [c for c in output.locator(CONTROLS).element_handles() if c.is_visible() and c.is_enabled()]
    controls.sort(key=lambda c: _ORDER.index(_control_kind(c)))
    results = []
    for number, control in enumerate(controls, start=1):
        kind, label = _control_kind(control), _label(control)
        if not (control.is_visible() and control.is_enabled()):
            results.append(ControlTry(number, kind, label, True, note=" (hidden or disabled by then: skipped)"))
            continue
        if control.evaluate("c => c.classList.contains('mod-active') && !!c.closest('.widget-toggle-buttons')"):
            continue  # the current choice of a toggle group
        if screenshot:
            screenshot(f"c{number}-before")
        first = display_signature(output)
        restore = _restore_for(control, kind)
        changed = None
        for act in _inputs_for(control, kind):
            before = display_signature(output)
            act()
            changed = _wait_for_change(page, output, before, wait_s)
            if changed is not None:
                break
        if screenshot:
            screenshot(f"c{number}-after")
        if restore is not None and display_signature(output) != first:  # back to how it was, for the next one
            before = display_signature(output)
            restore()
            _wait_for_change(page, output, before, wait_s)
        results.append(ControlTry(number, kind, label, changed is not None, first, changed or "",
                                  "" if changed is not None else f" within {wait_s:.0f} s of each input"))
    return results


def news_prompts(page) -> list[str]:
    """The text of every notification toast on the page that is JupyterLab's news prompt."""
    texts = page.locator(".Toastify__toast, .jp-Notification-Toast").all_inner_texts()
    return [t for t in texts if NEWS_PROMPT in t]


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
