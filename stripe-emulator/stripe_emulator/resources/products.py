"""Products and prices (one-time and recurring, with their legacy `plan` shape)."""

from __future__ import annotations

import re
from collections.abc import Callable

from ..engine import errors
from ..engine.events import Tracker, emit
from ..engine.ids import new_id
from ..engine.money import format_money
from ..engine.params import get_bool, get_dict, get_int, get_list, get_metadata, get_str, in_range, range_filter
from ..engine.render import paginate, render, virtual_field
from ..engine.routes import Ctx, api, retrieve, update
from ..engine.store import World
from .meters import check_meter

INTERVALS = ("day", "week", "month", "year")
_MAX_DAYS = {"day": 1, "week": 7, "month": 31, "year": 366}  # Stripe caps a billing period at three years
_CURRENCY = re.compile(r"^[a-z]{3}$")


# --- products -----------------------------------------------------------------------------------------------------


def create_product(world: World, spec: dict, param: str = "") -> dict:
    name = get_str(spec, "name", required=True, param=f"{param}[name]" if param else "name")
    product_id = get_str(spec, "id") or new_id("prod", 14)
    if world.find("products", product_id):
        raise errors.invalid("Product already exists.", param="id", code="resource_already_exists")
    now = world.now()
    product = world.add("products", {
        "id": product_id, "object": "product", "active": get_bool(spec, "active") is not False, "created": now,
        "default_price": None, "description": get_str(spec, "description"), "images": get_list(spec, "images"),
        "livemode": world.livemode, "marketing_features": get_list(spec, "marketing_features"),
        "metadata": get_metadata(spec), "name": name, "package_dimensions": None, "shippable": None,
        "statement_descriptor": get_str(spec, "statement_descriptor"), "tax_code": get_str(spec, "tax_code"),
        "type": "service", "unit_label": get_str(spec, "unit_label"), "updated": now, "url": get_str(spec, "url"),
    })
    emit(world, "product.created", "products", product)
    return product


@api("POST", "/v1/products", "products", "ProductCreateParams")
def create_product_route(ctx: Ctx, params: dict) -> dict:
    product = create_product(ctx.world, params)
    default_price = get_dict(params, "default_price_data")
    if default_price:
        price = create_price(ctx.world, default_price, "default_price_data", product_id=product["id"])
        product["default_price"] = price["id"]
    return render(ctx.world, "products", product, ctx.expand)


retrieve("/v1/products/<id>", "products", "ProductRetrieveParams")


@update("/v1/products/<id>", "products", "ProductUpdateParams", event="product.updated", stamp="updated")
def update_product(ctx: Ctx, params: dict, product: dict) -> None:
    for name in ("name", "description", "statement_descriptor", "tax_code", "unit_label", "url"):
        if name in params:
            product[name] = get_str(params, name) or None
    if "name" in params and not product["name"]:
        raise errors.invalid("You must provide a name for the product.", param="name")
    if "active" in params:
        product["active"] = bool(get_bool(params, "active"))
    if "default_price" in params:
        price_id = get_str(params, "default_price") or None
        if price_id:
            price = ctx.world.get("prices", price_id, param="default_price", status=400)
            if price["product"] != product["id"]:
                raise errors.invalid("The default price must belong to this product.", param="default_price")
        product["default_price"] = price_id
    product["metadata"] = get_metadata(params, product["metadata"])


@api("GET", "/v1/products", "products", "ProductListParams")
def list_products(ctx: Ctx, params: dict) -> dict:
    active = get_bool(params, "active")
    ids = set(str(i) for i in get_list(params, "ids"))
    created = range_filter(params, "created")
    items = [p for p in ctx.world.newest_first("products")
             if (active is None or p["active"] == active) and (not ids or p["id"] in ids)
             and in_range(p["created"], created)]
    return paginate(ctx.world, "products", items, params, "/v1/products", ctx.expand)


