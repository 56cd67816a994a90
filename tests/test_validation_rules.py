"""The registry of rules: every rule the validator emits is in it, and each rule has a chain that fails it first.

And per-call state: validations running in several threads at once get the reports they would get alone.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
import threading
import warnings
from pathlib import Path

import cryptography
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from pki_lab import clock
from pki_lab.der.encode import bit_string, children, integer, octet_string, oid, sequence
from pki_lab.keys import sign_bytes
from pki_lab.validation import RULES, Rule, validate_chain
from pki_lab.validation.gallery import GALLERY, HOST, base_chain, scenario
from pki_lab.validation.rules import markdown

VALIDATION = Path(__file__).resolve().parents[1] / "pki_lab" / "validation"
RELEASE = tuple(int(p) for p in cryptography.__version__.split(".")[:2])
RULE_ID = re.compile(r"(rfc\d+|cabf)-[a-z0-9-]+")


def test_every_rule_has_a_section_and_a_sentence():
    assert set(RULES) == set(Rule)
    for rule in Rule:
        assert re.fullmatch(r"(RFC \d+|CABF BR) [0-9.]+( \([a-z]\)(\(\d\))?)?", rule.section), rule
        assert rule.sentence[0].isupper() and rule.sentence.endswith("."), rule
        assert rule == rule.value  # a StrEnum: equal to the id the tests and stored outputs use


def test_no_rule_id_is_written_out_of_the_registry():
    """The validator emits and compares rules only as Rule members, so every id it can emit is registered."""
    for path in VALIDATION.glob("*.py"):
        if path.name == "rules.py":
            continue
        tree = ast.parse(path.read_text())
        docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
        literals = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
                    and isinstance(node.value, str) and id(node) not in docstrings]
        assert not [text for text in literals if RULE_ID.fullmatch(text)], path.name


def _reissued(cert: x509.Certificate, key, algorithm) -> x509.Certificate:
    builder = (x509.CertificateBuilder().subject_name(cert.subject).issuer_name(cert.issuer)
               .public_key(cert.public_key()).serial_number(cert.serial_number)
               .not_valid_before(cert.not_valid_before_utc).not_valid_after(cert.not_valid_after_utc))
    for ext in cert.extensions:
        builder = builder.add_extension(ext.value, critical=ext.critical)
    return builder.sign(key, algorithm)


def _variant(cert: x509.Certificate, key, *, replace=(), drop=(), serial=None, not_before=None, not_after=None):
    """``cert`` re-signed by ``key`` with some extensions replaced ``(extension, critical)`` or dropped (by class)."""
    builder = (x509.CertificateBuilder().subject_name(cert.subject).issuer_name(cert.issuer)
               .public_key(cert.public_key()).serial_number(serial or cert.serial_number)
               .not_valid_before(not_before or cert.not_valid_before_utc)
               .not_valid_after(not_after or cert.not_valid_after_utc))
    swapped = {type(ext): (ext, critical) for ext, critical in replace}
    for ext in cert.extensions:
        if type(ext.value) in drop:
            continue
        value, critical = swapped.pop(type(ext.value), (ext.value, ext.critical))
        builder = builder.add_extension(value, critical=critical)
    for value, critical in swapped.values():
        builder = builder.add_extension(value, critical=critical)
    return builder.sign(key, hashes.SHA256())


def _key_usage(**bits) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
             "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{n: bits.get(n, False) for n in names})


def _explicit_curve(cert: x509.Certificate, key) -> x509.Certificate:
    """``cert`` with its P-256 key's curve given by explicit parameters (specifiedCurve), re-signed by ``key``."""
    def b32(v: int) -> bytes:
        return v.to_bytes(32, "big")
    numbers = cert.public_key().public_numbers()
    p = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
    params = sequence(integer(1), sequence(oid("1.2.840.10045.1.1"), integer(p)),
                        sequence(octet_string(b32(p - 3)), octet_string(b32(_P256_B))),
                        octet_string(b"\x04" + b32(_P256_GX) + b32(_P256_GY)), integer(_P256_N), integer(1))
    point = b"\x04" + b32(numbers.x) + b32(numbers.y)
    spki = sequence(sequence(oid("1.2.840.10045.2.1"), params), bit_string(point))
    fields = children(cert.tbs_certificate_bytes)
    fields[6] = spki
    tbs = sequence(*fields)
    signature_algorithm = children(cert.public_bytes(serialization.Encoding.DER))[1]
    return x509.load_der_x509_certificate(sequence(tbs, signature_algorithm,
                                                     bit_string(sign_bytes(key, tbs))))


