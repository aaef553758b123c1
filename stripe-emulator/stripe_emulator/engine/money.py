"""How amounts and billing periods read in descriptions and hosted pages (`$19.00`, `every 3 months`)."""

from __future__ import annotations

from decimal import Decimal

_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "cad": "CA$", "aud": "A$", "jpy": "¥", "inr": "₹", "chf": "CHF "}
# Stripe's zero- and three-decimal currencies (every other one has two decimals in API amounts).
ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf",
                "xof", "xpf"}
THREE_DECIMAL = {"bhd", "jod", "kwd", "omr", "tnd"}


def format_money(amount: int, currency: str) -> str:
    """`$19.00`, `-€4.50`, `¥500`, `KWD 5.120`: amounts are in the currency's smallest unit, as everywhere in
    Stripe."""
    sign = "-" if amount < 0 else ""
    places = 0 if currency in ZERO_DECIMAL else 3 if currency in THREE_DECIMAL else 2
    text = f"{Decimal(abs(amount)).scaleb(-places):,.{places}f}"
    return f"{sign}{_SYMBOLS.get(currency, currency.upper() + ' ')}{text}"


def interval_label(recurring: dict | None) -> str:
    """`month`, `every 3 months`: how Stripe words a billing period in line descriptions."""
    if not recurring:
        return ""
    count, interval = recurring["interval_count"], recurring["interval"]
    return interval if count == 1 else f"every {count} {interval}s"
