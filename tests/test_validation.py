"""validate_chain: each rule with its failure twin, path building, the report, and input errors."""

from __future__ import annotations

import datetime as dt
import ipaddress
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from hypothesis import given, settings
from hypothesis import strategies as st

from pki_lab import clock
from pki_lab.ca import CertificateAuthority
from pki_lab.conformance import run_case
from pki_lab.errors import MalformedInputError, ParameterError, WrongTypeError
from pki_lab.validation import ValidationReport, validate_chain
from pki_lab.validation.gallery import GALLERY, base_chain, chain_with_faults, resign, scenario

from .conftest import examples
from .limbo import public_case

NOW = clock.LAB_EPOCH


# Each gallery scenario: the rule of the first failing step (the valid chain is every failure's twin).
@pytest.mark.parametrize("key, rule, words", [
    ("valid", None, "A valid path of 3 certificates leads from the leaf to the trust anchor Gallery Root CA."),
    ("expired-intermediate", "rfc5280-validity", "Expired: its validity ended 2026-04-14T12:00:00+00:00"),
    ("wrong-issuer", "rfc5280-path-to-anchor", "its issuer CN=Gallery Other CA,O=PKI Lab is neither"),
    ("broken-signature", "rfc5280-signature", "the signature does not verify with the issuer's public key"),
    ("ca-false-intermediate", "rfc5280-ca", "basicConstraints says CA:FALSE"),
    ("pathlen-exceeded", "rfc5280-pathlen", "pathLenConstraint is 0 and 1 intermediate CA certificate follows it"),
    ("name-mismatch", "rfc9525-name", "The name shop.example.org matches none of its subjectAltName entries"),
    ("missing-intermediate", "rfc5280-path-to-anchor", "its issuer CN=Gallery Issuing CA,O=PKI Lab is neither"),
    ("untrusted-root", "rfc5280-path-to-anchor", "its issuer CN=Gallery Root CA,O=PKI Lab is neither"),
    ("revoked-leaf", "rfc5280-revocation", "as revoked on 2026-03-15 because of keyCompromise"),
    ("name-constraints", "rfc5280-name-constraints", "www.example.com is not inside any permitted DNS subtree"),
])
def test_gallery_scenario_first_failure(key, rule, words):
    report = scenario(key).validate()
    assert report.ok is (rule is None)
    assert words in report.reason
    if rule is not None:
        assert report.failure.rule == rule
        assert report.reason.startswith(f"{report.failure.position} ({report.failure.subject}): ")


def test_every_gallery_scenario_builds_and_has_its_documented_verdict():
    """The chapter's gallery: the valid chain first, then failures only, each key once, every one buildable."""
    assert GALLERY[0] == "valid" and len(set(GALLERY)) == len(GALLERY)
    for key in GALLERY:
        s = scenario(key)
        assert s.key == key and s.title
        assert s.validate().ok is (key == "valid"), key


def test_rfc5280_validity_not_yet_valid_and_twin():
    s = scenario("valid")
    early = s.validate(at=NOW - dt.timedelta(seconds=1))
    assert early.failure.rule == "rfc5280-validity" and "Not yet valid" in early.reason
    assert s.validate(at=NOW).ok  # notBefore itself is inside the validity period (RFC 5280 4.1.2.5)


def test_rfc5280_validity_notafter_is_inclusive():
    s = scenario("valid")
    issuing_end = base_chain().issuing.certificate.not_valid_after_utc
    assert s.validate(at=issuing_end).ok
    assert not s.validate(at=issuing_end + dt.timedelta(seconds=1)).ok


@pytest.mark.parametrize("name, ok", [
    ("www.example.com", True), ("WWW.Example.COM", True), ("example.com", False), ("wwwexample.com", False),
])
def test_rfc9525_name_exact(name, ok):
    assert scenario("valid").validate(name=name).ok is ok


@pytest.fixture(scope="module")
def wildcard_chain():
    b = base_chain()
    with clock.travel_to(NOW):
        root = CertificateAuthority.create_root("Wildcard Root CA")
        leaf = root.issue("wildcard", profile="server", names=["*.example.com", "192.0.2.7"])
    return b, root, leaf


