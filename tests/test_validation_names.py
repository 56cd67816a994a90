"""Name matching (RFC 9525) and name constraints (RFC 5280 4.2.1.10), rule by rule, each with its twin."""

from __future__ import annotations

import datetime
import ipaddress
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import NameAttribute, NameOID
from cryptography.x509.name import _ASN1Type

from pki_lab import clock
from pki_lab.ca import CertificateAuthority
from pki_lab.errors import ParameterError, WrongTypeError
from pki_lab.validation import validate_chain
from pki_lab.validation.constraints import WORK_LIMIT, check_name_constraints
from pki_lab.validation.dn import name_key, names_equal, prepare_string
from pki_lab.validation.facts import Facts
from pki_lab.validation.names import (
    dns_pattern_matches,
    in_dns_subtree,
    is_valid_dns_name,
    parse_expected_name,
    san_matches,
)


@pytest.mark.parametrize("rule, pattern, name, ok", [
    ("rfc9525-exact", "www.example.com", "www.example.com", True),
    ("rfc9525-exact-case-insensitive", "WWW.example.COM", "www.EXAMPLE.com", True),
    ("rfc9525-exact-mismatch", "www.example.com", "mail.example.com", False),
    ("rfc9525-wildcard-one-label", "*.example.com", "www.example.com", True),
    ("rfc9525-wildcard-not-two-labels", "*.example.com", "a.b.example.com", False),
    ("rfc9525-wildcard-not-apex", "*.example.com", "example.com", False),
    ("rfc9525-wildcard-only-leftmost", "www.*.example.com", "www.x.example.com", False),
    ("rfc9525-wildcard-not-partial", "ba*.example.com", "bar.example.com", False),
    ("rfc9525-malformed-underscore", "under_score.example.com", "under_score.example.com", False),
    ("rfc9525-malformed-empty-label", "www..example.com", "www..example.com", False),
])
def test_dns_pattern_matches(rule, pattern, name, ok):
    assert dns_pattern_matches(pattern, name) is ok, rule


@pytest.mark.parametrize("rule, sans, expected, ok", [
    ("rfc9525-ip-match", [x509.IPAddress(ipaddress.ip_address("192.0.2.1"))], "192.0.2.1", True),
    ("rfc9525-ip-mismatch", [x509.IPAddress(ipaddress.ip_address("192.0.2.1"))], "192.0.2.2", False),
    ("rfc9525-ip-not-dns", [x509.DNSName("192.0.2.1")], "192.0.2.1", False),  # an IP is never a DNS SAN
    ("rfc9525-ipv6-match", [x509.IPAddress(ipaddress.ip_address("2001:db8::1"))], "2001:db8:0::1", True),
    ("rfc5280-email-match", [x509.RFC822Name("ada@Example.com")], "ada@example.com", True),
    ("rfc5280-email-local-part-case", [x509.RFC822Name("Ada@example.com")], "ada@example.com", False),
])
def test_san_matches(rule, sans, expected, ok):
    assert san_matches(parse_expected_name(expected), sans) is ok, rule


def test_parse_expected_name_errors_are_sentences():
    with pytest.raises(WrongTypeError, match="`name` must be a host name, an IP address or an e-mail address"):
        parse_expected_name(42)
    with pytest.raises(ParameterError, match="`name` must be a host name such as 'www.example.com'"):
        parse_expected_name("two words")


@pytest.fixture(scope="module")
def certs():
    with clock.travel_to(clock.LAB_EPOCH):
        root = CertificateAuthority.create_root("Names Root")
        make = root.issue
        return {
            "www.example.com": make("www.example.com"),
            "*.example.com": make("wild", names=["*.example.com"]),
            "*.foo.example.com": make("wildfoo", names=["*.foo.example.com"]),
            "192.0.2.9": make("ip", names=["192.0.2.9"]),
            "ada@example.com": make("ada", profile="client", names=["email:ada@example.com"]),
            "ada@mail.example.com": make("ada2", profile="client", names=["email:ada@mail.example.com"]),
        }


