"""The OCSP Nonce's length, client and responder (RFC 9654 section 2.1, which obsoletes RFC 8954).

RFC 9654: ``Nonce ::= OCTET STRING(SIZE(1..128))``; a client should send 32 octets; a responder must accept 16 to
32 and may ignore a shorter nonce. RFC 8954's 32-octet maximum is gone. The lab's client builds requests with any
nonce of 1 to 128 bytes; the lab's responder echoes every nonce of 1 to 128 octets and leaves out any other.
"""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.x509 import ocsp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pki_lab.ca import demo_hierarchy
from pki_lab.der.encode import children, explicit, octet_string, oid, sequence
from pki_lab.errors import ParameterError
from pki_lab.revocation import OcspResponder, RevocationRegistry, build_request, query_ocsp, verify_response
from pki_lab.revocation.ocsp_wire import NONCE_MAX, NONCE_MIN, NONCE_OID, parse_request

from .conftest import examples

#: The lengths RFC 9654 section 2.1 names, and one either side of each.
BOUNDARIES = [0, 1, 2, 15, 16, 17, 31, 32, 33, 64, 127, 128, 129, 256]


@pytest.fixture(scope="module")
def lab():
    h = demo_hierarchy()
    return h, RevocationRegistry(h.intermediate)


def _allowed(length: int) -> bool:
    return 1 <= length <= 128


def _echoed(der: bytes) -> list[bytes]:
    """The nonces a response carries (cryptography reads the inner OCTET STRING)."""
    resp = ocsp.load_der_ocsp_response(der)
    assert resp.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    return [e.value.nonce for e in resp.extensions if isinstance(e.value, x509.OCSPNonce)]


def _raw_request(h, nonce: bytes) -> bytes:
    """A one-CertID request whose nonce extension holds ``nonce`` (any length, even those the client refuses)."""
    tbs = children(children(build_request(h.leaf, h.intermediate))[0])
    cert_id = children(children(tbs[0])[0])[0]
    extension = sequence(oid(NONCE_OID), octet_string(octet_string(nonce)))
    return sequence(sequence(sequence(sequence(cert_id)), explicit(2, sequence(extension))))


def test_the_limits_are_rfc_9654s():
    assert (NONCE_MIN, NONCE_MAX) == (1, 128)


@pytest.mark.parametrize("length", BOUNDARIES)
def test_client_builds_a_nonce_of_1_to_128_bytes_and_refuses_the_rest(lab, length):
    h, _ = lab
    nonce = bytes(range(256))[:length]
    if _allowed(length):
        request = ocsp.load_der_ocsp_request(build_request(h.leaf, h.intermediate, nonce=nonce))
        assert [e.value.nonce for e in request.extensions] == [nonce]
    else:
        with pytest.raises(ParameterError, match=r"`nonce` must be 1 to 128 bytes \(RFC 9654 section 2\.1; send 32"):
            build_request(h.leaf, h.intermediate, nonce=nonce)


def test_client_refuses_a_nonce_that_is_not_bytes(lab):
    h, _ = lab
    for bad in ("a" * 16, bytearray(16), 16):
        with pytest.raises(ParameterError, match="RFC 9654 section 2.1"):
            build_request(h.leaf, h.intermediate, nonce=bad)


@pytest.mark.parametrize("length", BOUNDARIES)
def test_responder_echoes_a_nonce_of_1_to_128_octets_and_leaves_out_the_rest(lab, length):
    h, registry = lab
    nonce = b"\x5a" * length
    request = _raw_request(h, nonce)
    assert (parse_request(request).nonce is not None) is _allowed(length)
    assert _echoed(OcspResponder(registry).respond(request)) == ([nonce] if _allowed(length) else [])


@pytest.mark.parametrize("length", [16, 32, 33, 128])
def test_a_nonce_longer_than_rfc_8954s_32_octets_goes_round_trip(lab, length):
    """RFC 8954 made a responder refuse 33 octets; under RFC 9654 the exchange just works, over HTTP too."""
    h, registry = lab
    nonce = bytes(length)[:-1] + b"\x01"
    der = OcspResponder(registry).respond(build_request(h.leaf, h.intermediate, nonce=nonce))
    assert verify_response(der, h.leaf, h.intermediate, nonce=nonce).status == "good"
    replay = verify_response(der, h.leaf, h.intermediate, nonce=nonce[:-1] + b"\x02")
    assert replay.status == "invalid" and "(RFC 9654 section 2.1)" in replay.reason
    with OcspResponder(registry) as live:
        assert query_ocsp(live.url, h.leaf, h.intermediate, nonce=nonce).status == "good"


def test_a_response_that_drops_a_long_nonce_is_a_possible_replay(lab):
    """What a client sees from a responder that ignores the nonce (as RFC 9654 lets it do for some lengths)."""
    h, registry = lab
    der = OcspResponder(registry).respond(build_request(h.leaf, h.intermediate))
    answer = verify_response(der, h.leaf, h.intermediate, nonce=b"n" * 128)
    assert answer.status == "invalid" and answer.reason.startswith("The response does not echo our nonce")


@settings(max_examples=examples(120), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_property_both_sides_agree_on_every_length(lab, nonce):
    """For any nonce: the client builds it iff 1 <= len <= 128, the responder echoes it iff so, byte for byte."""
    h, registry = lab
    responder = OcspResponder(registry)
    assert _echoed(responder.respond(_raw_request(h, nonce))) == ([nonce] if _allowed(len(nonce)) else [])
    if _allowed(len(nonce)):
        der = responder.respond(build_request(h.leaf, h.intermediate, nonce=nonce))
        assert _echoed(der) == [nonce]
        assert verify_response(der, h.leaf, h.intermediate, nonce=nonce).status == "good"
    else:
        with pytest.raises(ParameterError, match="RFC 9654 section 2.1"):
            build_request(h.leaf, h.intermediate, nonce=nonce)
