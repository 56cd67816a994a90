"""The lab validator beside ``openssl verify`` (where OpenSSL is installed) and pyca/cryptography's verifier.

On every gallery scenario OpenSSL and the lab agree. On the NIST PKITS runs the lab must agree with the expected
verdict; the peers' verdicts are put beside it, and where a peer differs from the expected verdict the run is listed
below with the reason (a difference not listed is reported as a warning, never a failure: the peers are not the
reference, PKITS is).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import warnings

import cryptography
import pytest

from pki_lab import clock
from pki_lab.ca import CertificateAuthority
from pki_lab.conformance.pkits import PKITS_TIME, load_inputs, run_pkits
from pki_lab.loading import load_certificate, to_der, to_pem
from pki_lab.validation.compare import verify_with_cryptography
from pki_lab.validation.gallery import GALLERY, HOST, Scenario, scenario
from pki_lab.validation.openssl import openssl_command, pkix_command, run_openssl, run_pkix

from .limbo import PKITS, pkits_runs

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is not installed")

#: Where ``openssl verify -crl_check_all -policy_check -extended_crl -use_deltas`` (OpenSSL 3.0) differs from the
#: expected PKITS verdict.
OPENSSL_DIFFERS = {
    "pkits-4.14.30-valid_crlissuer_test30": "OpenSSL fails to validate the path of the indirect CRL's issuer, whose "
                                            "own status comes from a CRL of its issuer (error 54, CRL path "
                                            "validation error); the test expects VALID",
}

_CRL = "its INVALID verdict comes from a CRL (a revoked certificate, or a CRL signed by a key that may not sign " \
       "CRLs); cryptography checks no CRLs"
_NAMES = "name chaining by RFC 5280 7.1 (RFC 4518: case and insignificant whitespace); cryptography compares " \
         "names byte for byte"
_DN_NC = "cryptography does not support directoryName name constraints and rejects a critical nameConstraints " \
         "that has one"
_SELF_ISSUED = "the path runs through a self-issued CA certificate (key rollover); cryptography's path builder " \
               "does not find it ('signature does not match')"
#: Where cryptography 50's verifier (Web PKI profile, no CRLs), on the runs it can judge (``for_cryptography``),
#: differs from the expected PKITS verdict.
CRYPTOGRAPHY_DIFFERS = {
    "pkits-4.1.4-valid_dsa_signatures_test4": "cryptography's Web PKI profile forbids DSA keys",
    "pkits-4.2.4-valid_generalizedtime_notbefore_date_test4": "cryptography refuses a GeneralizedTime date "
                                                              "before 2050 (RFC 5280 4.1.2.5 binds the CA, "
                                                              "PKITS expects a relying party to accept it)",
    "pkits-4.3.4-valid_name_chaining_whitespace_test4": _NAMES,
    "pkits-4.3.5-valid_name_chaining_capitalization_test5": _NAMES,
    "pkits-4.3.11-valid_utf8string_case_insensitive_match_test11": _NAMES,
    "pkits-4.5.2-invalid_basic_self_issued_old_with_new_test2": _CRL,
    "pkits-4.5.7-invalid_basic_self_issued_crl_signing_key_test7": _CRL,
    "pkits-4.6.4-valid_basicconstraints_not_critical_test4": "cryptography's Web PKI profile requires a critical "
                                                             "basicConstraints in a CA certificate",
    "pkits-4.6.15-valid_self_issued_pathlenconstraint_test15": _SELF_ISSUED,
    "pkits-4.6.17-valid_self_issued_pathlenconstraint_test17": _SELF_ISSUED,
    "pkits-4.7.4-invalid_keyusage_critical_crlsign_false_test4": _CRL,
    "pkits-4.7.5-invalid_keyusage_not_critical_crlsign_false_test5": _CRL,
    "pkits-4.13.1-valid_dn_nameconstraints_test1": _DN_NC,
    "pkits-4.13.5-valid_dn_nameconstraints_test5": _DN_NC,
    "pkits-4.13.11-valid_dn_nameconstraints_test11": _DN_NC,
    "pkits-4.13.18-valid_dn_nameconstraints_test18": _DN_NC,
    "pkits-4.13.19-valid_self_issued_dn_nameconstraints_test19": _DN_NC,
    "pkits-4.13.27-valid_dn_and_rfc822_nameconstraints_test27": _DN_NC,
    "pkits-4.13.34-valid_uri_nameconstraints_test34": "cryptography does not support URI name constraints",
}


def _loadable(runs):
    out = []
    for run in runs:
        try:
            load_inputs(run, PKITS)
        except ValueError:
            continue  # 4.1.5: see SKIPPED_RUNS
        out.append(run)
    return out


RUNS = _loadable(pkits_runs())
CRYPTOGRAPHY_RUNS = [r for r in RUNS if r.for_cryptography]  # no policy inputs, not about CRLs or policies


def _peer_beside_the_lab(peer: str, run, ok: bool, differs: dict[str, str], output: str) -> None:
    if ok is not run.expect_valid and run.id not in differs:
        warnings.warn(f"{peer} newly differs from PKITS on {run.id} (expected {run.expected}): {output}",
                      stacklevel=2)
    lab = run_pkits(run, PKITS)
    assert lab.outcome == "agreed", f"lab: {lab.outcome} (expected {run.expected}): {lab.detail}; {peer}: " \
                                    f"{'valid' if ok else 'INVALID'}"


@needs_openssl
@pytest.mark.parametrize("key", GALLERY)
def test_openssl_agrees_with_the_lab_validator(key, tmp_path):
    lab = scenario(key).validate()
    ok, output = run_openssl(scenario(key), tmp_path)
    assert ok is lab.ok, output
    if ok:
        assert output.endswith("leaf.pem: OK")
    else:
        assert "error" in output


def test_openssl_command_is_stable_and_complete(tmp_path):
    command = openssl_command(scenario("revoked-leaf"), tmp_path)
    assert command == ["openssl", "verify", "-attime", "1773576000", "-purpose", "sslserver", "-CAfile", "trust.pem",
                       "-untrusted", "untrusted.pem", "-verify_hostname", "www.example.com", "-crl_check",
                       "-CRLfile", "crls.pem", "leaf.pem"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crls.pem", "leaf.pem", "trust.pem", "untrusted.pem"]


def test_pkix_command_passes_the_policy_inputs(tmp_path):
    run = next(r for r in RUNS if r.id == "pkits-4.8.3-different_policies_test3_force_explicit_with_user_set")
    i = load_inputs(run, PKITS)
    command = pkix_command(tmp_path, i.leaf, i.others, [i.anchor], i.crls, PKITS_TIME, **run.kwargs())
    assert command == ["openssl", "verify", "-attime", "1651363200", "-CAfile", "trust.pem", "-untrusted",
                       "untrusted.pem", "-crl_check_all", "-extended_crl", "-use_deltas", "-CRLfile", "crls.pem",
                       "-policy_check", "-policy", "2.16.840.1.101.3.2.1.48.1", "-policy",
                       "2.16.840.1.101.3.2.1.48.2", "-explicit_policy", "leaf.pem"]
    default = pkix_command(tmp_path / "d", i.leaf, (), [i.anchor], (), PKITS_TIME, policy_mapping_inhibit=True,
                           any_policy_inhibit=True)
    assert default[-6:] == ["-policy_check", "-policy", "2.5.29.32.0", "-inhibit_map", "-inhibit_any", "leaf.pem"]
    assert "-untrusted" not in default and "-CRLfile" not in default


@needs_openssl
@pytest.mark.parametrize("run", [pytest.param(r, id=r.id) for r in RUNS])
def test_pkits_lab_beside_openssl(run, tmp_path):
    i = load_inputs(run, PKITS)
    ok, output = run_pkix(tmp_path, i.leaf, i.others, [i.anchor], i.crls, PKITS_TIME, **run.kwargs())
    _peer_beside_the_lab("OpenSSL", run, ok, OPENSSL_DIFFERS, output)


@pytest.mark.parametrize("run", [pytest.param(r, id=r.id) for r in CRYPTOGRAPHY_RUNS])
def test_pkits_lab_beside_cryptography(run):
    i = load_inputs(run, PKITS)
    result = verify_with_cryptography(i.leaf, i.others, [i.anchor], PKITS_TIME, usage=None)
    _peer_beside_the_lab("cryptography", run, result.ok, CRYPTOGRAPHY_DIFFERS, result.error)


def test_the_documented_differences_name_real_runs():
    ids = {r.id for r in RUNS}
    assert set(OPENSSL_DIFFERS) <= ids
    assert set(CRYPTOGRAPHY_DIFFERS) <= {r.id for r in CRYPTOGRAPHY_RUNS}


# --- ML-DSA chains: OpenSSL reads ML-DSA from 3.5.0 on ------------------------------------------------------------

def _openssl_release() -> tuple[tuple[int, ...] | None, str]:
    """The (major, minor) of the ``openssl`` command and its full version, or (None, "") where it is not installed."""
    if shutil.which("openssl") is None:
        return None, ""
    words = subprocess.run(["openssl", "version"], capture_output=True, text=True, timeout=10, check=False).stdout
    numbers = re.match(r"OpenSSL ((\d+)\.(\d+)\S*)", words)
    return ((int(numbers[2]), int(numbers[3])), numbers[1]) if numbers else (None, "")


OPENSSL_RELEASE, OPENSSL_VERSION = _openssl_release()
CRYPTOGRAPHY_RELEASE = tuple(int(p) for p in cryptography.__version__.split(".")[:2])
needs_ml_dsa_certificates = pytest.mark.skipif(CRYPTOGRAPHY_RELEASE < (49, 0), reason="ML-DSA certificates need "
                                               "cryptography 49.0 or newer (48's X.509 builders refuse ML-DSA keys)")
_NO_ML_DSA = (f"the system's OpenSSL ({OPENSSL_VERSION}) cannot read ML-DSA keys; "
              "ML-DSA (FIPS 204) arrived in OpenSSL 3.5.0 (8 April 2025)")
needs_openssl_ml_dsa = pytest.mark.skipif(OPENSSL_RELEASE is None or OPENSSL_RELEASE < (3, 5), reason=_NO_ML_DSA)


def _ml_dsa_scenario(kinds: tuple[str, str, str], *, tamper: bool = False) -> Scenario:
    """root -> intermediate -> leaf (HOST) with the given key kinds, at the lab epoch; ``tamper`` flips a bit of the
    leaf's signature."""
    with clock.travel_to(clock.LAB_EPOCH):
        root = CertificateAuthority.create_root("OpenSSL PQ Root " + "-".join(kinds), key_kind=kinds[0])
        issuing = root.create_intermediate("OpenSSL PQ Issuing " + "-".join(kinds), key_kind=kinds[1])
        leaf = issuing.issue(HOST, profile="server", key_kind=kinds[2])
    if tamper:
        der = bytearray(to_der(leaf))
        der[-50] ^= 0x01
        leaf = load_certificate(bytes(der))
    return Scenario("ml-dsa", "-".join(kinds), leaf, (issuing.certificate,), (root.certificate,))


