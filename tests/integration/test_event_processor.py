"""The event processor through the real handler against moto server: effects, exactly once, order, poison events."""
from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from local import lambda_host
from paykit.processor import EventProcessor, record_id
from paykit.store import keys
from paykit.store.table import default_table
from local.stripe_events import body_of, charge, checkout_session, event, invoice, subscription

T0 = 1_780_000_000
VOLATILE = {"version", "processed_at"}


def message(project_id: str, evt: dict, mode: str = "test") -> dict[str, Any]:
    return {"project_id": project_id, "mode": mode, "event_id": evt["id"], "received_at": "2026-11-24T10:00:00.000000Z",
            "body": body_of(evt).decode()}


def sqs_batch(project_id: str, events: list[dict]) -> dict[str, Any]:
    return {"Records": [{
        "messageId": str(uuid.uuid4()), "receiptHandle": "rh", "body": json.dumps(message(project_id, evt)),
        "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": f"{project_id}#test#cus_1",
                       "MessageDeduplicationId": evt["id"], "SentTimestamp": "0", "SenderId": "x",
                       "ApproximateFirstReceiveTimestamp": "0", "SequenceNumber": "1"},
        "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q.fifo", "awsRegion": "us-east-1"}
        for evt in events]}


def deliver(project_id: str, events: list[dict]) -> dict[str, Any]:
    return lambda_host.invoke("event_processor", sqs_batch(project_id, events))


def item(key: dict[str, str]) -> dict[str, Any] | None:
    found = default_table().get(key, consistent=True)
    return {k: v for k, v in found.items() if k not in VOLATILE} if found else None


def counters(project_id: str) -> dict[str, int]:
    found = item(keys.counters(project_id, "test")) or {}
    return {k: v for k, v in found.items() if k not in ("pk", "sk", "type") and v}


def lifecycle(project_id: str, user: str = "user-1") -> list[dict]:
    """A subscription's life in Stripe's order: checkout, created, paid, updates, failed renewal, refund, deleted."""
    sub = lambda status, t, **kw: subscription("sub_1", "cus_1", status, created=T0, user_id=user,  # noqa: E731
                                               project_id=project_id, period_start=T0, period_end=T0 + 2_592_000, **kw)
    return [
        event("checkout.session.completed", checkout_session("cs_1", "cus_1", mode="subscription", user_id=user,
                                                             project_id=project_id, created=T0, subscription="sub_1"),
              created=T0 + 2),
        event("customer.subscription.created", sub("incomplete", T0), created=T0),
        event("invoice.paid", invoice("in_1", "cus_1", "sub_1", "pi_1", created=T0, amount=1900, paid=True,
                                      user_id=user, project_id=project_id), created=T0 + 1),
        event("customer.subscription.updated", sub("active", T0), created=T0 + 3),
        event("customer.subscription.updated", sub("active", T0, cancel_at=T0 + 2_592_000), created=T0 + 4),
        event("invoice.payment_failed", invoice("in_2", "cus_1", "sub_1", "pi_2", created=T0 + 5, amount=1900,
                                                paid=False, user_id=user, project_id=project_id), created=T0 + 5),
        event("customer.subscription.updated", sub("past_due", T0, cancel_at=T0 + 2_592_000), created=T0 + 6),
        event("charge.refunded", charge("ch_1", "cus_1", "pi_1", created=T0 + 1, amount=1900, refunded=500),
              created=T0 + 7),
        event("customer.subscription.deleted", sub("canceled", T0, cancel_at=T0 + 2_592_000, canceled_at=T0 + 8),
              created=T0 + 8),
    ]


def stored_state(project_id: str) -> dict[str, Any]:
    return {"subscription": item(keys.subscription(project_id, "test", "sub_1")),
            "payments": [item(keys.payment(project_id, "test", pi)) for pi in ("pi_1", "pi_2")],
            "counters": counters(project_id)}


@pytest.fixture()
def project_id(service_env) -> str:
    return str(uuid.uuid4())


