"""The file arguments of the subcommands: ``-`` for standard input, and nothing that could block.

A command line must never hang on its input. ``-`` reads standard input, and only when it
is given (at most once per command, up to :data:`STDIN_LIMIT` bytes); every other argument
is a path for the loaders of :mod:`pki_lab.loading`, which refuse a missing file, a folder,
a device such as ``/dev/zero`` and a FIFO, each with a sentence.
"""

from __future__ import annotations

import os
import stat
import sys

from ..errors import MalformedInputError, ParameterError
from ..loading import Source

__all__ = ["Inputs", "STDIN_LIMIT"]

#: The most bytes read from standard input: far more than any certificate bundle, far less than a runaway pipe.
STDIN_LIMIT = 10 * 1024 * 1024


def _refuse_special(name: str) -> None:
    """A device or a FIFO is refused before it is opened: reading one can block, or never end (``/dev/zero``).

    A copy of the check :mod:`pki_lab.loading` is getting (issue 15): remove it here once the loaders refuse them.
    """
    try:
        mode = os.stat(name).st_mode
    except (OSError, ValueError):  # missing, unreadable, a NUL in the name: the loader says which, in a sentence
        return
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        kind = "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or \
            stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a regular file"
        raise ParameterError(f"{name!r} is {kind}, not a file; pki-lab reads regular files, and standard input "
                             "only when given '-' (e.g. pki-lab inspect - < certificate.pem).")


class Inputs:
    """Turns file arguments into loader sources; standard input (``-``) is read once, when it is asked for."""

    def __init__(self, stdin=None) -> None:
        self._stdin = stdin
        self._read = False

    def source(self, name: str) -> Source:
        """The path itself, or the bytes of standard input for ``-``."""
        if name != "-":
            _refuse_special(name)
            return name
        if self._read:
            raise ParameterError("Standard input ('-') can be read only once per command; save it to a file "
                                 "to use it twice.")
        self._read = True
        stream = self._stdin if self._stdin is not None else getattr(sys.stdin, "buffer", None)
        if stream is None:  # started with standard input closed (``<&-``), or without a console
            raise ParameterError("Standard input ('-') is closed; pipe a PEM or DER file into it, or pass a file.")
        if getattr(stream, "isatty", lambda: False)():
            print("pki-lab: reading PEM or DER from standard input (end with Ctrl-D).", file=sys.stderr)
        try:
            data = stream.read(STDIN_LIMIT + 1)
        except (OSError, ValueError) as exc:  # ValueError: a closed stream
            raise ParameterError(f"Standard input ('-') cannot be read ({exc}); pass a file instead.") from None
        if len(data) > STDIN_LIMIT:
            raise MalformedInputError(f"Standard input holds more than {STDIN_LIMIT // (1024 * 1024)} MB; no "
                                      "certificate, CSR or CRL is that large: is it the right input?")
        if not data.strip():
            raise MalformedInputError("Standard input ('-') is empty; pipe a PEM or DER file into it, "
                                      "e.g. pki-lab inspect - < certificate.pem.")
        return data
