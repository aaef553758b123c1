"""The threaded HTTP servers of the local stack (the gateway, the fault proxy), run on a daemon thread."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Server(ThreadingHTTPServer):
    # socketserver's listen backlog of 5 resets connections when dozens of clients connect at once (bench.load).
    request_queue_size = 128
    daemon_threads = True


class BackgroundServer:
    """`url`, `start` and `stop` of a threaded HTTP server on `host:port` (0: a free port)."""

    def __init__(self, host: str, port: int, handler: type[BaseHTTPRequestHandler], name: str) -> None:
        self.server = _Server((host, port), handler)
        self._name = name

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Any:
        threading.Thread(target=self.server.serve_forever, name=self._name, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
