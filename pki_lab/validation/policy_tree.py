"""The valid_policy_tree of RFC 5280 6.1.2 (a), the policyMappings parser, and the outcome a report carries.

:mod:`.policy` grows the tree along a path; this module holds what it grows (:class:`PolicyTree`, a node
per policy and depth), what it reads that cryptography 50 does not decode (policyMappings, RFC 5280
4.2.1.5: :func:`parse_policy_mappings`, also used by :mod:`.profile` to reject a malformed one), and the
:class:`PolicyOutcome` it returns (6.1.5 (g), 6.1.6).

The tree can grow exponentially with the path (each policy mapped to several, at every level:
CVE-2023-0464 in OpenSSL). Like OpenSSL since then, it is capped at :data:`MAX_NODES` nodes, and
:meth:`PolicyTree.add` raises :class:`TreeTooLarge` beyond that.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from cryptography import x509
from cryptography.x509.oid import CertificatePoliciesOID, ExtensionOID

from ..der import read
from ..der.encode import oid, sequence
from ..der.values import oid_text
from ..errors import MalformedInputError
from ..oids import oid_name
from .facts import Facts

__all__ = ["ANY_POLICY", "MAX_NODES", "PolicyNode", "PolicyTree", "PolicyOutcome", "Finding", "TreeTooLarge",
           "parse_policy_mappings", "policy_mappings", "policy_text", "set_text", "constrained_set",
           "certificate_policies", "policies_extension", "mappings_extension"]

#: anyPolicy (RFC 5280 4.2.1.4), from cryptography's own table.
ANY_POLICY = CertificatePoliciesOID.ANY_POLICY.dotted_string
#: The most nodes a valid_policy_tree may hold (OpenSSL's OPENSSL_POLICY_TREE_NODES_MAX).
MAX_NODES = 1000


def policy_text(oid: str) -> str:
    """A policy OID with its name where the lab knows one: ``2.23.140.1.2.1 (CA/B Forum domain validated)``."""
    name = oid_name(oid)
    return oid if name == oid else f"{oid} ({name})"


def set_text(oids) -> str:
    """Policy OIDs with their names, comma-separated, or "none"."""
    return ", ".join(policy_text(o) for o in oids) or "none"


# -- the policyMappings extension (RFC 5280 4.2.1.5), which cryptography 50 leaves undecoded -----------------

def parse_policy_mappings(der: bytes) -> tuple[tuple[str, str], ...]:
    """The (issuerDomainPolicy, subjectDomainPolicy) pairs of a policyMappings extnValue.

    ``PolicyMappings ::= SEQUENCE SIZE (1..MAX) OF SEQUENCE { issuerDomainPolicy CertPolicyId,
    subjectDomainPolicy CertPolicyId }`` (RFC 5280 4.2.1.5). Raises MalformedInputError for anything else.
    """
    root = read(der).root
    if not (root.is_universal and root.tag_number == 16 and root.children):
        raise MalformedInputError("A policyMappings extension must be a non-empty SEQUENCE of mappings.")
    pairs = []
    for mapping in root.children:
        oids = [oid_text(c.content) if c.is_universal and c.tag_number == 6 and not c.constructed else None
                for c in mapping.children]
        if not (mapping.is_universal and mapping.tag_number == 16) or len(oids) != 2 or None in oids:
            raise MalformedInputError("Each policy mapping must be a SEQUENCE of two policy OIDs.")
        pairs.append((oids[0], oids[1]))
    return tuple(pairs)


def policy_mappings(cert: x509.Certificate, facts: Facts) -> tuple[tuple[str, str], ...]:
    """The certificate's policy mappings (empty when it has none); MalformedInputError if they cannot be read."""
    def compute():
        exts = facts.extensions_of(cert)
        ext = None if exts is None else next((e for e in exts if e.oid == ExtensionOID.POLICY_MAPPINGS), None)
        if ext is None:
            return ()
        try:
            return parse_policy_mappings(ext.value.value if isinstance(ext.value, x509.UnrecognizedExtension)
                                         else ext.value.public_bytes())
        except MalformedInputError as exc:
            return exc
    value = facts.remember(cert, "policy-mappings", compute)
    if isinstance(value, MalformedInputError):
        raise value
    return value


