"""Decision 32 under faults (issue 18, item 1): an end-user change with an Idempotency-Key survives a transaction
conflict on its record, and a function killed between Stripe's change and PayKit's record: while the killed attempt
holds its key a retry is 409, after that the retry completes the change once (its plan replayed, Stripe's answer
replayed), and every later retry answers the same."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from typing import Any, Callable

import pytest

from paykit.store import keys
from paykit.store.table import default_table
from tests.integration.test_checkout import Shop, make_shop, subscribe

BASE = "/api/v1/payments/stripe"
IN_FLIGHT_MILLIS = 8_000  # the killed container's remaining time: how long its key answers 409
# One Lambda container: its context says IN_FLIGHT_MILLIS remain; one request through the real handler.
CONTAINER = f"""
import json, sys
from local import lambda_host
from local.handler_client import HandlerClient
lambda_host.LambdaContext.get_remaining_time_in_millis = lambda self: {IN_FLIGHT_MILLIS}
request = json.loads(sys.argv[1])
HandlerClient().post(request["path"], token=request["token"], json_body=request["body"], headers=request["headers"])
"""
CONFLICT = {"code": "TransactionCanceledException",
            "extra": {"CancellationReasons": [{"Code": "TransactionConflict", "Message": "Transaction is ongoing"}]}}


@pytest.fixture()
def shop(client, dev_token, emulator, faults) -> Shop:
    return make_shop(client, dev_token, emulator)


def stored(shop: Shop, sub_id: str) -> dict:
    return default_table().get(keys.subscription(shop.project_id, "test", sub_id), consistent=True)


def plan_change(shop: Shop) -> tuple[str, dict, Callable[[str], None]]:
    body = {"new_price_id": shop.prices["team"], "proration_behavior": "always_invoice"}

    def changed_once(sub_id: str) -> None:
        assert shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["items"]["data"][0]["price"]["id"] == \
            shop.prices["team"]
        reasons = [i["billing_reason"] for i in shop.stripe("GET", "/v1/invoices", subscription=sub_id)["data"]]
        assert sorted(reasons) == ["subscription_create", "subscription_update"]
        assert stored(shop, sub_id)["price_id"] == shop.prices["team"]

    return "update-subscription", body, changed_once


def immediate_cancel(shop: Shop) -> tuple[str, dict, Callable[[str], None]]:
    def canceled(sub_id: str) -> None:
        assert shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["status"] == "canceled"
        assert stored(shop, sub_id)["status"] == "canceled"

    return "cancel-subscription", {"cancel_immediately": True}, canceled


def resume(shop: Shop) -> tuple[str, dict | None, Callable[[str], None]]:
    def resumed(sub_id: str) -> None:
        assert shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["cancel_at_period_end"] is False
        assert stored(shop, sub_id).get("cancel_at") is None

    return "resume-subscription", None, resumed


CHANGES = {"plan change": plan_change, "immediate cancel": immediate_cancel, "resume": resume}


def subscriber(client, shop: Shop, change: str) -> tuple[str, str]:
    token = shop.token()
    sub_id = subscribe(client, shop, token)["subscription"]["subscription_id"]
    if change == "resume":
        assert client.post(f"{BASE}/cancel-subscription", token=token, json_body={}).status == 200
    return token, sub_id


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_change_whose_record_meets_a_transaction_conflict_answers_200_and_its_retry_the_same(client, shop, faults,
                                                                                            change):
    # Given a subscriber, and DynamoDB refusing the change's record transaction once (a concurrent transaction)
    token, sub_id = subscriber(client, shop, change)
    path, body, applied_once = CHANGES[change](shop)
    fault = faults.inject("dynamodb", "TransactWriteItems", 1, **CONFLICT)
    headers = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    # When the change is sent, and retried with the same key
    first = client.post(f"{BASE}/{path}", token=token, json_body=body, headers=headers)
    again = client.post(f"{BASE}/{path}", token=token, json_body=body, headers=headers)
    # Then the conflict was retried inside the request, both answers are the first, and the change happened once
    assert fault.hits == 1
    assert first.status == 200, first.text
    assert (again.status, again.json()) == (200, first.json())
    applied_once(sub_id)


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_change_killed_between_stripe_and_its_record_completes_once_on_retry(client, shop, faults, change):
    # Given a subscriber, and a container whose record transaction (after Stripe's change) is never answered
    token, sub_id = subscriber(client, shop, change)
    path, body, applied_once = CHANGES[change](shop)
    headers = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    stuck = faults.inject("dynamodb", "TransactWriteItems", 1, action="hang", hang_seconds=30)
    request = json.dumps({"path": f"{BASE}/{path}", "token": token, "body": body, "headers": headers})
    container = subprocess.Popen([sys.executable, "-c", CONTAINER, request], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        assert stuck.fired.wait(timeout=60), "the container never reached its record"
        # When the client retries while that attempt is still in flight
        in_flight = client.post(f"{BASE}/{path}", token=token, json_body=body, headers=headers)
        # Then it is told so (409), and nothing acts twice
        assert in_flight.status == 409, in_flight.text
    finally:
        # When the container dies there (Lambda's timeout, an out-of-memory kill)
        container.kill()
        container.wait(timeout=10)
    assert container.returncode == -signal.SIGKILL
    # And the client retries until the dead attempt no longer holds the key
    retry = _retry_while_in_flight(lambda: client.post(f"{BASE}/{path}", token=token, json_body=body,
                                                       headers=headers))
    # Then the change is completed and recorded once, and a further retry answers the same
    assert retry.status == 200, retry.text
    applied_once(sub_id)
    again = client.post(f"{BASE}/{path}", token=token, json_body=body, headers=headers)
    assert (again.status, again.json()) == (200, retry.json())


def _retry_while_in_flight(send: Callable[[], Any], seconds: float = IN_FLIGHT_MILLIS / 1000 + 20) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        reply = send()
        if reply.status != 409 or time.monotonic() > deadline:
            return reply
        time.sleep(0.5)


# ---------------------------------------------------------------------- E12 (issue 18, items 1 and 10)


def open_sessions(shop: Shop) -> list[dict]:
    return [s for s in shop.stripe("GET", "/v1/checkout/sessions", limit=100)["data"] if s["status"] == "open"]


def test_a_first_checkout_whose_customer_mapping_meets_a_conflict_answers_200_once(client, shop, faults):
    # Given a user's first checkout, and DynamoDB refusing the customer mapping's transaction once (a concurrent one)
    token = shop.token()
    fault = faults.inject("dynamodb", "TransactWriteItems", 1, **CONFLICT)
    body = {"price_id": shop.prices["monthly"], "success_url": "https://app.example.com/ok",
            "cancel_url": "https://app.example.com/cancel"}
    headers = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    # When the checkout is sent, and retried with the same key
    first = client.post("/api/v1/payments/stripe/checkout-session", token=token, json_body=body, headers=headers)
    again = client.post("/api/v1/payments/stripe/checkout-session", token=token, json_body=body, headers=headers)
    # Then the conflict was tried again inside the request (before: a 500), and one customer and one session exist
    assert fault.hits == 1
    assert first.status == 200, first.text
    assert (again.status, again.json()) == (200, first.json())
    assert len(shop.stripe("GET", "/v1/customers", limit=100)["data"]) == 1
    assert [s["id"] for s in open_sessions(shop)] == [first.json()["session_id"]]


def test_a_checkout_killed_before_its_session_was_noted_completes_with_one_open_session(client, shop, faults):
    # Given a user with a customer, and a container that dies after Stripe made the session, before PayKit noted it
    token = shop.token()
    body = {"price_id": shop.prices["monthly"], "success_url": "https://app.example.com/ok",
            "cancel_url": "https://app.example.com/cancel"}
    path = "/api/v1/payments/stripe/checkout-session"
    assert client.post(path, token=token, json_body={**body, "price_id": shop.prices["team"]}).status == 200
    headers = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    # (PutItem: Powertools' in-flight record first, then the user's open-checkout slot)
    stuck = faults.inject("dynamodb", "PutItem", 1, action="hang", hang_seconds=30, after=1)
    request = json.dumps({"path": path, "token": token, "body": body, "headers": headers})
    container = subprocess.Popen([sys.executable, "-c", CONTAINER, request], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        assert stuck.fired.wait(timeout=60), "the container never reached its slot"
    finally:
        container.kill()
        container.wait(timeout=10)
    # When the client retries until the dead attempt no longer holds the key
    retry = _retry_while_in_flight(lambda: client.post(path, token=token, json_body=body, headers=headers))
    # Then it gets a session that can be paid, the only open one of the user, and a further retry the same
    assert retry.status == 200, retry.text
    assert [s["id"] for s in open_sessions(shop)] == [retry.json()["session_id"]]
    again = client.post(path, token=token, json_body=body, headers=headers)
    assert (again.status, again.json()) == (200, retry.json())
    assert shop.pay(retry.json()["session_id"])["status"] == "succeeded"
