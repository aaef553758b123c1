"""The event processor: each queued Stripe event takes effect exactly once, guarded against out-of-order delivery.

For one event, one consistent BatchGetItem reads the records its handler needs, then one TransactWriteItems holds the
dedup marker (`attribute_not_exists`), the event-log record, the new state of each record it touches (a whole-item Put
under an optimistic `version` check) and the counter deltas.
Counter deltas are the difference between the old and the new record's contribution, so counters always equal the
sum over the stored records, whatever the order in which events arrive.
"""
from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Any, Callable, Protocol

from botocore.exceptions import ClientError

from paykit.cache import TtlCache
from paykit.errors import PayKitError
from paykit.metrics import contribution, day_contribution, movement, mrr_of
from paykit.models.common import iso, utcnow
from paykit.observability import logger
from paykit.services import entitlements, names
from paykit.store import dirty, keys
from paykit.store.table import Table, batch_get, cancellation_codes, default_table

DISCOUNT_SECONDS = 86400.0  # a discount's coupon terms never change
MARKER_DAYS = 35  # past Stripe's 3 days of retries and the 30 days it keeps events for replay
_ATTEMPTS = 6
# Internal ids are derived from Stripe's, so any event may create a record first and every event agrees on its id.
_ID_NAMESPACE = uuid.UUID("6f1d3c1e-4a7b-4e55-9a51-5a7d0c1f2b10")
# A payment only moves up this ladder: a late `payment_failed` never undoes a success (Stripe reuses the intent).
_PAYMENT_RANK = {"pending": 0, "canceled": 1, "failed": 2, "succeeded": 3}


class StripeReader(Protocol):
    """What the processor reads from Stripe when a payload is not enough (ties, thin invoices)."""

    def subscription(self, project_id: str, mode: str, subscription_id: str) -> dict[str, Any]: ...

    def invoice_payment_intent(self, project_id: str, mode: str, invoice_id: str) -> str | None: ...

    def product_name(self, project_id: str, mode: str, product_id: str | None) -> str | None: ...

    def payment_description(self, project_id: str, mode: str, payment_intent_id: str) -> str | None: ...

    def discount(self, project_id: str, mode: str, subscription_id: str, discount_id: str) -> dict[str, Any] | None:
        ...

    def report_usage(self, project_id: str, mode: str, message: dict[str, Any]) -> None: ...

    def active_entitlements(self, project_id: str, mode: str, customer_id: str) -> list[dict[str, Any]]: ...

    def price_plan_name(self, project_id: str, mode: str, price_id: str) -> str | None: ...


class GatewayReader:
    """StripeReader over paykit.stripe_gateway (the SDK is imported on the first fetch only)."""

    def __init__(self) -> None:
        self._names = names.ProductNames(self._fetch_product_name)
        self._discounts: TtlCache[dict[str, Any]] = TtlCache(DISCOUNT_SECONDS)

    def product_name(self, project_id: str, mode: str, product_id: str | None) -> str | None:
        return self._names.get(project_id, mode, product_id)

    def payment_description(self, project_id: str, mode: str, payment_intent_id: str) -> str | None:
        """The payment intent's description (E12 sets it: "Pro · 5.00 USD"); cosmetic, so a failure leaves None."""
        from paykit.stripe_gateway import default_gateway

        try:
            return default_gateway().call(project_id, mode, lambda c: c.v1.payment_intents.retrieve(
                payment_intent_id)).description or None
        except PayKitError as exc:
            logger.warning("payment description not read", error=type(exc).__name__)
            return None

    def discount(self, project_id: str, mode: str, subscription_id: str, discount_id: str) -> dict[str, Any] | None:
        """A subscription's discount with its coupon (Stripe has no discount route: the subscription is read with
        `discounts.source.coupon` expanded); a discount's terms never change, so each is read once per container."""
        from paykit.stripe_gateway import default_gateway

        cached = self._discounts.get((project_id, mode, discount_id))
        if cached is not None:
            return cached
        sub = default_gateway().call(project_id, mode, lambda c: c.v1.subscriptions.retrieve(
            subscription_id, {"expand": ["discounts.source.coupon"]})).to_dict()
        for found in sub.get("discounts") or []:
            if isinstance(found, dict):
                self._discounts.put((project_id, mode, found["id"]), found)
        return self._discounts.get((project_id, mode, discount_id))

    def report_usage(self, project_id: str, mode: str, message: dict[str, Any]) -> None:
        """One meter event to Stripe; its identifier makes a repeated report count once (Stripe drops it)."""
        from paykit.stripe_gateway import default_gateway

        def send(c: Any) -> None:
            import stripe

            try:
                c.v1.billing.meter_events.create({
                    "event_name": message["event_name"], "identifier": message["event_id"],
                    "timestamp": int(message["timestamp"]),
                    "payload": {"stripe_customer_id": message["customer_id"], "value": str(message["value"])}})
            except stripe.InvalidRequestError as exc:
                if exc.code != "resource_already_exists" and exc.param != "identifier":
                    raise  # anything but "already reported" is retried by the queue, then dead-lettered
                logger.info("meter event already reported", identifier=message["event_id"])

        default_gateway().call(project_id, mode, send)

    def active_entitlements(self, project_id: str, mode: str, customer_id: str) -> list[dict[str, Any]]:
        from paykit.stripe_gateway import default_gateway

        page = default_gateway().call(project_id, mode, lambda c: c.v1.entitlements.active_entitlements.list(
            {"customer": customer_id, "limit": 100}))
        return [e.to_dict() for e in page.data]

    def price_plan_name(self, project_id: str, mode: str, price_id: str) -> str | None:
        """The plan name of a price (nickname, else product name), for records stored without one."""
        from paykit.stripe_gateway import default_gateway

        try:
            price = default_gateway().call(project_id, mode, lambda c: c.v1.prices.retrieve(
                price_id, {"expand": ["product"]})).to_dict()
        except PayKitError as exc:
            logger.warning("price not read", error=type(exc).__name__)
            return None
        return names.plan_name(price)

    @staticmethod
    def _fetch_product_name(project_id: str, mode: str, product_id: str) -> str | None:
        from paykit.stripe_gateway import default_gateway

        return default_gateway().call(project_id, mode, lambda c: c.v1.products.retrieve(product_id)).name or None

    def subscription(self, project_id: str, mode: str, subscription_id: str) -> dict[str, Any]:
        from paykit.stripe_gateway import default_gateway

        return default_gateway().call(project_id, mode,
                                      lambda c: c.v1.subscriptions.retrieve(subscription_id)).to_dict()

    def invoice_payment_intent(self, project_id: str, mode: str, invoice_id: str) -> str | None:
        from paykit.stripe_gateway import default_gateway

        page = default_gateway().call(project_id, mode,
                                      lambda c: c.v1.invoice_payments.list({"invoice": invoice_id})).to_dict()
        return _payment_intent_of(page.get("data") or [])


