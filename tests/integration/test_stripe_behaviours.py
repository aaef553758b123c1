"""PayKit on the paths Stripe takes (issue 19, item 5): a Checkout subscription created `incomplete` then made
`active`, in any delivery order. Real handlers, moto server, the Stripe emulator."""
from __future__ import annotations

import json

from paykit.processor import default_processor
from paykit.store import keys
from paykit.store.table import default_table
from tests.integration.test_checkout import start_checkout
from tests.integration.test_entitlements import check, plans, shop  # noqa: F401 (fixtures)
from tests.integration.test_lists import get

STATS = "/api/v1/payments/stats"


def _process(shop, events: list[dict]) -> None:
    for evt in events:
        default_processor().process_event(shop.project_id, "test", evt, json.dumps(evt))


def _checkout_events(client, shop, token: str, price: str) -> tuple[str, list[dict]]:
    """Pays a checkout; returns its subscription id and the account's events, oldest first."""
    session = start_checkout(client, shop, token, price).json()
    assert shop.pay(session["session_id"])["status"] == "succeeded"
    events = list(reversed(shop.stripe("GET", "/v1/events", limit=100)["data"]))
    sub_id = next(e["data"]["object"]["id"] for e in events if e["type"] == "customer.subscription.created")
    return sub_id, events


def _record(shop, sub_id: str) -> dict:
    return default_table().get(keys.subscription(shop.project_id, "test", sub_id)) or {}


def _mrr(client, dev_token) -> int:
    usd = get(client, dev_token, STATS).json()["by_mode"]["test"]["by_currency"].get("usd") or {}
    return usd.get("mrr_cents", 0)


def test_an_incomplete_checkout_subscription_grants_nothing_until_its_update_makes_it_active(
        client, dev_token, shop, plans):  # noqa: F811
    token = shop.token()
    sub_id, events = _checkout_events(client, shop, token, plans["basic"])
    created = next(e for e in events if e["type"] == "customer.subscription.created")
    updated = next(e for e in events if e["type"] == "customer.subscription.updated")
    assert (created["data"]["object"]["status"], updated["data"]["object"]["status"]) == ("incomplete", "active")
    # Given only the creation has arrived (with the session's completion): incomplete, no access, no MRR
    completed = [e for e in events if e["type"] == "checkout.session.completed"]
    _process(shop, [created, *completed])
    assert _record(shop, sub_id)["status"] == "incomplete"
    assert check(client, token, "api")["allowed"] is False
    assert _mrr(client, dev_token) == 0
    # When the update to active arrives (and the rest): active, entitled, counted
    _process(shop, [e for e in events if e not in (created, *completed)])
    assert _record(shop, sub_id)["status"] == "active"
    assert check(client, token, "api")["allowed"] is True and check(client, token, "exports")["limit"] == 100
    assert _mrr(client, dev_token) == 1900


def test_a_checkout_subscription_ends_active_in_any_delivery_order(client, dev_token, shop, plans):  # noqa: F811
    token = shop.token()
    sub_id, events = _checkout_events(client, shop, token, plans["basic"])
    # Newest first, each twice, and the incomplete creation once more at the very end
    created = next(e for e in events if e["type"] == "customer.subscription.created")
    _process(shop, list(reversed(events)) * 2 + [created])
    record = _record(shop, sub_id)
    assert record["status"] == "active" and record["had_mrr"] is True
    assert check(client, token, "api")["allowed"] is True
    assert _mrr(client, dev_token) == 1900
