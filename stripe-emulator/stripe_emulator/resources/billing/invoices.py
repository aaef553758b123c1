"""Invoices: a draft from lines, finalisation, a payment attempt with its intent and invoice payment, the retry
schedule, voiding, and `payments` (shown only when expanded)."""

from __future__ import annotations

from ...engine.events import Tracker, emit
from ...engine.ids import new_id, random_suffix
from ...engine.periods import DAY
from ...engine.render import list_object, render, virtual_field
from ...engine.store import World
from .. import discounts, tax
from ..cards import HARD_DECLINES
from ..payments import DECLINED, SUCCEEDED, attempt, new_payment_intent
from .lines import Line
from .subscriptions import subscription_of

@virtual_field("invoices", "payments")
def _payments(world: World, invoice: dict) -> dict:
    """The invoice's payments: an includable field, as on Stripe, so only with `expand[]=payments` (never in events)."""
    payments = [render(world, "invoice_payments", p) for p in world.collections["invoice_payments"].values()
                if p["invoice"] == invoice["id"]]
    return {**list_object(f"/v1/invoice_payments?invoice={invoice['id']}", payments), "total_count": len(payments)}


def _line_item(world: World, invoice_id: str | None, sub: dict | None, line: Line, currency: str) -> dict:
    price = world.get("prices", line.price)
    sub_id = sub["id"] if sub else None
    return {
        "id": new_id("il"), "object": "line_item", "amount": line.amount, "currency": currency,
        "description": line.description, "discount_amounts": [], "discountable": not line.proration,
        "discounts": [], "invoice": invoice_id, "livemode": world.livemode, "metadata": {},
        "parent": {"invoice_item_details": None,
                   "subscription_item_details": {"invoice_item": None, "proration": line.proration,
                                                 "proration_details": {"credited_items": None},
                                                 "subscription": sub_id, "subscription_item": line.item},
                   "type": "subscription_item_details"},
        "period": {"end": line.end, "start": line.start}, "pretax_credit_amounts": [],
        "pricing": {"price_details": {"price": price["id"], "product": price["product"]}, "type": "price_details",
                    "unit_amount_decimal": price["unit_amount_decimal"]},
        "quantity": line.quantity, "quantity_decimal": str(line.quantity), "subscription": sub_id,
        "subtotal": line.amount, "taxes": [],
    }


