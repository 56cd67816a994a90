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
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, PublicKeyAlgorithmOID, SignatureAlgorithmOID

from ..der.encode import children
from ..errors import MalformedInputError
from ..keys import ml_dsa_level
from ..oids import oid_name
from .facts import Facts
from .names import is_valid_dns_name
from .policy_tree import parse_policy_mappings

__all__ = ["KNOWN_EXTENSIONS", "extension_problem", "ca_problem", "leaf_problem", "key_problem", "curve_problem",
           "signature_algorithm_problem", "eku_problem", "common_name_problem", "key_cert_sign_problem",
           "subscriber_problem", "san_syntax_problem"]

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


def _serial(cert: x509.Certificate) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cryptography warns about serial 0 or negative: we report it instead
        return cert.serial_number


def _serial_problem(cert: x509.Certificate, facts: Facts, *, strict: bool) -> Problem:
    """RFC 5280 4.1.2.2: a positive integer of at most 20 octets (21 encoded: CAs often forget the sign bit).

    A negative serial is no conforming CA's, and more than 20 octets is more than a certificate user must
    handle, so both are refused in either profile. Zero is refused under the Web PKI profile only: 4.1.2.2
    asks certificate users to handle the zero serials of non-conforming CAs gracefully.
    """
    serial = facts.remember(cert, "serial", lambda: _serial(cert))
    if serial < 0 or (serial == 0 and strict):
        return "RFC 5280 4.1.2.2", f"its serial number {serial} is not a positive integer"
    if serial.bit_length() // 8 + 1 > 21:
        return "RFC 5280 4.1.2.2", "its serial number is longer than 20 octets"
    return None


def _extension_list_problem(exts: x509.Extensions, *, strict: bool) -> Problem:
    """RFC 5280 4.2: no unrecognised critical extension, none malformed, none critical that must not be."""
    for ext in exts:
        if ext.critical and ext.oid not in KNOWN_EXTENSIONS:
            return "RFC 5280 4.2", (f"it has a critical extension this validator does not recognise "
                                    f"({ext.oid.dotted_string}), and such a certificate must be rejected")
        if strict and ext.oid in _MUST_BE_NONCRITICAL and ext.critical:
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


def extension_problem(cert: x509.Certificate, facts: Facts, *, is_anchor: bool = False,
                      strict: bool = True) -> Problem:
    """Rules every certificate follows: its version, a sane serial, parseable extensions, no unknown critical ones.

    ``is_anchor`` is True for a trust anchor above the leaf: its serial number and authorityKeyIdentifier
    are not checked, as RFC 5280 6.1.1 (d) takes the anchor as given (a few roots in real trust stores
    have serial 0). A leaf that is itself in the trust store is still the end-entity certificate
    presented, and is checked like any other leaf. ``strict`` (the Web PKI profile) adds the rules
    RFC 5280 section 4 sets for conforming CAs (an authorityKeyIdentifier in every certificate that is not
    self-signed, the extensions that must be non-critical) and the BR's version 3 (7.1.1).
    """
    if cert.version != x509.Version.v3 and strict:
        return "CABF BR 7.1.1", "it is not an X.509 version 3 certificate"
    if not is_anchor:
        problem = _serial_problem(cert, facts, strict=strict)
        if problem:
            return problem
    exts = facts.extensions_of(cert)
    if exts is None:
        return "RFC 5280 4.2", "its extensions cannot be parsed (a duplicate or malformed extension)"
    no_aki = facts.get_extension(cert, x509.AuthorityKeyIdentifier) is None
    if strict and not is_anchor and not facts.self_issued(cert) and no_aki:
        return "RFC 5280 4.2.1.1", ("it has no authorityKeyIdentifier, which every certificate but a "
                                    "self-signed one must carry")
    return _extension_list_problem(exts, strict=strict)


def _ca_basic_constraints_problem(cert: x509.Certificate, facts: Facts, *, strict: bool) -> Problem:
    """RFC 5280 6.1.4 (k) and 4.2.1.9: only a certificate whose basicConstraints says CA:TRUE issues others.

    That the extension be critical is what 4.2.1.9 asks of a conforming CA, not a step of 6.1.4, so it is a
    rule of the Web PKI profile (``strict``) only (NIST PKITS 4.6.4 expects such a path to be valid).
    """
    bc = facts.get_extension(cert, x509.BasicConstraints)
    if bc is None:  # 6.1.4 (k)
        return "RFC 5280 6.1.4 (k)", "it has no basicConstraints extension, so it is not a CA certificate"
    if not bc.value.ca:
        return "RFC 5280 6.1.4 (k)", "its basicConstraints says CA:FALSE, so it may not issue certificates"
    if strict and not bc.critical:  # a conforming CA's duty (4.2.1.9); 6.1.4 (k) only asks for cA TRUE
        return "RFC 5280 4.2.1.9", "its basicConstraints extension is not marked critical, as a CA's must be"
    return None


