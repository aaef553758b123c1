"""Disputes: what Stripe's dispute test cards start, how test-mode evidence settles them, and the API resource."""

from __future__ import annotations

from ..engine import errors
from ..engine.events import Tracker, emit
from ..engine.ids import new_id
from ..engine.params import get_bool, get_dict, get_metadata, get_str, in_range, range_filter
from ..engine.render import paginate, public, render, renderer
from ..engine.routes import Ctx, api, retrieve
from ..engine.store import World
from . import balance
from .cards import TestCard
from .payments import CHARGED_HOOKS

EVIDENCE_DUE = 7 * 86400
# Stripe's test-mode outcome: this `evidence[uncategorized_text]` wins or loses the dispute when submitted.
WINNING, LOSING = "winning_evidence", "losing_evidence"
# The card's dispute kind -> (reason, card network case type, Visa reason code)
KINDS = {
    "fraudulent": ("fraudulent", "chargeback", "10.4"),
    "product_not_received": ("product_not_received", "chargeback", "13.1"),
    "inquiry": ("general", "inquiry", None),
    "noncompliant": ("noncompliant", "compliance", None),
}
EVIDENCE_FIELDS = (
    "access_activity_log", "billing_address", "cancellation_policy", "cancellation_policy_disclosure",
    "cancellation_rebuttal", "customer_communication", "customer_email_address", "customer_name",
    "customer_purchase_ip", "customer_signature", "duplicate_charge_documentation", "duplicate_charge_explanation",
    "duplicate_charge_id", "product_description", "receipt", "refund_policy", "refund_policy_disclosure",
    "refund_refusal_explanation", "service_date", "service_documentation", "shipping_address", "shipping_carrier",
    "shipping_date", "shipping_documentation", "shipping_tracking_number", "uncategorized_file",
    "uncategorized_text",
)
CLOSED = ("won", "lost", "warning_closed", "prevented")


def open_dispute(world: World, charge: dict, card: TestCard, t: int) -> None:
    """A dispute test card's charge succeeded: the cardholder disputes it right away (Stripe: within moments).
    Chargebacks withdraw the amount and the dispute fee; an inquiry moves no money until it escalates."""
    if card.dispute is None:
        return
    reason, case_type, code = KINDS[card.dispute]
    inquiry = case_type == "inquiry"
    evidence = {name: None for name in EVIDENCE_FIELDS}
    evidence.update(appeal=None, enhanced_evidence={})
    dispute = world.add("disputes", {
        "id": new_id("dp"), "object": "dispute", "amount": charge["amount"], "balance_transactions": [],
        "charge": charge["id"], "created": t, "currency": charge["currency"], "enhanced_eligibility_types": [],
        "evidence": evidence,
        "evidence_details": {"due_by": t + EVIDENCE_DUE, "enhanced_eligibility": {}, "has_evidence": False,
                             "past_due": False, "submission_count": 0, "submission_method": "not_submitted"},
        "intended_submission_method": None, "is_charge_refundable": inquiry, "livemode": world.livemode,
        "metadata": {}, "network_reason_code": code, "payment_intent": charge["payment_intent"],
        "payment_method_details": {"card": {"brand": charge["payment_method_details"]["card"]["brand"],
                                            "case_type": case_type,
                                            "network": charge["payment_method_details"]["card"]["brand"],
                                            "network_reason_code": code},
                                   "type": "card"},
        "reason": reason, "status": "warning_needs_response" if inquiry else "needs_response",
    })
    charge["disputed"] = True
    emit(world, "charge.dispute.created", "disputes", dispute, created=t)
    if not inquiry:
        _move_funds(world, dispute, "dispute", t)
        emit(world, "charge.dispute.funds_withdrawn", "disputes", dispute, created=t)


CHARGED_HOOKS.append(open_dispute)


def _move_funds(world: World, dispute: dict, kind: str, t: int) -> None:
    sign = -1 if kind == "dispute" else 1
    dispute["balance_transactions"].append(balance.record(
        world, kind, source=dispute["id"], amount=sign * dispute["amount"], currency=dispute["currency"], created=t,
        fee=balance.DISPUTE_FEE if kind == "dispute" else 0,
        description=f"Chargeback {'withdrawal' if kind == 'dispute' else 'reversal'} for {dispute['charge']}"))


