"""The emulator's API through the stripe SDK: keys, isolation, resources, lists, expansion, errors, idempotency."""

from __future__ import annotations

import pytest
import requests
import stripe

from stripe_emulator.conformance.harness import Emu, client_for


def test_account_endpoint_returns_keys_of_both_modes(server):
    response = requests.post(f"{server.url}/_emulator/accounts", data={"name": "Form Co"}, timeout=10)
    assert response.status_code == 200
    account = response.json()
    assert account["id"].startswith("acct_")
    for mode in ("test", "live"):
        assert account[f"{mode}_secret_key"].startswith(f"sk_{mode}_")
        assert account[f"{mode}_publishable_key"].startswith(f"pk_{mode}_")
        assert account[f"{mode}_restricted_key"].startswith(f"rk_{mode}_")


def test_account_and_balance_follow_the_key(emu: Emu):
    account = emu.client.v1.accounts.retrieve_current()
    assert isinstance(account, stripe.Account)
    assert account.id == emu.account["id"]
    assert account.business_profile.name == "Acme"
    balance = emu.client.v1.balance.retrieve()
    assert isinstance(balance, stripe.Balance)
    assert balance.livemode is False
    live = client_for(emu.url, emu.account["live_secret_key"]).v1.balance.retrieve()
    assert live.livemode is True


def test_unknown_and_malformed_keys_are_401_without_echoing_the_key(server):
    key = "sk_test_" + "x" * 36 + "abcd"
    with pytest.raises(stripe.AuthenticationError) as info:
        client_for(server.url, key).v1.customers.list()
    assert info.value.http_status == 401
    assert "sk_test_****abcd" in info.value.user_message
    assert key not in info.value.http_body
    with pytest.raises(stripe.AuthenticationError):
        client_for(server.url, "garbage").v1.customers.list()
    missing = requests.get(f"{server.url}/v1/customers", timeout=10)
    assert missing.status_code == 401
    assert missing.json()["error"]["type"] == "invalid_request_error"


def test_revoked_key_is_rejected_and_a_new_key_works(emu: Emu):
    emu.client.v1.customers.create({"email": "a@example.com"})
    revoke = emu.admin("POST", "/keys/revoke", {"key": emu.account["test_secret_key"]})
    assert revoke.json()["revoked"] is True
    with pytest.raises(stripe.AuthenticationError) as info:
        emu.client.v1.customers.list()
    assert info.value.error.code == "api_key_expired"
    rolled = emu.admin("POST", "/keys", {"account": emu.account["id"], "mode": "test", "type": "secret"}).json()
    customers = client_for(emu.url, rolled["key"]).v1.customers.list()
    assert [c.email for c in customers.data] == ["a@example.com"]


def test_restricted_key_reads_but_cannot_write(emu: Emu):
    emu.client.v1.customers.create({"email": "a@example.com"})
    restricted = client_for(emu.url, emu.account["test_restricted_key"])
    assert len(restricted.v1.customers.list().data) == 1
    with pytest.raises(stripe.PermissionError) as info:
        restricted.v1.customers.create({"email": "b@example.com"})
    assert info.value.http_status == 403
    assert "rak_customers_write" in info.value.user_message
    writer = emu.admin("POST", "/keys", {"account": emu.account["id"], "type": "restricted",
                                         "permissions": {"checkout_sessions": "write", "*": "none"}}).json()
    with pytest.raises(stripe.PermissionError):
        client_for(emu.url, writer["key"]).v1.customers.list()


def test_publishable_key_cannot_call_secret_endpoints(emu: Emu):
    with pytest.raises(stripe.AuthenticationError) as info:
        client_for(emu.url, emu.account["test_publishable_key"]).v1.customers.list()
    assert "publishable API key" in info.value.user_message
    with pytest.raises(stripe.AuthenticationError):
        client_for(emu.url, emu.account["test_publishable_key"]).v1.accounts.retrieve_current()


def test_accounts_and_modes_are_isolated(server):
    first, second = Emu(server, "First"), Emu(server, "Second")
    customer = first.client.v1.customers.create({"email": "one@example.com"})
    assert customer.livemode is False
    with pytest.raises(stripe.InvalidRequestError) as info:
        second.client.v1.customers.retrieve(customer.id)
    assert info.value.http_status == 404
    assert info.value.code == "resource_missing"
    assert second.client.v1.customers.list().data == []
    live = client_for(server.url, first.account["live_secret_key"])
    with pytest.raises(stripe.InvalidRequestError):
        live.v1.customers.retrieve(customer.id)
    live_customer = live.v1.customers.create({"email": "live@example.com"})
    assert live_customer.livemode is True
    assert [c.id for c in first.client.v1.customers.list().data] == [customer.id]


