"""The refresher's corrections on money (issue 18, items 6 and 8): its MRR adjustment applied once when two workers
refresh the same scope, the developer's day buckets kept the sum of their projects' by an incremental pass, and a
finished `repeating` coupon taken out of MRR on the day it ends, by the hourly pass, with no event."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any, Callable

from paykit.services import refresher, work
from paykit.store import dirty, keys
from paykit.store.table import Table, default_table
from tests.integration.test_analytics import day, series, t
from tests.integration.test_lists import deliver, get, new_project, pay_event, sub_event
from tests.integration.test_scheduled_work import received_works, work_queues  # noqa: F401 (a fixture)

DAY_SECONDS = 86400


class SecondWorker(Table):
    """The store as one worker sees it while a second worker (the same message delivered twice) runs the same
    scope in full between this worker's reads and its first write of an MRR adjustment."""

    def __init__(self, base: Table, other: Callable[[], Any]) -> None:
        super().__init__(base.client, base.name)
        self.other = other
        self.raced = False

    def call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        if (not self.raced and operation in ("update_item", "transact_write_items")
                and "mrr_adjustment" in json.dumps(kwargs, default=str)):
            self.raced = True
            self.other()
        return super().call(operation, **kwargs)


def figures(item: dict[str, Any] | None) -> dict[str, int]:
    return {k: int(v) for k, v in (item or {}).items() if k not in ("pk", "sk", "type") and int(v or 0)}


def day_buckets(table: Table, partition: str) -> dict[str, dict[str, int]]:
    items = table.query_all("pk = :pk AND begins_with(sk, :d)", {":pk": partition, ":d": "DAY#"})
    return {i["sk"][4:]: figures(i) for i in items if figures(i)}


def lose_history(table: Table, project_id: str, developer: str, when: str, name: str) -> None:
    """A movement lost from a project's day and, as the processor wrote it there too, from its developer's."""
    for key in (keys.counters_day(project_id, "test", when), keys.developer_day(developer, "test", when)):
        table.update(key, UpdateExpression="REMOVE #n", ExpressionAttributeNames={"#n": name})


def test_two_workers_refreshing_one_scope_adjust_mrr_once(client, dev_token, developer):
    # Given a project whose only subscription (19.00) lost its `new` movement: counters 19.00, movements 0
    table = default_table()
    p = new_project(client, dev_token, "Twice")
    deliver(p, "test", [sub_event(p, "sub_twice", "active", t(3), amount=1900)])
    lose_history(table, p, developer, day(3), "mrr_new#usd")

    # When two workers refresh the scope at once (the second runs while the first is between read and write)
    racing = SecondWorker(table, lambda: refresher.refresh_changed_scope(table, p, "test"))
    refresher.refresh_changed_scope(racing, p, "test")
    assert racing.raced

    # Then today's adjustment is 19.00, once, in the project's bucket and in its developer's
    today = day(0)
    assert figures(table.get(keys.counters_day(p, "test", today)))["mrr_adjustment#usd"] == 1900
    assert figures(table.get(keys.developer_day(developer, "test", today)))["mrr_adjustment#usd"] == 1900
    # And the MRR line ends at E4's MRR, for the project and for the developer alike
    for query in ({"project_id": p}, {}):
        summary = series(client, dev_token, metric="mrr", **query, **{"from": day(5), "to": today})["summary"]
        assert (summary["mrr_end_cents"], summary["net_new_mrr_cents"]) == (1900, 1900), query


