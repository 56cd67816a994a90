"""Revocation in path validation (RFC 5280 6.1.3 (a)(3) and 6.3): one certificate's status from all the CRLs given.

:func:`revocation_step` runs the algorithm of RFC 5280 6.3.3 for certificate ``i`` of the path: for each of
its distribution points (and then the default one, its issuer), for each complete CRL that speaks for it
(:mod:`.crl_scope`: issuer, indirect CRL, scope), while neither a revocation is found nor every reason is
covered: the reasons the CRL covers there (d), whether they add any (e), the CRL itself (a), its issuer's
certificate and path (f), its signature (g), a delta CRL on top of it (c), (h), and the entry (i)-(k).
The status that comes out (good, revoked, unknown: undetermined, and why; unchecked: no CRL spoke for it)
goes through :func:`pki_lab.validation.crl.decide_revocation` under the validation's revocation mode, the one
rule of the lab for what a mode makes of a status.

6.3.3 (f): a CRL may be signed by the certificate's issuer, by another certificate of the path with the
issuer's name (key rollover through self-issued certificates), or by a certificate from the pool (a
separate CRL-signing key of the CA, or the cRLIssuer of an indirect CRL) whose own path validates to the
same trust anchor. That path is validated by the validator itself (``check``), revocation included, one
level deep: inside it, CRLs must be signed within its own path, so no search can loop, and every
signature it checks counts against the same work budget.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from cryptography import x509

from .building import Budget, candidate_paths
from .context import PolicyInputs, ValidationContext
from .crl import (
    GOOD,
    REVOKED,
    UNKNOWN,
    CrlCheck,
    RevocationStatus,
    crl_problem,
    decide_revocation,
    entry_check,
    signer_problem,
)
from .crl_scope import (
    ALL_REASONS,
    delta_matches,
    distribution_points,
    interim_reasons,
    is_delta,
    issuer_problem,
    reasons_text,
    same_name,
    scope_problem,
)
from .recorder import Recorder
from .registry import IssuerRegistry
from .rules import Rule

__all__ = ["revocation_step", "certificate_status"]

Check = Callable[..., list]
#: The most intermediates a CRL issuer's own path may have (as validate_chain's default).
_SIGNER_DEPTH = 8
#: At most this many candidate paths are tried for one CRL issuer.
_SIGNER_PATHS = 8


@dataclasses.dataclass
class _Walk:
    """The state of 6.3.3 for one certificate: reasons_mask, and what was learned on the way."""

    reasons: frozenset = frozenset()
    spoke: bool = False  # some CRL spoke for the certificate (issuer and scope fit)
    problems: list = dataclasses.field(default_factory=list)  # why CRLs that spoke could not be used
    used: dict = dataclasses.field(default_factory=dict)  # id(CRL) -> its GOOD check, for each CRL used


def _signer_path_valid(cert: x509.Certificate, anchor: x509.Certificate, ctx: ValidationContext, budget: Budget,
                       check: Check) -> bool:
    """6.3.3 (f): does ``cert`` (a CRL issuer outside the path) validate to ``anchor``, revocation included?"""
    def compute() -> bool:
        nested = dataclasses.replace(ctx, names=(), usage=None, key_usage=(), policy=PolicyInputs(),
                                     crl_signer_level=ctx.crl_signer_level + 1)
        registry = IssuerRegistry([anchor], ctx.pool, ctx.at, ctx.facts)
        tried = 0
        for candidate in candidate_paths(cert, registry, max_depth=_SIGNER_DEPTH, budget=budget):
            if not candidate.anchored:
                continue
            tried += 1
            if not check(candidate, nested, budget, fast=True):
                return True
            if tried >= _SIGNER_PATHS or budget.exhausted:
                break
        return False
    return ctx.facts.remember(cert, ("crl-signer-path", id(anchor), ctx.crl_signer_level), compute)


def _signers(path: tuple[x509.Certificate, ...], i: int, anchored: bool, crl: x509.CertificateRevocationList,
             ctx: ValidationContext) -> list[tuple[x509.Certificate, bool]]:
    """Certificates that may have signed ``crl``: (certificate, in the path), the path's own first.

    Inside a CRL issuer's own path (level 1), the CRL issuer itself may sign the CRL that covers it: an
    indirect CRL issuer is usually among the certificates its own CRL speaks for.
    """
    start = i if ctx.crl_signer_level and i == 0 else i + 1
    found = [(c, True) for c in path[start:] if same_name(c.subject, crl.issuer)]
    if anchored and ctx.crl_signer_level == 0:
        found += [(c, False) for c in ctx.pool if c not in path and same_name(c.subject, crl.issuer)]
    return found


def _signer(rec: Recorder, i: int, crl: x509.CertificateRevocationList, ctx: ValidationContext, budget: Budget,
            check: Check) -> tuple[x509.Certificate | None, CrlCheck | None]:
    """6.3.3 (f), (g): the CRL issuer's certificate whose key verifies the CRL and whose path is valid."""
    candidates = _signers(rec.path, i, rec.anchored, crl, ctx)
    first: CrlCheck | None = None
    for cert, in_path in candidates:
        problem = ctx.facts.remember(crl, ("signer", id(cert)), lambda c=cert: signer_problem(c, crl))
        if problem is None and not in_path and not _signer_path_valid(cert, rec.path[-1], ctx, budget, check):
            first = CrlCheck(UNKNOWN, f"The CRL is signed by {cert.subject.rfc4514_string()}, whose own "
                             "certificate does not validate to the same trust anchor.", rule="RFC 5280 6.3.3 (f)")
            continue  # the signature verified: this is the sentence to show, not another key's mismatch
        if problem is None:
            return cert, None
        first = first or problem
    if first is None:
        first = CrlCheck(UNKNOWN, f"No certificate of the CRL's issuer {crl.issuer.rfc4514_string() or '(empty)'} "
                         "was given, so its signature cannot be checked.", rule="RFC 5280 6.3.3 (f)")
    return None, first