def test_products_prices_and_customers_parse_into_sdk_classes(emu: Emu):
    product = emu.client.v1.products.create({"name": "Gold", "metadata": {"tier": "3"}})
    assert isinstance(product, stripe.Product) and product.id.startswith("prod_")
    monthly = emu.price(1500, "month", product=product.id, lookup_key="gold_monthly")
    quarterly = emu.price(4000, "month", 3, product=product.id)
    weekly = emu.price(500, "week", product=product.id)
    daily = emu.price(100, "day", product=product.id)
    yearly = emu.price(15000, "year", product=product.id)
    once = emu.price(999, None, product=product.id)
    assert isinstance(monthly, stripe.Price)
    assert (monthly.recurring.interval, monthly.recurring.interval_count) == ("month", 1)
    assert quarterly.recurring.interval_count == 3
    assert {weekly.recurring.interval, daily.recurring.interval, yearly.recurring.interval} == {"week", "day", "year"}
    assert once.type == "one_time" and once.recurring is None
    inline = emu.client.v1.prices.create({"currency": "eur", "unit_amount": 700, "product_data": {"name": "Inline"}})
    assert emu.client.v1.products.retrieve(inline.product).name == "Inline"
    found = emu.client.v1.prices.list({"lookup_keys": ["gold_monthly"], "expand": ["data.product"]})
    assert [p.id for p in found.data] == [monthly.id]
    assert isinstance(found.data[0].product, stripe.Product)
    archived = emu.client.v1.prices.update(weekly.id, {"active": False})
    assert archived.active is False
    assert weekly.id not in [p.id for p in emu.client.v1.prices.list({"active": True, "limit": 100}).data]
    customer = emu.client.v1.customers.create({"email": "c@example.com", "name": "C", "metadata": {"a": "1"}})
    assert isinstance(customer, stripe.Customer) and customer.id.startswith("cus_")
    updated = emu.client.v1.customers.update(customer.id, {"metadata": {"a": "", "b": "2"}, "name": "D"})
    assert updated.metadata.to_dict() == {"b": "2"} and updated.name == "D"
    deleted = emu.client.v1.customers.delete(customer.id)
    assert deleted.deleted is True
    assert emu.client.v1.customers.retrieve(customer.id).deleted is True


def test_lookup_keys_are_unique_unless_transferred(emu: Emu):
    first = emu.price(1000, lookup_key="pro")
    with pytest.raises(stripe.InvalidRequestError) as info:
        emu.price(2000, lookup_key="pro")
    assert info.value.param == "lookup_key"
    second = emu.price(2000, lookup_key="pro", transfer_lookup_key=True)
    assert emu.client.v1.prices.retrieve(first.id).lookup_key is None
    assert emu.client.v1.prices.retrieve(second.id).lookup_key == "pro"


def test_lists_are_newest_first_with_cursor_pagination(emu: Emu):
    created = [emu.client.v1.customers.create({"email": f"{i}@example.com"}).id for i in range(7)]
    newest_first = list(reversed(created))
    page = emu.client.v1.customers.list({"limit": 3})
    assert page.object == "list" and page.url == "/v1/customers"
    assert [c.id for c in page.data] == newest_first[:3] and page.has_more is True
    second = emu.client.v1.customers.list({"limit": 3, "starting_after": page.data[-1].id})
    assert [c.id for c in second.data] == newest_first[3:6] and second.has_more is True
    back = emu.client.v1.customers.list({"limit": 2, "ending_before": second.data[0].id})
    assert [c.id for c in back.data] == newest_first[1:3]
    assert [c.id for c in page.auto_paging_iter()] == newest_first
    with pytest.raises(stripe.InvalidRequestError):
        emu.client.v1.customers.list({"limit": 101})


