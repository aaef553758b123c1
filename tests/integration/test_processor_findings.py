"""Issue 18, items 13-14's smaller findings on the way in: Connect events, oversized bodies' expiry, what an unsigned
caller learns, and which payment intent settled an invoice."""
from __future__ import annotations

import os
import time
import uuid

from paykit.processor import default_processor
from paykit.store import keys
from paykit.stripe_objects import payment_intent_of
from tests.integration.test_event_processor import T0, deliver, item, project_id  # noqa: F401
from tests.integration.test_webhook_receiver import WHSEC, a_event, configured, drain, post  # noqa: F401
from local.stripe_events import body_of, event, invoice, signature_header


def test_an_event_of_a_connected_account_changes_nothing_of_the_platforms_project(project_id):
    # Given an event Stripe sends for a connected account (Connect) to an endpoint that listens to them
    evt = event("invoice.paid", invoice("in_acct", "cus_acct", None, "pi_acct", created=T0, amount=1900, paid=True,
                                        user_id="user-acct", project_id=project_id), created=T0)
    evt["account"] = "acct_connected1"
    # When it is processed
    outcome = default_processor().process_event(project_id, "test", evt, body_of(evt).decode())
    # Then it is ignored, with the reason in the event log, and no payment or counter changed
    assert outcome == "ignored"
    assert item(keys.payment(project_id, "test", "pi_acct")) is None
    assert item(keys.counters(project_id, "test")) is None
    logged = item(keys.event_record(project_id, "test", evt["id"]))
    assert logged["status"] == "ignored" and "acct_connected1" in logged["reason"]


def test_an_oversized_body_kept_for_the_processor_expires_even_if_never_processed(client, configured, moto_aws):
    # Given a 300 KB event (kept whole in the event record, queued by reference)
    evt = a_event()
    evt["data"]["object"]["metadata"] = {"blob": "x" * 300_000}
    body = body_of(evt)
    # When it is received (and, say, never processed)
    assert post(client, configured["id"], body, signature_header(body, WHSEC)).status == 200
    drain(moto_aws)
    # Then its record carries an expiry as long as the processor's records (35 days)
    stored = moto_aws.client("dynamodb").get_item(TableName=os.environ["TABLE_NAME"], Key={
        "pk": {"S": f"EVENT#{configured['id']}#test#{evt['id']}"}, "sk": {"S": "EVENT"}})["Item"]
    assert abs(int(stored["expires_at"]["N"]) - (time.time() + 35 * 86400)) < 600


def test_an_unsigned_caller_learns_nothing_of_which_projects_exist(client, configured, moto_aws):
    # Given a configured project and a project id that does not exist
    body = body_of(a_event())
    # When a caller without a signature (or with a malformed one) posts to both
    answers = {(post(client, pid, body, header).status, post(client, pid, body, header).text)
               for pid in (configured["id"], str(uuid.uuid4())) for header in (None,)}
    malformed = {post(client, pid, body, "t=abc").text for pid in (configured["id"], str(uuid.uuid4()))}
    # Then both answers are the same 400, before any lookup
    assert answers == {(400, '{"detail":"Missing Stripe-Signature header"}')}
    assert malformed == {'{"detail":"Invalid signature"}'}
    assert drain(moto_aws) == []


def test_the_payment_intent_that_paid_an_invoice_is_the_one_recorded(project_id):
    # Given an invoice whose first payment intent failed and whose second one paid it
    paid = invoice("in_two", "cus_two", None, "pi_first", created=T0, amount=1900, paid=True, user_id="user-two",
                   project_id=project_id)
    paid["payments"]["data"] = [
        {"id": "inpay_1", "object": "invoice_payment", "is_default": False, "status": "canceled",
         "payment": {"type": "payment_intent", "payment_intent": "pi_first"}},
        {"id": "inpay_2", "object": "invoice_payment", "is_default": True, "status": "paid",
         "payment": {"type": "payment_intent", "payment_intent": "pi_second"}}]
    assert payment_intent_of(list(reversed(paid["payments"]["data"]))) == "pi_second"  # whatever the order
    # When invoice.paid is processed
    deliver(project_id, [event("invoice.paid", paid, created=T0)])
    # Then the payment is recorded on the second payment intent, and nothing on the first
    assert item(keys.payment(project_id, "test", "pi_second"))["status"] == "succeeded"
    assert item(keys.payment(project_id, "test", "pi_first")) is None
