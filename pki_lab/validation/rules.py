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
import sys
from enum import StrEnum

__all__ = ["Rule", "RuleInfo", "RULES", "markdown"]


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
    ML_DSA = "rfc9881-ml-dsa"

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
    """A rule's source (``section``), what it checks (``sentence``), and where it applies and is tested.

    Attributes:
        section: where the rule comes from, e.g. ``"RFC 5280 6.1.3 (a)(2)"``.
        sentence: what the rule checks, in one sentence.
        governs: which certificates of a path it is checked on: ``"leaf"``, ``"CA"`` (an intermediate),
            ``"trust anchor"``.
        profile: where it applies: ``"RFC 5280"`` (both profiles), ``"Web PKI"`` (``profile="webpki"``,
            any purpose) or ``"Web PKI, TLS server"`` (``profile="webpki"`` with ``usage="server"``).
        passes: the test where a chain passes the rule (``file::test``, under ``tests/``).
        fails: its failure twin, a test where a chain fails it.
    """

    section: str
    sentence: str
    governs: tuple[str, ...] = ()
    profile: str = "RFC 5280"
    passes: str = ""
    fails: str = ""


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
    Rule.REVOCATION: RuleInfo("RFC 5280 6.1.3 (a)(3)", "Every certificate below the anchor has its revocation "
                              "status determined from the CRLs given (RFC 5280 6.3.3), as the revocation mode "
                              "requires; a revoked one fails."),
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
    Rule.ML_DSA: RuleInfo("RFC 9881 5", "A certificate with an ML-DSA key has a keyUsage, if any, that asserts "
                          "digitalSignature, nonRepudiation, keyCertSign or cRLSign and no encryption or "
                          "key-agreement bit; its ML-DSA identifiers carry no parameters (RFC 9881 2: such a "
                          "certificate is refused as malformed when it is loaded)."),
}

_LEAF, _CA, _ANCHOR = "leaf", "CA", "trust anchor"
_RFC, _WEB, _SERVER = "RFC 5280", "Web PKI", "Web PKI, TLS server"
_V, _R = "test_validation.py::", "test_validation_rules.py::"
_VALID = _R + "test_a_valid_chain_passes_every_rule_it_checks"


def _first(rule: str) -> str:
    return f"{_R}test_each_rule_has_a_chain_that_fails_it_first[{rule}]"


