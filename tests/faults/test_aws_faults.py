"""DynamoDB, Secrets Manager and SQS failing behind the fault proxy: 503s to callers, 5xx to Stripe, records retried."""
from __future__ import annotations

import os

import pytest
import requests

from local.gateway import Gateway
from paykit.aws import _CONFIG as aws_config
from local.queue_poller import QueuePoller
from paykit.store import keys
from paykit.store.table import default_table
from tests.faults.conftest import failed_records
from tests.integration.test_checkout import CHECKOUT, OK_URLS, make_shop
from tests.integration.test_event_processor import counters, sqs_batch
from tests.integration.test_webhook_receiver import WHSEC, a_event, configured, drain, post  # noqa: F401
from local.stripe_events import body_of, event, invoice, signature_header
from tests.support import reset_service_caches

BASE = "/api/v1/payments/stripe"
T0 = 1_780_000_000
# PayKit's botocore config (paykit/aws.py): `max_attempts` in a retries dict counts retries after the first call,
# so a fault lasting this many calls outlives them.
ATTEMPTS = 1 + aws_config.retries["max_attempts"]
ONE_PAYMENT = {"payments": 1, "payments#succeeded": 1, "amount#succeeded#usd": 1900, "gross#usd": 1900}


def assert_retry_later(reply) -> None:
    assert reply.status == 503, reply.text
    assert reply.json() == {"detail": "Service temporarily unavailable; retry later"}
    assert int(reply.headers["retry-after"]) > 0


def paid_invoice(project_id: str, n: int = 1) -> dict:
    return event("invoice.paid", invoice(f"in_f{n}", f"cus_f{n}", None, f"pi_f{n}", created=T0, amount=1900, paid=True,
                                         user_id=f"user-{n}", project_id=project_id), created=T0)


# ---------------------------------------------------------------------- DynamoDB on an API read


def test_a_throttled_read_outlasting_botocores_retries_is_503_with_retry_after(client, dev_token, project, faults):
    # Given DynamoDB throttling every attempt botocore makes to read an item
    fault = faults.inject("dynamodb", "GetItem", ATTEMPTS, code="ProvisionedThroughputExceededException")
    # When the developer reads the project's config (E5)
    reply = client.get(f"{BASE}/projects/{project['id']}/config", token=dev_token)
    # Then botocore tried 4 times and the caller gets a 503 with Retry-After, not a 500
    assert fault.hits == ATTEMPTS
    assert_retry_later(reply)
    # And once DynamoDB recovers the same read succeeds
    assert client.get(f"{BASE}/projects/{project['id']}/config", token=dev_token).status == 200


# ---------------------------------------------------------------------- Secrets Manager


@pytest.mark.parametrize("failure", [
    {"action": "error", "status": 400, "code": "ThrottlingException"},
    {"action": "drop"},
], ids=["throttled", "connection-dropped"])
def test_checkout_without_secrets_manager_is_503_and_reaches_no_stripe(client, dev_token, emulator, faults, failure):
    # Given a configured project, and Secrets Manager failing every attempt to read its key
    shop = make_shop(client, dev_token, emulator)
    reset_service_caches()  # a fresh container: the key is not cached from writing the config
    faults.inject("secretsmanager", "GetSecretValue", 10, **failure)
    # When an end user starts a checkout (E12 needs the project's secret key)
    reply = client.post(CHECKOUT, token=shop.token(), json_body={"price_id": shop.prices["monthly"], **OK_URLS})
    # Then the caller gets a 503 with Retry-After, and nothing was created in Stripe
    assert_retry_later(reply)
    assert shop.stripe("GET", "/v1/customers")["data"] == []
    assert shop.stripe("GET", "/v1/checkout/sessions")["data"] == []


def test_the_receiver_without_secrets_manager_is_5xx_queues_nothing_and_the_retry_queues_once(
        client, configured, moto_aws, faults):
    # Given Secrets Manager failing every attempt to read the webhook secret
    fault = faults.inject("secretsmanager", "GetSecretValue", 10, status=500, code="InternalServiceError")
    evt = a_event()
    body = body_of(evt)
    # When Stripe delivers an event
    reply = post(client, configured["id"], body, signature_header(body, WHSEC))
    # Then it gets a 5xx (so it delivers again later) and nothing is queued
    assert reply.status == 503 and reply.json()["detail"], reply.text
    assert drain(moto_aws) == []
    # When Secrets Manager is back and Stripe retries the same delivery
    fault.count = 0
    retry = post(client, configured["id"], body, signature_header(body, WHSEC))
    # Then it is acknowledged and queued once
    assert retry.status == 200, retry.text
    assert [m["body"]["event_id"] for m in drain(moto_aws)] == [evt["id"]]


# ---------------------------------------------------------------------- SQS in the receiver, with Stripe retrying


@pytest.fixture()
def gateway(service_env):
    """The local API gateway on a free loopback port: the emulator delivers webhooks to it over HTTP."""
    server = Gateway(port=0).start()
    yield server
    server.stop()