def certificate_policies(cert: x509.Certificate) -> tuple[str, ...]:
    """The policy OIDs a certificate asserts in certificatePolicies (RFC 5280 4.2.1.4), dotted; () without one."""
    try:
        ext = cert.extensions.get_extension_for_class(x509.CertificatePolicies)
    except (x509.ExtensionNotFound, ValueError):
        return ()
    return tuple(info.policy_identifier.dotted_string for info in ext.value)


def policies_extension(*oids: str) -> x509.CertificatePolicies:
    """A certificatePolicies extension asserting these policy OIDs without qualifiers, for a CA's ``extensions``."""
    return x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(o), None) for o in oids])


def mappings_extension(pairs) -> x509.UnrecognizedExtension:
    """A policyMappings extension, (issuerDomainPolicy, subjectDomainPolicy) pairs written as DER (RFC 5280
    4.2.1.5), since cryptography 50 has no class for it; mark it critical, as conforming CAs should."""
    return x509.UnrecognizedExtension(ExtensionOID.POLICY_MAPPINGS,
                                      sequence(*(sequence(oid(a), oid(b)) for a, b in pairs)))


# -- the tree (RFC 5280 6.1.2 (a)) ---------------------------------------------------------------------------

class TreeTooLarge(Exception):
    """Raised when the tree would grow beyond :data:`MAX_NODES` nodes."""


@dataclasses.dataclass(eq=False)
class PolicyNode:
    """One node: its valid_policy, qualifier_set and expected_policy_set (6.1.2 (a)); depth is the path position."""

    valid_policy: str
    qualifier_set: tuple[Any, ...]
    expected_policy_set: frozenset[str]
    depth: int
    parent: PolicyNode | None = None
    children: list[PolicyNode] = dataclasses.field(default_factory=list)


class PolicyTree:
    """The valid_policy_tree, with its nodes kept by depth so each step finds its level at once."""

    def __init__(self) -> None:
        self.root = PolicyNode(ANY_POLICY, (), frozenset({ANY_POLICY}), 0)
        self.levels: list[list[PolicyNode]] = [[self.root]]
        self.count = 1

    def level(self, depth: int) -> list[PolicyNode]:
        return self.levels[depth] if depth < len(self.levels) else []

    def add(self, parent: PolicyNode, policy: str, qualifiers: tuple, expected: frozenset[str]) -> PolicyNode:
        if self.count >= MAX_NODES:
            raise TreeTooLarge
        node = PolicyNode(policy, qualifiers, expected, parent.depth + 1, parent)
        parent.children.append(node)
        while len(self.levels) <= node.depth:
            self.levels.append([])
        self.levels[node.depth].append(node)
        self.count += 1
        return node

    def remove(self, node: PolicyNode) -> None:
        """Delete a node and everything below it."""
        for child in list(node.children):
            self.remove(child)
        if node.parent is not None:
            node.parent.children.remove(node)
        self.levels[node.depth].remove(node)
        self.count -= 1

    def prune(self, depth: int) -> bool:
        """Delete childless nodes of ``depth`` or less, deepest first; False if the root went too (a NULL tree)."""
        for d in range(min(depth, len(self.levels) - 1), -1, -1):
            for node in [n for n in self.levels[d] if not n.children]:
                self.remove(node)
        return bool(self.levels[0])

    def valid_policy_node_set(self) -> list[PolicyNode]:
        """6.1.5 (g)(iii)(1): the nodes whose parent's valid_policy is anyPolicy."""
        return [n for level in self.levels[1:] for n in level if n.parent.valid_policy == ANY_POLICY]

    def lines(self) -> list[str]:
        out: list[str] = []

        def walk(node: PolicyNode) -> None:
            expected = ", ".join(sorted(node.expected_policy_set))
            qualifiers = f"; {len(node.qualifier_set)} qualifier(s)" if node.qualifier_set else ""
            out.append(f"{'   ' * node.depth}{'`- ' if node.depth else ''}{policy_text(node.valid_policy)}"
                       f"  [depth {node.depth}; expected {expected}{qualifiers}]")
            for child in node.children:
                walk(child)
        walk(self.root)
        return out


# -- the outcome ---------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Finding:
    """One policy step: the certificate (path index, leaf 0), the section, what was found, pass or fail."""

    index: int
    section: str
    sentence: str
    ok: bool


