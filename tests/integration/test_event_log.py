"""Event log and replay through the stripe_config handler, against moto server and the Stripe emulator (issue 5)."""
from __future__ import annotations

import uuid

import pytest
import stripe
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from tests.integration.test_event_processor import T0, counters, deliver, item, lifecycle
from local.stripe_events import event, invoice
from paykit.store import keys


def deliver_failing(project_id: str, evt: dict) -> None:
    """One event whose processing fails: a batch where every record failed raises, and Lambda retries it."""
    with pytest.raises(BatchProcessingError):
        deliver(project_id, [evt])


def events_url(project_id: str) -> str:
    return f"/api/v1/payments/stripe/projects/{project_id}/events"


def test_the_log_lists_events_newest_first_with_status_paged_by_page_and_cursor(client, dev_token, project):
    # Given three events processed one by one (so their reception order is known) and one that failed
    pid = project["id"]
    life = lifecycle(pid)
    for evt in life[:3]:
        deliver(pid, [evt])
    poison = event("invoice.paid", invoice("in_p", "cus_1", "sub_1", None, created=T0, amount=100, paid=True,
                                           user_id="u", project_id=pid), created=T0)
    deliver_failing(pid, poison)
    # When the developer reads the log two at a time
    first = client.get(events_url(pid), token=dev_token, query={"page_size": 2})
    second = client.get(events_url(pid), token=dev_token, query={"page_size": 2, "page": 2})
    by_cursor = client.get(events_url(pid), token=dev_token,
                           query={"page_size": 2, "cursor": first.json()["next_cursor"]})
    # Then the pages are newest first, with statuses and the failure's error, and the totals are exact
    assert first.status == 200, first.text
    page1, page2 = first.json(), second.json()
    assert [e["id"] for e in page1["events"]] == [poison["id"], life[2]["id"]]
    assert page1["events"][0]["status"] == "failed" and page1["events"][0]["error"] == "Stripe not configured"
    assert page1["events"][1] == {"id": life[2]["id"], "type": "invoice.paid", "status": "processed", "error": None,
                                  "reason": None, "received_at": page1["events"][1]["received_at"]}
    assert (page1["total"], page1["page"], page1["page_size"]) == (4, 1, 2)
    assert [e["id"] for e in page2["events"]] == [life[1]["id"], life[0]["id"]]
    assert by_cursor.json()["events"] == page2["events"]
    # And live mode is a separate log
    assert client.get(events_url(pid), token=dev_token, query={"test_mode": "false"}).json()["total"] == 0


def test_a_cursor_of_another_project_or_garbage_is_refused(client, dev_token, project):
    other = str(uuid.uuid4())
    deliver(other, lifecycle(other)[:3])
    default = client.get(events_url(project["id"]), token=dev_token)
    assert default.json() == {"events": [], "total": 0, "page": 1, "page_size": 50, "next_cursor": None}
    # A cursor is only valid for the partition it came from: it cannot read another project's events
    from paykit.store.paging import encode_cursor
    foreign = encode_cursor("event", keys.GSI1, keys.project_events_gsi(other, "test"), 2,
                            {"pk": keys.event_record(other, "test", "evt_1")["pk"],
                             "gsi1sk": "2026-01-01T00:00:00.000000Z#evt_1"})
    for cursor in (foreign, "not-base64!!", ""):
        reply = client.get(events_url(project["id"]), token=dev_token, query={"cursor": cursor} if cursor else {})
        assert reply.status == (422 if cursor else 200), reply.text
    assert client.get(events_url(project["id"]), token=dev_token, query={"page_size": 101}).status == 422


def test_the_log_and_replay_are_the_owners_only(client, project, dev_token):
    from tests.conftest import JWT_SECRET
    from tests.support import make_token

    stranger = make_token(JWT_SECRET, f"dev-{uuid.uuid4()}")
    assert client.get(events_url(project["id"]), token=stranger).status == 403
    assert client.post(f"{events_url(project['id'])}/evt_1/replay", token=stranger).status == 403
    assert client.get(events_url(str(uuid.uuid4())), token=dev_token).status == 404


def test_replaying_a_processed_event_changes_nothing(client, dev_token, project):
    pid = project["id"]
    paid = lifecycle(pid)[2]
    deliver(pid, [paid])
    before = (counters(pid), item(keys.payment(pid, "test", "pi_1")))
    reply = client.post(f"{events_url(pid)}/{paid['id']}/replay", token=dev_token)
    assert reply.status == 200, reply.text
    assert reply.json() == {"id": paid["id"], "type": "invoice.paid", "status": "processed", "applied": False,
                            "message": "Already applied: nothing changed", "error": None}
    assert (counters(pid), item(keys.payment(pid, "test", "pi_1"))) == before


def test_replaying_an_unknown_event_is_404(client, dev_token, project):
    reply = client.post(f"{events_url(project['id'])}/evt_nope/replay", token=dev_token)
    assert (reply.status, reply.json()) == (404, {"detail": "Event not found"})


@pytest.fixture()
def paid_invoice(emulator, stripe_account) -> dict:
    """A real subscription invoice in the emulator, paid by card: Stripe knows its payment intent."""
    sdk = stripe.StripeClient(stripe_account["test_secret_key"], base_addresses={"api": emulator.url})
    price = sdk.v1.prices.create({"unit_amount": 1900, "currency": "usd", "recurring": {"interval": "month"},
                                  "product_data": {"name": "Pro"}})
    customer = sdk.v1.customers.create({"payment_method": "pm_card_visa",
                                        "invoice_settings": {"default_payment_method": "pm_card_visa"}})
    sub = sdk.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id}]})
    return {"invoice": sub.latest_invoice, "customer": customer.id, "subscription": sub.id}


def test_a_failed_event_is_applied_by_replay_once_the_cause_is_fixed(client, dev_token, project, stripe_account,
                                                                    paid_invoice):
    # Given a thin invoice.paid that failed: the payment intent must be read from Stripe, and no key was configured
    pid = project["id"]
    thin = event("invoice.paid", invoice(paid_invoice["invoice"], paid_invoice["customer"],
                                         paid_invoice["subscription"], None, created=T0, amount=1900, paid=True,
                                         user_id="u1", project_id=pid), created=T0)
    deliver_failing(pid, thin)
    failed_replay = client.post(f"{events_url(pid)}/{thin['id']}/replay", token=dev_token).json()
    assert (failed_replay["status"], failed_replay["applied"], failed_replay["error"]) == (
        "failed", False, "Stripe not configured")
    # When the key is configured and the event replayed (twice)
    assert client.put(f"/api/v1/payments/stripe/projects/{pid}/config", token=dev_token,
                      json_body={"test_secret_key": stripe_account["test_secret_key"]}).status == 200
    replays = [client.post(f"{events_url(pid)}/{thin['id']}/replay", token=dev_token).json() for _ in range(2)]
    # Then it is applied by the first replay only, and the log shows it processed
    assert [(r["applied"], r["status"]) for r in replays] == [(True, "processed"), (False, "processed")]
    assert counters(pid) == {"payments": 1, "payments#succeeded": 1, "amount#succeeded#usd": 1900,
                              "gross#usd": 1900}
    assert item(keys.event_record(pid, "test", thin["id"])).get("error") is None
