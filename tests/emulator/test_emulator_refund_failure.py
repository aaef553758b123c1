"""Stripe's refund-failure test card (4000000000005126): a refund starts `succeeded` and fails some time later, when
the clock moves past it; the money comes back to the balance and the charge's `amount_refunded` goes down."""

from __future__ import annotations

import stripe

from stripe_emulator.conformance.harness import Emu
from stripe_emulator.conformance.objects import Report, check_object
from stripe_emulator.resources.charges import REFUND_FAILURE_DELAY

REFUND_FAIL = "4000000000005126"


def _mismatches(*objects: stripe.StripeObject) -> list[str]:
    report = Report()
    for obj in objects:
        check_object(report, obj.to_dict(), "answer")
    return report.mismatches


def _advance_account(emu: Emu, seconds: int) -> None:
    answer = emu.admin("POST", "/advance", {"seconds": seconds},
                       headers={"Authorization": f"Bearer {emu.account['test_secret_key']}"})
    assert answer.status_code == 200, answer.text


def _available(emu: Emu) -> int:
    return sum(b.amount for b in emu.client.v1.balance.retrieve().available if b.currency == "usd")


def test_a_refund_on_the_refund_failure_card_succeeds_then_fails_when_the_clock_moves_past_it(emu: Emu):
    # Given a payment of 50.00 with the refund-failure card (its test payment method, pm_card_refundFail)
    intent = emu.client.v1.payment_intents.create({"amount": 5000, "currency": "usd", "confirm": True,
                                                   "payment_method": "pm_card_refundFail"})
    assert intent.status == "succeeded"
    balance_paid = _available(emu)
    # When it is refunded in full: the refund starts succeeded, the charge is refunded
    refund = emu.client.v1.refunds.create({"payment_intent": intent.id})
    assert refund.status == "succeeded" and refund.to_dict().get("failure_reason") is None
    charge = emu.client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (5000, True)
    before = emu.events()
    # And the account's clock moves, but not past the delay: nothing happens yet
    _advance_account(emu, REFUND_FAILURE_DELAY // 2)
    assert emu.client.v1.refunds.retrieve(refund.id).status == "succeeded"
    assert emu.types(after=before) == []
    # When it moves past the delay
    _advance_account(emu, REFUND_FAILURE_DELAY)
    # Then the refund failed with a reason, its failure balance transaction gives the money back
    failed = emu.client.v1.refunds.retrieve(refund.id, {"expand": ["failure_balance_transaction"]})
    assert (failed.status, failed.failure_reason) == ("failed", "expired_or_canceled_card")
    txn = failed.failure_balance_transaction
    assert (txn.type, txn.reporting_category, txn.amount, txn.source) == ("refund_failure", "refund_failure", 5000,
                                                                          refund.id)
    assert _available(emu) == balance_paid
    # And the charge is no longer refunded; its refunds list shows the failed refund
    charge = emu.client.v1.charges.retrieve(intent.latest_charge, {"expand": ["refunds"]})
    assert (charge.amount_refunded, charge.refunded) == (0, False)
    assert [(r.id, r.status) for r in charge.refunds.data] == [(refund.id, "failed")]
    # And Stripe's events say so, each with the refund: the two updates with its previous status
    events = [e for e in emu.events() if e.id not in {b.id for b in before}]
    assert [e.type for e in events] == ["charge.refund.updated", "refund.updated", "refund.failed"]
    assert {(e.data.object.id, e.data.object.status) for e in events} == {(refund.id, "failed")}
    assert [e.data.previous_attributes.status for e in events[:2]] == ["succeeded", "succeeded"]
    assert "previous_attributes" not in events[2].data.to_dict()
    assert _mismatches(failed, charge, *(e.data.object for e in events)) == []


def test_a_partial_refund_on_a_test_clock_fails_when_the_clock_advances_and_the_charge_keeps_the_rest(emu: Emu):
    # Given a subscription paid with the refund-failure card, its customer on a test clock
    clock = emu.clock()
    sub = emu.subscribe(emu.price(1900), card=REFUND_FAIL, clock=clock)
    invoice = emu.client.v1.invoices.retrieve(sub.latest_invoice)
    charge_id = emu.client.v1.invoice_payments.list({"invoice": invoice.id}).data[0].payment.payment_intent
    intent = emu.client.v1.payment_intents.retrieve(charge_id)
    # When two partial refunds are made, and the clock advances past the delay
    first = emu.client.v1.refunds.create({"payment_intent": intent.id, "amount": 500})
    emu.advance(clock, REFUND_FAILURE_DELAY + 1)
    second = emu.client.v1.refunds.create({"payment_intent": intent.id, "amount": 300})
    # Then the first failed at the clock's time, the second (made after it) still stands
    assert emu.client.v1.refunds.retrieve(first.id).status == "failed"
    assert emu.client.v1.refunds.retrieve(second.id).status == "succeeded"
    failed_event = next(e for e in emu.events() if e.type == "refund.failed")
    assert failed_event.created == first.created + REFUND_FAILURE_DELAY
    charge = emu.client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (300, False)
    # And once the clock passes the second one's delay too, nothing is left refunded
    emu.advance(clock, REFUND_FAILURE_DELAY + 1)
    assert emu.client.v1.charges.retrieve(intent.latest_charge).amount_refunded == 0


def test_a_refund_on_another_card_never_fails(emu: Emu):
    intent = emu.client.v1.payment_intents.create({"amount": 2000, "currency": "usd", "confirm": True,
                                                   "payment_method": "pm_card_visa"})
    refund = emu.client.v1.refunds.create({"payment_intent": intent.id})
    _advance_account(emu, 10 * REFUND_FAILURE_DELAY)
    assert emu.client.v1.refunds.retrieve(refund.id).status == "succeeded"
    assert emu.client.v1.charges.retrieve(intent.latest_charge).amount_refunded == 2000
