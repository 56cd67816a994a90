"""Seconds to execute each notebook from a clean kernel, kernel start included, and the total.

    python benchmarks/notebook_times.py [notebooks/NN_x.ipynb ...]

Targets on a 2-core machine: every notebook under 20 s, the whole course under 3 minutes,
no single cell over 5 s. Each line says whether its target is met; cells over 5 s are listed.
The notebooks are executed in memory; nothing is written back. Exercise progress is not
recorded (``PKI_LAB_PROGRESS=off`` for the kernels).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_TARGET_S, COURSE_TARGET_S, CELL_TARGET_S = 20.0, 180.0, 5.0


def time_notebook(path: Path) -> tuple[float, list[tuple[int, float, str]]]:
    """Seconds for the whole notebook (kernel start included) and (index, seconds, first line) per code cell."""
    nb = nbformat.read(path, as_version=4)
    cells = []
    client = NotebookClient(nb, timeout=300, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    # The kernel's own start-up chatter (a warning about TCP transport) would drown the figures.
    with client.setup_kernel(stderr=subprocess.DEVNULL):
        for index, cell in enumerate(nb.cells):
            t = time.perf_counter()
            client.execute_cell(cell, index)
            if cell.cell_type == "code":
                first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
                cells.append((index, time.perf_counter() - t, first))
    return time.perf_counter() - start, cells


def _verdict(ok: bool) -> str:
    return "ok" if ok else "OVER TARGET"


def main(args: list[str]) -> int:
    os.environ.setdefault("PKI_LAB_PROGRESS", "off")
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    paths = [Path(a) for a in args] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    total, over = 0.0, 0
    for path in paths:
        elapsed, cells = time_notebook(path)
        total += elapsed
        index, slowest, _ = max(cells, key=lambda c: c[1], default=(-1, 0.0, ""))
        ok = elapsed < NOTEBOOK_TARGET_S and slowest < CELL_TARGET_S
        over += not ok
        print(f"{path.name:<48} {elapsed:6.1f} s   slowest cell {slowest:5.2f} s (cell {index})   {_verdict(ok)}")
        for i, seconds, first in cells:
            if seconds >= CELL_TARGET_S:
                print(f"    cell {i} took {seconds:.1f} s (target {CELL_TARGET_S:.0f} s): {first[:70]}")
    course_ok = total < COURSE_TARGET_S
    print(f"{'whole course':<48} {total:6.1f} s   ({len(paths)} notebooks; target "
          f"{COURSE_TARGET_S:.0f} s)   {_verdict(course_ok)}")
    print(f"{len(paths) - over} of {len(paths)} notebooks within {NOTEBOOK_TARGET_S:.0f} s with no cell over "
          f"{CELL_TARGET_S:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