def test_a_lifecycle_in_order_ends_in_the_documented_state(project_id):
    # When a subscription's whole life is delivered in order
    result = deliver(project_id, lifecycle(project_id))
    # Then every event succeeded
    assert result == {"batchItemFailures": []}
    state = stored_state(project_id)
    sub = state["subscription"]
    # And the subscription is canceled, linked to its user and customer, with Stripe's periods and dates
    assert sub["status"] == "canceled" and sub["user_id"] == "user-1" and sub["customer_id"] == "cus_1"
    assert sub["id"] == record_id("sub", project_id, "test", "sub_1")
    assert sub["plan_name"] == "Pro" and sub["quantity"] == 1
    assert sub["current_period_start"] == "2026-05-28T20:26:40.000000Z"
    assert sub["cancelled_at"] == "2026-05-28T20:26:48.000000Z" and sub["cancel_at"]
    assert sub["gsi1pk"] == f"PROJECT#{project_id}#test#SUBS"
    assert sub["gsi2pk"] == f"PROJECT#{project_id}#test#USER#user-1#SUBS"
    # And the first payment is partially refunded, the renewal failed, both tied to the internal subscription id
    first, renewal = state["payments"]
    assert (first["status"], first["amount_cents"], first["refunded_amount_cents"]) == ("partially_refunded", 1900, 500)
    assert (renewal["status"], renewal["amount_cents"]) == ("failed", 1900)
    assert first["subscription_id"] == renewal["subscription_id"] == sub["id"]
    assert first["user_id"] == "user-1" and first["description"] == "1 x Pro (at $19.00 / month)"
    # And the customer is mapped both ways
    assert item(keys.customer_of_user(project_id, "test", "user-1"))["customer_id"] == "cus_1"
    assert item(keys.user_of_customer(project_id, "test", "cus_1"))["user_id"] == "user-1"
    # And the counters equal the stored records
    assert state["counters"] == {
        "subscriptions": 1, "subscriptions#canceled": 1, "payments": 2, "payments#partially_refunded": 1,
        "payments#failed": 1, "amount#partially_refunded#usd": 1900, "amount#failed#usd": 1900, "refunded#usd": 500,
        "gross#usd": 1900}


def test_each_event_is_in_the_event_log_with_its_status(project_id):
    events = lifecycle(project_id)[:2] + [event("customer.created", {"id": "cus_9", "object": "customer"},
                                                created=T0)]
    deliver(project_id, events)
    statuses = [item(keys.event_record(project_id, "test", e["id"]))["status"] for e in events]
    assert statuses == ["processed", "processed", "ignored"]
    record = item(keys.event_record(project_id, "test", events[0]["id"]))
    assert record["gsi1pk"] == f"PROJECT#{project_id}#test#EVENTS" and json.loads(record["body"]) == events[0]
    assert item(keys.event_marker(project_id, "test", events[0]["id"]))["expires_at"] > time.time() + 30 * 86400


def test_the_same_event_three_times_takes_effect_once(project_id):
    # Given a paid invoice
    paid = lifecycle(project_id)[2]
    # When it is delivered three times, in one batch and in later ones
    deliver(project_id, [paid, paid])
    deliver(project_id, [paid])
    # Then there is one succeeded payment and it is counted once
    assert item(keys.payment(project_id, "test", "pi_1"))["status"] == "succeeded"
    assert counters(project_id) == {"payments": 1, "payments#succeeded": 1, "amount#succeeded#usd": 1900,
                                  "gross#usd": 1900}


def test_invoice_paid_and_invoice_payment_succeeded_are_one_payment(project_id):
    paid = lifecycle(project_id)[2]
    succeeded = event("invoice.payment_succeeded", paid["data"]["object"], created=paid["created"])
    deliver(project_id, [paid, succeeded])
    assert counters(project_id) == {"payments": 1, "payments#succeeded": 1, "amount#succeeded#usd": 1900,
                                  "gross#usd": 1900}


def test_an_older_event_never_overwrites_newer_state(project_id):
    # Given a subscription already past_due by a newer event
    events = lifecycle(project_id)
    deliver(project_id, [events[6]])
    # When an older "active" update arrives late
    deliver(project_id, [events[3]])
    # Then the newer state stays
    assert item(keys.subscription(project_id, "test", "sub_1"))["status"] == "past_due"
    assert counters(project_id) == {"subscriptions": 1, "subscriptions#past_due": 1}


