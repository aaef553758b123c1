"""Charges and refunds as API resources (a charge's refunds when expanded, refunding all or part of a charge), and
the account balance they add up to."""

from __future__ import annotations

from typing import Any

from ..engine import errors
from ..engine.events import Tracker, emit
from ..engine.ids import new_id
from ..engine.params import get_int, get_metadata, get_str, in_range, range_filter
from ..engine.render import list_object, paginate, render, virtual_field
from ..engine.routes import Ctx, api, retrieve, update
from ..engine.store import World
from . import balance as ledger
from .cards import card_of

# How long a refund on a refund-failure test card stays `succeeded` before it fails (Stripe: "some time later").
REFUND_FAILURE_DELAY = 60


@virtual_field("charges", "refunds")
def _charge_refunds(world: World, charge: dict) -> dict:
    refunds = [render(world, "refunds", r) for r in world.newest_first("refunds") if r["charge"] == charge["id"]]
    return list_object(f"/v1/charges/{charge['id']}/refunds", refunds)


retrieve("/v1/charges/<id>", "charges", "ChargeRetrieveParams")


@update("/v1/charges/<id>", "charges", "ChargeUpdateParams", event="charge.updated")
def update_charge(ctx: Ctx, params: dict, charge: dict) -> None:
    if "description" in params:
        charge["description"] = get_str(params, "description") or None
    charge["metadata"] = get_metadata(params, charge["metadata"])


@api("GET", "/v1/charges", "charges", "ChargeListParams")
def list_charges(ctx: Ctx, params: dict) -> dict:
    customer = get_str(params, "customer")
    payment_intent = get_str(params, "payment_intent")
    created = range_filter(params, "created")
    items = [c for c in ctx.world.newest_first("charges")
             if (customer is None or c["customer"] == customer)
             and (payment_intent is None or c["payment_intent"] == payment_intent) and in_range(c["created"], created)]
    return paginate(ctx.world, "charges", items, params, "/v1/charges", ctx.expand)


# --- refunds API --------------------------------------------------------------------------------------------------


def refund(world: World, charge: dict, amount: int | None, *, reason: str | None = None,
           metadata: dict | None = None) -> dict:
    remaining = charge["amount_captured"] - charge["amount_refunded"]
    if charge["status"] != "succeeded":
        raise errors.invalid(f"Charge {charge['id']} has not succeeded and cannot be refunded.", param="charge")
    if remaining <= 0:
        raise errors.invalid(f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded")
    amount = remaining if amount is None else amount
    if amount > remaining:
        raise errors.invalid(f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})",
                             param="amount", code="amount_too_large")
    t = world.now_for(charge)
    refund_id = new_id("re")
    refund_obj = world.add("refunds", {
        "id": refund_id, "object": "refund", "amount": amount,
        "balance_transaction": ledger.record(world, "refund", source=refund_id, amount=-amount,
                                              currency=charge["currency"], created=t),
        "charge": charge["id"], "created": t, "currency": charge["currency"], "customer": charge["customer"],
        "description": None,
        "destination_details": {"card": {"reference": None, "reference_status": "pending",
                                         "reference_type": "acquirer_reference_number", "type": "refund"},
                                "type": "card"},
        "metadata": dict(metadata or {}), "payment_intent": charge["payment_intent"],
        "payment_method": charge["payment_method"], "reason": reason, "receipt_number": None,
        "source_transfer_reversal": None, "status": "succeeded", "transfer_reversal": None,
    })
    card = card_of(world, charge["payment_method"])
    if card is not None and card.refund_failure:
        refund_obj["_fails_at"] = t + REFUND_FAILURE_DELAY  # run by the clock (billing/clock.py `advance`)
    tracker = Tracker(world, "charges", charge)
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] >= charge["amount_captured"]
    tracker.emit_updated("charge.refunded", created=t)
    emit(world, "refund.created", "refunds", refund_obj, created=t)
    return refund_obj


