"""Scheduled work through the work queue (issue 15): producers resume from a cursor, each scope is retried or
dead-lettered on its own, one throttled Stripe account never holds up the others, and the refresher's pass
recounts only the scopes events changed."""
from __future__ import annotations

import json
import os
import time
from typing import Any

import pytest
import requests
import stripe

from local import lambda_host
from local.queue_poller import QueuePoller, lambda_records
from paykit.services import work
from paykit.store import keys
from paykit.store.table import default_table
from tests.integration.test_event_dlq import empty
from tests.integration.test_lists import deliver, pay_event

WORKER = "scope_worker"


def work_poller(sqs) -> QueuePoller:
    """Lambda's event source for the work queue: failures come back at once unless the worker hid them."""
    return QueuePoller(sqs, os.environ["WORK_QUEUE_URL"], function=WORKER, wait_seconds=0, visibility_timeout=0)


def drain_work(sqs, max_polls: int = 200) -> int:
    return work_poller(sqs).drain(max_polls=max_polls)


def received_works(sqs) -> list[tuple[work.Work, dict[str, Any]]]:
    """Every message now in the work queue, taken out of it (parsed, with the raw message)."""
    url, out = os.environ["WORK_QUEUE_URL"], []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get(
            "Messages"):
        for message in messages:
            out.append((work.Work.parse(message["Body"]), message))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return out


def queue_depth(sqs, url: str) -> tuple[int, int]:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


@pytest.fixture()
def work_queues(service_env, moto_aws):
    sqs = moto_aws.client("sqs")
    for name in ("WORK_QUEUE_URL", "WORK_DEAD_LETTER_QUEUE_URL", "QUEUE_URL"):
        empty(sqs, os.environ[name])
    yield sqs
    requests.delete(f"{service_env['STRIPE_API_BASE']}/_emulator/faults", timeout=10)


def configured_project(client, dev_token, name: str, secret_key: str) -> str:
    reply = client.post("/api/v1/projects/", token=dev_token, json_body={"name": name})
    assert reply.status == 201, reply.text
    pid = reply.json()["id"]
    assert client.put(f"/api/v1/payments/stripe/projects/{pid}/config", token=dev_token,
                      json_body={"test_secret_key": secret_key}).status == 200
    return pid


def account_with_undelivered_events(emulator) -> dict[str, str]:
    """A Stripe account whose only webhook endpoint nobody listens on: its customer's events stay undelivered."""
    account = requests.post(f"{emulator.url}/_emulator/accounts", json={"name": "scale"}, timeout=10).json()
    sdk = stripe.StripeClient(account["test_secret_key"], base_addresses={"api": emulator.url})
    sdk.v1.webhook_endpoints.create({"url": "http://127.0.0.1:9/nowhere", "enabled_events": ["*"]})
    sdk.v1.customers.create({"email": "someone@example.com"})
    return account


def webhook_messages_of(sqs, project_id: str) -> int:
    """How many Stripe events of the project the webhook queue holds (read, then left to reappear)."""
    url, seen = os.environ["QUEUE_URL"], []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30).get("Messages"):
        seen += messages
    for message in seen:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    return sum(1 for m in seen if json.loads(m["Body"])["project_id"] == project_id)


def fault(emulator, **spec: Any) -> None:
    requests.post(f"{emulator.url}/_emulator/faults", json=spec, timeout=10).raise_for_status()


# ---------------------------------------------------------------------- the producer's cursor


def test_a_pass_near_its_time_limit_hands_its_cursor_on_and_the_worker_resumes_it(client, dev_token, work_queues):
    sqs = work_queues
    # Given five active projects (among whatever other tests left in the index) and a producer reading 2 per page
    mine = {configured_project(client, dev_token, f"P{i}", "sk_test_" + f"{i}" * 24) for i in range(5)}
    producer = work.Producer(default_table(), work.default_queue(), page_size=2)
    budget = iter([60_000, 60_000])

    # When its invocation has time for two pages only
    first = producer.start(work.RECONCILE_PASS, lambda: next(budget, 1_000))
    handed_on = received_works(sqs)

    # Then it enqueued two pages of scopes and one message carrying its cursor
    continues = [(w, m) for w, m in handed_on if w.kind == work.CONTINUE]
    assert (first.pages, first.continued, first.completed) == (2, True, False)
    assert len(continues) == 1 and continues[0][0].cursor["key"] is not None
    # When the worker gets that message (as Lambda's event source hands it over)
    (_, message), = continues
    assert lambda_host.invoke(WORKER, lambda_records([message], "arn:aws:sqs:us-east-1:0:work")) == {
        "batchItemFailures": []}
    resumed = received_works(sqs)

    # Then the rest of the index followed: every active scope enqueued exactly once over both invocations, and
    # the resumed pass completed without handing on again
    scopes = [w.scope for w, _ in handed_on + resumed if w.kind == work.RECONCILE]
    assert len(scopes) == len(set(scopes))
    assert {keys.scope(pid, "test") for pid in mine} <= set(scopes)
    assert not [w for w, _ in resumed if w.kind == work.CONTINUE]
    active = {p["id"] for p in default_table().query_all("gsi2pk = :pk", {":pk": keys.ACTIVE_CONFIGS_GSI},
                                                          index=keys.GSI2)}
    assert {s.split("#")[0] for s in scopes} == active


