"""The writes that record an event itself: its dedup marker, its entry in the project's event log (processed,
ignored with a reason, or failed) and its parking while the configuration is deactivated. Pure: each builds one
transaction action or update."""
from __future__ import annotations

from typing import Any

from paykit.models.common import iso, utcnow
from paykit.store import keys

MARKER_DAYS = 35  # past Stripe's 3 days of retries and the 30 days it keeps events for replay


def marker(project_id: str, mode: str, event: dict[str, Any], now: float) -> dict[str, Any]:
    """The dedup marker: the transaction fails on its condition when the event was applied before."""
    return {"Put": {
        "Item": {**keys.event_marker(project_id, mode, event["id"]), "type": "event_marker",
                 "expires_at": int(now) + MARKER_DAYS * 86400},
        "ConditionExpression": "attribute_not_exists(pk)",
    }}


def outcome(project_id: str, mode: str, event: dict[str, Any], raw: str, received_at: str, status: str,
            now: float, reason: str | None = None) -> dict[str, Any]:
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
            ":exp": int(now) + MARKER_DAYS * 86400,
            ":gpk": keys.project_events_gsi(project_id, mode), ":gsk": f"{received_at}#{event['id']}",
        },
    }
    if reason:
        update["ExpressionAttributeValues"].update({":reason": reason, ":processed": "processed"})
        update["ConditionExpression"] = "attribute_not_exists(#status) OR #status <> :processed"
    return {"Update": update}


def park(project_id: str, mode: str, event: dict[str, Any], now: float) -> dict[str, Any]:
    """The event waits in the project's parked partition (its body stays in the event record) until the configuration
    is re-enabled, which queues it again: Stripe saw a 200 and will not retry it."""
    return {"Put": {"Item": {
        **keys.parked_event(project_id, mode, event["id"]), "type": "parked_event", "project_id": project_id,
        "mode": mode, "event_id": event["id"], "parked_at": int(now * 1000),
        "expires_at": int(now) + MARKER_DAYS * 86400,
    }}}


def flag_parked(project_id: str, version: int) -> dict[str, Any]:
    """Marks the project as holding parked events, only if no configuration write came since it was read: an event
    that read "deactivated" just before a re-enable retries and applies instead of parking where nobody looks."""
    return {"Update": {
        "Key": keys.project(project_id),
        "UpdateExpression": "SET parked_events = :yes",
        "ConditionExpression": "version = :seen",
        "ExpressionAttributeValues": {":yes": True, ":seen": version},
    }}


def failure(project_id: str, mode: str, event: dict[str, Any], raw: str, received_at: str, error: str,
            now: float) -> dict[str, Any]:
    """The arguments of Table.update that mark the event failed; a processed record is never marked failed."""
    return {
        "key": keys.event_record(project_id, mode, event["id"]),
        "UpdateExpression": (
            "SET #type = :item, event_id = :id, event_type = :etype, #status = :failed, #error = :error, "
            "received_at = if_not_exists(received_at, :at), body = if_not_exists(body, :body), "
            "gsi1pk = :gpk, gsi1sk = if_not_exists(gsi1sk, :gsk), expires_at = :exp"
        ),
        "ConditionExpression": "attribute_not_exists(#status) OR #status = :failed",
        "ExpressionAttributeNames": {"#type": "type", "#status": "status", "#error": "error"},
        "ExpressionAttributeValues": {
            ":item": "event", ":id": event["id"], ":etype": event["type"], ":failed": "failed",
            ":error": error, ":at": received_at, ":body": raw,
            ":gpk": keys.project_events_gsi(project_id, mode), ":gsk": f"{received_at}#{event['id']}",
            ":exp": int(now) + MARKER_DAYS * 86400,
        },
    }
