"""Names: matching the expected peer name, the syntax of names, and comparing distinguished names.

Two different questions, two sets of rules (the second lives in :mod:`.constraints`):

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

Distinguished names compare as RFC 5280 7.1 says (:mod:`.dn`: :func:`names_equal`,
:func:`name_key`, re-exported here). Names that are malformed (a DNS name with an underscore or an empty label, an
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
    "parse_mailbox",
]

_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


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
    except ParameterError as exc:
        if isinstance(value, str) and ("@" in value or not value.isascii()):  # its own sentence says what is wrong
            raise ParameterError(f"`name`: {exc}") from None
        name = None
    if not isinstance(name, PEER_NAME_TYPES):
        raise ParameterError(f"`name` must be a host name such as 'www.example.com', an IP address or an "
                             f"e-mail address, not {value!r}.")
    # A malformed name would match nothing and read as "not this server": say what is wrong with it instead.
    if isinstance(name, x509.DNSName) and not is_valid_dns_name(name.value):
        raise ParameterError(f"`name` {value!r} is not a valid host name: each dot-separated label must be 1 to 63 "
                             "letters, digits or hyphens, not starting or ending with a hyphen (no empty label, "
                             "no wildcard, no trailing dot).")
    if isinstance(name, x509.RFC822Name) and parse_mailbox(name.value) is None:
        raise ParameterError(f"`name` {value!r} is not a valid e-mail address: write one local part, '@' and a "
                             "valid host name, e.g. 'ada@example.com'.")
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
            mailbox = parse_mailbox(san.value)
            wanted = parse_mailbox(expected.value)
            if mailbox is not None and mailbox == wanted:
                return True
    return False


# -- DNS subtrees (RFC 5280 4.2.1.10) ---------------------------------------------------------


def _in_dns_subtree(name: str, base: str) -> bool:
    return name == base or name.endswith("." + base)


def in_dns_subtree(name: str, base: str) -> bool:
    """Is the valid DNS name ``name`` inside the DNS subtree ``base`` (the name itself or below it)?"""
    return is_valid_dns_name(name) and is_valid_dns_name(base) and _in_dns_subtree(name.lower(), base.lower())


def parse_mailbox(value: str) -> tuple[str, str] | None:
    """(local part, lower-cased host) of an RFC 822 mailbox (RFC 5280 4.2.1.6), or None if it is malformed."""
    if not isinstance(value, str) or value.count("@") != 1:
        return None
    local, host = value.split("@")
    if not local or not is_valid_dns_name(host):
        return None
    return local, host.lower()