def _ca_key_usage_problem(cert: x509.Certificate, facts: Facts, *, strict: bool) -> Problem:
    """BR 7.1.2.10.7 and RFC 5280 6.1.4 (n): a CA's keyUsage must allow keyCertSign (and be present, ``strict``).

    RFC 5280's path validation (6.1.4 (n)) only looks at keyUsage when it is present; 4.2.1.3 (for a
    conforming CA) and the BR require it in every CA certificate, so the Web PKI profile does too.
    """
    ku = facts.get_extension(cert, x509.KeyUsage)
    if ku is None:
        if not strict:
            return None
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


def ca_problem(cert: x509.Certificate, facts: Facts, *, is_anchor: bool, strict: bool = True) -> Problem:
    """RFC 5280 4.2.1 and BR 7.1.2 rules for a certificate that issues others (including a trust anchor).

    One step per extension group, in this order; the first problem found is the answer. Under RFC 5280
    alone (``strict`` False) only what section 6 checks (6.1.4 (k), (n)) and a non-empty subject apply;
    the Web PKI profile adds what section 4 and the BR ask of a conforming CA (a critical basicConstraints,
    a keyUsage, the key identifiers, well-formed constraint extensions).
    """
    if len(cert.subject) == 0:  # 4.1.2.6; also 4.1.2.4: the issuer name of what it signs must not be empty
        return "RFC 5280 4.1.2.6", "its subject is empty, where a CA certificate must have a distinguished name"
    problem = (_ca_basic_constraints_problem(cert, facts, strict=strict)
               or _ca_key_usage_problem(cert, facts, strict=strict))
    if problem or not strict:
        return problem
    return (_ca_key_identifiers_problem(cert, facts, is_anchor=is_anchor)
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


def leaf_problem(cert: x509.Certificate, facts: Facts, *, needs_san: bool, web: bool = True) -> Problem:
    """Rules for the end-entity certificate (RFC 5280 4.2.1.6, 4.2.1.10, BR 7.1.2.7.12)."""
    if facts.get_extension(cert, x509.NameConstraints) is not None:
        return "RFC 5280 4.2.1.10", "it carries nameConstraints, which only a CA certificate may"
    san = facts.get_extension(cert, x509.SubjectAlternativeName)
    if san is None:
        if needs_san:
            return "CABF BR 7.1.2.7.12", "it has no subjectAltName, where a server certificate must name its hosts"
        return None
    if len(cert.subject) == 0 and not san.critical:
        return "RFC 5280 4.2.1.6", "its subject is empty but its subjectAltName is not marked critical"
    if web and len(cert.subject) > 0 and san.critical:
        return "CABF BR 7.1.2.7.12", "its subject is not empty, yet its subjectAltName is marked critical"
    return None


def key_cert_sign_problem(cert: x509.Certificate, facts: Facts) -> Problem:
    """RFC 5280 4.2.1.9 (and 4.2.1.3): a key that signs certificates (keyCertSign) belongs to a CA (cA TRUE).

    Path validation checks this of every issuer (6.1.4 (k), (n)); this rule holds for the certificates no
    one checks as issuers: the leaf, which must not claim to sign certificates without being a CA.
    """
    ku = facts.get_extension(cert, x509.KeyUsage)
    if ku is None or not ku.value.key_cert_sign:
        return None
    bc = facts.get_extension(cert, x509.BasicConstraints)
    if bc is None or not bc.value.ca:
        return "RFC 5280 4.2.1.9", "its keyUsage asserts keyCertSign, but its basicConstraints does not say CA:TRUE"
    return None


def subscriber_problem(cert: x509.Certificate, facts: Facts) -> Problem:
    """BR 7.1.2.7.8: a subscriber (end-entity) certificate of a TLS server says cA FALSE.

    RFC 5280 puts no CA or end-entity requirement on the leaf position (6.1.5 processes whatever certificate
    is last), so a whole CA certificate (cA TRUE and keyCertSign, or no keyUsage) may end a path and is
    judged as the CA certificate it is; x509-limbo's rfc5280 and pathlen families expect that. A leaf
    whose keyUsage withholds keyCertSign is a subscriber's key, and the BR forbid it to claim cA TRUE: it
    is neither a CA that may sign certificates nor a well-formed end entity.
    """
    bc = facts.get_extension(cert, x509.BasicConstraints)
    ku = facts.get_extension(cert, x509.KeyUsage)
    if bc is not None and bc.value.ca and ku is not None and not ku.value.key_cert_sign:
        return "CABF BR 7.1.2.7.8", ("its basicConstraints says CA:TRUE while its keyUsage withholds keyCertSign; a "
                                     "server certificate must say CA:FALSE")
    return None


def san_syntax_problem(cert: x509.Certificate, facts: Facts) -> Problem:
    """BR 7.1.2.7.12 and RFC 5280 4.2.1.6: each dNSName of a server certificate is a host name or a wildcard.

    An entry must be a Fully-Qualified Domain Name in the preferred name syntax (letters, digits and
    hyphens, RFC 1034 3.5 as 5280 4.2.1.6 requires), or a Wildcard Domain Name ("*." then such a name):
    no empty name, no wildcard other than a whole left-most label, no trailing dot, no Unicode (IDNs
    are stored as A-labels, RFC 5280 7.2). An entry that breaks the syntax is refused even when another
    entry is the one that matched: a CA that wrote it did not check what it certified.
    """
    san = facts.get_extension(cert, x509.SubjectAlternativeName)
    if san is None:
        return None
    for entry in san.value:
        if isinstance(entry, x509.DNSName) and not is_valid_dns_name(entry.value, wildcard=True):
            return "CABF BR 7.1.2.7.12", (f"its subjectAltName entry {entry.value!r} is not a valid host name or "
                                          "wildcard domain name")
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


def _spki_parameters(cert: x509.Certificate) -> bytes | None:
    """The parameters of the subjectPublicKeyInfo's algorithm, as DER (None if absent)."""
    fields = children(cert.tbs_certificate_bytes)
    spki = fields[6 if fields[0][0] == 0xA0 else 5]  # [0] version, serial, signature, issuer, validity, subject
    algorithm = children(children(spki)[0])
    return algorithm[1] if len(algorithm) > 1 else None


def curve_problem(cert: x509.Certificate, facts: Facts) -> Problem:
    """RFC 5480 2.1.1: an EC key names its curve (namedCurve); explicit curve parameters MUST NOT be used.

    cryptography loads a key with explicit parameters of a curve it knows and verifies with it as if the
    curve were named, so the parameters are read from the certificate's own DER: a SEQUENCE (specifiedCurve)
    or NULL (implicitCurve) where an OBJECT IDENTIFIER must stand.
    """
    if cert.public_key_algorithm_oid != PublicKeyAlgorithmOID.EC_PUBLIC_KEY:
        return None
    try:
        params = facts.remember(cert, "spki-parameters", lambda: _spki_parameters(cert))
    except (MalformedInputError, IndexError):
        return "RFC 5280 4.1.2.7", "its public key cannot be parsed"
    if params is None or params[0] != 0x06:
        return "RFC 5480 2.1.1", ("its EC key gives the curve's parameters explicitly instead of naming the curve, "
                                  "which RFC 5480 forbids")
    return None


def key_problem(cert: x509.Certificate, *, web: bool) -> Problem:
    """BR 6.1.5 and 7.1.3.1 (``web``): RSA of at least 2048 bits (a multiple of 8), or ECDSA on P-256/384/521.

    Outside a TLS server check only RFC 5280 4.1.2.7 applies: the key must be one the validator can read.
    """
    try:
        key = cert.public_key()
    except (ValueError, TypeError, NotImplementedError, UnsupportedAlgorithm):
        return "RFC 5280 4.1.2.7", "its public key cannot be parsed"
    if not web:
        return None
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
    level = ml_dsa_level(key)
    if level:  # the BR allow RSA and ECDSA only (7.1.3.1); no ML-DSA as of the course's date, 2026-03-15
        return "CABF BR 7.1.3.1", (f"its key type ({level}) is not allowed for TLS server certificates: the "
                                   "Baseline Requirements allow only RSA and ECDSA keys (as of 2026-03-15)")
    kind = type(key).__name__.replace("PublicKey", "").lstrip("_")
    return "CABF BR 7.1.3.1", f"its key type ({kind}) is not allowed for TLS server certificates"


def signature_algorithm_problem(cert: x509.Certificate, *, web: bool) -> Problem:
    """BR 7.1.3.2 (``web``): the signature uses SHA-256/384/512 with RSA (PKCS#1 v1.5 or PSS) or ECDSA.

    RFC 5280 itself names no allowed algorithm (4.1.1.2 defers to RFC 3279, 4055, 5480, 8410): outside a
    TLS server check any algorithm whose signature verifies is accepted, DSA and SHA-1 included.
    """
    oid = cert.signature_algorithm_oid
    if not web or oid in _WEB_SIGNATURES:
        return None
    return "CABF BR 7.1.3.2", f"it is signed with {oid_name(oid)}, which is not allowed"
