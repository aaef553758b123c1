"""Signed webhook delivery (order, retries, resend, delivery_success) and injected API faults."""

from __future__ import annotations

import json
import time

import pytest
import requests
import stripe

from stripe_emulator import API_VERSION

from stripe_emulator.conformance.harness import WAIT, Emu, Receiver, client_for


def _endpoint(emu: Emu, url: str, events: list[str] | None = None) -> stripe.WebhookEndpoint:
    return emu.client.v1.webhook_endpoints.create({"url": url, "enabled_events": events or ["*"]})


def test_deliveries_are_signed_ordered_and_verify_with_the_sdk(emu: Emu, receiver: Receiver):
    endpoint = _endpoint(emu, receiver.url)
    for i in range(5):
        emu.client.v1.customers.create({"email": f"{i}@example.com"}, {"idempotency_key": f"k{i}"})
    emu.wait_deliveries()
    received = receiver.wait_for(5)
    assert len(received) == 5
    expected = [e.id for e in emu.events()]
    verified = []
    for request in received:
        assert request["headers"]["Content-Type"] == "application/json; charset=utf-8"
        event = stripe.Webhook.construct_event(request["body"].decode(), request["headers"]["Stripe-Signature"],
                                               endpoint.secret)
        assert isinstance(event, stripe.Event)
        verified.append(event)
    assert [e.id for e in verified] == expected
    first = verified[0]
    assert first.type == "customer.created" and first.api_version == API_VERSION and first.livemode is False
    assert first.request.idempotency_key == "k0" and first.request.id.startswith("req_")
    assert isinstance(first.data.object, stripe.Customer)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(received[0]["body"].decode(), received[0]["headers"]["Stripe-Signature"],
                                       "whsec_wrong")


def test_an_events_object_is_the_object_as_it_was_when_the_event_happened(emu: Emu):
    # Given a customer created, then changed
    customer = emu.client.v1.customers.create({"email": "before@example.com"})
    emu.client.v1.customers.update(customer.id, {"email": "after@example.com"})
    # When its events are read later
    created, updated = emu.events()[-2:]
    # Then each carries the customer as it was then (a snapshot), not as it is now
    assert (created.type, created.data.object.email) == ("customer.created", "before@example.com")
    assert (updated.type, updated.data.object.email) == ("customer.updated", "after@example.com")
    assert updated.data.previous_attributes.email == "before@example.com"


def test_only_enabled_events_are_delivered_and_only_to_their_account(server, receiver: Receiver):
    emu, other = Emu(server, "One"), Emu(server, "Two")
    _endpoint(emu, receiver.url, ["product.created"])
    emu.client.v1.customers.create({"email": "x@example.com"})
    product = emu.client.v1.products.create({"name": "P"})
    other.client.v1.products.create({"name": "Other account"})
    client_for(server.url, emu.account["live_secret_key"]).v1.products.create({"name": "Live mode"})
    emu.wait_deliveries()
    events = receiver.events()
    assert [(e["type"], e["data"]["object"]["id"]) for e in events] == [("product.created", product.id)]


def test_failed_deliveries_are_retried_with_backoff(emu: Emu, receiver: Receiver):
    _endpoint(emu, receiver.url)
    receiver.statuses = [500, 503]
    customer = emu.client.v1.customers.create({"email": "retry@example.com"})
    emu.wait_deliveries()
    event = emu.client.v1.events.list({"type": "customer.created"}).data[0]
    deliveries = emu.admin("GET", "/deliveries", params={"event": event.id}).json()["data"]
    assert len(deliveries) == 1
    assert deliveries[0]["status"] == "succeeded"
    assert [a["status_code"] for a in deliveries[0]["attempts"]] == [500, 503, 200]
    bodies = {r["body"] for r in receiver.requests}
    assert len(bodies) == 1  # every attempt sends the same bytes
    assert json.loads(bodies.pop())["data"]["object"]["id"] == customer.id
    assert emu.client.v1.events.retrieve(event.id).pending_webhooks == 0


def test_exhausted_deliveries_show_in_delivery_success_and_can_be_resent(emu: Emu, receiver: Receiver):
    _endpoint(emu, receiver.url, ["customer.created"])
    receiver.default_status = 500
    emu.client.v1.customers.create({"email": "lost@example.com"})
    emu.wait_deliveries()
    undelivered = emu.client.v1.events.list({"delivery_success": False}).data
    assert [e.type for e in undelivered] == ["customer.created"]
    assert undelivered[0].pending_webhooks == 1
    delivery = emu.admin("GET", "/deliveries", params={"event": undelivered[0].id}).json()["data"][0]
    assert delivery["status"] == "failed" and len(delivery["attempts"]) == 4
    receiver.default_status = 200
    resent = emu.admin("POST", f"/deliveries/{delivery['id']}/resend").json()
    assert resent["status"] == "pending"
    emu.wait_deliveries()
    assert emu.admin("GET", f"/deliveries/{delivery['id']}").json()["status"] == "succeeded"
    assert emu.client.v1.events.list({"delivery_success": False}).data == []
    assert [e.id for e in emu.client.v1.events.list({"delivery_success": True}).data] == [undelivered[0].id]


