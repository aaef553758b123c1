"""`owner_project`: which PayKit project an object names in the metadata PayKit's checkout writes (decision 12),
in every shape an event's object carries it."""
from __future__ import annotations

import pytest

from paykit.stripe_objects import owner_project

OURS = {"user_id": "u1", "project_id": "p-1"}


@pytest.mark.parametrize("obj", [
    {"object": "subscription", "metadata": OURS},
    {"object": "checkout.session", "metadata": {**OURS, "plan": "pro"}},
    {"object": "payment_intent", "metadata": OURS},
    {"object": "invoice", "metadata": {}, "parent": {"subscription_details": {"subscription": "sub_1",
                                                                              "metadata": OURS}}},
    {"object": "invoice", "subscription": "sub_1", "subscription_details": {"metadata": OURS}},  # older shape
    {"object": "charge", "metadata": {}, "payment_intent": {"id": "pi_1", "metadata": OURS}},  # expanded
], ids=["subscription", "session", "payment_intent", "invoice", "invoice_before_2025", "charge_expanded_intent"])
def test_the_project_is_read_where_each_object_carries_it(obj):
    assert owner_project(obj) == "p-1"


@pytest.mark.parametrize("obj", [
    {"object": "subscription", "metadata": {}},  # made in Stripe's dashboard
    {"object": "invoice", "parent": None, "subscription": "sub_1"},
    {"object": "charge", "metadata": {"order": "42"}, "payment_intent": "pi_1"},
    {"object": "subscription", "metadata": {"project_id": ""}},
    {"object": "entitlements.active_entitlement_summary", "customer": "cus_1"},
])
def test_an_object_without_paykits_metadata_names_no_project(obj):
    assert owner_project(obj) is None