@dataclasses.dataclass(frozen=True)
class PolicyOutcome:
    """What policy processing found for one path (RFC 5280 6.1.5 (g), 6.1.6).

    Attributes:
        processed: False when the path does not reach a trust anchor or has no certificate below it.
        ok: True if the path is valid as far as policies go.
        authorities_constrained: the policies the CAs of the path allow (in the trust anchor's domain,
            anyPolicy when a whole anyPolicy branch remains), before the caller's set is applied.
        user_constrained: those of them the caller's user-initial-policy-set accepts (6.1.5 (g)).
        explicit_policy: the final explicit_policy counter (0: a policy was required).
        tree: the final valid_policy_tree, or None for a NULL tree.
        findings: the steps recorded in the report.
    """

    processed: bool
    ok: bool = True
    authorities_constrained: tuple[str, ...] = ()
    user_constrained: tuple[str, ...] = ()
    explicit_policy: int = 0
    tree: PolicyTree | None = dataclasses.field(default=None, repr=False, compare=False)
    findings: tuple[Finding, ...] = ()

    def tree_text(self) -> str:
        """The valid_policy_tree, one node a line, indented by depth."""
        if not self.processed:
            return "(no policy processing: the path does not reach a trust anchor)"
        return "\n".join(self.tree.lines()) if self.tree is not None else "(NULL: no policy is valid for the path)"

    def draw(self, ax=None):
        """Draw the valid_policy_tree: one box per node, depth downwards, anyPolicy at the top. Needs matplotlib
        (imported when drawing). Returns the Axes; end the cell with ``plt.show()``."""
        import matplotlib.pyplot as plt  # heavy: only when drawing (docs/architecture.md)

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 3))
        ax.set_axis_off()
        if self.tree is None:
            ax.text(0.5, 0.5, "NULL tree: no policy is valid for the path", ha="center", va="center")
            return ax
        places = _layout(self.tree.root)
        for node, (x, y) in places.items():
            if node.parent is not None:
                ax.plot([places[node.parent][0], x], [places[node.parent][1], y], color="#57606a", zorder=1)
            expected = ", ".join(sorted(oid_name(o) for o in node.expected_policy_set))
            ax.text(x, y, f"{oid_name(node.valid_policy)}\nexpects {expected}", ha="center", va="center", fontsize=8,
                    zorder=2,
                    bbox={"boxstyle": "round", "facecolor": "#ddf4ff", "edgecolor": "#0969da"})
        xs = [x for x, _ in places.values()]
        ax.set_xlim(min(xs) - 0.7, max(xs) + 0.7)
        ax.set_ylim(-len(self.tree.levels) + 0.5, 0.5)
        return ax

    def __str__(self) -> str:
        if not self.processed:
            return "policies: not processed (the path does not reach a trust anchor)"
        return (f"policies: {'valid' if self.ok else 'INVALID'}\n"
                f"  authorities-constrained policy set: {set_text(self.authorities_constrained)}\n"
                f"  user-constrained policy set: {set_text(self.user_constrained)}\n"
                "  valid_policy_tree:\n" + "\n".join("    " + line for line in self.tree_text().splitlines()))

    __repr__ = __str__


def constrained_set(tree: PolicyTree | None, depth: int) -> tuple[str, ...]:
    """The specific policies of the valid_policy_node_set, and anyPolicy if an anyPolicy node stands at ``depth``
    (the leaf's: a whole anyPolicy branch remains)."""
    if tree is None:
        return ()
    out = dict.fromkeys(n.valid_policy for n in tree.valid_policy_node_set() if n.valid_policy != ANY_POLICY)
    if depth and any(n.valid_policy == ANY_POLICY for n in tree.level(depth)):
        out[ANY_POLICY] = None
    return tuple(out)


def _layout(root: PolicyNode) -> dict[PolicyNode, tuple[float, float]]:
    """Each node's position for :meth:`PolicyOutcome.draw`: leaves side by side, a parent above the middle of its
    children, depth downwards."""
    places: dict[PolicyNode, tuple[float, float]] = {}
    next_x = [0.0]

    def place(node: PolicyNode) -> float:
        if node.children:
            xs = [place(child) for child in node.children]
            x = (xs[0] + xs[-1]) / 2
        else:
            x, next_x[0] = next_x[0], next_x[0] + 1
        places[node] = (x, -node.depth)
        return x
    place(root)
    return places
