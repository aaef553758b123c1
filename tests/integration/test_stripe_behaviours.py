"""PayKit on the paths Stripe takes (issue 19, item 5): a Checkout subscription created `incomplete` then made
`active`, in any delivery order; a renewal invoice that is a draft for an hour before it is charged. Real handlers,
moto server, the Stripe emulator."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import requests

from paykit.processor import default_processor
from paykit.store import keys
from paykit.store.table import default_table
from tests.integration.test_checkout import start_checkout
from tests.integration.test_entitlements import check, plans, shop  # noqa: F401 (fixtures)
from tests.integration.test_lists import get
from tests.support import stripe_calls

STATS = "/api/v1/payments/stats"
BASE = "/api/v1/payments/stripe"
MY_PAYMENTS = f"{BASE}/my-payments"
HOUR = 3600
DAY = 86400
FAILING_CARD = "4000000000000341"  # saved, then every charge on it fails


def _process(shop, events: list[dict]) -> None:
    for evt in events:
        default_processor().process_event(shop.project_id, "test", evt, json.dumps(evt))


def _checkout_events(client, shop, token: str, price: str) -> tuple[str, list[dict]]:
    """Pays a checkout; returns its subscription id and the account's events, oldest first."""
    session = start_checkout(client, shop, token, price).json()
    assert shop.pay(session["session_id"])["status"] == "succeeded"
    events = list(reversed(shop.stripe("GET", "/v1/events", limit=100)["data"]))
    sub_id = next(e["data"]["object"]["id"] for e in events if e["type"] == "customer.subscription.created")
    return sub_id, events


def _record(shop, sub_id: str) -> dict:
    return default_table().get(keys.subscription(shop.project_id, "test", sub_id)) or {}


def _mrr(client, dev_token) -> int:
    usd = get(client, dev_token, STATS).json()["by_mode"]["test"]["by_currency"].get("usd") or {}
    return usd.get("mrr_cents", 0)


def test_an_incomplete_checkout_subscription_grants_nothing_until_its_update_makes_it_active(
        client, dev_token, shop, plans):  # noqa: F811
    token = shop.token()
    sub_id, events = _checkout_events(client, shop, token, plans["basic"])
    created = next(e for e in events if e["type"] == "customer.subscription.created")
    updated = next(e for e in events if e["type"] == "customer.subscription.updated")
    assert (created["data"]["object"]["status"], updated["data"]["object"]["status"]) == ("incomplete", "active")
    # Given only the creation has arrived (with the session's completion): incomplete, no access, no MRR
    completed = [e for e in events if e["type"] == "checkout.session.completed"]
    _process(shop, [created, *completed])
    assert _record(shop, sub_id)["status"] == "incomplete"
    assert check(client, token, "api")["allowed"] is False
    assert _mrr(client, dev_token) == 0
    # When the update to active arrives (and the rest): active, entitled, counted
    _process(shop, [e for e in events if e not in (created, *completed)])
    assert _record(shop, sub_id)["status"] == "active"
    assert check(client, token, "api")["allowed"] is True and check(client, token, "exports")["limit"] == 100
    assert _mrr(client, dev_token) == 1900


def test_a_checkout_subscription_ends_active_in_any_delivery_order(client, dev_token, shop, plans):  # noqa: F811
    token = shop.token()
    sub_id, events = _checkout_events(client, shop, token, plans["basic"])
    # Newest first, each twice, and the incomplete creation once more at the very end
    created = next(e for e in events if e["type"] == "customer.subscription.created")
    _process(shop, list(reversed(events)) * 2 + [created])
    record = _record(shop, sub_id)
    assert record["status"] == "active" and record["had_mrr"] is True
    assert check(client, token, "api")["allowed"] is True
    assert _mrr(client, dev_token) == 1900


