"""Link-by-link signature checks, and the one adapter to pyca/cryptography's verifier.

:func:`link_checks` is the heart of a chain, stripped bare: each certificate's
signature checked with the public key of the next one (RFC 5280 6.1.3 (a)(1)),
nothing else. :func:`verify_with_cryptography` runs a chain through
``cryptography.x509.verification`` (the Rust verifier of pyca/cryptography): every
module of the lab that puts that verifier's verdict beside its own (chapter 04's
comparison, the trust stores of chapter 05, the pins of chapter 09) calls it.
:func:`cryptography_verdict` does so for a gallery scenario. Only verdicts are
printed: the library's error texts may change from one release to the next.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import ipaddress
from collections.abc import Sequence

from cryptography import x509
from cryptography.x509 import verification as _v

from ..errors import ParameterError
from ..names import certificate_label
from ..oids import oid_name
from .building import signature_problem
from .context import Usage

__all__ = ["LinkCheck", "link_checks", "CryptographyResult", "verify_with_cryptography", "cryptography_verdict",
           "side_by_side"]


@dataclasses.dataclass(frozen=True)
class LinkCheck:
    """One link of a chain: did ``issuer``'s public key verify ``subject``'s signature?"""

    subject: str
    issuer: str
    algorithm: str
    ok: bool
    problem: str | None = None

    def __str__(self) -> str:
        verdict = "OK" if self.ok else f"FAILS: {self.problem}"
        return f"{self.subject} <- {self.issuer}: {self.algorithm} signature {verdict}"


def link_checks(chain: Sequence[x509.Certificate]) -> list[LinkCheck]:
    """Check each certificate's signature with the next certificate's public key (leaf first)."""
    out = []
    for child, parent in zip(chain, chain[1:], strict=False):
        problem = signature_problem(child, parent)
        out.append(LinkCheck(certificate_label(child), certificate_label(parent),
                             oid_name(child.signature_algorithm_oid),
                             problem is None, problem))
    return out


@dataclasses.dataclass(frozen=True)
class CryptographyResult:
    """pyca/cryptography's verdict on a chain: the path it built (leaf first), or the library's error text."""

    ok: bool
    path: tuple[x509.Certificate, ...] = ()
    error: str = ""


def _subject(name: str) -> _v.DNSName | _v.IPAddress:
    try:
        return _v.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return _v.DNSName(name)


def _first_dns_name(leaf: x509.Certificate) -> str | None:
    """The leaf's first DNS SAN, a wildcard ``*.example.com`` read as ``www.example.com``."""
    try:
        names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
            x509.DNSName)
    except x509.ExtensionNotFound:
        return None
    if not names:
        return None
    return names[0].replace("*.", "www.", 1) if names[0].startswith("*.") else names[0]


def _any_purpose(builder: _v.PolicyBuilder, leaf: x509.Certificate, pool: list[x509.Certificate]) -> list:
    """Validate the path whatever the leaf is for: as a client certificate, else as a server one.

    The client verifier with a permissive end-entity policy accepts device and client
    certificates (no SAN needed); a TLS server chain whose CAs are limited to serverAuth
    fails it, so it is then checked as a server chain for the leaf's own first DNS name.
    """
    relaxed = builder.extension_policies(ca_policy=_v.ExtensionPolicy.webpki_defaults_ca(),
                                         ee_policy=_v.ExtensionPolicy.permit_all())
    try:
        return relaxed.build_client_verifier().verify(leaf, pool).chain
    except _v.VerificationError:
        host = _first_dns_name(leaf)
        if host is None:
            raise
    return builder.build_server_verifier(_v.DNSName(host)).verify(leaf, pool)


def verify_with_cryptography(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    trust: Sequence[x509.Certificate],
    at: _dt.datetime,
    name: str | None = None,
    usage: Usage | None = "server",
    max_depth: int | None = None,
) -> CryptographyResult:
    """Validate ``leaf`` with pyca/cryptography's verifier (RFC 5280 and the CA/B Forum profile).

    Args:
        leaf, intermediates, trust: the end-entity certificate, the untrusted certificates sent with it
            (any order) and the trust anchors.
        at: the time of validation.
        name: the expected server name, a DNS name or an IP address (needed for ``usage="server"``).
        usage: ``"server"`` (the server verifier, for ``name``), ``"client"`` (the client verifier), or
            None: whatever the leaf is for, tried as a client certificate (any extensions allowed on the
            leaf) and then as a server certificate for its own first DNS name.
        max_depth: the longest chain the verifier may build (its ``max_chain_depth``); its default if None.

    Returns:
        A :class:`CryptographyResult`: ``ok`` and the path found, or the library's error text (its
        wording changes between releases: show verdicts, not the text).

    ML-DSA: cryptography 50.0 verifies ML-DSA chains (its Web PKI profile accepts ML-DSA keys, which the CA/B
    Forum's Baseline Requirements did not allow as of 2026-03-15, so the lab's ``webpki`` profile refuses them);
    49.0 accepts an ML-DSA leaf under classical CAs but refuses an ML-DSA CA key ("Forbidden public key
    algorithm"). ``tests/test_mldsa_validation.py`` pins both.

    Raises:
        ParameterError: ``usage="server"`` without a name, or an unknown ``usage``.
    """
    if usage not in ("server", "client", None):
        raise ParameterError(f"`usage` must be 'server', 'client' or None, not {usage!r}.")
    if usage == "server" and not name:
        raise ParameterError("pyca/cryptography's server verifier needs the expected name; pass `name`.")
    builder = _v.PolicyBuilder().store(_v.Store(list(trust))).time(at)
    if max_depth is not None:
        builder = builder.max_chain_depth(max_depth)
    pool = list(intermediates)
    try:
        if usage == "server":
            path = builder.build_server_verifier(_subject(name)).verify(leaf, pool)
        elif usage == "client":
            path = builder.build_client_verifier().verify(leaf, pool).chain
        else:
            path = _any_purpose(builder, leaf, pool)
    except _v.VerificationError as exc:
        return CryptographyResult(False, error=str(exc))
    return CryptographyResult(True, tuple(path))


def cryptography_verdict(scenario) -> bool:
    """Does pyca/cryptography's server verifier accept the scenario (leaf, intermediates, trust, name, time)?"""
    if scenario.crls:
        raise ParameterError("pyca/cryptography's verifier does not check CRLs, so it cannot judge this scenario; "
                             "compare it with the lab validator only.")
    return verify_with_cryptography(scenario.leaf, scenario.intermediates, scenario.trust, scenario.at,
                                    name=scenario.name).ok


def side_by_side(scenarios) -> str:
    """A table: each scenario, the lab validator's verdict and pyca/cryptography's ("n/a" where it cannot judge)."""
    width = max(len(s.title) for s in scenarios)
    lines = [f"{'scenario':<{width}}  {'lab':<7}  cryptography"]
    for s in scenarios:
        lab = "valid" if s.validate().ok else "INVALID"
        rust = "n/a (no CRLs)" if s.crls else ("valid" if cryptography_verdict(s) else "INVALID")
        lines.append(f"{s.title:<{width}}  {lab:<7}  {rust}")
    return "\n".join(lines)
