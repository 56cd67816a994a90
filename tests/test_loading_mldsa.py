"""The loaders' sentence for an ML-DSA certificate, CRL or CSR whose AlgorithmIdentifier carries parameters.

RFC 9881 section 2: "The contents of the parameters component for each algorithm MUST be absent." cryptography
refuses to load such an object, so the loaders read the DER themselves (pki_lab.der.paths) and name the field.
Every bad object here is a lab-made one with one AlgorithmIdentifier edited with pki_lab.der.encode and then
signed again with the right key, so the parameters are its only defect: its twin, rebuilt the same way without
them, loads.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import textwrap

import cryptography
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pki_lab import clock
from pki_lab.ca import CertificateAuthority, make_csr
from pki_lab.der.encode import bit_string, boolean, children, integer, null, octet_string, oid, sequence, set_of, tlv
from pki_lab.der.paths import ml_dsa_parameters_problem
from pki_lab.errors import MalformedInputError, PkiLabError
from pki_lab.keys import named_key, sign_bytes
from pki_lab.loading import load_certificate, load_certificates, load_crl, load_csr, load_objects, to_der, to_pem
from pki_lab.revocation import build_crl

from .conftest import ROOT, examples

RELEASE = tuple(int(p) for p in cryptography.__version__.split(".")[:2])
pytestmark = pytest.mark.skipif(RELEASE < (49, 0), reason="ML-DSA certificates need cryptography 49.0 or newer "
                                "(48's X.509 builders refuse ML-DSA keys)")

LOADERS = {"certificate": load_certificate, "crl": load_crl, "csr": load_csr}
PEM_LABELS = {"certificate": "CERTIFICATE", "crl": "X509 CRL", "csr": "CERTIFICATE REQUEST"}
#: Every AlgorithmIdentifier RFC 9881 section 2 governs, with the ML-DSA level the lab objects below put there.
FIELDS = [
    ("certificate", "tbsCertificate.subjectPublicKeyInfo.algorithm", "ML-DSA-44"),
    ("certificate", "tbsCertificate.signature", "ML-DSA-65"),
    ("certificate", "signatureAlgorithm", "ML-DSA-65"),
    ("crl", "tbsCertList.signature", "ML-DSA-65"),
    ("crl", "signatureAlgorithm", "ML-DSA-65"),
    ("csr", "certificationRequestInfo.subjectPKInfo.algorithm", "ML-DSA-87"),
    ("csr", "signatureAlgorithm", "ML-DSA-87"),
]
PARAMETERS = {"NULL": null(), "INTEGER": integer(0), "SEQUENCE": sequence(), "OCTET STRING": octet_string(b"ab")}


@pytest.fixture(scope="module")
def lab():
    """An ML-DSA-65 CA, the ML-DSA-44 leaf and the CRL it signs, and an ML-DSA-87 CSR, as DER, with signing keys."""
    with clock.travel_to(clock.LAB_EPOCH):
        ca = CertificateAuthority.create_root("Loading PQ CA", key_kind="ml-dsa-65")
        leaf = ca.issue("pq-load.example.com", profile="server", key_kind="ml-dsa-44")
        crl = build_crl(ca)
    csr_key = named_key("loading-pq-csr", "ml-dsa-87")
    csr = make_csr(csr_key, "loading-pq-csr")
    return {"certificate": (to_der(leaf), ca.private_key), "crl": (to_der(crl), ca.private_key),
            "csr": (to_der(csr), csr_key), "root": ca.certificate}


def _with_parameters(algorithm_identifier: bytes, parameters: bytes) -> bytes:
    return sequence(children(algorithm_identifier)[0], parameters) if parameters else algorithm_identifier


def edited(der: bytes, key, field: str, parameters: bytes) -> bytes:
    """``der`` with ``parameters`` after the OID of the AlgorithmIdentifier at ``field``, signed again by ``key``."""
    tbs, algorithm, _ = children(der)
    fields = children(tbs)
    if field == "signatureAlgorithm":
        algorithm = _with_parameters(algorithm, parameters)
    elif field.endswith(".signature"):  # after the version: [0] EXPLICIT in a certificate, an INTEGER in a CRL
        index = 2 if field.startswith("tbsCertificate") else 1
        fields[index] = _with_parameters(fields[index], parameters)
    else:  # the subject public key's algorithm
        index = 6 if field.startswith("tbsCertificate") else 2
        spki_algorithm, public_key = children(fields[index])
        fields[index] = sequence(_with_parameters(spki_algorithm, parameters), public_key)
    tbs = sequence(*fields)
    return sequence(tbs, algorithm, bit_string(sign_bytes(key, tbs)))


def pem(kind: str, der: bytes) -> bytes:
    body = "\n".join(textwrap.wrap(base64.b64encode(der).decode("ascii"), 64))
    return f"-----BEGIN {PEM_LABELS[kind]}-----\n{body}\n-----END {PEM_LABELS[kind]}-----\n".encode("ascii")


def sentence(where: str, kind: str, field: str, level: str) -> str:
    return (f"{where} is not a valid {kind}: {field} names {level} with parameters, which RFC 9881 section 2 says "
            "must be absent (its AlgorithmIdentifier is the OID alone); ask whoever made it to make it again with "
            "the parameters left out (not even a NULL), as the lab does.")


def refusal(load, source) -> str:
    with pytest.raises(MalformedInputError) as caught:
        load(source)
    return str(caught.value)


# --- the precise sentence, from every loader and in every form ---------------------------------------------------

@pytest.mark.parametrize("parameters", PARAMETERS.values(), ids=PARAMETERS.keys())
@pytest.mark.parametrize("kind, field, level", FIELDS, ids=[f"{k}-{f}" for k, f, _ in FIELDS])
def test_parameters_are_named_by_the_loader_of_their_kind_and_by_load_objects(lab, kind, field, level, parameters):
    der, key = lab[kind]
    bad = edited(der, key, field, parameters)
    for source in (bad, pem(kind, bad), pem(kind, bad).decode("ascii")):
        assert refusal(LOADERS[kind], source) == sentence("The input", kind, field, level)
        assert refusal(load_objects, source) == sentence("The input", kind, field, level)
    twin = edited(der, key, field, b"")  # the same edit and signature, with the parameters absent: it loads
    assert ml_dsa_parameters_problem(twin) is None
    assert to_der(LOADERS[kind](twin)) == twin and to_der(load_objects(pem(kind, twin))[0]) == twin


@pytest.mark.parametrize("kind, field, level", FIELDS[::2], ids=[f"{k}-{f}" for k, f, _ in FIELDS[::2]])
@pytest.mark.parametrize("suffix", [".der", ".pem"])
def test_a_file_is_named_with_its_case_kept(lab, tmp_path, kind, field, level, suffix):
    der, key = lab[kind]
    bad = edited(der, key, field, null())
    path = tmp_path / f"PQ-Bad{suffix}"
    path.write_bytes(bad if suffix == ".der" else pem(kind, bad))
    where = f"The file {path}"
    assert refusal(LOADERS[kind], path) == sentence(where, kind, field, level)
    assert refusal(LOADERS[kind], str(path)) == sentence(where, kind, field, level)
    assert refusal(load_objects, path) == sentence(where, kind, field, level)


def test_a_certificate_in_a_chain_is_named_by_its_place(lab):
    der, key = lab["certificate"]
    bundle = to_pem(lab["root"]).encode("ascii") + pem("certificate", edited(der, key, "signatureAlgorithm", null()))
    assert refusal(load_certificates, bundle) == sentence(
        "Certificate block 2 of the input", "certificate", "signatureAlgorithm", "ML-DSA-65")


def test_with_several_the_first_in_der_order_is_named(lab):
    """tbsCertificate.signature comes before the subject's key in the TBS, and both before signatureAlgorithm."""
    der, key = lab["certificate"]
    both = edited(edited(der, key, "tbsCertificate.subjectPublicKeyInfo.algorithm", null()), key,
                  "tbsCertificate.signature", null())
    assert refusal(load_certificate, both) == sentence("The input", "certificate", "tbsCertificate.signature",
                                                       "ML-DSA-65")


