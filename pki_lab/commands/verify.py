"""``pki-lab verify``: build and validate a certificate path, and explain every step.

    pki-lab verify leaf.pem --trust root.pem --untrusted chain.pem --name www.example.com
    pki-lab verify leaf.pem --trust root.pem --at 2026-05-01T00:00:00Z --crl issuing.crl
    pki-lab verify ee.crt -t anchor.crt -u ca.crt --crl ca.crl --profile rfc5280 --usage none \
        --policy 2.16.840.1.101.3.2.1.48.1 --explicit-policy

The same as :func:`pki_lab.validation.validate_chain`, one flag per argument: the
profile (Web PKI or RFC 5280 alone), the revocation mode, the purpose, and the initial
policy inputs of RFC 5280 6.1.1 (c), (e)-(g). Files may be PEM (several certificates in
one file are fine) or DER, and ``-`` (once) reads standard input. ``--name`` may be
internationalised (``bücher.de`` is checked as ``xn--bcher-kva.de``). Exit codes: 0 valid,
1 invalid, 2 bad input (one sentence on standard error; see :mod:`pki_lab.cli`).
"""

from __future__ import annotations

import argparse
import datetime as _dt

from ..errors import ParameterError
from ..loading import load_certificate, load_certificates, load_crl
from ..validation.api import validate_chain
from .files import Inputs

__all__ = ["register", "run", "parse_time"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``verify`` subcommand."""
    parser = subparsers.add_parser(
        "verify", help="build and validate a certificate path, explaining every step",
        description="Build a path from LEAF to one of the trust anchors through the untrusted certificates, "
                    "validate it (RFC 5280 section 6, CA/B Forum rules, the expected name, CRLs) and print "
                    "every step.",
    )
    parser.add_argument("leaf", help="the end-entity certificate (PEM or DER file; - reads standard input)")
    parser.add_argument("--trust", "-t", action="append", required=True, metavar="FILE",
                        help="trust anchors (PEM file, may hold several); repeat for more files")
    parser.add_argument("--untrusted", "-u", action="append", default=[], metavar="FILE",
                        help="intermediate certificates the server sent (PEM file); repeat for more files")
    parser.add_argument("--name", "-n", help="the expected host name, IP address or e-mail address (an "
                                             "internationalised name is checked as its A-label, xn--...)")
    parser.add_argument("--at", help="the time of validation, ISO 8601 with a time zone "
                                     "(default: the lab clock, 2026-03-15T12:00:00Z)")
    parser.add_argument("--crl", action="append", default=[], metavar="FILE", help="a CRL to check (repeatable)")
    parser.add_argument("--usage", choices=("server", "client", "none"), default="server",
                        help="the purpose: TLS server (default), client authentication, or none (no "
                             "extendedKeyUsage requirement, as in RFC 5280 section 6)")
    parser.add_argument("--profile", choices=("webpki", "rfc5280"), default="webpki",
                        help="webpki (default): RFC 5280 plus the CA/Browser Forum rules for a TLS server; "
                             "rfc5280: RFC 5280 section 6 only")
    parser.add_argument("--revocation", choices=("require", "hard-fail", "soft-fail", "off"), default=None,
                        help="require: every certificate's status must be determined from the CRLs "
                             "(undetermined: invalid); hard-fail: a CRL that is there but fails or cannot be "
                             "trusted rejects, no CRL at all is tolerated; soft-fail: only a definite 'revoked' "
                             "rejects (undetermined is a warning); off: no check (default: require with --crl, "
                             "else off)")
    _policy_flags(parser)
    parser.add_argument("--max-depth", type=int, default=None, help="the most intermediates allowed (default 8)")
    parser.add_argument("--brief", action="store_true", help="print only the verdict line")
    parser.set_defaults(func=run)


def _policy_flags(parser: argparse.ArgumentParser) -> None:
    """The initial policy inputs of RFC 5280 6.1.1 (c), (e), (f), (g)."""
    group = parser.add_argument_group("certificate policies (RFC 5280 6.1.1)")
    group.add_argument("--policy", action="append", default=None, metavar="OID",
                       help="a policy of the user-initial-policy-set, a dotted OID (repeatable; default anyPolicy)")
    group.add_argument("--explicit-policy", action="store_true",
                       help="initial-explicit-policy: the path must be valid for a policy of the set")
    group.add_argument("--inhibit-policy-mapping", action="store_true",
                       help="initial-policy-mapping-inhibit: no policy mapping allowed")
    group.add_argument("--inhibit-any-policy", action="store_true",
                       help="initial-any-policy-inhibit: anyPolicy in a certificate is not a match")


def parse_time(text: str) -> _dt.datetime:
    """An aware datetime from ISO 8601 text (``Z`` allowed); a time without a zone is refused."""
    try:
        when = _dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ParameterError(f"--at {text!r} is not an ISO 8601 time; write e.g. 2026-03-15T12:00:00Z.") from None
    if when.tzinfo is None:
        raise ParameterError(f"--at {text!r} has no time zone; add Z for UTC, e.g. {text}Z.")
    return when


def run(args: argparse.Namespace) -> int:
    """Validate and print the report; 0 if valid, 1 if not (bad input raises, and the CLI exits 2)."""
    inputs = Inputs()
    leaf = load_certificate(inputs.source(args.leaf))
    trust = [c for path in args.trust for c in load_certificates(inputs.source(path))]
    untrusted = [c for path in args.untrusted for c in load_certificates(inputs.source(path))]
    crls = [load_crl(inputs.source(path)) for path in args.crl]
    extra = {} if args.max_depth is None else {"max_depth": args.max_depth}
    report = validate_chain(leaf, untrusted, trust, at=parse_time(args.at) if args.at else None, name=args.name,
                            usage=None if args.usage == "none" else args.usage, crls=crls, profile=args.profile,
                            revocation=args.revocation, initial_policies=args.policy,
                            explicit_policy=args.explicit_policy, policy_mapping_inhibit=args.inhibit_policy_mapping,
                            any_policy_inhibit=args.inhibit_any_policy, **extra)
    print(report.summary() if args.brief else str(report))
    return 0 if report.ok else 1