def test_a_canceled_subscription_is_never_brought_back(project_id):
    events = lifecycle(project_id)
    late = event("customer.subscription.updated", events[3]["data"]["object"], created=T0 + 100)
    deliver(project_id, [events[8], late])
    assert item(keys.subscription(project_id, "test", "sub_1"))["status"] == "canceled"


class StripeStandIn:
    """Stands in for Stripe's API (not PayKit code): the subscription as Stripe reports it now."""

    def __init__(self, subscription: dict) -> None:
        self.subscription_object = subscription
        self.calls = 0

    def subscription(self, project_id: str, mode: str, subscription_id: str) -> dict:
        self.calls += 1
        return self.subscription_object

    def invoice_payments(self, project_id: str, mode: str, invoice_id: str) -> list[dict]:
        return []

    def product_name(self, project_id: str, mode: str, product_id: str | None) -> str | None:
        return None

    def payment_description(self, project_id: str, mode: str, payment_intent_id: str) -> str | None:
        return None


def test_a_tie_in_the_same_second_is_resolved_by_stripe(project_id):
    # Given two updates of one subscription created in the same second, delivered in the wrong order
    events = lifecycle(project_id)
    newer = events[6]["data"]["object"]  # past_due, as Stripe now has it
    first = event("customer.subscription.updated", newer, created=T0 + 50)
    second = event("customer.subscription.updated", events[3]["data"]["object"], created=T0 + 50)
    stripe = StripeStandIn(newer)
    processor = EventProcessor(default_table(), stripe)
    processor.process_event(project_id, "test", first, body_of(first).decode())
    # When the second (older in truth) arrives with the same timestamp
    processor.process_event(project_id, "test", second, body_of(second).decode())
    # Then Stripe's current object is applied, not the payload
    assert stripe.calls == 1
    assert item(keys.subscription(project_id, "test", "sub_1"))["status"] == "past_due"


def test_a_one_time_checkout_records_a_payment_that_async_events_settle(project_id):
    session = checkout_session("cs_2", "cus_2", mode="payment", user_id="user-2", project_id=project_id,
                               created=T0, payment_intent="pi_9", amount=4900, payment_status="unpaid")
    deliver(project_id, [event("checkout.session.completed", session, created=T0)])
    assert item(keys.payment(project_id, "test", "pi_9"))["status"] == "pending"
    deliver(project_id, [event("checkout.session.async_payment_succeeded", {**session, "payment_status": "paid"},
                               created=T0 + 5)])
    payment = item(keys.payment(project_id, "test", "pi_9"))
    assert (payment["status"], payment["user_id"], payment.get("subscription_id")) == ("succeeded", "user-2", None)
    assert counters(project_id) == {"payments": 1, "payments#succeeded": 1, "amount#succeeded#usd": 4900,
                                  "gross#usd": 4900}


def test_a_failed_async_payment_is_recorded_failed(project_id):
    session = checkout_session("cs_3", "cus_3", mode="payment", user_id="user-3", project_id=project_id,
                               created=T0, payment_intent="pi_8", amount=1000, payment_status="unpaid")
    deliver(project_id, [event("checkout.session.async_payment_failed", session, created=T0 + 5)])
    assert item(keys.payment(project_id, "test", "pi_8"))["status"] == "failed"


def test_a_full_refund_marks_the_payment_refunded(project_id):
    events = lifecycle(project_id)
    full = event("charge.refunded", charge("ch_1", "cus_1", "pi_1", created=T0 + 1, amount=1900, refunded=1900),
                 created=T0 + 9)
    deliver(project_id, [events[2], events[7], full])
    payment = item(keys.payment(project_id, "test", "pi_1"))
    assert (payment["status"], payment["refunded_amount_cents"]) == ("refunded", 1900)


def test_a_subscription_without_metadata_is_linked_through_the_customer_mapping(project_id):
    # Given a customer mapped by an earlier checkout, and a subscription made in the dashboard (no metadata)
    checkout = lifecycle(project_id)[0]
    dashboard = subscription("sub_2", "cus_1", "active", created=T0, user_id=None, project_id=project_id,
                             period_start=T0, period_end=T0 + 100)
    deliver(project_id, [checkout, event("customer.subscription.created", dashboard, created=T0 + 10)])
    assert item(keys.subscription(project_id, "test", "sub_2"))["user_id"] == "user-1"


