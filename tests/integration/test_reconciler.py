"""The reconciler handler against the Stripe emulator and moto: undelivered events are queued and applied once."""
from __future__ import annotations

import pytest
import stripe

from local import lambda_host
from local.queue_poller import QueuePoller
from paykit.processor import record_id
from paykit.services.reconciler import active_projects
from paykit.store import keys
from paykit.store.table import default_table
from tests.integration.test_event_dlq import queues  # noqa: F401 - fixture
from tests.integration.test_event_processor import counters, item
from tests.integration.test_scheduled_work import drain_work


@pytest.fixture()
def unreachable_endpoint(emulator, stripe_account) -> dict:
    """A webhook endpoint nobody listens on: every delivery fails, so Stripe reports the events undelivered."""
    sdk = stripe.StripeClient(stripe_account["test_secret_key"], base_addresses={"api": emulator.url})
    return sdk.v1.webhook_endpoints.create({"url": "http://127.0.0.1:9/nowhere", "enabled_events": ["*"]})


def test_undelivered_events_are_queued_and_applied_once(client, dev_token, project, emulator, stripe_account,
                                                       unreachable_endpoint, queues):  # noqa: F811
    sqs, queue, _ = queues
    pid = project["id"]
    # Given an active project whose Stripe account could not deliver a subscription's events
    assert client.put(f"/api/v1/payments/stripe/projects/{pid}/config", token=dev_token, json_body={
        "test_secret_key": stripe_account["test_secret_key"],
        "test_webhook_secret": unreachable_endpoint.secret}).status == 200
    sdk = stripe.StripeClient(stripe_account["test_secret_key"], base_addresses={"api": emulator.url})
    price = sdk.v1.prices.create({"unit_amount": 1900, "currency": "usd", "recurring": {"interval": "month"},
                                  "product_data": {"name": "Pro"}})
    customer = sdk.v1.customers.create({"payment_method": "pm_card_visa",
                                        "invoice_settings": {"default_payment_method": "pm_card_visa"}})
    sub = sdk.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id}],
                                       "metadata": {"user_id": "user-r", "project_id": pid}})
    assert emulator.wait_for_deliveries(timeout=20)
    undelivered = sdk.v1.events.list({"delivery_success": False, "limit": 100}).data
    assert undelivered and pid in {p["id"] for p in active_projects(default_table())}
    # When the scheduled reconciler runs, the worker takes its scopes (issue 15) and the queue is processed, then
    # it all runs again
    first = lambda_host.invoke("reconciler", {"source": "aws.scheduler"})
    drain_work(sqs)
    queued = int(sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"])
    poller = QueuePoller(sqs, queue, wait_seconds=0, visibility_timeout=0)
    poller.drain()
    after_first = counters(pid)
    lambda_host.invoke("reconciler", {"source": "aws.scheduler"})
    drain_work(sqs)
    poller.drain()
    # Then every undelivered event was queued, the subscription and its payment are stored, and the second run
    # changed nothing
    assert first["completed"] and queued >= len(undelivered)
    record = item(keys.subscription(pid, "test", sub.id))
    assert (record["status"], record["user_id"], record["id"]) == ("active", "user-r",
                                                                   record_id("sub", pid, "test", sub.id))
    assert after_first["subscriptions#active"] == 1 and after_first["payments#succeeded"] == 1
    assert counters(pid) == after_first
    statuses = {item(keys.event_record(pid, "test", e.id))["status"] for e in undelivered}
    assert statuses <= {"processed", "ignored"}


def test_a_deactivated_config_leaves_the_active_index(client, dev_token, project):
    pid = project["id"]
    assert client.put(f"/api/v1/payments/stripe/projects/{pid}/config", token=dev_token,
                      json_body={"test_secret_key": "sk_test_" + "r" * 24}).status == 200
    assert pid in {p["id"] for p in active_projects(default_table())}
    assert client.delete(f"/api/v1/payments/stripe/projects/{pid}/config", token=dev_token).status == 204
    assert pid not in {p["id"] for p in active_projects(default_table())}
    # And a config without a secret key is not listed either
    assert client.put(f"/api/v1/payments/stripe/projects/{pid}/config", token=dev_token,
                      json_body={"test_secret_key": None}).status == 200
    assert pid not in {p["id"] for p in active_projects(default_table())}
