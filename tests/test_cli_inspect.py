"""``pki-lab inspect``: descriptions for good files, exit 2 and one readable line for bad ones."""

import subprocess
import sys

import certifi
import pytest

from pki_lab import data, make_csr, named_key, to_der, to_pem
from pki_lab.describe import describe

from .conftest import ROOT


def run(*args):
    result = subprocess.run([sys.executable, "-m", "pki_lab", "inspect", *map(str, args)],
                            capture_output=True, text=True, cwd=ROOT)
    return result.returncode, result.stdout, result.stderr


def test_a_public_root_from_certifi_is_described(tmp_path):
    bundle = open(certifi.where()).read()
    first = bundle[bundle.index("-----BEGIN CERTIFICATE-----"):bundle.index("-----END CERTIFICATE-----") + 25]
    path = tmp_path / "root.pem"
    path.write_text(first + "\n")
    code, out, err = run(path)
    assert code == 0, err
    from pki_lab import load_certificate

    assert out == str(describe(load_certificate(path))) + "\n"  # one file, one certificate: no header line
    assert err == ""


def test_the_whole_certifi_bundle_is_described_one_certificate_after_another():
    code, out, err = run(certifi.where())
    assert code == 0, err
    count = open(certifi.where()).read().count("-----BEGIN CERTIFICATE-----")
    assert out.count("\nCertificate for ") + out.startswith("Certificate for ") == count
    assert f"[{count} of {count}]" in out


def test_der_files_csrs_crls_and_several_files(tmp_path, hierarchy):
    leaf = tmp_path / "leaf.der"
    leaf.write_bytes(to_der(hierarchy.leaf))
    csr = tmp_path / "device.csr"
    csr.write_text(to_pem(make_csr(named_key("device-1"), "device_01")))
    crl = data.path("revocation/crl_rsa_public_root_ca_v1_2011.pem")
    code, out, err = run(leaf, csr, crl)
    assert code == 0, err
    assert "Certificate for CN=www.example.com" in out
    assert "Certificate signing request for CN=device_01" in out
    assert "Certificate revocation list from" in out
    assert out.index(str(leaf)) < out.index(str(csr)) < out.index(str(crl))


def test_tree_option_prints_field_paths(tmp_path):
    code, out, _ = run("--tree", data.path("roots/isrg_root_x1.pem"))
    assert code == 0
    assert "tbsCertificate.validity.notAfter" in out


def _png(tmp_path, leaf):
    path = tmp_path / "picture.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00")
    return path


def _truncated_der(tmp_path, leaf):
    path = tmp_path / "cut.der"
    path.write_bytes(to_der(leaf)[:200])
    return path


def _truncated_pem(tmp_path, leaf):
    path = tmp_path / "cut.pem"
    path.write_text(to_pem(leaf)[:300])
    return path


# Each case makes its file from a temporary directory and the demo leaf (the session's ``hierarchy`` fixture).
BAD = [
    ("empty-file", lambda tmp, leaf: _write(tmp, ""), "is empty"),
    ("png-image", _png, "does not start with a DER SEQUENCE"),
    ("truncated-der-certificate", _truncated_der, "it is truncated"),
    ("truncated-pem-certificate", _truncated_pem, "without its matching END line"),
    ("missing-file", lambda tmp, leaf: tmp / "nope.pem", "There is no file at"),
    ("private-key", lambda tmp, leaf: _write(tmp, to_pem(named_key("alice"))),
     "thing.pem holds a private key; inspect describes certificates"),
]


def _write(tmp, text):
    path = tmp / "thing.pem"
    path.write_text(text)
    return path


@pytest.mark.parametrize("make, message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_exits_2_with_one_readable_line(tmp_path, hierarchy, make, message):
    code, out, err = run(make(tmp_path, hierarchy.leaf))
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("pki-lab inspect: ") and message in lines[0] and lines[0].endswith(".")
