"""`billing_cycle_anchor` and `billing_cycle_anchor_config` on subscription creation: a stub period up to the anchor,
prorated unless `proration_behavior=none`, then full periods aligned to it (after a trial too)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import stripe

from stripe_emulator.conformance.harness import DAY, Emu

HOUR = 3600


def _ts(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


def _customer_on_clock(emu: Emu, frozen: int) -> tuple:
    """A customer with a working default card on a test clock frozen at `frozen`."""
    clock = emu.clock(frozen)
    customer = emu.client.v1.customers.create({"email": "a@example.com", "test_clock": clock.id})
    emu.admin("POST", f"/customers/{customer.id}/card", {"card": "4242424242424242"})
    return clock, customer


def _periods(emu: Emu, sub_id: str) -> tuple[int, int]:
    item = emu.client.v1.subscriptions.retrieve(sub_id)["items"].data[0]
    return item.current_period_start, item.current_period_end


def _latest_invoice(emu: Emu, sub_id: str) -> stripe.Invoice:
    return emu.client.v1.invoices.retrieve(emu.client.v1.subscriptions.retrieve(sub_id).latest_invoice)


def test_an_anchor_prorates_the_first_invoice_up_to_it_then_bills_full_periods_on_it(emu: Emu):
    # Given a customer on Jan 15 and a $31 monthly price
    now, anchor = _ts(2026, 1, 15), _ts(2026, 2, 1)
    clock, customer = _customer_on_clock(emu, now)
    price = emu.price(3100, name="Pro")
    # When they subscribe anchored on Feb 1
    sub = emu.client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id}],
                                              "billing_cycle_anchor": anchor})
    # Then the first invoice charges the 17 days to the anchor, as a proration of January, and the stub is the period
    assert (sub.status, sub.billing_cycle_anchor) == ("active", anchor)
    assert _periods(emu, sub.id) == (now, anchor)
    first = emu.client.v1.invoices.retrieve(sub.latest_invoice)
    assert (first.billing_reason, first.status, first.amount_paid) == ("subscription_create", "paid",
                                                                       round(3100 * 17 / 31))
    line = first.lines.data[0]
    assert (line.period.start, line.period.end) == (now, anchor)
    assert line.parent.subscription_item_details.proration is True
    # When the anchor passes, and a month more
    emu.advance(clock, anchor - now + HOUR)
    renewal = _latest_invoice(emu, sub.id)
    first_full = _periods(emu, sub.id)
    emu.advance(clock, 28 * DAY)
    # Then each renewal bills a full month, on the 1st
    assert (renewal.billing_reason, renewal.amount_paid) == ("subscription_cycle", 3100)
    assert first_full == (anchor, _ts(2026, 3, 1))
    assert _periods(emu, sub.id) == (_ts(2026, 3, 1), _ts(2026, 4, 1))


def test_an_anchor_with_proration_behavior_none_makes_the_stub_free(emu: Emu):
    # Given a customer on Jan 15
    now, anchor = _ts(2026, 1, 15), _ts(2026, 2, 1)
    clock, customer = _customer_on_clock(emu, now)
    price = emu.price(3100)
    # When they subscribe anchored on Feb 1 without prorations
    sub = emu.client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id}],
                                              "billing_cycle_anchor": anchor, "proration_behavior": "none"})
    # Then the subscription is active on a $0 first invoice until the anchor
    first = emu.client.v1.invoices.retrieve(sub.latest_invoice)
    assert (sub.status, first.amount_due, first.status) == ("active", 0, "paid")
    assert _periods(emu, sub.id) == (now, anchor)
    # And the anchor bills the first full month
    emu.advance(clock, anchor - now + HOUR)
    assert _latest_invoice(emu, sub.id).amount_paid == 3100


def test_a_trial_before_the_anchor_is_followed_by_a_prorated_period_up_to_it(emu: Emu):
    # Given a customer on Jan 15
    now, trial_end, anchor = _ts(2026, 1, 15), _ts(2026, 1, 22), _ts(2026, 2, 1)
    clock, customer = _customer_on_clock(emu, now)
    price = emu.price(3100)
    # When they subscribe with a trial to Jan 22 and an anchor on Feb 1
    sub = emu.client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id}],
                                              "trial_end": trial_end, "billing_cycle_anchor": anchor})
    # Then the trial is free and keeps the anchor
    assert (sub.status, sub.trial_end, sub.billing_cycle_anchor) == ("trialing", trial_end, anchor)
    assert emu.client.v1.invoices.retrieve(sub.latest_invoice).amount_due == 0
    # When the trial ends, the 10 days to the anchor are charged prorated
    emu.advance(clock, trial_end - now + HOUR)
    stub = _latest_invoice(emu, sub.id)
    assert (stub.amount_paid, emu.client.v1.subscriptions.retrieve(sub.id).status) == (1000, "active")
    assert _periods(emu, sub.id) == (trial_end, anchor)
    # And the anchor starts full months
    emu.advance(clock, anchor - trial_end)
    assert _latest_invoice(emu, sub.id).amount_paid == 3100
    assert _periods(emu, sub.id) == (anchor, _ts(2026, 3, 1))


def test_an_anchor_config_on_the_31st_bills_on_each_months_last_day_when_shorter(emu: Emu):
    # Given a customer on Feb 10
    now = _ts(2026, 2, 10, 9, 30)
    clock, customer = _customer_on_clock(emu, now)
    price = emu.price(2800)
    # When they subscribe with the anchor on the 31st at midnight
    sub = emu.client.v1.subscriptions.create({
        "customer": customer.id, "items": [{"price": price.id}],
        "billing_cycle_anchor_config": {"day_of_month": 31, "hour": 0, "minute": 0, "second": 0}})
    # Then the anchor is February's last day, and the config is echoed
    assert sub.billing_cycle_anchor == _ts(2026, 2, 28)
    config = sub.billing_cycle_anchor_config
    assert (config.day_of_month, config.hour, config.minute, config.second, config.month) == (31, 0, 0, 0, None)
    # When two periods pass
    emu.advance(clock, _ts(2026, 2, 28) - now + HOUR)
    march = _periods(emu, sub.id)
    emu.advance(clock, 31 * DAY)
    # Then the periods end on March 31 and April 30
    assert march == (_ts(2026, 2, 28), _ts(2026, 3, 31))
    assert _periods(emu, sub.id) == (_ts(2026, 3, 31), _ts(2026, 4, 30))


@pytest.mark.parametrize("extra, param", [
    ({"billing_cycle_anchor": "late"}, "billing_cycle_anchor"),
    ({"billing_cycle_anchor": "past"}, "billing_cycle_anchor"),
    ({"billing_cycle_anchor": "before_trial", "trial_period_days": 7}, "billing_cycle_anchor"),
    ({"billing_cycle_anchor": "soon", "billing_cycle_anchor_config": {"day_of_month": 1}},
     "billing_cycle_anchor_config"),
    ({"billing_cycle_anchor_config": {"day_of_month": 32}}, "billing_cycle_anchor_config[day_of_month]"),
])
def test_an_anchor_stripe_would_refuse_is_refused(emu: Emu, extra, param):
    # Given a customer on Jan 15
    now = _ts(2026, 1, 15)
    clock, customer = _customer_on_clock(emu, now)
    price = emu.price(3100)
    times = {"late": _ts(2026, 2, 16), "past": now - DAY, "before_trial": now + 3 * DAY, "soon": now + DAY}
    if "billing_cycle_anchor" in extra:
        extra = {**extra, "billing_cycle_anchor": times[extra["billing_cycle_anchor"]]}
    # When a subscription asks for an anchor after the next natural billing date, in the past, inside the trial,
    # both forms at once, or an impossible day
    with pytest.raises(stripe.InvalidRequestError) as refused:
        emu.client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id}], **extra})
    # Then Stripe's 400 names the parameter and no subscription exists
    assert (refused.value.http_status, refused.value.param) == (400, param)
    assert emu.client.v1.subscriptions.list({"customer": customer.id}).data == []


def test_an_anchor_config_is_refused_for_a_weekly_price(emu: Emu):
    # Given a customer and a weekly price
    clock, customer = _customer_on_clock(emu, _ts(2026, 1, 15))
    price = emu.price(700, "week")
    # When a subscription asks for an anchor config
    with pytest.raises(stripe.InvalidRequestError) as refused:
        emu.client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id}],
                                            "billing_cycle_anchor_config": {"day_of_month": 1}})
    # Then it is refused: the config only fits monthly and yearly prices
    assert refused.value.param == "billing_cycle_anchor_config"