_P256_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
_P256_GX = 0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296
_P256_GY = 0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5
_P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def _case(rule: Rule):
    """A chain whose first failing step is ``rule``: (leaf, intermediates, keyword arguments)."""
    b = base_chain()
    sent = [b.issuing.certificate]
    gallery = {Rule.PATH_TO_ANCHOR: "missing-intermediate", Rule.SIGNATURE: "broken-signature",
               Rule.VALIDITY: "expired-intermediate", Rule.REVOCATION: "revoked-leaf", Rule.CA: "ca-false-intermediate",
               Rule.PATHLEN: "pathlen-exceeded", Rule.NAME_CONSTRAINTS: "name-constraints", Rule.NAME: "name-mismatch"}
    if rule in gallery:
        s = scenario(gallery[rule])
        return s.leaf, s.intermediates, dict(trust=s.trust, at=s.at, name=s.name, crls=s.crls)
    with clock.travel_to(clock.LAB_EPOCH):
        if rule is Rule.EXTENSIONS:  # a critical extension the validator does not know (RFC 5280 4.2)
            odd = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.55555.1"), b"\x05\x00")
            return b.issuing.issue(HOST, extensions=[(odd, True)]), sent, {}
        if rule is Rule.EKU:  # a CA limited to clientAuth above a server leaf
            ca = b.root.create_intermediate("Rules Client-only CA", extensions=[
                (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)])
            return ca.issue(HOST, profile="server"), [ca.certificate], {}
        if rule is Rule.END_ENTITY:  # a leaf carrying nameConstraints
            nc = x509.NameConstraints(permitted_subtrees=[x509.DNSName("example.com")], excluded_subtrees=None)
            return b.issuing.issue(HOST, profile="server", extensions=[(nc, True)]), sent, {}
        if rule is Rule.KEY_USAGE:
            return b.leaf, sent, dict(key_usage=["keyCertSign"])
        if rule is Rule.POLICY:  # an explicit policy required of a path whose CAs assert none (RFC 5280 6.1.3 (f))
            return b.leaf, sent, dict(explicit_policy=True)
        if rule is Rule.LEAF_EKU:  # a serverAuth leaf checked as a client certificate
            return b.leaf, sent, dict(usage="client")
        if rule is Rule.COMMON_NAME:  # CN in another letter case than its SAN entry
            return b.issuing.issue("WWW.Example.com", profile="server", names=[HOST]), sent, {}
        if rule is Rule.KEY:  # Ed25519 is not a Web PKI key
            return b.issuing.issue(HOST, profile="server", key_kind="ed25519"), sent, {}
        if rule is Rule.SIGNATURE_ALGORITHM:  # ECDSA with SHA-224 is not allowed by BR 7.1.3.2
            return _reissued(b.leaf, b.issuing.private_key, hashes.SHA224()), sent, {}
    return _profile_rule_case(rule, b, sent)