@pytest.mark.parametrize("name, ok", [
    ("a.example.com", True),  # the wildcard stands for one label
    ("a.b.example.com", False),  # never two labels
    ("example.com", False),  # never the bare domain
    ("192.0.2.7", True),  # IP SAN
    ("192.0.2.8", False),
])
def test_rfc9525_wildcard_and_ip(wildcard_chain, name, ok):
    _, root, leaf = wildcard_chain
    report = validate_chain(leaf, trust=[root], name=name)
    assert report.ok is ok, report.reason


def test_rfc5280_signature_twin_and_report_marks_link():
    b = base_chain()
    forged = resign(b.issuing.certificate, b.issuing.private_key)  # signed by itself, not the root
    report = validate_chain(b.leaf, [forged], trust=[b.root])
    assert report.failure.rule == "rfc5280-signature"
    assert report.failure.position == "intermediate 1"
    assert validate_chain(b.leaf, [b.issuing.certificate], trust=[b.root]).ok


def test_path_building_cross_signed_two_valid_paths():
    """old root -> (new root, cross-signed) -> issuing CA -> leaf, and new root (self-signed) -> issuing CA -> leaf."""
    with clock.travel_to(NOW):
        old = CertificateAuthority.create_root("Old Root CA")
        new = CertificateAuthority.create_root("New Root CA")
        cross = old.cross_sign(new)
        issuing = new.create_intermediate("New Issuing CA")
        leaf = issuing.issue("www.example.com")
    sent = [issuing.certificate, cross]
    only_old = validate_chain(leaf, sent, trust=[old])
    assert only_old.ok and [c.subject for c in only_old.path[-2:]] == [new.name, old.name]
    only_new = validate_chain(leaf, sent, trust=[new])
    assert only_new.ok and len(only_new.path) == 3 and only_new.path[-1] == new.certificate
    # twin: without the cross-certificate, old devices cannot reach their root
    assert validate_chain(leaf, [issuing.certificate], trust=[old]).failure.rule == "rfc5280-path-to-anchor"


def test_path_building_skips_an_expired_alternative():
    """Two issuing CAs with the same name and key: the first one offered has expired; the builder goes on."""
    b = base_chain()
    with clock.travel_to(NOW - dt.timedelta(days=100)):
        old_copy = b.root.cross_sign(b.issuing, days=10)  # same subject and key, long expired at NOW
    report = validate_chain(b.leaf, [old_copy, b.issuing.certificate], trust=[b.root])
    assert report.ok and report.path[1] == b.issuing.certificate


def test_path_building_loop_fails_quickly():
    """A <-> B cross-sign each other, neither trusted: the builder stops at the loop."""
    with clock.travel_to(NOW):
        a = CertificateAuthority.create_root("Loop A")
        b = CertificateAuthority.create_root("Loop B")
        a_by_b, b_by_a = b.cross_sign(a), a.cross_sign(b)
        leaf = a.issue("www.example.com")
        stranger = CertificateAuthority.create_root("Stranger")
    report = validate_chain(leaf, [a_by_b, b_by_a], trust=[stranger])
    assert not report.ok and report.failure.rule == "rfc5280-path-to-anchor"


def test_max_depth_and_twin():
    with clock.travel_to(NOW):
        root = CertificateAuthority.create_root("Depth Root")
        one = root.create_intermediate("Depth One", path_length=1)
        two = one.create_intermediate("Depth Two")
        leaf = two.issue("www.example.com")
    sent = [two.certificate, one.certificate]
    assert validate_chain(leaf, sent, trust=[root], max_depth=2).ok
    shallow = validate_chain(leaf, sent, trust=[root], max_depth=1)
    assert "maximum depth of 1" in shallow.reason


def test_rfc5280_name_constraints_ip_and_excluded():
    ok_net = x509.NameConstraints(permitted_subtrees=[x509.IPAddress(ipaddress.ip_network("192.0.2.0/24"))],
                                  excluded_subtrees=[x509.DNSName("evil.example.com")])
    with clock.travel_to(NOW):
        root = CertificateAuthority.create_root("NC Root", extensions=[(ok_net, True)])
        inside = root.issue("inside", names=["192.0.2.9"])
        outside = root.issue("outside", names=["198.51.100.1"])
        excluded = root.issue("bad", names=["www.evil.example.com"])
        fine = root.issue("fine", names=["www.example.com"])
    assert validate_chain(inside, trust=[root], name="192.0.2.9").ok
    assert "not inside any permitted IP range" in validate_chain(outside, trust=[root], name="198.51.100.1").reason
    evil = validate_chain(excluded, trust=[root], name="www.evil.example.com")
    assert "inside the excluded DNS subtree" in evil.reason
    assert validate_chain(fine, trust=[root], name="www.example.com").ok  # DNS names: only the exclusion applies