@api("DELETE", "/v1/products/<id>", "products", "ProductDeleteParams")
def delete_product(ctx: Ctx, params: dict, id: str) -> dict:
    product = ctx.world.get("products", id)
    if any(p["product"] == id for p in ctx.world.collections["prices"].values()):
        raise errors.invalid("This product cannot be deleted because it has one or more user-created prices.",
                             param="id")
    ctx.world.remove("products", id)
    emit(ctx.world, "product.deleted", "products", product)
    return {"id": id, "object": "product", "deleted": True}


# --- prices -------------------------------------------------------------------------------------------------------


def parse_recurring(spec: dict, label: Callable[[str], str] = lambda name: name) -> dict | None:
    recurring = get_dict(spec, "recurring", param=label("recurring"))
    if not recurring:
        return None
    interval = get_str(recurring, "interval", required=True, param=label("recurring[interval]"), choices=INTERVALS)
    count = get_int(recurring, "interval_count", param=label("recurring[interval_count]"), minimum=1) or 1
    if count * _MAX_DAYS[interval] > 3 * 366:
        raise errors.invalid("The maximum billing period is three years.", param=label("recurring[interval_count]"))
    usage = get_str(recurring, "usage_type", param=label("recurring[usage_type]"), choices=("licensed", "metered"))
    return {"interval": interval, "interval_count": count,
            "meter": get_str(recurring, "meter", param=label("recurring[meter]")),
            "trial_period_days": get_int(recurring, "trial_period_days", minimum=0), "usage_type": usage or "licensed"}


def create_price(world: World, spec: dict, param: str = "", *, product_id: str | None = None,
                 active: bool = True) -> dict:
    """A price from `/v1/prices` parameters; also what `price_data` and `default_price_data` create."""
    def label(name: str) -> str:
        # `unit_amount` at the top level, `line_items[0][price_data][unit_amount]` when nested.
        if not param:
            return name
        head, _, rest = name.partition("[")
        return f"{param}[{head}]" + (f"[{rest}" if rest else "")

    currency = (get_str(spec, "currency", required=True, param=label("currency")) or "").lower()
    if not _CURRENCY.match(currency):
        raise errors.invalid(f"Invalid currency: {currency}", param=label("currency"))
    scheme = get_str(spec, "billing_scheme", param=label("billing_scheme"), choices=("per_unit", "tiered"))
    unit_amount = _amount(spec, "unit_amount", "unit_amount_decimal", label)
    tiers, tiers_mode = None, None
    if scheme == "tiered":
        if unit_amount is not None:
            raise errors.invalid("You may not pass `unit_amount` with `billing_scheme=tiered`: the tiers set the "
                                 "amounts.", param=label("unit_amount"))
        tiers_mode = get_str(spec, "tiers_mode", required=True, param=label("tiers_mode"),
                             choices=("graduated", "volume"))
        tiers = _parse_tiers(spec, label)
    elif unit_amount is None:
        raise errors.invalid("You must pass either `unit_amount` or `unit_amount_decimal`.",
                             param=label("unit_amount"))
    recurring = parse_recurring(spec, label)
    if recurring:
        check_meter(world, recurring, label("recurring[meter]"))
    if product_id is None:
        product_data = get_dict(spec, "product_data", param=label("product_data"))
        product_ref = get_str(spec, "product", param=label("product"))
        if product_data and product_ref:
            raise errors.invalid("You may only specify one of these parameters: product, product_data.",
                                 param=label("product"))
        if product_data:
            product_id = create_product(world, product_data, param=label("product_data"))["id"]
        elif product_ref:
            product_id = world.get("products", product_ref, param=label("product"), status=400)["id"]
        else:
            raise errors.missing_parameter(label("product"))
    lookup_key = get_str(spec, "lookup_key", param=label("lookup_key"))
    if lookup_key:
        _claim_lookup_key(world, lookup_key, bool(get_bool(spec, "transfer_lookup_key")))
    active_param = get_bool(spec, "active")
    price = world.add("prices", {
        "id": new_id("price"), "object": "price", "active": active if active_param is None else active_param,
        "billing_scheme": scheme or "per_unit", "created": world.now(), "currency": currency,
        "custom_unit_amount": None,
        "livemode": world.livemode, "lookup_key": lookup_key, "metadata": get_metadata(spec),
        "nickname": get_str(spec, "nickname"), "product": product_id, "recurring": recurring,
        "tax_behavior": get_str(spec, "tax_behavior") or "unspecified", "tiers_mode": tiers_mode,
        "transform_quantity": None, "type": "recurring" if recurring else "one_time", "unit_amount": unit_amount,
        "unit_amount_decimal": None if unit_amount is None else str(unit_amount), "_tiers": tiers,
    })
    emit(world, "price.created", "prices", price)
    return price