def test_an_incremental_pass_keeps_the_developer_the_sum_of_their_projects(client, dev_token, developer):
    # Given two projects, one of which drifted: a payment's revenue lost from a day, and a movement lost
    table = default_table()
    a, b = new_project(client, dev_token, "A"), new_project(client, dev_token, "B")
    deliver(a, "test", [sub_event(a, "sub_a", "active", t(4), amount=1900), pay_event(a, "pi_a", t(4), amount=1900)])
    deliver(b, "test", [sub_event(b, "sub_b", "active", t(2), amount=4900), pay_event(b, "pi_b", t(2), amount=4900)])
    lose_history(table, a, developer, day(4), "mrr_new#usd")
    for key in (keys.counters_day(a, "test", day(4)), keys.developer_day(developer, "test", day(4))):
        table.update(key, UpdateExpression="SET #r = :v",  # written in one transaction, so drifted together
                     ExpressionAttributeNames={"#r": "revenue#usd"}, ExpressionAttributeValues={":v": 1000})

    # When the hourly pass refreshes the scope an event changed (not the full recount)
    refresher.refresh_changed_scope(table, a, "test")

    # Then every day bucket of the developer is the sum of the same day of their projects
    projects = [day_buckets(table, keys.counters(p, "test")["pk"]) for p in (a, b)]
    expected: dict[str, dict[str, int]] = {}
    for buckets in projects:
        for when, sums in buckets.items():
            for name, value in sums.items():
                expected.setdefault(when, {})[name] = expected.setdefault(when, {}).get(name, 0) + value
    assert day_buckets(table, keys.developer_counters(developer, "test")["pk"]) == expected
    assert expected[day(4)]["revenue#usd"] == 1900 and expected[day(0)]["mrr_adjustment#usd"] == 1900
    # And the developer's series is the two projects' series added
    query = {"from": day(6), "to": day(0)}
    mine = series(client, dev_token, metric="mrr_movements", **query)
    each = [series(client, dev_token, metric="mrr_movements", project_id=p, **query) for p in (a, b)]
    assert mine["summary"]["net_new_mrr_cents"] == sum(s["summary"]["net_new_mrr_cents"] for s in each) == 6800
    assert [p["value"] for p in mine["points"]] == [x["value"] + y["value"]
                                                    for x, y in zip(each[0]["points"], each[1]["points"])]


class EventAt(Table):
    """The store as the refresher sees it while an event commits right after (or `before`) its first `operation`
    that names `partition` (the records' Query of the recount, the roll-up's BatchGetItem of the projects'
    counters, the full recount's Query of the developer's day buckets)."""

    def __init__(self, base: Table, operation: str, partition: str, event: Callable[[], Any],
                 before: bool = False) -> None:
        super().__init__(base.client, base.name)
        self.operation, self.partition, self.event, self.before, self.raced = operation, partition, event, before, False

    def call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        now = not self.raced and operation == self.operation and self.partition in json.dumps(kwargs, default=str)
        if now and self.before:
            self.raced = True
            self.event()
        answer = super().call(operation, **kwargs)
        if now and not self.raced:
            self.raced = True
            self.event()
        return answer


def one_subscription_and_a_stray_count(client, dev_token, name: str, drifted: Callable[[str], dict]) -> str:
    """A project with one subscription (19.00), and a stray subscription counted in the `drifted(project)` item."""
    p = new_project(client, dev_token, name)
    deliver(p, "test", [sub_event(p, f"sub_{name.replace(' ', '_')}", "active", t(3), amount=1900)])
    default_table().update(drifted(p), UpdateExpression="ADD subscriptions :one",
                           ExpressionAttributeValues={":one": 1})
    return p


def test_an_event_committed_during_the_recount_is_not_overwritten(client, dev_token, developer):
    # Given a project with one subscription (19.00) whose counters drifted (a stray subscription counted)
    table = default_table()
    p = one_subscription_and_a_stray_count(client, dev_token, "Busy", lambda p: keys.counters(p, "test"))

    # When a second subscription (10.00) commits after the refresher's recount read the records
    racing = EventAt(table, "query", keys.project_subscriptions_gsi(p, "test"), lambda: deliver(
        p, "test", [sub_event(p, "sub_second", "active", t(0), amount=1000)]))
    refresher.refresh_changed_scope(racing, p, "test")
    assert racing.raced

    # Then the counters keep the second subscription (the correction waited), and no MRR adjustment was invented
    counters = figures(table.get(keys.counters(p, "test")))
    assert counters["mrr#active#usd"] == 2900
    assert "mrr_adjustment#usd" not in figures(table.get(keys.counters_day(p, "test", day(0))))
    assert "mrr_adjustment#usd" not in figures(table.get(keys.developer_day(developer, "test", day(0))))
    # And the next pass corrects the drift against a recount that sees both
    refresher.refresh_changed_scope(table, p, "test")
    counters = figures(table.get(keys.counters(p, "test")))
    assert (counters["subscriptions"], counters["mrr#active#usd"]) == (2, 2900)
    assert "mrr_adjustment#usd" not in figures(table.get(keys.counters_day(p, "test", day(0))))


# ---------------------------------------------------------------------- a repeating coupon that ends (item 8)