def _profile_rule_case(rule: Rule, b, sent):
    """The failing cases of the profile rules on the leaf (explicit curve, keyCertSign, subscriber CA, SAN syntax)."""
    with clock.travel_to(clock.LAB_EPOCH):
        key = b.issuing.private_key
        if rule is Rule.NAMED_CURVE:  # explicit curve parameters (RFC 5480 2.1.1)
            return _explicit_curve(b.leaf, key), sent, {}
        if rule is Rule.KEY_CERT_SIGN:  # keyCertSign without CA:TRUE (RFC 5280 4.2.1.9)
            return _variant(b.leaf, key, replace=[(_key_usage(digital_signature=True, key_cert_sign=True), True)]), \
                sent, {}
        if rule is Rule.SUBSCRIBER_CA:  # a server leaf saying CA:TRUE with a subscriber keyUsage (BR 7.1.2.7.8)
            return _variant(b.leaf, key, replace=[(x509.BasicConstraints(True, None), True)]), sent, {}
        if rule is Rule.SAN_SYNTAX:  # a wildcard inside a name, next to the entry that matches (BR 7.1.2.7.12)
            san = x509.SubjectAlternativeName([x509.DNSName(HOST), x509.DNSName("foo.*.example.com")])
            return _variant(b.leaf, key, replace=[(san, False)]), sent, {}
        if rule is Rule.ML_DSA:  # an ML-DSA-65 leaf whose keyUsage says keyEncipherment (RFC 9881 5), under RFC 5280
            if RELEASE < (49, 0):
                pytest.skip("ML-DSA certificates need cryptography 49.0 or newer (48's X.509 builders refuse them)")
            leaf = b.issuing.issue(HOST, profile="server", key_kind="ml-dsa-65")
            usage = _key_usage(digital_signature=True, key_encipherment=True)
            return _variant(leaf, key, replace=[(usage, True)]), sent, dict(profile="rfc5280")
    raise AssertionError(f"no failing case for {rule}")


#: Rules no chain can fail first, and why.
CANNOT_FAIL = {
    # The anchor's step records that it is trusted as given (RFC 5280 6.1.1 (d)); a path that does not end at an
    # anchor fails rfc5280-path-to-anchor instead.
    Rule.TRUST_ANCHOR,
}


@pytest.mark.parametrize("rule", [r for r in Rule if r not in CANNOT_FAIL], ids=str)
def test_each_rule_has_a_chain_that_fails_it_first(rule):
    leaf, sent, kwargs = _case(rule)
    args = dict(trust=[base_chain().root], at=clock.LAB_EPOCH, name=HOST) | kwargs
    report = validate_chain(leaf, sent, **args)
    assert not report.ok and report.failure.rule is rule, report.reason
    assert {step.rule for step in report.steps} <= set(RULES)


def test_a_valid_chain_passes_every_rule_it_checks():
    report = scenario("valid").validate()
    assert report.ok and all(step.ok for step in report.steps)
    assert {s.rule for s in report.steps} >= {Rule.TRUST_ANCHOR, Rule.SIGNATURE, Rule.VALIDITY, Rule.NAME}


def _verdict(key: str) -> tuple:
    report = scenario(key).validate()
    return report.ok, report.failure.rule if report.failure else None, report.reason, report.path_text()