def test_cabf_eku_client_certificate_is_not_a_server_certificate():
    b = base_chain()
    with clock.travel_to(NOW):
        client = b.issuing.issue("alice", profile="client", names=["alice@example.com"])
    as_server = validate_chain(client, [b.issuing.certificate], trust=[b.root], name="alice@example.com")
    assert as_server.failure.rule == "cabf-eku" and "serverAuth" in as_server.reason
    as_client = validate_chain(client, [b.issuing.certificate], trust=[b.root], name="alice@example.com",
                               usage="client")
    assert as_client.ok, as_client.reason


def test_rfc5280_unknown_critical_extension_and_twin():
    b = base_chain()
    odd = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.55738.666.1"), b"\x05\x00")
    with clock.travel_to(NOW):
        critical = b.issuing.issue("www.example.com", extensions=[(odd, True)])
        plain = b.issuing.issue("www.example.com", extensions=[(odd, False)])
    sent = [b.issuing.certificate]
    assert validate_chain(critical, sent, trust=[b.root]).failure.rule == "rfc5280-extensions"
    assert validate_chain(plain, sent, trust=[b.root]).ok


def test_faults_are_cumulative_and_the_first_failure_changes():
    assert chain_with_faults().validate().ok
    assert chain_with_faults("expire").validate().failure.rule == "rfc5280-validity"
    assert chain_with_faults("remove").validate().failure.rule == "rfc5280-path-to-anchor"
    assert chain_with_faults("resign").validate().failure.rule == "rfc5280-signature"
    assert chain_with_faults("constrain").validate().failure.rule == "rfc5280-name-constraints"
    both = chain_with_faults("resign", "constrain").validate()
    assert {s.rule for s in both.failures} >= {"rfc5280-signature", "rfc5280-name-constraints"}
    with pytest.raises(ParameterError, match="Unknown fault 'melt'; choose from: expire, remove, resign, constrain"):
        chain_with_faults("melt")


def test_report_is_frozen_and_renders():
    report = scenario("expired-intermediate").validate()
    assert isinstance(report, ValidationReport)
    with pytest.raises(AttributeError):
        report.ok = True
    text = str(report)
    assert text.splitlines()[0].startswith("INVALID: intermediate 1 (Gallery Issuing CA): Expired")
    assert "FAIL  intermediate 1 (Gallery Issuing CA)" in text and "[RFC 5280 6.1.3 (a)(2)]" in text
    html = report._repr_html_()
    assert "<table>" in html and "rfc5280-validity" in html
    assert report.path_text() == "www.example.com <- Gallery Issuing CA <- Gallery Root CA"


def test_report_graph_marks_path_and_failure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from pki_lab.validation.graph import pool_graph

    report = scenario("broken-signature").validate()
    graph = pool_graph(report)
    assert sorted(graph.edges) == [(0, 2), (2, 1)]  # leaf -> issuing CA -> root (the root is listed first)
    ax = report.graph()
    assert ax.get_title().startswith("INVALID: leaf (www.example.com)")
    plt.close("all")


def test_input_errors_are_sentences():
    b = base_chain()
    with pytest.raises(ParameterError, match="`trust` is empty: give at least one trust anchor"):
        validate_chain(b.leaf, [b.issuing.certificate])
    with pytest.raises(ParameterError, match="`at` must be a timezone-aware datetime, not a naive one"):
        validate_chain(b.leaf, trust=[b.root], at=dt.datetime(2026, 3, 15))
    with pytest.raises(ParameterError, match="`usage` must be 'server', 'client' or None, not 'email'"):
        validate_chain(b.leaf, trust=[b.root], usage="email")
    with pytest.raises(ParameterError, match="`max_depth` must be a whole number >= 0, not -1"):
        validate_chain(b.leaf, trust=[b.root], max_depth=-1)
    with pytest.raises(WrongTypeError, match="`trust` must hold certificates"):
        validate_chain(b.leaf, trust=[42])
    with pytest.raises(MalformedInputError):
        validate_chain(b"not a certificate", trust=[b.root])
    with pytest.raises(ParameterError, match="Unknown key usage 'signing'"):
        validate_chain(b.leaf, trust=[b.root], key_usage=["signing"])


