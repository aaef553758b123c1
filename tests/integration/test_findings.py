"""Issue 11's findings from outside checks, each as the sequence that broke: replays, trials, names, configuration
changes, unpaid plan changes, refused checkouts. Real handlers against moto server and the Stripe emulator."""
from __future__ import annotations

import json
import time

import pytest
import requests

from paykit.secrets import stripe_secret_name
from paykit.processor import default_processor
from paykit.store import keys
from paykit.store.table import default_table
from tests.conftest import SECRET_PREFIX
from tests.integration.test_checkout import CHECKOUT, OK_URLS, Shop, make_shop, start_checkout, subscribe
from tests.integration.test_event_processor import deliver
from tests.integration.test_webhook_receiver import WHSEC, a_event, drain, post
from local.stripe_events import body_of, signature_header

BASE = "/api/v1/payments/stripe"
DECLINE_ON_CHARGE = "4000000000000341"  # attaches, then every charge is declined


@pytest.fixture()
def shop(client, dev_token, emulator) -> Shop:
    return make_shop(client, dev_token, emulator)


def stored(shop: Shop, sub_id: str) -> dict:
    return default_table().get(keys.subscription(shop.project_id, "test", sub_id), consistent=True)


def config_url(project_id: str) -> str:
    return f"{BASE}/projects/{project_id}/config"


# ---------------------------------------------------------------------- 1. replays never overwrite newer state


def test_a_replayed_cancel_after_a_resume_leaves_the_resume_in_place(client, shop):
    # Given a cancel with an Idempotency-Key, then a resume
    token = shop.token()
    sub_id = subscribe(client, shop, token)["subscription"]["subscription_id"]
    key = {"Idempotency-Key": "cancel-K"}
    first = client.post(f"{BASE}/cancel-subscription", token=token, json_body={}, headers=key)
    assert first.status == 200 and first.json()["cancel_at"]
    assert client.post(f"{BASE}/resume-subscription", token=token).status == 200
    # When the same cancel is retried with the same key, a second later (same-second writes are settled by Stripe)
    time.sleep(1.1)
    replay = client.post(f"{BASE}/cancel-subscription", token=token, json_body={}, headers=key)
    # Then Stripe's replayed answer is the caller's answer, but the record follows Stripe's current state
    assert replay.status == 200 and replay.json() == first.json()
    assert shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["cancel_at"] is None
    assert client.get(f"{BASE}/my-subscription", token=token).json()["cancel_at"] is None
    assert "cancel_at" not in stored(shop, sub_id)


def test_a_replayed_plan_change_leaves_the_plan_stripe_bills(client, shop):
    # Given a change to "team" with key K, then back to "monthly"
    token = shop.token()
    sub_id = subscribe(client, shop, token)["subscription"]["subscription_id"]
    to_team = {"new_price_id": shop.prices["team"], "proration_behavior": "none"}
    key = {"Idempotency-Key": "change-K"}
    assert client.post(f"{BASE}/update-subscription", token=token, json_body=to_team, headers=key).status == 200
    back = client.post(f"{BASE}/update-subscription", token=token,
                       json_body={"new_price_id": shop.prices["monthly"], "proration_behavior": "none"})
    assert back.status == 200, back.text
    # When the change to "team" is retried with key K, a second later
    time.sleep(1.1)
    replay = client.post(f"{BASE}/update-subscription", token=token, json_body=to_team, headers=key)
    # Then the record shows the plan Stripe bills ("monthly"), not the replayed "team"
    assert replay.status == 200
    assert shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["items"]["data"][0]["price"]["id"] == shop.prices["monthly"]
    assert stored(shop, sub_id)["price_id"] == shop.prices["monthly"]


# ---------------------------------------------------------------------- 2. trials from the price


def test_a_price_with_trial_days_starts_a_trialing_subscription(client, shop):
    # Given a recurring price with a 14-day trial
    product = shop.stripe("POST", "/v1/products", name="Trial plan")["id"]
    price = shop.stripe("POST", "/v1/prices", product=product, currency="usd", unit_amount=900,
                        **{"recurring[interval]": "month", "recurring[trial_period_days]": 14})["id"]
    # When an end user buys it through E12
    body = subscribe(client, shop, shop.token(), price)
    # Then the subscription is trialing, for 14 days
    sub = body["subscription"]
    assert sub["status"] == "trialing"
    stripe_sub = shop.stripe("GET", f"/v1/subscriptions/{sub['subscription_id']}")
    assert stripe_sub["status"] == "trialing"
    assert stripe_sub["trial_end"] - stripe_sub["trial_start"] == 14 * 86400