def test_errors_use_stripes_envelope(emu: Emu):
    with pytest.raises(stripe.InvalidRequestError) as info:
        emu.client.v1.customers.retrieve("cus_missing")
    assert info.value.http_status == 404
    assert info.value.error.type == "invalid_request_error"
    assert info.value.error.message == "No such customer: 'cus_missing'"
    with pytest.raises(stripe.InvalidRequestError) as info:
        emu.client.v1.prices.create({"currency": "usd", "unit_amount": 100})
    assert info.value.http_status == 400 and info.value.param == "product"
    with pytest.raises(stripe.InvalidRequestError) as info:
        emu.client.v1.customers.create({"email": "x@example.com", "favourite_colour": "blue"})
    assert info.value.code == "parameter_unknown" and info.value.param == "favourite_colour"
    with pytest.raises(stripe.InvalidRequestError) as info:
        emu.client.v1.customers.retrieve(emu.client.v1.customers.create({}).id, {"expand": ["nonsense"]})
    assert "cannot be expanded" in info.value.user_message
    auth = {"Authorization": f"Bearer {emu.account['test_secret_key']}"}
    raw = requests.get(f"{emu.url}/v1/nothing_here", headers=auth, timeout=10)
    assert raw.status_code == 404 and "Unrecognized request URL" in raw.json()["error"]["message"]


def test_idempotency_replays_and_rejects_other_parameters(emu: Emu):
    options = {"idempotency_key": "create-customer-1"}
    first = emu.client.v1.customers.create({"email": "same@example.com"}, options)
    again = emu.client.v1.customers.create({"email": "same@example.com"}, options)
    assert again.id == first.id
    assert again.last_response.headers.get("Idempotent-Replayed") == "true"
    assert len(emu.client.v1.customers.list().data) == 1
    with pytest.raises(stripe.IdempotencyError):
        emu.client.v1.customers.create({"email": "other@example.com"}, options)
    with pytest.raises(stripe.IdempotencyError):
        emu.client.v1.products.create({"name": "Other endpoint"}, options)
    # Keys belong to an account and a mode.
    live = client_for(emu.url, emu.account["live_secret_key"])
    assert live.v1.customers.create({"email": "same@example.com"}, options).id != first.id


def test_validation_errors_are_not_saved_under_an_idempotency_key(emu: Emu):
    options = {"idempotency_key": "retry-after-fix"}
    with pytest.raises(stripe.InvalidRequestError):
        emu.client.v1.prices.create({"currency": "usd", "unit_amount": 100, "product": "prod_missing"}, options)
    product = emu.client.v1.products.create({"name": "P"})
    price = emu.client.v1.prices.create({"currency": "usd", "unit_amount": 100, "product": product.id},
                                        {"idempotency_key": "retry-after-fix-2"})
    assert price.product == product.id


def test_webhook_endpoints_crud_returns_the_secret_only_on_create(emu: Emu):
    endpoint = emu.client.v1.webhook_endpoints.create({"url": "http://127.0.0.1:9/hook",
                                                       "enabled_events": ["invoice.paid", "customer.created"]})
    assert isinstance(endpoint, stripe.WebhookEndpoint)
    assert endpoint.secret.startswith("whsec_") and endpoint.status == "enabled"
    fetched = emu.client.v1.webhook_endpoints.retrieve(endpoint.id)
    assert "secret" not in fetched
    assert [e.id for e in emu.client.v1.webhook_endpoints.list().data] == [endpoint.id]
    updated = emu.client.v1.webhook_endpoints.update(endpoint.id, {"enabled_events": ["*"], "disabled": True})
    assert updated.enabled_events == ["*"] and updated.status == "disabled"
    with pytest.raises(stripe.InvalidRequestError):
        emu.client.v1.webhook_endpoints.create({"url": "not a url", "enabled_events": ["*"]})
    assert emu.client.v1.webhook_endpoints.delete(endpoint.id).deleted is True
    assert emu.client.v1.webhook_endpoints.list().data == []


def test_payment_intents_and_refunds(emu: Emu):
    intent = emu.client.v1.payment_intents.create({"amount": 5000, "currency": "usd",
                                                   "payment_method": "pm_card_visa", "confirm": True,
                                                   "metadata": {"order": "42"}})
    assert isinstance(intent, stripe.PaymentIntent) and intent.status == "succeeded"
    charge = emu.client.v1.charges.retrieve(intent.latest_charge)
    assert isinstance(charge, stripe.Charge) and charge.paid and charge.amount == 5000
    partial = emu.client.v1.refunds.create({"payment_intent": intent.id, "amount": 2000})
    assert isinstance(partial, stripe.Refund) and partial.status == "succeeded"
    charge = emu.client.v1.charges.retrieve(intent.latest_charge, {"expand": ["refunds"]})
    assert charge.amount_refunded == 2000 and charge.refunded is False
    assert [r.id for r in charge.refunds.data] == [partial.id]
    rest = emu.client.v1.refunds.create({"charge": charge.id})
    assert rest.amount == 3000
    assert emu.client.v1.charges.retrieve(charge.id).refunded is True
    with pytest.raises(stripe.InvalidRequestError) as info:
        emu.client.v1.refunds.create({"charge": charge.id, "amount": 1})
    assert info.value.code == "charge_already_refunded"
    refund_events = [e for e in emu.events() if e.type in ("charge.refunded", "refund.created")]
    assert [e.type for e in refund_events] == ["charge.refunded", "refund.created"] * 2
    first_refund = refund_events[0]
    assert first_refund.data.previous_attributes.amount_refunded == 0
    assert first_refund.data.object.amount_refunded == 2000
    with pytest.raises(stripe.CardError) as info:
        emu.client.v1.payment_intents.create({"amount": 100, "currency": "usd", "confirm": True,
                                              "payment_method": "pm_card_chargeDeclined"})
    assert info.value.code == "card_declined" and info.value.http_status == 402


