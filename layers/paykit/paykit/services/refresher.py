"""The scheduled refresher: it recounts a (project, mode) from its records and corrects the counters and day buckets
that drifted, ends the discounts that have ended, keeps the MRR movements summing to the counters' MRR, and rolls a
developer's projects up into their counters (issue 15; paykit.services.work runs it per scope)."""
from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import single_metric

from paykit import metrics, names
from paykit.models.common import iso, utcnow
from paykit.models.config import MODES
from paykit.observability import MetricUnit, logger
from paykit.processor import StripeReader, default_processor, ledger
from paykit.processor.projections.subscriptions import discount_over
from paykit.services.stats import NOT_COUNTERS, day_key
from paykit.store import keys
from paykit.store import projects as project_store
from paykit.store.errors import ConditionFailed, TransactionConflict
from paykit.store.table import Table, batch_get, default_table


def refresh_all(table: Table | None = None) -> dict[str, int]:
    """Every developer (gsi1 `DEVELOPERS`, no Scan) in this one invocation: the loop that issue 15 replaced with the
    work queue's fan-out (services/work.py); kept for `bench.scale`. Returns drift per developer."""
    table = table or default_table()
    drift: dict[str, int] = {}
    for developer in table.query_all("gsi1pk = :pk", {":pk": keys.developers_gsi()}, index=keys.GSI1,
                                     newest_first=False):
        owner = developer["pk"].removeprefix("DEV#")
        drift[owner] = refresh_developer(table, owner)
    return drift


def refresh_developer(table: Table, owner_id: str, stripe: StripeReader | None = None) -> int:
    """The full recount of one developer: every (project, mode) (refresh_scope), then the developer's roll-up of
    the recounts. Returns the number of corrected figures."""
    rollup: dict[str, dict[str, int]] = {m: {} for m in MODES}
    corrected = 0
    before = _developer_counters(table, owner_id)
    projects = list(project_store.list_for_developer(table, owner_id))
    for project in projects:
        for mode in MODES:
            fixed, totals = refresh_scope(table, project["id"], mode, stripe)
            corrected += fixed
            _merge(rollup[mode], totals)
    corrected += _put_rollup(table, owner_id, rollup, corrected, before)
    return corrected + _reconcile_developer_days(table, owner_id, [p["id"] for p in projects])


def refresh_scope(table: Table, project_id: str, mode: str, stripe: StripeReader | None = None,
                  now: datetime | None = None) -> tuple[int, dict[str, int]]:
    """Recounts one (project, mode) from its records (Query gsi1), ends the discounts that have ended, corrects the
    counters and day sums that drifted (and the developer's day buckets by the same amounts), aligns the MRR
    movements with the counters, and names the records stored without a plan name or description. Returns
    (corrected, recount)."""
    unnamed: list[dict[str, Any]] = []
    owner = (table.get(keys.project(project_id)) or {}).get("owner_id")
    now = now or utcnow()
    # What the counters held before the records were read: every correction is conditioned on it, so an event that
    # commits during the recount (its ADD, which the recount may not see) makes the correction wait for the next
    # pass instead of being overwritten (its dirty mark brings the scope back).
    stored = table.get(keys.counters(project_id, mode), consistent=True) or {}
    seen = _day_items(table, keys.counters(project_id, mode)["pk"], consistent=True)
    totals, days = recount(table, project_id, mode, unnamed, ended_by=now)
    corrected = _reconcile(table, keys.counters(project_id, mode), totals, project_id, mode, stored)
    for day in sorted(set(seen) | set(days)):
        corrected += _reconcile(table, keys.counters_day(project_id, mode, day), days.get(day, {}),
                                project_id, mode, seen.get(day, {}),
                                developer_key=keys.developer_day(owner, mode, day) if owner else None)
    corrected += _reconcile_movements(table, project_id, mode, owner, day_key(now.date()))
    if unnamed:  # after the corrections (names change no figure): the Stripe reads keep no correction waiting
        names.fill_names(table, project_id, mode, unnamed, stripe or default_processor().stripe)
    return corrected, totals


