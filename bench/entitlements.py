"""`check` and `usage` (issue 14), measured in one run against moto server and the Stripe emulator.

1. `check` warm against E14: DynamoDB calls per request (goal: 1) and the median latency of each, through the same
   in-process handlers the local stack's gateway runs (moto over HTTP; the gateway's own HTTP hop is the same for
   both and left out).
2. `usage`: N calls, a tenth of them retried with the same Idempotency-Key, every report (an outbox item of its
   call's transaction) then delivered from the table's stream by the outbox sender to Stripe's Billing Meters (one
   in ten delivered twice, as a stream may): the meter must hold exactly the unique calls (0 lost, 0
   double-counted), and so must PayKit's own counter.

`python -m bench.entitlements [--calls 10000]` prints both tables and writes bench/results/entitlements.json.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import time
import uuid
from collections import Counter
from datetime import datetime, timezone
from typing import Any

import requests

from bench.common import table, write_results
from local import lambda_host
from local.handler_client import HandlerClient
from local.stream_poller import StreamPoller
from local.testbed import Testbed, start_testbed

API = "/api/v1/payments/stripe"
URLS = {"success_url": "https://app.example.com/ok", "cancel_url": "https://app.example.com/"}


def setup(client: HandlerClient, bed: Testbed) -> dict[str, Any]:
    """A project with a Basic plan carrying `exports` (metered) and `api`, and a user subscribed to it."""
    from paykit.processor import default_processor

    emulator_url = bed.emulator.url
    dev = bed.token(f"bench-dev-{uuid.uuid4()}")
    account = bed.stripe_account()
    key = account["test_secret_key"]
    project = client.post("/api/v1/projects/", token=dev, json_body={"name": "bench"}).json()["id"]
    client.put(f"{API}/projects/{project}/config", token=dev, json_body={"test_secret_key": key})

    def stripe(method: str, path: str, **data: Any) -> dict[str, Any]:
        return requests.request(method, f"{emulator_url}{path}", data=data, auth=(key, ""), timeout=10).json()

    exports = client.post(f"{API}/projects/{project}/features", token=dev, json_body={
        "key": "exports", "name": "Exports", "kind": "metered", "limit": 10**9}).json()
    api = client.post(f"{API}/projects/{project}/features", token=dev, json_body={"key": "api", "name": "API"}).json()
    product = stripe("POST", "/v1/products", name="Basic")["id"]
    price = stripe("POST", "/v1/prices", product=product, currency="usd", unit_amount=1900,
                   **{"recurring[interval]": "month"})["id"]
    for feature in (exports, api):
        client.post(f"{API}/projects/{project}/products/{product}/features", token=dev,
                    json_body={"feature": feature["lookup_key"]})
    user = str(uuid.uuid4())
    user_token = bed.token(user, project)
    session = client.post(f"{API}/checkout-session", token=user_token, json_body={"price_id": price, **URLS}).json()
    requests.post(f"{emulator_url}/_emulator/checkout/{session['session_id']}/pay", json={"card": "4242424242424242"},
                  timeout=10)
    for evt in reversed(stripe("GET", "/v1/events", limit=100)["data"]):
        default_processor().process_event(project, "test", evt, json.dumps(evt))
    customer = client.get(f"{API}/my-subscription", token=user_token).json()["customer_id"]
    return {"project": project, "user_token": user_token, "customer": customer, "meter": exports["meter_id"],
            "stripe_key": key}


def measure(client: HandlerClient, path: str, user_token: str, query: dict[str, str], samples: int,
            counter: Counter[str]) -> dict[str, Any]:
    client.get(path, token=user_token, query=query)  # warm
    counter.clear()
    client.get(path, token=user_token, query=query)
    calls = dict(counter)
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        reply = client.get(path, token=user_token, query=query)
        times.append(time.perf_counter() - started)
        assert reply.status == 200, reply.text
    return {"dynamodb_calls": sum(calls.values()), "detail": calls, "p50_ms": statistics.median(times) * 1000}


def metered_total(emulator_url: str, world: dict[str, Any]) -> int:
    """What Stripe's meter holds for the world's customer over the last day."""
    now = int(datetime.now(timezone.utc).timestamp())
    summary = requests.get(f"{emulator_url}/v1/billing/meters/{world['meter']}/event_summaries",
                           auth=(world["stripe_key"], ""), timeout=30,
                           params={"customer": world["customer"], "start_time": (now - 86400) // 60 * 60,
                                   "end_time": (now + 3600) // 60 * 60}).json()
    return int(sum(s["aggregated_value"] for s in summary["data"]))


def deliver_reports(outbox: StreamPoller, duplicate_every: int) -> int:
    """Every outbox item on the table's stream through the outbox sender (every `duplicate_every`-th twice)."""
    records = outbox.pending_records()
    outbox.drain(max_polls=len(records) + 10)
    for record in records[::duplicate_every]:
        lambda_host.invoke("outbox_sender", {"Records": [record]})
    return len(records)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args(argv)
    with start_testbed() as bed:
        from paykit import aws as paykit_aws

        outbox = StreamPoller(bed.aws, bed.environment["TABLE_NAME"],
                              dlq_url=bed.aws.queue_urls["OutboxDeadLetterQueue"])
        client = HandlerClient()
        world = setup(client, bed)
        counter: Counter[str] = Counter()
        paykit_aws.client("dynamodb").meta.events.register("before-call.dynamodb",
                                                           lambda model, **_: counter.update([model.name]))
        check = measure(client, f"{API}/check", world["user_token"], {"feature": "exports"}, args.samples, counter)
        e14 = measure(client, f"{API}/my-subscription", world["user_token"], {}, args.samples, counter)
        print("Warm reads, median of", args.samples, "(in-process handlers, moto over HTTP)")
        print(table(["route", "DynamoDB calls", "detail", "p50 ms"], [
            ["GET check", check["dynamodb_calls"], check["detail"], f"{check['p50_ms']:.1f}"],
            ["GET my-subscription (E14)", e14["dynamodb_calls"], e14["detail"], f"{e14['p50_ms']:.1f}"]]))
        print(f"check / E14 latency: {check['p50_ms'] / e14['p50_ms']:.2f}; goal: 1 DynamoDB call "
              f"({'ok' if check['dynamodb_calls'] == 1 else 'MISSED'})")

        rng = random.Random(14)
        keys = [f"use-{i}" for i in range(args.calls)]
        retried = set(rng.sample(range(args.calls), args.calls // 10))
        started = time.perf_counter()
        sent = duplicates = 0
        for i, key in enumerate(keys):
            for attempt in range(2 if i in retried else 1):
                reply = client.post(f"{API}/usage", token=world["user_token"], headers={"Idempotency-Key": key},
                                    json_body={"feature": "exports", "quantity": 1})
                assert reply.status == 200, reply.text
                sent += 1
                duplicates += reply.json()["duplicate"]
        usage_seconds = time.perf_counter() - started
        started = time.perf_counter()
        delivered = deliver_reports(outbox, duplicate_every=10)
        report_seconds = time.perf_counter() - started
        used = client.get(f"{API}/check", token=world["user_token"], query={"feature": "exports"}).json()["used"]
        metered = metered_total(bed.emulator.url, world)
        unique = args.calls
        print()
        print(f"usage: {sent} calls ({sent - unique} retries with the same key) in {usage_seconds:.0f} s "
              f"({sent / usage_seconds:.0f}/s); {delivered} reports delivered in {report_seconds:.0f} s, "
              "one in ten twice")
        print(table(["", "count", "goal"], [
            ["unique calls", unique, ""],
            ["answered as duplicates", duplicates, sent - unique],
            ["PayKit's counter", used, unique],
            ["reported to the meter", metered, unique],
            ["lost", unique - min(metered, used), 0],
            ["double-counted", max(metered, used) - unique, 0]]))
        results = {"check": check, "e14": e14, "usage": {"calls": sent, "unique": unique, "duplicates": duplicates,
                                                         "paykit_used": used, "metered": metered,
                                                         "usage_seconds": usage_seconds,
                                                         "report_seconds": report_seconds}}
        write_results("entitlements", results)
        return results


if __name__ == "__main__":
    main()
