"""Reading Stripe's objects as PayKit needs them: timestamps, references, and the links between invoices, payments,
subscriptions and checkout sessions, across the shapes of the pinned API version and the older ones. Pure."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from paykit.models.common import iso

ONE_TIME = "one_time_payment"  # a checkout in payment mode (Cloud Admin has no name for it)
# Stripe's invoice.billing_reason -> Cloud Admin's transaction type.
_TYPE_BY_BILLING_REASON = {"subscription_create": "initial_payment", "subscription_cycle": "subscription_payment",
                           "subscription_threshold": "subscription_payment", "subscription": "subscription_payment",
                           "subscription_update": "proration_charge", "manual": ONE_TIME}


def ts(value: Any) -> str | None:
    """A Stripe timestamp (seconds) as PayKit's ISO string; None for none."""
    return iso(datetime.fromtimestamp(int(value), timezone.utc)) if value else None


def id_of(value: Any) -> str | None:
    """A Stripe reference, whether the payload holds the id or the expanded object."""
    return (value.get("id") if isinstance(value, dict) else value) or None


def payment_intent_of(payments: list[dict[str, Any]], failed: bool = False) -> str | None:
    """The payment intent an invoice event speaks of, among the invoice's payments (`invoice.payments.data` or
    `invoice_payments.list`). An invoice whose first payment intent failed and a second one paid names both: a
    success is the paid one's, a failure (`failed`) the one not paid, whenever the event is read. Then the default
    one (the attempt in progress), else the first."""
    intents = [entry for entry in payments if (entry.get("payment") or {}).get("type") == "payment_intent"
               and entry["payment"].get("payment_intent")]
    if failed:
        intents = [e for e in intents if e.get("status") != "paid"] or intents
    chosen = (next((e for e in intents if e.get("status") == "paid"), None)
              or next((e for e in intents if e.get("is_default")), None) or (intents[0] if intents else None))
    return id_of(chosen["payment"]["payment_intent"]) if chosen else None


def invoice_payment_intent(invoice: dict[str, Any], failed: bool = False) -> str | None:
    """The payment intent the invoice payload names (2026-10-28 `payments` first, the older field second)."""
    pi = payment_intent_of((invoice.get("payments") or {}).get("data") or [], failed)
    return pi or (invoice.get("payment_intent") if isinstance(invoice.get("payment_intent"), str) else None)


def invoice_subscription(invoice: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """(subscription id, the subscription's metadata as the invoice carries it)."""
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    sub = details.get("subscription") or invoice.get("subscription")  # 2026-10-28 first, older shapes second
    return id_of(sub), details.get("metadata") or {}


def invoice_type(invoice: dict[str, Any]) -> str:
    """The transaction type of the payment an invoice collects: a credit (negative total) is a proration credit."""
    if int(invoice.get("total") or 0) < 0:
        return "proration_credit"
    reason = _TYPE_BY_BILLING_REASON.get(invoice.get("billing_reason") or "")
    return reason or ("subscription_payment" if invoice_subscription(invoice)[0] else ONE_TIME)


def session_targets(session: dict[str, Any]) -> tuple[str | None, str | None]:
    """(subscription id, payment intent id) a completed checkout session records, by its mode."""
    if session.get("mode") == "subscription":
        return id_of(session.get("subscription")), None
    if session.get("mode") == "payment":
        return None, id_of(session.get("payment_intent"))
    return None, None


def session_user(session: dict[str, Any]) -> str | None:
    """The PayKit user a checkout session was made for (E12 sets both; a session made elsewhere may set one)."""
    return (session.get("metadata") or {}).get("user_id") or session.get("client_reference_id")


def customer_id_of(obj: dict[str, Any]) -> str | None:
    """The customer an object names by id (an expanded customer is not trusted to be the payload's own)."""
    return obj.get("customer") if isinstance(obj.get("customer"), str) else None


def owner_project(obj: dict[str, Any]) -> str | None:
    """The PayKit project an object names in the metadata PayKit's checkout writes (decision 12), or None for an
    object made elsewhere (Stripe's dashboard, the developer's own API calls).

    Two projects may share one Stripe account, and Stripe sends every event of the account to every endpoint: this
    is how a project tells its own objects from the other's. The object's own `metadata` first (subscriptions,
    checkout sessions, payment intents, charges, customers); an invoice carries its subscription's metadata
    (`parent.subscription_details`, or `subscription_details` in older shapes); an expanded payment intent or
    subscription carries its own."""
    sources = [obj.get("metadata"), invoice_subscription(obj)[1],
               (obj.get("subscription_details") or {}).get("metadata")]
    sources += [(obj[name] or {}).get("metadata") for name in ("payment_intent", "subscription")
                if isinstance(obj.get(name), dict)]
    for metadata in sources:
        project = (metadata or {}).get("project_id")
        if isinstance(project, str) and project:
            return project
    return None
