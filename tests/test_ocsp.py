"""OCSP: the live responder on 127.0.0.1 (real sockets), the checking client, stapling and soft-fail."""

from __future__ import annotations

import base64
import datetime as _dt
import shutil
import socket
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from cryptography import x509
from cryptography.x509 import ocsp

from pki_lab import clock, data
from pki_lab.ca import CertificateAuthority, demo_hierarchy
from pki_lab.errors import ParameterError, WrongTypeError
from pki_lab.hashing import sha256_hex
from pki_lab.keys import named_key
from pki_lab.loading import to_pem
from pki_lab.revocation import (
    OcspResponder,
    RevocationRegistry,
    build_request,
    delegated_responder,
    fetch_staple,
    must_staple,
    query_ocsp,
    revocation_decision,
    signed_by,
    summarize_response,
    verify_response,
)

DAY = _dt.timedelta(days=1)


@pytest.fixture()
def lab():
    h = demo_hierarchy()
    revoked = h.intermediate.issue("old.example.com")
    registry = RevocationRegistry(h.intermediate)
    registry.revoke(revoked, "keyCompromise")
    return h, revoked, registry


def _port_is_closed(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) != 0


def _no_responder_thread() -> bool:
    return not any(t.name == "pki-lab-ocsp" and t.is_alive() for t in threading.enumerate())


# -- the live responder ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_rfc6960_live_responder_answers_good_and_revoked_over_http(lab, method):
    h, revoked, registry = lab
    with OcspResponder(registry) as responder:
        assert responder.url.startswith("http://127.0.0.1:")
        good = query_ocsp(responder.url, h.leaf, h.intermediate, method=method, nonce=b"n" * 16)
        bad = query_ocsp(responder.url, revoked, h.intermediate, method=method)
        port = responder.port
    assert good.status == "good" and good.this_update == clock.now() and good.next_update == clock.now() + 4 * DAY
    assert good.produced_at == clock.now() and "delegated responder" in good.signer
    assert bad.status == "revoked" and bad.revocation_reason == "keyCompromise"
    assert bad.revocation_time == clock.now()
    assert _port_is_closed(port) and _no_responder_thread()


def test_http_details_content_types_and_caching(lab):
    h, _, registry = lab
    request = build_request(h.leaf, h.intermediate)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with OcspResponder(registry) as responder:
        post = urllib.request.Request(responder.url, data=request, method="POST",
                                      headers={"Content-Type": "application/ocsp-request"})
        with opener.open(post, timeout=5) as reply:
            assert reply.headers["Content-Type"] == "application/ocsp-response"
            assert "Cache-Control" not in reply.headers
            body = reply.read()
        get = responder.url + urllib.parse.quote(base64.b64encode(request).decode(), safe="")
        with opener.open(get, timeout=5) as reply:
            assert reply.headers["Cache-Control"] == "max-age=345600"  # RFC 5019 6.2
            assert reply.read() == body  # deterministic: same instant, same bytes
        wrong = urllib.request.Request(responder.url, data=request, method="POST",
                                       headers={"Content-Type": "text/plain"})
        with pytest.raises(urllib.error.HTTPError) as err:
            opener.open(wrong, timeout=5)
        assert err.value.code == 415


def test_port_is_released_even_when_the_block_raises(lab):
    _, _, registry = lab
    with pytest.raises(RuntimeError), OcspResponder(registry) as responder:
        port = responder.port
        raise RuntimeError("boom")
    assert _port_is_closed(port) and _no_responder_thread()
    with pytest.raises(ParameterError, match="not running"):
        _ = responder.url


def test_the_responder_learns_which_certificates_clients_check(lab):
    h, revoked, registry = lab
    with OcspResponder(registry) as responder:
        query_ocsp(responder.url, h.leaf, h.intermediate)
        query_ocsp(responder.url, revoked, h.intermediate, method="GET")
    assert responder.seen == [("POST", f"{h.leaf.serial_number:x}"), ("GET", f"{revoked.serial_number:x}")]


