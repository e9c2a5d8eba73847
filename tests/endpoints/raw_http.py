"""Plain HTTP calls for the contract tests (what curl or SageMaker would send)."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any

from pixellift.adapters.endpoint.server import EndpointServer


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    server: EndpointServer,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        return Answer(
            response.status,
            response.getheader("Content-Type", ""),
            data,
            {name.lower(): value for name, value in response.getheaders()},
        )
    finally:
        connection.close()


def invoke(
    server: EndpointServer, body: bytes, content_type: str, accept: str | None = None
) -> Answer:
    headers = {"Content-Type": content_type}
    if accept is not None:
        headers["Accept"] = accept
    return call(server, "POST", "/invocations", body, headers)