def record_id(kind: str, project_id: str, mode: str, stripe_id: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, f"{kind}:{project_id}:{mode}:{stripe_id}"))


def _ts(value: Any) -> str | None:
    return iso(datetime.fromtimestamp(int(value), timezone.utc)) if value else None


def _payment_intent_of(payments: list[dict[str, Any]]) -> str | None:
    for entry in payments:
        payment = entry.get("payment") or {}
        if payment.get("type") == "payment_intent" and payment.get("payment_intent"):
            pi = payment["payment_intent"]
            return pi if isinstance(pi, str) else pi.get("id")
    return None


def _deltas(changes: list[tuple[dict[str, Any] | None, dict[str, Any]]],
            measure: Callable[[dict[str, Any] | None], dict[str, int]] = contribution) -> dict[str, int]:
    total: dict[str, int] = {}
    for old, new in changes:
        for name, value in measure(new).items():
            total[name] = total.get(name, 0) + value
        for name, value in measure(old).items():
            total[name] = total.get(name, 0) - value
    return {name: value for name, value in total.items() if value}


def _day_deltas(changes: list[tuple[dict[str, Any] | None, dict[str, Any]]], day: str) -> dict[str, dict[str, int]]:
    """The day buckets' deltas: recountable sums (old and new contributions) plus the MRR movements of `day`."""
    days = {d for old, new in changes for d in (*day_contribution(old), *day_contribution(new))}
    out = {d: _deltas(changes, lambda item, d=d: day_contribution(item).get(d, {})) for d in sorted(days)}
    for old, new in changes:
        if new.get("type") == "subscription":
            for when, sums in movement(old, new, day).items():
                bucket = out.setdefault(when, {})
                for name, value in sums.items():
                    bucket[name] = bucket.get(name, 0) + value
    return {d: sums for d, sums in sorted(out.items()) if sums}


def _day_of(created: float) -> str:
    return datetime.fromtimestamp(int(created), timezone.utc).date().isoformat()


def _add_update(key: dict[str, str], deltas: dict[str, int]) -> dict[str, Any]:
    """One counters item changed with ADD in the event's transaction."""
    names = {f"#c{i}": name for i, name in enumerate(deltas)}
    values = {f":c{i}": value for i, value in enumerate(deltas.values())}
    return {"Update": {
        "Key": key,
        "UpdateExpression": "SET #type = :type ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(deltas))),
        "ExpressionAttributeNames": {**names, "#type": "type"},
        "ExpressionAttributeValues": {**values, ":type": "counters"},
    }}


class Retry(Exception):
    """Another worker changed a record between our read and our write: read again."""