def new_invoice(world: World, customer: dict, sub: dict | None, *, billing_reason: str, lines: list[Line],
                t: int, period: tuple[int, int], store: bool = True, proration_date: int | None = None) -> dict:
    """A draft invoice; with `store=False` a preview (`upcoming_in_...`) that is not kept."""
    invoice_id = new_id("in") if store else f"upcoming_in_{random_suffix(24)}"
    currency = sub["currency"] if sub else world.get("prices", lines[0].price)["currency"]
    total = sum(line.amount for line in lines)
    balance = customer["balance"]
    amount_due = max(0, total + balance)
    invoice = {
        "id": invoice_id, "object": "invoice", "account_country": "US", "account_name": world.account.name,
        "account_tax_ids": None, "amount_due": amount_due, "amount_overpaid": 0, "amount_paid": 0,
        "amount_paid_off_stripe": 0, "amount_remaining": amount_due, "amount_shipping": 0, "application": None,
        "attempt_count": 0, "attempted": False, "auto_advance": store,
        "automatic_tax": tax.of_invoice(sub["automatic_tax"] if sub else None),
        "automatically_finalizes_at": None, "billing_reason": billing_reason,
        "collection_method": "charge_automatically", "confirmation_secret": None, "created": t,
        "currency": currency, "custom_fields": None, "customer": customer["id"], "customer_account": None,
        "customer_address": customer["address"], "customer_email": customer["email"],
        "customer_name": customer["name"], "customer_phone": customer["phone"], "customer_shipping": None,
        "customer_tax_exempt": customer["tax_exempt"], "customer_tax_ids": [], "default_payment_method": None,
        "default_source": None, "default_tax_rates": [], "description": None, "discounts": [], "due_date": None,
        "effective_at": None, "ending_balance": None, "footer": None, "from_invoice": None,
        "hosted_invoice_url": None, "invoice_pdf": None, "issuer": {"type": "self"},
        "last_finalization_error": None, "latest_revision": None,
        "lines": {**list_object(f"/v1/invoices/{invoice_id}/lines",
                                [_line_item(world, invoice_id, sub, line, currency) for line in lines]),
                  "total_count": len(lines)},
        "livemode": world.livemode, "metadata": {}, "next_payment_attempt": None, "number": None,
        "on_behalf_of": None,
        "parent": None if sub is None else {
            "quote_details": None, "type": "subscription_details",
            "subscription_details": {"metadata": dict(sub["metadata"]), "subscription": sub["id"],
                                     "subscription_proration_date": proration_date},
        },
        "payment_settings": {"default_mandate": None, "payment_method_options": None, "payment_method_types": None},
        "period_end": period[1], "period_start": period[0], "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0, "receipt_number": None, "rendering": None, "shipping_cost": None,
        "shipping_details": None, "starting_balance": balance, "statement_descriptor": None, "status": "draft",
        "status_transitions": {"finalized_at": None, "marked_uncollectible_at": None, "paid_at": None,
                               "voided_at": None},
        "subtotal": total, "subtotal_excluding_tax": total, "test_clock": customer["test_clock"], "total": total,
        "total_discount_amounts": [], "total_excluding_tax": total, "total_pretax_credit_amounts": [],
        "total_taxes": [], "webhooks_delivered_at": None,
        "_payment_intent": None, "_first_attempt_at": None,
    }
    discounts.apply_to_invoice(world, invoice, sub, customer, store)
    return world.add("invoices", invoice) if store else invoice


def finalize(world: World, invoice: dict, t: int) -> None:
    customer = world.get("customers", invoice["customer"])
    invoice["number"] = f"{customer['invoice_prefix']}-{customer['next_invoice_sequence']:04d}"
    customer["next_invoice_sequence"] += 1
    ending = invoice["total"] + invoice["starting_balance"]
    invoice.update(status="open", effective_at=t, ending_balance=min(0, ending), automatically_finalizes_at=None,
                   hosted_invoice_url=f"{world.state.base_url}/i/{invoice['id']}", webhooks_delivered_at=t)
    invoice["status_transitions"]["finalized_at"] = t
    # The customer's credit balance pays what it can; what is left (credit from a downgrade) stays on it.
    customer["balance"] = invoice["ending_balance"]


def mark_paid(world: World, invoice: dict, t: int) -> None:
    invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0, attempted=True,
                   next_payment_attempt=None)
    invoice["status_transitions"]["paid_at"] = t
    for payment in world.collections["invoice_payments"].values():
        if payment["invoice"] == invoice["id"] and payment["status"] == "open":
            payment.update(status="paid", amount_paid=invoice["amount_due"])
            payment["status_transitions"]["paid_at"] = t
            emit(world, "invoice_payment.paid", "invoice_payments", payment, created=t)  # before `invoice.paid`


def invoice_intent(world: World, invoice: dict, t: int) -> dict:
    if invoice["_payment_intent"]:
        return world.get("payment_intents", invoice["_payment_intent"])
    descriptions = {"subscription_create": "Subscription creation", "subscription_cycle": "Subscription update",
                    "subscription_update": "Subscription update"}
    pi = new_payment_intent(world, amount=invoice["amount_due"], currency=invoice["currency"],
                            customer=invoice["customer"], created=t,
                            description=descriptions.get(invoice["billing_reason"], "Invoice payment"))
    pi["_invoice"] = invoice["id"]
    invoice["_payment_intent"] = pi["id"]
    world.add("invoice_payments", {
        "id": new_id("inpay"), "object": "invoice_payment", "amount_paid": None,
        "amount_requested": invoice["amount_due"], "created": t, "currency": invoice["currency"],
        "invoice": invoice["id"], "is_default": True, "livemode": world.livemode,
        "payment": {"type": "payment_intent", "payment_intent": pi["id"]}, "status": "open",
        "status_transitions": {"canceled_at": None, "paid_at": None},
    })
    return pi


