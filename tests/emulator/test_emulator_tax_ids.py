"""Customer tax ids through the SDK: create, list, retrieve, delete, events and test-mode verification."""

from __future__ import annotations

import pytest
import stripe

from stripe_emulator.conformance.objects import Report, check_object
from stripe_emulator.conformance.harness import Emu


def test_tax_ids_are_created_listed_retrieved_and_deleted_with_events(emu: Emu):
    # Given a customer
    customer = emu.client.v1.customers.create({"email": "vat@example.com"})
    # When two tax ids are added, one read back and one deleted
    vat = emu.client.v1.customers.tax_ids.create(customer.id, {"type": "eu_vat", "value": "DE123456789"})
    ein = emu.client.v1.customers.tax_ids.create(customer.id, {"type": "us_ein", "value": "12-3456789"})
    read = emu.client.v1.customers.tax_ids.retrieve(customer.id, vat.id)
    deleted = emu.client.v1.customers.tax_ids.delete(customer.id, ein.id)
    # Then the customer keeps the VAT id, verified in test mode, with its country, and events tell each change
    assert (read.type, read.value, read.country, read.verification.status) == ("eu_vat", "DE123456789", "DE",
                                                                            "verified")
    assert read.owner.type == "customer" and read.owner.customer == customer.id
    assert deleted.deleted is True
    assert [t.id for t in emu.client.v1.customers.tax_ids.list(customer.id).data] == [vat.id]
    assert emu.types()[-3:] == ["customer.tax_id.created", "customer.tax_id.created", "customer.tax_id.deleted"]
    report = Report()
    check_object(report, read.to_dict(), "tax_id")
    assert report.mismatches == []


def test_unknown_types_and_other_customers_tax_ids_are_refused(emu: Emu):
    # Given two customers and a tax id of the first
    one = emu.client.v1.customers.create({"email": "1@example.com"})
    two = emu.client.v1.customers.create({"email": "2@example.com"})
    vat = emu.client.v1.customers.tax_ids.create(one.id, {"type": "gb_vat", "value": "GB111111111"})
    # When / Then: an unverifiable value is unverified, an unknown type 400, another customer's id 404
    assert vat.verification.status == "unverified"
    with pytest.raises(stripe.InvalidRequestError):
        emu.client.v1.customers.tax_ids.create(one.id, {"type": "xx_vat", "value": "1"})
    with pytest.raises(stripe.InvalidRequestError) as raised:
        emu.client.v1.customers.tax_ids.retrieve(two.id, vat.id)
    assert raised.value.http_status == 404
