"""HTTP/1.1 binding of :class:`EndpointApp` on the standard library's threading server.

Why not a web framework: a model server has two routes, and the time goes into the model, not
the HTTP layer. ``http.server`` with one thread per connection, persistent connections (SageMaker
and the HTTP adapter keep them open), a ``Content-Length`` check before the body is read and an
idle timeout on every socket covers what the SageMaker contract needs, with no dependency. The
model work itself is bounded by the app's worker pool, not by the number of connections.
"""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Final

from pixellift.adapters.endpoint.app import EndpointApp, Request, Response, error_response
from pixellift.core.contracts.endpoints import ItemError

_LOG: Final = logging.getLogger(__name__)
IDLE_TIMEOUT_S: Final = 75.0
"""Idle keep-alive connections and stalled uploads are closed after this many seconds (above
the 60 s SageMaker gives an invocation, so a slow but live client is not cut off)."""
DRAIN_LIMIT: Final = 16 * 2**20
"""Most bytes of a refused body read and dropped so that the client gets the answer."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: EndpointApp) -> None:
        self.app = app
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_S
    server: _Server
    server_version = "pixellift-endpoint"

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        _LOG.debug("%s " + format, self.address_string(), *args)

    def _refuse(self, status: int, type_: str, message: str, unread: int = 0) -> None:
        # The body is not read, so the connection cannot carry another request. Up to
        # DRAIN_LIMIT bytes of it are read and dropped first: closing a socket with unread data
        # resets it, and the client would see the reset instead of this answer.
        self.close_connection = True
        try:
            while unread > 0:
                chunk = self.rfile.read(min(unread, 1 << 20, DRAIN_LIMIT))
                if not chunk:
                    break
                unread -= len(chunk)
        except OSError:
            pass
        self._send(error_response(ItemError(status=status, type=type_, message=message)))

    def _dispatch(self) -> None:
        app = self.server.app
        body = b""
        if self.command in ("POST", "PUT", "PATCH"):
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                self._refuse(411, "LengthRequired", "send the body with a Content-Length")
                return
            raw = self.headers.get("Content-Length")
            if raw is None or not raw.strip().isdigit():
                self._refuse(411, "LengthRequired", "a Content-Length header is required")
                return
            length = int(raw)
            if length > app.limits.max_request_bytes:
                self._refuse(
                    413,
                    "RequestTooLarge",
                    f"the body is {length:,} bytes, over the "
                    f"{app.limits.max_request_bytes:,}-byte limit",
                    unread=min(length, DRAIN_LIMIT),
                )
                return
            body = self.rfile.read(length)
            if len(body) != length:
                self._refuse(400, "IncompleteBody", f"got {len(body)} of {length} bytes")
                return
        headers = {name.lower(): value for name, value in self.headers.items()}
        method = "GET" if self.command == "HEAD" else self.command
        self._send(app.handle(Request(method, self.path, headers, body)))

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)


class EndpointServer:
    """An :class:`EndpointApp` listening on a TCP port.

    Parameters
    ----------
    app
        The request handler.
    host
        Interface to bind (``0.0.0.0`` in a container, ``127.0.0.1`` for local use).
    port
        Port to bind; 0 picks a free one (see :attr:`port`).
    """

    def __init__(self, app: EndpointApp, host: str = "127.0.0.1", port: int = 8080) -> None:
        self.app = app
        self._httpd = _Server((host, port), app)
        self._thread: threading.Thread | None = None
        self._serving = False

    @property
    def port(self) -> int:
        """The bound port."""
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Base URL for clients on this machine."""
        host = str(self._httpd.server_address[0])
        host = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104 - display only
        return f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        """Serve in the calling thread until :meth:`shutdown` is called from another."""
        self._serving = True
        self._httpd.serve_forever(poll_interval=0.05)

    def start(self) -> EndpointServer:
        """Serve in a background thread and return at once."""
        self._serving = True
        self._thread = threading.Thread(
            target=self.serve_forever, name=f"endpoint-{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def shutdown(self) -> None:
        """Stop accepting, close the socket and stop the model workers."""
        if self._serving:
            self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self.app.close()

    def __enter__(self) -> EndpointServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.shutdown()
