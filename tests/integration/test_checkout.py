"""E12 checkout and the sync-on-return read, through the real handler against moto server and the Stripe emulator."""
from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from paykit.auth import Principal, Role
from paykit.models.checkout import CheckoutRequest
from paykit.services import checkout
from paykit.processor import default_processor
from paykit.store import keys
from paykit.store.table import default_table
from tests.conftest import JWT_SECRET
from tests.support import make_token

CHECKOUT = "/api/v1/payments/stripe/checkout-session"
OK_URLS = {"success_url": "https://app.example.com/ok?session_id={CHECKOUT_SESSION_ID}",
           "cancel_url": "https://app.example.com/cancel"}


@dataclass
class Shop:
    """A project with test keys in an emulator account, and its prices."""

    project_id: str
    key: str
    emulator_url: str
    prices: dict[str, str] = field(default_factory=dict)

    def stripe(self, method: str, path: str, **data: Any) -> dict[str, Any]:
        reply = requests.request(method, f"{self.emulator_url}{path}", data=data, auth=(self.key, ""), timeout=10)
        return reply.json()

    def token(self, user: str | None = None) -> str:
        return make_token(JWT_SECRET, user or f"user-{uuid.uuid4()}", self.project_id)

    def pay(self, session_id: str, card: str = "4242424242424242") -> dict[str, Any]:
        return requests.post(f"{self.emulator_url}/_emulator/checkout/{session_id}/pay", json={"card": card},
                             timeout=10).json()


def make_shop(client, dev_token: str, emulator, project_id: str | None = None, **config: Any) -> Shop:
    account = requests.post(f"{emulator.url}/_emulator/accounts", json={"name": "shop"}, timeout=10).json()
    if project_id is None:
        reply = client.post("/api/v1/projects/", token=dev_token, json_body={"name": "Shop"})
        project_id = reply.json()["id"]
    reply = client.put(f"/api/v1/payments/stripe/projects/{project_id}/config", token=dev_token,
                       json_body={"test_secret_key": account["test_secret_key"], **config})
    assert reply.status == 200, reply.text
    shop = Shop(project_id, account["test_secret_key"], emulator.url)
    product = shop.stripe("POST", "/v1/products", name="Pro")["id"]
    for name, extra in {
        "monthly": {"unit_amount": 1900, "recurring[interval]": "month"},
        "team": {"unit_amount": 4900, "recurring[interval]": "month"},
        "yearly": {"unit_amount": 19000, "recurring[interval]": "year"},
        "eur": {"unit_amount": 1900, "recurring[interval]": "month", "currency": "eur"},
        "one_time": {"unit_amount": 500},
    }.items():
        shop.prices[name] = shop.stripe("POST", "/v1/prices", product=product, **{"currency": "usd", **extra})["id"]
    return shop


@pytest.fixture()
def shop(client, dev_token, emulator) -> Shop:
    return make_shop(client, dev_token, emulator)


def start_checkout(client, shop: Shop, token: str, price: str = "monthly", **body: Any):
    return client.post(CHECKOUT, token=token, json_body={"price_id": shop.prices.get(price, price), **OK_URLS, **body})


def subscribe(client, shop: Shop, token: str, price: str = "monthly") -> dict[str, Any]:
    """Checkout, pay on the hosted page, and the success page's sync-on-return read."""
    session = start_checkout(client, shop, token, price).json()
    assert shop.pay(session["session_id"])["status"] == "succeeded"
    reply = client.get(f"{CHECKOUT}/{session['session_id']}", token=token)
    assert reply.status == 200, reply.text
    return reply.json()


# ---------------------------------------------------------------------- E12


def test_checkout_creates_a_session_with_the_user_in_every_place_stripe_keeps_it(client, shop):
    # Given an end user of the project
    token = shop.token("user-a")
    # When they start a subscription checkout with metadata
    reply = start_checkout(client, shop, token, quantity=2, metadata={"plan": "pro"})
    # Then a Stripe session is returned
    assert reply.status == 200, reply.text
    body = reply.json()
    assert body["session_id"].startswith("cs_test_") and body["checkout_url"].startswith(shop.emulator_url)
    session = shop.stripe("GET", f"/v1/checkout/sessions/{body['session_id']}")
    # And the user and project are in client_reference_id, metadata and subscription_data.metadata (decision 12)
    assert session["client_reference_id"] == "user-a"
    assert session["metadata"] == {"plan": "pro", "user_id": "user-a", "project_id": shop.project_id}
    # (Stripe's session has no subscription_data: the subscription made when it is paid carries it)
    shop.pay(body["session_id"])
    paid = shop.stripe("GET", f"/v1/checkout/sessions/{body['session_id']}")
    subscription = shop.stripe("GET", f"/v1/subscriptions/{paid['subscription']}")
    assert subscription["metadata"] == {"user_id": "user-a", "project_id": shop.project_id}
    # And {CHECKOUT_SESSION_ID} is left for Stripe to fill in
    assert session["success_url"] == OK_URLS["success_url"]
    # And the customer is the user's, mapped both ways
    mapping = default_table().get(keys.customer_of_user(shop.project_id, "test", "user-a"))
    assert session["customer"] == mapping["customer_id"]
    assert default_table().get(keys.user_of_customer(shop.project_id, "test", session["customer"]))["user_id"] == "user-a"


