"""NIST PKITS: every run agrees with the expected verdict (one test per run); plus the PKITS runner's own behaviour."""

from __future__ import annotations

import hashlib
import json
import re
import shutil

import pytest

from pki_lab.conformance import main
from pki_lab.conformance import pkits as runner
from pki_lab.conformance.pkits import SKIPPED_RUNS, format_pkits_table, run_all, run_pkits
from pki_lab.validation.context import ANY_POLICY

from .limbo import PKITS, pkits_runs

RUNS = pkits_runs()


@pytest.mark.parametrize("run", [pytest.param(r, id=r.id) for r in RUNS])
def test_pkits_run_agrees_with_the_expected_verdict(run):
    result = run_pkits(run, PKITS)
    if result.outcome == "skipped":
        pytest.skip(f"{run.test}: {result.detail}")
    assert result.outcome == "agreed", f"{result.outcome} (expected {run.expected}): {result.detail}"


def test_the_runs_are_the_documented_copy():
    digest = hashlib.sha256((PKITS / "pkits-public.json").read_bytes()).hexdigest()
    assert digest in (PKITS / "README.md").read_text()
    assert len(RUNS) == 172
    assert len({r.id for r in RUNS}) == 172
    assert len({r.test for r in RUNS}) == 146


def test_every_file_a_run_names_is_there():
    for run in RUNS:
        assert (PKITS / "certs" / run.leaf).is_file(), run.id
        assert all((PKITS / "certs" / n).is_file() for n in run.others), run.id
        assert all((PKITS / "crls" / n).is_file() for n in run.crls), run.id
    assert (PKITS / "certs" / runner.ANCHOR).is_file() and (PKITS / "crls" / runner.ANCHOR_CRL).is_file()


def test_at_most_two_skips_each_documented_and_still_true():
    readme = (PKITS / "README.md").read_text()
    assert len(SKIPPED_RUNS) <= 2
    for test in SKIPPED_RUNS:
        assert f"| {test} (" in readme
        (run,) = [r for r in RUNS if r.test == test]
        with pytest.raises(ValueError):  # the reason holds: cryptography cannot load the files
            runner.load_inputs(run, PKITS)


def test_params_become_the_initial_policy_inputs():
    by_id = {r.id: r for r in RUNS}
    explicit = by_id["pkits-4.8.3-different_policies_test3_force_explicit_with_user_set"].kwargs()
    assert explicit["explicit_policy"] is True and len(explicit["initial_policies"]) == 2
    assert by_id["pkits-4.8.1-all_certs_same_policy_test1_norestr"].kwargs() == {}
    assert runner._policy({"user_initial_policy_set": ["any_policy"]}) == (("initial_policies", (ANY_POLICY,)),)
    with pytest.raises(ValueError, match="unknown PKITS parameter"):
        runner._policy({"initial_something": True})


def test_every_run_is_called_as_a_user_would(monkeypatch):
    calls = []

    def fake(leaf, others, **kwargs):
        calls.append((leaf, others, kwargs))
        raise RuntimeError("boom")

    monkeypatch.setattr(runner, "validate_chain", fake)
    run = next(r for r in RUNS if r.kwargs())
    result = run_pkits(run, PKITS)
    assert result.outcome == "error" and "RuntimeError: boom" in result.detail  # an exception fails one run
    (leaf, others, kwargs), = calls
    inputs = runner.load_inputs(run, PKITS)
    assert leaf == inputs.leaf and list(others) == list(inputs.others)
    assert kwargs["trust"] == [inputs.anchor] and kwargs["crls"][0] == inputs.crls[0] == runner._crl(
        (PKITS / "crls" / runner.ANCHOR_CRL).resolve())
    assert kwargs["at"] == runner.PKITS_TIME and kwargs["usage"] is None
    assert kwargs["profile"] == "rfc5280" and kwargs["revocation"] == "require"
    assert {k: kwargs[k] for k in run.kwargs()} == run.kwargs()


