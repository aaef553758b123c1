"""E14-E18, resume and preview through the real handler against moto server and the Stripe emulator."""
from __future__ import annotations

import uuid

import pytest

from paykit.processor import default_processor
from paykit.store import keys
from paykit.store.table import default_table
from tests.conftest import JWT_SECRET
from tests.integration.test_checkout import CHECKOUT, Shop, clear_faults, fault, make_shop, start_checkout, subscribe  # noqa: F401
from tests.support import make_token

BASE = "/api/v1/payments/stripe"


@pytest.fixture()
def shop(client, dev_token, emulator) -> Shop:
    return make_shop(client, dev_token, emulator)


def stored(shop: Shop, sub_id: str) -> dict:
    return default_table().get(keys.subscription(shop.project_id, "test", sub_id), consistent=True)


# ---------------------------------------------------------------------- E14


def test_no_subscription_is_json_null(client, shop):
    reply = client.get(f"{BASE}/my-subscription", token=shop.token())
    assert reply.status == 200 and reply.text == "null"


def test_my_subscription_is_the_newest_non_final_one(client, shop):
    # Given a user with a canceled subscription and then a newer active one
    token = shop.token("user-1")
    first = subscribe(client, shop, token)["subscription"]["subscription_id"]
    client.post(f"{BASE}/cancel-subscription", token=token, json_body={"cancel_immediately": True})
    second = subscribe(client, shop, token, "team")["subscription"]["subscription_id"]
    # Then E14 returns the active one, bare (not wrapped), with the contract's fields
    mine = client.get(f"{BASE}/my-subscription", token=token).json()
    assert mine["subscription_id"] == second != first
    assert set(mine) == {"id", "project_id", "user_id", "is_test_mode", "subscription_id", "customer_id", "status",
                         "plan_name", "quantity", "current_period_start", "current_period_end", "cancel_at",
                         "cancelled_at", "created_at", "discount"}
    assert mine["is_test_mode"] is True and mine["created_at"].endswith("Z")


def test_a_canceled_subscription_is_returned_when_there_is_nothing_newer(client, shop):
    token = shop.token()
    sub_id = subscribe(client, shop, token)["subscription"]["subscription_id"]
    client.post(f"{BASE}/cancel-subscription", token=token, json_body={"cancel_immediately": True})
    mine = client.get(f"{BASE}/my-subscription", token=token).json()
    assert (mine["subscription_id"], mine["status"]) == (sub_id, "canceled")


# ---------------------------------------------------------------------- E15


def test_my_payments_newest_first_with_total_pages_and_cursor(client, shop):
    # Given a user with three one-time payments
    token = shop.token("payer")
    intents = []
    for quantity in (1, 2, 3):
        session = start_checkout(client, shop, token, "one_time", mode="payment", quantity=quantity).json()
        shop.pay(session["session_id"])
        intents.append(client.get(f"{CHECKOUT}/{session['session_id']}", token=token).json()["payment"])
    # Stripe's `created` has one-second resolution: ties are ordered by the record id, as the index sorts them.
    newest_first = [p["payment_intent_id"]
                    for p in sorted(intents, key=lambda p: (p["created_at"], p["id"]), reverse=True)]
    # When they page through two at a time
    page1 = client.get(f"{BASE}/my-payments", token=token, query={"page_size": 2}).json()
    page2 = client.get(f"{BASE}/my-payments", token=token, query={"page_size": 2, "page": 2}).json()
    by_cursor = client.get(f"{BASE}/my-payments", token=token,
                           query={"page_size": 2, "cursor": page1["next_cursor"]}).json()
    # Then pages are newest first, the total is exact and the cursor continues where page 1 ended
    assert (page1["total"], page1["page"], page1["page_size"]) == (3, 1, 2)
    assert [p["payment_intent_id"] for p in page1["payments"] + page2["payments"]] == newest_first
    assert by_cursor["payments"] == page2["payments"] and by_cursor["total"] == 3
    assert page2["next_cursor"] is None
    assert {p["amount_cents"] for p in page1["payments"] + page2["payments"]} == {500, 1000, 1500}


