"""Issue 18's figures through the event processor, E4 and the time series: metered prices are not MRR, a
`unit_amount_decimal` price counts, quantity 0 is 0 (items 2 and 3)."""
from __future__ import annotations

from tests.integration.test_analytics import day, series, t
from tests.integration.test_lists import deliver, get, new_project, sub_event

STATS = "/api/v1/payments/stats"


def with_items(evt: dict, *items: dict) -> dict:
    """The event's subscription with these items (price fields over the event's first price)."""
    obj = evt["data"]["object"]
    first = obj["items"]["data"][0]
    obj["items"]["data"] = [{**first, "id": f"si_{i}", **{k: v for k, v in item.items() if k != "price"},
                             "price": {**first["price"], **item.get("price", {})}} for i, item in enumerate(items)]
    for item, spec in zip(obj["items"]["data"], items):
        if "quantity" not in spec:
            continue
        if spec["quantity"] is None:
            item.pop("quantity")
    return evt


def usd(client, dev_token) -> dict:
    return get(client, dev_token, STATS).json()["by_mode"]["test"]["by_currency"]["usd"]


METERED = {"price": {"id": "price_api_calls", "unit_amount": 5,
                     "recurring": {"interval": "month", "interval_count": 1, "usage_type": "metered"}},
           "quantity": None}


def test_metered_prices_add_no_mrr_and_their_subscribers_are_customers(client, dev_token):
    # Given a metered-only subscription (5 cents a call), and a 19.00 base fee with a metered item beside it
    p = new_project(client, dev_token, "Metered")
    deliver(p, "test", [
        with_items(sub_event(p, "sub_meter", "active", t(3)), METERED),
        with_items(sub_event(p, "sub_base", "active", t(2)), {"quantity": 1}, METERED),
    ])
    # Then MRR is the base fee alone, and both subscribers are paying customers
    figures = usd(client, dev_token)
    assert (figures["mrr_cents"], figures["active_subscriptions"], figures["arpu_cents"]) == (1900, 2, 950)
    # And the time series counts both customers on the days they started, and the base fee as new MRR
    summary = series(client, dev_token, metric="mrr", project_id=p, **{"from": day(4), "to": day(0)})["summary"]
    assert (summary["customers_start"], summary["new_customers"], summary["customers_end"]) == (0, 2, 2)
    assert (summary["new_mrr_cents"], summary["mrr_end_cents"]) == (1900, 1900)


def test_a_unit_amount_decimal_price_counts_to_the_fraction_of_a_cent(client, dev_token):
    # Given 3 seats at 250.5 cents a month, a price Stripe sends with `unit_amount` null
    p = new_project(client, dev_token, "Decimal")
    deliver(p, "test", [with_items(sub_event(p, "sub_dec", "active", t(1)),
                                   {"quantity": 3, "price": {"unit_amount": None, "unit_amount_decimal": "250.5"}})])
    # Then it is a customer with MRR 751.5 rounded half up: 752
    figures = usd(client, dev_token)
    assert (figures["mrr_cents"], figures["active_subscriptions"]) == (752, 1)


def test_quantity_zero_is_zero(client, dev_token):
    # Given a subscription of 0 seats at 19.00 (Stripe allows it: billed nothing)
    p = new_project(client, dev_token, "Zero")
    deliver(p, "test", [sub_event(p, "sub_zero", "active", t(1), quantity=0)])
    # Then it adds nothing to MRR and the record says 0 seats
    assert usd(client, dev_token)["mrr_cents"] == 0
    listed = get(client, dev_token, f"/api/v1/payments/stripe/projects/{p}/subscriptions").json()
    assert [s["quantity"] for s in listed["subscriptions"]] == [0]


def test_a_plan_change_preview_of_zero_seats_is_zero(client, dev_token, emulator):
    from tests.integration.test_checkout import make_shop, subscribe

    # Given a subscription brought down to 0 seats in Stripe
    shop = make_shop(client, dev_token, emulator)
    token = shop.token()
    sub_id = subscribe(client, shop, token)["subscription"]["subscription_id"]
    item = shop.stripe("GET", f"/v1/subscriptions/{sub_id}")["items"]["data"][0]["id"]
    changed = shop.stripe("POST", f"/v1/subscriptions/{sub_id}", proration_behavior="none",
                          **{"items[0][id]": item, "items[0][quantity]": 0})
    assert changed["items"]["data"][0]["quantity"] == 0, changed
    # When the user previews a change to the 49.00 plan, invoiced now
    reply = client.post("/api/v1/payments/stripe/preview-subscription-update", token=token,
                        json_body={"new_price_id": shop.prices["team"], "proration_behavior": "always_invoice"})
    # Then the next invoice is 0 seats at the new price: 0, in PayKit's answer and in Stripe's own preview
    assert reply.status == 200, reply.text
    assert (reply.json()["amount_due_now"], reply.json()["next_invoice_amount"]) == (0, 0)


def test_what_metered_items_bill_is_revenue_shown_apart_as_usage_revenue(client, dev_token):
    from tests.integration.test_lists import pay_event

    # Given a 19.00 base fee with a metered item beside it, and its invoice: the fee and 2.50 of usage
    p = new_project(client, dev_token, "Usage revenue")
    invoice = pay_event(p, "pi_usage", t(1), amount=2150, sub_id="sub_usage")
    invoice["data"]["object"]["lines"]["data"] = [
        {"description": "1 × Pro", "amount": 1900, "pricing": {"type": "price_details",
                                                              "price_details": {"price": "price_pro"}}},
        {"description": "50 × API calls", "amount": 250, "pricing": {"type": "price_details",
                                                                    "price_details": {"price": "price_api_calls"}}}]
    deliver(p, "test", [with_items(sub_event(p, "sub_usage", "active", t(2)), {"quantity": 1}, METERED), invoice])
    # Then the payment is gross revenue, of which 2.50 is usage revenue; MRR is the fee alone
    figures = usd(client, dev_token)
    assert (figures["gross_revenue_cents"], figures["usage_revenue_cents"], figures["mrr_cents"]) == (2150, 250, 1900)
    summary = series(client, dev_token, metric="usage_revenue", project_id=p, **{"from": day(2), "to": day(0)})
    assert [pt["value"] for pt in summary["points"]] == [0, 250, 0]
    assert (summary["summary"]["gross_revenue_cents"], summary["summary"]["usage_revenue_cents"]) == (2150, 250)
