"""Names for the object identifiers (OIDs) the course meets.

The lab keeps its own table (from RFC 5280, RFC 5758, RFC 8410, RFC 6962, RFC
6960, NIST's Computer Security Objects Register and the CA/Browser Forum) instead
of relying on a library's private names, so what a notebook prints does not change
when a dependency is upgraded (cryptography 48 calls the ML-DSA OIDs "Unknown OID",
49 names them).

The post-quantum algorithms (FIPS 203 ML-KEM, FIPS 204 ML-DSA, FIPS 205 SLH-DSA) sit
under NIST's arc ``2.16.840.1.101.3.4`` (csor(3) nistAlgorithm(4)): signatures under
``sigAlgs(3)`` (ML-DSA 17-19, SLH-DSA 20-31, their pre-hash variants 32-46) and key
encapsulation under ``kems(4)`` (ML-KEM 1-3), as the CSOR registry lists them and
RFC 9881 (ML-DSA in X.509) and RFC 9909 (SLH-DSA in X.509) use them. One OID names
the algorithm in a public key and in a signature alike; its parameters are absent.
"""

from __future__ import annotations

__all__ = ["OID_NAMES", "ML_DSA_OIDS", "ML_KEM_OIDS", "SLH_DSA_OIDS", "POST_QUANTUM_OIDS", "oid_name"]

#: NIST CSOR sigAlgs: pure ML-DSA (FIPS 204), one OID per level, for keys and signatures (RFC 9881 section 2).
ML_DSA_OIDS: dict[str, str] = {
    "2.16.840.1.101.3.4.3.17": "ML-DSA-44",
    "2.16.840.1.101.3.4.3.18": "ML-DSA-65",
    "2.16.840.1.101.3.4.3.19": "ML-DSA-87",
}
#: NIST CSOR kems: ML-KEM (FIPS 203).
ML_KEM_OIDS: dict[str, str] = {
    "2.16.840.1.101.3.4.4.1": "ML-KEM-512",
    "2.16.840.1.101.3.4.4.2": "ML-KEM-768",
    "2.16.840.1.101.3.4.4.3": "ML-KEM-1024",
}
#: NIST CSOR sigAlgs: pure SLH-DSA (FIPS 205), 20-31.
SLH_DSA_OIDS: dict[str, str] = {
    f"2.16.840.1.101.3.4.3.{20 + i}": f"SLH-DSA-{family}-{size}"
    for i, (family, size) in enumerate((f, s) for f in ("SHA2", "SHAKE")
                                       for s in ("128s", "128f", "192s", "192f", "256s", "256f"))
}
#: NIST CSOR sigAlgs: the pre-hash variants (HashML-DSA 32-34, HashSLH-DSA 35-46), which certificates do not use.
_PREHASH_OIDS: dict[str, str] = {
    "2.16.840.1.101.3.4.3.32": "HashML-DSA-44 with SHA-512",
    "2.16.840.1.101.3.4.3.33": "HashML-DSA-65 with SHA-512",
    "2.16.840.1.101.3.4.3.34": "HashML-DSA-87 with SHA-512",
    **{f"2.16.840.1.101.3.4.3.{35 + i}": f"HashSLH-DSA-{name}"
       for i, name in enumerate(("SHA2-128s with SHA-256", "SHA2-128f with SHA-256", "SHA2-192s with SHA-512",
                                 "SHA2-192f with SHA-512", "SHA2-256s with SHA-512", "SHA2-256f with SHA-512",
                                 "SHAKE-128s with SHAKE128", "SHAKE-128f with SHAKE128",
                                 "SHAKE-192s with SHAKE256", "SHAKE-192f with SHAKE256",
                                 "SHAKE-256s with SHAKE256", "SHAKE-256f with SHAKE256"))},
}
#: Every post-quantum OID the lab names.
POST_QUANTUM_OIDS: dict[str, str] = {**ML_DSA_OIDS, **SLH_DSA_OIDS, **_PREHASH_OIDS, **ML_KEM_OIDS}

