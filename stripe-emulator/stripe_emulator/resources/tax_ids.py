"""Customer tax ids: the types the pinned SDK lists, their country, test-mode verification, and creating one (the
routes, `/v1/customers/{id}/tax_ids`, are in `customers.py`)."""

from __future__ import annotations

import typing

from stripe.params._customer_tax_id_create_params import CustomerTaxIdCreateParams

from ..engine import errors
from ..engine.events import emit
from ..engine.ids import new_id
from ..engine.params import get_str
from ..engine.store import World

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


def check(spec: dict, param: str = "") -> tuple[str, str]:
    """A tax id's `type` and `value` (`tax_id_data[0][type]` when nested), checked before anything is created."""
    label = (lambda name: f"{param}[{name}]") if param else (lambda name: name)
    kind = get_str(spec, "type", required=True, choices=TYPES, param=label("type")) or ""
    value = (get_str(spec, "value", required=True, param=label("value")) or "").strip()
    if not value:
        raise errors.invalid(f"Invalid value for {kind}.", param=label("value"), code="tax_id_invalid")
    return kind, value


def add(world: World, customer: dict, kind: str, value: str) -> dict:
    """A checked tax id, the customer's from now on (`customer.tax_id.created`)."""
    owned = [t for t in world.collections["tax_ids"].values() if t["customer"] == customer["id"]]
    if len(owned) >= MAX_PER_CUSTOMER:
        raise errors.invalid(f"A customer can have at most {MAX_PER_CUSTOMER} tax ids.", param="value")
    t = world.now_for(customer)
    tax_id = world.add("tax_ids", {
        "id": new_id("txi"), "object": "tax_id", "country": _country(kind, value), "created": t,
        "customer": customer["id"], "customer_account": None, "livemode": world.livemode,
        "owner": {"account": None, "application": None, "customer": customer["id"], "customer_account": None,
                  "type": "customer"},
        "type": kind, "value": value, "verification": _verification(kind, value),
    })
    emit(world, "customer.tax_id.created", "tax_ids", tax_id, created=t)
    return tax_id