# --- what stays as it was -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, load", [("certificate", load_csr), ("certificate", load_crl), ("csr", load_certificate),
                                        ("crl", load_csr)])
def test_asked_for_another_kind_the_loader_keeps_its_general_sentence(lab, kind, load):
    """A loader asked for a CSR does not explain a certificate's fields: it says what it said before."""
    der, key = lab[kind]
    field = next(f for k, f, _ in FIELDS if k == kind)
    asked = next(k for k, loader in LOADERS.items() if loader is load)
    assert refusal(load, edited(der, key, field, null())) == (
        f"The input is well-formed DER but not a valid {asked}: one of its fields has the wrong type or value.")


def test_other_damage_to_an_ml_dsa_certificate_keeps_the_general_sentence(lab):
    """A validity of two INTEGERs: well-formed DER, refused by cryptography, no AlgorithmIdentifier at fault."""
    der, key = lab["certificate"]
    tbs, algorithm, _ = children(der)
    fields = children(tbs)
    fields[4] = sequence(integer(1), integer(2))
    tbs = sequence(*fields)
    bad = sequence(tbs, algorithm, bit_string(sign_bytes(key, tbs)))
    assert refusal(load_certificate, bad) == ("The input is well-formed DER but not a valid certificate: one of its "
                                              "fields has the wrong type or value.")
    assert refusal(load_objects, bad) == "The input cannot be read: it is not a certificate, CSR, CRL or key."


