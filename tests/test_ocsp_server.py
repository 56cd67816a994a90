"""The OCSP responder under bad input and misbehaving clients, over real sockets on 127.0.0.1.

Every request gets an OCSP response (malformedRequest, unauthorized, internalError, tryLater or a signed
answer with one SingleResponse per CertID); a half-open or trickling client never blocks another client
nor ``stop()``; the client never raises for any response bytes. Property tests feed random and mutated
bytes to the responder, over HTTP too, and to the client. Every loop here is bounded and stops by itself.
"""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pki_lab.ca import CertificateAuthority, demo_hierarchy
from pki_lab.der.encode import children, explicit, octet_string, oid, sequence
from pki_lab.errors import MalformedInputError, ParameterError, PkiLabError, WrongTypeError
from pki_lab.keys import named_key
from pki_lab.revocation import OcspResponder, RevocationRegistry, build_request, query_ocsp, verify_response
from pki_lab.revocation.ocsp_http import MAX_CLIENTS
from pki_lab.revocation.ocsp_wire import NONCE_OID, parse_request
from pki_lab.revocation.stapling import fetch_staple, signed_by, summarize_response

from .conftest import examples

Status = ocsp.OCSPResponseStatus
LIVENESS = 2.0  # seconds: a generous bound for "returns within a second", a liveness property, not a benchmark


@pytest.fixture(scope="module")
def lab():
    h = demo_hierarchy()
    revoked = h.intermediate.issue("old.example.com")
    registry = RevocationRegistry(h.intermediate)
    registry.revoke(revoked, "keyCompromise")
    return h, revoked, registry


def _cert_id(cert, issuer) -> bytes:
    """The CertID of a one-certificate request, as cryptography writes it."""
    tbs = children(children(build_request(cert, issuer))[0])
    return children(children(tbs[0])[0])[0]


def _request(*cert_ids: bytes, extensions: list[bytes] | None = None) -> bytes:
    """An OCSPRequest with several CertIDs (RFC 6960 4.1.1), which cryptography's builder cannot write."""
    tbs = [sequence(*(sequence(c) for c in cert_ids))]
    if extensions is not None:
        tbs.append(explicit(2, sequence(*extensions)))
    return sequence(sequence(*tbs))


def _nonce(value: bytes) -> bytes:
    return sequence(oid(NONCE_OID), octet_string(octet_string(value)))


def _with_hash(cert_id: bytes, dotted: str) -> bytes:
    """The same CertID naming another hash algorithm (its hashes then mean nothing to the responder)."""
    _, name, key, serial = children(cert_id)
    return sequence(sequence(oid(dotted)), name, key, serial)


def _status(der: bytes) -> Status:
    return ocsp.load_der_ocsp_response(der).response_status


# -- several CertIDs, unknown hashes, extensions ----------------------------------------------------------


def test_rfc6960_4_1_1_several_cert_ids_get_one_single_response_each_in_order(lab):
    h, revoked, registry = lab
    stranger = CertificateAuthority.create_root("Stranger CA", key="stranger-ca").issue("x.example.com")
    ids = [_cert_id(h.leaf, h.intermediate), _cert_id(revoked, h.intermediate),
           _cert_id(stranger, CertificateAuthority.create_root("Stranger CA", key="stranger-ca"))]
    responder = OcspResponder(registry)
    der = responder.respond(_request(*ids))
    singles = list(ocsp.load_der_ocsp_response(der).responses)
    assert [s.certificate_status for s in singles] == [ocsp.OCSPCertStatus.GOOD, ocsp.OCSPCertStatus.REVOKED,
                                                       ocsp.OCSPCertStatus.UNKNOWN]
    assert [s.serial_number for s in singles] == [h.leaf.serial_number, revoked.serial_number,
                                                  stranger.serial_number]
    assert verify_response(der, h.leaf, h.intermediate).status == "good"
    answer = verify_response(der, revoked, h.intermediate)
    assert answer.status == "revoked" and answer.revocation_reason == "keyCompromise"
    assert responder.seen == [("POST", f"{h.leaf.serial_number:x}"), ("POST", f"{revoked.serial_number:x}")]


def test_an_unknown_hash_algorithm_is_answered_unknown_beside_the_known_ones(lab):
    h, _, registry = lab
    leaf_id = _cert_id(h.leaf, h.intermediate)
    odd = _with_hash(leaf_id, "1.2.3.4.5")
    responder = OcspResponder(registry)
    der = responder.respond(_request(odd, leaf_id))
    first, second = ocsp.load_der_ocsp_response(der).responses
    assert first.certificate_status == ocsp.OCSPCertStatus.UNKNOWN
    assert second.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert verify_response(der, h.leaf, h.intermediate).status == "good"  # the client skips what it cannot read
    alone = responder.respond(_request(odd))
    assert _status(alone) == Status.UNAUTHORIZED and "names no certificate of this CA" in responder.log[-1]


