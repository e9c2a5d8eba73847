"""HTTP transport to a model server (``pixellift endpoint serve`` or the container run locally).

One persistent HTTP/1.1 connection per calling thread; a connection the server closed while idle
is reopened once, transparently. Status codes are classified for :class:`ResilientInvoker`: 429
and 503 are throttling, other 5xx and network errors are faults, other 4xx are rejections.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
from typing import Final
from urllib.parse import urlsplit

from pixellift.adapters.endpoint.resilience import (
    EndpointFaultError,
    EndpointRejectedError,
    EndpointThrottledError,
    Reply,
)

_THROTTLED: Final = frozenset({429, 503})
_OK: Final = 200
_CLIENT_ERROR: Final = 400
_SERVER_ERROR: Final = 500
_STALE: Final = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


def _error_details(body: bytes) -> tuple[str, str]:
    """The error class and message from an error body, whatever its shape."""
    try:
        error = json.loads(body)["error"]
        return str(error["type"]), str(error["message"])
    except (ValueError, KeyError, TypeError):
        return "HTTPError", body[:200].decode("utf-8", "replace")


class HttpTransport:
    """Posts to ``<url>/invocations`` and reads ``<url>/ping``.

    Parameters
    ----------
    url
        ``http://host:port`` of the server.
    connect_timeout_s
        Time allowed to open a connection.
    read_timeout_s
        Time allowed for the answer (SageMaker gives an invocation 60 s).
    """

    def __init__(
        self, url: str, *, connect_timeout_s: float = 2.0, read_timeout_s: float = 60.0
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"expected an http://host:port URL, got {url!r}")
        self._host = parts.hostname
        self._port = parts.port or 80
        self._prefix = parts.path.rstrip("/")
        self._connect_timeout_s = connect_timeout_s
        self._read_timeout_s = read_timeout_s
        self._local = threading.local()
        self._open: set[http.client.HTTPConnection] = set()
        self._lock = threading.Lock()
        self.target = f"http://{self._host}:{self._port}{self._prefix}"

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is not None:
            return connection, True
        connection = http.client.HTTPConnection(
            self._host, self._port, timeout=self._connect_timeout_s
        )
        connection.connect()
        if connection.sock is not None:
            connection.sock.settimeout(self._read_timeout_s)
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._local.connection = connection
        with self._lock:
            self._open.add(connection)
        return connection, False

    def _drop(self) -> None:
        """Close the calling thread's connection (after an error or a ``close`` answer)."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None
            with self._lock:
                self._open.discard(connection)

    def close(self) -> None:
        """Close every connection this transport opened, in all threads."""
        with self._lock:
            connections, self._open = self._open, set()
        for connection in connections:
            connection.close()
        self._local = threading.local()

    def _exchange(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, str, bytes]:
        for _ in range(2):
            try:
                connection, reused = self._connection()
            except OSError as exc:
                raise EndpointFaultError(f"cannot connect to {self.target}: {exc}") from exc
            try:
                connection.request(method, self._prefix + path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
            except _STALE as exc:
                self._drop()
                if reused:
                    continue  # the server closed the idle connection: reopen it once
                raise EndpointFaultError(f"{self.target} dropped the connection: {exc}") from exc
            except TimeoutError as exc:
                self._drop()
                raise EndpointFaultError(
                    f"{self.target} did not answer within {self._read_timeout_s:g} s"
                ) from exc
            except (OSError, http.client.HTTPException) as exc:
                self._drop()
                raise EndpointFaultError(f"{self.target}: {type(exc).__name__}: {exc}") from exc
            if response.will_close:
                self._drop()
            return response.status, response.getheader("Content-Type", ""), data
        raise EndpointFaultError(f"{self.target} keeps dropping the connection")

    def invoke(self, body: bytes, content_type: str, accept: str) -> Reply:
        """POST ``/invocations``.

        Raises
        ------
        EndpointThrottledError, EndpointFaultError, EndpointRejectedError
            Classified by status (see the module docstring).
        """
        headers = {"Content-Type": content_type, "Accept": accept}
        status, media, data = self._exchange("POST", "/invocations", body, headers)
        if status == _OK:
            return Reply(media, data)
        error_type, message = _error_details(data)
        if status in _THROTTLED:
            raise EndpointThrottledError(f"{status} {error_type}: {message}")
        if status >= _SERVER_ERROR or status < _CLIENT_ERROR:
            raise EndpointFaultError(f"{status} {error_type}: {message}")
        raise EndpointRejectedError(status, error_type, message)

    def ping(self) -> bool:
        """Whether ``GET /ping`` answers 200."""
        try:
            status, _, _ = self._exchange("GET", "/ping", None, {})
        except EndpointFaultError:
            return False
        return status == _OK
