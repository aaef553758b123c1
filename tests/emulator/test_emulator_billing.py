"""Subscriptions over time with test clocks: renewals, trials, dunning, plan changes, cancellation, pause/resume."""

from __future__ import annotations

import pytest
import stripe

from stripe_emulator.conformance.harness import DAY, Emu

FROZEN = 1_767_225_600  # 2026-01-01T00:00:00Z: month lengths below are January's and February's
FAILING_CARD = "4000000000000341"
DRAFT_HOUR = 3600  # a renewal invoice stays a draft this long before it is finalized and charged (Stripe's default)


def _period(sub: stripe.Subscription) -> tuple[int, int]:
    item = sub["items"].data[0]
    return item.current_period_start, item.current_period_end


def _new_events(emu: Emu, before: list[stripe.Event]) -> list[stripe.Event]:
    seen = {e.id for e in before}
    return [e for e in emu.events() if e.id not in seen]


def test_advancing_a_test_clock_renews_the_subscription(emu: Emu):
    clock = emu.clock(FROZEN)
    sub = emu.subscribe(emu.price(1900), clock=clock)
    start, end = _period(sub)
    assert (start, end) == (FROZEN, FROZEN + 31 * DAY)
    before = emu.events()
    advanced = emu.advance(clock, 31 * DAY + DRAFT_HOUR)
    assert isinstance(advanced, stripe.test_helpers.TestClock)
    assert advanced.status == "ready" and advanced.frozen_time == FROZEN + 31 * DAY + DRAFT_HOUR
    renewed = emu.client.v1.subscriptions.retrieve(sub.id)
    assert renewed.status == "active" and _period(renewed) == (end, end + 28 * DAY)
    invoice = emu.client.v1.invoices.retrieve(renewed.latest_invoice)
    assert (invoice.billing_reason, invoice.status, invoice.amount_paid) == ("subscription_cycle", "paid", 1900)
    assert (invoice.period_start, invoice.period_end) == (start, end)
    events = _new_events(emu, before)
    billing = [e for e in events if not e.type.startswith("test_helpers.")]
    assert [e.type for e in billing] == [
        "customer.subscription.updated", "invoice.created", "invoice.finalized", "payment_intent.created",
        "charge.succeeded", "payment_intent.succeeded", "invoice_payment.paid", "invoice.paid",
        "invoice.payment_succeeded"]
    # The new period and the draft at the period's end; finalized and charged an hour later (Stripe's "about 1 hour")
    assert [e.created for e in billing[:2]] == [end, end] and {e.created for e in billing[2:]} == {end + DRAFT_HOUR}
    draft = billing[1].data.object
    assert (draft.status, draft.automatically_finalizes_at, draft.attempted) == ("draft", end + DRAFT_HOUR, False)
    assert billing[2].data.object.automatically_finalizes_at is None
    updated = billing[0]
    old_item = updated.data.previous_attributes["items"]["data"][0]
    assert (old_item.current_period_start, old_item.current_period_end) == (start, end)
    assert updated.data.previous_attributes.latest_invoice == sub.latest_invoice
    assert [e.type for e in events if e.type.startswith("test_helpers.")] == [
        "test_helpers.test_clock.advancing", "test_helpers.test_clock.ready"]


def test_advancing_several_periods_renews_each_in_turn(emu: Emu):
    clock = emu.clock(FROZEN)
    sub = emu.subscribe(emu.price(500, "week"), clock=clock)
    emu.advance(clock, 3 * 7 * DAY)
    invoices = emu.client.v1.invoices.list({"subscription": sub.id}).data
    assert [i.billing_reason for i in invoices] == ["subscription_cycle"] * 3 + ["subscription_create"]
    assert [i.created for i in invoices] == [FROZEN + k * 7 * DAY for k in (3, 2, 1, 0)]
    assert _period(emu.client.v1.subscriptions.retrieve(sub.id))[0] == FROZEN + 21 * DAY


