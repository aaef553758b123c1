"""Payments: one record per payment intent, merged from every event that speaks of it (checkout sessions, invoices,
refunds, disputes) by order-free rules, so any delivery order ends in the same record."""
from __future__ import annotations

from typing import Any, Callable

from paykit.processor.context import Ctx
from paykit.processor.projections.customers import customer_mapping
from paykit.processor.records import clean, record_id, with_listing
from paykit.store import keys
from paykit.stripe_objects import (
    customer_id_of,
    id_of,
    invoice_payment_intent,
    payment_intent_of,
    invoice_subscription,
    invoice_type,
    ts,
)

# A payment only moves up this ladder: a late `payment_failed` never undoes a success (Stripe reuses the intent).
PAYMENT_RANK = {"pending": 0, "canceled": 1, "failed": 2, "succeeded": 3}


def payment(ctx: Ctx, pi_id: str, *, base_status: str | None, amount: int | None, currency: str | None,
            created: Any, user_id: str | None, sub_id: str | None, description: str | None = None,
            authoritative: bool = True, customer_id: str | None = None,
            describe: Callable[[], str | None] | None = None, transaction_type: str | None = None,
            discount: int | None = None, merge: Callable[[dict[str, Any]], None] | None = None,
            usage: int | None = None) -> None:
    """Merges one observation of a payment into its record; every rule is order-free (max, min, first known).
    `describe` reads the description from Stripe, only when neither the record nor the payload has one; `merge`
    adds what another resource knows of the payment (a dispute, its refunds) before its status is worked out."""
    old = ctx.record(keys.payment(ctx.project_id, ctx.mode, pi_id))
    new = dict(old) if old else {
        **keys.payment(ctx.project_id, ctx.mode, pi_id), "type": "payment",
        "id": record_id("pay", ctx.project_id, ctx.mode, pi_id), "project_id": ctx.project_id,
        "is_test_mode": ctx.mode == "test", "payment_intent_id": pi_id, "refunded_amount_cents": 0,
    }
    new["owner_id"] = new.get("owner_id") or ctx.owner()
    if base_status and PAYMENT_RANK[base_status] >= PAYMENT_RANK.get(new.get("base_status", ""), -1):
        new["base_status"] = base_status
    # Invoices and sessions state the amount; a charge only fills it when nothing better is known.
    if amount is not None and (authoritative or new.get("amount_cents") is None):
        new["amount_cents"] = int(amount)
    if currency and (authoritative or not new.get("currency")):
        new["currency"] = currency.lower()
    stamp = ts(created)
    if stamp and (not new.get("created_at") or stamp < new["created_at"]):
        new["created_at"] = stamp
    # The customer mapping is read only when neither the record nor the event names the user.
    new["user_id"] = new.get("user_id") or user_id or ctx.user_of_customer(customer_id)
    if sub_id:
        new["subscription_id"] = record_id("sub", ctx.project_id, ctx.mode, sub_id)
        new["stripe_subscription_id"] = sub_id
    if description and (authoritative or not new.get("description")):
        new["description"] = description
    if not new.get("description") and describe is not None:
        new["description"] = describe()
    if discount:
        new["discount_cents"] = int(discount)
    if usage:  # what the invoice's metered items billed: revenue, shown apart as usage revenue (issue 18)
        new["usage_amount_cents"] = int(usage)
    # Every source of a payment intent agrees on its type (one invoice, or one checkout): the first known stays.
    new["transaction_type"] = new.get("transaction_type") or transaction_type
    if merge is not None:
        merge(new)
    new["status"] = payment_status(new)
    ctx.change(old, with_listing(clean(new), ctx.project_id, ctx.mode, "payment"))