def refresh_changed_scope(table: Table, project_id: str, mode: str, stripe: StripeReader | None = None,
                          now: datetime | None = None) -> int:
    """The incremental pass' unit (a scope an event changed, or whose discount ends): refresh_scope, then the
    developer's roll-up again from the counters of all their projects (one BatchGetItem per 50 projects), which now
    hold this recount."""
    corrected, _ = refresh_scope(table, project_id, mode, stripe, now)
    owner_id = (table.get(keys.project(project_id)) or {}).get("owner_id")
    if owner_id:
        before = _developer_counters(table, owner_id)
        scopes = [(p["id"], m) for p in project_store.list_for_developer(table, owner_id) for m in MODES]
        rollup: dict[str, dict[str, int]] = {m: {} for m in MODES}
        for stored in batch_get(table, [keys.counters(p, m) for p, m in scopes], consistent=True):
            _merge(rollup[stored["pk"].rsplit("#", 1)[1]], _figures(stored))
        corrected += _put_rollup(table, owner_id, rollup, corrected, before)
    return corrected


def _developer_counters(table: Table, owner_id: str) -> dict[str, dict[str, Any]]:
    """The developer's counters per mode, read before their projects' are: the roll-up's corrections are
    conditioned on them, so an event that commits meanwhile (in both) is never overwritten by the sum."""
    found = {i["pk"]: i for i in batch_get(table, [keys.developer_counters(owner_id, mode) for mode in MODES],
                                           consistent=True)}
    return {mode: found.get(keys.developer_counters(owner_id, mode)["pk"], {}) for mode in MODES}


def _put_rollup(table: Table, owner_id: str, rollup: dict[str, dict[str, int]], corrected: int,
                before: dict[str, dict[str, Any]]) -> int:
    """The developer's counters (kept live by the processor, read by E4) corrected to the sum of their projects'
    recounts, and the refresher's summary item. Returns the number of corrected developer figures."""
    fixed = sum(_reconcile(table, keys.developer_counters(owner_id, mode), rollup[mode], owner_id, mode,
                           before[mode]) for mode in MODES)
    table.put({**keys.developer_stats(owner_id), "type": "developer_stats", "owner_id": owner_id,
               "counters": rollup, "drift_corrected": corrected + fixed, "refreshed_at": iso(utcnow())})
    return fixed


def _day_items(table: Table, partition: str, consistent: bool = False) -> dict[str, dict[str, Any]]:
    """Every day bucket of one stats partition (project or developer), by day."""
    items = table.query_all("pk = :pk AND begins_with(sk, :day)", {":pk": partition, ":day": "DAY#"},
                            consistent=consistent)
    return {d["sk"].removeprefix("DAY#"): d for d in items}


def _reconcile_developer_days(table: Table, owner_id: str, project_ids: list[str]) -> int:
    """Each developer day bucket corrected to the sum of the same day of their projects (movements included). The
    developer's buckets are read first, then the projects', both consistently: an event that commits in between (in
    a project's bucket and its developer's) fails the correction's condition, which waits for the next recount
    instead of taking the event out of the developer's bucket."""
    corrected = 0
    for mode in MODES:
        stored = _day_items(table, keys.developer_counters(owner_id, mode)["pk"], consistent=True)
        expected: dict[str, dict[str, int]] = {}
        for project_id in project_ids:
            for day, bucket in _day_items(table, keys.counters(project_id, mode)["pk"], consistent=True).items():
                _merge(expected.setdefault(day, {}), _figures(bucket))
        for day in sorted(set(expected) | set(stored)):
            corrected += _reconcile(table, keys.developer_day(owner_id, mode, day), expected.get(day, {}), owner_id,
                                    mode, stored.get(day, {}), everything=True)
    return corrected


def _figures(item: dict[str, Any]) -> dict[str, int]:
    return {n: int(v) for n, v in item.items() if n not in NOT_COUNTERS and not isinstance(v, str)}


