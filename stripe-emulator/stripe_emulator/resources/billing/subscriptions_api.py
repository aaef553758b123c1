"""The subscriptions and subscription_items API resources over the billing engine."""

from __future__ import annotations

from ...engine import errors
from ...engine.events import Tracker, deferred, emit
from ...engine.params import get_bool, get_dict, get_int, get_list, get_metadata, get_str, in_range, range_filter
from ...engine.periods import DAY
from ...engine.render import paginate, render
from ...engine.routes import Ctx, api, retrieve
from ...engine.store import World
from .. import discounts, tax
from ..customers import live_customer
from ..meters import item_quantity
from .clock import settle
from .cycle import PAUSE_BEHAVIORS, new_cycle_lines, renew, start_subscription
from .dunning import run_invoice
from .invoices import new_invoice
from .proration import PRORATION_BEHAVIORS, end_trial_if_paid, plan_item_changes, require_payable, update_items
from .subscriptions import (
    ENDED,
    customer_payment_method,
    end_subscription,
    items_of,
    new_subscription,
    period_of,
    set_cancel_at_period_end,
    set_period,
)

PAYMENT_BEHAVIORS = ("allow_incomplete", "error_if_incomplete", "pending_if_incomplete", "default_incomplete")
# What the pending-updates reference allows with payment_behavior=pending_if_incomplete (items: price and quantity).
PENDING_UPDATE_PARAMS = ("expand", "payment_behavior", "proration_behavior", "proration_date", "billing_cycle_anchor",
                         "items", "trial_end", "trial_from_plan", "add_invoice_items")
PENDING_UPDATE_ITEM_PARAMS = ("id", "price", "quantity")
SUBSCRIPTION_STATUSES = ("active", "all", "canceled", "ended", "incomplete", "incomplete_expired", "past_due",
                         "paused", "trialing", "unpaid")


def _trial_end(params: dict, t: int) -> int | None:
    days = get_int(params, "trial_period_days", minimum=0)
    value = params.get("trial_end")
    if value not in (None, "") and value != "now":
        trial_end = get_int(params, "trial_end")
        if trial_end is not None and trial_end <= t:
            raise errors.invalid("Invalid timestamp: must be an integer Unix timestamp in the future.",
                                 param="trial_end")
        return trial_end
    return t + days * DAY if days else None


def _anchor(params: dict) -> tuple[int | None, dict | None]:
    """`billing_cycle_anchor` or `billing_cycle_anchor_config` (mutually exclusive) on creation."""
    anchor = get_int(params, "billing_cycle_anchor")
    if "billing_cycle_anchor_config" not in params:
        return anchor, None
    if anchor is not None:
        raise errors.invalid("You may only specify one of these parameters: billing_cycle_anchor, "
                             "billing_cycle_anchor_config.", param="billing_cycle_anchor_config")
    spec = get_dict(params, "billing_cycle_anchor_config")
    label = "billing_cycle_anchor_config[{}]".format
    config = {"day_of_month": get_int(spec, "day_of_month", param=label("day_of_month"), required=True, minimum=1),
              "hour": get_int(spec, "hour", param=label("hour"), minimum=0),
              "minute": get_int(spec, "minute", param=label("minute"), minimum=0),
              "month": get_int(spec, "month", param=label("month"), minimum=1),
              "second": get_int(spec, "second", param=label("second"), minimum=0)}
    highs = {"day_of_month": 31, "hour": 23, "minute": 59, "month": 12, "second": 59}
    for name, high in highs.items():
        if config[name] is not None and config[name] > high:
            raise errors.invalid(f"Invalid {label(name)}: must be less than or equal to {high}", param=label(name),
                                 code="parameter_invalid_integer")
    return None, config


