"""In-memory state: accounts, API keys, and a World (objects, events, clock, idempotency) per account and mode."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from . import errors
from .ids import new_id, new_key

API_VERSION = "2026-10-28.endive"

# Collections and the words Stripe uses for them in "No such ..." messages.
KINDS = {
    "accounts": "account",
    "products": "product",
    "prices": "price",
    "customers": "customer",
    "payment_methods": "PaymentMethod",
    "checkout_sessions": "checkout.session",
    "subscriptions": "subscription",
    "subscription_items": "subscription_item",
    "invoices": "invoice",
    "invoiceitems": "invoiceitem",
    "invoice_payments": "invoice_payment",
    "payment_intents": "payment_intent",
    "charges": "charge",
    "refunds": "refund",
    "events": "event",
    "webhook_endpoints": "webhook_endpoint",
    "portal_configurations": "billing portal configuration",
    "portal_sessions": "billing portal session",
    "test_clocks": "test clock",
    "balance_transactions": "balance transaction",
    "disputes": "dispute",
    "coupons": "coupon",
    "promotion_codes": "promotion code",
    "discounts": "discount",
    "setup_intents": "setupintent",
    "tax_ids": "tax id",
    "entitlement_features": "feature",
    "product_features": "product feature",
    "active_entitlements": "active entitlement",
    "billing_meters": "billing meter",
    "meter_events": "meter event",  # keyed by identifier (meter events have no id); see meters.py
}

# Id prefixes, for finding the collection of an id met in a field (expansion, hosted pages).
PREFIXES = {
    "prod": "products", "price": "prices", "cus": "customers", "pm": "payment_methods", "cs": "checkout_sessions",
    "sub": "subscriptions", "si": "subscription_items", "in": "invoices", "ii": "invoiceitems",
    "inpay": "invoice_payments", "pi": "payment_intents", "ch": "charges", "re": "refunds", "evt": "events",
    "we": "webhook_endpoints", "bpc": "portal_configurations", "bps": "portal_sessions", "clock": "test_clocks",
    "txn": "balance_transactions", "dp": "disputes", "promo": "promotion_codes", "di": "discounts",
    "seti": "setup_intents", "txi": "tax_ids", "feat": "entitlement_features", "prodft": "product_features",
    "ent": "active_entitlements", "mtr": "billing_meters",
}


@dataclass
class ApiKey:
    secret: str
    account_id: str
    livemode: bool
    kind: str  # "secret" | "publishable" | "restricted"
    permissions: dict[str, str] = field(default_factory=dict)  # restricted keys: resource -> "read" | "write"
    revoked: bool = False

    def public(self) -> dict[str, Any]:
        return {"key": self.secret, "account": self.account_id, "livemode": self.livemode, "type": self.kind,
                "permissions": self.permissions, "revoked": self.revoked}


@dataclass
class Account:
    id: str
    name: str
    created: int
    # The subscription's status when all payment retries of an invoice fail (Stripe's subscription settings):
    # "cancel", "mark_unpaid" or "leave_past_due".
    dunning_final_action: str = "cancel"
    # How failed invoice payments are retried: "smart" (Smart Retries, Stripe's default: `smart_retry_attempts`
    # retries spread over `smart_retry_window_days`) or "custom" (on `dunning_retry_days` after the first failure).
    dunning_retry_policy: str = "smart"
    smart_retry_attempts: int = 8
    smart_retry_window_days: int = 14
    dunning_retry_days: tuple[int, ...] = (3, 5, 7)
    # Seconds a renewal invoice stays a draft before it is finalized and charged (Stripe: about an hour).
    renewal_finalize_delay: int = 3600
    worlds: dict[bool, World] = field(default_factory=dict)

    def settings(self) -> dict[str, Any]:
        return {"dunning_final_action": self.dunning_final_action, "dunning_retry_policy": self.dunning_retry_policy,
                "smart_retry_attempts": self.smart_retry_attempts,
                "smart_retry_window_days": self.smart_retry_window_days,
                "dunning_retry_days": list(self.dunning_retry_days),
                "renewal_finalize_delay": self.renewal_finalize_delay}


class World:
    """Everything one account owns in one mode; test and live never share objects."""

    def __init__(self, state: State, account: Account, livemode: bool) -> None:
        self.state = state
        self.account = account
        self.livemode = livemode
        self.collections: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in KINDS}
        self.idempotency: dict[str, Any] = {}
        self.offset = 0  # seconds the account-level clock runs ahead of wall time (POST /_emulator/advance)
        self.event_buffer: list[dict[str, Any]] | None = None  # see events.deferred
        self.invoice_sequence = 0

    # --- time ---------------------------------------------------------------------------------------------------

    def now(self, clock_id: str | None = None) -> int:
        if clock_id:
            clock = self.collections["test_clocks"].get(clock_id)
            if clock is not None:
                return clock["frozen_time"]
        return int(time.time()) + self.offset

    def clock_of(self, obj: dict[str, Any] | None) -> str | None:
        """The test clock an object lives on: its own, or its customer's."""
        if obj is None:
            return None
        if obj.get("test_clock"):
            return obj["test_clock"]
        customer_id = obj.get("customer")
        if isinstance(customer_id, str):
            customer = self.collections["customers"].get(customer_id)
            if customer is not None:
                return customer.get("test_clock")
        return None

    def now_for(self, obj: dict[str, Any] | None) -> int:
        return self.now(self.clock_of(obj))

    # --- objects ------------------------------------------------------------------------------------------------

    def add(self, collection: str, obj: dict[str, Any]) -> dict[str, Any]:
        self.collections[collection][obj["id"]] = obj
        self.state.owners[obj["id"]] = self
        return obj

    def get(self, collection: str, object_id: Any, *, param: str = "id", status: int = 404) -> dict[str, Any]:
        obj = self.collections[collection].get(object_id) if isinstance(object_id, str) else None
        if obj is None:
            raise errors.missing(KINDS[collection], str(object_id), param=param, status=status)
        return obj

    def find(self, collection: str, object_id: Any) -> dict[str, Any] | None:
        return self.collections[collection].get(object_id) if isinstance(object_id, str) else None

    def remove(self, collection: str, object_id: str) -> None:
        self.collections[collection].pop(object_id, None)
        self.state.owners.pop(object_id, None)

    def newest_first(self, collection: str) -> Iterator[dict[str, Any]]:
        return reversed(list(self.collections[collection].values()))

    def lookup(self, object_id: str) -> tuple[str, dict[str, Any]] | None:
        """An object of any collection by id (custom product and coupon ids included)."""
        prefix = object_id.split("_", 1)[0]
        candidates = [PREFIXES[prefix]] if prefix in PREFIXES else []
        candidates += [c for c in ("products", "prices", "coupons") if c not in candidates]
        for collection in candidates:
            obj = self.collections[collection].get(object_id)
            if obj is not None:
                return collection, obj
        return None


