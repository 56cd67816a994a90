"""``--json`` for ``inspect`` and ``verify``: the documented keys (docs/cli.md), the same content as the text output
(built from the describers' rows and the report's steps), the same bytes on every run, and errors as JSON with the
same sentence and exit code as the text mode."""

from __future__ import annotations

import base64
import json
import re
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pki_lab import cli, data, make_csr, named_key, to_der, to_pem
from pki_lab.commands import inspect as inspect_command
from pki_lab.commands.output import SCHEMA_ERROR, SCHEMA_INSPECT, SCHEMA_VERIFY
from pki_lab.describe import describe, describe_crl, describe_csr
from pki_lab.loading import load_crl, tree_of
from pki_lab.revocation import build_crl
from pki_lab.validation.api import validate_chain
from pki_lab.validation.gallery import base_chain

from .cli_call import call
from .conftest import ROOT, examples


@pytest.fixture(scope="module")
def chain():
    return base_chain()


@pytest.fixture(scope="module")
def files(chain, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("json")
    paths = {"leaf": chain.leaf, "issuing": chain.issuing.certificate, "root": chain.root.certificate,
             "csr": make_csr(named_key("device-1"), "device_01"),
             "crl": build_crl(chain.issuing, revoked=[(chain.leaf, "keyCompromise")])}
    out = {}
    for name, obj in paths.items():
        out[name] = tmp / f"{name}.pem"
        out[name].write_text(to_pem(obj))
    out["bundle"] = tmp / "bundle.pem"
    out["bundle"].write_text(to_pem(chain.leaf) + to_pem(chain.issuing.certificate))
    out["leaf-der"] = tmp / "leaf.der"
    out["leaf-der"].write_bytes(to_der(chain.leaf))
    out["empty"] = tmp / "empty.pem"
    out["empty"].write_text("")
    return out


# -- the documented keys, in the documented order -----------------------------------------------------------------

INSPECT_KEYS = ["schema", "objects"]
OBJECT_KEYS = ["file", "index", "count", "kind", "title", "rows", "notes"]
TREE_OBJECT_KEYS = ["file", "index", "count", "kind", "tree", "notes"]
NODE_KEYS = ["offset", "header_length", "length", "depth", "tag", "value", "path"]
VERIFY_KEYS = ["schema", "valid", "summary", "reason", "warnings", "at", "clock", "clock_note", "name", "anchored",
               "paths_tried", "path", "steps", "revocation", "policy"]
STEP_KEYS = ["result", "rule", "section", "index", "position", "subject", "sentence", "status"]
ERROR_KEYS = ["schema", "command", "exit_code", "kind", "message"]


def _documented_keys(section: str) -> list[str]:
    """The keys docs/cli.md lists in the table under ``section`` (its first column, in order)."""
    text = (ROOT / "docs" / "cli.md").read_text()
    start = text.index(section)
    table = text[start:text.index("\n\n", text.index("|", start))]
    return re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.M)


@pytest.mark.parametrize("section, keys", [
    ("<!-- keys: inspect -->", INSPECT_KEYS), ("<!-- keys: inspect object -->", OBJECT_KEYS[:4] + ["title", "rows",
                                                                                                   "tree", "notes"]),
    ("<!-- keys: tree node -->", NODE_KEYS), ("<!-- keys: verify -->", VERIFY_KEYS),
    ("<!-- keys: verify step -->", STEP_KEYS), ("<!-- keys: error -->", ERROR_KEYS),
])
def test_the_documentation_lists_every_key_in_order(section, keys):
    assert _documented_keys(section) == keys


