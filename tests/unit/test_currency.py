"""Currency exponents (issue 18, item 12): one table, Stripe's, for every amount PayKit prints or shows; the
dashboard's copy of it is the same table."""
from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from paykit import currency, names

DASHBOARD_JS = Path(__file__).resolve().parents[2] / "web" / "dashboard.js"


@pytest.mark.parametrize("amount, code, text", [
    (1900, "usd", "19.00 USD"),  # two decimals: cents
    (1000, "jpy", "1000 JPY"),  # zero-decimal: whole yen
    (5120, "kwd", "5.120 KWD"),  # three-decimal: fils (the "51.20 KWD" for 5.120)
    (5125, "BHD", "5.125 BHD"),
    (500, "isk", "5.00 ISK"),  # Stripe's special case: two decimals in API amounts
    (7, "ugx", "7 UGX"),
    (-250, "eur", "-2.50 EUR"),
])
def test_amounts_print_in_their_currencys_own_decimals(amount, code, text):
    assert currency.format_amount(amount, code) == text


def test_major_units_are_exact():
    assert currency.major_units(5120, "kwd") == Decimal("5.120")
    assert currency.major_units(1000, "jpy") == Decimal(1000)
    assert currency.major_units(1, "usd") == Decimal("0.01")


def test_descriptions_use_the_table():
    price = {"nickname": "Pro", "unit_amount": 5120, "currency": "kwd", "recurring": {"interval": "month"}}
    assert names.price_label(price, quantity=2) == "Pro · 2 × 5.120 KWD / month"
    assert names.price_label({**price, "unit_amount": 1000, "currency": "jpy"}) == "Pro · 1000 JPY / month"


def test_the_table_is_stripes_lists():
    assert {c for c, e in currency.EXPONENTS.items() if e == 0} == {
        "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
    assert {c for c, e in currency.EXPONENTS.items() if e == 3} == {"bhd", "jod", "kwd", "omr", "tnd"}
    assert currency.exponent("usd") == currency.exponent("isk") == currency.exponent(None) == 2


def test_the_dashboard_carries_the_same_table():
    # The page has no build step: its table is a literal, kept equal to the Python one here.
    match = re.search(r"const EXPONENTS = (\{[^}]*\});", DASHBOARD_JS.read_text())
    assert match, "web/dashboard.js has no EXPONENTS table"
    assert json.loads(match.group(1)) == currency.EXPONENTS


def test_the_stripe_emulator_formats_with_stripes_lists_too():
    # The emulator stands for Stripe and imports nothing of PayKit: its own lists, kept equal to PayKit's here.
    from stripe_emulator.engine import money as catalog

    assert catalog.ZERO_DECIMAL == currency.ZERO_DECIMAL and catalog.THREE_DECIMAL == currency.THREE_DECIMAL
    assert [catalog.format_money(a, c) for a, c in ((1900, "usd"), (1000, "jpy"), (5120, "kwd"), (-450, "eur"))] == [
        "$19.00", "¥1,000", "KWD 5.120", "-€4.50"]
