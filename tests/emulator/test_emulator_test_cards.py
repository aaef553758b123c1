"""Stripe's test payment methods (`pm_card_*`, `tok_*`) and test card numbers, through the official SDK."""

from __future__ import annotations

import pytest
import stripe

from stripe_emulator.conformance.objects import Report, check_object
from stripe_emulator.conformance.harness import Emu


def _conforms(obj: stripe.StripeObject) -> list[str]:
    report = Report()
    check_object(report, obj.to_dict(), "answer")
    return report.mismatches


def _pay(emu: Emu, payment_method: str, amount: int = 2000, **params) -> stripe.PaymentIntent:
    return emu.client.v1.payment_intents.create({"amount": amount, "currency": "usd", "confirm": True,
                                                 "payment_method": payment_method, **params})


@pytest.mark.parametrize("token, brand, funding", [
    ("pm_card_visa", "visa", "credit"), ("pm_card_mastercard_debit", "mastercard", "debit"),
    ("pm_card_mastercard_prepaid", "mastercard", "prepaid"), ("pm_card_discover", "discover", "credit"),
    ("pm_card_jcb", "jcb", "credit"), ("tok_amex", "amex", "credit"), ("tok_visa_debit", "visa", "debit"),
])
def test_test_tokens_pay_as_the_card_they_name(emu: Emu, token, brand, funding):
    # Given a test token Stripe documents
    # When a payment intent is confirmed with it
    pi = _pay(emu, token)
    # Then it succeeds on a payment method of that brand and funding
    pm = emu.client.v1.payment_methods.retrieve(pi.payment_method)
    assert pi.status == "succeeded"
    assert (pm.card.brand, pm.card.funding) == (brand, funding)
    assert pm.id.startswith("pm_") and pm.id != token


@pytest.mark.parametrize("token, code, decline_code", [
    ("pm_card_chargeDeclined", "card_declined", "generic_decline"),
    ("pm_card_visa_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"),
    ("pm_card_chargeDeclinedStolenCard", "card_declined", "stolen_card"),
    ("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", None),
    ("tok_chargeDeclinedExpiredCard", "expired_card", None),
    ("pm_card_radarBlock", "card_declined", "fraudulent"),
])
def test_decline_tokens_answer_stripes_card_error(emu: Emu, token, code, decline_code):
    # Given a decline token / When a payment is confirmed with it
    with pytest.raises(stripe.CardError) as raised:
        _pay(emu, token)
    # Then the 402 carries the documented code and decline code
    assert raised.value.code == code
    assert raised.value.error.decline_code == decline_code


def test_insufficient_funds_card_number_declines_with_insufficient_funds(emu: Emu):
    # Given the documented insufficient-funds card, created as a payment method from its number
    pm = emu.client.v1.payment_methods.create({"type": "card", "card": {"number": "4000000000009995",
                                                                        "exp_month": 12, "exp_year": 2034}})
    # When it pays / Then the decline names insufficient funds
    with pytest.raises(stripe.CardError) as raised:
        _pay(emu, pm.id)
    assert raised.value.error.decline_code == "insufficient_funds"
    assert raised.value.user_message == "Your card has insufficient funds."


def test_payment_methods_create_from_a_token_or_a_number_and_conform(emu: Emu):
    # Given card details as a token and as a number
    # When payment methods are created from them
    from_token = emu.client.v1.payment_methods.create(
        {"type": "card", "card": {"token": "tok_mastercard"}, "billing_details": {"name": "Ada", "email": "a@x.io"},
         "metadata": {"k": "v"}})
    from_number = emu.client.v1.payment_methods.create({"type": "card", "card": {"number": "4242424242424242"}})
    # Then they are stored payment methods with the card's details, shaped as the SDK types them
    assert emu.client.v1.payment_methods.retrieve(from_token.id).card.last4 == "4444"
    assert from_token.billing_details.name == "Ada" and from_token.metadata.to_dict() == {"k": "v"}
    assert from_number.card.brand == "visa" and from_number.customer is None
    assert _conforms(from_token) == []


