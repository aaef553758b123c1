"""Subscriptions and invoices: creation, renewal, trials, dunning, prorations, previews, and time passing over them."""

from __future__ import annotations

import calendar
import copy
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from . import discounts, errors
from .cards import DECLINES, card_of
from .catalog import format_money, interval_label, plan_of
from .events import Tracker, emit
from .ids import new_id, random_suffix
from .meters import is_metered, item_quantity, metered_usage
from .payments import DECLINED, SETTLED_HOOKS, SUCCEEDED, attempt, new_payment_intent
from .render import list_object, public, render, renderer
from .store import World

DAY = 86400
INCOMPLETE_EXPIRY = 23 * 3600  # an unpaid first invoice leaves the subscription incomplete_expired after 23 hours
PENDING_UPDATE_EXPIRY = 23 * 3600  # an unpaid pending update is discarded after 23 hours (or at the period end)
TRIAL_WILL_END_NOTICE = 3 * DAY
ENDED = ("canceled", "incomplete_expired")
MAX_STEPS_PER_ADVANCE = 20000  # bounds a clock advance (a daily price advanced by years is still far below)

# The events of a subscription checkout, in the order Stripe creates them (see README).
CHECKOUT_ORDER = (
    "customer.created", "payment_intent.created", "charge.succeeded", "charge.failed", "payment_intent.succeeded",
    "payment_intent.payment_failed", "payment_intent.requires_action",
    "customer.subscription.created", "invoice.created", "invoice.finalized", "invoice.paid",
    "invoice.payment_succeeded", "invoice.payment_failed", "invoice.payment_action_required",
)


# --- billing periods ----------------------------------------------------------------------------------------------


def boundary(anchor: int, interval: str, count: int, n: int, day: int | None = None) -> int:
    """The n-th period boundary after `anchor` (before it when n < 0); months keep the anchor's day (or `day`, a
    `billing_cycle_anchor_config[day_of_month]`), clamped to short months."""
    if interval == "day":
        return anchor + n * count * DAY
    if interval == "week":
        return anchor + n * count * 7 * DAY
    months = n * count * (12 if interval == "year" else 1)
    start = datetime.fromtimestamp(anchor, UTC)
    year, month0 = divmod(start.month - 1 + months, 12)
    year += start.year
    day = min(day or start.day, calendar.monthrange(year, month0 + 1)[1])
    return int(start.replace(year=year, month=month0 + 1, day=day).timestamp())


def anchor_from_config(config: dict, t: int) -> int:
    """`billing_cycle_anchor_config`: the next time after `t` on its day of month (a shorter month's last day) at
    its hour, minute and second UTC (those of `t` when not given), in its month when it names one."""
    now = datetime.fromtimestamp(t, UTC)
    hour, minute, second = (now.hour if config["hour"] is None else config["hour"],
                            now.minute if config["minute"] is None else config["minute"],
                            now.second if config["second"] is None else config["second"])
    year, month = now.year, config["month"] or now.month
    while True:
        day = min(config["day_of_month"], calendar.monthrange(year, month)[1])
        candidate = int(datetime(year, month, day, hour, minute, second, tzinfo=UTC).timestamp())
        if candidate > t:
            return candidate
        if config["month"]:
            year += 1
        else:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def recurring_of(world: World, sub: dict) -> dict:
    return world.get("prices", items_of(world, sub)[0]["price"])["recurring"]


def items_of(world: World, sub: dict) -> list[dict]:
    return [world.collections["subscription_items"][i] for i in sub["_items"]]


def period_of(world: World, sub: dict) -> tuple[int, int]:
    item = items_of(world, sub)[0]
    return item["current_period_start"], item["current_period_end"]


def set_period(world: World, sub: dict, start: int, end: int) -> None:
    for item in items_of(world, sub):
        item["current_period_start"], item["current_period_end"] = start, end


def _anchor_day(sub: dict) -> int | None:
    return (sub["billing_cycle_anchor_config"] or {}).get("day_of_month")


def _cycle_period(sub: dict, recurring: dict) -> tuple[int, int]:
    """Cycle n's period; cycle -1 is the full period ending at an anchor set on creation (before it, a stub)."""
    n, day = sub["_cycle"], _anchor_day(sub)
    return (boundary(sub["billing_cycle_anchor"], recurring["interval"], recurring["interval_count"], n, day),
            boundary(sub["billing_cycle_anchor"], recurring["interval"], recurring["interval_count"], n + 1, day))


def stub_lines(world: World, sub: dict, start: int) -> list[Line]:
    """The stub period from `start` (creation or the trial's end) to an anchor set on creation: the licensed items
    prorated over the full period ending at the anchor, or nothing with `proration_behavior=none`."""
    if not sub["_stub_prorated"]:
        return []
    recurring = recurring_of(world, sub)
    full = _cycle_period({**sub, "_cycle": -1}, recurring)
    changes = [ItemChange(item, None, 0, price, item["quantity"]) for item in items_of(world, sub)
               if not is_metered(price := world.get("prices", item["price"]))]
    return proration_lines(world, sub, changes, start, period=full)


# --- rendering ----------------------------------------------------------------------------------------------------


@renderer("subscription_items")
def _render_item(world: World, item: dict) -> dict:
    out = public(item)
    price = world.get("prices", item["price"])
    if is_metered(price):
        out.pop("quantity")  # a metered item has no quantity; its usage is billed
    out["price"] = render(world, "prices", price)
    out["plan"] = plan_of(price)
    return out


