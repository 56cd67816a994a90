"""ML-DSA and ML-KEM named keys, the RSA-3072 twins, and the one signer and verifier with ML-DSA.

ML-DSA keys are derived from the name (a 32-byte seed, FIPS 204's xi); their signatures are hedged, so they differ
every time and are never compared as bytes, only verified.
"""

from __future__ import annotations

import hashlib
import re

import cryptography
import pytest
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import mldsa, mlkem

from pki_lab import keys
from pki_lab.ca import CertificateAuthority, make_csr, sign_with
from pki_lab.errors import ParameterError, WrongTypeError
from pki_lab.keys import (
    KEM_KINDS,
    ML_DSA_SIZES,
    canonical_kind,
    is_randomised,
    key_summary,
    ml_dsa_level,
    named_key,
    public_key_of,
    require_ml_dsa_x509,
    sign_bytes,
    signing_hash,
    verify_bytes,
)
from pki_lab.names import make_name
from pki_lab.revocation import OcspResponder, RevocationRegistry
from pki_lab.revocation.ocsp import build_request

from .conftest import run_python

LEVELS = ("ml-dsa-44", "ml-dsa-65", "ml-dsa-87")


def _raw(key) -> bytes:
    return public_key_of(key).public_bytes_raw()


@pytest.mark.parametrize("kind", LEVELS)
def test_ml_dsa_key_is_derived_from_a_seed_hashed_from_the_name(kind):
    key = named_key("alice", kind)
    seed = hashlib.sha256(f"pki-lab/{kind}/alice".encode()).digest()
    assert key.private_bytes_raw() == seed  # the 32-byte seed: RFC 9881's recommended private key format
    level = "ML-DSA-" + kind[-2:]
    assert key_summary(key) == level and ml_dsa_level(key) == level and ml_dsa_level(key.public_key()) == level
    assert len(_raw(key)) == ML_DSA_SIZES[level][0]
    assert _raw(named_key("alice", kind)) == _raw(key) and _raw(named_key("bob", kind)) != _raw(key)


def test_the_three_levels_of_one_name_are_different_keys():
    assert len({_raw(named_key("alice", kind)) for kind in LEVELS}) == 3


@pytest.mark.parametrize("spelling", ["ML-DSA-65", "mldsa65", "MLDSA65", "ml_dsa_65", " ml-dsa-65 "])
def test_spellings_of_ml_dsa_65_give_the_same_cached_key(spelling):
    assert named_key("alice", spelling) is named_key("alice", "ml-dsa-65")
    assert canonical_kind(spelling) == "ml-dsa-65"


def test_an_ml_dsa_key_is_the_same_in_another_process():
    code = ("from pki_lab.keys import named_key\n"
            "print(named_key('alice', 'ml-dsa-65').public_key().public_bytes_raw().hex())\n")
    assert run_python(code).strip() == _raw(named_key("alice", "ml-dsa-65")).hex()


@pytest.mark.parametrize("kind", LEVELS)
def test_ml_dsa_signatures_differ_every_time_and_both_verify(kind):
    key = named_key("signer", kind)
    first, second = sign_bytes(key, b"the same bytes"), sign_bytes(key, b"the same bytes")
    assert first != second  # hedged ML-DSA: fresh randomness in every signature
    assert len(first) == len(second) == ML_DSA_SIZES["ML-DSA-" + kind[-2:]][1]
    assert verify_bytes(key, first, b"the same bytes") and verify_bytes(key.public_key(), second, b"the same bytes")
    assert not verify_bytes(key, first, b"other bytes")
    assert is_randomised(key) and signing_hash(key) is None


def test_an_ml_dsa_signature_verifies_only_at_its_own_level_and_with_its_own_key():
    signature = sign_bytes(named_key("signer", "ml-dsa-44"), b"data")
    assert verify_bytes(named_key("signer", "ml-dsa-44"), signature, b"data")
    assert not verify_bytes(named_key("signer", "ml-dsa-65"), signature, b"data")  # wrong level
    assert not verify_bytes(named_key("other", "ml-dsa-44"), signature, b"data")  # wrong key
    tampered = bytes([signature[0] ^ 1]) + signature[1:]
    assert not verify_bytes(named_key("signer", "ml-dsa-44"), tampered, b"data")


