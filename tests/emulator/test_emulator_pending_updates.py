"""Pending updates (`payment_behavior=pending_if_incomplete`): a plan change applies only once its invoice is paid."""

from __future__ import annotations

import pytest
import requests
import stripe

from stripe_emulator.conformance.harness import DAY, Emu

FROZEN = 1_767_225_600  # 2026-01-01T00:00:00Z
FAILING_CARD = "4000000000000341"  # saved fine, every charge on it fails
AUTH_CARD = "4000000000003220"  # every payment requires 3-D Secure
HOUR = 3600


def _new_types(emu: Emu, before: list[stripe.Event]) -> list[str]:
    return [t for t in emu.types(after=before) if not t.startswith("test_helpers.")]


def _subscribed(emu: Emu, card: str | None = FAILING_CARD) -> tuple:
    """A monthly Basic subscription on a test clock, 10 days in, whose card from now on is `card`."""
    clock = emu.clock(FROZEN)
    basic, premium = emu.price(1000, name="Basic"), emu.price(3100, name="Premium")
    sub = emu.subscribe(basic, clock=clock)
    emu.advance(clock, 10 * DAY)
    if card:
        emu.admin("POST", f"/customers/{sub.customer}/card", {"card": card})
    return clock, sub, basic, premium


def _upgrade(emu: Emu, sub: stripe.Subscription, price: stripe.Price, **extra) -> stripe.Subscription:
    return emu.client.v1.subscriptions.update(sub.id, {
        "items": [{"id": sub["items"].data[0].id, "price": price.id}], "proration_behavior": "always_invoice",
        "payment_behavior": "pending_if_incomplete", **extra})


def test_a_declined_pending_update_keeps_the_old_plan_and_status_and_records_the_change(emu: Emu):
    # Given an active Basic subscription whose card now declines
    clock, sub, basic, premium = _subscribed(emu)
    before = emu.events()
    # When it is upgraded to Premium with pending_if_incomplete
    updated = _upgrade(emu, sub, premium)
    # Then the answer is 200 and the subscription keeps its item, price, period and status
    assert updated.status == "active"
    assert [(i.id, i.price.id) for i in updated["items"].data] == [(sub["items"].data[0].id, basic.id)]
    assert updated["items"].data[0].current_period_end == sub["items"].data[0].current_period_end
    # And the change waits in pending_update, for 23 hours
    pending = updated.pending_update
    assert pending.expires_at == FROZEN + 10 * DAY + 23 * HOUR
    assert [(i.id, i.price.id, i.quantity) for i in pending.subscription_items] == [
        (sub["items"].data[0].id, premium.id, 1)]
    assert pending.billing_cycle_anchor is None and pending.trial_end is None and pending.trial_from_plan is False
    # And latest_invoice is the open, unpaid update invoice, its intent carrying the decline
    invoice = emu.client.v1.invoices.retrieve(updated.latest_invoice, {"expand": ["payments"]})
    assert (invoice.status, invoice.billing_reason, invoice.amount_paid) == ("open", "subscription_update", 0)
    assert invoice.amount_due == round(3100 * 21 / 31) - round(1000 * 21 / 31)
    assert invoice.next_payment_attempt is None
    intent = emu.client.v1.payment_intents.retrieve(invoice.payments.data[0].payment.payment_intent)
    assert intent.last_payment_error.code == "card_declined"
    # And the events are the invoice's, then one subscription update that sets pending_update (no past_due)
    assert _new_types(emu, before) == [
        "invoice.created", "invoice.finalized", "payment_intent.created", "charge.failed",
        "payment_intent.payment_failed", "invoice.payment_failed", "customer.subscription.updated"]
    change = emu.client.v1.events.list({"type": "customer.subscription.updated"}).data[0]
    assert change.data.previous_attributes.pending_update is None
    assert change.data.previous_attributes.latest_invoice == sub.latest_invoice
    assert "status" not in change.data.previous_attributes and "items" not in change.data.previous_attributes


