"""Each subcommand's ``--help`` lists its exit codes, and each listed code is what the command returns when that
happens: the documentation and the behaviour are checked against each other, code by code."""

from __future__ import annotations

import re
from unittest import mock

import pytest

from pki_lab import cli, to_pem
from pki_lab.commands import inspect as inspect_command
from pki_lab.commands import progress as progress_command
from pki_lab.commands import verify as verify_command
from pki_lab.validation.gallery import base_chain

from .cli_call import call


def documented_codes(command: str) -> dict[int, str]:
    """The codes the command's --help lists ("Exit codes: 0 ...; 1 ...; ..."), each with its words."""
    code, out, err = call(command, "--help")
    assert (code, err) == (0, "")
    text = " ".join(out.split())
    assert text.count("Exit codes: ") == 1, text
    listed = text.split("Exit codes: ", 1)[1]
    return {int(m.group(1)): m.group(2).strip() for m in re.finditer(r"(?:^|; )(\d+) (.*?)(?=; \d+ |\.$|$)", listed)}


def _boom(*args, **kwargs):
    raise ZeroDivisionError("a bug planted by the test")


def _interrupt(*args, **kwargs):
    raise KeyboardInterrupt


def _closed_pipe(*args, **kwargs):
    raise BrokenPipeError


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    b = base_chain()
    tmp = tmp_path_factory.mktemp("help")
    paths = {}
    for name, obj in (("leaf", b.leaf), ("issuing", b.issuing.certificate), ("root", b.root.certificate)):
        paths[name] = tmp / f"{name}.pem"
        paths[name].write_text(to_pem(obj))
    paths["empty"] = tmp / "empty.pem"
    paths["empty"].write_text("")
    return paths


# For each command: how to make each code happen (arguments, and a fault to plant in the command's module).
CASES = {
    "inspect": {
        0: (["{leaf}"], None),
        2: (["{empty}"], None),
        3: (["{leaf}"], ("describe_object", _boom)),
        130: (["{leaf}"], ("describe_object", _interrupt)),
        141: (["{leaf}"], ("describe_object", _closed_pipe)),
    },
    "verify": {
        0: (["{leaf}", "-t", "{root}", "-u", "{issuing}", "--brief"], None),
        1: (["{leaf}", "-t", "{root}", "--brief"], None),  # the intermediate is missing: invalid
        2: (["{empty}", "-t", "{root}"], None),
        3: (["{leaf}", "-t", "{root}"], ("validate_chain", _boom)),
        130: (["{leaf}", "-t", "{root}"], ("validate_chain", _interrupt)),
        141: (["{leaf}", "-t", "{root}"], ("validate_chain", _closed_pipe)),
    },
    "progress": {
        0: ([], None),
        2: (["--reset", "abc"], None),
        3: ([], ("exercises", mock.Mock(show_progress=_boom))),
        130: ([], ("exercises", mock.Mock(show_progress=_interrupt))),
        141: ([], ("exercises", mock.Mock(show_progress=_closed_pipe))),
    },
}
MODULES = {"inspect": inspect_command, "verify": verify_command, "progress": progress_command}


def test_every_command_has_its_cases():
    code, _, err = call()  # "pki-lab: Choose a command: inspect, progress, verify; ..."
    commands = err.split("Choose a command: ", 1)[1].split(";", 1)[0].split(", ")
    assert code == 2 and set(CASES) == set(MODULES) == set(commands)


@pytest.mark.parametrize("command", list(CASES))
def test_the_documented_codes_are_the_codes_the_command_returns(command, files, monkeypatch, tmp_path):
    documented = documented_codes(command)
    assert set(documented) == set(CASES[command]), documented  # nothing undocumented, nothing documented in vain
    monkeypatch.setenv("PKI_LAB_PROGRESS", str(tmp_path / "progress.json"))  # a file of this test's own
    for code, (args, fault) in CASES[command].items():
        with monkeypatch.context() as patch:
            if fault is not None:
                patch.setattr(MODULES[command], *fault)
            got, out, err = call(command, *[a.format(**files) for a in args])
        assert got == code, (command, code, documented[code], out, err)
        if code == 2:
            assert err.count("\n") == 1 and err.startswith(f"pki-lab {command}: ")
        if code == 3:
            assert "a bug and not your input" in err and "--debug" in documented[3]


def test_the_codes_are_the_modules_constants():
    assert (cli.EXIT_OK, cli.EXIT_INVALID, cli.EXIT_BAD_INPUT, cli.EXIT_BUG, cli.EXIT_PIPE, cli.EXIT_INTERRUPTED) == \
        (0, 1, 2, 3, 141, 130)
    top = " ".join(call("--help")[1].split())
    for code in (0, 1, 2, 3, 141, 130):
        assert re.search(rf"(Exit codes: |; ){code} ", top), code


def test_verify_help_says_what_1_and_0_mean():
    codes = documented_codes("verify")
    assert codes[0] == "the chain is valid" and codes[1] == "the chain is invalid"
    assert "bad input" in codes[2] and "JSON error" in codes[2]
