"""Billing portal configurations and sessions (API), and what the customer can do in the portal."""

from __future__ import annotations

from ..engine import errors
from ..engine.events import Tracker, automatic, emit
from ..engine.ids import new_id
from ..engine.params import get_bool, get_dict, get_list, get_metadata, get_str
from ..engine.render import paginate, public, render, renderer
from ..engine.routes import Ctx, api, retrieve, update
from ..engine.store import World
from .billing.dunning import pay_invoice
from .billing.proration import plan_item_changes, update_items
from .billing.subscriptions import ENDED, end_subscription, items_of, set_cancel_at_period_end, subscription_of
from .cards import create_payment_method, require_attachable, set_default_payment_method
from .customers import live_customer

CANCEL_MODES = ("at_period_end", "immediately")
PRORATIONS = ("create_prorations", "none", "always_invoice")


def _features(world: World, spec: dict, current: dict | None = None) -> dict:
    """`features[...]` parameters merged over the current (or default) features, validated."""
    features = _default_features() if current is None else {k: dict(v) for k, v in current.items()}
    for name, fields in spec.items():
        if name not in features:
            raise errors.unknown_parameter(f"features[{name}]")
        if not isinstance(fields, dict):
            raise errors.invalid(f"Invalid hash: features[{name}]", param=f"features[{name}]")
        target = features[name]
        param = f"features[{name}]"
        if "enabled" in fields:
            target["enabled"] = bool(get_bool(fields, "enabled", param=f"{param}[enabled]"))
        if name == "subscription_cancel":
            if "mode" in fields:
                target["mode"] = get_str(fields, "mode", param=f"{param}[mode]", choices=CANCEL_MODES)
            if "proration_behavior" in fields:
                target["proration_behavior"] = get_str(fields, "proration_behavior", choices=PRORATIONS,
                                                       param=f"{param}[proration_behavior]")
        elif name == "subscription_update":
            if "proration_behavior" in fields:
                target["proration_behavior"] = get_str(fields, "proration_behavior", choices=PRORATIONS,
                                                       param=f"{param}[proration_behavior]")
            if "default_allowed_updates" in fields:
                target["default_allowed_updates"] = [str(u) for u in get_list(fields, "default_allowed_updates")]
            if "products" in fields:
                target["products"] = _products(world, get_list(fields, "products"), f"{param}[products]")
        elif name == "customer_update" and "allowed_updates" in fields:
            target["allowed_updates"] = [str(u) for u in get_list(fields, "allowed_updates")]
    update = features["subscription_update"]
    if update["enabled"] and not update["products"]:
        raise errors.invalid("You must provide at least one product to enable subscription updates.",
                             param="features[subscription_update][products]")
    return features


def _products(world: World, specs: list, param: str) -> list[dict]:
    products = []
    for i, spec in enumerate(specs):
        product_id = get_str(spec, "product", required=True, param=f"{param}[{i}][product]")
        world.get("products", product_id, param=f"{param}[{i}][product]", status=400)
        prices = [str(p) for p in get_list(spec, "prices")]
        if not prices:
            raise errors.missing_parameter(f"{param}[{i}][prices]")
        for j, price_id in enumerate(prices):
            price = world.get("prices", price_id, param=f"{param}[{i}][prices][{j}]", status=400)
            if price["product"] != product_id or price["type"] != "recurring":
                raise errors.invalid(f"The price {price_id} must be a recurring price of product {product_id}.",
                                     param=f"{param}[{i}][prices][{j}]")
        products.append({"adjustable_quantity": {"enabled": False, "maximum": None, "minimum": 1},
                         "prices": prices, "product": product_id})
    return products


def _default_features() -> dict:
    return {
        "customer_update": {"allowed_updates": ["email", "address"], "enabled": False},
        "invoice_history": {"enabled": True},
        "payment_method_update": {"enabled": True, "payment_method_configuration": None},
        "subscription_cancel": {"cancellation_reason": {"enabled": False, "options": []}, "enabled": True,
                                "mode": "at_period_end", "proration_behavior": "none"},
        "subscription_pause": {"duration": {"interval_options": [], "type": "indefinite"}, "enabled": False},
        "subscription_update": {"billing_cycle_anchor": None, "default_allowed_updates": ["price"], "enabled": False,
                                "products": [], "proration_behavior": "create_prorations",
                                "schedule_at_period_end": {"conditions": []},
                                "trial_update_behavior": "end_trial"},
    }


