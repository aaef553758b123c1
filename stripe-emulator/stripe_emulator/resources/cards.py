"""Stripe's test cards and what each does, payment method objects, and the payment_methods resource."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..engine import errors
from ..engine.events import Tracker, emit
from ..engine.ids import new_id
from ..engine.params import get_dict, get_int, get_list, get_metadata, get_str
from ..engine.render import paginate, render
from ..engine.routes import Ctx, api
from ..engine.store import World


@dataclass(frozen=True)
class TestCard:
    number: str
    brand: str
    funding: str = "credit"
    # "succeed" | "decline" (on every charge, also at checkout) | "authenticate" (3-D Secure on every payment) |
    # "authenticate_unless_setup" (3-D Secure until the card was authenticated once, then off-session payments pass)
    behaviour: str = "succeed"
    decline_code: str | None = None  # for declines: Stripe's `code` is card_declined unless the decline is special
    attachable: bool = True  # False: saving the card fails too (only a charge can fail on 4000000000000341)
    dispute: str | None = None  # the charge succeeds, then the cardholder disputes it for this reason
    refund_failure: str | None = None  # its refunds succeed, then fail some time later for this `failure_reason`
    cvc_check: str = "pass"

    @property
    def last4(self) -> str:
        return self.number[-4:]


TEST_CARDS = {card.number: card for card in (
    TestCard("4242424242424242", "visa"),
    TestCard("4012888888881881", "visa"),
    TestCard("4000056655665556", "visa", "debit"),
    TestCard("5555555555554444", "mastercard"),
    TestCard("2223003122003222", "mastercard"),
    TestCard("5200828282828210", "mastercard", "debit"),
    TestCard("5105105105105100", "mastercard", "prepaid"),
    TestCard("378282246310005", "amex"),
    TestCard("371449635398431", "amex"),
    TestCard("6011111111111117", "discover"),
    TestCard("6011000990139424", "discover"),
    TestCard("3056930009020004", "diners"),
    TestCard("36227206271667", "diners"),
    TestCard("3566002020360505", "jcb"),
    TestCard("6200000000000005", "unionpay"),
    TestCard("4000000000000077", "visa"),  # bypasses the pending balance
    TestCard("4000000000000093", "visa"),  # domestic pricing
    TestCard("4000000000003055", "visa"),  # 3-D Secure supported, not required
    TestCard("4000000000000002", "visa", behaviour="decline", decline_code="generic_decline", attachable=False),
    TestCard("4000000000009995", "visa", behaviour="decline", decline_code="insufficient_funds"),
    TestCard("4000000000009987", "visa", behaviour="decline", decline_code="lost_card", attachable=False),
    TestCard("4000000000009979", "visa", behaviour="decline", decline_code="stolen_card", attachable=False),
    TestCard("4000000000000069", "visa", behaviour="decline", decline_code="expired_card", attachable=False),
    TestCard("4000000000000127", "visa", behaviour="decline", decline_code="incorrect_cvc", attachable=False),
    TestCard("4000000000000119", "visa", behaviour="decline", decline_code="processing_error", attachable=False),
    TestCard("4000000000006975", "visa", behaviour="decline", decline_code="card_velocity_exceeded",
             attachable=False),
    TestCard("4100000000000019", "visa", behaviour="decline", decline_code="fraudulent", attachable=False),
    TestCard("4000000000000101", "visa", behaviour="decline", decline_code="incorrect_cvc", attachable=False,
             cvc_check="fail"),
    TestCard("4000000000003220", "visa", behaviour="authenticate"),
    TestCard("4000000000003063", "visa", behaviour="authenticate"),
    TestCard("4000002760003184", "visa", behaviour="authenticate"),
    TestCard("4000002500003155", "visa", behaviour="authenticate_unless_setup"),
    # Attaches to a customer fine; every charge on it then fails (Stripe's "charge customer fail" card).
    TestCard("4000000000000341", "visa", behaviour="decline", decline_code="generic_decline"),
    # Charges succeed, then the cardholder disputes them (Stripe's dispute test cards).
    TestCard("4000000000000259", "visa", dispute="fraudulent"),
    TestCard("4000000000002685", "visa", dispute="product_not_received"),
    TestCard("4000000000001976", "visa", dispute="inquiry"),
    TestCard("4000008400001629", "visa", dispute="noncompliant"),
    # Charges succeed; a refund starts `succeeded` and fails some time later (Stripe's "Refunds" test card).
    TestCard("4000000000005126", "visa", refund_failure="expired_or_canceled_card"),
)}

# Stripe's test PaymentMethod ids (`pm_card_<name>`), accepted wherever a payment method id is; the same names
# as tokens (`tok_<name>`) where Stripe takes a card token. Both create a new payment method on each use.
_TEST_NAMES = {
    "visa": "4242424242424242", "visa_debit": "4000056655665556", "mastercard": "5555555555554444",
    "mastercard_debit": "5200828282828210", "mastercard_prepaid": "5105105105105100", "amex": "378282246310005",
    "discover": "6011111111111117", "diners": "3056930009020004", "jcb": "3566002020360505",
    "unionpay": "6200000000000005", "bypassPending": "4000000000000077", "domesticPricing": "4000000000000093",
    "chargeDeclined": "4000000000000002", "chargeDeclinedInsufficientFunds": "4000000000009995",
    "chargeDeclinedLostCard": "4000000000009987", "chargeDeclinedStolenCard": "4000000000009979",
    "chargeDeclinedExpiredCard": "4000000000000069", "chargeDeclinedIncorrectCvc": "4000000000000127",
    "chargeDeclinedProcessingError": "4000000000000119", "chargeDeclinedVelocityLimitExceeded": "4000000000006975",
    "chargeDeclinedFraudulent": "4100000000000019", "radarBlock": "4100000000000019",
    "cvcCheckFail": "4000000000000101", "chargeCustomerFail": "4000000000000341",
    "authenticationRequired": "4000002760003184", "authenticationRequiredOnSetup": "4000002500003155",
    "threeDSecure2Required": "4000000000003220", "threeDSecureRequired": "4000000000003063",
    "threeDSecureOptional": "4000000000003055",
    "createDispute": "4000000000000259", "createDisputeProductNotReceived": "4000000000002685",
    "createDisputeInquiry": "4000000000001976", "createComplianceDispute": "4000008400001629",
    "refundFail": "4000000000005126",
}
# The newer docs spell the declines `pm_card_visa_chargeDeclined...`; both spellings work.
PAYMENT_METHOD_TOKENS = {
    **{f"pm_card_{name}": number for name, number in _TEST_NAMES.items()},
    **{f"pm_card_visa_{name}": number for name, number in _TEST_NAMES.items() if name.startswith("chargeDeclined")},
    **{f"tok_{name}": number for name, number in _TEST_NAMES.items()},
}

# code, message per decline (as Stripe words them).
# Decline codes after which Stripe makes no further automatic retry of an invoice payment (Smart Retries and custom
# schedules alike): the issuer's "do not try again" (docs: Automate payment retries, non-retryable decline codes).
# `fraudulent` is the emulator's Radar block (`4100000000000019`), which Stripe reports as `highest_risk_level` too.
HARD_DECLINES = frozenset({
    "incorrect_number", "lost_card", "pickup_card", "stolen_card", "revocation_of_authorization",
    "revocation_of_all_authorizations", "highest_risk_level", "fraudulent",
})

DECLINES = {
    "generic_decline": ("card_declined", "Your card was declined."),
    "insufficient_funds": ("card_declined", "Your card has insufficient funds."),
    "lost_card": ("card_declined", "Your card was declined."),
    "stolen_card": ("card_declined", "Your card was declined."),
    "card_velocity_exceeded": ("card_declined", "Your card was declined for making repeated attempts too frequently "
                                                "or exceeding its amount limit."),
    "fraudulent": ("card_declined", "Your card was declined."),
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


def allowed_types(params: dict) -> list[str] | None:
    """An intent's `allowed_payment_method_types` (what the pinned version calls the older `payment_method_types`
    parameter): cards are what the emulator models; another type is refused by name rather than never offered."""
    types = [str(t) for t in get_list(params, "allowed_payment_method_types")]
    for i, kind in enumerate(types):
        if kind != "card":
            raise errors.invalid(f'The payment method type "{kind}" is invalid. The emulator models card payments '
                                 "only.", param=f"allowed_payment_method_types[{i}]",
                                 code="payment_method_invalid_parameter")
    return types or None


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
                                                 "cvc_check": card.cvc_check},
                 "country": "US", "display_brand": card.brand, "exp_month": 12, "exp_year": 2034,
                 "fingerprint": fingerprint, "funding": card.funding, "generated_from": None, "last4": card.last4,
                 "networks": {"available": [card.brand], "preferred": None},
                 "regulated_status": "unregulated", "three_d_secure_usage": {"supported": True}, "wallet": None},
        "created": created if created is not None else world.now(), "customer": customer,
        "livemode": world.livemode, "metadata": {}, "type": "card", "_number": card.number,
    })


def resolve_payment_method(world: World, value: str, *, param: str, customer: str | None = None) -> dict:
    """A `pm_...` id of this account, a test token (`pm_card_visa`, `tok_visa`), or a raw test card number."""
    if value in PAYMENT_METHOD_TOKENS:
        return create_payment_method(world, PAYMENT_METHOD_TOKENS[value], customer=customer)
    if value.isdigit():
        return create_payment_method(world, value, customer=customer)
    return world.get("payment_methods", value, param=param, status=400)


def behaviour_of(pm: dict, card: TestCard, *, authenticated: bool = False) -> str:
    """What a payment attempt with `pm` does now. A card that needs 3-D Secure only until it was authenticated once
    (4000002500003155) remembers the authentication on the payment method, as a set-up card does on Stripe."""
    if authenticated:
        pm["_authenticated"] = True
        return "succeed"
    if card.behaviour == "authenticate_unless_setup":
        return "succeed" if pm.get("_authenticated") else "authenticate"
    return card.behaviour


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


@api("GET", "/v1/payment_methods/<id>", "payment_methods", "PaymentMethodRetrieveParams")
def retrieve_payment_method(ctx: Ctx, params: dict, id: str) -> dict:
    pm = resolve_payment_method(ctx.world, id, param="id") if id in PAYMENT_METHOD_TOKENS else \
        ctx.world.get("payment_methods", id)
    return render(ctx.world, "payment_methods", pm, ctx.expand)


@api("POST", "/v1/payment_methods", "payment_methods", "PaymentMethodCreateParams")
def create_payment_method_route(ctx: Ctx, params: dict) -> dict:
    """`type=card` with `card[number]` (a test card number) or `card[token]` (`tok_visa`); other types are not
    modelled."""
    get_str(params, "type", required=True, choices=("card",))
    card = get_dict(params, "card")
    number, token = get_str(card, "number", param="card[number]"), get_str(card, "token", param="card[token]")
    if bool(number) == bool(token):
        raise errors.invalid("You must provide exactly one of card[number] or card[token].", param="card")
    if token and token not in PAYMENT_METHOD_TOKENS:
        raise errors.missing("token", token, param="card[token]", status=400)
    details = get_dict(params, "billing_details")
    pm = create_payment_method(ctx.world, PAYMENT_METHOD_TOKENS[token] if token else number or "",
                               email=get_str(details, "email", param="billing_details[email]"),
                               name=get_str(details, "name", param="billing_details[name]"))
    pm["billing_details"]["phone"] = get_str(details, "phone", param="billing_details[phone]")
    # The expiry given is the card's; any CVC passes, as in test mode the number decides the outcome.
    for name in ("exp_month", "exp_year"):
        value = get_int(card, name, param=f"card[{name}]")
        if value is not None:
            pm["card"][name] = value
    get_str(card, "cvc", param="card[cvc]")
    pm["metadata"] = get_metadata(params)
    pm["allow_redisplay"] = get_str(params, "allow_redisplay", choices=("always", "limited", "unspecified")) \
        or "unspecified"
    return render(ctx.world, "payment_methods", pm, ctx.expand)


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
    customer = ctx.world.get("customers", get_str(params, "customer", required=True), param="customer", status=400)
    # A test token attaches a new payment method made from its card, as on Stripe.
    pm = resolve_payment_method(ctx.world, id, param="id") if id in PAYMENT_METHOD_TOKENS else \
        ctx.world.get("payment_methods", id)
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
