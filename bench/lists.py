"""List and stats cost at depth: DynamoDB calls and items read per request (E1, E2, E10, E11, E4), by data size.

Seeds N subscriptions and N payments for one developer with BatchWriteItem into moto server, shaped exactly as the
event processor writes them (its own item builders, counters and day sums), then measures page 1, a cursor page
deep in the list, `page=N` at the same depth, and E4. Usage: python -m bench.lists --sizes 1000,100000
"""
from __future__ import annotations

import argparse
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from bench.common import table, write_results
from local.handler_client import HandlerClient
from local.testbed import Testbed, seed_items, start_testbed

PAGE_SIZE = 50
GOAL_RATIO = 1.2
# Records are spread over 60 days at every size, so E4's 30-day window holds 30 day items whatever n is.
SPREAD_SECONDS = 60 * 86400 - 3600
STATUSES = ("active", "active", "active", "trialing", "past_due", "canceled")


class Meter:
    """DynamoDB calls and the items they read (Query's ScannedCount, BatchGet's and GetItem's items)."""

    def __init__(self) -> None:
        from paykit import aws

        self.calls = 0
        self.items = 0
        events = aws.client("dynamodb").meta.events
        events.register("before-call.dynamodb", self._before)
        events.register("after-call.dynamodb", self._after)

    def _before(self, **_: Any) -> None:
        self.calls += 1

    def _after(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "Query":
            self.items += int(parsed.get("ScannedCount", parsed.get("Count", 0)))
        elif model.name == "BatchGetItem":
            self.items += sum(len(v) for v in (parsed.get("Responses") or {}).values())
        elif model.name == "GetItem":
            self.items += 1 if parsed.get("Item") else 0

    def measure(self, request: Callable[[], Any]) -> dict[str, int]:
        self.calls = self.items = 0
        reply = request()
        assert reply.status == 200, reply.text
        return {"calls": self.calls, "items": self.items}


def build_records(project_id: str, owner: str, n: int, start: datetime) -> tuple[list[dict], dict, dict]:
    """N subscriptions and N payments as the processor stores them, with the counters and day sums they add."""
    from paykit.processor.ledger import day_deltas, deltas
    from paykit.processor.records import clean, record_id, with_listing
    from paykit.store import keys

    items, changes = [], []
    for i in range(n):
        created = start + timedelta(seconds=i * SPREAD_SECONDS / n)
        stamp = created.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        sub_id, pi_id, status = f"sub_b{i:07d}", f"pi_b{i:07d}", STATUSES[i % len(STATUSES)]
        sub = {**keys.subscription(project_id, "test", sub_id), "type": "subscription",
               "id": record_id("sub", project_id, "test", sub_id), "project_id": project_id, "is_test_mode": True,
               "subscription_id": sub_id, "owner_id": owner, "customer_id": f"cus_b{i}", "status": status,
               "plan_name": "Pro", "price_id": "price_pro", "price_amount_cents": 1900, "currency": "usd",
               "price_interval": "month", "price_interval_count": 1, "quantity": 1, "current_period_start": stamp,
               "cancelled_at": stamp if status == "canceled" else None, "created_at": stamp,
               "stripe_event_created": int(created.timestamp()), "stripe_event_id": f"evt_s{i}",
               "user_id": f"user-{i}", "version": 1}
        pay = {**keys.payment(project_id, "test", pi_id), "type": "payment",
               "id": record_id("pay", project_id, "test", pi_id), "project_id": project_id, "is_test_mode": True,
               "payment_intent_id": pi_id, "owner_id": owner, "refunded_amount_cents": 0,
               "base_status": "failed" if i % 10 == 0 else "succeeded", "amount_cents": 1900, "currency": "usd",
               "created_at": stamp, "user_id": f"user-{i}", "subscription_id": sub["id"],
               "stripe_subscription_id": sub_id, "description": "1 x Pro", "version": 1}
        pay["status"] = pay["base_status"]
        for kind, record in (("subscription", sub), ("payment", pay)):
            record = with_listing(clean(record), project_id, "test", kind)
            items.append(record)
            changes.append((None, record))
    # Records first seen already counting are `new` on their own created day, whatever day is given here.
    return items, deltas(changes), day_deltas(changes, datetime.now(timezone.utc).date().isoformat())


def seed(project_id: str, owner: str, n: int) -> float:
    from paykit.store import keys

    started = time.monotonic()
    start = datetime.now(timezone.utc) - timedelta(seconds=SPREAD_SECONDS)
    items, counters, days = build_records(project_id, owner, n, start)
    items.append({**keys.counters(project_id, "test"), "type": "counters", **counters})
    items += [{**keys.counters_day(project_id, "test", day), "type": "counters", **sums} for day, sums in days.items()]
    seed_items(items)
    return time.monotonic() - started


def run_size(client: HandlerClient, bed: Testbed, n: int, meter: Meter) -> dict[str, dict[str, int]]:
    from paykit.store import keys, paging
    from paykit.store.table import default_table

    owner = f"bench-{n}-{uuid.uuid4().hex[:6]}"
    token = bed.token(owner)
    project = client.post("/api/v1/projects/", token=token, json_body={"name": f"bench {n}"}).json()["id"]
    seconds = seed(project, owner, n)
    print(f"seeded {n} subscriptions + {n} payments in {seconds:.0f} s")
    base = f"/api/v1/payments/stripe/projects/{project}"
    lists_to_measure = {
        "E10 project subscriptions": (f"{base}/subscriptions", "subscription", project, "test", {}),
        "E11 project payments": (f"{base}/payments", "payment", project, "test", {}),
        "E1 all subscriptions": ("/api/v1/payments/subscriptions", "subscription", None, None, {}),
        "E1 status=active": ("/api/v1/payments/subscriptions", "subscription", None, None, {"status": "active"}),
        "E2 all transactions": ("/api/v1/payments/transactions", "payment", None, None, {}),
    }
    out: dict[str, dict[str, int]] = {}
    for name, (path, kind, pid, mode, extra) in lists_to_measure.items():
        status = extra.get("status")
        # The middle of this list: a status filter keeps the share of records with that status.
        rows_in_list = n * sum(1 for s in STATUSES if s == status) // len(STATUSES) if status else n
        page_n = rows_in_list // 2 // PAGE_SIZE + 1
        index, partition = keys.list_partition(kind, owner, pid, mode, status)
        # The row just before the deep page, read directly: its position is what a cursor holds.
        rows, _ = default_table().query_page(f"{index}pk = :pk", {":pk": partition}, index=index,
                                             limit=(page_n - 1) * PAGE_SIZE)
        cursor = paging.encode_cursor(kind, index, partition, page_n, rows[-1])
        query = {"page_size": PAGE_SIZE, **extra}
        get = lambda q: client.get(path, token=token, query=q)  # noqa: E731
        get(query)  # warm
        out[f"{name}: page 1"] = meter.measure(lambda: get(query))
        out[f"{name}: cursor page (middle)"] = meter.measure(lambda: get({**query, "cursor": cursor}))
        out[f"{name}: page=N (middle)"] = meter.measure(lambda: get({**query, "page": page_n}))
    out["E4 stats"] = meter.measure(lambda: client.get("/api/v1/payments/stats", token=token))
    out["deep page number"] = {"calls": n // 2 // PAGE_SIZE + 1, "items": 0}
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,100000", help="comma-separated numbers of subscriptions")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    # moto indexes 200,000 records in more than the service's 5 s read timeout; only the counts are measured here.
    with start_testbed(AWS_READ_TIMEOUT_SECONDS="600") as bed:
        client = HandlerClient()
        meter = Meter()
        results = {n: run_size(client, bed, n, meter) for n in sizes}
    small, large = results[sizes[0]], results[sizes[-1]]
    rows = []
    for name in [k for k in small if k != "deep page number"]:
        ratio = large[name]["items"] / max(1, small[name]["items"])
        bounded = "page=" not in name
        verdict = ("ok" if ratio <= GOAL_RATIO and large[name]["calls"] <= small[name]["calls"] * GOAL_RATIO
                   else "OVER") if bounded else "grows (by design)"
        rows.append([name, *(f"{results[n][name]['calls']} / {results[n][name]['items']}" for n in sizes),
                     f"{ratio:.2f}", verdict])
    middle = ", ".join(f"n={n}: page {results[n]['deep page number']['calls']}" for n in sizes)
    print(f"DynamoDB calls / items read per request, page_size {PAGE_SIZE}; middle page ({middle})")
    print(table(["request", *(f"n={n}" for n in sizes), f"items ratio {sizes[-1]}/{sizes[0]}", "goal <= 1.2x"], rows))
    write_results("lists", {"sizes": sizes, "page_size": PAGE_SIZE, "results": results})
    return results


if __name__ == "__main__":
    main()
