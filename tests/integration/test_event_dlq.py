"""Poison events via receiver, SQS FIFO (moto), poller and processor: the DLQ after 5 receives, then redrive."""
from __future__ import annotations

import os
import time

import pytest

from local.queue_poller import QueuePoller
from paykit.store import keys
from scripts.redrive_dlq import redrive
from tests.integration.test_event_log import paid_invoice  # noqa: F401 - fixture
from tests.integration.test_event_processor import T0, counters, item
from local.stripe_events import body_of, event, invoice, signature_header, subscription

WHSEC = "whsec_" + "D" * 32


def empty(sqs, url: str) -> None:
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages"):
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture()
def queues(service_env, moto_aws):
    sqs = moto_aws.client("sqs")
    queue, dlq = os.environ["QUEUE_URL"], os.environ["DEAD_LETTER_QUEUE_URL"]
    empty(sqs, queue)
    empty(sqs, dlq)
    return sqs, queue, dlq


def signed_delivery(client, project_id: str, evt: dict) -> None:
    body = body_of({**evt, "created": int(time.time())})
    reply = client.post(f"/api/v1/payments/stripe/webhooks/{project_id}/test", raw_body=body,
                        headers={"stripe-signature": signature_header(body, WHSEC)})
    assert reply.status == 200, reply.text


def test_a_poison_event_reaches_the_dlq_after_5_receives_and_redrive_applies_it_once(
        client, dev_token, project, stripe_account, paid_invoice, queues):  # noqa: F811
    sqs, queue, dlq = queues
    pid = project["id"]
    # Given a project with a webhook secret but no Stripe key, so a thin invoice.paid cannot be processed
    assert client.put(f"/api/v1/payments/stripe/projects/{pid}/config", token=dev_token,
                      json_body={"test_webhook_secret": WHSEC}).status == 200
    thin = event("invoice.paid", invoice(paid_invoice["invoice"], paid_invoice["customer"],
                                         paid_invoice["subscription"], None, created=T0, amount=1900, paid=True,
                                         user_id="u1", project_id=pid), created=T0)
    healthy = event("customer.subscription.created", subscription(
        "sub_h", "cus_other", "active", created=T0, user_id="u2", project_id=pid, period_start=T0,
        period_end=T0 + 100), created=T0)
    # When both are delivered, signed, and the poller runs (failures visible again at once)
    signed_delivery(client, pid, thin)
    signed_delivery(client, pid, healthy)
    poller = QueuePoller(sqs, queue, wait_seconds=0, visibility_timeout=0)
    received = poller.drain(max_polls=20)
    # Then the healthy event was processed, and the poison one was received 5 times then moved to the DLQ
    assert item(keys.subscription(pid, "test", "sub_h"))["status"] == "active"
    assert received == 1 + 5
    dead = sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"], VisibilityTimeout=0)["Messages"]
    assert len(dead) == 1 and dead[0]["Attributes"]["MessageDeduplicationId"] == thin["id"]
    assert item(keys.event_record(pid, "test", thin["id"]))["status"] == "failed"
    # When the cause is fixed (the key configured) and the DLQ redriven, twice
    assert client.put(f"/api/v1/payments/stripe/projects/{pid}/config", token=dev_token,
                      json_body={"test_secret_key": stripe_account["test_secret_key"]}).status == 200
    assert redrive(sqs, dlq, queue) == 1
    assert redrive(sqs, dlq, queue) == 0
    assert poller.drain() == 1
    # Then the event is applied once, kept its message group, and both queues are empty
    assert item(keys.event_record(pid, "test", thin["id"]))["status"] == "processed"
    assert counters(pid)["payments#succeeded"] == 1 and counters(pid)["amount#succeeded#usd"] == 1900
    assert not sqs.receive_message(QueueUrl=queue, VisibilityTimeout=0).get("Messages")
    assert not sqs.receive_message(QueueUrl=dlq, VisibilityTimeout=0).get("Messages")
