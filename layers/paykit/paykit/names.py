"""What PayKit calls a plan and a payment: the price's nickname, else its product's name (issue 11, item 3).

Stripe sends a subscription's price with its product as an id, so the product's name is read from Stripe once per
container and product (names change rarely; a renamed product shows within the cache's hour, and the refresher
fills records stored before).
"""
from __future__ import annotations

from typing import Any, Callable

from paykit.cache import TtlCache
from paykit.currency import format_amount
from paykit.errors import PayKitError
from paykit.observability import logger

PRODUCT_NAME_SECONDS = 3600.0


def product_of(price: dict[str, Any]) -> tuple[str | None, str | None]:
    """(product id, product name when the price carries its product expanded)."""
    product = price.get("product")
    if isinstance(product, dict):
        return product.get("id"), product.get("name")
    return product, None


def plan_name(price: dict[str, Any], product_name: str | None = None) -> str | None:
    """The nickname, else the product's name (expanded on the price or given)."""
    return price.get("nickname") or product_of(price)[1] or product_name or None


def price_label(price: dict[str, Any], product_name: str | None = None, quantity: int = 1) -> str | None:
    """"Pro · 19.00 USD / month" ("/ 3 months", "× 2 ·" for quantities); None without a name or an amount."""
    name, amount = plan_name(price, product_name), price.get("unit_amount")
    if not name or amount is None or not price.get("currency"):
        return None
    text = f"{name} · {'%d × ' % quantity if quantity > 1 else ''}{format_amount(amount, price['currency'])}"
    recurring = price.get("recurring") or {}
    if recurring.get("interval"):
        count = int(recurring.get("interval_count") or 1)
        text += f" / {recurring['interval']}" if count == 1 else f" / {count} {recurring['interval']}s"
    return text


class ProductNames:
    """Product names per (project, mode, product), read through `fetch` at most once an hour each."""

    def __init__(self, fetch: Callable[[str, str, str], str | None]) -> None:
        self._fetch = fetch
        self._cache: TtlCache[str] = TtlCache(PRODUCT_NAME_SECONDS)

    def get(self, project_id: str, mode: str, product_id: str | None) -> str | None:
        """The name, or None when unknown; Stripe failing only leaves the name unknown (it is cosmetic)."""
        if not product_id:
            return None
        key = (project_id, mode, product_id)
        name = self._cache.get(key)
        if name is not None:
            return name
        try:
            name = self._fetch(project_id, mode, product_id)
        except PayKitError as exc:
            logger.warning("product name not read", product_id=product_id, error=type(exc).__name__)
            return None
        if name:
            self._cache.put(key, name)
        return name


# ---------------------------------------------------------------------- the refresher's backfill


def unnamed(record: dict[str, Any]) -> bool:
    """A subscription without a plan name or a payment without a description (stored before issue 11)."""
    if record.get("type") == "subscription":
        return not record.get("plan_name") and bool(record.get("price_id"))
    return record.get("type") == "payment" and not record.get("description")


def subscription_label(sub: dict[str, Any]) -> str | None:
    """"Pro · 19.00 USD / month" from a stored subscription record."""
    price = {"nickname": sub.get("plan_name"), "unit_amount": sub.get("price_amount_cents"),
             "currency": sub.get("currency"),
             "recurring": {"interval": sub.get("price_interval"), "interval_count": sub.get("price_interval_count")}}
    return price_label(price)


def fill_names(table: Any, project_id: str, mode: str, records: list[dict[str, Any]], stripe: Any) -> int:
    """Names the records given (see `unnamed`) from Stripe: plan names from the price (nickname, else product),
    payment descriptions from their subscription's plan, else the payment intent's description. Each write is
    guarded by the record's version, so a concurrent event wins and the next run tries again. Returns the count."""
    from paykit.store import keys
    from paykit.store.errors import ConditionFailed

    filled = 0
    for record in records:
        if record["type"] == "subscription":
            field, value = "plan_name", stripe.price_plan_name(project_id, mode, record["price_id"])
        else:
            sub = (table.get(keys.subscription(project_id, mode, record["stripe_subscription_id"]))
                   if record.get("stripe_subscription_id") else None)
            label = subscription_label(sub) if sub else None
            field = "description"
            value = label or stripe.payment_description(project_id, mode, record["payment_intent_id"])
        if not value:
            continue
        try:
            table.update({"pk": record["pk"], "sk": record["sk"]},
                         UpdateExpression="SET #f = :value, version = :next",
                         ConditionExpression="attribute_not_exists(#f) AND (version = :v OR attribute_not_exists(version))",
                         ExpressionAttributeNames={"#f": field},
                         ExpressionAttributeValues={":value": value, ":v": record.get("version", 0),
                                                    ":next": record.get("version", 0) + 1})
            filled += 1
        except ConditionFailed:
            continue  # a concurrent event changed the record: the next run names it
    return filled
