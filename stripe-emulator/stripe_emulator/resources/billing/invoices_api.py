"""The invoices and invoice_payments API resources: list, retrieve, update, lines, finalize, pay, void,
create_preview."""

from __future__ import annotations

from ...engine import errors
from ...engine.params import get_bool, get_dict, get_int, get_list, get_metadata, get_str, in_range, range_filter
from ...engine.render import paginate, render
from ...engine.routes import Ctx, api, retrieve, update
from .. import tax, three_d_secure
from ..customers import live_customer
from ..payments import DECLINED, REQUIRES_ACTION, SUCCEEDED, card_error_for
from .cycle import finalize_renewal
from .dunning import after_payment, pay_invoice, run_invoice
from .invoices import emit_invoice_outcome, void_invoice
from .proration import PRORATION_BEHAVIORS, plan_item_changes, preview
from .subscriptions import ENDED, customer_payment_method, subscription_of

@api("GET", "/v1/invoices", "invoices", "InvoiceListParams")
def list_invoices(ctx: Ctx, params: dict) -> dict:
    customer = get_str(params, "customer")
    subscription = get_str(params, "subscription")
    status = get_str(params, "status", choices=("draft", "open", "paid", "uncollectible", "void"))
    created = range_filter(params, "created")
    items = [i for i in ctx.world.newest_first("invoices")
             if (customer is None or i["customer"] == customer) and (status is None or i["status"] == status)
             and (subscription is None or (subscription_of(ctx.world, i) or {}).get("id") == subscription)
             and in_range(i["created"], created)]
    return paginate(ctx.world, "invoices", items, params, "/v1/invoices", ctx.expand)


retrieve("/v1/invoices/<id>", "invoices", "InvoiceRetrieveParams")


@update("/v1/invoices/<id>", "invoices", "InvoiceUpdateParams", event="invoice.updated")
def update_invoice(ctx: Ctx, params: dict, invoice: dict) -> None:
    invoice["metadata"] = get_metadata(params, invoice["metadata"])
    if "description" in params:
        invoice["description"] = get_str(params, "description") or None


@api("GET", "/v1/invoices/<id>/lines", "invoices", "InvoiceListLinesParams")
def list_invoice_lines(ctx: Ctx, params: dict, id: str) -> dict:
    invoice = ctx.world.get("invoices", id)
    return paginate(ctx.world, None, invoice["lines"]["data"], params, f"/v1/invoices/{id}/lines", ctx.expand)


@api("POST", "/v1/invoices/<id>/pay", "invoices", "InvoicePayParams")
def pay_invoice_route(ctx: Ctx, params: dict, id: str) -> dict:
    world = ctx.world
    invoice = world.get("invoices", id)
    if get_bool(params, "paid_out_of_band"):
        if invoice["status"] != "open":
            raise errors.invalid(f"You can only pay an open invoice. This invoice is {invoice['status']}.")
        t = world.now_for(invoice)
        invoice.update(status="paid", amount_remaining=0, amount_paid_off_stripe=invoice["amount_due"],
                       next_payment_attempt=None)
        invoice["status_transitions"]["paid_at"] = t
        emit_invoice_outcome(world, invoice, SUCCEEDED, t)
        sub = subscription_of(world, invoice)
        if sub is not None:
            after_payment(world, sub, invoice, SUCCEEDED, t)
        return render(world, "invoices", invoice, ctx.expand)
    customer = world.get("customers", invoice["customer"])
    pm = customer_payment_method(world, customer, get_str(params, "payment_method"), "payment_method")
    outcome = pay_invoice(world, invoice, pm)
    if outcome == REQUIRES_ACTION:
        raise three_d_secure.action_required()
    if outcome == DECLINED:
        raise card_error_for(world, world.get("payment_intents", invoice["_payment_intent"]))
    return render(world, "invoices", invoice, ctx.expand)


@api("POST", "/v1/invoices/<id>/finalize", "invoices", "InvoiceFinalizeInvoiceParams")
def finalize_invoice_route(ctx: Ctx, params: dict, id: str) -> dict:
    """Finalizes a draft now. A renewal still in its hour is charged too, as automatic collection then does; a
    draft Stripe does not advance (an unpaid subscription's, a paused collection's) is left open to be paid."""
    world = ctx.world
    invoice = world.get("invoices", id)
    if invoice["status"] != "draft":
        raise errors.invalid("This invoice is already finalized, you can't re-finalize a non-draft invoice.")
    auto_advance = get_bool(params, "auto_advance")
    if auto_advance is not None:
        invoice["auto_advance"] = auto_advance
    sub, t = subscription_of(world, invoice), world.now_for(invoice)
    if invoice["automatically_finalizes_at"] and invoice["auto_advance"]:
        finalize_renewal(world, sub, invoice, t)
    else:
        run_invoice(world, sub, invoice, t, attempt_payment=False, created=False)
    return render(world, "invoices", invoice, ctx.expand)


@api("POST", "/v1/invoices/<id>/void", "invoices", "InvoiceVoidInvoiceParams")
def void_invoice_route(ctx: Ctx, params: dict, id: str) -> dict:
    invoice = ctx.world.get("invoices", id)
    if invoice["status"] != "open":
        raise errors.invalid(f"You can only void an open invoice. This invoice is {invoice['status']}.")
    void_invoice(ctx.world, invoice, ctx.world.now_for(invoice))
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
    changes = plan_item_changes(world, sub, get_list(details, "items"), param="subscription_details[items]")
    invoice = preview(world, sub, changes, behavior, at)
    automatic_tax = tax.setting(params)
    if automatic_tax is not None:
        invoice["automatic_tax"] = tax.of_invoice(automatic_tax)
    return render(world, "invoices", invoice, ctx.expand)


@api("GET", "/v1/invoice_payments", "invoices", "InvoicePaymentListParams")
def list_invoice_payments(ctx: Ctx, params: dict) -> dict:
    invoice = get_str(params, "invoice")
    items = [p for p in ctx.world.newest_first("invoice_payments") if invoice is None or p["invoice"] == invoice]
    return paginate(ctx.world, "invoice_payments", items, params, "/v1/invoice_payments", ctx.expand)


retrieve("/v1/invoice_payments/<id>", "invoice_payments", "InvoicePaymentRetrieveParams", resource="invoices")
