"""End to end over HTTP: an end user checks out, pays on the hosted page and manages the subscription."""
from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pytest
import requests

from tests.e2e.conftest import RunningStack

API = "/api/v1/payments/stripe"


class Storefront:
    """A developer's project with test keys, a webhook endpoint and prices, set up through the API and Stripe."""

    def __init__(self, stack: RunningStack) -> None:
        self.stack = stack
        dev = {"Authorization": f"Bearer {stack.token('developer', f'e2e-shop-{uuid.uuid4()}')}"}
        account = requests.post(f"{stack.emulator_url}/_emulator/accounts", json={}, timeout=10).json()
        self.project_id = requests.post(f"{stack.url}/api/v1/projects/", json={"name": "E2E shop"}, headers=dev,
                                        timeout=10).json()["id"]
        config = f"{stack.url}{API}/projects/{self.project_id}/config"
        requests.put(config, json={"test_secret_key": account["test_secret_key"]}, headers=dev,
                     timeout=10).raise_for_status()
        self.key = {"Authorization": f"Bearer {account['test_secret_key']}"}
        urls = requests.get(f"{stack.url}{API}/projects/{self.project_id}/webhook-urls", headers=dev,
                            timeout=10).json()
        endpoint = self.stripe("/v1/webhook_endpoints", url=urls["test_webhook_url"], **{"enabled_events[]": "*"})
        requests.put(config, json={"test_webhook_secret": endpoint["secret"]}, headers=dev,
                     timeout=10).raise_for_status()
        product = self.stripe("/v1/products", name="Pro")["id"]
        self.prices = {
            name: self.stripe("/v1/prices", product=product, currency="usd", unit_amount=amount, **extra)["id"]
            for name, amount, extra in [("pro", 1900, {"recurring[interval]": "month"}),
                                        ("team", 4900, {"recurring[interval]": "month"}), ("pack", 700, {})]}

    def stripe(self, path: str, **data: Any) -> dict[str, Any]:
        return requests.post(f"{self.stack.emulator_url}{path}", data=data, headers=self.key, timeout=10).json()

    def user(self, sub: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.stack.token('end_user', sub, self.project_id)}"}

    def call(self, method: str, route: str, user: dict[str, str], **kw: Any) -> requests.Response:
        return requests.request(method, f"{self.stack.url}{API}/{route}", headers=user, timeout=30, **kw)

    def pay_on_hosted_page(self, checkout_url: str) -> str:
        """Posts the hosted page's form as a browser would; returns the success redirect."""
        page = requests.get(checkout_url, timeout=10)
        assert page.status_code == 200 and 'id="payment-form"' in page.text
        # The form posts back to the page itself.
        paid = requests.post(checkout_url, data={"card": "4242424242424242", "exp": "12 / 34", "cvc": "123",
                                                 "name": "E2E User"}, allow_redirects=False, timeout=10)
        assert paid.status_code == 303, paid.text[:500]
        return paid.headers["Location"]


@pytest.fixture(scope="module")
def shop(local_stack: RunningStack) -> Storefront:
    return Storefront(local_stack)


SUCCESS = "http://localhost:3000/billing/success?session_id={CHECKOUT_SESSION_ID}"


def test_subscription_lifecycle_over_http(shop: Storefront) -> None:
    user = shop.user("e2e-subscriber")
    # Given an end user who checks out
    started = shop.call("POST", "checkout-session", user, json={
        "price_id": shop.prices["pro"], "success_url": SUCCESS, "cancel_url": "http://localhost:3000/billing"})
    assert started.status_code == 200, started.text
    session = started.json()
    # When they pay on the hosted page and come back to the success page
    redirect = shop.pay_on_hosted_page(session["checkout_url"])
    assert redirect == SUCCESS.replace("{CHECKOUT_SESSION_ID}", session["session_id"])
    back = shop.call("GET", f"checkout-session/{session['session_id']}", user).json()
    # Then the subscription is theirs at once (sync-on-return)
    assert back["status"] == "complete" and back["subscription"]["status"] == "active"
    mine = shop.call("GET", "my-subscription", user).json()
    assert mine["subscription_id"] == back["subscription"]["subscription_id"]
    # When they preview and then make a plan change
    preview = shop.call("POST", "preview-subscription-update", user,
                        json={"new_price_id": shop.prices["team"], "proration_behavior": "always_invoice"}).json()
    assert preview["currency"] == "usd" and preview["amount_due_now"] > 0
    changed = shop.call("POST", "update-subscription", user,
                        json={"new_price_id": shop.prices["team"], "proration_behavior": "always_invoice"})
    assert changed.status_code == 200 and changed.json()["price_id"] == shop.prices["team"]
    # And cancel at the period end, then resume
    cancel = shop.call("POST", "cancel-subscription", user, json={}).json()
    assert cancel["status"] == "active" and cancel["cancel_at"]
    assert shop.call("GET", "my-subscription", user).json()["cancel_at"]
    resumed = shop.call("POST", "resume-subscription", user)
    assert resumed.status_code == 200 and resumed.json()["cancel_at"] is None
    # And open the portal
    portal = shop.call("POST", "customer-portal", user, json={"return_url": "http://localhost:3000/billing"})
    assert portal.status_code == 200 and requests.get(portal.json()["portal_url"], timeout=10).status_code == 200
    # Then, once the webhooks are delivered and processed, the record still shows the latest state
    requests.post(f"{shop.stack.emulator_url}/_emulator/deliveries/wait", json={"timeout": 20}, timeout=30)
    final = shop.call("GET", "my-subscription", user).json()
    assert final["status"] == "active" and final["cancel_at"] is None
    payments = shop.call("GET", "my-payments", user).json()
    assert payments["total"] >= 1 and all(p["currency"] == "usd" for p in payments["payments"])


def test_the_webhook_alone_records_the_subscription(shop: Storefront) -> None:
    # Given a user who pays but never comes back to the success page
    user = shop.user("e2e-no-return")
    session = shop.call("POST", "checkout-session", user, json={
        "price_id": shop.prices["pro"], "success_url": SUCCESS, "cancel_url": "http://localhost:3000/"}).json()
    requests.post(f"{shop.stack.emulator_url}/_emulator/checkout/{session['session_id']}/pay",
                  json={"card": "4242424242424242"}, timeout=10)
    # Then the webhook path records it (bounded wait for the gateway's queue poller)
    mine = None
    for _ in range(60):
        mine = shop.call("GET", "my-subscription", user).json()
        if mine and mine["status"] == "active":
            break
        time.sleep(0.5)
    assert mine and mine["status"] == "active" and mine["user_id"] == "e2e-no-return"


def test_one_time_payment_over_http(shop: Storefront) -> None:
    user = shop.user("e2e-buyer")
    session = shop.call("POST", "checkout-session", user, json={
        "price_id": shop.prices["pack"], "mode": "payment", "quantity": 2, "success_url": SUCCESS,
        "cancel_url": "http://localhost:3000/"}).json()
    shop.pay_on_hosted_page(session["checkout_url"])
    back = shop.call("GET", f"checkout-session/{session['session_id']}", user).json()
    assert back["payment"]["status"] == "succeeded" and back["payment"]["amount_cents"] == 1400
    listed = shop.call("GET", "my-payments", user).json()
    assert listed["total"] == 1 and listed["payments"][0]["payment_intent_id"] == back["payment"]["payment_intent_id"]
    assert shop.call("GET", "my-subscription", user).text == "null"
    portal = shop.call("POST", "customer-portal", user, json={"return_url": "http://localhost:3000/"})
    assert portal.status_code == 200
