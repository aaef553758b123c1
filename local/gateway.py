"""The local API gateway: HTTP requests become API Gateway HTTP API (v2) events for the deployed handlers.

Routes (and the $default route, for whatever no route takes) are read from template.yaml, so the local stack serves
exactly what is deployed. Dev-only extras live under /_local/ and are never part of a deployed function.
"""
from __future__ import annotations

import base64
import json
import re
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit

from local import lambda_host
from local.http_server import BackgroundServer
from local.template import default_route_function, http_routes
from paykit.routing import path_pattern

_TEXT_TYPES = ("application/json", "text/", "application/x-www-form-urlencoded", "application/xml")


@dataclass(frozen=True)
class CompiledRoute:
    method: str
    template_path: str
    function: str
    pattern: re.Pattern[str]

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.template_path}"


def compile_routes() -> list[CompiledRoute]:
    compiled = [CompiledRoute(route.method.upper(), route.path, route.function, path_pattern(route.path))
                for route in http_routes()]
    # Literal routes win over parameterised ones, as in API Gateway.
    return sorted(compiled, key=lambda r: r.template_path.count("{"))


@dataclass(frozen=True)
class Target:
    """Where API Gateway sends a request: the function, the route key and the path parameters."""

    function: str
    route_key: str
    path_params: dict[str, str]


def find_target(routes: list[CompiledRoute], method: str, path: str) -> Target:
    """The route with this method and path, else the $default route's function (404 / 405 in the envelope)."""
    for route in routes:
        if route.method in (method, "ANY"):
            match = route.pattern.match(path)
            if match:
                return Target(route.function, route.route_key, match.groupdict())
    default = default_route_function()
    if default is None:
        raise LookupError("template.yaml has no $default route")
    return Target(default, "$default", {})


def build_event(route_key: str, method: str, raw_path: str, query: str, headers: dict[str, str],
                body: bytes, host: str, path_params: dict[str, str]) -> dict[str, Any]:
    content_type = headers.get("content-type", "")
    is_text = not body or (any(content_type.startswith(t) for t in _TEXT_TYPES) and _is_utf8(body))
    query_params: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        query_params[key] = f"{query_params[key]},{value}" if key in query_params else value
    now = time.time()
    return {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": query,
        "headers": headers,
        "queryStringParameters": query_params or None,
        "pathParameters": path_params or None,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": host,
            "domainPrefix": host.split(".")[0],
            "http": {"method": method, "path": raw_path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                     "userAgent": headers.get("user-agent", "")},
            "requestId": str(uuid.uuid4()),
            "routeKey": route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "body": (body.decode() if is_text else base64.b64encode(body).decode()) if body else None,
        "isBase64Encoded": bool(body) and not is_text,
    }


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode()
    except UnicodeDecodeError:
        return False
    return True


class Gateway(BackgroundServer):
    """A threaded HTTP server in front of the handlers; `extra_routes` serve the dev-only /_local/ endpoints."""

    def __init__(self, host: str = "127.0.0.1", port: int = 3000,
                 extra_routes: dict[tuple[str, str], Callable[[dict[str, Any]], tuple[int, Any]]] | None = None,
                 invoke: Callable[[str, dict[str, Any]], Any] = lambda_host.invoke) -> None:
        self.routes = compile_routes()
        self.extra_routes = extra_routes or {}
        self._invoke = invoke
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet: the handlers log structurally
                pass

            def _handle(self) -> None:
                gateway.serve(self)

            # Every method API Gateway accepts: one no route serves goes to the $default route, never http.server's
            # 501.
            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_TRACE = do_QUERY = _handle

        super().__init__(host, port, Handler, "local-gateway")

    def serve(self, request: BaseHTTPRequestHandler) -> None:
        split = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in request.headers.items()}
        method = request.command.upper()

        extra = self.extra_routes.get((method, split.path))
        if extra is not None:
            status, payload = extra({"headers": headers, "body": body, "query": split.query})
            if isinstance(payload, bytes):  # a static page (Swagger UI)
                return _write(request, status, {"content-type": "text/html; charset=utf-8"}, payload)
            if isinstance(payload, tuple):  # a static file with its own headers (the dashboard's files)
                return _write(request, status, payload[1], payload[0])
            return _write(request, status, {"content-type": "application/json"}, json.dumps(payload).encode())

        target = find_target(self.routes, method, split.path)
        event = build_event(target.route_key, method, split.path, split.query, headers, body,
                            headers.get("host", "127.0.0.1"), target.path_params)
        _write_result(request, self._invoke(target.function, event))


def _write_result(request: BaseHTTPRequestHandler, result: Any) -> None:
    if not isinstance(result, dict) or "statusCode" not in result:  # HTTP API's inferred format
        return _write(request, 200, {"content-type": "application/json"}, json.dumps(result).encode())
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    headers = {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}
    for key, values in (result.get("multiValueHeaders") or {}).items():
        headers[key.lower()] = ",".join(values)
    _write(request, int(result["statusCode"]), headers, raw)


def _write(request: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes) -> None:
    request.send_response(status)
    for key, value in headers.items():
        if key not in ("content-length", "connection"):
            request.send_header(key, value)
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    if request.command != "HEAD" and status != 204:
        request.wfile.write(body)
