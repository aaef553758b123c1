"""Coupons, promotion codes and discounts: the API resources, and what a discount takes off an invoice or a session."""

from __future__ import annotations

import string
from typing import Any

from ..engine import errors
from ..engine.events import emit
from ..engine.ids import new_id, random_suffix
from ..engine.params import get_bool, get_dict, get_int, get_list, get_metadata, get_str
from ..engine.periods import boundary
from ..engine.render import paginate, render
from ..engine.routes import Ctx, api, retrieve, update
from ..engine.store import World
from .products import amount_for

DURATIONS = ("forever", "once", "repeating")


# --- coupons ------------------------------------------------------------------------------------------------------


def coupon_valid(world: World, coupon: dict, t: int) -> bool:
    if coupon["max_redemptions"] is not None and coupon["times_redeemed"] >= coupon["max_redemptions"]:
        return False
    return coupon["redeem_by"] is None or t < coupon["redeem_by"]


@api("POST", "/v1/coupons", "coupons", "CouponCreateParams")
def create_coupon(ctx: Ctx, params: dict) -> dict:
    world = ctx.world
    percent = params.get("percent_off")
    amount_off = get_int(params, "amount_off", minimum=1)
    if (percent in (None, "")) == (amount_off is None):
        raise errors.invalid("You must pass exactly one of percent_off or amount_off.", param="percent_off")
    try:
        percent_off = None if percent in (None, "") else float(percent)
    except (TypeError, ValueError):
        raise errors.invalid(f"Invalid decimal: {percent}", param="percent_off") from None
    if percent_off is not None and not 0 < percent_off <= 100:
        raise errors.invalid("percent_off must be greater than 0 and at most 100.", param="percent_off")
    currency = get_str(params, "currency")
    if amount_off is not None and not currency:
        raise errors.missing_parameter("currency")
    duration = get_str(params, "duration", choices=DURATIONS) or "once"
    months = get_int(params, "duration_in_months", minimum=1)
    if (duration == "repeating") != (months is not None):
        raise errors.invalid("duration_in_months is required with duration=repeating, and only then.",
                             param="duration_in_months")
    coupon_id = get_str(params, "id") or random_suffix(8)
    if world.find("coupons", coupon_id) is not None:
        raise errors.invalid(f"Coupon already exists: {coupon_id}", param="id", code="resource_already_exists")
    t = world.now()
    redeem_by = get_int(params, "redeem_by")
    if redeem_by is not None and redeem_by <= t:
        raise errors.invalid("redeem_by must be in the future.", param="redeem_by")
    products = [str(p) for p in get_list(get_dict(params, "applies_to"), "products", param="applies_to[products]")]
    for product in products:
        world.get("products", product, param="applies_to[products]", status=400)
    coupon = world.add("coupons", {
        "id": coupon_id, "object": "coupon", "amount_off": amount_off,
        "applies_to": {"products": products} if products else None, "created": t,
        "currency": currency.lower() if currency else None, "currency_options": None, "duration": duration,
        "duration_in_months": months, "livemode": world.livemode,
        "max_redemptions": get_int(params, "max_redemptions", minimum=1), "metadata": get_metadata(params),
        "name": get_str(params, "name"), "percent_off": percent_off, "redeem_by": redeem_by, "times_redeemed": 0,
        "valid": True,
    })
    emit(world, "coupon.created", "coupons", coupon, created=t)
    return render(world, "coupons", coupon, ctx.expand)


@api("GET", "/v1/coupons/<id>", "coupons", "CouponRetrieveParams")
def retrieve_coupon(ctx: Ctx, params: dict, id: str) -> dict:
    return render(ctx.world, "coupons", live_coupon(ctx.world, id, param="id", status=404), ctx.expand)


def live_coupon(world: World, coupon_id: str | None, *, param: str, status: int = 400) -> dict:
    coupon = world.get("coupons", coupon_id, param=param, status=status)
    if coupon.get("_deleted"):
        raise errors.missing("coupon", str(coupon_id), param=param, status=status)
    return coupon