def test_sha256_cert_ids_are_answered(lab):
    h, _, registry = lab
    builder = ocsp.OCSPRequestBuilder().add_certificate(h.leaf, h.intermediate.certificate, hashes.SHA256())
    der = OcspResponder(registry).respond(builder.build().public_bytes(serialization.Encoding.DER))
    assert verify_response(der, h.leaf, h.intermediate).status == "good"


def test_a_duplicated_extension_is_a_malformed_request(lab):
    h, _, registry = lab
    responder = OcspResponder(registry)
    twice = _request(_cert_id(h.leaf, h.intermediate), extensions=[_nonce(b"a" * 16), _nonce(b"b" * 16)])
    assert _status(responder.respond(twice)) == Status.MALFORMED_REQUEST
    assert "names the extension 1.3.6.1.5.5.7.48.1.2 twice" in responder.log[-1]
    with pytest.raises(MalformedInputError, match="twice, which RFC 5280 4.2 forbids"):
        parse_request(twice)
    once = _request(_cert_id(h.leaf, h.intermediate), extensions=[_nonce(b"a" * 16)])
    assert verify_response(responder.respond(once), h.leaf, h.intermediate, nonce=b"a" * 16).status == "good"


MALFORMED = {
    "empty": b"",
    "junk": b"\x30\x03garbage",
    "not a sequence": b"\x04\x02ab",
    "empty sequence": b"\x30\x00",
    "empty request list": sequence(sequence(sequence())),
    "a CertID of three fields": sequence(sequence(sequence(sequence(sequence(sequence(oid("1.3.14.3.2.26")),
                                                                             octet_string(b""), octet_string(b"")))))),
    "version 2": sequence(sequence(explicit(0, b"\x02\x01\x01"), sequence(sequence(b"\x30\x00")))),
    "indefinite length": b"\x30\x80\x00\x00",
}


@pytest.mark.parametrize("name", MALFORMED)
def test_every_malformed_request_gets_a_malformed_request_response(lab, name):
    _, _, registry = lab
    responder = OcspResponder(registry)
    assert _status(responder.respond(MALFORMED[name])) == Status.MALFORMED_REQUEST
    assert responder.log[-1].startswith("malformedRequest for a POST request: The OCSP request's")


def test_truncated_and_trailing_requests_are_malformed(lab):
    h, _, registry = lab
    good = build_request(h.leaf, h.intermediate)
    responder = OcspResponder(registry)
    for damaged in (good[:-1], good + b"\x00", good[:10]):
        assert _status(responder.respond(damaged)) == Status.MALFORMED_REQUEST
    with pytest.raises(WrongTypeError, match="DER bytes of an OCSP request"):
        responder.respond("not bytes")


def test_a_failure_inside_the_responder_is_internal_error_and_logged(lab):
    h, _, registry = lab
    responder = OcspResponder(registry)
    responder._signer_key = named_key("not-a-responder").public_key()  # a key that cannot sign
    der = responder.respond(build_request(h.leaf, h.intermediate))
    assert _status(der) == Status.INTERNAL_ERROR
    assert responder.log[-1].startswith("internalError for a POST request: TypeError: Key must be")
    assert "refused: internal_error" in verify_response(der, h.leaf, h.intermediate).reason


# -- HTTP: every request gets an OCSP response ----------------------------------------------------------------


def _raw(port: int, data: bytes, *, timeout: float = 3.0) -> bytes:
    """Send ``data`` on a fresh connection and read until the server closes it."""
    reply = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        with contextlib.suppress(OSError):  # the server may have answered and closed already
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        with contextlib.suppress(ConnectionResetError):
            while chunk := s.recv(65536):
                reply += chunk
    return reply


def _body(reply: bytes) -> tuple[int, bytes]:
    head, _, body = reply.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