def _reconcile_movements(table: Table, project_id: str, mode: str, owner_id: str | None, today: str) -> int:
    """MRR movements cannot be recounted from records (a record is only its latest state), but their sum must be
    the MRR the counters hold: a difference (lost history, a record fixed by hand) is added to today's bucket as
    `mrr_adjustment`, of the project and of its developer, so the MRR line ends at E4's MRR. Idempotent (issue 18):
    one transaction that holds only if today's adjustment and the counters' MRR are still what was read, so two
    workers refreshing the same scope apply it once, and an event landing meanwhile defers it to the next pass.
    Returns the number of currencies adjusted."""
    counters = table.get(keys.counters(project_id, mode), consistent=True) or {}
    days = _day_items(table, keys.counters(project_id, mode)["pk"], consistent=True)
    currencies = {n.rsplit("#", 1)[1] for n in counters if n.startswith("mrr#")}
    currencies |= {n.rsplit("#", 1)[1] for d in days.values() for n in d if n.startswith("mrr_")}
    fixed = 0
    for currency in sorted(currencies):
        mrr = sum(int(counters.get(f"mrr#{status}#{currency}") or 0) for status in metrics.MRR_STATUSES)
        moved = sum(metrics.net_new(bucket, currency) for bucket in days.values())
        if mrr == moved:
            continue
        name = f"mrr_adjustment#{currency}"
        before = days.get(today, {}).get(name)
        checks = [f"#m{i} = :m{i}" if f"mrr#{s}#{currency}" in counters else f"attribute_not_exists(#m{i})"
                  for i, s in enumerate(metrics.MRR_STATUSES)]
        actions = [
            {"ConditionCheck": {
                "Key": keys.counters(project_id, mode), "ConditionExpression": " AND ".join(checks),
                "ExpressionAttributeNames": {f"#m{i}": f"mrr#{s}#{currency}"
                                             for i, s in enumerate(metrics.MRR_STATUSES)},
                "ExpressionAttributeValues": {f":m{i}": counters[f"mrr#{s}#{currency}"]
                                              for i, s in enumerate(metrics.MRR_STATUSES)
                                              if f"mrr#{s}#{currency}" in counters} or None}},
            {"Update": {
                "Key": keys.counters_day(project_id, mode, today), "UpdateExpression": "SET #type = :t, #a = :after",
                "ConditionExpression": "attribute_not_exists(#a)" if before is None else "#a = :before",
                "ExpressionAttributeNames": {"#type": "type", "#a": name},
                "ExpressionAttributeValues": {":t": "counters", ":after": int(before or 0) + mrr - moved,
                                              **({} if before is None else {":before": before})}}},
        ]
        if owner_id:
            actions.append(ledger.add_update(keys.developer_day(owner_id, mode, today), {name: mrr - moved}))
        try:
            table.transact([_without_empty(a) for a in actions])
        except (ConditionFailed, TransactionConflict):
            logger.info("MRR changed while recounting; the next run adjusts it", project_id=project_id, mode=mode)
            continue
        logger.warning("MRR movements adjusted", project_id=project_id, mode=mode, currency=currency,
                       mrr=mrr, movements=moved)
        fixed += 1
    return fixed


