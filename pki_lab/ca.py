"""The lab certificate authority: roots, intermediates and end-entity certificates.

A :class:`CertificateAuthority` holds a CA certificate and its private key and
issues certificates from a *profile* (``"server"``, ``"client"``, ``"device"``,
``"intermediate"``), which sets the extensions a real CA would set:

=============  ==================  ========================================  ================
profile        basicConstraints    keyUsage (critical)                       extendedKeyUsage
=============  ==================  ========================================  ================
root           CA:TRUE             keyCertSign, cRLSign                      (none)
intermediate   CA:TRUE, pathlen 0  keyCertSign, cRLSign                      (none)
server         CA:FALSE            digitalSignature (+keyEncipherment, RSA)  serverAuth
client         CA:FALSE            digitalSignature                          clientAuth
device         CA:FALSE            digitalSignature                          clientAuth
=============  ==================  ========================================  ================

Every certificate also gets a subjectKeyIdentifier and (unless self-signed) an
authorityKeyIdentifier equal to its issuer's subjectKeyIdentifier (RFC 5280
4.2.1.1-2). Everything is deterministic: keys come from
:func:`pki_lab.keys.named_key`, validity starts at the lab clock's
:func:`~pki_lab.clock.now`, and serial numbers are hashes of the issuer, an
issuance counter and the subject, so the same calls give the same bytes on every
run, with one exception: an **ML-DSA** issuer signs with fresh randomness (hedged
ML-DSA, FIPS 204), so its certificates' signature bytes, and hence their DER
and thumbprints, differ on every run. Their fields, sizes and verdicts do not.

ML-DSA keys (``key_kind="ml-dsa-44"``, ``"ml-dsa-65"``, ``"ml-dsa-87"``) work at every
level and mix freely with the others (an ML-DSA root over an ECDSA intermediate, an
ECDSA CA over an ML-DSA leaf). An ML-DSA issuer signs with ``sign(key, None)`` as
Ed25519 does, under the OID of its own level with the parameters absent (RFC 9881
section 2). The keyUsage of an ML-DSA certificate holds only signature bits
(RFC 9881 section 5: digitalSignature, nonRepudiation, keyCertSign, cRLSign), which
the profiles above already give; the CA refuses any other for an ML-DSA key. They
need cryptography 49.0 or newer, the course's floor (:func:`pki_lab.keys.require_ml_dsa_x509`).

    >>> from pki_lab.ca import CertificateAuthority
    >>> root = CertificateAuthority.create_root("Lab Root CA")
    >>> issuing = root.create_intermediate("Lab Issuing CA")
    >>> cert = issuing.issue("www.example.com", profile="server")
    >>> cert.subject.rfc4514_string()
    'CN=www.example.com'
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
from collections.abc import Iterable, Sequence
from typing import Any, Literal, get_args

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from . import clock
from .errors import ParameterError, PolicyError, WrongTypeError
from .keys import (
    KeyKind,
    canonical_kind,
    ml_dsa_level,
    ml_kem_level,
    named_key,
    public_key_of,
    require_ml_dsa_x509,
    signing_hash,
)
from .names import certificate_label, common_name, make_name, make_san

__all__ = [
    "Profile",
    "ProfileName",
    "IssueProfile",
    "PROFILES",
    "CertificateAuthority",
    "Hierarchy",
    "demo_hierarchy",
    "make_csr",
    "sign_with",
]


#: The lab's certificate profiles (the table above).
ProfileName = Literal["root", "intermediate", "server", "client", "device"]
#: The profiles :meth:`CertificateAuthority.issue` takes: a root is made only by ``create_root``.
IssueProfile = Literal["intermediate", "server", "client", "device"]


@dataclasses.dataclass(frozen=True)
class Profile:
    """What kind of certificate to issue: its constraints, key usages and default lifetime."""

    name: str
    is_ca: bool
    key_cert_sign: bool
    extended_key_usages: tuple[x509.ObjectIdentifier, ...]
    default_days: int
    path_length: int | None = None
    needs_san: bool = False
    #: An end-entity keyUsage that replaces the default (digitalSignature, + keyEncipherment for RSA).
    key_usage: x509.KeyUsage | None = None


PROFILES: dict[ProfileName, Profile] = {
    "root": Profile("root", True, True, (), 3650),
    "intermediate": Profile("intermediate", True, True, (), 1825, path_length=0),
    "server": Profile("server", False, False, (ExtendedKeyUsageOID.SERVER_AUTH,), 90, needs_san=True),
    "client": Profile("client", False, False, (ExtendedKeyUsageOID.CLIENT_AUTH,), 365),
    "device": Profile("device", False, False, (ExtendedKeyUsageOID.CLIENT_AUTH,), 1095),
}


def _profile(name: object) -> Profile:
    if isinstance(name, Profile):
        return name
    if name not in get_args(IssueProfile):
        choices = ", ".join(get_args(IssueProfile))
        raise ParameterError(f"Unknown profile {name!r}; choose one of: {choices}.")
    return PROFILES[name]


_RSA_DEFAULTS = {"root": "root-ca", "intermediate": "intermediate-ca", "server": "server",
                 "client": "client", "device": "device"}


def _key(key: Any, fallback_name: str, key_kind: KeyKind, role: ProfileName = "server") -> Any:
    """The key to use: the one given, the named key it names, or one named after the subject.

    RSA keys cannot be derived from arbitrary names, so for ``key_kind="rsa"`` the
    default is the shipped test-only key for the role ("root-ca", "server", ...), and for
    ``"rsa3072"`` its 3,072-bit twin ("root-ca-3072", ...).
    """
    if key is None:
        if canonical_kind(key_kind) in ("rsa", "rsa3072"):  # shipped files: the role's key (or its 3072 twin)
            return named_key(_RSA_DEFAULTS.get(role, "server"), key_kind)
        return named_key(fallback_name, key_kind)
    if isinstance(key, str):
        return named_key(key, key_kind)
    if not hasattr(key, "sign"):
        raise WrongTypeError(
            f"`key` must be a private signing key or a key name, not {type(key).__name__}."
        )
    return key


def sign_with(builder: Any, key: Any) -> Any:
    """Sign a cryptography builder with ``key``: deterministically for ECDSA (RFC 6979), RSA and EdDSA.

    An ML-DSA key signs with ``sign(key, None)`` (no separate hash, RFC 9881 section 3) and, hedged, with fresh
    randomness: the result differs on every call though its fields do not.

    Raises:
        ParameterError: an ML-DSA key on cryptography older than 49.0 (its builders refuse them).
    """
    require_ml_dsa_x509(key)
    algorithm = signing_hash(key)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return builder.sign(key, algorithm, ecdsa_deterministic=True)
    return builder.sign(key, algorithm)


def _days(days: object, default: int) -> _dt.timedelta:
    if days is None:
        return _dt.timedelta(days=default)
    if isinstance(days, bool) or not isinstance(days, (int, float)) or days <= 0:
        raise ParameterError(f"`days` must be a positive number of days, not {days!r}.")
    return _dt.timedelta(days=days)


def make_csr(key: Any, subject: object, names: Iterable[object] = ()) -> x509.CertificateSigningRequest:
    """A certificate signing request for ``subject``, signed by ``key`` (proof of possession).

    ``names`` become a subjectAltName extension in the request, if given.
    """
    builder = x509.CertificateSigningRequestBuilder().subject_name(make_name(subject))
    names = list(names)
    if names:
        builder = builder.add_extension(make_san(names), critical=False)
    if key is None:
        raise ParameterError("make_csr needs the requester's private key, for example named_key('device-1').")
    return sign_with(builder, _key(key, "", "ec"))


class CertificateAuthority:
    """A CA: a certificate, its private key, and the chain above it.

    Make one with :meth:`create_root`, then :meth:`create_intermediate`; issue
    end-entity certificates with :meth:`issue`.
    """

    def __init__(
        self,
        certificate: x509.Certificate,
        key: Any,
        parent: CertificateAuthority | None = None,
    ) -> None:
        if not isinstance(certificate, x509.Certificate):
            raise WrongTypeError(
                f"`certificate` must be an x509.Certificate, not {type(certificate).__name__}."
            )
        if public_key_of(key) != certificate.public_key():
            raise ParameterError(
                "The private key does not belong to the certificate's public key; "
                "a CA can only sign with the key its certificate names."
            )
        self.certificate = certificate
        self._key = key
        self.parent = parent
        self._issued = 0

    # -- construction -------------------------------------------------------------

    @classmethod
    def create_root(
        cls,
        name: object = "PKI Lab Root CA",
        *,
        key: Any = None,
        key_kind: KeyKind = "ec",
        days: float | None = None,
        path_length: int | None = None,
        organization: str | None = "PKI Lab",
        extensions: Iterable[tuple[x509.ExtensionType, bool]] = (),
    ) -> CertificateAuthority:
        """A self-signed root CA, valid from the lab clock's now for ``days`` (default 10 years).

        ``key`` is a private key or a key name; by default the key is named after the CA.
        ``extensions`` are extra ``(extension, critical)`` pairs (name constraints, say).
        """
        subject = make_name(name, organization=organization)
        private = _key(key, certificate_label(subject), key_kind, "root")
        ski = x509.SubjectKeyIdentifier.from_public_key(public_key_of(private))
        builder = cls._base_builder(subject, subject, public_key_of(private), days, PROFILES["root"])
        builder = builder.serial_number(_serial(b"root", ski.digest, 0, subject))
        builder = _ca_extensions(builder, path_length)
        builder = builder.add_extension(ski, critical=False)
        for ext, critical in extensions:
            builder = builder.add_extension(ext, critical=critical)
        return cls(sign_with(builder, private), private)

    def create_intermediate(
        self,
        name: object,
        *,
        key: Any = None,
        key_kind: KeyKind = "ec",
        days: float | None = None,
        path_length: int | None = 0,
        organization: str | None = "PKI Lab",
        extensions: Iterable[tuple[x509.ExtensionType, bool]] = (),
    ) -> CertificateAuthority:
        """A subordinate CA signed by this one (pathLenConstraint 0 by default: it may only issue leaves).

        ``extensions`` are extra ``(extension, critical)`` pairs (name constraints, say).
        """
        subject = make_name(name, organization=organization)
        private = _key(key, certificate_label(subject), key_kind, "intermediate")
        cert = self._issue(subject, public_key_of(private), PROFILES["intermediate"], days, (),
                           path_length=path_length, extra=tuple(extensions))
        return CertificateAuthority(cert, private, parent=self)

    def cross_sign(
        self,
        other: CertificateAuthority,
        *,
        days: float | None = None,
        path_length: int | None = None,
    ) -> x509.Certificate:
        """Certify another CA's name and key with this CA's signature: a *cross-certificate*.

        The result has the other CA's subject and public key but this CA as issuer, so
        certificates the other CA issued chain to this CA too (how a new root gains
        trust on old devices, as ISRG Root X1 did through DST Root CA X3).
        """
        if not isinstance(other, CertificateAuthority):
            raise WrongTypeError(f"`other` must be a CertificateAuthority, not {type(other).__name__}.")
        return self._issue(other.name, other.public_key, PROFILES["intermediate"], days, (),
                           path_length=path_length, extra=())

    @staticmethod
    def _base_builder(subject, issuer, public_key, days, profile) -> x509.CertificateBuilder:
        start = clock.now().replace(microsecond=0)
        require_ml_dsa_x509(public_key)
        if ml_kem_level(public_key):
            raise WrongTypeError(
                f"The lab CA certifies signature keys (RSA, EC, EdDSA, ML-DSA); an {ml_kem_level(public_key)} key "
                "encapsulates shared secrets, and certificates for it (keyEncipherment only) are not issued here."
            )
        try:
            builder = x509.CertificateBuilder().public_key(public_key)
        except TypeError:
            raise WrongTypeError(
                f"A certificate cannot carry a {type(public_key).__name__.replace('PublicKey', '')} key: "
                "cryptography certifies RSA, EC, EdDSA and ML-DSA keys."
            ) from None
        return (
            builder
            .subject_name(subject)
            .issuer_name(issuer)
            .not_valid_before(start)
            .not_valid_after(start + _days(days, profile.default_days))
        )

    # -- properties --------------------------------------------------------------------

    @property
    def name(self) -> x509.Name:
        """The CA's distinguished name (the subject of its certificate)."""
        return self.certificate.subject

    @property
    def public_key(self):
        """The CA's public key (the one in its certificate)."""
        return self.certificate.public_key()

    @property
    def private_key(self):
        """The CA's private key. A real CA keeps this in an HSM; the lab keeps it in memory."""
        return self._key

    @property
    def chain(self) -> list[x509.Certificate]:
        """This CA's certificate and every CA certificate above it, ending with the root."""
        out, ca = [], self
        while ca is not None:
            out.append(ca.certificate)
            ca = ca.parent
        return out

    @property
    def root(self) -> CertificateAuthority:
        """The root CA at the top of this CA's hierarchy."""
        ca = self
        while ca.parent is not None:
            ca = ca.parent
        return ca

    def __repr__(self) -> str:
        return f"<CertificateAuthority {self.name.rfc4514_string()!r}, depth {len(self.chain) - 1}>"

    # -- issuance -------------------------------------------------------------------

    def issue(
        self,
        subject: object,
        *,
        profile: IssueProfile | Profile = "server",
        names: Sequence[object] | None = None,
        key: Any = None,
        key_kind: KeyKind = "ec",
        days: float | None = None,
        extensions: Iterable[tuple[x509.ExtensionType, bool]] = (),
    ) -> x509.Certificate:
        """Issue an end-entity certificate.

        Args:
            subject: a name (str or x509.Name, see :mod:`pki_lab.names`), a CSR
                (its signature is checked first), or a public key (the subject is then
                taken from ``names``).
            profile: ``"server"``, ``"client"``, ``"device"`` or ``"intermediate"``.
            names: subject alternative names; default: the CSR's SANs, or the common
                name for a server certificate.
            key: the subject's key (private or public) or key name, when ``subject``
                is a name. Default: a named key called after the common name.
            days: lifetime from the lab clock's now; default from the profile.
            extensions: extra ``(extension, critical)`` pairs, added as they are.

        Raises:
            PolicyError: the CSR's signature does not verify.
            ParameterError: a server certificate without any name to put in its SAN.
        """
        prof = _profile(profile)
        public, csr_names = None, ()
        if isinstance(subject, x509.CertificateSigningRequest):
            if not subject.is_signature_valid:
                raise PolicyError(
                    "The CSR's signature does not verify with the public key inside it, so the "
                    "requester has not proven it holds the private key; the CA refuses to issue."
                )
            public = subject.public_key()
            try:
                csr_names = tuple(
                    subject.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
                )
            except x509.ExtensionNotFound:
                csr_names = ()
            subject_name = subject.subject
        elif _is_public_key(subject):
            public = subject
            if not names:
                raise ParameterError("When issuing for a bare public key, give `names` (the SAN entries).")
            subject_name = x509.Name([])
        else:
            subject_name = make_name(subject)
        if public is None and key is not None and _is_public_key(key):
            public = key
        if public is None:
            private = _key(key, certificate_label(subject_name), key_kind, prof.name)
            public = public_key_of(private)
        san = list(names) if names else list(csr_names)
        if not san and prof.needs_san and common_name(subject_name):
            san = [common_name(subject_name)]
        if prof.needs_san and not san:
            raise ParameterError(
                "A server certificate must name its host in the subjectAltName (RFC 9525, CA/B "
                "Forum BR 7.1.2.7.12); pass names=['www.example.com']."
            )
        return self._issue(subject_name, public, prof, days, san, path_length=prof.path_length,
                           extra=tuple(extensions))

    def _issue(self, subject, public, prof, days, san, *, path_length, extra) -> x509.Certificate:
        self._issued += 1
        issuer_ski = self.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        builder = self._base_builder(subject, self.name, public, days, prof)
        builder = builder.serial_number(_serial(b"issue", issuer_ski.digest, self._issued, subject, public))
        if prof.is_ca:
            builder = _ca_extensions(builder, path_length)
        else:
            builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            usage = _leaf_key_usage(public) if prof.key_usage is None else prof.key_usage
            builder = builder.add_extension(usage, critical=True)
        if prof.extended_key_usages:
            builder = builder.add_extension(x509.ExtendedKeyUsage(list(prof.extended_key_usages)), critical=False)
        if san:
            # RFC 5280 4.2.1.6: the SAN is critical when the subject name is empty.
            builder = builder.add_extension(make_san(san), critical=len(subject) == 0)
        builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski), critical=False
        )
        for ext, critical in extra:
            builder = builder.add_extension(ext, critical=critical)
        _check_ml_dsa_key_usage(public, prof.key_usage, extra)
        return sign_with(builder, self._key)


