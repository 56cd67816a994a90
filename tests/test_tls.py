"""TLS on loopback over real sockets: the success case and its failure twins, mutual TLS included.

Each case runs a real handshake between :func:`tls_connect` and a :func:`tls_server` on
127.0.0.1; after the ``with`` block no server thread may be left running and the port
must be closed.
"""

from __future__ import annotations

import glob
import os
import socket
import tempfile
import threading

import pytest

from pki_lab.errors import ParameterError, WrongTypeError
from pki_lab.tls import CASES, is_listening, lab_server_threads, lab_tls_pki, run_case, tls_connect, tls_server


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
    assert "connected" in widget.parts["output"].value
    widget.parts["case"].value = "hostname mismatch"
    assert "FAILED (hostname mismatch)" in widget.parts["output"].value
    assert _server_threads() == []
