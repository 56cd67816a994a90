"""Signatures against RFC 8032 and RFC 6979 vectors; every success has its failure twin."""

import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, utils

from pki_lab import data, toyecdsa
from pki_lab.errors import ParameterError, WrongTypeError
from pki_lab.keys import named_key
from pki_lab.signatures import (
    SCHEMES,
    SignedDocument,
    emsa_pkcs1_v15,
    explain_encoding,
    nonce_reuse_demo,
    recover_private_value,
    recovered_encoding,
    sign,
    signing_flow,
    tamper,
    tamper_lab,
    validation_flow,
    verify,
)

ED = data.vectors("ed25519_rfc8032")
P256 = data.vectors("ecdsa_p256_rfc6979")
P256_D = int(P256["private_key_x"], 16)


def _ed_key(vector):
    return ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(vector["secret_key"]))


def _p256_key():
    return ec.derive_private_key(P256_D, ec.SECP256R1())


@pytest.mark.parametrize("vector", ED["tests"], ids=lambda v: v["name"])
def test_rfc8032_ed25519_vectors(vector):
    key = _ed_key(vector)
    message, expected = bytes.fromhex(vector["message"]), bytes.fromhex(vector["signature"])
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert public.hex() == vector["public_key"]
    assert sign(key, message) == expected
    assert verify(key.public_key(), message, expected).ok
    # failure twins: one flipped bit of the message, or of the signature
    assert not verify(key.public_key(), message + b"x", expected).ok
    assert not verify(key.public_key(), message, tamper(expected, 100)).ok


@pytest.mark.parametrize("vector", P256["signatures"], ids=lambda v: f"rfc6979-p256-{v['message']}")
def test_rfc6979_p256_vectors(vector):
    key = _p256_key()
    message = vector["message"].encode()
    signature = sign(key, message, "ecdsa-p256")
    assert signature.hex().upper() == vector["signature_der"]  # deterministic k (RFC 6979)
    assert verify(key.public_key(), message, signature).ok
    assert not verify(key.public_key(), b"Sample", signature).ok


@pytest.mark.parametrize("vector", P256["signatures"], ids=lambda v: f"toy-ecdsa-{v['message']}")
def test_toy_ecdsa_reproduces_rfc6979_with_its_k(vector):
    message = vector["message"].encode()
    sig = toyecdsa.sign_with_nonce(P256_D, message, int(vector["k"], 16))
    assert (sig.r, sig.s, sig.h) == (int(vector["r"], 16), int(vector["s"], 16), int(vector["h"], 16))
    public = toyecdsa.public_point(P256_D)
    assert public == (int(P256["public_key_Ux"], 16), int(P256["public_key_Uy"], 16))
    assert toyecdsa.verify(public, message, sig.r, sig.s)
    assert not toyecdsa.verify(public, message + b"!", sig.r, sig.s)


def test_toy_ecdsa_signatures_verify_with_cryptography():
    key = named_key("carol")
    sig = toyecdsa.sign_with_nonce(key.private_numbers().private_value, b"doc", 12345)
    der = utils.encode_dss_signature(sig.r, sig.s)
    assert verify(key.public_key(), b"doc", der).ok
    assert not verify(key.public_key(), b"dog", der).ok
    assert "INSECURE" in repr(sig)


CASES = [("rsa", "rsa-pkcs1v15", 256), ("rsa", "rsa-pss", 256), ("ec", "ecdsa-p256", None), ("ed25519", "ed25519", 64)]


@pytest.mark.parametrize("kind,scheme,length", CASES, ids=[c[1] for c in CASES])
def test_each_scheme_signs_verifies_and_rejects_tampering(kind, scheme, length):
    key = named_key("alice", kind)
    signature = sign(key, "a contract", scheme)
    if length:
        assert len(signature) == length
    verdict = verify(key.public_key(), "a contract", signature, scheme)
    assert verdict.ok and bool(verdict) and "matches" in verdict.reason and SCHEMES[scheme] in repr(verdict)
    for target in ("message", "signature"):
        report = tamper_lab(key, "a contract", target, bit=3, scheme=scheme)
        assert report.before.ok and not report.after.ok
        assert "does not match" in report.after.reason
    other = named_key("bob", kind)
    assert not verify(other.public_key(), "a contract", signature, scheme).ok  # the wrong key


def test_deterministic_schemes_repeat_and_pss_does_not():
    for kind, scheme in (("rsa", "rsa-pkcs1v15"), ("ec", "ecdsa-p256"), ("ed25519", "ed25519")):
        key = named_key("alice", kind)
        assert sign(key, b"m", scheme) == sign(key, b"m", scheme)
    rsa_key = named_key("alice", "rsa")
    one, two = sign(rsa_key, b"m", "rsa-pss"), sign(rsa_key, b"m", "rsa-pss")
    assert one != two  # RFC 8017 9.1: a random salt
    assert verify(rsa_key, b"m", one, "rsa-pss").ok and verify(rsa_key, b"m", two, "rsa-pss").ok
    assert not verify(rsa_key, b"m", one, "rsa-pkcs1v15").ok  # a PSS signature is not a v1.5 one


def test_rsa_signature_undone_is_the_emsa_encoding_not_the_hash():
    key = named_key("alice", "rsa")
    em = recovered_encoding(key.public_key(), sign(key, b"hello", "rsa-pkcs1v15"))
    assert em == emsa_pkcs1_v15(b"hello", 256)
    assert em.endswith(hashlib.sha256(b"hello").digest()) and em != hashlib.sha256(b"hello").digest()
    assert explain_encoding(em).startswith("00 01 | FF x 202 | 00 | DigestInfo(SHA-256)")
    pss_em = recovered_encoding(key.public_key(), sign(key, b"hello", "rsa-pss"))
    assert pss_em != em and pss_em.endswith(b"\xbc") and "PSS trailer" in explain_encoding(pss_em)
    with pytest.raises(WrongTypeError, match="Only RSA has a public-key operation"):
        recovered_encoding(named_key("alice").public_key(), b"sig")
    with pytest.raises(ParameterError, match="too short"):
        emsa_pkcs1_v15(b"x", 40)