def test_one_time_checkout_puts_the_user_in_payment_intent_data(client, shop):
    reply = start_checkout(client, shop, shop.token("user-b"), "one_time", mode="payment")
    assert reply.status == 200, reply.text
    shop.pay(reply.json()["session_id"])
    session = shop.stripe("GET", f"/v1/checkout/sessions/{reply.json()['session_id']}")
    assert session["mode"] == "payment"
    intent = shop.stripe("GET", f"/v1/payment_intents/{session['payment_intent']}")
    assert intent["metadata"] == {"user_id": "user-b", "project_id": shop.project_id}


def test_the_same_customer_is_reused_on_a_second_checkout(client, shop):
    token = shop.token("user-c")
    first = start_checkout(client, shop, token).json()["session_id"]
    second = start_checkout(client, shop, token).json()["session_id"]
    customers = shop.stripe("GET", "/v1/customers")["data"]
    assert len(customers) == 1
    assert {shop.stripe("GET", f"/v1/checkout/sessions/{s}")["customer"] for s in (first, second)} == {customers[0]["id"]}


def test_concurrent_first_checkouts_create_one_customer(service_env, client, shop):
    # Given eight first checkouts of one user at the same time (the service directly: resolvers are not thread-safe)
    caller = Principal(sub="user-race", role=Role.END_USER, project_id=shop.project_id)
    body = CheckoutRequest(price_id=shop.prices["monthly"], **OK_URLS)
    barrier, results, failures = threading.Barrier(8), [], []

    def run() -> None:
        barrier.wait()
        try:
            results.append(checkout.create_checkout_session(caller, True, body))
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    # Then every checkout succeeded, with one customer in Stripe and in the mapping
    assert not failures and len(results) == 8
    customers = shop.stripe("GET", "/v1/customers")["data"]
    assert len(customers) == 1
    mapping = default_table().get(keys.customer_of_user(shop.project_id, "test", "user-race"), consistent=True)
    assert mapping["customer_id"] == customers[0]["id"]
    assert {shop.stripe("GET", f"/v1/checkout/sessions/{r.session_id}")["customer"] for r in results} == {
        customers[0]["id"]}


def test_an_already_subscribed_user_gets_400_unless_allowed(client, shop):
    token = shop.token("user-d")
    subscribe(client, shop, token)
    blocked = start_checkout(client, shop, token, "team")
    assert blocked.status == 400 and blocked.json() == {"detail": "User already has an active subscription"}
    assert start_checkout(client, shop, token, "team", allow_existing_subscription=True).status == 200
    # A one-time purchase is not a second subscription (decision 14 applies to subscription checkouts)
    assert start_checkout(client, shop, token, "one_time", mode="payment").status == 200


def test_the_same_idempotency_key_gives_the_same_session_and_other_parameters_422(client, shop):
    token = shop.token("user-e")
    headers = {"Idempotency-Key": "retry-1"}
    first = client.post(CHECKOUT, token=token, headers=headers, json_body={"price_id": shop.prices["monthly"], **OK_URLS})
    again = client.post(CHECKOUT, token=token, headers=headers, json_body={"price_id": shop.prices["monthly"], **OK_URLS})
    assert first.status == again.status == 200
    assert first.json() == again.json()
    assert len(shop.stripe("GET", "/v1/checkout/sessions")["data"]) == 1
    other = client.post(CHECKOUT, token=token, headers=headers, json_body={"price_id": shop.prices["team"], **OK_URLS})
    assert other.status == 422 and other.json()["detail"][0]["loc"] == ["header", "idempotency-key"]  # decision 32


def test_one_users_idempotency_key_never_replays_another_users_session(client, shop):
    headers = {"Idempotency-Key": "same"}
    a = client.post(CHECKOUT, token=shop.token("user-f1"), headers=headers,
                    json_body={"price_id": shop.prices["monthly"], **OK_URLS}).json()
    b = client.post(CHECKOUT, token=shop.token("user-f2"), headers=headers,
                    json_body={"price_id": shop.prices["monthly"], **OK_URLS}).json()
    assert a["session_id"] != b["session_id"]


