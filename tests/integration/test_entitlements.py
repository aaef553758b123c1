"""What may this user do (issue 14): features in Stripe, entitlements kept by the processor from Stripe's events,
`check`, `usage` exactly once and its report to Stripe's meters. Real handlers, moto server, the Stripe emulator."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests

from local import lambda_host
from paykit.services import entitlements
from paykit.processor import default_processor
from paykit.store import keys
from paykit.store.table import default_table
from tests.integration.test_checkout import CHECKOUT, OK_URLS, Shop, make_shop, start_checkout
from tests.integration.test_webhook_receiver import drain

BASE = "/api/v1/payments/stripe"


@pytest.fixture()
def shop(client, dev_token, emulator) -> Shop:
    return make_shop(client, dev_token, emulator)


def dev_url(shop: Shop, path: str) -> str:
    return f"{BASE}/projects/{shop.project_id}/{path}"


def sync_events(shop: Shop) -> None:
    """The account's events, oldest first, through the processor as their webhooks would bring them."""
    for evt in reversed(shop.stripe("GET", "/v1/events", limit=100)["data"]):
        default_processor().process_event(shop.project_id, "test", evt, json.dumps(evt))


@pytest.fixture()
def plans(client, dev_token, shop):
    """Basic (19.00/month: exports 100 per period, api) and Pro (49.00/month: exports 1,000, api)."""
    def feature(**body) -> dict:
        reply = client.post(dev_url(shop, "features"), token=dev_token, json_body=body)
        assert reply.status == 201, reply.text
        return reply.json()

    exports_100 = feature(key="exports", name="Exports", kind="metered", limit=100)
    exports_1000 = feature(key="exports", name="Exports", kind="metered", limit=1000)
    api = feature(key="api", name="API access")
    out = {}
    for name, amount, exports in (("basic", 1900, exports_100), ("pro", 4900, exports_1000)):
        product = shop.stripe("POST", "/v1/products", name=name.title())["id"]
        out[name] = shop.stripe("POST", "/v1/prices", product=product, currency="usd", unit_amount=amount,
                                **{"recurring[interval]": "month"})["id"]
        for lookup in (exports["lookup_key"], api["lookup_key"]):
            reply = client.post(dev_url(shop, f"products/{product}/features"), token=dev_token,
                                json_body={"feature": lookup})
            assert reply.status == 200, reply.text
    out["features"] = {"exports_100": exports_100, "exports_1000": exports_1000, "api": api}
    return out


def buy(client, shop: Shop, token: str, price: str) -> dict:
    session = start_checkout(client, shop, token, price).json()
    assert shop.pay(session["session_id"])["status"] == "succeeded"
    sync_events(shop)
    return client.get(f"{CHECKOUT}/{session['session_id']}", token=token).json()["subscription"]


def check(client, token: str, feature: str) -> dict:
    reply = client.get(f"{BASE}/check", token=token, query={"feature": feature})
    assert reply.status == 200, reply.text
    return reply.json()


def use(client, token: str, quantity: int, key: str | None = None, feature: str = "exports"):
    """One usage call; every call has its own Idempotency-Key unless a retry names the first's."""
    headers = {"Idempotency-Key": key or str(uuid.uuid4())}
    return client.post(f"{BASE}/usage", token=token, json_body={"feature": feature, "quantity": quantity},
                       headers=headers)


def test_features_are_kept_in_stripe_as_stripe_keeps_them(client, dev_token, shop, plans):
    # Then each feature is an Entitlements feature in Stripe, with its kind and limit, attached to its products
    stripe_features = {f["lookup_key"]: f for f in shop.stripe("GET", "/v1/entitlements/features")["data"]}
    assert set(stripe_features) == {"exports-100", "exports-1000", "api"}
    assert stripe_features["exports-100"]["metadata"] == {"paykit_key": "exports", "paykit_kind": "metered",
                                                          "paykit_limit": "100"}
    listed = client.get(dev_url(shop, "features"), token=dev_token).json()["features"]
    assert {(f["lookup_key"], f["key"], f["kind"], f["limit"], len(f["products"])) for f in listed} == {
        ("api", "api", "boolean", None, 2), ("exports-100", "exports", "metered", 100, 1),
        ("exports-1000", "exports", "metered", 1000, 1)}
    # And the metered key has one Billing Meter, shared by its two limits
    assert plans["features"]["exports_100"]["meter_id"] == plans["features"]["exports_1000"]["meter_id"]
    # And a second feature with the same lookup key is a 409
    again = client.post(dev_url(shop, "features"), token=dev_token, json_body={"key": "api", "name": "API"})
    assert again.status == 409


