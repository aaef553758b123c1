"""A payment's refunded total (processor/projections/refunds.py) over random refund histories: refunds made and
refunds that fail later, their events delivered in any order and duplicated, end at Stripe's final total."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings, strategies as st

from paykit.processor.projections.refunds import merge_refund_state, settle_refunds


@dataclass
class Stripe:
    """The charge's refunds as Stripe lists them once the history is over."""

    refunds: list[dict[str, Any]]
    calls: int = 0

    def charge_refunds(self, project_id: str, mode: str, charge_id: str) -> list[dict[str, Any]]:
        self.calls += 1
        return self.refunds


@dataclass
class EventCtx:
    stripe: Stripe
    created: int
    project_id: str = "p-1"
    mode: str = "test"
    extra: list = field(default_factory=list)

    def charge_refunds(self, charge_id: str) -> list[dict[str, Any]]:
        return self.stripe.charge_refunds(self.project_id, self.mode, charge_id)


def history(steps: list[tuple[str, int]]) -> tuple[list[tuple[str, Any, int]], list[dict[str, Any]]]:
    """Events of a history of steps ("refund", amount) and ("fail", which standing refund), each a second apart:
    `charge.refunded` with the charge's total then, and the failed refund's `refund.failed`; and Stripe's refunds
    at the end."""
    refunds: list[dict[str, Any]] = []
    events: list[tuple[str, Any, int]] = []
    for t, (kind, n) in enumerate(steps, start=1_780_000_000):
        standing = [r for r in refunds if r["status"] == "succeeded"]
        if kind == "refund":
            refunds.append({"id": f"re_{len(refunds)}", "amount": n, "status": "succeeded", "created": t})
            events.append(("charge.refunded", sum(r["amount"] for r in standing) + n, t))
        elif standing:
            failed = standing[n % len(standing)]
            failed["status"] = "failed"
            events.append(("refund.failed", dict(failed), t))
    return events, refunds


def apply(events: list[tuple[str, Any, int]], stripe: Stripe) -> dict[str, Any]:
    item: dict[str, Any] = {"refunded_amount_cents": 0}
    for kind, payload, t in events:
        ctx = EventCtx(stripe, t)
        if kind == "charge.refunded":
            settle_refunds(ctx, item, "ch_1", payload)  # type: ignore[arg-type]
        else:
            merge_refund_state(item, payload)
            settle_refunds(ctx, item, "ch_1", None)  # type: ignore[arg-type]
    return item


steps = st.lists(st.tuples(st.sampled_from(["refund", "fail"]), st.integers(min_value=1, max_value=500)),
                 min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(steps=steps, data=st.data())
def test_any_delivery_order_ends_at_the_refunds_still_standing(steps, data):
    events, refunds = history(steps)
    # When the events arrive in any order, some twice
    delivered = data.draw(st.permutations(events + data.draw(st.lists(st.sampled_from(events), max_size=3))
                                          if events else []))
    stripe = Stripe(refunds)
    item = apply(delivered, stripe)
    # Then the total is what still stands at Stripe (Stripe's final amount_refunded)
    standing = [r for r in refunds if r["status"] == "succeeded"]
    assert item["refunded_amount_cents"] == sum(r["amount"] for r in standing)
    # And Stripe was read only for a payment with a refund given back
    assert (stripe.calls > 0) == any(r["status"] == "failed" for r in refunds)


def test_without_a_failure_the_largest_total_wins_dated_by_its_event_and_stripe_is_not_read():
    events, refunds = history([("refund", 100), ("refund", 200)])
    stripe = Stripe(refunds)
    item = apply(list(reversed(events)), stripe)
    assert (item["refunded_amount_cents"], item["refunded_at"][:19], stripe.calls) == (300, "2026-05-28T20:26:41", 0)
