"""The conformance lifecycle's part for entitlements and usage: features, product features, active entitlements and
their summary events, meters, meter events and summaries, and a metered subscription the lifecycle's later clock
advances renew."""

from __future__ import annotations

from typing import Any

DAY = 86400


def entitlements_and_usage(emu: Any, clock: Any) -> None:
    v1 = emu.client.v1
    exports = v1.entitlements.features.create({"name": "Exports", "lookup_key": "exports", "metadata": {"a": "b"}})
    api = v1.entitlements.features.create({"name": "API", "lookup_key": "api"})
    old = v1.entitlements.features.create({"name": "Old", "lookup_key": "old"})
    v1.entitlements.features.update(old.id, {"active": False, "name": "Retired"})
    v1.entitlements.features.retrieve(exports.id)
    v1.entitlements.features.list({"archived": True})
    v1.entitlements.features.list({"lookup_key": "api"})

    plan_a, plan_b = emu.price(1000, name="Plan A"), emu.price(3000, name="Plan B")
    v1.products.features.create(plan_a.product, {"entitlement_feature": exports.id})
    v1.products.features.create(plan_b.product, {"entitlement_feature": exports.id})
    attached = v1.products.features.create(plan_b.product, {"entitlement_feature": api.id})
    v1.products.features.retrieve(plan_b.product, attached.id)
    v1.products.features.list(plan_b.product)
    temporary = v1.entitlements.features.create({"name": "Temporary", "lookup_key": "temporary"})
    dropped = v1.products.features.create(plan_a.product, {"entitlement_feature": temporary.id})
    v1.products.features.delete(plan_a.product, dropped.id)

    meter = v1.billing.meters.create({"display_name": "Exports", "event_name": "exports",
                                      "default_aggregation": {"formula": "sum"},
                                      "customer_mapping": {"event_payload_key": "stripe_customer_id", "type": "by_id"},
                                      "value_settings": {"event_payload_key": "value"}})
    hourly = v1.billing.meters.create({"display_name": "Seats", "event_name": "seats", "event_time_window": "hour",
                                       "default_aggregation": {"formula": "last"}})
    v1.billing.meters.update(meter.id, {"display_name": "CSV exports"})
    v1.billing.meters.deactivate(hourly.id)
    v1.billing.meters.reactivate(hourly.id)
    v1.billing.meters.retrieve(meter.id)
    v1.billing.meters.list({"status": "active"})
    metered = v1.prices.create({"product": plan_a.product, "currency": "usd", "unit_amount": 5,
                                "recurring": {"interval": "month", "usage_type": "metered", "meter": meter.id}})

    customer = v1.customers.create({"email": "usage@example.com", "test_clock": clock.id,
                                    "payment_method": "pm_card_visa",
                                    "invoice_settings": {"default_payment_method": "pm_card_visa"}})
    sub = v1.subscriptions.create({"customer": customer.id, "items": [{"price": plan_a.id}, {"price": metered.id}]})
    for i, value in enumerate((40, 20)):
        v1.billing.meter_events.create({"event_name": "exports", "identifier": f"usage-{i}",
                                        "payload": {"stripe_customer_id": customer.id, "value": str(value)}})
    v1.billing.meter_events.create({"event_name": "seats", "timestamp": clock.frozen_time - 60,
                                    "payload": {"stripe_customer_id": customer.id, "value": "3"}})
    start = clock.frozen_time - clock.frozen_time % DAY
    v1.billing.meters.event_summaries.list(meter.id, {"customer": customer.id, "start_time": start,
                                                      "end_time": start + 2 * DAY})
    v1.billing.meters.event_summaries.list(hourly.id, {"customer": customer.id, "start_time": start,
                                                       "end_time": start + DAY, "value_grouping_window": "hour"})

    plan_item = next(item for item in sub["items"].data if item.price.id == plan_a.id)
    v1.subscriptions.update(sub.id, {"items": [{"id": plan_item.id, "price": plan_b.id}],
                                     "proration_behavior": "none"})
    held = v1.entitlements.active_entitlements.list({"customer": customer.id, "expand": ["data.feature"]})
    # Active entitlements are listed per customer, a field they do not carry: the expansion check lists this one's.
    from .expansion import LIST_FILTERS

    LIST_FILTERS["entitlements.active_entitlement"] = {"customer": customer.id}
    v1.entitlements.active_entitlements.retrieve(held.data[0].id, {"expand": ["feature"]})
