"""The lab's TLS server on 127.0.0.1: concurrent, bounded, and stopped within a second whatever clients do.

:func:`tls_server` runs a :class:`LabTlsServer` (a free port, a background thread that accepts) presenting a
lab chain; it is a context manager that always hangs up on every client, closes the socket and joins the
threads. Each connection is handled in a thread of its own, at most :data:`MAX_CLIENTS` at once (one more is
refused at once); each handshake step and read waits at most :data:`CONNECTION_TIMEOUT`, each connection
lasts at most :data:`DEADLINE`. So idle or half-open clients never make another client's handshake fail,
and :meth:`LabTlsServer.close` returns within a second.

The helpers that load certificates and keys into an ``ssl`` context live here too (the client in
:mod:`pki_lab.tls` uses them): the PEM files ``ssl`` needs are written to a temporary folder that is
removed as soon as the context has loaded them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from cryptography import x509

from .errors import ParameterError, WrongTypeError
from .loading import to_pem

__all__ = [
    "ServerRecord",
    "LabTlsServer",
    "tls_server",
    "lab_server_threads",
    "is_listening",
    "pem_of",
    "load_identity",
    "check_chain",
    "GREETING",
    "GROUP",
    "MAX_CLIENTS",
    "CONNECTION_TIMEOUT",
    "DEADLINE",
    "STOP_WITHIN",
]

#: Connections the lab server handles at once; one more is refused at once.
MAX_CLIENTS = 8
#: Seconds each handshake step or read of the server may wait for its client.
CONNECTION_TIMEOUT = 2.0
#: Seconds a connection may last in all.
DEADLINE = 5.0
#: Seconds :meth:`LabTlsServer.close` waits for its threads (twice at most: the accept loop, then the clients).
STOP_WITHIN = 0.4
#: What the server sends once the handshake is done; the client reads it to learn the server's verdict.
GREETING = b"hello from the lab server\n"
#: The one key exchange group the server offers (see :mod:`pki_lab.tls`).
GROUP = "prime256v1"
# -- contexts ------------------------------------------------------------------------------


def pem_of(certs: Sequence[x509.Certificate]) -> str:
    return "".join(to_pem(c) for c in certs)


def load_identity(context: ssl.SSLContext, chain: Sequence[x509.Certificate], key: Any) -> None:
    """Load a certificate chain and its key into ``context`` via a temporary folder that is then removed."""
    key_pem = to_pem(key).encode("ascii")
    with tempfile.TemporaryDirectory(prefix="pki-lab-tls-") as folder:
        cert_path, key_path = os.path.join(folder, "chain.pem"), os.path.join(folder, "key.pem")
        with open(cert_path, "w") as f:
            f.write(pem_of(chain))
        with open(os.open(key_path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as f:
            f.write(key_pem)
        context.load_cert_chain(cert_path, key_path)


def check_chain(chain: object, what: str) -> list[x509.Certificate]:
    if isinstance(chain, x509.Certificate):
        chain = [chain]
    certs = list(chain) if isinstance(chain, (list, tuple)) else None
    if not certs or not all(isinstance(c, x509.Certificate) for c in certs):
        raise WrongTypeError(f"`{what}` must be a non-empty list of x509.Certificate objects (leaf first).")
    return certs


# -- the server --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ServerRecord:
    """What the server saw of one connection: success, the client's certificate, or the error."""

    ok: bool
    client_subject: str | None
    error: str | None

    def __str__(self) -> str:
        if not self.ok:
            return f"server: handshake failed ({self.error})"
        who = f"client certificate {self.client_subject}" if self.client_subject else "no client certificate"
        return f"server: handshake completed, {who}"


