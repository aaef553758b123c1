"""Customer tax ids (`/v1/customers/{id}/tax_ids`): the types the pinned SDK lists, test-mode verification."""

from __future__ import annotations

import typing

from stripe.params._customer_tax_id_create_params import CustomerTaxIdCreateParams

from ..engine import errors
from ..engine.events import emit
from ..engine.ids import new_id
from ..engine.params import get_str
from ..engine.render import paginate, render
from ..engine.routes import Ctx, api
from .customers import live_customer

TYPES = tuple(value for arg in typing.get_args(CustomerTaxIdCreateParams.__annotations__["type"])
              if typing.get_origin(arg) is typing.Literal for value in typing.get_args(arg))
# Types Stripe verifies against a government database; in test mode the emulator says `verified`, except for values
# ending in 111111111 (`unverified`), as a way to test that path. Every other type is `unavailable`.
VERIFIED_TYPES = ("eu_vat", "gb_vat", "au_abn")
MAX_PER_CUSTOMER = 25


def _country(kind: str, value: str) -> str | None:
    if kind == "eu_vat":
        prefix = value[:2].upper()
        return "GR" if prefix == "EL" else prefix if prefix.isalpha() else None
    return kind.split("_", 1)[0].upper() if kind.split("_", 1)[0] != "eu" else None


def _verification(kind: str, value: str) -> dict:
    if kind not in VERIFIED_TYPES:
        return {"status": "unavailable", "verified_address": None, "verified_name": None}
    status = "unverified" if value.endswith("111111111") else "verified"
    return {"status": status, "verified_address": None, "verified_name": None}


def _tax_id_of(ctx: Ctx, customer_id: str, tax_id: str) -> dict:
    obj = ctx.world.get("tax_ids", tax_id)
    if obj["customer"] != customer_id:
        raise errors.missing("tax id", tax_id)
    return obj


@api("POST", "/v1/customers/<id>/tax_ids", "customers", "CustomerTaxIdCreateParams")
def create_tax_id(ctx: Ctx, params: dict, id: str) -> dict:
    customer = live_customer(ctx.world, id, param="id", status=404)
    kind = get_str(params, "type", required=True, choices=TYPES) or ""
    value = (get_str(params, "value", required=True) or "").strip()
    if not value:
        raise errors.invalid(f"Invalid value for {kind}.", param="value", code="tax_id_invalid")
    owned = [t for t in ctx.world.collections["tax_ids"].values() if t["customer"] == id]
    if len(owned) >= MAX_PER_CUSTOMER:
        raise errors.invalid(f"A customer can have at most {MAX_PER_CUSTOMER} tax ids.", param="value")
    t = ctx.world.now_for(customer)
    tax_id = ctx.world.add("tax_ids", {
        "id": new_id("txi"), "object": "tax_id", "country": _country(kind, value), "created": t, "customer": id,
        "customer_account": None, "livemode": ctx.livemode,
        "owner": {"account": None, "application": None, "customer": id, "customer_account": None,
                  "type": "customer"},
        "type": kind, "value": value, "verification": _verification(kind, value),
    })
    emit(ctx.world, "customer.tax_id.created", "tax_ids", tax_id, created=t)
    return render(ctx.world, "tax_ids", tax_id, ctx.expand)


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
