"""Revocation, chapter 07: the CA's registry and CRLs, the OCSP responder and client, stapling.

The package is split by responsibility:

* :mod:`.crl`: the lab's one CRL builder, :func:`build_crl` (foundation imports only, so the
  validator's and the IoT failure galleries use it without pulling in OCSP);
* :mod:`.registry`: a CA's revocation records, published CRLs, status checks and the large-CRL index;
* :mod:`.ocsp`: a live OCSP responder on 127.0.0.1 and a client that checks what it is told (RFC 6960);
* :mod:`.stapling`: stapling, Must-Staple and what soft-fail and hard-fail clients do.

Checking a CRL and deciding what a status means (soft-fail, hard-fail, require) belong to the
validation layer (:mod:`pki_lab.validation.crl`), which this package builds on.

Names load on first use, so ``import pki_lab.revocation.crl`` stays light.
"""

from __future__ import annotations

from ..lazy import front_door

_EXPORTS = {
    "REASONS": "crl",
    "Revocation": "crl",
    "build_crl": "crl",
    "reason_name": "crl",
    "RevocationRegistry": "registry",
    "crl_status": "registry",
    "CrlIndex": "registry",
    "IndexedEntry": "registry",
    "synthetic_crl": "registry",
    "crl_size_table": "registry",
    "OCSP_RESPONDER_PROFILE": "ocsp",
    "OcspResponder": "ocsp",
    "OcspAnswer": "ocsp",
    "delegated_responder": "ocsp",
    "build_request": "ocsp",
    "query_ocsp": "ocsp",
    "verify_response": "ocsp",
    "http_request": "ocsp",
    "fetch_staple": "stapling",
    "must_staple": "stapling",
    "Decision": "stapling",
    "revocation_decision": "stapling",
    "ResponseSummary": "stapling",
    "summarize_response": "stapling",
    "signed_by": "stapling",
}

__all__ = sorted(_EXPORTS)


__getattr__ = front_door(__name__, _EXPORTS)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