def test_classical_signatures_still_repeat():
    for kind in ("ec", "p384", "ed25519"):
        key = named_key("alice", kind)
        assert sign_bytes(key, b"x") == sign_bytes(key, b"x") and not is_randomised(key)


@pytest.mark.parametrize("kind, cls, public_size", [("ml-kem-768", mlkem.MLKEM768PrivateKey, 1184),
                                                    ("ml-kem-1024", mlkem.MLKEM1024PrivateKey, 1568)])
def test_ml_kem_keys_come_from_a_64_byte_seed_and_encapsulate(kind, cls, public_size):
    key = named_key("kem", kind)
    assert isinstance(key, cls) and kind in KEM_KINDS
    assert key.private_bytes_raw() == hashlib.sha512(f"pki-lab/{kind}/kem".encode()).digest()
    assert len(key.public_key().public_bytes_raw()) == public_size  # FIPS 203 Table 3
    shared, ciphertext = key.public_key().encapsulate()
    assert key.decapsulate(ciphertext) == shared and len(shared) == 32
    assert key_summary(key) == "ML-KEM-" + kind.rsplit("-", 1)[1]
    assert named_key("kem", kind.upper()) is key


def test_ml_kem_512_is_refused_with_the_levels_cryptography_has():
    with pytest.raises(ParameterError, match="implements ML-KEM-768 and ML-KEM-1024 but not ML-KEM-512"):
        named_key("kem", "ML-KEM-512")


def test_an_ml_kem_key_cannot_sign_and_says_so():
    with pytest.raises(WrongTypeError, match="ML-KEM-768 key encapsulates shared secrets and cannot sign"):
        sign_bytes(named_key("kem", "ml-kem-768"), b"data")
    assert not verify_bytes(named_key("kem", "ml-kem-768"), b"\x00" * 64, b"data")


def test_ml_dsa_keys_export_as_pkcs8_and_spki():
    key = named_key("alice", "ml-dsa-65")
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert serialization.load_der_public_key(spki) == key.public_key()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    assert _raw(serialization.load_pem_private_key(pem, None)) == _raw(key)


def test_rsa_3072_twins_of_the_roles_are_shipped():
    for role in ("root-ca", "intermediate-ca", "server", "client", "device"):
        key = named_key(role, "rsa3072")
        assert key.key_size == 3072 and key_summary(key) == "RSA 3072"
        assert named_key(role, "RSA-3072") is key
        assert _spki(key) != _spki(named_key(role, "rsa"))


def _spki(key) -> bytes:
    return public_key_of(key).public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def test_an_rsa_3072_name_without_a_twin_lists_the_twins():
    with pytest.raises(ParameterError, match="no 3,072-bit RSA key for 'alice'.*root-ca.*server"):
        named_key("alice", "rsa3072")


def test_an_unknown_kind_lists_every_kind():
    with pytest.raises(ParameterError, match="Unknown key kind 'ml-dsa-66'.*ml-dsa-87.*ml-kem-1024"):
        named_key("alice", "ml-dsa-66")


def test_without_ml_dsa_in_cryptography_the_sentence_names_the_floor(monkeypatch):
    """A cryptography without the ML-DSA module (older than 48) gets a ParameterError naming 49.0, not an error."""
    monkeypatch.setattr(keys, "mldsa", None)
    monkeypatch.setattr(keys, "mlkem", None)
    with pytest.raises(ParameterError, match=r"ML-DSA needs cryptography 49\.0 or newer.*this is cryptography"):
        named_key("a name never derived before", "ml-dsa-65")
    with pytest.raises(ParameterError, match=r"ML-KEM needs cryptography 49\.0 or newer"):
        named_key("a name never derived before", "ml-kem-768")


def test_ml_dsa_in_certificates_before_49_names_the_release(monkeypatch):
    monkeypatch.setattr(cryptography, "__version__", "48.0.1")
    with pytest.raises(ParameterError, match=r"need cryptography 49\.0 or newer: cryptography 48\.0\.1 has ML-DSA"):
        require_ml_dsa_x509(named_key("alice", "ml-dsa-44"))
    require_ml_dsa_x509(named_key("alice"))  # other keys pass on any release
    monkeypatch.setattr(cryptography, "__version__", "49.0.0")
    require_ml_dsa_x509(named_key("alice", "ml-dsa-44"))


