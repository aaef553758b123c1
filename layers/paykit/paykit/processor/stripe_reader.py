"""The processor's Stripe adapter: what it reads from Stripe when a payload is not enough (ties, thin invoices,
names, discounts, entitlements, a charge's refunds once one failed). The SDK is imported on the first call only
(cold starts of functions that never call Stripe stay small)."""
from __future__ import annotations

from typing import Any, Protocol

from paykit import names
from paykit.cache import TtlCache
from paykit.errors import PayKitError
from paykit.observability import logger

DISCOUNT_SECONDS = 86400.0  # a discount's coupon terms never change


class StripeReader(Protocol):
    """What the processor reads from Stripe when a payload is not enough (ties, thin invoices)."""

    def subscription(self, project_id: str, mode: str, subscription_id: str) -> dict[str, Any]: ...

    def invoice_payments(self, project_id: str, mode: str, invoice_id: str) -> list[dict[str, Any]]: ...

    def product_name(self, project_id: str, mode: str, product_id: str | None) -> str | None: ...

    def payment_description(self, project_id: str, mode: str, payment_intent_id: str) -> str | None: ...

    def discount(self, project_id: str, mode: str, subscription_id: str, discount_id: str) -> dict[str, Any] | None:
        ...

    def active_entitlements(self, project_id: str, mode: str, customer_id: str) -> list[dict[str, Any]]: ...

    def price_plan_name(self, project_id: str, mode: str, price_id: str) -> str | None: ...

    def price_usage_type(self, project_id: str, mode: str, price_id: str) -> str | None: ...

    def charge_refunds(self, project_id: str, mode: str, charge_id: str) -> list[dict[str, Any]]: ...

    def charge(self, project_id: str, mode: str, charge_id: str) -> dict[str, Any]: ...


class GatewayReader:
    """StripeReader over paykit.stripe_gateway (the SDK is imported on the first fetch only)."""

    def __init__(self) -> None:
        self._names = names.ProductNames(self._fetch_product_name)
        self._discounts: TtlCache[dict[str, Any]] = TtlCache(DISCOUNT_SECONDS)
        self._usage_types: TtlCache[str] = TtlCache(DISCOUNT_SECONDS)

    def product_name(self, project_id: str, mode: str, product_id: str | None) -> str | None:
        return self._names.get(project_id, mode, product_id)

    def payment_description(self, project_id: str, mode: str, payment_intent_id: str) -> str | None:
        """The payment intent's description (E12 sets it: "Pro · 5.00 USD"); cosmetic, so a failure leaves None."""
        from paykit.stripe_gateway import default_gateway

        try:
            return default_gateway().call(project_id, mode, lambda c: c.v1.payment_intents.retrieve(
                payment_intent_id)).description or None
        except PayKitError as exc:
            logger.warning("payment description not read", error=type(exc).__name__)
            return None

    def discount(self, project_id: str, mode: str, subscription_id: str, discount_id: str) -> dict[str, Any] | None:
        """A subscription's discount with its coupon (Stripe has no discount route: the subscription is read with
        `discounts.source.coupon` expanded); a discount's terms never change, so each is read once per container."""
        from paykit.stripe_gateway import default_gateway

        cached = self._discounts.get((project_id, mode, discount_id))
        if cached is not None:
            return cached
        sub = default_gateway().call(project_id, mode, lambda c: c.v1.subscriptions.retrieve(
            subscription_id, {"expand": ["discounts.source.coupon"]})).to_dict()
        for found in sub.get("discounts") or []:
            if isinstance(found, dict):
                self._discounts.put((project_id, mode, found["id"]), found)
        return self._discounts.get((project_id, mode, discount_id))

    def active_entitlements(self, project_id: str, mode: str, customer_id: str) -> list[dict[str, Any]]:
        from paykit.stripe_gateway import default_gateway

        page = default_gateway().call(project_id, mode, lambda c: c.v1.entitlements.active_entitlements.list(
            {"customer": customer_id, "limit": 100}))
        return [e.to_dict() for e in page.data]

    def price_plan_name(self, project_id: str, mode: str, price_id: str) -> str | None:
        """The plan name of a price (nickname, else product name), for records stored without one."""
        from paykit.stripe_gateway import default_gateway

        try:
            price = default_gateway().call(project_id, mode, lambda c: c.v1.prices.retrieve(
                price_id, {"expand": ["product"]})).to_dict()
        except PayKitError as exc:
            logger.warning("price not read", error=type(exc).__name__)
            return None
        return names.plan_name(price)

    def price_usage_type(self, project_id: str, mode: str, price_id: str) -> str | None:
        """`licensed` or `metered` (a price's `recurring.usage_type` never changes: read once per container);
        None for a one-time price."""
        from paykit.stripe_gateway import default_gateway

        cached = self._usage_types.get((project_id, mode, price_id))
        if cached is not None:
            return cached or None
        price = default_gateway().call(project_id, mode, lambda c: c.v1.prices.retrieve(price_id)).to_dict()
        usage = (price.get("recurring") or {}).get("usage_type") or ""
        self._usage_types.put((project_id, mode, price_id), usage)
        return usage or None

    @staticmethod
    def _fetch_product_name(project_id: str, mode: str, product_id: str) -> str | None:
        from paykit.stripe_gateway import default_gateway

        return default_gateway().call(project_id, mode, lambda c: c.v1.products.retrieve(product_id)).name or None

    def subscription(self, project_id: str, mode: str, subscription_id: str) -> dict[str, Any]:
        from paykit.stripe_gateway import default_gateway

        return default_gateway().call(project_id, mode,
                                      lambda c: c.v1.subscriptions.retrieve(subscription_id)).to_dict()

    def charge_refunds(self, project_id: str, mode: str, charge_id: str) -> list[dict[str, Any]]:
        """A charge's refunds as they stand now (the first 100: a charge is not refunded in more parts than that)."""
        from paykit.stripe_gateway import default_gateway

        page = default_gateway().call(project_id, mode, lambda c: c.v1.refunds.list(
            {"charge": charge_id, "limit": 100})).to_dict()
        return list(page.get("data") or [])

    def charge(self, project_id: str, mode: str, charge_id: str) -> dict[str, Any]:
        from paykit.stripe_gateway import default_gateway

        return default_gateway().call(project_id, mode, lambda c: c.v1.charges.retrieve(charge_id)).to_dict()

    def invoice_payments(self, project_id: str, mode: str, invoice_id: str) -> list[dict[str, Any]]:
        from paykit.stripe_gateway import default_gateway

        page = default_gateway().call(project_id, mode,
                                      lambda c: c.v1.invoice_payments.list({"invoice": invoice_id})).to_dict()
        return page.get("data") or []