def test_check_follows_the_plan_through_usage_and_an_upgrade(client, shop, plans):
    # Given a user who bought Basic
    token = shop.token()
    assert check(client, token, "api") == {"allowed": False, "feature": "api", "limit": None, "used": None,
                                           "remaining": None, "resets_at": None, "reason": "not_entitled",
                                           "value": None}
    buy(client, shop, token, plans["basic"])
    # Then api is allowed and exports has 100 per period
    assert check(client, token, "api")["allowed"] is True
    exports = check(client, token, "exports")
    assert (exports["allowed"], exports["limit"], exports["used"], exports["remaining"]) == (True, 100, 0, 100)
    # When they use 60, and retry that request with the same key
    first = use(client, token, 60, key="u-1")
    retry = use(client, token, 60, key="u-1")
    assert first.status == retry.status == 200, first.text
    assert (first.json()["used"], retry.json()["used"], retry.json()["duplicate"]) == (60, 60, True)
    assert check(client, token, "exports")["remaining"] == 40
    # When they upgrade to Pro
    assert client.post(f"{BASE}/update-subscription", token=token,
                       json_body={"new_price_id": plans["pro"], "proration_behavior": "none"}).status == 200
    sync_events(shop)
    # Then the limit is Pro's and the period's usage is kept
    exports = check(client, token, "exports")
    assert (exports["allowed"], exports["limit"], exports["used"], exports["remaining"]) == (True, 1000, 60, 940)
    mine = client.get(f"{BASE}/my-entitlements", token=token).json()
    assert [f["feature"] for f in mine["features"]] == ["api", "exports"] and mine["subscription_status"] == "active"