@renderer("subscriptions")
def _render_subscription(world: World, sub: dict) -> dict:
    out = public(sub)
    data = [render(world, "subscription_items", item) for item in items_of(world, sub)]
    out["items"] = {**list_object(f"/v1/subscription_items?subscription={sub['id']}", data), "total_count": len(data)}
    return out


@renderer("invoices")
def _render_invoice(world: World, invoice: dict) -> dict:
    out = public(invoice)
    payments = [render(world, "invoice_payments", p) for p in world.collections["invoice_payments"].values()
                if p["invoice"] == invoice["id"]]
    out["payments"] = {**list_object(f"/v1/invoice_payments?invoice={invoice['id']}", payments),
                       "total_count": len(payments)}
    return out


# --- invoices -----------------------------------------------------------------------------------------------------


@dataclass
class Line:
    """An invoice line before it belongs to an invoice (prorations wait on the subscription until invoiced)."""
    amount: int
    description: str
    start: int
    end: int
    price: str
    quantity: int
    item: str | None
    proration: bool = False


def period_line(world: World, price: dict, quantity: int, start: int, end: int, item: str | None,
                trial: bool = False) -> Line:
    """A line billing one period of a price: `2 × Pro (at $19.00 / month)`, or `Trial period for Pro`."""
    name = world.get("products", price["product"])["name"]
    if trial:
        return Line(0, f"Trial period for {name}", start, end, price["id"], quantity, item)
    description = (f"{quantity} × {name} (at {format_money(price['unit_amount'], price['currency'])} / "
                   f"{interval_label(price['recurring'])})")
    return Line(price["unit_amount"] * quantity, description, start, end, price["id"], quantity, item)


def regular_lines(world: World, sub: dict, start: int, end: int, trial: bool = False) -> list[Line]:
    """The period billed in advance: licensed items (metered ones bill their usage in arrears, see usage_lines)."""
    prices = [(item, world.get("prices", item["price"])) for item in items_of(world, sub)]
    return [period_line(world, price, item["quantity"], start, end, item["id"], trial)
            for item, price in prices if not is_metered(price)]


def usage_lines(world: World, sub: dict, start: int, end: int) -> list[Line]:
    """Metered items bill the usage their meter aggregated over [start, end), the period that ended."""
    prices = [(item, world.get("prices", item["price"])) for item in items_of(world, sub)]
    return [period_line(world, price, metered_usage(world, price, sub["customer"], start, end), start, end,
                        item["id"]) for item, price in prices if is_metered(price)]


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
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None, "provider": None,
                          "status": None},
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
    invoice.update(status="open", effective_at=t, ending_balance=min(0, ending),
                   hosted_invoice_url=f"{world.state.base_url}/i/{invoice['id']}", webhooks_delivered_at=t)
    invoice["status_transitions"]["finalized_at"] = t
    # The customer's credit balance pays what it can; what is left (credit from a downgrade) stays on it.
    customer["balance"] = invoice["ending_balance"]


def _mark_paid(world: World, invoice: dict, t: int) -> None:
    invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0, attempted=True,
                   next_payment_attempt=None)
    invoice["status_transitions"]["paid_at"] = t
    for payment in world.collections["invoice_payments"].values():
        if payment["invoice"] == invoice["id"] and payment["status"] == "open":
            payment.update(status="paid", amount_paid=invoice["amount_due"])
            payment["status_transitions"]["paid_at"] = t


def payment_method_for(world: World, sub: dict | None, customer: dict) -> str | None:
    """Stripe's precedence: the subscription's default payment method, then the customer's."""
    if sub is not None and sub.get("default_payment_method"):
        return sub["default_payment_method"]
    return customer["invoice_settings"]["default_payment_method"]


def _invoice_intent(world: World, invoice: dict, t: int) -> dict:
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
        outcome = attempt(world, _invoice_intent(world, invoice, t), payment_method, t)
    _record_outcome(world, invoice, outcome, t)
    return outcome


def _record_outcome(world: World, invoice: dict, outcome: str, t: int) -> None:
    if outcome == SUCCEEDED:
        _mark_paid(world, invoice, t)
    elif outcome == DECLINED:
        invoice["next_payment_attempt"] = _next_retry(world, invoice)
    else:
        invoice["next_payment_attempt"] = None  # waits for the customer to authenticate


def _next_retry(world: World, invoice: dict) -> int | None:
    if invoice["billing_reason"] == "subscription_create":
        return None  # a first invoice is not retried: the subscription stays incomplete, then expires
    if invoice.get("_gates_update"):
        return None  # a pending update expires (23 h at most) before the first retry would fall due
    days = world.account.dunning_retry_days
    failures = invoice["attempt_count"]
    if failures - 1 < len(days):
        return invoice["_first_attempt_at"] + days[failures - 1] * DAY
    return None


def emit_invoice_outcome(world: World, invoice: dict, outcome: str, t: int) -> None:
    if outcome == SUCCEEDED:
        emit(world, "invoice.paid", "invoices", invoice, created=t)
        emit(world, "invoice.payment_succeeded", "invoices", invoice, created=t)
    elif outcome == DECLINED:
        emit(world, "invoice.payment_failed", "invoices", invoice, created=t)
    else:
        emit(world, "invoice.payment_action_required", "invoices", invoice, created=t)


