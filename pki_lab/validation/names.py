"""Names: matching the expected peer name, and name constraints.

Two different questions, two sets of rules:

* **Is this the server I wanted?** The expected name is matched against the
  certificate's subjectAltName only (RFC 9525 6.3, which replaced RFC 6125; the
  common name is no longer consulted). DNS names compare case-insensitively; a
  wildcard is allowed only as the whole left-most label (``*.example.com``) and
  matches exactly one label (RFC 9525 6.3, CA/B Forum BR 7.1.2.7.12). IP
  addresses compare as addresses (RFC 9525 6.3, RFC 5280 4.2.1.6).
* **May this CA speak for that name?** A CA's nameConstraints extension (RFC 5280
  4.2.1.10) lists permitted and excluded subtrees; every name below it in the path
  must be inside a permitted subtree of its type (if there are any) and outside all
  excluded ones.

Names that are malformed (a DNS name with an underscore or an empty label, an
e-mail address with two ``@``) never match and are never permitted, rather than
being guessed at.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from cryptography import x509

from ..errors import ParameterError, WrongTypeError
from ..names import make_general_name
from .dn import name_key, name_within, names_equal

__all__ = [
    "names_equal",
    "name_key",
    "name_within",
    "is_valid_dns_name",
    "in_dns_subtree",
    "dns_pattern_matches",
    "san_matches",
    "parse_expected_name",
    "PEER_NAME_TYPES",
    "ConstraintViolation",
    "check_name_constraints",
]

_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


class ConstraintViolation(Exception):
    """A name outside what a CA's nameConstraints allow (internal: becomes a failed step)."""


def is_valid_dns_name(name: str, *, wildcard: bool = False) -> bool:
    """True for a syntactically valid (LDH, RFC 1034 3.5 / RFC 5890) DNS name; ``*.`` allowed if ``wildcard``."""
    if not isinstance(name, str) or not name.isascii() or len(name) > 253:
        return False
    name = name.lower()
    if wildcard and name.startswith("*."):
        name = name[2:]
    labels = name.split(".")
    return len(labels) >= 1 and all(_LABEL.match(label) for label in labels)


def dns_pattern_matches(pattern: str, name: str) -> bool:
    """Does a SAN DNS entry (possibly ``*.base``) match the DNS name ``name`` (RFC 9525 6.3)?"""
    if not is_valid_dns_name(name) or not is_valid_dns_name(pattern, wildcard=True):
        return False
    pattern, name = pattern.lower(), name.lower()
    if pattern.startswith("*."):
        base = pattern[2:]
        head, _, rest = name.partition(".")
        # the wildcard stands for exactly one whole label, never the apex or two labels
        return bool(head) and rest == base
    return pattern == name


#: The kinds of name a peer can be expected to have (RFC 9525 6.3 and 6.4, RFC 5280 4.2.1.6).
PEER_NAME_TYPES = (x509.DNSName, x509.IPAddress, x509.RFC822Name)


def parse_expected_name(value: object) -> x509.GeneralName:
    """The name a client expects: ``"www.example.com"``, ``"192.0.2.1"``, ``"user@example.com"`` or a GeneralName.

    The string is read by :func:`pki_lab.names.make_general_name` (every form listed there), and the
    result must be a DNS name, an IP address or an e-mail address: a URI or a directory name is not
    a name a TLS peer is checked against.
    """
    if not isinstance(value, (str, x509.GeneralName, ipaddress.IPv4Address, ipaddress.IPv6Address)):
        raise WrongTypeError(f"`name` must be a host name, an IP address or an e-mail address as a string, "
                             f"not {type(value).__name__}.")
    try:
        name = make_general_name(value)
    except ParameterError:
        name = None
    if not isinstance(name, PEER_NAME_TYPES):
        raise ParameterError(f"`name` must be a host name such as 'www.example.com', an IP address or an "
                             f"e-mail address, not {value!r}.")
    return name


def san_matches(expected: x509.GeneralName, sans: Iterable[x509.GeneralName]) -> bool:
    """Does any subjectAltName entry match the expected name (DNS with wildcards, IP, e-mail)?"""
    for san in sans:
        if isinstance(expected, x509.DNSName) and isinstance(san, x509.DNSName):
            if dns_pattern_matches(san.value, expected.value):
                return True
        elif isinstance(expected, x509.IPAddress) and isinstance(san, x509.IPAddress):
            if san.value == expected.value:
                return True
        elif isinstance(expected, x509.RFC822Name) and isinstance(san, x509.RFC822Name):
            mailbox = _mailbox(san.value)
            wanted = _mailbox(expected.value)
            if mailbox is not None and mailbox == wanted:
                return True
    return False