# ---------------------------------------------------------------------- 3. plan names and descriptions


def test_plan_name_is_the_products_name_when_the_price_has_no_nickname(client, shop):
    # Given prices without nicknames, of the product "Pro"
    token = shop.token()
    # When a user subscribes and the success page records it
    assert subscribe(client, shop, token)["subscription"]["plan_name"] == "Pro"
    # Then E14 names the plan after the product
    assert client.get(f"{BASE}/my-subscription", token=token).json()["plan_name"] == "Pro"


def test_a_subscription_known_from_its_webhook_alone_is_named_after_the_product(client, shop):
    # Given a paid checkout whose success page was never read
    session = start_checkout(client, shop, shop.token()).json()
    shop.pay(session["session_id"])
    sub_id = shop.stripe("GET", f"/v1/checkout/sessions/{session['session_id']}")["subscription"]
    created = next(e for e in shop.stripe("GET", "/v1/events", limit=100)["data"]
                   if e["type"] == "customer.subscription.created" and e["data"]["object"]["id"] == sub_id)
    # (Stripe's payload names the product by id only)
    assert isinstance(created["data"]["object"]["items"]["data"][0]["price"]["product"], str)
    # When the processor applies customer.subscription.created
    default_processor().process_event(shop.project_id, "test", created, json.dumps(created))
    # Then the record is named after the product
    assert stored(shop, sub_id)["plan_name"] == "Pro"


def test_a_nickname_wins_over_the_product_name(client, shop):
    product = shop.stripe("POST", "/v1/products", name="Pro")["id"]
    price = shop.stripe("POST", "/v1/prices", product=product, currency="usd", unit_amount=2900, nickname="Pro Max",
                        **{"recurring[interval]": "month"})["id"]
    body = subscribe(client, shop, shop.token(), price)
    assert body["subscription"]["plan_name"] == "Pro Max"


def test_a_one_time_payment_is_described_by_its_price(client, shop):
    # Given a one-time purchase of two units of the product "Pro" at 5.00 USD
    token = shop.token()
    session = start_checkout(client, shop, token, "one_time", mode="payment", quantity=2).json()
    shop.pay(session["session_id"])
    # When the payment is recorded (success page), and again from the webhook alone
    payment = client.get(f"{CHECKOUT}/{session['session_id']}", token=token).json()["payment"]
    # Then its description says what was bought
    assert payment["description"] == "Pro · 2 × 5.00 USD"
    listed = client.get(f"{BASE}/my-payments", token=token).json()["payments"]
    assert [p["description"] for p in listed] == ["Pro · 2 × 5.00 USD"]


# ---------------------------------------------------------------------- 6. configuration changes take effect at once


def test_live_keys_added_are_seen_by_the_very_next_read(client, dev_token, shop):
    # Given a user whose E14 read in test mode warmed the container's project cache
    token = shop.token()
    assert client.get(f"{BASE}/my-subscription", token=token).status == 200
    assert client.get(f"{BASE}/my-subscription", token=token, query={"test_mode": "false"}).status == 404
    # When the developer adds live keys
    account = requests.post(f"{shop.emulator_url}/_emulator/accounts", json={"name": "live"}, timeout=10).json()
    assert client.put(config_url(shop.project_id), token=dev_token,
                      json_body={"live_secret_key": account["live_secret_key"]}).status == 200
    # Then the very next live read and payments list see them
    assert client.get(f"{BASE}/my-subscription", token=token, query={"test_mode": "false"}).status == 200
    assert client.get(f"{BASE}/my-payments", token=token, query={"test_mode": "false"}).status == 200


def test_a_re_enabled_config_is_seen_by_the_next_read_and_the_next_delivery(client, dev_token, shop, moto_aws):
    # Given a deactivated project that was asked for its subscription and sent a delivery meanwhile (and a queue
    # holding nothing of earlier tests: a receiver sample delivered by another test file of this worker)
    drain(moto_aws)
    token = shop.token()
    assert client.put(config_url(shop.project_id), token=dev_token,
                      json_body={"test_webhook_secret": WHSEC}).status == 200
    assert client.delete(config_url(shop.project_id), token=dev_token).status == 204
    body = body_of(a_event())
    assert client.get(f"{BASE}/my-subscription", token=token).status == 404
    assert post(client, shop.project_id, body, signature_header(body, WHSEC)).status == 404
    # When the developer re-enables it (PUT {})
    assert client.put(config_url(shop.project_id), token=dev_token, json_body={}).status == 200
    # Then the next read and the next delivery are served
    assert client.get(f"{BASE}/my-subscription", token=token).status == 200
    assert post(client, shop.project_id, body, signature_header(body, WHSEC)).status == 200
    assert len(drain(moto_aws)) == 1


