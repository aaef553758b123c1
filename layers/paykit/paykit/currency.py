"""Currency exponents as Stripe counts amounts (one table for every amount PayKit prints, stores or shows).

Stripe's amounts are integers in the currency's smallest unit: 1900 usd is 19.00, 1000 jpy is 1,000 (Stripe's
"zero-decimal currencies"), 5120 kwd is 5.120 (its "three-decimal currencies"). ISK, HUF and TWD, which Stripe lists
as special cases, are two-decimal in API amounts (500 isk charges 5 ISK), so they keep the default exponent 2.
The dashboard carries the same table (`web/dashboard.js`, `EXPONENTS`); a unit test keeps the two equal.
"""
from __future__ import annotations

from decimal import Decimal

ZERO_DECIMAL = frozenset({"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
                          "xaf", "xof", "xpf"})
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
DEFAULT_EXPONENT = 2
# Only the currencies whose exponent is not the default: every other currency Stripe supports has 2 decimals.
EXPONENTS: dict[str, int] = {**dict.fromkeys(sorted(ZERO_DECIMAL), 0), **dict.fromkeys(sorted(THREE_DECIMAL), 3)}


def exponent(currency: str | None) -> int:
    """Decimal places of one unit of `currency` in Stripe's amounts (0, 2 or 3)."""
    return EXPONENTS.get((currency or "").lower(), DEFAULT_EXPONENT)


def major_units(amount: int, currency: str | None) -> Decimal:
    """`5120, "kwd"` -> Decimal("5.120"): the amount in whole units, exactly (no float)."""
    return Decimal(int(amount)).scaleb(-exponent(currency))


def format_amount(amount: int, currency: str | None) -> str:
    """`1900, "usd"` -> "19.00 USD", `1000, "jpy"` -> "1000 JPY", `5120, "kwd"` -> "5.120 KWD"."""
    places = exponent(currency)
    return f"{major_units(amount, currency):.{places}f} {(currency or '').upper()}"