#: Which certificates each rule governs, in which profile, and its success test and failure twin.
_COVERAGE: dict[Rule, tuple[tuple[str, ...], str, str, str]] = {
    Rule.TRUST_ANCHOR: ((_ANCHOR,), _RFC, _VALID, _V + "test_path_building_loop_fails_quickly"),
    Rule.PATH_TO_ANCHOR: ((_LEAF, _CA), _RFC, _V + "test_path_building_cross_signed_two_valid_paths",
                          _V + "test_path_building_mesh_twin_without_the_root_link_is_a_dead_end_not_a_budget"),
    Rule.SIGNATURE: ((_LEAF, _CA), _RFC, _VALID, _V + "test_rfc5280_signature_twin_and_report_marks_link"),
    Rule.EXTENSIONS: ((_LEAF, _CA, _ANCHOR), _RFC, _V + "test_rfc5280_unknown_critical_extension_and_twin",
                      _first(Rule.EXTENSIONS)),
    Rule.VALIDITY: ((_LEAF, _CA, _ANCHOR), _RFC, _R + "test_rfc5280_validity_fractional_seconds_floor",
                    _V + "test_rfc5280_validity_not_yet_valid_and_twin"),
    Rule.REVOCATION: ((_LEAF, _CA), _RFC, "test_validation_crl.py::test_rfc5280_crl_lookup_good_and_revoked_twins",
                      "test_validation_revocation.py::test_each_mode_against_each_status"),
    Rule.CA: ((_CA, _ANCHOR), _RFC, _R + "test_rfc5280_ca_basic_constraints_critical_only_under_webpki",
              _R + "test_rfc5280_ca_subject_must_not_be_empty_and_twin"),
    Rule.PATHLEN: ((_CA, _ANCHOR), _RFC, _V + "test_max_depth_and_twin", _first(Rule.PATHLEN)),
    Rule.EKU: ((_CA, _ANCHOR), _RFC, _VALID, _first(Rule.EKU)),
    Rule.NAME_CONSTRAINTS: ((_LEAF, _CA), _RFC, _V + "test_rfc5280_name_constraints_ip_and_excluded",
                            _first(Rule.NAME_CONSTRAINTS)),
    Rule.POLICY: ((_LEAF, _CA, _ANCHOR), _RFC, "test_validation_policy.py::test_policy_rules", _first(Rule.POLICY)),
    Rule.END_ENTITY: ((_LEAF,), _RFC, _VALID, _first(Rule.END_ENTITY)),
    Rule.KEY_USAGE: ((_LEAF,), _RFC, _VALID, _first(Rule.KEY_USAGE)),
    Rule.NAME: ((_LEAF,), _RFC, _V + "test_rfc9525_name_exact", _V + "test_rfc9525_wildcard_and_ip"),
    Rule.LEAF_EKU: ((_LEAF,), _RFC, _VALID, _V + "test_cabf_eku_client_certificate_is_not_a_server_certificate"),
    Rule.COMMON_NAME: ((_LEAF,), _SERVER, _VALID, _first(Rule.COMMON_NAME)),
    Rule.KEY: ((_LEAF, _CA, _ANCHOR), _SERVER, _VALID, _first(Rule.KEY)),
    Rule.SIGNATURE_ALGORITHM: ((_LEAF, _CA), _SERVER, _VALID, _first(Rule.SIGNATURE_ALGORITHM)),
    Rule.NAMED_CURVE: ((_LEAF, _CA, _ANCHOR), _RFC, _R + "test_rfc5480_named_curve_twin_the_same_key_named_is_valid",
                       _first(Rule.NAMED_CURVE)),
    Rule.KEY_CERT_SIGN: ((_LEAF,), _RFC, _R + "test_rfc5280_key_cert_sign_twin_with_ca_true_under_rfc5280",
                         _first(Rule.KEY_CERT_SIGN)),
    Rule.SUBSCRIBER_CA: ((_LEAF,), _SERVER, _R + "test_cabf_subscriber_not_ca_twin_under_rfc5280",
                         _first(Rule.SUBSCRIBER_CA)),
    Rule.SAN_SYNTAX: ((_LEAF,), _SERVER, _R + "test_cabf_san_syntax_twin_under_rfc5280", _first(Rule.SAN_SYNTAX)),
    Rule.ML_DSA: ((_LEAF, _CA, _ANCHOR), _RFC, "test_mldsa_validation.py::test_ml_dsa_chain_of_each_level_is_valid",
                  "test_mldsa_validation.py::test_rfc9881_key_usage_encipherment_fails_and_twin"),
}
for _rule, (_governs, _profile, _passes, _fails) in _COVERAGE.items():
    if _rule in RULES:
        RULES[_rule] = dataclasses.replace(RULES[_rule], governs=_governs, profile=_profile, passes=_passes,
                                           fails=_fails)


