"""Certification path building and validation that explain themselves (chapter 04).

The package is split by responsibility, after wbond/certvalidator:

* :mod:`.api`: the front door, :func:`validate_chain`; :mod:`.context`: the per-call :class:`ValidationContext`
  (inputs, profile, revocation mode, policy inputs, the facts table :mod:`.facts`);
* :mod:`.registry`: candidate issuers of a certificate, by name (RFC 5280 7.1, :mod:`.dn`) and key identifiers;
* :mod:`.building`: candidate paths from a leaf to a trust anchor, in an order that does not depend on the
  pool's, with a work budget;
* :mod:`.checks`: the RFC 5280 section 6.1 steps and the CA/Browser Forum rules (:mod:`.profile`), one path at a
  time, recorded by :mod:`.recorder`;
* :mod:`.names`: subjectAltName matching; :mod:`.constraints`: name constraints (4.2.1.10), with a work bound;
* :mod:`.policy`, :mod:`.policy_tree`: certificate policies, the valid_policy_tree (6.1.2-6.1.5);
* :mod:`.revocation`: RFC 5280 6.3.3 over every CRL given, under the revocation mode; :mod:`.crl`: one
  certificate against one CRL and the modes (require, hard-fail, soft-fail, off); :mod:`.crl_scope`: which CRLs
  apply (distribution points, indirect CRLs, reasons, delta CRLs) and who may sign them;
* :mod:`.report`: the :class:`ValidationReport` a learner reads (text, HTML, graph :mod:`.graph`);
* :mod:`.rules`: the registry of rule ids (:class:`Rule`), each with its section, the certificates it governs and
  its tests (``docs/validator-rules.md`` is generated from it);
* :mod:`.compare`, :mod:`.openssl`: the one adapter to pyca/cryptography's verifier, and ``openssl verify``;
* :mod:`.gallery`, :mod:`.history`: chapter 04's broken chains and the 2021 DST Root CA X3 replay.

The front door is :func:`validate_chain`.
"""

from __future__ import annotations

from ..lazy import front_door

_EXPORTS = {
    "validate_chain": "api",
    "ValidationReport": "report",
    "Step": "report",
    "Rule": "rules",
    "RULES": "rules",
    "Usage": "context",
    "ValidationContext": "context",
    "verify_with_cryptography": "compare",
    "CrlCheck": "crl",
    "check_crl": "crl",
    "RevocationMode": "crl",
}

__all__ = sorted(_EXPORTS)


__getattr__ = front_door(__name__, _EXPORTS)