def test_br_4_9_10_unknown_for_a_serial_never_issued(lab):
    h, _, registry = lab
    stranger = CertificateAuthority.create_root("PKI Lab Issuing CA").issue("x.example.com")  # same issuer name
    answer = verify_response(OcspResponder(registry, issued=[h.leaf]).respond(build_request(h.leaf, h.intermediate)),
                             h.leaf, h.intermediate)
    assert answer.status == "good"
    other = h.intermediate.issue("never-told.example.com")
    unknown = OcspResponder(registry, issued=[h.leaf]).respond(build_request(other, h.intermediate))
    assert verify_response(unknown, other, h.intermediate).status == "unknown"
    refused = OcspResponder(registry).respond(build_request(stranger, h.root.certificate))
    assert ocsp.load_der_ocsp_response(refused).response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED
    assert "unauthorized" in verify_response(refused, stranger, h.root).reason


def test_malformed_request_gets_a_malformed_request_response(lab):
    _, _, registry = lab
    der = OcspResponder(registry).respond(b"\x30\x03garbage")
    assert ocsp.load_der_ocsp_response(der).response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST


@pytest.mark.parametrize("delegated", [True, False], ids=["delegated-rsa", "ca-signed-ecdsa"])
def test_responses_are_deterministic(lab, delegated):
    h, _, registry = lab
    first = OcspResponder(registry, delegated=delegated).respond(build_request(h.leaf, h.intermediate))
    again = OcspResponder(registry, delegated=delegated).respond(build_request(h.leaf, h.intermediate))
    assert sha256_hex(first) == sha256_hex(again)
    assert verify_response(first, h.leaf, h.intermediate).status == "good"


# -- the client refuses what it must not believe --------------------------------------------------------------


def test_client_refuses_a_tampered_signature(lab):
    h, _, registry = lab
    der = bytearray(OcspResponder(registry, delegated=False).respond(build_request(h.leaf, h.intermediate)))
    der[-5] ^= 0x01  # inside the signature
    answer = verify_response(bytes(der), h.leaf, h.intermediate)
    assert answer.status == "invalid" and "signature does not verify" in answer.reason


def test_rfc6960_4_2_2_2_responder_without_ocsp_signing_is_not_authorised(lab):
    h, _, registry = lab
    responder = OcspResponder(registry)
    responder.signer_cert = h.intermediate.issue("not-a-responder.example.com", key="not-a-responder")
    responder._signer_key = __import__("pki_lab").named_key("not-a-responder")
    answer = verify_response(responder.respond(build_request(h.leaf, h.intermediate)), h.leaf, h.intermediate)
    assert answer.status == "invalid" and "lacks id-kp-OCSPSigning" in answer.reason


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_delegated_responder_profile_signs_only(kind):
    """RFC 6960 4.2.2.2 and CA/B Forum BR 7.1.2.8: EKU id-kp-OCSPSigning, keyUsage digitalSignature and nothing else.

    issuing CA -> OCSP responder (RSA or EC key): an RSA key must not get the server profile's keyEncipherment.
    """
    h = demo_hierarchy(prefix=f"Profile {kind}")
    key = named_key("ocsp-responder", "rsa") if kind == "rsa" else named_key("responder-ec", "ec")
    cert, _ = delegated_responder(h.intermediate, key=key)
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature
    assert not (ku.value.key_encipherment or ku.value.content_commitment or ku.value.data_encipherment
                or ku.value.key_agreement or ku.value.key_cert_sign or ku.value.crl_sign)
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [x509.oid.ExtendedKeyUsageOID.OCSP_SIGNING]
    assert cert.extensions.get_extension_for_class(x509.OCSPNoCheck)


def test_the_lab_responders_default_rsa_certificate_has_no_key_encipherment(lab):
    h, _, registry = lab
    ku = OcspResponder(registry).signer_cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and not ku.key_encipherment


def test_rfc6960_4_2_2_2_responder_certified_by_another_ca_is_not_authorised(lab):
    h, _, registry = lab
    other = demo_hierarchy(prefix="Other")
    responder = OcspResponder(registry)
    responder.signer_cert, responder._signer_key = delegated_responder(other.intermediate, key="other-responder")
    answer = verify_response(responder.respond(build_request(h.leaf, h.intermediate)), h.leaf, h.intermediate)
    assert answer.status == "invalid" and "not issued by the certificate's CA" in answer.reason


