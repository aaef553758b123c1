"""A harness for driving the emulator (its own suite, the conformance lifecycle, benchmarks): a loopback webhook
receiver, SDK clients, and shortcuts through the emulator's `/_emulator` routes."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests
import stripe

DAY = 86400
WAIT = 15.0  # upper bound for anything asynchronous (never reached when things work)


def client_for(url: str, key: str, **options: Any) -> stripe.StripeClient:
    options.setdefault("max_network_retries", 0)
    return stripe.StripeClient(key, base_addresses={"api": url}, **options)


class Receiver:
    """A loopback HTTP server recording each webhook POST; answers the queued statuses, then `default_status`."""

    def __init__(self, default_status: int = 200, on_request: Any = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.pages: list[str] = []  # paths of GET requests (a browser landing on a success URL)
        self.on_request = on_request  # called with (headers, body) before answering, e.g. to call the emulator
        self.statuses: list[int] = []
        self.default_status = default_status
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.on_request is not None:
                    receiver.on_request(dict(self.headers), body)
                with receiver._cond:
                    status = receiver.statuses.pop(0) if receiver.statuses else receiver.default_status
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                              "status": status})
                    receiver._cond.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def do_GET(self) -> None:  # noqa: N802 (a success or return page for browser tests)
                with receiver._cond:
                    receiver.pages.append(self.path)
                    receiver._cond.notify_all()
                page = b"<!doctype html><title>Back on the shop</title><h1 id='landed'>Thanks!</h1>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def url(self) -> str:
        return f"{self.base}/webhooks"

    def wait_for(self, count: int, timeout: float = WAIT) -> list[dict[str, Any]]:
        with self._cond:
            self._cond.wait_for(lambda: len(self.requests) >= count, timeout=timeout)
            return list(self.requests)

    def events(self, status: int | None = 200) -> list[dict[str, Any]]:
        """Payloads received (by default those answered 2xx), in arrival order."""
        with self._cond:
            return [json.loads(r["body"]) for r in self.requests if status is None or r["status"] == status]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Emu:
    """One test's view of the emulator: an account, its SDK client, and the `/_emulator` shortcuts."""

    def __init__(self, server: Any, name: str = "Acme", **settings: Any) -> None:
        self.server = server
        self.url = server.url
        self.account = self.admin("POST", "/accounts", {"name": name, **settings}).json()
        self.client = client_for(self.url, self.account["test_secret_key"])

    def admin(self, method: str, path: str, body: dict | None = None, **kwargs: Any) -> requests.Response:
        return requests.request(method, f"{self.url}/_emulator{path}", json=body, timeout=WAIT, **kwargs)

    def price(self, amount: int = 1900, interval: str | None = "month", count: int = 1, product: str | None = None,
              **params: Any) -> stripe.Price:
        product = product or self.client.v1.products.create({"name": params.pop("name", "Pro")}).id
        spec: dict[str, Any] = {"product": product, "unit_amount": amount, "currency": "usd", **params}
        if interval:
            spec["recurring"] = {"interval": interval, "interval_count": count}
        return self.client.v1.prices.create(spec)

    def session(self, price: stripe.Price, **params: Any) -> stripe.checkout.Session:
        spec = {"mode": "subscription" if price.recurring else "payment",
                "line_items": [{"price": price.id, "quantity": params.pop("quantity", 1)}],
                "success_url": "http://127.0.0.1:9/done?session_id={CHECKOUT_SESSION_ID}",
                "cancel_url": "http://127.0.0.1:9/cancel", **params}
        if "customer" not in spec:
            spec.setdefault("customer_email", "buyer@example.com")
        return self.client.v1.checkout.sessions.create(spec)

    def pay(self, session_id: str, card: str = "4242424242424242", **extra: Any) -> dict:
        response = self.admin("POST", f"/checkout/{session_id}/pay", {"card": card, **extra})
        assert response.status_code in (200, 402), response.text
        return response.json()

    def clock(self, frozen_time: int | None = None) -> stripe.test_helpers.TestClock:
        return self.client.v1.test_helpers.test_clocks.create({"frozen_time": frozen_time or int(time.time())})

    def subscribe(self, price: stripe.Price, card: str = "4242424242424242", clock: Any = None,
                  **session_params: Any) -> stripe.Subscription:
        """A customer (on `clock` if given) subscribed through Checkout; returns the subscription."""
        customer = self.client.v1.customers.create(
            {"email": "buyer@example.com", **({"test_clock": clock.id} if clock else {})})
        session = self.session(price, customer=customer.id, **session_params)
        result = self.pay(session.id, card)
        assert result["status"] == "succeeded", result
        return self.client.v1.subscriptions.retrieve(result["session"]["subscription"])

    def advance(self, clock: Any, seconds: int) -> stripe.test_helpers.TestClock:
        clock = self.client.v1.test_helpers.test_clocks.retrieve(clock.id)
        return self.client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": clock.frozen_time + seconds})

    def events(self, **params: Any) -> list[stripe.Event]:
        """Events of the test account, oldest first."""
        return list(reversed(list(self.client.v1.events.list({"limit": 100, **params}).auto_paging_iter())))

    def types(self, after: list[stripe.Event] | None = None, **params: Any) -> list[str]:
        seen = {e.id for e in after or []}
        return [e.type for e in self.events(**params) if e.id not in seen]

    def wait_deliveries(self) -> dict:
        response = self.admin("POST", "/deliveries/wait", {"timeout": WAIT})
        assert response.json()["idle"], response.text
        return response.json()
