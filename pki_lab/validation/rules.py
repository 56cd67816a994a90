"""The registry of the validator's rules: one id, one source, one sentence each.

Every :class:`~pki_lab.validation.report.Step` a report holds names its rule with a
:class:`Rule`. A ``Rule`` is a ``StrEnum``, so ``step.rule == "rfc5280-validity"`` holds
and the ids print as they always have; code in the lab compares with ``Rule.VALIDITY``
so a renamed rule breaks loudly instead of silently never matching.

:data:`RULES` says, for each rule, the section of RFC 5280 (or RFC 9525, or the CA/Browser
Forum Baseline Requirements) it rests on and what it checks. A step may cite a finer
section than its rule's (RFC 5280 6.1.4 (m) for a pathLenConstraint that holds, (l) for one
that is exceeded); the registry gives the one a learner should read first.
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum

__all__ = ["Rule", "RuleInfo", "RULES"]


class Rule(StrEnum):
    """The id of every check the validator makes (a string, e.g. ``"rfc5280-validity"``)."""

    TRUST_ANCHOR = "rfc5280-trust-anchor"
    PATH_TO_ANCHOR = "rfc5280-path-to-anchor"
    SIGNATURE = "rfc5280-signature"
    EXTENSIONS = "rfc5280-extensions"
    VALIDITY = "rfc5280-validity"
    REVOCATION = "rfc5280-revocation"
    CA = "rfc5280-ca"
    PATHLEN = "rfc5280-pathlen"
    EKU = "rfc5280-eku"
    NAME_CONSTRAINTS = "rfc5280-name-constraints"
    POLICY = "rfc5280-policy"
    END_ENTITY = "rfc5280-end-entity"
    KEY_USAGE = "rfc5280-key-usage"
    NAME = "rfc9525-name"
    LEAF_EKU = "cabf-eku"
    COMMON_NAME = "cabf-common-name"
    KEY = "cabf-key"
    SIGNATURE_ALGORITHM = "cabf-signature-algorithm"
    NAMED_CURVE = "rfc5480-named-curve"
    KEY_CERT_SIGN = "rfc5280-key-cert-sign"
    SUBSCRIBER_CA = "cabf-subscriber-not-ca"
    SAN_SYNTAX = "cabf-san-syntax"

    @property
    def section(self) -> str:
        """Where the rule comes from, e.g. ``"RFC 5280 6.1.3 (a)(2)"``."""
        return RULES[self].section

    @property
    def sentence(self) -> str:
        """What the rule checks, in one sentence."""
        return RULES[self].sentence


@dataclasses.dataclass(frozen=True)
class RuleInfo:
    """A rule's source (``section``) and what it checks (``sentence``)."""

    section: str
    sentence: str


RULES: dict[Rule, RuleInfo] = {
    Rule.TRUST_ANCHOR: RuleInfo("RFC 5280 6.1.1 (d)", "The path ends at a certificate of the trust store, whose "
                                "name and key are trusted as they are."),
    Rule.PATH_TO_ANCHOR: RuleInfo("RFC 5280 6.1", "A chain of issuers leads from the leaf to a trust anchor, "
                                  "within the depth and work limits."),
    Rule.SIGNATURE: RuleInfo("RFC 5280 6.1.3 (a)(1)", "Each certificate's signature verifies with the public key "
                             "of the certificate above it."),
    Rule.EXTENSIONS: RuleInfo("RFC 5280 4.2", "Each certificate is version 3 with a positive serial number, "
                              "parseable extensions and no unrecognised critical extension."),
    Rule.VALIDITY: RuleInfo("RFC 5280 6.1.3 (a)(2)", "The time of validation lies within each certificate's "
                            "validity period (notBefore and notAfter included)."),
    Rule.REVOCATION: RuleInfo("RFC 5280 6.1.3 (a)(3)", "No certificate is revoked by a CRL its issuer published, "
                              "when CRLs are given."),
    Rule.CA: RuleInfo("RFC 5280 6.1.4 (k)", "Every issuer is a CA certificate with a subject name, basicConstraints "
                      "CA:TRUE and keyCertSign if it has a keyUsage (the Web PKI: also critical, keyUsage and key "
                      "identifiers present)."),
    Rule.PATHLEN: RuleInfo("RFC 5280 6.1.4 (l)", "No CA's pathLenConstraint is exceeded by the CA certificates "
                           "below it (self-issued ones not counted)."),
    Rule.EKU: RuleInfo("RFC 5280 4.2.1.12", "A CA's extendedKeyUsage, if it has one, allows the purpose."),
    Rule.NAME_CONSTRAINTS: RuleInfo("RFC 5280 6.1.3 (b)", "Every name of a certificate lies inside the permitted "
                                    "and outside the excluded subtrees of each CA above it."),
    Rule.POLICY: RuleInfo("RFC 5280 6.1.5 (g)", "Some certificate policy the caller accepts is valid for the whole "
                          "path (the valid_policy_tree), whenever an explicit policy is required."),
    Rule.END_ENTITY: RuleInfo("RFC 5280 4.2.1.6", "The leaf carries no nameConstraints and, where a name is needed, "
                              "a subjectAltName marked critical only when its subject is empty."),
    Rule.KEY_USAGE: RuleInfo("RFC 5280 4.2.1.3", "The leaf's keyUsage, if it has one, allows every bit the caller "
                             "asked for."),
    Rule.NAME: RuleInfo("RFC 9525 6", "The leaf's subjectAltName matches the expected peer name (the common name "
                        "is not consulted)."),
    Rule.LEAF_EKU: RuleInfo("CABF BR 7.1.2.7.10", "The leaf's extendedKeyUsage, if it has one, allows the purpose "
                            "(serverAuth or clientAuth)."),
    Rule.COMMON_NAME: RuleInfo("CABF BR 7.1.4.3", "A server leaf's common name, if any, is a character-for-character "
                               "copy of one of its subjectAltName entries."),
    Rule.KEY: RuleInfo("CABF BR 6.1.5", "Each public key can be read and, for a TLS server, is RSA of at least 2048 "
                       "bits or ECDSA on P-256, P-384 or P-521."),
    Rule.SIGNATURE_ALGORITHM: RuleInfo("CABF BR 7.1.3.2", "For a TLS server, each certificate below the anchor is "
                                       "signed with RSA or ECDSA over SHA-256, SHA-384 or SHA-512."),
    Rule.NAMED_CURVE: RuleInfo("RFC 5480 2.1.1", "An EC public key names its curve (namedCurve); explicit curve "
                               "parameters are refused."),
    Rule.KEY_CERT_SIGN: RuleInfo("RFC 5280 4.2.1.9", "A leaf whose keyUsage asserts keyCertSign also says CA:TRUE "
                                 "in its basicConstraints."),
    Rule.SUBSCRIBER_CA: RuleInfo("CABF BR 7.1.2.7.8", "A TLS server leaf whose keyUsage withholds keyCertSign (a "
                                 "subscriber key) says CA:FALSE."),
    Rule.SAN_SYNTAX: RuleInfo("CABF BR 7.1.2.7.12", "Each dNSName of a TLS server leaf's subjectAltName is a host "
                              "name or a wildcard domain name in the preferred name syntax."),
}
