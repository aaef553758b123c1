"""Entitlements: features, features attached to products, and each customer's active entitlements with their summary
event, kept current from the customer's subscriptions."""

from __future__ import annotations

from ..engine import errors
from ..engine.events import EMITTED_HOOKS, emit
from ..engine.ids import new_id
from ..engine.params import get_bool, get_metadata, get_str
from ..engine.render import OBJECT_COLLECTIONS, list_object, paginate, public, render, renderer
from ..engine.routes import Ctx, api, retrieve, update
from ..engine.store import World

# Subscription statuses whose products grant their features. Stripe keeps entitlements while a subscription is
# trialing, active or past_due (still being retried) and while paused (a trial that ended without a card); it
# removes them when the subscription is canceled or expired, never became active (incomplete) or is unpaid.
GRANTING_STATUSES = ("trialing", "active", "past_due", "paused")
MAX_LOOKUP_KEY = 80

OBJECT_COLLECTIONS.update({"entitlements.feature": "entitlement_features", "product_feature": "product_features",
                           "entitlements.active_entitlement": "active_entitlements"})


# --- features -----------------------------------------------------------------------------------------------------


@api("POST", "/v1/entitlements/features", "entitlements", "entitlements.FeatureCreateParams")
def create_feature(ctx: Ctx, params: dict) -> dict:
    name = get_str(params, "name", required=True)
    lookup_key = get_str(params, "lookup_key", required=True) or ""
    if not name:
        raise errors.invalid("You must provide a name for the feature.", param="name")
    if not lookup_key or len(lookup_key) > MAX_LOOKUP_KEY:
        raise errors.invalid(f"lookup_key must be between 1 and {MAX_LOOKUP_KEY} characters.", param="lookup_key")
    if any(f["lookup_key"] == lookup_key for f in ctx.world.collections["entitlement_features"].values()):
        raise errors.invalid(f"A feature with lookup_key '{lookup_key}' already exists.", param="lookup_key",
                             code="resource_already_exists")
    feature = ctx.world.add("entitlement_features", {
        "id": new_id("feat"), "object": "entitlements.feature", "active": True, "livemode": ctx.livemode,
        "lookup_key": lookup_key, "metadata": get_metadata(params), "name": name,
    })
    return render(ctx.world, "entitlement_features", feature, ctx.expand)


retrieve("/v1/entitlements/features/<id>", "entitlement_features", "entitlements.FeatureRetrieveParams",
         resource="entitlements")


@update("/v1/entitlements/features/<id>", "entitlement_features", "entitlements.FeatureUpdateParams", event=None,
        resource="entitlements")
def update_feature(ctx: Ctx, params: dict, feature: dict) -> None:
    if "name" in params:
        name = get_str(params, "name")
        if not name:
            raise errors.invalid("You must provide a name for the feature.", param="name")
        feature["name"] = name
    if "active" in params:
        feature["active"] = bool(get_bool(params, "active"))
    feature["metadata"] = get_metadata(params, feature["metadata"])


@api("GET", "/v1/entitlements/features", "entitlements", "entitlements.FeatureListParams")
def list_features(ctx: Ctx, params: dict) -> dict:
    # Archived (inactive) features are left out unless asked for, as Stripe's list does.
    archived = bool(get_bool(params, "archived"))
    lookup_key = get_str(params, "lookup_key")
    items = [f for f in ctx.world.newest_first("entitlement_features")
             if f["active"] != archived and (lookup_key is None or f["lookup_key"] == lookup_key)]
    return paginate(ctx.world, "entitlement_features", items, params, "/v1/entitlements/features", ctx.expand)


# --- product features ---------------------------------------------------------------------------------------------


@renderer("product_features")
def _render_product_feature(world: World, attachment: dict) -> dict:
    out = public(attachment)
    out["entitlement_feature"] = render(world, "entitlement_features",
                                        world.get("entitlement_features", attachment["_feature"]))
    return out


def _attachment(world: World, product: str, attachment_id: str) -> dict:
    attachment = world.find("product_features", attachment_id)
    if attachment is None or attachment["_product"] != product:
        raise errors.missing("product feature", attachment_id)
    return attachment


@api("POST", "/v1/products/<product>/features", "products", "ProductFeatureCreateParams")
def attach_feature(ctx: Ctx, params: dict, product: str) -> dict:
    world = ctx.world
    world.get("products", product)
    feature_id = get_str(params, "entitlement_feature", required=True)
    feature = world.get("entitlement_features", feature_id, param="entitlement_feature", status=400)
    if not feature["active"]:
        raise errors.invalid("An archived feature cannot be attached to a product.", param="entitlement_feature")
    if any(a["_product"] == product and a["_feature"] == feature_id
           for a in world.collections["product_features"].values()):
        raise errors.invalid(f"The feature {feature_id} is already attached to product {product}.",
                             param="entitlement_feature", code="resource_already_exists")
    attachment = world.add("product_features", {
        "id": new_id("prodft"), "object": "product_feature", "livemode": ctx.livemode,
        "_product": product, "_feature": feature_id,
    })
    refresh_product_customers(world, product)
    return render(world, "product_features", attachment, ctx.expand)


