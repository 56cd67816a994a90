"""Real TLS on loopback with Python's ``ssl``: a lab server, a client, and failures explained.

:func:`tls_server` runs a TLS server on ``127.0.0.1`` (a free port, a background
thread, each client in a thread of its own with timeouts: :mod:`pki_lab.tls_server`)
that presents a lab chain; it is a context manager that always hangs up on its
clients, closes the socket and joins the threads within a second. :func:`tls_connect`
is a client that trusts a given list of roots and reports what the handshake negotiated (protocol version, cipher suite,
key exchange group, the chain the server sent and the one the client built), or why
it failed, in a sentence: unknown CA, missing intermediate, hostname mismatch,
expired certificate, client certificate required but missing or not made for a
client, a server that does not answer in time; it never raises for a failed
connection (:data:`FAILURES` lists the names). :func:`missing_link` is the pure half
of telling a missing intermediate from an unknown CA, and :func:`suite_parts` reads a
cipher suite's name (key exchange, authentication, record protection, integrity).

The ``ssl`` module checks certificates against the **real** clock, so
:func:`lab_tls_pki` issues its certificates around the real present (the one place
the lab clock travels to the real now). Outputs meant for notebooks name verdicts
and certificates, never bytes, dates, timings or ports.

Keys are the lab's named EC P-256 keys; the PEM files ``ssl`` needs are written to a
temporary folder that is removed as soon as the context has loaded them.

Python's ``ssl`` module reports the key exchange group only from Python 3.15 on
(``SSLSocket.group()``, with OpenSSL 3.2 or newer). The lab server therefore offers exactly
one group (P-256, ``prime256v1``), so a completed handshake used that group, and the client
says so in the same words whether ``ssl`` reported it or not (:func:`group_label`), so that a
newer Python cannot change a stored notebook output.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import socket
import ssl
from collections.abc import Sequence
from typing import Any

from cryptography import x509

from . import clock
from .ca import CertificateAuthority
from .errors import ParameterError, WrongTypeError
from .keys import named_key
from .names import certificate_label
from .tls_server import (
    CONNECTION_TIMEOUT,
    GREETING,
    GROUP,
    MAX_CLIENTS,
    LabTlsServer,
    ServerRecord,
    check_chain,
    is_listening,
    lab_server_threads,
    load_identity,
    pem_of,
    tls_server,
)

__all__ = [
    "TlsPki",
    "lab_tls_pki",
    "Handshake",
    "ServerRecord",
    "LabTlsServer",
    "tls_server",
    "tls_connect",
    "run_case",
    "CASES",
    "lab_server_threads",
    "is_listening",
    "group_label",
    "suite_parts",
    "SuiteParts",
    "missing_link",
    "FAILURES",
    "MAX_CLIENTS",
    "CONNECTION_TIMEOUT",
]

_TIMEOUT = 5.0  # the client's: connect, handshake and each read


# -- certificates around the real present ----------------------------------------------------


@dataclasses.dataclass(frozen=True)
class TlsPki:
    """Certificates and keys for the TLS demos, issued around the real present."""

    host: str
    root: x509.Certificate
    issuing: x509.Certificate
    server_cert: x509.Certificate
    server_key: Any
    expired_server_cert: x509.Certificate
    device_cert: x509.Certificate
    device_key: Any
    other_root: x509.Certificate

    @property
    def server_chain(self) -> list[x509.Certificate]:
        """What the server should send: leaf and intermediate, not the root (RFC 8446 4.4.2)."""
        return [self.server_cert, self.issuing]


def lab_tls_pki(host: str = "hub.pki-lab.test") -> TlsPki:
    """A root, an issuing CA, a server certificate for ``host``, a device (client) certificate.

    Also an *expired* server certificate (same key) and an unrelated root, for the
    failure demos. Everything is valid from one hour before the real now, because the
    ``ssl`` module checks validity against the real clock.
    """
    if not isinstance(host, str) or "." not in host:
        raise ParameterError(f"`host` must be a DNS name such as 'hub.pki-lab.test', not {host!r}.")
    real_now = _dt.datetime.now(_dt.UTC)
    with clock.travel_to(real_now - _dt.timedelta(days=30)):
        root = CertificateAuthority.create_root("PKI Lab TLS Root CA", key="tls-root")
        issuing = root.create_intermediate("PKI Lab TLS Issuing CA", key="tls-issuing")
        other = CertificateAuthority.create_root("Some Other Root CA", key="tls-other-root")
        expired = issuing.issue(host, key="tls-server", days=1)
    with clock.travel_to(real_now - _dt.timedelta(hours=1)):
        server_cert = issuing.issue(host, key="tls-server", days=2)
        device_cert = issuing.issue("device-0042", profile="device", key="tls-device-0042", days=2)
    return TlsPki(host, root.certificate, issuing.certificate, server_cert, named_key("tls-server"),
                  expired, device_cert, named_key("tls-device-0042"), other.certificate)


# -- reading what ssl gives ------------------------------------------------------------------


def _chain_of(sock: ssl.SSLSocket, verified: bool) -> tuple[x509.Certificate, ...]:
    """The peer's chain: public in Python 3.13+, a private method of the SSL object before."""
    name = "get_verified_chain" if verified else "get_unverified_chain"
    getter = getattr(sock, name, None) or getattr(getattr(sock, "_sslobj", None), name, None)
    if getter is None:  # pragma: no cover - every supported Python has one of the two
        return ()
    return tuple(_as_certificate(c) for c in (getter() or ()))


