"""Validating one candidate path, along RFC 5280 section 6.1, and the CA/B Forum profile.

RFC 5280 6.1 processes a path from the trust anchor down to the leaf, carrying
state (the working public key, the permitted and excluded name subtrees, the
remaining path length). This module does the same checks, and records each as a
:class:`~pki_lab.validation.report.Step` so the learner can see every one:

* 6.1.1 (d): the trust anchor is in the trust store (its self-signature plays no part);
* 6.1.3 (a)(1): each certificate's signature verifies with its issuer's public key;
* 6.1.3 (a)(2): each certificate is valid at the time of validation;
* 6.1.3 (a)(3): each certificate's revocation status, from every CRL given, as the revocation mode requires
  (RFC 5280 6.3; see :mod:`.revocation`);
* 6.1.3 (b), (c): names lie inside every name constraint above them (:mod:`.constraints`);
* 6.1.3 (d)-(f), 6.1.4 (a)-(j), 6.1.5 (g): certificate policies, the valid_policy_tree (:mod:`.policy`);
* 6.1.4 (k): every issuer is a CA (basicConstraints CA:TRUE);
* 6.1.4 (l), (m): no pathLenConstraint is exceeded;
* 6.1.4 (n): every issuer's keyUsage allows keyCertSign;
* 6.1.4 (o), 6.1.5 (f): no unrecognised critical extension;
* 6.1.5 and RFC 9525: the leaf is for the purpose (EKU) and the name wanted;
* RFC 9881 5: a certificate with an ML-DSA key has a keyUsage, if any, that only signs (:mod:`.mldsa`; the
  step appears only for ML-DSA certificates).

Which rules apply depends on the profile (``"rfc5280"`` or ``"webpki"``); ``docs/validator-rules.md`` lists
every rule with the certificates it governs.
"""

from __future__ import annotations

import datetime as _dt

from cryptography import x509

from ..names import certificate_label
from . import mldsa, profile
from .building import Budget, Candidate
from .constraints import check_name_constraints
from .context import ValidationContext
from .names import san_matches
from .policy import check_policies
from .recorder import Recorder, Stop
from .report import Step
from .revocation import revocation_step
from .rules import Rule

__all__ = ["check_path"]


def _sans(cert: x509.Certificate, ctx: ValidationContext) -> list[x509.GeneralName] | None:
    san = ctx.facts.get_extension(cert, x509.SubjectAlternativeName)
    return list(san.value) if san is not None else None


def _validity(rec: Recorder, i: int, cert: x509.Certificate, at: _dt.datetime) -> None:
    """6.1.3 (a)(2), at the granularity of the validity field.

    RFC 5280 4.1.2.5 encodes notBefore and notAfter to the second (4.1.2.5.2: GeneralizedTime MUST NOT
    hold fractional seconds) and makes both inclusive, so each names a whole second: the instant of
    validation is compared at that granularity, its fraction dropped (floor). A certificate whose notAfter
    is 00:00:00 is still valid at 00:00:00.999; one whose notBefore is 00:00:01 is not yet valid then. The
    same holds in both profiles: it is how the field is read, not a Web PKI rule.
    """
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    at = at.replace(microsecond=0)
    section = "RFC 5280 6.1.3 (a)(2)" if i < len(rec.path) - 1 or not rec.anchored else "RFC 5280 4.1.2.5"
    if at < start:
        rec.add(i, Rule.VALIDITY, section, f"Not yet valid: its validity starts {start.isoformat()}, after "
                                                f"{at.isoformat()}.", False)
    elif at > end:
        rec.add(i, Rule.VALIDITY, section, f"Expired: its validity ended {end.isoformat()}, before "
                                                f"{at.isoformat()}.", False)
    else:
        rec.add(i, Rule.VALIDITY, section, f"Valid from {start.date().isoformat()} to "
                f"{end.date().isoformat()}, which includes the time of validation.", True)


def _pathlen(rec: Recorder, j: int, ctx: ValidationContext) -> None:
    """6.1.4 (l), (m): at most pathLenConstraint non-self-issued intermediates below certificate j."""
    bc = ctx.facts.get_extension(rec.path[j], x509.BasicConstraints).value
    below = sum(1 for c in rec.path[1:j] if not ctx.facts.self_issued(c))
    if bc.path_length is None:
        return
    ok = below <= bc.path_length
    sentence = (f"Its pathLenConstraint is {bc.path_length} and {below} intermediate CA certificate"
                f"{'' if below == 1 else 's'} follow{'s' if below == 1 else ''} it")
    rec.add(j, Rule.PATHLEN, "RFC 5280 6.1.4 (m)" if ok else "RFC 5280 6.1.4 (l)",
            sentence + ("." if ok else ", which exceeds it."), ok)