def test_a_trial_warns_three_days_before_and_then_charges(emu: Emu):
    clock = emu.clock(FROZEN)
    sub = emu.subscribe(emu.price(1900), clock=clock, subscription_data={"trial_period_days": 7})
    assert sub.status == "trialing" and sub.trial_end == FROZEN + 7 * DAY
    before = emu.events()
    emu.advance(clock, 5 * DAY)
    warned = [e for e in _new_events(emu, before) if e.type == "customer.subscription.trial_will_end"]
    assert len(warned) == 1 and warned[0].created == FROZEN + 4 * DAY
    before = emu.events()
    emu.advance(clock, 3 * DAY)
    sub = emu.client.v1.subscriptions.retrieve(sub.id)
    assert sub.status == "active" and _period(sub)[0] == FROZEN + 7 * DAY
    events = [e for e in _new_events(emu, before) if not e.type.startswith("test_helpers.")]
    assert events[0].type == "customer.subscription.updated"
    assert events[0].data.previous_attributes.status == "trialing"
    assert "invoice.paid" in [e.type for e in events]
    invoice = emu.client.v1.invoices.retrieve(sub.latest_invoice)
    assert invoice.amount_paid == 1900 and invoice.billing_reason == "subscription_cycle"


def test_failed_renewal_goes_past_due_and_recovers_when_the_card_is_fixed(server):
    emu = Emu(server, dunning_retry_days=[3, 5, 7])  # the custom retry schedule (Smart Retries: test_emulator_dunning)
    clock = emu.clock(FROZEN)
    sub = emu.subscribe(emu.price(1900), clock=clock)
    attached = emu.admin("POST", f"/customers/{sub.customer}/card", {"card": FAILING_CARD}).json()
    assert attached["payment_method"]["card"]["last4"] == "0341"
    before = emu.events()
    emu.advance(clock, 31 * DAY + DRAFT_HOUR)
    sub = emu.client.v1.subscriptions.retrieve(sub.id)
    assert sub.status == "past_due"
    invoice = emu.client.v1.invoices.retrieve(sub.latest_invoice)
    assert invoice.status == "open" and invoice.attempt_count == 1
    assert invoice.next_payment_attempt == FROZEN + 31 * DAY + DRAFT_HOUR + 3 * DAY
    types = [e.type for e in _new_events(emu, before)]
    assert types.index("charge.failed") < types.index("invoice.payment_failed")
    last = [e for e in _new_events(emu, before) if e.type == "customer.subscription.updated"][-1]
    assert last.data.object.status == "past_due" and last.data.previous_attributes.status == "active"

    emu.admin("POST", f"/customers/{sub.customer}/card", {"card": "4242424242424242"})
    before = emu.events()
    emu.advance(clock, 3 * DAY)
    sub = emu.client.v1.subscriptions.retrieve(sub.id)
    assert sub.status == "active"
    invoice = emu.client.v1.invoices.retrieve(invoice.id)
    assert invoice.status == "paid" and invoice.attempt_count == 2
    events = [e for e in _new_events(emu, before) if not e.type.startswith("test_helpers.")]
    assert [e.type for e in events] == ["charge.succeeded", "payment_intent.succeeded", "invoice_payment.paid",
                                        "invoice.paid", "invoice.payment_succeeded", "customer.subscription.updated"]
    assert events[-1].data.previous_attributes.status == "past_due"


def test_paying_the_open_invoice_through_the_api_recovers_too(emu: Emu):
    clock = emu.clock(FROZEN)
    sub = emu.subscribe(emu.price(1900), clock=clock)
    emu.admin("POST", f"/customers/{sub.customer}/card", {"card": FAILING_CARD})
    emu.advance(clock, 31 * DAY + DRAFT_HOUR)
    invoice_id = emu.client.v1.subscriptions.retrieve(sub.id).latest_invoice
    with pytest.raises(stripe.CardError):
        emu.client.v1.invoices.pay(invoice_id)
    paid = emu.client.v1.invoices.pay(invoice_id, {"payment_method": "pm_card_visa"})
    assert paid.status == "paid"
    assert emu.client.v1.subscriptions.retrieve(sub.id).status == "active"


