"""The living demo `make run` seeds: two projects, a few dozen customers over six months, lived through test clocks.

Everything goes the way a user's would: projects and keys through PayKit's API, customers and subscriptions through
Stripe's API (the emulator), each project's clock advanced so Stripe itself renews, fails, retries and cancels, and
the events reach PayKit through the project's registered webhook endpoint. The story is fixed (seeded random
numbers, dates relative to today), so every `make run` shows the same history.
"""
from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

import requests
import stripe


class Stack(Protocol):
    """What the seed needs of the running local stack (local.stack.LocalStack, which imports this module)."""
    url: str
    emulator: Any  # its `url` and `wait_for_deliveries(timeout)`
    aws: Any  # moto in server mode: its `client(name)`
    queues: dict[str, str]

DAY = 86400
HISTORY_DAYS = 183  # six months back from today
RANDOM_SEED = 13
SEED_TIMEOUT = 150.0  # seconds for the seed and the queue to drain; after that the stack starts anyway
GOOD_CARD, FAILING_CARD, DISPUTED_CARD = "4242424242424242", "4000000000000341", "4000000000000259"
FIRST_NAMES = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Linus", "Margaret",
               "Dennis", "Hedy", "John", "Katherine", "Tim", "Sophie", "Niklaus", "Joan", "Guido", "Anita", "Bjarne")
LAST_NAMES = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman",
              "Torvalds", "Hamilton", "Ritchie", "Lamarr", "Backus", "Johnson", "Berners-Lee", "Wilson", "Wirth")


@dataclass(frozen=True)
class Plan:
    name: str
    amount: int
    interval: str = "month"


@dataclass
class ProjectSpec:
    name: str
    description: str
    currency: str
    plans: dict[str, Plan]
    customers: int
    mix: dict[str, float]  # plan key -> weight for customers without a scripted story
    account_settings: dict[str, Any]
    # (customer index, first plan, [(days after sign-up, action, argument)]): the scripted stories
    stories: list[tuple[int, str, list[tuple[float, str, Any]]]] = field(default_factory=list)
    coupon: dict[str, Any] | None = None  # the account's coupon (Stripe's create parameters)
    promotion_code: str | None = None  # a code customers type for it; None: the coupon is applied directly
    discounted: tuple[int, ...] = ()  # customers who sign up with the discount


PROJECTS = [
    ProjectSpec(
        "Demo SaaS", "Seeded by make run: a usd SaaS with monthly and yearly plans", "usd",
        {"starter": Plan("Starter", 900), "pro": Plan("Pro", 2900), "business": Plan("Business", 9900),
         "pro_yearly": Plan("Pro yearly", 29000, "year")},
        customers=22, mix={"starter": 4, "pro": 4, "business": 1.5, "pro_yearly": 0.7},
        account_settings={"name": "Demo SaaS", "dunning_final_action": "cancel", "dunning_retry_days": [3, 5, 7]},
        stories=[
            (0, "starter", [(45.5, "switch", ("pro", "always_invoice"))]),  # upgrade, charged pro rata now
            (1, "business", [(70.5, "switch", ("pro", "create_prorations"))]),  # downgrade, credit on the next bill
            (2, "pro", [(35.5, "seats", 3)]),  # two more seats
            (3, "pro", [(57.0, "card", FAILING_CARD), (62.5, "recover", None)]),  # failed renewal, then recovered
            (4, "starter", [(26.0, "card", FAILING_CARD)]),  # never recovers: dunning cancels it
            (5, "pro", [(80.5, "cancel_at_period_end", None)]),
            (6, "starter", [(12.5, "refund", "all"), (12.6, "cancel", None)]),  # refunded and gone
            (7, "business", [(62.5, "refund", 2000)]),  # a goodwill credit on a renewal
            (8, "pro", [(27.0, "card", DISPUTED_CARD), (32.5, "card", GOOD_CARD), (38.5, "dispute", "close")]),
            (10, "starter", [(95.5, "switch", ("business", "always_invoice"))]),
        ],
        coupon={"id": "LAUNCH25", "name": "Launch: 25% off for 3 months", "percent_off": 25,
                "duration": "repeating", "duration_in_months": 3},
        promotion_code="LAUNCH25", discounted=(11, 12, 15)),
    ProjectSpec(
        "Atelier Cloud", "Seeded by make run: a eur design tool", "eur",
        {"solo": Plan("Solo", 1200), "studio": Plan("Studio", 3900)},
        customers=14, mix={"solo": 3, "studio": 2},
        account_settings={"name": "Atelier Cloud", "dunning_final_action": "mark_unpaid",
                          "dunning_retry_days": [2, 4]},
        stories=[
            (0, "solo", [(25.0, "card", FAILING_CARD), (45.5, "recover", None)]),  # unpaid, then reactivated
            (1, "solo", [(40.5, "switch", ("studio", "always_invoice"))]),
            (2, "studio", [(50.5, "switch", ("solo", "create_prorations"))]),
            (3, "studio", [(33.5, "cancel", None)]),
            (4, "solo", [(20.5, "refund", 600)]),
        ],
        coupon={"name": "Partner: 5 EUR off", "amount_off": 500, "currency": "eur", "duration": "forever"},
        discounted=(7,)),
]


