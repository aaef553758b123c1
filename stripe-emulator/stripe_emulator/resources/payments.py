"""Payment intents: what a payment attempt with a test card does (the charge it makes, declines, 3-D Secure, manual
capture), and the payment_intents API resource."""

from __future__ import annotations

from collections.abc import Callable

from ..engine import errors
from ..engine.events import Tracker, emit, snapshot
from ..engine.ids import new_id, random_suffix
from ..engine.params import get_bool, get_int, get_metadata, get_str, in_range, range_filter
from ..engine.render import paginate, render
from ..engine.routes import Ctx, api, retrieve, update
from ..engine.store import World
from . import balance as ledger, three_d_secure
from .cards import DECLINES, TestCard, allowed_types, behaviour_of, card_of, resolve_payment_method
from .customers import live_customer

SUCCEEDED, DECLINED, REQUIRES_ACTION = "succeeded", "declined", "requires_action"
CAPTURE_METHODS = ("automatic", "automatic_async", "manual")

# What else reacts when an intent settles outside the flow that created it (an API confirmation, the 3-D Secure
# page): billing pays the invoice behind it, checkout completes its session. (world, intent, outcome, time)
SETTLED_HOOKS: list[Callable[[World, dict, str, int], None]] = []
# What follows a successful charge on a test card (disputes): (world, charge, card, time), after its events.
CHARGED_HOOKS: list[Callable[[World, dict, TestCard, int], None]] = []


def new_payment_intent(world: World, *, amount: int, currency: str, customer: str | None, created: int,
                       description: str | None = None, metadata: dict | None = None,
                       payment_method: str | None = None, receipt_email: str | None = None,
                       capture_method: str = "automatic_async", allowed: list[str] | None = None) -> dict:
    """A payment intent awaiting confirmation; the caller emits `payment_intent.created` (see `attempt`).
    `capture_method="manual"` only authorizes: the intent waits in `requires_capture` (see `capture`)."""
    pi_id = new_id("pi")
    return world.add("payment_intents", {
        "id": pi_id, "object": "payment_intent", "amount": amount, "amount_capturable": 0,
        "amount_details": {"tip": {}}, "amount_received": 0, "application": None, "application_fee_amount": None,
        "automatic_payment_methods": None, "canceled_at": None, "cancellation_reason": None,
        "capture_method": capture_method, "client_secret": f"{pi_id}_secret_{random_suffix(25)}",
        "confirmation_method": "automatic", "created": created, "currency": currency, "customer": customer,
        "customer_account": None, "description": description, "excluded_payment_method_types": None,
        "last_payment_error": None, "latest_charge": None, "livemode": world.livemode,
        "metadata": dict(metadata or {}), "next_action": None, "on_behalf_of": None,
        "payment_method": payment_method, "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"installments": None, "mandate_options": None, "network": None,
                                            "request_three_d_secure": "automatic"}},
        "allowed_payment_method_types": allowed, "payment_method_types": ["card"], "processing": None,
        "receipt_email": receipt_email, "review": None,
        "setup_future_usage": None, "shipping": None, "source": None, "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "requires_confirmation" if payment_method else "requires_payment_method",
        "transfer_data": None, "transfer_group": None, "_created_emitted": False,
    })


def _charge(world: World, pi: dict, pm: dict, card: TestCard, created: int, failure: str | None) -> dict:
    decline = DECLINES.get(failure) if failure else None
    outcome = ({"advice_code": None, "network_advice_code": None, "network_decline_code": None,
                "network_status": "approved_by_network", "reason": None, "risk_level": "normal", "risk_score": 20,
                "seller_message": "Payment complete.", "type": "authorized"} if decline is None else
               {"advice_code": "try_again_later", "network_advice_code": None, "network_decline_code": None,
                "network_status": "declined_by_network", "reason": failure, "risk_level": "normal",
                "risk_score": 20, "seller_message": "The bank did not return any further details with this decline.",
                "type": "issuer_declined"})
    charge_id = new_id("ch")
    captured = decline is None and pi["capture_method"] != "manual"  # manual: authorized, captured later
    card_details = {k: pm["card"][k] for k in ("brand", "country", "exp_month", "exp_year", "fingerprint",
                                                 "funding", "last4", "network_token", "regulated_status")
                    if k in pm["card"]}
    return world.add("charges", {
        "id": charge_id, "object": "charge", "amount": pi["amount"],
        "amount_captured": pi["amount"] if captured else 0, "amount_refunded": 0, "application": None,
        "application_fee": None, "application_fee_amount": None,
        "balance_transaction": _ledger_entry(world, pi, charge_id, pi["amount"], created) if captured else None,
        "billing_details": dict(pm["billing_details"]), "calculated_statement_descriptor": "EMULATOR",
        "captured": captured, "created": created, "currency": pi["currency"], "customer": pi["customer"],
        "description": pi["description"], "disputed": False, "failure_balance_transaction": None,
        "failure_code": decline[0] if decline else None, "failure_message": decline[1] if decline else None,
        "fraud_details": {}, "livemode": world.livemode, "metadata": dict(pi["metadata"]), "on_behalf_of": None,
        "outcome": outcome, "paid": decline is None, "payment_intent": pi["id"], "payment_method": pm["id"],
        "payment_method_details": {"card": {**card_details, "network": card.brand,
                                            "checks": dict(pm["card"]["checks"]), "three_d_secure": None,
                                            "wallet": None},
                                   "type": "card"},
        "radar_options": {}, "receipt_email": pi["receipt_email"], "receipt_number": None,
        "receipt_url": f"{world.state.base_url}/receipts/{charge_id}", "refunded": False, "review": None,
        "shipping": None, "source": None, "source_transfer": None, "statement_descriptor": None,
        "statement_descriptor_suffix": None, "status": "succeeded" if decline is None else "failed",
        "transfer_data": None, "transfer_group": None,
    })


