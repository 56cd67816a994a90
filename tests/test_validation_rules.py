"""The registry of rules: every rule the validator emits is in it, and each rule has a chain that fails it first.

And per-call state: validations running in several threads at once get the reports they would get alone.
"""

from __future__ import annotations

import ast
import re
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID

from pki_lab import clock
from pki_lab.validation import RULES, Rule, validate_chain
from pki_lab.validation.gallery import GALLERY, HOST, base_chain, scenario

VALIDATION = Path(__file__).resolve().parents[1] / "pki_lab" / "validation"
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