def _as_certificate(item: object) -> x509.Certificate:
    """One certificate of a chain as ``ssl`` gives it: DER bytes (the public method, Python 3.13+) or an
    ``ssl.Certificate``, whose ``public_bytes()`` gives PEM by default (its DER constant is not public in ``ssl``)."""
    if isinstance(item, (bytes, bytearray)):
        return x509.load_der_x509_certificate(bytes(item))
    return x509.load_pem_x509_certificate(item.public_bytes().encode("ascii"))


# -- the client --------------------------------------------------------------------------------


def _names(certs: Sequence[x509.Certificate]) -> tuple[str, ...]:
    return tuple(certificate_label(c) for c in certs)


@dataclasses.dataclass(frozen=True)
class Handshake:
    """The outcome of one client connection: what was negotiated, or why it failed."""

    ok: bool
    failure: str | None
    reason: str
    protocol: str | None = None
    cipher: str | None = None
    group: str | None = None
    group_source: str | None = None
    sent_chain: tuple[str, ...] = ()
    built_chain: tuple[str, ...] = ()
    client_cert_sent: bool = False

    def __str__(self) -> str:
        if not self.ok:
            return f"FAILED ({self.failure}): {self.reason}"
        lines = [
            f"connected: {self.reason}",
            f"  protocol:       {self.protocol}",
            f"  cipher suite:   {self.cipher}",
            f"  key exchange:   ephemeral ECDHE, group {self.group}",
            f"  server sent:    {' -> '.join(self.sent_chain)}",
            f"  client built:   {' -> '.join(self.built_chain)}",
        ]
        return "\n".join(lines)

    __repr__ = __str__


_GROUP_NAMES = {"prime256v1": "P-256", "secp256r1": "P-256", "p-256": "P-256", "secp384r1": "P-384",
                "p-384": "P-384", "x25519": "X25519"}


def _negotiated_group(sock: ssl.SSLSocket) -> tuple[str, str]:
    """The group and its source, from ``SSLSocket.group()`` where this Python has it (added in Python 3.15, with
    OpenSSL 3.2 or newer), else from the server's configuration. Both branches print the same words (see
    :func:`group_label`), so a stored notebook output does not change when Python gains the method."""
    reporter = getattr(sock, "group", None)
    try:
        reported = reporter() if callable(reporter) else None
    except (OSError, ValueError, NotImplementedError):  # ssl.SSLError is an OSError: fall back to the configuration
        reported = None
    return group_label(reported)


def group_label(reported: object) -> tuple[str, str]:
    """The group's usual name and where it came from, for what ``SSLSocket.group()`` returned (None before it).

    Whatever OpenSSL calls it ("prime256v1", "secp256r1", "P-256"), P-256 reads "P-256". The source is
    worded the same whether ``ssl`` reported the group or not, so a stored notebook output holds on every Python:
    the lab server offers only P-256, so a report can only confirm what the server's configuration implies. A
    report of another group would mean the server's one-group setting did not hold; then the report is shown and
    the source says so, rather than repeating the inference.
    """
    configured = _GROUP_NAMES[GROUP]
    source = "inferred: the lab server offers only this group"
    if isinstance(reported, str) and reported:
        name = _GROUP_NAMES.get(reported.lower(), reported)
        if name != configured:
            return name, f"reported by ssl, although the lab server offers only {configured}"
        return name, source
    return configured, source


