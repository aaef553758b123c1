"""A refund that fails gives the money back in PayKit's figures (Stripe's refund-failure card 4000000000005126: the
refund starts `succeeded`, then fails). Real handlers, moto server, the Stripe emulator; the events delivered in
Stripe's order, and shuffled and duplicated."""
from __future__ import annotations

import json
import random

import pytest
import requests

from paykit import metrics
from paykit.processor import default_processor
from paykit.services import refresher, stats
from paykit.store import keys
from paykit.store.table import default_table
from stripe_emulator.resources.charges import REFUND_FAILURE_DELAY
from tests.integration.test_checkout import Shop, shop, start_checkout  # noqa: F401 (fixture)
from tests.integration.test_lists import get
from tests.integration.test_shared_stripe_account import deliver_account_events, share_account

STATS = "/api/v1/payments/stats"
MY_PAYMENTS = "/api/v1/payments/stripe/my-payments"
REFUND_FAIL = "4000000000005126"
REFUND_EVENTS = {"charge.refunded", "refund.created", "charge.refund.updated", "refund.updated", "refund.failed"}
# The 5.00 one-time payment alone, not refunded (docs/metrics.md), for a developer with nothing else.
PAID = {"revenue_cents": 500, "gross_revenue_cents": 500, "refunded_cents": 0, "net_revenue_cents": 500,
        "gross_revenue_30d_cents": 500, "refunded_30d_cents": 0, "net_revenue_30d_cents": 500}


def _figures(client, dev_token) -> dict[str, int]:
    usd = get(client, dev_token, STATS).json()["by_mode"]["test"]["by_currency"].get("usd") or {}
    return {name: usd.get(name, 0) for name in PAID}


def _process(shop: Shop, events: list[dict]) -> None:
    for evt in events:
        default_processor().process_event(shop.project_id, "test", evt, json.dumps(evt))


def _events(shop: Shop) -> list[dict]:
    return list(reversed(shop.stripe("GET", "/v1/events", limit=100)["data"]))


