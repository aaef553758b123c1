"""The billing portal: configurations and sessions through the SDK, and the portal page's cancel and plan switch."""

from __future__ import annotations

import pytest
import requests
import stripe

from stripe_emulator.conformance.harness import DAY, Emu

RETURN_URL = "http://127.0.0.1:9/account"


def _portal(emu: Emu, customer: str, **params) -> stripe.billing_portal.Session:
    return emu.client.v1.billing_portal.sessions.create({"customer": customer, "return_url": RETURN_URL, **params})


def test_portal_page_cancels_at_period_end_and_renews(emu: Emu):
    basic = emu.price(1000, name="Basic")
    sub = emu.subscribe(basic)
    session = _portal(emu, sub.customer)
    assert isinstance(session, stripe.billing_portal.Session)
    assert session.id.startswith("bps_") and session.url.endswith(session.id) and session.return_url == RETURN_URL
    config = emu.client.v1.billing_portal.configurations.retrieve(session.configuration)
    assert isinstance(config, stripe.billing_portal.Configuration) and config.is_default
    page = requests.get(session.url, timeout=10)
    assert page.status_code == 200 and f'id="cancel-{sub.id}"' in page.text
    done = requests.post(session.url, data={"action": "cancel", "subscription": sub.id}, allow_redirects=False,
                         timeout=10)
    assert done.status_code == 303 and done.headers["Location"] == RETURN_URL
    canceled = emu.client.v1.subscriptions.retrieve(sub.id)
    assert canceled.cancel_at_period_end is True and canceled.status == "active"
    event = emu.client.v1.events.list({"type": "customer.subscription.updated"}).data[0]
    assert event.data.previous_attributes.cancel_at_period_end is False
    assert event.data.object.cancel_at_period_end is True
    assert f'id="renew-{sub.id}"' in requests.get(session.url, timeout=10).text
    renewed = emu.admin("POST", f"/portal/{session.id}/renew", {"subscription": sub.id}).json()
    assert renewed["object"]["cancel_at_period_end"] is False and renewed["return_url"] == RETURN_URL


def test_portal_page_switches_between_the_configured_prices(emu: Emu):
    clock = emu.clock(1_767_225_600)
    product = emu.client.v1.products.create({"name": "Plans"})
    basic = emu.price(1000, product=product.id)
    premium = emu.price(3000, product=product.id)
    unlisted = emu.price(9900, name="Enterprise")
    config = emu.client.v1.billing_portal.configurations.create({
        "features": {"subscription_update": {"enabled": True, "default_allowed_updates": ["price"],
                                             "proration_behavior": "always_invoice",
                                             "products": [{"product": product.id, "prices": [basic.id, premium.id]}]},
                     "subscription_cancel": {"enabled": True, "mode": "immediately"}},
        "business_profile": {"headline": "Manage your plan"}})
    assert config.features.subscription_update.products[0].prices == [basic.id, premium.id]
    sub = emu.subscribe(basic, clock=clock)
    emu.advance(clock, 10 * DAY)
    session = _portal(emu, sub.customer, configuration=config.id)
    page = requests.get(session.url, timeout=10).text
    assert f'value="{premium.id}"' in page and unlisted.id not in page
    before = emu.events()
    switched = requests.post(session.url, data={"action": "switch", "subscription": sub.id, "price": premium.id},
                             allow_redirects=False, timeout=10)
    assert switched.status_code == 303
    sub = emu.client.v1.subscriptions.retrieve(sub.id)
    assert sub["items"].data[0].price.id == premium.id
    new = [e for e in emu.events() if e.id not in {b.id for b in before}]
    assert new[0].type == "customer.subscription.updated"
    assert new[0].data.previous_attributes["items"]["data"][0].price.id == basic.id
    assert emu.client.v1.invoices.retrieve(sub.latest_invoice).billing_reason == "subscription_update"
    refused = emu.admin("POST", f"/portal/{session.id}/switch", {"subscription": sub.id, "price": unlisted.id})
    assert refused.status_code == 400
    emu.admin("POST", f"/portal/{session.id}/cancel", {"subscription": sub.id})
    assert emu.client.v1.subscriptions.retrieve(sub.id).status == "canceled"
    assert emu.client.v1.events.list({"type": "customer.subscription.deleted"}).data[0].data.object.id == sub.id


def test_portal_card_update_pays_the_past_due_invoice(emu: Emu):
    clock = emu.clock(1_767_225_600)
    sub = emu.subscribe(emu.price(1000), clock=clock)
    emu.admin("POST", f"/customers/{sub.customer}/card", {"card": "4000000000000341"})
    emu.advance(clock, 32 * DAY)
    assert emu.client.v1.subscriptions.retrieve(sub.id).status == "past_due"
    session = _portal(emu, sub.customer)
    declined = requests.post(session.url, data={"action": "update_card", "card": "4000000000000002"},
                             allow_redirects=False, timeout=10)
    assert declined.status_code == 400 and "declined" in declined.text
    updated = requests.post(session.url, data={"action": "update_card", "card": "4242424242424242"},
                            allow_redirects=False, timeout=10)
    assert updated.status_code == 303
    sub = emu.client.v1.subscriptions.retrieve(sub.id)
    assert sub.status == "active"
    assert emu.client.v1.payment_methods.retrieve(sub.default_payment_method).card.last4 == "4242"


def test_portal_validation(emu: Emu):
    with pytest.raises(stripe.InvalidRequestError) as info:
        emu.client.v1.billing_portal.sessions.create({"customer": "cus_missing"})
    assert info.value.param == "customer"
    with pytest.raises(stripe.InvalidRequestError):
        emu.client.v1.billing_portal.configurations.create({
            "features": {"subscription_update": {"enabled": True}}})
    other = emu.subscribe(emu.price())
    mine = emu.client.v1.customers.create({"email": "me@example.com"})
    session = _portal(emu, mine.id)
    response = emu.admin("POST", f"/portal/{session.id}/cancel", {"subscription": other.id})
    assert response.status_code == 400
    assert emu.client.v1.subscriptions.retrieve(other.id).cancel_at_period_end is False
    configs = emu.client.v1.billing_portal.configurations.list({"is_default": True}).data
    assert [c.id for c in configs] == [session.configuration]
