"""The revenue time series (issue 13) against a hand-computed history: MRR and its movements, customers, revenue
and refunds per day, week and range, per developer and per project, kept apart per currency."""
from __future__ import annotations

import calendar
import time
from datetime import date, timedelta

import pytest

from tests.integration.test_lists import DAY, NOW, deliver, get, new_project, pay_event, sub_event
from local.stripe_events import charge, event

URL = "/api/v1/payments/stats/timeseries"
D = date(*time.gmtime(NOW)[:3])  # today, UTC


def t(days_ago: int) -> int:
    """Noon UTC, `days_ago` days before today."""
    return calendar.timegm((D - timedelta(days=days_ago)).timetuple()) + 12 * 3600


def day(days_ago: int) -> str:
    return (D - timedelta(days=days_ago)).isoformat()


@pytest.fixture()
def history(client, dev_token):
    """Project P (usd, test mode) over the last 10 days, and project Q (one eur subscription):

    D-10 A new 1900 · D-8 C new 500 · D-6 C unpaid (churn 500) · D-5 B new 4900 · D-4 C active again (reactivation
    500) · D-3 A up to 4900 (expansion 3000) · D-2 B canceled (churn 4900) · D-1 A down to 1900 (contraction 3000).
    Payments: 1900 on D-10, 4900 on D-5, 1000 of it refunded on D-1. Today's MRR: A 1900 + C 500 = 2400.
    """
    p, q = new_project(client, dev_token, "P"), new_project(client, dev_token, "Q")
    deliver(p, "test", [
        sub_event(p, "sub_A", "active", t(10), amount=1900),
        pay_event(p, "pi_1", t(10), amount=1900),
        sub_event(p, "sub_C", "active", t(8), amount=500),
        sub_event(p, "sub_C", "unpaid", t(8), amount=500, event_created=t(6)),
        sub_event(p, "sub_B", "active", t(5), amount=4900),
        pay_event(p, "pi_2", t(5), amount=4900),
        sub_event(p, "sub_C", "active", t(8), amount=500, event_created=t(4)),
        sub_event(p, "sub_A", "active", t(10), amount=4900, event_created=t(3)),
        sub_event(p, "sub_B", "canceled", t(5), amount=4900, canceled_at=t(2), event_created=t(2)),
        sub_event(p, "sub_A", "active", t(10), amount=1900, event_created=t(1)),
        event("charge.refunded", charge("ch_2", "cus_pi_2", "pi_2", created=t(5), amount=4900, refunded=1000),
              created=t(1)),
    ])
    deliver(q, "test", [sub_event(q, "sub_Q", "active", t(3), amount=1000, currency="eur")])
    return {"p": p, "q": q}


MRR_BY_DAY = {11: 0, 10: 1900, 9: 1900, 8: 2400, 7: 2400, 6: 1900, 5: 6800, 4: 7300, 3: 10300, 2: 5400, 1: 2400,
              0: 2400}


def series(client, token, **query):
    reply = get(client, token, URL, **query)
    assert reply.status == 200, reply.text
    return reply.json()


def test_mrr_per_day_is_the_hand_computed_line(client, dev_token, history):
    body = series(client, dev_token, metric="mrr", **{"from": day(11), "to": day(0)})
    assert (body["mode"], body["currency"], body["interval"]) == ("test", "usd", "day")
    assert [(p["date"], p["value"]) for p in body["points"]] == [(day(k), MRR_BY_DAY[k]) for k in range(11, -1, -1)]


def test_the_movements_and_the_range_summary(client, dev_token, history):
    body = series(client, dev_token, metric="mrr_movements", **{"from": day(11), "to": day(0)})
    moves = {p["date"]: {k: p[k] for k in ("new", "expansion", "contraction", "churn", "reactivation", "value")}
             for p in body["points"] if p["value"] or p["churn"]}
    zero = dict.fromkeys(["new", "expansion", "contraction", "churn", "reactivation"], 0)
    assert moves == {
        day(10): {**zero, "new": 1900, "value": 1900}, day(8): {**zero, "new": 500, "value": 500},
        day(6): {**zero, "churn": 500, "value": -500}, day(5): {**zero, "new": 4900, "value": 4900},
        day(4): {**zero, "reactivation": 500, "value": 500}, day(3): {**zero, "expansion": 3000, "value": 3000},
        day(2): {**zero, "churn": 4900, "value": -4900}, day(1): {**zero, "contraction": 3000, "value": -3000}}
    assert body["summary"] == {
        "mrr_start_cents": 0, "mrr_end_cents": 2400, "new_mrr_cents": 7300, "expansion_mrr_cents": 3000,
        "contraction_mrr_cents": 3000, "churned_mrr_cents": 5400, "reactivation_mrr_cents": 500,
        "net_new_mrr_cents": 2400, "customers_start": 0, "customers_end": 2, "new_customers": 4,
        "churned_customers": 2, "customer_churn_rate": 2.6087, "revenue_churn_rate": 4.7103, "arpu_cents": 1200,
        "ltv_cents": 460, "gross_revenue_cents": 6800, "refunded_cents": 1000, "net_revenue_cents": 5800,
        "failed_payments": 0, "usage_revenue_cents": 0}


