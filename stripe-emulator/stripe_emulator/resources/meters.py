"""Billing Meters: meters, meter events (one per identifier within 24 hours), event summaries, and the usage a
metered price (`recurring[usage_type]=metered`) bills at renewal."""

from __future__ import annotations

import hashlib
import re

from ..engine import errors
from ..engine.events import emit
from ..engine.ids import new_id, random_suffix
from ..engine.params import get_dict, get_int, get_str
from ..engine.render import OBJECT_COLLECTIONS, paginate, render
from ..engine.routes import Ctx, api, retrieve, update
from ..engine.store import World

FORMULAS = ("count", "last", "sum")
WINDOWS = {"hour": 3600, "day": 86400}
IDENTIFIER_WINDOW = 86400  # Stripe refuses a repeated identifier within (at least) 24 hours
BACKDATE_LIMIT = 35 * 86400  # an event's timestamp may be up to 35 days in the past...
FUTURE_LIMIT = 300  # ...or 5 minutes in the future
MAX_IDENTIFIER = 100
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")

OBJECT_COLLECTIONS.update({"billing.meter": "billing_meters"})


# --- meters -------------------------------------------------------------------------------------------------------


def _mapping(params: dict) -> dict:
    mapping = get_dict(params, "customer_mapping")
    if not mapping:
        return {"event_payload_key": "stripe_customer_id", "type": "by_id"}
    return {"event_payload_key": get_str(mapping, "event_payload_key", required=True,
                                         param="customer_mapping[event_payload_key]"),
            "type": get_str(mapping, "type", required=True, param="customer_mapping[type]", choices=("by_id",))}


@api("POST", "/v1/billing/meters", "billing_meters", "billing.MeterCreateParams")
def create_meter(ctx: Ctx, params: dict) -> dict:
    world = ctx.world
    display_name = get_str(params, "display_name", required=True)
    event_name = get_str(params, "event_name", required=True) or ""
    aggregation = get_dict(params, "default_aggregation")
    if not aggregation:
        raise errors.missing_parameter("default_aggregation")
    formula = get_str(aggregation, "formula", required=True, param="default_aggregation[formula]", choices=FORMULAS)
    window = get_str(params, "event_time_window", choices=tuple(WINDOWS))
    value_settings = get_dict(params, "value_settings")
    value_key = get_str(value_settings, "event_payload_key", required=bool(value_settings),
                        param="value_settings[event_payload_key]") or "value"
    if not event_name or len(event_name) > 100:
        raise errors.invalid("event_name must be between 1 and 100 characters.", param="event_name")
    # One event name feeds one meter (Stripe's rule); a deactivated meter frees its name.
    if any(m["event_name"] == event_name and m["status"] == "active"
           for m in world.collections["billing_meters"].values()):
        raise errors.invalid(f"An active meter with event_name '{event_name}' already exists.", param="event_name")
    now = world.now()
    meter = world.add("billing_meters", {
        "id": new_id("mtr"), "object": "billing.meter", "created": now, "customer_mapping": _mapping(params),
        "default_aggregation": {"formula": formula}, "display_name": display_name, "event_name": event_name,
        "event_time_window": window, "livemode": world.livemode, "status": "active",
        "status_transitions": {"deactivated_at": None}, "updated": now,
        "value_settings": {"event_payload_key": value_key},
    })
    emit(world, "billing.meter.created", "billing_meters", meter, created=now)
    return render(world, "billing_meters", meter, ctx.expand)


retrieve("/v1/billing/meters/<id>", "billing_meters", "billing.MeterRetrieveParams")


@update("/v1/billing/meters/<id>", "billing_meters", "billing.MeterUpdateParams", event="billing.meter.updated",
        stamp="updated")
def update_meter(ctx: Ctx, params: dict, meter: dict) -> None:
    if "display_name" in params:
        meter["display_name"] = get_str(params, "display_name") or meter["display_name"]


def _set_status(ctx: Ctx, id: str, status: str) -> dict:
    world = ctx.world
    meter = world.get("billing_meters", id)
    if meter["status"] == status:
        raise errors.invalid(f"This meter is already {status}.")
    if status == "active" and any(m["event_name"] == meter["event_name"] and m["status"] == "active"
                                  for m in world.collections["billing_meters"].values()):
        raise errors.invalid(f"An active meter with event_name '{meter['event_name']}' already exists.")
    now = world.now()
    meter.update(status=status, updated=now)
    meter["status_transitions"]["deactivated_at"] = now if status == "inactive" else None
    emit(world, "billing.meter.deactivated" if status == "inactive" else "billing.meter.reactivated",
         "billing_meters", meter, created=now)
    return render(world, "billing_meters", meter, ctx.expand)


