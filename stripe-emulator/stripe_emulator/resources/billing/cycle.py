"""A subscription through time: its first invoice, the next period (after a trial, a stub up to an anchor, a cycle
restarted by a change of billing period), renewal, and incomplete expiry."""

from __future__ import annotations

from ...engine.events import Tracker, emit
from ...engine.periods import DAY
from ...engine.store import World
from .dunning import run_invoice
from .invoices import finalize, new_invoice, void_invoice
from .lines import Line, regular_lines, stub_lines, usage_lines
from .subscriptions import cycle_period, period_of, recurring_of, set_period

INCOMPLETE_EXPIRY = 23 * 3600  # an unpaid first invoice leaves the subscription incomplete_expired after 23 hours


PAUSE_BEHAVIORS = ("keep_as_draft", "mark_uncollectible", "void")
TRIAL_WILL_END_NOTICE = 3 * DAY


def start_subscription(world: World, sub: dict, t: int, *, payment_method: str | None = None,
                       attempt_payment: bool = True, announce_first: bool = False) -> str | None:
    """The first invoice of a new subscription (a $0 one during a trial); emits `customer.subscription.created`
    once the subscription's status is known, or, with `announce_first` (Checkout), before the payment: `incomplete`
    (`trialing` with a trial), then `customer.subscription.updated` to `active` once the invoice is paid, as Stripe
    does for a subscription-mode Checkout Session. Callers wrap this in `deferred` to order the events."""
    customer = world.get("customers", sub["customer"])
    start, end = period_of(world, sub)
    trial = sub["trial_end"] is not None
    lines = stub_lines(world, sub, start) if sub["_cycle"] < 0 else regular_lines(world, sub, start, end, trial=trial)
    invoice = new_invoice(world, customer, sub, billing_reason="subscription_create", lines=lines, t=t,
                          period=(t, t))
    sub["latest_invoice"] = invoice["id"]
    if trial:
        sub["status"] = "trialing"
    if announce_first:
        sub["_announced"] = True
        emit(world, "customer.subscription.created", "subscriptions", sub, created=t)
    outcome = run_invoice(world, sub, invoice, t, payment_method=payment_method, attempt_payment=attempt_payment)
    if not announce_first:
        sub["_announced"] = True
        emit(world, "customer.subscription.created", "subscriptions", sub, created=t)
    return outcome


def next_period(world: World, sub: dict) -> tuple[list[Line], tuple[int, int]]:
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
        start, end = cycle_period(sub, recurring)
        set_period(world, sub, start, end)
        due = regular_lines(world, sub, start, end)
    lines, sub["_pending"] = sub["_pending"] + usage + due, []
    return lines, (old_start, old_end)


def new_cycle_lines(world: World, sub: dict, at: int) -> list[Line]:
    recurring = recurring_of(world, sub)
    usage = usage_lines(world, sub, period_of(world, sub)[0], at)  # the cut-short period's usage
    sub.update(billing_cycle_anchor=at, billing_cycle_anchor_config=None, _cycle=0)
    start, end = cycle_period(sub, recurring)
    set_period(world, sub, start, end)
    return usage + regular_lines(world, sub, start, end)


def renew(world: World, sub: dict, t: int, *, by_time: bool = True) -> None:
    """The end of a period (or of the trial): the next period starts and its invoice is created as a draft, which
    Stripe finalizes and charges about an hour later (the account's `renewal_finalize_delay`, see
    `finalize_renewal`; at once when an API call ended the trial, `by_time=False`); while payment collection is
    paused it is kept as a draft, voided or marked uncollectible."""
    tracker = Tracker(world, "subscriptions", sub)
    lines, period = next_period(world, sub)
    customer = world.get("customers", sub["customer"])
    invoice = new_invoice(world, customer, sub, billing_reason="subscription_cycle", lines=lines, t=t, period=period)
    sub["latest_invoice"] = invoice["id"]
    tracker.emit_updated("customer.subscription.updated", created=t)
    delay = world.account.renewal_finalize_delay if by_time else 0
    if sub["pause_collection"]:
        _uncollected(world, invoice, sub["pause_collection"]["behavior"], t)
    elif sub["status"] == "unpaid":
        # Stripe keeps invoicing an unpaid subscription but attempts no payment: the invoice stays a draft.
        invoice["auto_advance"] = False
        emit(world, "invoice.created", "invoices", invoice, created=t)
    elif delay > 0:
        invoice["automatically_finalizes_at"] = t + delay
        emit(world, "invoice.created", "invoices", invoice, created=t)
    else:
        run_invoice(world, sub, invoice, t)


def finalize_renewal(world: World, sub: dict, invoice: dict, t: int) -> None:
    """A renewal draft's hour is over: Stripe finalizes it and attempts its payment."""
    run_invoice(world, sub, invoice, t, created=False)


def _uncollected(world: World, invoice: dict, behavior: str, t: int) -> None:
    """A renewal invoice while payment collection is paused: Stripe creates it, then leaves it a draft
    (`keep_as_draft`, not advanced automatically), voids it (`void`) or finalizes it as uncollectible
    (`mark_uncollectible`); the subscription's status does not change."""
    emit(world, "invoice.created", "invoices", invoice, created=t)
    if behavior == "keep_as_draft":
        invoice["auto_advance"] = False
        return
    finalize(world, invoice, t)
    emit(world, "invoice.finalized", "invoices", invoice, created=t)
    if behavior == "void":
        void_invoice(world, invoice, t)
        return
    invoice.update(status="uncollectible", next_payment_attempt=None)
    invoice["status_transitions"]["marked_uncollectible_at"] = t
    emit(world, "invoice.marked_uncollectible", "invoices", invoice, created=t)


def resume_collection(world: World, sub: dict, t: int) -> None:
    """`pause_collection[resumes_at]` reached: invoices are collected again from the next one."""
    tracker = Tracker(world, "subscriptions", sub)
    sub["pause_collection"] = None
    tracker.emit_updated("customer.subscription.updated", created=t)


def expire_incomplete(world: World, sub: dict, t: int) -> None:
    invoice = world.find("invoices", sub["latest_invoice"])
    if invoice is not None and invoice["status"] == "open":
        void_invoice(world, invoice, t)
    tracker = Tracker(world, "subscriptions", sub)
    sub.update(status="incomplete_expired", ended_at=t)
    tracker.emit_updated("customer.subscription.updated", created=t)
    emit(world, "customer.subscription.deleted", "subscriptions", sub, created=t)