def _live_coupon(world: World, coupon_id: str) -> dict:
    return live_coupon(world, coupon_id, param="id", status=404)


@update("/v1/coupons/<id>", "coupons", "CouponUpdateParams", event="coupon.updated", find=_live_coupon)
def update_coupon(ctx: Ctx, params: dict, coupon: dict) -> None:
    if "name" in params:
        coupon["name"] = get_str(params, "name") or None
    coupon["metadata"] = get_metadata(params, coupon["metadata"])


@api("GET", "/v1/coupons", "coupons", "CouponListParams")
def list_coupons(ctx: Ctx, params: dict) -> dict:
    items = [c for c in ctx.world.newest_first("coupons") if not c.get("_deleted")]
    return paginate(ctx.world, "coupons", items, params, "/v1/coupons", ctx.expand)


@api("DELETE", "/v1/coupons/<id>", "coupons", "CouponDeleteParams")
def delete_coupon(ctx: Ctx, params: dict, id: str) -> dict:
    """Deleting a coupon stops new redemptions; discounts already made from it keep applying, as on Stripe."""
    coupon = live_coupon(ctx.world, id, param="id", status=404)
    coupon.update(_deleted=True, valid=False)  # kept (hidden) for the discounts made from it
    emit(ctx.world, "coupon.deleted", "coupons", coupon)
    return {"id": id, "object": "coupon", "deleted": True}


def coupon_of(world: World, coupon_id: str) -> dict:
    """A discount's coupon, deleted or not."""
    return world.get("coupons", coupon_id)


# --- promotion codes ----------------------------------------------------------------------------------------------


@api("POST", "/v1/promotion_codes", "promotion_codes", "PromotionCodeCreateParams")
def create_promotion_code(ctx: Ctx, params: dict) -> dict:
    world = ctx.world
    promotion = get_dict(params, "promotion")
    get_str(promotion, "type", required=True, param="promotion[type]", choices=("coupon",))
    coupon = live_coupon(world, get_str(promotion, "coupon", required=True, param="promotion[coupon]"),
                         param="promotion[coupon]")
    code = get_str(params, "code") or random_suffix(8).upper()
    if not all(ch in string.ascii_letters + string.digits + "-_" for ch in code):
        raise errors.invalid("A promotion code may only contain letters, digits, - and _.", param="code")
    if any(p["code"].lower() == code.lower() and p["active"] for p in world.collections["promotion_codes"].values()):
        raise errors.invalid(f"An active promotion code with `code: {code}` already exists.", param="code")
    customer = get_str(params, "customer")
    if customer:
        world.get("customers", customer, param="customer", status=400)
    restrictions = get_dict(params, "restrictions")
    minimum = get_int(restrictions, "minimum_amount", param="restrictions[minimum_amount]", minimum=1)
    minimum_currency = get_str(restrictions, "minimum_amount_currency", param="restrictions[minimum_amount_currency]")
    if (minimum is None) != (minimum_currency is None):
        raise errors.invalid("minimum_amount and minimum_amount_currency go together.",
                             param="restrictions[minimum_amount_currency]")
    t = world.now()
    promo = world.add("promotion_codes", {
        "id": new_id("promo"), "object": "promotion_code", "active": get_bool(params, "active") is not False,
        "code": code, "created": t, "customer": customer, "customer_account": None,
        "expires_at": get_int(params, "expires_at"), "livemode": world.livemode,
        "max_redemptions": get_int(params, "max_redemptions", minimum=1), "metadata": get_metadata(params),
        "promotion": {"coupon": coupon["id"], "type": "coupon"},
        "restrictions": {"currency_options": {},
                         "first_time_transaction": bool(get_bool(restrictions, "first_time_transaction",
                                                                 param="restrictions[first_time_transaction]")),
                         "minimum_amount": minimum,
                         "minimum_amount_currency": minimum_currency.lower() if minimum_currency else None},
        "times_redeemed": 0,
    })
    emit(world, "promotion_code.created", "promotion_codes", promo, created=t)
    return render(world, "promotion_codes", promo, ctx.expand)


retrieve("/v1/promotion_codes/<id>", "promotion_codes", "PromotionCodeRetrieveParams")


