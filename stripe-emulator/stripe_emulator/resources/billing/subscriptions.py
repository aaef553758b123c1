"""A subscription's shape and state: creation (before its first invoice), items and periods, rendering, ending."""

from __future__ import annotations

from ...engine import errors
from ...engine.events import emit
from ...engine.ids import new_id
from ...engine.periods import anchor_from_config, boundary
from ...engine.render import list_object, public, render, renderer
from ...engine.store import World
from .. import tax
from ..cards import resolve_payment_method
from ..customers import DELETED_HOOKS
from ..meters import is_metered
from ..products import plan_of

ENDED = ("canceled", "incomplete_expired")


def recurring_of(world: World, sub: dict) -> dict:
    return world.get("prices", items_of(world, sub)[0]["price"])["recurring"]


def items_of(world: World, sub: dict) -> list[dict]:
    return [world.collections["subscription_items"][i] for i in sub["_items"]]


def period_of(world: World, sub: dict) -> tuple[int, int]:
    item = items_of(world, sub)[0]
    return item["current_period_start"], item["current_period_end"]


def set_period(world: World, sub: dict, start: int, end: int) -> None:
    for item in items_of(world, sub):
        item["current_period_start"], item["current_period_end"] = start, end


def _anchor_day(sub: dict) -> int | None:
    return (sub["billing_cycle_anchor_config"] or {}).get("day_of_month")


def cycle_period(sub: dict, recurring: dict) -> tuple[int, int]:
    """Cycle n's period; cycle -1 is the full period ending at an anchor set on creation (before it, a stub)."""
    n, day = sub["_cycle"], _anchor_day(sub)
    return (boundary(sub["billing_cycle_anchor"], recurring["interval"], recurring["interval_count"], n, day),
            boundary(sub["billing_cycle_anchor"], recurring["interval"], recurring["interval_count"], n + 1, day))


def subscription_of(world: World, invoice: dict) -> dict | None:
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return world.find("subscriptions", details.get("subscription"))


def payment_method_for(world: World, sub: dict | None, customer: dict) -> str | None:
    """Stripe's precedence: the subscription's default payment method, then the customer's."""
    if sub is not None and sub.get("default_payment_method"):
        return sub["default_payment_method"]
    return customer["invoice_settings"]["default_payment_method"]


def customer_payment_method(world: World, customer: dict, value: str | None, param: str) -> str | None:
    """A payment method named for a customer's subscription or invoice: attached to them if it is not yet."""
    if not value:
        return None
    pm = resolve_payment_method(world, value, param=param)
    if pm["customer"] is None:
        pm["customer"] = customer["id"]
    elif pm["customer"] != customer["id"]:
        raise errors.invalid(f"The customer does not have a payment method with the ID {value}. The payment method "
                             "must be attached to the customer.", param=param)
    return pm["id"]



@renderer("subscription_items")
def _render_item(world: World, item: dict) -> dict:
    out = public(item)
    price = world.get("prices", item["price"])
    if is_metered(price):
        out.pop("quantity")  # a metered item has no quantity; its usage is billed
    out["price"] = render(world, "prices", price)
    out["plan"] = plan_of(price)
    return out


@renderer("subscriptions")
def _render_subscription(world: World, sub: dict) -> dict:
    out = public(sub)
    data = [render(world, "subscription_items", item) for item in items_of(world, sub)]
    out["items"] = {**list_object(f"/v1/subscription_items?subscription={sub['id']}", data), "total_count": len(data)}
    return out


def check_prices(world: World, prices: list[dict], param: str = "items") -> tuple[str, dict]:
    """Recurring prices of one currency and one billing period, as a subscription needs."""
    if not prices:
        raise errors.invalid("A subscription needs at least one item.", param=param)
    for i, price in enumerate(prices):
        if price["type"] != "recurring":
            raise errors.invalid(f"The price `{price['id']}` is a one-time price; subscriptions need recurring "
                                 "prices.", param=f"{param}[{i}][price]")
    first = prices[0]["recurring"]
    for i, price in enumerate(prices[1:], 1):
        if (price["recurring"]["interval"], price["recurring"]["interval_count"]) != (
                first["interval"], first["interval_count"]):
            raise errors.invalid("Prices in a subscription must have the same `recurring.interval` and "
                                 "`recurring.interval_count`.", param=f"{param}[{i}][price]")
        if price["currency"] != prices[0]["currency"]:
            raise errors.invalid("All prices on a subscription must have the same currency.",
                                 param=f"{param}[{i}][price]")
    return prices[0]["currency"], first


