"""The end user's own subscription and payments (E14-E18, resume, preview): scoped by the token's project and sub."""
from __future__ import annotations

from typing import Any

from paykit.auth import Principal
from paykit.errors import BadRequest, NotFound, PaymentRequired
from paykit.models.subscriptions import (
    CancelOut,
    PaymentList,
    PaymentOut,
    PortalOut,
    PreviewOut,
    SubscriptionOut,
    UpdateOut,
)
from paykit import replay
from paykit.observability import logger
from paykit.processor import EventProcessor, default_processor
from paykit.scope import Scope, check_redirect_url, scope_of
from paykit.store.paging import decode_cursor, encode_cursor
from paykit.store import keys
from paykit.store.table import Table, default_table
from paykit.stripe_gateway import StripeGateway, default_gateway
from paykit.stripe_objects import payment_intent_of, ts

# Decision 18: the newest of these first, else the newest final one.
NON_FINAL = ("active", "trialing", "past_due", "unpaid", "incomplete", "paused")
# A subscription whose latest invoice is unpaid: resuming it pays that invoice first.
UNPAID = ("past_due", "unpaid")
# Decision 14: what counts as "already subscribed" for E12.
SUBSCRIBED = ("active", "trialing", "past_due")


# ---------------------------------------------------------------------- records of the user


def user_subscriptions(table: Table, scope: Scope) -> list[dict[str, Any]]:
    """Newest first, every subscription of the user (a handful per user: one gsi2 Query page in practice)."""
    return list(table.query_all("gsi2pk = :pk", {":pk": keys.user_subscriptions_gsi(scope.project_id, scope.mode,
                                                                                     scope.user_id)},
                                index=keys.GSI2, newest_first=True))


