"""``pki-lab`` under bad input: exit 2 and one sentence, 1 only for "invalid", never a traceback, never a hang.

Issue 15 measured tracebacks with exit 1 (the code for "invalid chain") on damaged files and on names such as
``@`` or ``bücher.de``, and a BrokenPipeError traceback when the output was piped into ``head``. Each row is tried
again here the same way, as a real ``python -m pki_lab`` process with a timeout (a hang fails the test), and a
Hypothesis test throws random argument lists at :func:`pki_lab.cli.main`: the exit code is always 0, 1 or 2, and
standard error never holds a traceback unless ``--debug`` was given.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from unittest import mock

import certifi
import pytest
from cryptography import x509
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pki_lab import cli, demo_hierarchy, named_key, to_der, to_pem
from pki_lab.commands import inspect as inspect_command
from pki_lab.errors import ParameterError
from pki_lab.loading import MAX_INPUT_BYTES
from pki_lab.names import make_general_name
from pki_lab.validation.names import is_valid_dns_name, parse_expected_name, parse_mailbox

from .cli_call import call
from .conftest import ROOT, examples

TIMEOUT = 60  # seconds: far above a normal run (about one); a command that blocks on its input fails instead


def run(*args, stdin: bytes | None = b"", env: dict | None = None):
    """(exit code, stdout, stderr) of ``python -m pki_lab ARGS``; standard input is empty unless given."""
    result = subprocess.run([sys.executable, "-m", "pki_lab", *map(str, args)], input=stdin, capture_output=True,
                            cwd=ROOT, timeout=TIMEOUT, env={**os.environ, "PKI_LAB_PROGRESS": "off", **(env or {})})
    return result.returncode, result.stdout.decode("utf-8", "replace"), result.stderr.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A valid chain for www.example.com, one for xn--bcher-kva.de (bücher.de), and damaged or special files."""
    tmp = tmp_path_factory.mktemp("cli")
    h = demo_hierarchy()
    idn = h.intermediate.issue("xn--bcher-kva.de", names=["bücher.de"])  # make_san writes the A-label
    paths = {"dir": tmp, "missing": tmp / "nope.pem"}
    paths.update({k: d for k, d in (("zero", "/dev/zero"), ("null", "/dev/null")) if os.path.exists(d)})
    texts = {"leaf": to_pem(h.leaf), "issuing": to_pem(h.intermediate.certificate), "root": to_pem(h.root.certificate),
             "idn": to_pem(idn), "key": to_pem(named_key("alice")), "empty": "",
             "cut-pem": to_pem(h.leaf)[:300], "junk-pem": to_pem(h.leaf).replace("M", "!", 1)}
    for name, text in texts.items():
        paths[name] = tmp / f"{name}.pem"
        paths[name].write_text(text)
    blobs = {"cut-der": to_der(h.leaf)[:200], "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01",
             "flipped-der": bytes([to_der(h.leaf)[0]]) + b"\xff" + to_der(h.leaf)[2:]}
    for name, blob in blobs.items():
        paths[name] = tmp / f"{name}.der"
        paths[name].write_bytes(blob)
    paths["big"] = tmp / "big.pem"
    with open(paths["big"], "wb") as handle:
        handle.truncate(MAX_INPUT_BYTES + 1)  # sparse: no disk is filled
    if hasattr(os, "mkfifo"):
        paths["fifo"] = tmp / "fifo"
        os.mkfifo(paths["fifo"])
    return paths




def verify(files, *extra, leaf="leaf", runner=run):
    return runner("verify", files[leaf], "-t", files["root"], "-u", files["issuing"], "--brief", *extra)


def one_sentence(err: str, command: str = "pki-lab inspect") -> str:
    """The one line of standard error, checked to be a sentence from the command with no traceback."""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"{command}: ") and lines[0].endswith("."), err
    assert "Traceback" not in err
    return lines[0]


# -- damaged, missing and special files: exit 2 and one sentence (never 1, never a traceback, never a hang) -----

