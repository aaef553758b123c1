"""The revenue math of docs/metrics.md against hand-computed cases (pure functions, no AWS)."""
from __future__ import annotations

import pytest

from paykit import metrics


def sub(status: str = "active", amount: int = 1900, interval: str = "month", count: int = 1, quantity: int = 1,
        currency: str = "usd", **extra) -> dict:
    return {"type": "subscription", "status": status, "price_amount_cents": amount, "price_interval": interval,
            "price_interval_count": count, "quantity": quantity, "currency": currency,
            "created_at": "2026-11-01T00:00:00.000000Z", **extra}


@pytest.mark.parametrize("record, expected", [
    (sub(amount=1900, quantity=2), 3800),  # a month, times quantity
    (sub(amount=12000, interval="year"), 1000),  # 12000 / 12
    (sub(amount=500, interval="week"), 2167),  # 500 * 52 / 12 = 2166.67
    (sub(amount=3000, count=3), 1000),  # every 3 months
    (sub(amount=100, interval="day"), 3042),  # 100 * 365 / 12 = 3041.67
    (sub(amount=2000, discount_duration="forever", discount_percent_off=25), 1500),  # recurring discount
    (sub(amount=2000, discount_duration="repeating", discount_amount_off=500), 1500),
    (sub(amount=2000, discount_duration="once", discount_percent_off=50), 2000),  # one-time: not in MRR
    (sub(amount=12000, interval="year", discount_duration="forever", discount_amount_off=1200), 900),
    # issue 18: quantity 0 is 0; a metered price is not MRR; unit_amount_decimal keeps fractions of a cent
    (sub(amount=1900, quantity=0), 0),
    (sub(amount=1900, usage_type="metered", quantity=None), 0),
    (sub(amount=None, price_amount_decimal="250.5", quantity=3), 752),  # 751.5, rounded half up once
    (sub(amount=None, price_amount_decimal="0.25", quantity=1000, interval="year"), 21),  # 250 / 12 = 20.83
    (sub(price_items=[{"amount": 1900, "interval": "month", "quantity": 2, "usage_type": "licensed"},
                      {"amount": 5, "interval": "month", "usage_type": "metered"}]), 3800),  # base fee + usage
    (sub(price_items=[{"amount": 1000, "interval": "month", "quantity": 1},
                      {"amount": "0.5", "interval": "month", "quantity": 3}]), 1002),  # 1001.5 -> 1002
    (sub(amount=None), None),  # a tiered price: its amount is not on the payload
])
def test_monthly_cents(record, expected):
    assert metrics.monthly_cents(record) == expected


@pytest.mark.parametrize("status, counted", [("active", 1900), ("past_due", 1900), ("trialing", 0), ("unpaid", 0),
                                             ("canceled", 0), ("incomplete", 0), ("paused", 0)])
def test_only_billed_statuses_count_in_mrr(status, counted):
    assert metrics.mrr_of(sub(status))[1] == counted


def test_metered_and_free_subscriptions_are_customers_with_no_mrr():
    metered = sub(usage_type="metered", quantity=None)
    assert metrics.paying(metered) == ("usd", 0)
    assert metrics.contribution(metered) == {"subscriptions": 1, "subscriptions#active": 1,
                                             "subscriptions#active#usd": 1, "mrr#active#usd": 0}
    assert metrics.contribution(sub(amount=None)) == {"subscriptions": 1, "subscriptions#active": 1}


DAY = "2026-11-20"


@pytest.mark.parametrize("old, new, expected", [
    # first seen already paying: new, on the day the subscription was created
    (None, sub(), {"2026-11-01": {"mrr_new#usd": 1900, "customers_new#usd": 1}}),
    # a trial converts: new on the day of the change
    (sub("trialing"), sub(), {DAY: {"mrr_new#usd": 1900, "customers_new#usd": 1}}),
    (sub(amount=1900), sub(amount=4900), {DAY: {"mrr_expansion#usd": 3000}}),
    (sub(amount=4900), sub(amount=1900), {DAY: {"mrr_contraction#usd": 3000}}),
    (sub(), sub("canceled"), {DAY: {"mrr_churn#usd": 1900, "customers_churned#usd": 1}}),
    (sub("unpaid", had_mrr=True), sub(had_mrr=True),
     {DAY: {"mrr_reactivation#usd": 1900, "customers_reactivated#usd": 1}}),
    (sub(amount=1900), sub(amount=1700, currency="eur"),
     {DAY: {"mrr_churn#usd": 1900, "customers_churned#usd": 1, "mrr_new#eur": 1700, "customers_new#eur": 1}}),
    (sub(), sub(), {}),  # nothing moved
    (sub("trialing"), sub("canceled"), {}),  # a trial that ends never was MRR
    # a customer is counted when they start paying, at MRR 0 too (a metered-only plan): the customers line holds
    (sub("trialing", usage_type="metered"), sub(usage_type="metered"), {DAY: {"customers_new#usd": 1}}),
    (sub(usage_type="metered", had_mrr=True), sub("canceled", usage_type="metered", had_mrr=True),
     {DAY: {"customers_churned#usd": 1}}),
    # a paying customer moved to a metered or free plan stays a customer: contraction, not churn
    (sub(amount=1900), sub(amount=1900, usage_type="metered"), {DAY: {"mrr_contraction#usd": 1900}}),
    (sub(amount=0), sub(amount=4900), {DAY: {"mrr_expansion#usd": 4900}}),
])
def test_movement_of_one_change(old, new, expected):
    assert metrics.movement(old, new, DAY) == expected


def test_net_new_adds_up_the_movements_and_the_adjustment():
    bucket = {"mrr_new#usd": 5000, "mrr_expansion#usd": 300, "mrr_reactivation#usd": 200, "mrr_contraction#usd": 100,
              "mrr_churn#usd": 1900, "mrr_adjustment#usd": -50, "mrr_new#eur": 999}
    assert metrics.net_new(bucket, "usd") == 5000 + 300 + 200 - 100 - 1900 - 50


def test_gross_revenue_counts_paid_payments_whatever_was_refunded():
    payment = {"type": "payment", "status": "partially_refunded", "base_status": "succeeded", "amount_cents": 3000,
               "refunded_amount_cents": 1000, "currency": "eur", "created_at": "2026-11-01T00:00:00Z",
               "refunded_at": "2026-11-03T00:00:00Z"}
    assert metrics.contribution(payment) == {"payments": 1, "payments#partially_refunded": 1,
                                             "amount#partially_refunded#eur": 3000, "refunded#eur": 1000,
                                             "gross#eur": 3000}
    assert metrics.day_contribution(payment) == {"2026-11-01": {"revenue#eur": 3000},
                                                 "2026-11-03": {"refunds#eur": 1000}}


def test_rates_without_a_base_are_none():
    assert metrics.rate(1, 0) is None and metrics.rate(1, 4) == 0.25


def test_usage_revenue_is_the_metered_part_of_a_paid_payment():
    payment = {"type": "payment", "status": "succeeded", "base_status": "succeeded", "amount_cents": 2150,
               "usage_amount_cents": 250, "refunded_amount_cents": 0, "currency": "usd",
               "created_at": "2026-11-01T00:00:00Z"}
    assert metrics.contribution(payment)["usage#usd"] == 250 and metrics.contribution(payment)["gross#usd"] == 2150
    assert metrics.day_contribution(payment) == {"2026-11-01": {"revenue#usd": 2150, "usage_revenue#usd": 250}}
    assert "usage#usd" not in metrics.contribution({**payment, "base_status": "failed", "status": "failed"})
