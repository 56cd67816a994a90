"""Certificate policy processing (RFC 5280 6.1.2-6.1.5): each rule with its failure twin, on lab CA chains.

Every chain is root -> CA 1 [-> CA 2] -> leaf, issued by the lab CA with the policy extensions under test;
policyMappings, which cryptography 50 cannot build, is an UnrecognizedExtension whose DER is written with
``pki_lab.der.encode``. Validation is pure RFC 5280 (``profile="rfc5280"``, ``usage=None``) unless a case
says otherwise.
"""

from __future__ import annotations

import datetime as _dt
import functools
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtensionOID, NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from pki_lab import clock
from pki_lab.ca import CertificateAuthority
from pki_lab.der.encode import oid, sequence
from pki_lab.errors import MalformedInputError
from pki_lab.validation import Rule, validate_chain
from pki_lab.validation.context import PolicyInputs
from pki_lab.validation.facts import Facts
from pki_lab.validation.policy import evaluate
from pki_lab.validation.policy_tree import (
    ANY_POLICY,
    MAX_NODES,
    certificate_policies,
    mappings_extension,
    parse_policy_mappings,
    policies_extension,
)

P1, P2, P3 = "1.3.6.1.4.1.55555.7.1", "1.3.6.1.4.1.55555.7.2", "1.3.6.1.4.1.55555.7.3"
DV = "2.23.140.1.2.1"
HOST = "www.example.com"


def cp(*oids: str):
    """certificatePolicies with these policy OIDs, no qualifiers."""
    return x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(o), None) for o in oids]), False


def pm(*pairs: tuple[str, str], der: bytes | None = None):
    """policyMappings (RFC 5280 4.2.1.5), DER written by hand: SEQUENCE OF SEQUENCE { issuer, subject }."""
    body = der if der is not None else sequence(*(sequence(oid(a), oid(b)) for a, b in pairs))
    return x509.UnrecognizedExtension(ExtensionOID.POLICY_MAPPINGS, body), True


def pc(require: int | None = None, inhibit: int | None = None, critical: bool = True):
    return x509.PolicyConstraints(require_explicit_policy=require, inhibit_policy_mapping=inhibit), critical


def iap(skip: int):
    return x509.InhibitAnyPolicy(skip), True


@functools.cache
def _root() -> CertificateAuthority:
    with clock.travel_to(clock.LAB_EPOCH):
        return CertificateAuthority.create_root("Policy Test Root")


def chain(cas: tuple[tuple, ...], leaf: tuple = ()):
    """(leaf, intermediates, root): one CA per entry of ``cas`` (each a tuple of extensions), top first."""
    issuer, intermediates = _root(), []
    with clock.travel_to(clock.LAB_EPOCH):
        for depth, exts in enumerate(cas, 1):
            issuer = issuer.create_intermediate(f"Policy CA {depth}", path_length=None,
                                                extensions=list(exts))
            intermediates.append(issuer.certificate)
        end = issuer.issue(HOST, profile="server", extensions=list(leaf))
    return end, intermediates, _root().certificate


def run(cas, leaf=(), **kwargs):
    end, intermediates, root = chain(tuple(cas), tuple(leaf))
    args = dict(trust=[root], at=clock.LAB_EPOCH, usage=None, profile="rfc5280") | kwargs
    return validate_chain(end, intermediates, **args)


