"""Stripe-style identifiers and API keys (random base62 suffixes after Stripe's prefixes)."""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits


def random_suffix(length: int = 24) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_id(prefix: str, length: int = 24) -> str:
    """`cus_...`, `price_...`; checkout sessions pass `cs_test`/`cs_live` and a longer length as Stripe's are."""
    return f"{prefix}_{random_suffix(length)}"


def new_key(kind: str, livemode: bool) -> str:
    """`sk_test_...`, `pk_live_...`, `rk_test_...`."""
    return f"{kind}_{'live' if livemode else 'test'}_{random_suffix(40)}"


def mask_key(key: str) -> str:
    """How Stripe echoes a key in errors: its prefix and last four characters, never the whole key."""
    for prefix in ("sk_test_", "sk_live_", "rk_test_", "rk_live_", "pk_test_", "pk_live_"):
        if key.startswith(prefix) and len(key) > len(prefix) + 4:
            return prefix + "*" * 4 + key[-4:]
    if len(key) > 8:
        return "*" * 4 + key[-4:]
    return "*" * 4
