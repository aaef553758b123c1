"""The engine of the event processor: each queued Stripe event takes effect exactly once, guarded against
out-of-order delivery.

For one event, one consistent BatchGetItem reads the records its projection needs (paykit.processor.projections
READS), the projection (HANDLERS) says what changes, and one TransactWriteItems holds the dedup marker
(`attribute_not_exists`), the event-log record, the new state of each record it touches (a whole-item Put under an
optimistic `version` check) and the counter deltas (paykit.processor.ledger). A conflict reads again and retries.
"""
from __future__ import annotations

import json
import time
import uuid
from functools import lru_cache
from typing import Any, Callable, NamedTuple

from paykit import outbox
from paykit.errors import PayKitError
from paykit.models.common import iso, utcnow
from paykit.observability import logger
from paykit.processor import event_record, ledger
from paykit.processor.context import Change, Ctx
from paykit.processor.projections import HANDLERS, READS
from paykit.processor.projections.checkout import observe_checkout_session
from paykit.processor.projections.subscriptions import apply_subscription
from paykit.processor.records import only_restamped
from paykit.processor.stripe_reader import GatewayReader, StripeReader
from paykit.store import keys
from paykit.store.errors import ConditionFailed, StoreError, TransactionConflict
from paykit.store.table import Table, batch_get, default_table
from paykit.stripe_objects import owner_project

_ATTEMPTS = 6
# What PayKit reads back from Stripe and records as if an event had said it (decision 17).
_OBSERVERS: dict[str, Callable[[Ctx, dict[str, Any]], None]] = {
    "subscription": apply_subscription, "checkout_session": observe_checkout_session}


class Retry(Exception):
    """Another worker changed a record between our read and our write: read again."""


def _is_retryable(exc: StoreError) -> bool:
    """A canceled transaction (a version guard, a conflict, throttling) wrote nothing: read again and retry."""
    return bool(exc.reasons) or isinstance(exc, TransactionConflict)


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
        if message.get("kind") == "meter_event":  # queued by `usage` before the outbox: hand it to the outbox
            self.table.transact([outbox.item("meter_event", project_id, mode, event_id, {
                key: message[key] for key in ("event_name", "customer_id", "value", "timestamp")}, self.clock())])
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
        asked: dict[tuple[str, str], Any] = {}  # what Stripe answered for this event, across its attempts
        try:
            for _ in range(_ATTEMPTS):
                try:
                    return self._apply_once(project_id, mode, event, raw, received_at, asked)
                except Retry:
                    continue
            raise RuntimeError("too many concurrent changes to the event's records")
        except Exception as exc:
            self._record_failure(project_id, mode, event, raw, received_at, exc)
            raise

    def apply_stripe_object(self, project_id: str, mode: str, kind: str, obj: dict[str, Any],
                            observed_at: int | None = None) -> None:
        """Records an object PayKit just read from or changed in Stripe, through the same guarded rules as events.

        `kind` is "subscription" or "checkout_session" (a completed session, its subscription or payment intent
        expanded). The object counts as an event observed at `observed_at` (now by default): later webhooks about
        older states change nothing, newer ones still win. Each call gets its own id, so two observations in the
        same second are settled as ties are, by Stripe's current object. No dedup marker: this is not an event.
        """
        if kind not in _OBSERVERS:
            raise ValueError(f"unknown kind {kind!r}")
        created = int(observed_at if observed_at is not None else self.clock())
        event = {"id": f"obs_{uuid.uuid4().hex}", "type": f"paykit.observed.{kind}", "created": created,
                 "data": {"object": obj}}
        for _ in range(_ATTEMPTS):
            ctx = self._context(project_id, mode, event)
            self._prefetch(ctx)
            _OBSERVERS[kind](ctx, obj)
            # Reading back what is already stored (a success page polled twice) writes nothing: only the stamps moved.
            changes = [(old, new) for old, new in ctx.changes if not only_restamped(old, new)]
            try:
                self._commit(project_id, mode, [], changes, ctx.extra, created)
                return
            except StoreError as exc:
                if not _is_retryable(exc):
                    raise
        raise RuntimeError("too many concurrent changes to the observed records")

    # ------------------------------------------------------------------ one attempt

    def _context(self, project_id: str, mode: str, event: dict[str, Any],
                 asked: dict[tuple[str, str], Any] | None = None) -> Ctx:
        return Ctx(self.table, self.stripe, self._owners, project_id, mode, event, asked)

    def _apply_once(self, project_id: str, mode: str, event: dict[str, Any], raw: str, received_at: str,
                    asked: dict[tuple[str, str], Any]) -> str:
        handler = HANDLERS.get(event["type"])
        ctx = self._context(project_id, mode, event, asked)
        ignored = None
        if handler is not None:
            self._prefetch(ctx, project=True)
            if ctx.record(keys.event_marker(project_id, mode, event["id"])) is not None:
                logger.info("duplicate event: already applied")  # found before the handler asks Stripe anything
                return "duplicate"
            project = ctx.record(keys.project(project_id))
            ignored = _ignore_reason(project_id, event, project)
            if ignored is None:
                handler(ctx)
        status = "processed" if handler is not None and ignored is None else "ignored"
        now = self.clock()
        if ignored is None:
            head = [event_record.marker(project_id, mode, event, now),
                    event_record.outcome(project_id, mode, event, raw, received_at, status, now)]
        elif ignored.parked:
            # No dedup marker: the event is parked, and re-enabling the configuration queues it again (decision 24).
            logger.info("event parked", reason=ignored.reason)
            head = [event_record.outcome(project_id, mode, event, raw, received_at, status, now, ignored.reason),
                    event_record.park(project_id, mode, event, now),
                    event_record.flag_parked(project_id, project["version"])]
        else:
            # It will never apply here: the marker makes every later delivery or replay a no-op.
            logger.info("event ignored", reason=ignored.reason)
            head = [event_record.marker(project_id, mode, event, now),
                    event_record.outcome(project_id, mode, event, raw, received_at, status, now, ignored.reason)]
        try:
            self._commit(project_id, mode, head, ctx.changes, ctx.extra, int(event.get("created") or 0) or None)
        except StoreError as exc:
            if isinstance(exc, ConditionFailed) and exc.failed_at(0):
                logger.info("duplicate event: already applied")
                return "duplicate"
            if _is_retryable(exc):
                raise Retry() from exc
            raise
        logger.info("event applied", status=status)
        return status

    def _commit(self, project_id: str, mode: str, head: list[dict[str, Any]], changes: list[Change],
                extra: list[dict[str, Any]], created: int | None = None) -> None:
        """One transaction (paykit.processor.ledger); the MRR movements go to the change's day, `created`."""
        changed = [(old, new) for old, new in changes if old != new]
        owner = self._owners.get(project_id) or next((n["owner_id"] for _, n in changed if n.get("owner_id")), None)
        day = ledger.day_of(created if created is not None else self.clock())
        actions = ledger.transaction(project_id, mode, owner, head, changed, extra, day, self.clock())
        if actions:
            self.table.transact(actions)

    def _record_failure(self, project_id: str, mode: str, event: dict[str, Any], raw: str, received_at: str,
                        exc: Exception) -> None:
        """The event log shows the failure; a processed record is never marked failed by a late worker."""
        error = exc.detail if isinstance(exc, PayKitError) else type(exc).__name__  # never raw text: it may hold data
        logger.exception("event failed", error=error)
        update = event_record.failure(project_id, mode, event, raw, received_at, error, self.clock())
        try:
            self.table.update(update.pop("key"), **update)
        except StoreError:
            logger.warning("could not record the failure in the event log")

    def _prefetch(self, ctx: Ctx, project: bool = False) -> None:
        """One consistent BatchGetItem for the records the projection will read, and for an event its dedup marker
        (a delivery again stops there, before its handler reads Stripe) and the project (each event checks its
        configuration is active; observations read it once per container for its owner), so an event costs that
        read plus its transaction. Keys the payload does not name are read when needed."""
        planner = READS.get(ctx.event["type"])
        wanted = planner(ctx) if planner else []
        if project:
            wanted.append(keys.event_marker(ctx.project_id, ctx.mode, ctx.event["id"]))
        if project or not ctx.knows_owner():
            wanted.append(keys.project(ctx.project_id))
        if not wanted:
            return
        found = {(i["pk"], i["sk"]): i for i in batch_get(self.table, wanted, consistent=True)}
        ctx.prefetched = {(k["pk"], k["sk"]): found.get((k["pk"], k["sk"])) for k in wanted}


