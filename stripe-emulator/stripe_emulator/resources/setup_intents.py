"""Setup intents: saving a card for later (card checks, 3-D Secure), the API resource, and Checkout's setup mode."""

from __future__ import annotations

from ..engine import errors
from ..engine.events import emit
from ..engine.ids import new_id, random_suffix
from ..engine.params import get_bool, get_metadata, get_str
from ..engine.render import paginate, render
from ..engine.routes import Ctx, api, retrieve, update
from ..engine.store import World
from . import three_d_secure
from .cards import (
    DECLINES,
    attach,
    behaviour_of,
    card_for_number,
    allowed_types,
    create_payment_method,
    resolve_payment_method,
)


def new_setup_intent(world: World, *, customer: str | None, t: int, usage: str = "off_session",
                     description: str | None = None, metadata: dict | None = None,
                     allowed: list[str] | None = None) -> dict:
    seti_id = new_id("seti")
    seti = world.add("setup_intents", {
        "id": seti_id, "object": "setup_intent", "application": None, "attach_to_self": False,
        "automatic_payment_methods": None, "cancellation_reason": None,
        "client_secret": f"{seti_id}_secret_{random_suffix(25)}", "created": t, "customer": customer,
        "customer_account": None, "description": description, "excluded_payment_method_types": None,
        "flow_directions": None, "last_setup_error": None, "latest_attempt": None, "livemode": world.livemode,
        "mandate": None, "metadata": dict(metadata or {}), "next_action": None, "on_behalf_of": None,
        "payment_method": None, "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"mandate_options": None, "network": None,
                                            "request_three_d_secure": "automatic"}},
        "allowed_payment_method_types": allowed, "payment_method_types": ["card"],
        "single_use_mandate": None,
        "status": "requires_payment_method",
        "usage": usage,
    })
    emit(world, "setup_intent.created", "setup_intents", seti, created=t)
    return seti


def confirm(world: World, seti: dict, pm: dict, t: int) -> str:
    """Sets up `pm`: Stripe's card check declines what cannot be saved; cards needing 3-D Secure wait for it.
    Returns the status (succeeded | requires_action | requires_payment_method)."""
    seti["payment_method"] = pm["id"]
    card = card_for_number(pm["_number"])
    if not card.attachable:
        code, message = DECLINES[card.decline_code or "generic_decline"]
        seti.update(status="requires_payment_method", next_action=None, last_setup_error={
            "code": code, "decline_code": card.decline_code if code == "card_declined" else None,
            "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}", "message": message,
            "payment_method": render(world, "payment_methods", pm), "type": "card_error"})
        emit(world, "setup_intent.setup_failed", "setup_intents", seti, created=t)
        return seti["status"]
    if behaviour_of(pm, card) == "authenticate":
        three_d_secure.require(world, "setup_intents", seti, t)
        return seti["status"]
    _succeed(world, seti, pm, t)
    return seti["status"]


def _succeed(world: World, seti: dict, pm: dict, t: int) -> None:
    customer = world.find("customers", seti["customer"])
    if customer is not None:
        attach(world, pm, customer)
    seti.update(status="succeeded", next_action=None, last_setup_error=None)
    emit(world, "setup_intent.succeeded", "setup_intents", seti, created=t)


@three_d_secure.on_complete("setup_intents")
def _authenticated(world: World, seti: dict, success: bool, t: int) -> str:
    """The 3-D Secure challenge of a setup answered: completed, the card counts as set up (and authenticated)."""
    pm = world.get("payment_methods", seti["payment_method"])
    if success:
        behaviour_of(pm, card_for_number(pm["_number"]), authenticated=True)
        _succeed(world, seti, pm, t)
    else:
        code, message = DECLINES["authentication_failure"]
        seti.update(status="requires_payment_method", next_action=None, last_setup_error={
            "code": code, "decline_code": None, "doc_url": None, "message": message,
            "payment_method": render(world, "payment_methods", pm), "type": "card_error"})
        emit(world, "setup_intent.setup_failed", "setup_intents", seti, created=t)
    return seti["status"]


def _confirm_or_raise(world: World, seti: dict, pm: dict, t: int) -> None:
    if confirm(world, seti, pm, t) == "requires_payment_method":
        error = seti["last_setup_error"]
        raise errors.card_error(error["message"], error["code"], decline_code=error["decline_code"],
                                setup_intent=render(world, "setup_intents", seti))


