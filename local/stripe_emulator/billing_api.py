"""The subscriptions, subscription_items, invoices and invoice_payments API resources over the billing engine."""

from __future__ import annotations

from . import billing, discounts, errors
from .billing import ENDED
from .cards import resolve_payment_method
from .catalog import live_customer
from .events import Tracker, deferred, emit
from .meters import item_quantity
from .params import (
    get_bool,
    get_dict,
    get_int,
    get_list,
    get_metadata,
    get_str,
    in_range,
    range_filter,
)
from .payments import DECLINED, REQUIRES_ACTION, card_error_for
from .render import paginate, render
from .routes import Ctx, api, retrieve
from .store import World

PRORATION_BEHAVIORS = ("create_prorations", "none", "always_invoice")
PAYMENT_BEHAVIORS = ("allow_incomplete", "error_if_incomplete", "pending_if_incomplete", "default_incomplete")
# What the pending-updates reference allows with payment_behavior=pending_if_incomplete (items: price and quantity).
PENDING_UPDATE_PARAMS = ("expand", "payment_behavior", "proration_behavior", "proration_date", "billing_cycle_anchor",
                         "items", "trial_end", "trial_from_plan", "add_invoice_items")
PENDING_UPDATE_ITEM_PARAMS = ("id", "price", "quantity")
SUBSCRIPTION_STATUSES = ("active", "all", "canceled", "ended", "incomplete", "incomplete_expired", "past_due",
                         "paused", "trialing", "unpaid")


def _customer_payment_method(world: World, customer: dict, value: str | None, param: str) -> str | None:
    if not value:
        return None
    pm = resolve_payment_method(world, value, param=param)
    if pm["customer"] is None:
        pm["customer"] = customer["id"]
    elif pm["customer"] != customer["id"]:
        raise errors.invalid(f"The customer does not have a payment method with the ID {value}. The payment method "
                             "must be attached to the customer.", param=param)
    return pm["id"]


def _trial_end(params: dict, t: int) -> int | None:
    days = get_int(params, "trial_period_days", minimum=0)
    value = params.get("trial_end")
    if value not in (None, "") and value != "now":
        trial_end = get_int(params, "trial_end")
        if trial_end is not None and trial_end <= t:
            raise errors.invalid("Invalid timestamp: must be an integer Unix timestamp in the future.",
                                 param="trial_end")
        return trial_end
    return t + days * billing.DAY if days else None


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


