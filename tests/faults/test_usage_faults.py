"""Usage under DynamoDB's pressure and a dying function (issue 18, items 4, 15, 16): every call is answered as
counted or refused, never a 500; each counted call is reported to Stripe's meter exactly once, even when the
function dies right after its transaction, because the report is an outbox item of that transaction."""
from __future__ import annotations

import threading
import uuid
from datetime import datetime, timezone

import jwt
import requests

from paykit.auth import Principal, Role
from paykit.models.entitlements import UsageRequest
from paykit.services import entitlements
from tests.integration.test_entitlements import buy, check, plans, shop, use  # noqa: F401

TRANSACTION_CONFLICT = {"code": "TransactionCanceledException", "extra": {"CancellationReasons": [
    {"Code": "None"}, {"Code": "TransactionConflict"}, {"Code": "None"}, {"Code": "None"}]}}


def metered(shop, plans, customer_id: str) -> int:
    """What Stripe's meter holds for the customer (the last and the next hour)."""
    meter = plans["features"]["exports_100"]["meter_id"]
    now = int(datetime.now(timezone.utc).timestamp())
    summaries = requests.get(f"{shop.emulator_url}/v1/billing/meters/{meter}/event_summaries", auth=(shop.key, ""),
                             params={"customer": customer_id, "start_time": (now - 3600) // 60 * 60,
                                     "end_time": (now + 3600) // 60 * 60}, timeout=10).json()
    return sum(s["aggregated_value"] for s in summaries["data"])


def caller_of(token: str) -> Principal:
    claims = jwt.decode(token, options={"verify_signature": False})
    return Principal(sub=claims["sub"], role=Role.END_USER, project_id=claims["project_id"])


def test_usage_without_an_idempotency_key_is_refused_before_counting(client, shop, plans):
    # Given an entitled user
    token = shop.token()
    buy(client, shop, token, plans["basic"])
    # When they send usage without an Idempotency-Key (a retry after a lost answer could not be told apart)
    reply = client.post("/api/v1/payments/stripe/usage", token=token, json_body={"feature": "exports", "quantity": 5})
    # Then it is a 422 naming the header, and nothing was counted
    assert reply.status == 422, reply.text
    assert reply.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert check(client, token, "exports")["used"] == 0


def test_a_transaction_conflict_is_tried_again_and_counts_once(client, shop, plans, faults, outbox):
    # Given an entitled user, and DynamoDB refusing the next two usage transactions for a conflict
    token = shop.token()
    sub = buy(client, shop, token, plans["basic"])
    outbox.drain()  # the purchase's own outbox items (its user's other open checkouts expire)
    fault = faults.inject("dynamodb", "TransactWriteItems", 2, **TRANSACTION_CONFLICT)
    # When they use 5
    reply = use(client, token, 5, key="conflicted")
    # Then the call was tried again and counted once: 200, not a 500
    assert reply.status == 200, reply.text
    assert fault.hits == 2 and reply.json()["used"] == 5
    # And its one report reaches the meter once
    assert outbox.drain() == 1
    assert metered(shop, plans, sub["customer_id"]) == 5


def test_a_conflict_that_outlasts_the_attempts_is_503_and_the_retry_counts_once(client, shop, plans, faults, outbox):
    # Given DynamoDB refusing every attempt of a usage call for a conflict
    token = shop.token()
    sub = buy(client, shop, token, plans["basic"])
    outbox.drain()  # the purchase's own outbox items (its user's other open checkouts expire)
    faults.inject("dynamodb", "TransactWriteItems", 100, **TRANSACTION_CONFLICT)
    # When the user uses 5
    refused = use(client, token, 5, key="busy")
    # Then it is a 503 with Retry-After, counted nowhere
    assert refused.status == 503 and int(refused.headers["retry-after"]) > 0, refused.text
    faults.clear()
    assert check(client, token, "exports")["used"] == 0
    # And the client's retry with the same key counts it once and reports it once
    retry = use(client, token, 5, key="busy")
    assert retry.status == 200 and retry.json()["used"] == 5 and retry.json()["duplicate"] is False
    assert outbox.drain() == 1
    assert metered(shop, plans, sub["customer_id"]) == 5


def test_a_function_that_dies_right_after_counting_loses_no_report(client, shop, plans, faults, outbox):
    # Given an entitled user, and the function dying right after its usage transaction reached DynamoDB
    token = shop.token()
    sub = buy(client, shop, token, plans["basic"])
    outbox.drain()  # the purchase's own outbox items (its user's other open checkouts expire)
    fault = faults.inject("dynamodb", "TransactWriteItems", 1, action="crash")
    # When they use 5 (the caller gets no proper answer)
    died = use(client, token, 5, key="crash")
    assert fault.hits == 1 and died.status != 200
    faults.clear()  # a new container
    # Then the count landed, and its report with it: the stream sends it without anyone retrying
    assert check(client, token, "exports")["used"] == 5
    assert outbox.drain() == 1
    assert metered(shop, plans, sub["customer_id"]) == 5
    # And the client's retry answers as a counted call, counting and reporting nothing again
    retry = use(client, token, 5, key="crash")
    assert retry.status == 200 and (retry.json()["used"], retry.json()["duplicate"]) == (5, True)
    assert outbox.drain() == 0
    assert metered(shop, plans, sub["customer_id"]) == 5


def test_concurrent_usage_of_one_user_collides_and_every_call_counts_once(client, shop, plans, faults, outbox):
    # Given an entitled user, and DynamoDB refusing a write to an item another transaction holds
    token = shop.token()
    sub = buy(client, shop, token, plans["basic"])
    outbox.drain()  # the purchase's own outbox items (its user's other open checkouts expire)
    faults.collide(hold_seconds=0.05)
    caller, answers, errors = caller_of(token), [], []

    def spend(quantity: int) -> None:
        try:
            answers.append(entitlements.record_usage(caller, True, UsageRequest(feature="exports", quantity=quantity),
                                                     str(uuid.uuid4())))
        except Exception as exc:  # noqa: BLE001 - collected: the assertion below names it
            errors.append(exc)

    # When four calls of the same user run at once
    workers = [threading.Thread(target=spend, args=(quantity,)) for quantity in (1, 2, 3, 4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    # Then they collided, were tried again, and every one counted once
    assert errors == [] and len(answers) == 4
    assert faults.conflicts >= 1
    faults.clear()
    assert check(client, token, "exports")["used"] == 10
    assert sorted(a.used for a in answers)[-1] == 10
    # And each was reported once
    assert outbox.drain() == 4
    assert metered(shop, plans, sub["customer_id"]) == 10