@api("POST", "/v1/subscriptions", "subscriptions", "SubscriptionCreateParams")
def create_subscription(ctx: Ctx, params: dict) -> dict:
    world = ctx.world
    customer = live_customer(world, get_str(params, "customer", required=True))
    t = world.now_for(customer)
    items = []
    for i, spec in enumerate(get_list(params, "items")):
        price = world.get("prices", get_str(spec, "price", required=True, param=f"items[{i}][price]"),
                          param=f"items[{i}][price]", status=400)
        if not price["active"]:
            raise errors.invalid(f"The price specified ({price['id']}) is inactive. This field only accepts active "
                                 "prices.", param=f"items[{i}][price]")
        items.append((price, item_quantity(price, get_int(spec, "quantity", param=f"items[{i}][quantity]", minimum=1),
                                           f"items[{i}][quantity]", default=1)))
    if not items:
        raise errors.missing_parameter("items")
    payment_behavior = get_str(params, "payment_behavior", choices=PAYMENT_BEHAVIORS) or "allow_incomplete"
    pm = customer_payment_method(world, customer, get_str(params, "default_payment_method"),
                                  "default_payment_method")
    trial_end = _trial_end(params, t)
    if payment_behavior == "error_if_incomplete" and trial_end is None:
        require_payable(world, pm or customer["invoice_settings"]["default_payment_method"])
    anchor, anchor_config = _anchor(params)
    behavior = get_str(params, "proration_behavior", choices=PRORATION_BEHAVIORS) or "create_prorations"
    sub = new_subscription(world, customer, items, t, metadata=get_metadata(params), trial_end=trial_end,
                                   default_payment_method=pm, description=get_str(params, "description"),
                                   anchor=anchor, anchor_config=anchor_config, prorate=behavior != "none",
                                   automatic_tax=tax.setting(params))
    if "discounts" in params:
        discounts.set_subscription_discounts(world, sub, get_list(params, "discounts"), t)
    if get_bool(params, "cancel_at_period_end"):
        set_cancel_at_period_end(world, sub, True, t)
    with deferred(world, ("customer.subscription.created",)):
        start_subscription(world, sub, t, attempt_payment=payment_behavior != "default_incomplete")
    settle(world, sub)
    return render(world, "subscriptions", sub, ctx.expand)


retrieve("/v1/subscriptions/<id>", "subscriptions", "SubscriptionRetrieveParams")


@api("GET", "/v1/subscriptions", "subscriptions", "SubscriptionListParams")
def list_subscriptions(ctx: Ctx, params: dict) -> dict:
    customer = get_str(params, "customer")
    price = get_str(params, "price")
    status = get_str(params, "status", choices=SUBSCRIPTION_STATUSES)
    clock = get_str(params, "test_clock")
    created = range_filter(params, "created")

    def status_ok(sub: dict) -> bool:
        if status is None:
            return sub["status"] not in ENDED  # Stripe lists every subscription that has not been canceled
        if status == "all":
            return True
        if status == "ended":
            return sub["status"] in ENDED
        return sub["status"] == status

    items = [s for s in ctx.world.newest_first("subscriptions")
             if status_ok(s) and (customer is None or s["customer"] == customer)
             and (price is None or any(i["price"] == price for i in items_of(ctx.world, s)))
             and (clock is None or s["test_clock"] == clock) and in_range(s["created"], created)]
    return paginate(ctx.world, "subscriptions", items, params, "/v1/subscriptions", ctx.expand)


