"""Distinguished names and subject alternative names from the forms a learner types.

Accepted forms, everywhere the lab asks for a *name*:

* an :class:`x509.Name`, used as it is;
* a string with ``=`` in it, read as an RFC 4514 string: ``"CN=Lab Root,O=PKI Lab"``;
* any other string, used as the common name alone: ``"Lab Root"``.

And for each entry of a subject alternative name (SAN) list:

* ``"www.example.com"`` or ``"*.example.com"``: a DNS name; an internationalised one (``"bücher.de"``) is
  converted to its A-label (``"xn--bcher-kva.de"``) by IDNA 2008 with the UTS #46 mapping, as browsers do;
* ``"192.0.2.10"`` or ``"2001:db8::1"`` (or an ``ipaddress`` address object): an IP address;
* ``"email:ada@example.com"`` (or any string with ``@``): an RFC 822 e-mail address;
* ``"uri:spiffe://example.com/device"``: a URI;
* ``"dns:www.example.com"`` and ``"ip:192.0.2.10"``: the same, with the type spelled out;
* an :class:`x509.GeneralName`, used as it is.

The same parser reads the name a client expects when it validates a chain
(:func:`pki_lab.validation.names.parse_expected_name`), which then accepts only the
kinds a peer name can be (DNS name, IP address, e-mail address).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from cryptography import x509
from cryptography.x509.oid import NameOID

from .errors import ParameterError

__all__ = ["make_name", "make_general_name", "make_san", "common_name", "certificate_label", "host_label"]


def make_name(value: object, *, organization: str | None = None) -> x509.Name:
    """Build an :class:`x509.Name` from an ``x509.Name``, an RFC 4514 string or a bare common name."""
    if isinstance(value, x509.Name):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(
            f"A name must be a non-empty string such as 'Lab Root CA' or 'CN=Lab Root CA,O=PKI Lab', "
            f"or an x509.Name, not {value!r}."
        )
    if "=" in value:
        try:
            return x509.Name.from_rfc4514_string(value)
        except ValueError as exc:
            raise ParameterError(f"{value!r} is not a valid RFC 4514 name: {exc}.") from None
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, value)]
    if organization:
        attributes.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(attributes)


def common_name(name: x509.Name) -> str | None:
    """The (last) common name of a distinguished name, or None if it has none."""
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[-1].value) if values else None


def certificate_label(cert_or_name: x509.Certificate | x509.Name) -> str:
    """A short, stable name for a certificate (its subject) or a name: the common name, else the RFC 4514 form.

    The one label every report, table and widget of the lab uses, so a certificate is called the same everywhere.
    A name with no attributes at all is ``"(empty subject)"``.
    """
    name = cert_or_name.subject if isinstance(cert_or_name, x509.Certificate) else cert_or_name
    return common_name(name) or name.rfc4514_string() or "(empty subject)"


def make_general_name(value: object) -> x509.GeneralName:
    """One SAN entry from a string (see the module docstring for the accepted forms)."""
    if isinstance(value, x509.GeneralName):
        return value
    if isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return x509.IPAddress(value)
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(f"A subject alternative name must be a non-empty string, not {value!r}.")
    text = value.strip()
    lower = text.lower()
    if lower.startswith("email:"):
        return _mailbox(text[6:], value, host_only=True)
    if lower.startswith("uri:"):
        return _checked(x509.UniformResourceIdentifier, text[4:], value, "a URI")
    if lower.startswith("dns:"):
        return _checked(x509.DNSName, _a_label(text[4:], value), value, "a DNS name")
    if lower.startswith("ip:"):
        text = text[3:]
    try:
        return x509.IPAddress(ipaddress.ip_address(text))
    except ValueError:
        pass
    if "@" in text:
        return _mailbox(text, value)
    if " " in text or "/" in text:
        raise ParameterError(
            f"{value!r} is not a DNS name, IP address, e-mail address or URI; "
            "prefix URIs with 'uri:' and e-mail addresses with 'email:'."
        )
    return _checked(x509.DNSName, _a_label(text, value), value, "a DNS name")


def _a_label(host: str, value: object = None) -> str:
    """The ASCII form of a host name: a Unicode one (``bücher.de``) becomes its A-label (``xn--bcher-kva.de``).

    IDNA 2008 with the UTS #46 mapping (non-transitional, as browsers do: ``straße.de`` keeps its ß), from the
    ``idna`` package that JupyterLab installs (through anyio and httpx). The standard library's ``encodings.idna``
    is IDNA 2003, which maps ß to ss and accepts symbols IDNA 2008 forbids: a different, silently wrong name, so
    without ``idna`` a Unicode name is refused with a sentence rather than converted the old way.
    """
    if host.isascii():
        return host
    shown = host if value is None else value
    wildcard, rest = (True, host[2:]) if host.startswith("*.") else (False, host)
    try:
        import idna  # imported only for a Unicode name (its tables take a moment to load)
    except ImportError:  # JupyterLab brings it; without it, a sentence
        raise ParameterError(f"{shown!r} is an internationalised name; write its A-label (xn--...) form, or "
                             "install the idna package so the lab converts it.") from None
    try:
        ascii_name = idna.encode(rest, uts46=True).decode("ascii")
    except UnicodeError as exc:  # idna.IDNAError is a UnicodeError
        raise ParameterError(f"{shown!r} is not a valid internationalised domain name ({exc}, by IDNA 2008); "
                             "check its spelling, or write its A-label (xn--...) form.") from None
    return "*." + ascii_name if wildcard else ascii_name


def _mailbox(text: str, value: object, *, host_only: bool = False) -> x509.RFC822Name:
    """An e-mail address ``local@host``: the host as an A-label; a Unicode local part cannot be an rfc822Name.

    ``host_only``: ``email:example.com`` (every mailbox at a host, the form name constraints use) is allowed too.
    """
    local, at, host = text.rpartition("@")
    if host_only and not at and text:
        return _checked(x509.RFC822Name, _a_label(text, value), value, "an e-mail address")
    if not at or not local or not host:
        raise ParameterError(f"{value!r} is not an e-mail address: write a local part, '@' and a host, "
                             "e.g. 'ada@example.com'.")
    if not local.isascii():
        raise ParameterError(f"{value!r} has a non-ASCII local part, which an rfc822Name cannot hold "
                             "(RFC 5280 4.2.1.6; RFC 9598's SmtpUTF8Mailbox is not in the lab); use an ASCII one.")
    return _checked(x509.RFC822Name, f"{local}@{_a_label(host, value)}", value, "an e-mail address")


def _checked(kind: type, text: str, value: object, what: str) -> x509.GeneralName:
    """``kind(text)``, with cryptography's own refusal (a bare ValueError) turned into a sentence."""
    try:
        return kind(text)
    except ValueError:
        raise ParameterError(f"{value!r} is not {what} that a certificate can hold; check its spelling.") from None


def make_san(values: Iterable[object]) -> x509.SubjectAlternativeName:
    """A SubjectAlternativeName extension value from a list of SAN entries."""
    if isinstance(values, (str, bytes)):
        values = [values]
    entries = [make_general_name(v) for v in values]
    if not entries:
        raise ParameterError("A subject alternative name list must have at least one entry.")
    return x509.SubjectAlternativeName(entries)


def host_label(name: object) -> str:
    """A free-form service name as a DNS label: ``"Contoso DPS"`` -> ``"Contoso-DPS"`` (case kept: DNS ignores it).

    The simulated services (DPS, the hub, the broker) name their TLS host after themselves; a space or
    another character a host name cannot hold becomes a hyphen (RFC 1123 section 2.1: letters, digits and
    hyphens, neither first nor last).

    Raises:
        ParameterError: ``name`` is not a string, or has no letter or digit to make a label from.
    """
    if not isinstance(name, str):
        raise ParameterError(f"A service name must be a string such as 'contoso-hub', not {name!r}.")
    label = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")
    if not label:
        raise ParameterError(f"The service name {name!r} has no letter or digit to name its TLS host after; "
                             "use a name such as 'contoso-hub'.")
    return label