#: RFC 5280 4.1 and 4.2 and BR 7.1, field by field: the field, the rules that check it, where they apply.
_AUDIT: tuple[tuple[str, str, str], ...] = (
    ('version (4.1.2.1, BR 7.1.1)',
     '`rfc5280-extensions`',
     'v3 required under the Web PKI'),
    ('serialNumber (4.1.2.2)',
     '`rfc5280-extensions`',
     'negative or over 20 octets: both; zero: Web PKI'),
    ('signature, signatureAlgorithm (4.1.1.2, 4.1.2.3, BR 7.1.3.2)',
     '`rfc5280-signature`, `cabf-signature-algorithm`',
     'the signature verifies: both; algorithm list: TLS server'),
    ('issuer, subject (4.1.2.4, 4.1.2.6)',
     '`rfc5280-path-to-anchor`, `rfc5280-ca`',
     "names match as 7.1 says; a CA's subject not empty"),
    ('validity (4.1.2.5)',
     '`rfc5280-validity`',
     'both, to the second'),
    ('subjectPublicKeyInfo (4.1.2.7, RFC 5480, BR 6.1.5)',
     '`rfc5480-named-curve`, `cabf-key`',
     'readable, named curve: both; types and sizes: TLS server'),
    ('ML-DSA keys and signatures (RFC 9881 2, 3, 5)',
     '`rfc5280-signature`, `rfc9881-ml-dsa`',
     "the signature verifies with the issuer key's own level, keyUsage only signs: both; parameters absent: "
     "refused when loaded"),
    ('issuerUniqueID, subjectUniqueID (4.1.2.8)',
     'not checked',
     'cryptography does not expose them'),
    ('extensions (4.2): duplicates, unknown critical, malformed',
     '`rfc5280-extensions`',
     'both'),
    ('authorityKeyIdentifier (4.2.1.1)',
     '`rfc5280-extensions`, `rfc5280-ca`',
     'present and non-critical: Web PKI'),
    ('subjectKeyIdentifier (4.2.1.2)',
     '`rfc5280-ca`',
     'in every CA: Web PKI'),
    ('keyUsage (4.2.1.3)',
     '`rfc5280-ca`, `rfc5280-key-usage`, `rfc5280-key-cert-sign`',
     'keyCertSign for issuers and only with cA: both; present in a CA: Web PKI'),
    ('certificatePolicies, policyMappings, policyConstraints, inhibitAnyPolicy (4.2.1.4, .5, .11, .14)',
     '`rfc5280-policy`',
     'both (6.1.3 (d)-(f), 6.1.4 (a)-(j))'),
    ('subjectAltName (4.2.1.6, BR 7.1.2.7.12)',
     '`rfc5280-end-entity`, `rfc9525-name`, `cabf-san-syntax`',
     'critical with an empty subject: both; required and well formed: TLS server'),
    ('basicConstraints (4.2.1.9, BR 7.1.2.7.8)',
     '`rfc5280-ca`, `rfc5280-pathlen`, `cabf-subscriber-not-ca`',
     'cA and pathLen: both; critical: Web PKI'),
    ('nameConstraints (4.2.1.10)',
     '`rfc5280-name-constraints`, `rfc5280-end-entity`',
     'both; not empty: Web PKI'),
    ('extendedKeyUsage (4.2.1.12, BR 7.1.2.7.10)',
     '`rfc5280-eku`, `cabf-eku`',
     'whenever a purpose is given'),
    ('cRLDistributionPoints, freshestCRL (4.2.1.13, .15)',
     '`rfc5280-revocation`',
     'both, when revocation is checked'),
    ('authorityInfoAccess (4.2.2.1)',
     '`rfc5280-extensions`',
     'non-critical: Web PKI'),
)


def markdown() -> str:
    """``docs/validator-rules.md``: the notes on profiles and trust anchors, then one row per rule."""
    rows = ["| rule | section | governs | profile | what it checks | success test | failure twin |",
            "|---|---|---|---|---|---|---|"]
    for rule in Rule:
        info = RULES[rule]
        rows.append(f"| `{rule.value}` | {info.section} | {', '.join(info.governs) or '?'} | {info.profile} | "
                    f"{info.sentence} | `{info.passes or '?'}` | `{info.fails or '?'}` |")
    audit = ["## RFC 5280 4.1 and 4.2, CA/B Forum BR 7.1, field by field", "",
             "| field | rules | where they apply |", "|---|---|---|"]
    audit += [f"| {field} | {rules} | {where} |" for field, rules, where in _AUDIT]
    return (_NOTES.strip() + "\n\n" + "\n".join(audit) + "\n\n## The rules\n\n" + "\n".join(rows) + "\n")


