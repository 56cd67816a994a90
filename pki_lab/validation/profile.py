"""Certificate profile rules: what each kind of certificate must look like.

RFC 5280 section 4 says what a well-formed certificate contains; the CA/Browser
Forum Baseline Requirements (BR) narrow that for the Web PKI (TLS server
certificates and the CAs above them). Each function here inspects one certificate
and returns ``None`` (fine) or ``(section, sentence)`` (the first problem found).
:mod:`.checks` turns those into report steps.

Deliberate choices (each follows x509-limbo's expectations and pyca/cryptography):
a CA certificate may sit in the leaf position (RFC 5280 allows it); nameConstraints
may be non-critical (BR 7.1.2.10.8 relaxes RFC 5280's MUST); the policy extensions are
judged in :mod:`.policy` (RFC 5280 6.1.3 (d)-(f), 6.1.4 (a)-(j)), and only a malformed policyMappings here.
"""

from __future__ import annotations

import ipaddress
import warnings

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, SignatureAlgorithmOID

from ..errors import MalformedInputError
from ..oids import oid_name
from .facts import Facts
from .policy_tree import parse_policy_mappings

__all__ = ["KNOWN_EXTENSIONS", "extension_problem", "ca_problem", "leaf_problem", "key_problem",
           "signature_algorithm_problem", "eku_problem", "common_name_problem"]

Problem = tuple[str, str] | None

#: Extensions this validator understands; a critical extension not listed makes a certificate invalid
#: (RFC 5280 4.2: "A certificate-using system MUST reject the certificate if it encounters a critical
#: extension it does not recognize").
KNOWN_EXTENSIONS = {
    ExtensionOID.AUTHORITY_KEY_IDENTIFIER, ExtensionOID.SUBJECT_KEY_IDENTIFIER, ExtensionOID.KEY_USAGE,
    ExtensionOID.CERTIFICATE_POLICIES, ExtensionOID.POLICY_MAPPINGS, ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
    ExtensionOID.ISSUER_ALTERNATIVE_NAME, ExtensionOID.BASIC_CONSTRAINTS, ExtensionOID.NAME_CONSTRAINTS,
    ExtensionOID.POLICY_CONSTRAINTS, ExtensionOID.EXTENDED_KEY_USAGE, ExtensionOID.CRL_DISTRIBUTION_POINTS,
    ExtensionOID.INHIBIT_ANY_POLICY, ExtensionOID.FRESHEST_CRL, ExtensionOID.AUTHORITY_INFORMATION_ACCESS,
    ExtensionOID.SUBJECT_INFORMATION_ACCESS, ExtensionOID.PRECERT_SIGNED_CERTIFICATE_TIMESTAMPS,
}
_MUST_BE_NONCRITICAL = {
    ExtensionOID.AUTHORITY_KEY_IDENTIFIER: ("RFC 5280 4.2.1.1", "authorityKeyIdentifier"),
    ExtensionOID.SUBJECT_KEY_IDENTIFIER: ("RFC 5280 4.2.1.2", "subjectKeyIdentifier"),
    ExtensionOID.AUTHORITY_INFORMATION_ACCESS: ("RFC 5280 4.2.2.1", "authorityInfoAccess"),
}
_WEB_CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)
_WEB_SIGNATURES = {
    SignatureAlgorithmOID.RSA_WITH_SHA256, SignatureAlgorithmOID.RSA_WITH_SHA384,
    SignatureAlgorithmOID.RSA_WITH_SHA512, SignatureAlgorithmOID.RSASSA_PSS,
    SignatureAlgorithmOID.ECDSA_WITH_SHA256, SignatureAlgorithmOID.ECDSA_WITH_SHA384,
    SignatureAlgorithmOID.ECDSA_WITH_SHA512,
}
_CLIENT_EXTRA_SIGNATURES = {SignatureAlgorithmOID.ED25519, SignatureAlgorithmOID.ED448}


def _serial(cert: x509.Certificate) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cryptography warns about serial 0 or negative: we report it instead
        return cert.serial_number