def test_concurrent_requests_are_safe(emu: Emu):
    from concurrent.futures import ThreadPoolExecutor

    def create(i: int) -> str:
        return emu.client.v1.customers.create({"email": f"{i}@example.com"}).id

    def same_key(_: int) -> str:
        return emu.client.v1.customers.create({"email": "once@example.com"}, {"idempotency_key": "shared"}).id

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(create, range(40)))
        shared = set(pool.map(same_key, range(16)))
    assert len(set(ids)) == 40
    assert len(shared) == 1
    emails = [c.email for c in emu.client.v1.customers.list({"limit": 100}).auto_paging_iter()]
    assert len(emails) == 41 and emails.count("once@example.com") == 1


@pytest.mark.parametrize("operation, params, name", [
    ("checkout", {"phone_number_collection": {"enabled": True}}, "phone_number_collection"),
    ("checkout", {"tax_id_collection": {"enabled": True}}, "tax_id_collection"),  # automatic_tax is modelled now
    ("customer", {"shipping": {"name": "A", "address": {"line1": "1 Main St"}}}, "shipping"),
])
def test_a_parameter_the_sdk_declares_but_the_emulator_does_not_model_is_refused_not_ignored(emu: Emu, operation,
                                                                                             params, name):
    # Given an operation whose SDK params type declares `name`, which the emulator's handler never reads
    # When it is sent
    with pytest.raises(stripe.InvalidRequestError) as refused:
        if operation == "checkout":
            emu.session(emu.price(), **params)
        else:
            emu.client.v1.customers.create(params)
    # Then it is refused as Stripe refuses an unknown parameter, instead of being accepted and ignored
    assert refused.value.http_status == 400 and refused.value.code == "parameter_unknown"
    assert refused.value.param == name


def test_an_idempotency_key_older_than_24_hours_runs_as_a_new_request_and_is_dropped(emu: Emu):
    # Given a customer created with an idempotency key, and a second key used a day later
    auth = {"Authorization": f"Bearer {emu.account['test_secret_key']}"}
    options = {"idempotency_key": "create-once-a-day"}
    first = emu.client.v1.customers.create({"email": "day1@example.com"}, options)
    emu.admin("POST", "/advance", {"seconds": 24 * 3600 - 60}, headers=auth)
    within = emu.client.v1.customers.create({"email": "day1@example.com"}, options)
    emu.admin("POST", "/advance", {"seconds": 120}, headers=auth)
    # When the key is used again (other parameters too) once it is more than 24 hours old
    later = emu.client.v1.customers.create({"email": "day2@example.com"}, options)
    # Then within the 24 hours it replays; after them it runs as a new request and is saved again
    assert within.id == first.id and within.last_response.headers.get("Idempotent-Replayed") == "true"
    assert later.id != first.id and later.email == "day2@example.com"
    assert "Idempotent-Replayed" not in later.last_response.headers
    assert emu.client.v1.customers.create({"email": "day2@example.com"}, options).id == later.id
    # and expired keys are dropped from the world's table, which keeps only the keys of the last 24 hours
    emu.client.v1.customers.create({"email": "other@example.com"}, {"idempotency_key": "another-key"})
    emu.admin("POST", "/advance", {"seconds": 24 * 3600 + 60}, headers=auth)
    emu.client.v1.customers.create({"email": "day3@example.com"}, {"idempotency_key": "day-3"})
    world = emu.server.state.accounts[emu.account["id"]].worlds[False]
    assert set(world.idempotency) == {"day-3"}