BAD_FILES = [
    ("empty", "is empty"),
    ("cut-pem", "without its matching END line"),
    ("junk-pem", "is not valid base64"),
    ("cut-der", "it is truncated"),
    ("flipped-der", "length"),
    ("png", "does not start with a DER SEQUENCE"),
    ("missing", "There is no file at"),
    ("dir", "is a folder, not a file"),
    ("zero", "is not a regular file (it is a device, a pipe or a socket)"),
    ("null", "is not a regular file (it is a device, a pipe or a socket)"),
    ("fifo", "is not a regular file (it is a device, a pipe or a socket)"),
    ("big", "more than the 10,485,760 bytes (10 MB) the lab reads"),
]


@pytest.mark.parametrize("key, words", BAD_FILES, ids=[b[0] for b in BAD_FILES])
@pytest.mark.parametrize("command", ["inspect", "verify"])
def test_a_bad_file_exits_2_with_one_sentence(files, command, key, words):
    if key not in files:
        pytest.skip(f"no {key} on this system")
    if command == "inspect":  # the issue's row, tried again the same way: a real process
        code, out, err = run("inspect", files[key])
    else:
        code, out, err = verify(files, leaf=key, runner=call)
    assert (code, out) == (2, "")
    assert words in one_sentence(err, f"pki-lab {command}")


def test_a_private_key_is_refused_and_never_printed(files):
    code, out, err = run("inspect", files["key"])
    assert (code, out) == (2, "")
    assert "holds a private key; inspect describes certificates, CSRs and CRLs only" in one_sentence(err)
    assert "PRIVATE KEY" not in err


# -- names: an A-label for an internationalised name, a sentence for a malformed one ----------------------------

@pytest.mark.parametrize("name", ["bücher.de", "BÜCHER.DE", "xn--bcher-kva.de", "dns:bücher.de"])
def test_an_internationalised_name_is_checked_as_its_a_label(files, name):
    code, out, err = verify(files, "--name", name, leaf="idn", runner=run if name == "bücher.de" else call)
    assert (code, err) == (0, ""), out + err
    assert out.startswith("VALID: ")


def test_an_internationalised_name_that_is_not_the_servers_is_invalid_with_its_a_label(files):
    code, out, _ = verify(files, "--name", "bücher.de")
    assert code == 1
    assert "The name xn--bcher-kva.de matches none of its subjectAltName entries (www.example.com)" in out


@pytest.mark.parametrize("name, words", [
    ("@", "'@' is not an e-mail address: write a local part, '@' and a host"),
    ("user@", "'user@' is not an e-mail address"),
    ("@example.com", "'@example.com' is not an e-mail address"),
    ("jörg@example.com", "has a non-ASCII local part"),
    ("☃.net", "is not a valid internationalised domain name"),
    ("", "`name` must be a host name such as 'www.example.com'"),
    (" ", "`name` must be a host name such as 'www.example.com'"),
    ("two words", "`name` must be a host name such as 'www.example.com'"),
    ("www..example.com", "is not a valid host name"),
    ("*.example.com", "is not a valid host name"),
    ("under_score.example.com", "is not a valid host name"),
    ("uri:https://www.example.com/", "`name` must be a host name"),
])
def test_a_malformed_name_exits_2_with_one_sentence(files, name, words):
    code, out, err = verify(files, "--name", name, runner=run if name == "@" else call)
    assert (code, out) == (2, "")
    assert words in one_sentence(err, "pki-lab verify")


# -- flags: argparse's own refusals are one sentence too ----------------------------------------------------------

@pytest.mark.parametrize("args, words", [
    (["verify"], "The following arguments are required: LEAF, --trust/-t"),
    (["verify", "x.pem", "-t", "y.pem", "--usage", "email"], "Argument --usage: invalid choice: 'email'"),
    (["verify", "x.pem", "-t", "y.pem", "--max-depth", "many"], "Argument --max-depth: invalid int value"),
    (["inspect", "--colour", "x.pem"], "Unrecognized arguments: --colour"),
    (["frobnicate"], "Argument COMMAND: invalid choice: 'frobnicate'"),
    ([], "Choose a command: inspect, progress, verify"),
])
def test_a_bad_command_line_exits_2_with_one_sentence(args, words):
    code, out, err = call(*args)
    assert (code, out) == (2, "")
    command = "pki-lab verify" if args[:1] == ["verify"] else "pki-lab inspect" if args[:1] == ["inspect"] \
        else "pki-lab"
    line = one_sentence(err, command)
    assert words in line and line.endswith(f"see '{command} --help'.")


