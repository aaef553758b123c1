"""Checkout sessions: a completed session links the customer to its user and starts the subscription or payment
record it paid for; in payment mode its async outcomes settle the payment."""
from __future__ import annotations

from typing import Any, Callable

from paykit import outbox
from paykit.processor.context import Ctx
from paykit.processor.projections.customers import link_customer
from paykit.processor.projections.payments import payment
from paykit.processor.projections.subscriptions import apply_subscription, subscription_base, subscription_reads
from paykit.processor.records import clean, with_listing
from paykit.store import keys
from paykit.stripe_objects import ONE_TIME, customer_id_of, id_of, session_targets, session_user

EXPIRE_KIND = "expire_open_checkouts"  # the outbox kind that expires a customer's other open sessions


def on_checkout_completed(ctx: Ctx) -> None:
    session = ctx.obj
    user_id, customer_id = session_user(session), customer_id_of(session)
    link_customer(ctx, user_id, customer_id)
    sub_id, pi = session_targets(session)
    if sub_id:
        expire_the_rest(ctx, session)
        old, new = subscription_base(ctx, sub_id)
        new["user_id"] = new.get("user_id") or user_id
        new["customer_id"] = new.get("customer_id") or customer_id
        # Status and periods come from customer.subscription.* (Stripe sends `created` for every checkout): the
        # record is listed once that state is known, whichever of the two events arrives first.
        ctx.change(old, with_listing(clean(new), ctx.project_id, ctx.mode, "subscription"))
    elif pi:
        paid = session.get("payment_status") in ("paid", "no_payment_required")
        expanded = session.get("payment_intent")
        known = (session.get("metadata") or {}).get("description") or (expanded.get("description") if isinstance(expanded, dict) else None)
        payment(ctx, pi, base_status="succeeded" if paid else "pending", amount=session.get("amount_total"),
                currency=session.get("currency"), created=session.get("created"), user_id=user_id, sub_id=None,
                description=known, describe=lambda: ctx.stripe.payment_description(ctx.project_id, ctx.mode, pi),
                transaction_type=ONE_TIME)


def observe_checkout_session(ctx: Ctx, session: dict[str, Any]) -> None:
    """A completed session read back from Stripe: in subscription mode its expanded subscription carries the state
    (checkout.session.completed alone would only link it), in payment mode it is what the event would record."""
    sub = session.get("subscription")
    if session.get("mode") == "subscription" and isinstance(sub, dict):
        expire_the_rest(ctx, session)
        user_id = session_user(session)
        link_customer(ctx, user_id, id_of(session.get("customer")))
        apply_subscription(ctx, {**sub, "metadata": {**(sub.get("metadata") or {}), "user_id": user_id}})
    else:
        on_checkout_completed(ctx)


def expire_the_rest(ctx: Ctx, session: dict[str, Any]) -> None:
    """Issue 18, item 10: once a subscription checkout completes, the customer's other open subscription sessions
    are expired (a page left open in another tab would sell a second subscription). The expiry leaves through the
    outbox in this transaction; the item is keyed by the session, so the webhook and the success page's read of
    the same completion write one item."""
    customer_id = customer_id_of(session)
    if customer_id:
        ctx.extra.append(outbox.item(EXPIRE_KIND, ctx.project_id, ctx.mode, session["id"],
                                     {"customer_id": customer_id, "keep": session["id"]}, ctx.created))


def on_checkout_async(succeeded: bool) -> Callable[[Ctx], None]:
    def handler(ctx: Ctx) -> None:
        session = ctx.obj
        _, pi = session_targets(session)
        if not pi:
            return
        payment(ctx, pi, base_status="succeeded" if succeeded else "failed", amount=session.get("amount_total"),
                currency=session.get("currency"), created=session.get("created"), user_id=session_user(session),
                sub_id=None, transaction_type=ONE_TIME)

    return handler


def session_reads(ctx: Ctx) -> list[dict[str, str]]:
    session = ctx.obj
    sub = session.get("subscription")
    if ctx.event["type"] == "paykit.observed.checkout_session" and isinstance(sub, dict):
        return subscription_reads(ctx, {**sub, "metadata": {"user_id": session_user(session)}})
    sub_id, pi = session_targets(session)
    if sub_id and not ctx.event["type"].startswith("checkout.session.async_"):  # async ones settle payments only
        return [keys.subscription(ctx.project_id, ctx.mode, sub_id)]
    return [keys.payment(ctx.project_id, ctx.mode, pi)] if pi else []
