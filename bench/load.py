"""Load on loopback: end users check out and pay while webhooks flow and developers list and read stats.

Starts `python -m local.stack` on free ports, as a newcomer runs it, and drives it over HTTP: `--users` threads
each start checkouts (E12), pay on the emulator's hosted page and come back (sync-on-return), while the emulator
delivers the signed webhooks to the receiver and the stack's queue poller feeds the processor, and `--developers`
threads list (E1, E2, E10, E11, the event log) and read stats (E4). Then it checks that nothing answered 5xx, that
every subscription and payment the emulator holds is listed exactly once, that the counters equal a recount and
that the event log holds each Stripe event once. It prints requests per second and p50/p99 latency per route.

The figures measure the local stack, not Lambda: local/lambda_host.py runs one handler invocation at a time in
the process (INVOKE_LOCK), so every route and every webhook shares one lane, and moto stands in for DynamoDB.
Usage: python -m bench.load --users 50 --duration 30
"""
from __future__ import annotations

import argparse
import math
import re
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import requests
import stripe

from bench.common import table, write_results
from local.stack import TABLE_NAME
from local.testbed import RunningStack

API = "/api/v1/payments/stripe"
GOOD_CARD = "4242424242424242"
RETURN_URL = "http://localhost:3000/billing"
SUCCESS_URL = f"{RETURN_URL}/success?session_id={{CHECKOUT_SESSION_ID}}"
# Route labels of the table; ids in paths are replaced so each route is one row.
_IDS = [(re.compile(r"/projects/[0-9a-f-]{36}"), "/projects/{project_id}"),
        (re.compile(r"/checkout-session/cs_\w+"), "/checkout-session/{session_id}"),
        (re.compile(r"/c/pay/cs_\w+"), "/c/pay/{session_id}")]
_NAMES = {"POST /api/v1/payments/stripe/checkout-session": "E12",
          "GET /api/v1/payments/subscriptions": "E1", "GET /api/v1/payments/transactions": "E2",
          "GET /api/v1/payments/stats": "E4",
          f"GET {API}/projects/{{project_id}}/subscriptions": "E10",
          f"GET {API}/projects/{{project_id}}/payments": "E11"}


@dataclass
class Target:
    """A running local stack: its URLs, a token issuer (its /_local/token) and its table (for the recount)."""

    url: str
    emulator_url: str
    token: Callable[..., str]
    table: Any


@dataclass
class Sample:
    route: str
    status: int
    seconds: float


class Recorder:
    """Every request the load makes: route label, status (0 for a connection error) and latency."""

    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self.errors: list[str] = []
        self.checkouts = 0  # paid and back on the success page
        self._lock = threading.Lock()

    def call(self, session: requests.Session, method: str, url: str, **kwargs: Any) -> requests.Response | None:
        path = url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]
        route = f"{method} /{path}"
        for pattern, name in _IDS:
            route = pattern.sub(name, route)
        started = time.perf_counter()
        try:
            response = session.request(method, url, timeout=60, **kwargs)
        except requests.RequestException as exc:
            self._add(Sample(route, 0, time.perf_counter() - started), f"{route}: {exc}")
            return None
        self._add(Sample(route, response.status_code, time.perf_counter() - started),
                  f"{route} answered {response.status_code}: {response.text[:300]}"
                  if response.status_code >= 500 else None)
        return response

    def fail(self, message: str) -> None:
        self._add(None, message)

    def checkout_done(self) -> None:
        with self._lock:
            self.checkouts += 1

    def _add(self, sample: Sample | None, error: str | None) -> None:
        with self._lock:
            if sample:
                self.samples.append(sample)
            if error:
                self.errors.append(error)


