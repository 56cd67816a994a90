"""Short error displays in IPython: a ``PkiLabError`` shows as its sentence, not a deep traceback.

Installed when ``pki_lab`` is imported inside IPython or Jupyter. Only the lab's
own errors are shortened; any other exception (a bug) keeps its full traceback,
and ``%tb`` still shows the full traceback of the last error.

A ``NameError`` raised by a notebook cell's own code (most often: cells run out of
order, so a name a cell above defines does not exist yet) keeps its full traceback
and gets one line of advice after it (:func:`name_error_advice`). A ``NameError``
raised inside a library, or any other error, is shown exactly as IPython shows it.
"""

from __future__ import annotations

import sys
from collections.abc import Container
from types import TracebackType

from .errors import PkiLabError

_NOTE = "(PKI Lab shows its own errors in short; run %tb for the full traceback.)"


def name_error_advice(error: BaseException, raised_in_cell: bool) -> str | None:
    """The line of advice shown after a ``NameError`` a notebook cell's own code raised, else None.

    A pure function of the error and of where it was raised (``raised_in_cell``: the innermost frame of its
    traceback is a cell's code, see :func:`raised_in_cell`). ``UnboundLocalError``, a ``NameError`` of its own
    kind (a function's local used before it is assigned), gets no advice: running cells above would not help.
    """
    if type(error) is not NameError or not raised_in_cell:
        return None
    name = getattr(error, "name", None)
    what = f"The name {name!r}" if isinstance(name, str) and name else "That name"
    return (f"{what} is not defined yet. If a cell above defines or imports it, run the cells above this one "
            "(Run > Run All Above Selected Cell) or the whole notebook (Run > Run All Cells); "
            "if no cell does, check its spelling.")


def raised_in_cell(tb: TracebackType | None, cell_files: Container[str]) -> bool:
    """Whether the innermost frame of ``tb`` runs code from one of the shell's cells (``cell_files``)."""
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_filename in cell_files


class _CellFiles:
    """The file names of a shell's cells: IPython 8+ maps each one (ipykernel: /tmp/ipykernel_<pid>/<hash>.py)
    to its cell number; older IPythons (Colab's 7.x) name them <ipython-input-N-...>."""

    def __init__(self, shell) -> None:
        files = getattr(getattr(shell, "compile", None), "_filename_map", None)
        self._files = files if isinstance(files, dict) else {}

    def __contains__(self, filename: object) -> bool:
        return filename in self._files or (isinstance(filename, str) and filename.startswith("<ipython-input-"))


def _cell_files(shell) -> Container[str]:
    return _CellFiles(shell)


def _short_traceback(shell, etype, value, tb, tb_offset=None):
    # Keep what %tb needs, then show the sentence. IPython 9 ignores a handler's return
    # value, so the handler displays the error itself (as an "error" output in Jupyter).
    sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb
    shell._showtraceback(etype, value, [_NOTE, *shell.InteractiveTB.get_exception_only(etype, value)])
    return None


def _name_error(shell, etype, value, tb, tb_offset=None):
    advice = name_error_advice(value, raised_in_cell(tb, _cell_files(shell)))
    if advice is None:  # not the notebook's own code: exactly what IPython shows
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset, running_compiled_code=True)
        return None
    sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb
    stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    shell._showtraceback(etype, value, [*stb, advice])
    if getattr(shell, "call_pdb", False):  # %pdb on: the debugger, as for any other error
        shell.debugger(force=True)
    return None


def _show_error(shell, etype, value, tb, tb_offset=None):
    """The one custom handler IPython allows: the lab's errors in short, a cell's NameError with advice."""
    if issubclass(etype, PkiLabError):
        return _short_traceback(shell, etype, value, tb, tb_offset)
    return _name_error(shell, etype, value, tb, tb_offset)


def install() -> None:
    """Register the short display with the running IPython shell, if there is one."""
    if "IPython" not in sys.modules:
        return
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return
    shell = get_ipython()
    if shell is None or PkiLabError in getattr(shell, "custom_exceptions", ()):
        return
    shell.set_custom_exc((PkiLabError, NameError), _show_error)
