"""Certificate policies along a path: RFC 5280 6.1.2 to 6.1.5, the valid_policy_tree grown step by step.

A certificate policy is an OID a CA writes in certificatePolicies to say under which rules it issued
the certificate (the CA/Browser Forum's domain-validated policy is 2.23.140.1.2.1). A relying party
that cares (a government PKI, a bridge between PKIs) asks which policies hold for the whole path:
each CA may only narrow what the CAs above it allow, may map its issuer's policies to its own
(policyMappings, as a bridge CA does), may require an explicit policy below it or forbid mapping
(policyConstraints) and may stop anyPolicy from counting (inhibitAnyPolicy).

:func:`evaluate` processes the certificates trust-anchor-first (the anchor itself is not processed,
6.1.1 (d)): the initialisation of 6.1.2 (a), (d)-(f), then 6.1.3 (d)-(f) for every certificate,
6.1.4 (a), (b), (h)-(j) for every certificate but the leaf, and the wrap-up 6.1.5 (a), (b), (g) on the
leaf. It returns a :class:`~.policy_tree.PolicyOutcome` (the authorities-constrained and
user-constrained policy sets, the tree, the findings); :func:`check_policies` records the findings as
report steps under :data:`~.rules.Rule.POLICY`. The tree lives in :mod:`.policy_tree`, capped in size.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from cryptography import x509

from ..errors import MalformedInputError
from ..names import certificate_label
from .facts import Facts
from .policy_tree import (
    ANY_POLICY,
    MAX_NODES,
    Finding,
    PolicyOutcome,
    PolicyTree,
    TreeTooLarge,
    constrained_set,
    policy_mappings,
    set_text,
)
from .rules import Rule

__all__ = ["evaluate", "check_policies", "outcome_of"]


class _Fail(Exception):
    """A rule broken at one certificate: processing stops there."""

    def __init__(self, section: str, sentence: str) -> None:
        super().__init__(sentence)
        self.section, self.sentence = section, sentence


@dataclasses.dataclass
class _State:
    """The state variables of RFC 5280 6.1.2 that policy processing carries down the path."""

    tree: PolicyTree | None
    explicit_policy: int
    inhibit_any_policy: int
    policy_mapping: int
    required_by: str
    findings: list[Finding] = dataclasses.field(default_factory=list)


def _policies(cert: x509.Certificate, facts: Facts) -> dict[str, tuple] | None:
    """The certificate's policies (OID -> qualifiers, first occurrence kept), or None without certificatePolicies."""
    ext = facts.get_extension(cert, x509.CertificatePolicies)
    if ext is None:
        return None
    out: dict[str, tuple] = {}
    for info in ext.value:
        out.setdefault(info.policy_identifier.dotted_string, tuple(info.policy_qualifiers or ()))
    return out


def _grow(tree: PolicyTree, policies: dict[str, tuple], k: int, any_allowed: bool) -> bool:
    """6.1.3 (d)(1)-(3) for the certificate at depth ``k``; False if the tree became NULL."""
    parents = list(tree.level(k - 1))
    for oid, qualifiers in policies.items():
        if oid == ANY_POLICY:
            continue
        matched = [p for p in parents if oid in p.expected_policy_set]  # (d)(1)(i)
        if not matched:  # (d)(1)(ii)
            matched = [p for p in parents if p.valid_policy == ANY_POLICY]
        for parent in matched:
            tree.add(parent, oid, qualifiers, frozenset({oid}))
    if ANY_POLICY in policies and any_allowed:  # (d)(2)
        for parent in parents:
            present = {c.valid_policy for c in parent.children}
            for value in sorted(parent.expected_policy_set - present):
                tree.add(parent, value, policies[ANY_POLICY], frozenset({value}))
    return tree.prune(k - 1)  # (d)(3)


def _process(state: _State, cert: x509.Certificate, k: int, n: int, facts: Facts, index: int) -> None:
    """6.1.3 (d)-(f): the certificate's policies narrow the tree; a NULL tree fails once a policy is required."""
    policies = _policies(cert, facts)
    had_tree = state.tree is not None
    if policies is None:  # (e)
        state.tree = None
        why = "It has no certificatePolicies extension"
    elif state.tree is not None:  # (d)
        any_allowed = state.inhibit_any_policy > 0 or (k < n and facts.self_issued(cert))
        if not _grow(state.tree, policies, k, any_allowed):
            state.tree = None
        why = f"Its certificatePolicies ({set_text(list(policies))}) match none of the policies valid above it"
    if state.tree is None and state.explicit_policy == 0:  # (f)
        where = why if had_tree else "No policy is valid for the path above it"
        raise _Fail("RFC 5280 6.1.3 (f)", f"{where}, and {state.required_by} requires an explicit policy.")
    if had_tree and state.tree is None:
        section = "RFC 5280 6.1.3 (e)" if policies is None else "RFC 5280 6.1.3 (d)"
        state.findings.append(Finding(index, section, f"{why}, so no policy is valid for the path from here on; "
                                      "that is allowed while no explicit policy is required.", True))