def test_threads_validating_at_once_get_their_own_reports():
    """8 threads x 50 validations of different chains: each verdict equals the one computed alone."""
    expected = {key: _verdict(key) for key in GALLERY}
    got: list[tuple[str, tuple]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def work(offset: int) -> None:
        try:
            start.wait()
            for n in range(50):
                key = GALLERY[(offset + n) % len(GALLERY)]
                verdict = _verdict(key)
                with lock:
                    got.append((key, verdict))
        except BaseException as exc:  # noqa: BLE001 - reported below, in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(got) == 8 * 50
    assert all(verdict == expected[key] for key, verdict in got)



# --- each new rule: its failure (above, failed first) and its success twin -------------------------------------

def _validate(leaf, **kwargs):
    b = base_chain()
    args = dict(trust=[b.root], at=clock.LAB_EPOCH, name=HOST) | kwargs
    return validate_chain(leaf, [b.issuing.certificate], **args)


def test_rfc5480_named_curve_twin_the_same_key_named_is_valid():
    b = base_chain()
    assert _validate(b.leaf).ok
    assert _validate(_explicit_curve(b.leaf, b.issuing.private_key), profile="rfc5280", usage=None).failure.rule \
        is Rule.NAMED_CURVE  # explicit parameters are refused in both profiles


def test_rfc5280_key_cert_sign_twin_with_ca_true_under_rfc5280():
    b = base_chain()
    ku = _key_usage(digital_signature=True, key_cert_sign=True)
    leaf = _variant(b.leaf, b.issuing.private_key, replace=[(ku, True), (x509.BasicConstraints(True, None), True)])
    assert _validate(leaf, profile="rfc5280", usage=None).ok  # a CA certificate may end an RFC 5280 path
    bad = _variant(b.leaf, b.issuing.private_key, replace=[(ku, True)])
    assert _validate(bad, profile="rfc5280", usage=None).failure.rule is Rule.KEY_CERT_SIGN


def test_cabf_subscriber_not_ca_twin_under_rfc5280():
    b = base_chain()
    leaf = _variant(b.leaf, b.issuing.private_key, replace=[(x509.BasicConstraints(True, None), True)])
    assert _validate(leaf, profile="rfc5280", usage=None).ok


def test_cabf_san_syntax_twin_under_rfc5280():
    b = base_chain()
    san = x509.SubjectAlternativeName([x509.DNSName(HOST), x509.DNSName("foo.*.example.com")])
    leaf = _variant(b.leaf, b.issuing.private_key, replace=[(san, False)])
    assert _validate(leaf, profile="rfc5280").ok


def test_rfc5280_ca_basic_constraints_critical_only_under_webpki():
    """RFC 5280 4.2.1.9 asks conforming CAs for a critical basicConstraints; 6.1.4 (k) does not check it."""
    b = base_chain()
    ca = _variant(b.issuing.certificate, b.root.private_key, replace=[(x509.BasicConstraints(True, 0), False)])
    web = validate_chain(b.leaf, [ca], trust=[b.root], at=clock.LAB_EPOCH, name=HOST)
    assert web.failure.rule is Rule.CA and "critical" in web.reason
    assert validate_chain(b.leaf, [ca], trust=[b.root], at=clock.LAB_EPOCH, profile="rfc5280", usage=None).ok


def test_rfc5280_ca_subject_must_not_be_empty_and_twin():
    b = base_chain()
    ca = b.root.create_intermediate("Rules Named CA")
    assert validate_chain(ca.issue(HOST), [ca.certificate], trust=[b.root], at=clock.LAB_EPOCH, name=HOST).ok
    empty = x509.Name([])
    builder = (x509.CertificateBuilder().subject_name(empty).issuer_name(ca.certificate.issuer)
               .public_key(ca.public_key).serial_number(7).not_valid_before(ca.certificate.not_valid_before_utc)
               .not_valid_after(ca.certificate.not_valid_after_utc))
    for ext in ca.certificate.extensions:
        builder = builder.add_extension(ext.value, critical=ext.critical)
    nameless = builder.sign(b.root.private_key, hashes.SHA256())
    leaf = _variant(ca.issue(HOST), ca.private_key)
    leaf = (x509.CertificateBuilder().subject_name(leaf.subject).issuer_name(empty).public_key(leaf.public_key())
            .serial_number(leaf.serial_number).not_valid_before(leaf.not_valid_before_utc)
            .not_valid_after(leaf.not_valid_after_utc))
    for ext in ca.issue(HOST).extensions:
        leaf = leaf.add_extension(ext.value, critical=ext.critical)
    leaf = leaf.sign(ca.private_key, hashes.SHA256())
    report = validate_chain(leaf, [nameless], trust=[b.root], at=clock.LAB_EPOCH, name=HOST, profile="rfc5280")
    assert not report.ok and "subject is empty" in report.reason


def test_rfc5280_validity_fractional_seconds_floor():
    """4.1.2.5: validity is to the second, so the instant is compared with its fraction dropped."""
    b = base_chain()
    end = min(b.leaf.not_valid_after_utc, b.issuing.certificate.not_valid_after_utc)
    assert _validate(b.leaf, at=end + dt.timedelta(milliseconds=5)).ok
    late = _validate(b.leaf, at=end + dt.timedelta(seconds=1))
    assert not late.ok and late.failure.rule is Rule.VALIDITY
    start = max(b.leaf.not_valid_before_utc, b.issuing.certificate.not_valid_before_utc)
    early = _validate(b.leaf, at=start - dt.timedelta(milliseconds=1))
    assert early.failure.rule is Rule.VALIDITY


# --- the rules table (docs/validator-rules.md), generated from the registry --------------------------------------

DOCS = Path(__file__).resolve().parents[1] / "docs" / "validator-rules.md"
TESTS = Path(__file__).resolve().parent


def test_the_rules_table_is_up_to_date():
    """Regenerate with `python -m pki_lab.validation.rules --markdown > docs/validator-rules.md`."""
    assert DOCS.read_text() == markdown()


def _test_exists(reference: str) -> bool:
    file, _, name = reference.partition("::")
    name, _, param = name.partition("[")
    path = TESTS / file
    if not path.exists():
        return False
    defined = {node.name for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.FunctionDef)}
    return name in defined and (not param or param.rstrip("]") in {r.value for r in Rule})