@pytest.mark.parametrize("kind,scheme", [("rsa", "rsa-pkcs1v15"), ("rsa", "rsa-pss"), ("ec", None),
                                         ("ed25519", None)])
def test_the_seed_flows_run_and_correct_the_encrypt_wording(kind, scheme):
    key = named_key("alice", kind)
    flow, document = signing_flow(key, "report.pdf contents", scheme)
    assert [s[0] for s in flow.steps] == ["Hash document contents", "Encrypt hash with private key to get signature",
                                          "Write signature to document metadata"]
    checked = validation_flow(key.public_key(), document)
    assert checked.verdict.ok and "=> VALID" in repr(checked)
    forged = SignedDocument(b"report.pdf contentz", document.signature, document.scheme)
    assert not validation_flow(key.public_key(), forged).verdict.ok
    if kind in ("ec", "ed25519"):
        assert "nothing is encrypted" in flow.steps[1][1] and "nothing is decrypted" in checked.steps[3][1]
    if scheme == "rsa-pss":
        assert "random" in flow.steps[1][2] and document.signature.hex()[:16] not in repr(flow)


def test_nonce_reuse_recovers_the_private_key():
    demo = nonce_reuse_demo("dave", (b"one", b"two"))
    assert demo.signatures[0].r == demo.signatures[1].r
    assert demo.both_verify and demo.key_recovered
    assert demo.recovered == named_key("dave").private_numbers().private_value
    # failure twin: two different nonces give nothing useful
    d = named_key("dave").private_numbers().private_value
    s1, s2 = toyecdsa.sign_with_nonce(d, b"one", 111), toyecdsa.sign_with_nonce(d, b"two", 222)
    assert recover_private_value(s1.h, s1.s, s2.h, s2.s, s1.r)[1] != d
    with pytest.raises(ParameterError, match="same signature"):
        recover_private_value(s1.h, s1.s, s1.h, s1.s, s1.r)


@pytest.mark.parametrize("call,error,message", [
    (lambda: sign(named_key("alice").public_key(), b"m"), WrongTypeError, "a public key can only verify"),
    (lambda: sign(named_key("alice"), b"m", "rsa-pss"), ParameterError, "cannot make 'rsa-pss' signatures"),
    (lambda: sign(named_key("alice"), b"m", "dsa"), ParameterError, "Unknown scheme 'dsa'"),
    (lambda: sign(named_key("alice", "p384"), b"m"), ParameterError, "P-256 only"),
    (lambda: verify(named_key("alice"), b"m", "sig"), WrongTypeError, "signature must be bytes"),
    (lambda: verify(named_key("alice"), 42, b"sig"), WrongTypeError, "message must be bytes or a string"),
    (lambda: verify("key", b"m", b"sig"), WrongTypeError, "Expected an RSA, EC or Ed25519 key"),
    (lambda: tamper_lab(named_key("alice"), b"m", "header"), ParameterError, "'message' or 'signature'"),
    (lambda: validation_flow(named_key("alice"), b"doc"), WrongTypeError, "Expected a SignedDocument"),
    (lambda: toyecdsa.sign_with_nonce(5, b"m", 0), ParameterError, "the nonce k must be between 1 and n-1"),
], ids=["sign-with-public", "scheme-key-mismatch", "unknown-scheme", "p384", "text-signature", "int-message",
        "not-a-key", "bad-target", "flow-needs-document", "zero-nonce"])
def test_bad_input_raises_a_sentence(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_garbage_signature_is_an_invalid_verdict_not_a_crash():
    for kind in ("rsa", "ec", "ed25519"):
        assert not verify(named_key("alice", kind), b"m", b"\x00\x01garbage").ok


@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda: sign(named_key("alice"), b"m", ["ecdsa-p256"]), ParameterError, "Unknown scheme"),
    (lambda: recovered_encoding(named_key("alice", "rsa").public_key(), "not bytes"), WrongTypeError,
     "signature must be bytes"),
    (lambda: recovered_encoding(named_key("alice", "rsa").public_key(), b"\xff" * 256), ParameterError,
     "not smaller than the key's modulus"),
    (lambda: explain_encoding(None), WrongTypeError, "encoded message must be bytes"),
    (lambda: emsa_pkcs1_v15(b"m", 10**30), ParameterError, "longer than any RSA key"),
    (lambda: emsa_pkcs1_v15(b"m", "256"), WrongTypeError, "em_len must be a whole number"),
    (lambda: recover_private_value(1, 2, 3, 4, 0), ParameterError, "r is 0"),
    (lambda: recover_private_value(1, 2, 3, 4, None), WrongTypeError, "r must be a whole number"),
    (lambda: nonce_reuse_demo(["alice"]), WrongTypeError, "name must be the name of a lab key"),
    (lambda: nonce_reuse_demo("alice", b"one"), ParameterError, "two messages"),
    (lambda: nonce_reuse_demo("alice", (b"same", b"same")), ParameterError, "the same"),
], ids=["scheme-list", "signature-text", "signature-past-n", "encoding-none", "em-len-huge", "em-len-text",
        "r-zero", "r-none", "name-list", "one-message", "same-messages"])
def test_bad_arguments_get_a_lab_sentence_never_a_python_error(call, error, words):
    with pytest.raises(error, match=words):
        call()
