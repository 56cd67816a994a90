"""TLS on loopback over real sockets: the success case and its failure twins, mutual TLS included.

Each case runs a real handshake between :func:`tls_connect` and a :func:`tls_server` on
127.0.0.1; after the ``with`` block no server thread may be left running and the port
must be closed.
"""

from __future__ import annotations

import contextlib
import glob
import os
import random
import socket
import tempfile
import threading
import time

import pytest

from pki_lab.errors import ParameterError, WrongTypeError
from pki_lab.tls import (
    CASES,
    MAX_CLIENTS,
    group_label,
    is_listening,
    lab_server_threads,
    lab_tls_pki,
    run_case,
    tls_connect,
    tls_server,
)

from .conftest import examples


@pytest.fixture(scope="module")
def pki():
    return lab_tls_pki()


def _server_threads():
    return [t for t in threading.enumerate() if t.name == "pki-lab-tls-server"]


def _port_is_closed(address) -> bool:
    try:
        with socket.create_connection(address, timeout=1):
            return False
    except OSError:
        return True


# case -> (client's failure kind or None for success, server saw a client certificate?)
EXPECTED = {
    "ok": (None, None),
    "unknown CA": ("unknown CA", None),
    "missing intermediate": ("missing intermediate", None),
    "hostname mismatch": ("hostname mismatch", None),
    "expired certificate": ("expired certificate", None),
    "mutual TLS": (None, "CN=device-0042"),
    "client certificate missing": ("client certificate required", None),
}


def test_every_case_has_an_expectation():
    assert set(EXPECTED) == set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_case_over_real_sockets(pki, case):
    failure, client_subject = EXPECTED[case]
    result, record = run_case(case, pki)
    assert result.ok is (failure is None), str(result)
    assert result.failure == failure
    assert result.reason.strip()
    if failure is None:
        assert record.ok and record.client_subject == client_subject
    else:
        assert record is not None and not record.ok  # the server saw the handshake fail too
    assert _server_threads() == []


def test_success_reports_what_was_negotiated(pki):
    """TLS 1.3 (RFC 8446): an AEAD suite, ephemeral ECDHE, and the server sends leaf + intermediate, not the root."""
    result, _ = run_case("ok", pki)
    assert result.protocol == "TLSv1.3"
    assert result.cipher in ("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256")
    assert result.group == "P-256" and result.group_source
    assert result.sent_chain == ("hub.pki-lab.test", "PKI Lab TLS Issuing CA")
    assert result.built_chain == ("hub.pki-lab.test", "PKI Lab TLS Issuing CA", "PKI Lab TLS Root CA")
    text = str(result)
    assert "TLSv1.3" in text and "P-256" in text and "PKI Lab TLS Root CA" in text


def test_server_closes_its_port_and_joins_its_thread(pki):
    with tls_server(pki.server_chain, pki.server_key) as server:
        address = server.address
        assert address[0] == "127.0.0.1" and server.thread.is_alive()
        assert is_listening(address) and lab_server_threads() == ["pki-lab-tls-server"]
        assert tls_connect(address, trust=[pki.root], host=pki.host).ok
    assert not server.thread.is_alive()
    assert _server_threads() == [] == lab_server_threads()
    assert _port_is_closed(address) and not is_listening(address)


def test_server_closes_even_when_the_block_raises(pki):
    with pytest.raises(RuntimeError):
        with tls_server(pki.server_chain, pki.server_key) as server:
            address = server.address
            raise RuntimeError("boom")
    assert not server.thread.is_alive() and _port_is_closed(address)


def test_tls12_is_negotiated_when_the_client_caps_it(pki):
    """With TLS 1.2 the cipher suite names the key exchange (ECDHE) and the signature (ECDSA)."""
    with tls_server(pki.server_chain, pki.server_key) as server:
        result = tls_connect(server.address, trust=[pki.root], host=pki.host, max_version="TLSv1.2")
    assert result.ok and result.protocol == "TLSv1.2"
    assert result.cipher.startswith("ECDHE-ECDSA-")
    with pytest.raises(ParameterError, match="'TLSv1.2' or 'TLSv1.3'"):
        tls_connect(server.address, trust=[pki.root], host=pki.host, max_version="SSLv3")


def test_a_client_certificate_from_an_untrusted_ca_is_rejected(pki):
    from pki_lab import clock
    from pki_lab.ca import CertificateAuthority

    rogue = CertificateAuthority.create_root("Rogue Device CA", key="tls-rogue")
    with clock.travel_to(pki.device_cert.not_valid_before_utc):
        device = rogue.issue("device-0042", profile="device", key="tls-device-0042", days=2)
    with tls_server(pki.server_chain, pki.server_key, client_roots=[pki.root], require_client_cert=True) as server:
        result = tls_connect(server.address, trust=[pki.root], host=pki.host,
                             client_chain=[device], client_key=pki.device_key)
    assert not result.ok and result.failure == "client certificate rejected"
    assert "does not trust the client's certificate" in result.reason


