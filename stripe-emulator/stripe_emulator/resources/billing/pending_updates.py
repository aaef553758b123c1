"""A pending update's state (`payment_behavior=pending_if_incomplete`): what it keeps to put back or apply later, how it
shows as `pending_update`, and how it settles when its invoice is paid or not."""

from __future__ import annotations

import copy

from ...engine.events import Tracker, emit
from ...engine.render import render
from ...engine.store import World
from ..payments import SUCCEEDED
from .subscriptions import items_of

# What ending a trial moves besides the items and the cycle (an item change leaves them as they are when it applies).
TRIAL_FIELDS = ("status", "trial_end", "_trial_will_end_sent", "_anchored")


def state_of(world: World, sub: dict, fields: tuple[str, ...] = ()) -> dict:
    """What an item change (and, with `fields`, a trial's end) moves on a subscription: kept to put it back, or to
    apply it later."""
    return {"_items": list(sub["_items"]), "billing_cycle_anchor": sub["billing_cycle_anchor"], "_cycle": sub["_cycle"],
            "billing_cycle_anchor_config": sub["billing_cycle_anchor_config"], "_pending": list(sub["_pending"]),
            "items": [copy.deepcopy(item) for item in items_of(world, sub)], "fields": {f: sub[f] for f in fields}}


def put_state(world: World, sub: dict, state: dict, drop: set[str] = frozenset()) -> None:
    for item_id in drop:
        world.remove("subscription_items", item_id)
    for item in state["items"]:
        stored = world.find("subscription_items", item["id"])
        if stored is None:
            world.add("subscription_items", copy.deepcopy(item))
        else:
            stored.clear()
            stored.update(copy.deepcopy(item))
    sub.update(_items=list(state["_items"]), billing_cycle_anchor=state["billing_cycle_anchor"],
               billing_cycle_anchor_config=state["billing_cycle_anchor_config"], _cycle=state["_cycle"],
               _pending=list(state["_pending"]), **state["fields"])


def _pending_update_shape(world: World, pending: dict) -> dict:
    items = {item["id"]: item for item in pending["state"]["items"]}
    return {"billing_cycle_anchor": pending["billing_cycle_anchor"], "expires_at": pending["expires_at"],
            "subscription_items": [render(world, "subscription_items", items[i]) for i in pending["changed"]] or None,
            "trial_end": pending["trial_end"], "trial_from_plan": False}


def settle_pending_update(world: World, sub: dict, outcome: str | None, t: int, tracker: Tracker) -> None:
    """The pending update's invoice was paid (the change applies) or not (the change stays pending)."""
    pending = sub["_pending_update"]
    if outcome != SUCCEEDED:
        if sub["pending_update"] is None:
            sub["pending_update"] = _pending_update_shape(world, pending)
        tracker.emit_updated("customer.subscription.updated", created=t)
        return
    announced = sub["pending_update"] is not None
    if pending["trial_end"] is not None:  # as an immediate trial end announces it (the trial is still on here)
        sub["trial_end"] = pending["trial_end"]
        emit(world, "customer.subscription.trial_will_end", "subscriptions", sub, created=t)
    put_state(world, sub, pending["state"])
    sub.update(pending_update=None, _pending_update=None)
    tracker.emit_updated("customer.subscription.updated", created=t)
    if announced:
        emit(world, "customer.subscription.pending_update_applied", "subscriptions", sub, created=t)