def fail_refund(world: World, refund_obj: dict, t: int) -> None:
    """A refund that fails after it succeeded (Stripe's refund-failure test card): the money comes back to the
    balance (a `refund_failure` balance transaction), the charge's `amount_refunded` goes down, and the refund's
    `charge.refund.updated`, `refund.updated` and `refund.failed` are sent."""
    card = card_of(world, refund_obj["payment_method"])
    refund_obj.pop("_fails_at", None)
    tracker = Tracker(world, "refunds", refund_obj)
    refund_obj.update(status="failed", failure_reason=card.refund_failure if card else "unknown",
                      failure_balance_transaction=ledger.record(
                          world, "refund_failure", source=refund_obj["id"], amount=refund_obj["amount"],
                          currency=refund_obj["currency"], created=t))
    charge = world.get("charges", refund_obj["charge"])
    charge["amount_refunded"] -= refund_obj["amount"]
    charge["refunded"] = charge["amount_refunded"] >= charge["amount_captured"]
    # Stripe lists the new fields as null before the failure; the tracker only compares fields it saw.
    previous = {"failure_balance_transaction": None, "failure_reason": None, **tracker.changes()}
    emit(world, "charge.refund.updated", "refunds", refund_obj, previous=previous, created=t)
    emit(world, "refund.updated", "refunds", refund_obj, previous=previous, created=t)
    emit(world, "refund.failed", "refunds", refund_obj, created=t)


def refunds_failing(world: World, clock_id: str | None, until: int) -> list[dict]:
    """Refunds on `clock_id` (a test clock, or the account clock for None) due to fail by `until`."""
    return [r for r in world.collections["refunds"].values()
            if r.get("_fails_at") is not None and r["_fails_at"] <= until and world.clock_of(r) == clock_id]


@api("POST", "/v1/refunds", "refunds", "RefundCreateParams")
def create_refund(ctx: Ctx, params: dict) -> dict:
    charge_id = get_str(params, "charge")
    pi_id = get_str(params, "payment_intent")
    if bool(charge_id) == bool(pi_id):
        raise errors.invalid("You must provide exactly one of charge or payment_intent.", param="charge")
    if pi_id:
        pi = ctx.world.get("payment_intents", pi_id, param="payment_intent", status=400)
        if pi["status"] != "succeeded" or not pi["latest_charge"]:
            raise errors.invalid(f"This PaymentIntent ({pi_id}) does not have a successful charge to refund.",
                                 param="payment_intent", code="charge_not_refundable")
        charge_id = pi["latest_charge"]
    charge = ctx.world.get("charges", charge_id, param="charge", status=400)
    reason = get_str(params, "reason", choices=("duplicate", "fraudulent", "requested_by_customer"))
    refund_obj = refund(ctx.world, charge, get_int(params, "amount", minimum=1), reason=reason,
                        metadata=get_metadata(params))
    return render(ctx.world, "refunds", refund_obj, ctx.expand)


retrieve("/v1/refunds/<id>", "refunds", "RefundRetrieveParams")


@update("/v1/refunds/<id>", "refunds", "RefundUpdateParams", event="refund.updated")
def update_refund(ctx: Ctx, params: dict, refund_obj: dict) -> None:
    refund_obj["metadata"] = get_metadata(params, refund_obj["metadata"])


@api("GET", "/v1/refunds", "refunds", "RefundListParams")
def list_refunds(ctx: Ctx, params: dict) -> dict:
    charge = get_str(params, "charge")
    payment_intent = get_str(params, "payment_intent")
    items = [r for r in ctx.world.newest_first("refunds")
             if (charge is None or r["charge"] == charge)
             and (payment_intent is None or r["payment_intent"] == payment_intent)]
    return paginate(ctx.world, "refunds", items, params, "/v1/refunds", ctx.expand)


def balance(world: World) -> dict[str, Any]:
    """Net of succeeded charges and refunds, per currency, all counted as available."""
    totals: dict[str, int] = {}
    for charge in world.collections["charges"].values():
        if charge["status"] == "succeeded":
            net = charge["amount"] - charge["amount_refunded"]
            totals[charge["currency"]] = totals.get(charge["currency"], 0) + net
    currencies = sorted(totals) or ["usd"]
    return {
        "object": "balance", "livemode": world.livemode,
        "available": [{"amount": totals.get(c, 0), "currency": c, "source_types": {"card": totals.get(c, 0)}}
                      for c in currencies],
        "pending": [{"amount": 0, "currency": c, "source_types": {"card": 0}} for c in currencies],
        "connect_reserved": [{"amount": 0, "currency": c} for c in currencies],
        "refund_and_dispute_prefunding": None,
    }