def with_discount(evt: dict, *, percent_off: float, end: int | None, start: int) -> dict:
    """The event's subscription with a `repeating` coupon's discount running from `start` to `end`."""
    coupon = {"id": "co_launch", "object": "coupon", "percent_off": percent_off, "amount_off": None,
              "duration": "repeating", "duration_in_months": 3, "currency": None}
    evt["data"]["object"]["discounts"] = [{"id": "di_launch", "object": "discount", "start": start, "end": end,
                                           "source": {"type": "coupon", "coupon": coupon}}]
    return evt


def usd_mrr(client, dev_token) -> int:
    return get(client, dev_token, "/api/v1/payments/stats").json()["by_mode"]["test"]["by_currency"]["usd"]["mrr_cents"]


def test_a_repeating_coupon_stops_lowering_mrr_on_the_day_it_ends_without_an_event(client, dev_token, developer):
    # Given 20.00/month at 25% off for three months, whose discount ended two days ago; no event since
    table = default_table()
    p = new_project(client, dev_token, "Launch")
    deliver(p, "test", [with_discount(sub_event(p, "sub_launch", "active", t(5), amount=2000), percent_off=25,
                                      start=t(5), end=t(2))])
    assert usd_mrr(client, dev_token) == 1500

    # When the hourly pass refreshes the scope
    refresher.refresh_changed_scope(table, p, "test")

    # Then MRR is the full price, as an expansion of 5.00 on the day the discount ended, in E4 and the series
    assert usd_mrr(client, dev_token) == 2000
    body = series(client, dev_token, metric="mrr_movements", project_id=p, **{"from": day(6), "to": day(0)})
    assert {pt["date"]: pt["expansion"] for pt in body["points"] if pt["expansion"]} == {day(2): 500}
    line = series(client, dev_token, metric="mrr", **{"from": day(6), "to": day(0)})["points"]
    assert [pt["value"] for pt in line] == [0, 1500, 1500, 1500, 2000, 2000, 2000]
    # And the counters and day buckets agree with a recount (no adjustment was needed), the developer's too
    assert "mrr_adjustment#usd" not in figures(table.get(keys.counters_day(p, "test", day(0))))
    assert figures(table.get(keys.developer_day(developer, "test", day(2)))) == {"mrr_expansion#usd": 500}
    assert refresher.refresh_changed_scope(table, p, "test") == 0
    assert "discount_end" not in table.get(keys.subscription(p, "test", "sub_launch"))


def test_an_event_after_the_end_carrying_the_ended_discount_counts_the_full_price(client, dev_token):
    # Given the same subscription, and then an event after the end that still lists the discount (as Stripe may)
    p = new_project(client, dev_token, "Listed")
    deliver(p, "test", [with_discount(sub_event(p, "sub_listed", "active", t(5), amount=2000), percent_off=25,
                                      start=t(5), end=t(2))])
    deliver(p, "test", [with_discount(sub_event(p, "sub_listed", "active", t(5), amount=2000, event_created=t(1)),
                                      percent_off=25, start=t(5), end=t(2))])
    # Then MRR is the full price from that event on
    assert usd_mrr(client, dev_token) == 2000


def test_the_pass_after_a_discount_ends_refreshes_its_scope(client, dev_token, work_queues):  # noqa: F811
    # Given a discount that ends in two hours, on a subscription whose event was applied now
    table = default_table()
    p = new_project(client, dev_token, "Wake")
    now = int(time.time())
    end = now + 2 * 3600
    deliver(p, "test", [with_discount(sub_event(p, "sub_wake", "active", now - 60, amount=2000), percent_off=25,
                                      start=now - 60, end=end)])
    # Then the event's transaction left a wake-up in the hour the discount ends, marked at that hour's last second
    key = keys.dirty_mark(dirty.hour_of(end), dirty.shard_of(p, "test"), p, "test")
    mark = table.get({**key, "sk": key["sk"] + dirty.WAKE_SUFFIX})
    assert mark and int(mark["marked_at"]) == end - end % 3600 + 3599

    # When the first hourly pass after the end runs, and its worker refreshes what it enqueued
    received_works(work_queues)
    later = end + 600
    producer = work.Producer(table, work.WorkQueue(work_queues, work.get_settings().work_queue_url),
                             clock=lambda: later)
    # (the real passes' starting point, which this pass two hours ahead must not move)
    state = table.get(keys.work_state(work.REFRESH_CHANGED), consistent=True) or {
        **keys.work_state(work.REFRESH_CHANGED), "type": "work_state",
        "since": now - work.FIRST_PASS_LOOKBACK_SECONDS}
    try:
        assert producer.start(work.REFRESH_CHANGED, lambda: 10**9).completed
    finally:
        table.put(state)
    assert keys.scope(p, "test") in {w.scope for w, _ in received_works(work_queues)}
    refresher.refresh_changed_scope(table, p, "test", now=datetime.fromtimestamp(later, timezone.utc))
    # Then the discount is over and MRR is the full price
    assert usd_mrr(client, dev_token) == 2000



