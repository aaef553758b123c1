"""A processor killed mid-batch: the batch comes back after the visibility timeout and every event is applied once.

The processor runs in a real subprocess (the Lambda container) polling the real queue. The fault proxy holds its
third transaction, so the process is killed at a known point: two events committed, the third in flight, the fourth
not started, and no message deleted (Lambda deletes only when the invocation returns).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys

from local.queue_poller import QueuePoller
from paykit.services.webhooks import default_receiver
from paykit.store import keys
from paykit.store.table import default_table
from tests.integration.test_event_processor import counters
from tests.integration.test_webhook_receiver import drain
from local.stripe_events import body_of, event, invoice

T0 = 1_780_000_000
VISIBILITY_SECONDS = 2  # only how long the batch stays hidden after the kill
EVENTS = 4
COMMITTED = 2
# The Lambda container: imports the handler first (as the init phase does), then one receive and one invocation.
CONTAINER = f"""
import os
from local import lambda_host
from local.queue_poller import QueuePoller
from paykit import aws
lambda_host.load_function("event_processor")
QueuePoller(aws.client("sqs"), os.environ["QUEUE_URL"], wait_seconds=5, visibility_timeout={VISIBILITY_SECONDS}).poll_once()
"""


def paid_invoices(project_id: str) -> list[dict]:
    # One customer, so one FIFO message group: the whole batch arrives in one receive, in order.
    return [event("invoice.paid", invoice(f"in_c{n}", "cus_crash", None, f"pi_c{n}", created=T0 + n, amount=1000 + n,
                                          paid=True, user_id="user-crash", project_id=project_id), created=T0 + n)
            for n in range(EVENTS)]


def test_a_processor_killed_mid_batch_loses_nothing_and_applies_nothing_twice(project, moto_aws, faults):
    # Given four queued events of one customer, and a processor whose third transaction will never be answered
    project_id, table = project["id"], default_table()
    drain(moto_aws)
    events = paid_invoices(project_id)
    for evt in events:
        default_receiver().enqueue(project_id, "test", evt, body_of(evt))
    stuck = faults.inject("dynamodb", "TransactWriteItems", 1, action="hang", after=COMMITTED, hang_seconds=20)
    # When the processor's container takes the batch and dies while that transaction is in flight
    container = subprocess.Popen(
        [sys.executable, "-c", CONTAINER], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        assert stuck.fired.wait(timeout=60), "the processor never reached its third event"
    finally:
        container.kill()
        container.wait(timeout=10)
    assert container.returncode == -signal.SIGKILL
    # Then the first two events are committed and the others are not
    applied = [table.get(keys.event_marker(project_id, "test", e["id"]), consistent=True) is not None for e in events]
    assert applied == [True] * COMMITTED + [False] * (EVENTS - COMMITTED)
    assert counters(project_id)["payments"] == COMMITTED
    # When the whole batch comes back after the visibility timeout and a new container processes it
    poller = QueuePoller(moto_aws.client("sqs"), os.environ["QUEUE_URL"], wait_seconds=1)
    handled = 0
    for _ in range(VISIBILITY_SECONDS * 3):
        handled += poller.poll_once()
        if handled >= EVENTS:
            break
    # Then all four came back (nothing lost), and each event counts once (the committed two were duplicates)
    assert handled == EVENTS
    paid = sum(1000 + n for n in range(EVENTS))
    assert counters(project_id) == {"payments": EVENTS, "payments#succeeded": EVENTS, "amount#succeeded#usd": paid,
                                    "gross#usd": paid}
    statuses = [table.get(keys.event_record(project_id, "test", e["id"]), consistent=True)["status"] for e in events]
    assert statuses == ["processed"] * EVENTS
    # And nothing is left in the queue
    assert drain(moto_aws) == []
