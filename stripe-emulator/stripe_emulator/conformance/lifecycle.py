"""The conformance lifecycle: a full run through the SDK (checkout, billing, portal, clocks) recording every answer
of the emulator."""

from __future__ import annotations

import json
from typing import Any

import stripe

from .lifecycle_stripe_as_is import stripe_as_is
from .lifecycle_usage import entitlements_and_usage


class RecordingHTTPClient(stripe.RequestsClient):
    """The SDK's own HTTP client, keeping each JSON answer of the emulator."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[tuple[str, str, int, Any]] = []

    def request(self, method: str, url: str, headers: Any, post_data: Any = None, **kwargs: Any) -> Any:
        content, status, response_headers = super().request(method, url, headers, post_data, **kwargs)
        try:
            self.answers.append((method.upper(), url, status, json.loads(content)))
        except ValueError:
            pass
        return content, status, response_headers


# --- the lifecycle --------------------------------------------------------------------------------------------------

DAY = 86400
FROZEN = 1_767_225_600  # 2026-01-01T00:00:00Z


def lifecycle(emu: Any, webhook_url: str) -> RecordingHTTPClient:
    """Checkout in both modes, trials, renewals, failed payments and dunning, plan changes (prorations, pending
    updates), previews, refunds, cancellations, portal, test clocks; every answer goes through the recorder."""
    recorder = RecordingHTTPClient()
    emu.client = stripe.StripeClient(emu.account["test_secret_key"], base_addresses={"api": emu.url},
                                     http_client=recorder, max_network_retries=0)
    v1 = emu.client.v1
    v1.webhook_endpoints.create({"url": webhook_url, "enabled_events": ["*"]})
    basic, premium = emu.price(1000, name="Basic"), emu.price(3100, name="Premium")
    yearly, pack = emu.price(10000, "year", name="Yearly"), emu.price(500, None, name="Pack")
    clock = emu.clock(FROZEN)

    # Checkout: subscription, payment, trial, decline, 3-D Secure.
    sub = emu.subscribe(basic, clock=clock)
    payment = emu.session(pack, customer=sub.customer)
    emu.pay(payment.id)
    v1.checkout.sessions.retrieve(payment.id, {"expand": ["line_items", "payment_intent"]})
    v1.checkout.sessions.line_items.list(payment.id)
    trial = emu.subscribe(premium, clock=clock, subscription_data={"trial_period_days": 7})
    emu.pay(emu.session(basic).id, "4000000000000002")
    challenged = emu.pay(emu.session(basic).id, "4000000000003220")
    emu.admin("POST", f"/payment_intents/{challenged['payment_intent']}/authenticate", {"outcome": "complete"})
    v1.checkout.sessions.expire(emu.session(basic).id)
    entitlements_and_usage(emu, clock)  # before the clock advances below, which renew its metered subscription
    stripe_as_is(emu, clock)  # the same for its tiered, taxed and paused subscriptions

    # Plan changes: deferred prorations, invoiced now, pending update declined then paid, preview.
    emu.advance(clock, 10 * DAY)
    item = sub["items"].data[0]
    v1.invoices.create_preview({"subscription": sub.id, "subscription_details": {
        "items": [{"id": item.id, "price": premium.id}], "proration_behavior": "always_invoice"}})
    v1.subscriptions.update(sub.id, {"items": [{"id": item.id, "price": premium.id}],
                                     "proration_behavior": "create_prorations"})
    v1.subscriptions.update(sub.id, {"items": [{"id": item.id, "price": basic.id}],
                                     "proration_behavior": "always_invoice", "metadata": {"plan": "basic"}})
    emu.admin("POST", f"/customers/{sub.customer}/card", {"card": "4000000000000341"})
    pending = v1.subscriptions.update(sub.id, {"items": [{"id": item.id, "price": yearly.id}],
                                               "payment_behavior": "pending_if_incomplete",
                                               "expand": ["latest_invoice"]})
    v1.invoices.pay(pending.latest_invoice.id, {"payment_method": "pm_card_visa"})

    # Renewals, the trial's end, a failed renewal with its retries, a recovery.
    emu.advance(clock, 5 * DAY)
    v1.subscriptions.retrieve(trial.id, {"expand": ["latest_invoice", "customer"]})
    failing = emu.subscribe(basic, clock=clock)
    emu.admin("POST", f"/customers/{failing.customer}/card", {"card": "4000000000000341"})
    emu.advance(clock, 31 * DAY)
    emu.advance(clock, 3 * DAY)
    emu.admin("POST", f"/customers/{failing.customer}/card", {"card": "4242424242424242", "pay_open_invoices": True})

    # Refunds, direct payment intents, cancellations, portal.
    charge = v1.charges.list({"customer": sub.customer, "limit": 1}).data[0]
    v1.refunds.create({"charge": charge.id, "amount": 100, "reason": "requested_by_customer"})
    intent = v1.payment_intents.create({"amount": 700, "currency": "usd", "customer": sub.customer,
                                        "payment_method": "pm_card_visa", "confirm": True})
    v1.refunds.create({"payment_intent": intent.id})
    v1.payment_intents.cancel(v1.payment_intents.create({"amount": 300, "currency": "usd"}).id)
    v1.subscriptions.update(trial.id, {"cancel_at_period_end": True})
    v1.subscriptions.cancel(failing.id)
    portal = v1.billing_portal.sessions.create({"customer": sub.customer, "return_url": "http://127.0.0.1:9/back"})
    emu.admin("POST", f"/portal/{portal.id}/cancel", {"subscription": sub.id})
    emu.advance(clock, 40 * DAY)

    # Reads: every list with its expansions.
    v1.subscriptions.list({"status": "all", "expand": ["data.latest_invoice"]})
    v1.subscription_items.list({"subscription": sub.id})
    for invoice in v1.invoices.list({"limit": 100}).data[:3]:
        v1.invoices.line_items.list(invoice.id) if hasattr(v1.invoices, "line_items") else None
    v1.invoice_payments.list()
    v1.payment_intents.list({"limit": 100})
    v1.charges.list({"limit": 100, "expand": ["data.refunds"]})
    v1.refunds.list()
    v1.customers.list({"limit": 100})
    v1.customers.payment_methods.list(sub.customer)
    v1.products.list()
    v1.prices.list({"limit": 100})
    v1.checkout.sessions.list({"limit": 100})
    v1.test_helpers.test_clocks.list()
    v1.billing_portal.configurations.list()
    v1.webhook_endpoints.list()
    v1.account.retrieve() if hasattr(v1, "account") else None
    v1.balance.retrieve()
    list(v1.events.list({"limit": 100}).auto_paging_iter())
    v1.customers.delete(v1.customers.create({"email": "gone@example.com"}).id)
    return recorder