def test_invoice_events_without_payments_find_the_intent_with_one_stripe_call_each(client, dev_token, shop, plans,
                                                                                    monkeypatch):  # noqa: F811
    # Given a paid checkout: its invoice events carry no `payments` (as Stripe sends them), and Stripe announces the
    # invoice payment in `invoice_payment.paid`
    token = shop.token()
    sub_id, events = _checkout_events(client, shop, token, plans["basic"])
    invoice_events = [e for e in events if e["type"].startswith("invoice.")]
    assert {e["type"] for e in invoice_events} >= {"invoice.paid", "invoice.payment_succeeded"}
    assert all("payments" not in e["data"]["object"] for e in invoice_events)
    announced = next(e for e in events if e["type"] == "invoice_payment.paid")
    intent = announced["data"]["object"]["payment"]["payment_intent"]
    asked = stripe_calls(monkeypatch, "/v1/invoice_payments")  # PayKit's calls to Stripe's invoice payments list
    # When every event is processed, `invoice_payment.paid` included
    outcomes = {e["type"]: default_processor().process_event(shop.project_id, "test", e, json.dumps(e))
                for e in events}
    # Then each invoice event that records a payment asked Stripe once (invoice.paid, invoice.payment_succeeded)
    assert len(asked) == 2 and all(f"invoice={announced['data']['object']['invoice']}" in url for url in asked)
    # and the payment is recorded once, on the intent Stripe names, with its figures
    payments = client.get(MY_PAYMENTS, token=token).json()["payments"]
    assert [(p["payment_intent_id"], p["status"], p["amount_cents"]) for p in payments] == [(intent, "succeeded", 1900)]
    assert _mrr(client, dev_token) == 1900
    # and `invoice_payment.paid` is logged as ignored (PayKit reads the settling intent from invoice.paid)
    assert outcomes["invoice_payment.paid"] == "ignored"
    assert (outcomes["invoice.paid"], outcomes["invoice.payment_succeeded"]) == ("processed", "processed")


def _advance_to(shop, at: int) -> None:
    """Moves the account clock (the shop's subscriptions are on no test clock) to `at` (or the second after: the
    clock also follows wall time), running what falls due."""
    def advance(seconds: int) -> dict:
        answer = requests.post(f"{shop.emulator_url}/_emulator/advance", json={"seconds": seconds}, timeout=30,
                               headers={"Authorization": f"Bearer {shop.key}"})
        assert answer.status_code == 200, answer.text
        return answer.json()

    now = advance(1)["now"]
    assert now < at
    advance(at - now)


def _new_events(shop, seen: set[str]) -> list[dict]:
    events = [e for e in reversed(shop.stripe("GET", "/v1/events", limit=100)["data"]) if e["id"] not in seen]
    seen.update(e["id"] for e in events)
    return events