@update("/v1/promotion_codes/<id>", "promotion_codes", "PromotionCodeUpdateParams", event="promotion_code.updated")
def update_promotion_code(ctx: Ctx, params: dict, promo: dict) -> None:
    active = get_bool(params, "active")
    if active is not None:
        promo["active"] = active
    promo["metadata"] = get_metadata(params, promo["metadata"])


@api("GET", "/v1/promotion_codes", "promotion_codes", "PromotionCodeListParams")
def list_promotion_codes(ctx: Ctx, params: dict) -> dict:
    active, code = get_bool(params, "active"), get_str(params, "code")
    coupon, customer = get_str(params, "coupon"), get_str(params, "customer")
    items = [p for p in ctx.world.newest_first("promotion_codes")
             if (active is None or p["active"] == active) and (code is None or p["code"].lower() == code.lower())
             and (coupon is None or p["promotion"]["coupon"] == coupon)
             and (customer is None or p["customer"] == customer)]
    return paginate(ctx.world, "promotion_codes", items, params, "/v1/promotion_codes", ctx.expand)


def promotion_code_by_code(world: World, code: str) -> dict:
    for promo in world.collections["promotion_codes"].values():
        if promo["code"].lower() == code.lower() and promo["active"]:
            return promo
    raise errors.invalid("This code is invalid.", param="promotion_code", code="promotion_code_invalid")


def check_promotion_code(world: World, promo: dict, *, customer: str | None, amount: int, currency: str,
                         t: int, param: str) -> dict:
    """The promotion code's coupon, if the code can be redeemed here now (Stripe's checks, in its words)."""
    coupon = coupon_of(world, promo["promotion"]["coupon"])
    restrictions = promo["restrictions"]
    if (not promo["active"] or (promo["expires_at"] is not None and t >= promo["expires_at"])
            or (promo["max_redemptions"] is not None and promo["times_redeemed"] >= promo["max_redemptions"])
            or coupon.get("_deleted") or not coupon_valid(world, coupon, t)):
        raise errors.invalid("This promotion code is inactive or expired.", param=param,
                             code="promotion_code_invalid")
    if promo["customer"] and promo["customer"] != customer:
        raise errors.invalid("This promotion code cannot be redeemed by this customer.", param=param,
                             code="promotion_code_invalid")
    if restrictions["minimum_amount"] is not None and (
            currency != restrictions["minimum_amount_currency"] or amount < restrictions["minimum_amount"]):
        raise errors.invalid("This promotion code requires a minimum order amount.", param=param,
                             code="promotion_code_invalid")
    if restrictions["first_time_transaction"] and customer and any(
            c["customer"] == customer and c["status"] == "succeeded"
            for c in world.collections["charges"].values()):
        raise errors.invalid("This promotion code is only for first-time customers.", param=param,
                             code="promotion_code_invalid")
    return coupon


# --- discounts ----------------------------------------------------------------------------------------------------


def resolve_specs(world: World, specs: list[Any], *, param: str, customer: str | None, amount: int, currency: str,
                  t: int) -> list[tuple[dict, dict | None]]:
    """`discounts[i][coupon|promotion_code]` as (coupon, promotion code) pairs, checked; at most one, as Stripe
    allows on subscriptions and sessions."""
    pairs = []
    for i, spec in enumerate(specs):
        label = f"{param}[{i}]"
        if not isinstance(spec, dict):
            raise errors.invalid(f"Invalid {label}", param=label)
        coupon_id = get_str(spec, "coupon", param=f"{label}[coupon]")
        promo_id = get_str(spec, "promotion_code", param=f"{label}[promotion_code]")
        if bool(coupon_id) == bool(promo_id):
            raise errors.invalid("Each discount takes exactly one of coupon or promotion_code.", param=label)
        if promo_id:
            promo = world.get("promotion_codes", promo_id, param=f"{label}[promotion_code]", status=400)
            pairs.append((check_promotion_code(world, promo, customer=customer, amount=amount, currency=currency, t=t,
                                               param=f"{label}[promotion_code]"), promo))
        else:
            coupon = live_coupon(world, coupon_id, param=f"{label}[coupon]")
            if not coupon_valid(world, coupon, t):
                raise errors.invalid(f"Coupon expired: {coupon_id}", param=f"{label}[coupon]")
            pairs.append((coupon, None))
    if len(pairs) > 1:
        raise errors.invalid("The emulator applies at most one discount.", param=param)
    for coupon, _ in pairs:
        if coupon["amount_off"] is not None and coupon["currency"] != currency:
            raise errors.invalid(f"The coupon's currency ({coupon['currency']}) does not match ({currency}).",
                                 param=param)
    return pairs


