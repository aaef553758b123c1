"""One open subscription checkout per user and mode (issue 18, item 10, request side): the same request again gets
the open session back, another one expires the open ones before its own is created, one-time purchases are not
limited. Real handlers against moto server and the Stripe emulator."""
from __future__ import annotations

import uuid

import pytest

from tests.integration.test_checkout import CHECKOUT, OK_URLS, Shop, make_shop, start_checkout


@pytest.fixture()
def shop(client, dev_token, emulator) -> Shop:
    return make_shop(client, dev_token, emulator)


def open_sessions(shop: Shop) -> list[str]:
    return [s["id"] for s in shop.stripe("GET", "/v1/checkout/sessions", limit=100)["data"] if s["status"] == "open"]


def test_a_double_click_without_a_key_gets_the_same_session(client, shop):
    # When a user sends the same subscription checkout twice, without an Idempotency-Key
    token = shop.token()
    first, second = start_checkout(client, shop, token), start_checkout(client, shop, token)
    # Then both answers are the same open session (before: two sessions, each payable)
    assert first.status == second.status == 200, second.text
    assert second.json() == first.json()
    assert open_sessions(shop) == [first.json()["session_id"]]


def test_another_checkout_expires_the_open_one_so_it_can_no_longer_be_paid(client, shop):
    # Given an open checkout for "monthly" (a tab left open)
    token = shop.token()
    first = start_checkout(client, shop, token).json()
    # When the user starts another one, for "yearly"
    second = start_checkout(client, shop, token, "yearly").json()
    # Then only the second is open, and paying the first is refused
    assert open_sessions(shop) == [second["session_id"]]
    assert shop.stripe("GET", f"/v1/checkout/sessions/{first['session_id']}")["status"] == "expired"
    assert shop.pay(first["session_id"]).get("status") != "succeeded"
    assert shop.pay(second["session_id"])["status"] == "succeeded"
    subs = shop.stripe("GET", "/v1/subscriptions", status="all")["data"]
    assert len(subs) == 1


def test_keyed_checkouts_with_other_keys_still_leave_one_open_session(client, shop):
    token = shop.token()
    replies = [client.post(CHECKOUT, token=token, json_body={"price_id": shop.prices[price], **OK_URLS},
                           headers={"Idempotency-Key": f"k-{uuid.uuid4()}"}) for price in ("monthly", "team")]
    assert [r.status for r in replies] == [200, 200]
    assert open_sessions(shop) == [replies[1].json()["session_id"]]


def test_one_user_per_mode_other_users_are_not_touched(client, shop):
    mine = start_checkout(client, shop, shop.token()).json()
    theirs = start_checkout(client, shop, shop.token()).json()
    assert sorted(open_sessions(shop)) == sorted([mine["session_id"], theirs["session_id"]])


def test_one_time_purchases_are_not_limited(client, shop):
    # Given an open subscription checkout
    token = shop.token()
    sub = start_checkout(client, shop, token).json()
    # When the user starts two one-time purchases
    one = start_checkout(client, shop, token, "one_time", mode="payment").json()
    two = start_checkout(client, shop, token, "one_time", mode="payment").json()
    # Then all three are open
    assert sorted(open_sessions(shop)) == sorted([sub["session_id"], one["session_id"], two["session_id"]])


def test_a_session_allowed_beside_an_existing_subscription_says_so_on_its_subscription(client, shop):
    # (the processor's duplicate catch reads it: a subscription made with allow_existing_subscription is no mistake)
    token = shop.token()
    session = start_checkout(client, shop, token, allow_existing_subscription=True).json()
    shop.pay(session["session_id"])
    sub_id = shop.stripe("GET", f"/v1/checkout/sessions/{session['session_id']}")["subscription"]
    assert shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["metadata"]["paykit_allow_existing"] == "true"


def test_two_clicks_at_the_same_moment_get_one_session(client, shop):
    # Given a user with a customer (their first checkout made it)
    from concurrent.futures import ThreadPoolExecutor

    from paykit.auth import Principal, Role
    from paykit.models.checkout import CheckoutRequest
    from paykit.services import checkout

    user = f"user-{uuid.uuid4()}"
    assert start_checkout(client, shop, shop.token(user), "team").status == 200
    caller = Principal(sub=user, role=Role.END_USER, project_id=shop.project_id)
    body = CheckoutRequest(price_id=shop.prices["monthly"], **OK_URLS)
    # When the same checkout is requested twice at once (two containers)
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: checkout.create_checkout_session(caller, True, body), range(2)))
    # Then both get the same session, the only open one
    assert answers[0] == answers[1]
    assert open_sessions(shop) == [answers[0].session_id]
