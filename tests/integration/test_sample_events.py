"""events/ stays true: every route, queue and schedule of template.yaml has a sample, and each sample, filled as
events/README.md says, gets the answer it should from its function's handler against moto and the emulator."""
from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any, Callable

import pytest
import requests

from events.fill import EVENTS_DIR, TEST_WEBHOOK_SECRET, fill
from local import lambda_host
from local.template import functions
from paykit.processor import HANDLERS
from tests.conftest import JWT_SECRET
from tests.support import make_token


STRIPE_SAMPLES = EVENTS_DIR / "stripe"
# Subscription events that end or schedule the end of the subscription go last, after the routes that need it live.
STRIPE_ORDER = sorted(HANDLERS, key=lambda t: (t in ("customer.subscription.updated", "customer.subscription.deleted"),
                                               t == "customer.subscription.deleted", t))


def template_samples() -> dict[Path, dict[str, Any]]:
    """The sample file each event source of template.yaml needs, with the template's declaration of it."""
    return {EVENTS_DIR / name / f"{event}.json": spec for name, function in functions().items()
            for event, spec in function.events.items()}


def route_key(spec: dict[str, Any]) -> str:
    props = spec["Properties"]
    return "$default" if "Method" not in props else f"{props['Method']} {props['Path']}"


def body(reply: dict[str, Any]) -> Any:
    """The JSON answer, or the text of a file answer (the exports' CSV and JSON lines)."""
    if (reply.get("headers") or {}).get("Content-Type", "application/json") != "application/json":
        return reply["body"]
    return json.loads(reply["body"]) if reply.get("body") else None


def test_every_event_source_of_the_template_has_a_sample():
    # Given every HTTP route, queue and schedule template.yaml declares
    samples = template_samples()
    assert samples

    # Then each has its sample, of its kind (a route's sample is that route's API Gateway v2 request)
    for path, spec in samples.items():
        assert path.exists(), f"{spec['Type']} {route_key(spec) if spec['Type'] == 'HttpApi' else ''}: add {path}"
        sample = json.loads(path.read_text())
        if spec["Type"] == "HttpApi":
            assert sample["version"] == "2.0" and sample["routeKey"] == route_key(spec), path
            assert sample["requestContext"]["routeKey"] == route_key(spec), path
        elif spec["Type"] == "SQS":
            assert sample["Records"] and all(r["eventSource"] == "aws:sqs" for r in sample["Records"]), path
        elif spec["Type"] == "DynamoDB":
            assert sample["Records"] and all(r["eventSource"] == "aws:dynamodb" for r in sample["Records"]), path
        else:
            assert sample["detail-type"] == "Scheduled Event", path


def test_every_handled_stripe_event_type_has_a_sample():
    # Given the event types the processor applies
    # Then each has a sample of that type, and no sample is of a type nobody handles
    samples = {path.stem: json.loads(path.read_text()) for path in STRIPE_SAMPLES.glob("*.json")}
    assert set(samples) == set(HANDLERS)
    assert all(evt["type"] == type_ and evt["object"] == "event" for type_, evt in samples.items())


def test_the_queue_sample_carries_the_stripe_samples_as_the_receiver_queues_them():
    # Given the SQS batch sample, read without filling
    records = json.loads((EVENTS_DIR / "event_processor" / "StripeEvents.json").read_text())["Records"]

    # Then each message holds a Stripe sample unchanged, keyed by its event id as the receiver keys it
    for record in records:
        message = json.loads(record["body"])
        event = json.loads(message["body"])
        assert event == json.loads((STRIPE_SAMPLES / f"{event['type']}.json").read_text())
        assert message["event_id"] == event["id"] == record["attributes"]["MessageDeduplicationId"]