@pytest.mark.parametrize("args, words", [
    (["--at", "2026-04-29T12:00:00"], "has no time zone; add Z for UTC"),
    (["--at", "9999-12-31T23:59:59-23:00"], "falls outside the years 1 to 9999 once converted to UTC"),
    (["--max-depth", "-1"], "`max_depth` must be a whole number >= 0, not -1."),
    (["--policy", "anyPolicy"], "is not a dotted OID"),
])
def test_an_impossible_flag_value_exits_2_with_one_sentence(files, args, words):
    code, out, err = verify(files, *args, runner=call)
    assert (code, out) == (2, "")
    assert words in one_sentence(err, "pki-lab verify")


def test_the_verdicts_keep_their_codes(files):
    assert verify(files, "--name", "www.example.com")[0] == 0
    assert verify(files, "--name", "mail.example.com", runner=call)[0] == 1


def test_help_documents_the_exit_codes():
    # Each subcommand's own codes (tests/test_cli_help.py checks that each documented code is what it returns).
    for args, runner, first in (([], run, "0 done (verify: the chain is valid); 1 the chain is invalid (verify only)"),
                                (["verify"], call, "0 the chain is valid; 1 the chain is invalid"),
                                (["inspect"], call, "0 every object of every file was described"),
                                (["progress"], call, "0 the progress was shown (or reset)")):
        code, out, err = runner(*args, "--help")
        assert code == 0 and err == ""
        text = " ".join(out.split())
        assert f"Exit codes: {first}; 2 bad input" in text and "3 a bug in pki_lab" in text and "--debug" in text
        assert ("1 the chain is invalid" in text) is (args in ([], ["verify"]))


# -- --debug: the traceback on request, and only then -------------------------------------------------------------

@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback_and_keeps_exit_2(files, where):
    args = ["inspect", files["cut-der"]]
    code, _, err = run(*(["--debug", *args] if where == "before" else [*args, "--debug"]))
    assert code == 2
    assert err.startswith("Traceback (most recent call last):") and "MalformedInputError" in err
    assert err.splitlines()[-1].startswith("pki-lab inspect: ") and "it is truncated" in err.splitlines()[-1]


def _boom(*args, **kwargs):
    raise ZeroDivisionError("a bug planted by the test")


@pytest.mark.parametrize("debug", [False, True])
def test_an_exception_that_is_not_a_pki_lab_error_is_a_bug_exit_3(files, monkeypatch, capsys, debug):
    # The one place a fault is planted: no input of the lab's own reaches this branch (the Hypothesis test below).
    monkeypatch.setattr(inspect_command, "describe_object", _boom)
    code = cli.main(["inspect", str(files["leaf"]), *(["--debug"] if debug else [])])
    err = capsys.readouterr().err
    assert code == cli.EXIT_BUG == 3
    assert err.splitlines()[-1] == ("pki-lab: internal error in pki_lab (ZeroDivisionError while running 'inspect'), "
                                    "a bug and not your input; please report it with the output of the same command "
                                    "run with --debug.")
    assert ("Traceback (most recent call last):" in err) is debug
    assert ("a bug planted by the test" in err) is debug


# -- standard input and pipes -----------------------------------------------------------------------------------

def test_dash_reads_standard_input(files):
    code, out, err = run("inspect", "-", stdin=files["leaf"].read_bytes())
    assert (code, err) == (0, "")
    assert out.startswith("Certificate for CN=www.example.com")
    code, out, _ = run("verify", "-", "-t", files["root"], "-u", files["issuing"], "--brief",
                       stdin=files["leaf"].read_bytes())
    assert code == 0 and out.startswith("VALID: ")