def test_recorded_only_events_change_no_state(project_id):
    events = [event("customer.subscription.trial_will_end", {"id": "sub_1", "object": "subscription",
                                                             "customer": "cus_1"}, created=T0),
              event("invoice.payment_action_required", {"id": "in_5", "object": "invoice", "customer": "cus_1"},
                    created=T0)]
    assert deliver(project_id, events) == {"batchItemFailures": []}
    assert [item(keys.event_record(project_id, "test", e["id"]))["status"] for e in events] == ["processed"] * 2
    assert item(keys.subscription(project_id, "test", "sub_1")) is None and counters(project_id) == {}


def test_a_poison_event_fails_alone_and_the_rest_of_its_batch_is_processed(project_id):
    # Given a batch whose middle event cannot be processed (an invoice with an amount and no payment intent, for a
    # project without Stripe credentials, so the intent cannot be fetched)
    events = lifecycle(project_id)
    poison = event("invoice.paid", invoice("in_7", "cus_1", "sub_1", None, created=T0, amount=1900, paid=True,
                                           user_id="user-1", project_id=project_id), created=T0 + 1)
    batch = sqs_batch(project_id, [events[1], poison, events[3]])
    # When the batch is processed
    result = lambda_host.invoke("event_processor", batch)
    # Then only the poison message is reported failed (SQS redelivers it, then the DLQ takes it after 5 receives)
    assert result == {"batchItemFailures": [{"itemIdentifier": batch["Records"][1]["messageId"]}]}
    assert item(keys.subscription(project_id, "test", "sub_1"))["status"] == "active"
    record = item(keys.event_record(project_id, "test", poison["id"]))
    assert (record["status"], record["error"]) == ("failed", "Stripe not configured")
    assert item(keys.event_marker(project_id, "test", poison["id"])) is None


def test_an_event_stored_by_reference_is_read_from_the_table(project_id):
    evt = lifecycle(project_id)[1]
    default_table().put({**keys.event_record(project_id, "test", evt["id"]), "body": body_of(evt).decode()})
    body = json.dumps({**message(project_id, evt), "body": None, "stored": True})
    batch = sqs_batch(project_id, [evt])
    batch["Records"][0]["body"] = body
    assert lambda_host.invoke("event_processor", batch) == {"batchItemFailures": []}
    assert item(keys.subscription(project_id, "test", "sub_1"))["status"] == "incomplete"


_REFERENCE: dict[str, Any] = {}


