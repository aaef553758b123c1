"""End to end on `python -m local.stack`: the emulator delivers signed webhooks, the poller applies them (issue 5)."""
from __future__ import annotations

import re
import time
from typing import Any, Callable

import boto3
import pytest
import requests
import stripe

from paykit.store import keys
from paykit.store.table import Table
from tests.e2e.conftest import RunningStack

DAY = 86400
HOUR = 3600  # a renewal invoice is a draft for an hour before Stripe charges it
GOOD_CARD, FAILING_CARD = "4242424242424242", "4000000000000341"


def eventually(read: Callable[[], Any], check: Callable[[Any], bool], what: str, timeout: float = 45) -> Any:
    """Bounded wait for the asynchronous path (emulator delivery -> receiver -> SQS -> poller -> processor)."""
    deadline = time.monotonic() + timeout
    value = read()
    while not check(value):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}; last value: {value!r}")
        time.sleep(0.25)
        value = read()
    return value


class Shop:
    """A developer's project wired to its own emulator account, as a user of the API would set it up."""

    def __init__(self, stack: RunningStack) -> None:
        self.stack = stack
        self.auth = {"Authorization": f"Bearer {stack.token('developer', 'e2e-webhooks')}"}
        self.project = requests.post(f"{stack.url}/api/v1/projects/", json={"name": "Webhooks E2E"},
                                     headers=self.auth, timeout=10).json()["id"]
        account = requests.post(f"{stack.emulator_url}/_emulator/accounts", json={}, timeout=10).json()
        self.sdk = stripe.StripeClient(account["test_secret_key"], base_addresses={"api": stack.emulator_url})
        base = f"{stack.url}/api/v1/payments/stripe/projects/{self.project}"
        self.base = base
        url = requests.get(f"{base}/webhook-urls", headers=self.auth, timeout=10).json()["test_webhook_url"]
        endpoint = self.sdk.v1.webhook_endpoints.create({"url": url, "enabled_events": ["*"]})
        assert requests.put(f"{base}/config", headers=self.auth, timeout=10, json={
            "test_secret_key": account["test_secret_key"], "test_webhook_secret": endpoint.secret}).status_code == 200
        moto = re.search(r"AWS \(moto\)\s+(\S+)", stack.output())
        assert moto, stack.output()
        client = boto3.client("dynamodb", endpoint_url=moto.group(1), region_name="us-east-1",
                              aws_access_key_id="testing", aws_secret_access_key="testing")
        self.table = Table(client, "paykit-local")

    def settle(self) -> None:
        requests.post(f"{self.stack.emulator_url}/_emulator/deliveries/wait", json={"timeout": 20}, timeout=30)

    def subscription(self, sub_id: str) -> dict[str, Any]:
        return self.table.get(keys.subscription(self.project, "test", sub_id), consistent=True) or {}

    def payment(self, pi_id: str) -> dict[str, Any]:
        return self.table.get(keys.payment(self.project, "test", pi_id), consistent=True) or {}

    def counters(self) -> dict[str, Any]:
        found = self.table.get(keys.counters(self.project, "test"), consistent=True) or {}
        return {k: v for k, v in found.items() if k not in ("pk", "sk", "type") and v}