def test_a_webhook_secret_written_by_another_container_is_seen_by_the_next_delivery(client, shop, moto_aws):
    # Given a project with a test key and no webhook secret: a delivery is refused
    body = body_of(a_event())
    assert post(client, shop.project_id, body, signature_header(body, WHSEC)).status == 404
    # When another container stores the webhook secret (straight into Secrets Manager, not through this one)
    name = stripe_secret_name(SECRET_PREFIX, shop.project_id, "test")
    sm = moto_aws.client("secretsmanager")
    value = json.loads(sm.get_secret_value(SecretId=name)["SecretString"])
    sm.put_secret_value(SecretId=name, SecretString=json.dumps({**value, "webhook_secret": WHSEC}))
    # Then the very next delivery is accepted
    assert post(client, shop.project_id, body, signature_header(body, WHSEC)).status == 200
    drain(moto_aws)


def test_after_deactivation_events_are_ignored_with_the_reason_and_replay_applies_them(client, dev_token, shop,
                                                                                       moto_aws):
    # Given a deactivated project and a subscription event Stripe sends afterwards (and an empty queue)
    drain(moto_aws)
    assert client.delete(config_url(shop.project_id), token=dev_token).status == 204
    event = a_event()
    # When the processor gets it (the receiver acknowledged it inside its cache window)
    deliver(shop.project_id, [event])
    # Then nothing is applied, and the event log says why
    assert stored(shop, "sub_1") is None
    log = client.get(f"{BASE}/projects/{shop.project_id}/events", token=dev_token).json()["events"]
    (entry,) = [e for e in log if e["id"] == event["id"]]
    assert entry["status"] == "ignored" and "deactivated" in entry["reason"]
    # And once re-enabled, replaying the event applies it
    assert client.put(config_url(shop.project_id), token=dev_token, json_body={}).status == 200
    replay = client.post(f"{BASE}/projects/{shop.project_id}/events/{event['id']}/replay", token=dev_token).json()
    assert (replay["status"], replay["applied"]) == ("processed", True)
    assert stored(shop, "sub_1")["status"] == "active"
    # (the re-enable also queued the parked event again: test_parked_events.py; nothing of it is left for others)
    assert [m["body"]["event_id"] for m in drain(moto_aws)] == [event["id"]]


# ---------------------------------------------------------------------- 7. an unpaid plan change is not done


def customer_card(shop: Shop, customer_id: str, card: str) -> None:
    reply = requests.post(f"{shop.emulator_url}/_emulator/customers/{customer_id}/card", json={"card": card},
                          timeout=10)
    assert reply.status_code == 200, reply.text


def test_an_always_invoice_change_with_a_declining_card_is_402_and_keeps_the_old_plan(client, shop):
    # Given a subscriber whose card now declines
    token = shop.token()
    sub = subscribe(client, shop, token)["subscription"]
    customer_card(shop, sub["customer_id"], DECLINE_ON_CHARGE)
    # When they change plan with an immediate invoice
    reply = client.post(f"{BASE}/update-subscription", token=token,
                        json_body={"new_price_id": shop.prices["team"], "proration_behavior": "always_invoice"})
    # Then the answer is 402 with Stripe's decline message, and the old plan stays, in Stripe and here
    assert reply.status == 402, reply.text
    assert "declined" in reply.json()["detail"].lower()
    stripe_sub = shop.stripe("GET", f"/v1/subscriptions/{sub['subscription_id']}")
    assert stripe_sub["items"]["data"][0]["price"]["id"] == shop.prices["monthly"]
    assert stripe_sub["status"] == "active"
    record = stored(shop, sub["subscription_id"])
    assert (record["price_id"], record["status"]) == (shop.prices["monthly"], "active")


# ---------------------------------------------------------------------- 8. bad input leaves no trace