def run_invoice(world: World, sub: dict, invoice: dict, t: int, *, payment_method: str | None = None,
                attempt_payment: bool = True, tracker: Tracker | None = None, resuming: bool = False) -> str | None:
    """A new draft invoice through creation, finalisation and its first payment attempt, with their events.

    Returns the payment outcome (None when no payment was attempted) after the subscription has reacted to it.
    """
    customer = world.get("customers", invoice["customer"])
    emit(world, "invoice.created", "invoices", invoice, created=t)
    finalize(world, invoice, t)
    if not attempt_payment and invoice["amount_due"] > 0:
        _invoice_intent(world, invoice, t)  # left for the customer to confirm (payment_behavior=default_incomplete)
    emit(world, "invoice.finalized", "invoices", invoice, created=t)
    outcome: str | None = None
    if invoice["amount_due"] == 0:
        _mark_paid(world, invoice, t)  # nothing to charge (a trial, or a credit balance covering it)
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
        _settle_pending_update(world, sub, outcome, t, tracker)
        return
    if outcome == SUCCEEDED:
        if latest and (sub["status"] in ("incomplete", "past_due", "unpaid") or resuming):
            sub["status"] = "active"
    elif outcome is not None and sub["status"] not in ("incomplete", "paused"):
        final = outcome == DECLINED and invoice["next_payment_attempt"] is None
        if final and world.account.dunning_final_action == "cancel":
            tracker.emit_updated("customer.subscription.updated", created=t)
            end_subscription(world, sub, reason="payment_failed", t=t)
            return
        if final:
            sub["status"] = "unpaid"
        elif sub["status"] in ("active", "trialing"):
            sub["status"] = "past_due"
    tracker.emit_updated("customer.subscription.updated", created=t)


def _on_intent_settled(world: World, pi: dict, outcome: str, t: int) -> None:
    """An invoice's intent settled by the customer (3-D Secure) or an API confirmation pays the invoice."""
    invoice = world.find("invoices", pi.get("_invoice"))
    if invoice is None or invoice["status"] != "open":
        return
    _record_outcome(world, invoice, outcome, t)
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


def subscription_of(world: World, invoice: dict) -> dict | None:
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return world.find("subscriptions", details.get("subscription"))


# --- subscriptions: creation and ending ---------------------------------------------------------------------------


def check_prices(world: World, prices: list[dict], param: str = "items") -> tuple[str, dict]:
    """Recurring prices of one currency and one billing period, as a subscription needs."""
    if not prices:
        raise errors.invalid("A subscription needs at least one item.", param=param)
    for i, price in enumerate(prices):
        if price["type"] != "recurring":
            raise errors.invalid(f"The price `{price['id']}` is a one-time price; subscriptions need recurring "
                                 "prices.", param=f"{param}[{i}][price]")
    first = prices[0]["recurring"]
    for i, price in enumerate(prices[1:], 1):
        if (price["recurring"]["interval"], price["recurring"]["interval_count"]) != (
                first["interval"], first["interval_count"]):
            raise errors.invalid("Prices in a subscription must have the same `recurring.interval` and "
                                 "`recurring.interval_count`.", param=f"{param}[{i}][price]")
        if price["currency"] != prices[0]["currency"]:
            raise errors.invalid("All prices on a subscription must have the same currency.",
                                 param=f"{param}[{i}][price]")
    return prices[0]["currency"], first