# (id, CA extensions top first, leaf extensions, policy inputs, valid?, the failing section or the user set)
CASES = [
    ("no-policies", [()], (), {}, True, ()),
    ("no-policies-explicit", [()], (), dict(explicit_policy=True), False, "RFC 5280 6.1.3 (f)"),
    ("same-policy-explicit", [(cp(P1),)], (cp(P1),), dict(explicit_policy=True), True, (P1,)),
    ("user-set-mismatch-explicit", [(cp(P1),)], (cp(P1),), dict(initial_policies=[P2], explicit_policy=True),
     False, "RFC 5280 6.1.5 (g)"),
    ("user-set-mismatch-not-required", [(cp(P1),)], (cp(P1),), dict(initial_policies=[P2]), True, ()),
    ("disjoint-policies", [(cp(P1),)], (cp(P2),), {}, True, ()),
    ("disjoint-policies-explicit", [(cp(P1),)], (cp(P2),), dict(explicit_policy=True), False, "RFC 5280 6.1.3 (f)"),
    ("any-policy-ca", [(cp(ANY_POLICY),)], (cp(P1),), dict(explicit_policy=True), True, (P1,)),
    ("any-policy-throughout", [(cp(ANY_POLICY),)], (cp(ANY_POLICY),), dict(initial_policies=[P1, P2]), True,
     (P1, P2)),
    ("require-explicit-0", [(cp(P1), pc(require=0))], (), {}, False, "RFC 5280 6.1.3 (f)"),
    ("require-explicit-0-met", [(cp(P1), pc(require=0))], (cp(P1),), {}, True, (P1,)),
    ("require-explicit-1-two-cas", [(cp(P1), pc(require=1)), (cp(P1),)], (), {}, False, "RFC 5280 6.1.3 (f)"),
    ("require-explicit-3-two-cas", [(cp(P1), pc(require=3)), (cp(P1),)], (), {}, True, ()),
    ("leaf-require-explicit-0", [(cp(P1),)], (cp(P2), pc(require=0)), {}, False, "RFC 5280 6.1.5 (g)"),
    ("mapping", [(cp(P1), pm((P1, P2)))], (cp(P2),), dict(initial_policies=[P1], explicit_policy=True), True, (P1,)),
    ("mapping-inhibited-by-caller", [(cp(P1), pm((P1, P2)))], (cp(P2),),
     dict(initial_policies=[P1], explicit_policy=True, policy_mapping_inhibit=True), False, "RFC 5280 6.1.3 (f)"),
    ("mapping-inhibited-by-ca", [(cp(P1), pc(inhibit=0)), (cp(P1), pm((P1, P2)))], (cp(P2),),
     dict(explicit_policy=True), False, "RFC 5280 6.1.3 (f)"),
    ("mapping-inhibit-1-allows-next", [(cp(P1), pc(inhibit=1)), (cp(P1), pm((P1, P2)))], (cp(P2),),
     dict(explicit_policy=True), True, (P1,)),
    ("mapping-any-policy", [(cp(P1), pm((ANY_POLICY, P2)))], (cp(P2),), {}, False, "RFC 5280 6.1.4 (a)"),
    ("mapping-to-any-policy", [(cp(P1), pm((P1, ANY_POLICY)))], (cp(P2),), {}, False, "RFC 5280 6.1.4 (a)"),
    ("mapping-from-any-node", [(cp(ANY_POLICY), pm((P1, P2)))], (cp(P2),),
     dict(initial_policies=[P1], explicit_policy=True), True, (P1,)),
    ("inhibit-any-0", [(cp(ANY_POLICY), iap(0)), (cp(ANY_POLICY),)], (cp(P1),), dict(explicit_policy=True),
     False, "RFC 5280 6.1.3 (f)"),
    ("inhibit-any-1-allows-next", [(cp(ANY_POLICY), iap(1)), (cp(ANY_POLICY),)], (cp(P1),),
     dict(explicit_policy=True), True, (P1,)),
    ("inhibit-any-1-not-beyond", [(cp(ANY_POLICY), iap(1)), (cp(ANY_POLICY),)], (cp(ANY_POLICY),),
     dict(explicit_policy=True), False, "RFC 5280 6.1.3 (f)"),
    ("caller-inhibits-any", [(cp(ANY_POLICY),)], (cp(P1),), dict(explicit_policy=True, any_policy_inhibit=True),
     False, "RFC 5280 6.1.3 (f)"),
    ("non-critical-policy-constraints", [(cp(P1), pc(require=0, critical=False))], (cp(P1),), {}, True, (P1,)),
]


