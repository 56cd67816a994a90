"""The front door: :func:`validate_chain`."""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Iterable
from typing import Any

from cryptography import x509

from .. import clock
from ..errors import ParameterError, WrongTypeError
from ..loading import load_certificate, load_certificates, load_crl
from ..names import certificate_label
from ..wellformed import check_certificate, check_crl
from .building import Budget, Candidate, candidate_paths
from .checks import check_path
from .context import ANY_POLICY, KEY_USAGE_NAMES, USAGE_EKUS, PolicyInputs, Profile, Usage, ValidationContext
from .crl import RevocationMode
from .names import parse_expected_name
from .policy import outcome_of
from .registry import IssuerRegistry
from .report import Step, ValidationReport

__all__ = ["validate_chain", "DEFAULT_MAX_DEPTH"]

#: The default cap on intermediates (not counting self-issued ones), as in pyca/cryptography.
DEFAULT_MAX_DEPTH = 8
#: At most this many complete candidate paths are validated before giving up.
MAX_PATHS = 64


def _certificate(value: Any, what: str) -> x509.Certificate:
    if isinstance(value, x509.Certificate):  # made elsewhere, perhaps not by a loader: checked as one would
        return check_certificate(value, f"`{what}`")
    if hasattr(value, "certificate") and isinstance(value.certificate, x509.Certificate):
        return value.certificate  # a CertificateAuthority
    if isinstance(value, (str, bytes, bytearray, memoryview)) or hasattr(value, "__fspath__"):
        return load_certificate(value)
    raise WrongTypeError(f"`{what}` must hold certificates (x509.Certificate, a CertificateAuthority, PEM or a "
                         f"path), not {type(value).__name__}.")


def _certificates(values: Any, what: str) -> list[x509.Certificate]:
    if values is None:
        return []
    if isinstance(values, (str, bytes, bytearray, memoryview)) or hasattr(values, "__fspath__"):
        return load_certificates(values)
    if isinstance(values, x509.Certificate) or hasattr(values, "certificate"):
        return [_certificate(values, what)]
    if not isinstance(values, Iterable):
        raise WrongTypeError(f"`{what}` must be a list of certificates, not {type(values).__name__}.")
    return [_certificate(v, what) for v in values]


def _crls(values: Any) -> tuple[x509.CertificateRevocationList, ...]:
    if values is None:
        return ()
    if isinstance(values, (x509.CertificateRevocationList, str, bytes)) or hasattr(values, "__fspath__"):
        values = [values]
    return tuple(check_crl(v, "`crls`") if isinstance(v, x509.CertificateRevocationList) else load_crl(v)
                 for v in values)


def _key_usage(values: Iterable[str]) -> tuple[str, ...]:
    out = []
    for value in values or ():
        snake = "".join("_" + ch.lower() if ch.isupper() else ch for ch in str(value)).lstrip("_")
        if snake not in KEY_USAGE_NAMES:
            raise ParameterError(f"Unknown key usage {value!r}; use names such as 'digitalSignature' or "
                                 "'keyEncipherment'.")
        out.append(snake)
    return tuple(out)