def test_inspect_json_holds_the_describers_rows(files, chain):
    code, out, err = call("inspect", "--json", files["leaf"], files["csr"], files["crl"])
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert list(doc) == INSPECT_KEYS and doc["schema"] == SCHEMA_INSPECT == "pki-lab/inspect/1"
    assert [list(o) for o in doc["objects"]] == [OBJECT_KEYS] * 3
    expected = [describe(chain.leaf), describe_csr(make_csr(named_key("device-1"), "device_01")),
                describe_crl(load_crl(files["crl"]))]
    for obj, kind, description, path in zip(doc["objects"], ["certificate", "csr", "crl"], expected,
                                            [files["leaf"], files["csr"], files["crl"]], strict=True):
        assert (obj["file"], obj["index"], obj["count"], obj["kind"]) == (str(path), 1, 1, kind)
        assert obj["title"] == description.title
        assert [(r["field"], r["value"], r["meaning"]) for r in obj["rows"]] == list(description.rows)
        assert obj["notes"] == []


def test_inspect_json_of_a_bundle_counts_its_objects(files, chain):
    doc = json.loads(call("inspect", "--json", files["bundle"])[1])
    assert [(o["index"], o["count"], o["title"]) for o in doc["objects"]] == [
        (1, 2, describe(chain.leaf).title), (2, 2, describe(chain.issuing.certificate).title)]


def test_inspect_json_from_standard_input_names_it(files):
    code, out, _ = call("inspect", "--json", "-", stdin=files["leaf-der"].read_bytes())
    assert code == 0 and json.loads(out)["objects"][0]["file"] == "-"


def test_inspect_tree_json_holds_the_der_nodes(chain, files):
    code, out, _ = call("inspect", "--tree", "--json", files["leaf"])
    assert code == 0
    obj = json.loads(out)["objects"][0]
    assert list(obj) == TREE_OBJECT_KEYS
    nodes = tree_of(chain.leaf).nodes()
    assert len(obj["tree"]) == len(nodes) and all(list(n) == NODE_KEYS for n in obj["tree"])
    for got, node in zip(obj["tree"], nodes, strict=True):
        assert (got["offset"], got["header_length"], got["length"], got["depth"], got["tag"], got["value"]) == \
            (node.offset, node.header_length, node.length, node.depth, node.tag, node.value)
        assert got["path"] == (node.path or None)
    assert obj["tree"][0]["path"] == "Certificate"


def test_inspect_json_is_the_same_bytes_every_run_and_ascii(files):
    outs = {call("inspect", "--json", data.path("roots/isrg_root_x1.pem"), files["bundle"])[1] for _ in range(2)}
    assert len(outs) == 1
    assert next(iter(outs)).isascii()


def test_non_ascii_text_round_trips_through_json(tmp_path):
    idn = base_chain().issuing.issue("xn--bcher-kva.de", names=["bücher.de"])
    path = tmp_path / "bücher.pem"
    path.write_text(to_pem(idn))
    code, out, _ = call("inspect", "--json", path)
    assert code == 0 and out.isascii()
    obj = json.loads(out)["objects"][0]
    assert obj["file"] == str(path)  # the ü comes back from its \u00fc escape
    assert [(r["field"], r["value"], r["meaning"]) for r in obj["rows"]] == list(describe(idn).rows)


# -- verify --------------------------------------------------------------------------------------------------------

def _verify(files, *extra):
    return call("verify", files["leaf"], "-t", files["root"], "-u", files["issuing"], "--json", *extra)


