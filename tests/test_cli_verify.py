"""``pki-lab verify``: exit 0 for a valid chain, 1 for an invalid one, 2 for bad input; the profile, revocation,
usage and policy flags reach the validator."""

from __future__ import annotations

from pathlib import Path

import pytest

from pki_lab.cli import main
from pki_lab.clock import LAB_EPOCH
from pki_lab.commands import verify as verify_command
from pki_lab.loading import to_pem
from pki_lab.revocation import build_crl
from pki_lab.validation.gallery import base_chain, scenario


@pytest.fixture()
def files(tmp_path):
    b = base_chain()
    paths = {}
    for name, obj in (("leaf", b.leaf), ("issuing", b.issuing.certificate), ("root", b.root.certificate)):
        paths[name] = tmp_path / f"{name}.pem"
        paths[name].write_text(to_pem(obj))
    paths["crl"] = tmp_path / "issuing.crl"
    paths["crl"].write_text(to_pem(build_crl(b.issuing, revoked=[(b.leaf, "keyCompromise")])))
    paths["root-crl"] = tmp_path / "root.crl"
    paths["root-crl"].write_text(to_pem(build_crl(b.root, revoked=[])))
    paths["forged"] = tmp_path / "forged.pem"
    paths["forged"].write_text(to_pem(scenario("broken-signature").leaf))
    return paths


def test_verify_valid_chain_exit_0(files, capsys):
    code = main(["verify", str(files["leaf"]), "--trust", str(files["root"]), "--untrusted", str(files["issuing"]),
                 "--name", "www.example.com"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("VALID: A valid path of 3 certificates leads from the leaf to the trust anchor "
                          "Gallery Root CA.")
    assert "PASS  leaf (www.example.com): Its subjectAltName matches www.example.com. [RFC 9525 6.3]" in out


@pytest.mark.parametrize("extra, words", [
    (["--name", "shop.example.org"], "The name shop.example.org matches none of its subjectAltName entries"),
    (["--at", "2026-04-29T12:00:00Z"], "Expired: its validity ended 2026-04-14T12:00:00+00:00"),
    (["--crl", "{crl}", "--crl", "{root_crl}"], "Revoked: the CRL lists serial"),
    (["--crl", "{crl}", "--revocation", "soft-fail"], "Revoked: the CRL lists serial"),
])
def test_verify_invalid_chain_exit_1(files, capsys, extra, words):
    extra = [e.format(crl=files["crl"], root_crl=files["root-crl"]) for e in extra]
    code = main(["verify", str(files["leaf"]), "-t", str(files["root"]), "-u", str(files["issuing"]), "--brief",
                 *extra])
    out = capsys.readouterr().out
    assert code == 1 and out.startswith("INVALID: ") and words in out


def test_verify_forged_leaf_exit_1(files, capsys):
    code = main(["verify", str(files["forged"]), "-t", str(files["root"]), "-u", str(files["issuing"]), "--brief"])
    assert code == 1
    assert "the signature does not verify with the issuer's public key" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["--at", "2026-04-29T12:00:00"], "has no time zone; add Z for UTC"),
    (["--at", "yesterday"], "is not an ISO 8601 time"),
    (["--untrusted", "missing.pem"], "missing.pem"),
])
def test_verify_bad_input_exit_2(files, capsys, args, message):
    code = main(["verify", str(files["leaf"]), "-t", str(files["root"]), *args])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("pki-lab verify: ") and message in err


def test_verify_a_crl_where_a_certificate_was_expected_exit_2(files, capsys):
    assert main(["verify", str(files["crl"]), "-t", str(files["root"])]) == 2
    assert "pki-lab verify: " in capsys.readouterr().err


def test_verify_revocation_off_ignores_the_crls(files, capsys):
    code = main(["verify", str(files["leaf"]), "-t", str(files["root"]), "-u", str(files["issuing"]), "--brief",
                 "--name", "www.example.com", "--crl", str(files["crl"]), "--revocation", "off"])
    assert code == 0 and capsys.readouterr().out.startswith("VALID: ")


