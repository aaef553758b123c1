"""Entitlements in the emulator through the official SDK: features, product features, active entitlements and the
summary event following a customer's subscriptions."""

from __future__ import annotations

import pytest
import stripe

from stripe_emulator.conformance.harness import DAY, Emu, Receiver

SUMMARY = "entitlements.active_entitlement_summary.updated"
FROZEN = 1_767_225_600  # 2026-01-01T00:00:00Z


def _plan(emu: Emu, name: str, *lookup_keys: str, amount: int = 1000) -> stripe.Price:
    """A product granting the features `lookup_keys` (created when missing) and its monthly price."""
    v1 = emu.client.v1
    product = v1.products.create({"name": name})
    for key in lookup_keys:
        found = v1.entitlements.features.list({"lookup_key": key}).data
        feature = found[0] if found else v1.entitlements.features.create({"name": key.title(), "lookup_key": key})
        v1.products.features.create(product.id, {"entitlement_feature": feature.id})
    return emu.price(amount, product=product.id)


def _active(emu: Emu, customer: str) -> list[str]:
    return sorted(e.lookup_key for e in emu.client.v1.entitlements.active_entitlements.list({"customer": customer}))


def _summaries(emu: Emu, customer: str) -> list[list[str]]:
    """The lookup keys of each summary event of the customer, oldest first."""
    return [sorted(e["lookup_key"] for e in event.data.object["entitlements"]["data"])
            for event in emu.events(type=SUMMARY) if event.data.object["customer"] == customer]


# --- features -----------------------------------------------------------------------------------------------------


def test_a_feature_is_created_retrieved_renamed_archived_and_listed_by_lookup_key(emu: Emu):
    v1 = emu.client.v1
    # Given two features
    exports = v1.entitlements.features.create({"name": "Exports", "lookup_key": "exports", "metadata": {"k": "v"}})
    api = v1.entitlements.features.create({"name": "API", "lookup_key": "api"})
    # When one is renamed and archived
    updated = v1.entitlements.features.update(exports.id, {"name": "CSV exports", "active": False,
                                                           "metadata": {"k2": "w"}})
    # Then it keeps its lookup key, and the list shows archived and active features apart
    assert (updated.object, updated.name, updated.lookup_key, updated.active) == (
        "entitlements.feature", "CSV exports", "exports", False)
    assert updated.metadata.to_dict() == {"k": "v", "k2": "w"}
    assert v1.entitlements.features.retrieve(exports.id).name == "CSV exports"
    assert [f.id for f in v1.entitlements.features.list()] == [api.id]
    assert [f.id for f in v1.entitlements.features.list({"archived": True})] == [exports.id]
    assert [f.id for f in v1.entitlements.features.list({"lookup_key": "api"})] == [api.id]


def test_a_lookup_key_names_one_feature_and_a_name_is_required(emu: Emu):
    v1 = emu.client.v1
    # Given a feature
    v1.entitlements.features.create({"name": "Exports", "lookup_key": "exports"})
    # When another takes its lookup key, or comes without a name
    with pytest.raises(stripe.InvalidRequestError) as taken:
        v1.entitlements.features.create({"name": "Other", "lookup_key": "exports"})
    with pytest.raises(stripe.InvalidRequestError) as unnamed:
        v1.entitlements.features.create({"lookup_key": "seats"})  # type: ignore[typeddict-item]
    # Then both are refused
    assert (taken.value.param, taken.value.code) == ("lookup_key", "resource_already_exists")
    assert (unnamed.value.param, unnamed.value.code) == ("name", "parameter_missing")


def test_features_are_attached_to_a_product_listed_retrieved_and_detached(emu: Emu):
    v1 = emu.client.v1
    # Given a product and two features
    product = v1.products.create({"name": "Plan A"})
    other = v1.products.create({"name": "Plan B"})
    exports = v1.entitlements.features.create({"name": "Exports", "lookup_key": "exports"})
    api = v1.entitlements.features.create({"name": "API", "lookup_key": "api"})
    # When both are attached and one detached
    first = v1.products.features.create(product.id, {"entitlement_feature": exports.id})
    second = v1.products.features.create(product.id, {"entitlement_feature": api.id})
    deleted = v1.products.features.delete(product.id, first.id)
    # Then the product lists the one left, with the feature embedded, and only under its own product
    assert (second.object, second.entitlement_feature.id, second.entitlement_feature.lookup_key) == (
        "product_feature", api.id, "api")
    assert deleted.deleted is True
    assert [pf.id for pf in v1.products.features.list(product.id)] == [second.id]
    assert v1.products.features.retrieve(product.id, second.id).entitlement_feature.id == api.id
    with pytest.raises(stripe.InvalidRequestError) as elsewhere:
        v1.products.features.retrieve(other.id, second.id)
    assert elsewhere.value.http_status == 404


