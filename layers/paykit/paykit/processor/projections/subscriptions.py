"""Subscriptions: a Stripe subscription (from customer.subscription.* or read back from Stripe) becomes its record,
newest state wins (decision 10), and the user's entitlements item follows it."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from paykit import names
from paykit.metrics import MRR_STATUSES, paying
from paykit.processor.context import Ctx
from paykit.processor.projections.customers import customer_mapping
from paykit.processor.projections.entitlements import ALLOW_EXISTING, track_entitlements
from paykit.processor.records import clean, record_id, with_listing
from paykit.store import keys
from paykit.stripe_objects import id_of, ts


def subscription_base(ctx: Ctx, sub_id: str) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    old = ctx.record(keys.subscription(ctx.project_id, ctx.mode, sub_id))
    new = dict(old) if old else {
        **keys.subscription(ctx.project_id, ctx.mode, sub_id), "type": "subscription",
        "id": record_id("sub", ctx.project_id, ctx.mode, sub_id), "project_id": ctx.project_id,
        "is_test_mode": ctx.mode == "test", "subscription_id": sub_id,
    }
    new["owner_id"] = new.get("owner_id") or ctx.owner()
    return old, new


def apply_subscription(ctx: Ctx, sub: dict[str, Any]) -> None:
    old, new = subscription_base(ctx, sub["id"])
    payload = sub
    stored_created = (old or {}).get("stripe_event_created")
    if stored_created is not None:
        if ctx.created < stored_created:
            return _remember_paying(ctx, old, new, payload)  # an older event: newer state is already stored (decision 10)
        if ctx.created == stored_created and (old or {}).get("stripe_event_id") != ctx.event["id"]:
            # Two events in the same second cannot be ordered by their payloads: Stripe's current object decides.
            sub = ctx.stripe.subscription(ctx.project_id, ctx.mode, sub["id"])
        elif ctx.created == stored_created:
            return
    if (old or {}).get("status") == "canceled" and sub.get("status") != "canceled":
        return _remember_paying(ctx, old, new, payload)  # a canceled subscription is final; a late event never brings it back
    new.update({
        **_state(ctx, new, sub),
        "customer_id": new.get("customer_id") or sub.get("customer"),
        "created_at": ts(sub.get("created")) or new.get("created_at"),
        "stripe_event_created": ctx.created,
        "stripe_event_id": ctx.event["id"],
    })
    if (old or {}).get("had_mrr") or paying(new) or (payload is not sub and _paying_in(ctx, new, payload)):
        new["had_mrr"] = True  # a later return to paying is a reactivation, not a new subscription
    metadata = sub.get("metadata") or {}
    new["user_id"] = (new.get("user_id") or metadata.get("user_id")
                      or ctx.user_of_customer(new.get("customer_id")))
    # Only a subscription PayKit's checkout made (decision 12's metadata) can be a caught duplicate: one made in
    # Stripe's dashboard or API (an add-on) is the developer's own decision.
    track_entitlements(ctx, new, allowed=metadata.get(ALLOW_EXISTING) == "true"
                       or metadata.get("project_id") != ctx.project_id)
    ctx.change(old, with_listing(clean(new), ctx.project_id, ctx.mode, "subscription"))


def _state(ctx: Ctx, stored: dict[str, Any], sub: dict[str, Any]) -> dict[str, Any]:
    """The record's fields that follow the subscription's state."""
    item0 = ((sub.get("items") or {}).get("data") or [{}])[0]
    price = item0.get("price") or {}
    metadata = sub.get("metadata") or {}
    return {
        "status": sub.get("status"),
        "plan_name": metadata.get("plan_name") or _plan_name(ctx, stored, price),
        "price_id": price.get("id"),
        # What MRR needs (issues 6 and 18): the first price's amount, currency and interval, shown on the record,
        # and every item's amount, quantity and usage type (paykit.metrics.price_lines).
        "price_amount_cents": price.get("unit_amount"),
        "currency": (price.get("currency") or sub.get("currency") or "").lower() or None,
        "price_interval": (price.get("recurring") or {}).get("interval"),
        "price_interval_count": (price.get("recurring") or {}).get("interval_count"),
        "quantity": _quantity(item0, sub),
        "usage_type": (price.get("recurring") or {}).get("usage_type"),
        "price_items": [_price_line(item) for item in (sub.get("items") or {}).get("data") or []] or None,
        **_discount_fields(ctx, sub),
        "current_period_start": ts(item0.get("current_period_start") or sub.get("current_period_start")),
        "current_period_end": ts(item0.get("current_period_end") or sub.get("current_period_end")),
        "cancel_at": ts(sub.get("cancel_at")),
        "cancelled_at": ts(sub.get("canceled_at")),  # when the cancel was asked for (Stripe's `canceled_at`)
        "ended_at": ts(sub.get("ended_at")),  # when it reached `canceled`: a period-end cancel ends later
    }


def _paying_in(ctx: Ctx, stored: dict[str, Any], payload: dict[str, Any]) -> bool:
    """The event's own state was a paying one (its record is not built from it when Stripe's current object decides
    a tie, or when a newer state is stored)."""
    return payload.get("status") in MRR_STATUSES and paying({**stored, **_state(ctx, stored, payload)}) is not None


def _remember_paying(ctx: Ctx, old: dict[str, Any] | None, new: dict[str, Any], payload: dict[str, Any]) -> None:
    """`had_mrr` says the subscription was paying at some time, whichever event showed it: an event that arrives
    after a newer state (or after the end) still marks it, so the flag does not depend on the delivery order (a
    Checkout subscription is `active` in an event of the same second as its `incomplete` creation)."""
    if old is not None and not old.get("had_mrr") and _paying_in(ctx, new, payload):
        ctx.change(old, {**old, "had_mrr": True})


def on_subscription(ctx: Ctx) -> None:
    apply_subscription(ctx, ctx.obj)


def _quantity(item: dict[str, Any], sub: dict[str, Any]) -> int | None:
    """The item's quantity as Stripe sends it: 0 is 0 (issue 18); a metered item has none."""
    for quantity in (item.get("quantity"), sub.get("quantity")):
        if quantity is not None:
            return int(quantity)
    return None


