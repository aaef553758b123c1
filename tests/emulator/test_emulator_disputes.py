"""Disputes from Stripe's dispute test cards, settled by test-mode evidence, and the balance transactions behind
charges, refunds and disputes."""

from __future__ import annotations

import pytest
import stripe

from stripe_emulator.conformance.objects import Report, check_object
from stripe_emulator.conformance.harness import Emu


def _mismatches(*objects: stripe.StripeObject) -> list[str]:
    report = Report()
    for obj in objects:
        check_object(report, obj.to_dict(), "answer")
    return report.mismatches


def _disputed_charge(emu: Emu, card: str = "pm_card_createDispute", amount: int = 5000) -> stripe.Charge:
    pi = emu.client.v1.payment_intents.create({"amount": amount, "currency": "usd", "confirm": True,
                                               "payment_method": card})
    return emu.client.v1.charges.retrieve(pi.latest_charge)


def test_dispute_card_charge_succeeds_then_is_disputed_with_funds_withdrawn(emu: Emu):
    # Given / When a payment with the fraudulent-dispute card 4000000000000259
    charge = _disputed_charge(emu, "4000000000000259")
    # Then the charge succeeded, is disputed, and one dispute in needs_response withdrew amount and fee
    disputes = emu.client.v1.disputes.list({"charge": charge.id}).data
    assert charge.status == "succeeded" and charge.disputed is True
    assert [(d.reason, d.status, d.amount) for d in disputes] == [("fraudulent", "needs_response", 5000)]
    [txn] = disputes[0].balance_transactions
    assert (txn.amount, txn.fee, txn.net, txn.reporting_category) == (-5000, 1500, -6500, "dispute")
    assert emu.types()[-2:] == ["charge.dispute.created", "charge.dispute.funds_withdrawn"]
    assert _mismatches(disputes[0], charge) == []


@pytest.mark.parametrize("evidence, status, last_events", [
    ("winning_evidence", "won", ["charge.dispute.updated", "charge.dispute.closed",
                                 "charge.dispute.funds_reinstated"]),
    ("losing_evidence", "lost", ["charge.dispute.updated", "charge.dispute.closed"]),
    ("a long story", "under_review", ["charge.dispute.updated"]),
])
def test_submitted_evidence_settles_the_dispute_as_stripes_test_mode_does(emu: Emu, evidence, status, last_events):
    # Given a disputed charge
    charge = _disputed_charge(emu)
    dispute = emu.client.v1.disputes.list({"charge": charge.id}).data[0]
    before = emu.events()
    # When evidence is submitted
    updated = emu.client.v1.disputes.update(dispute.id, {"evidence": {"uncategorized_text": evidence}})
    # Then the dispute follows the evidence's documented outcome, with its events
    assert updated.status == status
    assert updated.evidence.uncategorized_text == evidence
    assert updated.evidence_details.submission_count == 1
    assert emu.types(after=before) == last_events
    assert len(updated.balance_transactions) == (2 if status == "won" else 1)


def test_saved_evidence_without_submit_stays_needs_response(emu: Emu):
    # Given a disputed charge / When winning evidence is only saved
    dispute = emu.client.v1.disputes.list({"charge": _disputed_charge(emu).id}).data[0]
    saved = emu.client.v1.disputes.update(dispute.id, {"evidence": {"uncategorized_text": "winning_evidence"},
                                                       "submit": False})
    # Then nothing is decided yet
    assert saved.status == "needs_response" and saved.evidence_details.has_evidence is True


def test_closing_a_dispute_accepts_it_as_lost_and_it_cannot_change_after(emu: Emu):
    # Given a disputed charge
    dispute = emu.client.v1.disputes.list({"charge": _disputed_charge(emu).id}).data[0]
    # When it is closed
    closed = emu.client.v1.disputes.close(dispute.id)
    # Then it is lost, with charge.dispute.closed, and further evidence is refused
    assert closed.status == "lost"
    assert emu.types()[-1] == "charge.dispute.closed"
    with pytest.raises(stripe.InvalidRequestError):
        emu.client.v1.disputes.update(dispute.id, {"evidence": {"uncategorized_text": "winning_evidence"}})


def test_inquiry_card_opens_a_warning_that_moves_no_money(emu: Emu):
    # Given / When the inquiry card pays
    charge = _disputed_charge(emu, "pm_card_createDisputeInquiry")
    dispute = emu.client.v1.disputes.list({"charge": charge.id}).data[0]
    # Then a warning with no balance movement; closing it closes the warning
    assert (dispute.status, dispute.reason, dispute.balance_transactions) == ("warning_needs_response", "general", [])
    assert emu.client.v1.disputes.close(dispute.id).status == "warning_closed"


def test_charges_and_refunds_have_retrievable_balance_transactions(emu: Emu):
    # Given a paid charge, partly refunded
    pi = emu.client.v1.payment_intents.create({"amount": 10000, "currency": "usd", "confirm": True,
                                               "payment_method": "pm_card_visa"})
    charge = emu.client.v1.charges.retrieve(pi.latest_charge)
    refund = emu.client.v1.refunds.create({"charge": charge.id, "amount": 2500})
    # When their balance transactions are read
    charge_txn = emu.client.v1.balance_transactions.retrieve(charge.balance_transaction)
    refund_txn = emu.client.v1.balance_transactions.retrieve(refund.balance_transaction)
    listed = emu.client.v1.balance_transactions.list({"type": "charge"})
    # Then they record the movement with Stripe's fee, and list, filter and expand
    assert (charge_txn.type, charge_txn.amount, charge_txn.fee, charge_txn.net) == ("charge", 10000, 320, 9680)
    assert charge_txn.source == charge.id and charge_txn.status == "pending"
    assert (refund_txn.type, refund_txn.amount, refund_txn.source) == ("refund", -2500, refund.id)
    assert [t.id for t in listed.data] == [charge_txn.id]
    expanded = emu.client.v1.charges.retrieve(charge.id, {"expand": ["balance_transaction"]})
    assert expanded.balance_transaction.id == charge_txn.id
    assert _mismatches(charge_txn, refund_txn) == []