class EventProcessor:
    def __init__(self, table: Table, stripe: StripeReader, clock: Callable[[], float] = time.time) -> None:
        self.table = table
        self.stripe = stripe
        self.clock = clock
        self._owners: dict[str, str] = {}  # a project's owner never changes

    # ------------------------------------------------------------------ entry points

    def process_message(self, body: str) -> str:
        """One SQS message from the receiver; returns processed / ignored / duplicate, raises to fail the record."""
        message = json.loads(body)
        project_id, mode, event_id = message["project_id"], message["mode"], message["event_id"]
        if message.get("kind") == "meter_event":  # a usage report queued by `usage` (issue 14)
            self.stripe.report_usage(project_id, mode, message)
            return "processed"
        raw = message.get("body")
        if raw is None:  # oversized: the receiver kept the body in the event record
            stored = self.table.get(keys.event_record(project_id, mode, event_id), consistent=True) or {}
            raw = stored["body"]
        return self.process_event(project_id, mode, json.loads(raw), raw, message.get("received_at"))

    def process_event(self, project_id: str, mode: str, event: dict[str, Any], raw: str,
                      received_at: str | None = None) -> str:
        logger.append_keys(project_id=project_id, mode=mode, stripe_event_id=event["id"], event_type=event["type"])
        received_at = received_at or iso(utcnow())
        try:
            for _ in range(_ATTEMPTS):
                try:
                    return self._apply_once(project_id, mode, event, raw, received_at)
                except Retry:
                    continue
            raise RuntimeError("too many concurrent changes to the event's records")
        except Exception as exc:
            self._record_failure(project_id, mode, event, raw, received_at, exc)
            raise

    # ------------------------------------------------------------------ one attempt

    def _apply_once(self, project_id: str, mode: str, event: dict[str, Any], raw: str, received_at: str) -> str:
        handler = HANDLERS.get(event["type"])
        changes: list[tuple[dict[str, Any] | None, dict[str, Any]]] = []
        extra: list[dict[str, Any]] = []
        reason = None
        if handler is not None:
            ctx = _Ctx(project_id, mode, event, changes, extra)
            self._prefetch(ctx, project=True)
            reason = _inactive_reason(self.record(ctx, keys.project(project_id)))
            if reason is None:
                handler(self, ctx)
        status = "processed" if handler is not None and reason is None else "ignored"
        if reason is None:
            head = [self._marker(project_id, mode, event), self._log(project_id, mode, event, raw, received_at, status)]
        else:
            # No dedup marker: once the configuration is active again, a replay (or Stripe's retry) applies it.
            logger.info("event ignored", reason=reason)
            head = [self._log(project_id, mode, event, raw, received_at, status, reason)]
        try:
            self._commit(project_id, mode, head, changes, extra, int(event.get("created") or 0) or None)
        except ClientError as exc:
            codes = cancellation_codes(exc)
            if codes and codes[0] == "ConditionalCheckFailed":
                logger.info("duplicate event: already applied")
                return "duplicate"
            if exc.response.get("Error", {}).get("Code") in ("TransactionCanceledException",
                                                             "TransactionConflictException"):
                raise Retry() from exc
            raise
        logger.info("event applied", status=status)
        return status

    def _commit(self, project_id: str, mode: str, head: list[dict[str, Any]],
                changes: list[tuple[dict[str, Any] | None, dict[str, Any]]], extra: list[dict[str, Any]],
                created: int | None = None) -> None:
        """One transaction: `head`, each changed record under its version guard, `extra`, the counter and day
        deltas (with the MRR movements of the change's day, `created`) of the project and of its developer."""
        actions = list(head)
        for old, new in changes:
            if old == new:
                continue
            condition = ("attribute_not_exists(pk)" if old is None else "version = :v")
            put: dict[str, Any] = {"Item": {**new, "version": (old or {}).get("version", 0) + 1},
                                   "ConditionExpression": condition}
            if old is not None:
                put["ExpressionAttributeValues"] = {":v": old.get("version", 0)}
            actions.append({"Put": put})
        actions += extra
        changed = [(o, n) for o, n in changes if o != n]
        owner = self._owners.get(project_id) or next((n["owner_id"] for _, n in changed if n.get("owner_id")), None)
        deltas = _deltas(changed)
        if deltas:
            actions.append(_add_update(keys.counters(project_id, mode), deltas))
            if owner:
                actions.append(_add_update(keys.developer_counters(owner, mode), deltas))
        for day, sums in _day_deltas(changed, _day_of(created if created is not None else self.clock())).items():
            actions.append(_add_update(keys.counters_day(project_id, mode, day), sums))
            if owner:
                actions.append(_add_update(keys.developer_day(owner, mode, day), sums))
        actions += dirty.marks(project_id, mode, changed, self.clock())  # the refresher's incremental pass
        if actions:
            self.table.transact(actions)

    def apply_stripe_object(self, project_id: str, mode: str, kind: str, obj: dict[str, Any],
                            observed_at: int | None = None) -> None:
        """Records an object PayKit just read from or changed in Stripe, through the same guarded rules as events.

        `kind` is "subscription" or "checkout_session" (a completed session, its subscription or payment intent
        expanded). The object counts as an event observed at `observed_at` (now by default): later webhooks about
        older states change nothing, newer ones still win. Each call gets its own id, so two observations in the
        same second are settled as ties are, by Stripe's current object. No dedup marker: this is not an event.
        """
        created = int(observed_at if observed_at is not None else self.clock())
        event = {"id": f"obs_{uuid.uuid4().hex}", "type": f"paykit.observed.{kind}", "created": created,
                 "data": {"object": obj}}
        for _ in range(_ATTEMPTS):
            changes: list[tuple[dict[str, Any] | None, dict[str, Any]]] = []
            extra: list[dict[str, Any]] = []
            ctx = _Ctx(project_id, mode, event, changes, extra)
            self._prefetch(ctx)
            if kind == "subscription":
                _apply_subscription_object(self, ctx, obj)
            elif kind == "checkout_session":
                _observe_checkout_session(self, ctx, obj)
            else:
                raise ValueError(f"unknown kind {kind!r}")
            # Reading back what is already stored (a success page polled twice) writes nothing: only the stamps moved.
            changes = [(old, new) for old, new in changes if not _only_restamped(old, new)]
            try:
                self._commit(project_id, mode, [], changes, extra, created)
                return
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in ("TransactionCanceledException",
                                                                     "TransactionConflictException"):
                    raise
        raise RuntimeError("too many concurrent changes to the observed records")

    def _marker(self, project_id: str, mode: str, event: dict[str, Any]) -> dict[str, Any]:
        return {"Put": {
            "Item": {**keys.event_marker(project_id, mode, event["id"]), "type": "event_marker",
                     "expires_at": int(self.clock()) + MARKER_DAYS * 86400},
            "ConditionExpression": "attribute_not_exists(pk)",
        }}

    def _log(self, project_id: str, mode: str, event: dict[str, Any], raw: str, received_at: str,
             status: str, reason: str | None = None) -> dict[str, Any]:
        """The event-log record's outcome; an ignored event keeps its reason and never hides an earlier success."""
        update = {
            "Key": keys.event_record(project_id, mode, event["id"]),
            "UpdateExpression": (
                "SET #type = :item, event_id = :id, event_type = :etype, #status = :status, "
                "received_at = if_not_exists(received_at, :at), stripe_created = :created, "
                "body = if_not_exists(body, :body), processed_at = :now, expires_at = :exp, "
                "gsi1pk = :gpk, gsi1sk = if_not_exists(gsi1sk, :gsk)"
                + (", reason = :reason REMOVE #error" if reason else " REMOVE #error, reason")
            ),
            "ExpressionAttributeNames": {"#type": "type", "#status": "status", "#error": "error"},
            "ExpressionAttributeValues": {
                ":item": "event", ":id": event["id"], ":etype": event["type"], ":status": status, ":at": received_at,
                ":created": int(event.get("created") or 0), ":body": raw, ":now": iso(utcnow()),
                ":exp": int(self.clock()) + MARKER_DAYS * 86400,
                ":gpk": keys.project_events_gsi(project_id, mode), ":gsk": f"{received_at}#{event['id']}",
            },
        }
        if reason:
            update["ExpressionAttributeValues"].update({":reason": reason, ":processed": "processed"})
            update["ConditionExpression"] = "attribute_not_exists(#status) OR #status <> :processed"
        return {"Update": update}

    def _record_failure(self, project_id: str, mode: str, event: dict[str, Any], raw: str, received_at: str,
                        exc: Exception) -> None:
        """The event log shows the failure; a processed record is never marked failed by a late worker."""
        error = exc.detail if isinstance(exc, PayKitError) else type(exc).__name__  # never raw text: it may hold data
        logger.exception("event failed", error=error)
        try:
            self.table.update(
                keys.event_record(project_id, mode, event["id"]),
                UpdateExpression=(
                    "SET #type = :item, event_id = :id, event_type = :etype, #status = :failed, #error = :error, "
                    "received_at = if_not_exists(received_at, :at), body = if_not_exists(body, :body), "
                    "gsi1pk = :gpk, gsi1sk = if_not_exists(gsi1sk, :gsk), expires_at = :exp"
                ),
                ConditionExpression="attribute_not_exists(#status) OR #status = :failed",
                ExpressionAttributeNames={"#type": "type", "#status": "status", "#error": "error"},
                ExpressionAttributeValues={
                    ":item": "event", ":id": event["id"], ":etype": event["type"], ":failed": "failed",
                    ":error": error, ":at": received_at, ":body": raw,
                    ":gpk": keys.project_events_gsi(project_id, mode), ":gsk": f"{received_at}#{event['id']}",
                    ":exp": int(self.clock()) + MARKER_DAYS * 86400,
                },
            )
        except ClientError:
            logger.warning("could not record the failure in the event log")

    # ------------------------------------------------------------------ reads used by the handlers

    def _prefetch(self, ctx: _Ctx, project: bool = False) -> None:
        """One consistent BatchGetItem for the records the handler will read and the project (each event checks its
        configuration is active; observations read it once per container for its owner), so an event costs that
        read plus its transaction. Keys the payload does not name are read when needed."""
        planner = READS.get(ctx.event["type"])
        wanted = planner(ctx) if planner else []
        if project or ctx.project_id not in self._owners:
            wanted.append(keys.project(ctx.project_id))
        if not wanted:
            return
        found = {(i["pk"], i["sk"]): i for i in batch_get(self.table, wanted, consistent=True)}
        ctx.prefetched = {(k["pk"], k["sk"]): found.get((k["pk"], k["sk"])) for k in wanted}

    def record(self, ctx: _Ctx, key: dict[str, str]) -> dict[str, Any] | None:
        """A record as of this attempt: from the prefetch, else a consistent GetItem."""
        if (key["pk"], key["sk"]) in ctx.prefetched:
            return ctx.prefetched[(key["pk"], key["sk"])]
        return self.table.get(key, consistent=True)

    def owner_of(self, ctx: _Ctx) -> str | None:
        """The project's owner, stamped on records for the developer-wide lists; read once per container."""
        if ctx.project_id not in self._owners:
            project = self.record(ctx, keys.project(ctx.project_id))
            if project is None:
                return None  # not cached: a project created later is found on a later event
            self._owners[ctx.project_id] = project["owner_id"]
        return self._owners[ctx.project_id]

    def user_of_customer(self, ctx: _Ctx, customer_id: str | None) -> str | None:
        if not customer_id:
            return None
        item = self.record(ctx, keys.user_of_customer(ctx.project_id, ctx.mode, customer_id))
        return item.get("user_id") if item else None