def test_my_payments_of_a_user_without_payments_is_empty(client, shop):
    body = client.get(f"{BASE}/my-payments", token=shop.token()).json()
    assert body == {"payments": [], "total": 0, "page": 1, "page_size": 50, "next_cursor": None}


@pytest.mark.parametrize("query", [{"page": 0}, {"page_size": 0}, {"page_size": 101}, {"cursor": "garbage"}])
def test_invalid_pagination_is_422(client, shop, query):
    assert client.get(f"{BASE}/my-payments", token=shop.token(), query=query).status == 422


def test_another_users_cursor_is_refused(client, shop):
    token = shop.token("payer-2")
    for _ in range(2):
        session = start_checkout(client, shop, token, "one_time", mode="payment").json()
        shop.pay(session["session_id"])
        client.get(f"{CHECKOUT}/{session['session_id']}", token=token)
    cursor = client.get(f"{BASE}/my-payments", token=token, query={"page_size": 1}).json()["next_cursor"]
    assert cursor
    reply = client.get(f"{BASE}/my-payments", token=shop.token("intruder"), query={"cursor": cursor})
    assert reply.status == 422 and reply.json()["detail"][0]["loc"] == ["query", "cursor"]


# ---------------------------------------------------------------------- E16


def test_portal_for_a_user_with_a_customer(client, shop):
    token = shop.token()
    subscribe(client, shop, token)
    reply = client.post(f"{BASE}/customer-portal", token=token, json_body={"return_url": "https://app.example.com/b"})
    assert reply.status == 200 and "/p/session/" in reply.json()["portal_url"]


def test_portal_without_a_customer_is_404(client, shop):
    reply = client.post(f"{BASE}/customer-portal", token=shop.token(),
                        json_body={"return_url": "https://app.example.com/b"})
    assert reply.status == 404 and reply.json() == {"detail": "No Stripe customer found for this user"}


@pytest.mark.parametrize("body", [{}, {"return_url": ""}, {"return_url": "javascript:alert(1)"}])
def test_portal_with_an_invalid_return_url_is_422(client, shop, body):
    assert client.post(f"{BASE}/customer-portal", token=shop.token(), json_body=body).status == 422


# ---------------------------------------------------------------------- E17 and resume


def test_cancel_at_period_end_then_resume(client, shop):
    token = shop.token()
    sub_id = subscribe(client, shop, token)["subscription"]["subscription_id"]
    # When the user cancels at the end of the period
    reply = client.post(f"{BASE}/cancel-subscription", token=token, json_body={})
    body = reply.json()
    # Then the response is the contract's, and the local record changed at once (decision 17)
    assert reply.status == 200
    assert (body["subscription_id"], body["status"]) == (sub_id, "active") and body["cancel_at"]
    assert body["message"] == "Subscription will be canceled at the end of the current billing period."
    assert stored(shop, sub_id)["cancel_at"]
    assert shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["cancel_at_period_end"] is True
    # When they resume
    resumed = client.post(f"{BASE}/resume-subscription", token=token)
    # Then the cancellation is undone in Stripe and here
    assert resumed.status == 200 and resumed.json()["cancel_at"] is None and resumed.json()["status"] == "active"
    assert shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["cancel_at_period_end"] is False
    assert "cancel_at" not in stored(shop, sub_id)


def test_cancel_immediately(client, shop):
    token = shop.token()
    sub_id = subscribe(client, shop, token)["subscription"]["subscription_id"]
    body = client.post(f"{BASE}/cancel-subscription", token=token, json_body={"cancel_immediately": True}).json()
    assert (body["status"], body["cancel_at"]) == ("canceled", None) and body["cancelled_at"]
    assert body["message"] == "Subscription has been canceled immediately."
    assert stored(shop, sub_id)["status"] == "canceled"
    counters = default_table().get(keys.counters(shop.project_id, "test"), consistent=True)
    assert counters["subscriptions"] == 1 and counters["subscriptions#canceled"] == 1
    assert counters["subscriptions#active"] == 0


