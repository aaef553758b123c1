"""Two tenants built through the real flows, every route's concrete path, and a snapshot of all a tenant owns."""
from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import stripe

from local.template import Route
from paykit import aws
from paykit.secrets import stripe_secret_name
from paykit.processor import default_processor
from paykit.store.table import default_table
from tests.conftest import JWT_SECRET, SECRET_PREFIX
from tests.integration.test_checkout import Shop, make_shop, subscribe
from tests.support import HandlerClient, Reply, make_token


@dataclass
class Tenant:
    """A developer with one project, test keys in their own emulator account and a webhook secret."""

    developer: str
    token: str
    shop: Shop
    webhook_secret: str

    @property
    def project_id(self) -> str:
        return self.shop.project_id


@dataclass
class World:
    a: Tenant  # the attacker's side
    b: Tenant  # the victim's side
    victim: str  # end user of B with a subscription, payments and a completed checkout session
    victim_subscription: str
    victim_customer: str
    victim_session: str
    victim_payment_intents: list[str]
    b_event_id: str  # one event in B's event log
    neighbour: str  # another end user of B, with nothing of their own
    outsider: str  # an end user of A, subscribed in A

    def user_token(self, tenant: Tenant, user: str) -> str:
        return make_token(JWT_SECRET, user, tenant.project_id)

    def victim_ids(self) -> list[str]:
        """What no attacker's response may contain."""
        return [self.b.project_id, self.b.developer, self.victim, self.victim_subscription, self.victim_customer,
                self.victim_session, self.b_event_id, *self.victim_payment_intents]


def _tenant(client: HandlerClient, emulator: Any, name: str) -> Tenant:
    developer = f"dev-{name}-{uuid.uuid4()}"
    token = make_token(JWT_SECRET, developer)
    webhook_secret = f"whsec_{secrets.token_hex(16)}"
    return Tenant(developer, token, make_shop(client, token, emulator, test_webhook_secret=webhook_secret),
                  webhook_secret)


def _process_stripe_events(shop: Shop) -> list[dict[str, Any]]:
    """What the queue would hand the processor after Stripe delivered the account's events, oldest first."""
    events = list(reversed(shop.stripe("GET", "/v1/events", limit=100)["data"]))
    for event in events:
        default_processor().process_event(shop.project_id, "test", event, json.dumps(event))
    return events


@pytest.fixture(scope="session")
def world(service_env: dict[str, str], emulator: Any) -> World:
    client = HandlerClient()
    a, b = _tenant(client, emulator, "a"), _tenant(client, emulator, "b")
    victim = f"victim-{uuid.uuid4()}"
    victim_token = make_token(JWT_SECRET, victim, b.project_id)
    synced = subscribe(client, b.shop, victim_token)
    outsider = f"outsider-{uuid.uuid4()}"
    subscribe(client, a.shop, make_token(JWT_SECRET, outsider, a.project_id))
    events = _process_stripe_events(b.shop)
    payments = client.get("/api/v1/payments/stripe/my-payments", token=victim_token).json()["payments"]
    assert payments, "the victim's invoice payment was recorded from the events"
    return World(a=a, b=b, victim=victim, victim_subscription=synced["subscription"]["subscription_id"],
                 victim_customer=synced["subscription"]["customer_id"], victim_session=synced["session_id"],
                 victim_payment_intents=[p["payment_intent_id"] for p in payments], b_event_id=events[-1]["id"],
                 neighbour=f"neighbour-{uuid.uuid4()}", outsider=outsider)


def concrete_path(route: Route, world: World) -> str:
    """The route's path with the victim's resources in it."""
    values = {"project_id": world.b.project_id, "mode": "test", "event_id": world.b_event_id,
              "session_id": world.victim_session, "product_id": "prod_victims0", "feature_key": "exports"}
    return route.path.format(**values)


# ---------------------------------------------------------------------- what "changes nothing" compares


def _table_items(needles: list[str]) -> list[dict[str, Any]]:
    """Every item whose key mentions the tenant (tests may Scan; request paths never do)."""
    table = default_table()
    names = {f":n{i}": {"S": n} for i, n in enumerate(needles)}
    args: dict[str, Any] = {"TableName": table.name, "ConsistentRead": True,
                            "FilterExpression": " OR ".join(f"contains(pk, {k})" for k in names),
                            "ExpressionAttributeValues": names}
    items: list[dict[str, Any]] = []
    while True:
        page = table.client.scan(**args)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return sorted(items, key=lambda item: (item["pk"]["S"], item["sk"]["S"]))
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _secret_versions(project_id: str) -> dict[str, Any]:
    """Version ids only: the snapshot never holds a secret value."""
    client, out = aws.client("secretsmanager"), {}
    for mode in ("test", "live"):
        try:
            out[mode] = client.describe_secret(SecretId=stripe_secret_name(SECRET_PREFIX, project_id, mode)).get(
                "VersionIdsToStages")
        except client.exceptions.ResourceNotFoundException:
            out[mode] = None
    return out


def _stripe_objects(shop: Shop) -> dict[str, Any]:
    """The victim account's objects a route could change, read with the Stripe SDK from the emulator."""
    sdk = stripe.StripeClient(shop.key, base_addresses={"api": shop.emulator_url})
    subs = sdk.v1.subscriptions.list({"limit": 100, "status": "all"}).data
    return {
        "subscriptions": sorted((s.id, s.status, s.cancel_at_period_end, s["items"].data[0].price.id) for s in subs),
        "customers": sorted(c.id for c in sdk.v1.customers.list({"limit": 100}).data),
        "checkout_sessions": sorted(s.id for s in sdk.v1.checkout.sessions.list({"limit": 100}).data),
    }


def _queued(service_env: dict[str, str]) -> int:
    attributes = aws.client("sqs").get_queue_attributes(
        QueueUrl=service_env["QUEUE_URL"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return sum(int(v) for v in attributes.values())


def tenant_snapshot(world: World, service_env: dict[str, str]) -> dict[str, Any]:
    """Everything of tenant B an attacker could touch: table items, secrets, Stripe objects, the event queue."""
    return {"items": _table_items([world.b.project_id, world.b.developer]),
            "secrets": _secret_versions(world.b.project_id),
            "stripe": _stripe_objects(world.b.shop),
            "queued": _queued(service_env)}


def assert_no_leak(reply: Reply, world: World, label: str) -> None:
    leaked = [value for value in world.victim_ids() if value in reply.text]
    assert not leaked, f"{label}: the response shows the victim's {leaked}"
