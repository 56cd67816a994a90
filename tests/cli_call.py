"""Run the ``pki-lab`` command line in this process: the one helper the CLI tests share."""

from __future__ import annotations

import contextlib
import io
import sys
from unittest import mock

from pki_lab import cli


def call(*args, stdin: bytes = b""):
    """(exit code, stdout, stderr) of :func:`pki_lab.cli.main` with ``args`` (each made a string) and ``stdin`` as
    standard input: the same main as the installed command, without a start-up each time."""
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.object(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin))), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()