def test_table_per_section_and_closing_line():
    results = run_all(RUNS, PKITS)
    lines = format_pkits_table(results).splitlines()
    assert lines[0].split() == ["section", "runs", "agree", "false-accept", "false-reject", "error", "skipped"]
    rows = [line.split() for line in lines[1:] if re.match(r"^4\.\d+(\s+\d+){6}$", line)]
    assert [row[0] for row in rows] == [f"4.{n}" for n in range(1, 17)]
    assert sum(int(row[1]) for row in rows) == 172
    assert all(int(row[1]) == sum(int(v) for v in row[2:]) for row in rows)
    assert re.fullmatch(r"\d+ passed, \d+ failed, \d+ skipped", lines[-1])
    failing = [r for r in results if r.outcome not in ("agreed", "skipped")]
    assert len(lines) == 1 + 16 + len(failing) + 1


def _small_folder(tmp_path, entries):
    folder = tmp_path / "pkits"
    shutil.copytree(PKITS / "certs", folder / "certs")
    shutil.copytree(PKITS / "crls", folder / "crls")
    (folder / "pkits-public.json").write_text(json.dumps(entries))
    return folder


def _entries(*ids):
    entries = json.loads((PKITS / "pkits-public.json").read_text())
    return [dict(e) for e in entries if e["id"] in ids]


def test_main_pkits_on_a_small_folder(tmp_path, capsys):
    folder = _small_folder(tmp_path, _entries("40203", "40202", "40105"))  # valid, invalid, skipped
    assert main(["--pkits", str(folder)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "2 passed, 0 failed, 1 skipped"


def test_main_pkits_on_a_run_it_gets_wrong_exits_1(tmp_path, capsys):
    (entry,) = _entries("40203")
    entry["error"] = {"class": "PathValidationError"}  # the failure twin: flip the expectation
    assert main(["--pkits", str(_small_folder(tmp_path, [entry]))]) == 1
    out = capsys.readouterr().out
    assert "false accept: pkits-4.2.3-valid_pre2000_utc_notbefore_date_test3 (expected INVALID): " in out
    assert out.splitlines()[-1] == "0 passed, 1 failed, 0 skipped"


def test_main_pkits_bad_folder_exits_2(tmp_path, capsys):
    assert main(["--pkits", str(tmp_path)]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_main_pkits_takes_a_json_file_next_to_certs_and_crls(tmp_path, capsys):
    folder = _small_folder(tmp_path, [])
    runs = folder / "other-runs.json"
    runs.write_text(json.dumps(_entries("40202")))
    assert main(["--pkits", str(runs)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 passed, 0 failed, 0 skipped"


def test_a_run_that_cannot_be_set_up_fails_alone(tmp_path, capsys):
    unknown, missing, good = _entries("40202") * 3
    unknown = dict(unknown, params={"initial_unknown_input": True})
    missing = dict(missing, name="missing_file", cert="NoSuchCertificate.crt")
    assert main(["--pkits", str(_small_folder(tmp_path, [unknown, missing, good]))]) == 1
    out = capsys.readouterr().out
    assert "error: pkits-4.2.2-invalid_ee_notbefore_date_test2 (expected INVALID): the run cannot be set up: " \
           "unknown PKITS parameter 'initial_unknown_input'" in out
    assert "error: pkits-4.2.2-missing_file (expected INVALID): a file of the run cannot be read: " in out
    assert out.splitlines()[-1] == "1 passed, 2 failed, 0 skipped"


def _validate(run, inputs, others, crls, revocation="require"):
    return runner.validate_chain(inputs.leaf, others, trust=[inputs.anchor], at=runner.PKITS_TIME, usage=None,
                                 profile="rfc5280", crls=crls, revocation=revocation, **run.kwargs())


def _loaded():
    for run in RUNS:
        try:
            yield run, runner.load_inputs(run, PKITS)
        except ValueError:
            continue  # SKIPPED_RUNS


def test_the_verdict_does_not_depend_on_the_order_of_the_pool_or_the_crls():
    moved = [run.id for run, i in _loaded()
             if _validate(run, i, i.others[::-1], i.crls[::-1]).ok is not run.expect_valid]
    assert not moved


def test_a_path_valid_when_revocation_is_required_stays_valid_in_the_laxer_modes():
    # soft-fail, hard-fail and off check less than require (RFC 5280 6.3 leaves the policy to the application)
    lost = [(run.id, mode) for run, i in _loaded() if run.expect_valid
            for mode in ("soft-fail", "hard-fail", "off") if not _validate(run, i, i.others, i.crls, mode).ok]
    assert not lost