def _amount(spec: dict, name: str, decimal_name: str, label: Callable[[str], str]) -> int | None:
    """`unit_amount` or `flat_amount`, or its `..._decimal` twin (whole minor units here)."""
    amount = get_int(spec, name, param=label(name), minimum=0)
    decimal = get_str(spec, decimal_name, param=label(decimal_name))
    if amount is None and decimal not in (None, ""):
        try:
            amount = int(round(float(decimal)))
        except ValueError:
            raise errors.invalid("Invalid decimal", param=label(decimal_name)) from None
    return amount


def _parse_tiers(spec: dict, label: Callable[[str], str]) -> list[dict]:
    """`tiers[i][up_to|unit_amount|flat_amount]`: increasing bounds, the last one `inf`."""
    tiers = []
    for i, tier in enumerate(get_list(spec, "tiers", param=label("tiers"))):
        where = f"tiers[{i}]"
        if not isinstance(tier, dict):
            raise errors.invalid(f"Invalid {where}", param=label(where))
        bound = get_str(tier, "up_to", required=True, param=label(f"{where}[up_to]"))
        up_to = None if bound == "inf" else get_int(tier, "up_to", param=label(f"{where}[up_to]"), minimum=1)
        unit = _amount(tier, "unit_amount", "unit_amount_decimal", lambda name, where=where: label(f"{where}[{name}]"))
        flat = _amount(tier, "flat_amount", "flat_amount_decimal", lambda name, where=where: label(f"{where}[{name}]"))
        if unit is None and flat is None:
            raise errors.invalid("Each tier needs a `unit_amount` or a `flat_amount`.", param=label(where))
        if tiers and (tiers[-1]["up_to"] is None or (up_to is not None and up_to <= tiers[-1]["up_to"])):
            raise errors.invalid("The tiers' `up_to` must increase, and only the last one may be `inf`.",
                                 param=label(f"{where}[up_to]"))
        tiers.append({"flat_amount": flat, "flat_amount_decimal": None if flat is None else str(flat),
                      "unit_amount": unit, "unit_amount_decimal": None if unit is None else str(unit),
                      "up_to": up_to})
    if not tiers:
        raise errors.missing_parameter(label("tiers"))
    if tiers[-1]["up_to"] is not None:
        raise errors.invalid("The last tier's `up_to` must be `inf`.", param=label(f"tiers[{len(tiers) - 1}][up_to]"))
    return tiers


def amount_for(price: dict, quantity: int) -> int:
    """What `quantity` units of a price cost: per unit; with `volume` tiers, every unit at the rate of the tier the
    quantity falls in (plus its flat amount); with `graduated` tiers, each tier's units at its rate (plus the flat
    amount of each tier reached)."""
    tiers = price.get("_tiers")
    if not tiers:
        return price["unit_amount"] * quantity
    if quantity <= 0:
        return 0
    if price["tiers_mode"] == "volume":
        tier = next(t for t in tiers if t["up_to"] is None or quantity <= t["up_to"])
        return (tier["unit_amount"] or 0) * quantity + (tier["flat_amount"] or 0)
    total, floor = 0, 0
    for tier in tiers:
        units = min(quantity, tier["up_to"] or quantity) - floor
        if units <= 0:
            break
        total += (tier["unit_amount"] or 0) * units + (tier["flat_amount"] or 0)
        floor = tier["up_to"] or quantity
    return total


def rate_label(price: dict) -> str:
    """How a price reads in descriptions: `$19.00`, or its tiers' mode for a tiered price."""
    if price.get("_tiers"):
        return f"{price['tiers_mode']} tiers"
    return format_money(price["unit_amount"], price["currency"])


