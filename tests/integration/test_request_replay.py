"""Decision 32 (issue 18, item 1): every end-user POST that takes an Idempotency-Key answers a retry with the same
key and body as it answered the first time, acts once, answers 422 to the key with another body, and scopes keys
by project, mode and user. Real handlers against moto server and the Stripe emulator."""
from __future__ import annotations

import uuid

import pytest

from paykit.store import keys
from paykit.store.table import default_table
from tests.integration.test_checkout import CHECKOUT, OK_URLS, Shop, make_shop, subscribe

BASE = "/api/v1/payments/stripe"


@pytest.fixture()
def shop(client, dev_token, emulator) -> Shop:
    return make_shop(client, dev_token, emulator)


def twice(client, path: str, token: str, body: dict | None, key: str | None = None):
    headers = {"Idempotency-Key": key or f"k-{uuid.uuid4()}"}
    first = client.post(path, token=token, json_body=body, headers=headers)
    again = client.post(path, token=token, json_body=body, headers=headers)
    return first, again


def assert_same_answer(first, again, status: int = 200) -> None:
    assert first.status == status, first.text
    assert (again.status, again.json()) == (first.status, first.json())


def test_a_plan_change_retried_after_success_answers_200_again_and_changes_once(client, shop):
    # Given a subscriber on "monthly"
    token = shop.token()
    sub_id = subscribe(client, shop, token)["subscription"]["subscription_id"]
    # When the change to "team" is sent twice with one key (before: 200, then 400 "already on this price")
    first, again = twice(client, f"{BASE}/update-subscription", token,
                         {"new_price_id": shop.prices["team"], "proration_behavior": "always_invoice"})
    # Then both answers are the first one, and Stripe invoiced the change once
    assert_same_answer(first, again)
    assert shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["items"]["data"][0]["price"]["id"] == shop.prices["team"]
    invoices = shop.stripe("GET", "/v1/invoices", subscription=sub_id)["data"]
    assert sorted(i["billing_reason"] for i in invoices) == ["subscription_create", "subscription_update"]


def test_a_resume_retried_after_success_answers_200_again(client, shop):
    # Given a subscriber whose cancellation is scheduled
    token = shop.token()
    subscribe(client, shop, token)
    assert client.post(f"{BASE}/cancel-subscription", token=token, json_body={}).status == 200
    # When resume is sent twice with one key (before: 200, then 400 "not scheduled for cancellation")
    first, again = twice(client, f"{BASE}/resume-subscription", token, None)
    # Then both answers are the first one
    assert_same_answer(first, again)
    assert first.json()["cancel_at"] is None


def test_an_immediate_cancel_retried_after_success_answers_200_again(client, shop):
    # Given a subscriber
    token = shop.token()
    sub_id = subscribe(client, shop, token)["subscription"]["subscription_id"]
    # When an immediate cancel is sent twice with one key (before: 200, then 404 "No active subscription")
    first, again = twice(client, f"{BASE}/cancel-subscription", token, {"cancel_immediately": True})
    # Then both answers are the first one
    assert_same_answer(first, again)
    assert first.json()["status"] == "canceled"
    assert shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["status"] == "canceled"


def test_a_cancel_at_period_end_retried_after_a_resume_answers_as_first_and_leaves_the_resume(client, shop):
    # Given a scheduled cancellation with key K, then a resume
    token = shop.token()
    sub_id = subscribe(client, shop, token)["subscription"]["subscription_id"]
    key = f"k-{uuid.uuid4()}"
    first = client.post(f"{BASE}/cancel-subscription", token=token, json_body={}, headers={"Idempotency-Key": key})
    assert client.post(f"{BASE}/resume-subscription", token=token).status == 200
    # When the cancel is retried with K
    again = client.post(f"{BASE}/cancel-subscription", token=token, json_body={}, headers={"Idempotency-Key": key})
    # Then it answers as the first did, without acting again (decision 25)
    assert_same_answer(first, again)
    assert shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["cancel_at_period_end"] is False
    assert default_table().get(keys.subscription(shop.project_id, "test", sub_id), consistent=True).get(
        "cancel_at") is None


def test_a_checkout_retried_after_the_user_subscribed_answers_its_first_session(client, shop):
    # Given a checkout started with key K and paid
    token = shop.token()
    body = {"price_id": shop.prices["monthly"], **OK_URLS}
    key = f"k-{uuid.uuid4()}"
    first = client.post(CHECKOUT, token=token, json_body=body, headers={"Idempotency-Key": key})
    assert first.status == 200, first.text
    shop.pay(first.json()["session_id"])
    assert client.get(f"{CHECKOUT}/{first.json()['session_id']}", token=token).json()["subscription"]
    # When the same request is retried (before: 400 "User already has an active subscription")
    again = client.post(CHECKOUT, token=token, json_body=body, headers={"Idempotency-Key": key})
    # Then it answers the first session again
    assert_same_answer(first, again)