_NOTES = """
# The validator's rules

Generated from the rule registry (`pki_lab/validation/rules.py`) by
`python -m pki_lab.validation.rules --markdown > docs/validator-rules.md`; `tests/test_validation_rules.py`
checks that this file is up to date and that every test it names exists. Test names are relative to `tests/`.

## Profiles

- **`profile="rfc5280"`** checks what RFC 5280 section 6 checks, plus the few section 4 rules addressed to the
  certificate user or that make a certificate unreadable: unrecognised critical extensions and malformed or
  duplicate extensions (4.2), a negative or over-long serial number (4.1.2.2), a CA with an empty subject
  (4.1.2.6, 4.1.2.4), keyCertSign without cA TRUE (4.2.1.9), explicit EC parameters (RFC 5480 2.1.1), names
  a name constraint cannot judge (4.2.1.10). Any key cryptography can read and any signature algorithm that
  verifies is accepted (DSA, SHA-1, RSA below 2048 bits: RFC 5280 names no algorithm list), ML-DSA included:
  each ML-DSA signature is checked with the issuer key of its own level (RFC 9881 2, 3), and a certificate with
  an ML-DSA key keeps to signature-only keyUsage bits (RFC 9881 5, in both profiles).
- **`profile="webpki"`** (the default) adds what RFC 5280 section 4 asks of a *conforming CA* and the Web PKI's
  verifiers enforce for any purpose: a critical basicConstraints, keyUsage and subjectKeyIdentifier in every CA,
  an authorityKeyIdentifier (a bare keyIdentifier) in every certificate that is not self-signed, no critical
  authorityKeyIdentifier, subjectKeyIdentifier or authorityInfoAccess, no empty nameConstraints, version 3,
  and a serial number that is not zero.
- **TLS server** (`profile="webpki"`, `usage="server"`, `ctx.web`) adds the CA/Browser Forum Baseline
  Requirements for subscriber certificates and their CAs: key types and sizes (6.1.5, 7.1.3.1: RSA and ECDSA only,
  so an ML-DSA key is refused, as of 2026-03-15), signature algorithms (7.1.3.2), a subjectAltName (7.1.2.7.12)
  whose dNSNames are host names or wildcard domain names, a non-critical subjectAltName when the subject is not
  empty, the common name as a copy of a SAN entry (7.1.4.3), and a subscriber key that does not claim cA TRUE
  (7.1.2.7.8).

Validity is compared to the second in both profiles (4.1.2.5: the fields have no fractions), so a certificate
whose notAfter is 00:00:00 is valid at 00:00:00.005 and one whose notBefore is 00:00:01 is not valid at
00:00:00.999 (x509-limbo's `notafter-fractional` and `notbefore-fractional` ask for exactly this).

A CA certificate in the leaf position (cA TRUE with keyCertSign, or without keyUsage) is validated as the CA
certificate it is, as RFC 5280 allows (6.1.5 processes whatever comes last). A leaf whose keyUsage withholds
keyCertSign but which claims cA TRUE is refused for a TLS server (BR 7.1.2.7.8); any leaf asserting keyCertSign
without cA TRUE is refused in both profiles (4.2.1.9).

## Trust anchors (RFC 5280 6.1.1 (d))

The anchor's name and public key are inputs of path validation, not claims to check: its self-signature is never
verified and its signature algorithm not judged, its serial number and authorityKeyIdentifier are not checked (a
few roots in real stores have serial 0). Its validity period, its extensions' well-formedness and critical
extensions, and, as most implementations do (pyca/cryptography, Go, rustls-webpki, the BR for roots), its CA
constraints are honoured: it must be a CA (basicConstraints, keyUsage), its pathLenConstraint, its
nameConstraints and its extendedKeyUsage bind the path below it, and under the Web PKI its key must be an allowed
one. A leaf that is itself in the trust store is still the end-entity certificate presented, and is checked as a
leaf (its serial number too).
"""


if __name__ == "__main__":  # pragma: no cover - the generator of docs/validator-rules.md
    if sys.argv[1:] != ["--markdown"]:
        sys.exit("usage: python -m pki_lab.validation.rules --markdown > docs/validator-rules.md")
    sys.stdout.write(markdown())
