"""Loading certificates, CSRs, CRLs and keys from PEM or DER, with errors a learner can read.

Every loader accepts the same three forms of ``source``:

* ``bytes`` (or ``bytearray``/``memoryview``): PEM text or raw DER;
* ``str``: PEM text if it contains ``-----BEGIN``, otherwise a path to a file;
* a path (``pathlib.Path`` or any ``os.PathLike``).

Inputs are read within bounds by :mod:`pki_lab.reading` (size, regular files only, PEM in one
pass), and every object is checked field by field as it loads (:mod:`pki_lab.wellformed`).
Bad input never escapes as a bare traceback from deep inside a parser: it
raises :class:`~pki_lab.errors.MalformedInputError` (cannot be parsed),
:class:`~pki_lab.errors.WrongTypeError` (parsed, but it is something else, such
as a private key where a certificate was expected) or
:class:`~pki_lab.errors.ParameterError` (for example, no such file).
"""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from .der import MAX_DEPTH, DerTree, detect_kind, parse, read_header
from .der.paths import ml_dsa_parameters_problem
from .errors import MalformedInputError, ParameterError, WrongTypeError, a_type
from .reading import MAX_INPUT_BYTES, Source, pem_blocks, read_source, sentence_start, source_label
from .wellformed import check_object

__all__ = [
    "Source",
    "MAX_INPUT_BYTES",
    "read_source",
    "pem_blocks",
    "load_certificate",
    "load_certificates",
    "load_csr",
    "load_crl",
    "load_private_key",
    "load_public_key",
    "load_objects",
    "to_pem",
    "to_der",
    "tree_of",
]

_ARTICLE = {
    "certificate": "a certificate",
    "csr": "a certificate signing request (CSR)",
    "crl": "a certificate revocation list (CRL)",
    "private key": "a private key",
    "public key": "a public key",
}


def _label(source: Source) -> str:
    """How sentences name ``source``: its own ``label`` if it has one (the CLI's standard input), else
    :func:`pki_lab.reading.source_label` ("the file chain.pem", "the input"). A name keeps its case."""
    return getattr(source, "label", None) or source_label(source)


def _der_shape_problem(der: bytes) -> str | None:
    """Explain why DER bytes are not one well-formed outer SEQUENCE, or return None.

    The header is read by the lab's DER reader (:func:`pki_lab.der.read_header`), so
    "well-formed" means what it means everywhere else in the lab (X.690 10.1).
    """
    if len(der) < 2 or der[0] != 0x30:
        return "it does not start with a DER SEQUENCE (byte 0x30), so it is neither DER nor PEM"
    if der[1] == 0x80:
        return "it uses an indefinite length, which DER forbids"
    try:
        header = read_header(der)
    except MalformedInputError:
        return "its length field is damaged"
    size = header.header_length + header.length
    if size > len(der):
        return f"it is truncated: its header announces {size:,} bytes but only {len(der):,} are present"
    if size < len(der):
        return f"it has {len(der) - size:,} unexpected bytes after the end of the structure"
    return None


def _ml_dsa_parameters_sentence(der: bytes, where: str, kind: str | None = None) -> str | None:
    """The sentence for a certificate, CSR or CRL (of ``kind``, if given) whose ML-DSA AlgorithmIdentifier carries
    parameters, which RFC 9881 section 2 forbids and cryptography refuses to load; None for anything else."""
    problem = ml_dsa_parameters_problem(der)
    found = detect_kind(parse(der).root) if problem else None
    if problem is None or kind not in (None, found):
        return None
    return (f"{sentence_start(where)} is not a valid {found}: {problem}; ask whoever made it to make it again "
            "with the parameters left out (not even a NULL), as the lab does.")


def _parse_der(kind: str, der: bytes, password: bytes | None = None) -> Any:
    if kind == "certificate":
        return x509.load_der_x509_certificate(der)
    if kind == "csr":
        return x509.load_der_x509_csr(der)
    if kind == "crl":
        return x509.load_der_x509_crl(der)
    if kind == "private key":
        return serialization.load_der_private_key(der, password=password)
    if kind == "public key":
        return serialization.load_der_public_key(der)
    raise AssertionError(kind)  # pragma: no cover


