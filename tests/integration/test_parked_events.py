"""Events acknowledged while a configuration is deactivated (E7, inside the receiver's cache window) are parked and
applied once it is re-enabled (decision 24): Stripe saw a 200 and never retries them. Receiver, SQS FIFO (moto),
poller and processor, the configuration routes, the Stripe emulator."""
from __future__ import annotations

import os
import time

import pytest

from local.queue_poller import QueuePoller
from local.stripe_events import body_of, event, signature_header, subscription
from paykit.processor import EventProcessor
from paykit.processor.stripe_reader import GatewayReader
from paykit.store import keys
from paykit.store.table import Table, default_table
from tests.integration.test_checkout import Shop, make_shop, subscribe
from tests.integration.test_event_dlq import empty

BASE = "/api/v1/payments/stripe"
WHSEC = "whsec_" + "P" * 32


@pytest.fixture()
def shop(client, dev_token, emulator, moto_aws) -> Shop:
    shop = make_shop(client, dev_token, emulator, test_webhook_secret=WHSEC)
    empty(moto_aws.client("sqs"), os.environ["QUEUE_URL"])
    return shop


def deliver_new_events(client, shop: Shop, seen: set[str]) -> list[dict]:
    """The account's events not delivered yet, oldest first, signed and posted to the project's webhook URL."""
    fresh = [e for e in reversed(shop.stripe("GET", "/v1/events", limit=100)["data"]) if e["id"] not in seen]
    for evt in fresh:
        body = body_of(evt)
        reply = client.post(f"{BASE}/webhooks/{shop.project_id}/test", raw_body=body,
                            headers={"stripe-signature": signature_header(body, WHSEC)})
        assert reply.status == 200, reply.text
        seen.add(evt["id"])
    return fresh


def record(shop: Shop, sub_id: str) -> dict:
    return default_table().get(keys.subscription(shop.project_id, "test", sub_id), consistent=True)


def cancellation_while_deactivated(client, dev_token, shop: Shop, poller: QueuePoller) -> tuple[str, dict]:
    """A subscriber whose events reached PayKit through the receiver (which then holds the project as active); the
    developer deactivates the configuration (E7), the subscription is canceled in Stripe meanwhile, and the receiver
    still acknowledges the cancellation (its cache window) to the processor. (subscription id, the event)"""
    seen: set[str] = set()
    sub_id = subscribe(client, shop, shop.token())["subscription"]["subscription_id"]
    deliver_new_events(client, shop, seen)
    poller.drain()
    assert record(shop, sub_id)["status"] == "active"
    assert client.delete(f"{BASE}/projects/{shop.project_id}/config", token=dev_token).status == 204
    shop.stripe("DELETE", f"/v1/subscriptions/{sub_id}")
    (deleted,) = [e for e in deliver_new_events(client, shop, seen) if e["type"] == "customer.subscription.deleted"]
    poller.drain()
    return sub_id, deleted


def test_a_cancellation_acknowledged_while_deactivated_is_applied_once_the_config_is_re_enabled(
        client, dev_token, shop, moto_aws):
    sqs, queue = moto_aws.client("sqs"), os.environ["QUEUE_URL"]
    poller = QueuePoller(sqs, queue, wait_seconds=0, visibility_timeout=0)
    config = f"{BASE}/projects/{shop.project_id}/config"
    # Given a cancellation acknowledged while the configuration is deactivated
    sub_id, deleted = cancellation_while_deactivated(client, dev_token, shop, poller)
    # Then nothing is applied yet, and the event log says why
    assert record(shop, sub_id)["status"] == "active"
    log = client.get(f"{BASE}/projects/{shop.project_id}/events", token=dev_token).json()["events"]
    (entry,) = [e for e in log if e["id"] == deleted["id"]]
    assert entry["status"] == "ignored" and "deactivated" in entry["reason"]
    # When the developer re-enables the configuration and the queue is drained
    assert client.put(config, token=dev_token, json_body={}).status == 200
    # (queued under a dedup id of its own: SQS drops a second send of the event's id for 5 minutes, even once the
    # first was deleted, which moto does not emulate)
    queued = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, AttributeNames=["All"],
                                 VisibilityTimeout=0)["Messages"]
    assert [m["Attributes"]["MessageDeduplicationId"] != deleted["id"] for m in queued] == [True]
    assert poller.drain() == 1
    # Then the cancellation took effect, once, and nothing is left parked
    assert record(shop, sub_id)["status"] == "canceled"
    log = client.get(f"{BASE}/projects/{shop.project_id}/events", token=dev_token).json()["events"]
    assert [e["status"] for e in log if e["id"] == deleted["id"]] == ["processed"]
    stats = client.get("/api/v1/payments/stats", token=dev_token).json()
    assert (stats["total_subscriptions"], stats["active_subscriptions"]) == (1, 0)
    assert default_table().query_page("pk = :pk", {":pk": keys.parked_events(shop.project_id)},
                                      consistent=True)[0] == []
    assert "parked_events" not in default_table().get(keys.project(shop.project_id), consistent=True)
    # And a second re-enable queues nothing again
    assert client.put(config, token=dev_token, json_body={}).status == 200
    assert poller.drain() == 0


class ReEnabledMidway(Table):
    """The store, where the developer's re-enabling PUT lands between the processor's read and its write."""

    def __init__(self, base: Table, re_enable) -> None:
        super().__init__(base.client, base.name)
        self.re_enable = re_enable

    def transact(self, actions: list[dict]) -> None:
        if self.re_enable is not None:
            re_enable, self.re_enable = self.re_enable, None
            re_enable()
        super().transact(actions)


def test_an_event_read_as_deactivated_while_the_config_is_re_enabled_is_applied_not_parked(client, dev_token, shop):
    # Given a deactivated configuration, and a subscription event the processor reads while it is deactivated
    config = f"{BASE}/projects/{shop.project_id}/config"
    assert client.delete(config, token=dev_token).status == 204
    now = int(time.time())
    evt = event("customer.subscription.created", subscription(
        "sub_midway", "cus_midway", "active", created=now, user_id="u-midway", project_id=shop.project_id,
        period_start=now, period_end=now + 30 * 86400), created=now)

    def re_enable() -> None:
        assert client.put(config, token=dev_token, json_body={}).status == 200

    # When the developer re-enables it before the processor writes its outcome
    processor = EventProcessor(ReEnabledMidway(default_table(), re_enable), GatewayReader())
    outcome = processor.process_event(shop.project_id, "test", evt, body_of(evt).decode())
    # Then the processor's parking is refused (the project changed since its read), and it applies the event instead
    assert outcome == "processed"
    assert record(shop, "sub_midway")["status"] == "active"
    assert default_table().query_page("pk = :pk", {":pk": keys.parked_events(shop.project_id)},
                                      consistent=True)[0] == []
    assert "parked_events" not in default_table().get(keys.project(shop.project_id), consistent=True)
