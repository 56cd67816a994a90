"""Exercises of chapter 10, TLS in practice (real handshakes on loopback)."""

from __future__ import annotations

from ..tls import lab_tls_pki, run_case
from . import Exercise, register

# What the notebook defines before its exercises (the unit tests run it too).
SETUP = """
from pki_lab.tls import lab_tls_pki, run_case, tls_connect, tls_server
pki = lab_tls_pki()
"""


def _protocol() -> str:
    return run_case("ok", lab_tls_pki())[0].protocol


register(Exercise(
    id="10.1",
    prompt="Run the 'ok' case. Which protocol version did the handshake negotiate? Answer as ssl names it "
           "(for example 'TLSv1.2').",
    expected=_protocol,
    accepts=(str,),
    normalize=lambda v: str(v).replace(" ", "").casefold(),
    hints=(
        "result, server_view = run_case('ok', pki)",
        "result.protocol holds what ssl's SSLSocket.version() returned.",
    ),
    solution_code="result, server_view = run_case('ok', pki)\nresult.protocol",
    explanation="Both ends support TLS 1.3 (RFC 8446), so that is what they agree on.",
    coach=lambda a, e: "Both the lab client and server allow a newer version than that."
    if "1.2" in str(a) else None,
    setup_code=SETUP,
))


def _sent() -> int:
    return len(run_case("ok", lab_tls_pki())[0].sent_chain)


register(Exercise(
    id="10.2",
    prompt="How many certificates does the correctly configured lab server send in its Certificate message?",
    expected=_sent,
    accepts=(int,),
    hints=(
        "result.sent_chain lists what the server sent; result.built_chain what the client built from it.",
        "RFC 8446 4.4.2: the sender's certificate first, then each certificate that certifies the one before; "
        "the root may be omitted, because the client must already have it.",
    ),
    solution_code="result, _ = run_case('ok', pki)\nlen(result.sent_chain)",
    explanation="The server sends its leaf and the intermediate; the root comes from the client's trust store, "
                "so sending it would only waste bytes (and cannot make an untrusted root trusted).",
    coach=lambda a, e: "That count includes the root; the client must already have it (RFC 8446 4.4.2)."
    if a == e + 1 else None,
    setup_code=SETUP,
))


def _missing() -> str:
    return run_case("missing intermediate", lab_tls_pki())[0].failure


register(Exercise(
    id="10.3",
    prompt="Start a server that sends only its leaf (`tls_server([pki.server_cert], pki.server_key)`) and connect "
           "with `tls_connect(server.address, trust=[pki.root], host=pki.host)`. What failure does the client "
           "report? Answer with the failure's name.",
    expected=_missing,
    accepts=(str,),
    normalize=lambda v: " ".join(str(v).replace("-", " ").split()).casefold(),
    hints=(
        "with tls_server([pki.server_cert], pki.server_key) as server: result = tls_connect(...)",
        "result.failure names the kind of failure.",
    ),
    solution_code=(
        "with tls_server([pki.server_cert], pki.server_key) as server:\n"
        "    result = tls_connect(server.address, trust=[pki.root], host=pki.host)\n"
        "result.failure"
    ),
    explanation="The client trusts the root, but nothing links the leaf to it: the intermediate that signed the "
                "leaf was not sent, and the client does not have it.",
    coach=lambda a, e: "The root is trusted here; what is missing between the leaf and the root?"
    if "unknown" in str(a).casefold() else None,
    setup_code=SETUP,
))


def _mtls() -> str:
    return run_case("client certificate missing", lab_tls_pki())[0].failure


register(Exercise(
    id="10.4",
    prompt="Run the case 'client certificate missing' (mutual TLS required, the device sends no certificate). "
           "What failure does the client report?",
    expected=_mtls,
    accepts=(str,),
    normalize=lambda v: " ".join(str(v).replace("-", " ").split()).casefold(),
    hints=(
        "result, server_view = run_case('client certificate missing', pki)",
        "Print result.failure; server_view says what the server saw.",
    ),
    solution_code="result, server_view = run_case('client certificate missing', pki)\nresult.failure",
    explanation="In TLS 1.3 the client finishes its side of the handshake first; the server then refuses, with a "
                "certificate_required alert that the client sees on its first read.",
    setup_code=SETUP,
))