def payment_status(item: dict[str, Any]) -> str | None:
    base = item.get("base_status")
    if base == "succeeded" and item.get("dispute_status") in ("open", "lost"):
        return "disputed"  # Cloud Admin's status: the money is held (open) or gone (lost) by a chargeback
    refunded, amount = int(item.get("refunded_amount_cents") or 0), int(item.get("amount_cents") or 0)
    if base == "succeeded" and refunded > 0:
        return "refunded" if refunded >= amount else "partially_refunded"
    return base


def on_invoice(succeeded: bool) -> Callable[[Ctx], None]:
    """invoice.paid / invoice.payment_succeeded (one record per payment intent, so both dedup) and payment_failed.

    The subscription's status is never set here (decision 9): Stripe's customer.subscription.updated carries it.
    """

    def handler(ctx: Ctx) -> None:
        invoice = ctx.obj
        amount = invoice.get("amount_paid") if succeeded else invoice.get("amount_due")
        pi = invoice_payment_intent(invoice, failed=not succeeded)
        if pi is None:
            if not amount:
                return  # a $0 invoice (a trial's first) has no payment
            pi = payment_intent_of(ctx.invoice_payments(invoice["id"]), failed=not succeeded)
            if pi is None:
                return
        sub_id, metadata = invoice_subscription(invoice)
        lines = (invoice.get("lines") or {}).get("data") or [{}]
        payment(ctx, pi, base_status="succeeded" if succeeded else "failed", amount=amount,
                currency=invoice.get("currency"), created=charged_at(invoice), user_id=metadata.get("user_id"),
                sub_id=sub_id, description=lines[0].get("description"), customer_id=customer_id_of(invoice),
                transaction_type=invoice_type(invoice),
                discount=sum(int(d.get("amount") or 0) for d in invoice.get("total_discount_amounts") or []),
                usage=usage_amount(ctx, invoice, sub_id) if succeeded else None)

    return handler


def charged_at(invoice: dict[str, Any]) -> Any:
    """When the invoice's payment was first attempted: its finalization (a renewal is a draft for about an hour
    before Stripe finalizes and charges it), else its creation."""
    return (invoice.get("status_transitions") or {}).get("finalized_at") or invoice.get("created")


def usage_amount(ctx: Ctx, invoice: dict[str, Any], sub_id: str | None) -> int:
    """The sum of an invoice's lines that bill a metered price's usage. A line names its price by id: the
    subscription's record says which of its prices are metered; a price it does not list is read from Stripe
    (once per container)."""
    lines = [line for line in (invoice.get("lines") or {}).get("data") or [] if _line_price(line)]
    if not lines or not sub_id:
        return 0
    record = ctx.record(keys.subscription(ctx.project_id, ctx.mode, sub_id)) or {}
    known = {i.get("price_id"): i.get("usage_type") for i in record.get("price_items") or []}
    total = 0
    for line in lines:
        price = _line_price(line)
        usage = known[price] if price in known else ctx.stripe.price_usage_type(ctx.project_id, ctx.mode, price)
        if usage == "metered":
            total += int(line.get("amount") or 0)
    return total


def _line_price(line: dict[str, Any]) -> str | None:
    """The price an invoice line bills (API 2025-03 and later: `pricing.price_details.price`; before: `price`)."""
    details = (line.get("pricing") or {}).get("price_details") or {}
    return id_of(details.get("price") or line.get("price"))


def invoice_reads(ctx: Ctx) -> list[dict[str, str]]:
    """The payment's record when the payload names its intent (Stripe's events do not: their invoices carry no
    `payments`, so the intent comes from Stripe in the handler and its record is read then); the customer mapping
    and the subscription (its metered prices) either way."""
    pi = invoice_payment_intent(ctx.obj, failed=ctx.event["type"] == "invoice.payment_failed")
    sub_id, metadata = invoice_subscription(ctx.obj)
    return [*([keys.payment(ctx.project_id, ctx.mode, pi)] if pi else []),
            *customer_mapping(ctx, ctx.obj, metadata.get("user_id")),
            *([keys.subscription(ctx.project_id, ctx.mode, sub_id)] if sub_id else [])]  # its metered prices
