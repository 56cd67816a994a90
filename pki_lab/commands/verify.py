"""``pki-lab verify``: build and validate a certificate path, and explain every step.

    pki-lab verify leaf.pem --trust root.pem --untrusted chain.pem --name www.example.com
    pki-lab verify fullchain.pem --trust root.pem --name www.example.com --at now
    pki-lab verify leaf.pem --trust root.pem --at 2026-05-01T00:00:00Z --crl issuing.crl
    pki-lab verify ee.crt -t anchor.crt -u ca.crt --crl ca.crl --profile rfc5280 --usage none \
        --policy 2.16.840.1.101.3.2.1.48.1 --explicit-policy

The same as :func:`pki_lab.validation.validate_chain`, one flag per argument: the
profile (Web PKI or RFC 5280 alone), the revocation mode, the purpose, and the initial
policy inputs of RFC 5280 6.1.1 (c), (e)-(g). Files may be PEM (several certificates in
one file are fine) or DER, and ``-`` (once) reads standard input. LEAF may be a leaf-first
bundle, as a server sends its chain (``fullchain.pem``): the first certificate is the leaf, the
rest join the untrusted intermediates; a bundle whose first certificate issued another of its
certificates is in the wrong order, and is refused with a sentence saying so. ``--name`` may be
internationalised (``bücher.de`` is checked as ``xn--bcher-kva.de``).

The time of validation is the lab clock (2026-03-15 12:00:00 UTC) unless ``--at`` is given, and the
output says so; ``--at now`` is the system clock, ``--at 2026-05-01`` midnight UTC of that day,
``--at 2026-05-01T08:00:00+02:00`` that instant. ``--json`` prints the report as one JSON
document (schema ``pki-lab/verify/1``, docs/cli.md). Exit codes: 0 valid, 1 invalid, 2 bad input
(one sentence on standard error; see :mod:`pki_lab.cli`).
"""

from __future__ import annotations

import argparse
import datetime as _dt

from cryptography import x509

from ..errors import MalformedInputError, ParameterError
from ..loading import load_certificates, load_crl
from ..names import certificate_label
from ..validation.api import validate_chain
from .files import STDIN_NAME, Inputs
from .output import dumps, report_json

__all__ = ["register", "run", "parse_time", "split_bundle", "clock_note"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``verify`` subcommand."""
    parser = subparsers.add_parser(
        "verify", help="build and validate a certificate path, explaining every step",
        description="Build a path from LEAF to one of the trust anchors through the untrusted certificates, "
                    "validate it (RFC 5280 section 6, CA/B Forum rules, the expected name, CRLs) and print "
                    "every step.",
    )
    parser.add_argument("leaf", metavar="LEAF",
                        help="the end-entity certificate (PEM or DER file; - reads standard input), or a leaf-first "
                             "bundle as a server sends it: the first certificate is the leaf, the rest become "
                             "untrusted intermediates")
    parser.add_argument("--trust", "-t", action="append", required=True, metavar="FILE",
                        help="trust anchors (PEM file, may hold several); repeat for more files")
    parser.add_argument("--untrusted", "-u", action="append", default=[], metavar="FILE",
                        help="intermediate certificates the server sent (PEM file); repeat for more files")
    parser.add_argument("--name", "-n", help="the expected host name, IP address or e-mail address (an "
                                             "internationalised name is checked as its A-label, xn--...)")
    parser.add_argument("--at", metavar="TIME",
                        help="the time of validation: now (the system clock), a date (2026-05-01: midnight UTC) or "
                             "an ISO 8601 time with a time zone (2026-05-01T08:00:00Z); default: the lab clock, "
                             "2026-03-15T12:00:00Z, and the output says so")
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
    parser.add_argument("--brief", action="store_true",
                        help="print only the verdict line (and the line naming the lab clock, when it was used)")
    parser.add_argument("--json", action="store_true",
                        help="print the report as one JSON document (schema pki-lab/verify/1, see docs/cli.md)")
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
    """An aware datetime from ``--at``: ``now``, an ISO 8601 date (midnight UTC) or time (``Z`` allowed).

    A time without a zone is refused: the same wall-clock time is a different instant in each place.
    """
    text = text.strip()
    if text.lower() == "now":
        return _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    try:
        return _dt.datetime.combine(_dt.date.fromisoformat(text), _dt.time(), tzinfo=_dt.UTC)
    except ValueError:
        pass
    try:
        when = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ParameterError(f"--at {text!r} is not an ISO 8601 time; write e.g. 2026-03-15T12:00:00Z, a date "
                             "such as 2026-03-15 (midnight UTC), or now for the system clock.") from None
    if when.tzinfo is None:
        raise ParameterError(f"--at {text!r} has no time zone; add Z for UTC, e.g. {text}Z.")
    return when


def clock_note(at: _dt.datetime | None, used: _dt.datetime) -> str | None:
    """The sentence that says the lab clock judged the chain (None when ``--at`` was given)."""
    if at is not None:
        return None
    return (f"Judged at the lab clock, {used.astimezone(_dt.UTC):%Y-%m-%d %H:%M:%S} UTC (the course's fixed "
            "\"now\"); use --at now for the real time.")


def split_bundle(certs: list[x509.Certificate], where: str) -> tuple[x509.Certificate, list[x509.Certificate]]:
    """The leaf and the rest of a leaf-first bundle; a bundle in another order is refused with what to do.

    A server sends its chain leaf first, each certificate followed by its issuer (RFC 8446 4.4.2). If the
    first certificate issued another certificate of the bundle, the order is reversed or shuffled: validating
    the wrong certificate as the leaf would give a verdict about the wrong thing.
    """
    leaf, rest = certs[0], certs[1:]
    for number, cert in enumerate(rest, 2):
        if cert.issuer == leaf.subject:
            raise MalformedInputError(
                f"{where[:1].upper() + where[1:]} is not leaf first: its first certificate ({certificate_label(leaf)}) "
                f"issued certificate {number} of {len(certs)} ({certificate_label(cert)}). Put the leaf's PEM block "
                "first and each issuer after the certificate it signed, as a server sends them, or pass the leaf "
                "alone and the CA certificates with --untrusted.")
    return leaf, rest


def run(args: argparse.Namespace) -> int:
    """Validate and print the report; 0 if valid, 1 if not (bad input raises, and the CLI exits 2)."""
    inputs = Inputs()
    where = STDIN_NAME if args.leaf == "-" else f"the file {args.leaf}"
    leaf, bundled = split_bundle(load_certificates(inputs.source(args.leaf)), where)
    trust = [c for path in args.trust for c in load_certificates(inputs.source(path))]
    untrusted = bundled + [c for path in args.untrusted for c in load_certificates(inputs.source(path))]
    crls = [load_crl(inputs.source(path)) for path in args.crl]
    extra = {} if args.max_depth is None else {"max_depth": args.max_depth}
    at = parse_time(args.at) if args.at is not None else None
    report = validate_chain(leaf, untrusted, trust, at=at, name=args.name,
                            usage=None if args.usage == "none" else args.usage, crls=crls, profile=args.profile,
                            revocation=args.revocation, initial_policies=args.policy,
                            explicit_policy=args.explicit_policy, policy_mapping_inhibit=args.inhibit_policy_mapping,
                            any_policy_inhibit=args.inhibit_any_policy, **extra)
    note = clock_note(at, report.at)
    if args.json:
        source = "lab" if at is None else "system" if args.at.strip().lower() == "now" else "given"
        print(dumps(report_json(report, clock=source, clock_note=note)))
    else:
        print(report.summary() if args.brief else str(report))
        if note:
            print(note)
    return 0 if report.ok else 1
