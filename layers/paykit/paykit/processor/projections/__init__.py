"""One projection per resource: each turns a Stripe object into the writes it needs. Two registries per event
type, which the engine uses: READS (the records to prefetch in one BatchGetItem) and HANDLERS (the policy)."""
from __future__ import annotations

from typing import Callable

from paykit.processor.context import Ctx
from paykit.processor.projections.checkout import on_checkout_async, on_checkout_completed, session_reads
from paykit.processor.projections.customers import customer_mapping
from paykit.processor.projections.disputes import dispute_reads, on_dispute
from paykit.processor.projections.entitlements import on_entitlement_summary
from paykit.processor.projections.payments import invoice_reads, on_invoice
from paykit.processor.projections.refunds import charge_reads, on_charge_refunded, on_refund, refund_reads
from paykit.processor.projections.subscriptions import on_subscription, subscription_reads


def on_recorded_only(ctx: Ctx) -> None:
    """Shown in the event log; the state they announce arrives with other events (subscription.updated etc.)."""


READS: dict[str, Callable[[Ctx], list[dict[str, str]]]] = {
    "checkout.session.completed": session_reads,
    "checkout.session.async_payment_succeeded": session_reads,
    "checkout.session.async_payment_failed": session_reads,
    "paykit.observed.checkout_session": session_reads,
    "customer.subscription.created": lambda ctx: subscription_reads(ctx, ctx.obj),
    "customer.subscription.updated": lambda ctx: subscription_reads(ctx, ctx.obj),
    "customer.subscription.deleted": lambda ctx: subscription_reads(ctx, ctx.obj),
    "paykit.observed.subscription": lambda ctx: subscription_reads(ctx, ctx.obj),
    "invoice.paid": invoice_reads,
    "invoice.payment_succeeded": invoice_reads,
    "invoice.payment_failed": invoice_reads,
    "charge.refunded": charge_reads,
    "charge.refund.updated": refund_reads,
    "refund.updated": refund_reads,
    "refund.failed": refund_reads,
    "entitlements.active_entitlement_summary.updated": lambda ctx: customer_mapping(ctx, ctx.obj, None),
    "charge.dispute.created": dispute_reads,
    "charge.dispute.closed": dispute_reads,
}


HANDLERS: dict[str, Callable[[Ctx], None]] = {
    "checkout.session.completed": on_checkout_completed,
    "checkout.session.async_payment_succeeded": on_checkout_async(True),
    "checkout.session.async_payment_failed": on_checkout_async(False),
    "customer.subscription.created": on_subscription,
    "customer.subscription.updated": on_subscription,
    "customer.subscription.deleted": on_subscription,
    "invoice.paid": on_invoice(True),
    "invoice.payment_succeeded": on_invoice(True),
    "invoice.payment_failed": on_invoice(False),
    "charge.refunded": on_charge_refunded,
    "charge.refund.updated": on_refund,  # the refund's own events: one that fails gives its amount back
    "refund.updated": on_refund,
    "refund.failed": on_refund,
    "charge.dispute.created": on_dispute,
    "charge.dispute.closed": on_dispute,
    "customer.subscription.trial_will_end": on_recorded_only,
    "entitlements.active_entitlement_summary.updated": on_entitlement_summary,
    "invoice.payment_action_required": on_recorded_only,
}