class World:
    """A project with Stripe test keys, an end user who paid a monthly plan, and the ids the samples name."""

    def __init__(self, emulator_url: str) -> None:
        self.emulator_url = emulator_url
        developer, user = str(uuid.uuid4()), str(uuid.uuid4())
        self.values: dict[str, str] = {"DEV_TOKEN": make_token(JWT_SECRET, developer), "USER_ID": user,
                                       "WEBHOOK_SECRET": TEST_WEBHOOK_SECRET, "EVENT_ID": "evt_sample_invoice_paid"}
        keys = requests.post(f"{emulator_url}/_emulator/accounts", json={"name": "Samples"}, timeout=10).json()
        self.values["STRIPE_SECRET_KEY"] = keys["test_secret_key"]

    def invoke(self, sample: str | Path, **extra: str) -> Any:
        path = Path(sample) if Path(sample).is_absolute() else EVENTS_DIR / sample
        return lambda_host.invoke(path.parent.name, fill(path, {**self.values, **extra}))

    def stripe(self, method: str, path: str, **params: Any) -> dict[str, Any]:
        reply = requests.request(method, f"{self.emulator_url}/v1/{path}", data=params, timeout=10,
                                 auth=(self.values["STRIPE_SECRET_KEY"], ""))
        assert reply.status_code == 200, reply.text
        return reply.json()

    def sqs_event(self, stripe_type: str) -> dict[str, Any]:
        """The queue sample's first record carrying the Stripe sample of `stripe_type`, filled."""
        batch = fill("event_processor/StripeEvents.json", self.values)
        event = fill(STRIPE_SAMPLES / f"{stripe_type}.json", self.values)
        record = batch["Records"][0]
        message = {**json.loads(record["body"]), "event_id": event["id"], "body": json.dumps(event)}
        return {"Records": [{**record, "body": json.dumps(message),
                             "attributes": {**record["attributes"], "MessageDeduplicationId": event["id"]}}]}


@pytest.fixture(scope="module")
def world(service_env, emulator) -> World:
    """Built through the samples themselves: create the project, give it keys, check out and pay."""
    w = World(emulator.url)
    created = w.invoke("projects/CreateProject.json")
    assert created["statusCode"] == 201, created
    w.values["PROJECT_ID"] = body(created)["id"]
    configured = w.invoke("stripe_config/PutStripeConfig.json")
    assert configured["statusCode"] == 200, configured
    price = w.stripe("POST", "prices", unit_amount=1900, currency="usd", **{
        "product_data[name]": "Pro", "recurring[interval]": "month"})
    bigger = w.stripe("POST", "prices", unit_amount=2900, currency="usd", product=price["product"],
                      **{"recurring[interval]": "month"})
    w.values.update(PRICE_ID=price["id"], NEW_PRICE_ID=bigger["id"], PRODUCT_ID=price["product"],
                    USER_TOKEN=make_token(JWT_SECRET, w.values["USER_ID"], w.values["PROJECT_ID"]))
    checkout = w.invoke("checkout/CreateCheckoutSession.json")
    assert checkout["statusCode"] == 200, checkout
    session_id = body(checkout)["session_id"]
    paid = requests.post(f"{emulator.url}/_emulator/checkout/{session_id}/pay", json={"card": "4242424242424242"},
                         timeout=10)
    assert paid.json()["status"] == "succeeded", paid.text
    w.values["SESSION_ID"] = session_id
    assert w.invoke("checkout/GetCheckoutSession.json")["statusCode"] == 200  # the success page's sync-on-return
    session = w.stripe("GET", f"checkout/sessions/{session_id}")
    sub = w.stripe("GET", f"subscriptions/{session['subscription']}")
    invoice = w.stripe("GET", f"invoices/{sub['latest_invoice']}?expand[]=payments")  # only when expanded
    pi_id = invoice["payments"]["data"][0]["payment"]["payment_intent"]
    pi = w.stripe("GET", f"payment_intents/{pi_id}")
    w.values.update(CUSTOMER_ID=session["customer"], SUBSCRIPTION_ID=sub["id"],
                    SUBSCRIPTION_ITEM_ID=sub["items"]["data"][0]["id"], INVOICE_ID=invoice["id"],
                    PAYMENT_INTENT_ID=pi_id, CHARGE_ID=pi["latest_charge"])
    return w


