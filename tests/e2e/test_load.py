"""Bounded load on `python -m local.stack`: concurrent checkouts, webhooks and developer reads stay correct."""
from __future__ import annotations

import threading

import pytest
import requests

from bench import load
from tests.e2e.conftest import RunningStack

USERS = 50  # the 50 concurrent end users; bench.load runs the same with timings and longer runs


@pytest.fixture(scope="module")
def target(local_stack: RunningStack) -> load.Target:
    return load.target(local_stack)


def test_a_burst_of_connections_is_served_without_resets(target: load.Target) -> None:
    # Given 50 clients that connect to the gateway at the same moment (its listen backlog once was 5)
    barrier = threading.Barrier(50)
    statuses: list[int | str] = []

    def connect(i: int) -> None:
        barrier.wait(timeout=30)
        try:
            statuses.append(requests.post(f"{target.url}/_local/token", json={"role": "developer", "sub": f"b{i}"},
                                          timeout=60).status_code)
        except requests.RequestException as exc:
            statuses.append(type(exc).__name__)

    # When they all send a request
    threads = [threading.Thread(target=connect, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    # Then every one of them is answered
    assert statuses == [200] * 50


def test_concurrent_checkouts_are_each_recorded_once_while_developers_read(target: load.Target) -> None:
    # Given a developer with two projects, each wired to its own emulator account and webhook endpoint
    # When end users check out and pay at once, the emulator delivers their webhooks and two developers keep
    # listing and reading stats, and we wait (bounded) until the API lists everything Stripe holds
    result = load.run(target, users=USERS, developers=2, projects=2, duration=0, settle_timeout=240)
    # Then nothing answered 5xx, every subscription and payment is listed exactly once (against the emulator's
    # objects), the counters and day sums equal the refresher's recount, and the event log holds each event once
    assert result.problems == []
    assert result.checkouts == USERS
    # Every third user bought a one-time pack; the others subscribed (and paid their first invoice)
    assert result.counts["payments"] == USERS
    assert result.counts["subscriptions"] == USERS - USERS // 3
    assert result.counts["events"] == result.counts["webhook_deliveries"] > USERS
    # And the developers' lists and stats, and the end users' returns, all answered 200 while the load ran
    routes = {s.route for s in result.recorder.samples}
    assert {f"GET /api/v1/payments/{path}" for path in ("subscriptions", "transactions", "stats")} <= routes
    assert {s.status for s in result.recorder.samples if s.route.startswith("GET /api/v1/")} == {200}