def _price_line(item: dict[str, Any]) -> dict[str, Any]:
    """One subscription item as MRR reads it: the unit amount in the smallest unit, exact (`unit_amount_decimal`,
    which Stripe sends alone for fractions of a cent), the interval, the quantity and the usage type."""
    price = item.get("price") or {}
    recurring = price.get("recurring") or {}
    decimal = price.get("unit_amount_decimal")
    amount = str(decimal) if decimal not in (None, "") else price.get("unit_amount")
    return clean({"price_id": price.get("id"), "amount": None if amount is None else Decimal(str(amount)),
                  "interval": recurring.get("interval"), "interval_count": recurring.get("interval_count"),
                  "quantity": item.get("quantity"), "usage_type": recurring.get("usage_type")})


DISCOUNT_FIELDS = ("discount_percent_off", "discount_amount_off", "discount_duration", "discount_end")


def discount_over(record: dict[str, Any], at: str) -> dict[str, Any] | None:
    """The record without its discount when the discount ended at or before `at` (an ISO time): a finished
    `repeating` coupon stops lowering MRR when it ends (issue 18), whether or not an event says so. None when the
    record holds no discount that has ended."""
    if not record.get("discount_end") or record["discount_end"] > at:
        return None
    return {k: v for k, v in record.items() if k not in DISCOUNT_FIELDS}


def _discount_fields(ctx: Ctx, sub: dict[str, Any]) -> dict[str, Any]:
    """The subscription's discount as MRR needs it (docs/metrics.md): its coupon's percent or amount off and
    duration. Stripe's payloads name discounts by id; their coupons are read from Stripe (cached per discount).
    Only the first discount is kept (Stripe allows several; PayKit's checkout applies one). None clears them."""
    discounts = sub.get("discounts") or []
    cleared = dict.fromkeys(DISCOUNT_FIELDS)
    if not discounts:
        return cleared
    first = discounts[0]
    if not (isinstance(first, dict) and isinstance((first.get("source") or {}).get("coupon"), dict)):
        first = ctx.stripe.discount(ctx.project_id, ctx.mode, sub["id"], id_of(first) or "")
    coupon = ((first or {}).get("source") or {}).get("coupon")
    if not isinstance(coupon, dict) or ((first or {}).get("end") and int(first["end"]) <= ctx.created):
        return cleared  # a discount that has ended lowers nothing (Stripe may still list it)
    percent = coupon.get("percent_off")
    return {"discount_percent_off": Decimal(str(percent)) if percent is not None else None,  # DynamoDB: no floats
            "discount_amount_off": coupon.get("amount_off"),
            "discount_duration": coupon.get("duration"), "discount_end": ts((first or {}).get("end"))}


def _plan_name(ctx: Ctx, stored: dict[str, Any], price: dict[str, Any]) -> str | None:
    """The price's nickname, else its product's name; the stored name while the price is the same (no Stripe read)."""
    known = names.plan_name(price)
    if known or not price.get("id"):
        return known
    if stored.get("price_id") == price["id"] and stored.get("plan_name"):
        return stored["plan_name"]
    return ctx.stripe.product_name(ctx.project_id, ctx.mode, names.product_of(price)[0])


def subscription_reads(ctx: Ctx, sub: dict[str, Any]) -> list[dict[str, str]]:
    user_id = (sub.get("metadata") or {}).get("user_id")
    return [keys.subscription(ctx.project_id, ctx.mode, sub["id"]), *customer_mapping(ctx, sub, user_id),
            *([keys.entitlements(ctx.project_id, ctx.mode, user_id)] if user_id else [])]