@pytest.mark.parametrize(("cas", "leaf", "kwargs", "ok", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_policy_rules(cas, leaf, kwargs, ok, expected):
    report = run(cas, leaf, **kwargs)
    assert report.ok is ok, report
    if ok:
        assert tuple(report.policy.user_constrained) == expected, report.policy
        assert [s for s in report.steps if s.rule == Rule.POLICY][-1].section == "RFC 5280 6.1.5 (g)"
    else:
        assert report.failure.rule == Rule.POLICY and report.failure.section == expected, report
        assert not report.policy.ok


def test_non_critical_policy_constraints_fail_under_the_web_pki():
    """RFC 5280 4.2.1.11: conforming CAs MUST mark it critical; section 6 processes it, the Web PKI refuses it."""
    report = run([(cp(P1), pc(require=0, critical=False))], (cp(P1),), usage="server", profile="webpki", name=HOST)
    assert not report.ok and report.failure.section == "RFC 5280 4.2.1.11"
    assert run([(cp(P1), pc(require=0))], (cp(P1),), usage="server", profile="webpki", name=HOST).ok


def test_malformed_policy_mappings_is_malformed():
    bad = pm(der=sequence(sequence(oid(P1))))  # a mapping of one OID
    report = run([(cp(P1), bad)], (cp(P1),))
    assert not report.ok and report.failure.rule == Rule.EXTENSIONS and "malformed" in report.reason


@pytest.mark.parametrize("der", [sequence(), sequence(sequence(oid(P1), b"\x02\x01\x01")),
                                 sequence(sequence(oid(P1), oid(P2), oid(P3))), sequence(oid(P1), oid(P2)),
                                 sequence(sequence(oid(P1), oid(P2))) + b"\x00", b"\x04\x00"],
                         ids=["empty", "not-an-oid", "three-oids", "flat", "trailing-bytes", "octet-string"])
def test_parse_policy_mappings_rejects_what_is_not_a_mapping(der):
    with pytest.raises(MalformedInputError):
        parse_policy_mappings(der)


def test_parse_policy_mappings_reads_pairs():
    der = sequence(sequence(oid(P1), oid(P2)), sequence(oid(P1), oid(P3)))
    assert parse_policy_mappings(der) == ((P1, P2), (P1, P3))


def test_report_carries_the_outcome_with_names_and_the_tree():
    report = run([(cp(DV, P1),)], (cp(DV),), initial_policies=[DV, P2], explicit_policy=True)
    outcome = report.policy
    assert report.ok and outcome.authorities_constrained == (DV,) and outcome.user_constrained == (DV,)
    text = str(outcome)
    assert "CA/B Forum domain validated" in text and "user-constrained policy set" in text
    lines = outcome.tree_text().splitlines()
    assert lines[0].startswith(ANY_POLICY) and lines[-1].strip().startswith("`- " + DV) and len(lines) == 3


def test_unanchored_path_has_no_policy_outcome():
    end, intermediates, root = chain(((cp(P1),),), (cp(P1),))
    other = CertificateAuthority.create_root("Policy Other Root")
    report = validate_chain(end, intermediates, trust=[other], at=clock.LAB_EPOCH, usage=None, profile="rfc5280")
    assert not report.ok and not report.policy.processed
    assert not [s for s in report.steps if s.rule == Rule.POLICY]


# -- the tree's growth is bounded ------------------------------------------------------------------------------

_KEY = ec.generate_private_key(ec.SECP256R1())


def _bare(subject: str, issuer: str, exts) -> x509.Certificate:
    """A certificate with only the given extensions, signed by one throwaway key: evaluate() checks no signatures."""
    start = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
               .public_key(_KEY.public_key()).serial_number(1)
               .not_valid_before(start).not_valid_after(start + _dt.timedelta(days=1)))
    for ext, critical in exts:
        builder = builder.add_extension(ext, critical=critical)
    return builder.sign(_KEY, hashes.SHA256())


def _mesh_path(width: int, depth: int) -> list[x509.Certificate]:
    """Leaf first: ``depth`` CAs asserting ``width`` policies, each mapping every policy to all of them."""
    policies = [f"1.3.6.1.4.1.55555.9.{i}" for i in range(width)]
    mesh = pm(*[(a, b) for a in policies for b in policies])
    cas = [_bare(f"CA {k}", f"CA {k - 1}" if k else "Anchor", [cp(*policies), mesh]) for k in range(depth)]
    leaf = _bare("Leaf", f"CA {depth - 1}", [cp(*policies)])
    return [leaf, *reversed(cas), _bare("Anchor", "Anchor", [])]


def test_a_pathological_mapping_mesh_stops_at_the_bound_quickly():
    path = _mesh_path(4, 7)  # 4, 16, 64, 256, 1024 ... nodes by depth: beyond the bound at depth 5
    started = time.perf_counter()
    outcome = evaluate(path, True, PolicyInputs(), Facts())
    assert time.perf_counter() - started < 1.0
    assert not outcome.ok and f"grew beyond {MAX_NODES} nodes" in outcome.findings[-1].sentence
    assert outcome.tree.count <= MAX_NODES


@settings(max_examples=40, deadline=None)
@given(width=st.integers(1, 6), depth=st.integers(1, 8), explicit=st.booleans())
def test_any_mesh_ends_within_the_bound(width, depth, explicit):
    """The bound is on work, not on time (a timed assert fails on a loaded machine; benchmarks print speed):
    however wide and deep the mesh of mappings, the tree never holds more than MAX_NODES nodes."""
    path = _mesh_path(width, depth)
    outcome = evaluate(path, True, PolicyInputs(explicit_policy=explicit), Facts())
    assert outcome.tree is None or outcome.tree.count <= MAX_NODES
    if width ** (depth + 1) + sum(width ** d for d in range(1, depth + 1)) < MAX_NODES:
        assert outcome.ok  # small enough: every policy survives


def test_bridge_mapping_with_the_helpers():
    """A bridge CA maps its PKI's policy A to the partner's B (RFC 5280 4.2.1.5): valid for A, unless inhibited."""
    a, b = P1, P3
    with clock.travel_to(clock.LAB_EPOCH):
        bridge = _root().create_intermediate("Policy Bridge CA", path_length=None,
                                             extensions=[(policies_extension(a), False)])
        partner = bridge.create_intermediate("Policy Partner CA", extensions=[
            (policies_extension(a), False), (mappings_extension([(a, b)]), True)])
        leaf = partner.issue("www.partner.example", profile="server", extensions=[(policies_extension(b), False)])
    args = dict(trust=[_root().certificate], at=clock.LAB_EPOCH, usage=None, initial_policies=[a],
                explicit_policy=True)
    report = validate_chain(leaf, [bridge.certificate, partner.certificate], **args)
    assert report.ok and report.policy.user_constrained == (a,)
    assert report.policy.tree.level(3)[0].valid_policy == b
    assert not validate_chain(leaf, [bridge.certificate, partner.certificate], policy_mapping_inhibit=True,
                              **args).ok
    assert certificate_policies(leaf) == (b,) and certificate_policies(_root().certificate) == ()


def test_the_tree_draws_one_box_per_node():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    report = run([(cp(ANY_POLICY),)], (cp(P1, P2),), explicit_policy=True)
    ax = report.policy.draw()
    assert len(ax.texts) == report.policy.tree.count == 4  # anyPolicy, anyPolicy, P1, P2
    null = run([(cp(P1),)], (cp(P2),)).policy.draw()
    assert "NULL" in null.texts[0].get_text()
    plt.close("all")
