"""The OCSP client on damaged responses: one answer, INVALID with a sentence, whatever cryptography raises.

Which exception cryptography raises for a damaged field differs between releases (a name with an unknown string tag
is a ValueError in 50.0, a KeyError in 49.0, the course's floor), so the client's list of read errors
(``ocsp_client.UNREADABLE``) covers every release it supports. The client does not refuse a whole response for a
part it does not need (a single response with an unknown hash algorithm beside the one it asked about), so it
cannot simply run ``wellformed.check_ocsp_response`` first.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.x509 import ocsp

from pki_lab.ca import demo_hierarchy
from pki_lab.revocation import RevocationRegistry, build_request, ocsp_client, verify_response
from pki_lab.revocation.ocsp import OcspResponder

RECORDED = Path(__file__).parent / "data" / "ocsp-response-unknown-string-tag.hex"


@pytest.fixture(scope="module")
def lab():
    h = demo_hierarchy()
    leaf = h.intermediate.issue("ocsp-damaged.example.com")
    responder = OcspResponder(RevocationRegistry(h.intermediate))
    return h, leaf, responder


def test_the_recorded_mutation_is_an_invalid_answer_not_an_exception(lab):
    h, leaf, _ = lab
    answer = verify_response(bytes.fromhex(RECORDED.read_text().strip()), leaf, h.intermediate)
    assert not answer.ok
    assert answer.sentence().endswith("ask the responder again.")


class _Raising:
    """A real response whose embedded certificates' subjects raise ``exc``, as a release of cryptography might."""

    def __init__(self, resp, exc):
        self._resp, self._exc = resp, exc

    def __getattr__(self, name):
        value = getattr(self._resp, name)
        if name == "certificates":
            return [_RaisingCert(c, self._exc) for c in value] or [_RaisingCert(None, self._exc)]
        return value


class _RaisingCert:
    def __init__(self, cert, exc):
        self._cert, self._exc = cert, exc

    def __getattr__(self, name):
        if name in ("subject", "issuer"):
            raise self._exc
        return getattr(self._cert, name)


@pytest.mark.parametrize("exc", [KeyError(147), ValueError("bad string tag"), IndexError("short")])
def test_any_read_error_of_an_embedded_certificate_is_an_invalid_answer(lab, monkeypatch, exc):
    h, leaf, responder = lab
    good = responder.respond(build_request(leaf, h.intermediate))
    real = ocsp.load_der_ocsp_response
    monkeypatch.setattr(ocsp_client.ocsp, "load_der_ocsp_response", lambda der: _Raising(real(der), exc))
    answer = verify_response(good, leaf, h.intermediate)
    assert not answer.ok
    assert "damaged" in answer.sentence()
    monkeypatch.undo()
    assert verify_response(good, leaf, h.intermediate).ok
