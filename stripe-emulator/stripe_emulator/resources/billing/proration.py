"""Subscription item changes: reading `items[]`, planning an update (prorations, a restarted cycle, an invoice now),
applying it, the pending update that waits for its invoice, `error_if_incomplete`, and `create_preview`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...engine import errors
from ...engine.events import Tracker, emit
from ...engine.params import get_bool, get_int, get_metadata, get_str
from ...engine.periods import boundary
from ...engine.store import World
from .. import three_d_secure
from ..cards import DECLINES, card_of
from ..meters import is_metered, item_quantity
from .cycle import new_cycle_lines, next_period
from .dunning import run_invoice
from .invoices import new_invoice, void_invoice
from .lines import ItemChange, Line, period_line, proration_lines, usage_lines
from .pending_updates import TRIAL_FIELDS, put_state, state_of
from .subscriptions import check_prices, items_of, new_item, payment_method_for, period_of, recurring_of

PRORATION_BEHAVIORS = ("create_prorations", "none", "always_invoice")
PENDING_UPDATE_EXPIRY = 23 * 3600  # an unpaid pending update is discarded after 23 hours (or at the period end)


def plan_item_changes(world: World, sub: dict, specs: list[Any], param: str = "items") -> list[ItemChange]:
    """`items[i][id|price|quantity|deleted]` against the subscription's items."""
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
            item = new_item(world, sub, change.new_price, change.new_quantity, t, start, end)
            item["metadata"] = dict(change.metadata or {})
            sub["_items"].append(item["id"])
        else:
            change.item["price"], change.item["quantity"] = change.new_price["id"], change.new_quantity
            if change.metadata is not None:
                change.item["metadata"] = change.metadata


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


def _update_if_paid(world: World, sub: dict, plan: UpdatePlan, at: int, t: int, tracker: Tracker) -> None:
    """Stripe's pending update: the update's invoice is created and charged first, with the subscription unchanged.
    Paid, the change applies; unpaid, the subscription keeps its items, price and status and carries the change as
    `pending_update` until the invoice is paid or the update expires."""
    before = state_of(world, sub)
    _apply_item_changes(world, sub, plan.changes, t)
    lines = sub["_pending"] + plan.prorations + (new_cycle_lines(world, sub, at) if plan.reset else [])
    sub["_pending"] = []
    after = state_of(world, sub)
    _gate_on_invoice(world, sub, before, after, lines, billing_reason="subscription_update", period=(at, at),
                     proration_date=at, anchor=after["billing_cycle_anchor"] if plan.reset else None, t=t,
                     tracker=tracker)


def end_trial_if_paid(world: World, sub: dict, changes: list[ItemChange], t: int, tracker: Tracker) -> None:
    """`trial_end=now` with `payment_behavior=pending_if_incomplete`: the first period's invoice is charged while the
    subscription still trials; paid, the trial ends (with the item changes); unpaid, it keeps trialing and the end
    of the trial waits in `pending_update` like any other pending change."""
    before = state_of(world, sub, TRIAL_FIELDS)
    _apply_item_changes(world, sub, changes, t)
    sub.update(trial_end=t, _trial_will_end_sent=True)
    lines, period = next_period(world, sub)
    after = state_of(world, sub, TRIAL_FIELDS)
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
    put_state(world, sub, before, drop=set(after["_items"]) - set(before["_items"]))
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
        raise three_d_secure.action_required()
    if card.behaviour == "decline":
        code, message = DECLINES[card.decline_code or "generic_decline"]
        raise errors.card_error(message, code, decline_code=card.decline_code)


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
