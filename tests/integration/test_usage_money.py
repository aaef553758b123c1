"""Usage's money paths (issue 18): after E7 nothing takes effect, and usage between a period's end and the renewal's
webhook counts in the period Stripe starts at that end (not a calendar month the renewed period then ignores)."""
from __future__ import annotations

from datetime import datetime, timedelta

import jwt
import requests

from paykit.auth import Principal, Role
from paykit.errors import Forbidden
from paykit.models.entitlements import UsageRequest
from paykit.services import entitlements
from tests.integration.test_entitlements import BASE, buy, check, plans, shop, sync_events, use  # noqa: F401


def caller_of(token: str) -> Principal:
    claims = jwt.decode(token, options={"verify_signature": False})
    return Principal(sub=claims["sub"], role=Role.END_USER, project_id=claims["project_id"])


def test_after_deactivation_check_and_usage_stop_at_once(client, dev_token, shop, plans, outbox):
    # Given an entitled user whose check was just answered (a warm container)
    token = shop.token()
    buy(client, shop, token, plans["basic"])
    assert check(client, token, "api")["allowed"] is True
    outbox.drain()
    # When the developer deactivates the project's Stripe configuration (E7)
    assert client.delete(f"{BASE}/projects/{shop.project_id}/config", token=dev_token).status == 204
    # Then the very next check and usage are refused, as every end-user route is
    assert client.get(f"{BASE}/check", token=token, query={"feature": "api"}).status == 404
    refused = use(client, token, 5)
    assert refused.status == 404 and refused.json() == {"detail": "Stripe not configured"}
    # And nothing was counted or queued for Stripe's meter
    assert outbox.pending_records() == []
    assert client.put(f"{BASE}/projects/{shop.project_id}/config", token=dev_token, json_body={}).status == 200
    assert check(client, token, "exports")["used"] == 0


def test_usage_in_the_gap_after_a_period_ends_counts_in_the_renewed_period(client, dev_token, shop, plans):
    # Given hard limits, and a Basic user (exports 100 per period) whose period ends at `end`
    assert client.put(f"{BASE}/projects/{shop.project_id}/billing-settings", token=dev_token,
                      json_body={"hard_limits": True}).status == 200
    token = shop.token()
    sub = buy(client, shop, token, plans["basic"])
    end = datetime.fromisoformat(sub["current_period_end"].replace("Z", "+00:00"))
    caller = caller_of(token)
    # When, after `end` and before the renewal's webhook, they use 100 (the whole renewed period's allowance)
    gap = entitlements.record_usage(caller, True, UsageRequest(feature="exports", quantity=100), "gap-100",
                                    now=end + timedelta(minutes=5))
    assert gap.used == 100
    # And Stripe renews the subscription and its events arrive
    advanced = requests.post(f"{shop.emulator_url}/_emulator/advance", json={"seconds": 32 * 86400},
                             headers={"Authorization": f"Bearer {shop.key}"}, timeout=10)
    assert advanced.status_code == 200, advanced.text
    sync_events(shop)
    # Then the renewed period starts at `end` and holds the gap's usage: the hard limit is reached, not doubled
    verdict = entitlements.check(caller, True, "exports", now=end + timedelta(minutes=10))
    assert (verdict.used, verdict.remaining, verdict.allowed) == (100, 0, False)
    assert gap.resets_at == verdict.resets_at
    # And a hard-limited call in the renewed period is refused
    refused = None
    try:
        entitlements.record_usage(caller, True, UsageRequest(feature="exports", quantity=1), "after-renewal",
                                  now=end + timedelta(minutes=15))
    except Forbidden as exc:
        refused = exc
    assert refused is not None and "limit" in refused.detail
