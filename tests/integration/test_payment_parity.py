"""Cloud Admin parity of the records the processor writes (issue 13, item 4): transaction types, disputes, and the
subscription statuses `paused` and `unpaid`, through the real processor and the real list handlers."""
from __future__ import annotations

import itertools
import json
import uuid

import pytest

from paykit.processor import record_id
from paykit.store import keys
from tests.integration.test_event_processor import T0, counters, deliver, item
from tests.integration.test_lists import get, new_project, sub_event
from local.stripe_events import charge, checkout_session, event, invoice


def paid_invoice(project_id: str, n: int, billing_reason: str | None, *, total: int | None = None,
                 sub_id: str | None = "sub_1") -> dict:
    obj = invoice(f"in_{n}", "cus_1", sub_id, f"pi_{n}", created=T0 + n, amount=1900, paid=True, user_id="user-1",
                  project_id=project_id)
    if billing_reason is not None:
        obj["billing_reason"] = billing_reason
    if total is not None:
        obj["total"] = total
    return event("invoice.paid", obj, created=T0 + n)


def dispute(pi: str, status: str, *, created: int = T0 + 50, amount: int = 1900) -> dict:
    return {"id": f"dp_{pi}", "object": "dispute", "amount": amount, "charge": f"ch_{pi}", "created": created,
            "currency": "usd", "payment_intent": pi, "reason": "fraudulent", "status": status, "metadata": {}}


def dispute_event(kind: str, pi: str, status: str, created: int) -> dict:
    return event(f"charge.dispute.{kind}", dispute(pi, status), created=created)


def payment(project_id: str, pi: str) -> dict:
    return item(keys.payment(project_id, "test", pi))


@pytest.fixture()
def project_id(service_env) -> str:
    return str(uuid.uuid4())


# ---------------------------------------------------------------------- transaction type


def test_each_invoices_billing_reason_gives_the_payments_type(project_id):
    # Given invoices of each billing reason Stripe sends, a credit, and one without a reason
    reasons = {1: "subscription_create", 2: "subscription_cycle", 3: "subscription_update", 4: "manual",
               5: "subscription_threshold", 6: None}
    events = [paid_invoice(project_id, n, reason) for n, reason in reasons.items()]
    events.append(paid_invoice(project_id, 7, "subscription_update", total=-500))
    # When they are delivered
    assert deliver(project_id, events) == {"batchItemFailures": []}
    # Then each payment has the Cloud Admin type of its invoice
    types = {n: payment(project_id, f"pi_{n}").get("transaction_type") for n in range(1, 8)}
    assert types == {1: "initial_payment", 2: "subscription_payment", 3: "proration_charge", 4: "one_time_payment",
                     5: "subscription_payment", 6: "subscription_payment", 7: "proration_credit"}


def test_a_one_time_checkout_is_a_one_time_payment_and_a_refund_first_leaves_the_type_to_the_invoice(project_id):
    # Given a payment-mode checkout, and a subscription's first payment whose refund arrives before its invoice
    session = checkout_session("cs_9", "cus_9", mode="payment", user_id="user-9", project_id=project_id, created=T0,
                               payment_intent="pi_9", amount=500)
    refund = event("charge.refunded", charge("ch_1", "cus_1", "pi_1", created=T0 + 1, amount=1900, refunded=1900),
                   created=T0 + 9)
    # When the session completes and the refund is delivered alone
    deliver(project_id, [event("checkout.session.completed", session, created=T0), refund])
    # Then the one-time payment says so, and the refunded one has no type yet (a charge does not say)
    assert payment(project_id, "pi_9")["transaction_type"] == "one_time_payment"
    assert "transaction_type" not in payment(project_id, "pi_1")
    # When its invoice arrives
    deliver(project_id, [paid_invoice(project_id, 1, "subscription_create")])
    # Then it is the initial payment, refunded
    stored = payment(project_id, "pi_1")
    assert (stored["transaction_type"], stored["status"]) == ("initial_payment", "refunded")


def test_the_lists_and_exports_show_the_type_as_type(client, dev_token, developer):
    # Given a developer's project with a first payment and a renewal
    project = new_project(client, dev_token, "Types")
    deliver(project, [paid_invoice(project, 1, "subscription_create"), paid_invoice(project, 2, "subscription_cycle")])
    # When E11, E2 and the JSON lines export are read
    e11 = get(client, dev_token, f"/api/v1/payments/stripe/projects/{project}/payments").json()["payments"]
    e2 = get(client, dev_token, "/api/v1/payments/transactions", project_id=project).json()["payments"]
    lines = get(client, dev_token, "/api/v1/payments/transactions/export", project_id=project, format="jsonl").text
    # Then each row has `type` after the documented fields, and the stored name never shows
    for rows in (e11, e2, [json.loads(line) for line in lines.splitlines()]):
        assert [(r["payment_intent_id"], r["type"]) for r in rows] == [("pi_2", "subscription_payment"),
                                                                      ("pi_1", "initial_payment")]
        assert list(rows[0])[-2:] == ["created_at", "type"] and "transaction_type" not in rows[0]


# ---------------------------------------------------------------------- disputes