HTTP_BAD = {
    "no Content-Length": (b"POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\n\r\n", 400),
    "Content-Length abc": (b"POST / HTTP/1.0\r\nContent-Length: abc\r\n\r\n", 400),
    "Content-Length -1": (b"POST / HTTP/1.0\r\nContent-Length: -1\r\n\r\n", 400),
    "Content-Length 0": (b"POST / HTTP/1.0\r\nContent-Length: 0\r\n\r\n", 400),
    "Content-Length too large": (b"POST / HTTP/1.0\r\nContent-Length: 10000000\r\n\r\n", 413),
    "body shorter than announced": (b"POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\n"
                                    b"Content-Length: 50\r\n\r\n0123456789", 400),
    "wrong Content-Type": (b"POST / HTTP/1.0\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nabc", 415),
    "not base64 in the GET path": (b"GET /%%%not-base64 HTTP/1.0\r\n\r\n", 200),
    "empty GET path": (b"GET / HTTP/1.0\r\n\r\n", 200),
    "PUT": (b"PUT / HTTP/1.0\r\nContent-Length: 0\r\n\r\n", 501),
    "not HTTP at all": (b"\x16\x03\x01\x00\x05hello\r\n\r\n", 400),
    "a request line too long": (b"GET /" + b"A" * 70000 + b" HTTP/1.0\r\n\r\n", 414),
}


def test_every_bad_http_request_gets_a_malformed_request_body_and_nothing_is_printed(lab, capfd):
    _, _, registry = lab
    with OcspResponder(registry) as responder:
        for name, (data, code) in HTTP_BAD.items():
            status, body = _body(_raw(responder.port, data))
            assert (status, _status(body)) == (code, Status.MALFORMED_REQUEST), name
    out, err = capfd.readouterr()
    assert out == err == ""  # nothing printed into a notebook: the lines are in the log
    assert any("Content-Length is missing or not a number" in line for line in responder.log)


def test_a_half_open_client_blocks_neither_other_clients_nor_stop(lab):
    h, _, registry = lab
    with OcspResponder(registry) as responder:
        stalled = socket.create_connection(("127.0.0.1", responder.port), timeout=5)
        stalled.sendall(b"POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\nContent-Length: 100\r\n\r\n")
        silent = socket.create_connection(("127.0.0.1", responder.port), timeout=5)
        start = time.monotonic()
        answer = query_ocsp(responder.url, h.leaf, h.intermediate, timeout=1.5)
        assert answer.status == "good" and time.monotonic() - start < LIVENESS
        start = time.monotonic()
    stopped_in = time.monotonic() - start
    assert stopped_in < LIVENESS, stopped_in
    assert not [t for t in threading.enumerate() if t.name.startswith("pki-lab-ocsp") and t.is_alive()]
    stalled.close()
    silent.close()


