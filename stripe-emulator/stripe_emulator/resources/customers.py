"""Customers: creation (with a test clock, a payment method, an address and tax ids), retrieve, update, list, delete,
and their tax ids."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from ..engine import errors
from ..engine.events import emit
from ..engine.ids import new_id
from ..engine.params import get_dict, get_int, get_list, get_metadata, get_str, in_range, range_filter
from ..engine.render import list_object, paginate, public, render, renderer, virtual_field
from ..engine.routes import Ctx, api, retrieve, update
from ..engine.store import World
from . import tax_ids
from .cards import attach, resolve_payment_method, set_default_payment_method

# What else a customer's deletion ends (billing cancels their subscriptions): (world, customer), before
# `customer.deleted`. Billing builds on customers, so it registers here rather than being imported.
DELETED_HOOKS: list[Callable[[World, dict], None]] = []


def _address(params: dict, current: dict | None) -> dict | None:
    """`address[...]`: the keys given change, the others stay (`address=""` removes it)."""
    if "address" not in params:
        return current
    if params["address"] == "":
        return None
    spec = get_dict(params, "address")
    out = dict(current or {})
    for name in ("city", "country", "line1", "line2", "postal_code", "state"):  # a literal: reads.py follows it
        out.setdefault(name, None)
        if name in spec:
            out[name] = get_str(spec, name, param=f"address[{name}]") or None
    return out


def create_customer(world: World, *, email: str | None = None, name: str | None = None,
                    test_clock: str | None = None, params: dict | None = None) -> dict:
    params = params or {}
    created = world.now(test_clock)
    customer = world.add("customers", {
        "id": new_id("cus", 14), "object": "customer", "address": _address(params, None), "balance": 0,
        "business_name": None, "created": created, "currency": None, "customer_account": None, "default_source": None,
        "delinquent": False,
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


@virtual_field("customers", "tax_ids")
def _tax_ids(world: World, customer: dict) -> dict:
    data = [render(world, "tax_ids", t) for t in world.newest_first("tax_ids") if t["customer"] == customer["id"]]
    return {**list_object(f"/v1/customers/{customer['id']}/tax_ids", data), "total_count": len(data)}


@virtual_field("customers", "sources")
def _sources(world: World, customer: dict) -> dict:
    """Legacy sources (cards saved as sources, bank accounts): the emulator saves cards as payment methods only."""
    return {**list_object(f"/v1/customers/{customer['id']}/sources", []), "total_count": 0}


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
    tax_id_data = [tax_ids.check(spec, f"tax_id_data[{i}]")
                   for i, spec in enumerate(get_list(params, "tax_id_data"))]
    customer = create_customer(ctx.world, email=get_str(params, "email"), name=get_str(params, "name"),
                               test_clock=clock_id, params=params)
    for kind, value in tax_id_data:
        tax_ids.add(ctx.world, customer, kind, value)
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
    customer["address"] = _address(params, customer["address"])
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


# --- a customer's tax ids -----------------------------------------------------------------------------------------


def _tax_id_of(ctx: Ctx, customer_id: str, tax_id: str) -> dict:
    obj = ctx.world.get("tax_ids", tax_id)
    if obj["customer"] != customer_id:
        raise errors.missing("tax id", tax_id)
    return obj


@api("POST", "/v1/customers/<id>/tax_ids", "customers", "CustomerTaxIdCreateParams")
def create_tax_id(ctx: Ctx, params: dict, id: str) -> dict:
    customer = live_customer(ctx.world, id, param="id", status=404)
    kind, value = tax_ids.check(params)
    return render(ctx.world, "tax_ids", tax_ids.add(ctx.world, customer, kind, value), ctx.expand)


# A customer's tax id is also an account-level tax id, retrievable by id alone (Stripe's `/v1/tax_ids/{id}`).
retrieve("/v1/tax_ids/<id>", "tax_ids", "TaxIdRetrieveParams", resource="customers")


@api("GET", "/v1/customers/<id>/tax_ids", "customers", "CustomerTaxIdListParams")
def list_tax_ids(ctx: Ctx, params: dict, id: str) -> dict:
    ctx.world.get("customers", id)
    items = [t for t in ctx.world.newest_first("tax_ids") if t["customer"] == id]
    return paginate(ctx.world, "tax_ids", items, params, f"/v1/customers/{id}/tax_ids", ctx.expand)


@api("GET", "/v1/customers/<id>/tax_ids/<tax_id>", "customers", "CustomerTaxIdRetrieveParams")
def retrieve_tax_id(ctx: Ctx, params: dict, id: str, tax_id: str) -> dict:
    return render(ctx.world, "tax_ids", _tax_id_of(ctx, id, tax_id), ctx.expand)


@api("DELETE", "/v1/customers/<id>/tax_ids/<tax_id>", "customers", "CustomerTaxIdDeleteParams")
def delete_tax_id(ctx: Ctx, params: dict, id: str, tax_id: str) -> dict:
    obj = _tax_id_of(ctx, id, tax_id)
    ctx.world.remove("tax_ids", tax_id)
    emit(ctx.world, "customer.tax_id.deleted", "tax_ids", obj, created=ctx.world.now_for(obj))
    return {"id": tax_id, "object": "tax_id", "deleted": True}