def collect(world: World, invoice: dict, payment_method: str | None, t: int) -> str:
    """One payment attempt on an open invoice; emits the payment's events, not the invoice's."""
    if invoice["_first_attempt_at"] is None:
        invoice["_first_attempt_at"] = t
    invoice["attempt_count"] += 1
    invoice["attempted"] = True
    if payment_method is None:
        outcome = DECLINED  # no card to charge: Stripe fails the attempt without a charge
    else:
        outcome = attempt(world, invoice_intent(world, invoice, t), payment_method, t)
    record_outcome(world, invoice, outcome, t)
    return outcome


def record_outcome(world: World, invoice: dict, outcome: str, t: int) -> None:
    if outcome == SUCCEEDED:
        mark_paid(world, invoice, t)
    elif outcome == DECLINED:
        invoice["next_payment_attempt"] = _next_retry(world, invoice)
    else:
        invoice["next_payment_attempt"] = None  # waits for the customer to authenticate


def _next_retry(world: World, invoice: dict) -> int | None:
    """When the failed payment is tried again: Smart Retries spreads the account's number of retries evenly over
    its window (Stripe picks the times; here they are fixed so tests can advance to them), a custom schedule
    retries on its days; never after a hard decline or the last retry."""
    if invoice["billing_reason"] == "subscription_create":
        return None  # a first invoice is not retried: the subscription stays incomplete, then expires
    if invoice.get("_gates_update"):
        return None  # a pending update expires (23 h at most) before the first retry would fall due
    if _hard_declined(world, invoice):
        return None
    account, failures = world.account, invoice["attempt_count"]
    if account.dunning_retry_policy == "smart":
        retries, window = account.smart_retry_attempts, account.smart_retry_window_days * DAY
        return invoice["_first_attempt_at"] + window * failures // retries if failures <= retries else None
    days = account.dunning_retry_days
    if failures - 1 < len(days):
        return invoice["_first_attempt_at"] + days[failures - 1] * DAY
    return None


def _hard_declined(world: World, invoice: dict) -> bool:
    pi = world.find("payment_intents", invoice["_payment_intent"])
    error = (pi or {}).get("last_payment_error") or {}
    return bool({error.get("decline_code"), error.get("code")} & HARD_DECLINES)


def emit_invoice_outcome(world: World, invoice: dict, outcome: str, t: int) -> None:
    if outcome == SUCCEEDED:
        emit(world, "invoice.paid", "invoices", invoice, created=t)
        emit(world, "invoice.payment_succeeded", "invoices", invoice, created=t)
    elif outcome == DECLINED:
        emit(world, "invoice.payment_failed", "invoices", invoice, created=t)
    else:
        emit(world, "invoice.payment_action_required", "invoices", invoice, created=t)


def void_invoice(world: World, invoice: dict, t: int) -> None:
    """Voids an open invoice (its open payments are canceled); a pending update waiting on it is discarded."""
    invoice.update(status="void", next_payment_attempt=None, amount_remaining=0)
    invoice["status_transitions"]["voided_at"] = t
    for payment in world.collections["invoice_payments"].values():
        if payment["invoice"] == invoice["id"] and payment["status"] == "open":
            payment["status"] = "canceled"
            payment["status_transitions"]["canceled_at"] = t
    emit(world, "invoice.voided", "invoices", invoice, created=t)
    sub = subscription_of(world, invoice)
    if sub is not None and (sub["_pending_update"] or {}).get("invoice") == invoice["id"]:
        tracker = Tracker(world, "subscriptions", sub)
        sub.update(pending_update=None, _pending_update=None)
        tracker.emit_updated("customer.subscription.updated", created=t)