def _delta(complete: x509.CertificateRevocationList, signer: x509.Certificate, ctx: ValidationContext
           ) -> tuple[x509.CertificateRevocationList | None, CrlCheck | None]:
    """6.3.3 (c), (h): the newest usable delta CRL for ``complete``; a problem when one is given but unusable."""
    matching = [d for d in ctx.crls if is_delta(d) and delta_matches(complete, d)]
    best, first = None, None
    for delta in matching:
        problem = crl_problem(delta, ctx.at) or ctx.facts.remember(delta, ("signer", id(signer)),
                                                                     lambda d=delta: signer_problem(signer, d))
        if problem is not None:
            first = first or problem
            continue
        number = delta.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        if best is None or number > best[0]:
            best = (number, delta)
    if best is None and first is not None:
        return None, CrlCheck(UNKNOWN, "A delta CRL for this CRL was given but cannot be used: "
                              + first.reason[:1].lower() + first.reason[1:], rule=first.rule)
    return (best[1] if best else None), None


def _use(rec: Recorder, i: int, dp, crl, walk: _Walk, ctx: ValidationContext, budget: Budget,
         check: Check) -> CrlCheck | None:
    """6.3.3 (d)-(l) for one complete CRL that speaks for the certificate; a revocation ends the walk."""
    cert = rec.path[i]
    interim = interim_reasons(dp, crl)  # (d)
    if not interim - walk.reasons:  # (e): nothing new to learn from this CRL
        return None
    problem = crl_problem(crl, ctx.at)  # (a), 5.2, 5.2.3
    signer = None
    if problem is None:
        signer, problem = _signer(rec, i, crl, ctx, budget, check)  # (f), (g)
    delta = None
    if problem is None:
        delta, problem = _delta(crl, signer, ctx)  # (c), (h)
    result = problem or entry_check(cert, crl, delta)  # (i)-(k)
    if result.status == UNKNOWN:
        walk.problems.append(result)
        return None
    if result.status == REVOKED:
        return result
    walk.reasons |= interim  # (l)
    walk.used.setdefault(id(crl), result)
    return None


def certificate_status(rec: Recorder, i: int, ctx: ValidationContext, budget: Budget, check: Check) -> CrlCheck:
    """RFC 5280 6.3.3 for certificate ``i`` of ``rec.path`` over every CRL of ``ctx``: its status and why."""
    cert = rec.path[i]
    walk = _Walk()
    complete = [crl for crl in ctx.crls if not is_delta(crl)]
    for dp in distribution_points(cert, ctx.facts):
        for crl in complete:
            if walk.reasons == ALL_REASONS:
                break
            if issuer_problem(cert, dp, crl) or scope_problem(cert, dp, crl, ctx.facts):  # (b)
                continue
            walk.spoke = True
            revoked = _use(rec, i, dp, crl, walk, ctx, budget, check)
            if revoked is not None:
                return revoked
    return _verdict(walk)


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _verdict(walk: _Walk) -> CrlCheck:
    if walk.reasons == ALL_REASONS:
        used = list(walk.used.values())
        return used[0] if len(used) == 1 else CrlCheck(
            GOOD, f"None of the {len(used)} CRLs that together cover every revocation reason lists it, "
                  "so it is not revoked.", rule="RFC 5280 6.3.3 (l)")
    if walk.reasons:
        missing = reasons_text(ALL_REASONS - walk.reasons)
        why = f" ({_lower(walk.problems[0].reason).rstrip('.')})" if walk.problems else ""
        return CrlCheck(UNKNOWN, f"The usable CRLs cover only some revocation reasons ({reasons_text(walk.reasons)}"
                        f"); none given covers {missing}{why}.", rule="RFC 5280 6.3.3 (d)")
    if walk.problems:
        return walk.problems[0]
    return CrlCheck(RevocationStatus.UNCHECKED, "No CRL given speaks for it (none from its issuer, or from the "
                    "cRLIssuer its distribution points name, covers it).", rule="RFC 5280 6.3.3 (b)")


def revocation_step(rec: Recorder, i: int, ctx: ValidationContext, budget: Budget, check: Check) -> None:
    """Record certificate ``i``'s revocation status and what the revocation mode makes of it."""
    if ctx.revocation == "off":
        rec.add(i, Rule.REVOCATION, Rule.REVOCATION.section, "Revocation checking is off, so its status was "
                "not checked (the CRLs given were not consulted).", True, status=RevocationStatus.UNCHECKED)
        return
    result = certificate_status(rec, i, ctx, budget, check)
    decision = decide_revocation(ctx.revocation, result.status)
    if result.status == GOOD:
        sentence = "Not revoked: " + _lower(result.reason)
    elif result.status == REVOKED:
        sentence = "Revoked: " + _lower(result.reason)
    elif result.status == UNKNOWN:
        sentence = "Its revocation status cannot be determined: " + _lower(result.reason)
    else:
        sentence = "Its revocation status was not checked: " + _lower(result.reason)
    if decision.outcome == "reject" and result.status not in (GOOD, REVOKED):
        sentence += f" A {ctx.revocation} validation treats that as a failure."
    elif decision.outcome == "accept-with-warning":
        sentence += f" A {ctx.revocation} validation carries on without it: a warning, not a pass."
    rec.add(i, Rule.REVOCATION, result.rule, sentence, decision.accepted,
            warning=decision.outcome == "accept-with-warning", status=result.status)
