"""`python -m bench.scale`: the scheduled passes at N active projects, as one loop and as the work queue's fan-out.

Seeds N projects (10 per developer, test keys, two paid payments each) straight into moto with BatchWriteItem, the
projects' Stripe keys into Secrets Manager, and a few emulator accounts shared by the projects (each with an
endpoint nobody listens on, so its events stay undelivered); one project has an account of its own that answers
every call after `--slow-seconds` (a slow tenant). Then, for each N, the reconciler pass and the refresher pass
run as the loop (`Reconciler.run`, `refresher.refresh_all`: one invocation) and as the fan-out (the real producer,
then `--workers` threads receiving from the work queue into the real worker, as Lambda's event source with
MaximumConcurrency would); the refresher's incremental pass runs with `--changed` of the scopes marked changed.

Columns: wall time of the pass; scopes (or developers) run; Stripe calls per project; the slowest unit's own
duration; when the median and the last project were done, from the pass's start (what a tenant waits).
Everything is in this process (moto, the emulator, the workers) on this machine's cores: the fan-out's gain here
comes from overlapping waits (the slow tenant, Stripe's latency), not from more CPUs as on Lambda.
"""
from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Callable

import requests

from bench.checkout_calls import StripeCounter
from bench.common import table as text_table
from bench.common import write_results
from local.testbed import seed_items, start_testbed

PROJECTS_PER_DEVELOPER = 10
SHARED_ACCOUNTS = 10