class Shop:
    """One project of the load's developer, with its own emulator account, webhook endpoint and two prices."""

    def __init__(self, target: Target, developer: str, name: str) -> None:
        self.target = target
        self.auth = {"Authorization": f"Bearer {target.token('developer', developer)}"}
        account = requests.post(f"{target.emulator_url}/_emulator/accounts", json={"name": name}, timeout=30).json()
        self.account = account["id"]
        self.sdk = stripe.StripeClient(account["test_secret_key"], base_addresses={"api": target.emulator_url})
        self.project = _ok(requests.post(f"{target.url}/api/v1/projects/", json={"name": name}, headers=self.auth,
                                         timeout=30)).json()["id"]
        self.base = f"{target.url}{API}/projects/{self.project}"
        url = _ok(requests.get(f"{self.base}/webhook-urls", headers=self.auth, timeout=30)).json()["test_webhook_url"]
        endpoint = self.sdk.v1.webhook_endpoints.create({"url": url, "enabled_events": ["*"]})
        _ok(requests.put(f"{self.base}/config", headers=self.auth, timeout=30, json={
            "test_secret_key": account["test_secret_key"], "test_webhook_secret": endpoint.secret}))
        product = self.sdk.v1.products.create({"name": "Pro"}).id
        self.monthly = self.sdk.v1.prices.create({"product": product, "unit_amount": 1900, "currency": "usd",
                                                  "recurring": {"interval": "month"}}).id
        self.pack = self.sdk.v1.prices.create({"product": product, "unit_amount": 700, "currency": "usd"}).id


def _ok(response: requests.Response) -> requests.Response:
    if response.status_code not in (200, 201):
        raise RuntimeError(f"{response.request.method} {response.url} answered {response.status_code}: "
                           f"{response.text[:300]}")
    return response


@dataclass
class LoadResult:
    users: int
    developers: int
    checkouts: int
    load_seconds: float
    settle_seconds: float
    recorder: Recorder
    shops: list[Shop]
    developer: str
    problems: list[str] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)


def end_user(target: Target, shop: Shop, recorder: Recorder, index: int, until: float) -> None:
    """Checkout rounds until `until` (at least one): a new end user each round; every third buys a one-time pack."""
    session = requests.Session()
    rounds = 0
    while rounds == 0 or time.monotonic() < until:
        sub = f"load-user-{index}-{rounds}"
        rounds += 1
        token = recorder.call(session, "POST", f"{target.url}/_local/token",
                              json={"role": "end_user", "sub": sub, "project_id": shop.project})
        if token is None or token.status_code != 200:
            recorder.fail(f"{sub}: no token")
            continue
        user = {"Authorization": f"Bearer {token.json()['token']}"}
        body: dict[str, Any] = {"price_id": shop.monthly, "success_url": SUCCESS_URL, "cancel_url": RETURN_URL}
        if index % 3 == 2:
            body.update(price_id=shop.pack, mode="payment", quantity=2)
        started = recorder.call(session, "POST", f"{target.url}{API}/checkout-session", headers=user, json=body)
        if started is None or started.status_code != 200:
            recorder.fail(f"{sub}: checkout not started ({started.text[:200] if started is not None else 'no answer'})")
            continue
        checkout = started.json()
        # The hosted page as a browser uses it: GET the form, POST it back to the same URL.
        recorder.call(session, "GET", checkout["checkout_url"])
        paid = recorder.call(session, "POST", checkout["checkout_url"], allow_redirects=False,
                             data={"card": GOOD_CARD, "exp": "12 / 34", "cvc": "123", "name": sub})
        if paid is None or paid.status_code != 303:
            recorder.fail(f"{sub}: payment not accepted ({paid.status_code if paid is not None else 'no answer'})")
            continue
        # Back on the success page: the sync-on-return path races the webhooks for the same records.
        back = recorder.call(session, "GET", f"{target.url}{API}/checkout-session/{checkout['session_id']}",
                             headers=user)
        if back is None or back.status_code != 200 or back.json().get("status") != "complete":
            recorder.fail(f"{sub}: session not complete on return ({back.text[:200] if back is not None else ''})")
            continue
        recorder.checkout_done()


def developer_reads(target: Target, shops: list[Shop], recorder: Recorder, stop: threading.Event,
                    think: float) -> None:
    """The developer's dashboard, over and over with `think` seconds between requests: the lists across projects,
    each project's lists and event log, and E4."""
    session = requests.Session()
    auth = shops[0].auth
    urls = [f"{target.url}{path}" for path in ("/api/v1/payments/subscriptions", "/api/v1/payments/transactions",
                                               "/api/v1/payments/stats")]
    urls += [f"{shop.base}/{path}" for shop in shops for path in ("subscriptions", "payments", "events")]
    while not stop.is_set():
        for url in urls:
            recorder.call(session, "GET", url, headers=auth, params={"page_size": 20} if "/stats" not in url else None)
            if stop.wait(think):
                return