def test_a_renewal_is_recorded_when_it_is_charged_an_hour_after_its_draft(client, shop, plans):  # noqa: F811
    token = shop.token()
    sub_id, events = _checkout_events(client, shop, token, plans["basic"])
    seen = {e["id"] for e in events}
    _process(shop, events)
    period_end = shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["items"]["data"][0]["current_period_end"]
    # When the period ends: the new period and the renewal invoice as a draft
    _advance_to(shop, period_end)
    draft_events = _new_events(shop, seen)
    assert [e["type"] for e in draft_events] == ["customer.subscription.updated", "invoice.created"]
    assert draft_events[1]["data"]["object"]["status"] == "draft"
    _process(shop, draft_events)
    # Then the period moved on and no payment is recorded for the draft
    assert _record(shop, sub_id)["current_period_start"].startswith(
        datetime.fromtimestamp(period_end, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"))
    payments = client.get(MY_PAYMENTS, token=token).json()
    assert payments["total"] == 1
    # When the hour has passed: the renewal is finalized and charged, and recorded as paid then
    _advance_to(shop, period_end + HOUR)
    charged = _new_events(shop, seen)
    assert "invoice.paid" in [e["type"] for e in charged]
    _process(shop, charged)
    payments = client.get(MY_PAYMENTS, token=token).json()
    assert payments["total"] == 2
    renewal = payments["payments"][0]
    assert (renewal["status"], renewal["amount_cents"]) == ("succeeded", 1900)
    assert renewal["created_at"].startswith(
        datetime.fromtimestamp(period_end + HOUR, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"))
    assert check(client, token, "api")["allowed"] is True


def _failing_renewals(client, shop, token: str, price: str, **settings) -> tuple[str, int, set[str]]:
    """An account with these dunning settings; a paid checkout whose card then fails. Returns the subscription,
    its first period's end and the events seen (already processed)."""
    account = shop.stripe("GET", "/v1/account")["id"]
    answer = requests.post(f"{shop.emulator_url}/_emulator/accounts/{account}", json=settings, timeout=10)
    assert answer.status_code == 200, answer.text
    sub_id, events = _checkout_events(client, shop, token, price)
    _process(shop, events)
    customer = shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["customer"]
    requests.post(f"{shop.emulator_url}/_emulator/customers/{customer}/card", json={"card": FAILING_CARD},
                  timeout=10).raise_for_status()
    period_end = shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["items"]["data"][0]["current_period_end"]
    return sub_id, period_end, {e["id"] for e in events}


def test_left_past_due_after_the_last_retry_the_subscription_keeps_counting_and_its_grace(client, dev_token, shop,
                                                                                          plans):  # noqa: F811
    token = shop.token()
    sub_id, period_end, seen = _failing_renewals(client, shop, token, plans["basic"],
                                                 dunning_final_action="leave_past_due", dunning_retry_days=[1, 2])
    # When the renewal and both retries fail
    _advance_to(shop, period_end + HOUR + 2 * DAY + 60)
    events = _new_events(shop, seen)
    assert [e["type"] for e in events].count("invoice.payment_failed") == 3
    assert "customer.subscription.deleted" not in [e["type"] for e in events]
    _process(shop, events)
    # Then PayKit holds it past_due, still in MRR (docs/metrics.md), with its failed payment recorded once
    assert _record(shop, sub_id)["status"] == "past_due"
    assert _mrr(client, dev_token) == 1900
    payments = client.get(MY_PAYMENTS, token=token).json()["payments"]
    assert [p["status"] for p in payments] == ["failed", "succeeded"]


def test_an_unpaid_subscriptions_draft_invoices_record_no_payment(client, dev_token, shop, plans):  # noqa: F811
    token = shop.token()
    sub_id, period_end, seen = _failing_renewals(client, shop, token, plans["basic"],
                                                 dunning_final_action="mark_unpaid", dunning_retry_days=[1, 2])
    _advance_to(shop, period_end + HOUR + 2 * DAY + 60)
    _process(shop, _new_events(shop, seen))
    assert _record(shop, sub_id)["status"] == "unpaid"
    # When the next period comes: Stripe invoices it as a draft and attempts nothing
    next_end = shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["items"]["data"][0]["current_period_end"]
    _advance_to(shop, next_end + 2 * HOUR)
    events = _new_events(shop, seen)
    assert [e["type"] for e in events] == ["customer.subscription.updated", "invoice.created"]
    _process(shop, events)
    # Then it stays unpaid: no access, no MRR, and no payment recorded for the draft
    record = _record(shop, sub_id)
    assert record["status"] == "unpaid" and record["current_period_start"].startswith(
        datetime.fromtimestamp(next_end, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"))
    assert check(client, token, "api")["allowed"] is False
    assert _mrr(client, dev_token) == 0
    assert [p["status"] for p in client.get(MY_PAYMENTS, token=token).json()["payments"]] == ["failed", "succeeded"]


def test_resuming_an_unpaid_subscription_finalizes_and_pays_its_draft(client, shop, plans):  # noqa: F811
    # Given an unpaid subscriber whose next period was invoiced as a draft, who then scheduled a cancellation
    token = shop.token()
    sub_id, period_end, seen = _failing_renewals(client, shop, token, plans["basic"],
                                                 dunning_final_action="mark_unpaid", dunning_retry_days=[1])
    _advance_to(shop, period_end + HOUR + DAY + 60)
    next_end = shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["items"]["data"][0]["current_period_end"]
    _advance_to(shop, next_end + 60)
    _process(shop, _new_events(shop, seen))
    draft = shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["latest_invoice"]
    assert shop.stripe("GET", f"/v1/invoices/{draft}")["status"] == "draft"
    assert client.post(f"{BASE}/cancel-subscription", token=token, json_body={}).status == 200
    _process(shop, _new_events(shop, seen))  # the account's clock is ahead of PayKit's: its events are newest
    # When the card is fixed and they resume
    customer = shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["customer"]
    requests.post(f"{shop.emulator_url}/_emulator/customers/{customer}/card", json={"card": "4242424242424242"},
                  timeout=10).raise_for_status()
    reply = client.post(f"{BASE}/resume-subscription", token=token)
    # Then the draft was finalized and paid, and the subscription goes on
    assert reply.status == 200, reply.text
    assert shop.stripe("GET", f"/v1/invoices/{draft}")["status"] == "paid"
    stripe_sub = shop.stripe("GET", f"/v1/subscriptions/{sub_id}")
    assert (stripe_sub["status"], stripe_sub["cancel_at_period_end"]) == ("active", False)


def test_an_event_delivered_again_asks_stripe_nothing(client, dev_token, shop, plans, monkeypatch):  # noqa: F811
    # Given a paid checkout whose invoice.paid was applied (its intent read from Stripe, as Stripe's events carry none)
    token = shop.token()
    _sub_id, events = _checkout_events(client, shop, token, plans["basic"])
    for event in events:
        default_processor().process_event(shop.project_id, "test", event, json.dumps(event))
    paid = next(e for e in events if e["type"] == "invoice.paid")
    asked = stripe_calls(monkeypatch)  # every call PayKit makes to Stripe
    # When Stripe delivers it again (a retry after a lost acknowledgement, an SQS redelivery)
    outcome = default_processor().process_event(shop.project_id, "test", paid, json.dumps(paid))
    # Then it is a duplicate, found by the dedup marker read with the event's records: no Stripe call
    assert outcome == "duplicate" and asked == []
