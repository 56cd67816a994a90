"""Reading what a loader is given, within bounds: bytes, PEM text or a regular file, and PEM scanning in one pass.

The loaders of :mod:`pki_lab.loading` read every input through :func:`read_source`, so the same limits hold
everywhere: at most :data:`MAX_INPUT_BYTES`; a path must be a regular file (a folder, a device such as
``/dev/zero``, a FIFO or a socket is refused with a sentence before anything is read, and the file is opened
without blocking); a path with a NUL character is a sentence, not a ValueError. :func:`pem_blocks` splits PEM
text (RFC 7468) in time linear in its size, whatever the text holds.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import stat
from pathlib import Path

from .errors import MalformedInputError, ParameterError, WrongTypeError

__all__ = ["Source", "MAX_INPUT_BYTES", "read_source", "pem_blocks", "source_label", "sentence_start", "PEM_KINDS"]

Source = bytes | bytearray | memoryview | str | os.PathLike

#: The most bytes any loader reads (a file, bytes or PEM text): 10 MB, far beyond any certificate, CSR or CRL
#: a learner meets, small enough that a wrong path (a disk image, ``/dev/zero``) is refused at once.
MAX_INPUT_BYTES = 10 * 1024 * 1024

# RFC 7468 labels are short; bounding the label keeps every match attempt short.
_BEGIN_LINE_RE = re.compile(rb"-----BEGIN ([A-Z0-9 ]{1,64})-----\r?\n")
_BEGIN_RE = re.compile(rb"-----BEGIN ([A-Z0-9 ]{1,64})-----")

#: PEM label -> the kind of object it holds.
PEM_KINDS = {
    b"CERTIFICATE": "certificate",
    b"X509 CERTIFICATE": "certificate",
    b"CERTIFICATE REQUEST": "csr",
    b"NEW CERTIFICATE REQUEST": "csr",
    b"X509 CRL": "crl",
    b"PRIVATE KEY": "private key",
    b"RSA PRIVATE KEY": "private key",
    b"EC PRIVATE KEY": "private key",
    b"ENCRYPTED PRIVATE KEY": "private key",
    b"PUBLIC KEY": "public key",
    b"RSA PUBLIC KEY": "public key",
}


def sentence_start(text: str) -> str:
    """``text`` with its first letter upper case and the rest untouched (``str.capitalize`` would lower a path)."""
    return text[:1].upper() + text[1:]


def source_label(source: object) -> str:
    """How errors name ``source``: "the file chain.pem" for a path, "the input" for bytes or PEM text."""
    if isinstance(source, (str, os.PathLike)) and not (
        isinstance(source, str) and "-----BEGIN" in source
    ):
        return f"the file {os.fspath(source)!s}"
    return "the input"


def _read_file(path: Path) -> bytes:
    """The bytes of a regular file, refused before reading if it is a folder, a device, a FIFO or too big.

    The file is opened without blocking (a FIFO with no writer would otherwise wait forever) and then
    checked with ``fstat`` on the open descriptor, so what is checked is what is read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise ParameterError(
            f"There is no file at {str(path)!r}. If you meant to pass PEM text, it must "
            "contain a '-----BEGIN ...-----' line; for DER, pass bytes."
        ) from None
    except IsADirectoryError:
        raise ParameterError(f"{str(path)!r} is a folder, not a file.") from None
    except OSError as exc:
        raise ParameterError(f"Cannot read {str(path)!r}: {exc.strerror}.") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ParameterError(f"{str(path)!r} is a folder, not a file.")
        raise ParameterError(
            f"{str(path)!r} is not a regular file (it is a device, a pipe or a socket), so the lab does "
            "not read it: it might never end. Save the certificate to a file and pass that path."
        )
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > MAX_INPUT_BYTES:
            raise MalformedInputError(_too_big(f"The file {str(path)!r}", info.st_size))
        try:
            data = handle.read(MAX_INPUT_BYTES + 1)
        except OSError as exc:
            raise ParameterError(f"Cannot read {str(path)!r}: {exc.strerror}.") from None
    if len(data) > MAX_INPUT_BYTES:  # it grew while we read
        raise MalformedInputError(_too_big(f"The file {str(path)!r}", len(data)))
    return data


