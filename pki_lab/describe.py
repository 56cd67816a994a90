"""``describe(cert)``: a certificate's fields in reading order, each with what it means.

The description renders as an HTML table in a notebook and as aligned text in a
terminal. Values are shown in forms that do not change with library releases
(RFC 4514 names, ISO 8601 UTC dates, hex), so notebook outputs stay the same.

A certificate signed with ML-DSA (FIPS 204, RFC 9881) is described by its size, not its
bytes: ML-DSA signs with fresh randomness (hedged), so its signature, and with it the
certificate's thumbprints, differ every time the same fields are signed. Its rows say
so instead of printing values that would change from run to run; :func:`thumbprint`
still computes them on request.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.x509.oid import ExtensionOID

from .errors import ParameterError, WrongTypeError
from .keys import key_summary, ml_dsa_level
from .loading import to_der, tree_of
from .oids import ML_DSA_OIDS, oid_name
from .wellformed import check_certificate, check_crl, check_csr

__all__ = ["describe", "describe_csr", "describe_crl", "thumbprint", "Description", "summarize_extension",
           "extension_meaning", "extension_table", "name_text", "format_hex", "serial_hex"]


def format_hex(data: bytes, sep: str = ":", limit: int | None = None) -> str:
    """Uppercase hex of ``data``; with ``limit``, the first ``limit`` bytes and the total."""
    shown = data if limit is None else data[:limit]
    text = sep.join(f"{b:02X}" for b in shown)
    if limit is not None and len(data) > limit:
        text += f"{sep}... ({len(data)} bytes)"
    return text


def thumbprint(cert: x509.Certificate, algorithm: str = "sha256", sep: str = "") -> str:
    """The hash of the certificate's whole DER encoding, in uppercase hex.

    This is what Windows calls the *thumbprint* and OpenSSL the *fingerprint*. It is an
    identifier computed from the bytes, not a field of the certificate nor a security
    property of it. It identifies one exact certificate: re-issuing the same key and
    names gives a different thumbprint. Use SHA-256 (the default): SHA-1 is
    collision-broken, so two certificates can be made to share a SHA-1 thumbprint.
    """
    _require_cert(cert)
    if algorithm not in ("sha1", "sha256", "sha384", "sha512"):
        raise ParameterError(f"`algorithm` must be 'sha1', 'sha256', 'sha384' or 'sha512', not {algorithm!r}.")
    digest = hashlib.new(algorithm, to_der(cert)).digest()
    return format_hex(digest, sep)


def _require_cert(cert: object) -> None:
    if not isinstance(cert, x509.Certificate):
        raise WrongTypeError(
            f"Expected an x509.Certificate, not {type(cert).__name__}; "
            "load one with pki_lab.load_certificate(...)."
        )


_KU_FIELDS = (
    ("digital_signature", "digitalSignature"),
    ("content_commitment", "nonRepudiation"),
    ("key_encipherment", "keyEncipherment"),
    ("data_encipherment", "dataEncipherment"),
    ("key_agreement", "keyAgreement"),
    ("key_cert_sign", "keyCertSign"),
    ("crl_sign", "cRLSign"),
)

_EXT_MEANING = {
    ExtensionOID.BASIC_CONSTRAINTS: "Is the subject a CA, and how many CAs may follow it in a chain.",
    ExtensionOID.KEY_USAGE: "What the subject's key may be used for.",
    ExtensionOID.EXTENDED_KEY_USAGE: "Which applications the certificate is for (TLS server, TLS client, ...).",
    ExtensionOID.SUBJECT_ALTERNATIVE_NAME: "The identities the certificate is for; TLS checks host names here.",
    ExtensionOID.SUBJECT_KEY_IDENTIFIER: "A short identifier of the subject's public key.",
    ExtensionOID.AUTHORITY_KEY_IDENTIFIER: "Identifies the issuer's key, to find the issuer's certificate.",
    ExtensionOID.CRL_DISTRIBUTION_POINTS: "Where to download the issuer's certificate revocation list.",
    ExtensionOID.PRECERT_SIGNED_CERTIFICATE_TIMESTAMPS:
        "Promises from certificate transparency logs to publish this certificate.",
    ExtensionOID.CERTIFICATE_POLICIES: "The policies the CA issued the certificate under (e.g. domain validated).",
    ExtensionOID.NAME_CONSTRAINTS: "Which names certificates below this CA may (or may not) hold.",
    ExtensionOID.POLICY_CONSTRAINTS: "Constraints on certificate policies further down the chain.",
    ExtensionOID.INHIBIT_ANY_POLICY: "Whether anyPolicy stops counting further down the chain.",
    ExtensionOID.TLS_FEATURE: "TLS features the server must offer (e.g. OCSP must-staple).",
}


# RFC 5280 4.2.2.1: what authorityInfoAccess holds decides what its row may promise.
_AIA_MEANING = {
    (True, True): "Where to ask the issuer's OCSP responder about revocation, and where to fetch the issuer's "
                  "certificate (caIssuers).",
    (True, False): "Where to ask the issuer's OCSP responder about revocation; no URL for the issuer's "
                   "certificate is given.",
    (False, True): "Where to fetch the issuer's certificate (caIssuers); no OCSP responder is named, so revocation "
                   "is checked another way (a CRL, if the certificate lists one).",
    (False, False): "Access points for information about the issuer, by methods this table does not explain.",
}


def extension_meaning(ext: x509.Extension) -> str:
    """What an extension is for, in one sentence that follows what this extension actually holds."""
    if isinstance(ext.value, x509.AuthorityInformationAccess):
        methods = {d.access_method for d in ext.value}
        return _AIA_MEANING[(x509.oid.AuthorityInformationAccessOID.OCSP in methods,
                             x509.oid.AuthorityInformationAccessOID.CA_ISSUERS in methods)]
    return _EXT_MEANING.get(ext.oid, "An extension this table does not explain.")


def summarize_extension(ext: x509.Extension) -> str:
    """A one-line, release-stable summary of an extension's value."""
    value = ext.value
    if isinstance(value, x509.BasicConstraints):
        return _basic_constraints_text(value)
    if isinstance(value, x509.KeyUsage):
        return _key_usage_text(value)
    if isinstance(value, x509.ExtendedKeyUsage):
        return ", ".join(oid_name(oid) for oid in value)
    if isinstance(value, (x509.SubjectAlternativeName, x509.IssuerAlternativeName)):
        return ", ".join(generalname_text(g) for g in value)
    if isinstance(value, (x509.SubjectKeyIdentifier, x509.AuthorityKeyIdentifier)):
        return _key_identifier_text(value)
    if isinstance(value, x509.CRLDistributionPoints):
        urls = [generalname_text(n) for dp in value for n in (dp.full_name or [])]
        return ", ".join(urls) or "(relative names only)"
    if isinstance(value, x509.AuthorityInformationAccess):
        parts = [f"{oid_name(d.access_method)}: {generalname_text(d.access_location)}" for d in value]
        return "; ".join(parts)
    if isinstance(value, x509.PrecertificateSignedCertificateTimestamps):
        logs = ", ".join(format_hex(s.log_id[:4], "") for s in value)
        return f"{len(value)} SCTs (log IDs starting {logs})"
    if isinstance(value, x509.CertificatePolicies):
        return ", ".join(oid_name(p.policy_identifier) for p in value)
    if isinstance(value, x509.NameConstraints):
        return _name_constraints_text(value)
    if isinstance(value, x509.UnrecognizedExtension):
        return format_hex(value.value, limit=16)
    return type(value).__name__