OID_NAMES: dict[str, str] = {
    # Name attributes (X.520, RFC 4519)
    "2.5.4.3": "commonName",
    "2.5.4.4": "surname",
    "2.5.4.5": "serialNumber",
    "2.5.4.6": "countryName",
    "2.5.4.7": "localityName",
    "2.5.4.8": "stateOrProvinceName",
    "2.5.4.10": "organizationName",
    "2.5.4.11": "organizationalUnitName",
    "2.5.4.42": "givenName",
    "1.2.840.113549.1.9.1": "emailAddress",
    "0.9.2342.19200300.100.1.25": "domainComponent",
    # Public key algorithms
    "1.2.840.113549.1.1.1": "rsaEncryption",
    "1.2.840.10045.2.1": "id-ecPublicKey",
    "1.2.840.10045.3.1.7": "prime256v1 (P-256)",
    "1.3.132.0.34": "secp384r1 (P-384)",
    "1.3.132.0.35": "secp521r1 (P-521)",
    "1.3.101.112": "Ed25519",
    "1.3.101.113": "Ed448",
    # Post-quantum (NIST CSOR): ML-DSA, SLH-DSA and their pre-hash variants, ML-KEM
    **POST_QUANTUM_OIDS,
    # Signature algorithms
    "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
    "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
    "1.2.840.113549.1.1.10": "rsassa-pss",
    "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
    "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
    "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
    "1.2.840.10045.4.1": "ecdsa-with-SHA1",
    "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
    "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
    "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
    # Hashes
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
    "2.16.840.1.101.3.4.2.11": "shake128",
    "2.16.840.1.101.3.4.2.12": "shake256",
    # Certificate and CRL extensions (RFC 5280 4.2, 5.2, 5.3)
    "2.5.29.14": "subjectKeyIdentifier",
    "2.5.29.15": "keyUsage",
    "2.5.29.17": "subjectAltName",
    "2.5.29.18": "issuerAltName",
    "2.5.29.19": "basicConstraints",
    "2.5.29.20": "cRLNumber",
    "2.5.29.21": "cRLReason",
    "2.5.29.24": "invalidityDate",
    "2.5.29.27": "deltaCRLIndicator",
    "2.5.29.28": "issuingDistributionPoint",
    "2.5.29.29": "certificateIssuer",
    "2.5.29.30": "nameConstraints",
    "2.5.29.31": "cRLDistributionPoints",
    "2.5.29.32": "certificatePolicies",
    "2.5.29.33": "policyMappings",
    "2.5.29.35": "authorityKeyIdentifier",
    "2.5.29.36": "policyConstraints",
    "2.5.29.37": "extKeyUsage",
    "2.5.29.46": "freshestCRL",
    "2.5.29.54": "inhibitAnyPolicy",
    "1.3.6.1.5.5.7.1.1": "authorityInfoAccess",
    "1.3.6.1.5.5.7.1.24": "tlsFeature",
    "1.3.6.1.4.1.11129.2.4.2": "signedCertificateTimestampList",
    "1.3.6.1.4.1.11129.2.4.3": "precertificatePoison",
    # Extended key usages (RFC 5280 4.2.1.12)
    "1.3.6.1.5.5.7.3.1": "serverAuth",
    "1.3.6.1.5.5.7.3.2": "clientAuth",
    "1.3.6.1.5.5.7.3.3": "codeSigning",
    "1.3.6.1.5.5.7.3.4": "emailProtection",
    "1.3.6.1.5.5.7.3.8": "timeStamping",
    "1.3.6.1.5.5.7.3.9": "OCSPSigning",
    "2.5.29.37.0": "anyExtendedKeyUsage",
    # Access methods (RFC 5280 4.2.2.1)
    "1.3.6.1.5.5.7.48.1": "OCSP",
    "1.3.6.1.5.5.7.48.2": "caIssuers",
    "1.3.6.1.5.5.7.48.1.2": "ocspNonce",
    # Certificate policies
    "2.5.29.32.0": "anyPolicy",
    "2.23.140.1.1": "CA/B Forum extended validation",
    "2.23.140.1.2.1": "CA/B Forum domain validated",
    "2.23.140.1.2.2": "CA/B Forum organization validated",
    "2.23.140.1.2.3": "CA/B Forum individual validated",
    "1.3.6.1.4.1.44947.1.1.1": "ISRG domain validated (legacy)",
}


def oid_name(oid: object) -> str:
    """The name of an OID (an ``ObjectIdentifier`` or a dotted string), or its dotted form."""
    dotted = getattr(oid, "dotted_string", oid)
    return OID_NAMES.get(str(dotted), str(dotted))
