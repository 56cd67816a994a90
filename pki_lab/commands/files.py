"""The file arguments of the subcommands: ``-`` for standard input, and nothing that could block.

A command line must never hang on its input. ``-`` reads standard input, and only when it
is given (at most once per command, up to :data:`pki_lab.loading.MAX_INPUT_BYTES`); every
other argument is a path for the loaders of :mod:`pki_lab.loading`, which refuse a missing
file, a folder, a device such as ``/dev/zero``, a FIFO and a file over the limit, each with a
sentence and before reading. The bytes of standard input are a :class:`StandardInput`, which the
loaders name "standard input" in their sentences ("Standard input is not a valid DER-encoded certificate: ...").
"""

from __future__ import annotations

import sys

from ..errors import MalformedInputError, ParameterError
from ..loading import MAX_INPUT_BYTES, Source

__all__ = ["Inputs", "StandardInput", "STDIN_NAME"]

#: How a sentence names ``-``.
STDIN_NAME = "standard input"


class StandardInput(bytes):
    """The bytes read from standard input; ``label`` is how the loaders' sentences name them."""

    label = STDIN_NAME


class Inputs:
    """Turns file arguments into loader sources; standard input (``-``) is read once, when it is asked for."""

    def __init__(self, stdin=None) -> None:
        self._stdin = stdin
        self._read = False

    def source(self, name: str) -> Source:
        """The path itself, or the bytes of standard input for ``-``."""
        if name != "-":
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
            data = stream.read(MAX_INPUT_BYTES + 1)  # bounded: a runaway pipe is not read to its end
        except (OSError, ValueError) as exc:  # ValueError: a closed stream
            raise ParameterError(f"Standard input ('-') cannot be read ({exc}); pass a file instead.") from None
        if len(data) > MAX_INPUT_BYTES:
            raise MalformedInputError(f"Standard input ('-') holds more than the {MAX_INPUT_BYTES:,} bytes (10 MB) "
                                      "the lab reads; certificates, CSRs and CRLs are far smaller, so this is not "
                                      "one.")
        if not data.strip():
            raise MalformedInputError("Standard input ('-') is empty; pipe a PEM or DER file into it, "
                                      "e.g. pki-lab inspect - < certificate.pem.")
        return StandardInput(data)
