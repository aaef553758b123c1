"""The `/_emulator` shortcuts as a newcomer calls them with curl: JSON bodies under any Content-Type, no email."""

from __future__ import annotations

import requests

from stripe_emulator.conformance.harness import WAIT, Emu

FORM = {"Content-Type": "application/x-www-form-urlencoded"}  # what `curl -d '{...}'` sends


def test_a_json_body_sent_as_a_form_creates_the_named_account(server):
    # Given a JSON body posted with curl's default form Content-Type
    body = '{"name": "My SaaS", "dunning_final_action": "mark_unpaid"}'

    # When an account is created with it
    reply = requests.post(f"{server.url}/_emulator/accounts", data=body, headers=FORM, timeout=WAIT)

    # Then the JSON fields are read as the account's name and settings
    assert reply.status_code == 200, reply.text
    assert reply.json()["name"] == "My SaaS"
    assert reply.json()["settings"]["dunning_final_action"] == "mark_unpaid"


def test_form_fields_still_work_for_admin_calls(server):
    # Given an account created with plain form fields
    reply = requests.post(f"{server.url}/_emulator/accounts", data={"name": "Formed"}, timeout=WAIT)

    # Then the field is read
    assert reply.status_code == 200, reply.text
    assert reply.json()["name"] == "Formed"


def test_a_malformed_json_body_is_a_400_whatever_the_content_type(server):
    # When a body that starts as JSON but is not JSON reaches an admin route
    reply = requests.post(f"{server.url}/_emulator/accounts", data='{"name": ', headers=FORM, timeout=WAIT)

    # Then it is refused as Stripe refuses a bad request, instead of becoming a form field
    assert reply.status_code == 400
    assert reply.json()["error"]["message"] == "Invalid JSON body"


def test_the_pay_shortcut_fills_a_test_email_when_the_session_has_none(emu: Emu):
    # Given a subscription checkout created with neither a customer nor a customer_email
    price = emu.price()
    session = emu.client.v1.checkout.sessions.create({
        "mode": "subscription", "line_items": [{"price": price.id, "quantity": 1}],
        "success_url": "http://127.0.0.1:9/ok", "cancel_url": "http://127.0.0.1:9/no"})

    # When it is paid through the shortcut with only a card, as curl sends it
    reply = requests.post(f"{emu.url}/_emulator/checkout/{session.id}/pay", data='{"card": "4242424242424242"}',
                          headers=FORM, timeout=WAIT)

    # Then the payment succeeds and the new customer carries a test email
    assert reply.status_code == 200, reply.text
    assert reply.json()["status"] == "succeeded"
    customer = emu.client.v1.customers.retrieve(reply.json()["session"]["customer"])
    assert customer.email and customer.email.endswith("@example.com")


def test_the_pay_shortcut_keeps_the_sessions_own_email(emu: Emu):
    # Given a checkout that names its buyer
    session = emu.session(emu.price(), customer_email="named@example.com")

    # When it is paid through the shortcut without an email
    reply = emu.admin("POST", f"/checkout/{session.id}/pay", {"card": "4242424242424242"})

    # Then the customer is the session's buyer, not the test email
    assert reply.status_code == 200, reply.text
    customer = emu.client.v1.customers.retrieve(reply.json()["session"]["customer"])
    assert customer.email == "named@example.com"
