"""Execute notebooks in place from a clean kernel, so their stored outputs are fresh.

    python tools/run_notebooks.py notebooks/*.ipynb

Each notebook runs in a new kernel with its folder as the working directory.
Execution counts are kept (nbval and readers use them); timing metadata and
widget state, which change on every run, are not recorded, so running this twice
leaves ``git diff`` empty. Widget views are dropped from the stored outputs (their
model ids are random and their models are not stored); a stored widget output keeps
its text form, which says to run the notebook to use the widget. nbval does not
compare widget views, so nothing it needs is lost.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _drop_widget_views(nb: nbformat.NotebookNode) -> None:
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)


def _merge_streams(nb: nbformat.NotebookNode) -> None:
    """Join consecutive outputs of the same stream: the kernel may split one print in two, at random."""
    for cell in nb.cells:
        if "outputs" not in cell:
            continue
        merged = []
        for out in cell.outputs:
            if (out.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream"
                    and merged[-1]["name"] == out["name"]):
                merged[-1]["text"] += out["text"]
            else:
                merged.append(out)
        cell.outputs = merged


def run(path: Path, timeout: int = 120) -> float:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        store_widget_state=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    _drop_widget_views(nb)
    _merge_streams(nb)
    nbformat.write(nb, path)
    return elapsed


def main(paths: list[str]) -> int:
    if not paths:
        print("usage: run_notebooks.py NOTEBOOK.ipynb ...", file=sys.stderr)
        return 2
    for name in paths:
        elapsed = run(Path(name))
        print(f"{name}: executed in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