@dataclass
class _Customer:
    index: int
    name: str
    email: str
    user_id: str
    plan: str
    signup: int  # clock time
    id: str = ""
    subscription: str = ""


@dataclass(order=True)
class _Step:
    at: int
    order: int
    run: Callable[[], None] = field(compare=False)


def _start_of_day(t: float) -> int:
    return int(t) // DAY * DAY


class _Project:
    """One seeded project: its PayKit project, its Stripe account (the emulator), its prices and its test clock."""

    def __init__(self, stack: Stack, spec: ProjectSpec, auth: dict[str, str], rng: random.Random,
                 start: int) -> None:
        self.stack, self.spec, self.rng, self.start = stack, spec, rng, start
        api = stack.url
        self.project = requests.post(f"{api}/api/v1/projects/", headers=auth, timeout=10,
                                     json={"name": spec.name, "description": spec.description}).json()
        pid = self.project["id"]
        account = requests.post(f"{stack.emulator.url}/_emulator/accounts", json=spec.account_settings,
                                timeout=10).json()
        self.account = account
        requests.put(f"{api}/api/v1/payments/stripe/projects/{pid}/config", headers=auth, timeout=10,
                     json={"test_secret_key": account["test_secret_key"],
                           "test_publishable_key": account["test_publishable_key"]}).raise_for_status()
        self.sdk = stripe.StripeClient(account["test_secret_key"], base_addresses={"api": stack.emulator.url},
                                       max_network_retries=0)
        # The project's E8 URL as a webhook endpoint for the events PayKit handles (as Stripe advises: only those
        # an integration uses; `invoice.paid` without its twin `invoice.payment_succeeded`, which PayKit applies
        # the same way, so renewals cost half the deliveries), its signing secret into the config as a user would.
        from paykit.processor import HANDLERS  # after the stack set the environment the layer reads

        urls = requests.get(f"{api}/api/v1/payments/stripe/projects/{pid}/webhook-urls", headers=auth,
                            timeout=10).json()
        events = sorted(set(HANDLERS) - {"invoice.payment_succeeded"})
        endpoint = self.sdk.v1.webhook_endpoints.create({"url": urls["test_webhook_url"], "enabled_events": events})
        requests.put(f"{api}/api/v1/payments/stripe/projects/{pid}/config", headers=auth, timeout=10,
                     json={"test_webhook_secret": endpoint.secret}).raise_for_status()
        self.prices = {}
        for key, plan in spec.plans.items():
            self.prices[key] = self.sdk.v1.prices.create({
                "unit_amount": plan.amount, "currency": spec.currency, "recurring": {"interval": plan.interval},
                "product_data": {"name": plan.name}, "lookup_key": f"{key}_{plan.interval}"}).id
        self.discount: dict[str, str] | None = None
        if spec.coupon:
            coupon = self.sdk.v1.coupons.create(spec.coupon).id
            self.discount = {"coupon": coupon}
            if spec.promotion_code:
                self.discount = {"promotion_code": self.sdk.v1.promotion_codes.create({
                    "code": spec.promotion_code, "promotion": {"type": "coupon", "coupon": coupon}}).id}
        self.clock = self.sdk.v1.test_helpers.test_clocks.create({"frozen_time": start, "name": spec.name}).id
        self.now = start
        self.customers = self._people()

    def _people(self) -> list[_Customer]:
        """Scripted stories start in the first month (they need time to play out); the other sign-ups fall one in
        each slice of the months after (jittered), the slices narrowing towards today: a growing product."""
        spec, rng = self.spec, self.rng
        scripted = {index: plan for index, plan, _ in spec.stories}
        others = spec.customers - len(scripted)
        keys, weights = list(spec.mix), list(spec.mix.values())
        people, rank = [], 0
        for index in range(spec.customers):
            if index in scripted:
                day = 2 + index * 3 + rng.random()
            else:
                day = 35 + ((rank + rng.random()) / others) ** 0.8 * (HISTORY_DAYS - 38)
                rank += 1
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            people.append(_Customer(
                index, f"{first} {last}", f"{first}.{last}.{index}@example.com".lower().replace("-", ""),
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                scripted.get(index) or rng.choices(keys, weights)[0], self.start + int(day * DAY)))
        return people

    def steps(self) -> list[_Step]:
        out = [_Step(c.signup, 0, lambda c=c: self.sign_up(c)) for c in self.customers]
        for index, _, actions in self.spec.stories:
            customer = self.customers[index]
            for order, (days, action, argument) in enumerate(actions, start=1):
                run = getattr(self, f"_{action}")
                out.append(_Step(customer.signup + int(days * DAY), order,
                                 lambda run=run, c=customer, a=argument: run(c, a)))
        return out

    def advance(self, to: int) -> None:
        if to > self.now:
            self.sdk.v1.test_helpers.test_clocks.advance(self.clock, {"frozen_time": to})
            self.now = to

    def sign_up(self, c: _Customer) -> None:
        customer = self.sdk.v1.customers.create({
            "test_clock": self.clock, "name": c.name, "email": c.email, "payment_method": "pm_card_visa",
            "invoice_settings": {"default_payment_method": "pm_card_visa"}, "metadata": {"user_id": c.user_id}})
        c.id = customer.id
        discounts = [self.discount] if self.discount and c.index in self.spec.discounted else []
        c.subscription = self.sdk.v1.subscriptions.create({
            "customer": customer.id, "items": [{"price": self.prices[c.plan]}],
            **({"discounts": discounts} if discounts else {}),
            "metadata": {"user_id": c.user_id, "project_id": self.project["id"]}}).id

    def _card(self, c: _Customer, card: str, pay_open_invoices: bool = False) -> None:
        requests.post(f"{self.stack.emulator.url}/_emulator/customers/{c.id}/card", timeout=10,
                      json={"card": card, "pay_open_invoices": pay_open_invoices}).raise_for_status()

    def _recover(self, c: _Customer, _: Any) -> None:
        self._card(c, GOOD_CARD, pay_open_invoices=True)

    def _switch(self, c: _Customer, argument: tuple[str, str]) -> None:
        plan, behavior = argument
        item = self.sdk.v1.subscriptions.retrieve(c.subscription)["items"].data[0].id
        self.sdk.v1.subscriptions.update(c.subscription, {"items": [{"id": item, "price": self.prices[plan]}],
                                                          "proration_behavior": behavior})

    def _seats(self, c: _Customer, quantity: int) -> None:
        item = self.sdk.v1.subscriptions.retrieve(c.subscription)["items"].data[0].id
        self.sdk.v1.subscriptions.update(c.subscription, {"items": [{"id": item, "quantity": quantity}],
                                                          "proration_behavior": "none"})

    def _cancel(self, c: _Customer, _: Any) -> None:
        self.sdk.v1.subscriptions.cancel(c.subscription, {"cancellation_details": {"feedback": "too_expensive"}})

    def _cancel_at_period_end(self, c: _Customer, _: Any) -> None:
        self.sdk.v1.subscriptions.update(c.subscription, {"cancel_at_period_end": True})

    def _refund(self, c: _Customer, amount: int | str) -> None:
        latest = self.sdk.v1.payment_intents.list({"customer": c.id, "limit": 1}).data[0]
        params: dict[str, Any] = {"payment_intent": latest.id, "reason": "requested_by_customer"}
        if amount != "all":
            params["amount"] = amount
        self.sdk.v1.refunds.create(params)

    def _dispute(self, c: _Customer, _: Any) -> None:
        """The merchant accepts the chargeback the disputed card brought (it stays lost)."""
        for dispute in self.sdk.v1.disputes.list({"limit": 10}).data:
            if dispute.status == "needs_response":
                self.sdk.v1.disputes.close(dispute.id)


