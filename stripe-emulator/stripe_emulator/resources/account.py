"""`GET /v1/account` and `GET /v1/balance`: what any valid key of an account can read about it."""

from __future__ import annotations

from ..engine.routes import Ctx, api
from .charges import balance


@api("GET", "/v1/account", "account", "AccountRetrieveCurrentParams")
def retrieve_account(ctx: Ctx, params: dict) -> dict:
    account = ctx.world.account
    return {
        "id": account.id, "object": "account",
        "business_profile": {"annual_revenue": None, "estimated_worker_count": None, "mcc": None,
                             "name": account.name, "product_description": None, "support_address": None,
                             "support_email": None, "support_phone": None, "support_url": None, "url": None},
        "business_type": None, "capabilities": {"card_payments": "active", "transfers": "active"},
        "charges_enabled": True, "controller": {"type": "account"}, "country": "US", "created": account.created,
        "default_currency": "usd", "details_submitted": True, "email": None, "metadata": {},
        "payouts_enabled": True,
        "settings": {"dashboard": {"display_name": account.name, "timezone": "Etc/UTC"},
                     "payments": {"statement_descriptor": None}},
        "type": "standard",
    }


@api("GET", "/v1/balance", "balance", "BalanceRetrieveParams")
def retrieve_balance(ctx: Ctx, params: dict) -> dict:
    return balance(ctx.world)
