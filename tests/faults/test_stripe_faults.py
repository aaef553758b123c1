"""Stripe answering 500, 429 or hanging: callers get a 503 with Retry-After, and nothing is lost or applied twice."""
from __future__ import annotations

import time
import uuid

import pytest

from paykit.store import keys
from paykit.store.table import default_table
from tests.faults.conftest import failed_records, stripe_fault
from tests.integration.test_checkout import CHECKOUT, OK_URLS, Shop, make_shop, subscribe
from tests.integration.test_event_processor import sqs_batch
from tests.support import stripe_calls
from local.stripe_events import event, subscription

BASE = "/api/v1/payments/stripe"
# Longer than the 1 s client timeout of the fault tests, so both attempts of the SDK time out.
HANG = {"hang_seconds": 2.5}


@pytest.fixture()
def shop(client, dev_token, emulator, faults) -> Shop:
    return make_shop(client, dev_token, emulator)


def account_of(shop: Shop) -> str:
    return shop.stripe("GET", "/v1/account")["id"]


def assert_retry_later(reply) -> None:
    """The documented envelope, a 503 and a Retry-After: never a bare 500, never valid=false."""
    assert reply.status == 503, reply.text
    assert set(reply.json()) == {"detail"} and "retry later" in reply.json()["detail"]
    assert int(reply.headers["retry-after"]) > 0


def sessions_of(shop: Shop) -> list[dict]:
    return shop.stripe("GET", "/v1/checkout/sessions", limit=100)["data"]


def wait_until(predicate, attempts: int = 60, pause: float = 0.1) -> bool:
    for _ in range(attempts):
        if predicate():
            return True
        time.sleep(pause)
    return False


@pytest.mark.parametrize("kind", ["429", "hang"])  # a plain 500 is tests/integration/test_checkout.py's
def test_checkout_under_a_stripe_fault_is_503_and_its_retry_creates_one_session(client, emulator, shop, kind):
    # Given Stripe failing every attempt (the SDK's retry included) to create a checkout session
    token, key = shop.token(), f"checkout-{uuid.uuid4()}"
    stripe_fault(emulator, account_of(shop), kind, 2, "/v1/checkout/sessions", method="POST", **HANG)
    # When the user starts a checkout with an Idempotency-Key
    body = {"price_id": shop.prices["monthly"], **OK_URLS}
    reply = client.post(CHECKOUT, token=token, json_body=body, headers={"Idempotency-Key": key})
    # Then the caller is told to retry later
    assert_retry_later(reply)
    if kind == "hang":  # the hung calls are handled once their hang ends, under the same idempotency key
        assert wait_until(lambda: len(sessions_of(shop)) == 1)
    # When the user retries with the same key, once Stripe is back
    retry = client.post(CHECKOUT, token=token, json_body=body, headers={"Idempotency-Key": key})
    # Then it succeeds, and Stripe holds one session (a hung call that went through later is replayed, not repeated)
    assert retry.status == 200, retry.text
    assert [s["id"] for s in sessions_of(shop)] == [retry.json()["session_id"]]


@pytest.mark.parametrize("kind", ["500", "hang"])  # a 429 takes the 500's path through the SDK and run_mapped
def test_cancel_under_a_stripe_fault_is_503_changes_nothing_and_its_retry_applies_once(client, emulator, shop, kind):
    # Given a subscriber, and Stripe failing every attempt to change subscriptions
    token, key = shop.token(), f"cancel-{uuid.uuid4()}"
    sub_id = subscribe(client, shop, token)["subscription"]["subscription_id"]
    table = default_table()
    record_before = table.get(keys.subscription(shop.project_id, "test", sub_id), consistent=True)
    counters_before = table.get(keys.counters(shop.project_id, "test"), consistent=True)
    stripe_fault(emulator, account_of(shop), kind, 2, f"/v1/subscriptions/{sub_id}", method="POST", **HANG)
    # When the user asks to cancel at the end of the period (E17)
    reply = client.post(f"{BASE}/cancel-subscription", token=token, json_body={}, headers={"Idempotency-Key": key})
    # Then the caller is told to retry later and the local record did not move
    assert_retry_later(reply)
    assert table.get(keys.subscription(shop.project_id, "test", sub_id), consistent=True) == record_before
    if kind == "hang":
        assert wait_until(lambda: shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["cancel_at_period_end"])
    else:  # Stripe refused it outright: nothing changed there either
        assert shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["cancel_at_period_end"] is False
    # When the user retries with the same key
    retry = client.post(f"{BASE}/cancel-subscription", token=token, json_body={}, headers={"Idempotency-Key": key})
    # Then the cancellation is recorded once, and the counters still count one active subscription
    assert retry.status == 200 and retry.json()["cancel_at"], retry.text
    assert shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["cancel_at_period_end"] is True
    assert table.get(keys.subscription(shop.project_id, "test", sub_id), consistent=True)["cancel_at"]
    assert table.get(keys.counters(shop.project_id, "test"), consistent=True) == counters_before