def _new_configuration(world: World, features: dict, *, is_default: bool = False, params: dict | None = None) -> dict:
    params = params or {}
    profile = get_dict(params, "business_profile")
    now = world.now()
    config = world.add("portal_configurations", {
        "id": new_id("bpc"), "object": "billing_portal.configuration", "active": True, "application": None,
        "business_profile": {"headline": get_str(profile, "headline"),
                             "privacy_policy_url": get_str(profile, "privacy_policy_url"),
                             "terms_of_service_url": get_str(profile, "terms_of_service_url")},
        "created": now, "default_return_url": get_str(params, "default_return_url"), "features": features,
        "is_default": is_default, "livemode": world.livemode, "login_page": {"enabled": False, "url": None},
        "metadata": get_metadata(params), "name": get_str(params, "name"), "updated": now,
        "_dynamic_products": False,
    })
    emit(world, "billing_portal.configuration.created", "portal_configurations", config, created=now)
    return config


def default_configuration(world: World) -> dict:
    """The account's default portal: cancel at period end, and switching between all active recurring prices."""
    for config in world.collections["portal_configurations"].values():
        if config["is_default"]:
            return config
    features = _default_features()
    features["subscription_update"]["enabled"] = True
    config = _new_configuration(world, features, is_default=True)
    config["_dynamic_products"] = True
    return config


@renderer("portal_configurations")
def _render_configuration(world: World, config: dict) -> dict:
    out = public(config)
    if config["_dynamic_products"]:
        out["features"]["subscription_update"]["products"] = allowed_products(world, config)
    return out


def allowed_products(world: World, config: dict) -> list[dict]:
    if not config["_dynamic_products"]:
        return config["features"]["subscription_update"]["products"]
    by_product: dict[str, list[str]] = {}
    for price in world.collections["prices"].values():
        if price["active"] and price["type"] == "recurring":
            by_product.setdefault(price["product"], []).append(price["id"])
    return [{"adjustable_quantity": {"enabled": False, "maximum": None, "minimum": 1}, "prices": prices,
             "product": product} for product, prices in by_product.items()]


@api("POST", "/v1/billing_portal/configurations", "billing_portal", "billing_portal.ConfigurationCreateParams")
def create_configuration(ctx: Ctx, params: dict) -> dict:
    spec = get_dict(params, "features")
    if not spec:
        raise errors.missing_parameter("features")
    config = _new_configuration(ctx.world, _features(ctx.world, spec), params=params)
    return render(ctx.world, "portal_configurations", config, ctx.expand)


retrieve("/v1/billing_portal/configurations/<id>", "portal_configurations",
         "billing_portal.ConfigurationRetrieveParams", resource="billing_portal")


@update("/v1/billing_portal/configurations/<id>", "portal_configurations",
        "billing_portal.ConfigurationUpdateParams", event="billing_portal.configuration.updated",
        resource="billing_portal")
def update_configuration(ctx: Ctx, params: dict, config: dict) -> None:
    if "features" in params:
        config["features"] = _features(ctx.world, get_dict(params, "features"), config["features"])
        config["_dynamic_products"] = False
    if "active" in params:
        config["active"] = bool(get_bool(params, "active"))
    if "default_return_url" in params:
        config["default_return_url"] = get_str(params, "default_return_url") or None
    for name, value in get_dict(params, "business_profile").items():
        config["business_profile"][name] = value or None
    config["metadata"] = get_metadata(params, config["metadata"])
    config["updated"] = ctx.world.now()


@api("GET", "/v1/billing_portal/configurations", "billing_portal", "billing_portal.ConfigurationListParams")
def list_configurations(ctx: Ctx, params: dict) -> dict:
    active, is_default = get_bool(params, "active"), get_bool(params, "is_default")
    items = [c for c in ctx.world.newest_first("portal_configurations")
             if (active is None or c["active"] == active) and (is_default is None or c["is_default"] == is_default)]
    return paginate(ctx.world, "portal_configurations", items, params, "/v1/billing_portal/configurations",
                    ctx.expand)