def extension_problem(cert: x509.Certificate, facts: Facts, *, is_anchor: bool = False) -> Problem:
    """Rules every certificate follows: v3, a sane serial, parseable extensions, no unknown critical ones.

    A trust anchor's serial number and authorityKeyIdentifier are not checked: RFC 5280 6.1.1 (d) takes
    the anchor as given, and a few roots in real trust stores have serial 0.
    """
    if cert.version != x509.Version.v3:
        return "CABF BR 7.1.1", "it is not an X.509 version 3 certificate"
    serial = 1 if is_anchor else facts.remember(cert, "serial", lambda: _serial(cert))
    # RFC 5280 4.1.2.2: a positive integer of at most 20 octets (21 encoded, as CAs often forget the sign bit).
    if serial <= 0:
        return "RFC 5280 4.1.2.2", f"its serial number {serial} is not a positive integer"
    if serial.bit_length() // 8 + 1 > 21:
        return "RFC 5280 4.1.2.2", "its serial number is longer than 20 octets"
    exts = facts.extensions_of(cert)
    if exts is None:
        return "RFC 5280 4.2", "its extensions cannot be parsed (a duplicate or malformed extension)"
    no_aki = facts.get_extension(cert, x509.AuthorityKeyIdentifier) is None
    if not is_anchor and not facts.self_issued(cert) and no_aki:
        return "RFC 5280 4.2.1.1", ("it has no authorityKeyIdentifier, which every certificate but a "
                                    "self-signed one must carry")
    for ext in exts:
        if ext.critical and ext.oid not in KNOWN_EXTENSIONS:
            return "RFC 5280 4.2", (f"it has a critical extension this validator does not recognise "
                                    f"({ext.oid.dotted_string}), and such a certificate must be rejected")
        if ext.oid in _MUST_BE_NONCRITICAL and ext.critical:
            section, name = _MUST_BE_NONCRITICAL[ext.oid]
            return section, f"its {name} extension is marked critical, which the standard forbids"
        if _malformed(ext):
            return "RFC 5280 4.2", f"its {ext.oid.dotted_string} extension is malformed"
    return None


def _malformed(ext: x509.Extension) -> bool:
    """A known extension cryptography could not decode; policyMappings (RFC 5280 4.2.1.5), which cryptography 50
    never decodes, is read with the lab's DER reader instead (:func:`.policy_tree.parse_policy_mappings`)."""
    if not isinstance(ext.value, x509.UnrecognizedExtension) or ext.oid not in KNOWN_EXTENSIONS:
        return False
    if ext.oid != ExtensionOID.POLICY_MAPPINGS:
        return True
    try:
        parse_policy_mappings(ext.value.value)
    except MalformedInputError:
        return True
    return False


def _ca_basic_constraints_problem(cert: x509.Certificate, facts: Facts) -> Problem:
    """RFC 5280 6.1.4 (k) and 4.2.1.9: only a certificate whose critical basicConstraints says CA:TRUE issues others."""
    bc = facts.get_extension(cert, x509.BasicConstraints)
    if bc is None:  # 6.1.4 (k)
        return "RFC 5280 6.1.4 (k)", "it has no basicConstraints extension, so it is not a CA certificate"
    if not bc.value.ca:
        return "RFC 5280 6.1.4 (k)", "its basicConstraints says CA:FALSE, so it may not issue certificates"
    if not bc.critical:
        return "RFC 5280 4.2.1.9", "its basicConstraints extension is not marked critical, as a CA's must be"
    return None


def _ca_key_usage_problem(cert: x509.Certificate, facts: Facts) -> Problem:
    """BR 7.1.2.10.7 and RFC 5280 6.1.4 (n): a CA's keyUsage must be present and allow keyCertSign.

    RFC 5280's path validation (6.1.4 (n)) only looks at keyUsage when it is present; the BR require it
    in every CA certificate, and this validator follows the BR.
    """
    ku = facts.get_extension(cert, x509.KeyUsage)
    if ku is None:
        return "CABF BR 7.1.2.10.7", "it has no keyUsage extension, which a CA certificate must have"
    if not ku.value.key_cert_sign:  # 6.1.4 (n)
        return "RFC 5280 6.1.4 (n)", "its keyUsage does not include keyCertSign, so its key may not sign certificates"
    return None