# --- subscriptions ------------------------------------------------------------------------------------------------


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
    pm = _customer_payment_method(world, customer, get_str(params, "default_payment_method"),
                                  "default_payment_method")
    trial_end = _trial_end(params, t)
    if payment_behavior == "error_if_incomplete" and trial_end is None:
        billing.require_payable(world, pm or customer["invoice_settings"]["default_payment_method"])
    anchor, anchor_config = _anchor(params)
    behavior = get_str(params, "proration_behavior", choices=PRORATION_BEHAVIORS) or "create_prorations"
    sub = billing.new_subscription(world, customer, items, t, metadata=get_metadata(params), trial_end=trial_end,
                                   default_payment_method=pm, description=get_str(params, "description"),
                                   anchor=anchor, anchor_config=anchor_config, prorate=behavior != "none")
    if "discounts" in params:
        discounts.set_subscription_discounts(world, sub, get_list(params, "discounts"), t)
    if get_bool(params, "cancel_at_period_end"):
        billing.set_cancel_at_period_end(world, sub, True, t)
    with deferred(world, ("customer.subscription.created",)):
        billing.start_subscription(world, sub, t, attempt_payment=payment_behavior != "default_incomplete")
    billing.settle(world, sub)
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
             and (price is None or any(i["price"] == price for i in billing.items_of(ctx.world, s)))
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
    changes = (billing.plan_item_changes(world, sub, get_list(params, "items")) if "items" in params else [])
    trial_end_now = params.get("trial_end") == "now"
    new_trial_end = None if trial_end_now else get_int(params, "trial_end")
    if new_trial_end is not None and (sub["status"] != "trialing" or new_trial_end <= t):
        raise errors.invalid("trial_end can only move the end of a current trial to a future time.", param="trial_end")
    tracker = Tracker(world, "subscriptions", sub)
    if "discounts" in params:
        discounts.set_subscription_discounts(world, sub, get_list(params, "discounts"), t)
    sub["metadata"] = get_metadata(params, sub["metadata"])
    if "description" in params:
        sub["description"] = get_str(params, "description") or None
    if "default_payment_method" in params:
        sub["default_payment_method"] = _customer_payment_method(
            world, customer, get_str(params, "default_payment_method"), "default_payment_method")
    details = get_dict(params, "cancellation_details")
    comment, feedback = get_str(details, "comment"), get_str(details, "feedback")
    cancel_at_period_end = get_bool(params, "cancel_at_period_end")
    if cancel_at_period_end is not None:
        billing.set_cancel_at_period_end(world, sub, cancel_at_period_end, t, comment=comment, feedback=feedback)
    elif details:
        sub["cancellation_details"].update({k: v or None for k, v in
                                            (("comment", comment), ("feedback", feedback)) if k in details})
    if "cancel_at" in params:
        _set_cancel_at(world, sub, params["cancel_at"], t)
    if new_trial_end is not None:
        # the anchor moves to the new trial end (an anchor set on creation too: the stub after the trial goes)
        sub.update(trial_end=new_trial_end, billing_cycle_anchor=new_trial_end, _trial_will_end_sent=False,
                   _anchored=False)
        billing.set_period(world, sub, billing.period_of(world, sub)[0], new_trial_end)
    if trial_end_now and sub["status"] == "trialing" and payment_behavior == "pending_if_incomplete":
        billing.end_trial_if_paid(world, sub, changes, t, tracker)
        return render(world, "subscriptions", sub, ctx.expand)
    billing.update_items(world, sub, changes, behavior=behavior, proration_date=proration_date, tracker=tracker,
                         payment_behavior=payment_behavior)
    if trial_end_now and sub["status"] == "trialing":
        sub.update(trial_end=t, _trial_will_end_sent=True)
        emit(world, "customer.subscription.trial_will_end", "subscriptions", sub, created=t)
        billing.renew(world, sub, t)
    return render(world, "subscriptions", sub, ctx.expand)


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
        when = billing.period_of(world, sub)[1]
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
    billing.end_subscription(ctx.world, sub, reason="cancellation_requested")
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
        lines = sub["_pending"] + billing.new_cycle_lines(world, sub, t)
        sub["_pending"] = []
        invoice = billing.new_invoice(world, customer, sub, billing_reason="subscription_cycle", lines=lines, t=t,
                                      period=(t, t))
        sub["latest_invoice"] = invoice["id"]
        billing.run_invoice(world, sub, invoice, t, tracker=tracker, resuming=True)
    if sub["status"] == "active":
        emit(world, "customer.subscription.resumed", "subscriptions", sub, created=t)
    return render(world, "subscriptions", sub, ctx.expand)


@api("GET", "/v1/subscription_items", "subscriptions", "SubscriptionItemListParams")
def list_subscription_items(ctx: Ctx, params: dict) -> dict:
    sub = ctx.world.get("subscriptions", get_str(params, "subscription", required=True), param="subscription",
                        status=400)
    items = list(reversed(billing.items_of(ctx.world, sub)))
    return paginate(ctx.world, "subscription_items", items, params,
                    f"/v1/subscription_items?subscription={sub['id']}", ctx.expand)


retrieve("/v1/subscription_items/<id>", "subscription_items", "SubscriptionItemRetrieveParams",
         resource="subscriptions")


# --- invoices -----------------------------------------------------------------------------------------------------


@api("GET", "/v1/invoices", "invoices", "InvoiceListParams")
def list_invoices(ctx: Ctx, params: dict) -> dict:
    customer = get_str(params, "customer")
    subscription = get_str(params, "subscription")
    status = get_str(params, "status", choices=("draft", "open", "paid", "uncollectible", "void"))
    created = range_filter(params, "created")
    items = [i for i in ctx.world.newest_first("invoices")
             if (customer is None or i["customer"] == customer) and (status is None or i["status"] == status)
             and (subscription is None or (billing.subscription_of(ctx.world, i) or {}).get("id") == subscription)
             and in_range(i["created"], created)]
    return paginate(ctx.world, "invoices", items, params, "/v1/invoices", ctx.expand)


retrieve("/v1/invoices/<id>", "invoices", "InvoiceRetrieveParams")


@api("POST", "/v1/invoices/<id>", "invoices", "InvoiceUpdateParams")
def update_invoice(ctx: Ctx, params: dict, id: str) -> dict:
    invoice = ctx.world.get("invoices", id)
    tracker = Tracker(ctx.world, "invoices", invoice)
    invoice["metadata"] = get_metadata(params, invoice["metadata"])
    if "description" in params:
        invoice["description"] = get_str(params, "description") or None
    tracker.emit_updated("invoice.updated")
    return render(ctx.world, "invoices", invoice, ctx.expand)