@api("POST", "/v1/billing/meters/<id>/deactivate", "billing_meters", "billing.MeterDeactivateParams")
def deactivate_meter(ctx: Ctx, params: dict, id: str) -> dict:
    return _set_status(ctx, id, "inactive")


@api("POST", "/v1/billing/meters/<id>/reactivate", "billing_meters", "billing.MeterReactivateParams")
def reactivate_meter(ctx: Ctx, params: dict, id: str) -> dict:
    return _set_status(ctx, id, "active")


@api("GET", "/v1/billing/meters", "billing_meters", "billing.MeterListParams")
def list_meters(ctx: Ctx, params: dict) -> dict:
    status = get_str(params, "status", choices=("active", "inactive"))
    items = [m for m in ctx.world.newest_first("billing_meters") if status is None or m["status"] == status]
    return paginate(ctx.world, "billing_meters", items, params, "/v1/billing/meters", ctx.expand)


# --- meter events -------------------------------------------------------------------------------------------------


def _meter_for(world: World, event_name: str) -> dict | None:
    return next((m for m in world.collections["billing_meters"].values()
                 if m["event_name"] == event_name and m["status"] == "active"), None)


@api("POST", "/v1/billing/meter_events", "billing_meter_events", "billing.MeterEventCreateParams")
def create_meter_event(ctx: Ctx, params: dict) -> dict:
    """Validated now, aggregated when read (summaries, renewals). As on Stripe, an event naming no meter or no
    customer is accepted (Stripe reports it later in the meter's error report) and never counts."""
    world = ctx.world
    event_name = get_str(params, "event_name", required=True) or ""
    payload = get_dict(params, "payload")
    if not payload:
        raise errors.missing_parameter("payload")
    payload = {str(k): str(v) for k, v in payload.items()}
    identifier = get_str(params, "identifier") or random_suffix(24)
    if len(identifier) > MAX_IDENTIFIER:
        raise errors.invalid(f"identifier must be at most {MAX_IDENTIFIER} characters.", param="identifier")
    meter = _meter_for(world, event_name)
    customer_key = meter["customer_mapping"]["event_payload_key"] if meter else "stripe_customer_id"
    # The customer's test clock is their "now": usage recorded during a clock-driven test lands in its periods.
    customer = world.find("customers", payload.get(customer_key))
    now = world.now_for(customer) if customer is not None else world.now()
    timestamp = get_int(params, "timestamp")
    timestamp = now if timestamp is None else timestamp
    if not now - BACKDATE_LIMIT <= timestamp <= now + FUTURE_LIMIT:
        raise errors.invalid("Timestamp must be within the past 35 calendar days or up to 5 minutes in the future.",
                             param="timestamp")
    received = world.now()
    events = world.collections["meter_events"]
    earlier = events.get(identifier)
    if earlier is not None:
        if received - earlier["_received"] < IDENTIFIER_WINDOW:
            # Stripe's words, as integrations that match on them quote its answer: no error code, no param.
            raise errors.invalid(f"An event already exists with identifier {identifier}.")
        events[f"{identifier}@{earlier['_received']}"] = events.pop(identifier)  # kept, under another key
    event = {"object": "billing.meter_event", "created": now, "event_name": event_name, "identifier": identifier,
             "livemode": world.livemode, "payload": payload, "timestamp": timestamp, "_received": received,
             "_seq": len(events)}
    events[identifier] = event
    return render(world, None, event, ctx.expand)


def _value(event: dict, meter: dict) -> float | None:
    raw = event["payload"].get(meter["value_settings"]["event_payload_key"])
    return float(raw) if raw is not None and _NUMBER.match(raw) else None