def _ca_key_identifiers_problem(cert: x509.Certificate, facts: Facts, *, is_anchor: bool) -> Problem:
    """RFC 5280 4.2.1.2, 4.2.1.1 and BR 7.1.2.11.1: the key identifiers that link a CA to the certificates below it.

    A CA must carry a subjectKeyIdentifier; an authorityKeyIdentifier, if present, must be a bare
    keyIdentifier, and a self-signed trust anchor's must name its own key.
    """
    ski = facts.get_extension(cert, x509.SubjectKeyIdentifier)
    if ski is None:
        return "RFC 5280 4.2.1.2", "it has no subjectKeyIdentifier, which every CA certificate must have"
    aki = facts.get_extension(cert, x509.AuthorityKeyIdentifier)
    if aki is None:
        return None
    value = aki.value
    if value.key_identifier is None:
        return "CABF BR 7.1.2.11.1", "its authorityKeyIdentifier has no keyIdentifier"
    if value.authority_cert_issuer is not None or value.authority_cert_serial_number is not None:
        return "CABF BR 7.1.2.11.1", "its authorityKeyIdentifier names an issuer and serial, which the BR forbid"
    if is_anchor and facts.self_issued(cert) and value.key_identifier != ski.value.digest:
        return "RFC 5280 4.2.1.1", "it is self-signed but its authorityKeyIdentifier is not its own key identifier"
    return None


def _ca_constraints_problem(cert: x509.Certificate, facts: Facts) -> Problem:
    """RFC 5280 4.2.1.10 and 4.2.1.11: the constraint extensions only a CA carries must be well formed."""
    nc = facts.get_extension(cert, x509.NameConstraints)
    if nc is not None and not nc.value.permitted_subtrees and not nc.value.excluded_subtrees:
        return "RFC 5280 4.2.1.10", "its nameConstraints extension is empty, which the standard forbids"
    # A non-critical policyConstraints (RFC 5280 4.2.1.11) is processed all the same (6.1.4 (i)); the Web PKI
    # refuses it in policy processing (.policy), where the policy extensions are judged.
    return None


def ca_problem(cert: x509.Certificate, facts: Facts, *, is_anchor: bool) -> Problem:
    """RFC 5280 4.2.1 and BR 7.1.2 rules for a certificate that issues others (including a trust anchor).

    One step per extension group, in this order; the first problem found is the answer.
    """
    return (_ca_basic_constraints_problem(cert, facts)
            or _ca_key_usage_problem(cert, facts)
            or _ca_key_identifiers_problem(cert, facts, is_anchor=is_anchor)
            or _ca_constraints_problem(cert, facts))


def eku_problem(cert: x509.Certificate, facts: Facts, wanted: x509.ObjectIdentifier | None, *,
                leaf: bool) -> Problem:
    """RFC 5280 4.2.1.12 and BR 7.1.2.7.10: the extended key usage must allow the purpose (``wanted``; None when
    the caller asked for no purpose, as RFC 5280 section 6 itself does not)."""
    eku = facts.get_extension(cert, x509.ExtendedKeyUsage)
    if eku is None or wanted is None:
        return None
    usages = list(eku.value)
    purpose = "serverAuth" if wanted == ExtendedKeyUsageOID.SERVER_AUTH else "clientAuth"
    if not usages:
        return "RFC 5280 4.2.1.12", "its extendedKeyUsage extension lists no purpose at all"
    if wanted in usages:
        return None
    if not leaf and ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in usages:
        return None
    section = "CABF BR 7.1.2.7.10" if leaf else "RFC 5280 4.2.1.12"
    return section, f"its extendedKeyUsage does not include {purpose}"