def test_the_queue_sample_is_applied_by_the_event_processor(world: World):
    # When the event processor gets the SQS batch sample
    reply = world.invoke("event_processor/StripeEvents.json")

    # Then no record fails, and the project's event log holds both events as processed
    assert reply == {"batchItemFailures": []}
    log = body(world.invoke("stripe_config/ListStripeEvents.json"))
    statuses = {entry["id"]: entry["status"] for entry in log["events"]}
    assert statuses["evt_sample_checkout_session_completed"] == "processed"
    assert statuses["evt_sample_invoice_paid"] == "processed"


Check = Callable[[Any, dict[str, str]], bool]
# Each route's sample, in an order where each finds the state it needs, with its status and the answer's shape.
ROUTES: list[tuple[str, int, Check]] = [
    ("projects/ListProjectsSlash.json", 200, lambda b, v: v["PROJECT_ID"] in [p["id"] for p in b["projects"]]),
    ("projects/ListProjects.json", 200, lambda b, v: v["PROJECT_ID"] in [p["id"] for p in b["projects"]]),
    ("projects/CreateProjectSlash.json", 201, lambda b, v: b["name"] == "Sample shop" and b["id"] != v["PROJECT_ID"]),
    ("projects/CreateProject.json", 201, lambda b, v: b["name"] == "Sample shop"),
    ("projects/GetProject.json", 200, lambda b, v: b["id"] == v["PROJECT_ID"]),
    ("payments_overview/ListPaymentProjects.json", 200,
     lambda b, v: any(p["id"] == v["PROJECT_ID"] and p["has_test_credentials"] for p in b["projects"])),
    ("payments_overview/ListAllSubscriptions.json", 200,
     lambda b, v: [s["subscription_id"] for s in b["subscriptions"]] == [v["SUBSCRIPTION_ID"]]),
    ("payments_overview/ListAllTransactions.json", 200, lambda b, v: b["total"] >= 1 and len(b["payments"]) >= 1),
    ("payments_overview/ExportAllSubscriptions.json", 200,
     lambda b, v: [json.loads(line)["subscription_id"] for line in b.splitlines()] == [v["SUBSCRIPTION_ID"]]),
    ("payments_overview/ExportAllTransactions.json", 200,
     lambda b, v: b.splitlines()[0].startswith("id,project_id,project_name,") and len(b.splitlines()) >= 2),
    ("payments_overview/GetPaymentStats.json", 200, lambda b, v: b["by_mode"]["test"]["active_subscriptions"] == 1),
    ("payments_overview/GetPaymentStatsTimeseries.json", 200,
     lambda b, v: b["metric"] == "mrr_movements" and len(b["points"]) == 30 and b["summary"]["customers_end"] == 1),
    ("stripe_config/GetStripeConfig.json", 200,
     lambda b, v: b["project_id"] == v["PROJECT_ID"] and b["has_test_credentials"] and b["test_webhook_secret_masked"]),
    ("stripe_config/PutStripeConfig.json", 200, lambda b, v: b["is_active"] is True),
    ("stripe_config/ListProjectSubscriptions.json", 200, lambda b, v: b["total"] == 1),
    ("stripe_config/ListProjectPayments.json", 200, lambda b, v: b["total"] >= 1),
    ("stripe_config/ExportProjectSubscriptions.json", 200,
     lambda b, v: [json.loads(line)["subscription_id"] for line in b.splitlines()] == [v["SUBSCRIPTION_ID"]]),
    ("stripe_config/ExportProjectPayments.json", 200,
     lambda b, v: b.splitlines()[0].startswith("id,project_id,subscription_id,") and len(b.splitlines()) >= 2),
    ("stripe_config/PutBillingSettings.json", 200, lambda b, v: (b["past_due_grace_days"], b["hard_limits"]) == (3, False)),
    ("stripe_config/GetBillingSettings.json", 200, lambda b, v: b["past_due_grace_days"] == 3),
    ("stripe_config/CreateFeature.json", 201, lambda b, v: (b["lookup_key"], b["limit"]) == ("exports-100", 100)),
    ("stripe_config/ListFeatures.json", 200, lambda b, v: [f["lookup_key"] for f in b["features"]] == ["exports-100"]),
    ("stripe_config/AttachFeature.json", 200, lambda b, v: b["products"] == [v["PRODUCT_ID"]]),
    # The user's entitlements come with Stripe's summary event (its sample runs in the Stripe-sample test): until
    # then they hold none, which these answers show.
    ("my_subscription/GetMyEntitlements.json", 200, lambda b, v: b["subscription_status"] == "active"),
    ("my_subscription/CheckEntitlement.json", 200,
     lambda b, v: (b["feature"], b["allowed"]) == ("exports", False) and b["reason"] == "not_entitled"),
    ("my_subscription/RecordUsage.json", 403, lambda b, v: "Not entitled to 'exports'" in b["detail"]),
    ("stripe_config/GetUserUsage.json", 200, lambda b, v: b["user_id"] == v["USER_ID"] and b["usage"] == {}),
    ("stripe_config/DetachFeature.json", 200, lambda b, v: b["products"] == []),
    ("stripe_config/GetWebhookUrls.json", 200, lambda b, v: b["test_webhook_url"].endswith(f"/{v['PROJECT_ID']}/test")),
    ("stripe_config/ValidateCredentials.json", 200, lambda b, v: b["valid"] is True),
    ("webhook_receiver/ReceiveStripeEvent.json", 200, lambda b, v: b == {"received": True}),
    ("stripe_config/ListStripeEvents.json", 200, lambda b, v: b["total"] >= 1 and "events" in b),
    ("stripe_config/ReplayStripeEvent.json", 200, lambda b, v: b["id"] == v["EVENT_ID"] and "applied" in b),
    ("checkout/GetCheckoutSession.json", 200,
     lambda b, v: b["status"] == "complete" and b["subscription"]["subscription_id"] == v["SUBSCRIPTION_ID"]),
    ("checkout/CreateCheckoutSession.json", 400, lambda b, v: "active subscription" in b["detail"]),  # one per user
    ("my_subscription/GetMySubscription.json", 200, lambda b, v: b["subscription_id"] == v["SUBSCRIPTION_ID"]),
    ("my_subscription/GetMyPayments.json", 200, lambda b, v: b["total"] >= 1),
    ("my_subscription/CreatePortalSession.json", 200, lambda b, v: b["portal_url"].startswith("http")),
    ("my_subscription/PreviewSubscriptionUpdate.json", 200,
     lambda b, v: b["price_id"] == v["NEW_PRICE_ID"] and b["currency"] == "usd" and b["next_invoice_amount"] > 0),
    ("my_subscription/UpdateSubscription.json", 200,
     lambda b, v: (b["subscription_id"], b["price_id"]) == (v["SUBSCRIPTION_ID"], v["NEW_PRICE_ID"])),
    ("my_subscription/CancelSubscription.json", 200,
     lambda b, v: b["subscription_id"] == v["SUBSCRIPTION_ID"] and b["cancel_at"] is not None),
    ("my_subscription/ResumeSubscription.json", 200, lambda b, v: b["cancel_at"] is None),
    ("unrouted/DefaultRoute.json", 404, lambda b, v: b == {"detail": "Not Found"}),
]