class State:
    """All accounts and keys. One re-entrant lock serialises every API call, page and clock advance."""

    def __init__(self, dispatcher: Any = None) -> None:
        self.lock = threading.RLock()
        self.dispatcher = dispatcher  # webhooks.Dispatcher; events are handed to it as they are created
        self.base_url = "http://127.0.0.1"  # where hosted pages live; the server sets it once it listens
        self.accounts: dict[str, Account] = {}
        self.keys: dict[str, ApiKey] = {}
        self.owners: dict[str, World] = {}  # object id -> World, for hosted pages and /_emulator routes

    def reset(self) -> None:
        with self.lock:
            self.accounts.clear()
            self.keys.clear()
            self.owners.clear()

    def create_account(self, name: str | None = None, **settings: Any) -> tuple[Account, dict[str, str]]:
        with self.lock:
            account = Account(id=new_id("acct", 16), name=name or "Emulated account", created=int(time.time()))
            apply_settings(account, settings)
            account.worlds = {False: World(self, account, False), True: World(self, account, True)}
            self.accounts[account.id] = account
            keys: dict[str, str] = {"id": account.id}
            for livemode in (False, True):
                mode = "live" if livemode else "test"
                for kind, prefix in (("secret", "sk"), ("publishable", "pk"), ("restricted", "rk")):
                    key = self.add_key(account, livemode, kind, prefix)
                    keys[f"{mode}_{kind}_key"] = key.secret
            return account, keys

    def add_key(self, account: Account, livemode: bool, kind: str, prefix: str | None = None,
                permissions: dict[str, str] | None = None) -> ApiKey:
        prefix = prefix or {"secret": "sk", "publishable": "pk", "restricted": "rk"}[kind]
        if permissions is None:
            permissions = {"*": "read"} if kind == "restricted" else {}
        key = ApiKey(new_key(prefix, livemode), account.id, livemode, kind, permissions=permissions)
        self.keys[key.secret] = key
        return key

    def world_of(self, object_id: str) -> World | None:
        return self.owners.get(object_id)