def _basic_constraints_text(value: x509.BasicConstraints) -> str:
    """RFC 5280 4.2.1.9: ``CA:FALSE``, or ``CA:TRUE`` with the path length constraint when there is one."""
    if not value.ca:
        return "CA:FALSE"
    return "CA:TRUE" + ("" if value.path_length is None else f", pathlen:{value.path_length}")


def _key_usage_text(value: x509.KeyUsage) -> str:
    """RFC 5280 4.2.1.3: the bits that are set, by their RFC names.

    encipherOnly and decipherOnly mean something only with keyAgreement (cryptography refuses to
    read them otherwise), so they are looked at only then.
    """
    used = [label for attr, label in _KU_FIELDS if getattr(value, attr)]
    if value.key_agreement:
        used += [label for attr, label in (("encipher_only", "encipherOnly"), ("decipher_only", "decipherOnly"))
                 if getattr(value, attr)]
    return ", ".join(used) or "(none)"


def _key_identifier_text(value: x509.SubjectKeyIdentifier | x509.AuthorityKeyIdentifier) -> str:
    """RFC 5280 4.2.1.2 and 4.2.1.1: the key identifier in hex.

    An authority key identifier may point to the issuer by its issuer's name and its serial number
    instead (authorityCertIssuer, authorityCertSerialNumber); the summary then says so.
    """
    if isinstance(value, x509.SubjectKeyIdentifier):
        return format_hex(value.digest)
    return format_hex(value.key_identifier) if value.key_identifier else "(issuer name and serial only)"