def leaf_problem(cert: x509.Certificate, facts: Facts, *, needs_san: bool) -> Problem:
    """Rules for the end-entity certificate (RFC 5280 4.2.1, BR 7.1.2.7)."""
    if facts.get_extension(cert, x509.NameConstraints) is not None:
        return "RFC 5280 4.2.1.10", "it carries nameConstraints, which only a CA certificate may"
    san = facts.get_extension(cert, x509.SubjectAlternativeName)
    if san is None:
        if needs_san:
            return "CABF BR 7.1.2.7.12", "it has no subjectAltName, where a server certificate must name its hosts"
        return None
    if len(cert.subject) == 0 and not san.critical:
        return "RFC 5280 4.2.1.6", "its subject is empty but its subjectAltName is not marked critical"
    if len(cert.subject) > 0 and san.critical:
        return "CABF BR 7.1.2.7.12", "its subject is not empty, yet its subjectAltName is marked critical"
    return None


def _loose_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An IP address written loosely (leading zeros allowed), or None."""
    parts = text.split(".")
    if len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts):
        return ipaddress.IPv4Address(".".join(str(int(p)) for p in parts))
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _same_dns(cn: str, dns: str) -> bool:
    if cn.lower() == dns.lower():
        return True
    try:
        return cn.encode("idna").decode().lower() == dns.lower()
    except UnicodeError:
        return False


def common_name_problem(cert: x509.Certificate, facts: Facts) -> Problem:
    """BR 7.1.4.3: a common name that stands for a SAN entry must be its character-for-character copy.

    A common name that names the same host or address as a SAN entry but is written differently
    (another letter case, a Unicode form of a punycode name, an IPv4 address with leading zeros,
    an IPv6 address not in RFC 5952 form), or an internationalized name that is not in the SAN,
    could be shown to a user as a name the certificate was never checked for. Other common names
    are ignored, as RFC 9525 6.3 tells clients to (and the BetterTLS cases expect).
    """
    cns = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    if not cns:
        return None
    san = facts.get_extension(cert, x509.SubjectAlternativeName)
    entries = list(san.value) if san is not None else []
    dns = [e.value for e in entries if isinstance(e, x509.DNSName)]
    ips = [e.value for e in entries if isinstance(e, x509.IPAddress)]
    for attr in cns:
        cn = str(attr.value)
        if cn in dns or cn in {str(ip) for ip in ips}:
            continue
        loose = _loose_ip(cn)
        idn = not cn.isascii() or any(label.lower().startswith("xn--") for label in cn.split("."))
        if (loose is not None and loose in ips) or any(_same_dns(cn, d) for d in dns) or (idn and dns):
            return "CABF BR 7.1.4.3", (f"its common name {cn!r} names a subjectAltName entry but is not its "
                                       "character-for-character copy")
    return None


def key_problem(cert: x509.Certificate, *, web: bool) -> Problem:
    """BR 6.1.5 and 7.1.3.1: RSA of at least 2048 bits (a multiple of 8), or ECDSA on P-256/384/521."""
    try:
        key = cert.public_key()
    except (ValueError, TypeError, NotImplementedError):
        return "RFC 5280 4.1.2.7", "its public key cannot be parsed"
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < 2048:
            return "CABF BR 6.1.5", f"its RSA key has {key.key_size} bits, fewer than the 2048 required"
        if key.key_size % 8:
            return "CABF BR 6.1.5", f"its RSA key has {key.key_size} bits, which is not a multiple of 8"
        return None
    if isinstance(key, ec.EllipticCurvePublicKey):
        if isinstance(key.curve, _WEB_CURVES):
            return None
        return "CABF BR 7.1.3.1", f"its key is on the curve {key.curve.name}, which is not allowed"
    if not web and isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
        return None
    kind = type(key).__name__.replace("PublicKey", "").lstrip("_")
    return "CABF BR 7.1.3.1", f"its key type ({kind}) is not allowed for TLS server certificates"


def signature_algorithm_problem(cert: x509.Certificate, *, web: bool) -> Problem:
    """BR 7.1.3.2: the signature on the certificate uses SHA-256/384/512 with RSA (PKCS#1 v1.5 or PSS) or ECDSA."""
    oid = cert.signature_algorithm_oid
    if oid in _WEB_SIGNATURES or (not web and oid in _CLIENT_EXTRA_SIGNATURES):
        return None
    return "CABF BR 7.1.3.2", f"it is signed with {oid_name(oid)}, which is not allowed"