def _too_big(what: str, size: int) -> str:
    return (f"{what} has {size:,} bytes, more than the {MAX_INPUT_BYTES:,} bytes (10 MB) the lab reads; "
            "certificates, CSRs and CRLs are far smaller, so this is not one (or split the bundle).")


def read_source(source: Source) -> bytes:
    """Return the bytes behind ``source`` (bytes, PEM text, or a path), refusing empty input.

    A path must name a regular file (not a folder, a device such as ``/dev/zero``, or a FIFO), and no input
    may exceed :data:`MAX_INPUT_BYTES`: either is refused with a sentence before anything is read.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, str) and "-----BEGIN" in source:
        if len(source) > MAX_INPUT_BYTES:
            raise MalformedInputError(_too_big("The PEM text", len(source)))
        data = source.encode("utf-8", errors="replace")
    elif isinstance(source, (str, os.PathLike)):
        try:
            path = Path(source)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"{source!r} is not a usable path: {exc}.") from None
        if "\x00" in str(path):
            raise ParameterError(f"{str(path)!r} is not a usable path: it contains a NUL character.")
        data = _read_file(path)
    else:
        raise WrongTypeError(
            "Expected PEM or DER as bytes, PEM text as str, or a path to a file, "
            f"not {type(source).__name__}."
        )
    if len(data) > MAX_INPUT_BYTES:
        raise MalformedInputError(_too_big("The input", len(data)))
    if not data.strip():
        raise MalformedInputError(f"{sentence_start(source_label(source))} is empty.")
    return data


def _pem_body(label: bytes, body: bytes, where: str) -> bytes:
    if b"Proc-Type:" in body:
        raise MalformedInputError(
            f"{sentence_start(where)} holds an old-style encrypted PEM block; "
            "decrypt it first (openssl pkey -in key.pem -out plain.pem)."
        )
    try:
        der = base64.b64decode(b"".join(body.split()), validate=True)
    except (binascii.Error, ValueError):
        raise MalformedInputError(
            f"The {label.decode()} block in {where} is not valid base64; "
            "the PEM text was probably damaged when it was copied."
        ) from None
    if not der:
        raise MalformedInputError(f"The {label.decode()} block in {where} is empty.")
    return der


def pem_blocks(data: bytes, where: str = "the input") -> list[tuple[str, bytes]]:
    """Split PEM text (RFC 7468) into (kind, DER) pairs, checking base64 and BEGIN/END pairing.

    ``kind`` is "certificate", "csr", "crl", "private key" or "public key" for the
    labels the lab reads, else the label itself; ``where`` names the input in errors.

    One pass over the text: each BEGIN line's END line is looked for only up to the next BEGIN
    line, so the time is linear in the size of the input whatever it holds. A BEGIN line whose
    END line does not come before the next BEGIN (or the end of the text) is refused.
    """
    blocks = []
    pos = 0
    while True:
        match = _BEGIN_LINE_RE.search(data, pos)
        if match is None:
            break
        label, start = match.group(1), match.end()
        following = data.find(b"-----BEGIN", start)
        stop = len(data) if following == -1 else following
        end = data.find(b"-----END " + label + b"-----", start, stop)
        if end == -1:
            raise MalformedInputError(
                f"{sentence_start(where)} has a '-----BEGIN {label.decode()}-----' line "
                "without its matching END line; the PEM text looks cut short."
            )
        blocks.append((PEM_KINDS.get(label, label.decode()), _pem_body(label, data[start:end], where)))
        pos = end + len(label) + 14
    if not blocks:
        begin = _BEGIN_RE.search(data)
        if begin:
            raise MalformedInputError(
                f"{sentence_start(where)} has a '-----BEGIN {begin.group(1).decode()}-----' line "
                "without its matching END line; the PEM text looks cut short."
            )
    return blocks
