"""Certification path building and validation that explain themselves (chapter 04).

The package is split by responsibility, after wbond/certvalidator:

* :mod:`.registry`: candidate issuers of a certificate, by name and key identifiers;
* :mod:`.building`: candidate paths from a leaf to a trust anchor, with a work budget;
* :mod:`.checks`: the RFC 5280 section 6.1 steps and the CA/Browser Forum rules, one path at a time;
* :mod:`.names`: subjectAltName matching and name constraints;
* :mod:`.crl`: one certificate against one CRL (RFC 5280 6.3);
* :mod:`.report`: the :class:`ValidationReport` a learner reads (text, HTML, graph);
* :mod:`.rules`: the registry of rule ids (:class:`Rule`), each with its section and sentence;
* :mod:`.context`: the per-call :class:`ValidationContext` (inputs and the facts table);
* :mod:`.compare`: the one adapter to pyca/cryptography's verifier.

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