def _is_public_key(obj: object) -> bool:
    return hasattr(obj, "public_bytes") and not hasattr(obj, "sign") and not isinstance(
        obj, (x509.Certificate, x509.CertificateSigningRequest)
    )


def _ca_extensions(builder: x509.CertificateBuilder, path_length: int | None) -> x509.CertificateBuilder:
    bad = isinstance(path_length, bool) or not isinstance(path_length, int) or path_length < 0
    if path_length is not None and bad:
        raise ParameterError(f"`path_length` must be None or a whole number >= 0, not {path_length!r}.")
    builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
    return builder.add_extension(
        x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False,
        ),
        critical=True,
    )


#: RFC 9881 section 5: the keyUsage bits an ML-DSA key may never carry (it signs; it cannot encrypt or agree keys).
_NOT_FOR_ML_DSA = ("key_encipherment", "data_encipherment", "key_agreement")
_KEY_USAGE_NAMES = {"key_encipherment": "keyEncipherment", "data_encipherment": "dataEncipherment",
                    "key_agreement": "keyAgreement"}


def _check_ml_dsa_key_usage(public: Any, usage: x509.KeyUsage | None,
                            extra: Iterable[tuple[x509.ExtensionType, bool]]) -> None:
    """Refuse an encryption or key-agreement keyUsage bit for an ML-DSA subject key (RFC 9881 section 5)."""
    level = ml_dsa_level(public)
    if level is None:
        return
    usages = [usage] if usage is not None else []
    usages += [ext for ext, _ in extra if isinstance(ext, x509.KeyUsage)]
    for ku in usages:
        bad = [_KEY_USAGE_NAMES[bit] for bit in _NOT_FOR_ML_DSA if getattr(ku, bit)]
        if bad:
            raise PolicyError(
                f"An {level} key can only sign, so its certificate's keyUsage may not assert {', '.join(bad)} "
                "(RFC 9881 section 5 allows digitalSignature, nonRepudiation, keyCertSign and cRLSign); "
                "drop those bits."
            )