@api("GET", "/v1/invoices/<id>/lines", "invoices", "InvoiceListLinesParams")
def list_invoice_lines(ctx: Ctx, params: dict, id: str) -> dict:
    invoice = ctx.world.get("invoices", id)
    return paginate(ctx.world, None, invoice["lines"]["data"], params, f"/v1/invoices/{id}/lines", ctx.expand)


@api("POST", "/v1/invoices/<id>/pay", "invoices", "InvoicePayParams")
def pay_invoice(ctx: Ctx, params: dict, id: str) -> dict:
    world = ctx.world
    invoice = world.get("invoices", id)
    if get_bool(params, "paid_out_of_band"):
        if invoice["status"] != "open":
            raise errors.invalid(f"You can only pay an open invoice. This invoice is {invoice['status']}.")
        t = world.now_for(invoice)
        invoice.update(status="paid", amount_remaining=0, amount_paid_off_stripe=invoice["amount_due"],
                       next_payment_attempt=None)
        invoice["status_transitions"]["paid_at"] = t
        billing.emit_invoice_outcome(world, invoice, billing.SUCCEEDED, t)
        sub = billing.subscription_of(world, invoice)
        if sub is not None:
            billing.after_payment(world, sub, invoice, billing.SUCCEEDED, t)
        return render(world, "invoices", invoice, ctx.expand)
    customer = world.get("customers", invoice["customer"])
    pm = _customer_payment_method(world, customer, get_str(params, "payment_method"), "payment_method")
    outcome = billing.pay_invoice(world, invoice, pm)
    if outcome == REQUIRES_ACTION:
        raise errors.card_error("This payment requires additional user action before it can be completed "
                                "successfully.", "invoice_payment_intent_requires_action")
    if outcome == DECLINED:
        raise card_error_for(world, world.get("payment_intents", invoice["_payment_intent"]))
    return render(world, "invoices", invoice, ctx.expand)


@api("POST", "/v1/invoices/<id>/void", "invoices", "InvoiceVoidInvoiceParams")
def void_invoice(ctx: Ctx, params: dict, id: str) -> dict:
    invoice = ctx.world.get("invoices", id)
    if invoice["status"] != "open":
        raise errors.invalid(f"You can only void an open invoice. This invoice is {invoice['status']}.")
    billing.void_invoice(ctx.world, invoice, ctx.world.now_for(invoice))
    return render(ctx.world, "invoices", invoice, ctx.expand)


@api("POST", "/v1/invoices/create_preview", "invoices", "InvoiceCreatePreviewParams")
def create_preview(ctx: Ctx, params: dict) -> dict:
    world = ctx.world
    details = get_dict(params, "subscription_details")
    sub_id = get_str(params, "subscription")
    customer_id = get_str(params, "customer")
    if sub_id:
        sub = world.get("subscriptions", sub_id, param="subscription", status=400)
    elif customer_id:
        live_customer(world, customer_id)
        subs = [s for s in world.newest_first("subscriptions")
                if s["customer"] == customer_id and s["status"] not in ENDED]
        if not subs:
            raise errors.invalid("No upcoming invoices for customer: " + customer_id, code="invoice_upcoming_none")
        sub = subs[0]
    else:
        raise errors.invalid("You must provide either `customer` or `subscription`.", param="customer")
    if sub["status"] in ENDED:
        raise errors.invalid(f"No upcoming invoices for subscription: {sub['id']}", code="invoice_upcoming_none")
    behavior = get_str(details, "proration_behavior", param="subscription_details[proration_behavior]",
                       choices=PRORATION_BEHAVIORS) or "create_prorations"
    at = get_int(details, "proration_date", param="subscription_details[proration_date]") or world.now_for(sub)
    changes = billing.plan_item_changes(world, sub, get_list(details, "items"), param="subscription_details[items]")
    return render(world, "invoices", billing.preview(world, sub, changes, behavior, at), ctx.expand)


@api("GET", "/v1/invoice_payments", "invoices", "InvoicePaymentListParams")
def list_invoice_payments(ctx: Ctx, params: dict) -> dict:
    invoice = get_str(params, "invoice")
    items = [p for p in ctx.world.newest_first("invoice_payments") if invoice is None or p["invoice"] == invoice]
    return paginate(ctx.world, "invoice_payments", items, params, "/v1/invoice_payments", ctx.expand)


retrieve("/v1/invoice_payments/<id>", "invoice_payments", "InvoicePaymentRetrieveParams", resource="invoices")

