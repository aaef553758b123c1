"""Balance transactions: the ledger entry behind every charge, refund and dispute movement, and its API resource."""

from __future__ import annotations

from ..engine import errors
from ..engine.ids import new_id
from ..engine.params import get_str, in_range, range_filter
from ..engine.render import paginate, public, renderer
from ..engine.routes import Ctx, api, retrieve
from ..engine.store import World

PENDING_DAYS = 2  # test-mode charges become available two days later (Stripe's standard US schedule)
DISPUTE_FEE = 1500
# type -> Stripe's reporting category for it
CATEGORIES = {"charge": "charge", "refund": "refund", "refund_failure": "refund_failure", "dispute": "dispute",
              "dispute_reversal": "dispute_reversal"}
TYPES = {"charge": "charge", "refund": "refund", "refund_failure": "refund_failure", "dispute": "adjustment",
         "dispute_reversal": "adjustment"}


def stripe_fee(amount: int) -> int:
    """Stripe's standard card pricing, 2.9% + 30 cents."""
    return round(amount * 0.029) + 30


def record(world: World, kind: str, *, source: str, amount: int, currency: str, created: int,
           fee: int = 0, description: str | None = None) -> str:
    """A ledger entry of `kind` (charge | refund | refund_failure | dispute | dispute_reversal); returns its
    `txn_...` id."""
    if kind not in CATEGORIES:
        raise ValueError(kind)
    fee_details = [] if not fee else [{"amount": fee, "application": None, "currency": currency,
                                       "description": "Dispute fee" if kind == "dispute" else "Stripe processing fees",
                                       "type": "stripe_fee"}]
    txn = world.add("balance_transactions", {
        "id": new_id("txn"), "object": "balance_transaction", "amount": amount,
        "available_on": created + (PENDING_DAYS * 86400 if kind == "charge" else 0), "balance_type": "payments",
        "created": created, "currency": currency, "description": description, "exchange_rate": None, "fee": fee,
        "fee_details": fee_details, "net": amount - fee, "reporting_category": CATEGORIES[kind], "source": source,
        "status": "pending", "type": TYPES[kind],
    })
    return txn["id"]


@renderer("balance_transactions")
def _render(world: World, txn: dict) -> dict:
    out = public(txn)
    out["status"] = "available" if txn["available_on"] <= world.now() else "pending"
    return out


retrieve("/v1/balance_transactions/<id>", "balance_transactions", "BalanceTransactionRetrieveParams")


@api("GET", "/v1/balance_transactions", "balance_transactions", "BalanceTransactionListParams")
def list_balance_transactions(ctx: Ctx, params: dict) -> dict:
    kind = get_str(params, "type")
    source = get_str(params, "source")
    currency = get_str(params, "currency")
    if get_str(params, "payout"):
        raise errors.invalid("The emulator does not model payouts.", param="payout")
    created = range_filter(params, "created")
    items = [t for t in ctx.world.newest_first("balance_transactions")
             if (kind is None or t["type"] == kind) and (source is None or t["source"] == source)
             and (currency is None or t["currency"] == currency.lower()) and in_range(t["created"], created)]
    return paginate(ctx.world, "balance_transactions", items, params, "/v1/balance_transactions", ctx.expand)