def test_every_route_sample_is_checked():
    # Then the list below covers every route sample, so a new route cannot go unchecked
    routes = {path for path, spec in template_samples().items() if spec["Type"] == "HttpApi"}
    checked = {EVENTS_DIR / sample for sample, _, _ in ROUTES} | {EVENTS_DIR / "stripe_config/DeleteStripeConfig.json"}
    assert routes == checked


@pytest.mark.parametrize(("sample", "status", "check"), ROUTES, ids=[r[0] for r in ROUTES])
def test_a_route_sample_gets_its_answer(world: World, sample: str, status: int, check: Check):
    # When the route's function gets its sample, filled with the world's ids and tokens
    reply = world.invoke(sample)

    # Then it answers with the route's status and shape
    assert reply["statusCode"] == status, reply
    shaped = check(body(reply), world.values)  # not inlined: the values hold keys pytest would print
    assert shaped, reply


@pytest.mark.parametrize("stripe_type", STRIPE_ORDER)
def test_each_stripe_sample_is_applied_through_the_queue(world: World, stripe_type: str):
    # When the event processor gets the Stripe sample of this type in an SQS record
    reply = lambda_host.invoke("event_processor", world.sqs_event(stripe_type))

    # Then the record does not fail and the event log shows it processed
    assert reply == {"batchItemFailures": []}
    log = body(world.invoke("stripe_config/ListStripeEvents.json"))
    event_id = json.loads((STRIPE_SAMPLES / f"{stripe_type}.json").read_text())["id"]
    assert {e["id"]: e["status"] for e in log["events"]}.get(event_id) == "processed", log


