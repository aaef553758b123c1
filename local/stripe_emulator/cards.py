"""Stripe's test cards and what each does, payment method objects, and the payment_methods resource."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from . import errors
from .events import Tracker, emit
from .ids import new_id
from .params import get_str
from .render import paginate, render
from .routes import Ctx, api, retrieve
from .store import World


@dataclass(frozen=True)
class TestCard:
    number: str
    brand: str
    funding: str = "credit"
    # "succeed" | "decline" (on every charge, also at checkout) | "authenticate" (3D Secure on every payment)
    behaviour: str = "succeed"
    decline_code: str | None = None  # for declines: Stripe's `code` is card_declined unless the decline is special
    attachable: bool = True  # False: saving the card fails too (only a charge can fail on 4000000000000341)

    @property
    def last4(self) -> str:
        return self.number[-4:]


TEST_CARDS = {card.number: card for card in (
    TestCard("4242424242424242", "visa"),
    TestCard("4000056655665556", "visa", "debit"),
    TestCard("5555555555554444", "mastercard"),
    TestCard("2223003122003222", "mastercard"),
    TestCard("378282246310005", "amex"),
    TestCard("6011111111111117", "discover"),
    TestCard("4000000000000002", "visa", behaviour="decline", decline_code="generic_decline", attachable=False),
    TestCard("4000000000009995", "visa", behaviour="decline", decline_code="insufficient_funds"),
    TestCard("4000000000009987", "visa", behaviour="decline", decline_code="lost_card", attachable=False),
    TestCard("4000000000000069", "visa", behaviour="decline", decline_code="expired_card", attachable=False),
    TestCard("4000000000000127", "visa", behaviour="decline", decline_code="incorrect_cvc", attachable=False),
    TestCard("4000000000000119", "visa", behaviour="decline", decline_code="processing_error", attachable=False),
    TestCard("4000000000003220", "visa", behaviour="authenticate"),
    # Attaches to a customer fine; every charge on it then fails (Stripe's "charge customer fail" card).
    TestCard("4000000000000341", "visa", behaviour="decline", decline_code="generic_decline"),
)}

# Test PaymentMethod ids the API accepts in place of a card number.
PAYMENT_METHOD_TOKENS = {
    "pm_card_visa": "4242424242424242",
    "pm_card_visa_debit": "4000056655665556",
    "pm_card_mastercard": "5555555555554444",
    "pm_card_amex": "378282246310005",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_chargeDeclinedExpiredCard": "4000000000000069",
    "pm_card_authenticationRequired": "4000000000003220",
    "pm_card_chargeCustomerFail": "4000000000000341",
    "tok_visa": "4242424242424242",
    "tok_chargeDeclined": "4000000000000002",
}

# code, message per decline (as Stripe words them).
DECLINES = {
    "generic_decline": ("card_declined", "Your card was declined."),
    "insufficient_funds": ("card_declined", "Your card has insufficient funds."),
    "lost_card": ("card_declined", "Your card was declined."),
    "expired_card": ("expired_card", "Your card has expired."),
    "incorrect_cvc": ("incorrect_cvc", "Your card's security code is incorrect."),
    "processing_error": ("processing_error",
                         "An error occurred while processing your card. Try again in a little bit."),
    "authentication_failure": ("payment_intent_authentication_failure",
                               "We are unable to authenticate your payment method. Please choose a different "
                               "payment method and try again."),
    "test_mode_live_card": ("card_declined", "Your card was declined. Your request was in test mode, but used a "
                                             "non test card. For a list of valid test cards, visit: "
                                             "https://stripe.com/docs/testing."),
}


def card_for_number(number: str) -> TestCard:
    digits = "".join(ch for ch in number if ch.isdigit())
    if not digits:
        raise errors.card_error("Your card number is incorrect.", "incorrect_number")
    card = TEST_CARDS.get(digits)
    if card is not None:
        return card
    if not _luhn(digits) or not 13 <= len(digits) <= 19:
        raise errors.card_error("Your card number is invalid.", "invalid_number", param="number")
    # A real card number in an emulator: declined, as Stripe's test mode does.
    return TestCard(digits, "visa", behaviour="decline", decline_code="test_mode_live_card", attachable=False)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def card_of(world: World, payment_method_id: str | None) -> TestCard | None:
    pm = world.find("payment_methods", payment_method_id)
    if pm is None:
        return None
    return card_for_number(pm["_number"])


def create_payment_method(world: World, number: str, *, customer: str | None = None, email: str | None = None,
                          name: str | None = None, created: int | None = None) -> dict:
    card = card_for_number(number)
    fingerprint = hashlib.sha256(f"{world.account.id}:{card.number}".encode()).hexdigest()[:16]
    return world.add("payment_methods", {
        "id": new_id("pm"), "object": "payment_method", "allow_redisplay": "unspecified",
        "billing_details": {"address": {"city": None, "country": None, "line1": None, "line2": None,
                                        "postal_code": None, "state": None},
                            "email": email, "name": name, "phone": None, "tax_id": None},
        "card": {"brand": card.brand, "checks": {"address_line1_check": None, "address_postal_code_check": None,
                                                 "cvc_check": "pass"},
                 "country": "US", "display_brand": card.brand, "exp_month": 12, "exp_year": 2034,
                 "fingerprint": fingerprint, "funding": card.funding, "generated_from": None, "last4": card.last4,
                 "networks": {"available": [card.brand], "preferred": None},
                 "regulated_status": "unregulated", "three_d_secure_usage": {"supported": True}, "wallet": None},
        "created": created if created is not None else world.now(), "customer": customer,
        "livemode": world.livemode, "metadata": {}, "type": "card", "_number": card.number,
    })


def resolve_payment_method(world: World, value: str, *, param: str, customer: str | None = None) -> dict:
    """A `pm_...` id of this account, a test token (`pm_card_visa`), or a raw test card number."""
    if value in PAYMENT_METHOD_TOKENS:
        return create_payment_method(world, PAYMENT_METHOD_TOKENS[value], customer=customer)
    if value.isdigit():
        return create_payment_method(world, value, customer=customer)
    return world.get("payment_methods", value, param=param, status=400)


def require_attachable(number: str) -> TestCard:
    """Saving a card for later charges: declining cards fail here already, as Stripe's card checks do."""
    card = card_for_number(number)
    if not card.attachable:
        code, message = DECLINES[card.decline_code or "generic_decline"]
        raise errors.card_error(message, code, decline_code=card.decline_code if code == "card_declined" else None,
                                param="payment_method")
    return card