def test_verify_json_holds_the_reports_steps(files, chain):
    code, out, err = _verify(files, "--name", "www.example.com")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert list(doc) == VERIFY_KEYS and doc["schema"] == SCHEMA_VERIFY == "pki-lab/verify/1"
    report = validate_chain(chain.leaf, [chain.issuing.certificate], [chain.root.certificate], name="www.example.com")
    assert (doc["valid"], doc["summary"], doc["reason"], doc["warnings"]) == (True, report.summary(), report.reason, 0)
    assert (doc["at"], doc["clock"], doc["name"]) == ("2026-03-15T12:00:00+00:00", "lab", "www.example.com")
    assert doc["clock_note"].startswith("Judged at the lab clock, 2026-03-15 12:00:00 UTC")
    assert (doc["anchored"], doc["paths_tried"]) == (True, report.paths_tried)
    assert doc["path"] == [{"index": 0, "position": "leaf", "label": "www.example.com"},
                           {"index": 1, "position": "intermediate 1", "label": "Gallery Issuing CA"},
                           {"index": 2, "position": "trust anchor", "label": "Gallery Root CA"}]
    assert all(list(s) == STEP_KEYS for s in doc["steps"])
    assert [(s["rule"], s["section"], s["index"], s["position"], s["subject"], s["sentence"], s["status"])
            for s in doc["steps"]] == [(str(s.rule), s.section, s.index, s.position, s.subject, s.sentence, s.status)
                                       for s in report.steps]
    assert {s["result"] for s in doc["steps"]} == {"pass"}
    assert doc["revocation"] == [{"position": p, "subject": s, "status": st, "reason": r}
                                 for p, s, st, r in report.revocation]
    assert doc["policy"] == {"authorities_constrained": [], "user_constrained": []}


def test_verify_json_of_an_invalid_chain_exits_1_and_marks_the_failing_step(files):
    code, out, _ = _verify(files, "--crl", files["crl"], "--revocation", "soft-fail")
    doc = json.loads(out)
    assert code == 1 and doc["valid"] is False and doc["summary"].startswith("INVALID: ")
    failing = [s for s in doc["steps"] if s["result"] == "fail"]
    assert failing and failing[0]["rule"] == "rfc5280-revocation" and failing[0]["status"] == "revoked"
    assert doc["revocation"][0]["status"] == "revoked"
    assert doc["reason"] == f"{failing[0]['position']} ({failing[0]['subject']}): {failing[0]['sentence']}"


def test_verify_json_with_a_warning_counts_it(files, chain, tmp_path):
    # soft-fail without any CRL for the issuing CA: undetermined statuses pass with a warning.
    root_crl = tmp_path / "root.crl"
    root_crl.write_text(to_pem(build_crl(chain.root, revoked=[])))
    code, out, _ = _verify(files, "--name", "www.example.com", "--crl", root_crl, "--revocation", "soft-fail")
    doc = json.loads(out)
    assert code == 0 and doc["valid"] is True
    assert doc["warnings"] == sum(s["result"] == "warn" for s in doc["steps"]) >= 1
    assert doc["summary"].startswith("VALID with ")


@pytest.mark.parametrize("at, clock", [("2026-04-01T00:00:00Z", "given"), ("2026-04-01", "given")])
def test_verify_json_names_the_clock(files, at, clock):
    doc = json.loads(_verify(files, "--at", at)[1])
    assert (doc["at"], doc["clock"], doc["clock_note"]) == ("2026-04-01T00:00:00+00:00", clock, None)


def test_verify_json_is_the_same_bytes_every_run(files):
    assert len({_verify(files, "--name", "www.example.com")[1] for _ in range(2)}) == 1


# -- errors in --json mode: JSON on standard output, the same sentence and exit code as the text mode --------------

ERRORS = [
    (["inspect", "{empty}"], 2),
    (["inspect", "{key}"], 2),
    (["inspect", "--colour", "{leaf}"], 2),
    (["verify", "{leaf}", "-t", "{root}", "--at", "yesterday"], 2),
    (["verify", "{leaf}", "-t", "{root}", "--usage", "email"], 2),
    (["verify", "-t", "{root}"], 2),
    (["verify", "{crl}", "-t", "{root}"], 2),
    (["frobnicate"], 2),
]


@pytest.mark.parametrize("args, code", ERRORS, ids=[" ".join(a) for a, _ in ERRORS])
def test_an_error_in_json_mode_is_json_with_the_same_sentence(files, tmp_path, args, code):
    key = tmp_path / "key.pem"
    key.write_text(to_pem(named_key("alice")))
    args = [a.format(key=key, **files) for a in args]
    text_code, text_out, text_err = call(*args)
    json_code, json_out, json_err = call(*args, "--json")
    assert text_code == json_code == code and text_out == "" and json_err == ""
    doc = json.loads(json_out)
    assert list(doc) == ERROR_KEYS and doc["schema"] == SCHEMA_ERROR == "pki-lab/error/1"
    assert doc["exit_code"] == code and doc["kind"] == "bad input"
    assert doc["message"] == text_err.strip()
    assert doc["command"] == (args[0] if args and args[0] in ("inspect", "verify") else None)