@api("POST", "/v1/setup_intents", "setup_intents", "SetupIntentCreateParams")
def create_setup_intent(ctx: Ctx, params: dict) -> dict:
    world = ctx.world
    customer = get_str(params, "customer")
    if customer:
        world.get("customers", customer, param="customer", status=400)
    t = world.now_for(world.find("customers", customer))
    pm_value = get_str(params, "payment_method")
    pm = resolve_payment_method(world, pm_value, param="payment_method") if pm_value else None
    seti = new_setup_intent(world, customer=customer, t=t,
                            usage=get_str(params, "usage", choices=("off_session", "on_session")) or "off_session",
                            description=get_str(params, "description"), metadata=get_metadata(params),
                            allowed=allowed_types(params))
    if pm is not None:
        seti.update(payment_method=pm["id"], status="requires_confirmation")
    if get_bool(params, "confirm"):
        if pm is None:
            raise errors.invalid("You must provide a payment method to confirm.", param="payment_method")
        _confirm_or_raise(world, seti, pm, t)
    return render(world, "setup_intents", seti, ctx.expand)


retrieve("/v1/setup_intents/<id>", "setup_intents", "SetupIntentRetrieveParams")


@update("/v1/setup_intents/<id>", "setup_intents", "SetupIntentUpdateParams", event=None)
def update_setup_intent(ctx: Ctx, params: dict, seti: dict) -> None:
    if "description" in params:
        seti["description"] = get_str(params, "description") or None
    if "payment_method" in params:
        if seti["status"] in ("succeeded", "canceled"):
            raise errors.invalid(f"This SetupIntent's status is {seti['status']}.",
                                 code="setup_intent_unexpected_state")
        pm = resolve_payment_method(ctx.world, get_str(params, "payment_method") or "", param="payment_method")
        seti.update(payment_method=pm["id"], status="requires_confirmation")
    seti["metadata"] = get_metadata(params, seti["metadata"])


@api("POST", "/v1/setup_intents/<id>/confirm", "setup_intents", "SetupIntentConfirmParams")
def confirm_setup_intent(ctx: Ctx, params: dict, id: str) -> dict:
    seti = ctx.world.get("setup_intents", id)
    if seti["status"] not in ("requires_payment_method", "requires_confirmation", "requires_action"):
        raise errors.invalid(f"This SetupIntent's status is {seti['status']}; it cannot be confirmed.",
                             code="setup_intent_unexpected_state")
    pm_value = get_str(params, "payment_method") or seti["payment_method"]
    if not pm_value:
        raise errors.invalid("You cannot confirm this SetupIntent because it's missing a payment method.",
                             param="payment_method", code="setup_intent_unexpected_state")
    pm = resolve_payment_method(ctx.world, pm_value, param="payment_method")
    _confirm_or_raise(ctx.world, seti, pm, ctx.world.now_for(seti))
    return render(ctx.world, "setup_intents", seti, ctx.expand)


@api("POST", "/v1/setup_intents/<id>/cancel", "setup_intents", "SetupIntentCancelParams")
def cancel_setup_intent(ctx: Ctx, params: dict, id: str) -> dict:
    seti = ctx.world.get("setup_intents", id)
    if seti["status"] in ("succeeded", "canceled"):
        raise errors.invalid(f"You cannot cancel this SetupIntent because it has a status of {seti['status']}.",
                             code="setup_intent_unexpected_state")
    seti.update(status="canceled", next_action=None, cancellation_reason=get_str(
        params, "cancellation_reason", choices=("abandoned", "duplicate", "requested_by_customer")))
    emit(ctx.world, "setup_intent.canceled", "setup_intents", seti)
    return render(ctx.world, "setup_intents", seti, ctx.expand)


@api("GET", "/v1/setup_intents", "setup_intents", "SetupIntentListParams")
def list_setup_intents(ctx: Ctx, params: dict) -> dict:
    customer, pm = get_str(params, "customer"), get_str(params, "payment_method")
    items = [s for s in ctx.world.newest_first("setup_intents")
             if (customer is None or s["customer"] == customer) and (pm is None or s["payment_method"] == pm)]
    return paginate(ctx.world, "setup_intents", items, params, "/v1/setup_intents", ctx.expand)


# --- Checkout in setup mode ---------------------------------------------------------------------------------------


def pay_setup_session(world: World, session: dict, customer: dict | None, number: str, email: str | None,
                      name: str | None) -> str:
    """The hosted page of a `mode=setup` session: the card is saved through the session's setup intent (and
    attached to its customer); the session completes with `payment_status=no_payment_required`."""
    t = world.now_for(customer) if customer else world.now()
    seti = world.find("setup_intents", session["setup_intent"])
    if seti is None:
        seti = new_setup_intent(world, customer=customer["id"] if customer else None, t=t)
        session["setup_intent"] = seti["id"]
    pm = create_payment_method(world, number, email=email, name=name, created=t)
    return confirm(world, seti, pm, t)
