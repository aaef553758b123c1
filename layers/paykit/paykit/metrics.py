"""Revenue math in one place (docs/metrics.md): what each stored record adds to the counters and to the day buckets,
and how a change of a subscription moves MRR. Pure functions: the event processor, the refresher, E4 and the time
series all call these, so every figure PayKit shows has one definition.

Counter names are `kind#...#currency`; every figure is kept per (scope, mode) and per currency, never summed across.
"""
from __future__ import annotations

from typing import Any

# Recurring prices normalised to a month: the factor per Stripe interval (a year is 12 months, a week 52/12).
PER_MONTH = {"day": 365 / 12, "week": 52 / 12, "month": 1.0, "year": 1 / 12}
# Statuses whose subscriptions count in MRR: still billed. A subscription scheduled to cancel keeps its status
# (active) until it ends, so it counts until then. Trialing MRR is reported apart and is not in MRR.
MRR_STATUSES = ("active", "past_due")
MOVEMENTS = ("new", "expansion", "contraction", "churn", "reactivation")
# Day-bucket figures kept by the processor that no recount of records can give back (see _reconcile_movements).
MOVEMENT_PREFIXES = ("mrr_", "customers_")


def monthly_cents(item: dict[str, Any]) -> int | None:
    """A subscription's price normalised to a month, times its quantity, after a recurring discount (a `forever` or
    still running `repeating` coupon; a `once` coupon is not recurring), rounded to the cent; None if unknown."""
    amount, interval = item.get("price_amount_cents"), item.get("price_interval")
    if amount is None or interval not in PER_MONTH:
        return None
    count = int(item.get("price_interval_count") or 1)
    gross = int(amount) * int(item.get("quantity") or 1) * PER_MONTH[interval] / count
    if item.get("discount_duration") in ("forever", "repeating"):
        if item.get("discount_percent_off"):
            gross *= 1 - float(item["discount_percent_off"]) / 100
        elif item.get("discount_amount_off"):  # amount_off applies per invoice, so per billing period
            gross -= int(item["discount_amount_off"]) * PER_MONTH[interval] / count
    return max(0, round(gross))


def mrr_of(item: dict[str, Any] | None) -> tuple[str | None, int]:
    """(currency, MRR cents) a subscription record adds to MRR now: 0 unless its status is counted."""
    if not item or item.get("type") != "subscription" or item.get("status") not in MRR_STATUSES:
        return (item or {}).get("currency"), 0
    return item.get("currency"), monthly_cents(item) or 0


def contribution(item: dict[str, Any] | None) -> dict[str, int]:
    """What one record adds to its counters; stubs without a status add nothing."""
    if not item or not item.get("status"):
        return {}
    if item["type"] == "subscription":
        out = {"subscriptions": 1, f"subscriptions#{item['status']}": 1}
        monthly = monthly_cents(item) if item.get("currency") else None
        if monthly is not None:  # recurring prices, per currency: E4's counts and MRR
            out[f"subscriptions#{item['status']}#{item['currency']}"] = 1
            out[f"mrr#{item['status']}#{item['currency']}"] = monthly
        return out
    currency = item.get("currency", "usd")
    out = {
        "payments": 1,
        f"payments#{item['status']}": 1,
        f"amount#{item['status']}#{currency}": int(item.get("amount_cents") or 0),
        f"refunded#{currency}": int(item.get("refunded_amount_cents") or 0),
    }
    if item.get("base_status") == "succeeded":  # paid, whatever was refunded later: gross revenue
        out[f"gross#{currency}"] = int(item.get("amount_cents") or 0)
    return out


def day_contribution(item: dict[str, Any] | None) -> dict[str, dict[str, int]]:
    """What one record adds to the day buckets (day -> name -> value) that can be recounted from records alone.

    Payments count on the day they were created (gross revenue = paid amounts, failed payments), their refunds on
    the day they were refunded; subscriptions on the day they were canceled.
    """
    if not item or not item.get("status"):
        return {}
    currency = item.get("currency", "usd")
    if item["type"] == "subscription":
        if item["status"] == "canceled" and item.get("cancelled_at"):
            return {item["cancelled_at"][:10]: {f"cancellations#{currency}": 1}}
        return {}
    if not item.get("created_at"):
        return {}
    day = item["created_at"][:10]
    if item.get("base_status") == "succeeded":
        out = {day: {f"revenue#{currency}": int(item.get("amount_cents") or 0)}}
        refunded = int(item.get("refunded_amount_cents") or 0)
        if refunded:
            refund_day = (item.get("refunded_at") or item["created_at"])[:10]
            out.setdefault(refund_day, {})[f"refunds#{currency}"] = refunded
        return out
    if item["status"] == "failed":
        return {day: {f"failed#{currency}": 1}}
    return {}


def movement(old: dict[str, Any] | None, new: dict[str, Any], day: str) -> dict[str, dict[str, int]]:
    """The MRR movement one change of a subscription makes, in the day bucket of the day it describes.

    `day` is the change's day (the event's `created`); a subscription first seen already counting (its earlier
    events were lost or late) is `new` on the day it was created. From 0 to more: `new`, or `reactivation` when
    the subscription had counted before (`had_mrr`); from more to 0: `churn`; up: `expansion`; down:
    `contraction`. A change of currency is a churn in the old one and a new in the other. Each movement also counts
    one customer (`customers_new`, `customers_reactivated`, `customers_churned`). Churn amounts are positive; net
    new MRR = new + expansion + reactivation - contraction - churn.
    """
    (old_cur, before), (new_cur, after) = mrr_of(old), mrr_of(new)
    out: dict[str, dict[str, int]] = {}

    def add(when: str, name: str, currency: str | None, value: int) -> None:
        if value and currency:
            bucket = out.setdefault(when, {})
            bucket[f"mrr_{name}#{currency}"] = bucket.get(f"mrr_{name}#{currency}", 0) + value
            customers = {"new": "customers_new", "reactivation": "customers_reactivated",
                         "churn": "customers_churned"}.get(name)
            if customers:
                bucket[f"{customers}#{currency}"] = bucket.get(f"{customers}#{currency}", 0) + 1

    if before and after and old_cur != new_cur:
        add(day, "churn", old_cur, before)
        before = 0
    if not before and after:
        if (old or {}).get("had_mrr"):
            add(day, "reactivation", new_cur, after)
        else:
            first_seen = not (old or {}).get("status")
            add((new.get("created_at") or day)[:10] if first_seen else day, "new", new_cur, after)
    elif before and not after:
        add(day, "churn", old_cur, before)
    elif after > before:
        add(day, "expansion", new_cur, after - before)
    elif before > after:
        add(day, "contraction", new_cur, before - after)
    return out


def net_new(bucket: dict[str, Any], currency: str) -> int:
    """Net new MRR of one day bucket in one currency (adjustments from the refresher included)."""
    def get(name: str) -> int:
        return int(bucket.get(f"mrr_{name}#{currency}") or 0)

    return (get("new") + get("expansion") + get("reactivation") + get("adjustment")
            - get("contraction") - get("churn"))


def rate(part: float, whole: float) -> float | None:
    """A ratio rounded to 4 places; None when the whole is 0 (no rate, rather than a made-up 0)."""
    return round(part / whole, 4) if whole else None
