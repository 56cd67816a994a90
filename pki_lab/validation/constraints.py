"""Name constraints (RFC 5280 4.2.1.10, 6.1.3 (b), (c)): may this CA speak for that name?

A CA's nameConstraints lists permitted and excluded subtrees. Every name of every
certificate below it in the path (6.1.3 (b), (c)) must lie inside a permitted subtree of
its own type, when the CA permits any of that type, and outside every excluded subtree.
The names of a certificate are its subjectAltName entries, its subject (a directoryName,
when it is not empty) and, when the certificate has no subjectAltName, the emailAddress
attributes of its subject (as rfc822Names).

The forms checked here: dNSName, iPAddress, rfc822Name, directoryName (compared by the
rules of RFC 5280 7.1, :mod:`.dn`) and uniformResourceIdentifier (its host, 4.2.1.10). A
constraint of another form (otherName, registeredID) that meets a name of the same form
cannot be checked, so it fails: RFC 5280 4.2.1.10 lets an application either process a
constraint or reject the certificate, never ignore it. A malformed constraint that applies
to a name fails too, whatever the other constraints say.

**Bounded work.** A CA with thousands of subtrees and a leaf with thousands of names make
a quadratic number of comparisons, a known denial of service (OpenSSL's many-names test,
CVE-2024-34702 in Botan). Each (name, subtree) comparison is counted, as in pyca/cryptography
(permitted subtrees until one matches, then every excluded subtree), against one budget for
the whole validation, :data:`MAX_NAME_CONSTRAINT_CHECKS` (2^20, cryptography's limit); when
it runs out, the check fails with "name-constraint work limit exceeded". Each CA's subtrees
are parsed once per validation, so a comparison is a string or integer test.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Callable
from urllib.parse import urlsplit

from cryptography import x509

from .dn import name_key
from .facts import MAX_NAME_CONSTRAINT_CHECKS, Facts
from .names import is_valid_dns_name as dns_name_ok
from .names import parse_mailbox as mailbox

__all__ = ["ConstraintViolation", "MAX_NAME_CONSTRAINT_CHECKS", "WORK_LIMIT", "Subtrees", "check_name_constraints"]

#: The phrase of the failure when the comparison budget runs out.
WORK_LIMIT = "name-constraint work limit exceeded"
_WORK_LIMIT_TEXT = (f"{WORK_LIMIT} ({MAX_NAME_CONSTRAINT_CHECKS:,} comparisons of a name with a subtree in this "
                    "validation), so its names could not all be checked and none is taken as allowed")

DNS, IP, EMAIL, DIR, URI = (x509.DNSName, x509.IPAddress, x509.RFC822Name, x509.DirectoryName,
                            x509.UniformResourceIdentifier)


class ConstraintViolation(Exception):
    """A name outside what a CA's nameConstraints allow (internal: becomes a failed step)."""


_MALFORMED = object()  # a constraint that could not be read


def _dns_base(value: str) -> object:
    # 4.2.1.10: a dNSName subtree is a DNS name; any name formed by adding labels on the left is inside it.
    return value.lower() if dns_name_ok(value) else _MALFORMED


def _ip_base(value: object) -> object:
    # 4.2.1.10: an iPAddress subtree is an address and a mask (8 octets for IPv4, 32 for IPv6).
    return value if isinstance(value, (ipaddress.IPv4Network, ipaddress.IPv6Network)) else _MALFORMED


def _email_base(value: str) -> object:
    # 4.2.1.10: a mailbox ("ada@example.com"), a host ("example.com") or a domain (".example.com").
    if "@" in value:
        box = mailbox(value)
        return ("mailbox", box) if box is not None else _MALFORMED
    if value.startswith("."):
        return ("domain", value.lower()) if dns_name_ok(value[1:]) else _MALFORMED
    return ("host", value.lower()) if dns_name_ok(value) else _MALFORMED


