"""RFC 9881's rules for ML-DSA certificates: signature-only keyUsage, identifiers without parameters.

RFC 9881 ("Internet X.509 Public Key Infrastructure: Algorithm Identifiers for ML-DSA") puts FIPS 204's
ML-DSA into certificates and CRLs:

* section 2: one OID per level (``id-ml-dsa-44``, ``-65``, ``-87``, under NIST's sigAlgs arc), used alike in
  the subjectPublicKeyInfo and in the signature fields, and "the contents of the parameters component for each
  algorithm MUST be absent": a SEQUENCE of the OID alone, never with a NULL. cryptography (48.0 to 50.0.2)
  refuses to load a certificate whose ML-DSA AlgorithmIdentifier has parameters, so the lab's loaders turn it
  away as malformed before the validator sees it (:func:`pki_lab.der.paths.ml_dsa_parameters_problem` says
  which field, from the DER alone);
* section 3: the signature is pure ML-DSA over the DER of the TBSCertificate with an empty context, verified
  with the key of the issuer's own level (:func:`pki_lab.validation.building.signature_problem`);
* section 5: if a certificate with an ML-DSA subject key has a keyUsage, it asserts at least one of
  digitalSignature, nonRepudiation, keyCertSign and cRLSign, and none of keyEncipherment, dataEncipherment,
  keyAgreement, encipherOnly and decipherOnly (an ML-DSA key signs; it cannot encrypt or agree keys).

:func:`ml_dsa_problem` applies section 5 to every certificate of a path whose key is ML-DSA, the trust anchor
included (its key is what the path rests on), under both profiles; :mod:`.checks` records the step only for
such certificates, so the report of a classical chain is unchanged.

"""

from __future__ import annotations

from cryptography import x509

from ..oids import ML_DSA_OIDS
from .facts import Facts

__all__ = ["certificate_level", "ml_dsa_problem", "SIGNATURE_BITS", "FORBIDDEN_BITS"]

SECTION = "RFC 9881 5"
#: RFC 9881 section 5: at least one of these (cryptography's attribute, RFC 5280's name).
SIGNATURE_BITS = (("digital_signature", "digitalSignature"), ("content_commitment", "nonRepudiation"),
                  ("key_cert_sign", "keyCertSign"), ("crl_sign", "cRLSign"))
#: ... and none of these.
FORBIDDEN_BITS = (("key_encipherment", "keyEncipherment"), ("data_encipherment", "dataEncipherment"),
                  ("key_agreement", "keyAgreement"), ("encipher_only", "encipherOnly"),
                  ("decipher_only", "decipherOnly"))


def _level(oid: x509.ObjectIdentifier | None) -> str | None:
    return ML_DSA_OIDS.get(oid.dotted_string) if oid is not None else None


def certificate_level(cert: x509.Certificate) -> str | None:
    """``"ML-DSA-65"`` (etc.) when the certificate's subject key is ML-DSA (what RFC 9881 section 5 governs)."""
    try:
        return _level(cert.public_key_algorithm_oid)
    except ValueError:  # an unreadable subjectPublicKeyInfo: the key rules report it
        return None


def _bit(usage: x509.KeyUsage, attribute: str) -> bool:
    try:
        return bool(getattr(usage, attribute))
    except ValueError:  # encipherOnly/decipherOnly are undefined without keyAgreement (RFC 5280 4.2.1.3)
        return False


def ml_dsa_problem(cert: x509.Certificate, facts: Facts) -> tuple[str, str] | None:
    """RFC 9881 section 5: the keyUsage of a certificate with an ML-DSA key, if it has one, only signs.

    Returns None (fine, or not an ML-DSA certificate) or ``(section, sentence)``.
    """
    level = certificate_level(cert)
    if level is None:
        return None
    ku_ext = facts.get_extension(cert, x509.KeyUsage)
    if ku_ext is None:
        return None
    usage = ku_ext.value
    forbidden = [name for attribute, name in FORBIDDEN_BITS if _bit(usage, attribute)]
    if forbidden:
        return SECTION, (f"its key is {level}, which can only sign, yet its keyUsage asserts {', '.join(forbidden)} "
                         "(RFC 9881 allows only digitalSignature, nonRepudiation, keyCertSign and cRLSign)")
    if not any(_bit(usage, attribute) for attribute, _ in SIGNATURE_BITS):
        return SECTION, (f"its key is {level}, and its keyUsage asserts none of digitalSignature, nonRepudiation, "
                         "keyCertSign and cRLSign, one of which RFC 9881 requires")
    return None