def new_subscription(world: World, customer: dict, items: list[tuple[dict, int]], t: int, *,
                     metadata: dict | None = None, trial_end: int | None = None,
                     default_payment_method: str | None = None, description: str | None = None,
                     anchor: int | None = None, anchor_config: dict | None = None, prorate: bool = True) -> dict:
    """A subscription in `incomplete` status with its items; no events (the flows creating it emit them).

    `anchor` (or `anchor_config`) is a `billing_cycle_anchor` set on creation: a stub period runs from now (or the
    trial's end) to it, prorated unless `prorate` is false, then full periods align to it."""
    currency, recurring = check_prices(world, [price for price, _ in items])
    if anchor_config is not None:
        if recurring["interval"] not in ("month", "year"):
            raise errors.invalid("`billing_cycle_anchor_config` is only valid with monthly and yearly price "
                                 "intervals.", param="billing_cycle_anchor_config")
        anchor = anchor_from_config(anchor_config, trial_end or t)
    if anchor is not None:
        _check_anchor(anchor, trial_end, t, recurring, anchor_config)
    if anchor == (trial_end or t):
        anchor = None  # the anchor Stripe would have chosen anyway: no stub period
    sub_id = new_id("sub")
    end = trial_end or anchor or boundary(t, recurring["interval"], recurring["interval_count"], 1)
    stub = anchor is not None and trial_end is None
    anchor = anchor or trial_end or t
    sub = world.add("subscriptions", {
        "id": sub_id, "object": "subscription", "application": None, "application_fee_percent": None,
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
        "billing_cycle_anchor": anchor, "billing_cycle_anchor_config": anchor_config, "billing_schedules": [],
        "billing_mode": {"flexible": {"proration_discounts": "included"}, "type": "flexible", "updated_at": t},
        "billing_thresholds": None, "cancel_at": None, "cancel_at_period_end": False, "canceled_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "reason": None},
        "collection_method": "charge_automatically", "created": t, "currency": currency,
        "customer": customer["id"], "customer_account": None, "days_until_due": None,
        "default_payment_method": default_payment_method, "default_source": None, "default_tax_rates": [],
        "description": description, "discounts": [], "ended_at": None,
        "invoice_settings": {"account_tax_ids": None, "issuer": {"type": "self"}}, "latest_invoice": None,
        "livemode": world.livemode, "metadata": dict(metadata or {}), "next_pending_invoice_item_invoice": None,
        "on_behalf_of": None, "pause_collection": None,
        "payment_settings": {"payment_method_options": None, "payment_method_types": None,
                             "save_default_payment_method": "off"},
        "pending_invoice_item_interval": None, "pending_setup_intent": None, "pending_update": None,
        "schedule": None, "start_date": t, "status": "incomplete", "test_clock": customer["test_clock"],
        "transfer_data": None, "trial_end": trial_end, "trial_settings": {
            "end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": t if trial_end else None,
        "_items": [], "_cycle": -1 if stub else 0, "_pending": [], "_trial_will_end_sent": False,
        "_announced": False, "_pending_update": None, "_anchored": anchor != (trial_end or t),
        "_stub_prorated": prorate,
    })
    for price, quantity in items:
        sub["_items"].append(_new_item(world, sub, price, quantity, t, t, end)["id"])
    if customer["currency"] is None:
        customer["currency"] = currency
    return sub


def _check_anchor(anchor: int, trial_end: int | None, t: int, recurring: dict, config: dict | None) -> None:
    param = "billing_cycle_anchor_config" if config is not None else "billing_cycle_anchor"
    if anchor <= t:
        raise errors.invalid("Invalid timestamp: must be an integer Unix timestamp in the future.", param=param)
    if trial_end is not None and anchor < trial_end:
        raise errors.invalid("`billing_cycle_anchor` cannot be earlier than `trial_end`: a trial is followed by a "
                             "prorated period up to the anchor.", param=param)
    start = trial_end or t
    natural = boundary(start, recurring["interval"], recurring["interval_count"], 1)
    if anchor > natural:
        raise errors.invalid(f"`billing_cycle_anchor` cannot be later than next natural billing date ({natural}) "
                             "for plan", param=param)


def _new_item(world: World, sub: dict, price: dict, quantity: int, t: int, start: int, end: int) -> dict:
    return world.add("subscription_items", {
        "id": new_id("si", 14), "object": "subscription_item", "billing_thresholds": None, "created": t,
        "current_period_end": end, "current_period_start": start, "discounts": [], "metadata": {},
        "price": price["id"], "quantity": quantity, "subscription": sub["id"], "tax_rates": [],
    })


def start_subscription(world: World, sub: dict, t: int, *, payment_method: str | None = None,
                       attempt_payment: bool = True) -> str | None:
    """The first invoice of a new subscription (a $0 one during a trial); emits `customer.subscription.created`
    once the subscription's status is known. Callers wrap this in `deferred` to order the events."""
    customer = world.get("customers", sub["customer"])
    start, end = period_of(world, sub)
    trial = sub["trial_end"] is not None
    lines = stub_lines(world, sub, start) if sub["_cycle"] < 0 else regular_lines(world, sub, start, end, trial=trial)
    invoice = new_invoice(world, customer, sub, billing_reason="subscription_create", lines=lines, t=t,
                          period=(t, t))
    sub["latest_invoice"] = invoice["id"]
    if trial:
        sub["status"] = "trialing"
    outcome = run_invoice(world, sub, invoice, t, payment_method=payment_method, attempt_payment=attempt_payment)
    sub["_announced"] = True
    emit(world, "customer.subscription.created", "subscriptions", sub, created=t)
    return outcome


def end_subscription(world: World, sub: dict, *, reason: str, t: int | None = None) -> None:
    t = world.now_for(sub) if t is None else t
    sub.update(status="canceled", ended_at=t, canceled_at=sub["canceled_at"] or t, _pending=[], pending_update=None,
               _pending_update=None)
    if sub["cancellation_details"]["reason"] is None:
        sub["cancellation_details"]["reason"] = reason
    emit(world, "customer.subscription.deleted", "subscriptions", sub, created=t)


# --- time passing -------------------------------------------------------------------------------------------------


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
    if status in ("active", "past_due"):
        candidates.append((period_of(world, sub)[1], 3, "renew"))
    if sub["_pending_update"] is not None:
        candidates.append((sub["_pending_update"]["expires_at"], 0, "expire_pending_update"))
    for invoice in world.collections["invoices"].values():
        if (invoice["status"] == "open" and invoice["next_payment_attempt"]
                and subscription_of(world, invoice) is sub):
            candidates.append((invoice["next_payment_attempt"], 4, f"retry:{invoice['id']}"))
    return min(candidates) if candidates else None


def run_action(world: World, sub: dict, action: str, t: int) -> None:
    if action == "expire":
        _expire_incomplete(world, sub, t)
    elif action == "cancel":
        end_subscription(world, sub, reason="cancellation_requested", t=t)
    elif action == "trial_will_end":
        sub["_trial_will_end_sent"] = True
        emit(world, "customer.subscription.trial_will_end", "subscriptions", sub, created=t)
    elif action == "renew":
        renew(world, sub, t)
    elif action == "expire_pending_update":
        expire_pending_update(world, sub, t)
    elif action.startswith("retry:"):
        invoice = world.get("invoices", action.split(":", 1)[1])
        customer = world.get("customers", invoice["customer"])
        outcome = collect(world, invoice, payment_method_for(world, sub, customer), t)
        emit_invoice_outcome(world, invoice, outcome, t)
        after_payment(world, sub, invoice, outcome, t)


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


def _expire_incomplete(world: World, sub: dict, t: int) -> None:
    invoice = world.find("invoices", sub["latest_invoice"])
    if invoice is not None and invoice["status"] == "open":
        void_invoice(world, invoice, t)
    tracker = Tracker(world, "subscriptions", sub)
    sub.update(status="incomplete_expired", ended_at=t)
    tracker.emit_updated("customer.subscription.updated", created=t)
    emit(world, "customer.subscription.deleted", "subscriptions", sub, created=t)


def _next_period(world: World, sub: dict) -> tuple[list[Line], tuple[int, int]]:
    """Moves the subscription into its next period (the first after a trial, or the stub up to an anchor after the
    trial); returns the lines billing it and the period that ended."""
    recurring = recurring_of(world, sub)
    old_start, old_end = period_of(world, sub)
    usage = usage_lines(world, sub, old_start, old_end) if sub["status"] != "trialing" else []  # a trial is free
    if sub["status"] == "trialing" and sub["_anchored"] and sub["billing_cycle_anchor"] > sub["trial_end"]:
        sub.update(status="active", _cycle=-1)
        start, end = sub["trial_end"], sub["billing_cycle_anchor"]
        set_period(world, sub, start, end)
        due = stub_lines(world, sub, start)
    else:
        if sub["status"] == "trialing":
            sub.update(status="active", billing_cycle_anchor=sub["trial_end"], _cycle=0)
        else:
            sub["_cycle"] += 1
        start, end = _cycle_period(sub, recurring)
        set_period(world, sub, start, end)
        due = regular_lines(world, sub, start, end)
    lines, sub["_pending"] = sub["_pending"] + usage + due, []
    return lines, (old_start, old_end)


def renew(world: World, sub: dict, t: int) -> None:
    """The end of a period (or of the trial): the next period starts and its invoice is charged."""
    tracker = Tracker(world, "subscriptions", sub)
    lines, period = _next_period(world, sub)
    customer = world.get("customers", sub["customer"])
    invoice = new_invoice(world, customer, sub, billing_reason="subscription_cycle", lines=lines, t=t, period=period)
    sub["latest_invoice"] = invoice["id"]
    tracker.emit_updated("customer.subscription.updated", created=t)
    run_invoice(world, sub, invoice, t)


def advance(world: World, clock_id: str | None, target: int, only: dict | None = None) -> int:
    """Runs everything due on the subscriptions of one clock (a test clock, or the account clock for None) up to
    `target`, in time order, each at its own time, and moves the clock to `target`. Returns the steps run."""
    from .routes import automatic

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
            if not due:
                break
            when, _, _, action, sub = min(due, key=lambda d: d[:3])
            when = max(when, world.now(clock_id))
            _set_clock(world, clock_id, when)
            run_action(world, sub, action, when)
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


# --- subscription updates -----------------------------------------------------------------------------------------


@dataclass
class ItemChange:
    item: dict | None  # None for a new item
    old_price: dict | None
    old_quantity: int
    new_price: dict | None  # None for a deleted item
    new_quantity: int
    metadata: dict | None = None  # the item's metadata after the change, when `items[i][metadata]` sets it

    @property
    def reprices(self) -> bool:
        """Whether the change moves what is billed (a metadata-only change does not)."""
        return self.item is None or self.new_price is not self.old_price or self.new_quantity != self.old_quantity


def plan_item_changes(world: World, sub: dict, specs: list[Any], param: str = "items") -> list[ItemChange]:
    """`items[i][id|price|quantity|deleted]` against the subscription's items."""
    from .params import get_bool, get_int, get_metadata, get_str

    current = {item["id"]: item for item in items_of(world, sub)}
    changes = []
    for i, spec in enumerate(specs):
        if not isinstance(spec, dict):
            raise errors.invalid(f"Invalid {param}[{i}]", param=f"{param}[{i}]")
        item_id = get_str(spec, "id", param=f"{param}[{i}][id]")
        price_id = get_str(spec, "price", param=f"{param}[{i}][price]")
        quantity = get_int(spec, "quantity", param=f"{param}[{i}][quantity]", minimum=0)
        item = None
        if item_id:
            item = current.get(item_id)
            if item is None:
                raise errors.invalid(f"Invalid subscription_item id: {item_id}", param=f"{param}[{i}][id]")
        old_price = world.get("prices", item["price"]) if item else None
        if get_bool(spec, "deleted", param=f"{param}[{i}][deleted]"):
            if item is None:
                raise errors.invalid("To delete an item you must pass its id.", param=f"{param}[{i}][id]")
            changes.append(ItemChange(item, old_price, item["quantity"], None, 0))
            continue
        if item is None and not price_id:
            raise errors.missing_parameter(f"{param}[{i}][price]")
        new_price = world.get("prices", price_id, param=f"{param}[{i}][price]", status=400) if price_id else old_price
        if price_id and not new_price["active"]:
            raise errors.invalid(f"The price specified ({price_id}) is inactive. This field only accepts active "
                                 "prices.", param=f"{param}[{i}][price]")
        # A price change keeps the item's quantity (0 included); a metered item (kept at 0) becomes 1 licensed.
        new_quantity = item_quantity(new_price, quantity, f"{param}[{i}][quantity]",
                                     default=item["quantity"] if item and not is_metered(old_price) else 1)
        metadata = get_metadata(spec, item["metadata"] if item else None) if "metadata" in spec else None
        changes.append(ItemChange(item, old_price, item["quantity"] if item else 0, new_price, new_quantity,
                                  metadata))
    remaining = [c.new_price for c in changes if c.new_price is not None]
    untouched = [world.get("prices", item["price"]) for item_id, item in current.items()
                 if item_id not in {c.item["id"] for c in changes if c.item}]
    check_prices(world, remaining + untouched, param)
    return [c for c in changes if c.reprices or c.metadata is not None]


def _product_label(world: World, price: dict, quantity: int) -> str:
    name = world.get("products", price["product"])["name"]
    return f"{quantity} × {name}" if quantity != 1 else name


def proration_lines(world: World, sub: dict, changes: list[ItemChange], at: int,
                    period: tuple[int, int] | None = None) -> list[Line]:
    """Credit for the unused time on what changes, debit for the remaining time on what replaces it, as fractions
    of `period` (by default the current one)."""
    start, end = period or period_of(world, sub)
    if not start <= at < end:
        return []
    fraction = (end - at) / (end - start)
    day = datetime.fromtimestamp(at, UTC).strftime("%d %b %Y")
    lines = []
    for change in [c for c in changes if c.reprices]:
        item_id = change.item["id"] if change.item else None
        if change.old_price is not None and change.old_quantity:
            amount = -round(change.old_price["unit_amount"] * change.old_quantity * fraction)
            lines.append(Line(amount, f"Unused time on {_product_label(world, change.old_price, change.old_quantity)}"
                                      f" after {day}", at, end, change.old_price["id"], change.old_quantity, item_id,
                              proration=True))
        if change.new_price is not None and change.new_quantity:
            amount = round(change.new_price["unit_amount"] * change.new_quantity * fraction)
            lines.append(Line(amount, f"Remaining time on "
                                      f"{_product_label(world, change.new_price, change.new_quantity)} after {day}",
                              at, end, change.new_price["id"], change.new_quantity, item_id, proration=True))
    return lines


def _resets_cycle(world: World, sub: dict, changes: list[ItemChange]) -> bool:
    """Switching to another billing period (monthly to yearly) restarts the cycle now, as Stripe does."""
    current = recurring_of(world, sub)
    for change in changes:
        if change.new_price is not None:
            recurring = change.new_price["recurring"]
            return (recurring["interval"], recurring["interval_count"]) != (
                current["interval"], current["interval_count"])
    return False


@dataclass
class UpdatePlan:
    changes: list[ItemChange]
    prorations: list[Line]
    reset: bool
    immediate: bool  # an invoice is created and charged now


def plan_update(world: World, sub: dict, changes: list[ItemChange], behavior: str, at: int) -> UpdatePlan:
    reset = bool(changes) and _resets_cycle(world, sub, changes)
    prorate = behavior != "none" and sub["status"] != "trialing"
    prorations = proration_lines(world, sub, changes, at) if prorate and changes else []
    immediate = sub["status"] != "trialing" and (reset or (behavior == "always_invoice" and bool(prorations)))
    return UpdatePlan(changes, prorations, reset, immediate)


def _apply_item_changes(world: World, sub: dict, changes: list[ItemChange], t: int) -> None:
    start, end = period_of(world, sub)
    for change in changes:
        if change.new_price is None:
            sub["_items"].remove(change.item["id"])
        elif change.item is None:
            item = _new_item(world, sub, change.new_price, change.new_quantity, t, start, end)
            item["metadata"] = dict(change.metadata or {})
            sub["_items"].append(item["id"])
        else:
            change.item["price"], change.item["quantity"] = change.new_price["id"], change.new_quantity
            if change.metadata is not None:
                change.item["metadata"] = change.metadata


def new_cycle_lines(world: World, sub: dict, at: int) -> list[Line]:
    recurring = recurring_of(world, sub)
    usage = usage_lines(world, sub, period_of(world, sub)[0], at)  # the cut-short period's usage
    sub.update(billing_cycle_anchor=at, billing_cycle_anchor_config=None, _cycle=0)
    start, end = _cycle_period(sub, recurring)
    set_period(world, sub, start, end)
    return usage + regular_lines(world, sub, start, end)


def update_items(world: World, sub: dict, changes: list[ItemChange], *, behavior: str = "create_prorations",
                 proration_date: int | None = None, tracker: Tracker | None = None,
                 payment_behavior: str = "allow_incomplete") -> None:
    """Applies item changes with their prorations; emits `customer.subscription.updated` (through `tracker`, which
    may already hold other changes) and, when an invoice is due now, the invoice's events after it."""
    t = world.now_for(sub)
    at = proration_date or t
    tracker = tracker or Tracker(world, "subscriptions", sub)
    plan = plan_update(world, sub, changes, behavior, at)
    if plan.immediate and payment_behavior == "error_if_incomplete":
        require_payable(world, payment_method_for(world, sub, world.get("customers", sub["customer"])))
    if plan.immediate and payment_behavior == "pending_if_incomplete":
        _update_if_paid(world, sub, plan, at, t, tracker)
        return
    _apply_item_changes(world, sub, changes, t)
    invoice = None
    if plan.immediate:
        lines = sub["_pending"] + plan.prorations + (new_cycle_lines(world, sub, at) if plan.reset else [])
        sub["_pending"] = []
        customer = world.get("customers", sub["customer"])
        invoice = new_invoice(world, customer, sub, billing_reason="subscription_update", lines=lines, t=t,
                              period=(at, at), proration_date=at)
        sub["latest_invoice"] = invoice["id"]
    elif plan.prorations and behavior == "create_prorations":
        sub["_pending"] = sub["_pending"] + plan.prorations
    tracker.emit_updated("customer.subscription.updated", created=t)
    if invoice is not None:
        run_invoice(world, sub, invoice, t)


# --- pending updates (payment_behavior=pending_if_incomplete) -----------------------------------------------------


# What ending a trial moves besides the items and the cycle (an item change leaves them as they are when it applies).
TRIAL_FIELDS = ("status", "trial_end", "_trial_will_end_sent", "_anchored")


def _state_of(world: World, sub: dict, fields: tuple[str, ...] = ()) -> dict:
    """What an item change (and, with `fields`, a trial's end) moves on a subscription: kept to put it back, or to
    apply it later."""
    return {"_items": list(sub["_items"]), "billing_cycle_anchor": sub["billing_cycle_anchor"], "_cycle": sub["_cycle"],
            "billing_cycle_anchor_config": sub["billing_cycle_anchor_config"], "_pending": list(sub["_pending"]),
            "items": [copy.deepcopy(item) for item in items_of(world, sub)], "fields": {f: sub[f] for f in fields}}


def _put_state(world: World, sub: dict, state: dict, drop: set[str] = frozenset()) -> None:
    for item_id in drop:
        world.remove("subscription_items", item_id)
    for item in state["items"]:
        stored = world.find("subscription_items", item["id"])
        if stored is None:
            world.add("subscription_items", copy.deepcopy(item))
        else:
            stored.clear()
            stored.update(copy.deepcopy(item))
    sub.update(_items=list(state["_items"]), billing_cycle_anchor=state["billing_cycle_anchor"],
               billing_cycle_anchor_config=state["billing_cycle_anchor_config"], _cycle=state["_cycle"],
               _pending=list(state["_pending"]), **state["fields"])


def _update_if_paid(world: World, sub: dict, plan: UpdatePlan, at: int, t: int, tracker: Tracker) -> None:
    """Stripe's pending update: the update's invoice is created and charged first, with the subscription unchanged.
    Paid, the change applies; unpaid, the subscription keeps its items, price and status and carries the change as
    `pending_update` until the invoice is paid or the update expires."""
    before = _state_of(world, sub)
    _apply_item_changes(world, sub, plan.changes, t)
    lines = sub["_pending"] + plan.prorations + (new_cycle_lines(world, sub, at) if plan.reset else [])
    sub["_pending"] = []
    after = _state_of(world, sub)
    _gate_on_invoice(world, sub, before, after, lines, billing_reason="subscription_update", period=(at, at),
                     proration_date=at, anchor=after["billing_cycle_anchor"] if plan.reset else None, t=t,
                     tracker=tracker)


def end_trial_if_paid(world: World, sub: dict, changes: list[ItemChange], t: int, tracker: Tracker) -> None:
    """`trial_end=now` with `payment_behavior=pending_if_incomplete`: the first period's invoice is charged while the
    subscription still trials; paid, the trial ends (with the item changes); unpaid, it keeps trialing and the end
    of the trial waits in `pending_update` like any other pending change."""
    before = _state_of(world, sub, TRIAL_FIELDS)
    _apply_item_changes(world, sub, changes, t)
    sub.update(trial_end=t, _trial_will_end_sent=True)
    lines, period = _next_period(world, sub)
    after = _state_of(world, sub, TRIAL_FIELDS)
    _gate_on_invoice(world, sub, before, after, lines, billing_reason="subscription_cycle", period=period,
                     proration_date=None, anchor=after["billing_cycle_anchor"], t=t, tracker=tracker, trial_end=t)


def _gate_on_invoice(world: World, sub: dict, before: dict, after: dict, lines: list[Line], *, billing_reason: str,
                     period: tuple[int, int], proration_date: int | None, anchor: int | None, t: int,
                     tracker: Tracker, trial_end: int | None = None) -> None:
    """Puts `before` back, then creates and charges the invoice of `lines`; `after` applies once it is paid."""
    old_items = {item["id"]: item for item in before["items"]}
    changed = [item["id"] for item in after["items"]
               if (item["price"], item["quantity"]) != ((old_items.get(item["id"]) or {}).get("price"),
                                                        (old_items.get(item["id"]) or {}).get("quantity"))]
    _put_state(world, sub, before, drop=set(after["_items"]) - set(before["_items"]))
    customer = world.get("customers", sub["customer"])
    invoice = new_invoice(world, customer, sub, billing_reason=billing_reason, lines=lines, t=t, period=period,
                          proration_date=proration_date)
    invoice["_gates_update"] = True
    sub["latest_invoice"] = invoice["id"]
    sub["_pending_update"] = {
        "invoice": invoice["id"], "state": after, "changed": changed, "billing_cycle_anchor": anchor,
        "trial_end": trial_end, "expires_at": min(t + PENDING_UPDATE_EXPIRY, period_of(world, sub)[1]),
    }
    run_invoice(world, sub, invoice, t, tracker=tracker)


def _pending_update_shape(world: World, pending: dict) -> dict:
    items = {item["id"]: item for item in pending["state"]["items"]}
    return {"billing_cycle_anchor": pending["billing_cycle_anchor"], "expires_at": pending["expires_at"],
            "subscription_items": [render(world, "subscription_items", items[i]) for i in pending["changed"]] or None,
            "trial_end": pending["trial_end"], "trial_from_plan": False}


def _settle_pending_update(world: World, sub: dict, outcome: str | None, t: int, tracker: Tracker) -> None:
    """The pending update's invoice was paid (the change applies) or not (the change stays pending)."""
    pending = sub["_pending_update"]
    if outcome != SUCCEEDED:
        if sub["pending_update"] is None:
            sub["pending_update"] = _pending_update_shape(world, pending)
        tracker.emit_updated("customer.subscription.updated", created=t)
        return
    announced = sub["pending_update"] is not None
    if pending["trial_end"] is not None:  # as an immediate trial end announces it (the trial is still on here)
        sub["trial_end"] = pending["trial_end"]
        emit(world, "customer.subscription.trial_will_end", "subscriptions", sub, created=t)
    _put_state(world, sub, pending["state"])
    sub.update(pending_update=None, _pending_update=None)
    tracker.emit_updated("customer.subscription.updated", created=t)
    if announced:
        emit(world, "customer.subscription.pending_update_applied", "subscriptions", sub, created=t)


def expire_pending_update(world: World, sub: dict, t: int) -> None:
    """Nobody paid the pending update's invoice in time: it is voided and the change discarded."""
    invoice = world.get("invoices", sub["_pending_update"]["invoice"])
    if invoice["status"] == "open":
        void_invoice(world, invoice, t)  # discards the pending update
    else:
        tracker = Tracker(world, "subscriptions", sub)
        sub.update(pending_update=None, _pending_update=None)
        tracker.emit_updated("customer.subscription.updated", created=t)
    emit(world, "customer.subscription.pending_update_expired", "subscriptions", sub, created=t)


def require_payable(world: World, payment_method: str | None) -> None:
    """`payment_behavior=error_if_incomplete`: a card that would not pay rejects the change with a 402."""
    card = card_of(world, payment_method)
    if card is None:
        raise errors.card_error("This customer has no attached payment source or default payment method.",
                                "invoice_no_payment_method")
    if card.behaviour == "authenticate":
        raise errors.card_error("This payment requires additional user action before it can be completed "
                                "successfully.", "invoice_payment_intent_requires_action")
    if card.behaviour == "decline":
        code, message = DECLINES[card.decline_code or "generic_decline"]
        raise errors.card_error(message, code, decline_code=card.decline_code)


def set_cancel_at_period_end(world: World, sub: dict, value: bool, t: int, *, comment: str | None = None,
                             feedback: str | None = None) -> None:
    if value:
        sub.update(cancel_at_period_end=True, cancel_at=period_of(world, sub)[1], canceled_at=t)
        sub["cancellation_details"].update(reason="cancellation_requested", comment=comment, feedback=feedback)
    else:
        sub.update(cancel_at_period_end=False, cancel_at=None, canceled_at=None)
        sub["cancellation_details"] = {"comment": None, "feedback": None, "reason": None}


def preview(world: World, sub: dict, changes: list[ItemChange], behavior: str, at: int) -> dict:
    """What `/v1/invoices/create_preview` shows for a subscription: the invoice an update would create now
    (always_invoice, or a change of billing period), else the next renewal invoice with the update applied."""
    customer = world.get("customers", sub["customer"])
    plan = plan_update(world, sub, changes, behavior, at)
    start, end = period_of(world, sub)
    recurring = recurring_of(world, sub)
    lines = list(sub["_pending"]) + plan.prorations
    upcoming_prices = {item["id"]: (world.get("prices", item["price"]), item["quantity"]) for item in
                       items_of(world, sub)}
    for change in changes:
        key = change.item["id"] if change.item else f"new-{id(change)}"
        if change.new_price is None:
            upcoming_prices.pop(key, None)
        else:
            upcoming_prices[key] = (change.new_price, change.new_quantity)
            recurring = change.new_price["recurring"]
    if plan.reset:
        next_start, next_end = at, boundary(at, recurring["interval"], recurring["interval_count"], 1)
    elif plan.immediate:
        next_start = next_end = None
    else:
        next_start = end if sub["status"] != "trialing" else sub["trial_end"]
        next_end = boundary(next_start, recurring["interval"], recurring["interval_count"], 1)
    if sub["status"] != "trialing" and (plan.reset or not plan.immediate):
        lines += usage_lines(world, sub, start, at if plan.reset else end)  # the usage so far, billed in arrears
    if next_start is not None:
        for item_id, (price, quantity) in upcoming_prices.items():
            if not is_metered(price):
                lines.append(period_line(world, price, quantity, next_start, next_end,
                                         None if item_id.startswith("new-") else item_id))
    reason = "subscription_update" if plan.immediate else "subscription_cycle"
    period = (at, at) if plan.immediate else (start, end)
    invoice = new_invoice(world, customer, sub, billing_reason=reason, lines=lines, t=at, period=period,
                          store=False, proration_date=at if plan.prorations else None)
    invoice["next_payment_attempt"] = None if plan.immediate else next_start
    return invoice

