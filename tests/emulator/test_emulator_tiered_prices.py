"""`billing_scheme=tiered` prices, graduated and volume, in subscriptions' invoices, prorations and previews, and
their `tiers` (included when expanded), through the SDK (issue 19, item 4)."""

from __future__ import annotations

import pytest
import stripe

from stripe_emulator.conformance.harness import DAY, Emu

# 1-5 units at $10 (+ $5 flat), 6-10 at $8, the rest at $6
TIERS = [{"up_to": 5, "unit_amount": 1000, "flat_amount": 500}, {"up_to": 10, "unit_amount": 800},
         {"up_to": "inf", "unit_amount": 600}]


def _tiered(emu: Emu, mode: str) -> stripe.Price:
    product = emu.client.v1.products.create({"name": "Seats"})
    return emu.client.v1.prices.create({"product": product.id, "currency": "usd", "billing_scheme": "tiered",
                                        "tiers_mode": mode, "tiers": TIERS, "recurring": {"interval": "month"}})


def _subscribe(emu: Emu, price: stripe.Price, quantity: int, clock=None) -> stripe.Subscription:
    customer = emu.client.v1.customers.create({
        "email": "tiers@example.com", "payment_method": "pm_card_visa",
        "invoice_settings": {"default_payment_method": "pm_card_visa"}, **({"test_clock": clock.id} if clock else {})})
    return emu.client.v1.subscriptions.create({"customer": customer.id,
                                               "items": [{"price": price.id, "quantity": quantity}]})


@pytest.mark.parametrize("mode, quantity, amount", [
    ("graduated", 3, 3 * 1000 + 500),  # within the first tier
    ("graduated", 12, 5 * 1000 + 500 + 5 * 800 + 2 * 600),  # through every tier
    ("volume", 3, 3 * 1000 + 500),
    ("volume", 7, 7 * 800),  # every unit at the second tier's rate
    ("volume", 12, 12 * 600),
])
def test_a_tiered_subscription_is_invoiced_by_its_tiers(emu: Emu, mode: str, quantity: int, amount: int):
    price = _tiered(emu, mode)
    sub = _subscribe(emu, price, quantity)
    invoice = emu.client.v1.invoices.retrieve(sub.latest_invoice)
    assert invoice.total == amount and invoice.status == "paid"
    assert invoice.lines.data[0].amount == amount and invoice.lines.data[0].quantity == quantity


def test_tiers_are_included_when_expanded(emu: Emu):
    price = _tiered(emu, "graduated")
    expanded = emu.client.v1.prices.retrieve(price.id, {"expand": ["tiers"]})
    assert price.billing_scheme == "tiered" and price.tiers_mode == "graduated" and price.unit_amount is None
    assert "tiers" not in price
    assert [t.up_to for t in expanded.tiers] == [5, 10, None]
    assert [t.unit_amount for t in expanded.tiers] == [1000, 800, 600] and expanded.tiers[0].flat_amount == 500


def test_previews_and_prorations_follow_the_tiers(emu: Emu):
    # Given 3 seats on graduated tiers
    clock = emu.clock()
    price = _tiered(emu, "graduated")
    sub = _subscribe(emu, price, 3, clock)
    item = sub["items"].data[0]
    # When 12 seats are previewed for the next renewal, then bought half way through the period
    preview = emu.client.v1.invoices.create_preview({
        "subscription": sub.id, "subscription_details": {"items": [{"id": item.id, "quantity": 12}],
                                                         "proration_behavior": "none"}})
    emu.advance(clock, 15 * DAY)
    updated = emu.client.v1.subscriptions.update(sub.id, {"items": [{"id": item.id, "quantity": 12}],
                                                          "proration_behavior": "always_invoice"})
    invoice = emu.client.v1.invoices.retrieve(updated.latest_invoice)
    # Then the preview bills 12 seats by the tiers, and the proration credits 3 and charges 12 by the tiers
    assert preview.total == 5 * 1000 + 500 + 5 * 800 + 2 * 600
    credit, debit = sorted((line.amount for line in invoice.lines.data))
    start, end = item.current_period_start, item.current_period_end
    fraction = (end - (clock.frozen_time + 15 * DAY)) / (end - start)
    assert credit == -round(3500 * fraction) and debit == round(10700 * fraction)


@pytest.mark.parametrize("tiers, param", [
    ([{"up_to": 5, "unit_amount": 100}], "tiers[0][up_to]"),  # no `inf` tier last
    ([{"up_to": 5, "unit_amount": 100}, {"up_to": 3, "unit_amount": 50}, {"up_to": "inf", "unit_amount": 1}],
     "tiers[1][up_to]"),  # bounds must increase
    ([{"up_to": "inf"}], "tiers[0]"),  # no amount
])
def test_malformed_tiers_are_refused(emu: Emu, tiers: list, param: str):
    product = emu.client.v1.products.create({"name": "Seats"})
    with pytest.raises(stripe.InvalidRequestError) as raised:
        emu.client.v1.prices.create({"product": product.id, "currency": "usd", "billing_scheme": "tiered",
                                     "tiers_mode": "volume", "tiers": tiers, "recurring": {"interval": "month"}})
    assert raised.value.param == param