def test_payment_methods_create_refuses_unknown_tokens_and_other_types(emu: Emu):
    # Given / When an unknown token or a non-card type is sent / Then Stripe's 400s answer
    with pytest.raises(stripe.InvalidRequestError) as raised:
        emu.client.v1.payment_methods.create({"type": "card", "card": {"token": "tok_nope"}})
    assert raised.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError):
        emu.client.v1.payment_methods.create({"type": "sepa_debit"})


def test_attach_takes_a_test_token_in_the_path(emu: Emu):
    # Given a customer
    customer = emu.client.v1.customers.create({"email": "t@example.com"})
    # When a test token is attached through its own route
    pm = emu.client.v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})
    # Then a new payment method of that card belongs to the customer
    assert pm.id.startswith("pm_") and pm.id != "pm_card_visa"
    assert pm.customer == customer.id
    listed = emu.client.v1.customers.payment_methods.list(customer.id)
    assert [p.id for p in listed.data] == [pm.id]


def test_attach_time_declines_happen_at_attach_and_charge_time_ones_later(emu: Emu):
    # Given a customer
    customer = emu.client.v1.customers.create({"email": "t@example.com"})
    # When the generic-decline card is attached / Then attaching already fails, as Stripe's card check does
    with pytest.raises(stripe.CardError) as raised:
        emu.client.v1.payment_methods.attach("pm_card_chargeDeclined", {"customer": customer.id})
    assert raised.value.code == "card_declined"
    # When the "charge customer fail" card is attached / Then it attaches and only its charges fail
    pm = emu.client.v1.payment_methods.attach("pm_card_chargeCustomerFail", {"customer": customer.id})
    assert pm.customer == customer.id
    with pytest.raises(stripe.CardError):
        _pay(emu, pm.id, customer=customer.id)


def test_retrieving_a_test_token_returns_a_payment_method_of_its_card(emu: Emu):
    # Given / When a test token is retrieved / Then a payment method of that card answers
    pm = emu.client.v1.payment_methods.retrieve("pm_card_amex")
    assert pm.card.brand == "amex" and pm.object == "payment_method"


def test_tokens_work_as_subscription_and_invoice_payment_methods(emu: Emu):
    # Given a customer and a price
    customer = emu.client.v1.customers.create({"email": "t@example.com", "payment_method": "pm_card_visa"})
    price = emu.price(900)
    # When a subscription names a token as its default payment method
    sub = emu.client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id}],
                                              "default_payment_method": "pm_card_mastercard"})
    # Then it is active and paid with that card
    assert sub.status == "active"
    assert emu.client.v1.payment_methods.retrieve(sub.default_payment_method).card.brand == "mastercard"


def test_card_that_requires_3ds_until_set_up_passes_once_authenticated(emu: Emu):
    # Given a customer paying on-session with the "authentication required on setup" card
    customer = emu.client.v1.customers.create({"email": "t@example.com"})
    pm = emu.client.v1.payment_methods.attach("pm_card_authenticationRequiredOnSetup", {"customer": customer.id})
    first = _pay(emu, pm.id, customer=customer.id)
    # Then the first payment asks for 3-D Secure
    assert first.status == "requires_action"
    # When the customer completes the challenge
    done = emu.admin("POST", f"/payment_intents/{first.id}/authenticate", {"outcome": "complete"}).json()
    assert done["status"] == "succeeded"
    # Then later payments with the same (now set-up) card pass without a challenge
    assert _pay(emu, pm.id, customer=customer.id).status == "succeeded"


def test_card_that_always_requires_3ds_asks_every_time(emu: Emu):
    # Given the card 4000000000003220 / When it pays twice, authenticating the first
    first = _pay(emu, "4000000000003220")
    emu.admin("POST", f"/payment_intents/{first.id}/authenticate", {"outcome": "complete"})
    second = _pay(emu, "pm_card_threeDSecure2Required")
    # Then both ask for 3-D Secure
    assert first.status == second.status == "requires_action"
