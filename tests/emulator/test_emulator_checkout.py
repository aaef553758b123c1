"""Checkout sessions: the API, the hosted page (pay, decline, 3-D Secure), and the events each outcome emits."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import stripe

from stripe_emulator.conformance.harness import DAY, Emu

SUBSCRIPTION_EVENTS = [
    "customer.created", "payment_intent.created", "charge.succeeded", "payment_intent.succeeded",
    "customer.subscription.created", "invoice.created", "invoice.finalized", "invoice_payment.paid", "invoice.paid",
    "invoice.payment_succeeded", "customer.subscription.updated", "checkout.session.completed",
]


def _pay_on_page(session: stripe.checkout.Session, **form: str) -> requests.Response:
    return requests.post(session.url, data={"card": "4242424242424242", **form}, allow_redirects=False, timeout=10)


def test_hosted_page_pays_a_subscription_and_redirects_to_the_success_url(emu: Emu):
    price = emu.price(1900, name="Pro")
    before = emu.events()
    session = emu.session(price, client_reference_id="user-7", metadata={"source": "pricing"},
                          subscription_data={"metadata": {"plan": "pro"}}, customer_email="ana@example.com")
    assert isinstance(session, stripe.checkout.Session)
    assert session.id.startswith("cs_test_") and session.status == "open" and session.url.endswith(session.id)
    assert session.amount_total == 1900 and session.payment_status == "unpaid"
    page = requests.get(session.url, timeout=10)
    assert page.status_code == 200
    assert 'name="card"' in page.text and 'name="email" value="ana@example.com"' in page.text
    assert "$19.00" in page.text
    response = _pay_on_page(session)
    assert response.status_code == 303
    assert response.headers["Location"] == f"http://127.0.0.1:9/done?session_id={session.id}"

    session = emu.client.v1.checkout.sessions.retrieve(session.id, {"expand": ["subscription", "customer"]})
    assert session.status == "complete" and session.payment_status == "paid" and session.url is None
    assert session.client_reference_id == "user-7" and session.metadata.to_dict() == {"source": "pricing"}
    customer, sub = session.customer, session.subscription
    assert isinstance(customer, stripe.Customer) and customer.email == "ana@example.com"
    assert isinstance(sub, stripe.Subscription)
    assert sub.status == "active" and sub.customer == customer.id and sub.metadata.to_dict() == {"plan": "pro"}
    item = sub["items"].data[0]
    assert isinstance(item, stripe.SubscriptionItem) and item.price.id == price.id and item.quantity == 1
    assert item.current_period_end > item.current_period_start
    invoice = emu.client.v1.invoices.retrieve(sub.latest_invoice, {"expand": ["payments.data.payment.payment_intent"]})
    assert isinstance(invoice, stripe.Invoice)
    assert (invoice.status, invoice.billing_reason, invoice.amount_paid) == ("paid", "subscription_create", 1900)
    assert invoice.parent.type == "subscription_details"
    assert invoice.parent.subscription_details.subscription == sub.id
    assert invoice.parent.subscription_details.metadata.to_dict() == {"plan": "pro"}
    line = invoice.lines.data[0]
    assert isinstance(line, stripe.InvoiceLineItem) and line.id.startswith("il_")
    assert line.pricing.price_details.price == price.id
    assert line.parent.subscription_item_details.subscription_item == item.id
    assert (line.period.start, line.period.end) == (item.current_period_start, item.current_period_end)
    payment = invoice.payments.data[0]
    intent = payment.payment.payment_intent
    assert isinstance(intent, stripe.PaymentIntent) and intent.status == "succeeded" and intent.amount == 1900
    charge = emu.client.v1.charges.retrieve(intent.latest_charge)
    assert charge.status == "succeeded" and charge.payment_method_details.card.last4 == "4242"

    events = [e for e in emu.events() if e.id not in {b.id for b in before}]
    assert [e.type for e in events] == SUBSCRIPTION_EVENTS
    assert len({e.created for e in events}) == 1 and events[0].created == sub.created
    assert all(e.request.id is None for e in events)
    by_type = {e.type: e.data.object for e in events}
    assert by_type["invoice.created"].status == "draft"
    assert by_type["invoice.finalized"].status == "open"
    assert by_type["invoice.paid"].status == "paid"
    assert by_type["payment_intent.created"].status == "requires_payment_method"
    # As on Stripe: Checkout creates the subscription `incomplete`; its paid first invoice makes it `active`.
    created, updated = by_type["customer.subscription.created"], by_type["customer.subscription.updated"]
    assert (created.status, created.latest_invoice) == ("incomplete", invoice.id)
    assert updated.status == "active" and by_type["customer.subscription.updated"] is events[-2].data.object
    assert events[-2].data.previous_attributes.to_dict() == {"status": "incomplete"}
    completed = by_type["checkout.session.completed"]
    assert isinstance(completed, stripe.checkout.Session)
    assert (completed.subscription, completed.customer, completed.payment_status) == (sub.id, customer.id, "paid")


def test_the_page_asks_for_an_email_when_there_is_no_customer(emu: Emu):
    price = emu.price()
    session = emu.client.v1.checkout.sessions.create({
        "mode": "subscription", "line_items": [{"price": price.id, "quantity": 1}],
        "success_url": "http://127.0.0.1:9/ok"})
    page = requests.get(session.url, timeout=10)
    assert 'id="email"' in page.text
    refused = _pay_on_page(session)
    assert refused.status_code == 400 and "email" in refused.text.lower()
    assert _pay_on_page(session, email="new@example.com").status_code == 303
    session = emu.client.v1.checkout.sessions.retrieve(session.id)
    assert emu.client.v1.customers.retrieve(session.customer).email == "new@example.com"
    assert session.customer_details.email == "new@example.com"


def test_a_declined_card_leaves_the_session_open_and_creates_nothing(emu: Emu):
    session = emu.session(emu.price())
    before = emu.events()
    declined = _pay_on_page(session, card="4000000000000002")
    assert declined.status_code == 402
    assert "Your card was declined." in declined.text
    assert emu.client.v1.checkout.sessions.retrieve(session.id).status == "open"
    assert emu.client.v1.subscriptions.list({"status": "all"}).data == []
    assert emu.client.v1.customers.list().data == []
    assert emu.types(after=before) == []
    assert _pay_on_page(session).status_code == 303
    assert emu.client.v1.checkout.sessions.retrieve(session.id).status == "complete"


def test_a_card_requiring_authentication_leaves_an_incomplete_subscription_until_3ds(emu: Emu):
    session = emu.session(emu.price())
    before = emu.events()
    response = _pay_on_page(session, card="4000000000003220")
    assert response.status_code == 303 and response.headers["Location"].startswith("/3ds/pi_")
    [sub] = emu.client.v1.subscriptions.list({"status": "incomplete"}).data
    invoice = emu.client.v1.invoices.retrieve(sub.latest_invoice, {"expand": ["payments"]})
    assert invoice.status == "open"
    intent = emu.client.v1.payment_intents.retrieve(invoice.payments.data[0].payment.payment_intent)
    assert intent.status == "requires_action" and intent.next_action.type == "redirect_to_url"
    assert emu.client.v1.checkout.sessions.retrieve(session.id).status == "open"
    assert emu.types(after=before) == [
        "customer.created", "payment_intent.created", "payment_intent.requires_action",
        "customer.subscription.created", "invoice.created", "invoice.finalized", "invoice.payment_action_required"]

    challenge_url = emu.url + response.headers["Location"]
    assert "Complete authentication" in requests.get(challenge_url, timeout=10).text
    middle = emu.events()
    done = requests.post(challenge_url, data={"outcome": "complete"}, allow_redirects=False, timeout=10)
    assert done.status_code == 303 and done.headers["Location"].endswith(session.id)
    assert emu.client.v1.subscriptions.retrieve(sub.id).status == "active"
    assert emu.client.v1.checkout.sessions.retrieve(session.id).status == "complete"
    after = [e for e in emu.events() if e.id not in {m.id for m in middle}]
    assert [e.type for e in after] == ["charge.succeeded", "payment_intent.succeeded", "invoice_payment.paid",
                                       "invoice.paid", "invoice.payment_succeeded", "customer.subscription.updated",
                                       "checkout.session.completed"]
    assert after[5].data.previous_attributes.status == "incomplete"


def test_failed_authentication_then_another_card_pays_the_incomplete_subscription(emu: Emu):
    session = emu.session(emu.price())
    result = emu.pay(session.id, "4000000000003220")
    assert result["status"] == "requires_action"
    failed = emu.admin("POST", f"/payment_intents/{result['payment_intent']}/authenticate", {"outcome": "fail"})
    assert failed.json()["payment_intent"]["status"] == "requires_payment_method"
    assert emu.client.v1.checkout.sessions.retrieve(session.id).status == "open"
    paid = emu.pay(session.id, "4242424242424242")
    assert paid["status"] == "succeeded"
    subs = emu.client.v1.subscriptions.list({"status": "all"}).data
    assert [s.status for s in subs] == ["active"] and paid["session"]["subscription"] == subs[0].id


def test_payment_mode_creates_a_payment_intent_with_its_metadata(emu: Emu):
    price = emu.price(2500, interval=None, name="Credits")
    session = emu.session(price, quantity=2, payment_intent_data={"metadata": {"order": "o-1"}})
    assert session.mode == "payment" and session.amount_total == 5000 and session.payment_intent is None
    before = emu.events()
    declined = emu.pay(session.id, "4000000000009995")
    assert declined["status"] == "declined" and "insufficient funds" in declined["error"]["message"]
    assert emu.pay(session.id)["status"] == "succeeded"
    session = emu.client.v1.checkout.sessions.retrieve(session.id, {"expand": ["payment_intent", "line_items"]})
    assert session.status == "complete" and session.payment_status == "paid" and session.customer is None
    intent = session.payment_intent
    assert isinstance(intent, stripe.PaymentIntent) and intent.metadata.to_dict() == {"order": "o-1"}
    assert intent.amount == 5000 and intent.status == "succeeded"
    assert session.line_items.data[0].quantity == 2 and session.line_items.data[0].amount_total == 5000
    assert emu.types(after=before) == [
        "payment_intent.created", "charge.failed", "payment_intent.payment_failed",
        "charge.succeeded", "payment_intent.succeeded", "checkout.session.completed"]
    charges = emu.client.v1.charges.list({"payment_intent": intent.id}).data
    assert [c.status for c in charges] == ["succeeded", "failed"]


def test_payment_mode_with_customer_creation_and_3ds(emu: Emu):
    session = emu.session(emu.price(800, interval=None), customer_creation="always")
    result = emu.pay(session.id, "4000000000003220")
    assert result["status"] == "requires_action"
    authenticated = emu.admin("POST", f"/payment_intents/{result['payment_intent']}/authenticate",
                              {"outcome": "complete"}).json()
    assert authenticated["payment_intent"]["status"] == "succeeded"
    session = emu.client.v1.checkout.sessions.retrieve(session.id)
    assert session.status == "complete" and session.customer.startswith("cus_")


def test_a_trial_starts_without_payment(emu: Emu):
    session = emu.session(emu.price(), subscription_data={"trial_period_days": 14})
    before = emu.events()
    assert emu.pay(session.id)["status"] == "succeeded"
    session = emu.client.v1.checkout.sessions.retrieve(session.id, {"expand": ["subscription"]})
    sub = session.subscription
    assert session.payment_status == "no_payment_required"
    assert sub.status == "trialing" and sub.trial_end - sub.trial_start == 14 * DAY
    invoice = emu.client.v1.invoices.retrieve(sub.latest_invoice, {"expand": ["payments"]})
    assert invoice.amount_due == 0 and invoice.status == "paid" and invoice.payments.data == []
    assert emu.types(after=before) == [
        "customer.created", "customer.subscription.created", "invoice.created", "invoice.finalized",
        "invoice.paid", "invoice.payment_succeeded", "checkout.session.completed"]


def test_checkout_on_a_test_clock_uses_the_clock_time(emu: Emu):
    frozen = 1_700_000_000
    clock = emu.clock(frozen)
    sub = emu.subscribe(emu.price(), clock=clock)
    assert sub.test_clock == clock.id and sub.created == frozen and sub.start_date == frozen
    assert sub["items"].data[0].current_period_start == frozen
    assert {e.created for e in emu.events() if e.type.startswith(("invoice.", "customer.subscription."))} == {frozen}


def test_session_validation_errors(emu: Emu):
    monthly, once = emu.price(), emu.price(500, interval=None)
    customer = emu.client.v1.customers.create({"email": "a@example.com"})
    cases = [
        ({"mode": "payment", "line_items": [{"price": monthly.id, "quantity": 1}]}, "line_items[0][price]"),
        ({"mode": "subscription", "line_items": [{"price": monthly.id}]}, "line_items[0][quantity]"),
        ({"mode": "subscription", "line_items": [{"price": "price_nope", "quantity": 1}]}, "line_items[0][price]"),
        ({"mode": "subscription", "line_items": [{"price": monthly.id, "quantity": 1}], "customer": customer.id,
          "customer_email": "b@example.com"}, "customer_email"),
        ({"mode": "payment", "line_items": [{"price": once.id, "quantity": 1}],
          "subscription_data": {"trial_period_days": 3}}, "subscription_data"),
        ({"mode": "subscription"}, "line_items"),
    ]
    for params, param in cases:
        with pytest.raises(stripe.InvalidRequestError) as info:
            emu.client.v1.checkout.sessions.create(params)
        assert info.value.http_status == 400 and info.value.param == param, params
    emu.client.v1.prices.update(monthly.id, {"active": False})
    with pytest.raises(stripe.InvalidRequestError) as info:
        emu.session(monthly)
    assert "inactive" in info.value.user_message


def test_list_line_items_expire_and_the_expired_page(emu: Emu):
    first, second = emu.price(1000, name="A"), emu.price(500, name="B")
    session = emu.client.v1.checkout.sessions.create({
        "mode": "subscription", "success_url": "http://127.0.0.1:9/ok",
        "line_items": [{"price": first.id, "quantity": 1}, {"price": second.id, "quantity": 3}]})
    assert session.amount_total == 2500
    items = emu.client.v1.checkout.sessions.line_items.list(session.id)
    assert [(i.description, i.quantity, i.amount_total) for i in items.data] == [("A", 1, 1000), ("B", 3, 1500)]
    assert isinstance(items.data[0], stripe.LineItem)
    assert [s.id for s in emu.client.v1.checkout.sessions.list({"status": "open"}).data] == [session.id]
    expired = emu.client.v1.checkout.sessions.expire(session.id)
    assert expired.status == "expired" and expired.url is None
    assert emu.types()[-1] == "checkout.session.expired"
    assert requests.get(session.url, timeout=10).status_code == 410
    assert emu.admin("POST", f"/checkout/{session.id}/pay", {"card": "4242424242424242"}).status_code == 400
    with pytest.raises(stripe.InvalidRequestError):
        emu.client.v1.checkout.sessions.expire(session.id)


def test_success_url_keeps_its_own_query(emu: Emu):
    session = emu.session(emu.price(), success_url="http://127.0.0.1:9/ok?tab=billing&cs={CHECKOUT_SESSION_ID}")
    location = _pay_on_page(session).headers["Location"]
    assert parse_qs(urlsplit(location).query) == {"tab": ["billing"], "cs": [session.id]}