# -- reading a cipher suite's name ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SuiteParts:
    """What a cipher suite's name says, part by part (see :func:`suite_parts`)."""

    suite: str
    key_exchange: str
    authentication: str
    record_protection: str
    integrity: str

    @property
    def forward_secret(self) -> bool:
        """Whether the session keys come from an ephemeral (EC)DHE exchange, so a later theft of the
        certificate's key cannot decrypt recorded traffic.

        Every TLS 1.3 suite counts: each full TLS 1.3 handshake uses (EC)DHE (RFC 8446 1.2); only a resumption
        in the ``psk_ke`` mode, which the suite's name does not show, goes without (section 4.2.9).
        """
        return self.key_exchange.startswith(("ECDHE", "DHE", "(EC)DHE"))

    @property
    def aead(self) -> bool:
        """Whether one AEAD algorithm both encrypts and authenticates the records (RFC 5116)."""
        return self.integrity.startswith("built into")

    def __str__(self) -> str:
        return (f"{self.suite}: key exchange {self.key_exchange}; authentication {self.authentication}; "
                f"records {self.record_protection}; integrity {self.integrity}")


_AEAD_MODES = {"GCM": "GCM", "CCM": "CCM", "CCM8": "CCM_8", "POLY1305": "Poly1305"}


def suite_parts(suite: str) -> SuiteParts:
    """Split a cipher suite's name into key exchange, authentication, record protection and integrity.

    Two spellings are read: OpenSSL's TLS 1.2 names, as ``SSLSocket.cipher()`` gives them
    (``ECDHE-ECDSA-AES256-GCM-SHA384``; no key-exchange prefix means RSA key transport, RFC 5246 7.4.7.1), and the
    TLS 1.3 names of RFC 8446 B.4 (``TLS_AES_256_GCM_SHA384``), which name only the AEAD cipher and the hash:
    in TLS 1.3 the key exchange is (EC)DHE or a pre-shared key and the signature is negotiated apart.

    Raises:
        ParameterError: the name is not a TLS 1.2 or 1.3 suite name of these forms.
    """
    if not isinstance(suite, str) or not suite.strip():
        raise ParameterError(f"`suite` must be a cipher suite's name such as 'ECDHE-ECDSA-AES256-GCM-SHA384', "
                             f"not {suite!r:.60}.")
    name = suite.strip()
    if name.startswith("TLS_"):
        tokens = name[4:].split("_")
        if len(tokens) < 3 or tokens[-1] not in ("SHA256", "SHA384") or tokens[-2] not in _AEAD_MODES:
            raise ParameterError(f"{name!r} is not a TLS 1.3 cipher suite name (RFC 8446 B.4), such as "
                                 "'TLS_AES_128_GCM_SHA256'.")
        cipher = "-".join(tokens[:-1])
        return SuiteParts(name, "(EC)DHE, negotiated apart (a resumption may add a pre-shared key)",
                          "the certificate's key signs (CertificateVerify), negotiated apart",
                          f"{cipher} (AEAD)", f"built into the AEAD; {tokens[-1]} derives the keys")
    tokens = name.split("-")
    kx = tokens.pop(0) if tokens and tokens[0] in ("ECDHE", "DHE") else "RSA key transport"
    auth = tokens.pop(0) if kx != "RSA key transport" and tokens and tokens[0] in ("ECDSA", "RSA") else \
        "RSA (by decrypting the premaster secret)"
    if len(tokens) < 2 or not tokens[0].startswith(("AES", "CHACHA20", "CAMELLIA", "ARIA")):
        raise ParameterError(f"{name!r} is not a TLS 1.2 cipher suite name as OpenSSL writes it, such as "
                             "'ECDHE-ECDSA-AES256-GCM-SHA384'.")
    if tokens[-1] in _AEAD_MODES or (len(tokens) >= 3 and tokens[-2] in _AEAD_MODES):
        mode = tokens[-1] if tokens[-1] in _AEAD_MODES else tokens[-2]
        return SuiteParts(name, kx, auth, f"{'-'.join(tokens[:tokens.index(mode) + 1])} (AEAD)",
                          "built into the AEAD")
    mac = "SHA1" if tokens[-1] == "SHA" else tokens[-1]
    return SuiteParts(name, kx, auth, f"{'-'.join(tokens[:-1])}-CBC", f"a separate MAC, HMAC-{mac}")


