"""No private key sits in the repository outside the places labelled test-only (issue 15, item 7).

Every tracked file (``git ls-files``) is scanned for private key material in the forms one can find without
guessing: PEM blocks whose label ends in PRIVATE KEY (also inside JSON strings, where the newlines are ``\\n``),
OpenSSH and PGP private key blocks, and DER private keys (PKCS#8, encrypted PKCS#8, PKCS#1 RSA, SEC 1 EC,
PKCS#12) as raw bytes, as base64 or as hex text. A DER structure is recognised by its first bytes (SEQUENCE,
then the version INTEGER and the next tag of each format), so a certificate, CSR, CRL, OCSP message or public
key never matches. A file that holds a key must be in :data:`ALLOWED`, whose places are each labelled by a
README next to them; a new private key anywhere else fails the test, naming the file.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import fnmatch
import json
import re
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from pki_lab.keys import named_key

from .conftest import ROOT

#: Where private keys may be, and the README that labels them test-only.
ALLOWED = {
    "pki_lab/data/keys/test-only-rsa-*.pem": "pki_lab/data/keys/README.md",
    "tests/conformance/x509-limbo/public.json": "tests/conformance/x509-limbo/README.md",
}

_PEM = re.compile(rb"-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----(.{40,}?)-----END \1-----", re.DOTALL)
_BASE64 = re.compile(rb"[A-Za-z0-9+/]{64,}")
_HEX = re.compile(rb"(?<![0-9A-Fa-f])30[0-9A-Fa-f]{62,}")
_OID_PBE = (bytes.fromhex("2a864886f70d0105"), bytes.fromhex("2a864886f70d010c01"))  # PKCS#5 and PKCS#12 PBE
_OID_DATA = bytes.fromhex("2a864886f70d010701")  # PKCS#7 data, the content of a PKCS#12 PFX


def _tlv(blob: bytes, at: int) -> tuple[int, int, int] | None:
    """(tag, start of content, length) of the DER element at ``at``, or None when the bytes stop first."""
    if at + 2 > len(blob):
        return None
    tag, first = blob[at], blob[at + 1]
    if first < 0x80:
        return tag, at + 2, first
    count = first & 0x7F
    if not 1 <= count <= 4 or at + 2 + count > len(blob):
        return None
    return tag, at + 2 + count, int.from_bytes(blob[at + 2:at + 2 + count], "big")


def looks_like_private_key_der(blob: bytes) -> bool:
    """Whether ``blob`` starts like a DER private key: PKCS#8 (plain or encrypted), PKCS#1, SEC 1 or PKCS#12."""
    outer = _tlv(blob, 0)
    if outer is None or outer[0] != 0x30:
        return False
    first = _tlv(blob, outer[1])
    if first is None:
        return False
    tag, start, length = first
    if tag == 0x30:  # EncryptedPrivateKeyInfo: SEQUENCE { SEQUENCE { OID of a PBE scheme, ... }, OCTET STRING }
        oid = _tlv(blob, start)
        return oid is not None and oid[0] == 0x06 and blob[oid[1]:oid[1] + oid[2]].startswith(_OID_PBE)
    if tag != 0x02 or length != 1 or start + 1 > len(blob):
        return False
    version, after = blob[start], _tlv(blob, start + 1)
    if after is None:
        return False
    if version == 3:  # PFX: version 3, then the ContentInfo of type data
        oid = _tlv(blob, after[1])
        return after[0] == 0x30 and oid is not None and blob[oid[1]:oid[1] + oid[2]] == _OID_DATA
    return (version, after[0]) in {(0, 0x30), (1, 0x30),  # PKCS#8 v1 and v2: AlgorithmIdentifier next
                                   (0, 0x02),  # PKCS#1 RSAPrivateKey: the modulus next
                                   (1, 0x04)}  # SEC 1 ECPrivateKey: the private key OCTET STRING next


def private_keys_in(data: bytes) -> list[str]:
    """A short description of each piece of private key material found in ``data``."""
    found = [f"PEM {m.group(1).decode()}" for m in _PEM.finditer(data)]
    if looks_like_private_key_der(data):
        found.append("DER private key")
    for run in _BASE64.finditer(data):
        # A run may start with the letter of an escape (the n of a JSON "\n"): try each alignment.
        heads = (base64.b64decode(run.group()[skip:skip + 60]) for skip in range(4))
        if any(looks_like_private_key_der(head) or head.startswith(b"openssh-key-v1\0") for head in heads):
            found.append("base64 private key")
    for run in _HEX.finditer(data):
        if looks_like_private_key_der(binascii.unhexlify(run.group()[:64])):
            found.append("hex private key")
    return found


def _tracked_files() -> list[str]:
    try:
        listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: there is no list of tracked files to scan")
    return [name for name in listing.decode().split("\0") if name and (ROOT / name).is_file()]


def _allowed(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in ALLOWED)


def test_no_private_key_outside_the_labelled_places():
    holders = {}
    for name in _tracked_files():
        found = private_keys_in((ROOT / name).read_bytes())
        if found:
            holders[name] = found
    stray = {name: found for name, found in holders.items() if not _allowed(name)}
    assert not stray, ("Private key material outside the labelled test-only places (label it and add it to ALLOWED "
                       f"in tests/test_secrets.py, or remove it): {stray}")
    assert any(fnmatch.fnmatchcase(name, "pki_lab/data/keys/*") for name in holders)  # the scan does see keys
    assert "tests/conformance/x509-limbo/public.json" in holders


