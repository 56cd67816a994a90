"""Every chapter, opened and run in a real JupyterLab in a real browser, as a learner would.

For each notebook (found on disk, so new chapters are tested too): open it in JupyterLab, wait for the
kernel, clear the stored outputs, *Run All Cells*, wait until the kernel is idle, then check that

* every code cell ran, and no cell shows an error, except cells tagged ``raises-exception``, nor writes to
  stderr anything the stored notebook does not show (a warning, a log line; a chapter may show a command's
  error line on purpose, and nbval keeps that the same);
* every widget renders (no "Error displaying widget", no "Loading widget" left), shows at least one
  control a learner can use, and reacts to *every* control: each slider, menu, text box, checkbox and button
  is operated in turn and what the widget shows must change after it (a button that does nothing visible
  fails, naming the control);
* JupyterLab never shows its "official Jupyter news" prompt (the course's settings switch it off);

and save screenshots (top of the notebook, the whole notebook, each widget before and after each control)
under the folder printed at the end of the run. Run with ``make test-ui``.
"""

from __future__ import annotations

import json

import pytest

from . import jupyterlab as lab
from .jupyterlab import ROOT

pytestmark = pytest.mark.ui

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _stored_stderr(path) -> dict[int, str]:
    """What each cell of the stored notebook writes to stderr on purpose (nbval checks it stays so)."""
    cells = json.loads(path.read_text())["cells"]
    return {index: "".join("".join(out.get("text", "")) for out in cell.get("outputs", [])
                           if out.get("output_type") == "stream" and out.get("name") == "stderr")
            for index, cell in enumerate(cells)}


def _problems_in_outputs(cells: list[lab.CodeCell], stored_stderr: dict[int, str]) -> list[str]:
    """Cells that did not run, show an error, or write to stderr what the stored notebook does not."""
    problems = []
    for cell in cells:
        if not cell.source.strip():
            continue
        where = f"cell {cell.index} ({cell.first_line!r})"
        if cell.count is None:
            problems.append(f"{where} did not run")
        if "raises-exception" in cell.tags:
            continue
        for out in cell.outputs:
            if out["type"] == "error":
                problems.append(f"{where} shows an error: {out['text']}")
        stderr = "".join(o["text"] for o in cell.outputs if o["type"] == "stream" and o["name"] == "stderr")
        if stderr.strip() and stderr.strip() != stored_stderr.get(cell.index, "").strip():
            problems.append(f"{where} writes to stderr: {stderr[:300]}")
    return problems


def test_there_are_notebooks_to_test():
    assert NOTEBOOKS, "no chapter notebooks found under notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_jupyterlab_and_its_widgets_work(path, lab_server, browser, screenshot_dir):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    refused: list[str] = []
    page_errors: list[str] = []
    try:
        page = context.new_page()
        lab.only_local_requests(page, lab_server, refused)
        page.on("pageerror", lambda exc: page_errors.append(str(exc)))
        lab.open_notebook(page, lab_server, path.name)
        lab.run_all(page)
        cells = lab.code_cells(page)
        lab.scroll_to_top(page)
        page.screenshot(path=str(screenshot_dir / f"{path.stem}.png"))

        stored_stderr = _stored_stderr(path)
        problems = _problems_in_outputs(cells, stored_stderr)

        widget_cells = [c for c in cells if any(lab.WIDGET_VIEW in o["mimes"] for o in c.outputs)]
        for number, cell in enumerate(widget_cells, start=1):
            name = f"{path.stem}-widget-{number}"
            where = f"widget {number} (cell {cell.index}, {cell.first_line!r})"
            locator = lab.mark_cell(page, cell.index)
            locator.scroll_into_view_if_needed()
            page.wait_for_function(
                "el => !el.textContent.includes('Loading widget')", arg=locator.element_handle(), timeout=30_000)
            outputs = lab.widget_outputs(locator)
            if outputs.count() != 1:
                problems.append(f"{where}: expected one widget view in the page, found {outputs.count()}")
                continue
            output = outputs.first
            text = output.inner_text()
            if "Error displaying widget" in text:
                problems.append(f"{where} does not render: {text.strip()[:300]}")
                continue
            controls = [c for c in output.locator(lab.CONTROLS).all() if c.is_visible()]
            if not controls:
                problems.append(f"{where} shows no control a learner can use")
                continue
            locator.screenshot(path=str(screenshot_dir / f"{name}-before.png"))

            def shot(step, locator=locator, name=name):
                locator.screenshot(path=str(screenshot_dir / f"{name}-{step}.png"))

            tries = lab.use_every_control(page, output, screenshot=shot)
            locator.screenshot(path=str(screenshot_dir / f"{name}-after.png"))
            for result in tries:
                print(f"{where}: {result}")
            if not tries:
                problems.append(f"{where}: none of its {len(controls)} controls could be operated")
            hint = " (a control that only sets what a button will do should still show the choice it made)"
            problems += [f"{where}: {t}{hint if t.kind != 'button' else ''}"
                         for t in tries if not t.changed]

        # The widgets' input may have produced new outputs or errors: read the cells again.
        problems += [p for p in _problems_in_outputs(lab.code_cells(page), stored_stderr) if p not in problems]
        lab.full_page_screenshot(page, screenshot_dir / f"{path.stem}-full.png")
        problems += [f"JupyterLab shows its news prompt: {t.strip()[:120]!r}" for t in lab.news_prompts(page)]
        problems += [f"the page raised a JavaScript error: {e}" for e in page_errors]
        assert not problems, f"{path.name} in JupyterLab:\n" + "\n".join(problems)
        if refused:
            print(f"{path.name}: refused {len(refused)} non-local request(s), e.g. {refused[0]}")
    finally:
        context.close()
        lab_server.shutdown_kernels()
