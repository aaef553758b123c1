"""The outbox sender: each outbox item the table's stream delivers is sent by the sender of its kind. Every sender
is idempotent on the item's key, because a stream delivers a record at least once (a retried batch, a bisected
one). An error fails the record (the stream retries it, then its DLQ keeps it); nothing is sent twice in effect.
"""
from __future__ import annotations

from typing import Any, Callable

from paykit.errors import PayKitError
from paykit.observability import logger
from paykit.processor.projections.checkout import EXPIRE_KIND
from paykit.processor.projections.entitlements import DUPLICATE_KIND
from paykit.services.checkout import send_expire_open_checkouts
from paykit.services.subscriptions import send_cancel_duplicate
from paykit.stripe_gateway import StripeGateway, default_gateway

# Stripe's words when a meter event's identifier was recorded before ("An event already exists with identifier
# <id>.", with no error code): the report already counted, so this send is done. The emulator answers the same
# (tests/emulator/test_emulator_meters.py; tests/integration/test_entitlements.py sends one twice).
ALREADY_REPORTED = "An event already exists with identifier"

Sender = Callable[[dict[str, Any], StripeGateway], None]


def send_meter_event(item: dict[str, Any], gateway: StripeGateway) -> None:
    """One usage report to Stripe's Billing Meter; the outbox key is the meter event's identifier."""
    import stripe

    payload = item["payload"]

    def send(c: Any) -> None:
        try:
            c.v1.billing.meter_events.create({
                "event_name": payload["event_name"], "identifier": item["key"], "timestamp": int(payload["timestamp"]),
                "payload": {"stripe_customer_id": payload["customer_id"], "value": str(payload["value"])}})
        except stripe.InvalidRequestError as exc:
            if exc.code != "resource_already_exists" and ALREADY_REPORTED not in str(exc.user_message or exc):
                raise
            logger.info("meter event already reported", identifier=item["key"])

    gateway.call(item["project_id"], item["mode"], send)


SENDERS: dict[str, Sender] = {
    "meter_event": send_meter_event,
    EXPIRE_KIND: send_expire_open_checkouts,  # issue 18, item 10
    DUPLICATE_KIND: send_cancel_duplicate,
}


def send(item: dict[str, Any], gateway: StripeGateway | None = None) -> None:
    """Sends one outbox item by its kind; raises (the record fails and is retried) when it could not be sent."""
    sender = SENDERS.get(item.get("kind") or "")
    if sender is None:
        raise PayKitError(f"no sender for outbox kind {item.get('kind')!r}")
    logger.append_keys(project_id=item.get("project_id"), mode=item.get("mode"), outbox_kind=item["kind"])
    sender(item, gateway or default_gateway())
    logger.info("outbox item sent", key=item["key"])