def test_an_event_in_the_hour_a_discount_ends_does_not_hide_the_end_from_the_pass(client, dev_token,
                                                                                   work_queues):  # noqa: F811
    from paykit.processor.engine import EventProcessor
    from paykit.processor.stripe_reader import GatewayReader

    # Given a discount that ends at 50 past an hour three hours ahead, and an event of another subscription of the
    # same project at 20 past that hour (both marks fall in the same hour's bucket)
    table = default_table()
    p = new_project(client, dev_token, "Same hour")
    now = int(time.time())
    end = now - now % 3600 + 3 * 3600 + 50 * 60
    deliver(p, "test", [with_discount(sub_event(p, "sub_ending", "active", now - 60, amount=2000), percent_off=25,
                                      start=now - 60, end=end)])
    at_twenty_past = EventProcessor(table, GatewayReader(), clock=lambda: end - 1800)
    other = sub_event(p, "sub_other", "active", now - 60, amount=1000)
    assert at_twenty_past.process_event(p, "test", other, json.dumps(other)) == "processed"

    # When a pass ran at 40 past (before the end) and the next runs after the end
    received_works(work_queues)
    state = table.get(keys.work_state(work.REFRESH_CHANGED), consistent=True) or {
        **keys.work_state(work.REFRESH_CHANGED), "type": "work_state",
        "since": now - work.FIRST_PASS_LOOKBACK_SECONDS}
    table.put({**state, "since": end - 600})
    producer = work.Producer(table, work.WorkQueue(work_queues, work.get_settings().work_queue_url),
                             clock=lambda: end + 600)
    try:
        assert producer.start(work.REFRESH_CHANGED, lambda: 10**9).completed
    finally:
        table.put(state)
    # Then that pass still refreshes the scope whose discount ended (the event's mark did not replace the end's)
    assert keys.scope(p, "test") in {w.scope for w, _ in received_works(work_queues)}


def test_an_event_committed_while_the_developer_is_rolled_up_is_not_overwritten(client, dev_token, developer):
    # Given a developer whose counters drifted (a stray subscription), with one project and its subscription
    table = default_table()
    p = one_subscription_and_a_stray_count(client, dev_token, "Rolled up",
                                           lambda _p: keys.developer_counters(developer, "test"))
    mrr_before = figures(table.get(keys.developer_counters(developer, "test")))["mrr#active#usd"]

    # When a subscription (10.00) commits after the pass read the projects' counters for the developer's sum
    racing = EventAt(table, "batch_get_item", keys.counters(p, "test")["pk"], lambda: deliver(
        p, "test", [sub_event(p, "sub_late", "active", t(0), amount=1000)]))
    refresher.refresh_changed_scope(racing, p, "test")
    assert racing.raced

    # Then the developer's counters keep it (the roll-up's correction waited for the next pass)
    assert figures(table.get(keys.developer_counters(developer, "test")))["mrr#active#usd"] == mrr_before + 1000


def test_a_payment_committed_during_the_full_recount_stays_in_the_developers_day(client, dev_token, developer):
    # Given a project with a paid subscription
    table = default_table()
    p = new_project(client, dev_token, "Full recount")
    deliver(p, "test", [sub_event(p, "sub_full", "active", t(3), amount=1900),
                        pay_event(p, "pi_full", t(0), amount=1900)])
    today = keys.developer_day(developer, "test", day(0))
    before = figures(table.get(today)).get("revenue#usd", 0)

    # When a 49.00 payment commits while the full recount compares the developer's day buckets with the projects'
    racing = EventAt(table, "query", keys.developer_counters(developer, "test")["pk"], lambda: deliver(
        p, "test", [pay_event(p, "pi_during", t(0), amount=4900)]), before=True)
    refresher.refresh_developer(racing, developer)
    assert racing.raced

    # Then the developer's day keeps it, as the project's does
    assert figures(table.get(today))["revenue#usd"] == before + 4900
    assert figures(table.get(keys.counters_day(p, "test", day(0))))["revenue#usd"] == 1900 + 4900
