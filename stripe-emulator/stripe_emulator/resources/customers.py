"""Customers: creation (with a test clock and a payment method), retrieve, update, list and delete."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from ..engine import errors
from ..engine.events import emit
from ..engine.ids import new_id
from ..engine.params import get_dict, get_int, get_list, get_metadata, get_str, in_range, range_filter
from ..engine.render import paginate, public, render, renderer
from ..engine.routes import Ctx, api, retrieve, update
from ..engine.store import World
from .cards import attach, resolve_payment_method, set_default_payment_method

# What else a customer's deletion ends (billing cancels their subscriptions): (world, customer), before
# `customer.deleted`. Billing builds on customers, so it registers here rather than being imported.
DELETED_HOOKS: list[Callable[[World, dict], None]] = []


def create_customer(world: World, *, email: str | None = None, name: str | None = None,
                    test_clock: str | None = None, params: dict | None = None) -> dict:
    params = params or {}
    created = world.now(test_clock)
    customer = world.add("customers", {
        "id": new_id("cus", 14), "object": "customer", "address": None, "balance": 0, "business_name": None,
        "created": created, "currency": None, "customer_account": None, "default_source": None, "delinquent": False,
        "description": get_str(params, "description"), "discount": None, "email": email,
        "individual_name": None, "invoice_prefix": secrets.token_hex(4).upper(),
        "invoice_settings": {"custom_fields": None, "default_payment_method": None, "footer": None,
                             "rendering_options": None},
        "livemode": world.livemode, "metadata": get_metadata(params), "name": name, "next_invoice_sequence": 1,
        "phone": get_str(params, "phone"), "preferred_locales": [str(x) for x in get_list(params, "preferred_locales")],
        "shipping": None, "tax_exempt": get_str(params, "tax_exempt") or "none", "test_clock": test_clock,
    })
    emit(world, "customer.created", "customers", customer, created=created)
    return customer


@renderer("customers")
def _render_customer(world: World, customer: dict) -> dict:
    if customer.get("_deleted"):
        return {"id": customer["id"], "object": "customer", "deleted": True}
    return public(customer)


def live_customer(world: World, customer_id: str | None, *, param: str = "customer", status: int = 400) -> dict:
    customer = world.get("customers", customer_id, param=param, status=status)
    if customer.get("_deleted"):
        raise errors.missing("customer", str(customer_id), param=param, status=status)
    return customer


@api("POST", "/v1/customers", "customers", "CustomerCreateParams")
def create_customer_route(ctx: Ctx, params: dict) -> dict:
    clock_id = get_str(params, "test_clock")
    if clock_id:
        if ctx.livemode:
            raise errors.invalid("Test clocks can only be used in test mode.", param="test_clock")
        ctx.world.get("test_clocks", clock_id, param="test_clock", status=400)
    customer = create_customer(ctx.world, email=get_str(params, "email"), name=get_str(params, "name"),
                               test_clock=clock_id, params=params)
    pm_value = get_str(params, "payment_method")
    default_pm = get_str(get_dict(params, "invoice_settings"), "default_payment_method",
                         param="invoice_settings[default_payment_method]")
    if pm_value:
        pm = resolve_payment_method(ctx.world, pm_value, param="payment_method")
        if default_pm in (None, pm_value):
            set_default_payment_method(ctx.world, customer, pm)
        else:
            attach(ctx.world, pm, customer)
    if default_pm and default_pm != pm_value:
        _set_default(ctx.world, customer, default_pm)
    return render(ctx.world, "customers", customer, ctx.expand)


def _set_default(world: World, customer: dict, pm_id: str) -> None:
    pm = world.get("payment_methods", pm_id, param="invoice_settings[default_payment_method]", status=400)
    if pm["customer"] != customer["id"]:
        raise errors.invalid(f"The customer does not have a payment method with the ID {pm_id}. The payment method "
                             "must be attached to the customer.", param="invoice_settings[default_payment_method]")
    set_default_payment_method(world, customer, pm)


retrieve("/v1/customers/<id>", "customers", "CustomerRetrieveParams")


def _live(world: World, customer_id: str) -> dict:
    return live_customer(world, customer_id, param="id", status=404)


@update("/v1/customers/<id>", "customers", "CustomerUpdateParams", event="customer.updated", find=_live)
def update_customer(ctx: Ctx, params: dict, customer: dict) -> Callable[[], None] | None:
    for name in ("email", "name", "description", "phone"):
        if name in params:
            customer[name] = get_str(params, name) or None
    customer["metadata"] = get_metadata(params, customer["metadata"])
    if "balance" in params:
        customer["balance"] = get_int(params, "balance") or 0
    default_pm = get_str(get_dict(params, "invoice_settings"), "default_payment_method",
                         param="invoice_settings[default_payment_method]")
    # A new default payment method is announced after the update, in its own events.
    return (lambda: _set_default(ctx.world, customer, default_pm)) if default_pm else None


@api("GET", "/v1/customers", "customers", "CustomerListParams")
def list_customers(ctx: Ctx, params: dict) -> dict:
    email = get_str(params, "email")
    clock = get_str(params, "test_clock")
    created = range_filter(params, "created")
    items = [c for c in ctx.world.newest_first("customers")
             if not c.get("_deleted") and (email is None or c["email"] == email)
             and (clock is None or c["test_clock"] == clock) and in_range(c["created"], created)]
    return paginate(ctx.world, "customers", items, params, "/v1/customers", ctx.expand)


@api("DELETE", "/v1/customers/<id>", "customers", "CustomerDeleteParams")
def delete_customer(ctx: Ctx, params: dict, id: str) -> dict:
    customer = live_customer(ctx.world, id, param="id", status=404)
    for hook in DELETED_HOOKS:
        hook(ctx.world, customer)
    emit(ctx.world, "customer.deleted", "customers", customer)
    customer["_deleted"] = True
    return {"id": id, "object": "customer", "deleted": True}
