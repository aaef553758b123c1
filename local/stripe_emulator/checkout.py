"""Checkout sessions: the API resource, and paying a session (what the hosted page does) with its events."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from . import billing, discounts, errors
from .cards import DECLINES, card_for_number, create_payment_method, require_attachable
from .catalog import create_customer, create_price, live_customer
from .events import deferred, emit
from .ids import new_id
from .meters import item_quantity
from .params import (
    get_dict,
    get_int,
    get_list,
    get_metadata,
    get_str,
    in_range,
    range_filter,
)
from .payments import (
    CAPTURE_METHODS,
    DECLINED,
    REQUIRES_ACTION,
    SETTLED_HOOKS,
    SUCCEEDED,
    attempt,
    new_payment_intent,
)
from .render import list_object, paginate, render, virtual_field
from .routes import Ctx, api, automatic, retrieve
from .store import World

SESSION_LIFETIME = 24 * 3600
MIN_LIFETIME = 30 * 60
CHECKOUT_EVENT_ORDER = billing.CHECKOUT_ORDER + ("checkout.session.completed",)


def _url(params: dict, name: str) -> str | None:
    value = get_str(params, name)
    if value is not None:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise errors.invalid("Not a valid URL", param=name, code="url_invalid")
    return value


def _line_items(world: World, params: dict, mode: str) -> list[dict]:
    specs = get_list(params, "line_items")
    if not specs:
        raise errors.missing_parameter("line_items")
    items = []
    for i, spec in enumerate(specs):
        param = f"line_items[{i}]"
        if not isinstance(spec, dict):
            raise errors.invalid(f"Invalid {param}", param=param)
        price_id = get_str(spec, "price", param=f"{param}[price]")
        price_data = get_dict(spec, "price_data", param=f"{param}[price_data]")
        if price_id and price_data:
            raise errors.invalid("You may only specify one of these parameters: price, price_data.",
                                 param=f"{param}[price]")
        if price_data:
            price = create_price(world, price_data, f"{param}[price_data]", active=False)
        elif price_id:
            price = world.get("prices", price_id, param=f"{param}[price]", status=400)
            if not price["active"]:
                raise errors.invalid(f"The price specified ({price_id}) is inactive. This field only accepts active "
                                     "prices.", param=f"{param}[price]")
        else:
            raise errors.missing_parameter(f"{param}[price]")
        quantity = item_quantity(price, get_int(spec, "quantity", param=f"{param}[quantity]", minimum=1),
                                 f"{param}[quantity]")
        if mode == "payment" and price["type"] == "recurring":
            raise errors.invalid("You specified `payment` mode but passed a recurring price. Either switch to "
                                 "`subscription` mode or use only one-time prices.", param=f"{param}[price]")
        if mode == "subscription" and price["type"] != "recurring":
            raise errors.invalid("The emulator supports only recurring prices in `subscription` mode.",
                                 param=f"{param}[price]")
        items.append({"id": new_id("li"), "price": price["id"], "quantity": quantity})
    prices = [world.get("prices", item["price"]) for item in items]
    if mode == "subscription":
        billing.check_prices(world, prices, "line_items")
    elif len({p["currency"] for p in prices}) > 1:
        raise errors.invalid("All line items must use the same currency.", param="line_items")
    return items


@api("POST", "/v1/checkout/sessions", "checkout_sessions", "checkout.SessionCreateParams")
def create_session(ctx: Ctx, params: dict) -> dict:
    world = ctx.world
    mode = get_str(params, "mode", required=True, choices=("payment", "subscription", "setup"))
    ui_mode = get_str(params, "ui_mode", choices=("hosted_page", "embedded_page", "elements", "form")) or "hosted_page"
    if ui_mode != "hosted_page":
        raise errors.invalid("The emulator only serves hosted Checkout pages (`ui_mode=hosted_page`).",
                             param="ui_mode")
    customer_id = get_str(params, "customer")
    customer_email = get_str(params, "customer_email")
    if customer_id and customer_email:
        raise errors.invalid("You may only specify one of these parameters: customer, customer_email.",
                             param="customer_email")
    customer = live_customer(world, customer_id) if customer_id else None
    if mode == "setup" and "line_items" in params:
        raise errors.invalid("You can not pass `line_items` in `setup` mode.", param="line_items")
    items = _line_items(world, params, mode) if mode != "setup" else []
    subscription_data = get_dict(params, "subscription_data")
    payment_intent_data = get_dict(params, "payment_intent_data")
    if subscription_data and mode != "subscription":
        raise errors.invalid("You can not pass `subscription_data` in `payment` mode.", param="subscription_data")
    if payment_intent_data and mode != "payment":
        raise errors.invalid("You can not pass `payment_intent_data` in `subscription` mode.",
                             param="payment_intent_data")
    customer_creation = get_str(params, "customer_creation", choices=("always", "if_required"))
    if customer_creation and mode != "payment":
        raise errors.invalid("`customer_creation` can only be used in `payment` mode.", param="customer_creation")
    client_reference_id = get_str(params, "client_reference_id")
    if client_reference_id is not None and not 1 <= len(client_reference_id) <= 200:
        raise errors.invalid("client_reference_id must be between 1 and 200 characters.",
                             param="client_reference_id")
    now = world.now_for(customer) if customer else world.now()
    expires_at = get_int(params, "expires_at") or now + SESSION_LIFETIME
    if not now + MIN_LIFETIME <= expires_at <= now + SESSION_LIFETIME:
        raise errors.invalid("The `expires_at` timestamp must be between 30 minutes and 24 hours from now.",
                             param="expires_at")
    trial_days = get_int(subscription_data, "trial_period_days", param="subscription_data[trial_period_days]",
                         minimum=1)
    trial_end = get_int(subscription_data, "trial_end", param="subscription_data[trial_end]")
    if trial_end is not None and trial_end < now + 2 * 86400:
        raise errors.invalid("`subscription_data[trial_end]` must be at least 48 hours in the future.",
                             param="subscription_data[trial_end]")
    prices = [world.get("prices", item["price"]) for item in items]
    amount = sum(price["unit_amount"] * item["quantity"] for price, item in zip(prices, items, strict=True))
    currency = prices[0]["currency"] if prices else (get_str(params, "currency") or "usd").lower()
    session_discounts, allow_codes = discounts.session_discounts(world, params, amount, currency,
                                                                 customer_id, now)
    session_id = new_id("cs_live" if ctx.livemode else "cs_test", 58)
    session = world.add("checkout_sessions", {
        "id": session_id, "object": "checkout.session", "adaptive_pricing": {"enabled": False},
        "after_expiration": None, "allow_promotion_codes": None, "amount_subtotal": amount, "amount_total": amount,
        "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
        "billing_address_collection": get_str(params, "billing_address_collection"),
        "cancel_url": _url(params, "cancel_url"), "client_reference_id": client_reference_id,
        "client_secret": None, "collected_information": None, "consent": None, "consent_collection": None,
        "created": now, "currency": currency, "currency_conversion": None, "custom_fields": [],
        "custom_text": {"after_submit": None, "shipping_address": None, "submit": None,
                        "terms_of_service_acceptance": None},
        "customer": customer_id, "customer_account": None,
        "customer_creation": (customer_creation or "if_required") if mode == "payment" else None,
        "customer_details": None if customer is None else _customer_details(customer["email"], customer["name"]),
        "customer_email": customer_email, "discounts": [], "expires_at": expires_at, "invoice": None,
        "invoice_creation": {"enabled": False, "invoice_data": {"account_tax_ids": None, "custom_fields": None,
                                                                "description": None, "footer": None,
                                                                "issuer": None, "metadata": {},
                                                                "rendering_options": None}}
        if mode == "payment" else None,
        "livemode": ctx.livemode, "locale": get_str(params, "locale"), "metadata": get_metadata(params),
        "mode": mode, "origin_context": None, "payment_intent": None, "payment_link": None,
        "payment_method_collection": "always" if mode == "subscription" else None,
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"request_three_d_secure": "automatic"}},
        "payment_method_types": ["card"], "payment_status": "unpaid", "permissions": None,
        "phone_number_collection": {"enabled": False}, "presentment_details": None, "recovered_from": None,
        "saved_payment_method_options": None, "setup_intent": None, "shipping_address_collection": None,
        "shipping_cost": None, "shipping_options": [], "status": "open", "submit_type": get_str(params, "submit_type"),
        "subscription": None, "success_url": _url(params, "success_url"),
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0}, "ui_mode": ui_mode,
        "url": f"{world.state.base_url}/c/pay/{session_id}", "wallet_options": None,
        "_line_items": items,
        "_subscription": {"metadata": get_metadata(subscription_data),
                          "trial_days": trial_days, "trial_end": trial_end,
                          "description": get_str(subscription_data, "description")},
        "_payment_intent": {"metadata": get_metadata(payment_intent_data),
                            "description": get_str(payment_intent_data, "description"),
                            "receipt_email": get_str(payment_intent_data, "receipt_email"),
                            "capture_method": get_str(payment_intent_data, "capture_method",
                                                      param="payment_intent_data[capture_method]",
                                                      choices=CAPTURE_METHODS) or "automatic_async"},
        "_pending_invoice": None,
    })
    session.update(discounts=session_discounts, allow_promotion_codes=allow_codes)
    discounts.price_session(world, session)
    return render(world, "checkout_sessions", session, ctx.expand)


def _customer_details(email: str | None, name: str | None) -> dict:
    return {"address": None, "business_name": None, "email": email, "individual_name": None, "name": name,
            "phone": None, "tax_exempt": "none", "tax_ids": []}


def _items_list(world: World, session: dict, page: list[dict] | None = None) -> list[dict]:
    out = []
    for item in session["_line_items"] if page is None else page:
        price = world.get("prices", item["price"])
        product = world.get("products", price["product"])
        amount = price["unit_amount"] * item["quantity"]
        out.append({"id": item["id"], "object": "item", "adjustable_quantity": None, "amount_discount": 0,
                    "amount_subtotal": amount, "amount_tax": 0, "amount_total": amount,
                    "currency": price["currency"], "description": product["name"], "metadata": {},
                    "price": render(world, "prices", price), "quantity": item["quantity"]})
    return out


@virtual_field("checkout_sessions", "line_items")
def _line_items_field(world: World, session: dict) -> dict:
    data = _items_list(world, session)
    return {**list_object(f"/v1/checkout/sessions/{session['id']}/line_items", data)}


retrieve("/v1/checkout/sessions/<id>", "checkout_sessions", "checkout.SessionRetrieveParams")


@api("POST", "/v1/checkout/sessions/<id>", "checkout_sessions", "checkout.SessionUpdateParams")
def update_session(ctx: Ctx, params: dict, id: str) -> dict:
    session = ctx.world.get("checkout_sessions", id)
    session["metadata"] = get_metadata(params, session["metadata"])
    return render(ctx.world, "checkout_sessions", session, ctx.expand)


@api("GET", "/v1/checkout/sessions", "checkout_sessions", "checkout.SessionListParams")
def list_sessions(ctx: Ctx, params: dict) -> dict:
    filters = {name: get_str(params, name) for name in ("customer", "subscription", "payment_intent",
                                                        "payment_link")}
    status = get_str(params, "status", choices=("open", "complete", "expired"))
    created = range_filter(params, "created")
    items = [s for s in ctx.world.newest_first("checkout_sessions")
             if all(value is None or s.get(name) == value for name, value in filters.items())
             and (status is None or s["status"] == status) and in_range(s["created"], created)]
    return paginate(ctx.world, "checkout_sessions", items, params, "/v1/checkout/sessions", ctx.expand)


@api("GET", "/v1/checkout/sessions/<id>/line_items", "checkout_sessions", "checkout.SessionListLineItemsParams")
def list_session_line_items(ctx: Ctx, params: dict, id: str) -> dict:
    session = ctx.world.get("checkout_sessions", id)
    return paginate(ctx.world, None, _items_list(ctx.world, session), params,
                    f"/v1/checkout/sessions/{id}/line_items", ctx.expand)


def expire(world: World, session: dict, t: int | None = None) -> None:
    session.update(status="expired", url=None)
    emit(world, "checkout.session.expired", "checkout_sessions", session,
         created=t if t is not None else world.now_for(session))


@api("POST", "/v1/checkout/sessions/<id>/expire", "checkout_sessions", "checkout.SessionExpireParams")
def expire_session(ctx: Ctx, params: dict, id: str) -> dict:
    session = ctx.world.get("checkout_sessions", id)
    if session["status"] != "open":
        raise errors.invalid(f"Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout "
                             f"Session has a status of \"{session['status']}\".", code="checkout_session_not_open")
    expire(ctx.world, session)
    return render(ctx.world, "checkout_sessions", session, ctx.expand)


# --- paying a session (the hosted page, and POST /_emulator/checkout/{id}/pay) -------------------------------------


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
    from .setup import pay_setup_session

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
    sub = billing.subscription_of(world, pending) if pending else None
    if pending is not None and pending["status"] == "open" and sub is not None and sub["status"] == "incomplete":
        # A retry after 3-D Secure failed: the incomplete subscription's first invoice gets the new card.
        t = world.now_for(sub)
        with deferred(world, CHECKOUT_EVENT_ORDER):
            pm = create_payment_method(world, number, customer=sub["customer"], email=email, name=name, created=t)
            sub["default_payment_method"] = pm["id"]
            outcome = billing.pay_invoice(world, pending, pm["id"])
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
        trial_end = settings["trial_end"] or (t + settings["trial_days"] * billing.DAY if settings["trial_days"]
                                              else None)
        sub = billing.new_subscription(world, customer, items, t, metadata=settings["metadata"], trial_end=trial_end,
                                       default_payment_method=pm["id"], description=settings["description"])
        sub["_checkout_session"] = session["id"]
        discounts.redeem_session(world, session, sub, t)
        outcome = billing.start_subscription(world, sub, t, payment_method=pm["id"])
        invoice = world.get("invoices", sub["latest_invoice"])
        if outcome == SUCCEEDED:
            complete(world, session, t, customer=customer["id"], subscription=sub["id"],
                     payment_status="no_payment_required" if trial else "paid")
        else:
            session["_pending_invoice"] = invoice["id"]
    billing.settle(world, sub)
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
                   url=None, customer_details=_customer_details(details_email or session["customer_email"],
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
    sub = billing.subscription_of(world, invoice) if invoice else None
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