def test_an_unknown_price_creates_no_customer_in_stripe_and_no_mapping(client, shop):
    # Given a new end user
    user = "first-timer"
    before = shop.stripe("GET", "/v1/customers", limit=100)["data"]
    # When their first checkout names a price that does not exist
    reply = start_checkout(client, shop, shop.token(user), "price_doesnotexist")
    # Then it is refused, and nothing was created in Stripe or stored here
    assert reply.status == 422 and reply.json()["detail"][0]["loc"] == ["body", "price_id"]
    assert shop.stripe("GET", "/v1/customers", limit=100)["data"] == before
    assert default_table().get(keys.customer_of_user(shop.project_id, "test", user)) is None
    # And the portal does not open for someone who never bought
    portal = client.post(f"{BASE}/customer-portal", token=shop.token(user), json_body={"return_url": OK_URLS["cancel_url"]})
    assert portal.status == 404


def test_a_recurring_price_in_payment_mode_creates_nothing(client, shop):
    before = shop.stripe("GET", "/v1/customers", limit=100)["data"]
    reply = start_checkout(client, shop, shop.token(), "monthly", mode="payment")
    assert reply.status == 422 and reply.json()["detail"][0]["loc"] == ["body", "mode"]
    assert shop.stripe("GET", "/v1/customers", limit=100)["data"] == before


def sync_events(shop: Shop) -> None:
    """Applies the account's events as their webhooks would (the shop registers no endpoint)."""
    for evt in reversed(shop.stripe("GET", "/v1/events", limit=100)["data"]):
        default_processor().process_event(shop.project_id, "test", evt, json.dumps(evt))


def test_resuming_a_past_due_subscription_pays_its_invoice_first_or_is_402(client, shop):
    # Given a subscriber whose renewal was declined (past_due), who then scheduled a cancellation
    token = shop.token()
    sub = subscribe(client, shop, token)["subscription"]
    customer_card(shop, sub["customer_id"], DECLINE_ON_CHARGE)
    advanced = requests.post(f"{shop.emulator_url}/_emulator/advance", json={"seconds": 32 * 86400},
                             headers={"Authorization": f"Bearer {shop.key}"}, timeout=10)
    assert advanced.status_code == 200, advanced.text
    sync_events(shop)
    assert client.get(f"{BASE}/my-subscription", token=token).json()["status"] == "past_due"
    assert client.post(f"{BASE}/cancel-subscription", token=token, json_body={}).status == 200
    sync_events(shop)  # the account's clock is 32 days ahead of PayKit's: its events, not the answer, are newest
    # When they resume with the card still declining
    reply = client.post(f"{BASE}/resume-subscription", token=token)
    # Then it is a 402 with Stripe's message and the cancellation stays scheduled
    assert reply.status == 402 and "declined" in reply.json()["detail"].lower()
    assert shop.stripe("GET", f"/v1/subscriptions/{sub['subscription_id']}")["cancel_at_period_end"] is True
    # When the card is fixed and they resume again
    customer_card(shop, sub["customer_id"], "4242424242424242")
    reply = client.post(f"{BASE}/resume-subscription", token=token)
    # Then the open invoice is paid and the subscription goes on
    assert reply.status == 200, reply.text
    stripe_sub = shop.stripe("GET", f"/v1/subscriptions/{sub['subscription_id']}")
    assert (stripe_sub["status"], stripe_sub["cancel_at_period_end"]) == ("active", False)


def test_the_refresher_names_records_stored_without_names(client, shop, developer):
    from paykit.services import refresher

    # Given a subscription and a one-time payment stored before names were kept
    token = shop.token()
    sub_id = subscribe(client, shop, token)["subscription"]["subscription_id"]
    session = start_checkout(client, shop, token, "one_time", mode="payment").json()
    shop.pay(session["session_id"])
    pi = client.get(f"{CHECKOUT}/{session['session_id']}", token=token).json()["payment"]["payment_intent_id"]
    table = default_table()
    table.update(keys.subscription(shop.project_id, "test", sub_id), UpdateExpression="REMOVE plan_name")
    table.update(keys.payment(shop.project_id, "test", pi), UpdateExpression="REMOVE description")
    # When the refresher runs
    refresher.refresh_developer(table, developer)
    # Then both are named from Stripe
    assert stored(shop, sub_id)["plan_name"] == "Pro"
    assert table.get(keys.payment(shop.project_id, "test", pi))["description"] == "Pro · 5.00 USD"