def test_an_immediate_cancel_that_hung_but_went_through_is_recorded_on_retry(client, emulator, shop):
    # Given a subscriber, and Stripe hanging on the cancel (DELETE, which takes no idempotency key) past our timeout
    token = shop.token()
    sub_id = subscribe(client, shop, token)["subscription"]["subscription_id"]
    table = default_table()
    stripe_fault(emulator, account_of(shop), "hang", 2, f"/v1/subscriptions/{sub_id}", method="DELETE", **HANG)
    # When the user cancels immediately (E17), and Stripe carries the hung call out after we gave up
    reply = client.post(f"{BASE}/cancel-subscription", token=token, json_body={"cancel_immediately": True})
    assert_retry_later(reply)
    assert wait_until(lambda: shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["status"] == "canceled")
    # Then the retry, which Stripe refuses as already canceled, answers as the first call would have
    retry = client.post(f"{BASE}/cancel-subscription", token=token, json_body={"cancel_immediately": True})
    assert retry.status == 200, retry.text
    assert (retry.json()["subscription_id"], retry.json()["status"]) == (sub_id, "canceled")
    # And PayKit's record is canceled now, without waiting for the webhook
    assert table.get(keys.subscription(shop.project_id, "test", sub_id), consistent=True)["status"] == "canceled"


def test_portal_under_a_stripe_rate_limit_is_503(client, emulator, shop):
    # Given a subscriber, and Stripe rate limiting portal sessions
    token = shop.token()
    subscribe(client, shop, token)
    stripe_fault(emulator, account_of(shop), "429", 2, "/v1/billing_portal/sessions")
    # When the user opens the billing portal (E16)
    reply = client.post(f"{BASE}/customer-portal", token=token, json_body={"return_url": "https://app.example.com/b"})
    # Then the caller is told to retry in 2 s
    assert_retry_later(reply)
    assert reply.headers["retry-after"] == "2"


@pytest.mark.parametrize("kind", ["500", "hang"])  # a 429 takes the same path as on the portal
def test_validate_credentials_under_a_stripe_fault_is_503_not_an_invalid_key(client, dev_token, emulator, shop, kind):
    # Given Stripe failing every attempt to read the account
    stripe_fault(emulator, account_of(shop), kind, 2, "/v1/account", **HANG)
    # When the developer validates a good key (E9)
    reply = client.post(f"{BASE}/projects/{shop.project_id}/validate-credentials", token=dev_token,
                        json_body={"secret_key": shop.key, "is_test_mode": True})
    # Then the answer says to retry, not that the key is invalid, and never echoes the key
    assert_retry_later(reply)
    assert shop.key not in reply.text