def test_all_retries_failing_cancels_the_subscription(server):
    emu = Emu(server, dunning_retry_days=[3, 5, 7])  # the custom retry schedule (Smart Retries: test_emulator_dunning)
    clock = emu.clock(FROZEN)
    sub = emu.subscribe(emu.price(1900), clock=clock)
    emu.admin("POST", f"/customers/{sub.customer}/card", {"card": FAILING_CARD})
    before = emu.events()
    emu.advance(clock, 31 * DAY + DRAFT_HOUR + 8 * DAY)
    sub = emu.client.v1.subscriptions.retrieve(sub.id)
    assert sub.status == "canceled" and sub.cancellation_details.reason == "payment_failed"
    assert sub.ended_at == FROZEN + 31 * DAY + DRAFT_HOUR + 7 * DAY
    events = _new_events(emu, before)
    failures = [e for e in events if e.type == "invoice.payment_failed"]
    assert [e.data.object.attempt_count for e in failures] == [1, 2, 3, 4]
    assert [e.created - failures[0].created for e in failures] == [0, 3 * DAY, 5 * DAY, 7 * DAY]
    assert failures[-1].data.object.next_payment_attempt is None
    billing = [e.type for e in events if not e.type.startswith("test_helpers.")]
    assert billing[-2:] == ["invoice.payment_failed", "customer.subscription.deleted"]
    assert billing.count("customer.subscription.deleted") == 1
    assert sub.id not in [s.id for s in emu.client.v1.subscriptions.list().data]
    assert [s.id for s in emu.client.v1.subscriptions.list({"status": "canceled"}).data] == [sub.id]


def test_all_retries_failing_can_leave_the_subscription_unpaid(server):
    emu = Emu(server, dunning_final_action="mark_unpaid", dunning_retry_days=[1, 2])
    clock = emu.clock(FROZEN)
    sub = emu.subscribe(emu.price(1900), clock=clock)
    emu.admin("POST", f"/customers/{sub.customer}/card", {"card": FAILING_CARD})
    emu.advance(clock, 31 * DAY + DRAFT_HOUR + 2 * DAY)
    sub = emu.client.v1.subscriptions.retrieve(sub.id)
    assert sub.status == "unpaid"
    updates = emu.client.v1.events.list({"type": "customer.subscription.updated"}).data
    assert updates[0].data.previous_attributes.status == "past_due"
    emu.admin("POST", f"/customers/{sub.customer}/card", {"card": "4242424242424242", "pay_open_invoices": True})
    assert emu.client.v1.subscriptions.retrieve(sub.id).status == "active"