def test_each_labelled_place_says_test_only():
    for readme in set(ALLOWED.values()):
        assert "test-only" in (ROOT / readme).read_text().casefold(), readme
    limbo = (ROOT / "tests/conformance/x509-limbo/README.md").read_text()
    assert "`peer_certificate_key`" in limbo and "x509-limbo's generator made them" in limbo


def test_the_limbo_keys_sit_only_in_the_peer_certificate_key_field():
    cases = json.loads((ROOT / "tests/conformance/x509-limbo/public.json").read_bytes())["testcases"]
    with_key = 0
    for case in cases:
        key = case.get("peer_certificate_key")
        with_key += key is not None
        if key is not None:
            assert private_keys_in(key.encode()), case["id"]
        rest = json.dumps({field: value for field, value in case.items() if field != "peer_certificate_key"})
        assert not private_keys_in(rest.encode()), case["id"]
    assert with_key == 102  # the README's count


_NAME = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "scan test")])


def _self_signed(key) -> x509.Certificate:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    builder = (x509.CertificateBuilder().subject_name(_NAME).issuer_name(_NAME).public_key(key.public_key())
               .serial_number(1).not_valid_before(start).not_valid_after(start.replace(year=2040)))
    return builder.sign(key, hashes.SHA256())


@pytest.mark.parametrize("form", ["pkcs8-pem", "pkcs1-pem", "sec1-pem", "encrypted-pem", "openssh", "pkcs8-der",
                                  "pkcs1-der", "sec1-der", "encrypted-der", "pkcs12", "ed25519-der",
                                  "base64-in-json", "pem-in-json", "unlabelled-lines-in-json", "hex"])
def test_the_scan_finds_every_form_of_a_private_key(form):
    rsa, ecdsa, edkey = named_key("alice", "rsa"), ec.generate_private_key(ec.SECP256R1()), \
        ed25519.Ed25519PrivateKey.generate()
    enc, fmt = serialization.Encoding, serialization.PrivateFormat
    none, secret = serialization.NoEncryption(), serialization.BestAvailableEncryption(b"pw")
    blobs = {
        "pkcs8-pem": lambda: rsa.private_bytes(enc.PEM, fmt.PKCS8, none),
        "pkcs1-pem": lambda: rsa.private_bytes(enc.PEM, fmt.TraditionalOpenSSL, none),
        "sec1-pem": lambda: ecdsa.private_bytes(enc.PEM, fmt.TraditionalOpenSSL, none),
        "encrypted-pem": lambda: ecdsa.private_bytes(enc.PEM, fmt.PKCS8, secret),
        "openssh": lambda: edkey.private_bytes(enc.PEM, fmt.OpenSSH, none),
        "pkcs8-der": lambda: ecdsa.private_bytes(enc.DER, fmt.PKCS8, none),
        "pkcs1-der": lambda: rsa.private_bytes(enc.DER, fmt.TraditionalOpenSSL, none),
        "sec1-der": lambda: ecdsa.private_bytes(enc.DER, fmt.TraditionalOpenSSL, none),
        "encrypted-der": lambda: rsa.private_bytes(enc.DER, fmt.PKCS8, secret),
        "pkcs12": lambda: pkcs12.serialize_key_and_certificates(b"k", ecdsa, _self_signed(ecdsa), None, secret),
        "ed25519-der": lambda: edkey.private_bytes(enc.DER, fmt.PKCS8, none),
        "base64-in-json": lambda: json.dumps(
            {"key": base64.b64encode(ecdsa.private_bytes(enc.DER, fmt.PKCS8, none)).decode()}).encode(),
        "pem-in-json": lambda: json.dumps({"key": rsa.private_bytes(enc.PEM, fmt.PKCS8, none).decode()}).encode(),
        "unlabelled-lines-in-json": lambda: json.dumps({"key": "\n".join(
            rsa.private_bytes(enc.PEM, fmt.PKCS8, none).decode().splitlines()[1:-1])}).encode(),
        "hex": lambda: f"KEY = '{ecdsa.private_bytes(enc.DER, fmt.PKCS8, none).hex()}'".encode(),
    }
    blob = blobs[form]()
    if blob.startswith(b"0"):  # a DER file: the whole file is the key
        assert private_keys_in(blob) == ["DER private key"], form
    else:  # text: the key is found wherever it sits
        assert private_keys_in(b"some text before\n" + blob + b"\nand after"), form


def test_certificates_csrs_crls_and_public_keys_are_not_keys(hierarchy):
    enc = serialization.Encoding
    leaf = hierarchy.leaf
    public = leaf.public_key()
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    samples = [leaf.public_bytes(enc.PEM), leaf.public_bytes(enc.DER),
               base64.b64encode(leaf.public_bytes(enc.DER)), leaf.public_bytes(enc.DER).hex().encode(),
               public.public_bytes(enc.PEM, spki), public.public_bytes(enc.DER, spki),
               b"-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",  # an elided example in a doc
               b"PEM labels: 'PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY'"]
    key = ec.generate_private_key(ec.SECP256R1())
    csr = x509.CertificateSigningRequestBuilder().subject_name(_NAME).sign(key, hashes.SHA256())
    samples += [csr.public_bytes(enc.PEM), csr.public_bytes(enc.DER)]
    samples += [(ROOT / "tests/conformance/pkits" / name).read_bytes()
                for name in ("certs/BadCRLIssuerNameCACert.crt", "crls/BadCRLIssuerNameCACRL.crl")]
    for sample in samples:
        assert not private_keys_in(sample), sample[:60]
