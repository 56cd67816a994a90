"""Short error displays in IPython: a ``PkiLabError`` shows as its sentence, not a deep traceback.

Installed when ``pki_lab`` is imported inside IPython or Jupyter. Only the lab's
own errors are shortened; any other exception (a bug) keeps its full traceback,
and ``%tb`` still shows the full traceback of the last error.
"""

from __future__ import annotations

import sys

from .errors import PkiLabError

_NOTE = "(PKI Lab shows its own errors in short; run %tb for the full traceback.)"


def _short_traceback(shell, etype, value, tb, tb_offset=None):
    # Keep what %tb needs, then show the sentence. IPython 9 ignores a handler's return
    # value, so the handler displays the error itself (as an "error" output in Jupyter).
    sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb
    shell._showtraceback(etype, value, [_NOTE, *shell.InteractiveTB.get_exception_only(etype, value)])
    return None


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
    shell.set_custom_exc((PkiLabError,), _short_traceback)