def _name_constraints_text(value: x509.NameConstraints) -> str:
    """RFC 5280 4.2.1.10: the permitted subtrees, then the excluded ones (either may be absent)."""
    parts = []
    if value.permitted_subtrees:
        parts.append("permitted: " + ", ".join(generalname_text(g) for g in value.permitted_subtrees))
    if value.excluded_subtrees:
        parts.append("excluded: " + ", ".join(generalname_text(g) for g in value.excluded_subtrees))
    return "; ".join(parts)


def generalname_text(name: x509.GeneralName) -> str:
    """``DNS:www.example.com``, ``IP:192.0.2.1``, ``email:...``, ``URI:...``, ``DirName:...``."""
    if isinstance(name, x509.DNSName):
        return f"DNS:{name.value}"
    if isinstance(name, x509.IPAddress):
        return f"IP:{name.value}"
    if isinstance(name, x509.RFC822Name):
        return f"email:{name.value}"
    if isinstance(name, x509.UniformResourceIdentifier):
        return f"URI:{name.value}"
    if isinstance(name, x509.DirectoryName):
        return f"DirName:{name.value.rfc4514_string()}"
    if isinstance(name, x509.RegisteredID):
        return f"RID:{name.value.dotted_string}"
    if isinstance(name, x509.OtherName):
        return f"othername:{name.type_id.dotted_string}"
    return str(name)  # pragma: no cover


def name_text(name: x509.Name) -> str:
    """A name as RFC 4514 text (the whole name, not only its CN), or "(empty)" for an empty name."""
    return name.rfc4514_string() or "(empty)"


