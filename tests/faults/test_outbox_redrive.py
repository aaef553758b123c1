"""The outbox DLQ's way back (decision 33): a usage report whose sends failed until its record went to the DLQ is
sent again by scripts/redrive_outbox.py once the cause is gone, and reaches Stripe's meter once."""
from __future__ import annotations

from typing import Callable, Iterator

import pytest
import requests

from scripts.redrive_outbox import redrive, resend
from tests.faults.test_usage_faults import metered
from tests.integration.test_entitlements import buy, plans, shop, use  # noqa: F401

TABLE = "paykit-test"  # tests/conftest.py


@pytest.fixture()
def meter_outage(emulator) -> Iterator[Callable[[], None]]:
    """Stripe's meter answers 500 to every report until the returned function brings it back."""
    def back() -> None:
        assert requests.delete(f"{emulator.url}/_emulator/faults", timeout=10).status_code == 200

    fault = requests.post(f"{emulator.url}/_emulator/faults", timeout=10,
                          json={"kind": "500", "count": 50, "path_prefix": "/v1/billing/meter_events"})
    assert fault.status_code == 200, fault.text
    yield back
    back()


def test_a_report_that_ended_in_the_dlq_is_sent_again_once(client, shop, plans, moto_aws, outbox, meter_outage):
    # Given an entitled user, while Stripe's meter answers 500 to every report
    token = shop.token()
    sub = buy(client, shop, token, plans["basic"])
    outbox.drain()  # the purchase's own outbox items
    sqs, streams, dynamodb = (moto_aws.client(name) for name in ("sqs", "dynamodbstreams", "dynamodb"))
    dlq = sqs.get_queue_url(QueueName=f"{TABLE}-OutboxDeadLetterQueue")["QueueUrl"]
    sqs.purge_queue(QueueUrl=dlq)  # what earlier tests of this worker left there (their injected failures)
    # When the user uses 5, and the stream gives up on its report
    assert use(client, token, 5).status == 200
    outbox.drain()  # each attempt fails; after the last the record's place goes to the DLQ
    assert outbox.pending_records() == [] and metered(shop, plans, sub["customer_id"]) == 0
    # Then the report is not lost: once Stripe answers again, the redrive writes it back onto the stream
    meter_outage()  # Stripe answers again
    counts = redrive(sqs, streams, dynamodb, TABLE, dlq)
    assert counts == {"messages": 1, "resent": 1, "gone": 0, "unreadable": 0}
    assert outbox.drain() == 1
    assert metered(shop, plans, sub["customer_id"]) == 5
    # And a second run finds nothing left to send
    assert redrive(sqs, streams, dynamodb, TABLE, dlq)["messages"] == 0
    assert outbox.drain() == 0 and metered(shop, plans, sub["customer_id"]) == 5


def test_a_redrive_run_again_after_a_crash_writes_its_copy_once(client, shop, plans, moto_aws, outbox):
    # Given a counted and reported usage call, its outbox item in the table
    token = shop.token()
    sub = buy(client, shop, token, plans["basic"])
    outbox.drain()
    assert use(client, token, 3).status == 200
    record = outbox.pending_records()[-1]
    assert outbox.drain() == 1
    dynamodb = moto_aws.client("dynamodb")
    # When a redrive writes its copy, dies before deleting the DLQ message, and runs again with the same message
    assert resend(dynamodb, TABLE, record["dynamodb"]["Keys"], "message-1")
    assert resend(dynamodb, TABLE, record["dynamodb"]["Keys"], "message-1")
    # Then one copy went onto the stream, and the meter still counts the call once (the copy keeps its identifier)
    assert outbox.drain() == 1
    assert metered(shop, plans, sub["customer_id"]) == 3