def _uri_base(value: str) -> object:
    # 4.2.1.10: a URI subtree is a fully qualified host ("host.example.com") or domain (".example.com").
    if value.startswith("."):
        return ("domain", value.lower()) if dns_name_ok(value[1:]) else _MALFORMED
    return ("host", value.lower()) if dns_name_ok(value) else _MALFORMED


def _dir_base(value: x509.Name) -> object:
    return name_key(value)  # 4.2.1.10 and 7.1: compared RDN by RDN, values prepared by RFC 4518


_READERS: dict[type, Callable[[object], object]] = {DNS: _dns_base, IP: _ip_base, EMAIL: _email_base,
                                                    URI: _uri_base, DIR: _dir_base}


def _suffixes(host: str) -> list[str]:
    """``host`` and each name above it at a label boundary: a.example.com, example.com, com."""
    out, dot = [host], host.find(".")
    while dot != -1:
        out.append(host[dot + 1:])
        dot = host.find(".", dot + 1)
    return out


def _ip_key(version: int, prefix: int, value: int) -> tuple[int, int, int]:
    shift = (32 if version == 4 else 128) - prefix
    return (version, prefix, (value >> shift) << shift)


# What a subtree is filed under in the index of its side, and what a name looks up there. A name is in
# a subtree exactly when one of its lookups is one of the subtree's keys, so finding the first subtree
# that holds a name costs a few dictionary lookups, not a comparison with every subtree.

def _subtree_keys(kind: type, base, excluded: bool) -> list:
    if kind is DNS:  # an excluded subtree also overlaps a wildcard one label above it
        return [("in", base), ("parent", base.partition(".")[2])] if excluded else [("in", base)]
    if kind is IP:
        return [_ip_key(base.version, base.prefixlen, int(base.network_address))]
    return [base]


def _lookups(kind: type, value, excluded: bool, prefixes: frozenset) -> list:
    if kind is DNS:
        if not value.startswith("*."):
            return [("in", s) for s in _suffixes(value)]
        rest = value[2:]  # a wildcard stands for many names: all must be permitted, any excluded one counts
        return [("in", s) for s in _suffixes(rest)] + ([("parent", rest)] if excluded else [])
    if kind is IP:
        return [_ip_key(v, p, int(value)) for v, p in prefixes if v == value.version]
    if kind is EMAIL:
        local, host = value
        return [("mailbox", value), ("host", host)] + [("domain", "." + s) for s in _suffixes(host)[1:]]
    if kind is URI:
        return [("host", value)] + [("domain", "." + s) for s in _suffixes(value)[1:]]
    return [value[:k] for k in range(len(value) + 1)]  # DIR: 7.1, the subtree's RDNs are the name's first ones


@dataclasses.dataclass
class _Side:
    """The subtrees of one side (permitted or excluded) of one form, indexed (see :func:`_subtree_keys`)."""

    excluded: bool
    index: dict = dataclasses.field(default_factory=dict)
    prefixes: set = dataclasses.field(default_factory=set)

    def add(self, kind: type, position: int, base) -> None:
        for key in _subtree_keys(kind, base, self.excluded):
            self.index.setdefault(key, position)
        if kind is IP:
            self.prefixes.add((base.version, base.prefixlen))

    def first(self, kind: type, value) -> int | None:
        """The position of the first subtree of this side that holds (or, excluded, overlaps) ``value``."""
        hits = [self.index[k] for k in _lookups(kind, value, self.excluded, frozenset(self.prefixes))
                if k in self.index]
        return min(hits) if hits else None