def _flag(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ParameterError(f"`{what}` must be True or False, not {value!r}.")
    return value


def _policy_inputs(initial: Iterable[str] | None, explicit: Any, mapping_inhibit: Any, any_inhibit: Any
                   ) -> PolicyInputs:
    """RFC 5280 6.1.1 (c), (e)-(g), checked: dotted OIDs (None: anyPolicy) and three booleans."""
    if initial is None:
        oids: tuple[str, ...] = (ANY_POLICY,)
    else:
        if isinstance(initial, str):
            initial = [initial]
        oids = tuple(dict.fromkeys(str(o) for o in initial))
        for oid in oids:
            try:
                x509.ObjectIdentifier(oid)
            except ValueError:
                raise ParameterError(f"{oid!r} in `initial_policies` is not a dotted OID such as "
                                     "'2.23.140.1.2.1'.") from None
        if not oids:
            raise ParameterError("`initial_policies` is empty: give policy OIDs, or None for anyPolicy.")
    return PolicyInputs(oids, _flag(explicit, "explicit_policy"), _flag(mapping_inhibit, "policy_mapping_inhibit"),
                        _flag(any_inhibit, "any_policy_inhibit"))


def validate_chain(
    leaf: Any,
    intermediates: Iterable[Any] = (),
    trust: Iterable[Any] = (),
    at: _dt.datetime | None = None,
    name: Any = None,
    usage: Usage | None = "server",
    crls: Iterable[Any] = (),
    max_depth: int = DEFAULT_MAX_DEPTH,
    key_usage: Iterable[str] = (),
    *,
    profile: Profile = "webpki",
    revocation: str | RevocationMode | None = None,
    initial_policies: Iterable[str] | None = None,
    explicit_policy: bool = False,
    policy_mapping_inhibit: bool = False,
    any_policy_inhibit: bool = False,
) -> ValidationReport:
    """Build a path from ``leaf`` to a trust anchor and validate it, explaining every step.

    Args:
        leaf: the end-entity certificate (x509.Certificate, PEM text/bytes or a path).
        intermediates: untrusted certificates that may help (what the server sent), in any order.
        trust: the trust anchors (certificates or :class:`~pki_lab.ca.CertificateAuthority` objects).
        at: the instant of validation (timezone-aware); default: the lab clock's now.
        name: the expected peer name: a host name, an IP address or an e-mail address
            (a list for several). Server validation should always give one.
        usage: ``"server"`` (TLS server, EKU serverAuth), ``"client"`` (EKU clientAuth) or None (no
            extendedKeyUsage requirement, as in RFC 5280 section 6 itself).
        crls: CRLs to check revocation against (RFC 5280 6.3).
        max_depth: the most intermediate CA certificates (self-issued ones not counted) a path may have.
        key_usage: keyUsage bits the leaf must allow if it has a keyUsage extension, e.g. ``["digitalSignature"]``.
        profile: ``"webpki"`` (the default: RFC 5280 plus the CA/Browser Forum Baseline Requirements for a TLS
            server) or ``"rfc5280"`` (RFC 5280 section 6 only).
        revocation: ``"require"`` (every certificate's status must be determined from the CRLs given; an
            undetermined status makes the path invalid), ``"soft-fail"`` (an undetermined status is a warning),
            ``"hard-fail"`` or ``"off"``. Default: ``"require"`` when CRLs are given, else ``"off"``.
        initial_policies: the user-initial-policy-set of RFC 5280 6.1.1 (c), dotted policy OIDs; None means
            anyPolicy.
        explicit_policy, policy_mapping_inhibit, any_policy_inhibit: RFC 5280 6.1.1 (e), (f), (g).

    Returns:
        A :class:`ValidationReport`: ``.ok``, ``.path``, ``.steps``, ``.reason``.

    Raises:
        ParameterError: no trust anchor, a naive ``at``, an unknown ``usage``, ``profile`` or ``revocation``
            mode, a negative ``max_depth``, a policy that is not a dotted OID.
        WrongTypeError, MalformedInputError: inputs that are not certificates or CRLs.

    Example (pinned to the lab clock)::

        >>> from pki_lab.ca import demo_hierarchy
        >>> h = demo_hierarchy()
        >>> validate_chain(h.leaf, [h.intermediate.certificate], trust=[h.root], name="www.example.com").ok
        True
    """
    leaf_cert = _certificate(leaf, "leaf")
    pool = _certificates(intermediates, "intermediates")
    anchors = _certificates(trust, "trust")
    if not anchors:
        raise ParameterError("`trust` is empty: give at least one trust anchor (the root certificates you trust); "
                             "a chain cannot be valid without one.")
    when = clock.now() if at is None else clock.require_aware(at, "at")
    if usage is not None and usage not in USAGE_EKUS:
        raise ParameterError(f"`usage` must be 'server', 'client' or None, not {usage!r}.")
    if profile not in ("webpki", "rfc5280"):
        raise ParameterError(f"`profile` must be 'webpki' or 'rfc5280', not {profile!r}.")
    if isinstance(max_depth, bool) or not isinstance(max_depth, int) or max_depth < 0:
        raise ParameterError(f"`max_depth` must be a whole number >= 0, not {max_depth!r}.")
    raw_names = [] if name is None else (list(name) if isinstance(name, (list, tuple)) else [name])
    names = tuple(parse_expected_name(n) for n in raw_names)
    crl_list = _crls(crls)
    mode = (RevocationMode.REQUIRE if crl_list else RevocationMode.OFF) if revocation is None else \
        RevocationMode.parse(revocation, "revocation")
    policy = _policy_inputs(initial_policies, explicit_policy, policy_mapping_inhibit, any_policy_inhibit)
    ctx = ValidationContext(when, names, usage, _key_usage(key_usage), crl_list, profile, mode, policy, tuple(pool))
    registry = IssuerRegistry(anchors, pool, when, ctx.facts)
    budget = Budget()
    return _search(leaf_cert, registry, budget, ctx, max_depth, ", ".join(str(n.value) for n in names) or None)


def _search(leaf, registry, budget, ctx, max_depth, name_text) -> ValidationReport:
    first_failure: tuple[Candidate, Step] | None = None
    dead_ends: list[Candidate] = []
    tried = 0
    for candidate in candidate_paths(leaf, registry, max_depth=max_depth, budget=budget):
        if not candidate.anchored:
            if len(dead_ends) < 64 or candidate.dead_end and "budget" in candidate.dead_end:
                dead_ends.append(candidate)
            continue
        tried += 1
        failed = check_path(candidate, ctx, budget, fast=True)
        if not failed:
            return _report(candidate, None, ctx, name_text, tried, registry, budget)
        if first_failure is None:
            first_failure = (candidate, failed[0])
        if tried >= MAX_PATHS:
            break
    if first_failure is None:
        chosen = _most_informative(dead_ends) if dead_ends else Candidate((leaf,), False, "no candidate issuer")
        first_failure = (chosen, check_path(chosen, ctx, budget, fast=True)[0])
    return _report(*first_failure, ctx, name_text, tried, registry, budget)


def _most_informative(dead_ends: list[Candidate]) -> Candidate:
    """The dead end to show: the budget running out if it did, else the longest attempt (first on ties)."""
    for candidate in dead_ends:
        if candidate.dead_end and "budget" in candidate.dead_end:
            return candidate
    return max(dead_ends, key=lambda c: len(c.path))


def _report(candidate, failure, ctx, name_text, tried, registry, budget) -> ValidationReport:
    reason = None  # for a failure: the first failing step in RFC 5280 order, worked out when asked for
    if failure is None:
        reason = (f"A valid path of {len(candidate.path)} certificate{'s' if len(candidate.path) > 1 else ''} "
                  f"leads from the leaf to the trust anchor {certificate_label(candidate.path[-1])}.")
    return ValidationReport(failure is None, candidate.path, ctx.at, name_text, candidate.anchored,
                            tried, registry.all_certificates(), registry.anchors,
                            explain=functools.partial(check_path, candidate, ctx, budget), known_reason=reason,
                            policy_outcome=outcome_of(candidate.path, candidate.anchored, ctx))
