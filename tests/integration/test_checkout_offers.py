"""E12's promotion options (issue 14 item 5): each allowed per project; discounts reach E14, E15 and MRR."""
from __future__ import annotations

import json

import pytest

from paykit.processor import default_processor
from tests.integration.test_checkout import CHECKOUT, Shop, make_shop, start_checkout

BASE = "/api/v1/payments/stripe"


@pytest.fixture()
def shop(client, dev_token, emulator) -> Shop:
    return make_shop(client, dev_token, emulator)


def allow(client, dev_token, shop: Shop, **settings) -> None:
    reply = client.put(f"{BASE}/projects/{shop.project_id}/billing-settings", token=dev_token, json_body=settings)
    assert reply.status == 200, reply.text


def promotion(shop: Shop, code: str, **coupon) -> str:
    coupon_id = shop.stripe("POST", "/v1/coupons", **coupon)["id"]
    return shop.stripe("POST", "/v1/promotion_codes", code=code, **{"promotion[type]": "coupon",
                                                                    "promotion[coupon]": coupon_id})["id"]


def pay_and_sync(client, shop: Shop, token: str, session_id: str) -> dict:
    assert shop.pay(session_id)["status"] == "succeeded"
    for evt in reversed(shop.stripe("GET", "/v1/events", limit=100)["data"]):
        default_processor().process_event(shop.project_id, "test", evt, json.dumps(evt))
    return client.get(f"{CHECKOUT}/{session_id}", token=token).json()


@pytest.mark.parametrize("body", [{"allow_promotion_codes": True}, {"promotion_code": "SAVE25"},
                                  {"trial_period_days": 7}])
def test_options_the_project_does_not_allow_are_422_and_create_nothing(client, shop, body):
    before = shop.stripe("GET", "/v1/customers", limit=100)["data"]
    reply = start_checkout(client, shop, shop.token(), **body)
    assert reply.status == 422 and reply.json()["detail"][0]["loc"] == ["body", next(iter(body))]
    assert shop.stripe("GET", "/v1/customers", limit=100)["data"] == before


def test_a_promotion_code_discounts_the_subscription_everywhere_it_shows(client, dev_token, shop):
    # Given a project that allows codes, and SAVE25: 25% off forever
    allow(client, dev_token, shop, allow_promotion_codes=True)
    promotion(shop, "SAVE25", percent_off=25, duration="forever")
    token = shop.token()
    # When a user checks out with the code and pays
    session = start_checkout(client, shop, token, promotion_code="SAVE25")
    assert session.status == 200, session.text
    body = pay_and_sync(client, shop, token, session.json()["session_id"])
    # Then the subscription shows its discount (E14), the payment what it took off (E15), and MRR counts it
    mine = client.get(f"{BASE}/my-subscription", token=token).json()
    assert mine["discount"] == {"percent_off": 25.0, "amount_off_cents": None, "duration": "forever", "ends_at": None}
    payments = client.get(f"{BASE}/my-payments", token=token).json()["payments"]
    assert [(p["amount_cents"], p["discount_cents"]) for p in payments] == [(1425, 475)]
    stats = client.get("/api/v1/payments/stats", token=dev_token).json()
    assert stats["by_mode"]["test"]["by_currency"]["usd"]["mrr_cents"] == 1425
    assert body["subscription"]["discount"]["percent_off"] == 25.0


def test_an_unknown_code_is_422_and_codes_on_the_page_are_passed_to_stripe(client, dev_token, shop):
    allow(client, dev_token, shop, allow_promotion_codes=True)
    bad = start_checkout(client, shop, shop.token(), promotion_code="NOPE")
    assert bad.status == 422 and bad.json()["detail"][0]["type"] == "promotion_code_invalid"
    page = start_checkout(client, shop, shop.token(), allow_promotion_codes=True)
    assert page.status == 200, page.text
    assert shop.stripe("GET", f"/v1/checkout/sessions/{page.json()['session_id']}")["allow_promotion_codes"] is True


def test_trial_days_up_to_the_projects_maximum(client, dev_token, shop):
    allow(client, dev_token, shop, max_trial_period_days=14)
    assert start_checkout(client, shop, shop.token(), trial_period_days=30).status == 422
    token = shop.token()
    session = start_checkout(client, shop, token, trial_period_days=14).json()
    body = pay_and_sync(client, shop, token, session["session_id"])
    assert body["subscription"]["status"] == "trialing"


def test_a_metered_price_is_bought_without_a_quantity(client, shop):
    product = shop.stripe("POST", "/v1/products", name="API calls")["id"]
    meter = shop.stripe("POST", "/v1/billing/meters", display_name="Calls", event_name="calls",
                        **{"default_aggregation[formula]": "sum"})["id"]
    price = shop.stripe("POST", "/v1/prices", product=product, currency="usd", unit_amount=5,
                        **{"recurring[interval]": "month", "recurring[usage_type]": "metered",
                           "recurring[meter]": meter})["id"]
    reply = start_checkout(client, shop, shop.token(), price)
    assert reply.status == 200, reply.text