def seed_history(stack: Stack, developer_token: str, timeout: float = SEED_TIMEOUT) -> dict[str, Any]:
    """Seeds both projects and waits until PayKit has applied every event. Returns the projects and figures."""
    started = time.monotonic()
    rng = random.Random(RANDOM_SEED)
    auth = {"Authorization": f"Bearer {developer_token}"}
    start = _start_of_day(time.time()) - HISTORY_DAYS * DAY + 9 * 3600
    projects = [_Project(stack, spec, auth, rng, start) for spec in PROJECTS]
    end = int(time.time()) - 60
    for project in projects:
        for step in sorted(s for s in project.steps() if s.at < end):
            project.advance(step.at)
            step.run()
        project.advance(end)  # Stripe renews, retries and ends what falls due up to today
    delivered, drained = _wait_until_applied(stack, started + timeout)
    return {"projects": [p.project for p in projects], "accounts": [p.account for p in projects],
            "prices": {p.spec.name: p.prices for p in projects},
            "customers": [c for p in projects for c in p.customers],
            "seconds": round(time.monotonic() - started, 1), "events": delivered, "drained": drained}


def _wait_until_applied(stack: Stack, deadline: float) -> tuple[int, bool]:
    """Until the emulator has delivered everything and the webhook queue is empty (nothing queued or in flight):
    the number of deliveries, and whether that happened before the deadline."""
    sqs = stack.aws.client("sqs")
    queue = stack.queues["WebhookQueue"]
    quiet = 0
    while time.monotonic() < deadline:
        idle = stack.emulator.wait_for_deliveries(timeout=max(0.1, deadline - time.monotonic()))
        attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        empty = not any(int(v) for v in attributes.values())
        quiet = quiet + 1 if idle and empty else 0
        if quiet >= 2:  # twice in a row: a delivery answered between the two reads is queued by now
            break
        time.sleep(0.2)
    deliveries = requests.get(f"{stack.emulator.url}/_emulator/deliveries", timeout=10).json()["data"]
    return len(deliveries), quiet >= 2