def _paid_then_refund_failed(client, shop: Shop, token: str, amount: int | None = None
                             ) -> tuple[str, list[dict], list[dict]]:
    """A one-time 5.00 checkout paid with the refund-failure card, refunded (in full, or `amount`), and the refund
    failed when the account's clock passed its delay. Returns the payment intent, the payment's events and the
    refund's."""
    session = start_checkout(client, shop, token, "one_time", mode="payment").json()
    assert shop.pay(session["session_id"], card=REFUND_FAIL)["status"] == "succeeded"
    payment_events = _events(shop)
    pi = shop.stripe("GET", f"/v1/checkout/sessions/{session['session_id']}")["payment_intent"]
    refund = shop.stripe("POST", "/v1/refunds", payment_intent=pi, **({"amount": amount} if amount else {}))
    assert refund["status"] == "succeeded"
    answer = requests.post(f"{shop.emulator_url}/_emulator/advance", json={"seconds": REFUND_FAILURE_DELAY + 1},
                           headers={"Authorization": f"Bearer {shop.key}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert shop.stripe("GET", f"/v1/refunds/{refund['id']}")["status"] == "failed"
    seen = {e["id"] for e in payment_events}
    refund_events = [e for e in _events(shop) if e["id"] not in seen]
    assert [e["type"] for e in refund_events] == ["charge.refunded", "refund.created", "charge.refund.updated",
                                                   "refund.updated", "refund.failed"]
    return pi, payment_events, refund_events


def _assert_paid_and_recounted(client, dev_token, shop: Shop, token: str, pi: str) -> None:
    """The payment is `succeeded` again, E4's figures are the payment's alone, and a recount of the records agrees
    with the counters and day buckets the events left."""
    record = default_table().get(keys.payment(shop.project_id, "test", pi), consistent=True)
    assert (record["status"], record["refunded_amount_cents"]) == ("succeeded", 0)
    listed = client.get(MY_PAYMENTS, token=token).json()["payments"]
    assert [(p["status"], p["refunded_amount_cents"]) for p in listed] == [("succeeded", 0)]
    assert _figures(client, dev_token) == PAID
    table = default_table()
    totals, days = refresher.recount(table, shop.project_id, "test")
    stored = table.get(keys.counters(shop.project_id, "test"), consistent=True) or {}
    assert {k: v for k, v in stored.items() if k not in ("pk", "sk", "type", "version") and v} == {
        k: v for k, v in totals.items() if v}
    day = stats.day_key(stats.utcnow().date())
    for when in {day, *days}:
        bucket = table.get(keys.counters_day(shop.project_id, "test", when), consistent=True) or {}
        counted = {k: v for k, v in bucket.items() if isinstance(v, int) and "#" in k and v
                   and not k.startswith(metrics.MOVEMENT_PREFIXES)}
        assert counted == {k: v for k, v in days.get(when, {}).items() if v}, when
    assert not any(k.startswith("refunds#") for sums in days.values() for k, v in sums.items() if v)


def test_a_refund_that_fails_gives_the_money_back_when_the_events_arrive_in_order(client, dev_token, shop):  # noqa: F811
    token = shop.token()
    pi, payment_events, refund_events = _paid_then_refund_failed(client, shop, token)
    # Given the payment's events: a 5.00 payment
    _process(shop, payment_events)
    assert _figures(client, dev_token) == PAID
    # When the refund's events arrive: the payment is refunded, its refund counted
    _process(shop, [e for e in refund_events if e["type"] in ("charge.refunded", "refund.created")])
    assert default_table().get(keys.payment(shop.project_id, "test", pi))["status"] == "refunded"
    assert _figures(client, dev_token) == {**PAID, "revenue_cents": 0, "refunded_cents": 500, "net_revenue_cents": 0,
                                           "refunded_30d_cents": 500, "net_revenue_30d_cents": 0}
    # And then the failure's: the payment is succeeded again, every figure as before the refund
    _process(shop, [e for e in refund_events if e["type"] not in ("charge.refunded", "refund.created")])
    _assert_paid_and_recounted(client, dev_token, shop, token, pi)


@pytest.mark.parametrize("order", ["newest first, each twice", "the failure before the refund's charge.refunded",
                                   "shuffled, some twice"])
def test_a_refund_that_fails_gives_the_money_back_in_any_delivery_order(client, dev_token, shop, order):  # noqa: F811
    token = shop.token()
    pi, payment_events, refund_events = _paid_then_refund_failed(client, shop, token)
    events = payment_events + refund_events
    # When the events arrive out of Stripe's order (a late charge.refunded carries the old, higher total)
    if order == "newest first, each twice":
        events = list(reversed(events)) * 2
    elif order == "the failure before the refund's charge.refunded":
        failure = [e for e in refund_events if e["type"] not in ("charge.refunded", "refund.created")]
        events = payment_events + failure + [e for e in refund_events if e not in failure] + failure[:1]
    else:
        events = events + random.Random(5126).sample(events, len(events) // 2)
        random.Random(19).shuffle(events)
    _process(shop, events)
    # Then the payment is succeeded, the figures are the payment's alone, and the recount agrees
    _assert_paid_and_recounted(client, dev_token, shop, token, pi)


@pytest.mark.parametrize("order", ["in order", "newest first, each twice"])
def test_a_refund_after_one_that_failed_counts_alone_whatever_total_came_before(client, dev_token, shop, order):  # noqa: F811
    token = shop.token()
    # Given a 5.00 payment with the refund-failure card, refunded 2.00 (which failed), then refunded 1.00 (which
    # stands: the clock has not passed its delay); Stripe's totals said 2.00, then 1.00
    pi, payment_events, refund_events = _paid_then_refund_failed(client, shop, token, amount=200)
    seen = {e["id"] for e in payment_events + refund_events}
    assert shop.stripe("POST", "/v1/refunds", payment_intent=pi, amount=100)["status"] == "succeeded"
    later = [e for e in _events(shop) if e["id"] not in seen]
    assert [(e["type"], e["data"]["object"].get("amount_refunded")) for e in later] == [
        ("charge.refunded", 100), ("refund.created", None)]
    events = payment_events + refund_events + later
    # When the events arrive
    _process(shop, events if order == "in order" else list(reversed(events)) * 2)
    # Then the payment is refunded by the standing 1.00 alone, and the recount agrees
    record = default_table().get(keys.payment(shop.project_id, "test", pi), consistent=True)
    assert (record["status"], record["refunded_amount_cents"]) == ("partially_refunded", 100)
    assert _figures(client, dev_token) == {**PAID, "revenue_cents": 0, "refunded_cents": 100, "net_revenue_cents": 400,
                                           "refunded_30d_cents": 100, "net_revenue_30d_cents": 400}
    totals, days = refresher.recount(default_table(), shop.project_id, "test")
    assert totals["refunded#usd"] == 100
    assert sum(sums.get("refunds#usd", 0) for sums in days.values()) == 100


def test_a_refund_failure_on_a_shared_stripe_account_stays_with_its_own_project(client, dev_token, shop):  # noqa: F811
    # Given two projects on one Stripe account, and the first one's payment whose refund failed
    second = share_account(client, dev_token, shop)
    token = shop.token()
    pi, _payment_events, refund_events = _paid_then_refund_failed(client, shop, token)
    # When every event of the account reaches both projects, the refund's own events (which name no project)
    # first
    refund_first = {e["id"] for e in refund_events if e["type"] not in ("charge.refunded", "refund.created")}
    for target in (second, shop):
        _process(target, [e for e in refund_events if e["id"] in refund_first])
    deliver_account_events(shop, second)
    # Then the first project holds the payment, succeeded again, and the second holds nothing of it
    _assert_paid_and_recounted(client, dev_token, shop, token, pi)
    table = default_table()
    assert table.get(keys.payment(second.project_id, "test", pi), consistent=True) is None
    assert table.get(keys.counters(second.project_id, "test"), consistent=True) is None