def _close(world: World, dispute: dict, won: bool, t: int) -> None:
    inquiry = dispute["payment_method_details"]["card"]["case_type"] == "inquiry"
    dispute["status"] = "warning_closed" if inquiry else ("won" if won else "lost")
    if inquiry:
        dispute["is_charge_refundable"] = True
    emit(world, "charge.dispute.closed", "disputes", dispute, created=t)
    if won and dispute["balance_transactions"]:
        _move_funds(world, dispute, "dispute_reversal", t)
        emit(world, "charge.dispute.funds_reinstated", "disputes", dispute, created=t)


@renderer("disputes")
def _render(world: World, dispute: dict) -> dict:
    out = public(dispute)
    out["balance_transactions"] = [render(world, "balance_transactions", world.get("balance_transactions", txn))
                                   for txn in dispute["balance_transactions"]]
    return out


retrieve("/v1/disputes/<id>", "disputes", "DisputeRetrieveParams")


@api("GET", "/v1/disputes", "disputes", "DisputeListParams")
def list_disputes(ctx: Ctx, params: dict) -> dict:
    charge = get_str(params, "charge")
    payment_intent = get_str(params, "payment_intent")
    created = range_filter(params, "created")
    items = [d for d in ctx.world.newest_first("disputes")
             if (charge is None or d["charge"] == charge) and in_range(d["created"], created)
             and (payment_intent is None or d["payment_intent"] == payment_intent)]
    return paginate(ctx.world, "disputes", items, params, "/v1/disputes", ctx.expand)


@api("POST", "/v1/disputes/<id>", "disputes", "DisputeUpdateParams")
def update_dispute(ctx: Ctx, params: dict, id: str) -> dict:
    """Evidence, saved or submitted (`submit`, default true). In test mode Stripe settles a submitted dispute by
    its `uncategorized_text`: `winning_evidence` wins it, `losing_evidence` loses it, anything else leaves it
    under review."""
    world = ctx.world
    dispute = world.get("disputes", id)
    if dispute["status"] in CLOSED:
        raise errors.invalid(f"This dispute is already closed ({dispute['status']}).")
    evidence = get_dict(params, "evidence")
    unknown = [name for name in evidence if name not in EVIDENCE_FIELDS]
    if unknown:
        raise errors.invalid(f"The emulator does not model evidence[{unknown[0]}].", param=f"evidence[{unknown[0]}]")
    t = world.now_for(dispute)
    tracker = Tracker(world, "disputes", dispute)
    for name in evidence:
        dispute["evidence"][name] = get_str(evidence, name, param=f"evidence[{name}]") or None
    dispute["metadata"] = get_metadata(params, dispute["metadata"])
    method = get_str(params, "intended_submission_method",
                     choices=("manual", "prefer_manual", "prefer_smart_disputes", "smart_disputes"))
    if method:
        dispute["intended_submission_method"] = method
    details = dispute["evidence_details"]
    details["has_evidence"] = any(v for k, v in dispute["evidence"].items() if k in EVIDENCE_FIELDS)
    submit = get_bool(params, "submit")
    inquiry = dispute["payment_method_details"]["card"]["case_type"] == "inquiry"
    if submit is not False and details["has_evidence"]:
        details.update(submission_count=details["submission_count"] + 1, submission_method="manual")
        dispute["status"] = "warning_under_review" if inquiry else "under_review"
    tracker.emit_updated("charge.dispute.updated", created=t)
    if dispute["status"] in ("under_review", "warning_under_review"):
        text = dispute["evidence"]["uncategorized_text"]
        if text in (WINNING, LOSING):
            _close(world, dispute, text == WINNING, t)
    return render(world, "disputes", dispute, ctx.expand)


@api("POST", "/v1/disputes/<id>/close", "disputes", "DisputeCloseParams")
def close_dispute(ctx: Ctx, params: dict, id: str) -> dict:
    """Accepting the dispute: it is lost (an inquiry just closes)."""
    dispute = ctx.world.get("disputes", id)
    if dispute["status"] in CLOSED:
        raise errors.invalid(f"This dispute is already closed ({dispute['status']}).")
    _close(ctx.world, dispute, False, ctx.world.now_for(dispute))
    return render(ctx.world, "disputes", dispute, ctx.expand)