def _paged(shop: Shop, path: str, field_name: str) -> tuple[list[dict[str, Any]], int]:
    """Every row of one of a project's lists by cursor (bounded), and the `total` the first page reported."""
    rows: list[dict[str, Any]] = []
    params: dict[str, Any] = {"page_size": 100}
    total = -1
    for _ in range(1000):
        page = _ok(requests.get(f"{shop.base}/{path}", headers=shop.auth, params=params, timeout=60)).json()
        total = page["total"] if total < 0 else total
        rows += page[field_name]
        if not page.get("next_cursor"):
            break
        params["cursor"] = page["next_cursor"]
    return rows, total


def stripe_truth(shop: Shop) -> dict[str, set[str]]:
    """What the emulator holds for the shop's account: subscriptions, succeeded payment intents, events."""
    subs = {s.id for s in shop.sdk.v1.subscriptions.list({"status": "all", "limit": 100}).auto_paging_iter()}
    intents = {p.id for p in shop.sdk.v1.payment_intents.list({"limit": 100}).auto_paging_iter()
               if p.status == "succeeded"}
    events = {e.id for e in shop.sdk.v1.events.list({"limit": 100}).auto_paging_iter()}
    return {"subscriptions": subs, "payments": intents, "events": events}


def wait_until_recorded(target: Target, shops: list[Shop], deadline: float) -> tuple[bool, str]:
    """Waits for the emulator's deliveries, then polls each list's `total` (one small page) until it reaches what
    Stripe holds, or the deadline. The check afterwards compares the ids."""
    left = max(0.0, deadline - time.monotonic())
    requests.post(f"{target.emulator_url}/_emulator/deliveries/wait", json={"timeout": left}, timeout=left + 10)
    expected = {shop.project: {k: len(v) for k, v in stripe_truth(shop).items()} for shop in shops}
    while True:
        missing = ""
        for shop in shops:
            for path, count in expected[shop.project].items():
                total = _ok(requests.get(f"{shop.base}/{path}", headers=shop.auth, params={"page_size": 1},
                                         timeout=60)).json()["total"]
                if total < count:
                    missing += f" {shop.project}: {total} of {count} {path} listed;"
        if not missing:
            return True, ""
        if time.monotonic() > deadline:
            return False, missing
        time.sleep(1)