def most_relevant(subs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Decision 18: the newest non-final subscription, else the newest final one, else None."""
    return next((s for s in subs if s.get("status") in NON_FINAL), subs[0] if subs else None)


def get_my_subscription(caller: Principal, test_mode: bool, table: Table | None = None) -> SubscriptionOut | None:
    table = table or default_table()
    scope = scope_of(caller, test_mode, table, cached=True)
    chosen = most_relevant(user_subscriptions(table, scope))
    return SubscriptionOut.model_validate(chosen) if chosen else None


def _count(table: Table, partition: str) -> int:
    """Exact count of one user's payments (their gsi2 partition; no per-user counter exists)."""
    return table.count("gsi2pk = :pk", {":pk": partition}, index=keys.GSI2)


def list_my_payments(caller: Principal, test_mode: bool, page: int, page_size: int, cursor: str | None = None,
                     table: Table | None = None) -> PaymentList:
    """Newest first (decision 23). `cursor` pages at constant cost; `page` reads past the earlier pages. `total` is
    known without a count when this read reached the end of the list; otherwise one COUNT query gives it."""
    table = table or default_table()
    scope = scope_of(caller, test_mode, table, cached=True)
    partition = keys.user_payments_gsi(scope.project_id, scope.mode, scope.user_id)
    start = None
    if cursor:  # the cursor names its page; it is refused unless it was made for this very user's list
        page, start = decode_cursor(cursor, "payment", keys.GSI2, partition)
    skip = 0 if cursor else (page - 1) * page_size
    items, last = table.query_page("gsi2pk = :pk", {":pk": partition}, index=keys.GSI2, limit=skip + page_size,
                                   start_key=start, newest_first=True)
    rows = items[skip:]
    total = len(items) if last is None and cursor is None else _count(table, partition)
    return PaymentList(payments=[PaymentOut.model_validate(i) for i in rows], total=total, page=page,
                       page_size=page_size,
                       next_cursor=encode_cursor("payment", keys.GSI2, partition, page + 1, rows[-1])
                       if last and rows else None)


# ---------------------------------------------------------------------- changes through Stripe


def customer_of(table: Table, scope: Scope, consistent: bool = False) -> str | None:
    item = table.get(keys.customer_of_user(scope.project_id, scope.mode, scope.user_id), consistent=consistent)
    return item.get("customer_id") if item else None


def create_portal_session(caller: Principal, test_mode: bool, return_url: str, client_key: str | None = None,
                          table: Table | None = None, gateway: StripeGateway | None = None) -> PortalOut:
    table, gateway = table or default_table(), gateway or default_gateway()
    scope = scope_of(caller, test_mode, table)
    return_url = check_redirect_url(scope, "return_url", return_url)
    customer_id = customer_of(table, scope)
    if customer_id is None:
        raise NotFound("No Stripe customer found for this user")
    options = _options(scope.idempotency_key("portal", client_key, return_url))
    session = gateway.call(scope.project_id, scope.mode, lambda c: c.v1.billing_portal.sessions.create(
        {"customer": customer_id, "return_url": return_url}, options))
    return PortalOut(portal_url=session.url)


def _options(idempotency_key: str | None) -> dict[str, Any]:
    return {"idempotency_key": idempotency_key} if idempotency_key else {}


def _current(table: Table, scope: Scope, action: str) -> dict[str, Any]:
    chosen = most_relevant(user_subscriptions(table, scope))
    if chosen is None or chosen.get("status") not in NON_FINAL:
        raise NotFound(f"No active subscription to {action}")
    return chosen


def _record(processor: EventProcessor, gateway: StripeGateway, scope: Scope, sub: Any) -> dict[str, Any]:
    """Decision 17: Stripe's answer is recorded at once, through the processor's guarded write path, and returned.

    A replayed idempotent request (`Idempotent-Replayed: true`) gets the original response, which a later change may
    have made stale: the caller still gets that answer (the retry's meaning), but what is recorded is Stripe's current
    object, so a retry never overwrites newer state (decision 10; issue 11, item 1)."""
    answer = sub.to_dict()
    current = answer
    if _replayed(sub):
        current = gateway.call(scope.project_id, scope.mode,
                               lambda c: c.v1.subscriptions.retrieve(answer["id"])).to_dict()
    processor.apply_stripe_object(scope.project_id, scope.mode, "subscription", current)
    return answer


def _replayed(obj: Any) -> bool:
    response = getattr(obj, "last_response", None)
    headers = getattr(response, "headers", None) or {}
    return any(k.lower() == "idempotent-replayed" and str(v).lower() == "true" for k, v in headers.items())


def cancel_subscription(caller: Principal, test_mode: bool, cancel_immediately: bool, client_key: str | None = None,
                        table: Table | None = None, gateway: StripeGateway | None = None,
                        processor: EventProcessor | None = None) -> CancelOut:
    table, gateway, processor = table or default_table(), gateway or default_gateway(), processor or default_processor()
    scope = scope_of(caller, test_mode, table)
    sub_id = replay.plan(caller, scope.mode, "cancel", client_key, {"cancel_immediately": cancel_immediately},
                         lambda: {"subscription_id": _current(table, scope, "cancel")["subscription_id"]}
                         )["subscription_id"]
    if cancel_immediately:
        sub = gateway.call(scope.project_id, scope.mode, lambda c: _cancel_now(c, sub_id))
    else:
        options = _options(scope.idempotency_key("cancel", client_key, sub_id))
        sub = gateway.call(scope.project_id, scope.mode, lambda c: c.v1.subscriptions.update(
            sub_id, {"cancel_at_period_end": True}, options))
    obj = _record(processor, gateway, scope, sub)
    immediate = obj.get("status") == "canceled"
    return CancelOut(
        subscription_id=sub_id, status=obj["status"], cancel_at=None if immediate else ts(obj.get("cancel_at")),
        cancelled_at=ts(obj.get("canceled_at")),
        message=("Subscription has been canceled immediately." if immediate
                 else "Subscription will be canceled at the end of the current billing period."))


def _cancel_now(c: Any, sub_id: str) -> Any:
    """DELETE takes no idempotency key: when an earlier attempt timed out after Stripe carried it out, Stripe refuses
    the retry (already canceled) and its current object is the answer, so the retry records the cancellation."""
    import stripe

    try:
        return c.v1.subscriptions.cancel(sub_id)
    except stripe.InvalidRequestError:
        sub = c.v1.subscriptions.retrieve(sub_id)
        if sub.status != "canceled":
            raise
        return sub


def resume_subscription(caller: Principal, test_mode: bool, client_key: str | None = None,
                        table: Table | None = None, gateway: StripeGateway | None = None,
                        processor: EventProcessor | None = None) -> CancelOut:
    """Undoes a scheduled cancellation before it takes effect (Pay's and Cashier's `resume`)."""
    table, gateway, processor = table or default_table(), gateway or default_gateway(), processor or default_processor()
    scope = scope_of(caller, test_mode, table)

    def decide() -> dict[str, Any]:
        current = _current(table, scope, "resume")
        if not current.get("cancel_at"):
            raise BadRequest("The subscription is not scheduled for cancellation")
        return {"subscription_id": current["subscription_id"], "unpaid": current.get("status") in UNPAID}

    target = replay.plan(caller, scope.mode, "resume", client_key, {}, decide)
    sub_id = target["subscription_id"]
    if target["unpaid"]:
        _pay_open_invoice(gateway, scope, sub_id)
    options = _options(scope.idempotency_key("resume", client_key, sub_id))
    sub = gateway.call(scope.project_id, scope.mode, lambda c: c.v1.subscriptions.update(
        sub_id, {"cancel_at_period_end": False, "cancel_at": ""}, options))
    obj = _record(processor, gateway, scope, sub)
    return CancelOut(subscription_id=sub_id, status=obj["status"], cancel_at=ts(obj.get("cancel_at")),
                     cancelled_at=ts(obj.get("canceled_at")), message="Subscription resumed; it renews as before.")


def _pay_open_invoice(gateway: StripeGateway, scope: Scope, sub_id: str) -> None:
    """Resuming a subscription whose last invoice is unpaid pays it first: a decline is a 402 and the cancellation
    stays scheduled (issue 11, item 7's rule for resume). An `unpaid` subscription's latest invoice is a draft
    Stripe never advances (it invoices each period without attempting payment): it is finalized to be paid."""
    def pay(c: Any) -> None:
        invoice = c.v1.subscriptions.retrieve(sub_id, {"expand": ["latest_invoice"]}).latest_invoice
        if invoice is not None and invoice.status == "draft" and not invoice.auto_advance:
            invoice = c.v1.invoices.finalize_invoice(invoice.id)
        if invoice is not None and invoice.status == "open":
            c.v1.invoices.pay(invoice.id)

    gateway.call(scope.project_id, scope.mode, pay)


def _decline_message(gateway: StripeGateway, scope: Scope, invoice: Any) -> str:
    """Stripe's message for the payment that left a pending update: the invoice's payment intent's last error."""
    invoice_id = invoice.get("id") if isinstance(invoice, dict) else invoice

    def read(c: Any) -> str | None:
        if not invoice_id:
            return None
        pi = payment_intent_of(c.v1.invoice_payments.list({"invoice": invoice_id}).to_dict().get("data") or [])
        if pi is None:
            return None
        intent = c.v1.payment_intents.retrieve(pi)
        if intent.status == "requires_action":
            return "The payment for this change requires authentication; the plan was not changed"
        error = intent.last_payment_error
        return error.message if error else None

    return gateway.call(scope.project_id, scope.mode, read) or "The payment for this change failed"


def _plan_change(gateway: StripeGateway, scope: Scope, sub_id: str, new_price_id: str) -> tuple[dict, dict, dict]:
    """The subscription's first item and the new price, checked to be a compatible recurring price (400 otherwise)."""
    import stripe

    def read(c: Any) -> tuple[Any, Any]:
        sub = c.v1.subscriptions.retrieve(sub_id)
        try:
            price = c.v1.prices.retrieve(new_price_id)
        except stripe.InvalidRequestError as exc:
            if exc.code == "resource_missing":
                raise BadRequest(f"Unknown price: {new_price_id}") from exc
            raise
        return sub, price

    sub, price = gateway.call(scope.project_id, scope.mode, read)
    sub, price = sub.to_dict(), price.to_dict()
    item = sub["items"]["data"][0]
    old = item["price"]
    if not price.get("active", True):
        raise BadRequest("The price is not active")
    if not price.get("recurring"):
        raise BadRequest("Incompatible plan: the price is one-time, not recurring")
    if price.get("currency") != old.get("currency"):
        raise BadRequest(f"Incompatible plan: the price is in {price.get('currency')}, the subscription in "
                         f"{old.get('currency')}")
    if price["id"] == old["id"]:
        raise BadRequest("The subscription is already on this price")
    return sub, item, price


def update_subscription(caller: Principal, test_mode: bool, new_price_id: str, proration_behavior: str,
                        client_key: str | None = None, table: Table | None = None,
                        gateway: StripeGateway | None = None, processor: EventProcessor | None = None) -> UpdateOut:
    table, gateway, processor = table or default_table(), gateway or default_gateway(), processor or default_processor()
    scope = scope_of(caller, test_mode, table)

    def decide() -> dict[str, Any]:
        sub_id = _current(table, scope, "update")["subscription_id"]
        _, item, price = _plan_change(gateway, scope, sub_id, new_price_id)
        return {"subscription_id": sub_id, "item_id": item["id"], "price_id": price["id"]}

    target = replay.plan(caller, scope.mode, "update", client_key,
                         {"new_price_id": new_price_id, "proration_behavior": proration_behavior}, decide)
    sub_id, price_id = target["subscription_id"], target["price_id"]
    options = _options(scope.idempotency_key("update", client_key, sub_id, new_price_id, proration_behavior))
    # Stripe's pending updates: a change whose invoice is not paid is not applied (issue 11, item 7).
    sub = gateway.call(scope.project_id, scope.mode, lambda c: c.v1.subscriptions.update(
        sub_id, {"items": [{"id": target["item_id"], "price": price_id}], "proration_behavior": proration_behavior,
                 "payment_behavior": "pending_if_incomplete"}, options))
    obj = _record(processor, gateway, scope, sub)
    if obj.get("pending_update"):
        raise PaymentRequired(_decline_message(gateway, scope, obj.get("latest_invoice")))
    return UpdateOut(subscription_id=sub_id, status=obj["status"], price_id=price_id,
                     message="Subscription updated to new plan successfully.")


def preview_subscription_update(caller: Principal, test_mode: bool, new_price_id: str, proration_behavior: str,
                                table: Table | None = None, gateway: StripeGateway | None = None) -> PreviewOut:
    """Stripe's invoice preview of the change; nothing is written, in Stripe or here."""
    table, gateway = table or default_table(), gateway or default_gateway()
    scope = scope_of(caller, test_mode, table)
    sub_id = _current(table, scope, "preview")["subscription_id"]
    _, item, price = _plan_change(gateway, scope, sub_id, new_price_id)
    preview = gateway.call(scope.project_id, scope.mode, lambda c: c.v1.invoices.create_preview({
        "subscription": sub_id,
        "subscription_details": {"items": [{"id": item["id"], "price": price["id"]}],
                                 "proration_behavior": proration_behavior},
    })).to_dict()
    amount = int(preview.get("amount_due") or 0)
    regular = int(price.get("unit_amount") or 0) * int(1 if item.get("quantity") is None else item["quantity"])
    # always_invoice: the preview is the invoice charged now and the next one is the plain new price;
    # otherwise nothing is charged now and the preview is the next invoice, prorations included.
    now_amount, next_amount = (amount, regular) if proration_behavior == "always_invoice" else (0, amount)
    return PreviewOut(subscription_id=sub_id, price_id=price["id"], proration_behavior=proration_behavior,
                      currency=preview.get("currency") or price.get("currency"), amount_due_now=now_amount,
                      next_invoice_amount=next_amount,
                      next_invoice_at=ts(preview.get("next_payment_attempt") or preview.get("period_end")))


# ---------------------------------------------------------------------- a caught duplicate (issue 18, item 10)


def send_cancel_duplicate(item: dict[str, Any], gateway: StripeGateway) -> None:
    """The outbox sender of a second subscription that arrived without `allow_existing_subscription`: canceled at
    once, without proration, and each of its paid invoices refunded in full (docs/decisions.md). Idempotent: a
    canceled subscription stays canceled, each refund carries a key derived from its payment intent."""
    import stripe

    payload = item["payload"]
    sub_id, first = payload["subscription_id"], payload["duplicate_of"]
    note = f"PayKit: a second subscription of the user beside {first}, made without allow_existing_subscription"

    def run(c: Any) -> None:
        if c.v1.subscriptions.retrieve(first).status not in SUBSCRIBED:
            logger.info("duplicate kept: the subscription it duplicated is no longer live", subscription_id=sub_id)
            return  # the user ended the first one meanwhile: the second is now their only one
        if c.v1.subscriptions.retrieve(sub_id).status != "canceled":
            try:
                c.v1.subscriptions.cancel(sub_id, {"cancellation_details": {"comment": note}})  # no proration (default)
            except stripe.InvalidRequestError:
                if c.v1.subscriptions.retrieve(sub_id).status != "canceled":
                    raise
        for invoice in c.v1.invoices.list({"subscription": sub_id, "status": "paid", "limit": 100}).data:
            paid = c.v1.invoice_payments.list({"invoice": invoice.id}).to_dict().get("data") or []
            intent = payment_intent_of(paid)
            if not intent or not invoice.amount_paid:
                continue
            try:
                c.v1.refunds.create({"payment_intent": intent, "reason": "duplicate",
                                     "metadata": {"paykit_duplicate_of": first, "subscription_id": sub_id}},
                                    {"idempotency_key": f"paykit-duplicate-refund-{intent}"})
            except stripe.InvalidRequestError as exc:
                if exc.code != "charge_already_refunded":
                    raise

    gateway.call(item["project_id"], item["mode"], run)
