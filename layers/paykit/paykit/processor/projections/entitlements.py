"""A user's entitlements item as the processor keeps it (issue 14): the features of Stripe's active entitlement
summary and the state of the subscription that grants them. `usage` ADDs the item's counters; these writes SET
their own fields under `ent_version`, so neither overwrites the other."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from paykit.models.common import iso
from paykit.processor.context import Ctx
from paykit.store import keys

GRANTING = ("active", "trialing", "past_due")  # past_due only within the project's grace days
ENDED = ("canceled", "unpaid", "incomplete_expired", "paused", "incomplete")


def subscription_state(ent: dict[str, Any] | None, sub: dict[str, Any], created: int) -> dict[str, Any] | None:
    """The subscription fields of a user's item after a change of one of their subscriptions (None: unchanged).

    The item follows the user's subscription that grants access: a change of another subscription replaces it only
    when that one grants access (a new plan) or the tracked one no longer does."""
    ent = ent or {}
    tracked, status = ent.get("sub_id"), sub.get("status")
    if tracked and tracked != sub["subscription_id"] and status not in GRANTING and ent.get("sub_status") in GRANTING:
        return None
    was_past_due = tracked == sub["subscription_id"] and ent.get("sub_status") == "past_due"
    return {
        "sub_id": sub["subscription_id"], "sub_status": status, "customer_id": sub.get("customer_id"),
        "current_period_start": sub.get("current_period_start"), "current_period_end": sub.get("current_period_end"),
        "cancel_at": sub.get("cancel_at"),
        "past_due_since": (ent.get("past_due_since") if was_past_due else iso(_at(created)))
        if status == "past_due" else None,
    }


def summary_update(ent: dict[str, Any] | None, summary: dict[str, Any], created: int) -> dict[str, Any] | None:
    """The item's entitlements from `entitlements.active_entitlement_summary.updated` (None: older than stored)."""
    if ent and int(ent.get("features_at") or 0) > created:
        return None
    found = ((summary.get("entitlements") or {}).get("data")) or []
    return {"features": sorted({e.get("lookup_key") for e in found if e.get("lookup_key")}),
            "features_at": created, "customer_id": summary.get("customer")}


def item_update(key: dict[str, str], ent: dict[str, Any] | None, fields: dict[str, Any],
                user_id: str) -> dict[str, Any]:
    """One transaction action: SET the given fields under the item's `ent_version` (a concurrent writer makes the
    transaction retry); usage counters, ADDed by `usage`, are never touched."""
    version = int((ent or {}).get("ent_version") or 0)
    names = {f"#f{i}": name for i, name in enumerate(fields)}
    values = {f":f{i}": value for i, value in enumerate(fields.values())}
    sets = [f"#f{i} = :f{i}" for i in range(len(fields))] + ["#type = :type", "user_id = :user", "ent_version = :next"]
    return {"Update": {
        "Key": key, "UpdateExpression": "SET " + ", ".join(sets),
        "ConditionExpression": "attribute_not_exists(ent_version) OR ent_version = :v",
        "ExpressionAttributeNames": {**names, "#type": "type"},
        "ExpressionAttributeValues": {**values, ":type": "entitlements", ":user": user_id, ":v": version,
                                      ":next": version + 1},
    }}


def track_entitlements(ctx: Ctx, sub: dict[str, Any]) -> None:
    """The user's entitlements item follows their subscription's status and period (issue 14), in this
    transaction; nothing is written when nothing it holds changed."""
    if not sub.get("user_id"):
        return
    key = keys.entitlements(ctx.project_id, ctx.mode, sub["user_id"])
    ent = ctx.record(key)
    fields = subscription_state(ent, sub, ctx.created)
    if fields is not None and (ent is None or any(ent.get(k) != v for k, v in fields.items())):
        ctx.extra.append(item_update(key, ent, fields, sub["user_id"]))


def on_entitlement_summary(ctx: Ctx) -> None:
    """`entitlements.active_entitlement_summary.updated`: the customer's active features, newest event wins; two in
    the same second are settled by Stripe's current list."""
    summary = ctx.obj
    user_id = ctx.user_of_customer(summary.get("customer"))
    if not user_id:
        return  # a customer PayKit did not create: no user to entitle
    key = keys.entitlements(ctx.project_id, ctx.mode, user_id)
    ent = ctx.record(key)
    if ent and int(ent.get("features_at") or 0) == ctx.created and ent.get("features_event") != ctx.event["id"]:
        summary = {**summary, "entitlements": {"data": ctx.stripe.active_entitlements(
            ctx.project_id, ctx.mode, summary["customer"])}}
    fields = summary_update(ent, summary, ctx.created)
    if fields is not None:
        ctx.extra.append(item_update(key, ent, {**fields, "features_event": ctx.event["id"]}, user_id))


def _at(created: int) -> datetime:
    return datetime.fromtimestamp(int(created), timezone.utc)
