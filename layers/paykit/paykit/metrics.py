"""Revenue math in one place (docs/metrics.md): what each stored record adds to the counters and to the day buckets,
and how a change of a subscription moves MRR. Pure functions: the event processor, the refresher, E4 and the time
series all call these, so every figure PayKit shows has one definition.

Counter names are `kind#...#currency`; every figure is kept per (scope, mode) and per currency, never summed across.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

# Recurring prices normalised to a month: the factor per Stripe interval (a year is 12 months, a week 52/12). Exact
# fractions, so a sum is rounded once, per subscription.
PER_MONTH = {"day": Fraction(365, 12), "week": Fraction(52, 12), "month": Fraction(1), "year": Fraction(1, 12)}
# Statuses whose subscriptions count in MRR: still billed. A subscription scheduled to cancel keeps its status
# (active) until it ends, so it counts until then. Trialing MRR is reported apart and is not in MRR.
MRR_STATUSES = ("active", "past_due")
MOVEMENTS = ("new", "expansion", "contraction", "churn", "reactivation")
# Day-bucket figures kept by the processor that no recount of records can give back (see _reconcile_movements).
MOVEMENT_PREFIXES = ("mrr_", "customers_")


def price_lines(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The priced items of a subscription record: `price_items` (every item, issue 18), else the first item's flat
    fields that records stored before kept."""
    if item.get("price_items"):
        return list(item["price_items"])
    return [{"amount": item.get("price_amount_decimal", item.get("price_amount_cents")),
             "interval": item.get("price_interval"), "interval_count": item.get("price_interval_count"),
             "quantity": item.get("quantity"), "usage_type": item.get("usage_type")}]


def _line_per_month(line: dict[str, Any]) -> Fraction | None:
    """One item's recurring amount per month in the smallest unit: `unit_amount_decimal` (fractions of a cent kept)
    times the quantity (0 is 0; a licensed item without one is 1). A metered item adds nothing: its usage is billed
    in arrears and is revenue, not MRR. None when the amount cannot be known (a tiered price)."""
    if line.get("usage_type") == "metered":
        return Fraction(0)
    amount, interval = line.get("amount"), line.get("interval")
    if amount is None or interval not in PER_MONTH:
        return None
    quantity = 1 if line.get("quantity") is None else int(line["quantity"])
    return Fraction(str(amount)) * quantity * PER_MONTH[interval] / int(line.get("interval_count") or 1)


def monthly_cents(item: dict[str, Any]) -> int | None:
    """A subscription's licensed items normalised to a month, times their quantities, after a recurring discount
    (`forever`, or `repeating` until it ends: the record holds it only while it runs; a `once` coupon is not
    recurring), rounded half up to the currency's smallest unit once per subscription; None if unknown."""
    lines = price_lines(item)
    amounts = [_line_per_month(line) for line in lines]
    if not amounts or any(a is None for a in amounts):
        return None
    gross = sum(amounts, Fraction(0))
    if item.get("discount_duration") in ("forever", "repeating"):
        if item.get("discount_percent_off"):
            gross *= 1 - Fraction(str(item["discount_percent_off"])) / 100
        elif item.get("discount_amount_off"):  # amount_off applies per invoice, so per billing period
            first = lines[0]
            gross -= (int(item["discount_amount_off"]) * PER_MONTH[first["interval"]]
                      / int(first.get("interval_count") or 1)) if first.get("interval") in PER_MONTH else 0
    return max(0, math.floor(gross + Fraction(1, 2)))


def paying(item: dict[str, Any] | None) -> tuple[str, int] | None:
    """(currency, MRR) of a subscription counted as a paying customer (status `active` or `past_due`, a recurring
    price PayKit can read), else None. Free and metered-only subscriptions count, with MRR 0."""
    if not item or item.get("type") != "subscription" or item.get("status") not in MRR_STATUSES:
        return None
    monthly = monthly_cents(item) if item.get("currency") else None
    return None if monthly is None else (item["currency"], monthly)


