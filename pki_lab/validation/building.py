"""Path building: from the leaf up to a trust anchor, through a pool of certificates.

A server sends its certificate and, usually, some intermediates, in no guaranteed
order (RFC 8446 4.4.2 lets the client rebuild the path). The client must *build*
a certification path: from the leaf, find a certificate whose subject is the
leaf's issuer and whose key verifies the leaf's signature, then do the same for
that certificate, until it reaches a certificate in its trust store. When several
CAs fit (a root and its cross-signed twin, an old and a renewed intermediate) there
are several paths, and some may fail validation where another succeeds; so the
builder hands paths to the validator one at a time, most likely first, and goes on
with the next when one fails (RFC 4158).

Three things keep the search finite and fast, whatever a pool contains:

* **loops**: a certificate never appears twice in one path (RFC 4158 5.2);
* **depth**: at most ``max_depth`` intermediates that are not self-issued (RFC 5280 6.1.4 (l)
  does not count self-issued ones, such as key-rollover certificates), and at most
  ``2 * max_depth`` intermediates in all, so a pool of self-issued certificates cannot
  make a path grow without end;
* **a work budget**: a cap on signature verifications and on issuer candidates
  considered (Go and rustls-webpki cap signature checks at 100, pyca/cryptography at
  128, as here). When it runs out, validation fails with that reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from cryptography import x509
from cryptography.exceptions import InvalidSignature

from ..names import certificate_label
from .registry import IssuerRegistry

__all__ = ["Candidate", "Budget", "candidate_paths", "signature_problem"]

#: Default caps of the work budget.
MAX_SIGNATURES = 128
MAX_CANDIDATES = 2000


@dataclasses.dataclass(frozen=True)
class Candidate:
    """One candidate path (leaf first), as far as the builder got.

    Attributes:
        path: the certificates, leaf first.
        anchored: True if the last certificate is a trust anchor.
        dead_end: why the builder stopped here without an anchor, or None.
    """

    path: tuple[x509.Certificate, ...]
    anchored: bool
    dead_end: str | None = None


class Budget:
    """Work counters shared by one validation: signatures verified (cached) and candidates considered."""

    def __init__(self, max_signatures: int = MAX_SIGNATURES, max_candidates: int = MAX_CANDIDATES) -> None:
        self.max_signatures = max_signatures
        self.max_candidates = max_candidates
        self.signatures = 0
        self.candidates = 0
        self.exhausted = False
        self._verified: dict[tuple[x509.Certificate, x509.Certificate], str | None] = {}

    def signature(self, child: x509.Certificate, issuer: x509.Certificate) -> str | None:
        """None if ``issuer``'s key verifies ``child``'s signature, else a phrase saying why not (cached)."""
        key = (child, issuer)
        if key in self._verified:
            return self._verified[key]
        self.signatures += 1
        if self.signatures > self.max_signatures:
            self.exhausted = True
            return "the work budget for signature checks ran out"
        result = signature_problem(child, issuer)
        self._verified[key] = result
        return result

    def spend_candidate(self) -> bool:
        """Count one issuer candidate considered; False when the budget is gone."""
        self.candidates += 1
        if self.candidates > self.max_candidates:
            self.exhausted = True
        return not self.exhausted


def signature_problem(child: x509.Certificate, issuer: x509.Certificate) -> str | None:
    """None if the signature on ``child`` verifies with ``issuer``'s public key, else why not."""
    try:
        child.verify_directly_issued_by(issuer)
    except InvalidSignature:
        return "the signature does not verify with the issuer's public key"
    except (ValueError, TypeError) as exc:
        text = str(exc).rstrip(".")
        return f"the signature cannot be checked ({text[:1].lower() + text[1:]})"
    return None


def _depth(path: tuple[x509.Certificate, ...], registry: IssuerRegistry) -> int:
    """Intermediates in ``path`` (leaf excluded) that are not self-issued (RFC 5280 6.1.4 (l))."""
    return sum(1 for cert in path[1:] if not registry.facts.self_issued(cert))


def candidate_paths(
    leaf: x509.Certificate,
    registry: IssuerRegistry,
    *,
    max_depth: int,
    budget: Budget,
) -> Iterator[Candidate]:
    """Yield candidate paths from ``leaf``, depth first, most likely first.

    Complete paths (``anchored=True``) end at a trust anchor; every link is chained by name
    (the issuer field names the next certificate's subject) and ordered by key identifiers.
    Signatures are verified later, by :mod:`.checks`, only for the paths it examines, and
    after the cheap checks: a path that fails on a name never costs a signature
    verification. The builder also yields the places it had to stop (dead ends) so that a
    report can say why no path was found.
    """
    if registry.is_anchor(leaf):
        yield Candidate((leaf,), True)
        return
    stack: list[tuple[tuple[x509.Certificate, ...], Iterator[tuple[x509.Certificate, bool]]]] = [
        ((leaf,), iter(registry.candidates(leaf)))
    ]
    tried_any: list[bool] = [False]
    while stack:
        if budget.exhausted:
            yield Candidate(stack[-1][0], False, "the work budget of the path builder ran out")
            return
        path, options = stack[-1]
        step = next(options, None)
        if step is None:
            stack.pop()
            if not tried_any.pop():
                yield Candidate(path, False, _no_issuer(path[-1]))
            continue
        tried_any[-1] = True
        issuer, anchored = step
        if not budget.spend_candidate():
            continue
        if issuer in path:
            why = (f"{certificate_label(issuer)} is self-signed but not in the trust store" if issuer is path[-1] or
                   issuer == path[-1] else "the only way up is a loop back to a certificate already in the path")
            yield Candidate(path, False, why)
            continue
        new_path = path + (issuer,)
        if not anchored and (_depth(new_path, registry) > max_depth or len(new_path) - 1 > 2 * max_depth):
            yield Candidate(path, False, f"going further would exceed the maximum depth of {max_depth} "
                                         "intermediate certificates")
            continue
        if anchored:
            yield Candidate(new_path, True)
            continue
        stack.append((new_path, iter(registry.candidates(issuer))))
        tried_any.append(False)


def _no_issuer(cert: x509.Certificate) -> str:
    name = cert.issuer.rfc4514_string() or "(an empty name)"
    return f"its issuer {name} is neither in the trust store nor among the given intermediates"
