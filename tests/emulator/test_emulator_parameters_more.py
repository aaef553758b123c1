"""Parameters and expansions Stripe has that the emulator refused or ignored before (issue 19, item 4): search with
single quotes, `payment_method_types` on intents, a customer's `address` and `tax_id_data`, `connect` on webhook
endpoints, and the includable fields a Stripe sync library expands on every event."""

from __future__ import annotations

import pytest
import stripe

from stripe_emulator.conformance.harness import Emu


def _ids(result) -> set[str]:
    return {obj.id for obj in result.data}


def test_search_takes_single_quoted_values_as_stripe_writes_them(emu: Emu):
    # Given two customers, one with a quote in the name
    ada = emu.client.v1.customers.create({"email": "ada@example.com", "name": "Ada", "metadata": {"tier": "gold"}})
    bob = emu.client.v1.customers.create({"email": "bob@example.com", "name": "Bob O'Neil"})
    search = emu.client.v1.customers.search
    # When / Then: single quotes work wherever double quotes do, an escaped quote included
    assert _ids(search({"query": "email:'ada@example.com'"})) == {ada.id}
    assert _ids(search({"query": "metadata['tier']:'gold'"})) == {ada.id}
    assert _ids(search({"query": "name~'neil' OR email:'ada@example.com'"})) == {ada.id, bob.id}
    assert _ids(search({"query": r"name:'Bob O\'Neil'"})) == {bob.id}
    assert _ids(search({"query": "-email:'ada@example.com'"})) == {bob.id}


def test_an_unterminated_single_quote_is_a_query_error(emu: Emu):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        emu.client.v1.customers.search({"query": "email:'ada@example.com"})
    assert raised.value.http_status == 400 and raised.value.param == "query"


def test_payment_method_types_on_payment_and_setup_intents(emu: Emu):
    # When intents name the card type explicitly (the pinned version calls the parameter
    # `allowed_payment_method_types`; the answer's `payment_method_types` lists what the intent offers)
    intent = emu.client.v1.payment_intents.create({"amount": 500, "currency": "usd",
                                                   "allowed_payment_method_types": ["card"]})
    setup = emu.client.v1.setup_intents.create({"allowed_payment_method_types": ["card"]})
    plain = emu.client.v1.payment_intents.create({"amount": 500, "currency": "usd"})
    # Then they carry it; a type the emulator does not model is refused by name
    assert intent.payment_method_types == ["card"] and intent.allowed_payment_method_types == ["card"]
    assert setup.payment_method_types == ["card"] and setup.allowed_payment_method_types == ["card"]
    assert plain.payment_method_types == ["card"] and plain.allowed_payment_method_types is None
    with pytest.raises(stripe.InvalidRequestError) as raised:
        emu.client.v1.payment_intents.create({"amount": 500, "currency": "usd",
                                              "allowed_payment_method_types": ["card", "sepa_debit"]})
    assert raised.value.param == "allowed_payment_method_types[1]" and "sepa_debit" in raised.value.user_message
    # and the older name is unknown to the pinned version, as on Stripe
    with pytest.raises(stripe.InvalidRequestError) as raised:
        emu.client.v1.payment_intents.create({"amount": 500, "currency": "usd", "payment_method_types": ["card"]})
    assert raised.value.code == "parameter_unknown"


def test_customer_address_and_tax_id_data(emu: Emu):
    # When a customer is created with an address and tax ids, then their address changes
    customer = emu.client.v1.customers.create({
        "email": "vat@example.com",
        "address": {"line1": "1 Rue de Rivoli", "city": "Paris", "postal_code": "75001", "country": "FR"},
        "tax_id_data": [{"type": "eu_vat", "value": "FR12345678901"}]})
    updated = emu.client.v1.customers.update(customer.id, {"address": {"city": "Lyon", "postal_code": "69001"}})
    expanded = emu.client.v1.customers.retrieve(customer.id, {"expand": ["tax_ids"]})
    # Then the address is the customer's (an update merges into it), the tax id is one of theirs
    assert customer.address.country == "FR" and customer.address.line2 is None
    assert updated.address.city == "Lyon" and updated.address.line1 == "1 Rue de Rivoli"
    assert [t.value for t in expanded.tax_ids.data] == ["FR12345678901"]
    assert expanded.tax_ids.data[0].type == "eu_vat" and expanded.tax_ids.data[0].customer == customer.id
    assert "customer.tax_id.created" in emu.types()


