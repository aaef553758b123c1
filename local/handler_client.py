"""An in-process client: requests become API Gateway v2 events for the real handlers, routed as template.yaml says."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlencode

from local import lambda_host
from local.gateway import build_event, compile_routes, find_target

# Called with (method, path, reply) for every reply: the test suite's secret scan (tests/secret_scan.py) reads them.
RESPONSE_OBSERVERS: list[Callable[[str, str, "Reply"], None]] = []


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


class HandlerClient:
    """Routes like API Gateway (from template.yaml) and invokes the handler in this process."""

    def __init__(self, host: str = "api.example.test") -> None:
        self.routes = compile_routes()
        self.host = host

    def request(self, method: str, path: str, *, token: str | None = None, json_body: Any = None,
                raw_body: str | bytes | None = None, headers: dict[str, str] | None = None,
                query: dict[str, Any] | None = None) -> Reply:
        all_headers = {"content-type": "application/json", "host": self.host}
        if token:
            all_headers["authorization"] = f"Bearer {token}"
        all_headers.update({k.lower(): v for k, v in (headers or {}).items()})
        body = raw_body if raw_body is not None else (json.dumps(json_body) if json_body is not None else b"")
        body_bytes = body.encode() if isinstance(body, str) else body
        target = find_target(self.routes, method.upper(), path)
        event = build_event(target.route_key, method.upper(), path, urlencode(query or {}), all_headers, body_bytes,
                            self.host, target.path_params)
        result = lambda_host.invoke(target.function, event)
        reply = Reply(result["statusCode"], {k.lower(): v for k, v in result.get("headers", {}).items()},
                      result.get("body") or "")
        for observe in RESPONSE_OBSERVERS:
            observe(method.upper(), path, reply)
        return reply

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Reply:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Reply:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> Reply:
        return self.request("DELETE", path, **kw)
