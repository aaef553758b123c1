"""End to end on `python -m local.stack`: 20 subscriptions live the same life twice, once with orderly webhook
delivery and once shuffled with duplicates (emulator delivery policy); PayKit must end in the same state."""
from __future__ import annotations

import re
import time
from typing import Any

import boto3
import requests
import stripe

from paykit.store import keys
from paykit.store.table import Table
from tests.e2e.conftest import RunningStack
from tests.e2e.test_webhooks_e2e import eventually

DAY = 86400
HOUR = 3600  # a renewal invoice is a draft for an hour before Stripe charges it
N = 20
GOOD_CARD, FAILING_CARD = "4242424242424242", "4000000000000341"
CHAOS = {"shuffle": True, "duplicates": 0.5, "window": 1.5, "concurrency": 4, "seed": 12}
_ID = re.compile(r"^(sub|cus|price|prod|pi|in|ch|re|si|pm|evt|txn|cs_test)_[A-Za-z0-9]+$")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|e2e-(orderly|chaotic)")
# PayKit's own record times and ids, which differ between two runs of the same story
_OWN = {"pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "id", "created_at", "updated_at", "received_at",
        "project_id", "project_name", "record_id", "subscription_id", "payment_intent_id", "customer_id",
        "stored_at", "version", "processed_at", "ttl", "owner_id"}


