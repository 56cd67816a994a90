"""The lab's real-world data: public certificates, chains, CRLs, OCSP responses and test vectors.

Everything here is real public data (or a published test vector), copied
byte-for-byte into the package so the course works offline, on Binder and in a
classroom. ``PROVENANCE.md`` in this folder says where each file comes from
and how it was checked; ``SHA256SUMS`` lists a digest of every file.

    >>> from pki_lab import data
    >>> data.certificate("isrg_root_x1").subject.rfc4514_string()
    'CN=ISRG Root X1,O=Internet Security Research Group,C=US'
    >>> [c.name for c in data.chains()][:2]
    ['cryptography.io_2018_le-x3_dst', 'cryptography.io_2023-05_le-r3']

The ``keys`` folder holds the test-only RSA keys of :func:`pki_lab.keys.named_key`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import json
from importlib import resources
from typing import Any

from cryptography.x509 import ocsp

from ..errors import ParameterError
from ..loading import load_certificate, load_certificates, load_crl

__all__ = [
    "path",
    "files",
    "read_bytes",
    "certificate",
    "certificates",
    "crl",
    "ocsp_response",
    "vectors",
    "chains",
    "chain",
    "ChainInfo",
    "provenance",
]

_CERT_FOLDERS = ("roots", "intermediates")


def path(name: str):
    """The packaged file ``name`` (relative to this folder, e.g. ``"roots/isrg_root_x1.pem"``)."""
    entry = resources.files(__name__).joinpath(name)
    if not entry.is_file():
        raise ParameterError(
            f"The lab has no data file {name!r}; see pki_lab.data.files() for what it ships."
        )
    return entry


def read_bytes(name: str) -> bytes:
    """The bytes of the packaged file ``name``."""
    return path(name).read_bytes()


@functools.cache
def files(folder: str | None = None) -> tuple[str, ...]:
    """Every data file (certificates, chains, CRLs, vectors), optionally only those in ``folder``."""
    root = resources.files(__name__)
    out = []
    for top in sorted(root.iterdir(), key=lambda e: e.name):
        if not top.is_dir() or top.name in ("keys", "__pycache__"):
            continue
        if folder is not None and top.name != folder:
            continue
        out += [f"{top.name}/{e.name}" for e in sorted(top.iterdir(), key=lambda e: e.name) if e.is_file()]
    return tuple(out)


def _resolve(name: str, folders: tuple[str, ...], suffixes: tuple[str, ...]) -> str:
    if "/" in name:
        return name
    for folder in folders:
        for suffix in suffixes:
            candidate = f"{folder}/{name}{suffix}"
            if candidate in files():
                return candidate
    known = ", ".join(f.split("/", 1)[1].rsplit(".", 1)[0] for f in files() if f.split("/")[0] in folders)
    raise ParameterError(f"The lab has no data file called {name!r}; known names: {known}.")


def certificate(name: str):
    """A shipped root or intermediate certificate, by file stem (``"isrg_root_x1"``) or path."""
    return load_certificate(read_bytes(_resolve(name, _CERT_FOLDERS, ("", ".pem"))))


def certificates(name: str):
    """Every certificate in a shipped PEM file (a chain file, for example)."""
    return load_certificates(read_bytes(_resolve(name, ("chains",) + _CERT_FOLDERS, ("", ".pem", ".chain.pem"))))


def crl(name: str):
    """A shipped certificate revocation list, by file stem or path."""
    return load_crl(read_bytes(_resolve(name, ("revocation",), ("", ".der", ".pem"))))


def ocsp_response(name: str):
    """A shipped OCSP response (DER), by file stem or path."""
    return ocsp.load_der_ocsp_response(read_bytes(_resolve(name, ("revocation",), ("", ".der"))))


def vectors(name: str) -> Any:
    """A published test-vector file (JSON), e.g. ``"ed25519_rfc8032"`` or ``"crypto/textbook_rsa.json"``."""
    return json.loads(read_bytes(_resolve(name, ("crypto", "ct"), ("", ".json"))))


@dataclasses.dataclass(frozen=True)
class ChainInfo:
    """A real TLS chain and what it takes to validate it."""

    name: str
    file: str
    trust_anchor_file: str
    dns_name: str
    validation_time: _dt.datetime
    expected_result: str
    info: dict = dataclasses.field(repr=False, compare=False)

    @property
    def certificates(self) -> list:
        """The chain as the server sent it: leaf first, then intermediates (no root)."""
        return certificates(self.file)

    @property
    def leaf(self):
        """The end-entity certificate."""
        return self.certificates[0]

    @property
    def intermediates(self) -> list:
        """The untrusted intermediates that came with the leaf."""
        return self.certificates[1:]

    @property
    def trust_anchor(self):
        """The root certificate the chain is validated against."""
        return certificate(self.trust_anchor_file)


@functools.cache
def chains() -> tuple[ChainInfo, ...]:
    """Every shipped real-world chain, with its validation time and expected host name."""
    index = json.loads(read_bytes("chains/chains.json"))
    out = []
    for entry in index["chains"]:
        stem = entry["file"].split("/", 1)[1].removesuffix(".chain.pem")
        when = _dt.datetime.fromisoformat(entry["validation_time"].replace("Z", "+00:00"))
        out.append(ChainInfo(stem, entry["file"], entry["trust_anchor"], entry["expected_dns_name"],
                             when, entry["expected_result"], entry))
    return tuple(out)


def chain(name: str) -> ChainInfo:
    """One shipped chain by name (``"stackoverflow.com_2026-02_le-e8"``) or by host (``"stackoverflow.com"``).

    A host name with several chains gives the most recent one.
    """
    matches = [c for c in chains() if c.name == name or c.dns_name == name]
    if not matches:
        raise ParameterError(
            f"The lab has no chain called {name!r}; known chains: {', '.join(c.name for c in chains())}."
        )
    return max(matches, key=lambda c: c.validation_time)


def provenance() -> str:
    """The text of PROVENANCE.md: where every file comes from and how it was checked."""
    return read_bytes("PROVENANCE.md").decode("utf-8")