def attach(world: World, pm: dict, customer: dict) -> None:
    if pm["customer"] == customer["id"]:
        return
    if pm["customer"] is not None:
        raise errors.invalid("The payment method you provided has already been attached to a customer.",
                             param="payment_method")
    require_attachable(pm["_number"])
    pm["customer"] = customer["id"]
    emit(world, "payment_method.attached", "payment_methods", pm, created=world.now_for(customer))


def set_default_payment_method(world: World, customer: dict, pm: dict) -> None:
    attach(world, pm, customer)
    tracker = Tracker(world, "customers", customer)
    customer["invoice_settings"]["default_payment_method"] = pm["id"]
    tracker.emit_updated("customer.updated", created=world.now_for(customer))


retrieve("/v1/payment_methods/<id>", "payment_methods", "PaymentMethodRetrieveParams")


@api("GET", "/v1/customers/<id>/payment_methods", "customers", "CustomerListPaymentMethodsParams")
def list_customer_payment_methods(ctx: Ctx, params: dict, id: str) -> dict:
    ctx.world.get("customers", id)
    items = [pm for pm in ctx.world.newest_first("payment_methods") if pm["customer"] == id]
    return paginate(ctx.world, "payment_methods", items, params, f"/v1/customers/{id}/payment_methods", ctx.expand)


@api("GET", "/v1/payment_methods", "payment_methods", "PaymentMethodListParams")
def list_payment_methods(ctx: Ctx, params: dict) -> dict:
    customer = get_str(params, "customer")
    items = [pm for pm in ctx.world.newest_first("payment_methods") if customer is None or pm["customer"] == customer]
    return paginate(ctx.world, "payment_methods", items, params, "/v1/payment_methods", ctx.expand)


@api("POST", "/v1/payment_methods/<id>/attach", "payment_methods", "PaymentMethodAttachParams")
def attach_payment_method(ctx: Ctx, params: dict, id: str) -> dict:
    pm = ctx.world.get("payment_methods", id)
    customer = ctx.world.get("customers", get_str(params, "customer", required=True), param="customer", status=400)
    attach(ctx.world, pm, customer)
    return render(ctx.world, "payment_methods", pm, ctx.expand)


@api("POST", "/v1/payment_methods/<id>/detach", "payment_methods", "PaymentMethodDetachParams")
def detach_payment_method(ctx: Ctx, params: dict, id: str) -> dict:
    pm = ctx.world.get("payment_methods", id)
    if pm["customer"] is None:
        raise errors.invalid("The payment method you provided is not attached to a customer so detachment is "
                             "impossible.", param="payment_method")
    tracker = Tracker(ctx.world, "payment_methods", pm)
    pm["customer"] = None
    emit(ctx.world, "payment_method.detached", "payment_methods", pm, previous=tracker.changes())
    return render(ctx.world, "payment_methods", pm, ctx.expand)