def test_a_tie_fetch_failing_fails_the_record_and_its_redelivery_applies_it_once(client, emulator, shop):
    # Given a subscription whose stored state came from an event at second T
    token = shop.token("user-tie")
    sub_id = subscribe(client, shop, token)["subscription"]["subscription_id"]
    customer = shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["customer"]
    table = default_table()
    t = int(time.time()) + 1000  # newer than the checkout's own observation
    first = event("customer.subscription.updated",
                  subscription(sub_id, customer, "past_due", created=t, user_id="user-tie", project_id=shop.project_id,
                               period_start=t, period_end=t + 2_592_000), created=t)
    assert failed_records(sqs_batch(shop.project_id, [first])) == set()
    counters_before = table.get(keys.counters(shop.project_id, "test"), consistent=True)
    # And a second event in the same second, which only Stripe's current object can settle, while Stripe fails
    second = event("customer.subscription.updated",
                   subscription(sub_id, customer, "active", created=t, user_id="user-tie", project_id=shop.project_id,
                                period_start=t, period_end=t + 2_592_000), created=t)
    stripe_fault(emulator, account_of(shop), "500", 2, f"/v1/subscriptions/{sub_id}", method="GET")
    batch = sqs_batch(shop.project_id, [second])
    # When the processor gets it
    failed = failed_records(batch)
    # Then the record is reported failed (SQS redelivers it), the event log says so, and nothing was applied
    assert failed == {batch["Records"][0]["messageId"]}
    assert table.get(keys.event_marker(shop.project_id, "test", second["id"])) is None
    assert table.get(keys.event_record(shop.project_id, "test", second["id"]), consistent=True)["status"] == "failed"
    assert table.get(keys.subscription(shop.project_id, "test", sub_id), consistent=True)["status"] == "past_due"
    # When SQS redelivers it with Stripe back, and then once more
    assert failed_records(batch) == set()
    assert failed_records(batch) == set()
    # Then Stripe's current state (active) is applied, once: the counters moved past_due -> active exactly once
    stored = table.get(keys.subscription(shop.project_id, "test", sub_id), consistent=True)
    assert stored["status"] == "active"
    assert table.get(keys.event_record(shop.project_id, "test", second["id"]), consistent=True)["status"] == "processed"
    counters = table.get(keys.counters(shop.project_id, "test"), consistent=True)
    assert counters["subscriptions"] == counters_before["subscriptions"] == 1
    assert (counters["subscriptions#active"], counters["subscriptions#past_due"]) == (1, 0)
    assert counters_before["subscriptions#past_due"] == 1


def test_an_invoice_event_retried_after_a_write_conflict_asks_stripe_for_its_intent_once(client, shop, faults,
                                                                                          monkeypatch):
    # Given a paid checkout whose invoice.paid names no payment intent (Stripe sends invoices without `payments`)
    token = shop.token("user-conflict")
    subscribe(client, shop, token)
    paid = shop.stripe("GET", "/v1/events?type=invoice.paid")["data"][0]
    assert "payments" not in paid["data"]["object"]
    asked = stripe_calls(monkeypatch, "/v1/invoice_payments")  # PayKit's calls to Stripe's invoice payments list
    # and the event's first transaction refused: a record it read was changed by another worker meanwhile
    refused = faults.inject("dynamodb", "TransactWriteItems", 1, code="TransactionCanceledException", extra={
        "CancellationReasons": [{"Code": "None"}, {"Code": "None"}, {"Code": "ConditionalCheckFailed"}]})
    # When the processor gets it
    assert failed_records(sqs_batch(shop.project_id, [paid])) == set()
    # Then it was applied on its second attempt, and Stripe was asked for the invoice's payments once
    assert refused.hits == 1 and len(asked) == 1
    intent = shop.stripe("GET", f"/v1/invoice_payments?invoice={paid['data']['object']['id']}")["data"][0]
    record = default_table().get(keys.payment(shop.project_id, "test", intent["payment"]["payment_intent"]),
                                 consistent=True)
    assert (record["status"], record["amount_cents"]) == ("succeeded", paid["data"]["object"]["amount_paid"])


def test_a_refund_event_retried_after_a_write_conflict_asks_stripe_for_the_refunds_once(client, shop, faults,
                                                                                        monkeypatch):
    from tests.integration.test_refund_failure import _paid_then_refund_failed, _process

    # Given a paid payment whose refund failed, its events applied up to the refund's last update
    pi, payment_events, refund_events = _paid_then_refund_failed(client, shop, shop.token("user-refund"))
    _process(shop, payment_events + refund_events[:-1])
    asked = stripe_calls(monkeypatch, "/v1/refunds")  # PayKit's reads of the charge's refunds
    # and the last event's first transaction refused: a record it read was changed by another worker meanwhile
    reasons = [{"Code": "None"}] * 3 + [{"Code": "ConditionalCheckFailed"}]
    refused = faults.inject("dynamodb", "TransactWriteItems", 1, code="TransactionCanceledException",
                            extra={"CancellationReasons": reasons})
    # When the processor gets it
    assert failed_records(sqs_batch(shop.project_id, refund_events[-1:])) == set()
    # Then it was applied on its second attempt, and Stripe was asked for the charge's refunds once
    assert refused.hits == 1 and len(asked) == 1
    record = default_table().get(keys.payment(shop.project_id, "test", pi), consistent=True)
    assert (record["status"], int(record["refunded_amount_cents"])) == ("succeeded", 0)
