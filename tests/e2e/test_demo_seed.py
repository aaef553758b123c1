"""`make run`'s demo never silently empties: the seeded history answers on E1, E2, E4 and the time series."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

import requests

from local.demo import SEED_TIMEOUT
from tests.e2e.conftest import RunningStack

MOVEMENTS = ("new", "expansion", "contraction", "churn", "reactivation")


def demo_get(stack: RunningStack, path: str, **params: Any) -> dict[str, Any]:
    token = re.search(r"export DEV_TOKEN=(\S+)", stack.output())
    assert token, stack.output()
    reply = requests.get(f"{stack.url}{path}", params=params, timeout=20,
                         headers={"Authorization": f"Bearer {token.group(1)}"})
    assert reply.status_code == 200, reply.text
    return reply.json()


def six_months(stack: RunningStack, metric: str, currency: str, interval: str = "month") -> dict[str, Any]:
    start = (datetime.now(timezone.utc) - timedelta(days=200)).date().isoformat()
    return demo_get(stack, "/api/v1/payments/stats/timeseries", metric=metric, interval=interval, currency=currency,
                    **{"from": start})


def test_the_seed_reports_its_time_and_that_everything_was_applied(local_stack: RunningStack) -> None:
    # Given the stack's printed walkthrough
    seeded = re.search(r"Seeded in ([\d.]+) s: (\d+) projects, (\d+) customers, .*?\((\d+) webhook deliveries, "
                       r"all applied\)", local_stack.output(), flags=re.DOTALL)
    # Then the seed said how long it took and that the queue was drained before the stack said it was ready.
    # (18-29 s on an idle 2-core machine; the bound is the seed's own drain timeout, as the machine may be shared.)
    assert seeded, local_stack.output()
    seconds, projects, customers, deliveries = float(seeded[1]), int(seeded[2]), int(seeded[3]), int(seeded[4])
    assert seconds < SEED_TIMEOUT and projects == 2 and customers >= 30 and deliveries > 200


def test_the_demo_has_two_projects_with_money_in_two_currencies(local_stack: RunningStack) -> None:
    # When the demo developer reads E4
    stats = demo_get(local_stack, "/api/v1/payments/stats")
    # Then both projects are configured, with MRR, revenue and refunds in usd and in eur (test mode)
    assert stats["total_projects"] == stats["projects_with_test"] == 2
    for currency in ("usd", "eur"):
        figures = stats["by_currency"][currency]["test"]
        assert figures["mrr_cents"] > 0 and figures["active_subscriptions"] >= 8, (currency, figures)
        assert figures["gross_revenue_cents"] > figures["mrr_cents"] and figures["refunded_cents"] > 0
    assert stats["by_mode"]["test"]["total_subscriptions"] >= 30


def test_the_mrr_line_spans_six_months_with_every_kind_of_movement(local_stack: RunningStack) -> None:
    seen: dict[str, int] = dict.fromkeys(MOVEMENTS, 0)
    for currency in ("usd", "eur"):
        # When the MRR and its movements are read month by month over the last six months and more
        mrr = six_months(local_stack, "mrr", currency)
        movements = six_months(local_stack, "mrr_movements", currency)
        # Then MRR is there on at least five different months (movements dated by Stripe's clock, not today)
        months = {point["date"][:7] for point in mrr["points"] if point["value"] > 0}
        assert len(months) >= 5, (currency, mrr["points"])
        assert mrr["points"][-1]["value"] == mrr["summary"]["mrr_end_cents"] > 0
        for kind in MOVEMENTS:
            seen[kind] += sum(point[kind] for point in movements["points"])
        assert movements["summary"]["failed_payments"] + movements["summary"]["refunded_cents"] > 0
    # And every kind of movement happened: sign-ups, upgrades, downgrades, churn and a reactivation
    assert all(seen[kind] > 0 for kind in MOVEMENTS), seen


def test_the_lists_hold_refunds_a_dispute_failures_and_cancellations(local_stack: RunningStack) -> None:
    # When the demo developer lists payments and subscriptions by status
    def total(path: str, status: str) -> int:
        return demo_get(local_stack, path, status=status, page_size=1)["total"]

    # Then the history has a refund (full and partial), a dispute, a payment still failed, and churn
    payments = "/api/v1/payments/transactions"
    assert total(payments, "refunded") >= 1 and total(payments, "partially_refunded") >= 1
    assert total(payments, "disputed") == 1 and total(payments, "failed") >= 1
    assert total(payments, "succeeded") >= 100
    subscriptions = "/api/v1/payments/subscriptions"
    assert total(subscriptions, "canceled") >= 3 and total(subscriptions, "active") >= 20
    # And payments and sign-ups are spread over the months, not all on the day of the seed
    listed = demo_get(local_stack, payments, page_size=100)["payments"]
    assert len({p["created_at"][:7] for p in listed}) >= 3