def _nc(permitted=(), excluded=()):
    return x509.NameConstraints(permitted_subtrees=list(permitted) or None, excluded_subtrees=list(excluded) or None)


def _sans(cert):
    return list(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)


DNS, IP, EMAIL = x509.DNSName, x509.IPAddress, x509.RFC822Name


@pytest.mark.parametrize("rule, constraints, name, allowed", [
    ("rfc5280-nc-dns-permitted", _nc([DNS("example.com")]), "www.example.com", True),
    ("rfc5280-nc-dns-not-permitted", _nc([DNS("example.org")]), "www.example.com", False),
    ("rfc5280-nc-dns-label-boundary", _nc([DNS("ample.com")]), "www.example.com", False),
    ("rfc5280-nc-dns-excluded", _nc(excluded=[DNS("www.example.com")]), "www.example.com", False),
    ("rfc5280-nc-dns-excluded-sibling", _nc(excluded=[DNS("mail.example.com")]), "www.example.com", True),
    ("rfc5280-nc-wildcard-permitted", _nc([DNS("example.com")]), "*.example.com", True),
    ("rfc5280-nc-wildcard-wider-than-permitted", _nc([DNS("foo.example.com")]), "*.example.com", False),
    ("rfc5280-nc-wildcard-inside-permitted", _nc([DNS("foo.example.com")]), "*.foo.example.com", True),
    ("rfc5280-nc-wildcard-overlaps-excluded", _nc(excluded=[DNS("foo.example.com")]), "*.example.com", False),
    ("rfc5280-nc-wildcard-misses-excluded", _nc(excluded=[DNS("a.b.example.com")]), "*.example.com", True),
    ("rfc5280-nc-ip-permitted", _nc([IP(ipaddress.ip_network("192.0.2.0/24"))]), "192.0.2.9", True),
    ("rfc5280-nc-ip-not-permitted", _nc([IP(ipaddress.ip_network("198.51.100.0/24"))]), "192.0.2.9", False),
    ("rfc5280-nc-ip-other-type-unconstrained", _nc([IP(ipaddress.ip_network("198.51.100.0/24"))]),
     "www.example.com", True),
    ("rfc5280-nc-email-host", _nc([EMAIL("example.com")]), "ada@example.com", True),
    ("rfc5280-nc-email-host-not-subdomain", _nc([EMAIL("example.com")]), "ada@mail.example.com", False),
    ("rfc5280-nc-email-domain", _nc([EMAIL(".example.com")]), "ada@mail.example.com", True),
    ("rfc5280-nc-email-mailbox", _nc([EMAIL("ada@example.com")]), "ada@example.com", True),
    ("rfc5280-nc-email-literal-asterisk", _nc([EMAIL("*@example.com")]), "ada@example.com", False),
])
def test_name_constraints(certs, rule, constraints, name, allowed):
    cert = certs[name]
    problem = check_name_constraints(constraints, cert, _sans(cert))
    assert (problem is None) is allowed, (rule, problem)


@pytest.mark.parametrize("rule, base, allowed", [
    ("rfc5280-nc-dn-permitted", "O=PKI Lab", True),
    ("rfc5280-nc-dn-not-permitted", "O=Other", False),
    ("rfc5280-nc-dn-longer-than-subject", "CN=x,O=PKI Lab", False),
])
def test_directory_name_constraints(rule, base, allowed):
    """The subject must start with the permitted DN's RDNs (RFC 4514 strings list the last RDN first)."""
    constraints = _nc([x509.DirectoryName(x509.Name.from_rfc4514_string(base))])
    with clock.travel_to(clock.LAB_EPOCH):
        cert = CertificateAuthority.create_root("Names DN Root").issue("CN=dn.example.com,O=PKI Lab",
                                                                         names=["dn.example.com"])
    assert (check_name_constraints(constraints, cert, _sans(cert)) is None) is allowed, rule


def test_malformed_dns_constraint_never_passes(certs):
    cert = certs["www.example.com"]
    problem = check_name_constraints(_nc([DNS("bad..example.com")]), cert, _sans(cert))
    assert problem == "the DNS name constraint 'bad..example.com' is malformed"


