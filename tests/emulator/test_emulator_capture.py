"""`capture_method=manual`: authorized payment intents (direct and through Checkout), their capture and cancel, and
the events Stripe sends for each."""

from __future__ import annotations

import pytest
import stripe

from stripe_emulator.conformance.harness import Emu


def _authorized(emu: Emu, amount: int = 1000) -> stripe.PaymentIntent:
    return emu.client.v1.payment_intents.create({"amount": amount, "currency": "usd", "capture_method": "manual",
                                                 "payment_method": "pm_card_visa", "confirm": True})


def test_a_manual_capture_intent_is_only_authorized_on_confirmation(emu: Emu):
    # When an intent with capture_method=manual is confirmed with a good card
    intent = _authorized(emu)
    # Then it waits for capture with the whole amount capturable, its charge authorized but not captured
    assert (intent.status, intent.capture_method, intent.amount_capturable, intent.amount_received) == (
        "requires_capture", "manual", 1000, 0)
    charge = emu.client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.captured, charge.amount_captured, charge.paid, charge.balance_transaction) == (False, 0, True, None)
    assert emu.types()[-2:] == ["charge.succeeded", "payment_intent.amount_capturable_updated"]


def test_capturing_part_of_an_authorization_settles_that_amount(emu: Emu):
    # Given an authorized intent of $10
    intent = _authorized(emu)
    before = emu.events()
    # When $6 of it is captured
    captured = emu.client.v1.payment_intents.capture(intent.id, {"amount_to_capture": 600,
                                                                 "metadata": {"order": "7"}})
    # Then the intent succeeded with $6 received, the charge is captured with its ledger entry, as Stripe reports
    assert (captured.status, captured.amount_received, captured.amount_capturable) == ("succeeded", 600, 0)
    assert captured.metadata.to_dict() == {"order": "7"}
    charge = emu.client.v1.charges.retrieve(intent.latest_charge, {"expand": ["balance_transaction"]})
    assert (charge.captured, charge.amount_captured, charge.balance_transaction.amount) == (True, 600, 600)
    assert emu.types(after=before) == ["charge.captured", "payment_intent.succeeded"]


def test_capture_refuses_more_than_authorized_and_an_intent_not_awaiting_capture(emu: Emu):
    # Given an authorized intent and an automatically captured one
    intent = _authorized(emu)
    automatic = emu.client.v1.payment_intents.create({"amount": 500, "currency": "usd",
                                                      "payment_method": "pm_card_visa", "confirm": True})
    # When more than authorized is captured, and the captured intent is captured again
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        emu.client.v1.payment_intents.capture(intent.id, {"amount_to_capture": 1001})
    with pytest.raises(stripe.InvalidRequestError) as not_waiting:
        emu.client.v1.payment_intents.capture(automatic.id)
    # Then both are Stripe's 400s
    assert (too_much.value.code, too_much.value.param) == ("amount_too_large", "amount_to_capture")
    assert not_waiting.value.code == "payment_intent_unexpected_state"


def test_canceling_an_authorization_releases_it(emu: Emu):
    # Given an authorized intent
    intent = _authorized(emu)
    before = emu.events()
    # When it is canceled
    canceled = emu.client.v1.payment_intents.cancel(intent.id, {"cancellation_reason": "abandoned"})
    # Then nothing is capturable and the uncaptured charge is refunded in full
    assert (canceled.status, canceled.amount_capturable, canceled.cancellation_reason) == ("canceled", 0, "abandoned")
    charge = emu.client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.refunded, charge.amount_refunded, charge.captured) == (True, 1000, False)
    assert emu.types(after=before) == ["charge.refunded", "payment_intent.canceled"]


def test_checkout_with_manual_capture_completes_unpaid_until_captured(emu: Emu):
    # Given a payment session asking for a manual capture
    session = emu.session(emu.price(2500, None), payment_intent_data={"capture_method": "manual"})
    # When the buyer pays on the hosted page
    result = emu.pay(session.id)
    # Then the session completes unpaid with an authorized intent; capturing it makes the session paid
    completed = emu.client.v1.checkout.sessions.retrieve(session.id, {"expand": ["payment_intent"]})
    assert (result["status"], completed.status, completed.payment_status) == ("succeeded", "complete", "unpaid")
    assert (completed.payment_intent.status, completed.payment_intent.amount_capturable) == ("requires_capture", 2500)
    emu.client.v1.payment_intents.capture(completed.payment_intent.id)
    assert emu.client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"