def _claim_lookup_key(world: World, lookup_key: str, transfer: bool) -> None:
    for other in world.collections["prices"].values():
        if other["lookup_key"] == lookup_key:
            if not transfer:
                raise errors.invalid(f"A price (`{other['id']}`) already uses that lookup key.", param="lookup_key")
            tracker = Tracker(world, "prices", other)
            other["lookup_key"] = None
            tracker.emit_updated("price.updated")


@api("POST", "/v1/prices", "prices", "PriceCreateParams")
def create_price_route(ctx: Ctx, params: dict) -> dict:
    return render(ctx.world, "prices", create_price(ctx.world, params), ctx.expand)


retrieve("/v1/prices/<id>", "prices", "PriceRetrieveParams")


@update("/v1/prices/<id>", "prices", "PriceUpdateParams", event="price.updated")
def update_price(ctx: Ctx, params: dict, price: dict) -> None:
    if "active" in params:
        price["active"] = bool(get_bool(params, "active"))
    if "nickname" in params:
        price["nickname"] = get_str(params, "nickname") or None
    if "lookup_key" in params:
        lookup_key = get_str(params, "lookup_key") or None
        if lookup_key and lookup_key != price["lookup_key"]:
            _claim_lookup_key(ctx.world, lookup_key, bool(get_bool(params, "transfer_lookup_key")))
        price["lookup_key"] = lookup_key
    price["metadata"] = get_metadata(params, price["metadata"])


@api("GET", "/v1/prices", "prices", "PriceListParams")
def list_prices(ctx: Ctx, params: dict) -> dict:
    active = get_bool(params, "active")
    product = get_str(params, "product")
    type_ = get_str(params, "type", choices=("one_time", "recurring"))
    currency = get_str(params, "currency")
    lookup_keys = set(str(k) for k in get_list(params, "lookup_keys"))
    interval = get_str(get_dict(params, "recurring"), "interval", param="recurring[interval]")
    created = range_filter(params, "created")
    items = [p for p in ctx.world.newest_first("prices")
             if (active is None or p["active"] == active) and (product is None or p["product"] == product)
             and (type_ is None or p["type"] == type_) and (currency is None or p["currency"] == currency)
             and (not lookup_keys or p["lookup_key"] in lookup_keys)
             and (interval is None or (p["recurring"] or {}).get("interval") == interval)
             and in_range(p["created"], created)]
    return paginate(ctx.world, "prices", items, params, "/v1/prices", ctx.expand)


@virtual_field("prices", "tiers")
def _tiers(world: World, price: dict) -> list[dict] | None:
    """A tiered price's tiers (Stripe includes them only when expanded); none for a per-unit price."""
    return [dict(tier) for tier in price.get("_tiers") or []] or None


@virtual_field("prices", "currency_options")
def _currency_options(world: World, price: dict) -> dict:
    """The price in each of its currencies (Stripe includes them only when expanded); the emulator's prices have
    one currency, their own."""
    return {price["currency"]: {"custom_unit_amount": None, "tax_behavior": price["tax_behavior"],
                                "tiers": _tiers(world, price), "unit_amount": price["unit_amount"],
                                "unit_amount_decimal": price["unit_amount_decimal"]}}


def plan_of(price: dict) -> dict:
    """The legacy `plan` Stripe still embeds next to `price` in subscription items."""
    recurring = price["recurring"] or {}
    return {
        "id": price["id"], "object": "plan", "active": price["active"], "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"], "billing_scheme": price["billing_scheme"],
        "created": price["created"],
        "currency": price["currency"], "interval": recurring.get("interval"),
        "interval_count": recurring.get("interval_count"), "livemode": price["livemode"],
        "metadata": dict(price["metadata"]), "meter": recurring.get("meter"), "nickname": price["nickname"],
        "product": price["product"], "tiers_mode": price["tiers_mode"], "transform_usage": None,
        "trial_period_days": recurring.get("trial_period_days"), "usage_type": recurring.get("usage_type", "licensed"),
    }
