"""Chapter 04's validator on chapter 13's chains: pure ML-DSA chains and mixed ones, valid and refused.

A private PKI (profile ``rfc5280``) may use ML-DSA at any level; the CA/Browser Forum's Baseline Requirements
(profile ``webpki``) allow only RSA and ECDSA keys as of 2026-12-01, so the Web PKI profile refuses them.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from pki_lab.postquantum import lab_chain
from pki_lab.validation import validate_chain
from pki_lab.validation.gallery import Scenario
from pki_lab.validation.openssl import run_openssl

CHAINS = [("ML-DSA-65",) * 3, ("ML-DSA-87", "ECDSA P-256", "ECDSA P-256"), ("ECDSA P-384", "ML-DSA-44", "Ed25519"),
          ("RSA-3072", "ML-DSA-65", "ML-DSA-44")]


@pytest.mark.parametrize("algorithms", CHAINS)
def test_pure_and_mixed_chains_validate(algorithms):
    """root (A) -> intermediate (B) -> leaf (C): each signature is checked with its issuer's algorithm."""
    chain = lab_chain(*algorithms)
    report = validate_chain(chain.leaf, [chain.intermediate], trust=[chain.root], name="www.example.com",
                            profile="rfc5280")
    assert report.ok, report.reason


def test_a_mixed_chain_under_a_root_of_the_same_name_but_another_key_fails():
    """ML-DSA-65 root -> ECDSA intermediate -> leaf, trusting the ML-DSA-44 root of the same name: the
    intermediate's ML-DSA-65 signature does not verify with that root's key."""
    mixed, other = lab_chain("ML-DSA-65", "ECDSA P-256"), lab_chain("ML-DSA-44")
    assert mixed.root.subject == other.root.subject
    report = validate_chain(mixed.leaf, [mixed.intermediate], trust=[other.root], name="www.example.com",
                            profile="rfc5280")
    assert not report.ok
    assert "signature" in report.reason


def test_the_same_root_signed_again_is_still_the_same_trust_anchor():
    """ML-DSA signs randomly, so two builds of a root differ in bytes; a trust anchor is its name and key."""
    mixed, pure = lab_chain("ML-DSA-65", "ECDSA P-256"), lab_chain("ML-DSA-65")
    assert mixed.root != pure.root and mixed.root.public_key() == pure.root.public_key()
    report = validate_chain(mixed.leaf, [mixed.intermediate], trust=[pure.root], name="www.example.com",
                            profile="rfc5280")
    assert report.ok, report.reason


def test_the_web_pki_profile_refuses_ml_dsa_as_the_baseline_requirements_do():
    chain = lab_chain("ML-DSA-65")
    report = validate_chain(chain.leaf, [chain.intermediate], trust=[chain.root], name="www.example.com")
    assert not report.ok
    assert "the Baseline Requirements allow only RSA and ECDSA keys" in report.reason


def _openssl_version() -> tuple[int, int] | None:
    """The installed OpenSSL's (major, minor), or None where there is no openssl command."""
    if shutil.which("openssl") is None:
        return None
    out = subprocess.run(["openssl", "version"], capture_output=True, text=True, check=False, timeout=30).stdout
    major, minor = re.match(r"OpenSSL (\d+)\.(\d+)", out).groups()
    return int(major), int(minor)


@pytest.mark.skipif(_openssl_version() is None, reason="the openssl command is not installed here")
def test_openssl_reads_ml_dsa_from_3_5_and_not_before(tmp_path):
    """The chapter's claim: OpenSSL verifies an ML-DSA chain from 3.5 on; 3.0 cannot load the key."""
    chain = lab_chain("ML-DSA-65")
    scenario = Scenario("pq", "ML-DSA-65 chain", chain.leaf, (chain.intermediate,), (chain.root,))
    ok, output = run_openssl(scenario, tmp_path)
    if _openssl_version() >= (3, 5):
        assert ok, output
    else:
        assert not ok
        text = subprocess.run(["openssl", "x509", "-in", "leaf.pem", "-noout", "-text"], cwd=tmp_path,
                              capture_output=True, text=True, check=False, timeout=30)
        assert "2.16.840.1.101.3.4.3.18" in text.stdout  # the algorithm shown only by its OID (RFC 9881)
        assert "Unable to load Public Key" in text.stdout + text.stderr


@pytest.mark.skipif(_openssl_version() is None, reason="the openssl command is not installed here")
def test_the_same_check_passes_for_an_ecdsa_chain(tmp_path):
    """The failure twin: the classical chain, written and checked the same way, verifies on any OpenSSL 3."""
    chain = lab_chain("ECDSA P-256")
    scenario = Scenario("ec", "ECDSA chain", chain.leaf, (chain.intermediate,), (chain.root,))
    ok, output = run_openssl(scenario, tmp_path)
    assert ok, output