def _map(state: _State, cert: x509.Certificate, k: int, facts: Facts, index: int) -> None:
    """6.1.4 (a), (b): the certificate's policyMappings change what the tree expects below it."""
    try:
        mappings = policy_mappings(cert, facts)
    except MalformedInputError:
        raise _Fail("RFC 5280 4.2.1.5", "Its policyMappings extension is malformed.") from None
    if any(ANY_POLICY in pair for pair in mappings):  # (a)
        raise _Fail("RFC 5280 6.1.4 (a)", "Its policyMappings maps anyPolicy, which a mapping may not name.")
    if state.tree is None or not mappings:
        return
    grouped: dict[str, list[str]] = {}
    for issuer_policy, subject_policy in mappings:
        grouped.setdefault(issuer_policy, []).append(subject_policy)
    level = state.tree.level(k)
    if state.policy_mapping > 0:  # (b)(1)
        for issuer_policy, subject_policies in grouped.items():
            nodes = [x for x in level if x.valid_policy == issuer_policy]
            for node in nodes:
                node.expected_policy_set = frozenset(subject_policies)
            if not nodes:
                for any_node in [x for x in level if x.valid_policy == ANY_POLICY]:
                    state.tree.add(any_node.parent, issuer_policy, any_node.qualifier_set, frozenset(subject_policies))
        return
    for node in [x for x in level if x.valid_policy in grouped]:  # (b)(2)
        state.tree.remove(node)
    if not state.tree.prune(k - 1):
        state.tree = None
        state.findings.append(Finding(index, "RFC 5280 6.1.4 (b)(2)", "Policy mapping is inhibited here, so the "
                                      "policies it maps are deleted and no policy is valid for the path from here on.",
                                      True))


def _counters(state: _State, cert: x509.Certificate, facts: Facts, index: int, web: bool) -> None:
    """6.1.4 (h)-(j): count this CA down (unless self-issued), then apply its policyConstraints and inhibitAnyPolicy."""
    if not facts.self_issued(cert):  # (h)
        state.explicit_policy = max(state.explicit_policy - 1, 0)
        state.policy_mapping = max(state.policy_mapping - 1, 0)
        state.inhibit_any_policy = max(state.inhibit_any_policy - 1, 0)
    pc = _policy_constraints(cert, facts, web)
    if pc is not None:  # (i)
        if pc.require_explicit_policy is not None and pc.require_explicit_policy < state.explicit_policy:
            state.explicit_policy = pc.require_explicit_policy
            state.required_by = f"the requireExplicitPolicy of {certificate_label(cert)}"
        if pc.inhibit_policy_mapping is not None and pc.inhibit_policy_mapping < state.policy_mapping:
            state.policy_mapping = pc.inhibit_policy_mapping
    iap = facts.get_extension(cert, x509.InhibitAnyPolicy)
    if iap is not None and iap.value.skip_certs < state.inhibit_any_policy:  # (j)
        state.inhibit_any_policy = iap.value.skip_certs


def _policy_constraints(cert: x509.Certificate, facts: Facts, web: bool) -> x509.PolicyConstraints | None:
    """The policyConstraints; under the Web PKI a non-critical one is refused, as pyca/cryptography does: RFC 5280
    4.2.1.11 says conforming CAs MUST mark it critical, while section 6 itself processes it either way."""
    pc = facts.get_extension(cert, x509.PolicyConstraints)
    if pc is not None and web and not pc.critical:
        raise _Fail("RFC 5280 4.2.1.11", "Its policyConstraints extension is not marked critical, as a conforming "
                    "CA must mark it.")
    return None if pc is None else pc.value


def _intersect(tree: PolicyTree, initial: tuple[str, ...], n: int) -> PolicyTree | None:
    """6.1.5 (g)(iii): keep the branches whose policy the caller accepts; anyPolicy at the leaf becomes those."""
    node_set = tree.valid_policy_node_set()  # (1)
    for node in node_set:  # (2)
        if node.valid_policy not in initial and node.valid_policy != ANY_POLICY and node in tree.level(node.depth):
            tree.remove(node)
    any_leaf = next((x for x in tree.level(n) if x.valid_policy == ANY_POLICY), None)
    if any_leaf is not None:  # (3)
        present = {x.valid_policy for x in node_set}
        for oid in initial:
            if oid not in present:
                tree.add(any_leaf.parent, oid, any_leaf.qualifier_set, frozenset({oid}))
        tree.remove(any_leaf)
    return tree if tree.prune(n - 1) else None  # (4)