class LabTlsServer:
    """A TLS server on 127.0.0.1 in a background thread; use it through :func:`tls_server`."""

    def __init__(self, chain, key, *, client_roots=None, require_client_cert=False) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.set_ecdh_curve(GROUP)  # one group only, so the negotiated group is known (see module doc)
        load_identity(context, check_chain(chain, "chain"), key)
        if client_roots:
            context.load_verify_locations(cadata=pem_of(check_chain(client_roots, "client_roots")))
            context.verify_mode = ssl.CERT_REQUIRED if require_client_cert else ssl.CERT_OPTIONAL
        elif require_client_cert:
            raise ParameterError("A server that requires client certificates needs `client_roots` to check them.")
        self._context = context
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.address: tuple[str, int] = self._listener.getsockname()[:2]
        self._results: list[ServerRecord | None] = []  # one per accepted connection, in the order of arrival
        self._slots = threading.BoundedSemaphore(MAX_CLIENTS)
        self._lock = threading.Lock()
        # index -> (start, thread, the socket to hang up on: the TCP one, then the TLS one that took its place)
        self._open: dict[int, tuple[float, threading.Thread, socket.socket]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="pki-lab-tls-server", daemon=True)

    @property
    def thread(self) -> threading.Thread:
        """The background thread (tests check it has stopped)."""
        return self._thread

    @property
    def records(self) -> list[ServerRecord]:
        """What the server saw of each finished connection, in the order the connections arrived."""
        with self._lock:
            return [r for r in self._results if r is not None]

    def _serve(self) -> None:
        """Accept, and hand each connection to a thread of its own: a silent client never blocks the next."""
        while not self._stop.is_set():
            self._reap()
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            if self._stop.is_set():  # close()'s wake-up call
                conn.close()
                break
            if not self._slots.acquire(blocking=False):
                conn.close()  # at capacity: refused at once rather than queued behind idle clients
                self._keep(None, ServerRecord(False, None, f"refused: {MAX_CLIENTS} connections already open"))
                continue
            with self._lock:
                index = len(self._results)
                self._results.append(None)
            thread = threading.Thread(target=self._connection, args=(conn, index), name="pki-lab-tls-connection",
                                      daemon=True)
            with self._lock:
                self._open[index] = (time.monotonic(), thread, conn)
            thread.start()

    def _keep(self, index: int | None, record: ServerRecord) -> None:
        with self._lock:
            if index is None:
                self._results.append(record)
            else:
                self._results[index] = record

    def _connection(self, conn: socket.socket, index: int) -> None:
        try:
            with conn:
                conn.settimeout(CONNECTION_TIMEOUT)
                # The greeting follows the session tickets at once: without this, Nagle's algorithm holds it
                # until the client's delayed ACK (40 ms on Linux), a quarter of every handshake's time.
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._keep(index, self._handle(conn, index))
        except Exception as exc:  # noqa: BLE001 - one client's failure is recorded, never printed into a notebook
            self._keep(index, ServerRecord(False, None, f"{type(exc).__name__}: {exc}"))
        finally:
            with self._lock:
                self._open.pop(index, None)
            self._slots.release()

    def _reap(self) -> None:
        """Close connections older than :data:`DEADLINE`, however slowly their clients trickle bytes."""
        now = time.monotonic()
        with self._lock:
            late = [c for start, _, c in self._open.values() if now - start > DEADLINE]
        for conn in late:
            _hang_up(conn)

    def _handle(self, conn: socket.socket, index: int) -> ServerRecord:
        try:
            with self._context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False) as tls:
                with self._lock:  # wrapping detached ``conn``: from now on, hanging up means on ``tls``
                    if index in self._open:
                        self._open[index] = (*self._open[index][:2], tls)
                tls.do_handshake()
                peer = tls.getpeercert(binary_form=True)
                subject = None
                if peer:
                    subject = x509.load_der_x509_certificate(peer).subject.rfc4514_string()
                tls.sendall(GREETING)
                with contextlib.suppress(OSError):
                    tls.recv(1)  # wait for the client to close, so it reads the greeting first
                return ServerRecord(True, subject, None)
        except (ssl.SSLError, OSError, ValueError) as exc:
            error = getattr(exc, "reason", None) or type(exc).__name__
            detail = getattr(exc, "verify_message", None)  # why the client's certificate failed, if it did
            return ServerRecord(False, None, f"{error}: {detail}" if detail else error)

    def start(self) -> LabTlsServer:
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop accepting, hang up on every client still connected, close the socket: within a second."""
        self._stop.set()
        if self._thread.is_alive():
            with contextlib.suppress(OSError), socket.create_connection(self.address, timeout=0.1):
                pass  # wake the accept loop now rather than at its next poll
            self._thread.join(timeout=STOP_WITHIN)
        self._listener.close()
        with self._lock:
            open_now = list(self._open.values())
        for _, _, conn in open_now:
            _hang_up(conn)
        deadline = time.monotonic() + STOP_WITHIN
        for _, thread, _ in open_now:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))


def _hang_up(conn: socket.socket) -> None:
    """Wake a thread blocked on ``conn``: its next read or handshake step fails at once.

    ``socket.socket.shutdown`` itself, not ``SSLSocket.shutdown``, which would also drop the TLS state
    under the feet of the thread still using it.
    """
    with contextlib.suppress(OSError):
        socket.socket.shutdown(conn, socket.SHUT_RDWR)


@contextlib.contextmanager
def tls_server(chain, key, *, client_roots=None, require_client_cert=False) -> Iterator[LabTlsServer]:
    """Run a lab TLS server presenting ``chain`` (leaf first) with ``key``; always closed on exit.

    With ``client_roots`` the server asks for a client certificate issued under them;
    ``require_client_cert=True`` makes it mandatory (mutual TLS).
    """
    server = LabTlsServer(chain, key, client_roots=client_roots, require_client_cert=require_client_cert)
    try:
        yield server.start()
    finally:
        server.close()


def lab_server_threads() -> list[str]:
    """Names of lab TLS server threads still running: none, once every ``with tls_server(...)`` block has ended."""
    return [t.name for t in threading.enumerate() if t.name == "pki-lab-tls-server" and t.is_alive()]


def is_listening(address: tuple[str, int]) -> bool:
    """Whether something still accepts connections at ``address`` (a closed lab server does not)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        return probe.connect_ex(tuple(address)) == 0
