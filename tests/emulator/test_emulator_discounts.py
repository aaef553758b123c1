"""Coupons, promotion codes and discounts: on Checkout (given or typed as a code), on subscriptions, and in the
invoice amounts over time (once, repeating, forever)."""

from __future__ import annotations

import pytest
import requests
import stripe

from stripe_emulator.conformance.objects import Report, check_object
from stripe_emulator.conformance.harness import DAY, Emu


def _mismatches(*objects: stripe.StripeObject) -> list[str]:
    report = Report()
    for obj in objects:
        check_object(report, obj.to_dict(), "answer")
    return report.mismatches


def _invoice_totals(emu: Emu, sub_id: str) -> list[tuple[int, int]]:
    """(subtotal, total) of the subscription's invoices, oldest first."""
    invoices = emu.client.v1.invoices.list({"subscription": sub_id, "limit": 100}).data
    return [(i.subtotal, i.total) for i in reversed(invoices)]


def _subscription_with(emu: Emu, coupon: stripe.Coupon, months: int) -> list[tuple[int, int]]:
    """A $20/month subscription on a test clock with the coupon, renewed `months` times."""
    clock = emu.clock()
    customer = emu.client.v1.customers.create({"test_clock": clock.id, "payment_method": "pm_card_visa"})
    sub = emu.client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": emu.price(2000).id}],
                                              "discounts": [{"coupon": coupon.id}]})
    for _ in range(months):
        clock = emu.advance(clock, 31 * DAY)
    return _invoice_totals(emu, sub.id)


@pytest.mark.parametrize("spec, totals", [
    ({"percent_off": 25, "duration": "once"}, [(2000, 1500), (2000, 2000), (2000, 2000)]),
    ({"amount_off": 500, "currency": "usd", "duration": "repeating", "duration_in_months": 2},
     [(2000, 1500), (2000, 1500), (2000, 2000)]),
    ({"percent_off": 10, "duration": "forever"}, [(2000, 1800), (2000, 1800), (2000, 1800)]),
])
def test_coupon_durations_show_in_the_invoice_amounts(emu: Emu, spec, totals):
    # Given a coupon / When a subscription carrying it renews twice
    coupon = emu.client.v1.coupons.create(spec)
    # Then its invoices are discounted as the duration says
    assert _subscription_with(emu, coupon, 2) == totals


def test_invoice_discount_fields_name_the_discount(emu: Emu):
    # Given a subscription created with a 25% coupon
    coupon = emu.client.v1.coupons.create({"percent_off": 25, "duration": "forever", "name": "Launch"})
    customer = emu.client.v1.customers.create({"payment_method": "pm_card_visa"})
    sub = emu.client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": emu.price(2000).id}],
                                              "discounts": [{"coupon": coupon.id}]})
    # When its invoice and discount are read
    invoice = emu.client.v1.invoices.retrieve(sub.latest_invoice)
    [discount] = invoice.discounts
    # Then the invoice, its line and the subscription name the same discount, and the amount charged is discounted
    assert discount.startswith("di_") and sub.discounts == [discount]
    assert (invoice.total_discount_amounts[0].amount, invoice.total_discount_amounts[0].discount) == (500, discount)
    assert invoice.amount_paid == 1500 and invoice.subtotal == 2000
    assert invoice.lines.data[0].discount_amounts[0].amount == 500
    assert emu.client.v1.coupons.retrieve(coupon.id).times_redeemed == 1
    assert _mismatches(invoice, emu.client.v1.coupons.retrieve(coupon.id), sub) == []


def test_checkout_discounts_lower_the_session_and_its_payment(emu: Emu):
    # Given a coupon of $5 off
    coupon = emu.client.v1.coupons.create({"amount_off": 500, "currency": "usd"})
    # When a $30 payment session carries it and is paid
    session = emu.session(emu.price(3000, interval=None), discounts=[{"coupon": coupon.id}])
    paid = emu.pay(session.id)
    # Then the session totals and the payment are $25
    assert (session.amount_subtotal, session.amount_total, session.total_details.amount_discount) == (3000, 2500,
                                                                                                     500)
    assert emu.client.v1.payment_intents.retrieve(paid["payment_intent"]).amount == 2500
    assert session.discounts[0].coupon == coupon.id


