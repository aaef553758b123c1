"""E4 against a hand-computed fixture (two currencies, both modes), and the refresher correcting drift."""
from __future__ import annotations

import json
import logging
import time

import pytest

from local import lambda_host
from paykit.observability import logger as paykit_logger
from paykit.services import refresher, stats
from paykit.store import keys
from paykit.store.table import default_table
from tests.integration.test_lists import DAY, NOW, deliver, get, new_project, pay_event, sub_event
from tests.integration.test_scheduled_work import drain_work
from local.stripe_events import charge, event


class LogLines(logging.Handler):
    """The service logger's JSON lines, as CloudWatch would receive them."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[dict] = []
        self.setFormatter(paykit_logger.registered_formatter)
        paykit_logger._logger.addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        self.entries.append(json.loads(self.format(record)))


@pytest.fixture()
def fixture_project(client, dev_token, stripe_account):
    """Project "Shop": test subscriptions A-F and payments 1-4, live subscription G and payments 5-6."""
    pid = new_project(client, dev_token, "Shop")
    assert client.put(f"/api/v1/payments/stripe/projects/{pid}/config", token=dev_token,
                      json_body={"test_secret_key": stripe_account["test_secret_key"]}).status == 200
    new_project(client, dev_token, "Empty")
    t = NOW - 3600
    deliver(pid, "test", [
        sub_event(pid, "sub_A", "active", t, amount=1900, quantity=2),  # 3800 / month
        sub_event(pid, "sub_B", "past_due", t, amount=12000, interval="year"),  # 1000 / month
        sub_event(pid, "sub_C", "trialing", t, amount=500, interval="week"),  # 500 * 52 / 12 = 2167 (trialing)
        sub_event(pid, "sub_D", "active", t, amount=3000, currency="eur", interval_count=3),  # 1000 / month
        sub_event(pid, "sub_E", "canceled", t - 9 * DAY, currency="eur", canceled_at=NOW - 2 * DAY),
        sub_event(pid, "sub_F", "canceled", t - 90 * DAY, canceled_at=NOW - 40 * DAY),
        pay_event(pid, "pi_1", NOW - DAY, amount=1900),
        pay_event(pid, "pi_2", NOW - 40 * DAY, amount=5000),
        pay_event(pid, "pi_3", NOW - 2 * DAY, amount=3000, currency="eur"),
        pay_event(pid, "pi_4", NOW - 3 * DAY, amount=1900, paid=False),
    ])
    deliver(pid, "test", [event("charge.refunded", charge("ch_3", "cus_pi_3", "pi_3", created=NOW - 2 * DAY,
                                                          amount=3000, refunded=1000, currency="eur"), created=NOW)])
    deliver(pid, "live", [
        sub_event(pid, "sub_G", "active", t, amount=10000),
        pay_event(pid, "pi_5", NOW - DAY, amount=10000),
        pay_event(pid, "pi_6", NOW - 5 * DAY, amount=2500, currency="gbp"),
    ])
    return pid


def currency(**figures: int) -> dict[str, int]:
    base = dict.fromkeys(["revenue_cents", "gross_revenue_cents", "refunded_cents", "net_revenue_cents", "mrr_cents",
                          "trialing_mrr_cents", "arpu_cents", "active_subscriptions", "past_due_subscriptions",
                          "trialing_subscriptions", "gross_revenue_30d_cents", "refunded_30d_cents",
                          "net_revenue_30d_cents", "failed_payments_30d", "cancellations_30d",
                          "usage_revenue_cents"], 0)
    return {**base, **figures}


# By hand (docs/metrics.md): revenue_cents counts only payments still `succeeded`; gross counts every paid one.
TEST_USD = currency(revenue_cents=6900, gross_revenue_cents=6900, net_revenue_cents=6900, mrr_cents=4800,
                    trialing_mrr_cents=2167, arpu_cents=2400, active_subscriptions=1, past_due_subscriptions=1,
                    trialing_subscriptions=1, gross_revenue_30d_cents=1900, net_revenue_30d_cents=1900,
                    failed_payments_30d=1)
# pi_3 (3000) is partially refunded (1000): not in revenue_cents, in gross; net = 3000 - 1000.
TEST_EUR = currency(gross_revenue_cents=3000, refunded_cents=1000, net_revenue_cents=2000, mrr_cents=1000,
                    arpu_cents=1000, active_subscriptions=1, gross_revenue_30d_cents=3000, refunded_30d_cents=1000,
                    net_revenue_30d_cents=2000, cancellations_30d=1)
LIVE_USD = currency(revenue_cents=10000, gross_revenue_cents=10000, net_revenue_cents=10000, mrr_cents=10000,
                    arpu_cents=10000, active_subscriptions=1, gross_revenue_30d_cents=10000,
                    net_revenue_30d_cents=10000)
LIVE_GBP = currency(revenue_cents=2500, gross_revenue_cents=2500, net_revenue_cents=2500, gross_revenue_30d_cents=2500,
                    net_revenue_30d_cents=2500)


def test_stats_with_test_mode_true_cover_both_modes_without_adding_them(client, dev_token, fixture_project):
    # When the developer asks for the stats (test_mode defaults to true: test and live)
    reply = get(client, dev_token, "/api/v1/payments/stats")
    assert reply.status == 200, reply.text
    body = reply.json()
    # Then the documented fields come first, with the documented meaning
    assert list(body)[:10] == ["total_projects", "projects_with_config", "projects_with_test", "projects_with_live",
                               "total_subscriptions", "active_subscriptions", "total_payments",
                               "successful_payments", "total_revenue_cents", "currency"]
    assert {k: body[k] for k in list(body)[:10]} == {
        "total_projects": 2, "projects_with_config": 1, "projects_with_test": 1, "projects_with_live": 0,
        "total_subscriptions": 7, "active_subscriptions": 4, "total_payments": 6, "successful_payments": 4,
        # live money in the developer's main live currency, never test money nor other currencies added in
        "total_revenue_cents": 10000, "currency": "usd"}
    assert body["revenue_mode"] == "live"
    # And the breakdowns hold each (mode, currency) apart, as computed by hand
    assert body["by_mode"]["test"]["by_currency"] == {"usd": TEST_USD, "eur": TEST_EUR}
    assert body["by_mode"]["live"]["by_currency"] == {"usd": LIVE_USD, "gbp": LIVE_GBP}
    assert {k: v for k, v in body["by_mode"]["test"].items() if k != "by_currency"} == {
        "total_subscriptions": 6, "active_subscriptions": 3, "total_payments": 4, "successful_payments": 2}
    assert body["by_currency"] == {"eur": {"test": TEST_EUR}, "gbp": {"live": LIVE_GBP},
                                   "usd": {"test": TEST_USD, "live": LIVE_USD}}


def test_stats_with_test_mode_false_are_live_only(client, dev_token, fixture_project):
    body = get(client, dev_token, "/api/v1/payments/stats", test_mode="false").json()
    assert (body["total_subscriptions"], body["active_subscriptions"], body["total_payments"],
            body["successful_payments"], body["total_revenue_cents"]) == (1, 1, 2, 2, 10000)
    assert set(body["by_mode"]) == {"live"} and set(body["by_currency"]) == {"usd", "gbp"}


def test_the_refresher_corrects_drift_and_reports_it(client, dev_token, developer, fixture_project, capfd,
                                                     moto_aws):
    table = default_table()
    expected = {k: v for k, v in refresher.recount(table, fixture_project, "test")[0].items() if v}
    # Given counters that drifted from the records (a lost update, a stray figure, a wrong day sum)
    table.update(keys.counters(fixture_project, "test"),
                 UpdateExpression="ADD subscriptions :five, #usd :minus SET #stray = :one",
                 ExpressionAttributeNames={"#usd": "amount#succeeded#usd", "#stray": "payments#disputed"},
                 ExpressionAttributeValues={":five": 5, ":minus": -100, ":one": 1})
    day = keys.counters_day(fixture_project, "test", stats.day_key(stats.utcnow().date()))
    table.update(day, UpdateExpression="SET #r = :x", ExpressionAttributeNames={"#r": "revenue#usd"},
                 ExpressionAttributeValues={":x": 777})
    assert get(client, dev_token, "/api/v1/payments/subscriptions").json()["total"] == 12
    lines = LogLines()
    capfd.readouterr()
    # When the scheduled refresher runs and the worker takes the scopes it enqueued (issue 15)
    try:
        result = lambda_host.invoke("stats_refresher", {"source": "aws.scheduler"})
        drain_work(moto_aws.client("sqs"))
    finally:
        paykit_logger._logger.removeHandler(lines)
    # Then it corrected the four drifted figures (the project's events marked its scopes changed)
    assert result["completed"] and result["enqueued"] >= 1
    stored = table.get(keys.counters(fixture_project, "test"), consistent=True)
    assert {k: v for k, v in stored.items() if k not in ("pk", "sk", "type") and v} == expected
    assert "revenue#usd" not in {k for k, v in (table.get(day, consistent=True) or {}).items() if v}
    # And reported each as a log line and the CounterDrift metric
    out = capfd.readouterr().out
    drift_logs = [line for line in lines.entries if line["message"] == "counter drift corrected"]
    assert {(d["project_id"], d["counter"]) for d in drift_logs} >= {
        (fixture_project, "subscriptions"), (fixture_project, "amount#succeeded#usd"),
        (fixture_project, "payments#disputed"), (fixture_project, "revenue#usd")}
    assert '"CounterDrift"' in out
    # And the totals and stats are right again, and the developer's roll-up holds the recount
    assert get(client, dev_token, "/api/v1/payments/subscriptions").json()["total"] == 7
    rollup = refresher.rollup_of(table, developer)
    assert rollup["counters"]["test"]["subscriptions"] == 6 and rollup["counters"]["live"]["payments"] == 2


def test_refunds_count_on_the_day_they_happen_whatever_order_the_events_arrive(client):
    from tests.conftest import JWT_SECRET
    from tests.support import make_token

    # Given a developer whose payment of 40 days ago (outside the window) is refunded in two parts: 2 days ago, today
    token = make_token(JWT_SECRET, f"dev-refunds-{NOW}")
    pid = new_project(client, token, "Refunds")
    old_payment = pay_event(pid, "pi_old", NOW - 40 * DAY, amount=5000)

    def refunded(amount: int, at: int) -> dict:
        return event("charge.refunded", charge("ch_old", "cus_pi_old", "pi_old", created=NOW - 40 * DAY,
                                               amount=5000, refunded=amount), created=at)

    # When the later refund's event arrives before the earlier one (and the payment's own event last)
    deliver(pid, "test", [refunded(3000, NOW), refunded(1000, NOW - 2 * DAY), old_payment])
    # Then the 30-day figures count the whole refund (dated by the event that reported the total), and no revenue
    usd = get(client, token, "/api/v1/payments/stats").json()["by_mode"]["test"]["by_currency"]["usd"]
    assert (usd["gross_revenue_30d_cents"], usd["refunded_30d_cents"], usd["net_revenue_30d_cents"]) == (0, 3000, -3000)
    # And the refresher's recount from the records puts the refund on today's bucket, as the counters do
    _totals, days = refresher.recount(default_table(), pid, "test")
    today = time.strftime("%Y-%m-%d", time.gmtime(NOW))
    assert {day: sums["refunds#usd"] for day, sums in days.items() if "refunds#usd" in sums} == {today: 3000}


def test_a_cancellation_at_period_end_counts_on_the_day_the_subscription_ended(client):
    from tests.conftest import JWT_SECRET
    from tests.support import make_token

    # Given a subscription whose user asked 40 days ago to cancel at the period's end, and which ended 2 days ago
    # (Stripe's `canceled_at` is the request's time; `ended_at` is when it reached `canceled`)
    token = make_token(JWT_SECRET, f"dev-ended-{NOW}")
    pid = new_project(client, token, "Ended")
    ended = sub_event(pid, "sub_end", "canceled", NOW - 70 * DAY, canceled_at=NOW - 40 * DAY,
                      event_created=NOW - 2 * DAY)
    ended["data"]["object"]["ended_at"] = NOW - 2 * DAY
    deliver(pid, "test", [ended])
    # Then the cancellation is in the last 30 days (docs/metrics.md: on the day it reached `canceled`)
    usd = get(client, token, "/api/v1/payments/stats").json()["by_mode"]["test"]["by_currency"]["usd"]
    assert usd["cancellations_30d"] == 1
    # And the refresher's recount from the record puts it on the same day as the processor did
    _totals, days = refresher.recount(default_table(), pid, "test")
    ended_day = time.strftime("%Y-%m-%d", time.gmtime(NOW - 2 * DAY))
    assert {day: sums["cancellations#usd"] for day, sums in days.items() if "cancellations#usd" in sums} == {
        ended_day: 1}