def _sniff_der(der: bytes) -> str | None:
    """Which kind of object these DER bytes hold, if any."""
    for kind in ("certificate", "csr", "crl", "private key", "public key"):
        try:
            _parse_der(kind, der)
        except Exception:  # noqa: BLE001 - any parser failure means "not this kind"
            continue
        return kind
    return None


def _load_der(kind: str, der: bytes, where: str, password: bytes | None = None) -> Any:
    """The object of ``kind`` in ``der``, parsed and then checked field by field (:mod:`pki_lab.wellformed`)."""
    try:
        obj = _parse_der(kind, der, password)
    except TypeError as exc:  # password problems
        raise ParameterError(f"Cannot load the private key in {where}: {exc}.") from None
    except x509.InvalidVersion as exc:
        raise MalformedInputError(
            f"{sentence_start(where)} is not a valid {kind}: its version field holds {exc.parsed_version}, where "
            "X.509 has only v1, v2 and v3 (0, 1 and 2); the bytes are damaged."
        ) from None
    except Exception:  # noqa: BLE001 - turned into a readable error below
        pass
    else:
        return check_object(obj, where)
    other = _sniff_der(der)
    if other is not None and other != kind:
        raise WrongTypeError(
            f"Expected {_ARTICLE[kind]} but {where} holds {_ARTICLE[other]}."
        ) from None
    problem = _der_shape_problem(der)
    if problem:
        raise MalformedInputError(
            f"{sentence_start(where)} is not a valid DER-encoded {kind}: {problem}."
        ) from None
    if ml_dsa := _ml_dsa_parameters_sentence(der, where, kind):
        raise MalformedInputError(ml_dsa) from None
    raise MalformedInputError(
        f"{sentence_start(where)} is well-formed DER but not a valid {kind}: "
        "one of its fields has the wrong type or value."
    ) from None


def _load_all(source: Source, kind: str, password: bytes | None = None) -> list[Any]:
    where = _label(source)
    data = read_source(source)
    if b"-----BEGIN" in data:
        blocks = pem_blocks(data, where)
        wanted = [der for k, der in blocks if k == kind]
        if not wanted:
            found = sorted({k for k, _ in blocks})
            names = ", ".join(_ARTICLE.get(k, f"a '{k}' block") for k in found)
            raise WrongTypeError(f"Expected {_ARTICLE[kind]} but {where} holds {names}.")
        if len(wanted) == 1:
            return [_load_der(kind, wanted[0], where, password)]
        # Several blocks (a chain): an error names the one that failed, counted from 1 in file order.
        return [_load_der(kind, der, f"{kind} block {n} of {where}", password) for n, der in enumerate(wanted, 1)]
    return [_load_der(kind, data, where, password)]


def _load_one(source: Source, kind: str, plural_hint: str, password: bytes | None = None) -> Any:
    objects = _load_all(source, kind, password)
    if len(objects) > 1:
        raise ParameterError(
            f"{sentence_start(_label(source))} holds {len(objects)} {kind}s, "
            f"not one; use {plural_hint} to load them all."
        )
    return objects[0]


def load_certificate(source: Source) -> x509.Certificate:
    """Load exactly one X.509 certificate from PEM or DER.

    Raises:
        MalformedInputError: the bytes are not a certificate (truncated, damaged, empty).
        WrongTypeError: the input holds something else, such as a private key or a CSR.
        ParameterError: there is no such file, or the input holds several certificates.
    """
    return _load_one(source, "certificate", "load_certificates()")


def load_certificates(source: Source) -> list[x509.Certificate]:
    """Load every certificate of a PEM bundle or chain (in file order), or one DER certificate."""
    return _load_all(source, "certificate")