def _differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two answers differ, as `path: a != b` lines (a readable failure instead of two long reprs)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b)) for d in _differences(a.get(k), b.get(k), f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def _comparable(record: Any) -> Any:
    """The record without what differs between two runs of the same story, nested parts included (a subscription's
    `price_items` name each account's own prices)."""
    if isinstance(record, list):
        return [_comparable(v) for v in record]
    if not isinstance(record, dict):
        return record
    return {k: _comparable(v) for k, v in record.items() if k not in _OWN and not k.startswith("gsi") and not (
        isinstance(v, str) and (_ID.match(v) or _UUID.search(v)))}


class Shop:
    """A developer (own login), a project and its own emulator account with the given delivery policy."""

    def __init__(self, stack: RunningStack, name: str, policy: dict[str, Any] | None, now: int) -> None:
        self.stack, self.name = stack, name
        self.auth = {"Authorization": f"Bearer {stack.token('developer', f'e2e-{name}')}"}
        self.project = requests.post(f"{stack.url}/api/v1/projects/", json={"name": f"Chaos {name}"},
                                     headers=self.auth, timeout=10).json()["id"]
        account = requests.post(f"{stack.emulator_url}/_emulator/accounts", json={}, timeout=10).json()
        if policy:
            answer = requests.post(f"{stack.emulator_url}/_emulator/accounts/{account['id']}/delivery", json=policy,
                                   timeout=10)
            assert answer.status_code == 200, answer.text
        self.sdk = stripe.StripeClient(account["test_secret_key"], base_addresses={"api": stack.emulator_url})
        self.base = f"{stack.url}/api/v1/payments/stripe/projects/{self.project}"
        url = requests.get(f"{self.base}/webhook-urls", headers=self.auth, timeout=10).json()["test_webhook_url"]
        endpoint = self.sdk.v1.webhook_endpoints.create({"url": url, "enabled_events": ["*"]})
        assert requests.put(f"{self.base}/config", headers=self.auth, timeout=10, json={
            "test_secret_key": account["test_secret_key"], "test_webhook_secret": endpoint.secret}).status_code == 200
        moto = re.search(r"AWS \(moto\)\s+(\S+)", stack.output())
        assert moto, stack.output()
        self.table = Table(boto3.client("dynamodb", endpoint_url=moto.group(1), region_name="us-east-1",
                                        aws_access_key_id="testing", aws_secret_access_key="testing"), "paykit-local")
        self.pro = self._price(1900, "Pro")
        self.business = self._price(4900, "Business")
        self.clock = self.sdk.v1.test_helpers.test_clocks.create({"frozen_time": now})
        self.now = now
        self.subs: list[str] = []
        self.customers: list[str] = []
        self.first_payments: list[str] = []

    def _price(self, amount: int, name: str) -> stripe.Price:
        return self.sdk.v1.prices.create({"unit_amount": amount, "currency": "usd", "recurring": {"interval": "month"},
                                          "product_data": {"name": name}})

    def emulator(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = requests.post(f"{self.stack.emulator_url}/_emulator{path}", json=body, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def subscribe(self, i: int) -> None:
        user = f"user-{i:02d}"
        customer = self.sdk.v1.customers.create({"test_clock": self.clock.id, "email": f"{user}@example.test"})
        meta = {"user_id": user, "project_id": self.project}
        session = self.sdk.v1.checkout.sessions.create({
            "mode": "subscription", "customer": customer.id, "line_items": [{"price": self.pro.id, "quantity": 1}],
            "success_url": "http://localhost/ok", "cancel_url": "http://localhost/no", "client_reference_id": user,
            "metadata": meta, "subscription_data": {"metadata": meta}})
        paid = self.emulator(f"/checkout/{session.id}/pay", {"card": GOOD_CARD})
        assert paid["status"] == "succeeded", paid
        self.customers.append(customer.id)
        self.subs.append(paid["session"]["subscription"])
        self.first_payments.append(paid["payment_intent"])

    def change(self, i: int) -> None:
        """The story of subscription i after its checkout, before the renewal."""
        sub_id = self.subs[i]
        if i < 4:
            self.emulator(f"/customers/{self.customers[i]}/card", {"card": FAILING_CARD})
        elif i < 8:
            portal = self.sdk.v1.billing_portal.sessions.create({"customer": self.customers[i],
                                                                 "return_url": "http://localhost/"})
            self.emulator(f"/portal/{portal.id}/switch", {"subscription": sub_id, "price": self.business.id})
        elif i < 11:
            self.sdk.v1.subscriptions.update(sub_id, {"cancel_at_period_end": True})
        elif i < 13:
            self.sdk.v1.subscriptions.cancel(sub_id)
        elif i < 15:
            self.sdk.v1.refunds.create({"payment_intent": self.first_payments[i], "amount": 500})

    def renew(self) -> None:
        self.sdk.v1.test_helpers.test_clocks.advance(self.clock.id, {"frozen_time": self.now + 31 * DAY + HOUR})

    def event_ids(self) -> list[str]:
        """The account's event ids, oldest first."""
        return [e.id for e in reversed(list(self.sdk.v1.events.list({"limit": 100}).auto_paging_iter()))]

    def log(self) -> list[dict[str, Any]]:
        entries, page = [], 1
        while True:
            answer = requests.get(f"{self.base}/events", headers=self.auth, timeout=10,
                                  params={"page_size": 100, "page": page}).json()
            entries += answer["events"]
            if len(entries) >= answer["total"] or not answer["events"]:
                return entries
            page += 1

    def processed(self) -> list[dict[str, Any]]:
        """Waits until PayKit logged every event of the account once and finished with each."""
        expected = set(self.event_ids())
        return eventually(self.log, lambda log: {e["id"] for e in log} == expected and len(log) == len(expected)
                          and all(e["status"] in ("processed", "ignored") for e in log),
                          f"{self.name}: every event processed once", timeout=240)

    def answers(self) -> dict[str, Any]:
        def get(path: str, **params: Any) -> dict[str, Any]:
            return requests.get(f"{self.stack.url}/api/v1/payments/{path}", headers=self.auth, timeout=10,
                                params=params).json()

        subscriptions = get("subscriptions", project_id=self.project, page_size=100)["subscriptions"]
        payments = get("transactions", project_id=self.project, page_size=100)["payments"]
        return {
            "E1": sorted((_comparable(s) for s in subscriptions), key=repr),
            "E2": sorted((_comparable(p) for p in payments), key=repr),
            "E4": get("stats"),
        }

    def records(self) -> dict[str, Any]:
        subs = [_comparable(self.table.get(keys.subscription(self.project, "test", s), consistent=True) or {})
                for s in self.subs]
        payments = [_comparable(self.table.get(keys.payment(self.project, "test", p), consistent=True) or {})
                    for p in self.first_payments]
        counters = self.table.get(keys.counters(self.project, "test"), consistent=True) or {}
        return {"subscriptions": subs, "first_payments": payments,
                "counters": {k: v for k, v in counters.items() if k not in _OWN and v}}


def test_shuffled_duplicated_deliveries_leave_paykit_as_orderly_ones_do(local_stack: RunningStack) -> None:
    # Given two developers' shops on the same clock time: one with orderly delivery, one shuffled with duplicates
    now = int(time.time())
    orderly, chaotic = Shop(local_stack, "orderly", None, now), Shop(local_stack, "chaotic", CHAOS, now)
    shops = (orderly, chaotic)

    # When 20 customers subscribe in each, then 4 cards fail, 4 change plan, 3 cancel at period end, 2 cancel now
    # and 2 first payments are partly refunded, and the clocks pass the renewal date
    started = time.monotonic()
    for i in range(N):
        for shop in shops:
            shop.subscribe(i)
    for i in range(N):
        for shop in shops:
            shop.change(i)
    for shop in shops:
        shop.renew()
    for shop in shops:
        shop.processed()
    elapsed = time.monotonic() - started

    # Then the chaotic shop really got shuffled and duplicated deliveries
    deliveries = requests.get(f"{local_stack.emulator_url}/_emulator/deliveries", timeout=30).json()["data"]
    created = {event_id: n for n, event_id in enumerate(chaotic.event_ids())}
    mine = [d for d in deliveries if d["event"] in created]
    duplicates = sum(1 for d in mine for a in d["attempts"] if a["duplicate"])
    arrival = [created[d["event"]] for d in sorted(mine, key=lambda d: d["attempts"][0]["attempted_at"])]
    assert arrival != sorted(arrival)
    assert duplicates >= len(mine) // 4, (duplicates, len(mine))
    # And PayKit ends in the same state: E1, E2 and E4 answers and the stored records agree
    assert _differences(chaotic.answers(), orderly.answers()) == []
    assert _differences(chaotic.records(), orderly.records()) == []
    statuses = sorted(s["status"] for s in orderly.answers()["E1"])
    assert statuses.count("past_due") == 4 and statuses.count("canceled") == 5, statuses
    print(f"\n2 x {N} subscriptions, {len(mine)} chaotic deliveries ({duplicates} duplicates) in {elapsed:.1f}s")
