"""Setup intents (card checks, 3-D Secure, attach) and Checkout in setup mode, through the SDK."""

from __future__ import annotations

import pytest
import stripe

from stripe_emulator.conformance.objects import Report, check_object
from stripe_emulator.conformance.harness import Emu


def test_a_confirmed_setup_intent_attaches_the_card_with_its_events(emu: Emu):
    # Given a customer
    customer = emu.client.v1.customers.create({"email": "s@example.com"})
    # When a setup intent is created and confirmed with a test card
    seti = emu.client.v1.setup_intents.create({"customer": customer.id, "payment_method": "pm_card_visa",
                                               "confirm": True, "metadata": {"k": "v"}})
    # Then it succeeded, the card belongs to the customer, and the events say so
    assert seti.status == "succeeded" and seti.usage == "off_session"
    assert emu.client.v1.payment_methods.retrieve(seti.payment_method).customer == customer.id
    assert emu.types()[-3:] == ["setup_intent.created", "payment_method.attached", "setup_intent.succeeded"]
    report = Report()
    check_object(report, seti.to_dict(), "setup_intent")
    assert report.mismatches == []


def test_a_card_that_cannot_be_saved_fails_the_setup(emu: Emu):
    # Given a customer / When the generic-decline card is set up
    customer = emu.client.v1.customers.create({"email": "s@example.com"})
    with pytest.raises(stripe.CardError) as raised:
        emu.client.v1.setup_intents.create({"customer": customer.id, "payment_method": "pm_card_chargeDeclined",
                                            "confirm": True})
    # Then the card check declines it and the intent waits for another card
    assert raised.value.code == "card_declined"
    [seti] = emu.client.v1.setup_intents.list({"customer": customer.id}).data
    assert seti.status == "requires_payment_method" and seti.last_setup_error.code == "card_declined"
    assert emu.types()[-1] == "setup_intent.setup_failed"


def test_setup_with_3ds_makes_later_off_session_payments_pass(emu: Emu):
    # Given the card that needs 3-D Secure until set up
    customer = emu.client.v1.customers.create({"email": "s@example.com"})
    seti = emu.client.v1.setup_intents.create({"customer": customer.id, "confirm": True,
                                               "payment_method": "pm_card_authenticationRequiredOnSetup"})
    assert seti.status == "requires_action" and seti.next_action.type == "redirect_to_url"
    # When the customer authenticates the setup
    done = emu.admin("POST", f"/setup_intents/{seti.id}/authenticate", {"outcome": "complete"}).json()
    # Then the card is saved and a later payment with it needs no challenge
    assert done["status"] == "succeeded"
    pi = emu.client.v1.payment_intents.create({"amount": 1000, "currency": "usd", "customer": customer.id,
                                               "payment_method": seti.payment_method, "confirm": True})
    assert pi.status == "succeeded"


def test_setup_intents_update_confirm_and_cancel(emu: Emu):
    # Given an unconfirmed setup intent
    seti = emu.client.v1.setup_intents.create({})
    assert seti.status == "requires_payment_method"
    # When a card is set, then confirmed; and another one is canceled
    seti = emu.client.v1.setup_intents.update(seti.id, {"payment_method": "pm_card_mastercard"})
    confirmed = emu.client.v1.setup_intents.confirm(seti.id)
    other = emu.client.v1.setup_intents.cancel(emu.client.v1.setup_intents.create({}).id,
                                               {"cancellation_reason": "abandoned"})
    # Then each status follows
    assert seti.status == "requires_confirmation" and confirmed.status == "succeeded"
    assert (other.status, other.cancellation_reason) == ("canceled", "abandoned")
    with pytest.raises(stripe.InvalidRequestError):
        emu.client.v1.setup_intents.cancel(confirmed.id)


def test_checkout_in_setup_mode_saves_the_card_for_the_customer(emu: Emu):
    # Given a customer and a Checkout session in setup mode
    customer = emu.client.v1.customers.create({"email": "s@example.com"})
    session = emu.client.v1.checkout.sessions.create({
        "mode": "setup", "customer": customer.id, "currency": "usd",
        "success_url": "http://127.0.0.1:9/done?session_id={CHECKOUT_SESSION_ID}"})
    # When the card is entered on the hosted page
    paid = emu.pay(session.id, "4000056655665556")
    # Then the session completed without payment, with a succeeded setup intent whose card is the customer's
    assert paid["status"] == "succeeded"
    done = emu.client.v1.checkout.sessions.retrieve(session.id)
    assert (done.status, done.payment_status, done.amount_total) == ("complete", "no_payment_required", 0)
    seti = emu.client.v1.setup_intents.retrieve(done.setup_intent)
    assert seti.status == "succeeded"
    assert emu.client.v1.payment_methods.retrieve(seti.payment_method).customer == customer.id
    with pytest.raises(stripe.InvalidRequestError):
        emu.client.v1.checkout.sessions.create({"mode": "setup", "line_items": [{"price": "p", "quantity": 1}],
                                                "success_url": "http://127.0.0.1:9/done"})
