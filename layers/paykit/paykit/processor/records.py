"""PayKit's records of Stripe objects: their ids, their listings in the sparse indexes, and what makes two equal."""
from __future__ import annotations

import uuid
from typing import Any

from paykit.store import keys

# Internal ids are derived from Stripe's, so any event may create a record first and every event agrees on its id.
_ID_NAMESPACE = uuid.UUID("6f1d3c1e-4a7b-4e55-9a51-5a7d0c1f2b10")
# Which event or observation a record's state came from: not part of the state itself.
STAMPS = ("stripe_event_created", "stripe_event_id")


def record_id(kind: str, project_id: str, mode: str, stripe_id: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, f"{kind}:{project_id}:{mode}:{stripe_id}"))


def clean(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if v is not None}


def with_listing(item: dict[str, Any], project_id: str, mode: str, kind: str) -> dict[str, Any]:
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


def only_restamped(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    """The record would change only in which observation it came from. Skipping that write is safe: a late event
    older than this observation differs from a state that held both before and after it, so the event that changed
    the state back is newer still and restores it."""
    return old is not None and {k: v for k, v in old.items() if k not in STAMPS} == {
        k: v for k, v in new.items() if k not in STAMPS}
