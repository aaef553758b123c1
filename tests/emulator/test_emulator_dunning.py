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
    draft = emu.client.v1.invoices.retrieve(renewed.latest_invoice, {"expand": ["payments"]})
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


def _failing_subscriber(emu: Emu) -> tuple[stripe.test_helpers.TestClock, stripe.Subscription]:
    """A subscriber on a test clock whose card fails from the first renewal on."""
    clock = emu.clock(FROZEN)
    sub = emu.subscribe(emu.price(1900), clock=clock)
    emu.admin("POST", f"/customers/{sub.customer}/card", {"card": FAILING_CARD})
    return clock, sub


def _failures(emu: Emu, invoice_id: str) -> list[stripe.Event]:
    return [e for e in emu.events() if e.type == "invoice.payment_failed" and e.data.object.id == invoice_id]


def test_smart_retries_try_8_times_within_2_weeks_by_default_then_cancel(emu: Emu):
    settings = emu.account["settings"]
    assert (settings["dunning_retry_policy"], settings["smart_retry_attempts"], settings["smart_retry_window_days"],
            settings["dunning_final_action"]) == ("smart", 8, 14, "cancel")
    clock, sub = _failing_subscriber(emu)
    emu.advance(clock, 31 * DAY + HOUR)
    invoice = _latest_invoice(emu, sub.id)
    first = PERIOD_END + HOUR
    assert invoice.attempt_count == 1 and invoice.next_payment_attempt == first + 14 * DAY // 8
    # Two weeks later: eight retries, evenly spread up to the end of the window, then the subscription is canceled
    emu.advance(clock, 14 * DAY)
    failures = _failures(emu, invoice.id)
    assert [e.data.object.attempt_count for e in failures] == list(range(1, 10))
    assert [e.created - first for e in failures] == [14 * DAY * k // 8 for k in range(9)]
    assert [e.data.object.next_payment_attempt for e in failures] == [
        first + 14 * DAY * k // 8 for k in range(1, 9)] + [None]
    ended = emu.client.v1.subscriptions.retrieve(sub.id)
    assert (ended.status, ended.ended_at, ended.cancellation_details.reason) == (
        "canceled", first + 14 * DAY, "payment_failed")


def test_smart_retries_take_the_accounts_count_and_window(server):
    emu = Emu(server, smart_retry_attempts=3, smart_retry_window_days=7, dunning_final_action="leave_past_due")
    clock, sub = _failing_subscriber(emu)
    emu.advance(clock, 31 * DAY + HOUR + 7 * DAY)
    invoice = _latest_invoice(emu, sub.id)
    first = PERIOD_END + HOUR
    assert [e.created - first for e in _failures(emu, invoice.id)] == [0, 7 * DAY // 3, 14 * DAY // 3, 7 * DAY]
    for wrong in ({"smart_retry_window_days": 10}, {"smart_retry_attempts": 0}, {"dunning_retry_policy": "ml"},
                  {"dunning_final_action": "pause"}):
        refused = emu.admin("POST", f"/accounts/{emu.account['id']}", wrong)
        assert refused.status_code == 400 and refused.json()["error"]["param"] == next(iter(wrong))
    # A schedule of days is the custom policy; the policy can be named back
    custom = emu.admin("POST", f"/accounts/{emu.account['id']}", {"dunning_retry_days": [1, 2]}).json()["settings"]
    assert (custom["dunning_retry_policy"], custom["dunning_retry_days"]) == ("custom", [1, 2])
    smart = emu.admin("POST", f"/accounts/{emu.account['id']}", {"dunning_retry_policy": "smart"}).json()["settings"]
    assert smart["dunning_retry_policy"] == "smart"


def test_leave_past_due_keeps_the_subscription_past_due_and_renewing(server):
    emu = Emu(server, dunning_final_action="leave_past_due", dunning_retry_days=[1, 2])
    clock, sub = _failing_subscriber(emu)
    emu.advance(clock, 31 * DAY + HOUR + 2 * DAY)
    first = _latest_invoice(emu, sub.id)
    assert (first.status, first.attempt_count, first.next_payment_attempt) == ("open", 3, None)
    assert emu.client.v1.subscriptions.retrieve(sub.id).status == "past_due"
    assert "customer.subscription.deleted" not in emu.types()
    # The next period is still invoiced and its payment attempted an hour after the period's end
    emu.advance(clock, 28 * DAY - 2 * DAY)
    second = _latest_invoice(emu, sub.id)
    assert second.id != first.id and (second.status, second.attempt_count) == ("open", 1)
    assert emu.client.v1.subscriptions.retrieve(sub.id).status == "past_due"


def test_an_unpaid_subscription_keeps_invoicing_without_attempting_payment(server):
    emu = Emu(server, dunning_final_action="mark_unpaid", dunning_retry_days=[1, 2])
    clock, sub = _failing_subscriber(emu)
    emu.advance(clock, 31 * DAY + HOUR + 2 * DAY)
    assert emu.client.v1.subscriptions.retrieve(sub.id).status == "unpaid"
    before = {e.id for e in emu.events()}
    # When the next period comes (and well past its hour): a new period and a draft invoice, no payment attempted
    emu.advance(clock, 28 * DAY - 2 * DAY + 2 * DAY)
    renewed = emu.client.v1.subscriptions.retrieve(sub.id)
    draft = emu.client.v1.invoices.retrieve(renewed.latest_invoice)
    assert renewed.status == "unpaid" and renewed["items"].data[0].current_period_start == PERIOD_END + 28 * DAY
    assert (draft.status, draft.auto_advance, draft.attempt_count, draft.billing_reason) == (
        "draft", False, 0, "subscription_cycle")
    assert [e.type for e in emu.events() if e.id not in before and not e.type.startswith("test_helpers.")] == [
        "customer.subscription.updated", "invoice.created"]


def test_no_retry_after_a_hard_decline(emu: Emu):
    clock, sub = _failing_subscriber(emu)
    emu.advance(clock, 31 * DAY + HOUR)
    invoice = _latest_invoice(emu, sub.id)
    assert invoice.next_payment_attempt is not None  # a generic decline is retried
    # When the customer pays it with a card reported stolen (a hard decline: Stripe's "do not try again")
    with pytest.raises(stripe.CardError) as raised:
        emu.client.v1.invoices.pay(invoice.id, {"payment_method": "pm_card_chargeDeclinedStolenCard"})
    assert raised.value.error.decline_code == "stolen_card"
    # Then no retry is scheduled: the retries are over, and the account's final action follows
    assert emu.client.v1.invoices.retrieve(invoice.id).next_payment_attempt is None
    assert emu.client.v1.subscriptions.retrieve(sub.id).status == "canceled"
    emu.advance(clock, 20 * DAY)
    assert len(_failures(emu, invoice.id)) == 2


def test_an_unpaid_subscriptions_draft_is_finalized_then_paid_to_reactivate_it(server):
    emu = Emu(server, dunning_final_action="mark_unpaid", dunning_retry_days=[1])
    clock, sub = _failing_subscriber(emu)
    emu.advance(clock, 31 * DAY + HOUR + DAY + 28 * DAY)
    draft = _latest_invoice(emu, sub.id)
    assert (draft.status, emu.client.v1.subscriptions.retrieve(sub.id).status) == ("draft", "unpaid")
    # Finalizing leaves it open (no attempt); paying it with a good card makes the subscription active again
    finalized = emu.client.v1.invoices.finalize_invoice(draft.id)
    assert (finalized.status, finalized.attempt_count, finalized.number is not None) == ("open", 0, True)
    with pytest.raises(stripe.InvalidRequestError):
        emu.client.v1.invoices.finalize_invoice(draft.id)
    paid = emu.client.v1.invoices.pay(draft.id, {"payment_method": "pm_card_visa"})
    assert paid.status == "paid" and emu.client.v1.subscriptions.retrieve(sub.id).status == "active"


def test_finalizing_a_renewal_in_its_hour_charges_it_now(emu: Emu):
    clock = emu.clock(FROZEN)
    sub = emu.subscribe(emu.price(1900), clock=clock)
    emu.advance(clock, 31 * DAY + 60)
    finalized = emu.client.v1.invoices.finalize_invoice(_latest_invoice(emu, sub.id).id)
    assert (finalized.status, finalized.status_transitions.finalized_at) == ("paid", PERIOD_END + 60)
    emu.advance(clock, HOUR)
    assert len(emu.client.v1.charges.list({"customer": sub.customer}).data) == 2  # charged once, not again