def _leaf_key_usage(public: Any) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False,
        key_encipherment=isinstance(public, rsa.RSAPublicKey),
        data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False,
    )


def _serial(kind: bytes, issuer_id: bytes, counter: int, subject: x509.Name, public: Any = None) -> int:
    """A positive serial of at most 159 bits, derived from the issuance's inputs (RFC 5280 4.1.2.2).

    CA/B Forum BR 7.1 asks for at least 64 unpredictable bits; a hash of the inputs
    gives the lab repeatable serials of the same size as real ones.
    """
    h = hashlib.sha256(b"pki-lab/serial/" + kind + issuer_id + counter.to_bytes(8, "big"))
    h.update(subject.public_bytes())
    if public is not None:
        h.update(x509.SubjectKeyIdentifier.from_public_key(public).digest)
    return (int.from_bytes(h.digest()[:20], "big") >> 1) or 1


@dataclasses.dataclass(frozen=True)
class Hierarchy:
    """A demo three-tier PKI: root CA -> issuing CA -> leaf, as :func:`demo_hierarchy` makes it."""

    root: CertificateAuthority
    intermediate: CertificateAuthority
    leaf: x509.Certificate
    leaf_key: Any

    @property
    def chain(self) -> list[x509.Certificate]:
        """What a server sends: the leaf, then the intermediate (not the root)."""
        return [self.leaf, self.intermediate.certificate]

    @property
    def trust_anchors(self) -> list[x509.Certificate]:
        """What a client trusts: the root certificate."""
        return [self.root.certificate]

    def __repr__(self) -> str:
        names = [self.root.name, self.intermediate.name, self.leaf.subject]
        return "Hierarchy: " + " -> ".join(certificate_label(n) for n in names)


def demo_hierarchy(
    host: str = "www.example.com",
    *,
    key_kind: KeyKind = "ec",
    prefix: str = "PKI Lab",
    profile: IssueProfile = "server",
) -> Hierarchy:
    """One call to a root, an issuing CA and a leaf for ``host``, all at the lab clock's now."""
    root = CertificateAuthority.create_root(f"{prefix} Root CA", key_kind=key_kind)
    issuing = root.create_intermediate(f"{prefix} Issuing CA", key_kind=key_kind)
    leaf_key = _key(None, host, key_kind, profile)
    leaf = issuing.issue(host, profile=profile, key=leaf_key)
    return Hierarchy(root, issuing, leaf, leaf_key)