def check(target: Target, result: LoadResult) -> None:
    """Fills result.problems (empty when all is well) and result.counts."""
    from paykit import metrics
    from paykit.services import refresher
    from paykit.store import keys

    problems = result.problems
    problems += result.recorder.errors
    deliveries = requests.get(f"{target.emulator_url}/_emulator/deliveries", timeout=60).json()["data"]
    accounts = {shop.account for shop in result.shops}
    ours = [d for d in deliveries if d["account"] in accounts]
    problems += [f"webhook {d['event']} ({d['type']}) delivery {d['status']}: "
                 f"{[a.get('status_code') for a in d['attempts']]}" for d in ours
                 if d["status"] != "succeeded" or any((a.get("status_code") or 0) >= 500 for a in d["attempts"])]
    totals = {"subscriptions": 0, "payments": 0, "events": 0, "webhook_deliveries": len(ours)}
    for shop in result.shops:
        truth = stripe_truth(shop)
        for path, field_name, key in (("subscriptions", "subscriptions", "subscription_id"),
                                      ("payments", "payments", "payment_intent_id"), ("events", "events", "id")):
            rows, total = _paged(shop, path, field_name)
            ids = [r[key] for r in rows]
            doubled = sorted({i for i in ids if ids.count(i) > 1})
            if doubled:
                problems.append(f"{shop.project} {path} listed more than once: {doubled[:5]}")
            if set(ids) != truth[path]:
                problems.append(f"{shop.project} {path}: missing {sorted(truth[path] - set(ids))[:5]}, "
                                f"unknown to Stripe {sorted(set(ids) - truth[path])[:5]}")
            if total != len(ids):
                problems.append(f"{shop.project} {path}: total {total} but {len(ids)} rows")
            totals[path] += len(truth[path])
        failed = [r["id"] for r in _paged(shop, "events", "events")[0] if r["status"] == "failed"]
        if failed:
            problems.append(f"{shop.project}: events failed in the processor: {failed[:5]}")
        # The counters the processor kept incrementally against the scheduled refresher's own recount.
        recounted, days = refresher.recount(target.table, shop.project, "test")
        stored = target.table.get(keys.counters(shop.project, "test"), consistent=True) or {}
        if _figures(stored) != _figures(recounted):
            problems.append(f"{shop.project} counters drifted: stored {_figures(stored)}, "
                            f"recount {_figures(recounted)}")
        for day, sums in days.items():
            stored_day = target.table.get(keys.counters_day(shop.project, "test", day), consistent=True) or {}
            if _figures(stored_day) != _figures(sums):
                problems.append(f"{shop.project} day {day} drifted: stored {_figures(stored_day)}, "
                                f"recount {_figures(sums)}")
        # MRR's movements add up to the MRR the counters hold (docs/metrics.md)
        stored_days = list(target.table.query_all("pk = :pk AND begins_with(sk, :day)", {
            ":pk": keys.counters(shop.project, "test")["pk"], ":day": "DAY#"}))
        mrr = sum(int(stored.get(f"mrr#{s}#usd") or 0) for s in metrics.MRR_STATUSES)
        if sum(metrics.net_new(d, "usd") for d in stored_days) != mrr:
            problems.append(f"{shop.project}: MRR movements {sum(metrics.net_new(d, 'usd') for d in stored_days)} "
                            f"but MRR {mrr}")
    stats_page = _ok(requests.get(f"{target.url}/api/v1/payments/stats", headers=result.shops[0].auth,
                                  timeout=60)).json()
    if (stats_page["total_subscriptions"], stats_page["total_payments"]) != (totals["subscriptions"],
                                                                             totals["payments"]):
        problems.append(f"E4 counts {stats_page['total_subscriptions']} subscriptions and "
                        f"{stats_page['total_payments']} payments; Stripe holds {totals['subscriptions']} and "
                        f"{totals['payments']}")
    for path, name in (("/api/v1/payments/subscriptions", "subscriptions"),
                       ("/api/v1/payments/transactions", "payments")):
        total = _ok(requests.get(f"{target.url}{path}", headers=result.shops[0].auth, timeout=60)).json()["total"]
        if total != totals[name]:
            problems.append(f"{path} total {total}, Stripe holds {totals[name]}")
    result.counts = totals


def _figures(item: dict[str, Any]) -> dict[str, int]:
    """The recountable figures of a counters item (MRR movements are checked against MRR instead)."""
    from paykit import metrics

    return {k: int(v) for k, v in item.items()
            if k not in ("pk", "sk", "type") and v and not k.startswith(metrics.MOVEMENT_PREFIXES)}


def run(target: Target, users: int, developers: int = 4, projects: int = 2, duration: float = 0,
        settle_timeout: float = 120, think: float = 0.2) -> LoadResult:
    """The load, then the bounded wait for the webhooks, then the checks; the problems found are in the result."""
    developer = f"load-developer-{uuid.uuid4().hex[:8]}"
    shops = [Shop(target, developer, f"Load shop {i + 1}") for i in range(projects)]
    recorder = Recorder()
    stop = threading.Event()
    readers = [threading.Thread(target=developer_reads, args=(target, shops, recorder, stop, think), daemon=True)
               for _ in range(developers)]
    started = time.monotonic()
    buyers = [threading.Thread(target=end_user, daemon=True,
                               args=(target, shops[i % projects], recorder, i, started + duration))
              for i in range(users)]
    for thread in readers + buyers:
        thread.start()
    for thread in buyers:
        thread.join(duration + 600)
    load_seconds = time.monotonic() - started
    # The developers keep reading while the webhooks of the last payments are still being applied.
    settled, missing = wait_until_recorded(target, shops, time.monotonic() + settle_timeout)
    settle_seconds = time.monotonic() - started - load_seconds
    stop.set()
    for thread in readers:
        thread.join(120)
    result = LoadResult(users, developers, recorder.checkouts, load_seconds, settle_seconds, recorder, shops, developer)
    if any(t.is_alive() for t in buyers + readers):
        result.problems.append("load threads still running after their deadline")
    if not settled:
        result.problems.append(f"webhooks not all recorded within {settle_timeout:.0f} s:{missing}")
    check(target, result)
    return result


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def route_table(samples: list[Sample], seconds: float) -> list[list[Any]]:
    by_route: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_route[sample.route].append(sample)
    rows = []
    for route, group in sorted(by_route.items(), key=lambda kv: -len(kv[1])):
        times = [s.seconds * 1000 for s in group]
        name = _NAMES.get(route, "")
        rows.append([f"{name} {route}".strip(), len(group), f"{len(group) / seconds:.1f}",
                     f"{percentile(times, 0.5):.0f}", f"{percentile(times, 0.99):.0f}",
                     sum(1 for s in group if s.status >= 500 or s.status == 0)])
    times = [s.seconds * 1000 for s in samples]
    rows.append(["total", len(samples), f"{len(samples) / seconds:.1f}", f"{percentile(times, 0.5):.0f}",
                 f"{percentile(times, 0.99):.0f}", sum(1 for s in samples if s.status >= 500 or s.status == 0)])
    return rows