@settings(max_examples=30, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_order_with_duplicates_ends_like_in_order_delivery(service_env, data):
    # Given the in-order outcome of a lifecycle (computed once for every example)
    if not _REFERENCE:
        reference_project = str(uuid.uuid4())
        events_in_order = lifecycle(reference_project)
        deliver(reference_project, events_in_order)
        _REFERENCE.update(project=reference_project, events=events_in_order, state=stored_state(reference_project))
    reference, in_order, expected = _REFERENCE["project"], _REFERENCE["events"], _REFERENCE["state"]
    # And the same lifecycle (same event ids) shuffled, with some events delivered again
    project = str(uuid.uuid4())
    events = [json.loads(json.dumps(e).replace(reference, project)) for e in in_order]
    order = data.draw(st.permutations(range(len(events))))
    duplicates = data.draw(st.lists(st.tuples(st.integers(0, len(events) - 1), st.integers(0, len(events))),
                                    max_size=5))
    sequence = [events[i] for i in order]
    for index, position in duplicates:
        sequence.insert(position, events[index])
    split = data.draw(st.integers(1, len(sequence)))
    # When they are delivered in that order, in two batches
    for part in (sequence[:split], sequence[split:]):
        if part:  # SQS never invokes with an empty batch
            deliver(project, part)
    # Then the records and counters are those of in-order delivery
    text = json.dumps(stored_state(project))
    for kind, stripe_id in (("sub", "sub_1"), ("pay", "pi_1"), ("pay", "pi_2")):  # ids derived from the project's
        text = text.replace(record_id(kind, project, "test", stripe_id), record_id(kind, reference, "test", stripe_id))
    assert json.loads(text.replace(project, reference)) == expected


def dynamodb_calls_per_event(project_id: str, events: list[dict]) -> list[list[str]]:
    """The DynamoDB operations the processor's client makes for each event, delivered one batch each."""
    from paykit import aws

    calls: list[str] = []
    hooks = aws.client("dynamodb").meta.events
    hooks.register("before-call.dynamodb", lambda model, **_: calls.append(model.name), unique_id="count-calls")
    try:
        per_event = []
        for evt in events:
            calls.clear()
            assert deliver(project_id, [evt]) == {"batchItemFailures": []}
            per_event.append(list(calls))
        return per_event
    finally:
        hooks.unregister("before-call.dynamodb", unique_id="count-calls")


def test_each_event_costs_one_batch_read_and_one_transaction(project_id):
    # Given a lifecycle, a subscription made in the dashboard (linked only through the customer mapping) and a
    # refund that names no user, each also delivered a second time
    dashboard = subscription("sub_2", "cus_1", "active", created=T0, user_id=None, project_id=project_id,
                             period_start=T0, period_end=T0 + 100)
    events = lifecycle(project_id) + [event("customer.subscription.created", dashboard, created=T0 + 10)]
    # When each is delivered on its own, twice
    per_event = dynamodb_calls_per_event(project_id, events + events)
    # Then every first delivery read its records in one call and wrote in one transaction; only the dashboard
    # subscription's first delivery, whose user is known after the first read (the customer mapping), reads that
    # user's entitlements item in a second call (issue 14); a duplicate stops at that one read (its dedup marker)
    one_read = [["BatchGetItem", "TransactWriteItems"]]
    assert per_event == one_read * (len(events) - 1) + [["BatchGetItem", "GetItem", "TransactWriteItems"]] + (
        [["BatchGetItem"]] * len(events))
    # And the effects are those the reads were needed for: the dashboard subscription found its user
    assert item(keys.subscription(project_id, "test", "sub_2"))["user_id"] == "user-1"
    assert counters(project_id)["subscriptions"] == 2


class TwoIntentsStripe(StripeStandIn):
    """Stands in for Stripe's API: an invoice whose first payment intent failed and a second one paid."""

    def __init__(self, payments: list[dict]) -> None:
        super().__init__({})
        self.payments = payments

    def invoice_payments(self, project_id: str, mode: str, invoice_id: str) -> list[dict]:
        return self.payments


@pytest.mark.parametrize("payload_names_them", [True, False], ids=["in the payload", "read from Stripe"])
def test_a_failure_read_after_a_second_intent_paid_is_the_first_intents(project_id, payload_names_them):
    # Given an invoice whose first intent failed and whose second paid, both named by the invoice's payments
    both = [{"id": "inpay_1", "object": "invoice_payment", "is_default": False, "status": "canceled",
             "payment": {"type": "payment_intent", "payment_intent": "pi_first"}},
            {"id": "inpay_2", "object": "invoice_payment", "is_default": True, "status": "paid",
             "payment": {"type": "payment_intent", "payment_intent": "pi_second"}}]
    paid = invoice("in_two", "cus_two", "sub_two", "pi_second", created=T0, amount=1900, paid=True, user_id="user-2",
                   project_id=project_id)
    failed = invoice("in_two", "cus_two", "sub_two", "pi_first", created=T0, amount=1900, paid=False,
                     user_id="user-2", project_id=project_id)
    for obj in (paid, failed):
        obj["payments"] = {"object": "list", "data": both, "has_more": False} if payload_names_them else None
    processor = EventProcessor(default_table(), TwoIntentsStripe(both))
    # When the success is applied, then the failure (read after both intents exist)
    for kind, obj, at in (("invoice.paid", paid, T0 + 60), ("invoice.payment_failed", failed, T0 + 30)):
        evt = event(kind, obj, created=at)
        assert processor.process_event(project_id, "test", evt, body_of(evt).decode()) == "processed"
    # Then the failure is the first intent's, and the second intent's payment stays a success
    assert item(keys.payment(project_id, "test", "pi_first"))["status"] == "failed"
    assert item(keys.payment(project_id, "test", "pi_second"))["status"] == "succeeded"
    assert (counters(project_id)["payments#failed"], counters(project_id)["payments#succeeded"]) == (1, 1)
