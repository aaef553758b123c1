"""A fault-injecting HTTP proxy on loopback in front of moto server: chosen AWS operations fail, drop or hang."""
from __future__ import annotations

import http.client
import json
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal
from urllib.parse import urlsplit

from local.http_server import BackgroundServer

# The X-Amz-Target prefix of each JSON-protocol service PayKit uses, and the namespace botocore reads from __type.
_SERVICES = {"DynamoDB_20120810": "dynamodb", "secretsmanager": "secretsmanager", "AmazonSQS": "sqs"}
_NAMESPACES = {"dynamodb": "com.amazonaws.dynamodb.v20120810", "secretsmanager": "com.amazonaws.secretsmanager",
               "sqs": "com.amazonaws.sqs"}
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "upgrade"}


@dataclass
class Fault:
    """After `after` calls pass through, the next `count` calls of `service`/`operation` get this answer instead.

    `action`: "error" answers AWS's JSON error (`status`, `code`, plus `extra` fields such as CancellationReasons);
    "drop" closes the connection without an answer; "hang" holds the request `hang_seconds`, then drops it.
    """

    service: str
    operation: str
    count: int = 1
    action: Literal["error", "drop", "hang"] = "error"
    status: int = 400
    code: str = "ThrottlingException"
    extra: dict[str, Any] = field(default_factory=dict)
    hang_seconds: float = 5.0
    after: int = 0
    seen: int = 0
    hits: int = 0
    fired: threading.Event = field(default_factory=threading.Event)  # set on the first hit: tests wait on it

    def body(self) -> bytes:
        return json.dumps({"__type": f"{_NAMESPACES.get(self.service, self.service)}#{self.code}",
                           "message": f"injected by fault_proxy: {self.code}", **self.extra}).encode()


class FaultProxy(BackgroundServer):
    """Forwards every request to `upstream` (moto) unless an armed fault matches it; counts calls per operation."""

    def __init__(self, upstream: str, host: str = "127.0.0.1", port: int = 0) -> None:
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.calls: Counter[tuple[str, str]] = Counter()
        super().__init__(host, port, self._handler_class(), "fault-proxy")

    def stop(self) -> None:
        self._stopping.set()  # releases hanging requests
        super().stop()

    def inject(self, service: str, operation: str, count: int = 1, **kw: Any) -> Fault:
        fault = Fault(service, operation, count, **kw)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.calls.clear()

    def _take(self, service: str, operation: str) -> Fault | None:
        with self._lock:
            self.calls[(service, operation)] += 1
            for fault in self._faults:
                if fault.service == service and fault.operation == operation and fault.hits < fault.count:
                    fault.seen += 1
                    if fault.seen <= fault.after:
                        continue
                    fault.hits += 1
                    fault.fired.set()
                    return fault
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects

            def log_message(self, *_args: Any) -> None:  # no access log on the test output
                pass

            def _any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                prefix, _, operation = (self.headers.get("X-Amz-Target") or "").partition(".")
                fault = proxy._take(_SERVICES.get(prefix, prefix), operation) if operation else None
                if fault is not None and fault.action != "error":
                    if fault.action == "hang":
                        proxy._stopping.wait(fault.hang_seconds)
                    self.close_connection = True
                    self.connection.close()  # no answer at all: the client sees a dropped connection
                    return
                if fault is not None:
                    self._answer(fault.status, {"Content-Type": "application/x-amz-json-1.0",
                                                "x-amzn-RequestId": str(uuid.uuid4())}, fault.body())
                    return
                self._forward(body)

            def _forward(self, body: bytes) -> None:
                upstream = http.client.HTTPConnection(*proxy._upstream, timeout=60)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    reply = upstream.getresponse()
                    data = reply.read()
                    headers = {k: v for k, v in reply.getheaders() if k.lower() not in _HOP_BY_HOP}
                    self._answer(reply.status, headers, data)
                finally:
                    upstream.close()

            def _answer(self, status: int, headers: dict[str, str], data: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any

        return Handler