def _wrap_up(state: _State, leaf: x509.Certificate, n: int, initial: tuple[str, ...], facts: Facts,
             web: bool) -> PolicyOutcome:
    """6.1.5 (a), (b), (g): the last counters, the intersection with the user-initial-policy-set, the verdict."""
    if state.explicit_policy:  # (a)
        state.explicit_policy -= 1
    pc = _policy_constraints(leaf, facts, web)
    if pc is not None and pc.require_explicit_policy == 0:  # (b)
        state.explicit_policy = 0
        state.required_by = f"the requireExplicitPolicy of {certificate_label(leaf)}"
    authorities = constrained_set(state.tree, n)
    if ANY_POLICY in initial:  # (g)(ii)
        user = authorities
    else:  # (g)(i), (iii)
        state.tree = None if state.tree is None else _intersect(state.tree, initial, n)
        user = constrained_set(state.tree, n)
    ok = state.explicit_policy > 0 or state.tree is not None
    state.findings.append(Finding(0, "RFC 5280 6.1.5 (g)", _verdict(state, authorities, user, initial, ok), ok))
    return PolicyOutcome(True, ok, authorities, user, state.explicit_policy, state.tree, tuple(state.findings))


def _verdict(state: _State, authorities: tuple[str, ...], user: tuple[str, ...], initial: tuple[str, ...],
             ok: bool) -> str:
    accepts = "any policy" if ANY_POLICY in initial else set_text(initial)
    if state.tree is not None:
        return (f"The path is valid for the policies {set_text(authorities)} (the authorities-constrained set); "
                f"the caller accepts {accepts}, which leaves {set_text(user)} (the user-constrained set).")
    found = (f"The path is valid for {set_text(authorities)}, none of which the caller accepts ({accepts})"
             if authorities else "No certificate policy is valid for the whole path")
    if ok:
        return f"{found}; that is accepted because no explicit policy is required."
    return f"{found}, and {state.required_by} requires an explicit policy."


def _start(n: int, inputs: Any) -> _State:
    """6.1.2 (a), (d)-(f): a tree of one anyPolicy node; each counter 0 if the caller set its flag, else n + 1."""
    required_by = "the caller (explicit_policy=True)" if inputs.explicit_policy else "a certificate"
    return _State(PolicyTree(), 0 if inputs.explicit_policy else n + 1, 0 if inputs.any_policy_inhibit else n + 1,
                  0 if inputs.policy_mapping_inhibit else n + 1, required_by)


def evaluate(path: Sequence[x509.Certificate], anchored: bool, inputs: Any, facts: Facts, *,
             web: bool = False) -> PolicyOutcome:
    """Policy processing of one path (leaf first, trust anchor last), with the caller's ``inputs``
    (a :class:`~.context.PolicyInputs`). Never raises for a certificate's content: a broken rule, or a
    tree beyond :data:`~.policy_tree.MAX_NODES` nodes, is a failing finding where it happened."""
    if not anchored or len(path) < 2:
        return PolicyOutcome(False)
    n = len(path) - 1
    state = _start(n, inputs)
    index = n - 1
    try:
        for k in range(1, n + 1):
            index = n - k
            cert = path[index]
            _process(state, cert, k, n, facts, index)
            if k < n:
                _map(state, cert, k, facts, index)
                _counters(state, cert, facts, index, web)
        return _wrap_up(state, path[0], n, tuple(inputs.initial_policies), facts, web)
    except _Fail as fail:
        finding = Finding(index, fail.section, fail.sentence, False)
    except TreeTooLarge:
        finding = Finding(index, "RFC 5280 6.1.3 (d)", f"The policy tree grew beyond {MAX_NODES} nodes here, "
                          "so policy processing stopped (a path built to make it grow exponentially).", False)
    return PolicyOutcome(True, False, (), (), state.explicit_policy, state.tree, (*state.findings, finding))


def check_policies(rec: Any, ctx: Any) -> None:
    """Record the policy steps of an anchored path on ``rec`` (a :class:`~.recorder.Recorder`, ``ctx`` a
    :class:`~.context.ValidationContext`): a step for a certificate whose policies empty the tree or break a
    rule, and the wrap-up step on the leaf (6.1.5 (g)). Cheap, so it runs in fast mode too."""
    for finding in evaluate(rec.path, rec.anchored, ctx.policy, ctx.facts, web=ctx.web).findings:
        rec.add(finding.index, Rule.POLICY, finding.section, finding.sentence, finding.ok)


def outcome_of(path: Sequence[x509.Certificate], anchored: bool, ctx: Any) -> Callable[[], PolicyOutcome]:
    """A function giving the path's outcome, worked out when asked for (:attr:`~.report.ValidationReport.policy`)."""
    return lambda: evaluate(path, anchored, ctx.policy, ctx.facts, web=ctx.web)
