"""Money identities over random histories (issue 18, item 17): a Hypothesis rule-based state machine plays end users,
the developer and Stripe against the real handlers (moto behind the fault proxy, the Stripe emulator): checkouts
(some with a promotion code), plan and seat changes, coupons applied and removed through Stripe's API, refunds,
cards that start declining and new cards that pay what is open, the account's clock moved to the next renewal or
payment retry (failed renewals, dunning, its final action), cancels, usage and client retries, with webhook
deliveries duplicated, shuffled and held back, DynamoDB transaction conflicts injected and the event processor killed
right after its transaction. After each history every delivery is made and the outbox drained, and the identities
must hold: E4's MRR is the sum over Stripe's subscriptions by docs/metrics.md (discounts included, a finished one no
longer, once the hourly pass ran); the counters equal a recount of the records; the developer's counters and day
buckets equal their project's; the time series' movements add up to its MRR change, from nothing before the shop;
each user's usage is counted in the period `check` shows and reported to Stripe's meter once per counted call; every
retried request is answered as its first; every payment Stripe took is one payment record; the exports list what
the lists do. A history whose clock moved has events dated after today, which PayKit's series cannot read yet
(decision in docs/decisions.md, issue 18 item 17).

Seeded and bounded in `make test` (four histories of up to 12 steps); `PAYKIT_LONG_HISTORIES=1` runs 40 of up to
30 steps (`PAYKIT_HISTORIES=n` sets their number, `PAYKIT_HISTORIES_SEED` another seed); `python -m bench.histories`
measures histories and identity checks per minute.
"""
from __future__ import annotations

import json
import math
import os
import random
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction
from typing import Any

import requests
from hypothesis import HealthCheck, seed, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from paykit import metrics
from paykit.processor import default_processor
from paykit.services import refresher
from paykit.store import keys
from paykit.store.table import default_table
from tests.conftest import JWT_SECRET
from tests.integration.test_checkout import OK_URLS
from tests.support import make_token

BASE = "/api/v1/payments/stripe"
LONG = os.environ.get("PAYKIT_LONG_HISTORIES") == "1"
SEED = int(os.environ.get("PAYKIT_HISTORIES_SEED", "2026"))
PLANS = {"basic": 1900, "pro": 4900, "team": 9900}  # monthly, usd
DECLINE, CARD = "4000000000000002", "4242424242424242"
ATTACHES_THEN_DECLINES = "4000000000000341"  # saved without a charge, declined when charged (a renewal)
DAY = 86400
# A history moves its own account's clock at most this far. PayKit reports usage at the real time, and Stripe's meter
# takes events up to 35 days back: past USAGE_AHEAD the history makes no more usage calls (the skew is the test's).
MAX_AHEAD, USAGE_AHEAD = 63 * DAY, 33 * DAY  # two monthly renewals
# Past a period end: the renewal invoice is finalized and charged up to an hour after it (renewal_finalize_delay).
RENEWAL_MARGIN = 2 * 3600
COUPONS = [  # the shop's coupons, each with a promotion code H0..H4
    {"percent_off": 25, "duration": "forever"},
    {"percent_off": "12.5", "duration": "repeating", "duration_in_months": 1},
    {"amount_off": 500, "currency": "usd", "duration": "repeating", "duration_in_months": 2},
    {"amount_off": 300, "currency": "usd", "duration": "forever"},
    {"percent_off": 50, "duration": "once"},
]
IDENTITIES = 5  # checks per history: MRR and series, counters, usage, payments, exports
CONFLICT = {"code": "TransactionCanceledException", "extra": {"CancellationReasons": [{"Code": "TransactionConflict"}]}}
MRR_STATUSES = ("active", "past_due")