def test_a_feature_is_attached_once_and_an_archived_one_not_at_all(emu: Emu):
    v1 = emu.client.v1
    # Given a feature attached to a product, and an archived feature
    product = v1.products.create({"name": "Plan A"})
    exports = v1.entitlements.features.create({"name": "Exports", "lookup_key": "exports"})
    v1.products.features.create(product.id, {"entitlement_feature": exports.id})
    old = v1.entitlements.features.create({"name": "Old", "lookup_key": "old"})
    v1.entitlements.features.update(old.id, {"active": False})
    # When each is attached (again)
    with pytest.raises(stripe.InvalidRequestError) as twice:
        v1.products.features.create(product.id, {"entitlement_feature": exports.id})
    with pytest.raises(stripe.InvalidRequestError) as archived:
        v1.products.features.create(product.id, {"entitlement_feature": old.id})
    # Then both are refused
    assert twice.value.code == "resource_already_exists"
    assert archived.value.param == "entitlement_feature"


# --- active entitlements and the summary event ---------------------------------------------------------------------


def test_a_subscription_grants_its_products_features_and_announces_them_by_webhook(emu: Emu, receiver: Receiver):
    # Given plan A granting `exports` and `api`, and a webhook endpoint
    emu.client.v1.webhook_endpoints.create({"url": receiver.url, "enabled_events": [SUMMARY]})
    plan_a = _plan(emu, "Plan A", "exports", "api")
    # When a customer subscribes through Checkout
    sub = emu.subscribe(plan_a)
    # Then the customer holds both entitlements, and the summary event says so
    assert _active(emu, sub.customer) == ["api", "exports"]
    emu.server.wait_for_deliveries(timeout=10)
    summaries = [e for e in receiver.events() if e["type"] == SUMMARY]
    assert len(summaries) == 1
    summary = summaries[0]["data"]["object"]
    assert (summary["object"], summary["customer"], summary["livemode"]) == (
        "entitlements.active_entitlement_summary", sub.customer, False)
    assert sorted(e["lookup_key"] for e in summary["entitlements"]["data"]) == ["api", "exports"]
    assert summaries[0]["data"]["previous_attributes"]["entitlements"]["data"] == []


def test_an_active_entitlement_is_retrieved_and_expands_its_feature(emu: Emu):
    v1 = emu.client.v1
    # Given a subscribed customer
    sub = emu.subscribe(_plan(emu, "Plan A", "exports"))
    entitlement = v1.entitlements.active_entitlements.list({"customer": sub.customer}).data[0]
    # When the entitlement is retrieved with its feature expanded
    got = v1.entitlements.active_entitlements.retrieve(entitlement.id, {"expand": ["feature"]})
    # Then it is the customer's, naming the feature
    assert (got.object, got.lookup_key, got.feature.object, got.feature.lookup_key) == (
        "entitlements.active_entitlement", "exports", "entitlements.feature", "exports")


def test_listing_active_entitlements_needs_a_customer(emu: Emu):
    # Given no customer parameter, When the list is asked for, Then it is refused as Stripe refuses it
    with pytest.raises(stripe.InvalidRequestError) as missing:
        emu.client.v1.entitlements.active_entitlements.list({})  # type: ignore[typeddict-item]
    assert (missing.value.param, missing.value.code) == ("customer", "parameter_missing")


def test_a_plan_change_swaps_the_entitlements_and_an_upgrade_keeps_shared_ones(emu: Emu):
    v1 = emu.client.v1
    # Given a customer on plan A (exports, api), and plan B (exports, sso)
    plan_a = _plan(emu, "Plan A", "exports", "api")
    plan_b = _plan(emu, "Plan B", "exports", "sso", amount=3000)
    sub = emu.subscribe(plan_a)
    kept = {e.lookup_key: e.id for e in v1.entitlements.active_entitlements.list({"customer": sub.customer})}
    # When the subscription moves to plan B
    v1.subscriptions.update(sub.id, {"items": [{"id": sub["items"].data[0].id, "price": plan_b.id}]})
    # Then the customer holds B's features; the shared one kept its entitlement; one summary per change
    now = {e.lookup_key: e.id for e in v1.entitlements.active_entitlements.list({"customer": sub.customer})}
    assert sorted(now) == ["exports", "sso"]
    assert now["exports"] == kept["exports"]
    assert _summaries(emu, sub.customer) == [["api", "exports"], ["exports", "sso"]]