@pytest.mark.parametrize("rule", list(Rule), ids=str)
def test_each_rule_says_what_it_governs_and_names_tests_that_exist(rule):
    info = RULES[rule]
    assert info.governs and set(info.governs) <= {"leaf", "CA", "trust anchor"}, rule
    assert info.profile in {"RFC 5280", "Web PKI", "Web PKI, TLS server"}, rule
    assert _test_exists(info.passes), info.passes
    assert _test_exists(info.fails), info.fails


def _with_serial(cert: x509.Certificate, key, serial: int) -> x509.Certificate:
    """``cert`` with another serial number written into its DER (cryptography's builder refuses 0 and below)."""
    fields = children(cert.tbs_certificate_bytes)
    fields[1] = integer(serial)
    tbs = sequence(*fields)
    signature_algorithm = children(cert.public_bytes(serialization.Encoding.DER))[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cryptography warns of the serial this test means to write
        return x509.load_der_x509_certificate(sequence(tbs, signature_algorithm, bit_string(sign_bytes(key, tbs))))


def test_rfc5280_serial_zero_refused_by_the_web_pki_negative_by_both():
    """4.1.2.2: positive; users should handle a zero serial gracefully, which RFC 5280 alone does."""
    b = base_chain()
    zero = _with_serial(b.leaf, b.issuing.private_key, 0)
    web = _validate(zero)
    assert web.failure.rule is Rule.EXTENSIONS and "serial number 0" in web.reason
    assert _validate(zero, profile="rfc5280").ok  # the twin
    negative = _with_serial(b.leaf, b.issuing.private_key, -7)
    assert _validate(negative, profile="rfc5280").failure.rule is Rule.EXTENSIONS


def test_a_leaf_in_the_trust_store_is_still_checked_as_a_leaf():
    """6.1.1 (d) exempts the anchor above a path, not the end-entity certificate presented."""
    b = base_chain()
    negative = _with_serial(b.leaf, b.issuing.private_key, -7)
    report = validate_chain(negative, trust=[negative], at=clock.LAB_EPOCH, name=HOST)
    assert report.failure.rule is Rule.EXTENSIONS and "not a positive integer" in report.reason
    assert validate_chain(b.leaf, trust=[b.leaf], at=clock.LAB_EPOCH, name=HOST).ok  # the twin