def _name_constraints(rec: Recorder, i: int, ctx: ValidationContext) -> None:
    """6.1.3 (b), (c): this certificate's names against the constraints of every CA above it."""
    cert, path = rec.path[i], rec.path
    if i and ctx.facts.self_issued(cert):
        return  # 6.1.3 (b): skipped for self-issued certificates other than the leaf
    sans = None
    for j in range(i + 1, len(path)):
        nc_ext = ctx.facts.get_extension(path[j], x509.NameConstraints)
        if nc_ext is None:
            continue
        nc = nc_ext.value
        sans = _sans(cert, ctx) if sans is None else sans
        problem = check_name_constraints(nc, cert, sans, facts=ctx.facts)
        if problem:
            rec.add(i, Rule.NAME_CONSTRAINTS, Rule.NAME_CONSTRAINTS.section,
                    f"Outside the name constraints of {certificate_label(path[j])}: {problem}.", False)
            return
        rec.add(i, Rule.NAME_CONSTRAINTS, Rule.NAME_CONSTRAINTS.section,
                f"Its names are inside the name constraints of {certificate_label(path[j])}.", True)


def _name_section(name: x509.GeneralName) -> str:
    # RFC 9525 6.3 matches DNS names, 6.4 IP addresses; e-mail addresses are RFC 5280 4.2.1.6 rfc822Names.
    return {x509.DNSName: "RFC 9525 6.3", x509.IPAddress: "RFC 9525 6.4"}.get(type(name), "RFC 5280 4.2.1.6")


def _leaf_name(rec: Recorder, ctx: ValidationContext) -> None:
    if not ctx.names:
        rec.add(0, Rule.NAME, Rule.NAME.section, "No expected name was given, so the certificate was not "
                "matched against a host name; a TLS client must always give one.", True)
        return
    sans = _sans(rec.path[0], ctx) or []
    for wanted in ctx.names:
        text = str(wanted.value)
        if not san_matches(wanted, sans):
            listed = ", ".join(str(s.value) for s in sans if not isinstance(s, x509.DirectoryName)) or "none"
            rec.add(0, Rule.NAME, _name_section(wanted), f"The name {text} matches none of its subjectAltName "
                    f"entries ({listed}).", False)
            return
    names = ", ".join(str(n.value) for n in ctx.names)
    rec.add(0, Rule.NAME, _name_section(ctx.names[0]), f"Its subjectAltName matches {names}.", True)


def _key_usage(rec: Recorder, ctx: ValidationContext) -> None:
    if not ctx.key_usage:
        return
    ku_ext = ctx.facts.get_extension(rec.path[0], x509.KeyUsage)
    if ku_ext is None:
        return
    ku = ku_ext.value
    missing = [u for u in ctx.key_usage if not getattr(ku, u)]
    rec.add(0, Rule.KEY_USAGE, Rule.KEY_USAGE.section,
            f"Its keyUsage lacks {', '.join(missing)}." if missing else "Its keyUsage allows the purpose.",
            not missing)


def check_path(candidate: Candidate, ctx: ValidationContext, budget: Budget, *, fast: bool = False) -> list[Step]:
    """Every check on one candidate path, trust anchor first (RFC 5280 6.1 order).

    With ``fast=True`` only a verdict is wanted: the checks that cost nothing run first and the
    signature verifications last, recording nothing that passes, and the first failure found
    is returned (an empty list if the path is valid). That failure may not be the first in
    RFC 5280 order; the full explanation (``fast=False``) gives that one.
    """
    rec = Recorder(candidate.path, candidate.anchored, fast)
    try:
        if fast:
            _check(rec, candidate, ctx, budget, "cheap")
            _check(rec, candidate, ctx, budget, "signatures")
        else:
            _check(rec, candidate, ctx, budget, "all")
    except Stop:
        pass
    return rec.steps


