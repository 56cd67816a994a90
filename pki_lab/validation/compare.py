"""Link-by-link signature checks, and the same scenario through pyca/cryptography's verifier.

:func:`link_checks` is the heart of a chain, stripped bare: each certificate's
signature checked with the public key of the next one (RFC 5280 6.1.3 (a)(1)),
nothing else. :func:`cryptography_verdict` runs a scenario through
``cryptography.x509.verification`` (the Rust verifier of pyca/cryptography), so a
notebook can put its verdict beside the lab validator's. Only verdicts are
printed: the library's error texts may change from one release to the next.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Sequence

from cryptography import x509

from ..oids import oid_name
from .building import signature_problem
from .report import cert_label

__all__ = ["LinkCheck", "link_checks", "cryptography_verdict", "side_by_side"]


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
        out.append(LinkCheck(cert_label(child), cert_label(parent), oid_name(child.signature_algorithm_oid),
                             problem is None, problem))
    return out


def cryptography_verdict(scenario) -> bool:
    """Does pyca/cryptography's server verifier accept the scenario (leaf, intermediates, trust, name, time)?"""
    from cryptography.x509 import verification as v

    if scenario.crls:
        raise _crl_error()
    try:
        subject = v.IPAddress(ipaddress.ip_address(scenario.name))
    except ValueError:
        subject = v.DNSName(scenario.name)
    verifier = v.PolicyBuilder().store(v.Store(list(scenario.trust))).time(scenario.at).build_server_verifier(subject)
    try:
        verifier.verify(scenario.leaf, list(scenario.intermediates))
    except v.VerificationError:
        return False
    return True


def _crl_error():
    from ..errors import ParameterError

    return ParameterError("pyca/cryptography's verifier does not check CRLs, so it cannot judge this scenario; "
                          "compare it with the lab validator only.")


def side_by_side(scenarios) -> str:
    """A table: each scenario, the lab validator's verdict and pyca/cryptography's ("n/a" where it cannot judge)."""
    width = max(len(s.title) for s in scenarios)
    lines = [f"{'scenario':<{width}}  {'lab':<7}  cryptography"]
    for s in scenarios:
        lab = "valid" if s.validate().ok else "INVALID"
        rust = "n/a (no CRLs)" if s.crls else ("valid" if cryptography_verdict(s) else "INVALID")
        lines.append(f"{s.title:<{width}}  {lab:<7}  {rust}")
    return "\n".join(lines)