def test_public_key_of_accepts_ml_dsa_public_keys_and_refuses_other_objects():
    public = named_key("alice", "ml-dsa-87").public_key()
    assert public_key_of(public) is public and isinstance(public, mldsa.MLDSA87PublicKey)
    with pytest.raises(WrongTypeError, match=r"RSA, EC or Ed25519 key \(or an ML-DSA key\)"):
        public_key_of(b"not a key")


def test_an_ml_kem_key_has_no_signing_hash_and_the_ca_will_not_sign_with_it():
    kem = named_key("kem", "ml-kem-1024")
    with pytest.raises(WrongTypeError, match="ML-KEM-1024 key encapsulates shared secrets and cannot sign"):
        signing_hash(kem)
    builder = x509.CertificateSigningRequestBuilder().subject_name(make_name("kem"))
    with pytest.raises(WrongTypeError, match="cannot sign"):
        sign_with(builder, kem)


@pytest.mark.skipif(tuple(int(p) for p in cryptography.__version__.split(".")[:2]) < (49, 0),
                    reason="ML-DSA certificates need cryptography 49.0 or newer (48's X.509 builders refuse them)")
def test_a_ca_refuses_an_ml_dsa_key_that_is_not_its_certificate_s():
    root = CertificateAuthority.create_root("Key Check CA", key_kind="ml-dsa-44")
    assert CertificateAuthority(root.certificate, named_key("Key Check CA", "ml-dsa-44")).name == root.name
    with pytest.raises(ParameterError, match="does not belong to the certificate's public key"):
        CertificateAuthority(root.certificate, named_key("someone else", "ml-dsa-44"))
    with pytest.raises(ParameterError, match="does not belong"):
        CertificateAuthority(root.certificate, named_key("Key Check CA", "ml-dsa-65"))  # same name, other level


def test_on_cryptography_48_every_x509_door_for_ml_dsa_says_49_is_needed(monkeypatch):
    """What a learner on cryptography 48 meets (its builders refuse ML-DSA): one ParameterError naming 49.0 from the
    CA (a root, a leaf for an ML-DSA key, a CSR), and that sentence in the OCSP responder's log beside its
    internalError answer; never a TypeError from cryptography."""
    classical = CertificateAuthority.create_root("Floor CA")
    ml_dsa_ca = CertificateAuthority.create_root("Floor ML-DSA CA", key_kind="ml-dsa-44")
    request = build_request(ml_dsa_ca.issue("floor.example.com"), ml_dsa_ca)
    monkeypatch.setattr(cryptography, "__version__", "48.0.0")
    needs = r"need cryptography 49\.0 or newer: cryptography 48\.0\.0 has ML-DSA keys"
    with pytest.raises(ParameterError, match=needs):
        CertificateAuthority.create_root("Too Early CA", key_kind="ml-dsa-65")
    with pytest.raises(ParameterError, match=needs):
        classical.issue("pq.example.com", key_kind="ml-dsa-44")
    with pytest.raises(ParameterError, match=needs):
        make_csr(named_key("device", "ml-dsa-44"), "device")
    responder = OcspResponder(RevocationRegistry(ml_dsa_ca), delegated=False)
    answer = responder.respond(request)  # a responder never raises: internalError (RFC 6960 2.3), and a log line
    assert answer == bytes.fromhex("30030a0102") and re.search(needs, responder.log[-1])
    assert classical.issue("classic.example.com")  # classical keys are untouched


def test_a_backend_without_ml_dsa_gets_the_sentence(monkeypatch):
    """cryptography 47's OpenSSL wheels have the ML-DSA classes but raise UnsupportedAlgorithm: the lab turns that
    into the sentence naming 49.0 (checked for real on 47.0.0 in a scratch venv; here the refusal is provoked)."""

    def unsupported(seed):
        raise UnsupportedAlgorithm("ML-DSA-65 is not supported by this backend.")

    monkeypatch.setattr(mldsa.MLDSA65PrivateKey, "from_seed_bytes", unsupported, raising=False)
    with pytest.raises(ParameterError, match=r"ML-DSA needs cryptography 49\.0 or newer"):
        named_key("a name never derived, for the backend test", "ml-dsa-65")
