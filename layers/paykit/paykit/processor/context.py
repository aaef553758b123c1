"""One attempt at one event: the records it reads and the writes it collects for the engine's transaction.

Projections see only this object: they read records through it (prefetched in one BatchGetItem, else a consistent
GetItem), ask Stripe through its reader when a payload is not enough, and add changes; the engine commits them.
"""
from __future__ import annotations

from typing import Any, Callable

from paykit.processor.stripe_reader import StripeReader
from paykit.store import keys
from paykit.store.table import Table

Change = tuple[dict[str, Any] | None, dict[str, Any]]  # (stored record or None, its new state)


class Ctx:
    def __init__(self, table: Table, stripe: StripeReader, owners: dict[str, str], project_id: str, mode: str,
                 event: dict[str, Any], asked: dict[tuple[str, str], Any] | None = None) -> None:
        self.table = table
        self.stripe = stripe
        self._owners = owners  # the engine's per-container cache: a project's owner never changes
        # Stripe's answers for this event, kept by the engine across its attempts: a retry after a write conflict
        # reads the records again, not Stripe.
        self._asked = asked if asked is not None else {}
        self.project_id = project_id
        self.mode = mode
        self.event = event
        self.obj: dict[str, Any] = event["data"]["object"]
        self.created = int(event.get("created") or 0)
        self.changes: list[Change] = []
        self.extra: list[dict[str, Any]] = []  # other transaction actions (mappings, the entitlements item)
        self.prefetched: dict[tuple[str, str], dict[str, Any] | None] = {}

    def change(self, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
        self.changes.append((old, new))

    def record(self, key: dict[str, str]) -> dict[str, Any] | None:
        """A record as of this attempt: from the prefetch, else a consistent GetItem."""
        if (key["pk"], key["sk"]) in self.prefetched:
            return self.prefetched[(key["pk"], key["sk"])]
        return self.table.get(key, consistent=True)

    def invoice_payments(self, invoice_id: str) -> list[dict[str, Any]]:
        """The payments Stripe lists for an invoice whose payload names none (Stripe sends invoices without
        `payments`): one call per event."""
        return self._once(("invoice_payments", invoice_id), self.stripe.invoice_payments, invoice_id)

    def charge(self, charge_id: str) -> dict[str, Any]:
        """The charge a refund names, for a payment not held yet: one call per event."""
        return self._once(("charge", charge_id), self.stripe.charge, charge_id)

    def charge_refunds(self, charge_id: str) -> list[dict[str, Any]]:
        """A charge's refunds as they stand, once one of them failed: one call per event. An answer kept across
        attempts stays true: a refund's status only moves forward, and the record keeps the furthest seen."""
        return self._once(("charge_refunds", charge_id), self.stripe.charge_refunds, charge_id)

    def _once(self, key: tuple[str, str], read: Callable[[str, str, str], Any], object_id: str) -> Any:
        if key not in self._asked:
            self._asked[key] = read(self.project_id, self.mode, object_id)
        return self._asked[key]

    def knows_owner(self) -> bool:
        return self.project_id in self._owners

    def owner(self) -> str | None:
        """The project's owner, stamped on records for the developer-wide lists; read once per container."""
        if self.project_id not in self._owners:
            project = self.record(keys.project(self.project_id))
            if project is None:
                return None  # not cached: a project created later is found on a later event
            self._owners[self.project_id] = project["owner_id"]
        return self._owners[self.project_id]

    def user_of_customer(self, customer_id: str | None) -> str | None:
        if not customer_id:
            return None
        item = self.record(keys.user_of_customer(self.project_id, self.mode, customer_id))
        return item.get("user_id") if item else None