def test_rates_over_a_range_that_starts_from_nothing(client, dev_token, history):
    # The worked example of docs/metrics.md, D-11…D (12 days, no customer at the start): customers paying during
    # each day (at its start or joining it) 0, 1, 1, 2, 2, 2, 2, 3, 3, 3, 2, 2 = 23 customer-days; 2 churned
    summary = series(client, dev_token, metric="mrr", **{"from": day(11), "to": day(0)})["summary"]
    assert (summary["customers_start"], summary["churned_customers"]) == (0, 2)
    assert summary["customer_churn_rate"] == round(2 * 30 / 23, 4)  # per 30 days: 2.6087
    # MRR during each day (its start plus what it gained): 0, 1900, 1900, 2400, 2400, 2400, 6800, 7300, 10300,
    # 10300, 5400, 2400 = 53,500; lost 5400 churn + 3000 contraction
    assert summary["revenue_churn_rate"] == round(8400 * 30 / 53500, 4)  # 4.7103
    # LTV = ARPU (2400 / 2) over the monthly churn rate: 1200 × 23 / 60 = 460
    assert (summary["arpu_cents"], summary["ltv_cents"]) == (1200, 460)


def test_rates_over_a_range_that_starts_with_customers(client, dev_token, history):
    # From D-5 (6 days): customer-days 2, 3, 3, 3, 2, 2 = 15; B churns
    summary = series(client, dev_token, metric="mrr", **{"from": day(5), "to": day(0)})["summary"]
    assert (summary["mrr_start_cents"], summary["customers_start"], summary["churned_customers"]) == (1900, 1, 1)
    assert summary["customer_churn_rate"] == 2.0  # 1 × 30 / 15
    # MRR-days 6800 + 7300 + 10300 + 10300 + 5400 + 2400 = 42,500; lost 4900 + 3000
    assert summary["revenue_churn_rate"] == round(7900 * 30 / 42500, 4)
    assert (summary["arpu_cents"], summary["ltv_cents"]) == (1200, 600)  # 1200 / 2.0


def test_a_range_without_churn_has_a_zero_rate_and_no_ltv(client, dev_token, history):
    summary = series(client, dev_token, metric="mrr", **{"from": day(1), "to": day(0)})["summary"]
    assert (summary["customer_churn_rate"], summary["ltv_cents"]) == (0.0, None)
    empty = series(client, dev_token, metric="mrr", **{"from": day(20), "to": day(15)})["summary"]
    assert (empty["customer_churn_rate"], empty["revenue_churn_rate"], empty["ltv_cents"]) == (None, None, None)


def test_revenue_and_refunds_land_on_the_days_they_happened(client, dev_token, history):
    gross = series(client, dev_token, metric="gross_revenue", **{"from": day(11), "to": day(0)})["points"]
    refunds = series(client, dev_token, metric="refunds", **{"from": day(11), "to": day(0)})["points"]
    assert {p["date"]: p["value"] for p in gross if p["value"]} == {day(10): 1900, day(5): 4900}
    assert {p["date"]: p["value"] for p in refunds if p["value"]} == {day(1): 1000}