class Tally:
    """What the histories did: how many ran, their steps by rule, and the identities checked."""

    def __init__(self) -> None:
        self.histories = self.checks = self.moved = self.discounted = 0
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
            # user -> the period end (`resets_at`) each counted usage answer named -> quantity counted
            self.counted: dict[str, dict[str | None, int]] = {}
            self.ahead = 0  # seconds this history's account clock is ahead of the real time

        # ------------------------------------------------------------------ the world of one history

        @initialize(seed=st.integers(0, 2**16))
        def open_shop(self, seed: int) -> None:
            self.rng.seed(seed)
            faults.clear()
            self.dev = make_token(JWT_SECRET, f"dev-{uuid.uuid4()}")  # a developer of their own per history
            # An account per history: its clock moves for this history only. What ends the retries of a failed
            # renewal is the account's setting, drawn per history.
            final_action = self.rng.choice(["cancel", "mark_unpaid", "leave_past_due"])
            account = requests.post(f"{emulator.url}/_emulator/accounts", timeout=10, json={
                "name": "history", "dunning_final_action": final_action}).json()
            self.key = account["test_secret_key"]
            reply = client.post("/api/v1/projects/", token=self.dev, json_body={"name": f"History {seed}"})
            assert reply.status == 201, reply.text
            self.project = reply.json()["id"]
            reply = client.put(f"{BASE}/projects/{self.project}/config", token=self.dev,
                               json_body={"test_secret_key": self.key})
            assert reply.status == 200, reply.text
            reply = client.put(f"{BASE}/projects/{self.project}/billing-settings", token=self.dev,
                               json_body={"allow_promotion_codes": True})
            assert reply.status == 200, reply.text
            self.coupons = []
            for index, terms in enumerate(COUPONS):
                self.coupons.append(self.stripe("POST", "/v1/coupons", **terms)["id"])
                self.stripe("POST", "/v1/promotion_codes", code=f"H{index}", **{
                    "promotion[type]": "coupon", "promotion[coupon]": self.coupons[-1]})
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
            # Two paying users to start with, the second with a recurring coupon's code; the third comes later
            first_offers = ({}, {"promotion_code": f"H{self.rng.choice([0, 1, 2, 3])}"})
            for who, plan, offer in zip(self.users, ("basic", "pro"), first_offers):
                session = client.post(f"{BASE}/checkout-session", token=self.token(who), json_body={
                    "price_id": self.prices[plan], **OK_URLS, **offer}).json()["session_id"]
                requests.post(f"{emulator.url}/_emulator/checkout/{session}/pay", json={"card": CARD},
                              timeout=10).raise_for_status()

        def stripe(self, method: str, path: str, **data: Any) -> dict[str, Any]:
            reply = requests.request(method, f"{emulator.url}{path}", data=data if method != "GET" else None,
                                     params=data if method == "GET" else None, auth=(self.key, ""), timeout=10)
            return reply.json()

        def token(self, user: str) -> str:
            return make_token(JWT_SECRET, user, self.project)

        def listed(self, path: str, **params: Any) -> list[dict[str, Any]]:
            """Every object of a Stripe list, page after page."""
            out: list[dict[str, Any]] = []
            while True:
                page = self.stripe("GET", path, limit=100, **params)
                out += page["data"]
                if not page.get("has_more") or not page["data"]:
                    return out
                params["starting_after"] = page["data"][-1]["id"]

        def fetch_events(self) -> None:
            """The events not yet seen, oldest first (a clock move makes more than a page of them)."""
            fresh: list[dict[str, Any]] = []
            params: dict[str, Any] = {}
            while True:
                page = self.stripe("GET", "/v1/events", limit=100, **params)["data"]
                new = [evt for evt in page if evt["id"] not in self.seen]
                fresh += new
                if len(new) < len(page) or len(page) < 100:
                    break
                params["starting_after"] = page[-1]["id"]
            for evt in reversed(fresh):
                self.seen.add(evt["id"])
                self.pending.append(evt)

        def now(self) -> int:
            """The account's clock: the real time plus what this history moved it."""
            return int(time.time()) + self.ahead

        def subscriptions_of(self, user: int) -> list[dict[str, Any]]:
            """The user's subscriptions in Stripe, newest first (PayKit's checkout puts the user in their metadata)."""
            return [sub for sub in self.listed("/v1/subscriptions", status="all")
                    if (sub.get("metadata") or {}).get("user_id") == self.users[user]]

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
              success_page=st.booleans(), retry=st.booleans(),
              code=st.sampled_from([None, None, *range(len(COUPONS))]), typed=st.booleans())
        def checkout(self, user: int, plan: str, decline: bool, success_page: bool, retry: bool, code: int | None,
                     typed: bool) -> None:
            """A user checks out; with a promotion code given to E12, or typed on Stripe's page (E12 allowed it)."""
            tally.step("checkout" if code is None else "checkout_code")
            who = self.users[user]
            offer = {} if code is None else {"allow_promotion_codes": True} if typed else {"promotion_code": f"H{code}"}
            reply = self.post_twice(f"{BASE}/checkout-session", who,
                                    {"price_id": self.prices[plan], **OK_URLS, **offer}, retry)
            if reply.status != 200:
                assert reply.status in (400, 409, 503), reply.text  # already subscribed (decision 14), or busy
                return
            session = reply.json()["session_id"]
            typed_code = {"promotion_code": f"H{code}"} if code is not None and typed else {}
            paid = requests.post(f"{emulator.url}/_emulator/checkout/{session}/pay", timeout=10,
                                 json={"card": DECLINE if decline else CARD, **typed_code}).json()
            if paid.get("status") == "succeeded" and success_page:
                # The success page's read completes the session in a transaction: an injected crash or lasting
                # conflict answers 503, and the page's retry (a fresh container) answers 200.
                for _ in range(4):
                    page = client.get(f"{BASE}/checkout-session/{session}", token=self.token(who))
                    self.recover()
                    if page.status != 503:
                        break
                assert page.status == 200, page.text

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

        @rule(user=st.integers(0, 2), coupon=st.sampled_from([None, *range(len(COUPONS))]))
        def discount(self, user: int, coupon: int | None) -> None:
            """The developer applies a coupon to the user's newest subscription through Stripe's API (replacing its
            discount), or removes its discount; Stripe sends `customer.subscription.updated`."""
            tally.step("discount" if coupon is not None else "discount_removed")
            subs = [s for s in self.subscriptions_of(user) if s["status"] not in ("canceled", "incomplete_expired")]
            if subs:
                change = {"discounts[0][coupon]": self.coupons[coupon]} if coupon is not None else {"discounts": ""}
                self.stripe("POST", f"/v1/subscriptions/{subs[0]['id']}", **change)

        @rule(user=st.integers(0, 2))
        def new_card(self, user: int) -> None:
            """The customer gives a good card, which pays their open invoices at once (a recovery from dunning, or
            from `unpaid`)."""
            tally.step("new_card")
            self.set_card(user, declines=False)

        def set_card(self, user: int, declines: bool) -> None:
            """The customer's card from now on: one that saves and then declines (their next renewal fails), or a
            good one that pays what is open."""
            subs = self.subscriptions_of(user)
            if subs:
                reply = requests.post(f"{emulator.url}/_emulator/customers/{subs[0]['customer']}/card", timeout=10,
                                      json={"card": ATTACHES_THEN_DECLINES if declines else CARD,
                                            "pay_open_invoices": not declines})
                assert reply.status_code == 200, reply.text

        @rule(user=st.integers(0, 2), declines=st.booleans())
        def renewal(self, user: int, declines: bool) -> None:
            """The account's clock moves to the next renewal, past the period's end and the hour before the renewal
            invoice is charged; when `declines`, the user's card has started declining first (the renewal fails and
            dunning begins). Everything due on the way happens on its own day."""
            tally.step("renewal_fails" if declines else "renewal")
            if declines:
                self.set_card(user, declines=True)
            self.advance_to([item["current_period_end"] + RENEWAL_MARGIN for sub in self.listed("/v1/subscriptions")
                             if sub["status"] in ("active", "past_due", "trialing")
                             for item in sub["items"]["data"][:1]])

        @rule()
        def retry_payment(self) -> None:
            """The account's clock moves to the next payment attempt of an open invoice, as Stripe names it in
            `next_payment_attempt` (whatever the retry schedule): paid, failed again, or the last try's action."""
            tally.step("retry_payment")
            self.advance_to([inv["next_payment_attempt"] + 60 for inv in self.listed("/v1/invoices", status="open")
                             if inv.get("next_payment_attempt")])

        def advance_to(self, due: list[int]) -> None:
            """The clock to the earliest of `due`, within MAX_AHEAD. Usage reports counted so far are sent first, as
            the outbox does within seconds."""
            seconds = min(due, default=0) - self.now()
            if seconds <= 0 or self.ahead + seconds > MAX_AHEAD:
                return
            outbox.drain(max_polls=500)
            self.recover()
            moved = requests.post(f"{emulator.url}/_emulator/advance", json={"seconds": seconds}, timeout=60,
                                  headers={"Authorization": f"Bearer {self.key}"})
            assert moved.status_code == 200, moved.text
            self.ahead = moved.json()["now"] - int(time.time())
            tally.step("clock_moved")

        @rule(user=st.integers(0, 2), quantity=st.integers(1, 5), retry=st.booleans())
        def use(self, user: int, quantity: int, retry: bool) -> None:
            if self.ahead > USAGE_AHEAD:
                return  # Stripe's meter would refuse PayKit's real-time timestamps (see USAGE_AHEAD)
            tally.step("use")
            who = self.users[user]
            reply = self.post_twice(f"{BASE}/usage", who, {"feature": "exports", "quantity": quantity}, retry)
            if reply.status == 200:
                periods = self.counted.setdefault(who, {})
                periods[reply.json().get("resets_at")] = periods.get(reply.json().get("resets_at"), 0) + quantity
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
            tally.moved += self.ahead > 0
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
            # The hourly pass at the account's time (the real time unless the clock moved): it takes off the
            # discounts that ended with no event to say so (issue 18, item 8), and has nothing else to correct.
            at = datetime.fromtimestamp(self.now(), timezone.utc)
            assert refresher.refresh_changed_scope(default_table(), self.project, "test", now=at) == 0
            for check in (self.check_mrr, self.check_counters, self.check_usage, self.check_payments,
                          self.check_exports):
                check()
                tally.checks += 1

        def expected_mrr(self, subs: list[dict[str, Any]]) -> tuple[int, int]:
            """(MRR, discounted subscriptions) by docs/metrics.md, from Stripe's subscriptions at the account's time:
            licensed items' monthly amounts times quantities, less a `forever` or `repeating` discount that has not
            ended, rounded half up per subscription, never below 0."""
            total = discounted = 0
            for sub in subs:
                if sub["status"] not in MRR_STATUSES:
                    continue
                gross = Fraction(0)
                for item in sub["items"]["data"]:
                    price, recurring = item["price"], item["price"]["recurring"]
                    if recurring.get("usage_type") == "metered":
                        continue
                    amount = Fraction(str(price.get("unit_amount_decimal") or price["unit_amount"]))
                    quantity = 1 if item.get("quantity") is None else int(item["quantity"])
                    gross += (amount * quantity * metrics.PER_MONTH[recurring["interval"]]
                              / int(recurring.get("interval_count") or 1))
                coupon = self.running_coupon(sub)
                if coupon is not None:
                    discounted += 1
                    if coupon.get("percent_off") is not None:
                        gross *= 1 - Fraction(str(coupon["percent_off"])) / 100
                    else:  # per billing period; every plan here is monthly
                        gross -= coupon["amount_off"]
                total += max(0, math.floor(gross + Fraction(1, 2)))
            return total, discounted

        def running_coupon(self, sub: dict[str, Any]) -> dict[str, Any] | None:
            """The coupon of the subscription's first discount when it is recurring and has not ended by now."""
            if not sub.get("discounts"):
                return None
            first = self.stripe("GET", f"/v1/subscriptions/{sub['id']}",
                                **{"expand[]": "discounts.source.coupon"})["discounts"][0]
            coupon = first["source"]["coupon"]
            if coupon["duration"] == "once" or (first.get("end") and first["end"] <= self.now()):
                return None
            return coupon

        def check_mrr(self) -> None:
            subs = self.listed("/v1/subscriptions", status="all")
            expected, discounted = self.expected_mrr(subs)
            tally.discounted += discounted
            e4 = client.get("/api/v1/payments/stats", token=self.dev).json()
            usd = e4["by_mode"]["test"]["by_currency"].get("usd", {})
            assert usd.get("mrr_cents", 0) == expected, (usd, [(s["id"], s["status"], s["discounts"]) for s in subs])
            # The series over the last three days ends at that MRR, its movements add up to its change, and it
            # starts from nothing (the shop is new), but for the movements dated after today, which a clock moved
            # ahead put there and which the series cannot read yet.
            today = datetime.now(timezone.utc).date()
            series = client.get("/api/v1/payments/stats/timeseries", token=self.dev, query={
                "metric": "mrr_movements", "from": (today - timedelta(days=2)).isoformat(),
                "to": today.isoformat()}).json()
            summary = series["summary"]
            moved = (summary["new_mrr_cents"] + summary["expansion_mrr_cents"] + summary["reactivation_mrr_cents"]
                     - summary["contraction_mrr_cents"] - summary["churned_mrr_cents"])
            assert summary["mrr_end_cents"] == expected, summary
            assert summary["net_new_mrr_cents"] == summary["mrr_end_cents"] - summary["mrr_start_cents"] == moved
            owner = default_table().get(keys.project(self.project))["owner_id"]
            later = sum(metrics.net_new(bucket, "usd") for day, bucket in self.days(keys.developer_counters(
                owner, "test")["pk"]).items() if date.fromisoformat(day) > today)
            assert summary["mrr_start_cents"] == later, (summary, later)
            assert later == 0 or self.ahead > 0

        def days(self, partition: str) -> dict[str, dict[str, Any]]:
            items = default_table().query_all("pk = :pk AND begins_with(sk, :day)", {":pk": partition, ":day": "DAY#"},
                                              consistent=True)
            return {item["sk"].removeprefix("DAY#"): self.figures(item) for item in items}

        @staticmethod
        def figures(item: dict[str, Any] | None) -> dict[str, Any]:
            return {k: v for k, v in (item or {}).items() if k not in ("pk", "sk", "type") and v}

        def check_counters(self) -> None:
            table = default_table()
            corrected, _ = refresher.refresh_scope(table, self.project, "test")
            assert corrected == 0, "the counters drifted from a recount of the records"
            owner = table.get(keys.project(self.project))["owner_id"]
            assert self.figures(table.get(keys.developer_counters(owner, "test"))) == self.figures(
                table.get(keys.counters(self.project, "test")))
            assert self.days(keys.developer_counters(owner, "test")["pk"]) == self.days(
                keys.counters(self.project, "test")["pk"])

        def check_usage(self) -> None:
            """Each user's usage: `check` shows what was counted in the period it shows (a renewal starts another),
            and Stripe's meter holds every counted call once, whatever the period."""
            now = int(datetime.now(timezone.utc).timestamp())
            for index, who in enumerate(self.users):
                counted = self.counted.get(who, {})
                check = client.get(f"{BASE}/check", token=self.token(who), query={"feature": "exports"}).json()
                if check.get("resets_at") is not None:
                    assert (check.get("used") or 0) == counted.get(check["resets_at"], 0), (who, check, counted)
                subs = self.subscriptions_of(index)
                metered = 0
                if subs:
                    summary = requests.get(f"{emulator.url}/v1/billing/meters/{self.meter}/event_summaries",
                                           auth=(self.key, ""), timeout=10, params={
                                               "customer": subs[0]["customer"], "start_time": (now - DAY) // 60 * 60,
                                               "end_time": (now + 3600) // 60 * 60}).json()
                    metered = int(sum(s["aggregated_value"] for s in summary.get("data", [])))
                assert metered == sum(counted.values()), (who, metered, counted)

        def check_payments(self) -> None:
            """Every payment Stripe took is one payment record of its amount, a renewal retried many times too, and
            PayKit records no payment Stripe does not have."""
            intents = {pi["id"]: pi for pi in self.listed("/v1/payment_intents")}
            records = self.pages(f"{BASE}/projects/{self.project}/payments", "payments")
            ids = [r["payment_intent_id"] for r in records]
            assert len(ids) == len(set(ids)) and set(ids) <= set(intents), ids
            mine = {r["payment_intent_id"]: r for r in records}
            for pi in intents.values():
                if pi["status"] == "succeeded":
                    assert pi["id"] in mine and mine[pi["id"]]["amount_cents"] == pi["amount"], (pi, mine.get(pi["id"]))
                    assert mine[pi["id"]]["status"] not in ("failed", "pending", "canceled"), mine[pi["id"]]

        def pages(self, path: str, field: str) -> list[dict[str, Any]]:
            out, cursor = [], None
            while True:
                page = client.get(path, token=self.dev, query={"page_size": "100", **({"cursor": cursor} if cursor
                                                                                       else {})}).json()
                out += page[field]
                cursor = page.get("next_cursor")
                if not cursor:
                    return out

        def check_exports(self) -> None:
            for path, field in (("/api/v1/payments/subscriptions", "subscriptions"),
                                ("/api/v1/payments/transactions", "payments")):
                listed = self.pages(path, field)
                exported = client.get(f"{path}/export", token=self.dev, query={"format": "jsonl"})
                rows = [json.loads(line) for line in exported.text.splitlines() if line.strip()]
                assert exported.headers.get("x-next-cursor") is None or len(rows) >= 1000  # one chunk holds it all
                assert sorted(json.dumps(r, sort_keys=True) for r in rows) == sorted(
                    json.dumps(r, sort_keys=True) for r in listed), path

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
    # The histories did what they are for: users paid, changed, used; coupons discounted MRR; the clock moved
    # (renewals, failed ones among them); Stripe's events arrived; the checks ran
    assert tally.histories >= min(examples, 4) and tally.checks == tally.histories * IDENTITIES, vars(tally)
    assert sum(tally.steps.values()) >= 2 * tally.histories, vars(tally)
    assert tally.moved >= 1 and tally.steps.get("renewal_fails") and tally.discounted >= 1, vars(tally)
    assert tally.steps.get("discount", 0) + tally.steps.get("checkout_code", 0) >= 1, vars(tally)
    if os.environ.get("PAYKIT_HISTORIES_REPORT"):  # bench.histories reads what the run did
        with open(os.environ["PAYKIT_HISTORIES_REPORT"], "w", encoding="utf-8") as report:
            json.dump(vars(tally), report)