def test_a_damaged_shape_is_still_reported_before_the_parameters(lab):
    der, key = lab["certificate"]
    bad = edited(der, key, "signatureAlgorithm", null())
    assert refusal(load_certificate, bad + b"\x00") == (
        "The input is not a valid DER-encoded certificate: it has 1 unexpected bytes after the end of the structure.")


# --- pki-lab inspect ---------------------------------------------------------------------------------------------

def _inspect(*args):
    result = subprocess.run([sys.executable, "-m", "pki_lab", "inspect", *map(str, args)], capture_output=True,
                            text=True, cwd=ROOT)
    return result.returncode, result.stdout, result.stderr


@pytest.mark.parametrize("kind, field, level, suffix", [
    ("certificate", "tbsCertificate.subjectPublicKeyInfo.algorithm", "ML-DSA-44", ".der"),
    ("crl", "tbsCertList.signature", "ML-DSA-65", ".pem"),
    ("csr", "signatureAlgorithm", "ML-DSA-87", ".der"),
])
def test_pki_lab_inspect_says_it_in_one_line_and_exits_2(lab, tmp_path, kind, field, level, suffix):
    der, key = lab[kind]
    bad = edited(der, key, field, null())
    path = tmp_path / f"Bad-{kind}{suffix}"
    path.write_bytes(bad if suffix == ".der" else pem(kind, bad))
    line = f"pki-lab inspect: {sentence(f'The file {path}', kind, field, level)}"
    assert _inspect(path) == (2, "", line + "\n")
    code, out, err = _inspect("--json", path)
    assert (code, err) == (2, "")
    assert json.loads(out) == {"schema": "pki-lab/error/1", "command": "inspect", "exit_code": 2, "kind": "bad input",
                               "message": line}


# --- properties --------------------------------------------------------------------------------------------------

_PRIMITIVES = st.one_of(st.just(null()), st.integers(-(2 ** 70), 2 ** 70).map(integer), st.booleans().map(boolean),
                        st.binary(max_size=24).map(octet_string), st.sampled_from(["1.2.3", "2.5.4.3"]).map(oid),
                        st.text(max_size=12).map(lambda t: tlv(0x0C, t.encode("utf-8"))))
#: Any well-formed DER value, nested up to a few levels: what a careless encoder might put in ``parameters``.
_VALUES = st.recursive(_PRIMITIVES, lambda inner: st.lists(inner, max_size=3).flatmap(
    lambda parts: st.sampled_from([sequence(*parts), set_of(*sorted(parts))])), max_leaves=6)


@settings(max_examples=examples(60), deadline=None)
@given(case=st.sampled_from(FIELDS), parameters=_VALUES, data=st.data())
def test_any_parameters_in_any_ml_dsa_field_get_the_precise_sentence(lab, case, parameters, data):
    kind, field, level = case
    der, key = lab[kind]
    bad = edited(der, key, field, parameters)
    source = data.draw(st.sampled_from([bad, pem(kind, bad)]))
    assert refusal(LOADERS[kind], source) == sentence("The input", kind, field, level)
    assert refusal(load_objects, source) == sentence("The input", kind, field, level)


def _damaged(der: bytes, data) -> bytes:
    """``der`` damaged one of four ways: a byte changed, cut short, bytes inserted, or a span removed."""
    how = data.draw(st.sampled_from(["flip", "truncate", "insert", "remove"]))
    at = data.draw(st.integers(0, len(der) - 1))
    if how == "flip":
        return der[:at] + bytes([der[at] ^ data.draw(st.integers(1, 255))]) + der[at + 1:]
    if how == "truncate":
        return der[:at]
    if how == "insert":
        return der[:at] + data.draw(st.binary(min_size=1, max_size=8)) + der[at:]
    return der[:at] + der[at + data.draw(st.integers(1, 16)):]


@settings(max_examples=examples(200), deadline=None)
@given(kind=st.sampled_from(sorted(LOADERS)), pem_form=st.booleans(), data=st.data())
def test_any_other_damage_to_ml_dsa_der_gets_one_pki_lab_error(lab, kind, pem_form, data):
    """Damaged ML-DSA DER loads (a changed signature byte is not the loader's business) or raises one PkiLabError
    whose sentence is one line; it names RFC 9881's parameters rule only when the DER shows such parameters."""
    der, _ = lab[kind]
    damaged = _damaged(der, data)
    source = pem(kind, damaged) if pem_form else damaged
    for load in (LOADERS[kind], load_objects):
        try:
            load(source)
        except PkiLabError as exc:
            message = str(exc)
            assert "\n" not in message and message.endswith("."), message
            assert "RFC 9881" not in message or ml_dsa_parameters_problem(damaged) is not None, message
