"""Webhook endpoints (the API resource) and signed, asynchronous, retried delivery of events to them."""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import json
import re
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from . import errors
from .events import type_matches
from .ids import new_id, random_suffix
from .params import get_bool, get_list, get_metadata, get_str
from .render import paginate, public, render
from .routes import Ctx, api, retrieve
from .store import World

_EVENT_TYPE = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
MAX_ENDPOINTS = 16  # per account and mode, as Stripe limits them
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """`Stripe-Signature`: HMAC-SHA256 of `"{t}.{body}"` with the endpoint secret."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


@dataclass
class Attempt:
    attempted_at: float
    status_code: int | None
    error: str | None
    response_body: str | None

    def public(self) -> dict[str, Any]:
        return {"attempted_at": round(self.attempted_at, 3), "status_code": self.status_code, "error": self.error,
                "response_body": self.response_body}


@dataclass
class Delivery:
    id: str
    event_id: str
    event_type: str
    endpoint_id: str
    account_id: str
    livemode: bool
    body: bytes
    created: float
    status: str = "pending"  # pending | succeeded | failed
    attempts: list[Attempt] = field(default_factory=list)
    next_attempt_at: float | None = None
    chain_start: int = 0  # index of the first attempt of the current series (a resend starts a new one)

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id, "object": "emulator.webhook_delivery", "event": self.event_id, "type": self.event_type,
            "endpoint": self.endpoint_id, "account": self.account_id, "livemode": self.livemode,
            "status": self.status, "attempts": [a.public() for a in self.attempts],
            "next_attempt_at": round(self.next_attempt_at, 3) if self.next_attempt_at else None,
            "created": round(self.created, 3),
        }


class Dispatcher:
    """One worker thread per endpoint sends its deliveries in event order; failures are retried with backoff.

    Deliveries are never made while the state lock is held, so a receiver may call back into the emulator.
    Lock order is state lock -> dispatcher lock, never the reverse.
    """

    def __init__(self, backoff: float = 1.0, max_attempts: int = 6, timeout: float = 10.0) -> None:
        self.backoff = backoff
        self.max_attempts = max_attempts
        self.timeout = timeout
        self._cond = threading.Condition()
        self._endpoints: dict[str, dict[str, Any]] = {}  # id -> {"url", "secret", "enabled"}
        self._queues: dict[str, list[tuple[float, int, str]]] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._deliveries: dict[str, Delivery] = {}
        self._by_event: dict[str, list[str]] = {}
        self._in_flight = 0
        self._seq = itertools.count()
        self._stopping = False
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # --- called under the state lock ----------------------------------------------------------------------------

    def endpoint_changed(self, endpoint: dict[str, Any]) -> None:
        with self._cond:
            self._endpoints[endpoint["id"]] = {"url": endpoint["url"], "secret": endpoint["_secret"],
                                               "enabled": endpoint["status"] == "enabled"}
            self._cond.notify_all()

    def endpoint_deleted(self, endpoint_id: str) -> None:
        with self._cond:
            self._endpoints.pop(endpoint_id, None)
            for _, _, delivery_id in self._queues.pop(endpoint_id, []):
                delivery = self._deliveries[delivery_id]
                delivery.status, delivery.next_attempt_at = "failed", None
            self._cond.notify_all()

    def event_created(self, world: World, event: dict[str, Any]) -> None:
        targets = [ep for ep in world.collections["webhook_endpoints"].values()
                   if ep["status"] == "enabled" and any(type_matches(p, event["type"]) for p in ep["enabled_events"])]
        if not targets:
            return
        payload = public(event)
        payload["pending_webhooks"] = len(targets)
        with self._cond:
            for endpoint in targets:
                body = dict(payload, api_version=endpoint.get("api_version") or payload["api_version"])
                delivery = Delivery(
                    id=new_id("whdel"), event_id=event["id"], event_type=event["type"], endpoint_id=endpoint["id"],
                    account_id=world.account.id, livemode=world.livemode, created=time.time(),
                    body=json.dumps(body, indent=2).encode(),
                )
                self._deliveries[delivery.id] = delivery
                self._by_event.setdefault(event["id"], []).append(delivery.id)
                self._schedule(delivery, time.time())

    def pending_count(self, event_id: str) -> int:
        with self._cond:
            return sum(1 for d in self._by_event.get(event_id, ()) if self._deliveries[d].status != "succeeded")

    def delivery_succeeded(self, event_id: str) -> bool:
        return self.pending_count(event_id) == 0

    # --- inspection and control (/_emulator routes) -------------------------------------------------------------

    def list(self, event_id: str | None = None, endpoint_id: str | None = None,
             status: str | None = None) -> list[dict[str, Any]]:
        with self._cond:
            return [d.public() for d in self._deliveries.values()
                    if (event_id is None or d.event_id == event_id)
                    and (endpoint_id is None or d.endpoint_id == endpoint_id)
                    and (status is None or d.status == status)]

    def get(self, delivery_id: str) -> dict[str, Any] | None:
        with self._cond:
            delivery = self._deliveries.get(delivery_id)
            return delivery.public() if delivery else None

    def resend(self, delivery_id: str) -> dict[str, Any] | None:
        with self._cond:
            delivery = self._deliveries.get(delivery_id)
            if delivery is None:
                return None
            if delivery.endpoint_id not in self._endpoints:
                raise errors.invalid("The webhook endpoint of this delivery no longer exists.")
            if delivery.status != "pending":
                delivery.status = "pending"
                delivery.chain_start = len(delivery.attempts)
                self._schedule(delivery, time.time())
            return delivery.public()

    def wait_idle(self, timeout: float) -> bool:
        """True once nothing is queued or in flight (deliveries still waiting for a retry count as queued)."""
        with self._cond:
            return self._cond.wait_for(self._idle, timeout=timeout)

    def flush(self, timeout: float) -> bool:
        """Makes every scheduled retry due now, then waits until all deliveries settle."""
        with self._cond:
            now = time.time()
            for endpoint_id, queue in self._queues.items():
                self._queues[endpoint_id] = [(now, seq, d) for _, seq, d in queue]
                heapq.heapify(self._queues[endpoint_id])
                for _, _, delivery_id in queue:
                    self._deliveries[delivery_id].next_attempt_at = now
            self._cond.notify_all()
            return self._cond.wait_for(self._idle, timeout=timeout)

    def reset(self) -> None:
        with self._cond:
            self._endpoints.clear()
            self._queues.clear()
            self._deliveries.clear()
            self._by_event.clear()
            self._cond.notify_all()

    def open(self) -> None:
        """Accepts work again after `stop` (a server started anew)."""
        with self._cond:
            self._stopping = False

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            threads = list(self._threads.values())
        for thread in threads:
            thread.join(timeout=self.timeout + 1)

    # --- internals ----------------------------------------------------------------------------------------------

    def _idle(self) -> bool:
        return self._in_flight == 0 and not any(self._queues.values())

    def _schedule(self, delivery: Delivery, due: float) -> None:
        delivery.next_attempt_at = due
        heapq.heappush(self._queues.setdefault(delivery.endpoint_id, []), (due, next(self._seq), delivery.id))
        thread = self._threads.get(delivery.endpoint_id)
        if thread is None or not thread.is_alive():
            thread = threading.Thread(target=self._work, args=(delivery.endpoint_id,),
                                      name=f"webhooks-{delivery.endpoint_id}", daemon=True)
            self._threads[delivery.endpoint_id] = thread
            thread.start()
        self._cond.notify_all()

    def _next(self, endpoint_id: str) -> tuple[Delivery, dict[str, Any]] | None:
        with self._cond:
            while True:
                if self._stopping or endpoint_id not in self._endpoints:
                    self._threads.pop(endpoint_id, None)
                    return None
                queue = self._queues.get(endpoint_id) or []
                now = time.time()
                if queue and queue[0][0] <= now:
                    _, _, delivery_id = heapq.heappop(queue)
                    self._in_flight += 1
                    return self._deliveries[delivery_id], dict(self._endpoints[endpoint_id])
                if not queue:
                    # Nothing left: the thread ends; the next delivery starts a new one.
                    self._threads.pop(endpoint_id, None)
                    self._cond.notify_all()
                    return None
                self._cond.wait(timeout=queue[0][0] - now)

    def _work(self, endpoint_id: str) -> None:
        while True:
            item = self._next(endpoint_id)
            if item is None:
                return
            delivery, endpoint = item
            attempt = self._send(delivery, endpoint)
            with self._cond:
                self._in_flight -= 1
                if self._deliveries.get(delivery.id) is not delivery:
                    self._cond.notify_all()
                    continue  # state was reset while this delivery was in flight
                delivery.attempts.append(attempt)
                delivery.next_attempt_at = None
                failures = len(delivery.attempts) - delivery.chain_start
                if attempt.status_code is not None and 200 <= attempt.status_code < 300:
                    delivery.status = "succeeded"
                elif failures >= self.max_attempts or endpoint_id not in self._endpoints:
                    delivery.status = "failed"
                else:
                    self._schedule(delivery, time.time() + self.backoff * (2 ** (failures - 1)))
                self._cond.notify_all()

    def _send(self, delivery: Delivery, endpoint: dict[str, Any]) -> Attempt:
        started = time.time()
        if not endpoint["enabled"]:
            return Attempt(started, None, "endpoint disabled", None)
        request = urllib.request.Request(endpoint["url"], data=delivery.body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": sign(delivery.body, endpoint["secret"], int(started)),
            "User-Agent": USER_AGENT,
            "Accept": "*/*; q=0.5, text/xml",
            "Cache-Control": "no-cache",
        })
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return Attempt(started, response.status, None, _snippet(response.read()))
        except urllib.error.HTTPError as exc:
            return Attempt(started, exc.code, None, _snippet(exc.read()))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            return Attempt(started, None, f"{type(exc).__name__}: {exc}", None)


def _snippet(body: bytes) -> str:
    return body[:500].decode("utf-8", "replace")


# --- the webhook_endpoints resource -------------------------------------------------------------------------------


def _enabled_events(params: dict, required: bool) -> list[str] | None:
    if "enabled_events" not in params:
        if required:
            raise errors.missing_parameter("enabled_events")
        return None
    events = [str(e) for e in get_list(params, "enabled_events")]
    if not events:
        raise errors.invalid("You must specify at least one event type in enabled_events.", param="enabled_events")
    for i, name in enumerate(events):
        if name != "*" and not _EVENT_TYPE.match(name):
            raise errors.invalid(f"Invalid enabled_events[{i}]: unknown event type {name}",
                                 param=f"enabled_events[{i}]")
    return events


def _url(params: dict, required: bool) -> str | None:
    url = get_str(params, "url", required=required)
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise errors.invalid(f"Invalid URL: {url}", param="url", code="url_invalid")
    return url


@api("POST", "/v1/webhook_endpoints", "webhook_endpoints", "WebhookEndpointCreateParams")
def create_endpoint(ctx: Ctx, params: dict) -> dict:
    url = _url(params, True)
    events = _enabled_events(params, True)
    if len(ctx.world.collections["webhook_endpoints"]) >= MAX_ENDPOINTS:
        raise errors.invalid(f"You have reached the maximum of {MAX_ENDPOINTS} test webhook endpoints.")
    secret = f"whsec_{random_suffix(32)}"
    endpoint = ctx.world.add("webhook_endpoints", {
        "id": new_id("we"), "object": "webhook_endpoint", "api_version": get_str(params, "api_version"),
        "application": None, "created": ctx.world.now(), "description": get_str(params, "description"),
        "enabled_events": events, "livemode": ctx.livemode, "metadata": get_metadata(params), "status": "enabled",
        "url": url, "_secret": secret,
    })
    ctx.state.dispatcher.endpoint_changed(endpoint)
    out = render(ctx.world, "webhook_endpoints", endpoint, ctx.expand)
    out["secret"] = secret  # only the create response carries the signing secret
    return out


@api("GET", "/v1/webhook_endpoints", "webhook_endpoints", "WebhookEndpointListParams")
def list_endpoints(ctx: Ctx, params: dict) -> dict:
    items = list(ctx.world.newest_first("webhook_endpoints"))
    return paginate(ctx.world, "webhook_endpoints", items, params, "/v1/webhook_endpoints", ctx.expand)


retrieve("/v1/webhook_endpoints/<id>", "webhook_endpoints", "WebhookEndpointRetrieveParams")


@api("POST", "/v1/webhook_endpoints/<id>", "webhook_endpoints", "WebhookEndpointUpdateParams")
def update_endpoint(ctx: Ctx, params: dict, id: str) -> dict:
    endpoint = ctx.world.get("webhook_endpoints", id)
    url = _url(params, False)
    events = _enabled_events(params, False)
    disabled = get_bool(params, "disabled")
    if url is not None:
        endpoint["url"] = url
    if events is not None:
        endpoint["enabled_events"] = events
    if "description" in params:
        endpoint["description"] = get_str(params, "description") or None
    if disabled is not None:
        endpoint["status"] = "disabled" if disabled else "enabled"
    endpoint["metadata"] = get_metadata(params, endpoint["metadata"])
    ctx.state.dispatcher.endpoint_changed(endpoint)
    return render(ctx.world, "webhook_endpoints", endpoint, ctx.expand)


@api("DELETE", "/v1/webhook_endpoints/<id>", "webhook_endpoints", "WebhookEndpointDeleteParams")
def delete_endpoint(ctx: Ctx, params: dict, id: str) -> dict:
    ctx.world.get("webhook_endpoints", id)
    ctx.world.remove("webhook_endpoints", id)
    ctx.state.dispatcher.endpoint_deleted(id)
    return {"id": id, "object": "webhook_endpoint", "deleted": True}
