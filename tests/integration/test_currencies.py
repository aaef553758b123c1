"""Amounts in their own currency's decimals (issue 18, item 12): the descriptions PayKit sends to Stripe and stores,
for 0-, 2- and 3-decimal currencies, through E12 and the emulator."""
from __future__ import annotations

import pytest

from tests.integration.test_checkout import CHECKOUT, make_shop, start_checkout


@pytest.mark.parametrize("code, amount, text", [("usd", 500, "5.00 USD"), ("jpy", 1000, "1000 JPY"),
                                                ("kwd", 5120, "5.120 KWD")])
def test_a_one_time_purchase_is_described_in_its_currencys_decimals(client, dev_token, emulator, code, amount, text):
    # Given a one-time price of the product "Pro" in a 2-, 0- or 3-decimal currency
    shop = make_shop(client, dev_token, emulator)
    product = shop.stripe("POST", "/v1/products", name="Pro")["id"]
    price = shop.stripe("POST", "/v1/prices", product=product, currency=code, unit_amount=amount)["id"]
    token = shop.token()
    # When a user buys two and pays
    session = start_checkout(client, shop, token, price, mode="payment", quantity=2).json()
    assert shop.pay(session["session_id"])["status"] == "succeeded"
    # Then the payment intent PayKit created in Stripe, and the payment it stored, say the amount as written
    intent = shop.stripe("GET", f"/v1/checkout/sessions/{session['session_id']}")["payment_intent"]
    assert shop.stripe("GET", f"/v1/payment_intents/{intent}")["description"] == f"Pro · 2 × {text}"
    payment = client.get(f"{CHECKOUT}/{session['session_id']}", token=token).json()["payment"]
    assert (payment["description"], payment["amount_cents"], payment["currency"]) == (
        f"Pro · 2 × {text}", 2 * amount, code)
