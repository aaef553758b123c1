"""`automatic_tax` (accepted, with its status and a zero tax where no rate is configured) and `pause_collection`
(void, keep as draft, mark uncollectible, `resumes_at`) on subscriptions, through the SDK (issue 19, item 4)."""

from __future__ import annotations

import pytest
import stripe

from stripe_emulator.conformance.harness import DAY, Emu


def _customer(emu: Emu, clock=None) -> stripe.Customer:
    return emu.client.v1.customers.create({
        "email": "tax@example.com", "payment_method": "pm_card_visa",
        "invoice_settings": {"default_payment_method": "pm_card_visa"},
        "address": {"line1": "1 Main St", "city": "Austin", "state": "TX", "postal_code": "78701", "country": "US"},
        **({"test_clock": clock.id} if clock else {})})


def test_automatic_tax_on_a_subscription_and_its_invoices(emu: Emu):
    # Given a customer with an address
    price = emu.price(1900)
    customer = _customer(emu)
    # When a subscription is created with automatic tax
    sub = emu.client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id}],
                                              "automatic_tax": {"enabled": True}})
    invoice = emu.client.v1.invoices.retrieve(sub.latest_invoice)
    # Then the setting is the subscription's and its invoice computed a zero tax (no rate is configured)
    assert sub.automatic_tax.enabled is True and sub.automatic_tax.liability.type == "self"
    assert invoice.automatic_tax.enabled is True and invoice.automatic_tax.status == "complete"
    assert invoice.total_taxes == [] and invoice.total == invoice.subtotal == 1900 and invoice.status == "paid"


def test_automatic_tax_on_checkout_and_previews(emu: Emu):
    price = emu.price(1900)
    customer = _customer(emu)
    # When a session enables it and is paid, and a preview asks for it
    session = emu.session(price, customer=customer.id, automatic_tax={"enabled": True})
    paid = emu.pay(session.id)
    sub = emu.client.v1.subscriptions.retrieve(paid["session"]["subscription"])
    preview = emu.client.v1.invoices.create_preview({"subscription": sub.id, "automatic_tax": {"enabled": True}})
    # Then each carries it, with Stripe's status
    assert session.automatic_tax.enabled is True and session.automatic_tax.status == "complete"
    assert sub.automatic_tax.enabled is True
    assert preview.automatic_tax.status == "complete" and preview.total == 1900


def test_automatic_tax_can_be_turned_off_and_needs_enabled(emu: Emu):
    price = emu.price(1900)
    customer = _customer(emu)
    sub = emu.client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id}],
                                              "automatic_tax": {"enabled": True}})
    updated = emu.client.v1.subscriptions.update(sub.id, {"automatic_tax": {"enabled": False}})
    assert updated.automatic_tax.enabled is False and updated.automatic_tax.liability is None
    with pytest.raises(stripe.InvalidRequestError) as raised:
        emu.client.v1.subscriptions.update(sub.id, {"automatic_tax": {"liability": {"type": "self"}}})
    assert raised.value.param == "automatic_tax[enabled]"


@pytest.mark.parametrize("behavior, status", [("keep_as_draft", "draft"), ("void", "void"),
                                              ("mark_uncollectible", "uncollectible")])
def test_pause_collection_handles_renewal_invoices(emu: Emu, behavior: str, status: str):
    # Given a subscription on a test clock with payment collection paused
    clock = emu.clock()
    price = emu.price(1900)
    customer = _customer(emu, clock)
    sub = emu.client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id}]})
    paused = emu.client.v1.subscriptions.update(sub.id, {"pause_collection": {"behavior": behavior}})
    before = emu.events()
    # When it renews
    emu.advance(clock, 31 * DAY)
    after = emu.client.v1.subscriptions.retrieve(sub.id)
    invoice = emu.client.v1.invoices.retrieve(after.latest_invoice)
    # Then the renewal invoice is left as the behaviour says, nothing is charged, the subscription stays active
    assert paused.pause_collection.behavior == behavior and paused.pause_collection.resumes_at is None
    assert invoice.id != sub.latest_invoice and invoice.billing_reason == "subscription_cycle"
    assert invoice.status == status and invoice.amount_paid == 0 and after.status == "active"
    types = emu.types(after=before)
    assert "invoice.created" in types and "invoice.paid" not in types and "charge.succeeded" not in types
    assert ("invoice.voided" in types) == (behavior == "void")
    assert ("invoice.marked_uncollectible" in types) == (behavior == "mark_uncollectible")


def test_pause_collection_resumes_at_its_time_and_on_demand(emu: Emu):
    # Given collection paused until in ten days
    clock = emu.clock()
    price = emu.price(1900)
    customer = _customer(emu, clock)
    sub = emu.client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id}]})
    resumes_at = clock.frozen_time + 10 * DAY
    emu.client.v1.subscriptions.update(sub.id, {"pause_collection": {"behavior": "void", "resumes_at": resumes_at}})
    # When the clock passes that time, then the period ends
    emu.advance(clock, 11 * DAY)
    resumed = emu.client.v1.subscriptions.retrieve(sub.id)
    emu.advance(clock, 20 * DAY + 3600)  # the renewal is charged an hour after the period's end
    renewed = emu.client.v1.subscriptions.retrieve(sub.id)
    # Then collection resumed (an update event), and the renewal was charged as usual
    assert resumed.pause_collection is None
    assert emu.client.v1.invoices.retrieve(renewed.latest_invoice).status == "paid"
    # and `pause_collection=""` resumes at once; a time in the past is refused
    emu.client.v1.subscriptions.update(sub.id, {"pause_collection": {"behavior": "keep_as_draft"}})
    assert emu.client.v1.subscriptions.update(sub.id, {"pause_collection": ""}).pause_collection is None
    with pytest.raises(stripe.InvalidRequestError) as raised:
        emu.client.v1.subscriptions.update(sub.id, {"pause_collection": {"behavior": "void", "resumes_at": 1}})
    assert raised.value.param == "pause_collection[resumes_at]"
