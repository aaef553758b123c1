"""Parked events are never left to the developer's memory (decision 24): a re-enabling PUT whose queueing fails (or
runs out of time) still saves the configuration, and the hourly reconcile pass queues what is left. Receiver, SQS
FIFO and the work queue (moto, behind the fault proxy), the configuration routes, the worker, the Stripe emulator."""
from __future__ import annotations

import os

from local import lambda_host
from local.queue_poller import QueuePoller
from paykit.services import work
from paykit.store import keys
from paykit.store.table import default_table
from tests.faults.test_aws_faults import ATTEMPTS
from tests.integration.test_event_dlq import empty
from tests.integration.test_parked_events import BASE, cancellation_while_deactivated, record, shop  # noqa: F401
from tests.integration.test_scheduled_work import received_works, work_poller


def test_parked_events_a_failed_re_enable_could_not_queue_are_queued_by_the_hourly_pass(client, dev_token, shop,
                                                                                       moto_aws, faults):
    sqs, queue = moto_aws.client("sqs"), os.environ["QUEUE_URL"]
    poller = QueuePoller(sqs, queue, wait_seconds=0, visibility_timeout=0)
    config = f"{BASE}/projects/{shop.project_id}/config"
    # Given a subscriber, a deactivated configuration and a cancellation acknowledged meanwhile, so parked
    sub_id, _deleted = cancellation_while_deactivated(client, dev_token, shop, poller)
    assert record(shop, sub_id)["status"] == "active"
    # When the developer re-enables it while SQS refuses every attempt of the re-enable's send
    refused = faults.inject("sqs", "SendMessage", ATTEMPTS, status=500, code="InternalError")
    reply = client.put(config, token=dev_token, json_body={})
    # Then the configuration is saved and active all the same, and the event is still parked, flagged for later
    assert reply.status == 200 and reply.json()["is_active"] is True, reply.text
    assert refused.hits == ATTEMPTS and poller.drain() == 0
    assert default_table().get(keys.project(shop.project_id), consistent=True).get("parked_events")
    # When the hourly reconcile pass runs (nobody PUTs again) and its worker takes this project's drain
    empty(sqs, os.environ["WORK_QUEUE_URL"])
    assert lambda_host.invoke("reconciler", {"source": "aws.scheduler"})["completed"]
    drains = [w for w, _ in received_works(sqs) if w.kind == work.DRAIN]
    assert [w.project_id for w in drains] == [shop.project_id]
    work.default_queue().send(drains)
    work_poller(sqs).drain()
    # Then the cancellation is queued again and applied, once, and nothing is left parked or flagged
    assert poller.drain() == 1
    assert record(shop, sub_id)["status"] == "canceled"
    assert default_table().query_page("pk = :pk", {":pk": keys.parked_events(shop.project_id)},
                                      consistent=True)[0] == []
    assert "parked_events" not in default_table().get(keys.project(shop.project_id), consistent=True)


def test_a_re_enable_out_of_time_leaves_the_rest_flagged_for_the_worker(client, dev_token, shop, moto_aws,
                                                                        monkeypatch):
    from paykit.services import config

    sqs, queue = moto_aws.client("sqs"), os.environ["QUEUE_URL"]
    poller = QueuePoller(sqs, queue, wait_seconds=0, visibility_timeout=0)
    # Given a cancellation parked while the configuration was deactivated
    sub_id, _deleted = cancellation_while_deactivated(client, dev_token, shop, poller)
    # When the re-enabling PUT has no time left for its drain (a project that parked more than it can send)
    monkeypatch.setattr(config, "INLINE_DRAIN_SECONDS", 0.0)
    assert client.put(f"{BASE}/projects/{shop.project_id}/config", token=dev_token, json_body={}).status == 200
    # Then nothing was sent, and the project stays flagged
    assert poller.drain() == 0
    assert default_table().get(keys.project(shop.project_id), consistent=True).get("parked_events")
    # When the worker runs the hourly pass's drain of it
    assert config.drain_parked(default_table(), shop.project_id) == 1
    # Then the cancellation is applied and the flag is gone
    assert poller.drain() == 1 and record(shop, sub_id)["status"] == "canceled"
    assert "parked_events" not in default_table().get(keys.project(shop.project_id), consistent=True)


def test_a_drain_that_dies_between_its_send_and_its_delete_applies_the_event_once(client, dev_token, shop, moto_aws,
                                                                                  faults):
    from paykit.services import config

    sqs, queue = moto_aws.client("sqs"), os.environ["QUEUE_URL"]
    poller = QueuePoller(sqs, queue, wait_seconds=0, visibility_timeout=0)
    # Given a cancellation parked while the configuration was deactivated
    sub_id, deleted = cancellation_while_deactivated(client, dev_token, shop, poller)
    # When the re-enable sends it, and then every attempt to delete its parking fails (as a function that died there)
    lost = faults.inject("dynamodb", "DeleteItem", ATTEMPTS, status=500, code="InternalServerError")
    assert client.put(f"{BASE}/projects/{shop.project_id}/config", token=dev_token, json_body={}).status == 200
    assert lost.hits == ATTEMPTS
    # Then the event is still parked and flagged, though it was sent
    assert default_table().query_page("pk = :pk", {":pk": keys.parked_events(shop.project_id)},
                                      consistent=True)[0]
    # When the hourly pass's drain sends it again, and the queue is drained
    assert config.drain_parked(default_table(), shop.project_id) == 1
    # (the second send carries the same parking's dedup id: the FIFO queue drops it within 5 minutes, and a later
    # one is the processor's duplicate)
    assert poller.drain() == 1
    # Then the cancellation took effect once
    assert record(shop, sub_id)["status"] == "canceled"
    log = client.get(f"{BASE}/projects/{shop.project_id}/events", token=dev_token).json()["events"]
    assert [e["status"] for e in log if e["id"] == deleted["id"]] == ["processed"]
    assert "parked_events" not in default_table().get(keys.project(shop.project_id), consistent=True)