@pytest.mark.parametrize("args, stdin, words", [
    (["inspect", "-"], b"", "Standard input ('-') is empty"),
    (["inspect", "-"], b"\x00" * 100, "does not start with a DER SEQUENCE"),
    (["inspect", "-", "-"], None, "Standard input ('-') can be read only once per command"),
    (["inspect", "-"], b"0" * (MAX_INPUT_BYTES + 1), "holds more than the 10,485,760 bytes (10 MB) the lab reads"),
])
def test_bad_standard_input_exits_2(files, args, stdin, words):
    code, out, err = call(*args, stdin=files["leaf"].read_bytes() if stdin is None else stdin)
    assert code == 2
    assert words in one_sentence(err)


def test_standard_input_is_never_read_unless_asked(files):
    # Standard input stays open and silent: a command that read it would block until the timeout.
    with subprocess.Popen([sys.executable, "-m", "pki_lab", "inspect", str(files["leaf"])], cwd=ROOT,
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        try:
            code = process.wait(timeout=TIMEOUT)  # stdin still open: the description is small, so no pipe fills up
            out, err = process.stdout.read(), process.stderr.read()
        finally:
            process.kill()
    assert code == 0 and out.startswith(b"Certificate for CN=www.example.com"), err


@pytest.mark.skipif(sys.platform == "win32", reason="a closed pipe is EINVAL on Windows, not EPIPE")
def test_a_closed_pipe_ends_quietly():
    # `pki-lab inspect bundle.pem | head -1`: the reader takes one line and closes the pipe.
    with subprocess.Popen([sys.executable, "-m", "pki_lab", "inspect", certifi.where()], cwd=ROOT,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        try:
            first = process.stdout.readline()
            process.stdout.close()
            err = process.stderr.read()
            code = process.wait(timeout=TIMEOUT)
        finally:
            process.kill()
    assert first.startswith(b"# ")
    assert err == b""
    assert code == cli.EXIT_PIPE == 141


# -- random command lines: 0, 1 or 2, and never a traceback -------------------------------------------------------

FLAGS = ["-t", "--trust", "-u", "--untrusted", "--name", "-n", "--at", "--crl", "--usage", "--profile",
         "--revocation", "--policy", "--max-depth", "--brief", "--tree", "--explicit-policy",
         "--inhibit-policy-mapping", "--inhibit-any-policy", "--reset", "--help", "-h", "-", "--", "--json"]
VALUES = ["server", "client", "none", "webpki", "rfc5280", "require", "hard-fail", "soft-fail", "off", "2.5.29.32.0",
          "1.2.3", "0", "8", "-1", "2026-03-15T12:00:00Z", "2026-03-15", "9999-12-31T23:59:59-23:59", "@", "bücher.de",
          "www.example.com", "192.0.2.1", "ada@example.com", "04", "all", "", " "]


def _argv(paths: dict) -> st.SearchStrategy[list[str]]:
    """Command lines: mostly the right shape with random files, flags and values, some pure noise."""
    files = st.sampled_from([str(p) for p in paths.values()])
    # Free text never starts with '-': an abbreviation of --debug (--deb) would ask for the traceback.
    text = st.text(max_size=12).filter(lambda t: not t.startswith("-") and "\x00" not in t)
    token = st.one_of(files, st.sampled_from(FLAGS), st.sampled_from(VALUES), text)
    pairs = st.lists(st.tuples(st.sampled_from(FLAGS), st.one_of(files, st.sampled_from(VALUES), text)), max_size=4)
    flat = pairs.map(lambda ps: [x for p in ps for x in p])
    shaped = st.one_of(
        st.tuples(files, files, flat).map(lambda t: ["verify", t[0], "-t", t[1], *t[2]]),
        st.tuples(st.lists(files, min_size=1, max_size=3), flat).map(lambda t: ["inspect", *t[0], *t[1]]),
    )
    noise = st.tuples(st.sampled_from(["inspect", "verify", "progress", "--brief"]), st.lists(token, max_size=8))
    return st.one_of(shaped, noise.map(lambda t: [t[0], *t[1]]))


@given(data=st.data())
@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_random_command_lines_exit_0_1_or_2_without_a_traceback(files, data):
    argv = data.draw(_argv(files))
    code, out, err = call(*argv, stdin=files["leaf"].read_bytes())
    assert code in (0, 1, 2), (argv, err)
    assert "Traceback" not in err, argv
    if code == 2 and "-h" not in argv and "--help" not in argv:
        if "--json" in argv:  # the error is a JSON document on standard output, with the same one sentence
            doc = json.loads(out)
            assert (doc["schema"], doc["exit_code"], err) == ("pki-lab/error/1", 2, ""), (argv, out)
            assert "\n" not in doc["message"] and doc["message"].endswith("."), (argv, out)
        else:
            assert err.count("\n") == 1 and err.rstrip().endswith("."), (argv, err)


# -- the name parser behind --name (and every SAN the lab writes): an A-label, or a sentence ------------------------

@pytest.mark.parametrize("text, value", [
    ("bücher.de", "xn--bcher-kva.de"),
    ("BÜCHER.DE", "xn--bcher-kva.de"),
    ("straße.de", "xn--strae-oqa.de"),  # IDNA 2008 keeps the ß (IDNA 2003 would have made it strasse.de)
    ("*.bücher.de", "*.xn--bcher-kva.de"),
    ("ｅｘａｍｐｌｅ.com", "example.com"),  # UTS #46 maps full-width letters, as browsers do
    ("email:ada@bücher.de", "ada@xn--bcher-kva.de"),
    ("email:bücher.de", "xn--bcher-kva.de"),  # every mailbox at a host, as name constraints write it
])
def test_internationalised_names_become_a_labels(text, value):
    assert make_general_name(text).value == value


NAME_CHARACTERS = st.sampled_from(list("abcz09-._@* üßÖ☃:/") + ["xn--", "ｅ", "\u200d", "\u0301"])


@given(st.one_of(st.text(max_size=30), st.lists(NAME_CHARACTERS, max_size=20).map("".join)))
@settings(max_examples=examples(500), deadline=None)
def test_a_typed_name_becomes_an_ascii_peer_name_or_a_sentence(text):
    try:
        general = make_general_name(text)
    except ParameterError as exc:
        assert str(exc).endswith(".")
    else:
        assert not isinstance(general, x509.DNSName | x509.RFC822Name) or general.value.isascii()
    try:
        name = parse_expected_name(text)
    except ParameterError as exc:
        assert str(exc).startswith("`name`") and str(exc).endswith(".")
    else:  # what the validator is given is a name it can match: never a malformed one that silently matches nothing
        if isinstance(name, x509.DNSName):
            assert is_valid_dns_name(name.value)
        elif isinstance(name, x509.RFC822Name):
            assert parse_mailbox(name.value) is not None
        else:
            assert isinstance(name, x509.IPAddress)


def test_without_the_idna_package_an_internationalised_name_is_refused_not_converted_the_old_way():
    # The standard library's IDNA 2003 would turn straße.de into strasse.de, another name: a sentence instead.
    with mock.patch.dict(sys.modules, {"idna": None}):  # `import idna` now raises ImportError
        with pytest.raises(ParameterError, match=r"'straße.de' is an internationalised name; write its A-label"):
            make_general_name("straße.de")
        assert make_general_name("xn--strae-oqa.de").value == "xn--strae-oqa.de"  # an A-label needs no idna


def test_version_names_the_package_and_what_it_runs_on():
    # As `openssl version` or `step version`: the first line of a bug report. Exit 0, nothing on stderr.
    import importlib.metadata
    import platform

    import cryptography

    code, out, err = run("--version")
    assert (code, err) == (0, "")
    assert out.strip() == (f"pki-lab {importlib.metadata.version('pki-lab')} (cryptography {cryptography.__version__}, "
                           f"Python {platform.python_version()})")