def test_a_subscription_lives_its_life_through_real_webhooks(local_stack: RunningStack) -> None:
    shop = Shop(local_stack)
    price = shop.sdk.v1.prices.create({"unit_amount": 1900, "currency": "usd", "recurring": {"interval": "month"},
                                       "product_data": {"name": "Pro"}})
    now = int(time.time())
    clock = shop.sdk.v1.test_helpers.test_clocks.create({"frozen_time": now})
    customer = shop.sdk.v1.customers.create({"test_clock": clock.id, "email": "e2e@example.test"})
    session = shop.sdk.v1.checkout.sessions.create({
        "mode": "subscription", "customer": customer.id, "line_items": [{"price": price.id, "quantity": 1}],
        "success_url": "http://localhost/ok", "cancel_url": "http://localhost/no", "client_reference_id": "user-e2e",
        "metadata": {"user_id": "user-e2e", "project_id": shop.project},
        "subscription_data": {"metadata": {"user_id": "user-e2e", "project_id": shop.project}}})

    # When the end user pays on the hosted page
    paid = requests.post(f"{local_stack.emulator_url}/_emulator/checkout/{session.id}/pay",
                         json={"card": GOOD_CARD}, timeout=20).json()
    assert paid["status"] == "succeeded", paid
    sub_id = shop.sdk.v1.checkout.sessions.retrieve(session.id).subscription
    shop.settle()
    # Then the subscription becomes active, linked to the user, with its first payment
    sub = eventually(lambda: shop.subscription(sub_id), lambda s: s.get("status") == "active", "active")
    assert sub["user_id"] == "user-e2e" and sub["customer_id"] == customer.id
    eventually(shop.counters, lambda c: c.get("payments#succeeded") == 1, "first payment")
    first_period_end = sub["current_period_end"]

    # When the test clock passes the renewal date
    shop.sdk.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": now + 31 * DAY + HOUR})
    shop.settle()
    # Then the renewal is paid and the period moved on
    eventually(shop.counters, lambda c: c.get("payments#succeeded") == 2, "renewal payment")
    eventually(lambda: shop.subscription(sub_id), lambda s: s.get("current_period_end", "") > first_period_end,
               "new period")

    # When the card starts failing and the next renewal comes
    requests.post(f"{local_stack.emulator_url}/_emulator/customers/{customer.id}/card", json={"card": FAILING_CARD},
                  timeout=10).raise_for_status()
    shop.sdk.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": now + 62 * DAY + HOUR})
    shop.settle()
    # Then the subscription is past_due with a failed payment
    eventually(lambda: shop.subscription(sub_id), lambda s: s.get("status") == "past_due", "past_due")
    eventually(shop.counters, lambda c: c.get("payments#failed") == 1, "failed payment")

    # When the customer fixes the card and the open invoice is paid
    requests.post(f"{local_stack.emulator_url}/_emulator/customers/{customer.id}/card",
                  json={"card": GOOD_CARD, "pay_open_invoices": True}, timeout=10).raise_for_status()
    shop.settle()
    # Then it is active again and the retried payment succeeded (Stripe reuses the intent: failed -> succeeded)
    eventually(lambda: shop.subscription(sub_id), lambda s: s.get("status") == "active", "recovered")
    eventually(shop.counters, lambda c: c.get("payments#succeeded") == 3 and not c.get("payments#failed"),
               "recovered payment")

    # When the customer switches plan in the billing portal
    business = shop.sdk.v1.prices.create({"unit_amount": 4900, "currency": "usd", "recurring": {"interval": "month"},
                                          "product_data": {"name": "Business"}})
    portal = shop.sdk.v1.billing_portal.sessions.create({"customer": customer.id, "return_url": "http://localhost/"})
    requests.post(f"{local_stack.emulator_url}/_emulator/portal/{portal.id}/switch",
                  json={"subscription": sub_id, "price": business.id}, timeout=20).raise_for_status()
    shop.settle()
    # Then the stored subscription is on the new price, still active
    eventually(lambda: shop.subscription(sub_id), lambda s: (s.get("price_id"), s.get("status")) == (
        business.id, "active"), "plan change")

    # When the first payment is refunded in part, and the subscription canceled
    first_pi = paid["payment_intent"]
    shop.sdk.v1.refunds.create({"payment_intent": first_pi, "amount": 500})
    shop.sdk.v1.subscriptions.cancel(sub_id)
    shop.settle()
    # Then the payment is partially refunded and the subscription canceled, each change counted once
    payment = eventually(lambda: shop.payment(first_pi), lambda p: p.get("status") == "partially_refunded", "refund")
    assert payment["refunded_amount_cents"] == 500
    eventually(lambda: shop.subscription(sub_id), lambda s: s.get("status") == "canceled", "canceled")
    final = eventually(shop.counters, lambda c: c.get("subscriptions#canceled") == 1, "counters")
    expected = {"subscriptions": 1, "subscriptions#canceled": 1, "payments": 3, "payments#succeeded": 2,
                "payments#partially_refunded": 1, "amount#succeeded#usd": 3800, "amount#partially_refunded#usd": 1900,
                "refunded#usd": 500, "gross#usd": 5700, "subscriptions#active": None, "subscriptions#past_due": None,
                "payments#failed": None}
    assert {name: final.get(name) for name in expected} == expected

    # And the event log shows every delivered event processed or ignored, nothing failed, newest first
    log = requests.get(f"{shop.base}/events", headers=shop.auth, params={"page_size": 100}, timeout=10).json()
    assert log["total"] == len(log["events"]) > 20
    assert {e["status"] for e in log["events"]} <= {"processed", "ignored"}
    assert [e["received_at"] for e in log["events"]] == sorted((e["received_at"] for e in log["events"]),
                                                               reverse=True)
    # And replaying the checkout from the log changes nothing
    checkout = next(e for e in log["events"] if e["type"] == "checkout.session.completed")
    replay = requests.post(f"{shop.base}/events/{checkout['id']}/replay", headers=shop.auth, timeout=20).json()
    assert (replay["applied"], replay["status"]) == (False, "processed")


def test_the_demo_project_receives_webhooks(local_stack: RunningStack) -> None:
    # The seeded demo registered its E8 URL in the emulator and stored the endpoint's secret
    token = re.search(r"export DEV_TOKEN=(\S+)", local_stack.output()).group(1)
    auth = {"Authorization": f"Bearer {token}"}
    project = requests.get(f"{local_stack.url}/api/v1/projects/", headers=auth, timeout=10).json()["projects"][0]
    config = requests.get(f"{local_stack.url}/api/v1/payments/stripe/projects/{project['id']}/config", headers=auth,
                          timeout=10).json()
    assert config["test_webhook_secret_masked"].startswith("whsec_...")
