"""How amounts and billing periods read in descriptions and hosted pages (`$19.00`, `every 3 months`)."""

from __future__ import annotations

_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "cad": "CA$", "aud": "A$", "jpy": "¥", "inr": "₹", "chf": "CHF "}
ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf",
                "xof", "xpf"}


def format_money(amount: int, currency: str) -> str:
    """`$19.00`, `-€4.50`, `¥500`: amounts are in the currency's smallest unit, as everywhere in Stripe."""
    sign = "-" if amount < 0 else ""
    value = abs(amount)
    text = f"{value}" if currency in ZERO_DECIMAL else f"{value / 100:,.2f}"
    return f"{sign}{_SYMBOLS.get(currency, currency.upper() + ' ')}{text}"


def interval_label(recurring: dict | None) -> str:
    """`month`, `every 3 months`: how Stripe words a billing period in line descriptions."""
    if not recurring:
        return ""
    count, interval = recurring["interval_count"], recurring["interval"]
    return interval if count == 1 else f"every {count} {interval}s"
