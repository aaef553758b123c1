"""Test clock housekeeping, API-created subscriptions, live mode checkout, reset, and the standalone process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import stripe

from stripe_emulator.conformance.harness import DAY, WAIT, Emu, client_for

FROZEN = 1_767_225_600
ROOT = Path(__file__).resolve().parents[2]


def test_test_clocks_list_retrieve_and_delete_with_their_customers(emu: Emu):
    clock = emu.client.v1.test_helpers.test_clocks.create({"frozen_time": FROZEN, "name": "renewals"})
    assert isinstance(clock, stripe.test_helpers.TestClock) and clock.id.startswith("clock_")
    assert (clock.status, clock.name, clock.frozen_time) == ("ready", "renewals", FROZEN)
    sub = emu.subscribe(emu.price(), clock=clock)
    free = emu.client.v1.customers.create({"email": "free@example.com"})
    on_clock = emu.client.v1.customers.list({"test_clock": clock.id}).data
    assert [c.id for c in on_clock] == [sub.customer]
    assert [c.id for c in emu.client.v1.test_helpers.test_clocks.list().data] == [clock.id]
    with pytest.raises(stripe.InvalidRequestError) as info:
        emu.client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": FROZEN - 1})
    assert info.value.param == "frozen_time"
    deleted = emu.client.v1.test_helpers.test_clocks.delete(clock.id)
    assert deleted.deleted is True
    with pytest.raises(stripe.InvalidRequestError):
        emu.client.v1.subscriptions.retrieve(sub.id)
    assert [c.id for c in emu.client.v1.customers.list().data] == [free.id]
    live = client_for(emu.url, emu.account["live_secret_key"])
    with pytest.raises(stripe.InvalidRequestError):
        live.v1.test_helpers.test_clocks.create({"frozen_time": FROZEN})


def test_cancel_at_a_timestamp_ends_the_subscription_then(emu: Emu):
    clock = emu.clock(FROZEN)
    sub = emu.subscribe(emu.price(), clock=clock)
    when = FROZEN + 10 * DAY
    updated = emu.client.v1.subscriptions.update(sub.id, {"cancel_at": when})
    assert updated.cancel_at == when and updated.cancel_at_period_end is False
    emu.advance(clock, 11 * DAY)
    ended = emu.client.v1.subscriptions.retrieve(sub.id)
    assert ended.status == "canceled" and ended.ended_at == when
    with pytest.raises(stripe.InvalidRequestError):
        emu.client.v1.subscriptions.update(emu.subscribe(emu.price(), clock=clock).id, {"cancel_at": FROZEN - 5})


def test_subscriptions_created_through_the_api(emu: Emu):
    price = emu.price(1200)
    customer = emu.client.v1.customers.create({"email": "api@example.com", "payment_method": "pm_card_visa"})
    assert customer.invoice_settings.default_payment_method.startswith("pm_")
    before = emu.events()
    sub = emu.client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id}],
                                              "metadata": {"via": "api"}, "expand": ["latest_invoice"]})
    assert sub.status == "active" and isinstance(sub.latest_invoice, stripe.Invoice)
    assert sub.latest_invoice.status == "paid"
    assert emu.types(after=before) == [
        "customer.subscription.created", "invoice.created", "invoice.finalized", "payment_intent.created",
        "charge.succeeded", "payment_intent.succeeded", "invoice_payment.paid", "invoice.paid",
        "invoice.payment_succeeded"]
    declining = emu.client.v1.customers.create({"payment_method": "pm_card_chargeCustomerFail"})
    with pytest.raises(stripe.CardError):
        emu.client.v1.subscriptions.create({"customer": declining.id, "items": [{"price": price.id}],
                                            "payment_behavior": "error_if_incomplete"})
    incomplete = emu.client.v1.subscriptions.create({"customer": declining.id, "items": [{"price": price.id}]})
    assert incomplete.status == "incomplete"
    with pytest.raises(stripe.CardError):
        emu.client.v1.customers.create({"payment_method": "pm_card_chargeDeclined"})


def test_a_trial_shorter_than_three_days_warns_at_once(emu: Emu):
    customer = emu.client.v1.customers.create({"payment_method": "pm_card_visa"})
    sub = emu.client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": emu.price().id}],
                                              "trial_period_days": 1})
    assert sub.status == "trialing"
    warnings = emu.client.v1.events.list({"type": "customer.subscription.trial_will_end"}).data
    assert [w.data.object.id for w in warnings] == [sub.id]


def test_ending_a_trial_now(emu: Emu):
    clock = emu.clock(FROZEN)
    sub = emu.subscribe(emu.price(800), clock=clock, subscription_data={"trial_period_days": 30})
    ended = emu.client.v1.subscriptions.update(sub.id, {"trial_end": "now"})
    assert ended.status == "active" and ended.trial_end == FROZEN
    assert emu.client.v1.invoices.retrieve(ended.latest_invoice).amount_paid == 800


def test_live_mode_checkout(emu: Emu):
    live = client_for(emu.url, emu.account["live_secret_key"])
    product = live.v1.products.create({"name": "Live"})
    price = live.v1.prices.create({"product": product.id, "unit_amount": 500, "currency": "usd",
                                   "recurring": {"interval": "month"}})
    session = live.v1.checkout.sessions.create({"mode": "subscription", "customer_email": "live@example.com",
                                                "line_items": [{"price": price.id, "quantity": 1}],
                                                "success_url": "https://example.com/ok"})
    assert session.id.startswith("cs_live_") and session.livemode is True
    assert emu.pay(session.id)["status"] == "succeeded"
    [sub] = live.v1.subscriptions.list().data
    assert sub.livemode is True
    assert emu.client.v1.subscriptions.list().data == []


def test_reset_forgets_everything(emu: Emu):
    emu.client.v1.customers.create({})
    assert requests.post(f"{emu.url}/_emulator/reset", timeout=10).json() == {"reset": True}
    with pytest.raises(stripe.AuthenticationError):
        emu.client.v1.customers.list()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_standalone_process_serves_the_api():
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen([sys.executable, "-m", "stripe_emulator", "--port", str(port)], cwd=ROOT,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + WAIT
        health = None
        while time.monotonic() < deadline and health is None:
            try:
                health = requests.get(f"{url}/_emulator/health", timeout=1).json()
            except requests.ConnectionError:
                time.sleep(0.05)
        assert health is not None and health["ok"] is True
        account = requests.post(f"{url}/_emulator/accounts", json={}, timeout=10).json()
        customer = client_for(url, account["test_secret_key"]).v1.customers.create({"email": "cli@example.com"})
        assert isinstance(customer, stripe.Customer)
    finally:
        process.terminate()
        process.wait(timeout=10)