class Bench:
    def __init__(self, aws: Any, emulator: Any, slow_seconds: float) -> None:
        from paykit.settings import get_settings

        self.aws = aws
        self.emulator = emulator
        self.slow_seconds = slow_seconds
        self.secrets = aws.client("secretsmanager")
        self.sqs = aws.client("sqs")
        self.settings = get_settings()
        self.projects: list[str] = []
        self.accounts = [self._account() for _ in range(SHARED_ACCOUNTS)]
        self.slow_account = self._account()
        self.slow_project: str | None = None
        self.stripe = StripeCounter()

    def _account(self) -> dict[str, str]:
        account = requests.post(f"{self.emulator.url}/_emulator/accounts", json={"name": "scale"}, timeout=10).json()
        auth = (account["test_secret_key"], "")
        requests.post(f"{self.emulator.url}/v1/webhook_endpoints", auth=auth, timeout=10,
                      data={"url": "http://127.0.0.1:9/nowhere", "enabled_events[]": "*"}).raise_for_status()
        requests.post(f"{self.emulator.url}/v1/customers", auth=auth, data={"email": "a@example.com"},
                      timeout=10).raise_for_status()
        return account

    # ------------------------------------------------------------------ seeding

    def seed(self, total: int) -> float:
        """Grows the data set to `total` active projects; returns the seconds it took."""
        from paykit.metrics import contribution, day_contribution
        from paykit.secrets import stripe_secret_name
        from paykit.store import keys
        started = time.perf_counter()
        items: list[dict[str, Any]] = []
        now = datetime.now(timezone.utc)
        created = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        developer_sums: dict[tuple[str, str], dict[str, int]] = {}  # (owner, "" or day) -> the projects' sums
        for index in range(len(self.projects), total):
            # The slow tenant sorts first in the active index, so the loop meets it first, as bad luck would have it.
            pid = "00000000" + str(uuid.uuid4())[8:] if index == 0 else str(uuid.uuid4())
            owner = f"scale-dev-{index // PROJECTS_PER_DEVELOPER}"
            if index % PROJECTS_PER_DEVELOPER == 0:
                items.append({**keys.developer(owner), "type": "developer", "project_count": PROJECTS_PER_DEVELOPER,
                              "gsi1pk": keys.developers_gsi(), "gsi1sk": owner})
            account = self.slow_account if self.slow_project is None else self.accounts[index % SHARED_ACCOUNTS]
            self.slow_project = self.slow_project or pid
            masked = "sk_test_..." + account["test_secret_key"][-4:]
            items.append({**keys.project(pid), **keys.project_gsi1(owner, created, pid),
                          **keys.active_config_gsi2(pid), "type": "project", "version": 1, "id": pid,
                          "owner_id": owner, "name": f"P{index}", "created_at": created,
                          "config": {"id": str(uuid.uuid4()), "is_active": True, "created_at": created,
                                     "test": {"secret_key_masked": masked}}})
            counters: dict[str, int] = {}
            days: dict[str, dict[str, int]] = {}
            for n in range(2):
                payment = {**keys.payment(pid, "test", f"pi_{index}_{n}"), "type": "payment", "id": str(uuid.uuid4()),
                           "project_id": pid, "mode": "test", "owner_id": owner, "status": "succeeded",
                           "base_status": "succeeded", "currency": "usd", "amount_cents": 1900,
                           "description": "Pro", "created_at": created, "version": 1,
                           **keys.listing_gsi(keys.GSI1, keys.project_payments_gsi(pid, "test"), created, f"p{n}")}
                items.append(payment)
                for name, value in contribution(payment).items():
                    counters[name] = counters.get(name, 0) + value
                for day, sums in day_contribution(payment).items():
                    bucket = days.setdefault(day, {})
                    for name, value in sums.items():
                        bucket[name] = bucket.get(name, 0) + value
            items.append({**keys.counters(pid, "test"), "type": "counters", **counters})
            items += [{**keys.counters_day(pid, "test", day), "type": "counters", **sums} for day, sums in days.items()]
            for day, sums in [("", counters), *days.items()]:  # the developer's live sums (issue 13)
                bucket = developer_sums.setdefault((owner, day), {})
                for name, value in sums.items():
                    bucket[name] = bucket.get(name, 0) + value
            self.secrets.create_secret(Name=stripe_secret_name(self.settings.secret_prefix, pid, "test"),
                                       SecretString=json.dumps({"secret_key": account["test_secret_key"]}))
            self.projects.append(pid)
        for (owner, day), sums in developer_sums.items():
            key = keys.developer_day(owner, "test", day) if day else keys.developer_counters(owner, "test")
            items.append({**key, "type": "counters", **sums})
        seed_items(items)
        return time.perf_counter() - started

    def mark_changed(self, share: float) -> int:
        """Dirty marks, as the processor writes them, for `share` of the projects (the day's activity)."""
        from paykit.store import dirty

        chosen = self.projects[:max(1, int(len(self.projects) * share))]
        now = time.time()
        marks = []
        for pid in chosen:
            (mark,) = dirty.marks(pid, "test", [True], now)
            body = mark["Update"]
            values = body["ExpressionAttributeValues"]
            marks.append({**body["Key"], "project_id": values[":p"], "mode": values[":m"], "marked_at": values[":t"],
                          "expires_at": values[":e"]})
        return seed_items(marks)

    # ------------------------------------------------------------------ passes

    def slow_tenant(self) -> None:
        requests.delete(f"{self.emulator.url}/_emulator/faults", timeout=10)
        requests.post(f"{self.emulator.url}/_emulator/faults", timeout=10, json={
            "kind": "hang", "account": self.slow_account["id"], "count": 1000, "hang_seconds": self.slow_seconds})

    def purge(self) -> None:
        from paykit.settings import get_settings

        # Receive and delete (PurgeQueue allows one call a minute): what a pass queued is not the next pass's work.
        for url in (get_settings().queue_url, get_settings().work_queue_url):
            while messages := self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                                       VisibilityTimeout=60).get("Messages"):
                self.sqs.delete_message_batch(QueueUrl=url, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])

    def loop(self, name: str, run: Callable[[], Any], units: Callable[[], list[tuple[str, float, float]]]) -> dict:
        self.stripe.calls.clear()
        started = time.perf_counter()
        run()
        wall = time.perf_counter() - started
        return self._row(name, "loop", wall, units(), started)

    def _row(self, name: str, how: str, wall: float, timed: list[tuple[str, float, float]], started: float) -> dict:
        done = sorted(end - started for _, _, end in timed)
        return {"pass": name, "how": how, "wall_s": round(wall, 2), "units": len(timed),
                "stripe_calls_per_project": round(len(self.stripe.calls) / max(1, len(self.projects)), 2),
                "slowest_unit_s": round(max((d for _, d, _ in timed), default=0.0), 2),
                "median_done_s": round(statistics.median(done), 2) if done else 0.0,
                "last_done_s": round(done[-1], 2) if done else 0.0}

    def fan_out(self, name: str, producer: str, workers: int) -> dict:
        from paykit.services import work

        self.stripe.calls.clear()
        timed: list[tuple[str, float, float]] = []
        lock = threading.Lock()
        started = time.perf_counter()
        work.default_producer().start(producer, lambda: 600_000)
        url = work.default_queue().url
        idle = [0] * workers

        def worker(slot: int) -> None:
            while True:
                messages = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                                    AttributeNames=["All"]).get("Messages", [])
                if not messages:
                    idle[slot] += 1
                    if all(count >= 3 for count in idle):
                        return
                    time.sleep(0.05)
                    continue
                idle[slot] = 0
                for message in messages:
                    begun = time.perf_counter()
                    try:
                        work.default_worker().handle(message["Body"], message["ReceiptHandle"],
                                                     int(message["Attributes"]["ApproximateReceiveCount"]),
                                                     lambda: 600_000)
                    except Exception:  # noqa: BLE001 - failed or backing off: the queue brings it back
                        continue
                    ended = time.perf_counter()
                    self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                    with lock:
                        timed.append((work.Work.parse(message["Body"]).scope, ended - begun, ended))

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        return self._row(name, f"fan-out x{workers}", wall, [t for t in timed if not t[0].startswith(producer)],
                         started)