def test_tax_id_data_is_checked_like_a_tax_id(emu: Emu):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        emu.client.v1.customers.create({"tax_id_data": [{"type": "xx_vat", "value": "1"}]})
    assert raised.value.param == "tax_id_data[0][type]"
    assert emu.client.v1.customers.list().data == []  # nothing was created


def test_webhook_endpoints_take_connect(emu: Emu):
    endpoint = emu.client.v1.webhook_endpoints.create({"url": "https://example.com/hook", "enabled_events": ["*"],
                                                       "connect": True})
    assert endpoint.id.startswith("we_") and endpoint.status == "enabled"


def test_the_sync_library_expansions_are_served(emu: Emu):
    # Given a price, a customer and a paid session with a discount
    price = emu.price(1900)
    coupon = emu.client.v1.coupons.create({"percent_off": 10, "duration": "once"})
    customer = emu.client.v1.customers.create({"email": "sync@example.com"})
    session = emu.session(price, customer=customer.id, discounts=[{"coupon": coupon.id}])
    emu.pay(session.id)
    # When the includable fields are expanded
    price_x = emu.client.v1.prices.retrieve(price.id, {"expand": ["currency_options", "tiers"]})
    customer_x = emu.client.v1.customers.retrieve(customer.id, {"expand": ["sources"]})
    session_x = emu.client.v1.checkout.sessions.retrieve(session.id, {"expand": [
        "line_items.data.discounts", "total_details.breakdown"]})
    # Then they are there, in Stripe's shapes
    assert price_x.currency_options["usd"].unit_amount == 1900 and price_x.tiers is None
    assert customer_x.sources.object == "list" and customer_x.sources.data == []
    line = session_x.line_items.data[0]
    assert line.discounts[0].amount == 190 and line.discounts[0].discount.source.coupon == coupon.id
    breakdown = session_x.total_details.breakdown
    assert breakdown.discounts[0].amount == 190 and breakdown.taxes == []
    # and without the expansion they stay out, as on Stripe
    assert "tiers" not in emu.client.v1.prices.retrieve(price.id)
    assert "breakdown" not in emu.client.v1.checkout.sessions.retrieve(session.id).total_details


def test_invoice_payments_can_be_expanded(emu: Emu):
    sub = emu.subscribe(emu.price(1900))
    invoice = emu.client.v1.invoices.retrieve(sub.latest_invoice, {"expand": ["payments"]})
    assert invoice.payments.data[0].invoice == invoice.id and invoice.payments.data[0].status == "paid"


def test_invoice_payments_are_shown_only_when_expanded_and_never_in_events(emu: Emu):
    # Given a paid subscription invoice
    sub = emu.subscribe(emu.price(1900))
    # When the invoice is read without the expansion, listed, and sent in webhook events
    plain = emu.client.v1.invoices.retrieve(sub.latest_invoice)
    listed = emu.client.v1.invoices.list({"subscription": sub.id}).data[0]
    announced = [e.data.object for e in emu.events() if e.type.startswith("invoice.")]
    # Then `payments` is absent everywhere, as on Stripe (an includable field)
    assert "payments" not in plain and "payments" not in listed
    assert announced and all("payments" not in invoice for invoice in announced)
    # and the expansion (or the invoice payments list) still names the payment intent
    expanded = emu.client.v1.invoices.retrieve(sub.latest_invoice, {"expand": ["payments"]})
    listed_payments = emu.client.v1.invoice_payments.list({"invoice": sub.latest_invoice}).data
    assert [p.id for p in expanded.payments.data] == [p.id for p in listed_payments]
    assert listed_payments[0].payment.payment_intent.startswith("pi_")