def test_cancel_without_a_subscription_is_404(client, shop):
    reply = client.post(f"{BASE}/cancel-subscription", token=shop.token(), json_body={})
    assert reply.status == 404 and reply.json() == {"detail": "No active subscription to cancel"}


def test_resume_without_a_scheduled_cancellation_is_400_and_without_a_subscription_404(client, shop):
    token = shop.token()
    assert client.post(f"{BASE}/resume-subscription", token=token).status == 404
    subscribe(client, shop, token)
    reply = client.post(f"{BASE}/resume-subscription", token=token)
    assert reply.status == 400 and reply.json() == {"detail": "The subscription is not scheduled for cancellation"}


def test_a_late_webhook_after_cancel_does_not_undo_it(client, shop):
    token = shop.token()
    sub_id = subscribe(client, shop, token)["subscription"]["subscription_id"]
    created = [e for e in shop.stripe("GET", "/v1/events", limit=100)["data"]
               if e["type"] == "customer.subscription.created"]
    client.post(f"{BASE}/cancel-subscription", token=token, json_body={"cancel_immediately": True})
    default_processor().process_event(shop.project_id, "test", created[0], "{}")
    assert stored(shop, sub_id)["status"] == "canceled"


# ---------------------------------------------------------------------- E18 and preview


def test_update_changes_the_price_in_stripe_and_here(client, shop):
    token = shop.token()
    sub_id = subscribe(client, shop, token)["subscription"]["subscription_id"]
    reply = client.post(f"{BASE}/update-subscription", token=token,
                        json_body={"new_price_id": shop.prices["team"], "proration_behavior": "none"})
    assert reply.status == 200, reply.text
    assert reply.json() == {"subscription_id": sub_id, "status": "active", "price_id": shop.prices["team"],
                            "message": "Subscription updated to new plan successfully."}
    assert shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["items"]["data"][0]["price"]["id"] == shop.prices["team"]
    assert stored(shop, sub_id)["price_id"] == shop.prices["team"]


@pytest.mark.parametrize("price, detail", [
    ("price_missing", "Unknown price"), ("eur", "Incompatible plan"), ("one_time", "Incompatible plan"),
    ("monthly", "already on this price"),
])
def test_update_to_an_unknown_or_incompatible_price_is_400(client, shop, price, detail):
    token = shop.token()
    subscribe(client, shop, token)
    reply = client.post(f"{BASE}/update-subscription", token=token,
                        json_body={"new_price_id": shop.prices.get(price, price)})
    assert reply.status == 400 and detail in reply.json()["detail"]


def test_update_without_a_subscription_is_404_and_bad_input_422(client, shop):
    token = shop.token()
    reply = client.post(f"{BASE}/update-subscription", token=token, json_body={"new_price_id": shop.prices["team"]})
    assert reply.status == 404 and reply.json() == {"detail": "No active subscription to update"}
    bad = client.post(f"{BASE}/update-subscription", token=token,
                      json_body={"new_price_id": "price_1", "proration_behavior": "sometimes"})
    assert bad.status == 422


@pytest.mark.parametrize("behavior", ["create_prorations", "always_invoice", "none"])
def test_preview_shows_what_a_plan_change_would_invoice_and_changes_nothing(client, shop, behavior):
    token = shop.token()
    sub_id = subscribe(client, shop, token)["subscription"]["subscription_id"]
    record_before = stored(shop, sub_id)
    reply = client.post(f"{BASE}/preview-subscription-update", token=token,
                        json_body={"new_price_id": shop.prices["team"], "proration_behavior": behavior})
    assert reply.status == 200, reply.text
    body = reply.json()
    assert body["currency"] == "usd" and body["price_id"] == shop.prices["team"]
    if behavior == "always_invoice":
        assert 0 < body["amount_due_now"] <= 4900 - 1900 and body["next_invoice_amount"] == 4900
    else:
        assert body["amount_due_now"] == 0 and body["next_invoice_amount"] >= 4900 - (1900 if behavior != "none" else 0)
    # Nothing changed, in Stripe or here
    assert shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["items"]["data"][0]["price"]["id"] == shop.prices["monthly"]
    assert stored(shop, sub_id) == record_before