@api("GET", "/v1/products/<product>/features/<id>", "products", "ProductFeatureRetrieveParams")
def retrieve_product_feature(ctx: Ctx, params: dict, product: str, id: str) -> dict:
    return render(ctx.world, "product_features", _attachment(ctx.world, product, id), ctx.expand)


@api("GET", "/v1/products/<product>/features", "products", "ProductFeatureListParams")
def list_product_features(ctx: Ctx, params: dict, product: str) -> dict:
    ctx.world.get("products", product)
    items = [a for a in ctx.world.newest_first("product_features") if a["_product"] == product]
    return paginate(ctx.world, "product_features", items, params, f"/v1/products/{product}/features", ctx.expand)


@api("DELETE", "/v1/products/<product>/features/<id>", "products", "ProductFeatureDeleteParams")
def detach_feature(ctx: Ctx, params: dict, product: str, id: str) -> dict:
    _attachment(ctx.world, product, id)
    ctx.world.remove("product_features", id)
    refresh_product_customers(ctx.world, product)
    return {"id": id, "object": "product_feature", "deleted": True}


# --- active entitlements ------------------------------------------------------------------------------------------


def granted_features(world: World, customer_id: str) -> list[str]:
    """Feature ids the customer's subscriptions grant now: the features of their items' products, in attachment
    order, once each."""
    products: list[str] = []
    for sub in world.collections["subscriptions"].values():
        if sub["customer"] != customer_id or sub["status"] not in GRANTING_STATUSES:
            continue
        for item_id in sub["_items"]:
            price = world.get("prices", world.get("subscription_items", item_id)["price"])
            if price["product"] not in products:
                products.append(price["product"])
    features: list[str] = []
    for attachment in world.collections["product_features"].values():
        if attachment["_product"] in products and attachment["_feature"] not in features:
            features.append(attachment["_feature"])
    return features


def _held(world: World, customer_id: str) -> list[dict]:
    return [e for e in world.collections["active_entitlements"].values() if e["_customer"] == customer_id]


def refresh(world: World, customer_id: str) -> None:
    """Brings the customer's active entitlements in line with their subscriptions; when they change, emits
    `entitlements.active_entitlement_summary.updated` with the new list (and the old one as previous_attributes)."""
    customer = world.find("customers", customer_id)
    if customer is None:
        return
    wanted = granted_features(world, customer_id)
    held = _held(world, customer_id)
    if {e["feature"] for e in held} == set(wanted):
        return
    before = _entitlements_list(world, customer_id, held)
    kept = {e["feature"]: e for e in held}
    for entitlement in held:
        if entitlement["feature"] not in wanted:
            world.remove("active_entitlements", entitlement["id"])
    for feature_id in wanted:
        if feature_id not in kept:
            feature = world.get("entitlement_features", feature_id)
            world.add("active_entitlements", {
                "id": new_id("ent"), "object": "entitlements.active_entitlement", "feature": feature_id,
                "livemode": world.livemode, "lookup_key": feature["lookup_key"], "_customer": customer_id,
            })
    now = sorted(_held(world, customer_id), key=lambda e: wanted.index(e["feature"]))  # in the products' order
    summary = {"object": "entitlements.active_entitlement_summary", "customer": customer_id,
               "entitlements": _entitlements_list(world, customer_id, now), "livemode": world.livemode}
    emit(world, "entitlements.active_entitlement_summary.updated", "", customer, data=summary,
         previous={"entitlements": before}, created=world.now_for(customer))


def _entitlements_list(world: World, customer_id: str, entitlements: list[dict]) -> dict:
    data = [render(world, "active_entitlements", e) for e in entitlements]
    return list_object(f"/v1/customer/{customer_id}/entitlements", data)


def refresh_product_customers(world: World, product: str) -> None:
    """A feature attached to or detached from a product changes the entitlements of everyone subscribed to it."""
    customers: list[str] = []
    for sub in world.collections["subscriptions"].values():
        if sub["customer"] in customers or sub["status"] not in GRANTING_STATUSES:
            continue
        if any(world.get("prices", world.get("subscription_items", i)["price"])["product"] == product
               for i in sub["_items"]):
            customers.append(sub["customer"])
    for customer_id in customers:
        refresh(world, customer_id)


def _on_event(world: World, event: dict) -> None:
    # Every change of a subscription's status or items comes with one of its events.
    if event["type"].startswith("customer.subscription."):
        customer = event["data"]["object"].get("customer")
        if isinstance(customer, str):
            refresh(world, customer)


EMITTED_HOOKS.append(_on_event)


@api("GET", "/v1/entitlements/active_entitlements", "entitlements", "entitlements.ActiveEntitlementListParams")
def list_active_entitlements(ctx: Ctx, params: dict) -> dict:
    customer = get_str(params, "customer", required=True)
    ctx.world.get("customers", customer, param="customer", status=400)
    items = list(reversed(_held(ctx.world, customer)))
    return paginate(ctx.world, "active_entitlements", items, params, "/v1/entitlements/active_entitlements",
                    ctx.expand)


retrieve("/v1/entitlements/active_entitlements/<id>", "active_entitlements",
         "entitlements.ActiveEntitlementRetrieveParams", resource="entitlements")
