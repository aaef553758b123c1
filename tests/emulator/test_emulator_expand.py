"""`expand[]` as Stripe does it: the fields the SDK types expandable, through nested hashes and lists, four levels at
most, and Stripe's 400 for anything else."""

from __future__ import annotations

import pytest
import stripe

from stripe_emulator.conformance.harness import Emu


def _paid_charge(emu: Emu) -> stripe.Charge:
    customer = emu.client.v1.customers.create({"email": "a@example.com", "payment_method": "pm_card_visa",
                                               "invoice_settings": {"default_payment_method": "pm_card_visa"}})
    intent = emu.client.v1.payment_intents.create({"amount": 700, "currency": "usd", "customer": customer.id,
                                                   "payment_method": "pm_card_visa", "confirm": True})
    return emu.client.v1.charges.retrieve(intent.latest_charge)


def test_a_path_of_four_levels_through_objects_and_hashes_is_expanded(emu: Emu):
    # Given a paid charge of a customer with a default payment method
    charge = _paid_charge(emu)
    # When it is retrieved with a four-level path and its balance transaction
    expanded = emu.client.v1.charges.retrieve(charge.id, {"expand": [
        "payment_intent.customer.invoice_settings.default_payment_method", "balance_transaction"]})
    # Then each step became its object
    customer = expanded.payment_intent.customer
    assert customer.object == "customer" and customer.invoice_settings.default_payment_method.object == "payment_method"
    assert expanded.balance_transaction.id == charge.balance_transaction
    assert expanded.balance_transaction.object == "balance_transaction"


def test_data_paths_expand_every_item_of_a_list(emu: Emu):
    # Given two paid charges
    _paid_charge(emu), _paid_charge(emu)
    # When charges are listed with data.customer and data.payment_intent.payment_method
    page = emu.client.v1.charges.list({"expand": ["data.customer", "data.payment_intent.payment_method"]})
    # Then every item carries the objects
    assert [c.customer.object for c in page.data] == ["customer", "customer"]
    assert [c.payment_intent.payment_method.object for c in page.data] == ["payment_method", "payment_method"]


@pytest.mark.parametrize("path, named", [
    ("metadata", "metadata"), ("id", "id"), ("currency", "currency"), ("outcome", "outcome"),
    ("customer.email", "email"), ("nothing_here", "nothing_here"),
])
def test_what_the_sdk_does_not_type_expandable_is_refused(emu: Emu, path, named):
    # Given a paid charge
    charge = _paid_charge(emu)
    # When a field that is not expandable is named in expand[]
    with pytest.raises(stripe.InvalidRequestError) as refused:
        emu.client.v1.charges.retrieve(charge.id, {"expand": [path]})
    # Then Stripe's 400 names the property
    assert refused.value.http_status == 400
    assert refused.value.user_message == f"This property cannot be expanded ({named})."


def test_more_than_four_levels_are_refused(emu: Emu):
    # Given a paid charge
    _paid_charge(emu)
    # When a list asks for five levels
    with pytest.raises(stripe.InvalidRequestError) as refused:
        emu.client.v1.charges.list({"expand": ["data.payment_intent.customer.invoice_settings.default_payment_method"]})
    # Then it is refused as Stripe refuses it
    assert refused.value.http_status == 400 and "more than 4 levels" in refused.value.user_message


def test_a_list_suggests_the_data_path(emu: Emu):
    # Given a paid charge
    _paid_charge(emu)
    # When a list is asked to expand a field of its items without data.
    with pytest.raises(stripe.InvalidRequestError) as refused:
        emu.client.v1.charges.list({"expand": ["customer"]})
    # Then Stripe's message points at data.customer
    assert refused.value.user_message == ("This property cannot be expanded (customer). You may want to try "
                                          "expanding 'data.customer' instead.")
