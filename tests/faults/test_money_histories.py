"""Money identities over random histories (issue 18, item 17): a Hypothesis rule-based state machine plays end users
and Stripe against the real handlers (moto behind the fault proxy, the Stripe emulator), with webhook deliveries
duplicated, shuffled and held back, DynamoDB transaction conflicts injected and the event processor killed right
after its transaction. After each history every delivery is made and the outbox drained, and the identities must
hold: E4's MRR is the sum over Stripe's subscriptions by docs/metrics.md; the counters equal a recount of the
records; the developer's counters equal their project's; today's MRR movements add up to the MRR change; each
user's usage is counted and reported to Stripe's meter once per counted call; every retried request is answered as
its first; the subscription export lists what the list does.

Seeded and bounded in `make test` (four histories of up to 12 steps); `PAYKIT_LONG_HISTORIES=1` runs 40 of up to
30 steps (`PAYKIT_HISTORIES=n` sets their number, `PAYKIT_HISTORIES_SEED` another seed); `python -m bench.histories`
measures histories and identity checks per minute.
"""
from __future__ import annotations

import json
import os
import random
import uuid
from datetime import datetime, timezone
from typing import Any

import requests
from hypothesis import HealthCheck, seed, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from paykit.processor import default_processor
from paykit.services import stats
from paykit.store import keys
from paykit.store.table import default_table
from tests.conftest import JWT_SECRET
from tests.integration.test_checkout import OK_URLS
from tests.support import make_token

BASE = "/api/v1/payments/stripe"
LONG = os.environ.get("PAYKIT_LONG_HISTORIES") == "1"
SEED = int(os.environ.get("PAYKIT_HISTORIES_SEED", "2026"))
PLANS = {"basic": 1900, "pro": 4900, "team": 9900}  # monthly, usd
DECLINE = "4000000000000002"
CONFLICT = {"code": "TransactionCanceledException", "extra": {"CancellationReasons": [{"Code": "TransactionConflict"}]}}
MRR_STATUSES = ("active", "past_due")


class Tally:
    """What the histories did: how many ran, their steps by rule, and the identities checked."""

    def __init__(self) -> None:
        self.histories = self.checks = 0
        self.steps: dict[str, int] = {}

    def step(self, name: str) -> None:
        self.steps[name] = self.steps.get(name, 0) + 1