@pytest.mark.parametrize("price", ["price_doesnotexist", "one_time"])
def test_an_unknown_or_wrong_price_is_422_on_price_id(client, shop, price):
    # one_time: a one-time price in a subscription checkout
    reply = start_checkout(client, shop, shop.token(), price)
    assert reply.status == 422, reply.text
    (error,) = reply.json()["detail"]
    assert error["loc"] == ["body", "price_id"] and error["msg"]


@pytest.mark.parametrize("body, loc", [
    ({"success_url": "http://app.example.com/ok"}, "success_url"),
    ({"cancel_url": "/relative"}, "cancel_url"),
    ({"success_url": "ftp://app.example.com"}, "success_url"),
    ({"mode": "setup"}, "mode"),
    ({"quantity": 0}, "quantity"),
    ({"metadata": {"user_id": "someone-else"}}, "metadata"),
    ({"price_id": ""}, "price_id"),
])
def test_invalid_input_is_422(client, shop, body, loc):
    reply = start_checkout(client, shop, shop.token(), **body)
    assert reply.status == 422, reply.text
    assert loc in reply.json()["detail"][0]["loc"]


def test_http_localhost_is_allowed_in_test_mode_only(client, shop):
    local = {"success_url": "http://localhost:3000/ok", "cancel_url": "http://127.0.0.1:3000/no"}
    assert start_checkout(client, shop, shop.token(), **local).status == 200


def test_allowed_redirect_origins_refuse_other_origins(client, dev_token, emulator):
    shop = make_shop(client, dev_token, emulator, allowed_redirect_origins=["https://app.example.com"])
    assert start_checkout(client, shop, shop.token()).status == 200
    reply = start_checkout(client, shop, shop.token(), cancel_url="https://evil.example.net/x")
    assert reply.status == 422 and reply.json()["detail"][0]["loc"] == ["body", "cancel_url"]


def test_live_mode_without_live_keys_is_404_stripe_not_configured(client, shop):
    reply = client.post(CHECKOUT, token=shop.token(), query={"test_mode": "false"},
                        json_body={"price_id": shop.prices["monthly"], **OK_URLS})
    assert reply.status == 404 and reply.json() == {"detail": "Stripe not configured"}


def test_a_deactivated_config_is_404_stripe_not_configured(client, dev_token, shop):
    client.delete(f"/api/v1/payments/stripe/projects/{shop.project_id}/config", token=dev_token)
    reply = start_checkout(client, shop, shop.token())
    assert reply.status == 404 and reply.json() == {"detail": "Stripe not configured"}


def test_a_project_that_does_not_exist_is_404(client, shop):
    token = make_token(JWT_SECRET, "user-x", str(uuid.uuid4()))
    reply = client.post(CHECKOUT, token=token, json_body={"price_id": "price_1", **OK_URLS})
    assert reply.status == 404 and reply.json() == {"detail": "Project not found"}


def test_no_token_is_401_and_a_developer_token_403(client, dev_token, shop):
    body = {"price_id": shop.prices["monthly"], **OK_URLS}
    missing = client.post(CHECKOUT, json_body=body)
    assert missing.status == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert client.post(CHECKOUT, token=dev_token, json_body=body).status == 403


# ---------------------------------------------------------------------- Stripe failures


def fault(shop: Shop, **spec: Any) -> None:
    requests.post(f"{shop.emulator_url}/_emulator/faults", json=spec, timeout=10).raise_for_status()


@pytest.fixture()
def clear_faults(emulator):
    yield
    requests.delete(f"{emulator.url}/_emulator/faults", timeout=10)


def test_stripe_5xx_after_retries_is_503_with_retry_after(client, shop, clear_faults):
    fault(shop, kind="500", count=5, path_prefix="/v1/checkout")
    reply = start_checkout(client, shop, shop.token())
    assert reply.status == 503 and reply.headers["retry-after"]


def test_stripe_rate_limit_is_503_with_retry_after(client, shop, clear_faults):
    fault(shop, kind="429", count=5, path_prefix="/v1/checkout")
    reply = start_checkout(client, shop, shop.token())
    assert reply.status == 503 and reply.headers["retry-after"] == "2"


def test_a_stripe_timeout_is_503(client, shop, clear_faults):
    fault(shop, kind="hang", count=3, path_prefix="/v1/checkout", hang_seconds=5)  # the tests' budget is 3 s
    reply = start_checkout(client, shop, shop.token())
    assert reply.status == 503 and "retry later" in reply.json()["detail"]