def _ledger_entry(world: World, pi: dict, charge_id: str, amount: int, created: int) -> str:
    return ledger.record(world, "charge", source=charge_id, amount=amount, currency=pi["currency"], created=created,
                         fee=ledger.stripe_fee(amount), description=pi["description"])


def _emit_created(world: World, pi: dict, created_snapshot: dict | None, t: int) -> None:
    if created_snapshot is not None:
        emit(world, "payment_intent.created", "payment_intents", pi, created=t, data=created_snapshot)
        pi["_created_emitted"] = True


def attempt(world: World, pi: dict, payment_method_id: str, t: int, *, force_success: bool = False) -> str:
    """Confirms `pi` with a payment method; emits `payment_intent.created` for a new intent (its state before the
    confirmation), then `charge.succeeded`, `payment_intent.succeeded`, or `charge.failed`,
    `payment_intent.payment_failed`, or `payment_intent.requires_action`.
    """
    pm = world.get("payment_methods", payment_method_id, param="payment_method", status=400)
    card = card_of(world, payment_method_id)
    assert card is not None
    created_snapshot = None if pi["_created_emitted"] else snapshot(world, "payment_intents", pi)
    _emit_created(world, pi, created_snapshot, t)
    pi["payment_method"] = pm["id"]
    behaviour = behaviour_of(pm, card, authenticated=force_success)
    if behaviour == "authenticate":
        three_d_secure.require(world, "payment_intents", pi, t)
        return REQUIRES_ACTION
    failure = card.decline_code if behaviour == "decline" else None
    charge = _charge(world, pi, pm, card, t, failure)
    pi["latest_charge"] = charge["id"]
    pi["next_action"] = None
    if failure is None and not charge["captured"]:
        pi.update(status="requires_capture", amount_capturable=pi["amount"], last_payment_error=None)
        emit(world, "charge.succeeded", "charges", charge, created=t)
        emit(world, "payment_intent.amount_capturable_updated", "payment_intents", pi, created=t)
        return SUCCEEDED
    if failure is None:
        pi.update(status="succeeded", amount_received=pi["amount"], last_payment_error=None)
        emit(world, "charge.succeeded", "charges", charge, created=t)
        emit(world, "payment_intent.succeeded", "payment_intents", pi, created=t)
        for hook in CHARGED_HOOKS:
            hook(world, charge, card, t)
        return SUCCEEDED
    pi.update(status="requires_payment_method", last_payment_error=decline_error(world, pm, charge, failure))
    emit(world, "charge.failed", "charges", charge, created=t)
    emit(world, "payment_intent.payment_failed", "payment_intents", pi, created=t)
    return DECLINED


def decline_error(world: World, pm: dict, charge: dict | None, failure: str) -> dict:
    code, message = DECLINES[failure]
    return {"charge": charge["id"] if charge else None, "code": code,
            "decline_code": failure if code == "card_declined" else None,
            "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}", "message": message,
            "payment_method": snapshot(world, "payment_methods", pm), "type": "card_error"}


def fail_authentication(world: World, pi: dict, t: int) -> None:
    pm = world.get("payment_methods", pi["payment_method"])
    pi.update(status="requires_payment_method", next_action=None,
              last_payment_error=decline_error(world, pm, None, "authentication_failure"))
    emit(world, "payment_intent.payment_failed", "payment_intents", pi, created=t)