def test_promotion_code_typed_on_checkout_discounts_the_subscription(emu: Emu):
    # Given a promotion code for 50% off once, and a session that allows codes
    coupon = emu.client.v1.coupons.create({"percent_off": 50, "duration": "once"})
    promo = emu.client.v1.promotion_codes.create({"promotion": {"type": "coupon", "coupon": coupon.id},
                                                  "code": "HALF"})
    session = emu.session(emu.price(2000), allow_promotion_codes=True)
    assert session.allow_promotion_codes is True
    # When the buyer types the code in the pay shortcut
    paid = emu.pay(session.id, promotion_code="half")
    # Then the first invoice is half price and the code counts one redemption
    sub = emu.client.v1.subscriptions.retrieve(paid["session"]["subscription"])
    assert _invoice_totals(emu, sub.id) == [(2000, 1000)]
    assert paid["session"]["total_details"]["amount_discount"] == 1000
    assert emu.client.v1.promotion_codes.retrieve(promo.id).times_redeemed == 1
    assert _mismatches(emu.client.v1.promotion_codes.retrieve(promo.id)) == []


def test_hosted_page_has_a_promotion_code_field_only_when_codes_are_allowed(emu: Emu):
    # Given sessions with and without allow_promotion_codes
    price = emu.price(2000, interval=None)
    allowed, plain = emu.session(price, allow_promotion_codes=True), emu.session(price)
    # When their pages are opened / Then only the first asks for a code
    assert 'name="promotion_code"' in requests.get(allowed.url, timeout=10).text
    assert 'name="promotion_code"' not in requests.get(plain.url, timeout=10).text


def test_codes_and_coupons_are_checked_as_stripe_does(emu: Emu):
    # Given a code limited to one redemption, and a session that does not take codes
    coupon = emu.client.v1.coupons.create({"percent_off": 10})
    emu.client.v1.promotion_codes.create({"promotion": {"type": "coupon", "coupon": coupon.id}, "code": "ONE",
                                          "max_redemptions": 1})
    price = emu.price(2000, interval=None)
    assert emu.pay(emu.session(price, allow_promotion_codes=True).id, promotion_code="ONE")["status"] == "succeeded"
    # When / Then: a used-up code, a session without codes, discounts with allow_promotion_codes, an unknown coupon
    used = emu.admin("POST", f"/checkout/{emu.session(price, allow_promotion_codes=True).id}/pay",
                     {"card": "4242424242424242", "promotion_code": "ONE"})
    assert used.status_code == 400 and used.json()["error"]["code"] == "promotion_code_invalid"
    assert emu.admin("POST", f"/checkout/{emu.session(price).id}/pay",
                     {"card": "4242424242424242", "promotion_code": "ONE"}).status_code == 400
    with pytest.raises(stripe.InvalidRequestError):
        emu.session(price, allow_promotion_codes=True, discounts=[{"coupon": coupon.id}])
    with pytest.raises(stripe.InvalidRequestError):
        emu.session(price, discounts=[{"coupon": "NOPE"}])
    with pytest.raises(stripe.InvalidRequestError):
        emu.client.v1.coupons.create({"percent_off": 10, "duration": "repeating"})


def test_coupons_crud(emu: Emu):
    # Given a coupon with a chosen id / When it is updated, listed and deleted
    coupon = emu.client.v1.coupons.create({"id": "SUMMER", "percent_off": 15, "metadata": {"a": "1"}})
    updated = emu.client.v1.coupons.update("SUMMER", {"name": "Summer sale"})
    listed = [c.id for c in emu.client.v1.coupons.list().data]
    deleted = emu.client.v1.coupons.delete("SUMMER")
    # Then each step answers as Stripe does, and the deleted coupon is gone
    assert coupon.id == "SUMMER" and updated.name == "Summer sale" and listed == ["SUMMER"]
    assert deleted.deleted is True
    with pytest.raises(stripe.InvalidRequestError):
        emu.client.v1.coupons.retrieve("SUMMER")
    assert emu.types()[-3:] == ["coupon.created", "coupon.updated", "coupon.deleted"]