ML_DSA_CHAINS = [("ml-dsa-65",) * 3, ("ml-dsa-44", "ec", "ec"), ("ec", "ec", "ml-dsa-87")]


@needs_ml_dsa_certificates
@needs_openssl
@needs_openssl_ml_dsa
@pytest.mark.parametrize("kinds", ML_DSA_CHAINS, ids="-".join)
@pytest.mark.parametrize("tamper", [False, True], ids=["intact", "tampered"])
def test_openssl_agrees_with_the_lab_validator_on_ml_dsa_chains(kinds, tamper, tmp_path):
    """The lab under RFC 5280 (the Web PKI profile refuses ML-DSA keys; OpenSSL's sslserver purpose does not)."""
    s = _ml_dsa_scenario(kinds, tamper=tamper)
    lab = s.validate(profile="rfc5280")
    ok, output = run_openssl(s, tmp_path)
    assert lab.ok is not tamper and ok is lab.ok, output


@needs_ml_dsa_certificates
@needs_openssl
@pytest.mark.skipif(OPENSSL_RELEASE is not None and OPENSSL_RELEASE >= (3, 5), reason="this OpenSSL reads ML-DSA")
def test_an_openssl_older_than_3_5_cannot_read_an_ml_dsa_key(tmp_path):
    """What the skip above says, checked: OpenSSL 3.0 sees the ML-DSA-65 OID but cannot load the key."""
    s = _ml_dsa_scenario(("ml-dsa-65",) * 3)
    (tmp_path / "leaf.pem").write_text(to_pem(s.leaf))
    result = subprocess.run(["openssl", "x509", "-in", "leaf.pem", "-noout", "-text"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=30, check=False)
    assert "2.16.840.1.101.3.4.3.18" in result.stdout and "Unable to load Public Key" in result.stdout
    ok, _ = run_openssl(s, tmp_path)
    assert not ok and s.validate(profile="rfc5280").ok
