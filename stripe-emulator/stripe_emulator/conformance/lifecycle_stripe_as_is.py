"""The conformance lifecycle's part for what issue 19 (item 4) added: single-quoted search, allowed payment method
types, a customer's address and tax ids, automatic tax, tiered prices (graduated and volume), pause_collection, and
the includable fields a Stripe sync library expands; the lifecycle's later clock advances renew what it subscribes."""

from __future__ import annotations

from typing import Any

TIERS = [{"up_to": 5, "unit_amount": 1000, "flat_amount": 500}, {"up_to": "inf", "unit_amount": 800}]


def stripe_as_is(emu: Any, clock: Any) -> None:
    v1 = emu.client.v1
    customer = v1.customers.create({
        "email": "item4@example.com", "test_clock": clock.id, "payment_method": "pm_card_visa",
        "invoice_settings": {"default_payment_method": "pm_card_visa"},
        "address": {"line1": "1 Rue de Rivoli", "city": "Paris", "postal_code": "75001", "country": "FR"},
        "tax_id_data": [{"type": "eu_vat", "value": "FR12345678901"}]})
    v1.customers.update(customer.id, {"address": {"line2": "Bâtiment B"}})
    v1.customers.retrieve(customer.id, {"expand": ["tax_ids", "sources"]})
    v1.customers.search({"query": "email:'item4@example.com'"})
    product = v1.products.create({"name": "Seats"})
    graduated = v1.prices.create({"product": product.id, "currency": "usd", "billing_scheme": "tiered",
                                  "tiers_mode": "graduated", "tiers": TIERS, "recurring": {"interval": "month"}})
    volume = v1.prices.create({"product": product.id, "currency": "usd", "billing_scheme": "tiered",
                               "tiers_mode": "volume", "tiers": TIERS, "recurring": {"interval": "month"}})
    v1.prices.retrieve(graduated.id, {"expand": ["tiers", "currency_options"]})
    taxed = v1.subscriptions.create({"customer": customer.id, "items": [{"price": graduated.id, "quantity": 7}],
                                     "automatic_tax": {"enabled": True}})
    v1.invoices.create_preview({"subscription": taxed.id, "automatic_tax": {"enabled": True}})
    paused = v1.subscriptions.create({"customer": customer.id, "items": [{"price": volume.id, "quantity": 3}]})
    v1.subscriptions.update(paused.id, {"pause_collection": {"behavior": "mark_uncollectible",
                                                            "resumes_at": clock.frozen_time + 45 * 86400}})
    v1.invoices.retrieve(taxed.latest_invoice, {"expand": ["payments"]})
    v1.payment_intents.create({"amount": 900, "currency": "usd", "allowed_payment_method_types": ["card"]})
    v1.setup_intents.create({"allowed_payment_method_types": ["card"]})
    coupon = v1.coupons.create({"percent_off": 10, "duration": "once"})
    price = emu.price(1200, name="Discounted")
    session = emu.session(price, customer=customer.id, discounts=[{"coupon": coupon.id}],
                          automatic_tax={"enabled": True})
    emu.pay(session.id)
    v1.checkout.sessions.retrieve(session.id, {"expand": ["line_items.data.discounts", "total_details.breakdown"]})
    v1.webhook_endpoints.create({"url": "http://127.0.0.1:9/connect", "enabled_events": ["invoice.paid"],
                                 "connect": True})
