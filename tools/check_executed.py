"""Fail when a committed notebook was not executed in order from a clean kernel.

    python tools/check_executed.py                      # every chapter, notebooks/NN_*.ipynb
    python tools/check_executed.py notebooks/04_*.ipynb

nbval compares the stored outputs with a fresh run, so the stored ones must come from one: ``make notebooks``
(``tools/run_notebooks.py``) runs each notebook top to bottom in a new kernel. A notebook saved from a session in
which cells ran out of order, twice, or not at all shows it in its execution counts. For each notebook this checks,
without running anything:

* the code cells' execution counts are 1, 2, 3, ... in order, with no gap and none missing (a cell never run);
* an ``execute_result`` output carries its cell's count;
* a cell that prints has its output: one with a top-level ``print(...)`` or ``display(...)`` call, or whose last
  statement is an expression (Jupyter shows its value; end the line with ``;`` to show nothing);
* no error output, except in a cell tagged ``raises-exception`` (the ones that fail on purpose).

Exit 0: all fine; 1: a problem, one line each naming the notebook, the cell and what to do; 2: a file that is not
a notebook. ``make lint`` and the pre-commit hook run it.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
FIX = "run it from a clean kernel: python tools/run_notebooks.py {path} (or make notebooks)"


def _prints(source: str) -> bool:
    """Whether a cell shows something when run: a top-level print/display call, or a bare last expression."""
    try:
        body = ast.parse(source).body
    except SyntaxError:  # IPython syntax (a magic): nothing to say about its output
        return False
    calls = any(isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and isinstance(s.value.func, ast.Name)
                and s.value.func.id in ("print", "display") for s in body)
    last = bool(body) and isinstance(body[-1], ast.Expr) and not source.rstrip().endswith(";")
    return calls or last


def problems(nb: nbformat.NotebookNode) -> list[str]:
    """What is wrong with the stored execution, one sentence each (empty: executed in order from a clean kernel)."""
    found = []
    code_cells = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    for expected, (index, cell) in enumerate(code_cells, 1):
        where = f"code cell {expected} ({cell.get('id', f'cell {index}')})"
        count = cell.get("execution_count")
        if count is None:
            found.append(f"{where} was never executed")
            continue  # its outputs say nothing more
        if count != expected:
            found.append(f"{where} has execution count {count}, where a run from the top gives {expected}")
        outputs = cell.get("outputs", [])
        for out in outputs:
            if out.get("output_type") == "execute_result" and out.get("execution_count") != count:
                found.append(f"{where} shows a result of execution {out.get('execution_count')} under count {count}")
            if out.get("output_type") == "error" and "raises-exception" not in cell.metadata.get("tags", []):
                found.append(f"{where} stored an error ({out.get('ename')}) and is not tagged raises-exception")
        if not outputs and _prints(cell.source):
            found.append(f"{where} prints but has no stored output")
    return found


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    status = 0
    for path in paths:
        try:
            nb = nbformat.read(path, as_version=4)
        except (OSError, ValueError) as exc:  # nbformat's NotJSONError is a ValueError
            print(f"{path}: not a notebook this check can read ({exc}).", file=sys.stderr)
            return 2
        for problem in problems(nb):
            print(f"{path}: {problem}; {FIX.format(path=path)}.", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
