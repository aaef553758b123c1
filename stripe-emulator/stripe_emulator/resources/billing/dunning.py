"""What a subscription does about its invoices' payments: an invoice run through creation, finalisation and its first
attempt; the status that follows (active, past_due, then canceled, unpaid or left past_due as the account says); an
intent settled later (3-D Secure, an API confirmation); paying an open invoice now."""

from __future__ import annotations

from ...engine import errors
from ...engine.events import Tracker, emit
from ...engine.store import World
from ..payments import DECLINED, SETTLED_HOOKS, SUCCEEDED
from .invoices import collect, emit_invoice_outcome, finalize, invoice_intent, mark_paid, record_outcome
from .pending_updates import settle_pending_update
from .subscriptions import ENDED, end_subscription, payment_method_for, subscription_of

def run_invoice(world: World, sub: dict, invoice: dict, t: int, *, payment_method: str | None = None,
                attempt_payment: bool = True, tracker: Tracker | None = None, resuming: bool = False,
                created: bool = True) -> str | None:
    """A new draft invoice through creation, finalisation and its first payment attempt, with their events
    (`created=False`: a draft announced earlier, a renewal's after its hour as a draft).

    Returns the payment outcome (None when no payment was attempted) after the subscription has reacted to it.
    """
    customer = world.get("customers", invoice["customer"])
    if created:
        emit(world, "invoice.created", "invoices", invoice, created=t)
    finalize(world, invoice, t)
    if not attempt_payment and invoice["amount_due"] > 0:
        invoice_intent(world, invoice, t)  # left for the customer to confirm (payment_behavior=default_incomplete)
    emit(world, "invoice.finalized", "invoices", invoice, created=t)
    outcome: str | None = None
    if invoice["amount_due"] == 0:
        mark_paid(world, invoice, t)  # nothing to charge (a trial, or a credit balance covering it)
        outcome = SUCCEEDED
    elif attempt_payment:
        outcome = collect(world, invoice, payment_method or payment_method_for(world, sub, customer), t)
    if outcome is not None:
        emit_invoice_outcome(world, invoice, outcome, t)
    after_payment(world, sub, invoice, outcome, t, tracker=tracker, resuming=resuming)
    return outcome


def after_payment(world: World, sub: dict, invoice: dict, outcome: str | None, t: int, *,
                  tracker: Tracker | None = None, resuming: bool = False) -> None:
    """The subscription's status follows its latest invoice: active when paid, past_due when not, and at the end of
    the retries canceled or unpaid as the account is configured. `tracker` may already hold other changes of the
    same operation, which then go out in the same `customer.subscription.updated`."""
    if sub["status"] in ENDED:
        return
    latest = sub["latest_invoice"] == invoice["id"]
    if not sub["_announced"]:
        # Still being created: its status is part of `customer.subscription.created`, not an update.
        if outcome == SUCCEEDED and sub["status"] == "incomplete":
            sub["status"] = "active"
        return
    tracker = tracker or Tracker(world, "subscriptions", sub)
    pending = sub["_pending_update"]
    if pending is not None and pending["invoice"] == invoice["id"]:
        settle_pending_update(world, sub, outcome, t, tracker)
        return
    if outcome == SUCCEEDED:
        if latest and (sub["status"] in ("incomplete", "past_due", "unpaid") or resuming):
            sub["status"] = "active"
    elif outcome is not None and sub["status"] not in ("incomplete", "paused"):
        final = outcome == DECLINED and invoice["next_payment_attempt"] is None and latest
        action = world.account.dunning_final_action
        if final and action == "cancel":
            tracker.emit_updated("customer.subscription.updated", created=t)
            end_subscription(world, sub, reason="payment_failed", t=t)
            return
        if final and action == "mark_unpaid":
            sub["status"] = "unpaid"
        elif latest and sub["status"] in ("active", "trialing"):
            sub["status"] = "past_due"  # and it stays past_due after the last retry with `leave_past_due`
    tracker.emit_updated("customer.subscription.updated", created=t)


def _on_intent_settled(world: World, pi: dict, outcome: str, t: int) -> None:
    """An invoice's intent settled by the customer (3-D Secure) or an API confirmation pays the invoice."""
    invoice = world.find("invoices", pi.get("_invoice"))
    if invoice is None or invoice["status"] != "open":
        return
    record_outcome(world, invoice, outcome, t)
    emit_invoice_outcome(world, invoice, outcome, t)
    sub = subscription_of(world, invoice)
    if sub is not None:
        after_payment(world, sub, invoice, outcome, t)


SETTLED_HOOKS.append(_on_intent_settled)


def pay_invoice(world: World, invoice: dict, payment_method: str | None = None) -> str:
    """Pays an open invoice now (`/v1/invoices/{id}/pay`, hosted invoice page, a card update)."""
    if invoice["status"] == "paid":
        raise errors.invalid("Invoice is already paid", code="invoice_already_paid")
    if invoice["status"] != "open":
        raise errors.invalid(f"You can only pay an open invoice. This invoice is {invoice['status']}.",
                             code="invoice_not_open")
    customer = world.get("customers", invoice["customer"])
    sub = subscription_of(world, invoice)
    pm = payment_method or payment_method_for(world, sub, customer)
    if pm is None:
        raise errors.invalid("This customer has no attached payment source or default payment method. Please "
                             "consider adding a default payment method.", code="invoice_no_payment_method")
    t = world.now_for(customer)
    outcome = collect(world, invoice, pm, t)
    emit_invoice_outcome(world, invoice, outcome, t)
    if sub is not None:
        after_payment(world, sub, invoice, outcome, t)
    return outcome