def load_csr(source: Source) -> x509.CertificateSigningRequest:
    """Load one certificate signing request (PKCS #10) from PEM or DER."""
    return _load_one(source, "csr", "a loop over the PEM blocks")


def load_crl(source: Source) -> x509.CertificateRevocationList:
    """Load one certificate revocation list from PEM or DER."""
    return _load_one(source, "crl", "a loop over the PEM blocks")


def load_private_key(source: Source, password: bytes | None = None):
    """Load one private key (PKCS #8, or the older RSA/EC formats) from PEM or DER."""
    return _load_one(source, "private key", "a loop over the PEM blocks", password)


def load_public_key(source: Source):
    """Load one SubjectPublicKeyInfo public key from PEM or DER."""
    return _load_one(source, "public key", "a loop over the PEM blocks")


def load_objects(source: Source) -> list[Any]:
    """Load every object in the input, whatever its kind (certificates, CSRs, CRLs, keys).

    PEM input may hold many blocks of different kinds; DER input holds one object,
    whose kind is detected.
    """
    where = _label(source)
    data = read_source(source)
    if b"-----BEGIN" in data:
        blocks = pem_blocks(data, where)
        unknown = [k for k, _ in blocks if k not in _ARTICLE]
        if unknown:
            raise WrongTypeError(
                f"{sentence_start(where)} holds a '{unknown[0]}' PEM block, which the lab "
                "does not read (it reads certificates, CSRs, CRLs and keys)."
            )
        return [_load_der(k, der, where) for k, der in blocks]
    kind = _sniff_der(data)
    if kind is None:
        if ml_dsa := _ml_dsa_parameters_sentence(data, where):
            raise MalformedInputError(ml_dsa)
        problem = _der_shape_problem(data) or "it is not a certificate, CSR, CRL or key"
        raise MalformedInputError(f"{sentence_start(where)} cannot be read: {problem}.")
    return [_load_der(kind, data, where)]


def to_der(obj: Any) -> bytes:
    """DER bytes of a certificate, CSR, CRL, public key or (unencrypted PKCS #8) private key."""
    return _encode(obj, serialization.Encoding.DER)


def to_pem(obj: Any) -> str:
    """PEM text of a certificate, CSR, CRL, public key or (unencrypted PKCS #8) private key."""
    return _encode(obj, serialization.Encoding.PEM).decode("ascii")


def _encode(obj: Any, encoding: serialization.Encoding) -> bytes:
    if isinstance(
        obj, (x509.Certificate, x509.CertificateSigningRequest, x509.CertificateRevocationList)
    ):
        return obj.public_bytes(encoding)
    if hasattr(obj, "private_bytes"):
        return obj.private_bytes(
            encoding, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    if hasattr(obj, "public_bytes"):
        return obj.public_bytes(encoding, serialization.PublicFormat.SubjectPublicKeyInfo)
    raise WrongTypeError(
        f"Cannot encode {a_type(obj)}; expected a certificate, CSR, CRL or key."
    )


def tree_of(source: Any, *, max_depth: int = MAX_DEPTH) -> DerTree:
    """The DER tree (:mod:`pki_lab.der`) of a certificate, CSR or CRL object, or of DER/PEM bytes, PEM text or a file.

    PEM input must hold one block (its DER is parsed); anything else is read as DER.
    Certificates, CSRs and CRLs get their X.509 field paths.

    Raises:
        MalformedInputError: the bytes are not DER, or the PEM holds several blocks.
    """
    if isinstance(source, (x509.Certificate, x509.CertificateSigningRequest, x509.CertificateRevocationList)):
        return parse(to_der(source), max_depth=max_depth)
    data = read_source(source)
    if b"-----BEGIN" in data:
        blocks = pem_blocks(data, "the input")
        if len(blocks) != 1:
            raise MalformedInputError(f"The PEM input holds {len(blocks)} blocks; pass one block at a time "
                                      "(pki_lab.load_certificates reads them all).")
        data = blocks[0][1]
    return parse(data, max_depth=max_depth)
