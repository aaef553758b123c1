"""Billing Meters in the emulator through the official SDK: meters, meter events, event summaries, and metered
prices whose usage renewal invoices bill."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from stripe_emulator.conformance.harness import DAY, Emu

FROZEN = 1_767_225_600  # 2026-01-01T00:00:00Z
HOUR = 3600


def _meter(emu: Emu, event_name: str = "exports", formula: str = "sum", **extra: Any) -> stripe.billing.Meter:
    return emu.client.v1.billing.meters.create({"display_name": event_name.title(), "event_name": event_name,
                                                "default_aggregation": {"formula": formula}, **extra})


def _metered_price(emu: Emu, meter: stripe.billing.Meter, unit_amount: int = 5, **extra: Any) -> stripe.Price:
    return emu.price(unit_amount, None, name="Exports", recurring={"interval": "month", "usage_type": "metered",
                                                                   "meter": meter.id}, **extra)


def _report(emu: Emu, customer: str, value: Any = 1, event_name: str = "exports", **extra: Any) -> Any:
    return emu.client.v1.billing.meter_events.create(
        {"event_name": event_name, "payload": {"stripe_customer_id": customer, "value": str(value)}, **extra})


def _customer(emu: Emu, clock: Any = None) -> stripe.Customer:
    return emu.client.v1.customers.create({"email": "buyer@example.com", "payment_method": "pm_card_visa",
                                           "invoice_settings": {"default_payment_method": "pm_card_visa"},
                                           **({"test_clock": clock.id} if clock else {})})


def _summary(emu: Emu, meter: stripe.billing.Meter, customer: str, start: int, end: int, **extra: Any) -> list:
    return [(s.start_time, s.end_time, s.aggregated_value) for s in emu.client.v1.billing.meters.event_summaries.list(
        meter.id, {"customer": customer, "start_time": start, "end_time": end, "limit": 100, **extra})]


# --- meters -------------------------------------------------------------------------------------------------------


def test_a_meter_is_created_renamed_deactivated_reactivated_and_listed_by_status(emu: Emu):
    v1 = emu.client.v1
    # Given a meter with its defaults, and another one
    meter = _meter(emu)
    other = _meter(emu, "api_calls", "count")
    # When it is renamed and deactivated
    v1.billing.meters.update(meter.id, {"display_name": "CSV exports"})
    inactive = v1.billing.meters.deactivate(meter.id)
    # Then it keeps its settings, lists as inactive, and each step was an event
    assert (meter.object, meter.status, meter.default_aggregation.formula) == ("billing.meter", "active", "sum")
    assert meter.customer_mapping.to_dict() == {"event_payload_key": "stripe_customer_id", "type": "by_id"}
    assert meter.value_settings.event_payload_key == "value"
    assert (inactive.status, inactive.display_name) == ("inactive", "CSV exports")
    assert inactive.status_transitions.deactivated_at is not None
    assert [m.id for m in v1.billing.meters.list({"status": "inactive"})] == [meter.id]
    assert [m.id for m in v1.billing.meters.list({"status": "active"})] == [other.id]
    assert v1.billing.meters.reactivate(meter.id).status_transitions.deactivated_at is None
    assert emu.types(type="billing.meter.*") == ["billing.meter.created", "billing.meter.created",
                                                 "billing.meter.updated", "billing.meter.deactivated",
                                                 "billing.meter.reactivated"]


def test_an_event_name_feeds_one_active_meter(emu: Emu):
    # Given an active meter
    meter = _meter(emu)
    # When another meter takes its event name, before and after the first is deactivated
    with pytest.raises(stripe.InvalidRequestError) as taken:
        _meter(emu)
    emu.client.v1.billing.meters.deactivate(meter.id)
    second = _meter(emu)
    # Then only a free name is accepted
    assert taken.value.param == "event_name"
    assert second.event_name == "exports"


def test_a_meter_needs_a_known_formula(emu: Emu):
    # Given a formula Stripe does not have, When a meter is created with it, Then it is refused
    with pytest.raises(stripe.InvalidRequestError) as refused:
        _meter(emu, formula="max")
    assert refused.value.param == "default_aggregation[formula]"


# --- meter events and summaries -----------------------------------------------------------------------------------


def test_a_meter_event_echoes_what_was_recorded(emu: Emu):
    # Given a meter and a customer
    _meter(emu)
    customer = _customer(emu)
    # When usage is reported with an identifier and a timestamp
    event = _report(emu, customer.id, 25, identifier="use-1", timestamp=customer.created - 60)
    # Then the event is Stripe's meter event
    assert (event.object, event.event_name, event.identifier, event.timestamp) == (
        "billing.meter_event", "exports", "use-1", customer.created - 60)
    assert event.payload.to_dict() == {"stripe_customer_id": customer.id, "value": "25"}


def test_a_repeated_identifier_is_refused_within_24_hours_and_counted_once(emu: Emu):
    # Given a meter, a customer and a first report
    meter = _meter(emu)
    customer = _customer(emu)
    start = customer.created - customer.created % 60
    _report(emu, customer.id, 10, identifier="use-1")
    # When the same identifier is reported again, then a day later
    with pytest.raises(stripe.InvalidRequestError) as repeated:
        _report(emu, customer.id, 10, identifier="use-1")
    emu.admin("POST", "/advance", {"seconds": DAY + 60},
              headers={"Authorization": f"Bearer {emu.account['test_secret_key']}"})
    later = _report(emu, customer.id, 10, identifier="use-1")
    # Then the repeat was refused and not counted; after 24 hours the identifier is free again
    assert repeated.value.http_status == 400 and repeated.value.code is None
    assert repeated.value.user_message == "An event already exists with identifier use-1."  # Stripe's words
    assert later.identifier == "use-1"
    assert _summary(emu, meter, customer.id, start, start + 2 * DAY)[0][2] == 20


def test_a_timestamp_older_than_35_days_or_ahead_by_more_than_5_minutes_is_refused(emu: Emu):
    # Given a meter and a customer
    _meter(emu)
    customer = _customer(emu)
    # When usage is reported too far in the past and in the future
    refused = []
    for timestamp in (customer.created - 36 * DAY, customer.created + 3600):
        with pytest.raises(stripe.InvalidRequestError) as error:
            _report(emu, customer.id, timestamp=timestamp)
        refused.append(error.value.param)
    # Then both are refused
    assert refused == ["timestamp", "timestamp"]


@pytest.mark.parametrize(("formula", "expected"), [("sum", 65.0), ("count", 3.0), ("last", 15.0)])
def test_summaries_aggregate_by_the_meters_formula(emu: Emu, formula: str, expected: float):
    # Given a customer on a test clock with three reports, the latest-timestamped one reported first
    clock = emu.clock(FROZEN)
    meter = _meter(emu, formula=formula)
    customer = _customer(emu, clock)
    _report(emu, customer.id, 15, timestamp=FROZEN)
    _report(emu, customer.id, 20, timestamp=FROZEN - 2 * DAY)
    _report(emu, customer.id, 30, timestamp=FROZEN - DAY)
    # When the period is summarised
    summary = _summary(emu, meter, customer.id, FROZEN - 3 * DAY, FROZEN + HOUR)
    # Then the formula decides the value
    assert summary == [(FROZEN - 3 * DAY, FROZEN + HOUR, expected)]


def test_summaries_group_by_day_and_leave_out_other_customers(emu: Emu):
    # Given two customers reporting on two days
    clock = emu.clock(FROZEN)
    meter = _meter(emu)
    customer, other = _customer(emu, clock), _customer(emu, clock)
    _report(emu, customer.id, 4, timestamp=FROZEN - DAY + 10)
    _report(emu, customer.id, 6, timestamp=FROZEN - DAY + 20)
    _report(emu, customer.id, 7, timestamp=FROZEN)
    _report(emu, other.id, 100, timestamp=FROZEN)
    # When the customer's days are summarised
    days = _summary(emu, meter, customer.id, FROZEN - 2 * DAY, FROZEN + DAY, value_grouping_window="day")
    # Then each day has its own value, newest first
    assert days == [(FROZEN, FROZEN + DAY, 7), (FROZEN - DAY, FROZEN, 10), (FROZEN - 2 * DAY, FROZEN - DAY, 0)]


def test_summary_bounds_must_fall_on_the_grouping_windows(emu: Emu):
    # Given a meter and a customer
    meter = _meter(emu)
    customer = _customer(emu)
    # When a day grouping is asked from a time inside a day
    with pytest.raises(stripe.InvalidRequestError) as refused:
        _summary(emu, meter, customer.id, FROZEN + HOUR, FROZEN + DAY, value_grouping_window="day")
    # Then it is refused
    assert refused.value.param == "start_time"


def test_a_pre_aggregated_meter_keeps_the_latest_event_of_each_hour(emu: Emu):
    # Given an hourly pre-aggregated meter with two reports in one hour and one in the next
    clock = emu.clock(FROZEN)
    meter = _meter(emu, event_time_window="hour")
    customer = _customer(emu, clock)
    _report(emu, customer.id, 50, timestamp=FROZEN - 2 * HOUR + 60)
    _report(emu, customer.id, 80, timestamp=FROZEN - 2 * HOUR + 120)
    _report(emu, customer.id, 5, timestamp=FROZEN - HOUR)
    # When the two hours are summarised
    total = _summary(emu, meter, customer.id, FROZEN - 2 * HOUR, FROZEN)
    # Then each hour counts its latest report only
    assert total == [(FROZEN - 2 * HOUR, FROZEN, 85)]


# --- metered prices -----------------------------------------------------------------------------------------------


def test_a_metered_price_names_its_meter_and_its_subscription_item_has_no_quantity(emu: Emu):
    v1 = emu.client.v1
    # Given a metered price and a customer
    meter = _meter(emu)
    price = _metered_price(emu, meter)
    customer = _customer(emu)
    # When the customer subscribes, with and without a quantity
    with pytest.raises(stripe.InvalidRequestError) as with_quantity:
        v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id, "quantity": 2}]})
    sub = v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id}]})
    # Then the price and plan say metered, the item carries no quantity, and nothing was billed in advance
    item = sub["items"].data[0]
    assert (price.recurring.usage_type, price.recurring.meter) == ("metered", meter.id)
    assert (item.plan.usage_type, item.plan.meter) == ("metered", meter.id)
    assert "quantity" not in item
    assert with_quantity.value.param == "items[0][quantity]"
    assert v1.invoices.retrieve(sub.latest_invoice).amount_due == 0
    assert sub.status == "active"


def test_a_metered_price_needs_an_active_meter(emu: Emu):
    v1 = emu.client.v1
    # Given a deactivated meter
    meter = _meter(emu)
    v1.billing.meters.deactivate(meter.id)
    # When metered prices are created without a meter and on the inactive one
    refused = []
    for recurring in ({"interval": "month", "usage_type": "metered"},
                      {"interval": "month", "usage_type": "metered", "meter": meter.id}):
        with pytest.raises(stripe.InvalidRequestError) as error:
            emu.price(5, None, recurring=recurring)
        refused.append(error.value.param)
    # Then both are refused
    assert refused == ["recurring[meter]", "recurring[meter]"]


def test_a_renewal_bills_the_periods_usage_times_the_unit_amount(emu: Emu):
    v1 = emu.client.v1
    # Given a customer on a test clock subscribed to a $10 plan and a metered $0.05 price
    clock = emu.clock(FROZEN)
    meter = _meter(emu)
    plan = emu.price(1000, name="Plan A")
    metered = _metered_price(emu, meter)
    customer = _customer(emu, clock)
    sub = v1.subscriptions.create({"customer": customer.id, "items": [{"price": plan.id}, {"price": metered.id}]})
    # ... who uses 60 during the first period, then 7 after it
    _report(emu, customer.id, 40)
    emu.advance(clock, 10 * DAY)
    _report(emu, customer.id, 20)
    emu.advance(clock, 22 * DAY)  # past the renewal on day 31
    _report(emu, customer.id, 7)
    # When the renewal's invoice is read
    renewal = v1.invoices.list({"subscription": sub.id, "limit": 1}).data[0]
    # Then it bills the plan ahead and the first period's usage as a line with its quantity
    lines = {line.pricing.price_details.price: line for line in renewal.lines.data}
    usage = lines[metered.id]
    assert renewal.billing_reason == "subscription_cycle" and renewal.status == "paid"
    assert (usage.quantity, usage.amount) == (60, 300)
    assert (usage.period.start, usage.period.end) == (FROZEN, renewal.period_end)
    assert lines[plan.id].amount == 1000 and renewal.total == 1300
    # ... and the usage after it waits for the next renewal
    emu.advance(clock, 31 * DAY)
    following = v1.invoices.list({"subscription": sub.id, "limit": 1}).data[0]
    assert {line.pricing.price_details.price: line.quantity for line in following.lines.data} == {
        metered.id: 7, plan.id: 1}


def test_the_renewal_preview_shows_the_usage_so_far(emu: Emu):
    v1 = emu.client.v1
    # Given a subscriber to a $10 plan and a metered $0.05 price who used 12 so far
    clock = emu.clock(FROZEN)
    plan = emu.price(1000, name="Plan A")
    metered = _metered_price(emu, _meter(emu))
    customer = _customer(emu, clock)
    sub = v1.subscriptions.create({"customer": customer.id, "items": [{"price": plan.id}, {"price": metered.id}]})
    _report(emu, customer.id, 12)
    # When the next invoice is previewed
    preview = v1.invoices.create_preview({"subscription": sub.id})
    # Then it bills the usage so far with the plan's next period, and no quantity-less line for the metered item
    assert sorted((line.pricing.price_details.price, line.quantity, line.amount) for line in preview.lines.data) == \
        sorted([(metered.id, 12, 60), (plan.id, 1, 1000)])


def test_a_count_meter_bills_the_number_of_events(emu: Emu):
    v1 = emu.client.v1
    # Given a metered-only subscription on a count meter, and three reports
    clock = emu.clock(FROZEN)
    price = _metered_price(emu, _meter(emu, "api_calls", "count"), unit_amount=2)
    customer = _customer(emu, clock)
    sub = v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id}]})
    for value in (10, 20, 30):
        _report(emu, customer.id, value, event_name="api_calls")
    # When the subscription renews
    emu.advance(clock, 32 * DAY)
    # Then it bills three events at $0.02
    renewal = v1.invoices.list({"subscription": sub.id, "limit": 1}).data[0]
    assert [(line.quantity, line.amount) for line in renewal.lines.data] == [(3, 6)]


def test_checkout_sells_a_metered_price_without_a_quantity(emu: Emu):
    v1 = emu.client.v1
    # Given a plan and a metered price
    plan = emu.price(1000, name="Plan A")
    metered = _metered_price(emu, _meter(emu))
    spec = {"mode": "subscription", "customer_email": "buyer@example.com",
            "success_url": "http://127.0.0.1:9/done", "cancel_url": "http://127.0.0.1:9/cancel"}
    # When a session sells both (the metered one with and without a quantity)
    with pytest.raises(stripe.InvalidRequestError) as with_quantity:
        v1.checkout.sessions.create({**spec, "line_items": [{"price": metered.id, "quantity": 1}]})
    session = v1.checkout.sessions.create({**spec, "line_items": [{"price": plan.id, "quantity": 1},
                                                                  {"price": metered.id}]})
    result = emu.pay(session.id)
    # Then the plan is charged now and the metered item joins the subscription
    sub = v1.subscriptions.retrieve(result["session"]["subscription"])
    assert with_quantity.value.param == "line_items[0][quantity]"
    assert result["status"] == "succeeded" and session.amount_total == 1000
    assert sorted(item.price.id for item in sub["items"].data) == sorted([plan.id, metered.id])
