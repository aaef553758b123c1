"""A user with two live subscriptions keeps what the other grants when one is canceled (issue 18, item 11): the
entitlements item follows all their live subscriptions. Real handlers, moto server and the Stripe emulator."""
from __future__ import annotations

from tests.integration.test_checkout import CHECKOUT, start_checkout
from tests.integration.test_entitlements import BASE, buy, check, plans, shop, sync_events  # noqa: F401 (fixtures)


def test_canceling_one_of_two_subscriptions_keeps_the_other_ones_features(client, shop, plans):
    # Given a user on Basic who also bought Pro (allow_existing_subscription)
    token = shop.token()
    buy(client, shop, token, plans["basic"])
    session = start_checkout(client, shop, token, plans["pro"], allow_existing_subscription=True).json()
    assert shop.pay(session["session_id"])["status"] == "succeeded"
    sync_events(shop)
    assert check(client, token, "exports")["limit"] == 1000
    # When the Pro subscription (the one that changed last) is canceled at once, in Stripe (both were created in
    # the same second, so which one E7 would pick is the subscription ids' order, not the test's)
    pro = client.get(f"{CHECKOUT}/{session['session_id']}", token=token).json()["subscription"]["subscription_id"]
    assert shop.stripe("DELETE", f"/v1/subscriptions/{pro}")["status"] == "canceled"
    sync_events(shop)
    # Then Basic still grants its features (before: every feature refused as subscription_inactive)
    api = check(client, token, "api")
    assert (api["allowed"], api["reason"]) == (True, None)
    exports = check(client, token, "exports")
    assert (exports["allowed"], exports["limit"]) == (True, 100)
    assert client.get(f"{BASE}/my-entitlements", token=token).json()["subscription_status"] == "active"
    # And when Basic is canceled too, nothing is granted
    assert client.post(f"{BASE}/cancel-subscription", token=token,
                       json_body={"cancel_immediately": True}).status == 200
    sync_events(shop)
    assert check(client, token, "api")["allowed"] is False