# -- name constraints (RFC 5280 4.2.1.10) ------------------------------------------------------


def _dns_constraint(value: str) -> str:
    if not is_valid_dns_name(value):
        raise ConstraintViolation(f"the DNS name constraint {value!r} is malformed")
    return value.lower()


def _in_dns_subtree(name: str, base: str) -> bool:
    return name == base or name.endswith("." + base)


def in_dns_subtree(name: str, base: str) -> bool:
    """Is the valid DNS name ``name`` inside the DNS subtree ``base`` (the name itself or below it)?"""
    return is_valid_dns_name(name) and is_valid_dns_name(base) and _in_dns_subtree(name.lower(), base.lower())


def _dns_permitted(constraint: str, san: str) -> bool:
    """A permitted subtree must contain every name the SAN stands for (a wildcard stands for many)."""
    if san.startswith("*."):
        return _in_dns_subtree(san[2:], constraint)
    return _in_dns_subtree(san, constraint)


def _dns_excluded(constraint: str, san: str) -> bool:
    """An excluded subtree rules a SAN out if it overlaps it at all."""
    if san.startswith("*."):
        base = san[2:]
        return _in_dns_subtree(base, constraint) or constraint.partition(".")[2] == base
    return _in_dns_subtree(san, constraint)


def _ip_network(raw: object) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    if not isinstance(raw, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
        raise ConstraintViolation("an IP address name constraint is not an address with a mask")
    return raw


def _mailbox(value: str) -> tuple[str, str] | None:
    """(local part, lower-cased host) of an RFC 822 mailbox, or None if it is malformed."""
    if not isinstance(value, str) or value.count("@") != 1:
        return None
    local, host = value.split("@")
    if not local or not is_valid_dns_name(host):
        return None
    return local, host.lower()


def _email_constraint_matches(constraint: str, mailbox: tuple[str, str]) -> bool:
    # RFC 5280 4.2.1.10: a mailbox, a host (all mailboxes on it) or ".domain" (any host under it).
    if "@" in constraint:
        wanted = _mailbox(constraint)
        if wanted is None:
            raise ConstraintViolation(f"the e-mail name constraint {constraint!r} is malformed")
        return wanted == mailbox
    if constraint.startswith("."):
        return mailbox[1].endswith(constraint.lower())
    return mailbox[1] == constraint.lower()


def _dn_within(name: x509.Name, base: x509.Name) -> bool:
    """RFC 5280 4.2.1.10 and 7.1: a DN is in a directoryName subtree if the subtree's RDNs are its prefix."""
    rdns, prefix = list(name.rdns), list(base.rdns)
    return len(rdns) >= len(prefix) and rdns[: len(prefix)] == prefix


def _names_of(cert: x509.Certificate, sans: list[x509.GeneralName] | None, *, include_subject: bool):
    names: list[x509.GeneralName] = list(sans or [])
    if include_subject and len(cert.subject) > 0:
        names.append(x509.DirectoryName(cert.subject))
        # RFC 5280 4.2.1.10: emailAddress attributes in the subject are constrained as rfc822Names.
        for attr in cert.subject.get_attributes_for_oid(x509.NameOID.EMAIL_ADDRESS):
            names.append(x509.RFC822Name(str(attr.value)))
    return names


def _check_dns_name(name: x509.DNSName, permitted: list, excluded: list) -> str | None:
    """RFC 5280 4.2.1.10 for a dNSName: inside some permitted DNS subtree, outside every excluded one.

    A wildcard SAN stands for many names, so it must fit a permitted subtree as a whole and is
    ruled out by an excluded subtree it merely overlaps (:func:`_dns_permitted`, :func:`_dns_excluded`).
    """
    san = name.value.lower()
    if not is_valid_dns_name(san, wildcard=True):
        return f"the DNS name {name.value!r} is malformed, so it cannot be inside a permitted subtree"
    if permitted and not any(_dns_permitted(_dns_constraint(c.value), san) for c in permitted):
        return f"the DNS name {name.value} is not inside any permitted DNS subtree"
    for c in excluded:
        if _dns_excluded(_dns_constraint(c.value), san):
            return f"the DNS name {name.value} is inside the excluded DNS subtree {c.value}"
    return None


def _check_ip_address(name: x509.IPAddress, permitted: list, excluded: list) -> str | None:
    """RFC 5280 4.2.1.10 for an iPAddress: inside some permitted range, outside every excluded one.

    An IPv4 address is never inside an IPv6 range or the other way round. Every permitted range is
    read before any is compared, so a malformed one is reported even when another would match.
    """
    addr = name.value
    if not isinstance(addr, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return "an IP address SAN is malformed"
    nets = [_ip_network(c.value) for c in permitted]
    if permitted and not any(addr.version == n.version and addr in n for n in nets):
        return f"the IP address {addr} is not inside any permitted IP range"
    for c in excluded:
        net = _ip_network(c.value)
        if addr.version == net.version and addr in net:
            return f"the IP address {addr} is inside the excluded range {net}"
    return None


def _check_email_address(name: x509.RFC822Name, permitted: list, excluded: list) -> str | None:
    """RFC 5280 4.2.1.10 for an rfc822Name: a constraint is a mailbox, a host or a domain (``.example.com``)."""
    mailbox = _mailbox(name.value)
    if mailbox is None:
        return f"the e-mail address {name.value!r} is malformed, so it cannot be inside a permitted subtree"
    if permitted and not any(_email_constraint_matches(c.value, mailbox) for c in permitted):
        return f"the e-mail address {name.value} is not inside any permitted e-mail subtree"
    for c in excluded:
        if _email_constraint_matches(c.value, mailbox):
            return f"the e-mail address {name.value} is inside the excluded e-mail subtree {c.value}"
    return None


def _check_directory_name(name: x509.DirectoryName, permitted: list, excluded: list) -> str | None:
    """RFC 5280 4.2.1.10 for a directoryName: a subtree is a DN whose RDNs must be the name's first ones."""
    if permitted and not any(_dn_within(name.value, c.value) for c in permitted):
        return f"the directory name {name.value.rfc4514_string()} is not inside any permitted directory subtree"
    for c in excluded:
        if _dn_within(name.value, c.value):
            return (f"the directory name {name.value.rfc4514_string()} is inside the excluded subtree "
                    f"{c.value.rfc4514_string()}")
    return None


def _check_one(name: x509.GeneralName, permitted, excluded) -> str | None:
    """None if ``name`` passes the constraints, else a short phrase saying why not.

    Only constraints of the name's own type apply (RFC 5280 4.2.1.10); a name with none is allowed.
    A type this validator cannot check raises :class:`ConstraintViolation` rather than passing.
    """
    kind = type(name)
    same_permitted = [c for c in permitted if type(c) is kind]
    same_excluded = [c for c in excluded if type(c) is kind]
    if not same_permitted and not same_excluded:
        return None
    if kind is x509.DNSName:
        return _check_dns_name(name, same_permitted, same_excluded)
    if kind is x509.IPAddress:
        return _check_ip_address(name, same_permitted, same_excluded)
    if kind is x509.RFC822Name:
        return _check_email_address(name, same_permitted, same_excluded)
    if kind is x509.DirectoryName:
        return _check_directory_name(name, same_permitted, same_excluded)
    raise ConstraintViolation(f"name constraints of type {kind.__name__} are not supported by this validator")


def check_name_constraints(
    constraints: x509.NameConstraints,
    cert: x509.Certificate,
    sans: list[x509.GeneralName] | None,
    *,
    include_subject: bool = True,
) -> str | None:
    """Check one certificate's names against one CA's constraints (RFC 5280 6.1.3 (b), (c)).

    Returns None if every name is allowed, else a phrase naming the first name that is not.
    A malformed constraint or an unsupported constraint type also returns a phrase (never a pass).
    """
    permitted = list(constraints.permitted_subtrees or [])
    excluded = list(constraints.excluded_subtrees or [])
    try:
        for name in _names_of(cert, sans, include_subject=include_subject):
            problem = _check_one(name, permitted, excluded)
            if problem:
                return problem
    except ConstraintViolation as exc:
        return str(exc)
    return None
