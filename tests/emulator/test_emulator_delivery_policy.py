"""Deliveries like Stripe's on demand: several in flight per endpoint, shuffled order, duplicates and delayed
retries within a bounded window, set per account or per endpoint through `/_emulator` routes."""

from __future__ import annotations

import threading
import time
from collections import Counter

import stripe

from stripe_emulator.conformance.harness import Emu, Receiver


def _endpoint(emu: Emu, url: str) -> stripe.WebhookEndpoint:
    return emu.client.v1.webhook_endpoints.create({"url": url, "enabled_events": ["customer.created"]})


def _customers(emu: Emu, n: int) -> list[str]:
    """Creates n customers; returns their `customer.created` event ids in creation order."""
    for i in range(n):
        emu.client.v1.customers.create({"email": f"{i}@example.com"})
    return [e.id for e in emu.events(type="customer.created")]


class InFlight:
    """Counts the deliveries a slow receiver is handling at once."""

    def __init__(self, pause: float) -> None:
        self.pause, self.now, self.most = pause, 0, 0
        self.lock = threading.Lock()

    def __call__(self, headers: dict, body: bytes) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(self.pause)
        with self.lock:
            self.now -= 1


def test_by_default_one_delivery_is_in_flight_per_endpoint_in_event_order(emu: Emu):
    # Given a slow receiver and the default policy
    counter = InFlight(0.05)
    receiver = Receiver(on_request=counter)
    try:
        _endpoint(emu, receiver.url)
        # When six events are created
        expected = _customers(emu, 6)
        emu.wait_deliveries()
        # Then they arrived one at a time, in order
        assert counter.most == 1
        assert [e["id"] for e in receiver.events()] == expected
    finally:
        receiver.stop()


def test_an_account_policy_puts_several_deliveries_in_flight(emu: Emu):
    # Given a slow receiver and an account allowing four deliveries in flight
    counter = InFlight(0.2)
    receiver = Receiver(on_request=counter)
    try:
        policy = emu.admin("POST", f"/accounts/{emu.account['id']}/delivery", {"concurrency": 4}).json()
        assert policy["concurrency"] == 4 and policy["shuffle"] is False
        _endpoint(emu, receiver.url)
        # When eight events are created
        expected = _customers(emu, 8)
        emu.wait_deliveries()
        # Then more than one was in flight at once, and each arrived exactly once
        assert 2 <= counter.most <= 4
        assert sorted(e["id"] for e in receiver.events()) == sorted(expected)
    finally:
        receiver.stop()


def test_shuffled_deliveries_arrive_out_of_order_each_once(emu: Emu, receiver: Receiver):
    # Given an endpoint whose deliveries are shuffled within one second (seeded)
    endpoint = _endpoint(emu, receiver.url)
    emu.admin("POST", f"/webhook_endpoints/{endpoint.id}/delivery", {"shuffle": True, "window": 1.0, "seed": 7})
    # When twelve events are created
    expected = _customers(emu, 12)
    started = time.monotonic()
    emu.wait_deliveries()
    # Then all arrive within the window, once each, not in creation order
    arrived = [e["id"] for e in receiver.events()]
    assert time.monotonic() - started < 5
    assert sorted(arrived) == sorted(expected)
    assert arrived != expected


def test_duplicates_send_acknowledged_events_again_later_flagged_in_the_delivery(emu: Emu, receiver: Receiver):
    # Given an endpoint that gets every delivery twice
    endpoint = _endpoint(emu, receiver.url)
    emu.admin("POST", f"/webhook_endpoints/{endpoint.id}/delivery", {"duplicates": 1.0, "window": 0.3})
    # When three events are created and deliveries settle
    expected = _customers(emu, 3)
    emu.wait_deliveries()
    # Then each event arrived twice, with the same signed body, and the delivery shows the duplicate attempt
    counts = Counter(e["id"] for e in receiver.events())
    assert counts == {event_id: 2 for event_id in expected}
    delivery = emu.admin("GET", f"/deliveries?event={expected[0]}").json()["data"][0]
    assert delivery["status"] == "succeeded"
    assert [a["duplicate"] for a in delivery["attempts"]] == [False, True]


def test_failed_deliveries_retry_within_the_window_when_shuffled(emu: Emu, receiver: Receiver):
    # Given an endpoint answering 500 twice, with shuffled delivery
    endpoint = _endpoint(emu, receiver.url)
    emu.admin("POST", f"/webhook_endpoints/{endpoint.id}/delivery", {"shuffle": True, "window": 0.5, "seed": 1})
    receiver.statuses = [500, 500]
    # When one event is created
    [event_id] = _customers(emu, 1)
    emu.wait_deliveries()
    # Then it is retried until it succeeds, the retries no further apart than twice the window
    delivery = emu.admin("GET", f"/deliveries?event={event_id}").json()["data"][0]
    times = [a["attempted_at"] for a in delivery["attempts"]]
    assert delivery["status"] == "succeeded" and len(times) == 3
    assert all(later - earlier <= 1.0 + 0.2 for earlier, later in zip(times, times[1:], strict=False))


def test_endpoint_policy_overrides_the_account_one_and_resets(emu: Emu, receiver: Receiver):
    # Given an account policy and an endpoint policy
    endpoint = _endpoint(emu, receiver.url)
    emu.admin("POST", f"/accounts/{emu.account['id']}/delivery", {"shuffle": True})
    own = emu.admin("POST", f"/webhook_endpoints/{endpoint.id}/delivery", {"concurrency": 2}).json()
    # Then the endpoint's wins; reset, the account's applies again
    assert (own["concurrency"], own["shuffle"]) == (2, False)
    back = emu.admin("POST", f"/webhook_endpoints/{endpoint.id}/delivery", {"reset": True}).json()
    assert (back["concurrency"], back["shuffle"]) == (4, True)


def test_policy_values_out_of_bounds_are_refused(emu: Emu):
    # Given / When a policy with an unbounded window or a probability above 1 is set / Then 400
    for body in ({"window": 600}, {"duplicates": 2}, {"concurrency": 0}, {"concurrency": "many"}):
        response = emu.admin("POST", f"/accounts/{emu.account['id']}/delivery", body)
        assert response.status_code == 400, body
    assert emu.admin("POST", "/accounts/acct_missing/delivery", {"shuffle": True}).status_code == 404
