"""Two open checkouts, two billed subscriptions (issue 18, item 10, processor side): when a subscription checkout
completes, the user's other open subscription sessions are expired through the outbox; a second subscription
that still arrives without `allow_existing_subscription` is canceled and its payment refunded, through the outbox
in the transaction that saw it. Real handlers, moto server (its stream) and the Stripe emulator."""
from __future__ import annotations

import json
import time

import pytest
import requests

from local import lambda_host
from paykit.processor import default_processor
from paykit.store import keys
from paykit.store.table import default_table
from tests.integration.test_checkout import OK_URLS, Shop, make_shop, start_checkout

BASE = "/api/v1/payments/stripe"


@pytest.fixture()
def shop(client, dev_token, emulator) -> Shop:
    return make_shop(client, dev_token, emulator)


def sync_events(shop: Shop) -> None:
    """Every event of the account, oldest first, through the processor as their webhooks would bring them."""
    found, after = [], None
    while True:
        page = requests.get(f"{shop.emulator_url}/v1/events", auth=(shop.key, ""), timeout=10,
                            params={"limit": 100, **({"starting_after": after} if after else {})}).json()
        found += page["data"]
        if not page.get("has_more"):
            break
        after = page["data"][-1]["id"]
    for evt in reversed(found):
        default_processor().process_event(shop.project_id, "test", evt, json.dumps(evt))


def customer_of(shop: Shop, user: str) -> str:
    return default_table().get(keys.customer_of_user(shop.project_id, "test", user), consistent=True)["customer_id"]


def page_from_before(shop: Shop, user: str, price: str = "team", **metadata: str) -> str:
    """A subscription session of the user left open by a page PayKit made earlier (or a request that raced)."""
    ours = {"user_id": user, "project_id": shop.project_id, **metadata}
    return shop.stripe("POST", "/v1/checkout/sessions", mode="subscription", customer=customer_of(shop, user),
                       client_reference_id=user, **{"line_items[0][price]": shop.prices[price],
                                                    "line_items[0][quantity]": 1},
                       success_url=OK_URLS["success_url"], cancel_url=OK_URLS["cancel_url"],
                       **{f"metadata[{k}]": v for k, v in ours.items()},
                       **{f"subscription_data[metadata][{k}]": v for k, v in ours.items()})["id"]


def listed(shop: Shop, path: str, **query) -> list[dict]:
    return requests.get(f"{shop.emulator_url}{path}", auth=(shop.key, ""), params={"limit": 100, **query},
                        timeout=10).json()["data"]


def subscriptions(shop: Shop) -> dict[str, dict]:
    return {s["id"]: s for s in listed(shop, "/v1/subscriptions", status="all")}


def test_completing_a_checkout_expires_the_users_other_open_ones(client, shop, outbox):
    # Given a user with an open checkout from E12, and another open session of theirs (an older page)
    user = "user-two-tabs"
    token = shop.token(user)
    mine = start_checkout(client, shop, token).json()["session_id"]
    other = page_from_before(shop, user)
    # When the first is paid and its events are processed
    assert shop.pay(mine)["status"] == "succeeded"
    sync_events(shop)
    assert shop.stripe("GET", f"/v1/checkout/sessions/{other}")["status"] == "open"
    # Then the outbox expires the other one (before: payable for 24 hours)
    assert outbox.drain() >= 1
    assert shop.stripe("GET", f"/v1/checkout/sessions/{other}")["status"] == "expired"
    assert shop.pay(other).get("status") != "succeeded"
    assert len(subscriptions(shop)) == 1


def test_a_second_subscription_that_arrives_anyway_is_canceled_and_refunded(client, shop, outbox):
    # Given a user who paid one checkout, and a second session of theirs paid before the first's expiry left
    user = "user-paid-twice"
    token = shop.token(user)
    first = start_checkout(client, shop, token).json()["session_id"]
    second = page_from_before(shop, user)
    assert shop.pay(first)["status"] == "succeeded"
    time.sleep(1.1)  # a later second: which one is the duplicate is decided by creation time
    assert shop.pay(second)["status"] == "succeeded"
    first_sub = shop.stripe("GET", f"/v1/checkout/sessions/{first}")["subscription"]
    second_sub = shop.stripe("GET", f"/v1/checkout/sessions/{second}")["subscription"]
    # When their events are processed and the outbox sends what they left
    sync_events(shop)
    sent = outbox.pending_records()
    outbox.drain()
    # Then the second is canceled and its payment refunded in full; the first stays active (before: both billed)
    subs = subscriptions(shop)
    assert (subs[first_sub]["status"], subs[second_sub]["status"]) == ("active", "canceled")
    (invoice,) = listed(shop, "/v1/invoices", subscription=second_sub)
    charges = listed(shop, "/v1/charges", customer=customer_of(shop, user))
    refunded = {c["amount_refunded"] for c in charges if c["amount_refunded"]}
    assert refunded == {invoice["amount_paid"]} and invoice["amount_paid"] > 0
    assert "allow_existing_subscription" in subs[second_sub]["cancellation_details"]["comment"]
    # And the events delivered again, and the sender handed its items again (a stream delivers at least once),
    # change nothing more: one refund, one cancellation
    sync_events(shop)
    for record in sent:
        lambda_host.invoke("outbox_sender", {"Records": [record]})
    outbox.drain()
    assert len(listed(shop, "/v1/refunds")) == 1
    assert {c["amount_refunded"] for c in listed(shop, "/v1/charges", customer=customer_of(shop, user))} == {
        0, invoice["amount_paid"]}
    # And once those events are in, PayKit shows one active subscription and the user keeps access
    mine = client.get(f"{BASE}/my-subscription", token=token).json()
    assert (mine["subscription_id"], mine["status"]) == (first_sub, "active")
    ent = default_table().get(keys.entitlements(shop.project_id, "test", user), consistent=True)
    assert set(ent["subs"]) == {first_sub}


def test_a_second_subscription_the_user_was_allowed_or_the_developer_made_is_kept(client, shop, outbox):
    # Given a subscriber who then buys a second plan with allow_existing_subscription
    user = "user-allowed"
    token = shop.token(user)
    first = start_checkout(client, shop, token).json()["session_id"]
    assert shop.pay(first)["status"] == "succeeded"
    sync_events(shop)
    allowed = start_checkout(client, shop, token, "team", allow_existing_subscription=True).json()["session_id"]
    assert shop.pay(allowed)["status"] == "succeeded"
    # And a third one the developer made in Stripe for them (an add-on: no PayKit metadata)
    addon = shop.stripe("POST", "/v1/subscriptions", customer=customer_of(shop, user),
                        **{"items[0][price]": shop.prices["yearly"]}, payment_behavior="allow_incomplete",
                        default_payment_method=shop.stripe("GET", f"/v1/customers/{customer_of(shop, user)}")[
                            "invoice_settings"]["default_payment_method"] or "")
    # When everything is processed and the outbox drained
    sync_events(shop)
    outbox.drain()
    # Then nothing was canceled
    assert all(s["status"] != "canceled" for s in subscriptions(shop).values()), addon
