"""The OCSP responder's HTTP side (RFC 6960 appendix A): concurrent, bounded, and never stalled by a client.

:class:`OcspHttpServer` listens on 127.0.0.1 and answers each connection in a thread of its own, at most
:data:`MAX_CLIENTS` at once; a client beyond that gets tryLater (RFC 6960 2.3) at once rather than a wait.
Each read has a :data:`READ_TIMEOUT` and each connection a :data:`DEADLINE`, so a half-open request or a
client that sends one byte a second holds one slot for a few seconds and never blocks the others.
:meth:`OcspHttpServer.stop` closes every open connection and returns within a second whatever clients do.

Every request gets an OCSP response as its body, including the ones HTTP refuses (a missing or bad
Content-Length, a wrong Content-Type, a method other than GET and POST, a request line too long): the
body is malformedRequest, so an OCSP client always has something to read. Nothing is printed: what goes
wrong is appended to the responder's ``log``, which a notebook or a test can read.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import http.server
import socket
import threading
import time
import traceback
import urllib.parse
from typing import Any

from .ocsp_wire import MAX_REQUEST_BYTES, ResponseStatus, unsuccessful

__all__ = ["OcspHttpServer", "MAX_CLIENTS", "READ_TIMEOUT", "DEADLINE", "STOP_WITHIN"]

#: Connections answered at once; one more gets tryLater.
MAX_CLIENTS = 16
#: Seconds a read may wait for a client's next bytes.
READ_TIMEOUT = 2.0
#: Seconds a connection may last in all, however slowly its client trickles bytes.
DEADLINE = 5.0
#: Seconds :meth:`OcspHttpServer.stop` waits for connection threads after closing their sockets.
STOP_WITHIN = 0.5
_MALFORMED = unsuccessful(ResponseStatus.MALFORMED_REQUEST)
_TRY_LATER = unsuccessful(ResponseStatus.TRY_LATER)


class _Handler(http.server.BaseHTTPRequestHandler):
    """One connection: HTTP/1.0, one request, one OCSP response."""

    server: OcspHttpServer
    timeout = READ_TIMEOUT  # socketserver applies it to the connection: every read waits at most this long
    default_request_version = "HTTP/1.0"  # so even a reply to bytes that are not HTTP has a status line

    def _reply(self, code: int, body: bytes, cache: bool = False) -> None:
        self.send_response(code)
        self.send_header("Content-Type", "application/ocsp-response")  # RFC 6960 A.2
        self.send_header("Content-Length", str(len(body)))
        if cache:  # RFC 5019 6.2: GET responses may be cached until nextUpdate
            self.send_header("Cache-Control", f"max-age={int(self.server.responder.validity.total_seconds())}")
        self.end_headers()
        self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """What HTTP refuses (bad request line, too many headers, an unknown method) still gets an OCSP body."""
        self.server.note(f"HTTP {int(code)} to {self.client_address[0]}: {message or 'refused'}")
        self.close_connection = True
        self._reply(int(code), _MALFORMED)
        self._drain()

    def _drain(self) -> None:
        """Read what the client is still sending (briefly, boundedly): closing on unread bytes resets the
        connection, and the client would lose the reply it has not read yet."""
        self.wfile.flush()
        deadline = time.monotonic() + 0.2
        with contextlib.suppress(OSError):
            self.connection.settimeout(0.05)
            for _ in range(64):
                if time.monotonic() > deadline or not self.connection.recv(16384):
                    break

    def do_POST(self) -> None:  # http.server names the handlers
        raw = self.headers.get("Content-Length", "")
        size = int(raw) if raw.strip().isdigit() else -1
        if not 0 < size <= MAX_REQUEST_BYTES:
            why = "missing or not a number" if size < 0 else f"{size}, outside 1 to {MAX_REQUEST_BYTES}"
            self.send_error(413 if size > MAX_REQUEST_BYTES else 400, f"Content-Length is {why}")
            return
        if self.headers.get("Content-Type") != "application/ocsp-request":
            self.send_error(415, "send a DER OCSP request as application/ocsp-request")
            return
        body = self.rfile.read(size)
        if len(body) < size:
            self.send_error(400, f"the body ended after {len(body)} of the {size} bytes its Content-Length announced")
            return
        self._reply(200, self.server.responder.respond(body, "POST"))

    def do_GET(self) -> None:
        encoded = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path.lstrip("/"))  # RFC 6960 A.1
        try:
            request = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            request = b""  # not base64: the responder answers malformedRequest
        self._reply(200, self.server.responder.respond(request, "GET"), cache=True)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep notebooks quiet; what matters goes to the responder's log."""

    def log_error(self, format: str, *args: Any) -> None:
        self.server.note(format % args)


class OcspHttpServer(http.server.HTTPServer):
    """An HTTP server on 127.0.0.1 for ``responder`` (anything with ``respond``, ``validity`` and ``log``)."""

    daemon_threads = True
    request_queue_size = 64  # the listen backlog: a burst of clients waits in the kernel, not in SYN retries

    def __init__(self, responder: Any) -> None:
        self.responder = responder
        self._slots = threading.BoundedSemaphore(MAX_CLIENTS)
        self._lock = threading.Lock()
        self._open: dict[socket.socket, tuple[float, threading.Thread]] = {}
        self._thread: threading.Thread | None = None
        super().__init__(("127.0.0.1", 0), _Handler)

    def note(self, line: str) -> None:
        self.responder.log.append(line)

    # -- connections -------------------------------------------------------------------------------------

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(timeout=0.05):
            self.note(f"tryLater to {client_address[0]}: {MAX_CLIENTS} connections are already open")
            with contextlib.suppress(OSError):
                request.settimeout(0.2)
                request.sendall(b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: application/ocsp-response\r\n"
                                b"Retry-After: 1\r\nContent-Length: %d\r\n\r\n%s" % (len(_TRY_LATER), _TRY_LATER))
            self.shutdown_request(request)
            return
        thread = threading.Thread(target=self._connection, args=(request, client_address),
                                  name="pki-lab-ocsp-connection", daemon=True)
        with self._lock:
            self._open[request] = (time.monotonic(), thread)
        thread.start()

    def _connection(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: BLE001 - one client's failure is logged, never printed nor raised
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            with self._lock:
                self._open.pop(request, None)
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """socketserver prints a traceback to stderr here; the lab keeps it in the responder's log instead."""
        self.note(f"connection from {client_address[0]} failed:\n{traceback.format_exc(limit=4)}")

    def service_actions(self) -> None:
        """Between two accepts: close connections past their :data:`DEADLINE` (a slow client's thread ends)."""
        now = time.monotonic()
        with self._lock:
            late = [s for s, (start, _) in self._open.items() if now - start > DEADLINE]
        for sock in late:
            self.note("a connection passed its deadline and was closed")
            _hang_up(sock)

    # -- life cycle --------------------------------------------------------------------------------------

    def start(self) -> OcspHttpServer:
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="pki-lab-ocsp", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, close every open connection, and join the threads: within a second."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=STOP_WITHIN)
        with self._lock:
            open_now = list(self._open.items())
        for sock, _ in open_now:
            _hang_up(sock)
        deadline = time.monotonic() + STOP_WITHIN
        for _, (_, thread) in open_now:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        self.server_close()


def _hang_up(sock: socket.socket) -> None:
    """Wake a thread blocked reading ``sock``: its next read returns at once."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
