"""Signed, asynchronous, retried delivery of events to webhook endpoints, with per-account or per-endpoint delivery
policies (concurrency, shuffling, duplicates) that make Stripe's lack of ordering and exactly-once happen on demand."""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import json
import random
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from . import errors
from .events import type_matches
from .ids import new_id
from .render import public
from .store import World

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
    duplicate: bool = False  # a re-send of an event the endpoint already acknowledged

    def public(self) -> dict[str, Any]:
        return {"attempted_at": round(self.attempted_at, 3), "status_code": self.status_code, "error": self.error,
                "response_body": self.response_body, "duplicate": self.duplicate}


MAX_CONCURRENCY = 16
MAX_WINDOW = 60.0


@dataclass
class DeliveryPolicy:
    """How an account's or endpoint's deliveries go out. The default is orderly: one delivery in flight, in event
    order. Stripe promises neither order nor exactly-once delivery; the other settings make that happen on demand,
    every delay bounded by `window` seconds so a test still settles quickly."""
    concurrency: int = 1  # deliveries in flight at once per endpoint
    shuffle: bool = False  # each first attempt waits a random 0..window s, so deliveries overtake each other
    duplicates: float = 0.0  # chance that an acknowledged delivery is sent again 0..window s later
    window: float = 2.0
    seed: int | None = None  # makes the random choices repeatable

    @classmethod
    def parse(cls, body: dict[str, Any]) -> DeliveryPolicy:
        chaotic = bool(body.get("shuffle")) or float(body.get("duplicates") or 0) > 0
        try:
            policy = cls(concurrency=int(body.get("concurrency", 4 if chaotic else 1)),
                         shuffle=body.get("shuffle") in (True, "true", "1", 1),
                         duplicates=float(body.get("duplicates", 0.0)), window=float(body.get("window", 2.0)),
                         seed=None if body.get("seed") is None else int(body["seed"]))
        except (TypeError, ValueError):
            raise errors.invalid("concurrency and seed are integers, duplicates and window numbers") from None
        if not 1 <= policy.concurrency <= MAX_CONCURRENCY:
            raise errors.invalid(f"concurrency must be between 1 and {MAX_CONCURRENCY}", param="concurrency")
        if not 0.0 <= policy.duplicates <= 1.0:
            raise errors.invalid("duplicates is a probability between 0 and 1", param="duplicates")
        if not 0.0 <= policy.window <= MAX_WINDOW:
            raise errors.invalid(f"window must be between 0 and {MAX_WINDOW} seconds", param="window")
        return policy

    def public(self) -> dict[str, Any]:
        return {"concurrency": self.concurrency, "shuffle": self.shuffle, "duplicates": self.duplicates,
                "window": self.window, "seed": self.seed}


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
    """Worker threads per endpoint (as many as its policy's `concurrency`) send its deliveries, by default one at a
    time in event order; failures are retried with backoff. A `DeliveryPolicy` per account or endpoint can shuffle
    them, send duplicates and run several at once (see `set_policy`).

    Deliveries are never made while the state lock is held, so a receiver may call back into the emulator.
    Lock order is state lock -> dispatcher lock, never the reverse.
    """

    def __init__(self, backoff: float = 1.0, max_attempts: int = 6, timeout: float = 10.0) -> None:
        self.backoff = backoff
        self.max_attempts = max_attempts
        self.timeout = timeout
        self._cond = threading.Condition()
        self._endpoints: dict[str, dict[str, Any]] = {}  # id -> {"url", "secret", "enabled"}
        # endpoint -> heap of (due, seq, delivery id, duplicate)
        self._queues: dict[str, list[tuple[float, int, str, bool]]] = {}
        self._threads: dict[str, set[threading.Thread]] = {}
        self._policies: dict[str, DeliveryPolicy] = {}  # account or endpoint id -> policy (the endpoint's wins)
        self._random = random.Random()
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
            for _, _, delivery_id, _ in self._queues.pop(endpoint_id, []):
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
                policy = self.policy(delivery.endpoint_id, delivery.account_id)
                delay = self._random.uniform(0, policy.window) if policy.shuffle else 0.0
                self._schedule(delivery, time.time() + delay)

    def pending_count(self, event_id: str) -> int:
        with self._cond:
            return sum(1 for d in self._by_event.get(event_id, ()) if self._deliveries[d].status != "succeeded")

    def delivery_succeeded(self, event_id: str) -> bool:
        return self.pending_count(event_id) == 0

    # --- inspection and control (/_emulator routes) -------------------------------------------------------------

    def set_policy(self, owner_id: str, policy: DeliveryPolicy | None) -> None:
        """The delivery policy of an account or an endpoint (None: back to the account's, or orderly)."""
        with self._cond:
            if policy is None:
                self._policies.pop(owner_id, None)
            else:
                self._policies[owner_id] = policy
                if policy.seed is not None:
                    self._random.seed(policy.seed)
            self._cond.notify_all()

    def policy(self, endpoint_id: str, account_id: str | None = None) -> DeliveryPolicy:
        with self._cond:
            return (self._policies.get(endpoint_id) or self._policies.get(account_id or "")
                    or DeliveryPolicy())

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
                self._queues[endpoint_id] = [(now, seq, d, dup) for _, seq, d, dup in queue]
                heapq.heapify(self._queues[endpoint_id])
                for _, _, delivery_id, _ in queue:
                    self._deliveries[delivery_id].next_attempt_at = now
            self._cond.notify_all()
            return self._cond.wait_for(self._idle, timeout=timeout)

    def reset(self) -> None:
        with self._cond:
            self._endpoints.clear()
            self._queues.clear()
            self._deliveries.clear()
            self._by_event.clear()
            self._policies.clear()
            self._random = random.Random()
            self._cond.notify_all()

    def open(self) -> None:
        """Accepts work again after `stop` (a server started anew)."""
        with self._cond:
            self._stopping = False

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            threads = [thread for group in self._threads.values() for thread in group]
        for thread in threads:
            thread.join(timeout=self.timeout + 1)

    # --- internals ----------------------------------------------------------------------------------------------

    def _idle(self) -> bool:
        return self._in_flight == 0 and not any(self._queues.values())

    def _schedule(self, delivery: Delivery, due: float, duplicate: bool = False) -> None:
        if not duplicate:
            delivery.next_attempt_at = due
        heapq.heappush(self._queues.setdefault(delivery.endpoint_id, []),
                       (due, next(self._seq), delivery.id, duplicate))
        threads = self._threads.setdefault(delivery.endpoint_id, set())
        wanted = min(self.policy(delivery.endpoint_id, delivery.account_id).concurrency,
                     len(self._queues[delivery.endpoint_id]))
        while len(threads) < wanted:
            thread = threading.Thread(target=self._work, args=(delivery.endpoint_id,),
                                      name=f"webhooks-{delivery.endpoint_id}-{len(threads)}", daemon=True)
            threads.add(thread)
            thread.start()
        self._cond.notify_all()

    def _next(self, endpoint_id: str) -> tuple[Delivery, dict[str, Any], bool] | None:
        me = threading.current_thread()
        with self._cond:
            while True:
                if self._stopping or endpoint_id not in self._endpoints:
                    self._threads.get(endpoint_id, set()).discard(me)
                    return None
                queue = self._queues.get(endpoint_id) or []
                now = time.time()
                if queue and queue[0][0] <= now:
                    _, _, delivery_id, duplicate = heapq.heappop(queue)
                    self._in_flight += 1
                    return self._deliveries[delivery_id], dict(self._endpoints[endpoint_id]), duplicate
                if not queue:
                    # Nothing left: the thread ends; the next delivery starts new ones.
                    self._threads.get(endpoint_id, set()).discard(me)
                    self._cond.notify_all()
                    return None
                self._cond.wait(timeout=queue[0][0] - now)

    def _work(self, endpoint_id: str) -> None:
        while True:
            item = self._next(endpoint_id)
            if item is None:
                return
            delivery, endpoint, duplicate = item
            attempt = self._send(delivery, endpoint)
            attempt.duplicate = duplicate
            with self._cond:
                self._in_flight -= 1
                if self._deliveries.get(delivery.id) is not delivery:
                    self._cond.notify_all()
                    continue  # state was reset while this delivery was in flight
                delivery.attempts.append(attempt)
                if not duplicate:
                    self._settle(delivery, attempt, endpoint_id)
                self._cond.notify_all()

    def _settle(self, delivery: Delivery, attempt: Attempt, endpoint_id: str) -> None:
        """After an attempt (not a duplicate): succeeded, failed for good, or retried later; an acknowledged one may
        be sent once more as a duplicate, as Stripe does when it missed the acknowledgement."""
        policy = self.policy(endpoint_id, delivery.account_id)
        delivery.next_attempt_at = None
        failures = len([a for a in delivery.attempts[delivery.chain_start:] if not a.duplicate])
        if attempt.status_code is not None and 200 <= attempt.status_code < 300:
            delivery.status = "succeeded"
            if policy.duplicates and self._random.random() < policy.duplicates:
                self._schedule(delivery, time.time() + self._random.uniform(0, policy.window), duplicate=True)
        elif failures >= self.max_attempts or endpoint_id not in self._endpoints:
            delivery.status = "failed"
        else:
            delay = self.backoff * (2 ** (failures - 1))
            if policy.shuffle:
                delay = min(delay, policy.window) + self._random.uniform(0, policy.window)
            self._schedule(delivery, time.time() + delay)

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