def _check(rec: Recorder, candidate: Candidate, ctx: ValidationContext, budget: Budget, which: str) -> None:
    path, anchored = candidate.path, candidate.anchored
    n = len(path)
    if which != "signatures" and not anchored:
        rec.add(n - 1, Rule.PATH_TO_ANCHOR, Rule.PATH_TO_ANCHOR.section, f"No path to a trust anchor: "
                f"{candidate.dead_end}.", False)
    for i in range(n - 1, -1, -1):
        cert = path[i]
        is_anchor = anchored and i == n - 1
        if is_anchor:
            rec.add(i, Rule.TRUST_ANCHOR, Rule.TRUST_ANCHOR.section, "It is in the trust store, so its name and key "
                    "are trusted as they are; its own self-signature proves nothing and is not checked.", True)
        elif i < n - 1 and which != "cheap":
            problem = budget.signature(cert, path[i + 1])
            issuer = certificate_label(path[i + 1])
            rec.add(i, Rule.SIGNATURE, Rule.SIGNATURE.section,
                    f"Its signature verifies with the public key of its issuer, {issuer}." if problem is None else
                    f"Its signature cannot be trusted: {problem} ({issuer}).", problem is None)
        if which == "signatures":
            continue
        strict = ctx.profile == "webpki"
        problem = profile.extension_problem(cert, ctx.facts, is_anchor=is_anchor and i > 0, strict=strict)
        if not rec.problem(i, Rule.EXTENSIONS, problem,
                           "Its extensions are well formed, and it has no unrecognised critical extension."):
            continue
        _validity(rec, i, cert, ctx.at)
        if (ctx.crls or ctx.revocation != "off") and not is_anchor and i < n - 1:
            revocation_step(rec, i, ctx, budget, check_path)
        if i > 0:
            if rec.problem(i, Rule.CA, profile.ca_problem(cert, ctx.facts, is_anchor=is_anchor, strict=strict),
                           "It is a CA certificate (basicConstraints CA:TRUE, keyUsage keyCertSign)."):
                _pathlen(rec, i, ctx)
            rec.problem(i, Rule.EKU, profile.eku_problem(cert, ctx.facts, ctx.eku, leaf=False),
                        "Its extendedKeyUsage, if any, allows the purpose.")
        _name_constraints(rec, i, ctx)
        if i == 0:
            _leaf(rec, cert, ctx)
        _algorithms(rec, i, cert, ctx, is_anchor)
    if which != "signatures":  # 6.1.3 (d)-(f), 6.1.4 (a)-(j), 6.1.5 (g): path-wide, after the per-certificate steps
        check_policies(rec, ctx)


def _algorithms(rec: Recorder, i: int, cert: x509.Certificate, ctx: ValidationContext, is_anchor: bool) -> None:
    """RFC 5480 2.1.1, RFC 5280 4.1.2.7 and (for a TLS server) BR 6.1.5, 7.1.3: the key and the signature algorithm.

    The anchor's key is checked too (its key is what the path rests on, 6.1.1 (d)); its own signature
    algorithm is not, as its self-signature plays no part.
    """
    rec.problem(i, Rule.NAMED_CURVE, profile.curve_problem(cert, ctx.facts),
                "Its public key, if an EC key, names its curve.")
    rec.problem(i, Rule.KEY, profile.key_problem(cert, web=ctx.web),
                "Its public key is of an allowed type and size.")
    level = mldsa.certificate_level(cert)
    if level:
        rec.problem(i, Rule.ML_DSA, mldsa.ml_dsa_problem(cert, ctx.facts),
                    f"Its key is {level}, and its keyUsage, if any, only signs (digitalSignature, nonRepudiation, "
                    "keyCertSign or cRLSign).")
    if not is_anchor:
        rec.problem(i, Rule.SIGNATURE_ALGORITHM, profile.signature_algorithm_problem(cert, web=ctx.web),
                    "Its signature algorithm is allowed.")


def _leaf(rec: Recorder, cert: x509.Certificate, ctx: ValidationContext) -> None:
    """RFC 5280 6.1.5 and the BR: the end-entity profile, its purpose, its key usage and its name."""
    needs_san = ctx.web or bool(ctx.names)
    rec.problem(0, Rule.END_ENTITY, profile.leaf_problem(cert, ctx.facts, needs_san=needs_san, web=ctx.web),
                "Its end-entity extensions are as the profile requires.")
    rec.problem(0, Rule.KEY_CERT_SIGN, profile.key_cert_sign_problem(cert, ctx.facts),
                "Its keyUsage asserts keyCertSign only with basicConstraints CA:TRUE.")
    if ctx.web:
        rec.problem(0, Rule.SUBSCRIBER_CA, profile.subscriber_problem(cert, ctx.facts),
                    "It does not claim CA:TRUE for a key that may not sign certificates.")
        rec.problem(0, Rule.SAN_SYNTAX, profile.san_syntax_problem(cert, ctx.facts),
                    "Each dNSName of its subjectAltName is a valid host name or wildcard domain name.")
    rec.problem(0, Rule.LEAF_EKU, profile.eku_problem(cert, ctx.facts, ctx.eku, leaf=True),
                "Its extendedKeyUsage allows the purpose.")
    _key_usage(rec, ctx)
    _leaf_name(rec, ctx)
    if ctx.web:
        rec.problem(0, Rule.COMMON_NAME, profile.common_name_problem(cert, ctx.facts),
                    "Its common name, if any, repeats a subjectAltName entry.")