FINAL_ACTIONS = ("cancel", "mark_unpaid", "leave_past_due")
RETRY_POLICIES = ("smart", "custom")
SMART_WINDOWS = (7, 14, 21, 30, 60)  # Stripe's choices: 1, 2 or 3 weeks, 1 or 2 months
MAX_SMART_ATTEMPTS = 20


def _whole(settings: dict[str, Any], name: str, low: int, high: int | None = None) -> int | None:
    value = settings.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not str(value).isdigit() or int(value) < low or (high and int(value) > high):
        span = f"{low} to {high}" if high else f"{low} or more"
        raise errors.invalid(f"{name} must be a whole number, {span}", param=name)
    return int(value)


def apply_settings(account: Account, settings: dict[str, Any]) -> None:
    action = settings.get("dunning_final_action")
    if action is not None:
        if action not in FINAL_ACTIONS:
            raise errors.invalid("dunning_final_action must be cancel, mark_unpaid or leave_past_due",
                                 param="dunning_final_action")
        account.dunning_final_action = action
    policy = settings.get("dunning_retry_policy")
    if policy is not None and policy not in RETRY_POLICIES:
        raise errors.invalid("dunning_retry_policy must be smart or custom", param="dunning_retry_policy")
    retry_days = settings.get("dunning_retry_days")
    if retry_days is not None:
        try:
            days = tuple(int(d) for d in retry_days)
        except (TypeError, ValueError):
            raise errors.invalid("dunning_retry_days must be a list of integers", param="dunning_retry_days") from None
        if list(days) != sorted(days) or any(d <= 0 for d in days):
            raise errors.invalid("dunning_retry_days must be increasing positive days", param="dunning_retry_days")
        account.dunning_retry_days = days
        account.dunning_retry_policy = "custom"  # a schedule given is the custom one, unless a policy says otherwise
    if policy is not None:
        account.dunning_retry_policy = policy
    attempts = _whole(settings, "smart_retry_attempts", 1, MAX_SMART_ATTEMPTS)
    if attempts is not None:
        account.smart_retry_attempts = attempts
    window = settings.get("smart_retry_window_days")
    if window is not None:
        if isinstance(window, bool) or not str(window).isdigit() or int(window) not in SMART_WINDOWS:
            raise errors.invalid("smart_retry_window_days must be one of 7, 14, 21, 30, 60",
                                 param="smart_retry_window_days")
        account.smart_retry_window_days = int(window)
    delay = _whole(settings, "renewal_finalize_delay", 0)
    if delay is not None:
        account.renewal_finalize_delay = delay
    if settings.get("name"):
        account.name = str(settings["name"])
