"""Dirty marks: the (project, mode) scopes an event changed, so the refresher recounts only those (issue 15)."""
from __future__ import annotations

import zlib
from datetime import datetime, timezone
from typing import Any

from paykit.store import keys

# Writes of one hour spread over this many partitions: at 1 B events a month (~400/s on average) one partition
# per hour would take every mark; 8 keep each well under a partition's 1,000 writes per second.
SHARDS = 8
# Kept past any gap between refresher passes (a failed schedule, a deploy): the next pass still finds the marks.
MARK_DAYS = 3
WAKE_SUFFIX = "#WAKE"


def hour_of(moment: float) -> str:
    return datetime.fromtimestamp(int(moment), timezone.utc).strftime("%Y-%m-%dT%H")


def shard_of(project_id: str, mode: str) -> int:
    return zlib.crc32(keys.scope(project_id, mode).encode()) % SHARDS


def marks(project_id: str, mode: str, changed: list[Any], now: float) -> list[dict[str, Any]]:
    """The transaction action marking the scope dirty in this hour's bucket when the event changed a record
    (nothing otherwise): one small item per scope and hour, so its cost follows activity, not data."""
    if not changed:
        return []
    return [_mark(keys.dirty_mark(hour_of(now), shard_of(project_id, mode), project_id, mode),
                  project_id, mode, int(now))]


def wake_up(project_id: str, mode: str, moment: float) -> dict[str, Any]:
    """The action marking the scope for the first pass after `moment` (a discount's end, issue 18). Its own item in
    the hour's bucket, apart from the events' mark (an event earlier in that hour would move `marked_at` back before
    the moment, and a pass between the two would then read past it), marked at the hour's last second: every wake-up
    of one hour writes the same value, so none hides another."""
    hour_end = int(moment) - int(moment) % 3600 + 3599
    key = keys.dirty_mark(hour_of(moment), shard_of(project_id, mode), project_id, mode)
    return _mark({**key, "sk": key["sk"] + WAKE_SUFFIX}, project_id, mode, hour_end)


def _mark(key: dict[str, str], project_id: str, mode: str, marked_at: int) -> dict[str, Any]:
    return {"Update": {
        "Key": key,
        "UpdateExpression": "SET project_id = :p, #mode = :m, marked_at = :t, expires_at = :e",
        "ExpressionAttributeNames": {"#mode": "mode"},
        "ExpressionAttributeValues": {":p": project_id, ":m": mode, ":t": marked_at,
                                      ":e": marked_at + MARK_DAYS * 86400},
    }}


def buckets(since: float, until: float) -> list[str]:
    """The partitions holding marks written from `since` to `until` (every shard of every hour between)."""
    first = int(since) - int(since) % 3600
    return [keys.dirty_bucket(hour_of(hour), shard)
            for hour in range(first, int(until) + 1, 3600) for shard in range(SHARDS)]