@api("POST", "/v1/subscriptions/<id>", "subscriptions", "SubscriptionUpdateParams")
def update_subscription(ctx: Ctx, params: dict, id: str) -> dict:
    world = ctx.world
    sub = world.get("subscriptions", id)
    if sub["status"] in ENDED and set(params) - {"metadata", "cancellation_details", "expand"}:
        raise errors.invalid("A canceled subscription can only update its cancellation_details and metadata.")
    t = world.now_for(sub)
    behavior = get_str(params, "proration_behavior", choices=PRORATION_BEHAVIORS) or "create_prorations"
    payment_behavior = get_str(params, "payment_behavior", choices=PAYMENT_BEHAVIORS) or "allow_incomplete"
    if payment_behavior == "pending_if_incomplete":
        _check_pending_update_params(params)
    proration_date = get_int(params, "proration_date")
    customer = world.get("customers", sub["customer"])
    changes = (plan_item_changes(world, sub, get_list(params, "items")) if "items" in params else [])
    trial_end_now = params.get("trial_end") == "now"
    new_trial_end = None if trial_end_now else get_int(params, "trial_end")
    if new_trial_end is not None and (sub["status"] != "trialing" or new_trial_end <= t):
        raise errors.invalid("trial_end can only move the end of a current trial to a future time.", param="trial_end")
    tracker = Tracker(world, "subscriptions", sub)
    if "discounts" in params:
        discounts.set_subscription_discounts(world, sub, get_list(params, "discounts"), t)
    sub["metadata"] = get_metadata(params, sub["metadata"])
    automatic_tax = tax.setting(params)
    if automatic_tax is not None:
        sub["automatic_tax"] = tax.of_subscription(automatic_tax)
    if "pause_collection" in params:
        _set_pause_collection(sub, params, t)
    if "description" in params:
        sub["description"] = get_str(params, "description") or None
    if "default_payment_method" in params:
        sub["default_payment_method"] = customer_payment_method(
            world, customer, get_str(params, "default_payment_method"), "default_payment_method")
    details = get_dict(params, "cancellation_details")
    comment, feedback = get_str(details, "comment"), get_str(details, "feedback")
    cancel_at_period_end = get_bool(params, "cancel_at_period_end")
    if cancel_at_period_end is not None:
        set_cancel_at_period_end(world, sub, cancel_at_period_end, t, comment=comment, feedback=feedback)
    elif details:
        sub["cancellation_details"].update({k: v or None for k, v in
                                            (("comment", comment), ("feedback", feedback)) if k in details})
    if "cancel_at" in params:
        _set_cancel_at(world, sub, params["cancel_at"], t)
    if new_trial_end is not None:
        # the anchor moves to the new trial end (an anchor set on creation too: the stub after the trial goes)
        sub.update(trial_end=new_trial_end, billing_cycle_anchor=new_trial_end, _trial_will_end_sent=False,
                   _anchored=False)
        set_period(world, sub, period_of(world, sub)[0], new_trial_end)
    if trial_end_now and sub["status"] == "trialing" and payment_behavior == "pending_if_incomplete":
        end_trial_if_paid(world, sub, changes, t, tracker)
        return render(world, "subscriptions", sub, ctx.expand)
    update_items(world, sub, changes, behavior=behavior, proration_date=proration_date, tracker=tracker,
                         payment_behavior=payment_behavior)
    if trial_end_now and sub["status"] == "trialing":
        sub.update(trial_end=t, _trial_will_end_sent=True)
        emit(world, "customer.subscription.trial_will_end", "subscriptions", sub, created=t)
        renew(world, sub, t, by_time=False)  # an API call's invoice is finalized and charged at once
    return render(world, "subscriptions", sub, ctx.expand)


def _set_pause_collection(sub: dict, params: dict, t: int) -> None:
    """`pause_collection[behavior]` (void, keep_as_draft or mark_uncollectible) and `[resumes_at]`; `""` resumes."""
    if params["pause_collection"] == "":
        sub["pause_collection"] = None
        return
    if sub["status"] not in ("active", "trialing", "past_due", "unpaid"):
        raise errors.invalid(f"A subscription with status {sub['status']} cannot pause payment collection.",
                             param="pause_collection")
    spec = get_dict(params, "pause_collection")
    behavior = get_str(spec, "behavior", required=True, param="pause_collection[behavior]",
                       choices=PAUSE_BEHAVIORS)
    resumes_at = get_int(spec, "resumes_at", param="pause_collection[resumes_at]")
    if resumes_at is not None and resumes_at <= t:
        raise errors.invalid("Invalid timestamp: must be an integer Unix timestamp in the future.",
                             param="pause_collection[resumes_at]")
    sub["pause_collection"] = {"behavior": behavior, "resumes_at": resumes_at}


def _check_pending_update_params(params: dict) -> None:
    unsupported = [name for name in params if name not in PENDING_UPDATE_PARAMS]
    for i, spec in enumerate(get_list(params, "items")):
        if isinstance(spec, dict):
            unsupported += [f"items[{i}][{name}]" for name in spec if name not in PENDING_UPDATE_ITEM_PARAMS]
    if unsupported:
        raise errors.invalid(
            "When `payment_behavior` is set to `pending_if_incomplete`, you can only pass supported params. "
            f"`{unsupported[0]}` is not supported. See https://stripe.com/docs/billing/subscriptions/"
            "pending-updates-reference#supported-attributes for more details.", param=unsupported[0])