def serial_hex(serial: int) -> str:
    """A serial number as the hex of its DER content bytes (two's complement, so a negative serial shows too)."""
    return format_hex(serial.to_bytes((serial.bit_length() + 8) // 8, "big", signed=True))


def _when(dt: Any) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclasses.dataclass(frozen=True)
class Description:
    """The rows of a certificate description: (field, value, meaning)."""

    title: str
    rows: tuple[tuple[str, str, str], ...]

    def value(self, field: str) -> str:
        """The value shown for ``field`` (e.g. ``"Subject"``)."""
        for name, value, _ in self.rows:
            if name == field:
                return value
        raise KeyError(field)

    def __str__(self) -> str:
        width = max(len(f) for f, _, _ in self.rows)
        lines = [self.title, "=" * len(self.title)]
        for field, value, meaning in self.rows:
            lines.append(f"{field:<{width}}  {value}")
            lines.append(f"{'':<{width}}  -> {meaning}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        cells = "".join(
            f"<tr><th style='text-align:left'>{html.escape(f)}</th>"
            f"<td style='text-align:left;font-family:monospace;word-break:break-all'>{html.escape(v)}</td>"
            f"<td style='text-align:left'>{html.escape(m)}</td></tr>"
            for f, v, m in self.rows
        )
        return (
            f"<table><caption style='text-align:left'><b>{html.escape(self.title)}</b></caption>"
            "<thead><tr><th>Field</th><th>Value</th><th>What it means</th></tr></thead>"
            f"<tbody>{cells}</tbody></table>"
        )


def describe(cert: x509.Certificate) -> Description:
    """Describe a certificate: each field in the order it appears, with a one-line meaning.

    Raises:
        WrongTypeError: ``cert`` is not an ``x509.Certificate``.
        MalformedInputError: a field of ``cert`` cannot be read (:mod:`pki_lab.wellformed`).
    """
    _require_cert(cert)
    check_certificate(cert, None)
    version = cert.version.value + 1
    rows: list[tuple[str, str, str]] = [
        ("Version", f"v{version}", "v3 is the version that allows extensions; nearly every certificate today is v3."),
        ("Serial number", serial_hex(cert.serial_number),
         "Chosen by the issuer; unique among the certificates it issues."),
        ("Signature algorithm", oid_name(cert.signature_algorithm_oid),
         _signature_meaning(cert.signature_algorithm_oid, "How the issuer signed")),
        ("Issuer", name_text(cert.issuer), "Who vouches for this certificate (the CA that signed it)."),
        ("Not before", _when(cert.not_valid_before_utc), "Not valid before this instant."),
        ("Not after", _when(cert.not_valid_after_utc), "Not valid after this instant (the expiry)."),
        ("Subject", name_text(cert.subject), "Who the certificate is about."),
        ("Subject public key", _key_text(cert), "The subject's public key; its private half never appears here."),
    ]
    for ext in cert.extensions:
        critical = " [critical]" if ext.critical else ""
        rows.append((f"Extension: {oid_name(ext.oid)}", summarize_extension(ext) + critical, extension_meaning(ext)))
    randomised = ML_DSA_OIDS.get(cert.signature_algorithm_oid.dotted_string)
    if randomised:
        rows += _randomised_signature_rows(cert, randomised)
        return Description(f"Certificate for {name_text(cert.subject)}", tuple(rows))
    rows.append(("Signature", format_hex(cert.signature, limit=8),
                 "The issuer's signature over all the fields above (the to-be-signed part)."))
    rows.append(("SHA-256 thumbprint", thumbprint(cert, "sha256"),
                 "Hash of the whole DER certificate, computed by the reader (not stored in it); identifies this "
                 "exact certificate. Compare and register this one."))
    rows.append(("SHA-1 thumbprint (legacy)", thumbprint(cert, "sha1"),
                 "A legacy identifier (Windows' certificate dialog still shows it); SHA-1 is collision-broken, "
                 "so do not rely on it for security."))
    title = f"Certificate for {name_text(cert.subject)}"
    return Description(title, tuple(rows))


def _signature_meaning(oid: x509.ObjectIdentifier, how: str) -> str:
    """``how`` + ": a hash and a signature scheme together", or what an ML-DSA identifier means instead."""
    if oid.dotted_string in ML_DSA_OIDS:
        return f"{how}: ML-DSA at this level, over the fields themselves with no separate hash (RFC 9881 section 3)."
    return f"{how}: a hash and a signature scheme together."


_NOT_SHOWN = ("(not shown: {level} signatures are randomised, so this hash changes each time the certificate is "
              "signed; thumbprint(cert) computes it)")


def _randomised_signature_rows(cert: x509.Certificate, level: str) -> list[tuple[str, str, str]]:
    """The signature and thumbprint rows of an ML-DSA-signed certificate: sizes and reasons, never the bytes."""
    return [
        ("Signature", f"{len(cert.signature):,} bytes ({level}; randomised, so its bytes are not shown)",
         "The issuer's signature over all the fields above. ML-DSA signs with fresh randomness (hedged signing, "
         "FIPS 204): signing the same fields again gives other bytes, and both verify."),
        ("SHA-256 thumbprint", _NOT_SHOWN.format(level=level),
         "Hash of the whole DER certificate, signature included: it identifies this exact copy, so it is "
         "computed from the certificate you hold, not remembered from a printout."),
        ("SHA-1 thumbprint (legacy)", _NOT_SHOWN.format(level=level),
         "A legacy identifier; SHA-1 is collision-broken, so do not rely on it for security."),
    ]


def _key_text(cert: x509.Certificate) -> str:
    try:
        key = cert.public_key()
    except Exception:  # noqa: BLE001 - unsupported algorithms still get a description
        return oid_name(cert.public_key_algorithm_oid)
    spki = to_der(key)
    return f"{_key_name(key)}, SPKI SHA-256 {format_hex(hashlib.sha256(spki).digest()[:8], '')}..."


def _key_name(key: Any) -> str:
    """``key_summary``, with the public key's size for ML-DSA ("ML-DSA-65 (1,952-byte public key)")."""
    if ml_dsa_level(key):
        return f"{key_summary(key)} ({len(key.public_bytes_raw()):,}-byte public key)"
    return key_summary(key)


def describe_csr(csr: x509.CertificateSigningRequest) -> Description:
    """A certificate signing request's fields (RFC 2986), each with what it means."""
    if not isinstance(csr, x509.CertificateSigningRequest):
        raise WrongTypeError(f"Expected an x509.CertificateSigningRequest, not {type(csr).__name__}; "
                             "load one with pki_lab.load_csr(...).")
    check_csr(csr, None)
    try:
        key = _key_name(csr.public_key())
    except Exception:  # noqa: BLE001 - unsupported algorithms still get a description
        key = oid_name(csr.public_key_algorithm_oid)
    rows: list[tuple[str, str, str]] = [
        ("Subject", name_text(csr.subject), "The name the requester asks the CA to certify."),
        ("Subject public key", key, "The public key to certify; the private key stays with the requester."),
        ("Signature algorithm", oid_name(csr.signature_algorithm_oid),
         _signature_meaning(csr.signature_algorithm_oid, "How the requester signed the request")),
        ("Signature valid", _csr_signature_text(csr),
         "Signed with the private key of the public key inside: proof that the requester holds it."),
    ]
    for ext in csr.extensions:
        critical = " [critical]" if ext.critical else ""
        rows.append((f"Requested extension: {oid_name(ext.oid)}", summarize_extension(ext) + critical,
                     extension_meaning(ext)))
    return Description(f"Certificate signing request for {name_text(csr.subject)}", tuple(rows))


def _csr_signature_text(csr: x509.CertificateSigningRequest) -> str:
    """"yes" or "NO"; a key or signature scheme cryptography does not implement cannot be checked, and says so."""
    try:
        return "yes" if csr.is_signature_valid else "NO"
    except UnsupportedAlgorithm:
        return "cannot be checked (an algorithm the lab does not implement)"


def describe_crl(crl: x509.CertificateRevocationList, *, limit: int = 5) -> Description:
    """A certificate revocation list's fields (RFC 5280 5.1), with its first ``limit`` revoked serials."""
    if not isinstance(crl, x509.CertificateRevocationList):
        raise WrongTypeError(f"Expected an x509.CertificateRevocationList, not {type(crl).__name__}; "
                             "load one with pki_lab.load_crl(...).")
    check_crl(crl, None)
    next_update = crl.next_update_utc
    rows: list[tuple[str, str, str]] = [
        ("Issuer", name_text(crl.issuer), "The CA that publishes (and signs) this list."),
        ("This update", _when(crl.last_update_utc), "When this list was issued."),
        ("Next update", _when(next_update) if next_update else "(none)",
         "When the next list is due; after it, this one is stale."),
        ("Signature algorithm", oid_name(crl.signature_algorithm_oid),
         _signature_meaning(crl.signature_algorithm_oid, "How the CA signed the list")),
        ("Revoked certificates", str(len(crl)), "How many certificates this list revokes."),
    ]
    for index, entry in enumerate(crl):
        if index >= limit:
            rows.append(("...", f"{len(crl) - limit} more", "Not shown."))
            break
        serial = entry.serial_number
        rows.append((f"Revoked serial {index + 1}", serial_hex(serial),
                     f"Revoked at {_when(entry.revocation_date_utc)}."))
    for ext in crl.extensions:
        try:
            value = str(ext.value.crl_number) if isinstance(ext.value, x509.CRLNumber) else summarize_extension(ext)
        except Exception:  # noqa: BLE001 - CRL extensions the summary does not know
            value = "(present)"
        rows.append((f"Extension: {oid_name(ext.oid)}", value, "A CRL extension (RFC 5280 5.2)."))
    return Description(f"Certificate revocation list from {name_text(crl.issuer)}", tuple(rows))


# RFC sections of the extensions chapter 03 explains.
_SECTIONS = {
    "basicConstraints": "RFC 5280 4.2.1.9", "keyUsage": "RFC 5280 4.2.1.3", "extKeyUsage": "RFC 5280 4.2.1.12",
    "subjectAltName": "RFC 5280 4.2.1.6", "subjectKeyIdentifier": "RFC 5280 4.2.1.2",
    "authorityKeyIdentifier": "RFC 5280 4.2.1.1", "cRLDistributionPoints": "RFC 5280 4.2.1.13",
    "authorityInfoAccess": "RFC 5280 4.2.2.1", "certificatePolicies": "RFC 5280 4.2.1.4",
    "signedCertificateTimestampList": "RFC 6962 3.3", "nameConstraints": "RFC 5280 4.2.1.10",
}


def extension_table(cert: x509.Certificate) -> Description:
    """A certificate's extensions, in order: name (and criticality), value, and where its bytes are.

    Returns a :class:`Description` whose third column gives the standard that defines
    the extension and the offset and size of its DER (from the field paths of
    :func:`pki_lab.loading.tree_of`).
    """
    _require_cert(cert)
    check_certificate(cert, None)
    tree = tree_of(cert)
    rows = []
    for ext in cert.extensions:
        name = oid_name(ext.oid)
        node = tree.find(f"tbsCertificate.extensions[{name}]")
        size = node.end - node.offset
        where = f"{_SECTIONS.get(name, 'see its OID')}; bytes {node.offset} to {node.end - 1} ({size})"
        rows.append((name + (" [critical]" if ext.critical else ""), summarize_extension(ext), where))
    return Description(f"Extensions of {name_text(cert.subject)}", tuple(rows))