def _without_empty(action: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB refuses an empty ExpressionAttributeValues: left out when there is none."""
    (kind, body), = action.items()
    return {kind: {k: v for k, v in body.items() if v is not None}}


def _expire_discount(table: Table, project_id: str, mode: str, record: dict[str, Any], now: datetime,
                     ) -> dict[str, Any]:
    """A subscription whose discount has ended, written without it in the processor's own transaction (version
    guard, counters, day buckets and their developer's): MRR rises by an `expansion` on the day the discount ended
    (docs/metrics.md). Returns the record as it now stands (unchanged if a concurrent write won: the next pass)."""
    ended = discount_over(record, iso(now))
    if ended is None or record.get("type") != "subscription":
        return record
    actions = ledger.transaction(project_id, mode, record.get("owner_id"), [],
                                 [(record, ended)], [], record["discount_end"][:10], now.timestamp())
    try:
        table.transact(actions)
    except (ConditionFailed, TransactionConflict):
        logger.info("subscription changed while its discount ended; the next run ends it", item=record["sk"])
        return record
    logger.info("discount ended", subscription_id=record.get("subscription_id"), ended=record["discount_end"])
    return {**ended, "version": int(record.get("version") or 0) + 1}


def recount(table: Table, project_id: str, mode: str, unnamed: list[dict[str, Any]] | None = None,
            ended_by: datetime | None = None) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """The counters and day sums the records of one (project, mode) add up to (the processor's own rules); the
    records without a name are collected into `unnamed` when given; with `ended_by`, discounts that ended by then
    are first taken off their subscriptions."""
    totals: dict[str, int] = {}
    days: dict[str, dict[str, int]] = {}
    for partition in (keys.project_subscriptions_gsi(project_id, mode), keys.project_payments_gsi(project_id, mode)):
        for record in table.query_all("gsi1pk = :pk", {":pk": partition}, index=keys.GSI1):
            if ended_by is not None and record.get("discount_end"):
                record = _expire_discount(table, project_id, mode, record, ended_by)
            if unnamed is not None and names.unnamed(record):
                unnamed.append(record)
            _merge(totals, metrics.contribution(record))
            for day, sums in metrics.day_contribution(record).items():
                _merge(days.setdefault(day, {}), sums)
    return totals, days


def _merge(into: dict[str, int], values: dict[str, int]) -> None:
    for name, value in values.items():
        into[name] = into.get(name, 0) + value


def _reconcile(table: Table, key: dict[str, str], expected: dict[str, int], project_id: str, mode: str,
               stored: dict[str, Any] | None = None, everything: bool = False,
               developer_key: dict[str, str] | None = None) -> int:
    """Sets each drifted figure to its recount, on condition that it still holds the value we compared (a
    concurrent event's ADD makes the correction wait for the next run instead of being overwritten; a second
    worker's copy of the same correction fails the same way). MRR movements are left alone unless `everything`
    (they are not recountable from records; _reconcile_movements keeps them). With `developer_key`, the same
    corrections are added to the developer's item in the same transaction, so the developer's day buckets stay
    the sum of their projects' after an incremental pass (issue 18)."""
    if stored is None:
        stored = table.get(key, consistent=True) or {}
    names = (set(expected) | {n for n in stored if everything or not n.startswith(metrics.MOVEMENT_PREFIXES)}
             ) - NOT_COUNTERS
    drifted = {n: int(expected.get(n, 0)) for n in names if int(stored.get(n) or 0) != int(expected.get(n, 0))}
    if not drifted:
        return 0
    for name, value in drifted.items():
        logger.warning("counter drift corrected", project_id=project_id, mode=mode, item=key["sk"], counter=name,
                       stored=int(stored.get(name) or 0), recounted=value)
    # Flushed at once (EMF line), whichever process imported the shared Metrics first.
    with single_metric(name="CounterDrift", unit=MetricUnit.Count, value=len(drifted),
                       namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "PayKit")):
        pass
    sets, conditions, names_map, values = ["#type = :type"], [], {"#type": "type"}, {":type": "counters"}
    for i, (name, value) in enumerate(drifted.items()):
        names_map[f"#d{i}"] = name
        values[f":d{i}"] = value
        sets.append(f"#d{i} = :d{i}")
        if name in stored:
            values[f":o{i}"] = stored[name]
            conditions.append(f"#d{i} = :o{i}")
        else:
            conditions.append(f"attribute_not_exists(#d{i})")
    update = {"Key": key, "UpdateExpression": "SET " + ", ".join(sets),
              "ConditionExpression": " AND ".join(conditions), "ExpressionAttributeNames": names_map,
              "ExpressionAttributeValues": values}
    deltas = {n: v - int(stored.get(n) or 0) for n, v in drifted.items()}
    try:
        if developer_key is None:
            table.update(key, **{k: v for k, v in update.items() if k != "Key"})
        else:
            table.transact([{"Update": update}, ledger.add_update(developer_key, deltas)])
    except (ConditionFailed, TransactionConflict):
        logger.info("counters changed while recounting; the next run corrects them", item=key["sk"])
        return 0
    return len(drifted)


def rollup_of(table: Table, owner_id: str) -> dict[str, Any] | None:
    """The refresher's roll-up for one developer (one GetItem)."""
    return table.get(keys.developer_stats(owner_id))


