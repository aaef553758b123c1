"""Usage under faults (issue 18): N usage calls against moto (behind the fault proxy) and the Stripe emulator, with
10% retried by the client with the same Idempotency-Key, 5% meeting DynamoDB transaction conflicts (injected on
their transaction) and 1% killed right after their transaction reached DynamoDB (the answer lost, the container
gone; the client retries later). Every report then leaves through the table's stream, one in ten delivered twice.
The goal: reported to the meter = PayKit's counter = unique calls, 0 lost, 0 double.

`python -m bench.usage_faults [--calls 10000]` prints the table and writes bench/results/usage_faults.json.
"""
from __future__ import annotations

import argparse
import os
import random
import time
from typing import Any

from bench.common import table, write_results
from bench.entitlements import API, deliver_reports, metered_total, setup
from local.fault_proxy import FaultProxy
from local.handler_client import HandlerClient
from local.stream_poller import StreamPoller
from local.testbed import reset_service_caches, start_testbed

CONFLICT = {"code": "TransactionCanceledException", "extra": {"CancellationReasons": [
    {"Code": "None"}, {"Code": "TransactionConflict"}, {"Code": "None"}, {"Code": "None"}]}}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args(argv)
    bed = start_testbed()
    proxy = FaultProxy(bed.aws.endpoint_url).start()
    try:
        outbox = StreamPoller(bed.aws, bed.environment["TABLE_NAME"],
                              dlq_url=bed.aws.queue_urls["OutboxDeadLetterQueue"])
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = proxy.url  # PayKit's DynamoDB calls pass the fault proxy
        reset_service_caches()  # a new container: its clients go through the proxy
        client = HandlerClient()
        world = setup(client, bed)
        rng = random.Random(args.seed)
        calls = range(args.calls)
        retried = set(rng.sample(calls, args.calls // 10))
        conflicted = set(rng.sample(calls, args.calls // 20))
        killed = set(rng.sample(calls, args.calls // 100))
        outcomes: dict[int, int] = {}
        sent = conflicts = 0
        started = time.perf_counter()
        for i in calls:
            key = f"use-{i}"
            if i in conflicted:
                proxy.inject("dynamodb", "TransactWriteItems", rng.randint(1, 3), **CONFLICT)
                conflicts += 1
            if i in killed:
                proxy.inject("dynamodb", "TransactWriteItems", 1, action="crash")
            attempts = 2 if i in retried or i in killed else 1
            for _ in range(attempts):
                reply = client.post(f"{API}/usage", token=world["user_token"], headers={"Idempotency-Key": key},
                                    json_body={"feature": "exports", "quantity": 1})
                sent += 1
                outcomes[reply.status] = outcomes.get(reply.status, 0) + 1
                if proxy.dead.is_set():  # the container died: the next attempt runs in a new one
                    proxy.clear()
                    reset_service_caches()
        usage_seconds = time.perf_counter() - started
        os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB")
        reset_service_caches()
        started = time.perf_counter()
        delivered = deliver_reports(outbox, duplicate_every=10)
        report_seconds = time.perf_counter() - started
        used = client.get(f"{API}/check", token=world["user_token"], query={"feature": "exports"}).json()["used"]
        metered = metered_total(bed.emulator.url, world)
        unique = args.calls
        print(f"usage under faults: {sent} requests for {unique} calls in {usage_seconds:.0f} s "
              f"({sent / usage_seconds:.0f}/s): {len(retried)} retried, {conflicts} with injected conflicts, "
              f"{len(killed)} killed after their transaction; answers by status {dict(sorted(outcomes.items()))}")
        print(f"{delivered} outbox records sent from the stream in {report_seconds:.0f} s, one in ten twice")
        print(table(["", "count", "goal", "ratio to goal"], [
            ["PayKit's counter", used, unique, f"{used / unique:.4f}"],
            ["reported to the meter", metered, unique, f"{metered / unique:.4f}"],
            ["outbox items", delivered, unique, f"{delivered / unique:.4f}"],
            ["lost", unique - min(metered, used), 0, ""],
            ["double-counted", max(metered, used) - unique, 0, ""]]))
        results = {"calls": unique, "requests": sent, "statuses": outcomes, "retried": len(retried),
                   "conflicted": conflicts, "killed": len(killed), "paykit_used": used, "metered": metered,
                   "outbox_items": delivered, "usage_seconds": usage_seconds, "report_seconds": report_seconds}
        write_results("usage_faults", results)
        return results
    finally:
        proxy.stop()
        bed.stop()


if __name__ == "__main__":
    main()