def test_a_revoked_key_is_502_with_a_clear_detail(client, shop):
    requests.post(f"{shop.emulator_url}/_emulator/keys/revoke", json={"key": shop.key}, timeout=10)
    reply = start_checkout(client, shop, shop.token())
    assert reply.status == 502 and "credentials were rejected" in reply.json()["detail"]
    assert shop.key not in reply.text


# ---------------------------------------------------------------------- sync-on-return


def test_sync_on_return_records_the_subscription_at_once(client, shop):
    # Given a user who paid on the hosted page, before any webhook
    token = shop.token("user-g")
    result = subscribe(client, shop, token)
    # Then the read shows the recorded subscription, linked to the user
    sub = result["subscription"]
    assert result["status"] == "complete" and result["payment_status"] == "paid"
    assert sub["status"] == "active" and sub["user_id"] == "user-g" and sub["subscription_id"].startswith("sub_")
    # And E14 shows it
    mine = client.get("/api/v1/payments/stripe/my-subscription", token=token).json()
    assert mine["subscription_id"] == sub["subscription_id"]
    # And the counters count it once
    counters = default_table().get(keys.counters(shop.project_id, "test"), consistent=True)
    assert counters["subscriptions"] == 1 and counters["subscriptions#active"] == 1


def test_the_webhook_after_sync_on_return_changes_nothing(client, shop):
    # Given a subscription recorded by sync-on-return
    sub_id = subscribe(client, shop, shop.token("user-h"))["subscription"]["subscription_id"]
    table = default_table()
    before = table.get(keys.subscription(shop.project_id, "test", sub_id), consistent=True)
    counters_before = table.get(keys.counters(shop.project_id, "test"), consistent=True)
    # When Stripe's events of that checkout are then processed
    events = shop.stripe("GET", "/v1/events", limit=100)["data"]
    for evt in reversed(events):
        if evt["type"].startswith("customer.subscription.") or evt["type"] == "checkout.session.completed":
            default_processor().process_event(shop.project_id, "test", evt, "{}")
    # Then the subscription's state and the counters are unchanged (an event in the same second as the read is a
    # tie, settled by Stripe's current object: only the ordering stamps may move then)
    after = table.get(keys.subscription(shop.project_id, "test", sub_id), consistent=True)
    stamps = {"version", "stripe_event_id", "stripe_event_created"}
    assert {k: v for k, v in after.items() if k not in stamps} == {k: v for k, v in before.items() if k not in stamps}
    assert table.get(keys.counters(shop.project_id, "test"), consistent=True) == counters_before


def test_reading_the_success_page_again_writes_nothing(client, shop):
    # Given a subscription recorded by sync-on-return
    token = shop.token("user-h2")
    first = subscribe(client, shop, token)
    table = default_table()
    key = keys.subscription(shop.project_id, "test", first["subscription"]["subscription_id"])
    before = table.get(key, consistent=True)
    # When the success page asks about the same session again (a reload)
    session_id = first["session_id"]
    again = client.get(f"{CHECKOUT}/{session_id}", token=token)
    # Then it answers the same, and the stored record was not rewritten (same version, same stamps)
    assert again.status == 200 and again.json() == first
    assert table.get(key, consistent=True) == before


def test_sync_on_return_records_a_one_time_payment(client, shop):
    token = shop.token("user-i")
    session = start_checkout(client, shop, token, "one_time", mode="payment", quantity=3).json()
    shop.pay(session["session_id"])
    result = client.get(f"{CHECKOUT}/{session['session_id']}", token=token).json()
    payment = result["payment"]
    assert (payment["status"], payment["amount_cents"], payment["currency"]) == ("succeeded", 1500, "usd")
    assert payment["user_id"] == "user-i" and result["subscription"] is None
    listed = client.get("/api/v1/payments/stripe/my-payments", token=token).json()
    assert [p["payment_intent_id"] for p in listed["payments"]] == [payment["payment_intent_id"]]


def test_an_open_session_is_shown_without_recording_anything(client, shop):
    token = shop.token("user-j")
    session_id = start_checkout(client, shop, token).json()["session_id"]
    result = client.get(f"{CHECKOUT}/{session_id}", token=token).json()
    assert result["status"] == "open" and result["subscription"] is None and result["payment"] is None


def test_another_users_or_a_missing_session_is_404(client, shop):
    session_id = start_checkout(client, shop, shop.token("user-k")).json()["session_id"]
    other = client.get(f"{CHECKOUT}/{session_id}", token=shop.token("user-l"))
    assert other.status == 404 and other.json() == {"detail": "Checkout session not found"}
    missing = client.get(f"{CHECKOUT}/cs_test_missing", token=shop.token("user-k"))
    assert missing.status == 404 and missing.json() == {"detail": "Checkout session not found"}
    assert client.get(f"{CHECKOUT}/not-a-session", token=shop.token("user-k")).status == 422
