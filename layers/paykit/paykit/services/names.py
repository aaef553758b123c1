"""What PayKit calls a plan and a payment: the price's nickname, else its product's name (issue 11, item 3).

Stripe sends a subscription's price with its product as an id, so the product's name is read from Stripe once per
container and product (names change rarely; a renamed product shows within the cache's hour, and the refresher
fills records stored before).
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

from paykit.errors import PayKitError
from paykit.observability import logger

PRODUCT_NAME_SECONDS = 3600.0
# Stripe's zero-decimal currencies: amounts are already whole units.
_ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf",
                 "xof", "xpf"}


def format_amount(cents: int, currency: str) -> str:
    """`1900, "usd"` -> "19.00 USD" (Stripe's smallest unit, whole units for zero-decimal currencies)."""
    code = (currency or "").lower()
    value = str(int(cents)) if code in _ZERO_DECIMAL else f"{int(cents) / 100:.2f}"
    return f"{value} {code.upper()}"


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

    def __init__(self, fetch: Callable[[str, str, str], str | None],
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch
        self._monotonic = monotonic
        self._items: dict[tuple[str, str, str], tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def get(self, project_id: str, mode: str, product_id: str | None) -> str | None:
        """The name, or None when unknown; Stripe failing only leaves the name unknown (it is cosmetic)."""
        if not product_id:
            return None
        key = (project_id, mode, product_id)
        with self._lock:
            cached = self._items.get(key)
        if cached is not None and self._monotonic() - cached[0] < PRODUCT_NAME_SECONDS:
            return cached[1]
        try:
            name = self._fetch(project_id, mode, product_id)
        except PayKitError as exc:
            logger.warning("product name not read", product_id=product_id, error=type(exc).__name__)
            return None
        with self._lock:
            self._items[key] = (self._monotonic(), name)
        return name