def mrr_of(item: dict[str, Any] | None) -> tuple[str | None, int]:
    """(currency, MRR cents) a subscription record adds to MRR now: 0 unless its status is counted."""
    counted = paying(item)
    return counted if counted else ((item or {}).get("currency"), 0)


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
        if item.get("usage_amount_cents"):  # the part of it metered items billed
            out[f"usage#{currency}"] = int(item["usage_amount_cents"])
    return out


def day_contribution(item: dict[str, Any] | None) -> dict[str, dict[str, int]]:
    """What one record adds to the day buckets (day -> name -> value) that can be recounted from records alone.

    Payments count on the day they were created (gross revenue = paid amounts, failed payments), their refunds on
    the day they were refunded; subscriptions on the day they reached `canceled` (`ended_at`; Stripe's `canceled_at`
    is when a cancel at the period's end was asked for, which records stored before `ended_at` fall back to).
    """
    if not item or not item.get("status"):
        return {}
    currency = item.get("currency", "usd")
    if item["type"] == "subscription":
        ended = item.get("ended_at") or item.get("cancelled_at")
        if item["status"] == "canceled" and ended:
            return {ended[:10]: {f"cancellations#{currency}": 1}}
        return {}
    if not item.get("created_at"):
        return {}
    day = item["created_at"][:10]
    if item.get("base_status") == "succeeded":
        out = {day: {f"revenue#{currency}": int(item.get("amount_cents") or 0)}}
        if item.get("usage_amount_cents"):
            out[day][f"usage_revenue#{currency}"] = int(item["usage_amount_cents"])
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

    `day` is the change's day (the event's `created`); a subscription first seen already paying (its earlier
    events were lost or late) is `new` on the day it was created. Movements follow the paying customer (`paying`):
    one who starts paying is `new`, or `reactivation` when the subscription had paid before (`had_mrr`), with all
    its MRR; one who stops is `churn` of all it had; one who keeps paying moves by `expansion` or `contraction`.
    A change of currency is a churn in the old one and a new in the other. Each start and stop also counts one
    customer (`customers_new`, `customers_reactivated`, `customers_churned`), even at MRR 0 (a free or metered-only
    plan), so the customers line walks back to the counters. Churn amounts are positive; net new MRR = new +
    expansion + reactivation - contraction - churn.
    """
    before, after = paying(old), paying(new)
    out: dict[str, dict[str, int]] = {}

    def add(when: str, name: str, currency: str, value: int, customer: str | None = None) -> None:
        bucket = out.setdefault(when, {})
        if value:
            bucket[f"mrr_{name}#{currency}"] = bucket.get(f"mrr_{name}#{currency}", 0) + value
        if customer:
            bucket[f"{customer}#{currency}"] = bucket.get(f"{customer}#{currency}", 0) + 1

    if before and after and before[0] != after[0]:
        add(day, "churn", *before, customer="customers_churned")
        before = None
    if after and not before:
        if (old or {}).get("had_mrr"):
            add(day, "reactivation", *after, customer="customers_reactivated")
        else:
            first_seen = not (old or {}).get("status")
            add((new.get("created_at") or day)[:10] if first_seen else day, "new", *after, customer="customers_new")
    elif before and not after:
        add(day, "churn", *before, customer="customers_churned")
    elif before and after and after[1] > before[1]:
        add(day, "expansion", after[0], after[1] - before[1])
    elif before and after and before[1] > after[1]:
        add(day, "contraction", after[0], before[1] - after[1])
    return {when: sums for when, sums in out.items() if sums}


def net_new(bucket: dict[str, Any], currency: str) -> int:
    """Net new MRR of one day bucket in one currency (adjustments from the refresher included)."""
    def get(name: str) -> int:
        return int(bucket.get(f"mrr_{name}#{currency}") or 0)

    return (get("new") + get("expansion") + get("reactivation") + get("adjustment")
            - get("contraction") - get("churn"))


def rate(part: float, whole: float) -> float | None:
    """A ratio rounded to 4 places; None when the whole is 0 (no rate, rather than a made-up 0)."""
    return round(part / whole, 4) if whole else None