def test_dns_helpers():
    assert is_valid_dns_name("xn--n3h.example.com") and not is_valid_dns_name("😜.example.com")
    assert in_dns_subtree("shop.example.org", "example.org") and not in_dns_subtree("example.org.evil", "example.org")


# -- RFC 5280 7.1: comparing distinguished names ------------------------------------------------

PRINTABLE, UTF8, BMP, IA5 = _ASN1Type.PrintableString, _ASN1Type.UTF8String, _ASN1Type.BMPString, _ASN1Type.IA5String
CN, ORG, DC = NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME, NameOID.DOMAIN_COMPONENT


def _name(*rdns):
    """A Name from RDNs given as (oid, value, type) triples, or lists of them for a multi-valued RDN."""
    return x509.Name([x509.RelativeDistinguishedName(
        [NameAttribute(*a) for a in (rdn if isinstance(rdn, list) else [rdn])]) for rdn in rdns])


@pytest.mark.parametrize("rule, a, b, equal", [
    ("rfc5280-7.1-identical", _name((ORG, "PKI Lab", UTF8), (CN, "Lab CA", UTF8)),
     _name((ORG, "PKI Lab", UTF8), (CN, "Lab CA", UTF8)), True),
    ("rfc4518-case-folded", _name((CN, "Lab CA", UTF8)), _name((CN, "lAB ca", UTF8)), True),
    ("rfc4518-insignificant-spaces", _name((CN, "Lab CA", PRINTABLE)), _name((CN, "  Lab   CA ", PRINTABLE)), True),
    ("rfc4518-inner-space-significant", _name((CN, "Lab CA", UTF8)), _name((CN, "LabCA", UTF8)), False),
    ("rfc5280-7.1-printable-vs-utf8", _name((CN, "Lab CA", PRINTABLE)), _name((CN, "Lab CA", UTF8)), True),
    ("rfc5280-7.1-bmp-vs-utf8", _name((CN, "Lab CA", BMP)), _name((CN, "lab ca", UTF8)), True),
    ("rfc4518-nfkc", _name((CN, "\ufb01le CA", UTF8)), _name((CN, "FILE CA", UTF8)), True),
    ("rfc4518-soft-hyphen-mapped-to-nothing", _name((CN, "Lab\u00adCA", UTF8)), _name((CN, "LabCA", UTF8)), True),
    ("rfc4518-tab-is-space", _name((CN, "Lab\tCA", UTF8)), _name((CN, "Lab CA", UTF8)), True),
    ("rfc5280-7.1-different-value", _name((CN, "Lab CA", UTF8)), _name((CN, "Lab CA 2", UTF8)), False),
    ("rfc5280-7.1-different-type", _name((CN, "Lab", UTF8)), _name((ORG, "Lab", UTF8)), False),
    ("rfc5280-7.1-rdn-order-matters", _name((ORG, "PKI Lab", UTF8), (CN, "Lab CA", UTF8)),
     _name((CN, "Lab CA", UTF8), (ORG, "PKI Lab", UTF8)), False),
    ("rfc5280-7.1-rdn-count-matters", _name((CN, "Lab CA", UTF8)),
     _name((ORG, "x", UTF8), (CN, "Lab CA", UTF8)), False),
    ("rfc5280-7.1-multivalued-rdn-is-a-set", _name([(CN, "Lab CA", UTF8), (ORG, "PKI Lab", UTF8)]),
     _name([(ORG, "pki lab", UTF8), (CN, "lab ca", UTF8)]), True),
    ("rfc5280-7.1-multivalued-rdn-not-split", _name([(CN, "Lab CA", UTF8), (ORG, "PKI Lab", UTF8)]),
     _name((CN, "Lab CA", UTF8), (ORG, "PKI Lab", UTF8)), False),
    ("rfc5280-7.3-domain-component-case", _name((DC, "Example", IA5)), _name((DC, "example", IA5)), True),
    ("rfc5280-7.1-ia5-exact", _name((CN, "Lab CA", IA5)), _name((CN, "lab ca", IA5)), False),
    ("rfc5280-7.1-ia5-not-directory-string", _name((CN, "Lab CA", IA5)), _name((CN, "Lab CA", UTF8)), False),
    ("rfc4518-prohibited-exact-only", _name((CN, "Lab\ue000", UTF8)), _name((CN, "lab\ue000", UTF8)), False),
    ("rfc4518-prohibited-matches-itself", _name((CN, "Lab\ue000", UTF8)), _name((CN, "Lab\ue000", UTF8)), True),
])
def test_names_equal(rule, a, b, equal):
    assert names_equal(a, b) is equal, rule
    assert (name_key(a) == name_key(b)) is equal, rule


