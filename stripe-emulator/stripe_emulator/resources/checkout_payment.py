"""Paying a Checkout Session (the hosted page, and `POST /_emulator/checkout/{id}/pay`): in payment, subscription and
setup mode, with declines and 3-D Secure, and the session completing once its payment settles."""

from __future__ import annotations

from dataclasses import dataclass

from ..engine import errors
from ..engine.events import automatic, deferred, emit
from ..engine.periods import DAY
from ..engine.store import World
from . import discounts
from .billing.clock import settle
from .billing.cycle import start_subscription
from .billing.dunning import pay_invoice
from .billing.subscriptions import new_subscription, subscription_of
from .cards import DECLINES, card_for_number, create_payment_method, require_attachable
from .checkout import CHECKOUT_EVENT_ORDER, customer_details, expire
from .customers import create_customer, live_customer
from .payments import DECLINED, REQUIRES_ACTION, SETTLED_HOOKS, SUCCEEDED, attempt, new_payment_intent
from .setup_intents import pay_setup_session


@dataclass
class PayResult:
    status: str  # succeeded | declined | requires_action
    session: dict
    message: str | None = None
    redirect_url: str | None = None
    payment_intent: str | None = None


def success_redirect(session: dict) -> str | None:
    if not session["success_url"]:
        return None
    return session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])


def expire_if_due(world: World, session: dict) -> None:
    if session["status"] == "open" and world.now_for(session) >= session["expires_at"]:
        with automatic():
            expire(world, session, session["expires_at"])


def pay(world: World, session: dict, card_number: str, email: str | None = None, name: str | None = None) -> PayResult:
    """Submits the hosted form: a test card number and, when the session has no customer, an email."""
    expire_if_due(world, session)
    if session["status"] != "open":
        raise errors.invalid(f"This Checkout Session is {session['status']} and can no longer be paid.",
                             code="checkout_session_not_open")
    card_for_number(card_number)  # a malformed number is a card_error before anything happens
    customer = live_customer(world, session["customer"]) if session["customer"] else None
    email = (customer["email"] if customer else None) or email or session["customer_email"]
    if customer is None and not email:
        raise errors.invalid("Enter your email address.", param="email", code="email_invalid")
    with automatic():
        if session["mode"] == "subscription":
            result = _pay_subscription(world, session, customer, card_number, email, name)
        elif session["mode"] == "setup":
            result = _pay_setup(world, session, customer, card_number, email, name)
        else:
            result = _pay_payment(world, session, customer, card_number, email, name)
    if result.status == SUCCEEDED:
        result.redirect_url = success_redirect(session)
    return result


def _pay_setup(world: World, session: dict, customer: dict | None, number: str, email: str | None,
               name: str | None) -> PayResult:

    status = pay_setup_session(world, session, customer, number, email, name)
    if status == "succeeded":
        complete(world, session, world.now_for(session), customer=session["customer"],
                 payment_status="no_payment_required", email=email, name=name)
        return PayResult(SUCCEEDED, session)
    seti = world.get("setup_intents", session["setup_intent"])
    if status == "requires_action":
        return PayResult(REQUIRES_ACTION, session, "Your bank requires you to authenticate this card (3-D Secure).")
    return PayResult(DECLINED, session, (seti["last_setup_error"] or {}).get("message"))


def _pay_subscription(world: World, session: dict, customer: dict | None, number: str, email: str | None,
                      name: str | None) -> PayResult:
    pending = world.find("invoices", session["_pending_invoice"])
    sub = subscription_of(world, pending) if pending else None
    if pending is not None and pending["status"] == "open" and sub is not None and sub["status"] == "incomplete":
        # A retry after 3-D Secure failed: the incomplete subscription's first invoice gets the new card.
        t = world.now_for(sub)
        with deferred(world, CHECKOUT_EVENT_ORDER):
            pm = create_payment_method(world, number, customer=sub["customer"], email=email, name=name, created=t)
            sub["default_payment_method"] = pm["id"]
            outcome = pay_invoice(world, pending, pm["id"])
            if outcome == SUCCEEDED:
                complete(world, session, t, customer=sub["customer"], subscription=sub["id"], payment_status="paid")
        return _result(world, session, outcome, pending.get("_payment_intent"))
    settings = session["_subscription"]
    trial = bool(settings["trial_days"] or settings["trial_end"])
    card = require_attachable(number) if trial else card_for_number(number)
    if card.behaviour == "decline" and not trial:
        # Checkout confirms the card before it creates anything: a decline leaves no trace but the page's error.
        return PayResult(DECLINED, session, DECLINES[card.decline_code or "generic_decline"][1])
    with deferred(world, CHECKOUT_EVENT_ORDER):
        if customer is None:
            customer = create_customer(world, email=email, name=name)
        t = world.now_for(customer)
        pm = create_payment_method(world, number, customer=customer["id"], email=email, name=name, created=t)
        items = [(world.get("prices", item["price"]), item["quantity"]) for item in session["_line_items"]]
        trial_end = settings["trial_end"] or (t + settings["trial_days"] * DAY if settings["trial_days"]
                                              else None)
        sub = new_subscription(world, customer, items, t, metadata=settings["metadata"], trial_end=trial_end,
                               default_payment_method=pm["id"], description=settings["description"],
                               automatic_tax=settings["automatic_tax"])
        sub["_checkout_session"] = session["id"]
        discounts.redeem_session(world, session, sub, t)
        outcome = start_subscription(world, sub, t, payment_method=pm["id"], announce_first=True)
        invoice = world.get("invoices", sub["latest_invoice"])
        if outcome == SUCCEEDED:
            complete(world, session, t, customer=customer["id"], subscription=sub["id"],
                     payment_status="no_payment_required" if trial else "paid")
        else:
            session["_pending_invoice"] = invoice["id"]
    settle(world, sub)
    return _result(world, session, outcome, invoice["_payment_intent"])