def test_concurrent_clients_are_all_answered(lab):
    h, revoked, registry = lab
    results: list[str] = []
    with OcspResponder(registry) as responder:
        def ask() -> None:
            for cert in (h.leaf, revoked, h.leaf):
                results.append(query_ocsp(responder.url, cert, h.intermediate, timeout=3).status)
        threads = [threading.Thread(target=ask) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
    assert sorted(results) == ["good"] * 16 + ["revoked"] * 8


def test_a_client_beyond_the_cap_gets_try_later_and_the_slots_come_back(lab):
    h, _, registry = lab
    with OcspResponder(registry) as responder:
        idle = [socket.create_connection(("127.0.0.1", responder.port), timeout=5) for _ in range(MAX_CLIENTS)]
        deadline = time.monotonic() + LIVENESS
        while time.monotonic() < deadline:  # wait until the server has taken every idle connection
            answer = query_ocsp(responder.url, h.leaf, h.intermediate, timeout=1)
            if answer.status == "invalid":
                break
        assert answer.status == "invalid" and "refused: try_later" in answer.reason
        assert fetch_staple(responder, h.leaf) is None  # a server that cannot fetch a staple staples nothing
        for s in idle:
            s.close()
        deadline = time.monotonic() + LIVENESS
        while time.monotonic() < deadline and (answer := query_ocsp(responder.url, h.leaf, h.intermediate)).status \
                != "good":
            time.sleep(0.05)
        assert answer.status == "good"
    assert any("connections are already open" in line for line in responder.log)


# -- the client: timeouts, garbage, any bytes ----------------------------------------------------------------


def _read_request(conn: socket.socket) -> bytes:
    """An HTTP request's head and its Content-Length of body, however the client split them into segments."""
    data = b""
    while b"\r\n\r\n" not in data and (chunk := conn.recv(65536)):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length and (chunk := conn.recv(65536)):
        body += chunk
    return head + body


def _one_shot_server(reply: bytes | None) -> tuple[socket.socket, threading.Thread]:
    """A listener that answers one connection with ``reply`` (or reads and never answers), then stops."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(3)

    def serve() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(3)
            try:
                if reply is None:
                    while conn.recv(65536):  # read everything and never answer, until the client gives up
                        pass
                else:
                    _read_request(conn)  # all of it: closing on unread bytes would reset the connection
                    conn.sendall(reply)
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener, thread


@pytest.mark.parametrize(("reply", "expected"), [
    (None, "No answer from the responder in time (TimeoutError)"),
    (b"garbage\r\n\r\n", "cut off or garbled"),
    (b"HTTP/1.0 500 Oops\r\nContent-Type: text/html\r\n\r\n<h1>no</h1>", "HTTP 500 without an OCSP response"),
    (b"HTTP/1.0 200 OK\r\nContent-Type: application/ocsp-response\r\n\r\nnot der", "not a DER OCSP response"),
])
def test_query_ocsp_classifies_every_failure(lab, reply, expected):
    h, _, _ = lab
    listener, thread = _one_shot_server(reply)
    with listener:
        start = time.monotonic()
        answer = query_ocsp(f"http://127.0.0.1:{listener.getsockname()[1]}/", h.leaf, h.intermediate, timeout=0.3)
        assert time.monotonic() - start < LIVENESS
    thread.join(timeout=5)
    assert answer.status in ("unavailable", "invalid") and expected in answer.reason, answer.reason


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=600))
def test_property_any_bytes_get_a_parseable_response(lab, data):
    _, _, registry = lab
    responder = OcspResponder(registry)
    resp = ocsp.load_der_ocsp_response(responder.respond(data))
    assert resp.response_status in (Status.MALFORMED_REQUEST, Status.UNAUTHORIZED, Status.SUCCESSFUL)


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.randoms(use_true_random=False), st.integers(1, 6))
def test_property_mutated_requests_get_a_parseable_response(lab, rng, flips):
    h, _, registry = lab
    data = bytearray(_request(_cert_id(h.leaf, h.intermediate), _cert_id(h.leaf, h.intermediate),
                              extensions=[_nonce(b"n" * 16)]))
    for _ in range(flips):
        data[rng.randrange(len(data))] = rng.randrange(256)
    der = OcspResponder(registry).respond(bytes(data))
    assert _status(der) in (Status.MALFORMED_REQUEST, Status.UNAUTHORIZED, Status.SUCCESSFUL)
    answer = verify_response(der, h.leaf, h.intermediate)
    assert answer.status in ("good", "unknown", "invalid") and answer.reason.endswith(".")


def test_property_random_bytes_posted_over_http_get_an_ocsp_response(lab):
    """Hypothesis would start a server per example; one server, seeded random bodies, is the same property."""
    _, _, registry = lab
    rng = random.Random(15)
    with OcspResponder(registry) as responder:
        for _ in range(examples(60)):
            body = rng.randbytes(rng.randrange(1, 300))
            data = (b"POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\nContent-Length: %d\r\n\r\n%s"
                    % (len(body), body))
            status, reply = _body(_raw(responder.port, data))
            assert status == 200 and _status(reply) in (Status.MALFORMED_REQUEST, Status.UNAUTHORIZED,
                                                        Status.SUCCESSFUL)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.randoms(use_true_random=False), st.integers(1, 8))
def test_property_verify_response_never_raises_for_mutated_responses(lab, rng, flips):
    h, revoked, registry = lab
    der = bytearray(OcspResponder(registry).respond(_request(_cert_id(h.leaf, h.intermediate),
                                                            _cert_id(revoked, h.intermediate))))
    for _ in range(flips):
        der[rng.randrange(len(der))] = rng.randrange(256)
    answer = verify_response(bytes(der), h.leaf, h.intermediate)
    assert answer.status in ("good", "invalid") and answer.reason.endswith(".")
    for reader in (summarize_response, lambda d: signed_by(d, h.intermediate.certificate)):
        try:
            reader(bytes(der))
        except PkiLabError as exc:  # one lab error with a sentence, never a raw one
            assert str(exc).endswith(".")


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400))
def test_property_verify_response_says_invalid_for_random_bytes(lab, data):
    h, _, _ = lab
    assert verify_response(data, h.leaf, h.intermediate).status == "invalid"


def test_stapling_helpers_refuse_bad_input_with_a_sentence(lab):
    h, _, registry = lab
    with pytest.raises(MalformedInputError, match="not a DER OCSP response"):
        summarize_response(b"junk")
    with pytest.raises(WrongTypeError, match="DER bytes or an ocsp.OCSPResponse"):
        summarize_response(42)
    assert not signed_by(OcspResponder(registry).respond(b"junk"), h.intermediate.certificate)
    with pytest.raises(ParameterError, match="already running"):
        with OcspResponder(registry) as live:
            live.__enter__()
