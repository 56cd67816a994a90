"""The ``pki-lab`` command line.

Each subcommand lives in its own module under :mod:`pki_lab.commands` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a function
``(args) -> int`` (the exit code). Exit codes: 0 success, 1 a negative verdict
(for example an invalid chain), 2 bad input (with one readable line on stderr).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from . import commands
from .errors import PkiLabError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pki-lab", description="PKI Lab command-line tools.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except PkiLabError as exc:
        print(f"pki-lab {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