def test_no_pem_file_is_left_behind(pki):
    before = set(glob.glob(os.path.join(tempfile.gettempdir(), "pki-lab-tls-*")))
    run_case("mutual TLS", pki)
    assert set(glob.glob(os.path.join(tempfile.gettempdir(), "pki-lab-tls-*"))) <= before


def test_bad_input_gets_a_sentence(pki):
    with pytest.raises(ParameterError, match="Unknown case 'nope'"):
        run_case("nope", pki)
    with pytest.raises(ParameterError, match="needs `client_roots`"):
        with tls_server(pki.server_chain, pki.server_key, require_client_cert=True):
            pass
    with pytest.raises(WrongTypeError, match="non-empty list of x509.Certificate"):
        tls_connect(("127.0.0.1", 9), trust=[], host=pki.host)
    with pytest.raises(ParameterError, match="needs its private key"):
        tls_connect(("127.0.0.1", 9), trust=[pki.root], host=pki.host, client_chain=[pki.device_cert])
    with pytest.raises(ParameterError, match="DNS name"):
        lab_tls_pki("localhost")
    assert _server_threads() == []


def test_widget_function_and_shell(pki):
    from pki_lab.widgets.tls import case_lines, handshake_explorer

    lines = case_lines("missing intermediate", pki)
    assert lines[0].startswith("FAILED (missing intermediate)")
    assert lines[-1].startswith("server: handshake failed")
    assert case_lines("mutual TLS", pki)[-1] == "server: handshake completed, client certificate CN=device-0042"
    widget = handshake_explorer(pki)
    assert repr(widget).startswith("Try it: pick a TLS scenario")
    assert "CONNECTED" in widget.parts["output"].value and "run 1:" in widget.parts["output"].value
    widget.parts["case"].value = "hostname mismatch"
    assert "FAILED (hostname mismatch)" in widget.parts["output"].value
    assert _server_threads() == []


def test_each_connect_click_runs_again_and_says_so(pki):
    """The button used to re-run the same case into the same text, so a click showed nothing: runs are numbered."""
    from pki_lab.widgets.tls import handshake_explorer

    widget = handshake_explorer(pki, "ok")
    first = widget.parts["output"].value
    widget.parts["button"].click()
    second = widget.parts["output"].value
    assert first != second and "run 1:" in first and "run 2:" in second
    widget.parts["button"].click()
    assert "run 3:" in widget.parts["output"].value and not widget.parts["button"].disabled
    widget.parts["version"].value = "TLSv1.2"
    shown = widget.parts["output"].value
    assert "run 4:" in shown and "protocol:       TLSv1.2" in shown and "ECDHE-ECDSA" in shown
    assert _server_threads() == []


def test_run_lines_heading_verdict_label_and_suite(pki):
    from pki_lab.widgets.tls import run_html, run_lines

    lines = run_lines(7, "ok", "TLSv1.2", pki)
    assert lines[0] == "run 7: scenario 'ok', client allows up to TLSv1.2, server on 127.0.0.1"
    assert "  suite, read:    key exchange ECDHE" in lines
    assert run_html(lines).startswith("<div><b style='color:#1a7f37'>CONNECTED</b>")
    failed = run_lines(1, "unknown CA", "TLSv1.3", pki)
    assert not any("suite, read" in line for line in failed)
    assert "<b style='color:#cf222e'>FAILED</b>" in run_html(failed)
    for bad, message in [(0, "whole number from 1"), (True, "whole number from 1")]:
        with pytest.raises(ParameterError, match=message):
            run_lines(bad, "ok", "TLSv1.3", pki)
    with pytest.raises(ParameterError, match="must be one of TLSv1.3, TLSv1.2"):
        run_lines(1, "ok", "SSLv3", pki)
    with pytest.raises(ParameterError, match="Unknown case 'nope'"):
        run_lines(1, "nope", "TLSv1.3", pki)


# -- what the client can tell from the chain it was sent --------------------------------------------------------


def test_a_root_sent_instead_of_the_intermediate_is_a_missing_intermediate(pki):
    """server sends leaf + root (not the issuing CA); client trusts that root: the intermediate is missing.

    The diagnosis once said "unknown CA" here, blaming the client's trust store for the server's mistake.
    """
    with tls_server([pki.server_cert, pki.root], pki.server_key) as server:
        result = tls_connect(server.address, trust=[pki.root], host=pki.host)
    assert result.failure == "missing intermediate", str(result)
    assert "did not send the intermediate" in result.reason
    with tls_server([pki.server_cert, pki.issuing, pki.root], pki.server_key) as server:
        assert tls_connect(server.address, trust=[pki.root], host=pki.host).ok  # the copy of the root does no harm