def test_client_refuses_stale_future_replayed_and_mismatched_responses(lab):
    h, revoked, registry = lab
    responder = OcspResponder(registry)
    der = responder.respond(build_request(h.leaf, h.intermediate, nonce=b"a" * 16))
    assert verify_response(der, h.leaf, h.intermediate, nonce=b"a" * 16).status == "good"
    stale = verify_response(der, h.leaf, h.intermediate, at=clock.now() + 5 * DAY)
    assert stale.status == "invalid" and "stale" in stale.reason
    with clock.travel(days=1):
        ahead = responder.respond(build_request(h.leaf, h.intermediate))
    future = verify_response(ahead, h.leaf, h.intermediate, at=clock.now() + _dt.timedelta(hours=1))
    assert future.status == "invalid" and "in the future" in future.reason
    replay = verify_response(der, h.leaf, h.intermediate, nonce=b"b" * 16)
    assert replay.status == "invalid" and "replay" in replay.reason
    other = verify_response(der, revoked, h.intermediate)
    assert other.status == "invalid" and "another certificate" in other.reason
    assert verify_response(b"junk", h.leaf, h.intermediate).status == "invalid"


def test_client_arguments_are_checked(lab):
    h, _, _ = lab
    with pytest.raises(WrongTypeError, match="`cert` must be a certificate"):
        build_request("leaf", h.intermediate)
    with pytest.raises(ParameterError, match="only talks to responders on 127.0.0.1"):
        query_ocsp("http://ocsp.example.com/", h.leaf, h.intermediate)
    with pytest.raises(ParameterError, match="'POST' or 'GET'"):
        query_ocsp("http://127.0.0.1:9/", h.leaf, h.intermediate, method="PUT")


# -- stapling and soft-fail -----------------------------------------------------------------------------------


def test_soft_fail_accepts_a_revoked_certificate_when_the_responder_is_down(lab):
    h, revoked, registry = lab
    with OcspResponder(registry) as responder:
        url = responder.url
        live = {p: revocation_decision(revoked, h.intermediate, url=url, policy=p) for p in ("soft-fail", "hard-fail")}
    down = {p: revocation_decision(revoked, h.intermediate, url=url, policy=p) for p in ("soft-fail", "hard-fail")}
    assert not live["soft-fail"].accepted and not live["hard-fail"].accepted
    assert down["soft-fail"].accepted and down["soft-fail"].answer.status == "unavailable"
    assert not down["hard-fail"].accepted
    assert "soft-fail client ACCEPTS" in down["soft-fail"].sentence()
    with pytest.raises(ParameterError, match="`policy` must be one of 'require', 'hard-fail', 'soft-fail', 'off'"):
        revocation_decision(revoked, h.intermediate, url=url, policy="lenient")


def test_stapled_response_is_checked_offline_and_must_staple_needs_one(lab):
    h, revoked, registry = lab
    feature = x509.TLSFeature([x509.TLSFeatureType.status_request])
    stapled_cert = h.intermediate.issue("staple.example.com", extensions=[(feature, False)])
    assert must_staple(stapled_cert) and not must_staple(h.leaf)
    with OcspResponder(registry) as responder:
        staple = fetch_staple(responder, stapled_cert)
    assert responder.seen == [("POST", f"{stapled_cert.serial_number:x}")]  # the server asked, not the client
    for policy in ("soft-fail", "hard-fail"):
        assert revocation_decision(stapled_cert, h.intermediate, staple=staple, policy=policy).accepted
        assert not revocation_decision(stapled_cert, h.intermediate, policy=policy).accepted
    revoked_staple = fetch_staple(OcspResponder(registry), revoked)
    assert not revocation_decision(revoked, h.intermediate, staple=revoked_staple).accepted