def test_a_continue_message_delivered_twice_runs_its_segment_once(client, dev_token, work_queues):
    sqs = work_queues
    # Given a pass that handed its cursor on after one page of two
    for i in range(3):
        configured_project(client, dev_token, f"Twice{i}", "sk_test_" + f"{i}" * 24)
    producer = work.Producer(default_table(), work.default_queue(), page_size=2)
    budget = iter([60_000])
    producer.start(work.RECONCILE_PASS, lambda: next(budget, 1_000))
    (continued, message), = [(w, m) for w, m in received_works(sqs) if w.kind == work.CONTINUE]
    # When the work queue delivers its message twice (a standard queue may; a timed-out batch returns whole)
    first = producer.resume(continued, lambda: 60_000)
    second = producer.resume(continued, lambda: 60_000)
    # Then the second copy runs nothing: no page read again, no scope enqueued again, no second chain
    assert first.completed and first.enqueued >= 1
    assert (second.duplicate, second.pages, second.enqueued, second.continued) == (True, 0, 0, False)
    scopes = [w.scope for w, _ in received_works(sqs) if w.kind == work.RECONCILE]
    assert len(scopes) == first.enqueued == len(set(scopes))


def test_a_segment_whose_worker_died_is_run_again_once_its_claim_lapses(client, dev_token, work_queues):
    sqs = work_queues
    # Given a handed-on segment claimed by a worker that died before finishing it (its claim written, no pages)
    configured_project(client, dev_token, "Died", "sk_test_" + "d" * 24)
    now = [time.time()]
    producer = work.Producer(default_table(), work.default_queue(), clock=lambda: now[0], page_size=1)
    budget = iter([60_000])
    producer.start(work.RECONCILE_PASS, lambda: next(budget, 1_000))
    (continued, _), = [(w, m) for w, m in received_works(sqs) if w.kind == work.CONTINUE]
    assert producer._claim(continued) not in (None, False)
    # When its message comes back within the claim: dropped as a copy
    assert producer.resume(continued, lambda: 60_000).duplicate is True
    # When it comes back after the queue's visibility timeout (the claim lapsed): the segment runs, once
    now[0] += work.SEGMENT_LEASE_SECONDS + 1
    again = producer.resume(continued, lambda: 60_000)
    assert not again.duplicate and again.completed and again.enqueued >= 1
    assert producer.resume(continued, lambda: 60_000).duplicate is True  # done: never again


# ---------------------------------------------------------------------- each scope on its own


def test_a_failing_scope_is_retried_without_blocking_the_others(client, dev_token, emulator, work_queues):
    sqs = work_queues
    # Given two projects whose accounts have undelivered events; Stripe fails every call of the first for a while
    failing, healthy = account_with_undelivered_events(emulator), account_with_undelivered_events(emulator)
    assert emulator.wait_for_deliveries(timeout=20)
    pid_failing = configured_project(client, dev_token, "Failing", failing["test_secret_key"])
    pid_healthy = configured_project(client, dev_token, "Healthy", healthy["test_secret_key"])
    fault(emulator, kind="500", account=failing["id"], count=2)  # the SDK's call and its one retry

    # When both scopes are enqueued and the worker drains the queue
    work.default_queue().send([work.Work(work.RECONCILE, project_id=pid_failing, mode="test"),
                               work.Work(work.RECONCILE, project_id=pid_healthy, mode="test")])
    drain_work(sqs)

    # Then the healthy scope is done while the failing one waits hidden in the queue for its retry
    assert webhook_messages_of(sqs, pid_healthy) >= 1
    assert webhook_messages_of(sqs, pid_failing) == 0
    assert queue_depth(sqs, os.environ["WORK_QUEUE_URL"]) == (0, 1)
    # And after its back-off the retry succeeds
    deadline = time.time() + 15
    while time.time() < deadline and webhook_messages_of(sqs, pid_failing) == 0:
        time.sleep(0.5)
        drain_work(sqs)
    assert webhook_messages_of(sqs, pid_failing) >= 1
    assert queue_depth(sqs, os.environ["WORK_QUEUE_URL"]) == (0, 0)


