"""The ``pki-lab`` command line.

Each subcommand lives in its own module under :mod:`pki_lab.commands` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a function
``(args) -> int`` (the exit code). :func:`main` is the one place that turns what
went wrong into an exit code and one sentence, so that no subcommand can end in a
bare traceback:

* 0: done (``verify``: the chain is valid);
* 1: a negative verdict, and only that (``verify``: the chain is invalid);
* 2: bad input, said in one sentence on standard error: a damaged, missing or special
  file, a bad flag value, a name such as ``@`` (any :class:`~pki_lab.errors.PkiLabError`,
  and argparse's own usage errors);
* 3: a bug in pki_lab (any other exception), said in one sentence; not 2, so that a
  script or a teacher can tell "my input was wrong" from "the lab is wrong";
* 141 (128 + SIGPIPE, as other tools): the reader of standard output closed it early
  (``pki-lab inspect big.pem | head -1``); nothing more is printed;
* 130: interrupted with Ctrl-C.

Each subcommand's ``--help`` ends with the codes it can return (:func:`exit_codes`). With ``--json``
(``inspect``, ``verify``) an error is a JSON document on standard output instead of the sentence on standard
error (schema ``pki-lab/error/1``: the same sentence, the same exit code; see docs/cli.md).

``--debug`` (before or after the subcommand) prints the traceback as well, for a bug
report or to see where a refusal came from.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import platform
import sys
import traceback
from typing import NoReturn

import cryptography

from . import __version__, commands
from .commands.output import dumps, error_json
from .errors import PkiLabError

__all__ = ["main", "exit_codes", "EXIT_OK", "EXIT_INVALID", "EXIT_BAD_INPUT", "EXIT_BUG", "EXIT_PIPE",
           "EXIT_INTERRUPTED"]

EXIT_OK, EXIT_INVALID, EXIT_BAD_INPUT, EXIT_BUG = 0, 1, 2, 3
EXIT_PIPE, EXIT_INTERRUPTED = 141, 130

# What 0 (and 1) mean for each subcommand; the other codes mean the same everywhere.
_SUCCESS = {
    "inspect": "0 every object of every file was described",
    "progress": "0 the progress was shown (or reset)",
    "verify": "0 the chain is valid; 1 the chain is invalid",
}
_ALWAYS = ("2 bad input (a damaged, missing or special file, a bad flag value), with one sentence on standard "
           "error, or with --json a JSON error on standard output; 3 a bug in pki_lab (run again with --debug for "
           "the traceback); 141 standard output was closed early (as by head); 130 interrupted.")


def exit_codes(command: str | None = None) -> str:
    """The exit codes a command can return, as its ``--help`` ends (None: the top-level ``pki-lab --help``)."""
    if command is None:
        return "Exit codes: 0 done (verify: the chain is valid); 1 the chain is invalid (verify only); " + _ALWAYS
    return f"Exit codes: {_SUCCESS.get(command, '0 done')}; {_ALWAYS}"


EXIT_CODES = exit_codes()


class UsageError(Exception):
    """A command line argparse refuses (an unknown flag, a bad choice, a missing argument)."""

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(message)
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors reach :func:`main` (one sentence, exit 2) instead of exiting."""

    command_names: tuple[str, ...] = ()

    def error(self, message: str) -> NoReturn:
        raise UsageError(self.prog, message)


def _parser() -> _Parser:
    parser = _Parser(prog="pki-lab", description="PKI Lab command-line tools.", epilog=EXIT_CODES)
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error as well")
    parser.add_argument("--version", action="version", version=version_line(),
                        help="show the course package's version and the cryptography and Python it runs on")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        if hasattr(module, "register"):  # a helper module of the subcommands is not one itself
            module.register(subparsers)
    parser.command_names = tuple(sorted(subparsers.choices))
    for name, sub in subparsers.choices.items():
        sub.epilog = sub.epilog or exit_codes(name)
        # SUPPRESS: given after the subcommand it is set, absent it leaves the top-level value alone.
        sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                         help="show the traceback of an error as well")
    return parser


def version_line() -> str:
    """``pki-lab 0.1.0 (cryptography 50.0.2, Python 3.11.2)``: what a bug report needs, as ``openssl version`` gives."""
    return f"pki-lab {__version__} (cryptography {cryptography.__version__}, Python {platform.python_version()})"


def _sentence(message: str) -> str:
    """argparse's lower-case fragment as a sentence that says where to look."""
    message = message.strip().rstrip(".")
    return message[:1].upper() + message[1:]


def _one_line(text: str) -> str:
    """The sentence on one line: a newline or another control character typed in an argument is shown escaped."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _quiet_stdout() -> None:
    """Point standard output at devnull, so the interpreter's last flush cannot raise again (Python's advice)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (captured in a test): nothing to redirect
        pass


def _tolerant_streams() -> None:
    """Text the terminal cannot encode is shown escaped rather than ending the command with UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # a stream that cannot be reconfigured keeps its own handling
                pass


def _fail(line: str, code: int, command: str | None, json_mode: bool) -> int:
    """Say what went wrong: one line on standard error, or with --json one JSON error on standard output."""
    line = _one_line(line)
    try:
        if json_mode:
            print(dumps(error_json(command, code, line)))
            sys.stdout.flush()
        else:
            print(line, file=sys.stderr)
    except BrokenPipeError:  # the reader is gone (| head): the code still says what happened
        _quiet_stdout()
    return code


def _command_of(argv: list[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


def _run(argv: list[str], json_mode: bool) -> int:
    parser = _parser()
    try:
        args, extra = parser.parse_known_args(argv)
    except SystemExit as exc:  # --help printed its text
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    if extra:  # named after the subcommand they were given to, not the top-level parser
        prog = f"pki-lab {args.command}" if getattr(args, "command", None) else "pki-lab"
        raise UsageError(prog, "unrecognized arguments: " + " ".join(extra))
    if not getattr(args, "func", None):
        raise UsageError("pki-lab", "choose a command: " + ", ".join(parser.command_names))
    try:
        code = int(args.func(args) or 0)
    except PkiLabError as exc:
        if args.debug:
            traceback.print_exc()
        return _fail(f"pki-lab {args.command}: {exc}", EXIT_BAD_INPUT, args.command, json_mode)
    sys.stdout.flush()  # inside the guard: a closed pipe is noticed here, not at the interpreter's exit
    return code


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring)."""
    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    debug, json_mode = "--debug" in argv, "--json" in argv
    _tolerant_streams()
    try:
        return _run(argv, json_mode)
    except UsageError as exc:
        command = exc.prog.split(" ", 1)[1] if " " in exc.prog else None
        return _fail(f"{exc.prog}: {_sentence(str(exc))}; see '{exc.prog} --help'.", EXIT_BAD_INPUT, command,
                     json_mode)
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_PIPE
    except KeyboardInterrupt:
        print("pki-lab: interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - anything but a PkiLabError is a bug: one sentence, never a bare traceback
        if debug:
            traceback.print_exc()
        where = _command_of(argv) or "pki-lab"
        return _fail(f"pki-lab: internal error in pki_lab ({type(exc).__name__} while running '{where}'), a bug and "
                     "not your input; please report it with the output of the same command run with --debug.",
                     EXIT_BUG, _command_of(argv), json_mode)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