def test_every_policy_goes_through_the_one_rule(lab):
    """require, hard-fail, soft-fail and off (validation.crl.decide_revocation) for the cases a client meets."""
    h, revoked, registry = lab
    for policy, accepted in (("require", False), ("hard-fail", True), ("soft-fail", True), ("off", True)):
        nothing_to_ask = revocation_decision(h.leaf, h.intermediate, policy=policy)  # no URL, no staple
        assert nothing_to_ask.answer.status == "unchecked" and nothing_to_ask.accepted is accepted
    with OcspResponder(registry) as responder:
        url = responder.url
        assert revocation_decision(revoked, h.intermediate, url=url, policy="off").accepted  # off never looks
        assert revocation_decision(h.leaf, h.intermediate, url=url, policy="require").accepted
    assert not revocation_decision(h.leaf, h.intermediate, url=url, policy="require").accepted  # unavailable
    feature = x509.TLSFeature([x509.TLSFeatureType.status_request])
    stapled_cert = h.intermediate.issue("strict.example.com", extensions=[(feature, False)])
    bad = revocation_decision(stapled_cert, h.intermediate, staple=b"not a response", policy="soft-fail")
    assert bad.answer.status == "invalid" and not bad.accepted  # RFC 7633: Must-Staple makes soft-fail strict
    assert bad.verdict.mode == "require" and bad.policy == "soft-fail"


def test_real_ocsp_responses_from_the_data_pack():
    good = data.ocsp_response("ocsp_resp_letsencrypt_x3_good_2018")
    summary = summarize_response(good)
    assert summary.status == "good" and summary.serial_hex == "31c787a7dc90295007bc5f2220b3b527af0"
    assert summary.embedded_certificates == () and not summary.has_nonce
    assert signed_by(good, data.certificate("lets_encrypt_authority_x3_by_dst"))
    assert not signed_by(good, data.certificate("lets_encrypt_r3"))
    revoked = summarize_response(data.ocsp_response("ocsp_resp_quovadis_revoked_superseded_2018"))
    assert revoked.status == "revoked" and revoked.revocation_reason == "superseded" and revoked.has_nonce
    error = ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.TRY_LATER)
    with pytest.raises(ParameterError, match="an error \\(try_later\\)"):
        summarize_response(error)


# -- interop with the openssl command line -----------------------------------------------------------------------

OPENSSL = shutil.which("openssl")


@pytest.mark.skipif(OPENSSL is None, reason="the openssl command-line tool is not installed")
@pytest.mark.parametrize(("kind", "delegated"), [("ec", True), ("ec", False), ("rsa", False), ("ed25519", False),
                                                 ("p384", True)])
def test_openssl_ocsp_verifies_every_kind_of_lab_response(tmp_path, kind, delegated):
    h = demo_hierarchy(key_kind=kind, prefix=f"Ocsp {kind}")
    registry = RevocationRegistry(h.intermediate)
    revoked = h.intermediate.issue("old.example.com", key_kind=kind if kind != "rsa" else "ec")
    registry.revoke(revoked, "superseded")
    (tmp_path / "issuer.pem").write_text(to_pem(h.intermediate.certificate))
    (tmp_path / "root.pem").write_text(to_pem(h.root.certificate))
    for cert, expected in ((h.leaf, "good"), (revoked, "revoked")):
        (tmp_path / "leaf.pem").write_text(to_pem(cert))
        der = OcspResponder(registry, delegated=delegated).respond(build_request(cert, h.intermediate))
        (tmp_path / "resp.der").write_bytes(der)
        # -attime: verify the responder's chain at the lab clock's instant; -validity_period: openssl checks
        # thisUpdate/nextUpdate against the real clock, which the lab's fixed clock is far from.
        result = subprocess.run(
            [OPENSSL, "ocsp", "-respin", str(tmp_path / "resp.der"), "-issuer", str(tmp_path / "issuer.pem"),
             "-cert", str(tmp_path / "leaf.pem"), "-CAfile", str(tmp_path / "root.pem"),
             "-verify_other", str(tmp_path / "issuer.pem"), "-attime", str(int(clock.now().timestamp())),
             "-validity_period", str(10 * 365 * 86400)],
            capture_output=True, text=True, timeout=30)
        assert "Response verify OK" in result.stderr + result.stdout, result.stderr
        assert f": {expected}" in result.stdout, result.stdout