@pytest.mark.parametrize("text, prepared", [
    ("Lab CA", " lab  ca "), ("", "  "), ("   ", "  "), ("\u00a0A\u2003B ", " a  b "), ("Stra\u00dfe", " strasse "),
])
def test_prepare_string(text, prepared):
    assert prepare_string(text) == prepared


def _signed_by(ca, subject, issuer, *, extensions=()):
    """A leaf signed by ``ca``'s key whose issuer field is ``issuer`` as given (not copied from the CA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(clock.LAB_EPOCH)
               .not_valid_after(clock.LAB_EPOCH + datetime.timedelta(days=30)))
    for ext, critical in extensions:
        builder = builder.add_extension(ext, critical=critical)
    return builder.sign(ca.private_key, hashes.SHA256())


@pytest.fixture(scope="module")
def chain_ca():
    with clock.travel_to(clock.LAB_EPOCH):
        return CertificateAuthority.create_root(_name((ORG, "PKI Lab", PRINTABLE), (CN, "Chain CA", PRINTABLE)),
                                                organization=None)


@pytest.mark.parametrize("rule, issuer, chains", [
    ("rfc5280-6.1.3-a4-same-bytes", _name((ORG, "PKI Lab", PRINTABLE), (CN, "Chain CA", PRINTABLE)), True),
    ("rfc5280-6.1.3-a4-case-and-spaces", _name((ORG, "pki  LAB", PRINTABLE), (CN, " chain ca", PRINTABLE)), True),
    ("rfc5280-6.1.3-a4-utf8-rollover", _name((ORG, "PKI Lab", UTF8), (CN, "Chain CA", UTF8)), True),
    ("rfc5280-6.1.3-a4-other-name", _name((ORG, "PKI Lab", PRINTABLE), (CN, "Chain CA2", PRINTABLE)), False),
    ("rfc5280-6.1.3-a4-rdns-reordered", _name((CN, "Chain CA", PRINTABLE), (ORG, "PKI Lab", PRINTABLE)), False),
])
def test_name_chaining(chain_ca, rule, issuer, chains):
    leaf = _signed_by(chain_ca, _name((CN, "leaf", UTF8)), issuer)
    report = validate_chain(leaf, trust=[chain_ca], at=clock.LAB_EPOCH, usage=None, profile="rfc5280")
    assert report.ok is chains, (rule, report.reason)
    if not chains:
        assert "neither in the trust store nor among the given intermediates" in report.reason


def test_self_issued_compares_names_as_7_1():
    facts = Facts()
    cert = _signed_by(CertificateAuthority.create_root("Self CA"), _name((CN, "Self  CA", UTF8)),
                      _name((CN, "self ca", PRINTABLE)))
    assert facts.self_issued(cert)
    other = _signed_by(CertificateAuthority.create_root("Self CA"), _name((CN, "Self CA", UTF8)),
                       _name((CN, "Other CA", UTF8)))
    assert not facts.self_issued(other)


# -- RFC 5280 4.2.1.10: directoryName, emailAddress and URI constraints -------------------------

URI, DIRNAME = x509.UniformResourceIdentifier, x509.DirectoryName
LAB = _name((ORG, "PKI Lab", PRINTABLE))
EMAIL_OID = NameOID.EMAIL_ADDRESS


def _leaf(subject, sans=None):
    """A leaf with the given subject and, if ``sans`` is not None, a subjectAltName of those entries."""
    extensions = [] if sans is None else [(x509.SubjectAlternativeName(sans), False)]
    with clock.travel_to(clock.LAB_EPOCH):
        ca = CertificateAuthority.create_root("Constraint Names Root")
    return _signed_by(ca, subject, ca.certificate.subject, extensions=extensions)


def _check(constraints, cert):
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value if any(
        isinstance(e.value, x509.SubjectAlternativeName) for e in cert.extensions) else None
    return check_name_constraints(constraints, cert, None if san is None else list(san))


@pytest.mark.parametrize("rule, constraints, subject, sans, allowed", [
    ("rfc5280-nc-dn-7.1-case-and-type", _nc([DIRNAME(_name((ORG, "pki  lab", UTF8)))]),
     _name((ORG, "PKI Lab", PRINTABLE), (CN, "x", UTF8)), None, True),
    ("rfc5280-nc-dn-7.1-other-organisation", _nc([DIRNAME(_name((ORG, "PKI Lab 2", UTF8)))]),
     _name((ORG, "PKI Lab", PRINTABLE), (CN, "x", UTF8)), None, False),
    ("rfc5280-nc-dn-excluded-7.1", _nc(excluded=[DIRNAME(_name((ORG, "PKI LAB", UTF8)))]),
     _name((ORG, "PKI Lab", PRINTABLE), (CN, "x", UTF8)), None, False),
    ("rfc5280-nc-dn-excluded-elsewhere", _nc(excluded=[DIRNAME(_name((ORG, "Other", UTF8)))]),
     _name((ORG, "PKI Lab", PRINTABLE), (CN, "x", UTF8)), None, True),
    ("rfc5280-nc-dn-san-entry-checked", _nc([DIRNAME(LAB)]), _name((ORG, "PKI Lab", PRINTABLE)),
     [DIRNAME(_name((ORG, "Elsewhere", UTF8)))], False),
    ("rfc5280-nc-dn-san-entry-inside", _nc([DIRNAME(LAB)]), _name((ORG, "PKI Lab", PRINTABLE)),
     [DIRNAME(_name((ORG, "PKI Lab", UTF8), (CN, "y", UTF8)))], True),
    ("rfc5280-nc-dn-empty-subject-not-checked", _nc([DIRNAME(LAB)]), x509.Name([]), [DNS("a.example.com")], True),
    ("rfc5280-nc-email-subject-without-san", _nc([EMAIL("example.com")]),
     _name((CN, "ada", UTF8), (EMAIL_OID, "ada@example.org", IA5)), None, False),
    ("rfc5280-nc-email-subject-without-san-inside", _nc([EMAIL("example.com")]),
     _name((CN, "ada", UTF8), (EMAIL_OID, "ada@example.com", IA5)), None, True),
    ("rfc5280-nc-email-subject-ignored-with-san", _nc([EMAIL("example.com")]),
     _name((CN, "ada", UTF8), (EMAIL_OID, "ada@example.org", IA5)), [EMAIL("ada@example.com")], True),
    ("rfc5280-nc-uri-host", _nc([URI("host.example.com")]), LAB, [URI("https://host.example.com/x")], True),
    ("rfc5280-nc-uri-host-case-port-userinfo", _nc([URI("host.example.com")]), LAB,
     [URI("https://ada@HOST.Example.com:8443/x?y")], True),
    ("rfc5280-nc-uri-host-not-subdomain", _nc([URI("example.com")]), LAB, [URI("https://host.example.com/")], False),
    ("rfc5280-nc-uri-domain", _nc([URI(".example.com")]), LAB, [URI("https://a.b.example.com/")], True),
    ("rfc5280-nc-uri-domain-not-apex", _nc([URI(".example.com")]), LAB, [URI("https://example.com/")], False),
    ("rfc5280-nc-uri-label-boundary", _nc([URI(".example.com")]), LAB, [URI("https://badexample.com/")], False),
    ("rfc5280-nc-uri-excluded", _nc(excluded=[URI(".example.com")]), LAB, [URI("ldap://x.example.com/")], False),
    ("rfc5280-nc-uri-excluded-elsewhere", _nc(excluded=[URI(".example.com")]), LAB, [URI("ldap://x.example.org/")],
     True),
    ("rfc5280-nc-uri-no-host", _nc(excluded=[URI(".example.com")]), LAB, [URI("urn:isbn:0451450523")], False),
    ("rfc5280-nc-uri-ip-host", _nc([URI(".example.com")]), LAB, [URI("https://192.0.2.1/")], False),
    ("rfc5280-nc-uri-other-form-unconstrained", _nc([URI(".example.com")]), LAB, [DNS("www.example.org")], True),
    ("rfc5280-nc-uri-malformed-constraint", _nc([URI("https://host.example.com/"), URI(".example.com")]), LAB,
     [URI("https://a.example.com/")], False),
    ("rfc5280-nc-unsupported-form-fails", _nc([x509.RegisteredID(x509.ObjectIdentifier("1.2.3"))]), LAB,
     [x509.RegisteredID(x509.ObjectIdentifier("1.2.3"))], False),
    ("rfc5280-nc-unsupported-form-absent", _nc([x509.RegisteredID(x509.ObjectIdentifier("1.2.3"))]), LAB,
     [DNS("www.example.com")], True),
])
def test_subject_uri_and_directory_constraints(rule, constraints, subject, sans, allowed):
    problem = _check(constraints, _leaf(subject, sans))
    assert (problem is None) is allowed, (rule, problem)


def test_uri_without_host_says_why():
    problem = _check(_nc([URI(".example.com")]), _leaf(LAB, [URI("mailto:ada@example.com")]))
    assert problem == ("the URI 'mailto:ada@example.com' has no fully qualified host name, so a URI name "
                       "constraint cannot be applied to it")


# -- bounded work --------------------------------------------------------------------------------


def _many(count_permitted, count_excluded, count_sans):
    constraints = _nc([DNS(f"p{i}.example.com") for i in range(count_permitted)] + [DNS("example.com")],
                      [DNS(f"x{i}.example.com") for i in range(count_excluded)])
    leaf = _leaf(LAB, [DNS(f"n{i}.example.com") for i in range(count_sans)])
    return constraints, leaf


@pytest.mark.parametrize("rule, sizes, allowed", [
    ("rfc5280-nc-work-within-budget", (100, 100, 100), True),
    ("rfc5280-nc-work-limit", (1024, 1024, 1024), False),
])
def test_name_constraint_work_is_bounded(rule, sizes, allowed):
    constraints, leaf = _many(*sizes)
    facts = Facts()
    san = list(leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)
    started = time.perf_counter()
    problem = check_name_constraints(constraints, leaf, san, facts=facts)
    took = time.perf_counter() - started
    print(f"benchmark {rule}: {sizes} -> {problem or 'allowed'} in {took:.3f} s")
    assert (problem is None) is allowed, (rule, problem)
    if not allowed:
        assert problem.startswith(WORK_LIMIT)


def test_work_limit_through_the_validator():
    permitted = [DNS(f"p{i}.example.com") for i in range(1024)] + [DNS("example.com")]
    excluded = [DNS(f"x{i}.example.com") for i in range(1024)]
    with clock.travel_to(clock.LAB_EPOCH):
        root = CertificateAuthority.create_root("Busy Root")
        ca = root.create_intermediate("Busy CA", extensions=[(_nc(permitted, excluded), True)])
        leaf = ca.issue("n0.example.com", names=[f"n{i}.example.com" for i in range(1024)])
    started = time.perf_counter()
    report = validate_chain(leaf, [ca.certificate], trust=[root], at=clock.LAB_EPOCH, name="n0.example.com")
    print(f"benchmark validate_chain 1024 x 2049: {time.perf_counter() - started:.3f} s")
    assert not report.ok and WORK_LIMIT in report.reason