def test_a_429_account_backs_off_alone_and_the_others_finish_at_once(client, dev_token, emulator, work_queues):
    sqs = work_queues
    # Given three accounts with undelivered events, one of which Stripe rate-limits (429) for its next 4 calls
    accounts = [account_with_undelivered_events(emulator) for _ in range(3)]
    assert emulator.wait_for_deliveries(timeout=20)
    pids = [configured_project(client, dev_token, f"A{i}", a["test_secret_key"]) for i, a in enumerate(accounts)]
    fault(emulator, kind="429", account=accounts[0]["id"], count=4)

    # When their scopes are enqueued, the throttled one first, and the worker drains the queue once
    work.default_queue().send([work.Work(work.RECONCILE, project_id=pid, mode="test") for pid in pids])
    drain_work(sqs)

    # Then the two others are done in that drain; the throttled scope is hidden (backing off), not retried at once
    assert all(webhook_messages_of(sqs, pid) >= 1 for pid in pids[1:])
    assert webhook_messages_of(sqs, pids[0]) == 0
    assert queue_depth(sqs, os.environ["WORK_QUEUE_URL"]) == (0, 1)
    # And once Stripe lets it through, later receives finish it; nothing went to the DLQ
    deadline = time.time() + 20
    while time.time() < deadline and webhook_messages_of(sqs, pids[0]) == 0:
        time.sleep(0.5)
        drain_work(sqs)
    assert webhook_messages_of(sqs, pids[0]) >= 1
    assert queue_depth(sqs, os.environ["WORK_DEAD_LETTER_QUEUE_URL"]) == (0, 0)


def test_a_scope_that_keeps_failing_is_dead_lettered_alone(client, dev_token, developer, work_queues):
    sqs = work_queues
    # Given a refresh of a real scope and a message no worker can run (a bug in a producer, say)
    pid = configured_project(client, dev_token, "Fine", "sk_test_" + "f" * 24)
    deliver(pid, "test", [pay_event(pid, "pi_fine", int(time.time()), amount=700)])
    url = os.environ["WORK_QUEUE_URL"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": "refresh"}))
    work.default_queue().send([work.Work(work.REFRESH, project_id=pid, mode="test")])

    # When the worker drains the queue (failures visible again at once)
    drain_work(sqs)

    # Then the broken message reached the work DLQ after the queue's 8 receives, and the scope was refreshed
    dead = sqs.receive_message(QueueUrl=os.environ["WORK_DEAD_LETTER_QUEUE_URL"], MaxNumberOfMessages=10,
                               AttributeNames=["All"]).get("Messages", [])
    assert [json.loads(m["Body"]) for m in dead] == [{"kind": "refresh"}]
    assert int(dead[0]["Attributes"]["ApproximateReceiveCount"]) >= 8
    assert default_table().get(keys.developer_stats(developer))["counters"]["test"]["payments"] == 1


# ---------------------------------------------------------------------- incremental refresh


def test_the_refresher_pass_enqueues_only_the_scopes_events_changed(client, dev_token, work_queues):
    sqs = work_queues
    # Given a pass that just ran, then events for one project of a developer with two
    lambda_host.invoke("stats_refresher", {"source": "aws.scheduler"})
    received_works(sqs)
    changed = configured_project(client, dev_token, "Changed", "sk_test_" + "c" * 24)
    quiet = configured_project(client, dev_token, "Quiet", "sk_test_" + "q" * 24)
    deliver(changed, "live", [pay_event(changed, "pi_c", int(time.time()), amount=1200)])

    # When the hourly pass runs
    report = lambda_host.invoke("stats_refresher", {"source": "aws.scheduler"})
    enqueued = {w.scope for w, _ in received_works(sqs)}

    # Then it enqueued the changed scope and neither the other mode nor the quiet project
    assert report["completed"]
    assert keys.scope(changed, "live") in enqueued
    assert not {keys.scope(changed, "test"), keys.scope(quiet, "test"), keys.scope(quiet, "live")} & enqueued


def test_the_full_recount_enqueues_every_developer(client, dev_token, developer, work_queues):
    sqs = work_queues
    # Given a developer with a project and no event since the last pass
    configured_project(client, dev_token, "Untouched", "sk_test_" + "u" * 24)

    # When the refresher is asked for a full recount (make refresh-all)
    report = lambda_host.invoke("stats_refresher", {"full": True})
    enqueued = [w for w, _ in received_works(sqs)]

    # Then every developer of the index is enqueued once, this one included
    developers = [w.developer_id for w in enqueued if w.kind == work.REFRESH]
    assert report["completed"] and developer in developers and len(developers) == len(set(developers))
