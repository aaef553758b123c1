"""Refunds: a payment's refunded total, order-free, including refunds that fail after they succeeded.

`charge.refunded` carries only the charge's total (`amount_refunded`). While no refund of the payment has failed,
the largest total reported wins (totals only grow). A refund that fails (or is canceled) gives its amount back, and
the totals reported before it are then too high: from then on the record keeps each refund of the charge (id ->
amount, status, created), read from Stripe on each of the payment's refund events and `charge.refunded`, and the
total is the sum of those that stand.
"""
from __future__ import annotations

from typing import Any

from paykit.processor.context import Ctx
from paykit.processor.projections.customers import customer_mapping
from paykit.processor.projections.payments import payment
from paykit.store import keys
from paykit.stripe_objects import customer_id_of, id_of, owner_project, ts

# A refund's status only moves forward (pending -> succeeded -> failed; pending -> canceled); a failed or canceled
# refund gave its money back and never stands again.
REFUND_RANK = {"requires_action": 0, "pending": 0, "succeeded": 1, "failed": 2, "canceled": 2}
GIVEN_BACK = ("failed", "canceled")


def merge_refund(item: dict[str, Any], refunded: int, seen_at: str | None) -> None:
    """The largest refunded total wins, dated by the event that first reported it: order-free, and E4's 30-day
    refunds count a refund when it happened (the latest refund's day, for a payment refunded in parts)."""
    current = int(item.get("refunded_amount_cents") or 0)
    earlier = seen_at is not None and seen_at < item.get("refunded_at", "~")
    if refunded > 0 and seen_at and (refunded > current or (refunded == current and earlier)):
        item["refunded_at"] = seen_at
    item["refunded_amount_cents"] = max(current, refunded)


def merge_refund_state(item: dict[str, Any], refund: dict[str, Any]) -> None:
    """One refund as Stripe showed it, into the record's `refunds`: the further status wins, so any order of its
    events (and reads) ends in the same state."""
    known = dict((item.get("refunds") or {}).get(refund["id"]) or {})
    status = refund.get("status") or "succeeded"
    if REFUND_RANK.get(status, 0) >= REFUND_RANK.get(known.get("status", ""), -1):
        known["status"] = status
    known["amount"] = int(refund.get("amount") or known.get("amount") or 0)
    known["created"] = known.get("created") or ts(refund.get("created"))
    item["refunds"] = {**(item.get("refunds") or {}), refund["id"]: known}


def given_back(item: dict[str, Any]) -> bool:
    return any(r.get("status") in GIVEN_BACK for r in (item.get("refunds") or {}).values())


def settle_refunds(ctx: Ctx, item: dict[str, Any], charge_id: str | None, reported: int | None) -> None:
    """The payment's refunded total after one observation. Once a refund was given back, Stripe's list of the
    charge's refunds (one call) is merged in and the refunds still standing are the total, whatever totals
    `charge.refunded` reported before; until then, the largest total reported or known refund by refund."""
    if given_back(item) and charge_id:
        for refund in ctx.charge_refunds(charge_id):
            merge_refund_state(item, refund)
        item["refunded_amount_cents"], item["refunded_at"] = _standing(item)
        return
    if reported is not None:
        merge_refund(item, int(reported), ts(ctx.created))
    total, latest = _standing(item)
    merge_refund(item, total, latest)


def _standing(item: dict[str, Any]) -> tuple[int, str | None]:
    """(the sum of the known refunds not given back, the latest one's time)."""
    standing = [r for r in (item.get("refunds") or {}).values() if r.get("status") not in GIVEN_BACK]
    return (sum(int(r["amount"]) for r in standing),
            max((r["created"] for r in standing if r.get("created")), default=None))


def on_charge_refunded(ctx: Ctx) -> None:
    charge = ctx.obj
    pi = id_of(charge.get("payment_intent"))
    if not pi:
        return
    # A refunded charge was paid; amounts from the charge only fill in what the invoice did not say.
    payment(ctx, pi, base_status="succeeded", amount=charge.get("amount"), currency=charge.get("currency"),
            created=charge.get("created"), user_id=(charge.get("metadata") or {}).get("user_id"), sub_id=None,
            authoritative=False, customer_id=customer_id_of(charge),
            merge=lambda item: settle_refunds(ctx, item, charge.get("id"), charge.get("amount_refunded")))


def on_refund(ctx: Ctx) -> None:
    """charge.refund.updated, refund.updated, refund.failed: the refund itself (Stripe sends them when a refund's
    status changes, e.g. a refund that succeeded fails later). A refunded charge was paid.

    A refund names no PayKit project: for a payment PayKit does not hold yet, its charge is read (one call) to
    tell whose it is (two projects may share a Stripe account) and what was paid, as `charge.refunded` says."""
    refund = ctx.obj
    pi, charge_id = id_of(refund.get("payment_intent")), id_of(refund.get("charge"))
    if not pi:
        return
    charge: dict[str, Any] = {}
    if charge_id and ctx.record(keys.payment(ctx.project_id, ctx.mode, pi)) is None:
        charge = ctx.charge(charge_id)
        if owner_project(charge) not in (None, ctx.project_id):
            return

    def merge(item: dict[str, Any]) -> None:
        merge_refund_state(item, refund)
        settle_refunds(ctx, item, charge_id, None)

    payment(ctx, pi, base_status="succeeded", amount=charge.get("amount"),
            currency=charge.get("currency") or refund.get("currency"), created=charge.get("created"),
            user_id=(charge.get("metadata") or {}).get("user_id"), sub_id=None, authoritative=False,
            customer_id=customer_id_of(charge) if charge else None, merge=merge)


def charge_reads(ctx: Ctx) -> list[dict[str, str]]:
    pi = id_of(ctx.obj.get("payment_intent"))
    if pi is None:
        return []
    return [keys.payment(ctx.project_id, ctx.mode, pi),
            *customer_mapping(ctx, ctx.obj, (ctx.obj.get("metadata") or {}).get("user_id"))]


def refund_reads(ctx: Ctx) -> list[dict[str, str]]:
    pi = id_of(ctx.obj.get("payment_intent"))
    return [keys.payment(ctx.project_id, ctx.mode, pi)] if pi else []
