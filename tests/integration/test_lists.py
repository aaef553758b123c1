"""E1, E2, E10, E11 through the real handlers, on records written by the real event processor."""
from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from local import lambda_host
from paykit.services import refresher
from paykit.store import keys
from paykit.store.table import default_table
from tests.conftest import JWT_SECRET
from local.stripe_events import body_of, event, invoice, subscription
from tests.support import make_token

NOW = int(time.time())
DAY = 86400


# ---------------------------------------------------------------------- seeding through the processor


def deliver(project_id: str, mode: str, events: list[dict]) -> None:
    records = [{
        "messageId": str(uuid.uuid4()), "receiptHandle": "rh",
        "body": json.dumps({"project_id": project_id, "mode": mode, "event_id": evt["id"],
                            "received_at": "2026-11-24T10:00:00.000000Z", "body": body_of(evt).decode()}),
        "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": f"{project_id}#{mode}#g",
                       "MessageDeduplicationId": evt["id"], "SentTimestamp": "0", "SenderId": "x",
                       "ApproximateFirstReceiveTimestamp": "0", "SequenceNumber": "1"},
        "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q.fifo", "awsRegion": "us-east-1"} for evt in events]
    assert lambda_host.invoke("event_processor", {"Records": records}) == {"batchItemFailures": []}


def sub_event(project_id: str, sub_id: str, status: str, created: int, *, amount: int = 1900, currency: str = "usd",
              interval: str = "month", interval_count: int = 1, quantity: int = 1, canceled_at: int | None = None,
              event_created: int | None = None) -> dict:
    obj = subscription(sub_id, f"cus_{sub_id}", status, created=created, user_id=f"user-{sub_id}",
                       project_id=project_id, period_start=created, period_end=created + 30 * DAY,
                       canceled_at=canceled_at, quantity=quantity)
    obj["items"]["data"][0]["price"].update(unit_amount=amount, currency=currency,
                                            recurring={"interval": interval, "interval_count": interval_count})
    kind = "customer.subscription.deleted" if status == "canceled" else "customer.subscription.updated"
    return event(kind, obj, created=event_created or created)


def pay_event(project_id: str, pi: str, created: int, *, amount: int, paid: bool = True, currency: str = "usd",
              sub_id: str | None = None) -> dict:
    obj = invoice(f"in_{pi}", f"cus_{pi}", sub_id, pi, created=created, amount=amount, paid=paid, user_id=None,
                  project_id=project_id, currency=currency)
    return event("invoice.paid" if paid else "invoice.payment_failed", obj, created=created)


def new_project(client, token: str, name: str) -> str:
    reply = client.post("/api/v1/projects/", token=token, json_body={"name": name})
    assert reply.status == 201, reply.text
    return reply.json()["id"]


def get(client, token: str, path: str, **query: Any):
    return client.get(path, token=token, query={k: v for k, v in query.items() if v is not None})


@pytest.fixture()
def seeded(client, dev_token, developer):
    """Developer A: project one (7 test subscriptions, 2 live, 5 test payments), project two (2 test ones)."""
    one, two = new_project(client, dev_token, "One"), new_project(client, dev_token, "Two")
    statuses = ["active", "trialing", "active", "past_due", "canceled", "active", "incomplete"]
    deliver(one, "test", [sub_event(one, f"sub_t{i}", s, NOW - (10 - i) * 3600,
                                    canceled_at=NOW - 60 if s == "canceled" else None)
                          for i, s in enumerate(statuses)])
    deliver(one, "live", [sub_event(one, f"sub_l{i}", "active", NOW - (20 - i) * 3600) for i in range(2)])
    deliver(two, "test", [sub_event(two, f"sub_w{i}", "active", NOW - (5 - i) * 3600 - 1800) for i in range(2)])
    deliver(one, "test", [pay_event(one, f"pi_{i}", NOW - (9 - i) * 3600, amount=1000 + i, paid=i != 3)
                          for i in range(5)])
    return {"one": one, "two": two}


def ids(rows: list[dict], field: str = "subscription_id") -> list[str]:
    return [r[field] for r in rows]


# ---------------------------------------------------------------------- E10 / E11