def _set_cancel_at(world: World, sub: dict, value: object, t: int) -> None:
    if value in ("", None):
        sub.update(cancel_at=None, cancel_at_period_end=False, canceled_at=None)
        sub["cancellation_details"] = {"comment": None, "feedback": None, "reason": None}
        return
    if value in ("max_period_end", "min_period_end"):
        when = period_of(world, sub)[1]
    else:
        when = get_int({"cancel_at": value}, "cancel_at")
        if when is None or when <= t:
            raise errors.invalid("Invalid timestamp: must be an integer Unix timestamp in the future.",
                                 param="cancel_at")
    sub.update(cancel_at=when, cancel_at_period_end=False, canceled_at=t)
    sub["cancellation_details"]["reason"] = "cancellation_requested"


@api("DELETE", "/v1/subscriptions/<id>", "subscriptions", "SubscriptionCancelParams")
def cancel_subscription(ctx: Ctx, params: dict, id: str) -> dict:
    sub = ctx.world.get("subscriptions", id)
    if sub["status"] in ENDED:
        raise errors.invalid(f"This subscription is already {sub['status']}.")
    details = get_dict(params, "cancellation_details")
    for name in ("comment", "feedback"):
        if get_str(details, name):
            sub["cancellation_details"][name] = get_str(details, name)
    end_subscription(ctx.world, sub, reason="cancellation_requested")
    return render(ctx.world, "subscriptions", sub, ctx.expand)


@api("POST", "/v1/subscriptions/<id>/pause", "subscriptions", "SubscriptionPauseParams")
def pause_subscription(ctx: Ctx, params: dict, id: str) -> dict:
    sub = ctx.world.get("subscriptions", id)
    if sub["status"] not in ("active", "trialing", "past_due"):
        raise errors.invalid(f"A subscription with status {sub['status']} cannot be paused.")
    t = ctx.world.now_for(sub)
    tracker = Tracker(ctx.world, "subscriptions", sub)
    sub["status"] = "paused"
    tracker.emit_updated("customer.subscription.updated", created=t)
    emit(ctx.world, "customer.subscription.paused", "subscriptions", sub, created=t)
    return render(ctx.world, "subscriptions", sub, ctx.expand)


@api("POST", "/v1/subscriptions/<id>/resume", "subscriptions", "SubscriptionResumeParams")
def resume_subscription(ctx: Ctx, params: dict, id: str) -> dict:
    world = ctx.world
    sub = world.get("subscriptions", id)
    if sub["status"] != "paused":
        raise errors.invalid("Only a paused subscription can be resumed.")
    anchor = get_str(params, "billing_cycle_anchor", choices=("now", "unchanged")) or "now"
    t = world.now_for(sub)
    tracker = Tracker(world, "subscriptions", sub)
    if anchor == "unchanged":
        sub["status"] = "active"
        tracker.emit_updated("customer.subscription.updated", created=t)
    else:
        customer = world.get("customers", sub["customer"])
        lines = sub["_pending"] + new_cycle_lines(world, sub, t)
        sub["_pending"] = []
        invoice = new_invoice(world, customer, sub, billing_reason="subscription_cycle", lines=lines, t=t,
                                      period=(t, t))
        sub["latest_invoice"] = invoice["id"]
        run_invoice(world, sub, invoice, t, tracker=tracker, resuming=True)
    if sub["status"] == "active":
        emit(world, "customer.subscription.resumed", "subscriptions", sub, created=t)
    return render(world, "subscriptions", sub, ctx.expand)


@api("GET", "/v1/subscription_items", "subscriptions", "SubscriptionItemListParams")
def list_subscription_items(ctx: Ctx, params: dict) -> dict:
    sub = ctx.world.get("subscriptions", get_str(params, "subscription", required=True), param="subscription",
                        status=400)
    items = list(reversed(items_of(ctx.world, sub)))
    return paginate(ctx.world, "subscription_items", items, params,
                    f"/v1/subscription_items?subscription={sub['id']}", ctx.expand)


retrieve("/v1/subscription_items/<id>", "subscription_items", "SubscriptionItemRetrieveParams",
         resource="subscriptions")
