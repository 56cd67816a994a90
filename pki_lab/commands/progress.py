"""``pki-lab progress [--reset [CHAPTER]]``: show or reset a learner's exercise progress.

The same as :func:`pki_lab.exercises.show_progress` and :func:`pki_lab.progress.reset`, from a terminal (for example on
a lab machine before the next class). The file is ``$PKI_LAB_PROGRESS`` or ``~/.pki_lab/progress.json``.

What a notebook shows as a :class:`~pki_lab.progress.ProgressWarning` (a damaged file moved aside, a copy kept before a
rewrite) is printed here as its plain sentence on standard error, unless the table or the reset message already
says it: a terminal user gets each sentence once, without a warning's file and line.
"""

from __future__ import annotations

import argparse
import sys
import warnings

from .. import exercises, progress

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``progress`` subcommand."""
    parser = subparsers.add_parser(
        "progress", help="show which exercises pass, or reset your progress",
        description="Show which self-checked exercises pass, chapter by chapter, or forget them with --reset.",
    )
    parser.add_argument("--reset", nargs="?", const="all", metavar="CHAPTER",
                        help="forget the progress of CHAPTER (e.g. 04), or of every chapter without one")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the progress table, or reset and say what was forgotten."""
    with warnings.catch_warnings(record=True) as told:
        warnings.simplefilter("always", progress.ProgressWarning)
        if args.reset is not None:
            text = repr(progress.reset(None if args.reset == "all" else args.reset))
        else:
            text = repr(exercises.show_progress())
    print(text)
    for warning in told:
        if not issubclass(warning.category, progress.ProgressWarning):
            warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)
        elif str(warning.message) not in text:
            print(warning.message, file=sys.stderr)
    return 0
