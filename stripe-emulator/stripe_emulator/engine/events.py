"""Events: creating them (snapshot, `previous_attributes`, the request behind them) and handing them to delivery."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .ids import new_id
from .render import render
from .store import API_VERSION, World

# The API request whose handling created an event (Stripe's `event.request`); None for automatic transitions.
current_request: contextvars.ContextVar[dict | None] = contextvars.ContextVar("current_request", default=None)


@contextmanager
def automatic() -> Iterator[None]:
    """Events created inside come from Stripe itself (clock advances, hosted pages): `request.id` is null."""
    token = current_request.set(None)
    try:
        yield
    finally:
        current_request.reset(token)


def snapshot(world: World, collection: str, obj: dict) -> dict:
    """The object as the API shows it now, unexpanded: what `data.object` and `previous_attributes` compare."""
    return render(world, collection, obj)


def diff(before: Any, after: Any) -> dict:
    """Stripe's `previous_attributes`: the old values of the keys that changed, recursing into plain hashes."""
    changed: dict = {}
    for key, old in before.items():
        new = after.get(key)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict) and old.get("object") != "list" and "id" not in old:
            changed[key] = diff(old, new)
        else:
            changed[key] = old
    return changed


# Called with (world, event) after each event is created: what Stripe derives from events (a customer's active
# entitlements follow their subscriptions' events, see entitlements.py).
EMITTED_HOOKS: list[Callable[[World, dict], None]] = []


def emit(world: World, event_type: str, collection: str, obj: dict, *, previous: dict | None = None,
         created: int | None = None, data: dict | None = None) -> dict:
    """Creates an event; `data` is a snapshot taken earlier when the event describes an earlier state."""
    event = {
        "id": new_id("evt"),
        "object": "event",
        "api_version": API_VERSION,
        "created": created if created is not None else world.now_for(obj),
        "data": {"object": data if data is not None else snapshot(world, collection, obj)},
        "livemode": world.livemode,
        "pending_webhooks": 0,
        "request": dict(current_request.get() or {"id": None, "idempotency_key": None}),
        "type": event_type,
    }
    if previous:
        event["data"]["previous_attributes"] = previous
    if world.event_buffer is not None:
        world.event_buffer.append(event)
    else:
        _publish(world, event)
    for hook in EMITTED_HOOKS:
        hook(world, event)
    return event


def _publish(world: World, event: dict) -> None:
    world.add("events", event)
    dispatcher = world.state.dispatcher
    if dispatcher is not None:
        dispatcher.event_created(world, event)


@contextmanager
def deferred(world: World, order: Sequence[str] = ()) -> Iterator[None]:
    """Holds the events of one operation and publishes them in Stripe's order for it.

    Operations run step by step (so every snapshot shows the state at its step) but Stripe creates some of the
    events of a compound operation in another order: types in `order` come first, in that order; the rest keep
    their relative order after them. Nested use joins the outer buffer.
    """
    if world.event_buffer is not None:
        yield
        return
    world.event_buffer = []
    try:
        yield
        rank = {event_type: i for i, event_type in enumerate(order)}
        buffered = sorted(world.event_buffer, key=lambda e: rank.get(e["type"], len(rank)))
    finally:
        world.event_buffer = None  # on an exception the operation's events are dropped with it
    for event in buffered:
        _publish(world, event)


class Tracker:
    """Snapshots an object before a change so the `*.updated` event carries `previous_attributes`."""

    def __init__(self, world: World, collection: str, obj: dict) -> None:
        self.world, self.collection, self.obj = world, collection, obj
        self.before = snapshot(world, collection, obj)

    def changes(self) -> dict:
        return diff(self.before, snapshot(self.world, self.collection, self.obj))

    def emit_updated(self, event_type: str, created: int | None = None) -> dict | None:
        """Emits `event_type` if anything changed; the tracker then follows on from the new state."""
        previous = self.changes()
        if not previous:
            return None
        event = emit(self.world, event_type, self.collection, self.obj, previous=previous, created=created)
        self.before = snapshot(self.world, self.collection, self.obj)
        return event


def type_matches(pattern: str, event_type: str) -> bool:
    if pattern == "*":
        return True
    return re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), event_type) is not None