def test_usage_is_reported_to_the_meter_once(client, shop, plans, moto_aws, outbox):
    # Given a Basic user who used 7 (and retried it) and then 3
    token = shop.token()
    sub = buy(client, shop, token, plans["basic"])
    drain(moto_aws)
    outbox.drain()
    assert use(client, token, 7, key="k-7").status == 200
    assert use(client, token, 7, key="k-7").json()["duplicate"] is True
    assert use(client, token, 3, key="k-3").status == 200
    # Then nothing is queued on the webhook queue: each report is an outbox item of its usage transaction
    assert drain(moto_aws) == []
    # When the table's stream hands the outbox items to the sender, and the sender gets one of them again (a
    # stream delivers at least once)
    records = outbox.pending_records()
    assert [r["dynamodb"]["NewImage"]["kind"]["S"] for r in records] == ["meter_event", "meter_event"]
    assert outbox.drain() == 2
    # Then the repeat is taken as already reported (Stripe refuses its identifier), not a failure to retry
    assert lambda_host.invoke("outbox_sender", {"Records": records[:1]}) == {"batchItemFailures": []}
    # And the meter holds 10 for the customer
    meter = plans["features"]["exports_100"]["meter_id"]
    now = int(datetime.now(timezone.utc).timestamp())
    summaries = requests.get(f"{shop.emulator_url}/v1/billing/meters/{meter}/event_summaries", auth=(shop.key, ""),
                             params={"customer": sub["customer_id"], "start_time": (now - 3600) // 60 * 60,
                                     "end_time": (now + 3600) // 60 * 60}, timeout=10).json()
    assert sum(s["aggregated_value"] for s in summaries["data"]) == 10


def test_hard_limits_refuse_past_the_limit(client, dev_token, shop, plans):
    assert client.put(dev_url(shop, "billing-settings"), token=dev_token,
                      json_body={"hard_limits": True}).json()["hard_limits"] is True
    token = shop.token()
    buy(client, shop, token, plans["basic"])
    assert use(client, token, 100).status == 200
    refused = use(client, token, 1)
    assert refused.status == 403 and "limit" in refused.json()["detail"]
    assert check(client, token, "exports")["used"] == 100


def test_soft_limits_count_and_check_says_no(client, shop, plans):
    token = shop.token()
    buy(client, shop, token, plans["basic"])
    assert use(client, token, 120).status == 200
    verdict = check(client, token, "exports")
    assert (verdict["allowed"], verdict["reason"], verdict["used"], verdict["remaining"]) == (
        False, "limit_reached", 120, 0)


def test_cancel_at_period_end_keeps_access_until_the_end(client, shop, plans):
    token = shop.token()
    buy(client, shop, token, plans["basic"])
    assert client.post(f"{BASE}/cancel-subscription", token=token, json_body={}).status == 200
    sync_events(shop)
    assert check(client, token, "api")["allowed"] is True
    # After it ends (immediately here), nothing is allowed
    client.post(f"{BASE}/cancel-subscription", token=token, json_body={"cancel_immediately": True})
    sync_events(shop)
    assert check(client, token, "api")["allowed"] is False


def test_duplicate_shuffled_and_late_deliveries_end_in_the_same_entitlements(client, shop, plans):
    # Given a user's events delivered newest first and each twice
    token = shop.token()
    session = start_checkout(client, shop, token, plans["basic"]).json()
    shop.pay(session["session_id"])
    user_events = shop.stripe("GET", "/v1/events", limit=100)["data"]
    for evt in user_events + user_events:
        default_processor().process_event(shop.project_id, "test", evt, json.dumps(evt))
    # Then the entitlements are those of the last summary
    assert check(client, token, "api")["allowed"] is True and check(client, token, "exports")["limit"] == 100


def test_another_user_never_sees_or_spends_these_entitlements(client, shop, plans):
    token = shop.token()
    buy(client, shop, token, plans["basic"])
    assert use(client, token, 5, key="mine").status == 200
    stranger = shop.token()
    assert check(client, stranger, "api")["allowed"] is False
    assert use(client, stranger, 5, key="mine").status == 403  # same key, other user: their own (not entitled)
    assert check(client, token, "exports")["used"] == 5


def test_developers_read_usage_per_user(client, dev_token, shop, plans):
    user = str(uuid.uuid4())
    token = shop.token(user)
    buy(client, shop, token, plans["basic"])
    use(client, token, 9)
    reply = client.get(dev_url(shop, "usage"), token=dev_token, query={"user_id": user})
    assert reply.status == 200 and reply.json()["usage"] == {"exports": 9}


def test_the_grace_rule_for_past_due():
    # A past_due subscription keeps access for the project's grace days, then loses it (pure rule)
    since = datetime(2026, 11, 1, tzinfo=timezone.utc)
    ent = {"features": ["api"], "sub_status": "past_due", "past_due_since": "2026-11-01T00:00:00.000000Z"}
    features = {"api": {"key": "api", "lookup_key": "api", "kind": "boolean"}}
    inside = entitlements.evaluate(ent, "api", features, {"past_due_grace_days": 3}, since + timedelta(days=2))
    after = entitlements.evaluate(ent, "api", features, {"past_due_grace_days": 3}, since + timedelta(days=4))
    assert (inside.allowed, after.allowed, after.reason) == (True, False, "past_due")


def test_check_is_one_dynamodb_read_when_warm(client, shop, plans):
    from paykit import aws

    token = shop.token()
    buy(client, shop, token, plans["basic"])
    check(client, token, "exports")  # warm: the project gate and the catalog are cached
    calls: list[str] = []
    handler = lambda model, **_: calls.append(model.name)  # noqa: E731
    events = aws.client("dynamodb").meta.events
    events.register("before-call.dynamodb", handler)
    try:
        check(client, token, "exports")
    finally:
        events.unregister("before-call.dynamodb", handler)
    assert calls == ["BatchGetItem"]  # the user's item with the project gate, read fresh (decision 24)


def test_usage_reported_through_paykit_is_billed_on_the_renewal_invoice(client, dev_token, shop, moto_aws, outbox):
    # Given plan "Usage": 0.05 per export, metered by the `exports` feature's meter, with exports 100 attached
    feature = client.post(dev_url(shop, "features"), token=dev_token,
                          json_body={"key": "exports", "name": "Exports", "kind": "metered", "limit": 100}).json()
    product = shop.stripe("POST", "/v1/products", name="Usage")["id"]
    price = shop.stripe("POST", "/v1/prices", product=product, currency="usd", unit_amount=5,
                        **{"recurring[interval]": "month", "recurring[usage_type]": "metered",
                           "recurring[meter]": feature["meter_id"]})["id"]
    assert client.post(dev_url(shop, f"products/{product}/features"), token=dev_token,
                       json_body={"feature": feature["lookup_key"]}).status == 200
    token = shop.token()
    sub = buy(client, shop, token, price)
    outbox.drain()  # the purchase's own outbox items (its user's other open checkouts expire)
    # When the user uses 60 through PayKit and the reports reach Stripe, then the period ends
    drain(moto_aws)
    assert use(client, token, 60, key="renewal-60").status == 200
    assert outbox.drain() == 1
    advanced = requests.post(f"{shop.emulator_url}/_emulator/advance", json={"seconds": 32 * 86400},
                             headers={"Authorization": f"Bearer {shop.key}"}, timeout=10)
    assert advanced.status_code == 200, advanced.text
    # Then the renewal invoice bills the 60 exports
    invoices = shop.stripe("GET", "/v1/invoices", limit=10)["data"]
    renewal = next(i for i in invoices if i["billing_reason"] == "subscription_cycle" and
                   i["parent"]["subscription_details"]["subscription"] == sub["subscription_id"])
    usage_lines = [line for line in renewal["lines"]["data"] if line.get("quantity") == 60]
    assert usage_lines and usage_lines[0]["amount"] == 60 * 5, renewal["lines"]["data"]