@dataclasses.dataclass(frozen=True)
class Subtrees:
    """One CA's nameConstraints, read once per validation: each side's subtrees by form, indexed.

    ``permitted[kind]`` and ``excluded[kind]`` index the subtrees of that form by position; ``malformed``
    names, per form, the first subtree that could not be read (or is of a form this validator cannot
    check); ``texts`` are the subtrees as written, for the report.
    """

    permitted: dict[type, _Side]
    excluded: dict[type, _Side]
    permitted_count: int
    excluded_count: int
    malformed: dict[type, str]
    texts: tuple[tuple[str, ...], tuple[str, ...]]

    @classmethod
    def read(cls, constraints: x509.NameConstraints) -> Subtrees:
        """Parse every subtree of ``constraints`` (RFC 5280 4.2.1.10)."""
        sides, malformed, texts = [], {}, []
        for excluded, trees in ((False, list(constraints.permitted_subtrees or ())),
                                (True, list(constraints.excluded_subtrees or ()))):
            by_kind: dict[type, _Side] = {}
            for position, tree in enumerate(trees):
                kind = type(tree)
                reader = _READERS.get(kind)
                base = _MALFORMED if reader is None else reader(tree.value)
                side = by_kind.setdefault(kind, _Side(excluded))
                if base is _MALFORMED:
                    malformed.setdefault(kind, _subtree_text(tree))
                else:
                    side.add(kind, position, base)
            sides.append(by_kind)
            texts.append(tuple(_subtree_text(tree) for tree in trees))
        return cls(sides[0], sides[1], len(texts[0]), len(texts[1]), malformed, (texts[0], texts[1]))


def _subtree_text(tree: x509.GeneralName) -> str:
    return tree.value.rfc4514_string() if isinstance(tree, DIR) else str(tree.value)


# -- reading the certificate's names -------------------------------------------------------------


def _uri_host(value: str) -> str | None:
    """The host of a URI if it is a fully qualified domain name (4.2.1.10), else None (no host, an IP, bad)."""
    try:
        host = urlsplit(value).hostname
    except ValueError:
        return None
    if not host or not dns_name_ok(host):
        return None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host.lower()
    return None


def _name_value(name: x509.GeneralName, facts: Facts | None) -> tuple[object, str | None]:
    """(the comparable form of a name, or None; the phrase saying why it cannot be compared)."""
    kind, value = type(name), name.value
    if kind is DNS:
        text = value.lower()
        ok = dns_name_ok(text[2:] if text.startswith("*.") else text)
        return (text, None) if ok else (None, f"the DNS name {value!r} is malformed, so it cannot be inside "
                                              "a permitted subtree")
    if kind is IP:
        ok = isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address))
        return (value, None) if ok else (None, "an IP address SAN is malformed")
    if kind is EMAIL:
        box = mailbox(value)
        return (box, None) if box else (None, f"the e-mail address {value!r} is malformed, so it cannot be "
                                              "inside a permitted subtree")
    if kind is URI:
        host = _uri_host(value)
        return (host, None) if host else (None, f"the URI {value!r} has no fully qualified host name, so a URI "
                                                "name constraint cannot be applied to it")
    if kind is DIR:
        return (name_key(value), None)
    return (None, f"name constraints of type {kind.__name__} are not supported by this validator")


def _names_of(cert: x509.Certificate, sans: list[x509.GeneralName] | None, *, include_subject: bool,
              facts: Facts | None) -> list[tuple[x509.GeneralName, object]]:
    """The certificate's names with a precomputed form for its subject (4.2.1.10)."""
    names: list[tuple[x509.GeneralName, object]] = [(n, None) for n in sans or ()]
    if include_subject and len(cert.subject) > 0:
        key = facts.subject_key(cert) if facts is not None else name_key(cert.subject)
        names.append((x509.DirectoryName(cert.subject), key))
        if sans is None:
            # 4.2.1.10: with no subjectAltName, rfc822Name constraints apply to the subject's emailAddress.
            for attr in cert.subject.get_attributes_for_oid(x509.NameOID.EMAIL_ADDRESS):
                names.append((x509.RFC822Name(str(attr.value)), None))
    return names


# -- the check ----------------------------------------------------------------------------------


