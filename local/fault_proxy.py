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
    "drop" closes the connection without an answer; "hang" holds the request `hang_seconds`, then drops it;
    "crash" is the function dying right after this call: the call reaches AWS (its write lands), no answer comes
    back, and no later call of the service's clients gets through until `clear()` (the container is gone).
    """

    service: str
    operation: str
    count: int = 1
    action: Literal["error", "drop", "hang", "crash"] = "error"
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


_WRITE_OPERATIONS = {"TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem"}


def _item_of(action: dict[str, Any]) -> tuple[str, str, str] | None:
    """(table, pk, sk) of one write (PayKit's key schema), from a transaction action or a single write's request."""
    (kind, body), = action.items()
    key = body.get("Item") if kind in ("Put", "PutItem") else body.get("Key")
    if not key or "pk" not in key:
        return None
    return body.get("TableName", ""), json.dumps(key["pk"]), json.dumps(key.get("sk"))


def _error_body(code: str, extra: dict[str, Any]) -> bytes:
    return json.dumps({"__type": f"{_NAMESPACES['dynamodb']}#{code}", "message": f"fault_proxy: {code}",
                       **extra}).encode()


class FaultProxy(BackgroundServer):
    """Forwards every request to `upstream` (moto) unless an armed fault matches it; counts calls per operation."""

    def __init__(self, upstream: str, host: str = "127.0.0.1", port: int = 0) -> None:
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.calls: Counter[tuple[str, str]] = Counter()
        self.dead = threading.Event()  # set by a "crash": nothing passes until clear()
        # DynamoDB's transaction conflicts (off unless collide() is called): items of in-flight transactions.
        self._hold_seconds: float | None = None
        self._held: Counter[tuple[str, str, str]] = Counter()
        self.conflicts = 0
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
            self._hold_seconds = None
            self.conflicts = 0
        self.dead.clear()

    def collide(self, hold_seconds: float = 0.2) -> None:
        """DynamoDB under pressure: each TransactWriteItems holds its items for `hold_seconds` before it reaches moto,
        and any transaction or single write that touches a held item is refused as DynamoDB refuses it
        (TransactionCanceledException with TransactionConflict reasons; TransactionConflictException)."""
        with self._lock:
            self._hold_seconds = hold_seconds

    def _claim(self, operation: str, body: bytes) -> tuple[list[tuple[str, str, str]], bytes | None]:
        """The items a write touches, claimed while it is in flight; or the conflict answer when one is held."""
        if self._hold_seconds is None or operation not in _WRITE_OPERATIONS:
            return [], None
        request = json.loads(body or b"{}")
        actions = request.get("TransactItems") if operation == "TransactWriteItems" else [{operation: request}]
        touched = [_item_of(action) for action in actions]
        with self._lock:
            clashes = [item is not None and self._held[item] > 0 for item in touched]
            if any(clashes):
                self.conflicts += 1
                if operation != "TransactWriteItems":
                    return [], _error_body("TransactionConflictException", {})
                reasons = [{"Code": "TransactionConflict" if clash else "None"} for clash in clashes]
                return [], _error_body("TransactionCanceledException", {"CancellationReasons": reasons})
            claimed = [item for item in touched if item is not None] if operation == "TransactWriteItems" else []
            for item in claimed:
                self._held[item] += 1
        return claimed, None

    def _release(self, claimed: list[tuple[str, str, str]]) -> None:
        with self._lock:
            for item in claimed:
                self._held[item] -= 1

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
                if proxy.dead.is_set():
                    self._hang_up()
                    return
                fault = proxy._take(_SERVICES.get(prefix, prefix), operation) if operation else None
                if fault is not None and fault.action == "crash":
                    self._forward(body, answer=False)
                    proxy.dead.set()
                    self._hang_up()
                    return
                claimed, conflict = proxy._claim(operation, body) if fault is None else ([], None)
                if conflict is not None:
                    self._answer(400, {"Content-Type": "application/x-amz-json-1.0",
                                       "x-amzn-RequestId": str(uuid.uuid4())}, conflict)
                    return
                if claimed:
                    try:
                        proxy._stopping.wait(proxy._hold_seconds or 0)  # in flight: a colliding write is refused
                        self._forward(body)
                    finally:
                        proxy._release(claimed)
                    return
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

            def _forward(self, body: bytes, answer: bool = True) -> None:
                upstream = http.client.HTTPConnection(*proxy._upstream, timeout=60)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    reply = upstream.getresponse()
                    data = reply.read()
                    headers = {k: v for k, v in reply.getheaders() if k.lower() not in _HOP_BY_HOP}
                    if answer:
                        self._answer(reply.status, headers, data)
                finally:
                    upstream.close()

            def _hang_up(self) -> None:
                self.close_connection = True
                self.connection.close()

            def _answer(self, status: int, headers: dict[str, str], data: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any

        return Handler
