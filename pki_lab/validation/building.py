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
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
from cryptography.x509.oid import SignatureAlgorithmOID

from ..keys import ml_dsa_level
from ..names import certificate_label
from ..oids import ML_DSA_OIDS
from .registry import IssuerRegistry

__all__ = ["Candidate", "Budget", "candidate_paths", "ordered_issuers", "signature_problem"]

#: Default caps of the work budget.
MAX_SIGNATURES = 128
MAX_CANDIDATES = 2000

_DSA_SIGNATURES = {SignatureAlgorithmOID.DSA_WITH_SHA1, SignatureAlgorithmOID.DSA_WITH_SHA224,
                   SignatureAlgorithmOID.DSA_WITH_SHA256, SignatureAlgorithmOID.DSA_WITH_SHA384,
                   SignatureAlgorithmOID.DSA_WITH_SHA512}
_EDDSA_SIGNATURES = {SignatureAlgorithmOID.ED25519, SignatureAlgorithmOID.ED448}


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


def _verify(child: x509.Certificate, key: object) -> None:
    """Verify ``child``'s signature over its TBSCertificate with ``key`` (raises InvalidSignature, ValueError...).

    By hand rather than with ``verify_directly_issued_by``, which also compares the issuer and subject names
    byte for byte (chaining is a name *match*, RFC 5280 7.1, and is the path builder's business) and does
    not verify DSA, which RFC 5280 (through RFC 3279 2.2.2) still allows. An ML-DSA key verifies "pure" ML-DSA
    over the TBSCertificate with an empty context (RFC 9881 section 3), and only under the OID of its own
    level: a signature algorithm naming ML-DSA-44 is not checked with an ML-DSA-65 key (RFC 9881 section 2
    gives each level its own identifier).
    """
    data, signature = child.tbs_certificate_bytes, child.signature
    digest, params = child.signature_hash_algorithm, child.signature_algorithm_parameters
    if isinstance(key, rsa.RSAPublicKey):
        if not isinstance(params, (padding.PKCS1v15, padding.PSS)) or digest is None:
            raise TypeError("the signature algorithm is not an RSA signature")
        key.verify(signature, data, params, digest)
    elif isinstance(key, ec.EllipticCurvePublicKey):
        if not isinstance(params, ec.ECDSA):
            raise TypeError("the signature algorithm is not ECDSA")
        key.verify(signature, data, params)
    elif isinstance(key, dsa.DSAPublicKey):
        if digest is None or child.signature_algorithm_oid not in _DSA_SIGNATURES:
            raise TypeError("the signature algorithm is not DSA")
        key.verify(signature, data, digest)
    elif isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
        if child.signature_algorithm_oid not in _EDDSA_SIGNATURES:
            raise TypeError("the signature algorithm is not EdDSA")
        key.verify(signature, data)
    elif ml_dsa_level(key):
        _verify_ml_dsa(child, key)
    else:
        raise TypeError(f"the issuer's key type ({type(key).__name__}) is not supported")


def _verify_ml_dsa(child: x509.Certificate, key: object) -> None:
    """RFC 9881 sections 2-3: the signature algorithm names the issuer key's own ML-DSA level; then verify."""
    level = ml_dsa_level(key)
    named = ML_DSA_OIDS.get(child.signature_algorithm_oid.dotted_string)
    if named is None:
        raise TypeError(f"the signature algorithm is not ML-DSA, but the issuer's key is {level}")
    if named != level:
        raise TypeError(f"the signature algorithm is {named}, but the issuer's key is {level}; each ML-DSA level "
                        "has its own identifier (RFC 9881 section 2)")
    key.verify(child.signature, child.tbs_certificate_bytes)


def signature_problem(child: x509.Certificate, issuer: x509.Certificate) -> str | None:
    """None if the signature on ``child`` verifies with ``issuer``'s public key, else why not."""
    try:
        _verify(child, issuer.public_key())
    except InvalidSignature:
        return "the signature does not verify with the issuer's public key"
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        text = str(exc).rstrip(".") or type(exc).__name__
        return f"the signature cannot be checked ({text[:1].lower() + text[1:]})"
    return None


def _depth(path: tuple[x509.Certificate, ...], registry: IssuerRegistry) -> int:
    """Intermediates in ``path`` (leaf excluded) that are not self-issued (RFC 5280 6.1.4 (l))."""
    return sum(1 for cert in path[1:] if not registry.facts.self_issued(cert))


def _fingerprint(cert: x509.Certificate, registry: IssuerRegistry) -> bytes:
    return registry.facts.remember(cert, "sha256", lambda: cert.fingerprint(hashes.SHA256()))