def test_a_project_list_is_newest_first_with_an_exact_total_and_the_documented_fields(client, dev_token, seeded):
    # When the owner lists project one's subscriptions (test_mode defaults to true)
    reply = get(client, dev_token, f"/api/v1/payments/stripe/projects/{seeded['one']}/subscriptions")
    # Then only test subscriptions come back, newest first, with the documented fields in order
    assert reply.status == 200, reply.text
    body = reply.json()
    assert list(body) == ["subscriptions", "total", "page", "page_size", "next_cursor"]
    assert (body["total"], body["page"], body["page_size"], body["next_cursor"]) == (7, 1, 50, None)
    assert ids(body["subscriptions"]) == [f"sub_t{i}" for i in reversed(range(7))]
    first = body["subscriptions"][0]
    assert list(first) == ["id", "project_id", "user_id", "is_test_mode", "subscription_id", "customer_id", "status",
                           "plan_name", "quantity", "current_period_start", "current_period_end", "cancel_at",
                           "cancelled_at", "created_at", "discount"]  # the contract's, then PayKit's additions
    assert first["status"] == "incomplete" and first["is_test_mode"] is True and first["created_at"].endswith("Z")
    # And test_mode=false is strictly live
    live = get(client, dev_token, f"/api/v1/payments/stripe/projects/{seeded['one']}/subscriptions",
               test_mode="false").json()
    assert ids(live["subscriptions"]) == ["sub_l1", "sub_l0"] and live["total"] == 2