def timed_units(target: Any, method: str) -> tuple[list[tuple[str, float, float]], Callable[[], None]]:
    """Wraps one method of an object to record each call's duration and end (bench only); returns the log and
    the undo."""
    log: list[tuple[str, float, float]] = []
    original = getattr(target, method)

    def timed(*args: Any, **kwargs: Any) -> Any:
        begun = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            ended = time.perf_counter()
            log.append((str(args[:2]), ended - begun, ended))

    setattr(target, method, timed)
    return log, lambda: setattr(target, method, original)


PASSES = ("reconcile", "refresh-all", "refresh-changed")


def run_size(bench: Bench, size: int, workers: int, changed: float, passes: tuple[str, ...] = PASSES) -> list[dict]:
    from paykit.services import reconciler, refresher, work

    seeded = bench.seed(size)
    print(f"N={size}: seeded in {seeded:.1f} s", flush=True)
    rows = []
    bench.slow_tenant()
    if "reconcile" in passes:  # the loop (one invocation) and the fan-out over the same projects
        loop = reconciler.default_reconciler()
        log, undo = timed_units(loop, "reconcile_scope")
        try:
            rows.append(bench.loop("reconcile", loop.run, lambda: log))
        finally:
            undo()
        bench.purge()
        rows.append(bench.fan_out("reconcile", work.RECONCILE_PASS, workers))
        bench.purge()
    if "refresh-all" in passes:  # the full loop and the full fan-out (make refresh-all)
        log, undo = timed_units(stats, "refresh_developer")
        try:
            rows.append(bench.loop("refresh (all)", lambda: refresher.refresh_all(), lambda: log))
        finally:
            undo()
        rows.append(bench.fan_out("refresh (all)", work.REFRESH_ALL, workers))
    if "refresh-changed" not in passes:
        return _printed(rows, size)
    # The hourly incremental fan-out.
    from paykit.store import keys
    from paykit.store.table import default_table

    default_table().put({**keys.work_state(work.REFRESH_CHANGED), "type": "work_state", "since": int(time.time())})
    marked = bench.mark_changed(changed)
    row = bench.fan_out(f"refresh (changed {marked})", work.REFRESH_CHANGED, workers)
    rows.append(row)
    return _printed(rows, size)


def _printed(rows: list[dict], size: int) -> list[dict]:
    for r in rows:
        r["projects"] = size
        print(f"  {r}", flush=True)  # as each size finishes: a long run still shows its first sizes
    return rows


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="200,2000")
    parser.add_argument("--workers", type=int, default=20, help="the event source's MaximumConcurrency")
    parser.add_argument("--slow-seconds", type=float, default=3.0, help="the slow tenant's answer time")
    parser.add_argument("--changed", type=float, default=0.1, help="share of projects with events this hour")
    parser.add_argument("--passes", default=",".join(PASSES),
                        help="which passes to run (the full recount on moto grows with N squared: its index "
                             "Query walks the whole table)")
    args = parser.parse_args(argv)
    with start_testbed(WORK_RETRY_BASE_SECONDS="1", STRIPE_MAX_NETWORK_RETRIES="0",
                       STRIPE_TIMEOUT_SECONDS=str(args.slow_seconds + 5)) as bed:
        bench = Bench(bed.aws, bed.emulator, args.slow_seconds)
        rows = [row for size in (int(s) for s in args.sizes.split(",")) for row in
                run_size(bench, size, args.workers, args.changed, tuple(args.passes.split(",")))]
    print(text_table(["N", "pass", "how", "wall s", "units", "Stripe calls/project", "slowest unit s",
                      "median done s", "last done s"],
                     [[r["projects"], r["pass"], r["how"], r["wall_s"], r["units"], r["stripe_calls_per_project"],
                       r["slowest_unit_s"], r["median_done_s"], r["last_done_s"]] for r in rows]))
    write_results("scale", rows)
    return {"rows": rows}


if __name__ == "__main__":
    main()