def test_weeks_sum_the_days_and_end_on_the_last_days_mrr(client, dev_token, history):
    query = {"from": day(13), "to": day(0)}
    days = series(client, dev_token, metric="mrr_movements", **query)["points"]
    weeks = series(client, dev_token, metric="mrr_movements", interval="week", **query)["points"]
    mrr_weeks = series(client, dev_token, metric="mrr", interval="week", **query)["points"]
    by_week: dict[str, int] = {}
    for p in days:
        monday = date.fromisoformat(p["date"]) - timedelta(days=date.fromisoformat(p["date"]).weekday())
        by_week[monday.isoformat()] = by_week.get(monday.isoformat(), 0) + p["value"]
    assert {p["date"]: p["value"] for p in weeks} == by_week
    assert mrr_weeks[-1]["value"] == 2400 and all(date.fromisoformat(p["date"]).weekday() == 0 for p in weeks)


def test_one_project_and_other_currencies_stay_apart(client, dev_token, history):
    query = {"from": day(11), "to": day(0)}
    eur = series(client, dev_token, metric="mrr", currency="eur", **query)
    assert eur["points"][-1]["value"] == 1000 and eur["summary"]["new_mrr_cents"] == 1000
    only_q = series(client, dev_token, metric="mrr", project_id=history["q"], **query)
    assert only_q["currency"] == "eur" and only_q["points"][-1]["value"] == 1000
    only_p = series(client, dev_token, metric="mrr", project_id=history["p"], **query)
    assert [p["value"] for p in only_p["points"]] == [MRR_BY_DAY[k] for k in range(11, -1, -1)]
    live = series(client, dev_token, metric="mrr", test_mode="false", **query)
    assert live["mode"] == "live" and {p["value"] for p in live["points"]} == {0}


def test_late_and_out_of_order_events_land_on_the_days_they_describe(client, dev_token):
    # Given the same first days delivered newest first
    p = new_project(client, dev_token, "Late")
    deliver(p, "test", [sub_event(p, "sub_Z", "active", t(6), amount=3000, event_created=t(2)),
                        sub_event(p, "sub_Z", "active", t(6), amount=1000)])
    # Then the subscription is new on the day it was created, and the older event changes nothing
    points = series(client, dev_token, metric="mrr", project_id=p, **{"from": day(7), "to": day(0)})["points"]
    assert [pt["value"] for pt in points] == [0, 3000, 3000, 3000, 3000, 3000, 3000, 3000]


def test_another_developers_project_is_refused(client, dev_token, history):
    from tests.conftest import JWT_SECRET
    from tests.support import make_token

    other = make_token(JWT_SECRET, "dev-someone-else")
    assert get(client, other, URL, project_id=history["p"]).status == 403
    assert series(client, other, metric="mrr")["points"][-1]["value"] == 0


@pytest.mark.parametrize("query", [{"metric": "profit"}, {"interval": "year"}, {"from": "2026-13-01"},
                                   {"from": day(0), "to": day(1)}, {"to": (D + timedelta(days=1)).isoformat()},
                                   {"from": (D - timedelta(days=2000)).isoformat()}, {"currency": "dollars"}])
def test_bad_queries_are_422(client, dev_token, query):
    assert get(client, dev_token, URL, **query).status == 422


def discounted(p: str, sub_id: str, *, percent_off: float | None = None, amount_off: int | None = None,
               duration: str = "forever") -> dict:
    evt = sub_event(p, sub_id, "active", t(3), amount=2000)
    coupon = {"id": "co_1", "object": "coupon", "percent_off": percent_off, "amount_off": amount_off,
              "duration": duration, "currency": "usd" if amount_off else None}
    evt["data"]["object"]["discounts"] = [{"id": f"di_{sub_id}", "object": "discount", "end": None, "start": t(3),
                                           "source": {"type": "coupon", "coupon": coupon}}]
    return evt


def test_recurring_discounts_lower_mrr_and_one_time_ones_do_not(client, dev_token):
    # Given 20.00/month subscriptions: 25% off forever, 5.00 off repeating, 50% off once
    p = new_project(client, dev_token, "Discounts")
    deliver(p, "test", [discounted(p, "sub_f", percent_off=25), discounted(p, "sub_r", amount_off=500,
                                                                          duration="repeating"),
                        discounted(p, "sub_o", percent_off=50, duration="once")])
    # Then MRR = 15.00 + 15.00 + 20.00, as docs/metrics.md defines it
    body = series(client, dev_token, metric="mrr", project_id=p, **{"from": day(3), "to": day(0)})
    assert body["points"][-1]["value"] == 1500 + 1500 + 2000
    usd = get(client, dev_token, "/api/v1/payments/stats").json()["by_mode"]["test"]["by_currency"]["usd"]
    assert usd["mrr_cents"] == 5000