def test_the_schedule_samples_run_the_scheduled_functions(world: World):
    # When the reconciler and the stats refresher get their schedule samples
    reconciled = world.invoke("reconciler/Hourly.json")
    refreshed = world.invoke("stats_refresher/Hourly.json")

    # Then each reports its pass: every page read and its scopes enqueued for the worker (issue 15)
    assert reconciled["completed"] and reconciled["enqueued"] >= 1
    assert refreshed["completed"] and refreshed["enqueued"] >= 1


def test_the_work_sample_runs_its_scopes_in_the_worker(world: World):
    # When the worker gets the work queue sample (a reconcile and a refresh of the world's project)
    reply = world.invoke("scope_worker/Work.json")

    # Then neither record fails
    assert reply == {"batchItemFailures": []}


def test_the_outbox_sample_reaches_stripes_meter(world: World):
    # Given a meter for `exports` in the world's Stripe account (the feature sample made one when it ran first)
    meters = requests.get(f"{world.emulator_url}/v1/billing/meters", auth=(world.values["STRIPE_SECRET_KEY"], ""),
                          timeout=10).json()["data"]
    meter = next((m for m in meters if m["event_name"] == "exports"), None) or world.stripe(
        "POST", "billing/meters", display_name="Exports", event_name="exports", **{
            "default_aggregation[formula]": "sum", "customer_mapping[type]": "by_id",
            "customer_mapping[event_payload_key]": "stripe_customer_id", "value_settings[event_payload_key]": "value"})
    # When the outbox sender gets the stream sample (a usage report of 3), twice, as a stream may deliver it
    first = world.invoke("outbox_sender/Outbox.json")
    again = world.invoke("outbox_sender/Outbox.json")
    # Then neither record fails and the meter counts 3 for the customer, once
    assert first == again == {"batchItemFailures": []}
    now = int(time.time())
    summaries = requests.get(f"{world.emulator_url}/v1/billing/meters/{meter['id']}/event_summaries", params={
        "customer": world.values["CUSTOMER_ID"], "start_time": (now - 3600) // 60 * 60,
        "end_time": (now + 3600) // 60 * 60}, auth=(world.values["STRIPE_SECRET_KEY"], ""), timeout=10).json()
    assert sum(s["aggregated_value"] for s in summaries["data"]) == 3


def test_the_delete_config_sample_deactivates_the_project(world: World):
    # When the developer's delete sample runs (last: it ends what the other samples need)
    reply = world.invoke("stripe_config/DeleteStripeConfig.json")

    # Then it answers 204 and the config reads inactive
    assert reply["statusCode"] == 204, reply
    assert body(world.invoke("stripe_config/GetStripeConfig.json"))["is_active"] is False
