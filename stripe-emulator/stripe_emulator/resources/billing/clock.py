"""Time passing over subscriptions: what falls due next for each (expiry, cancel_at, trial warnings and ends, renewals,
retries, pending update expiry), and refunds that fail later, run in time order up to a target on a test clock or
the account clock."""

from __future__ import annotations

import time

from ...engine import errors
from ...engine.events import automatic, emit
from ...engine.store import World
from ..charges import fail_refund, refunds_failing
from .cycle import (INCOMPLETE_EXPIRY, TRIAL_WILL_END_NOTICE, expire_incomplete, finalize_renewal, renew,
                    resume_collection)
from .dunning import after_payment
from .invoices import collect, emit_invoice_outcome
from .proration import expire_pending_update
from .subscriptions import ENDED, end_subscription, payment_method_for, period_of, subscription_of

MAX_STEPS_PER_ADVANCE = 20000  # bounds a clock advance (a daily price advanced by years is still far below)


def next_action(world: World, sub: dict) -> tuple[int, int, str] | None:
    """(time, priority, action) of the next thing that happens to `sub` by itself, if any."""
    status = sub["status"]
    if status in ENDED or status == "paused":
        return None
    candidates: list[tuple[int, int, str]] = []
    if status == "incomplete":
        candidates.append((sub["created"] + INCOMPLETE_EXPIRY, 0, "expire"))
    if status in ("trialing", "active", "past_due", "unpaid") and sub["cancel_at"]:
        candidates.append((sub["cancel_at"], 1, "cancel"))
    if status == "trialing":
        if not sub["_trial_will_end_sent"]:
            candidates.append((max(sub["trial_end"] - TRIAL_WILL_END_NOTICE, sub["created"]), 2, "trial_will_end"))
        candidates.append((sub["trial_end"], 3, "renew"))
    if status in ("active", "past_due", "unpaid"):
        candidates.append((period_of(world, sub)[1], 3, "renew"))
    if (sub["pause_collection"] or {}).get("resumes_at"):
        candidates.append((sub["pause_collection"]["resumes_at"], 1, "resume_collection"))
    if sub["_pending_update"] is not None:
        candidates.append((sub["_pending_update"]["expires_at"], 0, "expire_pending_update"))
    for invoice in world.collections["invoices"].values():
        if subscription_of(world, invoice) is not sub:
            continue
        if invoice["status"] == "open" and invoice["next_payment_attempt"]:
            candidates.append((invoice["next_payment_attempt"], 4, f"retry:{invoice['id']}"))
        elif invoice["status"] == "draft" and invoice["automatically_finalizes_at"]:
            candidates.append((invoice["automatically_finalizes_at"], 4, f"finalize:{invoice['id']}"))
    return min(candidates) if candidates else None


def run_action(world: World, sub: dict, action: str, t: int) -> None:
    if action == "expire":
        expire_incomplete(world, sub, t)
    elif action == "cancel":
        end_subscription(world, sub, reason="cancellation_requested", t=t)
    elif action == "trial_will_end":
        sub["_trial_will_end_sent"] = True
        emit(world, "customer.subscription.trial_will_end", "subscriptions", sub, created=t)
    elif action == "renew":
        renew(world, sub, t)
    elif action == "resume_collection":
        resume_collection(world, sub, t)
    elif action == "expire_pending_update":
        expire_pending_update(world, sub, t)
    elif action.startswith("finalize:"):
        finalize_renewal(world, sub, world.get("invoices", action.split(":", 1)[1]), t)
    elif action.startswith("retry:"):
        invoice = world.get("invoices", action.split(":", 1)[1])
        customer = world.get("customers", invoice["customer"])
        outcome = collect(world, invoice, payment_method_for(world, sub, customer), t)
        emit_invoice_outcome(world, invoice, outcome, t)
        after_payment(world, sub, invoice, outcome, t)


def advance(world: World, clock_id: str | None, target: int, only: dict | None = None) -> int:
    """Runs everything due on the subscriptions and refunds of one clock (a test clock, or the account clock for
    None) up to `target`, in time order, each at its own time, and moves the clock to `target`. Returns the steps
    run."""
    steps = 0
    with automatic():
        while True:
            due = []
            for index, sub in enumerate(world.collections["subscriptions"].values()):
                if world.clock_of(sub) != clock_id or (only is not None and sub is not only):
                    continue
                action = next_action(world, sub)
                if action is not None and action[0] <= target:
                    due.append((action[0], action[1], index, action[2], sub))
            if only is None:  # a refund on a refund-failure test card fails after a delay (charges.py)
                due.extend((refund["_fails_at"], 5, index, "fail_refund", refund)
                           for index, refund in enumerate(refunds_failing(world, clock_id, target)))
            if not due:
                break
            when, _, _, action, obj = min(due, key=lambda d: d[:3])
            when = max(when, world.now(clock_id))
            _set_clock(world, clock_id, when)
            if action == "fail_refund":
                fail_refund(world, obj, when)
            else:
                run_action(world, obj, action, when)
            steps += 1
            if steps > MAX_STEPS_PER_ADVANCE:
                raise errors.invalid("Advancing this far would run too many billing cycles at once; advance in "
                                     "smaller steps.", param="frozen_time")
    _set_clock(world, clock_id, max(target, world.now(clock_id)))
    return steps


def settle(world: World, sub: dict) -> None:
    """Runs what is already due on a subscription just created (the warning of a trial shorter than 3 days)."""
    advance(world, world.clock_of(sub), world.now_for(sub), only=sub)


def _set_clock(world: World, clock_id: str | None, when: int) -> None:
    if clock_id:
        world.collections["test_clocks"][clock_id]["frozen_time"] = when
    else:
        world.offset = when - int(time.time())