@three_d_secure.on_complete("payment_intents")
def _authenticated(world: World, pi: dict, success: bool, t: int) -> str:
    """The 3-D Secure challenge answered: the payment goes through (or fails), and whatever waits on it reacts."""
    if success:
        outcome = attempt(world, pi, pi["payment_method"], t, force_success=True)
    else:
        fail_authentication(world, pi, t)
        outcome = DECLINED
    for hook in SETTLED_HOOKS:
        hook(world, pi, outcome, t)
    return outcome


def card_error_for(world: World, pi: dict) -> errors.StripeError:
    """The 402 an API confirmation answers when the attempt declined."""
    error = dict(pi["last_payment_error"] or {})
    return errors.card_error(error.get("message", "Your card was declined."), error.get("code", "card_declined"),
                             decline_code=error.get("decline_code"), charge=error.get("charge"),
                             payment_intent=render(world, "payment_intents", pi))


# --- payment intents API ------------------------------------------------------------------------------------------


@api("POST", "/v1/payment_intents", "payment_intents", "PaymentIntentCreateParams")
def create_payment_intent(ctx: Ctx, params: dict) -> dict:
    amount = get_int(params, "amount", required=True, minimum=1)
    currency = (get_str(params, "currency", required=True) or "").lower()
    customer_id = get_str(params, "customer")
    customer = live_customer(ctx.world, customer_id) if customer_id else None
    t = ctx.world.now_for(customer)
    pm_value = get_str(params, "payment_method")
    pm = resolve_payment_method(ctx.world, pm_value, param="payment_method", customer=None) if pm_value else None
    pi = new_payment_intent(ctx.world, amount=amount, currency=currency, customer=customer_id, created=t,
                            description=get_str(params, "description"), metadata=get_metadata(params),
                            payment_method=pm["id"] if pm else None, receipt_email=get_str(params, "receipt_email"),
                            capture_method=get_str(params, "capture_method", choices=CAPTURE_METHODS)
                            or "automatic_async", allowed=allowed_types(params))
    if get_bool(params, "confirm"):
        if pm is None:
            raise errors.invalid("You must provide a payment method to confirm.", param="payment_method")
        if attempt(ctx.world, pi, pm["id"], t) == DECLINED:
            raise card_error_for(ctx.world, pi)
    else:
        _emit_created(ctx.world, pi, snapshot(ctx.world, "payment_intents", pi), t)
    return render(ctx.world, "payment_intents", pi, ctx.expand)


retrieve("/v1/payment_intents/<id>", "payment_intents", "PaymentIntentRetrieveParams")


@update("/v1/payment_intents/<id>", "payment_intents", "PaymentIntentUpdateParams", event="payment_intent.updated")
def update_payment_intent(ctx: Ctx, params: dict, pi: dict) -> None:
    if pi["status"] in ("succeeded", "canceled") and set(params) - {"metadata", "description", "expand"}:
        raise errors.invalid(f"This PaymentIntent's status is {pi['status']}; only metadata and description can "
                             "be updated.", code="payment_intent_unexpected_state")
    if "amount" in params:
        pi["amount"] = get_int(params, "amount", minimum=1)
    if "description" in params:
        pi["description"] = get_str(params, "description") or None
    if "payment_method" in params:
        pm = resolve_payment_method(ctx.world, get_str(params, "payment_method") or "", param="payment_method")
        pi["payment_method"] = pm["id"]
        pi["status"] = "requires_confirmation"
    pi["metadata"] = get_metadata(params, pi["metadata"])


@api("POST", "/v1/payment_intents/<id>/confirm", "payment_intents", "PaymentIntentConfirmParams")
def confirm_payment_intent(ctx: Ctx, params: dict, id: str) -> dict:
    pi = ctx.world.get("payment_intents", id)
    if pi["status"] not in ("requires_payment_method", "requires_confirmation", "requires_action"):
        raise errors.invalid(f"This PaymentIntent's status is {pi['status']}, but it must be requires_payment_"
                             "method, requires_confirmation or requires_action to be confirmed.",
                             code="payment_intent_unexpected_state")
    pm_value = get_str(params, "payment_method") or pi["payment_method"]
    if not pm_value:
        raise errors.invalid("You cannot confirm this PaymentIntent because it's missing a payment method.",
                             param="payment_method", code="payment_intent_unexpected_state")
    pm = resolve_payment_method(ctx.world, pm_value, param="payment_method")
    t = ctx.world.now_for(pi)
    outcome = attempt(ctx.world, pi, pm["id"], t)
    for hook in SETTLED_HOOKS:
        hook(ctx.world, pi, outcome, t)
    if outcome == DECLINED:
        raise card_error_for(ctx.world, pi)
    return render(ctx.world, "payment_intents", pi, ctx.expand)