def new_subscription(world: World, customer: dict, items: list[tuple[dict, int]], t: int, *,
                     metadata: dict | None = None, trial_end: int | None = None,
                     default_payment_method: str | None = None, description: str | None = None,
                     anchor: int | None = None, anchor_config: dict | None = None, prorate: bool = True,
                     automatic_tax: dict | None = None) -> dict:
    """A subscription in `incomplete` status with its items; no events (the flows creating it emit them).

    `anchor` (or `anchor_config`) is a `billing_cycle_anchor` set on creation: a stub period runs from now (or the
    trial's end) to it, prorated unless `prorate` is false, then full periods align to it."""
    currency, recurring = check_prices(world, [price for price, _ in items])
    if anchor_config is not None:
        if recurring["interval"] not in ("month", "year"):
            raise errors.invalid("`billing_cycle_anchor_config` is only valid with monthly and yearly price "
                                 "intervals.", param="billing_cycle_anchor_config")
        anchor = anchor_from_config(anchor_config, trial_end or t)
    if anchor is not None:
        _check_anchor(anchor, trial_end, t, recurring, anchor_config)
    if anchor == (trial_end or t):
        anchor = None  # the anchor Stripe would have chosen anyway: no stub period
    sub_id = new_id("sub")
    end = trial_end or anchor or boundary(t, recurring["interval"], recurring["interval_count"], 1)
    stub = anchor is not None and trial_end is None
    anchor = anchor or trial_end or t
    sub = world.add("subscriptions", {
        "id": sub_id, "object": "subscription", "application": None, "application_fee_percent": None,
        "automatic_tax": tax.of_subscription(automatic_tax),
        "billing_cycle_anchor": anchor, "billing_cycle_anchor_config": anchor_config, "billing_schedules": [],
        "billing_mode": {"flexible": {"proration_discounts": "included"}, "type": "flexible", "updated_at": t},
        "billing_thresholds": None, "cancel_at": None, "cancel_at_period_end": False, "canceled_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "reason": None},
        "collection_method": "charge_automatically", "created": t, "currency": currency,
        "customer": customer["id"], "customer_account": None, "days_until_due": None,
        "default_payment_method": default_payment_method, "default_source": None, "default_tax_rates": [],
        "description": description, "discounts": [], "ended_at": None,
        "invoice_settings": {"account_tax_ids": None, "issuer": {"type": "self"}}, "latest_invoice": None,
        "livemode": world.livemode, "metadata": dict(metadata or {}), "next_pending_invoice_item_invoice": None,
        "on_behalf_of": None, "pause_collection": None,
        "payment_settings": {"payment_method_options": None, "payment_method_types": None,
                             "save_default_payment_method": "off"},
        "pending_invoice_item_interval": None, "pending_setup_intent": None, "pending_update": None,
        "schedule": None, "start_date": t, "status": "incomplete", "test_clock": customer["test_clock"],
        "transfer_data": None, "trial_end": trial_end, "trial_settings": {
            "end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": t if trial_end else None,
        "_items": [], "_cycle": -1 if stub else 0, "_pending": [], "_trial_will_end_sent": False,
        "_announced": False, "_pending_update": None, "_anchored": anchor != (trial_end or t),
        "_stub_prorated": prorate,
    })
    for price, quantity in items:
        sub["_items"].append(new_item(world, sub, price, quantity, t, t, end)["id"])
    if customer["currency"] is None:
        customer["currency"] = currency
    return sub


def _check_anchor(anchor: int, trial_end: int | None, t: int, recurring: dict, config: dict | None) -> None:
    param = "billing_cycle_anchor_config" if config is not None else "billing_cycle_anchor"
    if anchor <= t:
        raise errors.invalid("Invalid timestamp: must be an integer Unix timestamp in the future.", param=param)
    if trial_end is not None and anchor < trial_end:
        raise errors.invalid("`billing_cycle_anchor` cannot be earlier than `trial_end`: a trial is followed by a "
                             "prorated period up to the anchor.", param=param)
    start = trial_end or t
    natural = boundary(start, recurring["interval"], recurring["interval_count"], 1)
    if anchor > natural:
        raise errors.invalid(f"`billing_cycle_anchor` cannot be later than next natural billing date ({natural}) "
                             "for plan", param=param)


def new_item(world: World, sub: dict, price: dict, quantity: int, t: int, start: int, end: int) -> dict:
    return world.add("subscription_items", {
        "id": new_id("si", 14), "object": "subscription_item", "billing_thresholds": None, "created": t,
        "current_period_end": end, "current_period_start": start, "discounts": [], "metadata": {},
        "price": price["id"], "quantity": quantity, "subscription": sub["id"], "tax_rates": [],
    })


def end_subscription(world: World, sub: dict, *, reason: str, t: int | None = None) -> None:
    t = world.now_for(sub) if t is None else t
    sub.update(status="canceled", ended_at=t, canceled_at=sub["canceled_at"] or t, _pending=[], pending_update=None,
               _pending_update=None)
    if sub["cancellation_details"]["reason"] is None:
        sub["cancellation_details"]["reason"] = reason
    emit(world, "customer.subscription.deleted", "subscriptions", sub, created=t)


def set_cancel_at_period_end(world: World, sub: dict, value: bool, t: int, *, comment: str | None = None,
                             feedback: str | None = None) -> None:
    if value:
        sub.update(cancel_at_period_end=True, cancel_at=period_of(world, sub)[1], canceled_at=t)
        sub["cancellation_details"].update(reason="cancellation_requested", comment=comment, feedback=feedback)
    else:
        sub.update(cancel_at_period_end=False, cancel_at=None, canceled_at=None)
        sub["cancellation_details"] = {"comment": None, "feedback": None, "reason": None}


def _end_customer_subscriptions(world: World, customer: dict) -> None:
    """A deleted customer's subscriptions end with them."""
    for sub in list(world.collections["subscriptions"].values()):
        if sub["customer"] == customer["id"] and sub["status"] not in ENDED:
            end_subscription(world, sub, reason="cancellation_requested")


DELETED_HOOKS.append(_end_customer_subscriptions)