def ordered_issuers(cert: x509.Certificate, registry: IssuerRegistry) -> list[tuple[x509.Certificate, bool]]:
    """The possible issuers of ``cert`` in a total order that does not depend on the order of the pool.

    Most likely first (RFC 4158 3.5, as the registry ranks them): key identifier match, then unknown,
    then mismatch; trust anchors before untrusted certificates; valid at the time of validation before
    not. Ties are broken by the SHA-256 fingerprint of the DER, so the same pool, given in any order,
    is searched in the same order and yields the same verdict and the same path.
    """
    want = registry.facts.authority_key_identifier(cert)

    def rank(item: tuple[x509.Certificate, bool]) -> tuple[int, int, int, bytes]:
        candidate, anchored = item
        have = registry.facts.key_identifier(candidate)
        kid = 1 if want is None or have is None else (0 if want == have else 2)
        current = candidate.not_valid_before_utc <= registry.at <= candidate.not_valid_after_utc
        return kid, 0 if anchored else 1, 0 if current else 1, _fingerprint(candidate, registry)

    return registry.facts.remember(cert, "ordered-issuers", lambda: sorted(registry.candidates(cert), key=rank))


@dataclasses.dataclass
class _Frame:
    """One certificate on the builder's stack: the path up to it, its issuers left to try, what was found."""

    path: tuple[x509.Certificate, ...]
    options: Iterator[tuple[x509.Certificate, bool]]
    key: tuple[bytes, int, int]
    tried: bool = False
    found: bool = False  # a complete path ends somewhere above
    cut: bool = False  # a loop was cut above: the outcome depends on the path below, so it is not remembered


def candidate_paths(
    leaf: x509.Certificate,
    registry: IssuerRegistry,
    *,
    max_depth: int,
    budget: Budget,
) -> Iterator[Candidate]:
    """Yield candidate paths from ``leaf``, depth first, most likely first (:func:`ordered_issuers`).

    Complete paths (``anchored=True``) end at a trust anchor; every link is chained by name
    (the issuer field names the next certificate's subject) and ordered by key identifiers.
    Signatures are verified later, by :mod:`.checks`, only for the paths it examines, and
    after the cheap checks: a path that fails on a name never costs a signature
    verification. The builder also yields the places it had to stop (dead ends) so that a
    report can say why no path was found.

    Dead ends are remembered: a certificate from which no trust anchor could be reached with a given
    depth left is not searched again when another branch of a cross-signed mesh leads back to it (a
    search that met a loop is not remembered, as a shorter path below may not meet it). Each issuer
    considered costs one unit of the work budget, so "the work budget ran out" means just that.
    """
    if registry.is_anchor(leaf):
        yield Candidate((leaf,), True)
        return
    dead: set[tuple[bytes, int, int]] = set()
    stack = [_Frame((leaf,), iter(ordered_issuers(leaf, registry)), _state_key(leaf, (leaf,), registry))]
    while stack:
        if budget.exhausted:
            yield Candidate(stack[-1].path, False, "the work budget of the path builder ran out")
            return
        frame = stack[-1]
        step = next(frame.options, None)
        if step is None:
            yield from _pop(stack, dead)
            continue
        frame.tried = True
        issuer, anchored = step
        if not budget.spend_candidate():
            continue
        path = frame.path
        if issuer in path:
            frame.cut = True
            why = (f"{certificate_label(issuer)} is self-signed but not in the trust store" if issuer is path[-1] or
                   issuer == path[-1] else "the only way up is a loop back to a certificate already in the path")
            yield Candidate(path, False, why)
            continue
        new_path = path + (issuer,)
        if anchored:
            frame.found = True
            yield Candidate(new_path, True)
            continue
        if _depth(new_path, registry) > max_depth or len(new_path) - 1 > 2 * max_depth:
            yield Candidate(path, False, f"going further would exceed the maximum depth of {max_depth} "
                                         "intermediate certificates")
            continue
        key = _state_key(issuer, new_path, registry)
        if key not in dead:
            stack.append(_Frame(new_path, iter(ordered_issuers(issuer, registry)), key))


def _state_key(cert: x509.Certificate, path: tuple[x509.Certificate, ...], registry: IssuerRegistry
               ) -> tuple[bytes, int, int]:
    """A certificate with the depth used below it: what decides whether an anchor can still be reached."""
    return _fingerprint(cert, registry), _depth(path, registry), len(path)


def _pop(stack: list[_Frame], dead: set[tuple[bytes, int, int]]) -> Iterator[Candidate]:
    """Close the top frame: report a certificate without issuers, remember a dead end, tell the frame below."""
    frame = stack.pop()
    if not frame.tried:
        yield Candidate(frame.path, False, _no_issuer(frame.path[-1]))
    if not frame.found and not frame.cut:
        dead.add(frame.key)
    if stack:
        stack[-1].found |= frame.found
        stack[-1].cut |= frame.cut


def _no_issuer(cert: x509.Certificate) -> str:
    name = cert.issuer.rfc4514_string() or "(an empty name)"
    return f"its issuer {name} is neither in the trust store nor among the given intermediates"