def test_plan_change_with_create_prorations_defers_to_the_next_invoice(emu: Emu):
    clock = emu.clock(FROZEN)
    basic, premium = emu.price(1000, name="Basic"), emu.price(3100, name="Premium")
    sub = emu.subscribe(basic, clock=clock)
    emu.advance(clock, 10 * DAY)
    at = FROZEN + 10 * DAY
    item = sub["items"].data[0]
    preview = emu.client.v1.invoices.create_preview({
        "subscription": sub.id, "subscription_details": {
            "items": [{"id": item.id, "price": premium.id}], "proration_date": at}})
    assert isinstance(preview, stripe.Invoice) and preview.id.startswith("upcoming_in_")
    assert preview.parent.subscription_details.subscription == sub.id
    prorations = [line for line in preview.lines.data if line.parent.subscription_item_details.proration]
    assert [line.amount for line in prorations] == [-round(1000 * 21 / 31), round(3100 * 21 / 31)]
    assert prorations[0].description.startswith("Unused time on Basic")
    assert prorations[1].description.startswith("Remaining time on Premium")
    assert preview.total == sum(line.amount for line in prorations) + 3100

    before = emu.events()
    updated = emu.client.v1.subscriptions.update(sub.id, {"items": [{"id": item.id, "price": premium.id}],
                                                          "proration_behavior": "create_prorations"})
    assert updated["items"].data[0].price.id == premium.id and updated.latest_invoice == sub.latest_invoice
    [change] = _new_events(emu, before)
    assert change.type == "customer.subscription.updated"
    assert change.data.previous_attributes["items"]["data"][0].price.id == basic.id
    emu.advance(clock, 21 * DAY + DRAFT_HOUR)
    renewal = emu.client.v1.invoices.retrieve(emu.client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert renewal.total == preview.total and renewal.status == "paid"


def test_plan_change_with_always_invoice_charges_the_proration_now(emu: Emu):
    clock = emu.clock(FROZEN)
    basic, premium = emu.price(1000, name="Basic"), emu.price(3100, name="Premium")
    sub = emu.subscribe(basic, clock=clock)
    emu.advance(clock, 10 * DAY)
    item_id = sub["items"].data[0].id
    changes = {"items": [{"id": item_id, "price": premium.id}], "proration_behavior": "always_invoice"}
    preview = emu.client.v1.invoices.create_preview({"subscription": sub.id, "subscription_details": changes})
    before = emu.events()
    updated = emu.client.v1.subscriptions.update(sub.id, changes)
    invoice = emu.client.v1.invoices.retrieve(updated.latest_invoice)
    assert invoice.billing_reason == "subscription_update" and invoice.status == "paid"
    assert invoice.amount_paid == preview.total == round(3100 * 21 / 31) - round(1000 * 21 / 31)
    assert [e.type for e in _new_events(emu, before)] == [
        "customer.subscription.updated", "invoice.created", "invoice.finalized", "payment_intent.created",
        "charge.succeeded", "payment_intent.succeeded", "invoice_payment.paid", "invoice.paid",
        "invoice.payment_succeeded"]


def test_downgrade_credit_goes_to_the_customer_balance_and_the_next_invoice(emu: Emu):
    clock = emu.clock(FROZEN)
    premium, basic = emu.price(3100, name="Premium"), emu.price(1000, name="Basic")
    sub = emu.subscribe(premium, clock=clock)
    emu.advance(clock, 10 * DAY)
    updated = emu.client.v1.subscriptions.update(sub.id, {
        "items": [{"id": sub["items"].data[0].id, "price": basic.id}], "proration_behavior": "always_invoice"})
    credit = emu.client.v1.invoices.retrieve(updated.latest_invoice)
    assert credit.total < 0 and credit.amount_due == 0 and credit.status == "paid"
    assert emu.client.v1.customers.retrieve(sub.customer).balance == credit.total
    emu.advance(clock, 21 * DAY)
    renewal = emu.client.v1.invoices.retrieve(emu.client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert renewal.starting_balance == credit.total
    assert renewal.amount_due == max(0, 1000 + credit.total)


def test_switching_to_a_yearly_price_restarts_the_cycle_now(emu: Emu):
    clock = emu.clock(FROZEN)
    monthly, yearly = emu.price(1000, name="M"), emu.price(10000, "year", name="Y")
    sub = emu.subscribe(monthly, clock=clock)
    emu.advance(clock, 10 * DAY)
    updated = emu.client.v1.subscriptions.update(sub.id, {
        "items": [{"id": sub["items"].data[0].id, "price": yearly.id}], "proration_behavior": "none"})
    assert _period(updated) == (FROZEN + 10 * DAY, FROZEN + 10 * DAY + 365 * DAY)
    invoice = emu.client.v1.invoices.retrieve(updated.latest_invoice)
    assert invoice.amount_paid == 10000 and invoice.billing_reason == "subscription_update"


def test_cancel_now(emu: Emu):
    clock = emu.clock(FROZEN)
    sub = emu.subscribe(emu.price(), clock=clock)
    canceled = emu.client.v1.subscriptions.cancel(sub.id)
    assert canceled.status == "canceled" and canceled.ended_at == FROZEN and canceled.canceled_at == FROZEN
    assert canceled.cancellation_details.reason == "cancellation_requested"
    event = emu.client.v1.events.list({"type": "customer.subscription.deleted"}).data[0]
    assert event.data.object.id == sub.id and event.data.object.status == "canceled"
    with pytest.raises(stripe.InvalidRequestError):
        emu.client.v1.subscriptions.cancel(sub.id)


def test_cancel_at_period_end_ends_the_subscription_at_period_end(emu: Emu):
    clock = emu.clock(FROZEN)
    sub = emu.subscribe(emu.price(), clock=clock)
    end = _period(sub)[1]
    updated = emu.client.v1.subscriptions.update(sub.id, {"cancel_at_period_end": True})
    assert updated.cancel_at_period_end is True and updated.cancel_at == end and updated.status == "active"
    event = emu.client.v1.events.list({"type": "customer.subscription.updated"}).data[0]
    assert event.data.previous_attributes.cancel_at_period_end is False
    assert event.data.previous_attributes.cancellation_details.reason is None
    before = emu.events()
    emu.advance(clock, 31 * DAY + 60)
    sub = emu.client.v1.subscriptions.retrieve(sub.id)
    assert sub.status == "canceled" and sub.ended_at == end
    billing = [e.type for e in _new_events(emu, before) if not e.type.startswith("test_helpers.")]
    assert billing == ["customer.subscription.deleted"]


def test_undoing_cancel_at_period_end_keeps_renewing(emu: Emu):
    clock = emu.clock(FROZEN)
    sub = emu.subscribe(emu.price(), clock=clock)
    emu.client.v1.subscriptions.update(sub.id, {"cancel_at_period_end": True})
    restored = emu.client.v1.subscriptions.update(sub.id, {"cancel_at_period_end": False})
    assert restored.cancel_at is None and restored.canceled_at is None
    emu.advance(clock, 31 * DAY + 60)
    assert emu.client.v1.subscriptions.retrieve(sub.id).status == "active"


def test_pause_and_resume(emu: Emu):
    clock = emu.clock(FROZEN)
    sub = emu.subscribe(emu.price(1500), clock=clock)
    paused = emu.client.v1.subscriptions.pause(sub.id)
    assert paused.status == "paused"
    emu.advance(clock, 60 * DAY)  # a paused subscription is not billed
    assert len(emu.client.v1.invoices.list({"subscription": sub.id}).data) == 1
    with pytest.raises(stripe.InvalidRequestError):
        emu.client.v1.subscriptions.resume(emu.subscribe(emu.price(), clock=clock).id)
    before = emu.events()
    resumed = emu.client.v1.subscriptions.resume(sub.id)
    assert resumed.status == "active" and _period(resumed)[0] == FROZEN + 60 * DAY
    invoice = emu.client.v1.invoices.retrieve(resumed.latest_invoice)
    assert invoice.amount_paid == 1500
    types = [e.type for e in _new_events(emu, before)]
    assert types[-2:] == ["customer.subscription.updated", "customer.subscription.resumed"]
    assert "customer.subscription.paused" in emu.types()


def test_subscription_list_filters_and_metadata_update(emu: Emu):
    basic, premium = emu.price(1000), emu.price(2000)
    first = emu.subscribe(basic)
    second = emu.subscribe(premium)
    assert [s.id for s in emu.client.v1.subscriptions.list({"price": premium.id}).data] == [second.id]
    assert [s.id for s in emu.client.v1.subscriptions.list({"customer": first.customer}).data] == [first.id]
    assert len(emu.client.v1.subscriptions.list({"status": "active"}).data) == 2
    updated = emu.client.v1.subscriptions.update(first.id, {"metadata": {"seat": "3"}})
    assert updated.metadata.to_dict() == {"seat": "3"}
    event = emu.client.v1.events.list({"type": "customer.subscription.updated"}).data[0]
    assert event.data.previous_attributes.metadata.to_dict() == {}
    subs = emu.client.v1.subscriptions.list({"expand": ["data.customer", "data.latest_invoice"]}).data
    assert isinstance(subs[0].customer, stripe.Customer) and isinstance(subs[0].latest_invoice, stripe.Invoice)


def test_the_account_clock_renews_subscriptions_without_a_test_clock(emu: Emu):
    sub = emu.subscribe(emu.price(700, "day"))
    assert sub.test_clock is None
    moved = emu.admin("POST", "/advance", {"seconds": DAY + 60},
                      headers={"Authorization": f"Bearer {emu.account['test_secret_key']}"}).json()
    assert moved["steps"] == 1
    invoices = emu.client.v1.invoices.list({"subscription": sub.id}).data
    assert [i.billing_reason for i in invoices] == ["subscription_cycle", "subscription_create"]


def test_an_unpaid_first_invoice_expires_the_subscription(emu: Emu):
    session = emu.session(emu.price())
    assert emu.pay(session.id, "4000000000003220")["status"] == "requires_action"
    [sub] = emu.client.v1.subscriptions.list({"status": "incomplete"}).data
    emu.admin("POST", "/advance", {"seconds": 24 * 3600, "account": emu.account["id"]})
    sub = emu.client.v1.subscriptions.retrieve(sub.id)
    assert sub.status == "incomplete_expired"
    assert emu.client.v1.invoices.retrieve(sub.latest_invoice).status == "void"


def test_refunding_a_subscription_payment(emu: Emu):
    sub = emu.subscribe(emu.price(1900))
    invoice = emu.client.v1.invoices.retrieve(sub.latest_invoice, {"expand": ["payments"]})
    intent_id = invoice.payments.data[0].payment.payment_intent
    refund = emu.client.v1.refunds.create({"payment_intent": intent_id, "amount": 900,
                                           "reason": "requested_by_customer"})
    assert refund.amount == 900 and refund.charge.startswith("ch_")
    charge = emu.client.v1.charges.retrieve(refund.charge)
    assert charge.amount_refunded == 900 and not charge.refunded
    assert emu.types()[-2:] == ["charge.refunded", "refund.created"]
    assert emu.client.v1.balance.retrieve().available[0].amount == 1000


def test_an_invoice_payment_paid_is_announced_before_invoice_paid(emu: Emu):
    # Given a subscription paid through Checkout (on a clock), and its renewal
    clock = emu.clock(FROZEN)
    sub = emu.subscribe(emu.price(1900), clock=clock)
    emu.advance(clock, 31 * DAY + DRAFT_HOUR)
    # When the account's events are read
    events = emu.events()
    types = [e.type for e in events]
    # Then each paid invoice's invoice payment is announced once, just before its `invoice.paid`, at the same time
    paid = [i for i, t in enumerate(types) if t == "invoice.paid"]
    assert len(paid) == 2 and types.count("invoice_payment.paid") == 2
    for i in paid:
        announced, invoice = events[i - 1], events[i].data.object
        assert announced.type == "invoice_payment.paid" and announced.created == events[i].created
        payment = announced.data.object
        assert isinstance(payment, stripe.InvoicePayment) and payment.id.startswith("inpay_")
        assert (payment.invoice, payment.status, payment.amount_paid) == (invoice.id, "paid", 1900)
        assert payment.status_transitions.paid_at == invoice.status_transitions.paid_at
        expected = emu.client.v1.invoice_payments.list({"invoice": invoice.id}).data[0]
        assert payment.id == expected.id and payment.payment.payment_intent == expected.payment.payment_intent
    assert emu.client.v1.subscriptions.retrieve(sub.id).latest_invoice == events[paid[-1]].data.object.id


def test_a_zero_invoice_has_no_invoice_payment_to_announce(emu: Emu):
    # Given a trial (its first invoice is $0, paid with no payment)
    emu.subscribe(emu.price(1900), subscription_data={"trial_period_days": 7})
    # Then `invoice.paid` comes without an `invoice_payment.paid`
    types = emu.types()
    assert "invoice.paid" in types and "invoice_payment.paid" not in types