def _inactive_reason(project: dict[str, Any] | None) -> str | None:
    """Why an event of this project must change nothing: its Stripe configuration was deactivated (E7). A project
    without a configuration item here is the receiver's concern (it refuses deliveries for unknown projects)."""
    config = (project or {}).get("config")
    if config and not config.get("is_active"):
        return "Stripe configuration is deactivated: nothing was applied; replay the event once it is active again"
    return None


_STAMPS = ("stripe_event_created", "stripe_event_id")


def _only_restamped(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    """The record would change only in which observation it came from. Skipping that write is safe: a late event
    older than this observation differs from a state that held both before and after it, so the event that changed
    the state back is newer still and restores it."""
    return old is not None and {k: v for k, v in old.items() if k not in _STAMPS} == {
        k: v for k, v in new.items() if k not in _STAMPS}


class _Ctx:
    def __init__(self, project_id: str, mode: str, event: dict[str, Any],
                 changes: list[tuple[dict[str, Any] | None, dict[str, Any]]], extra: list[dict[str, Any]]) -> None:
        self.project_id = project_id
        self.mode = mode
        self.event = event
        self.obj: dict[str, Any] = event["data"]["object"]
        self.created = int(event.get("created") or 0)
        self.changes = changes
        self.extra = extra
        self.prefetched: dict[tuple[str, str], dict[str, Any] | None] = {}

    def change(self, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
        self.changes.append((old, new))


# ---------------------------------------------------------------------- records


def _with_listing(item: dict[str, Any], project_id: str, mode: str, kind: str) -> dict[str, Any]:
    """Sparse GSIs: a record is listed once it has a status and a created_at; in the user's list once linked."""
    for name in [f"gsi{n}{part}" for n in range(1, 10) for part in ("pk", "sk")]:
        item.pop(name, None)
    if item.get("status") and item.get("created_at"):
        item.update(keys.filtered_listing(kind, item.get("owner_id"), project_id, mode, item["status"],
                                          item["created_at"], item["id"]))
        project_gsi = keys.project_subscriptions_gsi if kind == "subscription" else keys.project_payments_gsi
        item.update(keys.listing_gsi(keys.GSI1, project_gsi(project_id, mode), item["created_at"], item["id"]))
        if item.get("user_id"):
            user_gsi = keys.user_subscriptions_gsi if kind == "subscription" else keys.user_payments_gsi
            item.update(keys.listing_gsi(keys.GSI2, user_gsi(project_id, mode, item["user_id"]), item["created_at"],
                                         item["id"]))
    return item


def _subscription_base(p: EventProcessor, ctx: _Ctx, sub_id: str) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    old = p.record(ctx, keys.subscription(ctx.project_id, ctx.mode, sub_id))
    new = dict(old) if old else {
        **keys.subscription(ctx.project_id, ctx.mode, sub_id), "type": "subscription",
        "id": record_id("sub", ctx.project_id, ctx.mode, sub_id), "project_id": ctx.project_id,
        "is_test_mode": ctx.mode == "test", "subscription_id": sub_id,
    }
    new["owner_id"] = new.get("owner_id") or p.owner_of(ctx)
    return old, new


def _apply_subscription_object(p: EventProcessor, ctx: _Ctx, sub: dict[str, Any]) -> None:
    old, new = _subscription_base(p, ctx, sub["id"])
    stored_created = (old or {}).get("stripe_event_created")
    if stored_created is not None:
        if ctx.created < stored_created:
            return  # an older event: newer state is already stored (decision 10)
        if ctx.created == stored_created and (old or {}).get("stripe_event_id") != ctx.event["id"]:
            # Two events in the same second cannot be ordered by their payloads: Stripe's current object decides.
            sub = p.stripe.subscription(ctx.project_id, ctx.mode, sub["id"])
        elif ctx.created == stored_created:
            return
    if (old or {}).get("status") == "canceled" and sub.get("status") != "canceled":
        return  # a canceled subscription is final; a late event never brings it back
    item0 = ((sub.get("items") or {}).get("data") or [{}])[0]
    price = item0.get("price") or {}
    metadata = sub.get("metadata") or {}
    new.update({
        "customer_id": new.get("customer_id") or sub.get("customer"),
        "status": sub.get("status"),
        "plan_name": metadata.get("plan_name") or _plan_name(p, ctx, new, price),
        "price_id": price.get("id"),
        # What MRR needs (issue 6): the price's amount, currency and recurring interval.
        "price_amount_cents": price.get("unit_amount"),
        "currency": (price.get("currency") or sub.get("currency") or "").lower() or None,
        "price_interval": (price.get("recurring") or {}).get("interval"),
        "price_interval_count": (price.get("recurring") or {}).get("interval_count"),
        "quantity": int(item0.get("quantity") or sub.get("quantity") or 1),
        **_discount_fields(p, ctx, sub),
        "current_period_start": _ts(item0.get("current_period_start") or sub.get("current_period_start")),
        "current_period_end": _ts(item0.get("current_period_end") or sub.get("current_period_end")),
        "cancel_at": _ts(sub.get("cancel_at")),
        "cancelled_at": _ts(sub.get("canceled_at")),
        "created_at": _ts(sub.get("created")) or new.get("created_at"),
        "stripe_event_created": ctx.created,
        "stripe_event_id": ctx.event["id"],
    })
    if (old or {}).get("had_mrr") or mrr_of(new)[1]:
        new["had_mrr"] = True  # a later return to MRR is a reactivation, not a new subscription
    new["user_id"] = (new.get("user_id") or metadata.get("user_id")
                      or p.user_of_customer(ctx, new.get("customer_id")))
    _track_entitlements(p, ctx, new)
    ctx.change(old, _with_listing(_clean(new), ctx.project_id, ctx.mode, "subscription"))


def _track_entitlements(p: EventProcessor, ctx: _Ctx, sub: dict[str, Any]) -> None:
    """The user's entitlements item follows their subscription's status and period (issue 14), in this
    transaction; nothing is written when nothing it holds changed."""
    if not sub.get("user_id"):
        return
    key = keys.entitlements(ctx.project_id, ctx.mode, sub["user_id"])
    ent = p.record(ctx, key)
    fields = entitlements.subscription_state(ent, sub, ctx.created)
    if fields is not None and (ent is None or any(ent.get(k) != v for k, v in fields.items())):
        ctx.extra.append(entitlements.item_update(key, ent, fields, sub["user_id"]))


def on_entitlement_summary(p: EventProcessor, ctx: _Ctx) -> None:
    """`entitlements.active_entitlement_summary.updated`: the customer's active features, newest event wins; two in
    the same second are settled by Stripe's current list."""
    summary = ctx.obj
    user_id = p.user_of_customer(ctx, summary.get("customer"))
    if not user_id:
        return  # a customer PayKit did not create: no user to entitle
    key = keys.entitlements(ctx.project_id, ctx.mode, user_id)
    ent = p.record(ctx, key)
    if ent and int(ent.get("features_at") or 0) == ctx.created and ent.get("features_event") != ctx.event["id"]:
        summary = {**summary, "entitlements": {"data": p.stripe.active_entitlements(
            ctx.project_id, ctx.mode, summary["customer"])}}
    fields = entitlements.summary_update(ent, summary, ctx.created)
    if fields is not None:
        ctx.extra.append(entitlements.item_update(key, ent, {**fields, "features_event": ctx.event["id"]}, user_id))


_DISCOUNT_FIELDS = ("discount_percent_off", "discount_amount_off", "discount_duration", "discount_end")


def _discount_fields(p: EventProcessor, ctx: _Ctx, sub: dict[str, Any]) -> dict[str, Any]:
    """The subscription's discount as MRR needs it (docs/metrics.md): its coupon's percent or amount off and
    duration. Stripe's payloads name discounts by id; their coupons are read from Stripe (cached per discount).
    Only the first discount is kept (Stripe allows several; PayKit's checkout applies one). None clears them."""
    discounts = sub.get("discounts") or []
    cleared = dict.fromkeys(_DISCOUNT_FIELDS)
    if not discounts:
        return cleared
    first = discounts[0]
    if not (isinstance(first, dict) and isinstance((first.get("source") or {}).get("coupon"), dict)):
        first = p.stripe.discount(ctx.project_id, ctx.mode, sub["id"], _id_of(first) or "")
    coupon = ((first or {}).get("source") or {}).get("coupon")
    if not isinstance(coupon, dict):
        return cleared
    percent = coupon.get("percent_off")
    return {"discount_percent_off": Decimal(str(percent)) if percent is not None else None,  # DynamoDB: no floats
            "discount_amount_off": coupon.get("amount_off"),
            "discount_duration": coupon.get("duration"), "discount_end": _ts((first or {}).get("end"))}


def _plan_name(p: EventProcessor, ctx: _Ctx, stored: dict[str, Any], price: dict[str, Any]) -> str | None:
    """The price's nickname, else its product's name; the stored name while the price is the same (no Stripe read)."""
    known = names.plan_name(price)
    if known or not price.get("id"):
        return known
    if stored.get("price_id") == price["id"] and stored.get("plan_name"):
        return stored["plan_name"]
    return p.stripe.product_name(ctx.project_id, ctx.mode, names.product_of(price)[0])


def _clean(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if v is not None}


def _payment(p: EventProcessor, ctx: _Ctx, pi_id: str, *, base_status: str | None, amount: int | None,
             currency: str | None, created: Any, user_id: str | None, sub_id: str | None,
             description: str | None = None, refunded: int | None = None, authoritative: bool = True,
             customer_id: str | None = None, describe: Callable[[], str | None] | None = None,
             transaction_type: str | None = None, dispute: dict[str, Any] | None = None,
             discount: int | None = None) -> None:
    """Merges one observation of a payment into its record; every rule is order-free (max, min, first known).
    `describe` reads the description from Stripe, only when neither the record nor the payload has one."""
    old = p.record(ctx, keys.payment(ctx.project_id, ctx.mode, pi_id))
    new = dict(old) if old else {
        **keys.payment(ctx.project_id, ctx.mode, pi_id), "type": "payment",
        "id": record_id("pay", ctx.project_id, ctx.mode, pi_id), "project_id": ctx.project_id,
        "is_test_mode": ctx.mode == "test", "payment_intent_id": pi_id, "refunded_amount_cents": 0,
    }
    new["owner_id"] = new.get("owner_id") or p.owner_of(ctx)
    if base_status and _PAYMENT_RANK[base_status] >= _PAYMENT_RANK.get(new.get("base_status", ""), -1):
        new["base_status"] = base_status
    # Invoices and sessions state the amount; a charge only fills it when nothing better is known.
    if amount is not None and (authoritative or new.get("amount_cents") is None):
        new["amount_cents"] = int(amount)
    if currency and (authoritative or not new.get("currency")):
        new["currency"] = currency.lower()
    stamp = _ts(created)
    if stamp and (not new.get("created_at") or stamp < new["created_at"]):
        new["created_at"] = stamp
    # The customer mapping is read only when neither the record nor the event names the user.
    new["user_id"] = (new.get("user_id") or user_id
                      or p.user_of_customer(ctx, customer_id))
    if sub_id:
        new["subscription_id"] = record_id("sub", ctx.project_id, ctx.mode, sub_id)
        new["stripe_subscription_id"] = sub_id
    if description and (authoritative or not new.get("description")):
        new["description"] = description
    if not new.get("description") and describe is not None:
        new["description"] = describe()
    if discount:
        new["discount_cents"] = int(discount)
    if refunded is not None:
        _merge_refund(new, int(refunded), _ts(ctx.created))
    # Every source of a payment intent agrees on its type (one invoice, or one checkout): the first known stays.
    new["transaction_type"] = new.get("transaction_type") or transaction_type
    if dispute is not None:
        _merge_dispute(new, dispute)
    new["status"] = _payment_status(new)
    ctx.change(old, _with_listing(_clean(new), ctx.project_id, ctx.mode, "payment"))


def _merge_refund(item: dict[str, Any], refunded: int, seen_at: str | None) -> None:
    """The largest refunded total wins, dated by the event that first reported it: order-free, and E4's 30-day
    refunds count a refund when it happened (the latest refund's day, for a payment refunded in parts)."""
    current = int(item.get("refunded_amount_cents") or 0)
    earlier = seen_at is not None and seen_at < item.get("refunded_at", "~")
    if refunded > 0 and seen_at and (refunded > current or (refunded == current and earlier)):
        item["refunded_at"] = seen_at
    item["refunded_amount_cents"] = max(current, refunded)


def _merge_dispute(item: dict[str, Any], dispute: dict[str, Any]) -> None:
    """A dispute only moves forward, open -> won or lost (Stripe never reopens one), so any delivery order ends in
    the same state; `disputed_at` is the dispute's own creation time."""
    state = _DISPUTE_STATE.get(dispute.get("status") or "", "open")
    if _DISPUTE_RANK[state] > _DISPUTE_RANK.get(item.get("dispute_status", ""), -1):
        item["dispute_status"] = state
    stamp = _ts(dispute.get("created"))
    if stamp and (not item.get("disputed_at") or stamp < item["disputed_at"]):
        item["disputed_at"] = stamp


# Stripe's dispute statuses by outcome; the rest (needs_response, under_review, warning_*) are open.
_DISPUTE_STATE = {"won": "won", "warning_closed": "won", "prevented": "won", "lost": "lost"}
_DISPUTE_RANK = {"open": 0, "won": 1, "lost": 1}


def _payment_status(item: dict[str, Any]) -> str | None:
    base = item.get("base_status")
    if base == "succeeded" and item.get("dispute_status") in ("open", "lost"):
        return "disputed"  # Cloud Admin's status: the money is held (open) or gone (lost) by a chargeback
    refunded, amount = int(item.get("refunded_amount_cents") or 0), int(item.get("amount_cents") or 0)
    if base == "succeeded" and refunded > 0:
        return "refunded" if refunded >= amount else "partially_refunded"
    return base


def _link_customer(p: EventProcessor, ctx: _Ctx, user_id: str | None, customer_id: str | None) -> None:
    """Both directions of the customer mapping; the first customer of a user stays theirs (decision 13)."""
    if not (user_id and customer_id):
        return
    # if_not_exists keeps the first customer without a read before the transaction.
    ctx.extra.append({"Update": {"Key": keys.customer_of_user(ctx.project_id, ctx.mode, user_id),
                                 "UpdateExpression": "SET customer_id = if_not_exists(customer_id, :customer), "
                                                     "user_id = :user, #type = :type",
                                 "ExpressionAttributeNames": {"#type": "type"},
                                 "ExpressionAttributeValues": {":customer": customer_id, ":user": user_id,
                                                               ":type": "customer_of_user"}}})
    ctx.extra.append({"Put": {"Item": {**keys.user_of_customer(ctx.project_id, ctx.mode, customer_id),
                                       "type": "user_of_customer", "customer_id": customer_id, "user_id": user_id}}})


# ---------------------------------------------------------------------- handlers per event type


def _id_of(value: Any) -> str | None:
    """A Stripe reference, whether the payload holds the id or the expanded object."""
    return (value.get("id") if isinstance(value, dict) else value) or None


def _session_targets(session: dict[str, Any]) -> tuple[str | None, str | None]:
    """(subscription id, payment intent id) a completed checkout session records, by its mode."""
    if session.get("mode") == "subscription":
        return _id_of(session.get("subscription")), None
    if session.get("mode") == "payment":
        return None, _id_of(session.get("payment_intent"))
    return None, None


def _invoice_payment_intent(invoice: dict[str, Any]) -> str | None:
    """The payment intent the invoice payload names (2026-10-28 `payments` first, the older field second)."""
    pi = _payment_intent_of((invoice.get("payments") or {}).get("data") or [])
    return pi or (invoice.get("payment_intent") if isinstance(invoice.get("payment_intent"), str) else None)


def on_checkout_completed(p: EventProcessor, ctx: _Ctx) -> None:
    session = ctx.obj
    metadata = session.get("metadata") or {}
    user_id = metadata.get("user_id") or session.get("client_reference_id")
    customer_id = session.get("customer") if isinstance(session.get("customer"), str) else None
    _link_customer(p, ctx, user_id, customer_id)
    sub_id, pi = _session_targets(session)
    if sub_id:
        old, new = _subscription_base(p, ctx, sub_id)
        new["user_id"] = new.get("user_id") or user_id
        new["customer_id"] = new.get("customer_id") or customer_id
        # Status and periods come from customer.subscription.* (Stripe sends `created` for every checkout): the
        # record is listed once that state is known, whichever of the two events arrives first.
        ctx.change(old, _with_listing(_clean(new), ctx.project_id, ctx.mode, "subscription"))
    elif pi:
        paid = session.get("payment_status") in ("paid", "no_payment_required")
        expanded = session.get("payment_intent")
        known = metadata.get("description") or (expanded.get("description") if isinstance(expanded, dict) else None)
        _payment(p, ctx, pi, base_status="succeeded" if paid else "pending", amount=session.get("amount_total"),
                 currency=session.get("currency"), created=session.get("created"), user_id=user_id, sub_id=None,
                 description=known, describe=lambda: p.stripe.payment_description(ctx.project_id, ctx.mode, pi),
                 transaction_type=ONE_TIME)


def _observe_checkout_session(p: EventProcessor, ctx: _Ctx, session: dict[str, Any]) -> None:
    """A completed session read back from Stripe: in subscription mode its expanded subscription carries the state
    (checkout.session.completed alone would only link it), in payment mode it is what the event would record."""
    sub = session.get("subscription")
    if session.get("mode") == "subscription" and isinstance(sub, dict):
        metadata = session.get("metadata") or {}
        customer = session.get("customer")
        _link_customer(p, ctx, metadata.get("user_id") or session.get("client_reference_id"),
                       customer if isinstance(customer, str) else (customer or {}).get("id"))
        _apply_subscription_object(p, ctx, {**sub, "metadata": {**(sub.get("metadata") or {}),
                                                               "user_id": metadata.get("user_id")
                                                               or session.get("client_reference_id")}})
    else:
        on_checkout_completed(p, ctx)


def on_checkout_async(succeeded: bool) -> Callable[[EventProcessor, _Ctx], None]:
    def handler(p: EventProcessor, ctx: _Ctx) -> None:
        session = ctx.obj
        _, pi = _session_targets(session)
        if not pi:
            return
        metadata = session.get("metadata") or {}
        _payment(p, ctx, pi, base_status="succeeded" if succeeded else "failed",
                 amount=session.get("amount_total"), currency=session.get("currency"), created=session.get("created"),
                 user_id=metadata.get("user_id") or session.get("client_reference_id"), sub_id=None,
                 transaction_type=ONE_TIME)

    return handler


def on_subscription(p: EventProcessor, ctx: _Ctx) -> None:
    _apply_subscription_object(p, ctx, ctx.obj)


def _invoice_subscription(invoice: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    sub = details.get("subscription") or invoice.get("subscription")  # 2026-10-28 first, older shapes second
    if isinstance(sub, dict):
        sub = sub.get("id")
    return sub, details.get("metadata") or {}


def on_invoice(succeeded: bool) -> Callable[[EventProcessor, _Ctx], None]:
    """invoice.paid / invoice.payment_succeeded (one record per payment intent, so both dedup) and payment_failed.

    The subscription's status is never set here (decision 9): Stripe's customer.subscription.updated carries it.
    """

    def handler(p: EventProcessor, ctx: _Ctx) -> None:
        invoice = ctx.obj
        amount = invoice.get("amount_paid") if succeeded else invoice.get("amount_due")
        pi = _invoice_payment_intent(invoice)
        if pi is None:
            if not amount:
                return  # a $0 invoice (a trial's first) has no payment
            pi = p.stripe.invoice_payment_intent(ctx.project_id, ctx.mode, invoice["id"])
            if pi is None:
                return
        sub_id, metadata = _invoice_subscription(invoice)
        customer_id = invoice.get("customer") if isinstance(invoice.get("customer"), str) else None
        lines = (invoice.get("lines") or {}).get("data") or [{}]
        _payment(p, ctx, pi, base_status="succeeded" if succeeded else "failed", amount=amount,
                 currency=invoice.get("currency"), created=invoice.get("created"), user_id=metadata.get("user_id"),
                 sub_id=sub_id, description=lines[0].get("description"), customer_id=customer_id,
                 transaction_type=invoice_type(invoice),
                 discount=sum(int(d.get("amount") or 0) for d in invoice.get("total_discount_amounts") or []))

    return handler


ONE_TIME = "one_time_payment"  # a checkout in payment mode (Cloud Admin has no name for it)
# Stripe's invoice.billing_reason -> Cloud Admin's transaction type.
_TYPE_BY_BILLING_REASON = {"subscription_create": "initial_payment", "subscription_cycle": "subscription_payment",
                           "subscription_threshold": "subscription_payment", "subscription": "subscription_payment",
                           "subscription_update": "proration_charge", "manual": ONE_TIME}


def invoice_type(invoice: dict[str, Any]) -> str:
    """The transaction type of the payment an invoice collects: a credit (negative total) is a proration credit."""
    if int(invoice.get("total") or 0) < 0:
        return "proration_credit"
    reason = _TYPE_BY_BILLING_REASON.get(invoice.get("billing_reason") or "")
    return reason or ("subscription_payment" if _invoice_subscription(invoice)[0] else ONE_TIME)


def on_charge_refunded(p: EventProcessor, ctx: _Ctx) -> None:
    charge = ctx.obj
    pi = _id_of(charge.get("payment_intent"))
    if not pi:
        return
    metadata = charge.get("metadata") or {}
    customer_id = charge.get("customer") if isinstance(charge.get("customer"), str) else None
    # A refunded charge was paid; amounts from the charge only fill in what the invoice did not say.
    _payment(p, ctx, pi, base_status="succeeded", amount=charge.get("amount"),
             currency=charge.get("currency"), created=charge.get("created"), user_id=metadata.get("user_id"),
             sub_id=None, refunded=charge.get("amount_refunded"), authoritative=False, customer_id=customer_id)


def on_dispute(p: EventProcessor, ctx: _Ctx) -> None:
    """charge.dispute.created / .closed: the disputed payment shows `disputed` while the dispute is open or lost.
    A disputed charge was paid; its amount only fills in what the invoice has not said yet (it may be partial)."""
    dispute = ctx.obj
    pi = _id_of(dispute.get("payment_intent"))
    if not pi:
        return
    _payment(p, ctx, pi, base_status="succeeded", amount=dispute.get("amount"), currency=dispute.get("currency"),
             created=None, user_id=None, sub_id=None, authoritative=False, dispute=dispute)


def on_recorded_only(p: EventProcessor, ctx: _Ctx) -> None:
    """Shown in the event log; the state they announce arrives with other events (subscription.updated etc.)."""


# ---------------------------------------------------------------------- what each event type reads


def _customer_mapping(ctx: _Ctx, obj: dict[str, Any], user_id: str | None) -> list[dict[str, str]]:
    """The customer mapping, read only when the payload names no user (it may still be on the stored record)."""
    customer = obj.get("customer") if isinstance(obj.get("customer"), str) else None
    return [keys.user_of_customer(ctx.project_id, ctx.mode, customer)] if customer and not user_id else []


def _subscription_reads(ctx: _Ctx, sub: dict[str, Any]) -> list[dict[str, str]]:
    user_id = (sub.get("metadata") or {}).get("user_id")
    return [keys.subscription(ctx.project_id, ctx.mode, sub["id"]), *_customer_mapping(ctx, sub, user_id),
            *([keys.entitlements(ctx.project_id, ctx.mode, user_id)] if user_id else [])]


def _session_reads(ctx: _Ctx) -> list[dict[str, str]]:
    session = ctx.obj
    sub = session.get("subscription")
    if ctx.event["type"] == "paykit.observed.checkout_session" and isinstance(sub, dict):
        user_id = (session.get("metadata") or {}).get("user_id") or session.get("client_reference_id")
        return _subscription_reads(ctx, {**sub, "metadata": {"user_id": user_id}})
    sub_id, pi = _session_targets(session)
    if sub_id and not ctx.event["type"].startswith("checkout.session.async_"):  # async ones settle payments only
        return [keys.subscription(ctx.project_id, ctx.mode, sub_id)]
    return [keys.payment(ctx.project_id, ctx.mode, pi)] if pi else []


def _invoice_reads(ctx: _Ctx) -> list[dict[str, str]]:
    pi = _invoice_payment_intent(ctx.obj)
    if pi is None:
        return []  # the payment intent comes from Stripe; its record is read then
    return [keys.payment(ctx.project_id, ctx.mode, pi),
            *_customer_mapping(ctx, ctx.obj, _invoice_subscription(ctx.obj)[1].get("user_id"))]


def _charge_reads(ctx: _Ctx) -> list[dict[str, str]]:
    pi = _id_of(ctx.obj.get("payment_intent"))
    if pi is None:
        return []
    return [keys.payment(ctx.project_id, ctx.mode, pi),
            *_customer_mapping(ctx, ctx.obj, (ctx.obj.get("metadata") or {}).get("user_id"))]


def _dispute_reads(ctx: _Ctx) -> list[dict[str, str]]:
    pi = _id_of(ctx.obj.get("payment_intent"))
    return [keys.payment(ctx.project_id, ctx.mode, pi)] if pi else []


READS: dict[str, Callable[[_Ctx], list[dict[str, str]]]] = {
    "checkout.session.completed": _session_reads,
    "checkout.session.async_payment_succeeded": _session_reads,
    "checkout.session.async_payment_failed": _session_reads,
    "paykit.observed.checkout_session": _session_reads,
    "customer.subscription.created": lambda ctx: _subscription_reads(ctx, ctx.obj),
    "customer.subscription.updated": lambda ctx: _subscription_reads(ctx, ctx.obj),
    "customer.subscription.deleted": lambda ctx: _subscription_reads(ctx, ctx.obj),
    "paykit.observed.subscription": lambda ctx: _subscription_reads(ctx, ctx.obj),
    "invoice.paid": _invoice_reads,
    "invoice.payment_succeeded": _invoice_reads,
    "invoice.payment_failed": _invoice_reads,
    "charge.refunded": _charge_reads,
    "entitlements.active_entitlement_summary.updated": lambda ctx: _customer_mapping(ctx, ctx.obj, None),
    "charge.dispute.created": _dispute_reads,
    "charge.dispute.closed": _dispute_reads,
}

HANDLERS: dict[str, Callable[[EventProcessor, _Ctx], None]] = {
    "checkout.session.completed": on_checkout_completed,
    "checkout.session.async_payment_succeeded": on_checkout_async(True),
    "checkout.session.async_payment_failed": on_checkout_async(False),
    "customer.subscription.created": on_subscription,
    "customer.subscription.updated": on_subscription,
    "customer.subscription.deleted": on_subscription,
    "invoice.paid": on_invoice(True),
    "invoice.payment_succeeded": on_invoice(True),
    "invoice.payment_failed": on_invoice(False),
    "charge.refunded": on_charge_refunded,
    "charge.dispute.created": on_dispute,
    "charge.dispute.closed": on_dispute,
    "customer.subscription.trial_will_end": on_recorded_only,
    "entitlements.active_entitlement_summary.updated": on_entitlement_summary,
    "invoice.payment_action_required": on_recorded_only,
}


@lru_cache(maxsize=1)
def default_processor() -> EventProcessor:
    return EventProcessor(default_table(), GatewayReader())