def _pay_payment(world: World, session: dict, customer: dict | None, number: str, email: str | None,
                 name: str | None) -> PayResult:
    with deferred(world, CHECKOUT_EVENT_ORDER):
        if customer is None and session["customer_creation"] == "always":
            customer = create_customer(world, email=email, name=name)
            session["customer"] = customer["id"]  # a retry after a decline pays as the same customer
        t = world.now_for(customer) if customer else world.now()
        pi = world.find("payment_intents", session["payment_intent"])
        if pi is None:
            settings = session["_payment_intent"]
            pi = new_payment_intent(world, amount=session["amount_total"], currency=session["currency"],
                                    customer=customer["id"] if customer else None, created=t,
                                    description=settings["description"], metadata=settings["metadata"],
                                    receipt_email=settings["receipt_email"],
                                    capture_method=settings["capture_method"])
            pi["_checkout_session"] = session["id"]
            session["payment_intent"] = pi["id"]
        pm = create_payment_method(world, number, customer=customer["id"] if customer else None, email=email,
                                   name=name, created=t)
        outcome = attempt(world, pi, pm["id"], t)
        if outcome == SUCCEEDED:
            complete(world, session, t, customer=customer["id"] if customer else None,
                     payment_status=_paid_status(pi), email=email, name=name)
    return _result(world, session, outcome, pi["id"])


def _result(world: World, session: dict, outcome: str | None, pi_id: str | None) -> PayResult:
    pi = world.find("payment_intents", pi_id)
    message = None
    if outcome == DECLINED and pi is not None and pi["last_payment_error"]:
        message = pi["last_payment_error"]["message"]
    elif outcome == REQUIRES_ACTION:
        message = "Your bank requires you to authenticate this payment (3-D Secure)."
    return PayResult(outcome or DECLINED, session, message, payment_intent=pi_id)


def complete(world: World, session: dict, t: int, *, customer: str | None, payment_status: str,
             subscription: str | None = None, email: str | None = None, name: str | None = None) -> None:
    customer_obj = world.find("customers", customer)
    details_email = customer_obj["email"] if customer_obj else email
    details_name = customer_obj["name"] if customer_obj else name
    session.update(status="complete", payment_status=payment_status, customer=customer, subscription=subscription,
                   url=None, customer_details=customer_details(details_email or session["customer_email"],
                                                                details_name),
                   _pending_invoice=None)
    if session["mode"] == "payment":
        discounts.redeem_session(world, session, None, t)
    emit(world, "checkout.session.completed", "checkout_sessions", session, created=t)


def _on_intent_settled(world: World, pi: dict, outcome: str, t: int) -> None:
    """3-D Secure completed for a session's payment: the session completes (after billing reacted)."""
    if outcome != SUCCEEDED:
        return
    session = world.find("checkout_sessions", pi.get("_checkout_session"))
    invoice = world.find("invoices", pi.get("_invoice"))
    sub = subscription_of(world, invoice) if invoice else None
    if session is None and sub is not None:
        session = world.find("checkout_sessions", sub.get("_checkout_session"))
    if session is None or session["status"] != "open":
        return
    billing_details = world.get("payment_methods", pi["payment_method"])["billing_details"]
    complete(world, session, t, customer=pi["customer"], subscription=sub["id"] if sub else None,
             payment_status=_paid_status(pi), email=billing_details["email"], name=billing_details["name"])


def _paid_status(pi: dict) -> str:
    """An authorized but uncaptured payment (`capture_method=manual`) leaves the session `unpaid` until captured."""
    return "unpaid" if pi["status"] == "requires_capture" else "paid"


SETTLED_HOOKS.append(_on_intent_settled)
