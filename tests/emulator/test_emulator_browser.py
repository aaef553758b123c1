"""The hosted checkout (with 3-D Secure) and portal pages in a real headless Chromium, driven by Playwright."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

from stripe_emulator.conformance.harness import Emu, Receiver

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); browser tests skipped")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


@pytest.fixture
def shop() -> Iterator[Receiver]:
    """Where the success, cancel and return URLs point."""
    shop = Receiver()
    yield shop
    shop.stop()


def test_checkout_page_in_chromium_lands_on_the_success_url(emu: Emu, page: Any, shop: Receiver):
    price = emu.price(2900, name="Team")
    session = emu.client.v1.checkout.sessions.create({
        "mode": "subscription", "line_items": [{"price": price.id, "quantity": 1}],
        "success_url": f"{shop.base}/done?session_id={{CHECKOUT_SESSION_ID}}", "cancel_url": f"{shop.base}/pricing"})
    page.goto(session.url)
    assert "$29.00" in page.inner_text("#line-items")
    page.fill("#email", "browser@example.com")
    page.fill("#card-number", "4242 4242 4242 4242")
    page.fill("#card-expiry", "12 / 34")
    page.fill("#card-cvc", "123")
    page.click("#submit")
    page.wait_for_url(re.compile(re.escape(f"{shop.base}/done")))
    assert page.url == f"{shop.base}/done?session_id={session.id}"
    assert page.inner_text("#landed") == "Thanks!"
    session = emu.client.v1.checkout.sessions.retrieve(session.id, {"expand": ["subscription", "customer"]})
    assert session.status == "complete"
    assert session.subscription.status == "active" and session.subscription["items"].data[0].price.id == price.id
    assert session.customer.email == "browser@example.com"


def test_checkout_page_in_chromium_declines_then_passes_3d_secure(emu: Emu, page: Any, shop: Receiver):
    session = emu.session(emu.price(900), success_url=f"{shop.base}/done?session_id={{CHECKOUT_SESSION_ID}}")
    page.goto(session.url)
    page.fill("#card-number", "4000000000000002")
    page.click("#submit")
    assert page.inner_text("#error") == "Your card was declined."
    page.fill("#card-number", "4000000000003220")
    page.click("#submit")
    page.wait_for_url(re.compile(r"/3ds/pi_"))
    page.click("#complete-auth")
    page.wait_for_url(re.compile(re.escape(f"{shop.base}/done")))
    [sub] = emu.client.v1.subscriptions.list().data
    assert sub.status == "active"


def test_portal_page_in_chromium_cancels_at_period_end(emu: Emu, page: Any, shop: Receiver):
    sub = emu.subscribe(emu.price(1200, name="Solo"))
    portal = emu.client.v1.billing_portal.sessions.create({"customer": sub.customer,
                                                           "return_url": f"{shop.base}/account"})
    page.goto(portal.url)
    page.click(f"#cancel-{sub.id}")
    page.wait_for_url(f"{shop.base}/account")
    assert emu.client.v1.subscriptions.retrieve(sub.id).cancel_at_period_end is True