@pytest.mark.parametrize("sent, trust, expected", [
    (("server_cert",), ("root",), "missing intermediate"),
    (("server_cert", "root"), ("root",), "missing intermediate"),
    (("server_cert", "issuing"), ("other_root",), "unknown CA"),
    (("server_cert", "issuing", "root"), ("other_root",), "unknown CA"),
    (("other_root",), ("root",), "unknown CA"),  # a self-signed leaf
    ((), ("root",), "unknown issuer"),
])
def test_missing_link(pki, sent, trust, expected):
    from pki_lab.tls import missing_link

    assert missing_link([getattr(pki, n) for n in sent], [getattr(pki, n) for n in trust]) == expected


def test_a_server_certificate_used_as_a_client_certificate_is_unsuitable(pki):
    """mutual TLS; the client presents the server's certificate (EKU serverAuth only): the server refuses it."""
    with tls_server(pki.server_chain, pki.server_key, client_roots=[pki.root], require_client_cert=True) as server:
        result = tls_connect(server.address, trust=[pki.root], host=pki.host,
                             client_chain=[pki.server_cert, pki.issuing], client_key=pki.server_key)
    assert result.failure == "client certificate unsuitable" and "clientAuth" in result.reason
    assert "unsuitable certificate purpose" in server.records[0].error  # the server says why
    assert _server_threads() == []


# -- reading a cipher suite's name ------------------------------------------------------------------------------


@pytest.mark.parametrize("suite, kx, auth, records, fs, aead", [
    ("ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE", "ECDSA", "AES256-GCM (AEAD)", True, True),
    ("ECDHE-RSA-CHACHA20-POLY1305", "ECDHE", "RSA", "CHACHA20-POLY1305 (AEAD)", True, True),
    ("DHE-RSA-AES128-GCM-SHA256", "DHE", "RSA", "AES128-GCM (AEAD)", True, True),
    ("AES256-GCM-SHA384", "RSA key transport", "RSA (by decrypting the premaster secret)", "AES256-GCM (AEAD)",
     False, True),
    ("AES128-SHA256", "RSA key transport", "RSA (by decrypting the premaster secret)", "AES128-CBC", False, False),
    ("ECDHE-ECDSA-AES128-SHA256", "ECDHE", "ECDSA", "AES128-CBC", True, False),
    ("TLS_AES_256_GCM_SHA384", "(EC)DHE, negotiated apart (a resumption may add a pre-shared key)",
     "the certificate's key signs (CertificateVerify), negotiated apart", "AES-256-GCM (AEAD)", True, True),
    ("TLS_CHACHA20_POLY1305_SHA256", "(EC)DHE, negotiated apart (a resumption may add a pre-shared key)",
     "the certificate's key signs (CertificateVerify), negotiated apart", "CHACHA20-POLY1305 (AEAD)", True, True),
])
def test_suite_parts(suite, kx, auth, records, fs, aead):
    from pki_lab.tls import suite_parts

    parts = suite_parts(suite)
    assert (parts.key_exchange, parts.authentication, parts.record_protection) == (kx, auth, records)
    assert (parts.forward_secret, parts.aead) == (fs, aead)
    assert parts.integrity.startswith("built into the AEAD" if aead else "a separate MAC, HMAC-SHA")


def test_suite_parts_reads_what_ssl_negotiated(pki):
    from pki_lab.tls import suite_parts

    for version in ("TLSv1.2", "TLSv1.3"):
        result, _ = run_case("ok", pki, max_version=version)
        assert suite_parts(result.cipher).forward_secret and suite_parts(result.cipher).aead


@pytest.mark.parametrize("bad", ["", "   ", "TLS_FOO", "TLS_AES_128_CBC_SHA256", "RC4-MD5", "ECDHE-ECDSA", None, 42])
def test_suite_parts_refuses_other_names_with_a_sentence(bad):
    from pki_lab.tls import suite_parts

    with pytest.raises(ParameterError, match="cipher suite"):
        suite_parts(bad)


# -- misbehaving clients and servers (bounded, loopback only) ------------------------------------------------

LIVENESS = 2.0  # seconds: a generous bound for "within a second", a liveness property, not a benchmark


def _connection_threads():
    return [t for t in threading.enumerate() if t.name == "pki-lab-tls-connection" and t.is_alive()]