def test_a_bug_in_json_mode_is_json_and_exit_3(files, monkeypatch):
    def boom(*args, **kwargs):
        raise ZeroDivisionError("a bug planted by the test")

    monkeypatch.setattr(inspect_command, "describe_object", boom)
    code, out, err = call("inspect", "--json", files["leaf"])
    doc = json.loads(out)
    assert code == cli.EXIT_BUG == doc["exit_code"] == 3 and err == ""
    assert (doc["command"], doc["kind"]) == ("inspect", "bug")
    assert doc["message"].startswith("pki-lab: internal error in pki_lab (ZeroDivisionError while running 'inspect')")


def test_nothing_but_the_error_is_printed_when_a_later_file_fails(files):
    # inspect prints one document at the end: a failure on the second file leaves no half document behind.
    code, out, _ = call("inspect", "--json", files["leaf"], files["empty"])
    assert code == 2 and list(json.loads(out)) == ERROR_KEYS


# -- every chapter 04 gallery scenario and every certifi root: the JSON says what the lab says ---------------------

def _gallery():
    from pki_lab.validation.gallery import failure_gallery

    return failure_gallery()


@pytest.mark.parametrize("case", _gallery(), ids=lambda s: s.key)
def test_verify_json_of_every_gallery_scenario_matches_its_report(case, tmp_path):
    """Each broken chain of chapter 04 (and the valid one) through the CLI: the verdict, reason and every step
    are the report's, and the exit code is 0 exactly when ``valid`` is true."""
    leaf, trust, inter = tmp_path / "leaf.pem", tmp_path / "trust.pem", tmp_path / "inter.pem"
    leaf.write_text(to_pem(case.leaf))
    trust.write_text("".join(to_pem(c) for c in case.trust))
    args = ["verify", leaf, "-t", trust, "--name", case.name, "--at", case.at.isoformat(), "--json"]
    if case.intermediates:
        inter.write_text("".join(to_pem(c) for c in case.intermediates))
        args += ["-u", inter]
    for n, crl in enumerate(case.crls):
        path = tmp_path / f"{n}.crl"
        path.write_text(to_pem(crl))
        args += ["--crl", path]
    code, out, err = call(*args)
    assert err == "" and code in (0, 1), err
    doc = json.loads(out)
    report = case.validate()
    assert (doc["valid"], code == 0) == (report.ok, report.ok)
    assert (doc["summary"], doc["reason"]) == (report.summary(), report.reason)
    assert [(s["rule"], s["index"], s["sentence"]) for s in doc["steps"]] == \
        [(str(s.rule), s.index, s.sentence) for s in report.steps]
    assert [s["result"] == "fail" for s in doc["steps"]] == [not s.ok for s in report.steps]


def test_inspect_json_of_the_whole_certifi_bundle_matches_describe():
    import certifi

    from pki_lab.loading import load_certificates

    code, out, _ = call("inspect", "--json", certifi.where())
    roots = load_certificates(certifi.where())
    objects = json.loads(out)["objects"]
    assert code == 0 and len(objects) == len(roots) > 100
    for obj, root in zip(objects, roots, strict=True):
        assert obj["count"] == len(roots) and obj["kind"] == "certificate"
        assert [(r["field"], r["value"], r["meaning"]) for r in obj["rows"]] == list(describe(root).rows)


