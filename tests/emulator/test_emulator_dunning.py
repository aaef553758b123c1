"""Renewals and failed payments as Stripe runs them (issue 19, item 5): a renewal invoice's hour as a draft, the three
settings for the end of the retries, unpaid subscriptions' invoices, Smart Retries and hard declines."""

from __future__ import annotations

import pytest
import stripe

from stripe_emulator.conformance.harness import DAY, Emu

FROZEN = 1_767_225_600  # 2026-01-01T00:00:00Z: the first period is January's 31 days
PERIOD_END = FROZEN + 31 * DAY
HOUR = 3600
FAILING_CARD = "4000000000000341"


def _latest_invoice(emu: Emu, sub_id: str) -> stripe.Invoice:
    return emu.client.v1.invoices.retrieve(emu.client.v1.subscriptions.retrieve(sub_id).latest_invoice)


def test_a_renewal_invoice_stays_a_draft_for_an_hour_then_is_finalized_and_charged(emu: Emu):
    clock = emu.clock(FROZEN)
    sub = emu.subscribe(emu.price(1900), clock=clock)
    before = {e.id for e in emu.events()}
    # At the period's end: the new period and a draft invoice, nothing charged
    emu.advance(clock, 31 * DAY)
    renewed = emu.client.v1.subscriptions.retrieve(sub.id)
    draft = emu.client.v1.invoices.retrieve(renewed.latest_invoice)
    assert renewed.status == "active" and renewed["items"].data[0].current_period_start == PERIOD_END
    assert (draft.status, draft.billing_reason, draft.amount_paid, draft.attempt_count) == (
        "draft", "subscription_cycle", 0, 0)
    assert draft.automatically_finalizes_at == PERIOD_END + HOUR and draft.payments.data == []
    assert [e.type for e in emu.events() if e.id not in before and not e.type.startswith("test_helpers.")] == [
        "customer.subscription.updated", "invoice.created"]
    with pytest.raises(stripe.InvalidRequestError):
        emu.client.v1.invoices.pay(draft.id)  # a draft cannot be paid yet
    # A second before the hour: still a draft; at the hour: finalized and paid
    emu.advance(clock, HOUR - 1)
    assert emu.client.v1.invoices.retrieve(draft.id).status == "draft"
    emu.advance(clock, 1)
    paid = emu.client.v1.invoices.retrieve(draft.id)
    assert (paid.status, paid.amount_paid, paid.status_transitions.finalized_at) == ("paid", 1900, PERIOD_END + HOUR)
    assert paid.automatically_finalizes_at is None


def test_the_draft_hour_is_an_account_setting(server):
    emu = Emu(server, renewal_finalize_delay=0)
    assert emu.account["settings"]["renewal_finalize_delay"] == 0
    clock = emu.clock(FROZEN)
    sub = emu.subscribe(emu.price(1900), clock=clock)
    emu.advance(clock, 31 * DAY)
    assert _latest_invoice(emu, sub.id).status == "paid"  # charged at the period's end
    changed = emu.admin("POST", f"/accounts/{emu.account['id']}", {"renewal_finalize_delay": 600}).json()
    assert changed["settings"]["renewal_finalize_delay"] == 600
    assert Emu(server).account["settings"]["renewal_finalize_delay"] == 3600  # Stripe's default
    refused = emu.admin("POST", f"/accounts/{emu.account['id']}", {"renewal_finalize_delay": -1})
    assert refused.status_code == 400 and refused.json()["error"]["param"] == "renewal_finalize_delay"


def test_ending_a_trial_through_the_api_charges_at_once(emu: Emu):
    clock = emu.clock(FROZEN)
    customer = emu.client.v1.customers.create({"test_clock": clock.id, "payment_method": "pm_card_visa",
                                               "invoice_settings": {"default_payment_method": "pm_card_visa"}})
    sub = emu.client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": emu.price(1900).id}],
                                              "trial_period_days": 14})
    ended = emu.client.v1.subscriptions.update(sub.id, {"trial_end": "now"})
    assert ended.status == "active" and _latest_invoice(emu, sub.id).status == "paid"
