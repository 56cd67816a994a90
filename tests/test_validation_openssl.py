"""The lab validator and ``openssl verify`` agree on every gallery scenario (skipped where OpenSSL is absent)."""

from __future__ import annotations

import shutil

import pytest

from pki_lab.validation.gallery import GALLERY, scenario
from pki_lab.validation.openssl import openssl_command, run_openssl

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is not installed")


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