def histories(client, emulator, faults, outbox, tally: Tally) -> type[RuleBasedStateMachine]:
    """The machine, bound to this test's handlers, emulator, fault proxy and outbox stream."""

    class MoneyHistory(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.rng = random.Random(0)
            self.pending: list[dict[str, Any]] = []  # Stripe events fetched, not yet delivered
            self.seen: set[str] = set()
            self.counted: dict[str, int] = {}  # user -> quantity of usage calls answered as counted
            self.customers: dict[str, str] = {}

        # ------------------------------------------------------------------ the world of one history

        @initialize(seed=st.integers(0, 2**16))
        def open_shop(self, seed: int) -> None:
            self.rng.seed(seed)
            faults.clear()
            self.dev = make_token(JWT_SECRET, f"dev-{uuid.uuid4()}")  # a developer of their own per history
            account = requests.post(f"{emulator.url}/_emulator/accounts", json={"name": "history"}, timeout=10).json()
            self.key = account["test_secret_key"]
            reply = client.post("/api/v1/projects/", token=self.dev, json_body={"name": f"History {seed}"})
            assert reply.status == 201, reply.text
            self.project = reply.json()["id"]
            reply = client.put(f"{BASE}/projects/{self.project}/config", token=self.dev,
                               json_body={"test_secret_key": self.key})
            assert reply.status == 200, reply.text
            feature = client.post(f"{BASE}/projects/{self.project}/features", token=self.dev, json_body={
                "key": "exports", "name": "Exports", "kind": "metered", "limit": 10**6})
            assert feature.status == 201, feature.text
            self.meter = feature.json()["meter_id"]
            product = self.stripe("POST", "/v1/products", name="Plan")["id"]
            self.prices = {name: self.stripe("POST", "/v1/prices", product=product, currency="usd", unit_amount=cents,
                                             **{"recurring[interval]": "month"})["id"]
                           for name, cents in PLANS.items()}
            assert client.post(f"{BASE}/projects/{self.project}/products/{product}/features", token=self.dev,
                               json_body={"feature": feature.json()["lookup_key"]}).status == 200
            self.users = [str(uuid.uuid4()) for _ in range(3)]
            for who, plan in zip(self.users, ("basic", "pro")):  # two paying users to start with, the third later
                session = client.post(f"{BASE}/checkout-session", token=self.token(who),
                                      json_body={"price_id": self.prices[plan], **OK_URLS}).json()["session_id"]
                requests.post(f"{emulator.url}/_emulator/checkout/{session}/pay", json={"card": "4242424242424242"},
                              timeout=10).raise_for_status()

        def stripe(self, method: str, path: str, **data: Any) -> dict[str, Any]:
            reply = requests.request(method, f"{emulator.url}{path}", data=data if method != "GET" else None,
                                     params=data if method == "GET" else None, auth=(self.key, ""), timeout=10)
            return reply.json()

        def token(self, user: str) -> str:
            return make_token(JWT_SECRET, user, self.project)

        def fetch_events(self) -> None:
            page = self.stripe("GET", "/v1/events", limit=100)["data"]
            for evt in reversed(page):
                if evt["id"] not in self.seen:
                    self.seen.add(evt["id"])
                    self.pending.append(evt)

        def post_twice(self, path: str, user: str, body: dict[str, Any], retry: bool) -> Any:
            """A request with an Idempotency-Key, and when `retry`, the client's retry of it with the same key:
            the retry is answered as the first was (decision 32)."""
            key = str(uuid.uuid4())
            first = client.post(path, token=self.token(user), json_body=body, headers={"Idempotency-Key": key})
            self.recover()
            if retry and first.status < 500:
                again = client.post(path, token=self.token(user), json_body=body, headers={"Idempotency-Key": key})
                self.recover()
                assert again.status == first.status, (path, first.text, again.text)
                mine, theirs = first.json(), again.json()
                if isinstance(mine, dict) and "duplicate" in mine:  # usage marks its replays
                    mine, theirs = {**mine, "duplicate": False}, {**theirs, "duplicate": False}
                assert theirs == mine, (path, first.text, again.text)
            return first

        def recover(self) -> None:
            """A killed container is replaced by a new one (the proxy lets calls through again)."""
            if faults.dead.is_set():
                faults.clear()

        def subscription_of(self, user: str) -> dict[str, Any] | None:
            reply = client.get(f"{BASE}/my-subscription", token=self.token(user))
            return reply.json() if reply.status == 200 else None

        # ------------------------------------------------------------------ what users, developers and Stripe do

        @rule(user=st.integers(0, 2), plan=st.sampled_from(sorted(PLANS)), decline=st.booleans(),
              success_page=st.booleans(), retry=st.booleans())
        def checkout(self, user: int, plan: str, decline: bool, success_page: bool, retry: bool) -> None:
            tally.step("checkout")
            who = self.users[user]
            reply = self.post_twice(f"{BASE}/checkout-session", who, {"price_id": self.prices[plan], **OK_URLS}, retry)
            if reply.status != 200:
                assert reply.status in (400, 409, 503), reply.text  # already subscribed (decision 14), or busy
                return
            session = reply.json()["session_id"]
            paid = requests.post(f"{emulator.url}/_emulator/checkout/{session}/pay", timeout=10,
                                 json={"card": DECLINE if decline else "4242424242424242"}).json()
            if paid.get("status") == "succeeded" and success_page:
                assert client.get(f"{BASE}/checkout-session/{session}", token=self.token(who)).status == 200
                self.recover()

        @rule(user=st.integers(0, 2), plan=st.sampled_from(sorted(PLANS)), retry=st.booleans(),
              proration=st.sampled_from(["always_invoice", "create_prorations", "none"]))
        def change_plan(self, user: int, plan: str, retry: bool, proration: str) -> None:
            tally.step("change_plan")
            reply = self.post_twice(f"{BASE}/update-subscription", self.users[user],
                                    {"new_price_id": self.prices[plan], "proration_behavior": proration}, retry)
            assert reply.status in (200, 400, 402, 404, 503), reply.text

        @rule(user=st.integers(0, 2), quantity=st.integers(0, 4))
        def change_seats(self, user: int, quantity: int) -> None:
            tally.step("change_seats")
            sub = self.subscription_of(self.users[user])
            if not sub or sub["status"] in ("canceled", "incomplete_expired"):
                return
            stripe_sub = self.stripe("GET", f"/v1/subscriptions/{sub['subscription_id']}")
            item = stripe_sub["items"]["data"][0]["id"]
            self.stripe("POST", f"/v1/subscription_items/{item}", quantity=quantity, proration_behavior="none")

        @rule(user=st.integers(0, 2), immediately=st.booleans(), retry=st.booleans())
        def cancel(self, user: int, immediately: bool, retry: bool) -> None:
            tally.step("cancel")
            reply = self.post_twice(f"{BASE}/cancel-subscription", self.users[user],
                                    {"cancel_immediately": immediately}, retry)
            assert reply.status in (200, 404, 503), reply.text

        @rule(user=st.integers(0, 2), retry=st.booleans())
        def resume(self, user: int, retry: bool) -> None:
            tally.step("resume")
            reply = self.post_twice(f"{BASE}/resume-subscription", self.users[user], {}, retry)
            assert reply.status in (200, 400, 402, 404, 503), reply.text

        @rule(pick=st.integers(0, 50), whole=st.booleans())
        def refund(self, pick: int, whole: bool) -> None:
            tally.step("refund")
            charges = [c for c in self.stripe("GET", "/v1/charges", limit=100)["data"]
                       if c["paid"] and c["amount_refunded"] < c["amount"]]
            if charges:
                charge = charges[pick % len(charges)]
                left = charge["amount"] - charge["amount_refunded"]
                self.stripe("POST", "/v1/refunds", charge=charge["id"], amount=left if whole else max(1, left // 3))

        @rule(user=st.integers(0, 2), quantity=st.integers(1, 5), retry=st.booleans())
        def use(self, user: int, quantity: int, retry: bool) -> None:
            tally.step("use")
            who = self.users[user]
            reply = self.post_twice(f"{BASE}/usage", who, {"feature": "exports", "quantity": quantity}, retry)
            if reply.status == 200:
                self.counted[who] = self.counted.get(who, 0) + quantity
            else:
                assert reply.status in (400, 403, 404, 503), reply.text

        @rule(count=st.integers(1, 6), duplicate=st.booleans(), newest_first=st.booleans())
        def deliver(self, count: int, duplicate: bool, newest_first: bool) -> None:
            """Stripe's webhooks, some of them: shuffled or newest first, some twice; the rest held back."""
            tally.step("deliver")
            self.fetch_events()
            batch = self.pending[:count]
            del self.pending[:count]
            self.rng.shuffle(batch)
            if newest_first:
                batch.sort(key=lambda e: -e["created"])
            for evt in batch + (batch[:1] if duplicate else []):
                try:
                    default_processor().process_event(self.project, "test", evt, json.dumps(evt))
                except Exception:  # noqa: BLE001 - a failed attempt: SQS delivers the event again later
                    self.pending.append(evt)
                self.recover()

        @rule(kind=st.sampled_from(["conflict", "conflict", "crash"]), times=st.integers(1, 3))
        def fault(self, kind: str, times: int) -> None:
            """DynamoDB refuses the next transactions for a conflict with another writer, or the next function to
            write a transaction dies right after it reaches DynamoDB."""
            tally.step(kind)
            if kind == "crash":
                faults.inject("dynamodb", "TransactWriteItems", 1, action="crash")
            else:
                faults.inject("dynamodb", "TransactWriteItems", times, **CONFLICT)

        # ------------------------------------------------------------------ the identities, after the history

        def teardown(self) -> None:
            if not hasattr(self, "project"):
                return
            tally.histories += 1
            faults.clear()
            # Every delivery made, each event once more in order (late but complete), and the outbox drained,
            # until what the outbox sent (a duplicate's cancellation and refund, expired sessions) brought its
            # own events in too.
            for _ in range(10):
                self.fetch_events()
                batch, self.pending = self.pending, []
                for evt in batch:
                    default_processor().process_event(self.project, "test", evt, json.dumps(evt))
                if not outbox.drain(max_polls=500) and not batch:
                    break
            self.check_mrr()
            tally.checks += 1
            self.check_counters()
            tally.checks += 1
            self.check_usage()
            tally.checks += 1
            self.check_exports()
            tally.checks += 1

        def check_mrr(self) -> None:
            subs = self.stripe("GET", "/v1/subscriptions", status="all", limit=100)["data"]
            expected = sum(item["price"]["unit_amount"] * int(item.get("quantity") or 0)
                           for sub in subs if sub["status"] in MRR_STATUSES for item in sub["items"]["data"])
            e4 = client.get("/api/v1/payments/stats", token=self.dev).json()
            usd = e4["by_mode"]["test"]["by_currency"].get("usd", {})
            assert usd.get("mrr_cents", 0) == expected, (usd, [(s["id"], s["status"]) for s in subs])
            today = datetime.now(timezone.utc).date().isoformat()
            series = client.get("/api/v1/payments/stats/timeseries", token=self.dev,
                                query={"metric": "mrr_movements", "from": today, "to": today}).json()
            summary = series["summary"]
            assert summary["mrr_end_cents"] == expected, summary
            assert summary["net_new_mrr_cents"] == summary["mrr_end_cents"] - summary["mrr_start_cents"], summary

        def check_counters(self) -> None:
            table = default_table()
            corrected, _ = stats.refresh_scope(table, self.project, "test")
            assert corrected == 0, "the counters drifted from a recount of the records"
            owner = table.get(keys.project(self.project))["owner_id"]
            strip = lambda item: {k: v for k, v in (item or {}).items() if k not in ("pk", "sk", "type") and v}  # noqa
            assert strip(table.get(keys.developer_counters(owner, "test"))) == strip(
                table.get(keys.counters(self.project, "test")))

        def check_usage(self) -> None:
            now = int(datetime.now(timezone.utc).timestamp())
            for who in self.users:
                counted = self.counted.get(who, 0)
                check = client.get(f"{BASE}/check", token=self.token(who), query={"feature": "exports"})
                used = (check.json().get("used") or 0) if check.status == 200 else 0
                sub = self.subscription_of(who)
                metered = 0
                if sub and sub.get("customer_id"):
                    summary = requests.get(f"{emulator.url}/v1/billing/meters/{self.meter}/event_summaries",
                                           auth=(self.key, ""), timeout=10, params={
                                               "customer": sub["customer_id"], "start_time": (now - 86400) // 60 * 60,
                                               "end_time": (now + 3600) // 60 * 60}).json()
                    metered = int(sum(s["aggregated_value"] for s in summary.get("data", [])))
                assert used == counted, (who, used, counted)
                assert metered == counted, (who, metered, counted)

        def check_exports(self) -> None:
            listed = client.get("/api/v1/payments/subscriptions", token=self.dev,
                                query={"page_size": "100"}).json()["subscriptions"]
            exported = client.get("/api/v1/payments/subscriptions/export", token=self.dev,
                                  query={"format": "jsonl"})
            rows = [json.loads(line) for line in exported.text.splitlines() if line.strip()]
            assert sorted(r["subscription_id"] for r in rows) == sorted(s["subscription_id"] for s in listed)

    return MoneyHistory


def run(client, emulator, faults, outbox, examples: int, steps: int) -> Tally:
    """Runs `examples` seeded histories of up to `steps` steps each; what they did."""
    tally = Tally()
    machine = seed(SEED)(histories(client, emulator, faults, outbox, tally))  # the same histories on every run
    run_state_machine_as_test(machine, settings=settings(
        max_examples=examples, stateful_step_count=steps, deadline=None, database=None,
        suppress_health_check=list(HealthCheck)))
    return tally


def test_money_identities_hold_over_random_histories(client, emulator, faults, outbox):
    examples = int(os.environ.get("PAYKIT_HISTORIES", "40" if LONG else "4"))
    tally = run(client, emulator, faults, outbox, examples=examples, steps=30 if LONG else 12)
    # The histories did what they are for: users paid, changed, used; Stripe's events arrived; the checks ran
    assert tally.histories >= min(examples, 4) and tally.checks == tally.histories * 4, vars(tally)
    assert sum(tally.steps.values()) >= 2 * tally.histories, vars(tally)
    if os.environ.get("PAYKIT_HISTORIES_REPORT"):  # bench.histories reads what the run did
        with open(os.environ["PAYKIT_HISTORIES_REPORT"], "w", encoding="utf-8") as report:
            json.dump(vars(tally), report)