def test_a_json_error_into_a_closed_pipe_ends_quietly_with_its_code(files):
    # `pki-lab verify --json ... | head -c 10`, the reader gone before the error document is written.
    import subprocess

    with subprocess.Popen([sys.executable, "-m", "pki_lab", "verify", "--json", "--usage", "email", str(files["leaf"]),
                           "-t", str(files["root"])], cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as process:
        try:
            process.stdout.close()
            err = process.stderr.read()
            code = process.wait(timeout=120)
        finally:
            process.kill()
    assert b"Traceback" not in err and err == b""
    assert code == 2


def _mutations():
    """Random bytes, the demo leaf's DER with a few bytes changed (as DER, as PEM, cut in half)."""
    leaf = to_der(base_chain().leaf)
    flips = st.lists(st.tuples(st.integers(0, len(leaf) - 1), st.integers(0, 255)), max_size=4)
    mutated = flips.map(lambda fs: bytes(dict(fs).get(i, b) for i, b in enumerate(leaf)))
    pem = mutated.map(lambda der: b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der) +
                      b"-----END CERTIFICATE-----\n")
    return st.one_of(st.binary(max_size=64), mutated, pem, mutated.map(lambda d: d[: len(d) // 2]))


def test_any_bytes_on_standard_input_give_one_json_document():
    @given(data=_mutations())
    @settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def check(data):
        for tree in ([], ["--tree"]):
            code, out, err = call("inspect", "--json", *tree, "-", stdin=data)
            assert code in (0, 2) and err == "", (data, err)
            doc = json.loads(out)
            assert doc["schema"] == (SCHEMA_INSPECT if code == 0 else SCHEMA_ERROR)
            if code == 2:
                assert doc["message"].startswith("pki-lab inspect: ") and doc["message"].endswith(".")

    check()


# -- the documented types: each value has the type docs/cli.md's table gives its key --------------------------------

_JSON_TYPES = {"string": str, "integer": int, "boolean": bool, "array": list, "object": dict, "null": type(None)}


def _documented_types(section: str) -> dict[str, tuple[type, ...]]:
    """key -> the Python types of the JSON types in the table's second column ("string or null", "array of ...")."""
    text = (ROOT / "docs" / "cli.md").read_text()
    start = text.index(section)
    table = text[start:text.index("\n\n", text.index("|", start))]
    out = {}
    for key, kind in re.findall(r"^\| `([a-z_]+)` \| ([^|]+) \|", table, flags=re.M):
        out[key] = tuple(_JSON_TYPES[w] for w in re.split(r"\W+", kind) if w in _JSON_TYPES)  # "array of objects": list
    return out


def _check_types(value: dict, section: str):
    types = _documented_types(section)
    for key, got in value.items():
        assert isinstance(got, types[key]) and not (isinstance(got, bool) and bool not in types[key]), \
            (section, key, got, types[key])


def test_every_value_has_its_documented_type(files, tmp_path):
    inspect_doc = json.loads(call("inspect", "--json", files["leaf"], files["csr"], files["crl"])[1])
    _check_types(inspect_doc, "<!-- keys: inspect -->")
    for obj in inspect_doc["objects"]:
        _check_types(obj, "<!-- keys: inspect object -->")
    tree_doc = json.loads(call("inspect", "--tree", "--json", files["leaf"])[1])
    _check_types(tree_doc["objects"][0], "<!-- keys: inspect object -->")
    for node in tree_doc["objects"][0]["tree"]:
        _check_types(node, "<!-- keys: tree node -->")
    for extra in ([], ["--crl", str(files["crl"]), "--revocation", "soft-fail"], ["--at", "now"]):
        verify_doc = json.loads(_verify(files, "--name", "www.example.com", *extra)[1])
        _check_types(verify_doc, "<!-- keys: verify -->")
        for step in verify_doc["steps"]:
            _check_types(step, "<!-- keys: verify step -->")
    _check_types(json.loads(call("verify", "--json")[1]), "<!-- keys: error -->")
    # The table is read as meant: a null only where it says "or null", a list for "array of ...".
    types = _documented_types("<!-- keys: verify -->")
    assert (types["clock_note"], types["valid"], types["path"]) == ((str, type(None)), (bool,), (list,))
