"""EmulatorServer: the emulator on a threaded local HTTP server, in a background thread or in the foreground."""

from __future__ import annotations

import logging
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from ..engine.delivery import Dispatcher
from ..engine.faults import Faults
from ..engine.store import State
from .app import EmulatorApp


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request (tests make thousands); errors still go to the `werkzeug` logger."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        if logging.getLogger("stripe_emulator").isEnabledFor(logging.DEBUG):
            super().log_request(*args, **kwargs)


class EmulatorServer:
    """A stateful Stripe API emulator.

    `delivery_backoff` is the first webhook retry delay in seconds (doubling per attempt, `delivery_max_attempts`
    attempts in all, each with `delivery_timeout`). `public_url` is the base of the hosted pages' URLs when the
    emulator is reached under another name than host:port.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, delivery_backoff: float = 1.0,
                 delivery_max_attempts: int = 6, delivery_timeout: float = 10.0,
                 public_url: str | None = None) -> None:
        self.host = host
        self._requested_port = port
        self._public_url = public_url.rstrip("/") if public_url else None
        self.dispatcher = Dispatcher(backoff=delivery_backoff, max_attempts=delivery_max_attempts,
                                     timeout=delivery_timeout)
        self.state = State(self.dispatcher)
        self._stopping = threading.Event()
        self.app = EmulatorApp(self.state, Faults(), self._stopping)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        return self._server.server_port

    @property
    def url(self) -> str:
        """Base URL of the API, e.g. `http://127.0.0.1:54321` (pass it as `base_addresses={"api": url}`)."""
        return self.state.base_url

    def _bind(self) -> None:
        self._stopping.clear()
        self.dispatcher.open()
        self._server = make_server(self.host, self._requested_port, self.app, threaded=True,
                                   request_handler=_QuietHandler)
        self._server.daemon_threads = True
        local_host = "127.0.0.1" if self.host in ("0.0.0.0", "", "::") else self.host
        self.state.base_url = self._public_url or f"http://{local_host}:{self._server.server_port}"

    def start(self) -> EmulatorServer:
        """Listens (the socket is bound when this returns) and serves from a background thread."""
        if self._server is not None:
            return self
        self._bind()
        assert self._server is not None
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="stripe-emulator", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Runs in the calling thread until interrupted (the standalone `python -m stripe_emulator`)."""
        self._bind()
        assert self._server is not None
        try:
            self._server.serve_forever(poll_interval=0.5)
        finally:
            self._shutdown_workers()
            self._server.server_close()
            self._server = None

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()  # releases requests hanging on a fault
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._shutdown_workers()
        self._server = None
        self._thread = None

    def _shutdown_workers(self) -> None:
        self._stopping.set()
        self.dispatcher.stop()

    def reset(self) -> None:
        """Forgets every account, object, event, delivery and fault."""
        self.app.reset()

    def create_account(self, name: str | None = None, **settings: Any) -> dict[str, str]:
        """Same as `POST /_emulator/accounts`: the account id and its six keys."""
        account, keys = self.state.create_account(name, **settings)
        return {**keys, "name": account.name}

    def wait_for_deliveries(self, timeout: float = 10.0) -> bool:
        """True once no webhook delivery is queued or in flight."""
        return self.dispatcher.wait_idle(timeout)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