# ---------------------------------------------------------------------- the stack for the benchmark


def target(stack: RunningStack) -> Target:
    """The benchmark's view of a running local stack."""
    return Target(stack.url, stack.emulator_url, stack.token, stack_table(stack.moto_url))


def stack_table(moto_url: str) -> Any:
    """The stack's table in its moto server."""
    import boto3
    from paykit.store.table import Table

    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    return Table(client, TABLE_NAME)


def report(result: LoadResult) -> dict[str, Any]:
    seconds = result.load_seconds + result.settle_seconds
    rows = route_table(result.recorder.samples, seconds)
    print(f"{result.users} end users, {result.developers} developers, {len(result.shops)} projects: "
          f"{result.checkouts} paid checkouts in {result.load_seconds:.1f} s, webhooks settled "
          f"{result.settle_seconds:.1f} s later; requests per second over the whole {seconds:.1f} s")
    print("Local stack, not Lambda: one handler invocation at a time (local/lambda_host.py INVOKE_LOCK), moto as "
          "DynamoDB and SQS, client and stack on the same cores.")
    print(table(["route", "requests", "req/s", "p50 ms", "p99 ms", "5xx"], rows))
    deliveries = result.counts.get("webhook_deliveries", 0)
    print(f"Stripe objects: {result.counts.get('subscriptions')} subscriptions, {result.counts.get('payments')} "
          f"payments, {result.counts.get('events')} events; {deliveries} webhook deliveries received, queued and "
          f"applied: {deliveries / seconds:.1f} events/s end to end")
    print("checks: " + ("all passed (no 5xx, each record once, counters equal the recount, each event once)"
                        if not result.problems else f"{len(result.problems)} PROBLEMS"))
    for problem in result.problems[:20]:
        print(f"  - {problem}")
    return {"users": result.users, "developers": result.developers, "projects": len(result.shops),
            "checkouts": result.checkouts, "load_seconds": round(result.load_seconds, 2),
            "settle_seconds": round(result.settle_seconds, 2), "counts": result.counts,
            "routes": [dict(zip(["route", "requests", "rps", "p50_ms", "p99_ms", "errors_5xx"], r)) for r in rows],
            "problems": result.problems, "note": "local stack (INVOKE_LOCK serialises invocations), not Lambda"}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50, help="concurrent end users (threads)")
    parser.add_argument("--duration", type=float, default=0,
                        help="seconds the end users keep checking out (each does at least one checkout)")
    parser.add_argument("--developers", type=int, default=4, help="concurrent developers reading lists and stats")
    parser.add_argument("--projects", type=int, default=2, help="projects the end users are spread over")
    parser.add_argument("--think", type=float, default=0.2, help="seconds each developer waits between requests")
    parser.add_argument("--settle-timeout", type=float, default=180,
                        help="seconds to wait for every webhook to be recorded")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        stack = RunningStack(Path(tmp) / "stack.log").start(timeout=60)  # `python -m local.stack`, as `make run`
        try:
            result = run(target(stack), args.users, args.developers, args.projects, args.duration,
                         args.settle_timeout, args.think)
        finally:
            stack.stop()
    payload = report(result)
    write_results("load", payload)
    return payload


if __name__ == "__main__":
    main()