def test_a_failed_queue_send_is_5xx_and_stripes_retry_is_processed_once(client, dev_token, emulator, moto_aws,
                                                                        faults, gateway):
    # Given a project whose webhook endpoint in Stripe points at the gateway, and an empty queue
    shop = make_shop(client, dev_token, emulator)
    urls = client.get(f"{BASE}/projects/{shop.project_id}/webhook-urls", token=dev_token).json()
    endpoint = shop.stripe("POST", "/v1/webhook_endpoints", url=urls["test_webhook_url"].replace(
        "https://api.example.test", gateway.url), **{"enabled_events[]": "customer.created"})
    assert client.put(f"{BASE}/projects/{shop.project_id}/config", token=dev_token,
                      json_body={"test_webhook_secret": endpoint["secret"]}).status == 200
    sqs, queue_url = moto_aws.client("sqs"), os.environ["QUEUE_URL"]
    drain(moto_aws)
    # And SQS failing every attempt of the first delivery's send
    fault = faults.inject("sqs", "SendMessage", ATTEMPTS, status=500, code="InternalError")
    # When something happens in Stripe (a customer is created) and the emulator delivers its event
    shop.stripe("POST", "/v1/customers", email="fault@example.com")
    assert emulator.wait_for_deliveries(timeout=20)
    # Then the first attempt got a 5xx and Stripe's retry was acknowledged
    deliveries = requests.get(f"{emulator.url}/_emulator/deliveries", params={"endpoint": endpoint["id"]},
                              timeout=10).json()["data"]
    assert len(deliveries) == 1 and fault.hits == ATTEMPTS
    assert [a["status_code"] for a in deliveries[0]["attempts"]] == [503, 200]
    event_id = deliveries[0]["event"]
    # When the processor drains the queue
    poller = QueuePoller(sqs, queue_url, wait_seconds=0)
    assert poller.drain(max_polls=5) == 1
    # Then the event was queued once and processed once
    assert default_table().get(keys.event_marker(shop.project_id, "test", event_id), consistent=True)
    record = default_table().get(keys.event_record(shop.project_id, "test", event_id), consistent=True)
    assert record["status"] == "ignored"  # recorded in the event log; PayKit keeps no state for customer.created
    # And a resend by Stripe is acknowledged and changes nothing
    requests.post(f"{emulator.url}/_emulator/deliveries/{deliveries[0]['id']}/resend", timeout=10)
    assert emulator.wait_for_deliveries(timeout=20)
    poller.drain(max_polls=5)
    assert default_table().get(keys.event_record(shop.project_id, "test", event_id), consistent=True) == record


# ---------------------------------------------------------------------- DynamoDB in the processor


def test_a_throttled_commit_fails_the_record_and_its_redelivery_applies_once(project, faults):
    # Given DynamoDB throttling every attempt of the event's transaction
    fault = faults.inject("dynamodb", "TransactWriteItems", ATTEMPTS, code="ProvisionedThroughputExceededException")
    evt = paid_invoice(project["id"])
    batch = sqs_batch(project["id"], [evt])
    # When the processor gets the event
    failed = failed_records(batch)
    # Then the record goes back to SQS, the event log shows the failure, nothing is counted
    assert fault.hits == ATTEMPTS and failed == {batch["Records"][0]["messageId"]}
    table = default_table()
    assert table.get(keys.event_record(project["id"], "test", evt["id"]), consistent=True)["status"] == "failed"
    assert counters(project["id"]) == {}
    # When SQS redelivers it twice (the second one a duplicate)
    assert failed_records(batch) == set()
    assert failed_records(batch) == set()
    # Then it is applied once
    assert counters(project["id"]) == ONE_PAYMENT
    assert table.get(keys.event_record(project["id"], "test", evt["id"]), consistent=True)["status"] == "processed"


@pytest.mark.parametrize("failure", [
    {"code": "TransactionCanceledException",
     "extra": {"CancellationReasons": [{"Code": "TransactionConflict", "Message": "Transaction is ongoing"}]}},
    {"code": "TransactionConflictException"},
], ids=["canceled-by-conflict", "conflict"])
def test_a_transaction_conflict_is_retried_and_applied_once(project, faults, failure):
    # Given DynamoDB refusing the event's transaction twice because of a concurrent transaction
    fault = faults.inject("dynamodb", "TransactWriteItems", 2, **failure)
    evt = paid_invoice(project["id"])
    batch = sqs_batch(project["id"], [evt])
    # When the processor gets the event
    failed = failed_records(batch)
    # Then it is applied within that delivery, once
    assert fault.hits == 2 and failed == set()
    assert counters(project["id"]) == ONE_PAYMENT
    # And a redelivery is a duplicate that changes nothing
    assert failed_records(batch) == set()
    assert counters(project["id"]) == ONE_PAYMENT
