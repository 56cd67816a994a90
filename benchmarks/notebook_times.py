"""Seconds to execute each notebook from a clean kernel, kernel start included, and the total.

    python benchmarks/notebook_times.py [notebooks/NN_x.ipynb ...]

Targets on a 2-core machine: every notebook under 20 s, the whole course under 3 minutes,
no single cell over 5 s. The notebooks are executed in memory; nothing is written back.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def time_notebook(path: Path) -> tuple[float, float, int]:
    nb = nbformat.read(path, as_version=4)
    slowest, slowest_cell = 0.0, -1
    client = NotebookClient(nb, timeout=300, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            t = time.perf_counter()
            client.execute_cell(cell, index)
            if time.perf_counter() - t > slowest:
                slowest, slowest_cell = time.perf_counter() - t, index
    return time.perf_counter() - start, slowest, slowest_cell


def main(args: list[str]) -> None:
    paths = [Path(a) for a in args] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    total = 0.0
    for path in paths:
        elapsed, slowest, cell = time_notebook(path)
        total += elapsed
        print(f"{path.name:<48} {elapsed:6.1f} s   slowest cell {slowest:5.2f} s (cell {cell})")
    print(f"{'whole course':<48} {total:6.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