def test_accepts_pem_and_certificate_authorities():
    from pki_lab.loading import to_pem

    b = base_chain()
    report = validate_chain(to_pem(b.leaf), to_pem(b.issuing.certificate), trust=b.root, name="www.example.com")
    assert report.ok, report.reason


@pytest.mark.parametrize("case_id, words", [
    ("pathological::pathological-chain-same-subject-distinct-key", "the work budget of the path builder ran out"),
    ("pathological::pathological-chain-distinct-subject-distinct-key", "exceed the maximum depth of 8"),
    ("pathological::intermediate-cycle-distinct-cas", "a loop back to a certificate already in the path"),
])
def test_building_adversarial_pools_stop_with_a_reason(case_id, words):
    """100 CAs chained to nowhere, or a cycle: the builder stops (loop check, depth, work budget) and says why."""
    result = run_case(public_case(case_id))
    assert result.outcome == "agreed" and words in result.detail


# --- path building: order-independent, dead ends remembered (RFC 4158), work counted ---------------------------

MESH_SIZE = 50


@pytest.fixture(scope="module")
def mesh():
    """50 CAs, each cross-signed by its next and its seventh neighbour; only CA 25 is certified by the root.

    The leaf is issued by CA 0, so the only ways up run through the mesh (7 hops to CA 25, then the root):
    a builder that searches every branch again runs out of work, one that remembers dead ends does not.
    """
    with clock.travel_to(NOW):
        root = CertificateAuthority.create_root("Mesh Root")
        cas = [CertificateAuthority.create_root(f"Mesh CA {i}") for i in range(MESH_SIZE)]
        pool = [cas[(i + step) % MESH_SIZE].cross_sign(cas[i]) for i in range(MESH_SIZE) for step in (1, 7)]
        pool.append(root.cross_sign(cas[25]))
        leaf = cas[0].issue("www.example.com")
    return leaf, pool, root


def _mesh_verdict(mesh, pool):
    leaf, _, root = mesh
    report = validate_chain(leaf, pool, trust=[root], at=NOW, name="www.example.com")
    return report.ok, report.reason, tuple(c.fingerprint(hashes.SHA256()) for c in report.path)


@pytest.mark.parametrize("order", ["given", "reversed"])
def test_path_building_a_50_ca_mesh_validates_quickly_in_any_order(mesh, order):
    _, pool, _ = mesh
    pool = list(pool) if order == "given" else list(reversed(pool))
    start = time.perf_counter()
    ok, reason, path = _mesh_verdict(mesh, pool)
    elapsed = time.perf_counter() - start
    print(f"50-CA mesh, {order} order: {elapsed:.3f} s")
    assert ok, reason
    assert len(path) == 10 and elapsed < 1.0


def test_path_building_mesh_twin_without_the_root_link_is_a_dead_end_not_a_budget(mesh):
    """Twin: without the root's cross-certificate no path exists, and the builder says so (no budget reason)."""
    leaf, pool, root = mesh
    report = validate_chain(leaf, pool[:-1], trust=[root], at=NOW, name="www.example.com")
    assert not report.ok and report.failure.rule == "rfc5280-path-to-anchor"
    assert "budget" not in report.reason


@settings(max_examples=examples(20), deadline=None)
@given(st.randoms(use_true_random=False))
def test_path_building_same_verdict_and_path_for_any_order_of_the_pool(mesh, rnd):
    _, pool, _ = mesh
    shuffled = list(pool)
    rnd.shuffle(shuffled)
    start = time.perf_counter()
    verdict = _mesh_verdict(mesh, shuffled)
    assert time.perf_counter() - start < 1.0
    assert verdict == _mesh_verdict(mesh, pool)