@api("POST", "/v1/billing_portal/sessions", "billing_portal", "billing_portal.SessionCreateParams")
def create_portal_session(ctx: Ctx, params: dict) -> dict:
    world = ctx.world
    customer = live_customer(world, get_str(params, "customer", required=True))
    config_id = get_str(params, "configuration")
    config = (world.get("portal_configurations", config_id, param="configuration", status=400) if config_id
              else default_configuration(world))
    if not config["active"]:
        raise errors.invalid("The billing portal configuration is inactive.", param="configuration")
    return_url = get_str(params, "return_url") or config["default_return_url"]
    session_id = new_id("bps")
    session = world.add("portal_sessions", {
        "id": session_id, "object": "billing_portal.session", "configuration": config["id"],
        "created": world.now_for(customer), "customer": customer["id"], "customer_account": None, "flow": None,
        "livemode": world.livemode, "locale": get_str(params, "locale"), "on_behalf_of": None,
        "return_url": return_url, "url": f"{world.state.base_url}/p/session/{session_id}",
    })
    emit(world, "billing_portal.session.created", "portal_sessions", session)
    return render(world, "portal_sessions", session, ctx.expand)


# --- what the customer does in the portal (the page, and POST /_emulator/portal/{session}/{action}) -----------------


def subscriptions_of(world: World, session: dict) -> list[dict]:
    return [s for s in world.newest_first("subscriptions")
            if s["customer"] == session["customer"] and s["status"] not in ENDED]


def _own_subscription(world: World, session: dict, sub_id: str | None) -> dict:
    sub = world.find("subscriptions", sub_id)
    if sub is None or sub["customer"] != session["customer"] or sub["status"] in ENDED:
        raise errors.invalid("This subscription cannot be managed from this portal session.", param="subscription")
    return sub


def portal_action(world: World, session: dict, action: str, values: dict) -> dict:
    """cancel | renew | switch (with `price`) | update_card (with `card`); returns the affected object."""
    config = world.get("portal_configurations", session["configuration"])
    features = config["features"]
    with automatic():
        if action == "update_card":
            if not features["payment_method_update"]["enabled"]:
                raise errors.invalid("Updating payment methods is disabled in this portal.")
            customer = world.get("customers", session["customer"])
            replace_card(world, customer, str(values.get("card") or ""), pay_open_invoices=True)
            return render(world, "customers", customer)
        sub = _own_subscription(world, session, values.get("subscription"))
        t = world.now_for(sub)
        if action == "cancel":
            if not features["subscription_cancel"]["enabled"]:
                raise errors.invalid("Cancelling subscriptions is disabled in this portal.")
            if features["subscription_cancel"]["mode"] == "immediately":
                end_subscription(world, sub, reason="cancellation_requested", t=t)
            else:
                tracker = Tracker(world, "subscriptions", sub)
                set_cancel_at_period_end(world, sub, True, t)
                tracker.emit_updated("customer.subscription.updated", created=t)
        elif action == "renew":
            tracker = Tracker(world, "subscriptions", sub)
            set_cancel_at_period_end(world, sub, False, t)
            tracker.emit_updated("customer.subscription.updated", created=t)
        elif action == "switch":
            update = features["subscription_update"]
            price_id = str(values.get("price") or "")
            allowed = {p for product in allowed_products(world, config) for p in product["prices"]}
            if not update["enabled"] or price_id not in allowed:
                raise errors.invalid("This plan is not available in this portal.", param="price")
            items = items_of(world, sub)
            changes = plan_item_changes(world, sub, [{"id": items[0]["id"], "price": price_id}])
            update_items(world, sub, changes, behavior=update["proration_behavior"])
        else:
            raise errors.invalid(f"Unknown portal action: {action}")
        return render(world, "subscriptions", sub)


def replace_card(world: World, customer: dict, number: str, *, pay_open_invoices: bool) -> dict:
    """The customer's new card: attached, made the default of the customer and of their subscriptions (as the
    portal's "update payment method" does), and optionally used at once on their unpaid subscription invoices."""
    require_attachable(number)
    t = world.now_for(customer)
    pm = create_payment_method(world, number, email=customer["email"], name=customer["name"], created=t)
    set_default_payment_method(world, customer, pm)
    subs = [s for s in world.collections["subscriptions"].values()
            if s["customer"] == customer["id"] and s["status"] not in ENDED]
    for sub in subs:
        tracker = Tracker(world, "subscriptions", sub)
        sub["default_payment_method"] = pm["id"]
        tracker.emit_updated("customer.subscription.updated", created=t)
    if pay_open_invoices:
        for sub in subs:
            if sub["status"] not in ("past_due", "unpaid", "incomplete") and sub["_pending_update"] is None:
                continue
            for invoice in list(world.collections["invoices"].values()):
                if invoice["status"] == "open" and subscription_of(world, invoice) is sub:
                    pay_invoice(world, invoice, pm["id"])
    return pm
