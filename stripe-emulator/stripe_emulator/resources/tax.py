"""Automatic tax: the `automatic_tax` setting of subscriptions, Checkout Sessions and invoice previews, accepted and
shown with Stripe's status; the tax it computes is zero, as on an account where no tax registration (rate) is
configured, which is every emulated account."""

from __future__ import annotations

from ..engine import errors
from ..engine.params import get_bool, get_dict, get_str

Setting = dict  # {"enabled": bool, "liability": {"account", "type"} | None}


def setting(params: dict) -> Setting | None:
    """`automatic_tax[enabled]` and `automatic_tax[liability]` (`type` self or account), None when not given."""
    if "automatic_tax" not in params:
        return None
    spec = get_dict(params, "automatic_tax")
    enabled = get_bool(spec, "enabled", param="automatic_tax[enabled]")
    if enabled is None:
        raise errors.missing_parameter("automatic_tax[enabled]")
    liability = get_dict(spec, "liability", param="automatic_tax[liability]")
    kind = get_str(liability, "type", param="automatic_tax[liability][type]", choices=("account", "self"))
    account = get_str(liability, "account", param="automatic_tax[liability][account]")
    if kind == "account" and not account:
        raise errors.missing_parameter("automatic_tax[liability][account]")
    return {"enabled": enabled, "liability": {"account": account, "type": kind or "self"} if enabled else None}


def of_subscription(value: Setting | None) -> dict:
    value = value or {"enabled": False, "liability": None}
    return {"disabled_reason": None, "enabled": value["enabled"], "liability": value["liability"]}


def of_invoice(value: Setting | None) -> dict:
    """An invoice's `automatic_tax`: `complete` once computed (zero here, see the module's note)."""
    enabled = bool(value and value["enabled"])
    return {"disabled_reason": None, "enabled": enabled, "liability": value["liability"] if enabled else None,
            "provider": "stripe" if enabled else None, "status": "complete" if enabled else None}


def of_session(value: Setting | None) -> dict:
    enabled = bool(value and value["enabled"])
    return {"enabled": enabled, "liability": value["liability"] if enabled else None,
            "provider": "stripe" if enabled else None, "status": "complete" if enabled else None}