def test_a_portal_session_retried_answers_the_first_url(client, shop):
    token = shop.token()
    subscribe(client, shop, token)
    first, again = twice(client, f"{BASE}/customer-portal", token, {"return_url": "https://app.example.com/account"})
    assert_same_answer(first, again)


def test_a_refusal_is_answered_again_and_nothing_acts_later(client, shop):
    # Given a user without a subscription whose plan change is refused (404) under key K
    token = shop.token()
    key = f"k-{uuid.uuid4()}"
    body = {"new_price_id": shop.prices["team"], "proration_behavior": "none"}
    first = client.post(f"{BASE}/update-subscription", token=token, json_body=body, headers={"Idempotency-Key": key})
    assert first.status == 404, first.text
    # When the user subscribes and the request is retried with K
    subscribe(client, shop, token)
    again = client.post(f"{BASE}/update-subscription", token=token, json_body=body, headers={"Idempotency-Key": key})
    # Then the retry is answered the first refusal: a retry never acts where the first did not
    assert_same_answer(first, again, 404)


def test_the_same_key_with_another_body_is_422_and_changes_nothing(client, shop):
    # Given a plan change to "team" with key K
    token = shop.token()
    sub_id = subscribe(client, shop, token)["subscription"]["subscription_id"]
    key = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    assert client.post(f"{BASE}/update-subscription", token=token, headers=key,
                       json_body={"new_price_id": shop.prices["team"]}).status == 200
    # When K is sent with another body
    other = client.post(f"{BASE}/update-subscription", token=token, headers=key,
                        json_body={"new_price_id": shop.prices["yearly"]})
    # Then it is 422 on the key, in the validation envelope, and the plan stays "team"
    assert other.status == 422, other.text
    (error,) = other.json()["detail"]
    assert error["loc"] == ["header", "idempotency-key"] and error["type"] == "idempotency_key_reused"
    assert shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["items"]["data"][0]["price"]["id"] == shop.prices["team"]


def test_the_same_body_with_defaults_written_out_is_the_same_request(client, shop):
    token = shop.token()
    subscribe(client, shop, token)
    key = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    first = client.post(f"{BASE}/cancel-subscription", token=token, json_body={}, headers=key)
    again = client.post(f"{BASE}/cancel-subscription", token=token, json_body={"cancel_immediately": False},
                        headers=key)
    assert_same_answer(first, again)


def test_keys_are_scoped_by_user_and_mode(client, shop):
    # Given two users sending the same key and body
    key = {"Idempotency-Key": "shared-key"}
    a, b = shop.token(), shop.token()
    body = {"price_id": shop.prices["monthly"], **OK_URLS}
    first = client.post(CHECKOUT, token=a, json_body=body, headers=key)
    second = client.post(CHECKOUT, token=b, json_body=body, headers=key)
    # Then each gets their own session
    assert first.status == second.status == 200
    assert first.json()["session_id"] != second.json()["session_id"]
    # And the same user's key in live mode is another request (this project has no live keys: 404, not a replay)
    live = client.post(CHECKOUT, token=a, json_body=body, headers=key, query={"test_mode": "false"})
    assert live.status == 404, live.text


def test_a_request_without_a_key_acts_each_time(client, shop):
    token = shop.token()
    body = {"price_id": shop.prices["one_time"], "mode": "payment", **OK_URLS}
    first = client.post(CHECKOUT, token=token, json_body=body)
    again = client.post(CHECKOUT, token=token, json_body=body)
    assert first.status == again.status == 200
    assert first.json()["session_id"] != again.json()["session_id"]


def test_the_kept_answer_expires_after_at_least_24_hours(client, shop):
    # Given a keyed request
    token = shop.token()
    subscribe(client, shop, token)
    key = f"k-{uuid.uuid4()}"
    reply = client.post(f"{BASE}/customer-portal", token=token, headers={"Idempotency-Key": key},
                        json_body={"return_url": "https://app.example.com/account"})
    assert reply.status == 200
    # Then its record carries the table's TTL attribute, at least 24 hours ahead
    import time

    kept = [item for shard in range(8) for item in default_table().query_all(
        "pk = :pk", {":pk": keys.idempotency_partition(shard)}, newest_first=False)
        if item.get("idem_status") == "COMPLETED" and item["sk"].startswith("answer#")]
    assert kept and min(int(item["expires_at"]) for item in kept) >= time.time() + 24 * 3600
