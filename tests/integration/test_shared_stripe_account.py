"""Two PayKit projects given the keys of one Stripe account: Stripe sends every event of the account to both
projects' endpoints, and each project keeps only its own (decision 12's metadata names the project). Real handlers,
moto server and the Stripe emulator."""
from __future__ import annotations

import json

from paykit.processor import default_processor
from paykit.store import keys
from paykit.store.table import default_table
from tests.integration.test_checkout import Shop, make_shop, subscribe

BASE = "/api/v1/payments/stripe"


def share_account(client, dev_token: str, shop: Shop) -> Shop:
    """A second project of the developer with the first one's keys (one Stripe account, two apps)."""
    project_id = client.post("/api/v1/projects/", token=dev_token, json_body={"name": "Second app"}).json()["id"]
    reply = client.put(f"{BASE}/projects/{project_id}/config", token=dev_token,
                       json_body={"test_secret_key": shop.key})
    assert reply.status == 200, reply.text
    return Shop(project_id, shop.key, shop.emulator_url, dict(shop.prices))


def deliver_account_events(*shops: Shop) -> dict[str, dict[str, str]]:
    """Every event of the account, oldest first, to every project's processor, as Stripe sends each event to every
    endpoint of the account; the outcomes per project."""
    events = list(reversed(shops[0].stripe("GET", "/v1/events", limit=100)["data"]))
    return {shop.project_id: {evt["id"]: default_processor().process_event(shop.project_id, "test", evt,
                                                                          json.dumps(evt)) for evt in events}
            for shop in shops}


def listed(client, dev_token: str, shop: Shop, kind: str) -> list[dict]:
    reply = client.get(f"{BASE}/projects/{shop.project_id}/{kind}", token=dev_token)
    assert reply.status == 200, reply.text
    return reply.json()[kind]


def test_two_projects_on_one_stripe_account_count_only_their_own_subscription(client, dev_token, emulator):
    # Given two projects of one developer on one Stripe account, and a user who buys in the first one
    first = make_shop(client, dev_token, emulator)
    second = share_account(client, dev_token, first)
    sub_id = subscribe(client, first, first.token("user-of-first"))["subscription"]["subscription_id"]
    # When every event of the account reaches both projects (twice: Stripe retries too)
    outcomes = deliver_account_events(first, second)
    again = deliver_account_events(first, second)
    # Then the first project has the subscription and its payment
    assert [s["subscription_id"] for s in listed(client, dev_token, first, "subscriptions")] == [sub_id]
    assert [p["status"] for p in listed(client, dev_token, first, "payments")] == ["succeeded"]
    # And the second has nothing: no subscription, payment, counter, day bucket or mapping of the first's user
    assert listed(client, dev_token, second, "subscriptions") == []
    assert listed(client, dev_token, second, "payments") == []
    table = default_table()
    assert table.get(keys.counters(second.project_id, "test"), consistent=True) is None
    assert table.query_page("pk = :pk", {":pk": f"STATS#{keys.scope(second.project_id, 'test')}"},
                            consistent=True)[0] == []
    customer = first.stripe("GET", f"/v1/subscriptions/{sub_id}")["customer"]
    assert table.get(keys.user_of_customer(second.project_id, "test", customer), consistent=True) is None
    # And the first project's events were recorded there as ignored, with the reason, once and for all
    log = client.get(f"{BASE}/projects/{second.project_id}/events", token=dev_token,
                     query={"page_size": "100"}).json()["events"]
    subscription_events = [e for e in log if e["type"].startswith("customer.subscription.")]
    assert subscription_events and all(e["status"] == "ignored" and "another PayKit project" in e["reason"]
                                       for e in subscription_events)
    assert set(again[second.project_id].values()) <= {"duplicate", "ignored"}
    assert "processed" in outcomes[first.project_id].values()
    # And the developer's figures (E4, E1) show the one subscription once, at its one price
    stats = client.get("/api/v1/payments/stats", token=dev_token).json()
    assert (stats["total_subscriptions"], stats["active_subscriptions"], stats["total_payments"],
            stats["successful_payments"], stats["total_revenue_cents"]) == (1, 1, 1, 1, 1900)
    assert stats["by_mode"]["test"]["by_currency"]["usd"]["mrr_cents"] == 1900
    everything = client.get("/api/v1/payments/subscriptions", token=dev_token).json()
    assert [(s["project_id"], s["subscription_id"]) for s in everything["subscriptions"]] == [
        (first.project_id, sub_id)]
