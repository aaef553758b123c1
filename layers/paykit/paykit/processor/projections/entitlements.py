"""A user's entitlements item as the processor keeps it (issue 14): the features of Stripe's active entitlement
summary and the state of every live subscription of the user (issue 18), which grant them. `usage` ADDs the item's counters; these writes SET
their own fields under `ent_version`, so neither overwrites the other."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from paykit import outbox
from paykit.models.common import iso
from paykit.processor.context import Ctx
from paykit.store import keys

ENDED = ("canceled", "unpaid", "incomplete_expired", "paused", "incomplete")
FINAL = ("canceled", "incomplete_expired")
ALLOW_EXISTING = "paykit_allow_existing"  # subscription metadata set by E12 with allow_existing_subscription
DUPLICATE_KIND = "cancel_duplicate_subscription"  # the outbox kind that cancels and refunds a caught duplicate  # never live again: dropped from the user's subscriptions
# Which live subscription the item's summary shows: those that grant access first (past_due within grace days).
_RANK = {"active": 0, "trialing": 0, "past_due": 1}


def tracked_subscriptions(ent: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The user's live subscriptions by id, as their item holds them (`subs`). An item written before issue 18 holds
    one subscription, in its summary fields."""
    ent = ent or {}
    if "subs" in ent:
        return {sub_id: dict(state) for sub_id, state in (ent["subs"] or {}).items()}
    if ent.get("sub_id") and ent.get("sub_status") and ent["sub_status"] not in FINAL:
        return {ent["sub_id"]: _clean({"status": ent["sub_status"], "cancel_at": ent.get("cancel_at"),
                                       "past_due_since": ent.get("past_due_since"),
                                       "current_period_start": ent.get("current_period_start"),
                                       "current_period_end": ent.get("current_period_end")})}
    return {}


def subscription_state(ent: dict[str, Any] | None, sub: dict[str, Any], created: int,
                       allowed: bool = False) -> dict[str, Any]:
    """The item's subscription fields after a change of one of the user's subscriptions (issue 18, item 11).

    `subs` holds every live subscription of the user, so a user with two (allow_existing_subscription, or a second
    checkout paid) keeps access while one of them is live, whichever changed last; `check` reads them all. The
    summary fields (sub_id, sub_status, period, cancel_at, past_due_since) are the best live one's: active or
    trialing before past_due, then the latest period; with none live, the one that just ended."""
    subs = tracked_subscriptions(ent)
    sub_id, status = sub["subscription_id"], sub.get("status")
    before = subs.get(sub_id) or {}
    state = _clean({
        "status": status, "created_at": sub.get("created_at"), "cancel_at": sub.get("cancel_at"),
        "current_period_start": sub.get("current_period_start"), "current_period_end": sub.get("current_period_end"),
        "past_due_since": (before.get("past_due_since") if before.get("status") == "past_due" else iso(_at(created)))
        if status == "past_due" else None,
        "allowed": allowed or before.get("allowed") or None, "duplicate_of": before.get("duplicate_of"),
    })
    if status in FINAL:
        subs.pop(sub_id, None)
    else:
        subs[sub_id] = state
    shown_id = max(subs, key=lambda i: (-_RANK.get(subs[i].get("status"), 2), subs[i].get("current_period_end") or "",
                                        i)) if subs else sub_id
    shown = subs.get(shown_id, state)
    return {"subs": subs, "sub_id": shown_id, "sub_status": shown.get("status"), "customer_id": sub.get("customer_id"),
            **{name: shown.get(name) for name in ("current_period_start", "current_period_end", "cancel_at",
                                                  "past_due_since")}}


def duplicates(subs: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Issue 18, item 10: the user's subscriptions that grant access beside an older one without having been
    allowed to (E12's `allow_existing_subscription`), each with the one it duplicates. Whichever event arrives
    first, the later-created one is the duplicate (an entry without a creation time is the older)."""
    # In one second an allowed one is the later: it can only be bought beside an existing subscription.
    granting = sorted((i for i, state in subs.items() if state.get("status") in _RANK),
                      key=lambda i: (subs[i].get("created_at") or "", bool(subs[i].get("allowed")), i))
    return {i: granting[0] for i in granting[1:] if not subs[i].get("allowed")}


def _clean(state: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in state.items() if value is not None}


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


def track_entitlements(ctx: Ctx, sub: dict[str, Any], allowed: bool = False) -> None:
    """The user's entitlements item follows their subscriptions' status and period (issues 14 and 18), in this
    transaction; nothing is written when nothing it holds changed. A second subscription that arrives without
    having been allowed is caught here: it is marked, and its cancellation and refund leave through the outbox in
    this same transaction (docs/decisions.md, issue 18 item 10)."""
    if not sub.get("user_id"):
        return
    key = keys.entitlements(ctx.project_id, ctx.mode, sub["user_id"])
    ent = ctx.record(key)
    fields = subscription_state(ent, sub, ctx.created, allowed)
    for dup_id, first_id in duplicates(fields["subs"]).items():
        if fields["subs"][dup_id].get("duplicate_of"):
            continue  # caught before: its outbox item was written then
        fields["subs"][dup_id]["duplicate_of"] = first_id
        ctx.extra.append(outbox.item(DUPLICATE_KIND, ctx.project_id, ctx.mode, dup_id, {
            "subscription_id": dup_id, "duplicate_of": first_id, "user_id": sub["user_id"]}, ctx.created))
    if ent is None or any(ent.get(k) != v for k, v in fields.items()):
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