def test_verify_revocation_required_fails_closed(files, capsys):
    # Only the issuing CA's CRL: the issuing CA's own status (from the root) cannot be determined (RFC 5280 6.3).
    code = main(["verify", str(files["leaf"]), "-t", str(files["root"]), "-u", str(files["issuing"]), "--brief",
                 "--name", "www.example.com", "--crl", str(files["crl"]), "--revocation", "require"])
    out = capsys.readouterr().out
    assert code == 1 and out.startswith("INVALID: intermediate 1 (Gallery Issuing CA): ")


def test_verify_the_flags_reach_validate_chain(files, monkeypatch, capsys):
    seen = {}

    class Report:
        ok = True
        at = LAB_EPOCH

        def summary(self):
            return "VALID: stub"

    def fake(leaf, untrusted, trust, **kwargs):
        seen.update(kwargs)
        return Report()

    monkeypatch.setattr(verify_command, "validate_chain", fake)
    assert main(["verify", str(files["leaf"]), "-t", str(files["root"]), "--brief", "--profile", "rfc5280",
                 "--usage", "none", "--revocation", "hard-fail", "--policy", "1.2.3", "--policy", "1.2.4",
                 "--explicit-policy", "--inhibit-policy-mapping", "--inhibit-any-policy"]) == 0
    assert seen["profile"] == "rfc5280" and seen["usage"] is None and seen["revocation"] == "hard-fail"
    assert seen["initial_policies"] == ["1.2.3", "1.2.4"]
    assert seen["explicit_policy"] is seen["policy_mapping_inhibit"] is seen["any_policy_inhibit"] is True
    seen.clear()
    assert main(["verify", str(files["leaf"]), "-t", str(files["root"]), "--brief"]) == 0
    assert seen["profile"] == "webpki" and seen["usage"] == "server" and seen["revocation"] is None
    assert seen["initial_policies"] is None
    assert seen["explicit_policy"] is seen["policy_mapping_inhibit"] is seen["any_policy_inhibit"] is False


PKITS = Path(__file__).parent / "conformance" / "pkits"


@pytest.mark.parametrize("policy, code", [
    ([], 0),
    (["--explicit-policy"], 0),
    (["--policy", "2.16.840.1.101.3.2.1.48.1", "--explicit-policy"], 0),
    (["--policy", "2.16.840.1.101.3.2.1.48.2", "--explicit-policy"], 1),  # PKITS 4.8.1, a policy the path lacks
    (["--policy", "2.16.840.1.101.3.2.1.48.2"], 0),  # not required explicitly: the path stays valid (6.1.5 (g))
])
def test_verify_rfc5280_with_policy_inputs(capsys, policy, code):
    certs, crls = PKITS / "certs", PKITS / "crls"
    args = ["verify", str(certs / "ValidCertificatePathTest1EE.crt"),
            "-t", str(certs / "TrustAnchorRootCertificate.crt"), "-u", str(certs / "GoodCACert.crt"),
            "--crl", str(crls / "TrustAnchorRootCRL.crl"),
            "--crl", str(crls / "GoodCACRL.crl"), "--at", "2022-05-01T00:00:00Z", "--profile", "rfc5280",
            "--usage", "none", "--brief", *policy]
    assert main(args) == code, capsys.readouterr().out


def test_verify_a_policy_that_is_not_an_oid_exit_2(files, capsys):
    assert main(["verify", str(files["leaf"]), "-t", str(files["root"]), "--policy", "anyPolicy"]) == 2
    assert "is not a dotted OID" in capsys.readouterr().err


@pytest.mark.parametrize("flag, value", [("--profile", "cabf"), ("--revocation", "maybe"), ("--usage", "email")])
def test_verify_unknown_choice_is_refused(files, capsys, flag, value):
    assert main(["verify", str(files["leaf"]), "-t", str(files["root"]), flag, value]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"pki-lab verify: Argument {flag}: invalid choice: '{value}'")
    assert err.endswith("; see 'pki-lab verify --help'.\n") and err.count("\n") == 1