def test_idle_connections_do_not_make_a_handshake_fail(pki):
    with tls_server(pki.server_chain, pki.server_key) as server:
        idle = [socket.create_connection(server.address, timeout=5) for _ in range(2)]
        start = time.monotonic()
        result = tls_connect(server.address, trust=[pki.root], host=pki.host)
        assert result.ok, str(result)
        assert time.monotonic() - start < LIVENESS
        for s in idle:
            s.close()


def test_close_returns_within_a_second_with_idle_and_half_open_clients(pki):
    server_cm = tls_server(pki.server_chain, pki.server_key)
    server = server_cm.__enter__()
    idle = socket.create_connection(server.address, timeout=5)
    half = socket.create_connection(server.address, timeout=5)
    half.sendall(b"\x16\x03\x01\x02\x00\x01")  # the start of a ClientHello, then nothing
    time.sleep(0.2)  # let the server take both connections
    start = time.monotonic()
    server_cm.__exit__(None, None, None)
    assert time.monotonic() - start < LIVENESS
    assert not server.thread.is_alive() and _connection_threads() == []
    assert len(server.records) == 2 and not any(r.ok for r in server.records)
    idle.close()
    half.close()


def test_a_server_that_never_answers_is_a_timeout_verdict(pki):
    with socket.create_server(("127.0.0.1", 0)) as silent:  # listens, never accepts: the handshake stalls
        start = time.monotonic()
        result = tls_connect(silent.getsockname()[:2], trust=[pki.root], host=pki.host, timeout=0.3)
        assert time.monotonic() - start < LIVENESS
    assert not result.ok and result.failure == "timeout"
    assert str(result) == "FAILED (timeout): the server did not answer in time (it is stalled, overloaded or not a " \
                          "TLS server)"


def test_nothing_listening_is_a_refusal_verdict(pki):
    with tls_server(pki.server_chain, pki.server_key) as server:
        address = server.address
    result = tls_connect(address, trust=[pki.root], host=pki.host, timeout=1)
    assert not result.ok and result.failure == "connection refused"
    assert "is the server running?" in result.reason
    with pytest.raises(WrongTypeError, match="a \\(host, port\\) pair"):
        tls_connect("127.0.0.1:443", trust=[pki.root], host=pki.host)
    with pytest.raises(ParameterError, match="`timeout` must be"):
        tls_connect(address, trust=[pki.root], host=pki.host, timeout=0)


def test_clients_beyond_the_cap_are_refused_at_once_and_others_still_served(pki):
    with tls_server(pki.server_chain, pki.server_key) as server:
        idle = [socket.create_connection(server.address, timeout=5) for _ in range(MAX_CLIENTS)]
        time.sleep(0.3)
        extra = tls_connect(server.address, trust=[pki.root], host=pki.host, timeout=1)
        assert not extra.ok and extra.failure in ("connection failed", "timeout")
        for s in idle:
            s.close()
        deadline = time.monotonic() + LIVENESS
        while not (result := tls_connect(server.address, trust=[pki.root], host=pki.host)).ok \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        assert result.ok
    assert any(r.error.startswith("refused:") for r in server.records if not r.ok)


def test_property_random_bytes_from_a_client_never_stall_the_server(pki, capfd):
    """Seeded random ClientHello-shaped and raw bytes: each is a failed handshake, and the next client is served."""
    rng = random.Random(10)
    with tls_server(pki.server_chain, pki.server_key) as server:
        for _ in range(examples(40)):
            junk = (b"\x16\x03\x01" if rng.random() < 0.5 else b"") + rng.randbytes(rng.randrange(1, 400))
            with socket.create_connection(server.address, timeout=3) as s:
                with contextlib.suppress(OSError):
                    s.sendall(junk)
                    s.shutdown(socket.SHUT_WR)
                    while s.recv(4096):
                        pass
        assert tls_connect(server.address, trust=[pki.root], host=pki.host).ok
    assert len([r for r in server.records if not r.ok]) == examples(40)
    out, err = capfd.readouterr()
    assert out == err == ""


@pytest.mark.parametrize("reported", [None, "", "prime256v1", "secp256r1", "P-256"])
def test_the_group_reads_the_same_whatever_ssl_reports(reported):
    """Python 3.15's SSLSocket.group() names the group; older ones cannot: the printed words are the same."""
    assert group_label(reported) == ("P-256", "inferred: the lab server offers only this group")


def test_chains_are_read_from_der_bytes_as_newer_ssl_gives_them(pki):
    from pki_lab.loading import to_der
    from pki_lab.tls import _as_certificate

    assert _as_certificate(to_der(pki.server_cert)) == pki.server_cert