def test_paying_the_pending_invoice_later_applies_the_change(emu: Emu):
    # Given a pending upgrade after a decline
    clock, sub, basic, premium = _subscribed(emu)
    invoice_id = _upgrade(emu, sub, premium).latest_invoice
    before = emu.events()
    # When the invoice is paid with a working card
    paid = emu.client.v1.invoices.pay(invoice_id, {"payment_method": "pm_card_visa"})
    # Then the change applies and pending_update is cleared
    assert paid.status == "paid"
    after = emu.client.v1.subscriptions.retrieve(sub.id)
    assert after.pending_update is None and after.status == "active"
    assert [i.price.id for i in after["items"].data] == [premium.id]
    types = _new_types(emu, before)
    assert types[-2:] == ["customer.subscription.updated", "customer.subscription.pending_update_applied"]
    applied = emu.client.v1.events.list({"type": "customer.subscription.updated"}).data[0]
    assert applied.data.previous_attributes["items"]["data"][0].price.id == basic.id
    assert applied.data.previous_attributes.pending_update.subscription_items[0].price.id == premium.id
    # And the next renewal bills Premium without prorations again
    emu.advance(clock, 21 * DAY + HOUR)
    renewal = emu.client.v1.invoices.retrieve(emu.client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert renewal.amount_due == 3100


def test_a_new_card_paying_open_invoices_applies_the_pending_update(emu: Emu):
    # Given a pending upgrade after a decline
    clock, sub, basic, premium = _subscribed(emu)
    _upgrade(emu, sub, premium)
    # When the customer gives a working card and asks to pay what is open
    emu.admin("POST", f"/customers/{sub.customer}/card", {"card": "4242424242424242", "pay_open_invoices": True})
    # Then the upgrade is applied
    after = emu.client.v1.subscriptions.retrieve(sub.id)
    assert after.pending_update is None and [i.price.id for i in after["items"].data] == [premium.id]


def test_an_unpaid_pending_update_expires_and_its_invoice_is_voided(emu: Emu):
    # Given a pending upgrade after a decline
    clock, sub, basic, premium = _subscribed(emu)
    invoice_id = _upgrade(emu, sub, premium).latest_invoice
    before = emu.events()
    # When 23 hours pass without payment
    emu.advance(clock, 23 * HOUR + 60)
    # Then the invoice is void, the change discarded, and the subscription is unchanged and active
    assert emu.client.v1.invoices.retrieve(invoice_id).status == "void"
    after = emu.client.v1.subscriptions.retrieve(sub.id)
    assert after.pending_update is None and after.status == "active"
    assert [i.price.id for i in after["items"].data] == [basic.id]
    assert _new_types(emu, before) == [
        "invoice.voided", "customer.subscription.updated", "customer.subscription.pending_update_expired"]
    # And the renewal bills Basic
    emu.admin("POST", f"/customers/{sub.customer}/card", {"card": "4242424242424242"})
    emu.advance(clock, 21 * DAY)
    renewal = emu.client.v1.invoices.retrieve(emu.client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert (renewal.billing_reason, renewal.amount_paid) == ("subscription_cycle", 1000)


def test_a_pending_update_needing_authentication_applies_once_authenticated(emu: Emu):
    # Given a subscription whose card requires 3-D Secure for every payment
    clock, sub, basic, premium = _subscribed(emu, AUTH_CARD)
    # When it is upgraded with pending_if_incomplete
    updated = _upgrade(emu, sub, premium)
    # Then the change is pending and the invoice's intent waits for the customer
    assert updated.pending_update is not None and updated["items"].data[0].price.id == basic.id
    invoice = emu.client.v1.invoices.retrieve(updated.latest_invoice, {"expand": ["payments"]})
    intent_id = invoice.payments.data[0].payment.payment_intent
    assert emu.client.v1.payment_intents.retrieve(intent_id).status == "requires_action"
    # When the customer completes the challenge
    done = emu.admin("POST", f"/payment_intents/{intent_id}/authenticate", {"outcome": "complete"})
    assert done.status_code == 200, done.text
    # Then the upgrade is applied
    after = emu.client.v1.subscriptions.retrieve(sub.id)
    assert after.pending_update is None and after["items"].data[0].price.id == premium.id
    assert emu.client.v1.invoices.retrieve(invoice.id).status == "paid"


def test_a_paid_pending_update_applies_at_once_as_before(emu: Emu):
    # Given a subscription with a working card
    clock, sub, basic, premium = _subscribed(emu, card=None)
    before = emu.events()
    # When it is upgraded with pending_if_incomplete
    updated = _upgrade(emu, sub, premium)
    # Then the invoice was paid first and the change applied, with nothing pending
    assert updated.pending_update is None and updated["items"].data[0].price.id == premium.id
    assert emu.client.v1.invoices.retrieve(updated.latest_invoice).status == "paid"
    assert _new_types(emu, before) == [
        "invoice.created", "invoice.finalized", "payment_intent.created", "charge.succeeded",
        "payment_intent.succeeded", "invoice_payment.paid", "invoice.paid", "invoice.payment_succeeded",
        "customer.subscription.updated"]


def test_a_pending_change_of_billing_period_keeps_the_old_cycle_until_paid(emu: Emu):
    # Given a monthly subscription whose card declines
    clock, sub, basic, premium = _subscribed(emu)
    yearly = emu.price(10000, "year", name="Yearly")
    period = (sub["items"].data[0].current_period_start, sub["items"].data[0].current_period_end)
    # When it switches to a yearly price with pending_if_incomplete (the cycle restarts, so an invoice is due now)
    updated = emu.client.v1.subscriptions.update(sub.id, {
        "items": [{"id": sub["items"].data[0].id, "price": yearly.id}], "proration_behavior": "none",
        "payment_behavior": "pending_if_incomplete"})
    # Then the monthly cycle stays and the new anchor waits in pending_update
    now = FROZEN + 10 * DAY
    item = updated["items"].data[0]
    assert (item.price.id, item.current_period_start, item.current_period_end) == (basic.id, *period)
    assert updated.billing_cycle_anchor == sub.billing_cycle_anchor
    assert updated.pending_update.billing_cycle_anchor == now
    # When it is paid
    emu.client.v1.invoices.pay(updated.latest_invoice, {"payment_method": "pm_card_visa"})
    # Then the yearly cycle starts from the time of the update
    after = emu.client.v1.subscriptions.retrieve(sub.id)
    item = after["items"].data[0]
    assert (item.price.id, item.current_period_start, item.current_period_end) == (yearly.id, now, now + 365 * DAY)


@pytest.mark.parametrize("extra, param", [
    ({"metadata": {"plan": "premium"}}, "metadata"),
    ({"cancel_at_period_end": True}, "cancel_at_period_end"),
    ({"items": None}, "items[0][metadata]"),
])
def test_pending_if_incomplete_refuses_the_parameters_the_reference_does_not_list(emu: Emu, extra, param):
    # Given an active subscription
    clock, sub, basic, premium = _subscribed(emu, card=None)
    if extra.get("items", 1) is None:
        extra = {"items": [{"id": sub["items"].data[0].id, "price": premium.id, "metadata": {"k": "v"}}]}
    # When an update with pending_if_incomplete passes a parameter pending updates do not support
    with pytest.raises(stripe.InvalidRequestError) as refused:
        _upgrade(emu, sub, premium, **extra)
    # Then Stripe's 400 names it and nothing changed
    assert refused.value.http_status == 400 and refused.value.param == param
    assert f"`{param}` is not supported" in refused.value.user_message
    assert emu.client.v1.subscriptions.retrieve(sub.id)["items"].data[0].price.id == basic.id


def test_a_replayed_idempotent_request_says_so_in_a_header_the_sdk_exposes(emu: Emu):
    # Given a customer created with an idempotency key
    first = emu.client.v1.customers.create({"email": "a@example.com"}, {"idempotency_key": "create-a"})
    assert first.last_response is not None and "Idempotent-Replayed" not in first.last_response.headers
    # When the same request is sent again with the same key
    again = emu.client.v1.customers.create({"email": "a@example.com"}, {"idempotency_key": "create-a"})
    # Then the SDK's object carries the replay header and the original object
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert again.id == first.id
    raw = requests.post(f"{emu.url}/v1/customers", data={"email": "a@example.com"}, timeout=10,
                        headers={"Authorization": f"Bearer {emu.account['test_secret_key']}",
                                 "Idempotency-Key": "create-a"})
    assert raw.headers["Original-Request"] == first.last_response.request_id


def _trialing(emu: Emu, card: str | None = FAILING_CARD) -> tuple:
    """A monthly Basic subscription on a test clock, 2 days into a 14-day trial, whose card from now on is `card`."""
    clock = emu.clock(FROZEN)
    basic = emu.price(1000, name="Basic")
    sub = emu.subscribe(basic, clock=clock, subscription_data={"trial_period_days": 14})
    emu.advance(clock, 2 * DAY)
    if card:
        emu.admin("POST", f"/customers/{sub.customer}/card", {"card": card})
    return clock, sub, basic


def _end_trial_now(emu: Emu, sub: stripe.Subscription) -> stripe.Subscription:
    return emu.client.v1.subscriptions.update(sub.id, {"trial_end": "now",
                                                       "payment_behavior": "pending_if_incomplete"})


def test_a_declined_trial_end_now_keeps_the_trial_and_puts_trial_end_into_pending_update(emu: Emu):
    # Given a trialing subscription whose card now declines
    clock, sub, basic = _trialing(emu)
    before = emu.events()
    now = FROZEN + 2 * DAY
    # When the trial is ended now with pending_if_incomplete
    updated = _end_trial_now(emu, sub)
    # Then the subscription still trials, with its trial end and period
    assert (updated.status, updated.trial_end) == ("trialing", sub.trial_end)
    item = updated["items"].data[0]
    assert (item.current_period_start, item.current_period_end) == (FROZEN, sub.trial_end)
    # And the trial's end waits in pending_update, the first month's invoice open and unpaid
    pending = updated.pending_update
    assert (pending.trial_end, pending.billing_cycle_anchor, pending.expires_at) == (now, now, now + 23 * HOUR)
    assert pending.subscription_items is None
    invoice = emu.client.v1.invoices.retrieve(updated.latest_invoice)
    assert (invoice.status, invoice.amount_due, invoice.amount_paid, invoice.next_payment_attempt) == (
        "open", 1000, 0, None)
    # And no trial_will_end went out: only the invoice's events and one subscription update
    assert _new_types(emu, before) == [
        "invoice.created", "invoice.finalized", "payment_intent.created", "charge.failed",
        "payment_intent.payment_failed", "invoice.payment_failed", "customer.subscription.updated"]
    # When the invoice is paid with a working card
    emu.client.v1.invoices.pay(invoice.id, {"payment_method": "pm_card_visa"})
    # Then the trial ends as of the update: active, a month from then, nothing pending
    after = emu.client.v1.subscriptions.retrieve(sub.id)
    item = after["items"].data[0]
    assert (after.status, after.trial_end, after.pending_update) == ("active", now, None)
    assert (item.current_period_start, item.current_period_end) == (now, now + 31 * DAY)
    assert emu.types()[-2:] == ["customer.subscription.updated", "customer.subscription.pending_update_applied"]


def test_an_unpaid_trial_end_now_expires_and_the_trial_runs_on(emu: Emu):
    # Given a trial end waiting on a declined invoice
    clock, sub, basic = _trialing(emu)
    invoice_id = _end_trial_now(emu, sub).latest_invoice
    before = emu.events()
    # When 23 hours pass without payment
    emu.advance(clock, 23 * HOUR + 60)
    # Then the invoice is void and the subscription still trials until its own trial end
    assert emu.client.v1.invoices.retrieve(invoice_id).status == "void"
    after = emu.client.v1.subscriptions.retrieve(sub.id)
    assert (after.status, after.trial_end, after.pending_update) == ("trialing", sub.trial_end, None)
    assert _new_types(emu, before) == [
        "invoice.voided", "customer.subscription.updated", "customer.subscription.pending_update_expired"]


def test_a_paid_trial_end_now_with_pending_if_incomplete_ends_the_trial_at_once(emu: Emu):
    # Given a trialing subscription with a working card
    clock, sub, basic = _trialing(emu, card=None)
    now = FROZEN + 2 * DAY
    # When the trial is ended now with pending_if_incomplete
    updated = _end_trial_now(emu, sub)
    # Then the first month's invoice was paid and the trial ended, with nothing pending
    assert (updated.status, updated.trial_end, updated.pending_update) == ("active", now, None)
    invoice = emu.client.v1.invoices.retrieve(updated.latest_invoice)
    assert (invoice.status, invoice.amount_paid) == ("paid", 1000)
