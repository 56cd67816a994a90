"""``pki-lab progress [--reset [CHAPTER]]``: show or reset a learner's exercise progress.

The same as :func:`pki_lab.exercises.show_progress` and :func:`pki_lab.progress.reset`, from a terminal (for example on
a lab machine before the next class). The file is ``$PKI_LAB_PROGRESS`` or ``~/.pki_lab/progress.json``.
"""

from __future__ import annotations

import argparse

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
    if args.reset is not None:
        print(progress.reset(None if args.reset == "all" else args.reset))
    else:
        print(exercises.show_progress())
    return 0
