"""The exactly-once transaction of one change: each changed record under its version guard, then the counter and
day-bucket deltas of the project and of its developer, then the refresher's dirty marks.

Counter deltas are the difference between the old and the new record's contribution (paykit.metrics), so counters
always equal the sum over the stored records, whatever the order in which events arrive. Pure: builds actions.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

from paykit.metrics import contribution, day_contribution, movement
from paykit.processor.context import Change
from paykit.store import dirty, keys


def deltas(changes: list[Change],
           measure: Callable[[dict[str, Any] | None], dict[str, int]] = contribution) -> dict[str, int]:
    total: dict[str, int] = {}
    for old, new in changes:
        for name, value in measure(new).items():
            total[name] = total.get(name, 0) + value
        for name, value in measure(old).items():
            total[name] = total.get(name, 0) - value
    return {name: value for name, value in total.items() if value}


def day_deltas(changes: list[Change], day: str) -> dict[str, dict[str, int]]:
    """The day buckets' deltas: recountable sums (old and new contributions) plus the MRR movements of `day`."""
    days = {d for old, new in changes for d in (*day_contribution(old), *day_contribution(new))}
    out = {d: deltas(changes, lambda item, d=d: day_contribution(item).get(d, {})) for d in sorted(days)}
    for old, new in changes:
        if new.get("type") == "subscription":
            for when, sums in movement(old, new, day).items():
                bucket = out.setdefault(when, {})
                for name, value in sums.items():
                    bucket[name] = bucket.get(name, 0) + value
    return {d: sums for d, sums in sorted(out.items()) if sums}


def day_of(created: float) -> str:
    return datetime.fromtimestamp(int(created), timezone.utc).date().isoformat()


def add_update(key: dict[str, str], sums: dict[str, int]) -> dict[str, Any]:
    """One counters item changed with ADD in the change's transaction."""
    names = {f"#c{i}": name for i, name in enumerate(sums)}
    values = {f":c{i}": value for i, value in enumerate(sums.values())}
    return {"Update": {
        "Key": key,
        "UpdateExpression": "SET #type = :type ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(sums))),
        "ExpressionAttributeNames": {**names, "#type": "type"},
        "ExpressionAttributeValues": {**values, ":type": "counters"},
    }}


def guarded_put(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """The record's new state, written only over the version it was read at (a create only where none exists)."""
    put: dict[str, Any] = {"Item": {**new, "version": (old or {}).get("version", 0) + 1},
                           "ConditionExpression": "attribute_not_exists(pk)" if old is None else "version = :v"}
    if old is not None:
        put["ExpressionAttributeValues"] = {":v": old.get("version", 0)}
    return {"Put": put}


def transaction(project_id: str, mode: str, owner: str | None, head: list[dict[str, Any]], changes: list[Change],
                extra: list[dict[str, Any]], day: str, now: float) -> list[dict[str, Any]]:
    """Every action of one change: `head` (marker, event log), the changed records, `extra`, the counter and day
    deltas (with the MRR movements of `day`) of the project and of its developer, and the dirty marks."""
    changed = [(old, new) for old, new in changes if old != new]
    actions = [*head, *(guarded_put(old, new) for old, new in changed), *extra]
    sums = deltas(changed)
    if sums:
        actions.append(add_update(keys.counters(project_id, mode), sums))
        if owner:
            actions.append(add_update(keys.developer_counters(owner, mode), sums))
    for when, bucket in day_deltas(changed, day).items():
        actions.append(add_update(keys.counters_day(project_id, mode, when), bucket))
        if owner:
            actions.append(add_update(keys.developer_day(owner, mode, when), bucket))
    return actions + wake_up_marks(project_id, mode, changed, now)


def wake_up_marks(project_id: str, mode: str, changed: list[Change], now: float) -> list[dict[str, Any]]:
    """The refresher's dirty marks: this hour's, so the incremental pass recounts the scope, and a wake-up in the
    hour a subscription's discount ends, so the pass after it removes the discount from MRR (issue 18). One per
    hour (a transaction touches an item once)."""
    ends = {}
    for _, new in changed:
        end = new.get("discount_end") if new.get("type") == "subscription" else None
        if end:
            moment = datetime.strptime(end, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()
            if moment > now:
                ends.setdefault(dirty.hour_of(moment), moment)
    return [*dirty.marks(project_id, mode, changed, now),
            *(dirty.wake_up(project_id, mode, moment) for moment in ends.values())]
