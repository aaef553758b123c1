"""Disputes (chargebacks): the disputed payment shows `disputed` while its dispute is open or lost."""
from __future__ import annotations

from typing import Any

from paykit.processor.context import Ctx
from paykit.processor.projections.payments import payment
from paykit.store import keys
from paykit.stripe_objects import id_of, ts

# Stripe's dispute statuses by outcome; the rest (needs_response, under_review, warning_*) are open.
DISPUTE_STATE = {"won": "won", "warning_closed": "won", "prevented": "won", "lost": "lost"}
DISPUTE_RANK = {"open": 0, "won": 1, "lost": 1}


def merge_dispute(item: dict[str, Any], dispute: dict[str, Any]) -> None:
    """A dispute only moves forward, open -> won or lost (Stripe never reopens one), so any delivery order ends in
    the same state; `disputed_at` is the dispute's own creation time."""
    state = DISPUTE_STATE.get(dispute.get("status") or "", "open")
    if DISPUTE_RANK[state] > DISPUTE_RANK.get(item.get("dispute_status", ""), -1):
        item["dispute_status"] = state
    stamp = ts(dispute.get("created"))
    if stamp and (not item.get("disputed_at") or stamp < item["disputed_at"]):
        item["disputed_at"] = stamp


def on_dispute(ctx: Ctx) -> None:
    """charge.dispute.created / .closed: the disputed payment shows `disputed` while the dispute is open or lost.
    A disputed charge was paid; its amount only fills in what the invoice has not said yet (it may be partial)."""
    dispute = ctx.obj
    pi = id_of(dispute.get("payment_intent"))
    if not pi:
        return
    payment(ctx, pi, base_status="succeeded", amount=dispute.get("amount"), currency=dispute.get("currency"),
            created=None, user_id=None, sub_id=None, authoritative=False,
            merge=lambda item: merge_dispute(item, dispute))


def dispute_reads(ctx: Ctx) -> list[dict[str, str]]:
    pi = id_of(ctx.obj.get("payment_intent"))
    return [keys.payment(ctx.project_id, ctx.mode, pi)] if pi else []