def test_past_due_keeps_the_entitlements_and_the_end_of_retries_removes_them(emu: Emu):
    # Given a subscriber on a test clock whose card will fail
    clock = emu.clock(FROZEN)
    sub = emu.subscribe(_plan(emu, "Plan A", "exports"), clock=clock)
    emu.admin("POST", f"/customers/{sub.customer}/card", {"card": "4000000000000341"})
    # When the renewal fails (charged an hour after the period's end)
    emu.advance(clock, 31 * DAY + 3600)
    status = emu.client.v1.subscriptions.retrieve(sub.id).status
    held_while_past_due = _active(emu, sub.customer)
    # ... and every retry fails, canceling it (Smart Retries: the last within two weeks of the first attempt)
    emu.advance(clock, 15 * DAY)
    # Then past_due kept the entitlements, the cancellation removed them with one more summary
    assert status == "past_due" and held_while_past_due == ["exports"]
    assert emu.client.v1.subscriptions.retrieve(sub.id).status == "canceled"
    assert _active(emu, sub.customer) == []
    assert _summaries(emu, sub.customer) == [["exports"], []]


def test_cancel_at_period_end_keeps_access_until_the_period_ends(emu: Emu):
    v1 = emu.client.v1
    # Given a subscriber on a test clock who cancels at the end of the period
    clock = emu.clock(FROZEN)
    sub = emu.subscribe(_plan(emu, "Plan A", "exports"), clock=clock)
    v1.subscriptions.update(sub.id, {"cancel_at_period_end": True})
    held_after_request = _active(emu, sub.customer)
    # When the period ends
    emu.advance(clock, 32 * DAY)
    # Then access lasted until then, and went with the subscription
    assert held_after_request == ["exports"]
    assert _active(emu, sub.customer) == []
    assert _summaries(emu, sub.customer) == [["exports"], []]


def test_an_incomplete_subscription_grants_nothing_until_its_payment_completes(emu: Emu):
    # Given a customer's checkout whose card asks for 3-D Secure
    plan = _plan(emu, "Plan A", "exports")
    customer = emu.client.v1.customers.create({"email": "buyer@example.com"}).id
    result = emu.pay(emu.session(plan, customer=customer).id, "4000000000003220")
    held_before = _active(emu, customer)
    # When the customer completes the challenge
    emu.admin("POST", f"/payment_intents/{result['payment_intent']}/authenticate", {"outcome": "complete"})
    # Then the entitlement came only with the payment
    assert held_before == []
    assert _active(emu, customer) == ["exports"]
    assert _summaries(emu, customer) == [["exports"]]


def test_attaching_a_feature_to_a_subscribed_product_updates_its_customers(emu: Emu):
    v1 = emu.client.v1
    # Given a subscriber to plan A (exports)
    plan = _plan(emu, "Plan A", "exports")
    sub = emu.subscribe(plan)
    sso = v1.entitlements.features.create({"name": "SSO", "lookup_key": "sso"})
    # When a feature is attached to plan A's product, then the first one detached
    attached = v1.products.features.create(plan.product, {"entitlement_feature": sso.id})
    first = next(pf for pf in v1.products.features.list(plan.product) if pf.id != attached.id)
    v1.products.features.delete(plan.product, first.id)
    # Then the subscriber's entitlements followed each change
    assert _active(emu, sub.customer) == ["sso"]
    assert _summaries(emu, sub.customer) == [["exports"], ["exports", "sso"], ["sso"]]


def test_customers_never_see_each_others_entitlements(emu: Emu, server):
    # Given a subscriber in one account and another account
    sub = emu.subscribe(_plan(emu, "Plan A", "exports"))
    entitlement = emu.client.v1.entitlements.active_entitlements.list({"customer": sub.customer}).data[0]
    other = Emu(server, name="Other")
    # When the other account asks for them
    with pytest.raises(stripe.InvalidRequestError) as listed:
        other.client.v1.entitlements.active_entitlements.list({"customer": sub.customer})
    with pytest.raises(stripe.InvalidRequestError) as retrieved:
        other.client.v1.entitlements.active_entitlements.retrieve(entitlement.id)
    # Then neither the customer nor the entitlement exists there
    assert listed.value.code == retrieved.value.code == "resource_missing"