# ---------------------------------------------------------------------- common errors and isolation


ROUTES = [("GET", "my-subscription", None), ("GET", "my-payments", None),
          ("POST", "customer-portal", {"return_url": "https://app.example.com"}),
          ("POST", "cancel-subscription", {}), ("POST", "update-subscription", {"new_price_id": "price_1"}),
          ("POST", "resume-subscription", None), ("POST", "preview-subscription-update", {"new_price_id": "price_1"})]


@pytest.mark.parametrize("method, route, body", ROUTES)
def test_every_route_answers_401_403_and_404s(client, dev_token, shop, method, route, body):
    call = lambda token, **kw: client.request(method, f"{BASE}/{route}", token=token, json_body=body, **kw)  # noqa
    assert call(None).status == 401
    assert call(dev_token).status == 403
    missing = call(make_token(JWT_SECRET, "u", str(uuid.uuid4())))
    assert missing.status == 404 and missing.json() == {"detail": "Project not found"}
    live = call(shop.token(), query={"test_mode": "false"})
    assert live.status == 404 and live.json() == {"detail": "Stripe not configured"}
    assert call(shop.token(), headers={"X-Project-ID": str(uuid.uuid4())}).status == 403


def test_a_deactivated_config_is_404(client, dev_token, shop):
    client.delete(f"/api/v1/payments/stripe/projects/{shop.project_id}/config", token=dev_token)
    reply = client.get(f"{BASE}/my-subscription", token=shop.token())
    assert reply.status == 404 and reply.json() == {"detail": "Stripe not configured"}


def test_end_users_see_and_change_only_their_own_records(client, dev_token, emulator, shop):
    # Given user A of project A with a subscription and a payment, and project B with the same user id
    token_a = shop.token("same-user")
    sub_a = subscribe(client, shop, token_a)["subscription"]["subscription_id"]
    other_project = make_shop(client, dev_token, emulator)
    token_b = other_project.token("same-user")
    neighbour = shop.token("neighbour")
    # Then neither the same user id in project B nor another user of A sees A's subscription, payments or customer
    for token in (token_b, neighbour):
        assert client.get(f"{BASE}/my-subscription", token=token).text == "null"
        assert client.get(f"{BASE}/my-payments", token=token).json()["total"] == 0
        assert client.post(f"{BASE}/customer-portal", token=token,
                           json_body={"return_url": "https://app.example.com"}).status == 404
        # And nothing of A can be changed through them
        assert client.post(f"{BASE}/cancel-subscription", token=token, json_body={"cancel_immediately": True}).status == 404
        assert client.post(f"{BASE}/update-subscription", token=token,
                           json_body={"new_price_id": shop.prices["team"]}).status == 404
    # And a token claiming project A with X-Project-ID of B is refused
    assert client.get(f"{BASE}/my-subscription", token=token_a,
                      headers={"X-Project-ID": other_project.project_id}).status == 403
    assert stored(shop, sub_a)["status"] == "active"
    assert shop.stripe("GET", f"/v1/subscriptions/{sub_a}")["status"] == "active"


def test_stripe_failures_on_a_change_are_mapped(client, shop, clear_faults):
    token = shop.token()
    subscribe(client, shop, token)
    fault(shop, kind="500", count=5, path_prefix="/v1/subscriptions")
    reply = client.post(f"{BASE}/cancel-subscription", token=token, json_body={})
    assert reply.status == 503 and reply.headers["retry-after"]