class Ignored(NamedTuple):
    reason: str
    parked: bool  # True: it applies once the configuration is re-enabled; False: it never applies here


def _ignore_reason(project_id: str, event: dict[str, Any], project: dict[str, Any] | None) -> Ignored | None:
    """Why an event must change nothing now.

    Never here (a dedup marker is written, so later deliveries and replays stay no-ops): it happened in a connected
    account (Connect: an endpoint that listens to connected accounts also gets their events, which are not the
    project's own), or its object names another PayKit project in its metadata (two projects on one Stripe account
    each get every event of the account; `owner_project`). An object without PayKit's metadata (made in Stripe's
    dashboard) is not told apart: the customer mapping links it, as before.

    Not yet (parked, no marker): the project's Stripe configuration is deactivated (E7) while the receiver's cache
    still acknowledged the delivery; re-enabling the configuration queues it again (decision 24, docs/decisions.md).
    A project without a configuration item here is the receiver's concern (it refuses deliveries for unknown
    projects)."""
    if event.get("account"):
        return Ignored(f"Event of the connected account {event['account']}: not this project's own account; "
                       "nothing applied", parked=False)
    owner = owner_project((event.get("data") or {}).get("object") or {})
    if owner is not None and owner != project_id:
        return Ignored("The object belongs to another PayKit project on the same Stripe account (its metadata says "
                       "so): nothing applied here", parked=False)
    config = (project or {}).get("config")
    if config and not config.get("is_active"):
        return Ignored("Stripe configuration is deactivated: nothing applied yet; the event is queued again when the "
                       "configuration is re-enabled", parked=True)
    return None


@lru_cache(maxsize=1)
def default_processor() -> EventProcessor:
    return EventProcessor(default_table(), GatewayReader())
