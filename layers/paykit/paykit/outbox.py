"""The transactional outbox (decision 33): a side effect that must leave PayKit after a change (a usage report to
Stripe's meter; PayKit's own events later) is an item written in the change's own DynamoDB transaction. The
table's stream hands each new outbox item to the outbox sender (functions/outbox_sender), which sends it
idempotently; a function that dies between the write and the send loses nothing, and a resend is harmless.
"""
from __future__ import annotations

from typing import Any

from paykit.store import keys

ITEM_TYPE = "outbox"  # the stream's filter criteria in template.yaml match this value
KEEP_DAYS = 7  # past the stream's 24 h retention: an item is only ever read from the stream


def item(kind: str, project_id: str, mode: str, key: str, payload: dict[str, Any], now: float) -> dict[str, Any]:
    """A TransactWriteItems action that queues one side effect. `key` names it for good: the same key is the same
    side effect (a retried change writes nothing new; the sender passes the key on as Stripe's identifier)."""
    return {"Put": {"Item": {**keys.outbox(project_id, mode, kind, key), "type": ITEM_TYPE, "kind": kind,
                             "project_id": project_id, "mode": mode, "key": key, "payload": payload,
                             "expires_at": int(now) + KEEP_DAYS * 86400}}}
