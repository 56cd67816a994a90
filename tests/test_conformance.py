"""The x509-limbo conformance suite guards the validator's score; plus the runner's own behaviour."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys

import pytest

from pki_lab.conformance import SKIPPED_FEATURES, format_table, main, run_cases

from .limbo import CASES, PUBLIC, public_case, public_cases


@pytest.fixture(scope="module")
def results():
    return run_cases(public_cases())


def test_the_cases_are_the_documented_copy():
    digest = hashlib.sha256(PUBLIC.read_bytes()).hexdigest()
    assert digest in (CASES / "README.md").read_text()
    assert len(public_cases()) == 769


def test_the_public_score_is_764_agreed_5_skipped(results):
    outcomes = [r.outcome for r in results]
    assert (outcomes.count("agreed"), outcomes.count("disagreed"), outcomes.count("skipped")) == (764, 0, 5)


def test_every_skipped_feature_is_documented_with_its_reason():
    readme = (CASES / "README.md").read_text()
    for feature in SKIPPED_FEATURES:
        assert f"| `{feature}` |" in readme


def test_targets_agree_on_99_percent_and_skip_under_3_percent(results):
    agreed = sum(r.outcome == "agreed" for r in results)
    disagreed = sum(r.outcome == "disagreed" for r in results)
    skipped = sum(r.outcome == "skipped" for r in results)
    assert agreed / (agreed + disagreed) >= 0.99, [r for r in results if r.outcome == "disagreed"]
    assert skipped / len(results) < 0.03


def test_crl_cases_are_run_not_skipped(results):
    crl = [r for r in results if r.family == "crl"]
    assert crl and all(r.outcome == "agreed" for r in crl)


def test_skips_are_only_for_listed_features(results):
    cases = {c["id"]: c for c in public_cases()}
    for r in results:
        if r.outcome == "skipped":
            assert set(cases[r.id]["features"]) & set(SKIPPED_FEATURES)


def test_table_format(results):
    table = format_table(results)
    lines = table.splitlines()
    assert lines[0].split() == ["family", "agreed", "disagreed", "skipped"]
    families = {line.split()[0] for line in lines[1:] if re.match(r"^\S+\s+\d+\s+\d+\s+\d+$", line)}
    assert families == {"bettertls", "crl", "cve", "invalid", "online", "pathlen", "pathological", "rfc5280",
                        "webpki"}
    assert re.fullmatch(r"\d+ passed, \d+ failed, \d+ skipped", lines[-1])


def test_main_on_a_small_file(tmp_path, capsys):
    pick = [public_case(i) for i in
            ("crl::certificate-not-on-crl", "pathlen::intermediate-violates-pathlen-0",
             "webpki::san::public-suffix-multi-label-wildcard-san")]
    small = tmp_path / "small.json"
    small.write_text(json.dumps({"version": 1, "testcases": pick}))
    assert main([str(small)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "2 passed, 0 failed, 1 skipped"


def test_main_on_a_case_it_gets_wrong_exits_1(tmp_path, capsys):
    case = dict(public_case("crl::certificate-not-on-crl"))
    case["expected_result"] = "FAILURE"  # the failure twin: flip the expectation
    small = tmp_path / "flipped.json"
    small.write_text(json.dumps({"version": 1, "testcases": [case]}))
    assert main([str(small)]) == 1
    out = capsys.readouterr().out
    assert "disagreed: crl::certificate-not-on-crl (expected FAILURE)" in out
    assert out.splitlines()[-1] == "0 passed, 1 failed, 0 skipped"


def test_main_bad_file_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main([str(bad)]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_main_without_a_file_runs_the_public_sample(monkeypatch, capsys):
    monkeypatch.chdir(CASES.parents[2])  # the repository: the default file is relative to it
    assert main([]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "764 passed, 0 failed, 5 skipped"


def test_python_dash_m_runs_the_runner():
    done = subprocess.run([sys.executable, "-m", "pki_lab.conformance", "--help"], capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.returncode == 0 and "--pkits DIR" in done.stdout
