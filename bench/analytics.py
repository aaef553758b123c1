"""E4 and the revenue time series: DynamoDB calls and items read per request (issue 13's benchmarks).

1. A developer with 1 project against one with 100 (each project holds subscriptions and payments applied by the
   real event processor): E4 and the time series cost the same (goal: ratio 1.0).
2. The time series for 365 daily points over 100,000 subscriptions against 30 points over 1,000: the cost grows
   with the points only. The series reads day buckets and counters, never records, so this part writes the
   buckets and counters the processor would have written for that many subscriptions (computed with the same
   paykit.metrics functions), straight into moto, instead of applying 100,000 events (an hour on moto).

`python -m bench.analytics` prints both tables and writes bench/results/analytics.json.
"""
from __future__ import annotations

import argparse
import random
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from typing import Any, Callable

from bench.common import table, write_results
from local.handler_client import HandlerClient
from local.testbed import seed_items, start_testbed

STATS = "/api/v1/payments/stats"
SERIES = "/api/v1/payments/stats/timeseries"


class ReadCounter:
    """DynamoDB calls and items returned, per request, from botocore's hooks on the service's own client."""

    def __init__(self) -> None:
        from paykit import aws

        self.calls: Counter[str] = Counter()
        self.items = 0
        events = aws.client("dynamodb").meta.events
        events.register("before-call.dynamodb", lambda model, **_: self.calls.update([model.name]))
        events.register("after-call.dynamodb", self._after)

    def _after(self, parsed: dict[str, Any], **_: Any) -> None:
        self.items += len(parsed.get("Items") or []) + (1 if parsed.get("Item") else 0)
        self.items += sum(len(v) for v in (parsed.get("Responses") or {}).values())

    def measure(self, request: Callable[[], Any]) -> dict[str, Any]:
        self.calls.clear()
        self.items = 0
        reply = request()
        assert reply.status == 200, reply.text
        return {"calls": sum(self.calls.values()), "items": self.items, "detail": dict(self.calls)}


def seed_projects(client: HandlerClient, dev: str, count: int) -> None:
    """`count` projects, each with two subscriptions and a payment applied by the event processor."""
    from local.stripe_events import event, invoice, subscription
    from paykit.processor import default_processor

    now = int(time.time())
    for n in range(count):
        project = client.post("/api/v1/projects/", token=dev, json_body={"name": f"p{n}"}).json()["id"]
        for i in range(2):
            sub = subscription(f"sub_{n}_{i}", f"cus_{n}_{i}", "active", created=now - 86400 * (i + 1),
                               user_id=f"u{n}{i}", project_id=project, period_start=now, period_end=now + 86400)
            evt = event("customer.subscription.updated", sub, created=now - 86400 * (i + 1))
            default_processor().process_event(project, "test", evt, "{}")
        paid = invoice(f"in_{n}", f"cus_{n}_0", f"sub_{n}_0", f"pi_{n}", created=now, amount=1900, paid=True,
                       user_id=f"u{n}0", project_id=project)
        default_processor().process_event(project, "test", event("invoice.paid", paid, created=now), "{}")


def seed_buckets(owner: str, subscriptions: int, days: int) -> None:
    """The developer's counters and day buckets for `subscriptions` subscriptions created over `days` days, some
    upgraded and some churned, as the processor writes them (same metrics functions, summed per day)."""
    from paykit import metrics
    from paykit.store import keys

    rng = random.Random(subscriptions)
    today = date.today()
    counters: Counter[str] = Counter()
    buckets: dict[str, Counter[str]] = {}

    def record(status: str, amount: int, created: str) -> dict[str, Any]:
        return {"type": "subscription", "status": status, "price_amount_cents": amount, "price_interval": "month",
                "quantity": 1, "currency": "usd", "created_at": created}

    for _ in range(subscriptions):
        start = today - timedelta(days=rng.randrange(days))
        sub = record("active", rng.choice((900, 1900, 4900)), f"{start.isoformat()}T00:00:00Z")
        history = [(None, sub, start)]
        if rng.random() < 0.3:
            when = start + timedelta(days=rng.randrange((today - start).days + 1))
            history.append((sub, {**sub, "price_amount_cents": 9900, "had_mrr": True}, when))
        if rng.random() < 0.2:
            old = history[-1][1]
            history.append((old, {**old, "status": "canceled", "had_mrr": True}, history[-1][2]))
        for old, new, when in history:
            for day, sums in metrics.movement(old, new, when.isoformat()).items():
                buckets.setdefault(day, Counter()).update(sums)
        counters.update(metrics.contribution(history[-1][1]))
    items = [{**keys.developer_counters(owner, "test"), "type": "counters", **counters}]
    items += [{**keys.developer_day(owner, "test", day), "type": "counters", **sums} for day, sums in buckets.items()]
    seed_items(items)  # the items the processor would have written


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--large", type=int, default=100_000, help="subscriptions behind the 365-point series")
    args = parser.parse_args(argv)
    with start_testbed() as bed:
        client = HandlerClient()
        counter = ReadCounter()
        small, large = bed.token(f"dev-one-{uuid.uuid4()}"), bed.token(f"dev-many-{uuid.uuid4()}")
        started = time.perf_counter()
        seed_projects(client, small, 1)
        seed_projects(client, large, args.projects)
        seeded = time.perf_counter() - started
        rows, results = [], {}
        for name, path, query in (("E4 stats", STATS, {}), ("time series (30 days)", SERIES, {"metric": "mrr"})):
            client.get(path, token=small, query=query)  # warm
            one = counter.measure(lambda: client.get(path, token=small, query=query))
            many = counter.measure(lambda: client.get(path, token=large, query=query))
            rows.append([name, one["calls"], many["calls"], round(many["calls"] / one["calls"], 2), one["items"],
                         many["items"]])
            results[name] = {"1 project": one, f"{args.projects} projects": many}
        print(f"Per request, developer with 1 project vs {args.projects} (seeded in {seeded:.0f} s through the "
              "event processor); goal: the same calls")
        print(table(["request", "calls (1)", f"calls ({args.projects})", "ratio", "items (1)",
                     f"items ({args.projects})"], rows))

        owner_small, owner_large = f"bench-series-small-{uuid.uuid4()}", f"bench-series-large-{uuid.uuid4()}"
        started = time.perf_counter()
        seed_buckets(owner_small, 1_000, 30)
        seed_buckets(owner_large, args.large, 365)
        seeded = time.perf_counter() - started
        today = date.today()
        points = {"small": (owner_small, 30), "large": (owner_large, 365)}
        measured = {}
        for size, (owner, days) in points.items():
            query = {"metric": "mrr_movements", "from": (today - timedelta(days=days - 1)).isoformat()}
            measured[size] = counter.measure(lambda: client.get(SERIES, token=bed.token(owner), query=query))
        small_m, large_m = measured["small"], measured["large"]
        print()
        print(f"Time series: 30 points over 1,000 subscriptions vs 365 points over {args.large:,} "
              f"(buckets seeded in {seeded:.0f} s); goal: grows with the points only (365 / 30 = 12.2)")
        print(table(["", "30 points, 1,000 subs", f"365 points, {args.large:,} subs", "ratio"], [
            ["DynamoDB calls", small_m["calls"], large_m["calls"], round(large_m["calls"] / small_m["calls"], 2)],
            ["items read", small_m["items"], large_m["items"], round(large_m["items"] / small_m["items"], 2)]]))
        results["series"] = {"30 points, 1000 subscriptions": small_m,
                             f"365 points, {args.large} subscriptions": large_m}
        write_results("analytics", results)
        return results


if __name__ == "__main__":
    main()
