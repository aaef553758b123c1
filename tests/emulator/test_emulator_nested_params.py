"""Nested request parameters: what the SDK declares below a parameter is honoured or refused as Stripe refuses an
unknown parameter, never accepted and ignored."""

from __future__ import annotations

import pytest
import stripe

from stripe_emulator.conformance.harness import Emu


@pytest.mark.parametrize("extra, param", [
    ({"payment_intent_data": {"statement_descriptor": "SHOP"}}, "payment_intent_data[statement_descriptor]"),
    ({"payment_intent_data": {"favourite_colour": "blue"}}, "payment_intent_data[favourite_colour]"),
])
def test_checkout_refuses_a_nested_parameter_it_does_not_model(emu: Emu, extra, param):
    # Given a one-time price
    price = emu.price(500, None)
    # When a Checkout Session is created with a nested parameter the emulator does not model (or nobody declares)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        emu.session(price, **extra)
    # Then Stripe's unknown-parameter error names it, with its full bracket path
    assert (refused.value.http_status, refused.value.code, refused.value.param) == (400, "parameter_unknown", param)
    assert refused.value.user_message == f"Received unknown parameter: {param}"


def test_a_nested_parameter_inside_a_list_is_named_with_its_index(emu: Emu):
    # Given two one-time prices
    first, second = emu.price(500, None), emu.price(700, None)
    # When the second line item carries a parameter the emulator does not model
    with pytest.raises(stripe.InvalidRequestError) as refused:
        emu.client.v1.checkout.sessions.create({
            "mode": "payment", "success_url": "http://127.0.0.1:9/ok", "customer_email": "a@example.com",
            "line_items": [{"price": first.id, "quantity": 1},
                           {"price": second.id, "quantity": 1, "adjustable_quantity": {"enabled": True}}]})
    # Then the error names that item by its index
    assert refused.value.param == "line_items[1][adjustable_quantity]"


def test_subscription_item_metadata_on_update_is_honoured(emu: Emu):
    # Given an active subscription
    sub = emu.subscribe(emu.price(1000))
    item = sub["items"].data[0]
    # When its item's metadata is set through items[0][metadata]
    updated = emu.client.v1.subscriptions.update(sub.id, {"items": [{"id": item.id, "metadata": {"seat": "a"}}]})
    # Then the item carries it, and nothing was billed for a change that moves no price
    assert updated["items"].data[0].metadata.to_dict() == {"seat": "a"}
    invoices = emu.client.v1.invoices.list({"subscription": sub.id}).data
    assert [i.billing_reason for i in invoices] == ["subscription_create"]
    assert emu.client.v1.invoices.create_preview({"subscription": sub.id}).total == 1000