def redeem(world: World, coupon: dict, promo: dict | None, t: int, *, customer: str | None,
           subscription: str | None = None, checkout_session: str | None = None,
           discount_id: str | None = None) -> dict:
    """A discount object: the coupon (or code) applied; its end follows the coupon's duration."""
    coupon["times_redeemed"] += 1
    coupon["valid"] = coupon_valid(world, coupon, t)
    if promo is not None:
        promo["times_redeemed"] += 1
    end = boundary(t, "month", 1, coupon["duration_in_months"]) if coupon["duration"] == "repeating" else None
    return world.add("discounts", {
        "id": discount_id or new_id("di"), "object": "discount", "checkout_session": checkout_session,
        "customer": customer,
        "customer_account": None, "end": end, "invoice": None, "invoice_item": None,
        "promotion_code": promo["id"] if promo else None, "source": {"coupon": coupon["id"], "type": "coupon"},
        "start": t, "subscription": subscription, "subscription_item": None,
    })


def amounts(world: World, coupon: dict, lines: list[tuple[int, str | None, bool]]) -> list[int]:
    """What the coupon takes off each (amount, product, discountable) line; an amount_off is spread pro rata."""
    products = (coupon["applies_to"] or {}).get("products")
    eligible = [amount if discountable and amount > 0 and (not products or product in products) else 0
                for amount, product, discountable in lines]
    if coupon["percent_off"] is not None:
        return [round(a * coupon["percent_off"] / 100) for a in eligible]
    total = sum(eligible)
    off = min(coupon["amount_off"], total)
    shares = [off * a // total if total else 0 for a in eligible]
    if total and off:
        last = max(range(len(eligible)), key=lambda i: eligible[i])
        shares[last] += off - sum(shares)
    return shares


def active_on(world: World, discount_ids: list[str], t: int) -> list[dict]:
    found = [world.find("discounts", d) for d in discount_ids]
    return [d for d in found if d is not None and (d["end"] is None or t < d["end"])]


def apply_to_invoice(world: World, invoice: dict, sub: dict | None, customer: dict, store: bool) -> None:
    """Takes the subscription's discounts off a new invoice (subtotal stays; total, amount due and the lines'
    discount amounts reflect them). A `once` discount is used up by the first stored invoice it reduces (a $0
    trial invoice does not use it)."""
    if sub is None or not sub.get("discounts"):
        return
    discounts = active_on(world, sub["discounts"], invoice["created"])
    lines = invoice["lines"]["data"]
    taken = 0
    for discount in discounts:
        coupon = coupon_of(world, discount["source"]["coupon"])
        off = amounts(world, coupon, [(line["amount"], line["pricing"]["price_details"]["product"],
                                       line["discountable"]) for line in lines])
        for line, amount in zip(lines, off, strict=True):
            if amount:
                line["discount_amounts"].append({"amount": amount, "discount": discount["id"]})
                line["discounts"].append(discount["id"])
        invoice["discounts"].append(discount["id"])
        invoice["total_discount_amounts"].append({"amount": sum(off), "discount": discount["id"]})
        taken += sum(off)
        if store and coupon["duration"] == "once" and sum(off):  # the first invoice it takes something off
            sub["discounts"] = [d for d in sub["discounts"] if d != discount["id"]]
            discount["end"] = invoice["created"]
    total = invoice["subtotal"] - taken
    amount_due = max(0, total + invoice["starting_balance"])
    invoice.update(total=total, total_excluding_tax=total, amount_due=amount_due, amount_remaining=amount_due)


def set_subscription_discounts(world: World, sub: dict, specs: list[Any], t: int) -> None:
    """`discounts` on a subscription create or update: replaces its discounts (an empty list removes them)."""
    pairs = resolve_specs(world, specs, param="discounts", customer=sub["customer"], amount=0,
                          currency=sub["currency"], t=t)
    sub["discounts"] = [redeem(world, coupon, promo, t, customer=sub["customer"], subscription=sub["id"])["id"]
                        for coupon, promo in pairs]


# --- checkout -----------------------------------------------------------------------------------------------------


def session_discounts(world: World, params: dict, amount: int, currency: str, customer: str | None,
                      t: int) -> tuple[list[dict], bool]:
    """A session's `discounts` (checked now) and `allow_promotion_codes`, which exclude each other."""
    specs = get_list(params, "discounts")
    allow = get_bool(params, "allow_promotion_codes")
    if specs and allow:
        raise errors.invalid("You may only specify one of these parameters: allow_promotion_codes, discounts.",
                             param="discounts")
    pairs = resolve_specs(world, specs, param="discounts", customer=customer, amount=amount, currency=currency, t=t)
    # `_discount`: the id its discount object will have once redeemed (shown before, in `total_details.breakdown`)
    return [{"coupon": c["id"], "promotion_code": p["id"] if p else None, "_discount": new_id("di")}
            for c, p in pairs], bool(allow)


def session_discounts_by_line(world: World, session: dict) -> list[tuple[dict, list[int]]]:
    """Each discount of a session (the object it is, or will be once the session is paid) with what it takes off
    each of the session's line items."""
    lines = []
    for item in session["_line_items"]:
        price = world.get("prices", item["price"])
        lines.append((amount_for(price, item["quantity"]), price["product"], True))
    out = []
    for spec in session["discounts"] or []:
        coupon = coupon_of(world, spec["coupon"])
        discount = world.find("discounts", spec.get("_discount")) or {
            "id": spec.get("_discount") or new_id("di"), "object": "discount", "checkout_session": session["id"],
            "customer": session["customer"], "customer_account": None, "end": None, "invoice": None,
            "invoice_item": None, "promotion_code": spec["promotion_code"],
            "source": {"coupon": coupon["id"], "type": "coupon"}, "start": world.now_for(session),
            "subscription": None, "subscription_item": None}
        out.append((discount, amounts(world, coupon, lines)))
    return out


def price_session(world: World, session: dict) -> None:
    """A session's totals after its discount: `amount_total`, `total_details.amount_discount`."""
    taken = sum(sum(shares) for _, shares in session_discounts_by_line(world, session))
    session["total_details"]["amount_discount"] = taken
    session["amount_total"] = session["amount_subtotal"] - taken


def enter_code(world: World, session: dict, code: str) -> None:
    """A promotion code typed on the hosted page (allowed by `allow_promotion_codes`)."""
    if not session["allow_promotion_codes"]:
        raise errors.invalid("This Checkout Session does not accept promotion codes.", param="promotion_code")
    promo = promotion_code_by_code(world, code)
    check_promotion_code(world, promo, customer=session["customer"], amount=session["amount_subtotal"],
                         currency=session["currency"], t=world.now_for(session), param="promotion_code")
    session["discounts"] = [{"coupon": promo["promotion"]["coupon"], "promotion_code": promo["id"],
                             "_discount": new_id("di")}]
    price_session(world, session)


def redeem_session(world: World, session: dict, sub: dict | None, t: int) -> None:
    """The session is being paid: its discount is redeemed (on the subscription it creates, if any)."""
    ids = []
    for spec in session["discounts"] or []:
        promo = world.find("promotion_codes", spec["promotion_code"])
        discount = redeem(world, coupon_of(world, spec["coupon"]), promo, t, customer=session["customer"],
                          subscription=sub["id"] if sub else None, checkout_session=session["id"],
                          discount_id=spec.get("_discount"))
        ids.append(discount["id"])
    if sub is not None:
        sub["discounts"] = ids
