"""Checkout sessions: the API resource (create with line items, prices and discounts, retrieve, update, list, line
items, expire); paying one is `checkout_payment.py`."""

from __future__ import annotations

from urllib.parse import urlsplit

from ..engine import errors
from ..engine.events import emit
from ..engine.ids import new_id
from ..engine.params import get_dict, get_int, get_list, get_metadata, get_str, in_range, range_filter
from ..engine.render import includable, list_object, paginate, render, virtual_field
from ..engine.routes import Ctx, api, retrieve, update
from ..engine.store import World
from . import discounts, tax
from .billing.subscriptions import check_prices
from .customers import live_customer
from .meters import item_quantity
from .payments import CAPTURE_METHODS
from .products import amount_for, create_price

SESSION_LIFETIME = 24 * 3600
MIN_LIFETIME = 30 * 60
# The events of a subscription checkout, in the order Stripe creates them (see README).
CHECKOUT_EVENT_ORDER = (
    "customer.created", "payment_intent.created", "charge.succeeded", "charge.failed", "payment_intent.succeeded",
    "payment_intent.payment_failed", "payment_intent.requires_action",
    "customer.subscription.created", "invoice.created", "invoice.finalized", "invoice_payment.paid", "invoice.paid",
    "invoice.payment_succeeded", "invoice.payment_failed", "invoice.payment_action_required",
    "customer.subscription.updated", "checkout.session.completed",
)


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
        check_prices(world, prices, "line_items")
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
    automatic_tax = tax.setting(params)
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
    amount = sum(amount_for(price, item["quantity"]) for price, item in zip(prices, items, strict=True))
    currency = prices[0]["currency"] if prices else (get_str(params, "currency") or "usd").lower()
    session_discounts, allow_codes = discounts.session_discounts(world, params, amount, currency,
                                                                 customer_id, now)
    session_id = new_id("cs_live" if ctx.livemode else "cs_test", 58)
    session = world.add("checkout_sessions", {
        "id": session_id, "object": "checkout.session", "adaptive_pricing": {"enabled": False},
        "after_expiration": None, "allow_promotion_codes": None, "amount_subtotal": amount, "amount_total": amount,
        "automatic_tax": tax.of_session(automatic_tax),
        "billing_address_collection": get_str(params, "billing_address_collection"),
        "cancel_url": _url(params, "cancel_url"), "client_reference_id": client_reference_id,
        "client_secret": None, "collected_information": None, "consent": None, "consent_collection": None,
        "created": now, "currency": currency, "currency_conversion": None, "custom_fields": [],
        "custom_text": {"after_submit": None, "shipping_address": None, "submit": None,
                        "terms_of_service_acceptance": None},
        "customer": customer_id, "customer_account": None,
        "customer_creation": (customer_creation or "if_required") if mode == "payment" else None,
        "customer_details": None if customer is None else customer_details(customer["email"], customer["name"]),
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
        "_subscription": {"metadata": get_metadata(subscription_data), "automatic_tax": automatic_tax,
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


def customer_details(email: str | None, name: str | None) -> dict:
    return {"address": None, "business_name": None, "email": email, "individual_name": None, "name": name,
            "phone": None, "tax_exempt": "none", "tax_ids": []}


def _items_list(world: World, session: dict, page: list[dict] | None = None) -> list[dict]:
    out = []
    for item in session["_line_items"] if page is None else page:
        price = world.get("prices", item["price"])
        product = world.get("products", price["product"])
        amount = amount_for(price, item["quantity"])
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


@update("/v1/checkout/sessions/<id>", "checkout_sessions", "checkout.SessionUpdateParams", event=None)
def update_session(ctx: Ctx, params: dict, session: dict) -> None:
    session["metadata"] = get_metadata(params, session["metadata"])


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


# --- what Stripe includes only when expanded ----------------------------------------------------------------------


def _session_of_item(world: World, item: dict, root: dict) -> dict | None:
    if root.get("object") == "checkout.session":
        return root
    return next((s for s in world.collections["checkout_sessions"].values()
                 if any(i["id"] == item.get("id") for i in s["_line_items"])), None)


@includable("LineItem", "discounts")
def _item_discounts(world: World, item: dict, root: dict) -> list[dict]:
    """`line_items.data.discounts`: what each of the session's discounts takes off this line item."""
    session = _session_of_item(world, item, root)
    if session is None:
        return []
    index = next(i for i, line in enumerate(session["_line_items"]) if line["id"] == item["id"])
    return [{"amount": shares[index], "discount": render(world, None, discount)}
            for discount, shares in discounts.session_discounts_by_line(world, session) if shares[index]]


@includable("Session.TotalDetails", "breakdown")
def _breakdown(world: World, totals: dict, session: dict) -> dict:
    """`total_details.breakdown`: the session's discounts with their amounts, and its taxes (none: no tax rate is
    configured in the emulator)."""
    return {"discounts": [{"amount": sum(shares), "discount": render(world, None, discount)}
                          for discount, shares in discounts.session_discounts_by_line(world, session)],
            "taxes": []}