def _diagnose_unverified(address, host, trust) -> str:
    """After 'unable to get issuer', look at what the server sent to tell the two causes apart.

    Follow the sent certificates up from the leaf, by issuer name. If the first missing link is directly above
    the leaf, an intermediate is missing (a root sent in its place does not help: it did not sign the leaf).
    If the climb reaches a CA certificate whose issuer is neither sent nor trusted, the chain leads to a root
    the client does not hold: an unknown CA.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # only to look at the chain; nothing is sent over this connection
    try:
        with socket.create_connection(address, timeout=_TIMEOUT) as raw, \
                context.wrap_socket(raw, server_hostname=host) as tls:
            sent = _chain_of(tls, verified=False)
    except (OSError, ssl.SSLError):
        return "unknown issuer"
    return missing_link(sent, trust)


def missing_link(sent: Sequence[x509.Certificate], trust: Sequence[x509.Certificate]) -> str:
    """Why a client cannot reach a trusted root from ``sent`` (leaf first): the pure half of the diagnosis.

    ``"missing intermediate"`` when nothing sent (or trusted) issued the leaf, ``"unknown CA"`` when the sent
    certificates climb to a CA whose issuer, or which itself, is not in ``trust``.
    """
    if not sent:
        return "unknown issuer"
    by_subject = {c.subject: c for c in sent[1:]}
    anchors = {r.subject for r in trust}
    current, seen = sent[0], 0
    while seen <= len(sent):
        if current.issuer in anchors:
            return "unknown CA"  # a trusted root has that name, yet OpenSSL found no issuer: another key
        parent = by_subject.get(current.issuer)
        if parent is None or parent is current:
            return "missing intermediate" if current is sent[0] and current.issuer != current.subject \
                else "unknown CA"
        current, seen = parent, seen + 1
    return "unknown CA"  # pragma: no cover - a loop of cross-certificates


_REASONS = {
    "unknown CA": "the server's chain leads to a root that is not in the client's trust store",
    "missing intermediate": "the server did not send the intermediate CA that issued its leaf certificate, and "
                            "the client does not have it (the server must send leaf + intermediates)",
    "hostname mismatch": "the server's certificate does not name the host the client asked for",
    "expired certificate": "the server's certificate has expired (ssl checks against the real clock)",
    "client certificate required": "the server requires a client certificate (mutual TLS) and the client "
                                   "sent none",
    "client certificate rejected": "the server does not trust the client's certificate",
    "client certificate unsuitable": "the server refused the client's certificate as unsupported: OpenSSL "
                                     "sends this alert when a certificate is not meant for the purpose, such as "
                                     "a client certificate without the clientAuth extended key usage",
    "unknown issuer": "the client cannot find a trusted issuer for the last certificate the server sent",
    "timeout": "the server did not answer in time (it is stalled, overloaded or not a TLS server)",
    "connection refused": "nothing accepts connections at that address (is the server running?)",
}
#: Every failure a :class:`Handshake` can name (``Handshake.failure``), each with its sentence in ``reason``.
FAILURES = (*_REASONS, "certificate verification failed", "connection failed")



def _classify(exc: Exception, address, host, trust) -> str:
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ssl.SSLCertVerificationError):
        code = exc.verify_code
        if code == 10:  # X509_V_ERR_CERT_HAS_EXPIRED
            return "expired certificate"
        if code == 62:  # X509_V_ERR_HOSTNAME_MISMATCH
            return "hostname mismatch"
        if code == 20:  # X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
            return _diagnose_unverified(address, host, trust)
        if code in (18, 19, 2):  # self-signed leaf / self-signed root in chain / issuer not found
            return "unknown CA"
        return "certificate verification failed"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    reason = getattr(exc, "reason", "") or ""
    if reason in ("TLSV13_ALERT_CERTIFICATE_REQUIRED", "SSLV3_ALERT_HANDSHAKE_FAILURE"):
        return "client certificate required"
    if reason in ("TLSV1_ALERT_UNKNOWN_CA", "SSLV3_ALERT_BAD_CERTIFICATE"):
        return "client certificate rejected"
    if reason == "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE":
        return "client certificate unsuitable"
    return "connection failed"


def _check_address(address: object) -> tuple[str, int]:
    if (not isinstance(address, (tuple, list)) or len(address) != 2 or not isinstance(address[0], str)
            or isinstance(address[1], bool) or not isinstance(address[1], int) or not 0 < address[1] < 65536):
        raise WrongTypeError(f"`address` must be a (host, port) pair such as server.address, not {address!r:.80}.")
    return address[0], address[1]


def tls_connect(
    address: tuple[str, int],
    *,
    trust: Sequence[x509.Certificate],
    host: str,
    client_chain: Sequence[x509.Certificate] | None = None,
    client_key: Any = None,
    max_version: str | None = None,
    timeout: float = _TIMEOUT,
) -> Handshake:
    """Connect to ``address``, trusting only ``trust`` (root certificates), expecting ``host``.

    With ``client_chain`` and ``client_key`` the client presents a certificate (mutual
    TLS). ``max_version="TLSv1.2"`` caps the protocol, to compare with TLS 1.3. Each
    step (connect, handshake, read) waits at most ``timeout`` seconds. Returns a
    :class:`Handshake`; failures are classified, never raised.
    """
    address = _check_address(address)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 60:
        raise ParameterError(f"`timeout` must be a number of seconds above 0 and at most 60, not {timeout!r}.")
    trust = check_chain(trust, "trust")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies the chain and the host name
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if max_version is not None:
        versions = {"TLSv1.2": ssl.TLSVersion.TLSv1_2, "TLSv1.3": ssl.TLSVersion.TLSv1_3}
        if max_version not in versions:
            raise ParameterError(f"`max_version` must be 'TLSv1.2' or 'TLSv1.3', not {max_version!r}.")
        context.maximum_version = versions[max_version]
    context.load_verify_locations(cadata=pem_of(trust))
    if client_chain is not None:
        if client_key is None:
            raise ParameterError("A client certificate needs its private key: pass client_key=... too.")
        load_identity(context, check_chain(client_chain, "client_chain"), client_key)
    try:
        with socket.create_connection(address, timeout=timeout) as raw, \
                context.wrap_socket(raw, server_hostname=host) as tls:
            # In TLS 1.3 the server checks the client's certificate after the client's handshake
            # has finished, so its verdict arrives with the first read.
            greeting = b""
            while not greeting.endswith(b"\n"):
                chunk = tls.recv(64)
                if not chunk:
                    break
                greeting += chunk
            if greeting != GREETING:
                return Handshake(False, "connection failed", "the server closed the connection without a greeting")
            group, source = _negotiated_group(tls)
            sent, built = _chain_of(tls, verified=False), _chain_of(tls, verified=True)
            root = certificate_label(built[-1]) if built else "?"
            return Handshake(
                True, None, f"the server's chain validates to {root!r} and names {host!r}",
                protocol=tls.version(), cipher=tls.cipher()[0], group=group, group_source=source,
                sent_chain=_names(sent), built_chain=_names(built), client_cert_sent=client_chain is not None,
            )
    except (OSError, ValueError) as exc:  # ssl.SSLError, timeouts and refusals are OSErrors
        failure = _classify(exc, address, host, trust)
        reason = _REASONS.get(failure, "the TLS connection failed")
        return Handshake(False, failure, reason, client_cert_sent=client_chain is not None)


# -- the chapter's cases --------------------------------------------------------------------------

#: The demo cases of chapter 10, in order.
CASES = ("ok", "unknown CA", "missing intermediate", "hostname mismatch", "expired certificate",
         "mutual TLS", "client certificate missing")


def run_case(case: str, pki: TlsPki | None = None, *,
             max_version: str | None = None) -> tuple[Handshake, ServerRecord | None]:
    """Run one of :data:`CASES` over a real loopback connection: ``(client's view, server's view)``.

    ``max_version="TLSv1.2"`` caps the client, as in :func:`tls_connect`.
    """
    if not isinstance(case, str) or case not in CASES:
        raise ParameterError(f"Unknown case {case!r:.60}; choose one of: {', '.join(CASES)}.")
    pki = pki or lab_tls_pki()
    chain, trust, host = pki.server_chain, [pki.root], pki.host
    server_opts: dict[str, Any] = {}
    client_opts: dict[str, Any] = {}
    if case == "unknown CA":
        trust = [pki.other_root]
    elif case == "missing intermediate":
        chain = [pki.server_cert]
    elif case == "hostname mismatch":
        host = "other." + pki.host
    elif case == "expired certificate":
        chain = [pki.expired_server_cert, pki.issuing]
    if case in ("mutual TLS", "client certificate missing"):
        server_opts = {"client_roots": [pki.root], "require_client_cert": True}
    if case == "mutual TLS":
        client_opts = {"client_chain": [pki.device_cert, pki.issuing], "client_key": pki.device_key}
    with tls_server(chain, pki.server_key, **server_opts) as server:
        result = tls_connect(server.address, trust=trust, host=host, max_version=max_version, **client_opts)
    record = server.records[0] if server.records else None
    return result, record