def _events_of(world: World, meter: dict, customer_id: str, start: int, end: int) -> list[dict]:
    customer_key = meter["customer_mapping"]["event_payload_key"]
    found = [e for e in world.collections["meter_events"].values()
             if e["event_name"] == meter["event_name"] and e["payload"].get(customer_key) == customer_id
             and start <= e["timestamp"] < end and e["_received"] >= meter["created"]]
    found.sort(key=lambda e: (e["timestamp"], e["_seq"]))
    window = WINDOWS.get(meter["event_time_window"] or "")
    if window:
        # Pre-aggregated meters: the latest event of each hour or day replaces the ones before it.
        latest: dict[int, dict] = {}
        for event in found:
            latest[event["timestamp"] // window] = event
        found = list(latest.values())
    return found


def aggregate(world: World, meter: dict, customer_id: str, start: int, end: int) -> float:
    """The meter's `default_aggregation.formula` over the customer's events with timestamps in [start, end)."""
    events = _events_of(world, meter, customer_id, start, end)
    formula = meter["default_aggregation"]["formula"]
    if formula == "count":
        return float(len(events))
    values = [v for v in (_value(e, meter) for e in events) if v is not None]
    if formula == "last":
        return values[-1] if values else 0.0
    return float(sum(values))


@api("GET", "/v1/billing/meters/<id>/event_summaries", "billing_meters", "billing.MeterListEventSummariesParams")
def list_event_summaries(ctx: Ctx, params: dict, id: str) -> dict:
    world = ctx.world
    meter = world.get("billing_meters", id)
    customer = get_str(params, "customer", required=True) or ""
    world.get("customers", customer, param="customer", status=400)
    start = get_int(params, "start_time", required=True) or 0
    end = get_int(params, "end_time", required=True) or 0
    grouping = get_str(params, "value_grouping_window", choices=tuple(WINDOWS))
    step = WINDOWS[grouping] if grouping else 60
    for name, value in (("start_time", start), ("end_time", end)):
        if value % step:
            raise errors.invalid(f"{name} must be aligned with {grouping or 'minute'} boundaries.", param=name)
    if end <= start:
        raise errors.invalid("end_time must be after start_time.", param="end_time")
    windows = [(t, min(t + step, end)) for t in range(start, end, step)] if grouping else [(start, end)]
    items = [_summary(world, meter, customer, a, b) for a, b in reversed(windows)]
    return paginate(world, None, items, params, f"/v1/billing/meters/{id}/event_summaries", ctx.expand)


def _summary(world: World, meter: dict, customer: str, start: int, end: int) -> dict:
    # Stable ids, so that pagination over summaries computed on each request works.
    digest = hashlib.sha256(f"{meter['id']}:{customer}:{start}:{end}".encode()).hexdigest()[:24]
    return {"id": f"mtrusg_{digest}", "object": "billing.meter_event_summary",
            "aggregated_value": aggregate(world, meter, customer, start, end), "end_time": end,
            "livemode": world.livemode, "meter": meter["id"], "start_time": start}


# --- metered prices -----------------------------------------------------------------------------------------------


def is_metered(price: dict) -> bool:
    return (price.get("recurring") or {}).get("usage_type") == "metered"


def item_quantity(price: dict, quantity: int | None, param: str, default: int | None = None) -> int:
    """A subscription or checkout item's quantity: metered prices take none (their usage is billed instead; the
    emulator keeps 0, which bills nothing in advance and prorates nothing); others default to `default`."""
    if is_metered(price):
        if quantity is not None:
            raise errors.invalid(f"Quantity should not be specified where usage_type is `metered`. Remove quantity "
                                 f"from `{param.rsplit('[', 1)[0]}`.", param=param)
        return 0
    if quantity is None:
        if default is None:
            raise errors.missing_parameter(param)
        return default
    return quantity


def check_meter(world: World, recurring: dict, label: str) -> None:
    """`recurring[meter]` goes with `recurring[usage_type]=metered`, and names an active meter."""
    meter_id = recurring.get("meter")
    if recurring.get("usage_type") != "metered":
        if meter_id:
            raise errors.invalid("A meter can only be set on a metered price (`recurring[usage_type]=metered`).",
                                 param=label)
        return
    if not meter_id:
        raise errors.missing_parameter(label)
    meter = world.get("billing_meters", meter_id, param=label, status=400)
    if meter["status"] != "active":
        raise errors.invalid(f"The meter {meter_id} is inactive.", param=label)


def metered_usage(world: World, price: dict, customer_id: str, start: int, end: int) -> int:
    """What a metered price bills for [start, end): its meter's aggregate for the customer, as a whole quantity."""
    meter = world.find("billing_meters", (price.get("recurring") or {}).get("meter"))
    if meter is None:
        return 0
    return max(0, round(aggregate(world, meter, customer_id, start, end)))