def test_paging_page_one_a_middle_page_past_the_end_and_a_cursor_round_trip(client, dev_token, seeded):
    path = f"/api/v1/payments/stripe/projects/{seeded['one']}/subscriptions"
    everything = ids(get(client, dev_token, path).json()["subscriptions"])
    # When pages of 3 are read by number
    pages = [get(client, dev_token, path, page=n, page_size=3).json() for n in (1, 2, 3, 4)]
    # Then page 1, the middle page and the last page cut the list in order, and past the end is empty
    assert [ids(p["subscriptions"]) for p in pages] == [everything[0:3], everything[3:6], everything[6:7], []]
    assert all(p["total"] == 7 for p in pages) and [p["page"] for p in pages] == [1, 2, 3, 4]
    assert pages[3]["next_cursor"] is None and pages[2]["next_cursor"] is None
    # When the same list is walked by cursor
    walked, cursor, seen_pages = [], None, []
    for _ in range(5):
        body = get(client, dev_token, path, page_size=3, cursor=cursor).json()
        walked += ids(body["subscriptions"])
        seen_pages.append(body["page"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    # Then it gives the same rows, with the page numbers the cursors stand for
    assert walked == everything and seen_pages == [1, 2, 3]


def test_project_payments_list_the_processors_records(client, dev_token, seeded):
    body = get(client, dev_token, f"/api/v1/payments/stripe/projects/{seeded['one']}/payments", page_size=2).json()
    assert body["total"] == 5 and ids(body["payments"], "payment_intent_id") == ["pi_4", "pi_3"]
    assert body["payments"][1]["status"] == "failed" and body["payments"][0]["amount_cents"] == 1004
    assert list(body["payments"][0])[:3] == ["id", "project_id", "subscription_id"]


def test_bad_paging_input_and_bad_cursors_are_422(client, dev_token, seeded):
    path = f"/api/v1/payments/stripe/projects/{seeded['one']}/subscriptions"
    for query in ({"page_size": 0}, {"page_size": 101}, {"page": 0}, {"cursor": "not-a-cursor"},
                  {"cursor": "eyJ2IjoxfQ"}):
        reply = get(client, dev_token, path, **query)
        assert reply.status == 422, (query, reply.text)
        assert isinstance(reply.json()["detail"], list)
    # And a cursor of another list (live instead of test) is refused, not followed
    cursor = get(client, dev_token, path, page_size=1, test_mode="false").json()["next_cursor"]
    assert get(client, dev_token, path, page_size=1, cursor=cursor).status == 422


# ---------------------------------------------------------------------- E1 / E2


def test_developer_lists_cover_both_modes_and_every_project_unless_filtered(client, dev_token, seeded):
    path = "/api/v1/payments/subscriptions"
    every = get(client, dev_token, path).json()
    # Then all 11 subscriptions of both projects and both modes, newest first, with project_name and provider
    assert every["total"] == 11 and len(every["subscriptions"]) == 11
    created = [r["created_at"] for r in every["subscriptions"]]
    assert created == sorted(created, reverse=True)
    row = every["subscriptions"][0]
    assert list(row)[:5] == ["id", "project_id", "project_name", "provider", "user_id"]
    assert row["provider"] == "stripe" and row["project_name"] in ("One", "Two")
    # And each filter, alone or combined, gives exactly the matching rows with a total that agrees
    cases = {
        (None, "true", None): 9, (None, "false", None): 2, (None, None, "active"): 7,
        (None, "true", "active"): 5, (seeded["one"], None, None): 9, (seeded["one"], "true", None): 7,
        (seeded["one"], None, "active"): 5, (seeded["one"], "true", "active"): 3, (seeded["two"], "false", None): 0,
    }
    for (project_id, test_mode, status), expected in cases.items():
        body = get(client, dev_token, path, project_id=project_id, test_mode=test_mode, status=status).json()
        rows = body["subscriptions"]
        assert body["total"] == len(rows) == expected, (project_id, test_mode, status, body)
        assert all(status is None or r["status"] == status for r in rows)
        assert all(project_id is None or r["project_id"] == project_id for r in rows)
        assert all(test_mode is None or r["is_test_mode"] is (test_mode == "true") for r in rows)


def test_developer_transactions_filter_by_status_and_page_by_cursor(client, dev_token, seeded):
    body = get(client, dev_token, "/api/v1/payments/transactions", status="succeeded", page_size=2).json()
    assert body["total"] == 4 and ids(body["payments"], "payment_intent_id") == ["pi_4", "pi_2"]
    following = get(client, dev_token, "/api/v1/payments/transactions", status="succeeded", page_size=2,
                    cursor=body["next_cursor"]).json()
    assert ids(following["payments"], "payment_intent_id") == ["pi_1", "pi_0"] and following["next_cursor"] is None
    assert following["payments"][0]["project_name"] == "One"


def test_totals_equal_a_recount_of_the_records(client, dev_token, seeded):
    # Given the records the processor wrote, recounted with Query
    recounted = {(p, m): refresher.recount(default_table(), seeded[p], m)[0]
                 for p in ("one", "two") for m in ("test", "live")}
    # Then the list totals (from counters) equal the recount
    subs = sum(c.get("subscriptions", 0) for c in recounted.values())
    pays = sum(c.get("payments", 0) for c in recounted.values())
    assert get(client, dev_token, "/api/v1/payments/subscriptions").json()["total"] == subs == 11
    assert get(client, dev_token, "/api/v1/payments/transactions").json()["total"] == pays == 5


# ---------------------------------------------------------------------- tenant isolation


def test_another_developer_never_sees_these_projects_whatever_the_filter(client, dev_token, seeded):
    other = make_token(JWT_SECRET, f"dev-{uuid.uuid4()}")
    new_project(client, other, "Theirs")
    for path in ("/api/v1/payments/subscriptions", "/api/v1/payments/transactions"):
        for project_id in (None, seeded["one"], seeded["two"]):
            for test_mode in (None, "true", "false"):
                for status in (None, "active", "succeeded"):
                    body = get(client, other, path, project_id=project_id, test_mode=test_mode, status=status).json()
                    rows = body.get("subscriptions", body.get("payments"))
                    assert (rows, body["total"], body["next_cursor"]) == ([], 0, None), (path, project_id, body)
    # The per-project endpoints answer 403, as for every owner endpoint
    for kind in ("subscriptions", "payments"):
        assert get(client, other, f"/api/v1/payments/stripe/projects/{seeded['one']}/{kind}").status == 403
    # And the owner's cursor does not open the owner's list to them
    cursor = get(client, dev_token, "/api/v1/payments/subscriptions", page_size=1).json()["next_cursor"]
    assert get(client, other, "/api/v1/payments/subscriptions", page_size=1, cursor=cursor).status == 422
    # And their stats hold none of the owner's numbers
    theirs = get(client, other, "/api/v1/payments/stats").json()
    assert (theirs["total_projects"], theirs["total_subscriptions"], theirs["total_payments"]) == (1, 0, 0)


def test_records_carry_the_owner_and_the_developer_list_keys(seeded, developer):
    item = default_table().get(keys.subscription(seeded["one"], "test", "sub_t0"))
    assert item["owner_id"] == developer
    assert item["gsi3pk"] == f"DEV#{developer}#SUBS" and item["gsi6pk"] == f"DEV#{developer}#test#SUBS#STATUS#active"