class _Work:
    """The comparison budget of one validation (on its :class:`Facts`, or a fresh one per call)."""

    def __init__(self, facts: Facts | None) -> None:
        self.facts = facts
        self.left = MAX_NAME_CONSTRAINT_CHECKS if facts is None else facts.name_checks_left

    def spend(self, count: int) -> None:
        self.left -= count
        if self.facts is not None:
            self.facts.name_checks_left = self.left
        if self.left < 0:
            raise ConstraintViolation(_WORK_LIMIT_TEXT)


def _check_name(name: x509.GeneralName, value: object, trees: Subtrees, work: _Work) -> str | None:
    kind = type(name)
    permitted, excluded = trees.permitted.get(kind), trees.excluded.get(kind)
    if not permitted and not excluded:
        work.spend(trees.permitted_count + trees.excluded_count)  # every pair is looked at, as in cryptography
        return None
    if value is None:
        value, why = _name_value(name, None)
        if value is None:
            work.spend(1)
            return why
    if kind in trees.malformed:
        work.spend(1)
        return f"the {_FORM[kind]} name constraint {trees.malformed[kind]!r} is malformed"
    label = _label(name)
    if permitted:
        hit = permitted.first(kind, value)
        work.spend(trees.permitted_count if hit is None else hit + 1)
        if hit is None:
            return f"the {label} is not inside any permitted {_PERMITTED[kind]}"
    else:
        work.spend(trees.permitted_count)
    hit = excluded.first(kind, value) if excluded else None
    work.spend(trees.excluded_count if hit is None else hit + 1)
    if hit is not None:
        return f"the {label} is inside the excluded {_EXCLUDED[kind]} {trees.texts[1][hit]}"
    return None


_FORM = {DNS: "DNS", IP: "IP", EMAIL: "e-mail", URI: "URI", DIR: "directory"}
_PERMITTED = {DNS: "DNS subtree", IP: "IP range", EMAIL: "e-mail subtree", URI: "URI subtree",
              DIR: "directory subtree"}
_EXCLUDED = {DNS: "DNS subtree", IP: "range", EMAIL: "e-mail subtree", URI: "URI subtree", DIR: "subtree"}


def _label(name: x509.GeneralName) -> str:
    kind = type(name)
    if kind is DIR:
        return f"directory name {name.value.rfc4514_string() or '(empty)'}"
    return {DNS: "DNS name", IP: "IP address", EMAIL: "e-mail address", URI: "URI"}[kind] + f" {name.value}"


def check_name_constraints(
    constraints: x509.NameConstraints,
    cert: x509.Certificate,
    sans: list[x509.GeneralName] | None,
    *,
    include_subject: bool = True,
    facts: Facts | None = None,
) -> str | None:
    """Check one certificate's names against one CA's constraints (RFC 5280 6.1.3 (b), (c)).

    Returns None if every name is allowed, else a phrase naming the first name that is not. A
    malformed constraint, a form that cannot be checked and the work limit also return a phrase
    (never a pass). With ``facts`` (the validation's table), the subtrees are parsed once per CA,
    the comparisons count against the validation's one budget, and the answer for a
    (certificate, CA) pair is kept, so another candidate path through them costs nothing.
    """
    if facts is None:
        return _check(constraints, cert, sans, include_subject, None)
    key = ("name-constraints", id(constraints), include_subject)
    facts.remember(constraints, "held", lambda: constraints)  # keep the id valid while the table lives
    return facts.remember(cert, key, lambda: _check(constraints, cert, sans, include_subject, facts))


def _check(constraints, cert, sans, include_subject, facts) -> str | None:
    trees = (Subtrees.read(constraints) if facts is None else
             facts.remember(constraints, "subtrees", lambda: Subtrees.read(constraints)))
    work = _Work(facts)
    try:
        if work.left < 0:
            raise ConstraintViolation(_WORK_LIMIT_TEXT)
        for name, value in _names_of(cert, sans, include_subject=include_subject, facts=facts):
            problem = _check_name(name, value, trees, work)
            if problem:
                return problem
    except ConstraintViolation as exc:
        return str(exc)
    return None