@api("POST", "/v1/payment_intents/<id>/cancel", "payment_intents", "PaymentIntentCancelParams")
def cancel_payment_intent(ctx: Ctx, params: dict, id: str) -> dict:
    pi = ctx.world.get("payment_intents", id)
    if pi["status"] in ("succeeded", "canceled"):
        raise errors.invalid(f"You cannot cancel this PaymentIntent because it has a status of {pi['status']}.",
                             code="payment_intent_unexpected_state")
    if pi.get("_invoice"):
        raise errors.invalid("You cannot cancel this PaymentIntent because it was created by an invoice.",
                             code="payment_intent_unexpected_state")
    t = ctx.world.now_for(pi)
    if pi["status"] == "requires_capture":
        release(ctx.world, pi, t)
    pi.update(status="canceled", canceled_at=t, next_action=None, amount_capturable=0,
              cancellation_reason=get_str(params, "cancellation_reason", choices=CANCELLATION_REASONS) or None)
    emit(ctx.world, "payment_intent.canceled", "payment_intents", pi, created=t)
    return render(ctx.world, "payment_intents", pi, ctx.expand)


CANCELLATION_REASONS = ("duplicate", "fraudulent", "requested_by_customer", "abandoned")


def release(world: World, pi: dict, t: int) -> None:
    """Canceling an authorized intent releases the hold: its uncaptured charge is refunded in full."""
    charge = world.get("charges", pi["latest_charge"])
    tracker = Tracker(world, "charges", charge)
    charge.update(amount_refunded=charge["amount"], refunded=True)
    tracker.emit_updated("charge.refunded", created=t)


def capture(world: World, pi: dict, amount: int, t: int) -> None:
    """Captures `amount` of an authorized intent: the charge is captured (its ledger entry made), the intent
    succeeds; what is not captured is released."""
    charge = world.get("charges", pi["latest_charge"])
    tracker = Tracker(world, "charges", charge)
    charge.update(captured=True, amount_captured=amount,
                  balance_transaction=_ledger_entry(world, pi, charge["id"], amount, t))
    tracker.emit_updated("charge.captured", created=t)
    pi.update(status="succeeded", amount_received=amount, amount_capturable=0)
    emit(world, "payment_intent.succeeded", "payment_intents", pi, created=t)
    session = world.find("checkout_sessions", pi.get("_checkout_session"))
    if session is not None and session["payment_status"] == "unpaid":
        session["payment_status"] = "paid"  # the funds are now in the account
    card = card_of(world, charge["payment_method"])
    if card is not None:
        for hook in CHARGED_HOOKS:
            hook(world, charge, card, t)


@api("POST", "/v1/payment_intents/<id>/capture", "payment_intents", "PaymentIntentCaptureParams")
def capture_payment_intent(ctx: Ctx, params: dict, id: str) -> dict:
    pi = ctx.world.get("payment_intents", id)
    if pi["status"] != "requires_capture":
        raise errors.invalid(f"This PaymentIntent could not be captured because it has a status of {pi['status']}. "
                             "Only a PaymentIntent with one of the following statuses may be captured: "
                             "requires_capture.", code="payment_intent_unexpected_state")
    amount = get_int(params, "amount_to_capture", minimum=1)
    amount = pi["amount_capturable"] if amount is None else amount
    if amount > pi["amount_capturable"]:
        raise errors.invalid(f"The amount to capture ({amount}) is greater than the amount capturable "
                             f"({pi['amount_capturable']}).", param="amount_to_capture", code="amount_too_large")
    pi["metadata"] = get_metadata(params, pi["metadata"])
    capture(ctx.world, pi, amount, ctx.world.now_for(pi))
    return render(ctx.world, "payment_intents", pi, ctx.expand)


@api("GET", "/v1/payment_intents", "payment_intents", "PaymentIntentListParams")
def list_payment_intents(ctx: Ctx, params: dict) -> dict:
    customer = get_str(params, "customer")
    created = range_filter(params, "created")
    items = [pi for pi in ctx.world.newest_first("payment_intents")
             if (customer is None or pi["customer"] == customer) and in_range(pi["created"], created)]
    return paginate(ctx.world, "payment_intents", items, params, "/v1/payment_intents", ctx.expand)
