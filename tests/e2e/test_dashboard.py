"""The developer dashboard in headless Chromium: it renders seeded data and shows the numbers the API returns."""
from __future__ import annotations

import os
import secrets
import time
import uuid

import pytest
import requests

from tests.e2e.conftest import RunningStack
from tests.integration.test_lists import NOW, pay_event, sub_event
from tests.stripe_events import body_of, signature_header

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def money(cents: int, currency: str) -> str:
    return f"{cents / 100:.2f} {currency.upper()}"


@pytest.fixture()
def seeded_developer(local_stack: RunningStack) -> dict:
    """A developer with one project whose test subscription and payments arrive as signed Stripe webhooks."""
    token = local_stack.token(sub=f"dash-{uuid.uuid4()}")
    auth = {"Authorization": f"Bearer {token}"}
    project = requests.post(f"{local_stack.url}/api/v1/projects/", headers=auth, json={"name": "Dash Shop"},
                            timeout=10).json()["id"]
    account = requests.post(f"{local_stack.emulator_url}/_emulator/accounts", json={"name": "dash"}, timeout=10).json()
    webhook_secret = "whsec_" + secrets.token_hex(16)
    requests.put(f"{local_stack.url}/api/v1/payments/stripe/projects/{project}/config", headers=auth, timeout=10,
                 json={"test_secret_key": account["test_secret_key"], "test_webhook_secret": webhook_secret}
                 ).raise_for_status()
    events = [sub_event(project, "sub_dash1", "active", NOW - 7200, amount=2900, quantity=2),
              pay_event(project, "pi_dash1", NOW - 3600, amount=5800),
              pay_event(project, "pi_dash2", NOW - 1800, amount=1200, currency="eur")]
    for evt in events:
        body = body_of(evt)
        reply = requests.post(f"{local_stack.url}/api/v1/payments/stripe/webhooks/{project}/test", data=body,
                              headers={"stripe-signature": signature_header(body, webhook_secret),
                                       "content-type": "application/json"}, timeout=10)
        assert reply.status_code == 200, reply.text
    for _ in range(120):  # the local queue poller applies the events
        totals = requests.get(f"{local_stack.url}/api/v1/payments/transactions", headers=auth, timeout=10).json()
        if totals["total"] == 2:
            break
        time.sleep(0.25)
    else:
        pytest.fail("the seeded events were not applied")
    return {"token": token, "auth": auth}


def test_the_dashboard_shows_what_the_api_returns(local_stack: RunningStack, seeded_developer: dict) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    stats = requests.get(f"{local_stack.url}/api/v1/payments/stats", headers=seeded_developer["auth"],
                         timeout=10).json()
    # When the dashboard is opened with the developer's token
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{local_stack.url}/dashboard?token={seeded_developer['token']}")
            page.wait_for_selector("#status[data-ready='true']", timeout=20_000)
            text = lambda selector: (page.locator(selector).first.text_content() or "").strip()  # noqa: E731
            # Then the headline figures are the API's
            assert text("[data-testid=total_projects]") == str(stats["total_projects"]) == "1"
            assert text("[data-testid=total_subscriptions]") == str(stats["total_subscriptions"]) == "1"
            assert text("[data-testid=total_payments]") == "2"
            assert text("[data-testid=total_revenue]") == money(stats["total_revenue_cents"], stats["currency"])
            # And the charts show MRR and 30-day revenue per currency and mode, as E4 computed them
            usd = stats["by_currency"]["usd"]["test"]
            assert usd["mrr_cents"] == 5800
            assert text("[data-testid=mrr-usd-test]") == money(usd["mrr_cents"], "usd")
            assert text("[data-testid=rev30-usd-test]") == money(usd["revenue_30d_cents"], "usd")
            assert text("[data-testid=rev30-eur-test]") == money(1200, "eur")
            # And the latest subscriptions and payments are listed
            assert "sub_dash1" in text("#subscriptions") and "Dash Shop" in text("#projects")
            assert "pi_dash2" in text("#payments") and money(5800, "usd") in text("#payments")
        finally:
            browser.close()