def test_connection_errors_are_recorded_and_flush_skips_the_backoff(emu: Emu):
    _endpoint(emu, "http://127.0.0.1:9/nothing-listens-here")
    emu.client.v1.customers.create({"email": "x@example.com"})
    flushed = emu.admin("POST", "/deliveries/flush", {"timeout": WAIT}).json()
    assert flushed["idle"] is True
    delivery = emu.admin("GET", "/deliveries").json()["data"][0]
    assert delivery["status"] == "failed"
    assert all(a["status_code"] is None and a["error"] for a in delivery["attempts"])


def test_a_receiver_may_call_the_emulator_during_a_delivery(emu: Emu):
    seen: list[str] = []

    def look_up(headers: dict, body: bytes) -> None:
        event_id = json.loads(body)["id"]
        seen.append(emu.client.v1.events.retrieve(event_id).type)

    receiver = Receiver(on_request=look_up)
    try:
        _endpoint(emu, receiver.url)
        emu.client.v1.customers.create({"email": "callback@example.com"})
        emu.wait_deliveries()
        assert seen == ["customer.created"]
    finally:
        receiver.stop()


def test_events_filter_by_type_types_and_created(emu: Emu):
    emu.client.v1.customers.create({"email": "a@example.com"})
    emu.client.v1.products.create({"name": "P"})
    assert [e.type for e in emu.client.v1.events.list({"type": "customer.created"}).data] == ["customer.created"]
    assert [e.type for e in emu.client.v1.events.list({"type": "product.*"}).data] == ["product.created"]
    both = emu.client.v1.events.list({"types": ["customer.created", "product.created"]}).data
    assert [e.type for e in both] == ["product.created", "customer.created"]
    created = both[0].created
    assert len(emu.client.v1.events.list({"created": {"gte": created}}).data) == 2
    assert emu.client.v1.events.list({"created": {"gt": created + 10}}).data == []
    event = emu.client.v1.events.retrieve(both[1].id)
    assert isinstance(event, stripe.Event) and event.data.object.email == "a@example.com"


def test_fault_500_then_success_with_sdk_retries(emu: Emu):
    fault = emu.admin("POST", "/faults", {"kind": "500", "count": 1, "path_prefix": "/v1/customers"}).json()
    assert fault["remaining"] == 1
    with pytest.raises(stripe.APIError) as info:
        emu.client.v1.customers.create({"email": "a@example.com"})
    assert info.value.http_status == 500 and info.value.error.type == "api_error"
    emu.admin("POST", "/faults", {"kind": "500", "count": 1})
    retrying = client_for(emu.url, emu.account["test_secret_key"], max_network_retries=1)
    assert retrying.v1.customers.create({"email": "b@example.com"}).email == "b@example.com"
    assert emu.admin("GET", "/faults").json()["data"] == []


def test_fault_429_asks_the_client_to_retry(emu: Emu):
    emu.admin("POST", "/faults", {"kind": "429", "count": 1})
    raw = requests.get(f"{emu.url}/v1/customers", timeout=10,
                       headers={"Authorization": f"Bearer {emu.account['test_secret_key']}"})
    assert raw.status_code == 429
    assert raw.headers["Stripe-Should-Retry"] == "true"
    assert raw.json()["error"]["code"] == "rate_limit"
    emu.admin("POST", "/faults", {"kind": "429", "count": 1})
    with pytest.raises(stripe.RateLimitError):
        emu.client.v1.customers.list()
    emu.admin("POST", "/faults", {"kind": "429", "count": 1})
    retrying = client_for(emu.url, emu.account["test_secret_key"], max_network_retries=1)
    assert retrying.v1.customers.list().data == []


def test_fault_path_prefix_and_clear(emu: Emu):
    emu.admin("POST", "/faults", {"kind": "500", "count": 5, "path_prefix": "/v1/products"})
    assert emu.client.v1.customers.list().data == []
    with pytest.raises(stripe.APIError):
        emu.client.v1.products.list()
    assert emu.admin("DELETE", "/faults").json() == {"cleared": 1}
    assert emu.client.v1.products.list().data == []


def test_fault_hang_outlasts_the_client_timeout_and_idempotency_keeps_one_object(emu: Emu):
    emu.admin("POST", "/faults", {"kind": "hang", "count": 1, "hang_seconds": 1.0})
    impatient = client_for(emu.url, emu.account["test_secret_key"], http_client=stripe.RequestsClient(timeout=0.3))
    with pytest.raises(stripe.APIConnectionError):
        impatient.v1.customers.create({"email": "slow@example.com"}, {"idempotency_key": "slow-1"})
    # The hung call is still handled once its hang is over, as a slow Stripe would.
    deadline = time.monotonic() + WAIT
    while not emu.client.v1.customers.list().data and time.monotonic() < deadline:
        time.sleep(0.05)
    [created] = emu.client.v1.customers.list().data
    retried = emu.client.v1.customers.create({"email": "slow@example.com"}, {"idempotency_key": "slow-1"})
    assert retried.id == created.id
    assert retried.last_response.headers.get("Idempotent-Replayed") == "true"
    assert len(emu.client.v1.customers.list().data) == 1