def test_a_dispute_shows_while_open_and_when_lost_and_a_won_one_restores_the_status(project_id):
    # Given three paid payments, one of them partially refunded
    deliver(project_id, [paid_invoice(project_id, n, "subscription_cycle") for n in (1, 2, 3)])
    deliver(project_id, [event("charge.refunded", charge("ch_3", "cus_1", "pi_3", created=T0 + 3, amount=1900,
                                                         refunded=400), created=T0 + 10)])
    # When each is disputed
    deliver(project_id, [dispute_event("created", f"pi_{n}", "needs_response", T0 + 20) for n in (1, 2, 3)])
    # Then each is disputed
    assert [payment(project_id, f"pi_{n}")["status"] for n in (1, 2, 3)] == ["disputed"] * 3
    assert counters(project_id)["payments#disputed"] == 3
    # When the first is lost, the second and third won
    deliver(project_id, [dispute_event("closed", "pi_1", "lost", T0 + 30),
                         dispute_event("closed", "pi_2", "won", T0 + 30),
                         dispute_event("closed", "pi_3", "won", T0 + 30)])
    # Then a lost dispute stays disputed, and a won one gives the payment its status back
    stored = [payment(project_id, f"pi_{n}") for n in (1, 2, 3)]
    assert [p["status"] for p in stored] == ["disputed", "succeeded", "partially_refunded"]
    assert [p["dispute_status"] for p in stored] == ["lost", "won", "won"]
    assert stored[0]["disputed_at"] == "2026-05-28T20:27:30.000000Z"  # the dispute's own creation
    state = counters(project_id)
    assert (state["payments#disputed"], state["payments#succeeded"], state["payments#partially_refunded"]) == (1, 1, 1)


def test_a_dispute_in_any_order_with_duplicates_ends_as_in_order(project_id):
    # Given a paid payment, a partial refund, a dispute opened and then lost, in Stripe's order
    in_order = [paid_invoice(project_id, 1, "subscription_create"),
                event("charge.refunded", charge("ch_1", "cus_1", "pi_1", created=T0 + 1, amount=1900, refunded=300),
                      created=T0 + 10),
                dispute_event("created", "pi_1", "needs_response", T0 + 20),
                dispute_event("closed", "pi_1", "lost", T0 + 30)]
    deliver(project_id, in_order)
    expected = {k: v for k, v in payment(project_id, "pi_1").items() if k not in ("pk", "gsi1pk", "gsi2pk")}
    expected_counters = counters(project_id)
    # When every order of those events is delivered to a project of its own, each event twice
    for order in itertools.permutations(in_order):
        other = str(uuid.uuid4())
        events = [json.loads(json.dumps(e).replace(project_id, other)) for e in order]
        assert deliver(other, events + events[:2]) == {"batchItemFailures": []}
        # Then the payment and the counters are those of in-order delivery
        got = payment(other, "pi_1")
        assert got["id"] == record_id("pay", other, "test", "pi_1")
        got = {k: v for k, v in got.items() if k not in ("pk", "gsi1pk", "gsi2pk")}
        text = json.dumps(got).replace(other, project_id).replace(record_id("pay", other, "test", "pi_1"),
                                                                  record_id("pay", project_id, "test", "pi_1"))
        text = text.replace(record_id("sub", other, "test", "sub_1"), record_id("sub", project_id, "test", "sub_1"))
        assert json.loads(text) == expected, order
        assert counters(other) == expected_counters
    assert expected["status"] == "disputed" and expected["refunded_amount_cents"] == 300


def test_a_dispute_before_its_payment_is_unlisted_until_the_invoice_dates_it(client, dev_token, developer):
    # Given a dispute delivered before the invoice of the payment it disputes
    project = new_project(client, dev_token, "Early dispute")
    deliver(project, [dispute_event("created", "pi_1", "needs_response", T0 + 20)])
    path = f"/api/v1/payments/stripe/projects/{project}/payments"
    # Then the list shows no row without a creation date
    assert get(client, dev_token, path).json()["payments"] == []
    # When the invoice arrives
    deliver(project, [paid_invoice(project, 1, "subscription_create")])
    # Then the payment is listed, disputed, with the invoice's amount and date and its type
    rows = get(client, dev_token, path).json()["payments"]
    assert [(r["status"], r["amount_cents"], r["type"], r["created_at"]) for r in rows] == [
        ("disputed", 1900, "initial_payment", "2026-05-28T20:26:41Z")]
    # And the status filter of E2 finds it
    body = get(client, dev_token, "/api/v1/payments/transactions", status="disputed").json()
    assert (body["total"], [r["payment_intent_id"] for r in body["payments"]]) == (1, ["pi_1"])


# ---------------------------------------------------------------------- subscription statuses


def test_paused_and_unpaid_subscriptions_are_listed_filtered_and_counted(client, dev_token, developer):
    # Given subscriptions that Stripe reports paused (a trial ended without a payment method) and unpaid
    project = new_project(client, dev_token, "Statuses")
    deliver(project, [sub_event(project, "sub_p", "paused", T0), sub_event(project, "sub_u", "unpaid", T0 + 1),
                      sub_event(project, "sub_a", "active", T0 + 2)])
    # When the lists are filtered by each status
    for status, expected in (("paused", "sub_p"), ("unpaid", "sub_u")):
        body = get(client, dev_token, "/api/v1/payments/subscriptions", status=status).json()
        # Then exactly that subscription comes back, with a total from the counters
        assert (body["total"], [r["subscription_id"] for r in body["subscriptions"]]) == (1, [expected])
        assert body["subscriptions"][0]["status"] == status
    # And the project list shows all three with their Stripe statuses
    rows = get(client, dev_token, f"/api/v1/payments/stripe/projects/{project}/subscriptions").json()["subscriptions"]
    assert [(r["subscription_id"], r["status"]) for r in rows] == [("sub_a", "active"), ("sub_u", "unpaid"),
                                                                  ("sub_p", "paused")]
