"""Stripe event payloads in API version 2026-10-28's shapes, and deliveries signed as Stripe signs them."""
from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any

_counter = itertools.count(1)


def signature_header(body: bytes, secret: str, timestamp: int | None = None, extra_v1: list[str] | None = None) -> str:
    """`t=...,v1=hex(hmac_sha256(secret, "t.body"))`, as stripe.WebhookSignature checks it."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return ",".join([f"t={t}", *(f"v1={v}" for v in (extra_v1 or [])), f"v1={digest}"])


def event(type_: str, obj: dict[str, Any], *, created: int, livemode: bool = False,
          event_id: str | None = None) -> dict[str, Any]:
    return {"id": event_id or f"evt_{next(_counter):06d}{int(time.time() * 1000) % 10**8}", "object": "event",
            "api_version": "2026-10-28.endive", "created": created, "livemode": livemode, "type": type_,
            "data": {"object": obj}, "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None}}


def body_of(evt: dict[str, Any]) -> bytes:
    return json.dumps(evt, separators=(",", ":")).encode()


def subscription(sub_id: str, customer: str, status: str, *, created: int, user_id: str | None, project_id: str,
                 period_start: int, period_end: int, cancel_at: int | None = None, canceled_at: int | None = None,
                 price: str = "price_pro", nickname: str = "Pro", quantity: int = 1) -> dict[str, Any]:
    metadata = {"user_id": user_id, "project_id": project_id} if user_id else {}
    return {
        "id": sub_id, "object": "subscription", "customer": customer, "status": status, "created": created,
        "cancel_at": cancel_at, "canceled_at": canceled_at, "cancel_at_period_end": cancel_at is not None,
        "metadata": metadata, "livemode": False,
        "items": {"object": "list", "data": [{
            "id": "si_" + sub_id[4:], "object": "subscription_item", "quantity": quantity,
            "current_period_start": period_start, "current_period_end": period_end,
            "price": {"id": price, "object": "price", "nickname": nickname, "product": "prod_pro",
                      "unit_amount": 1900, "currency": "usd"},
        }]},
    }


def invoice(invoice_id: str, customer: str, sub_id: str | None, pi: str | None, *, created: int, amount: int,
            paid: bool, user_id: str | None, project_id: str, currency: str = "usd",
            description: str = "1 x Pro (at $19.00 / month)") -> dict[str, Any]:
    parent = None if sub_id is None else {
        "type": "subscription_details", "quote_details": None,
        "subscription_details": {"subscription": sub_id,
                                 "metadata": {"user_id": user_id, "project_id": project_id} if user_id else {}}}
    payments = [] if pi is None else [{"id": "inpay_" + invoice_id[3:], "object": "invoice_payment", "is_default": True,
                                       "payment": {"type": "payment_intent", "payment_intent": pi}}]
    return {
        "id": invoice_id, "object": "invoice", "customer": customer, "created": created, "currency": currency,
        "amount_due": amount, "amount_paid": amount if paid else 0, "status": "paid" if paid else "open",
        "parent": parent, "lines": {"object": "list", "data": [{"description": description, "amount": amount}]},
        "payments": {"object": "list", "data": payments, "has_more": False},
    }


def charge(charge_id: str, customer: str, pi: str, *, created: int, amount: int, refunded: int,
           currency: str = "usd") -> dict[str, Any]:
    return {"id": charge_id, "object": "charge", "customer": customer, "payment_intent": pi, "created": created,
            "amount": amount, "amount_refunded": refunded, "refunded": refunded >= amount, "currency": currency,
            "metadata": {}, "paid": True, "status": "succeeded"}


def checkout_session(session_id: str, customer: str, *, mode: str, user_id: str, project_id: str, created: int,
                     subscription: str | None = None, payment_intent: str | None = None, amount: int | None = None,
                     payment_status: str = "paid") -> dict[str, Any]:
    return {"id": session_id, "object": "checkout.session", "mode": mode, "customer": customer,
            "client_reference_id": user_id, "metadata": {"user_id": user_id, "project_id": project_id},
            "subscription": subscription, "payment_intent": payment_intent, "amount_total": amount,
            "currency": "usd", "payment_status": payment_status, "status": "complete", "created": created}
