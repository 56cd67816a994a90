"""Name matching (RFC 9525) and name constraints (RFC 5280 4.2.1.10), rule by rule, each with its twin."""

from __future__ import annotations

import ipaddress

import pytest
from cryptography import x509

from pki_lab import clock
from pki_lab.ca import CertificateAuthority
from pki_lab.errors import ParameterError, WrongTypeError
from pki_lab.validation.constraints import check_name_constraints
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
