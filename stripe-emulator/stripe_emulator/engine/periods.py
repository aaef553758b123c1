"""Calendar arithmetic of billing periods: the n-th boundary after an anchor (months keep their day, clamped to
short months) and `billing_cycle_anchor_config`'s next date."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

DAY = 86400


def boundary(anchor: int, interval: str, count: int, n: int, day: int | None = None) -> int:
    """The n-th period boundary after `anchor` (before it when n < 0); months keep the anchor's day (or `day`, a
    `billing_cycle_anchor_config[day_of_month]`), clamped to short months."""
    if interval == "day":
        return anchor + n * count * DAY
    if interval == "week":
        return anchor + n * count * 7 * DAY
    months = n * count * (12 if interval == "year" else 1)
    start = datetime.fromtimestamp(anchor, UTC)
    year, month0 = divmod(start.month - 1 + months, 12)
    year += start.year
    day = min(day or start.day, calendar.monthrange(year, month0 + 1)[1])
    return int(start.replace(year=year, month=month0 + 1, day=day).timestamp())


def anchor_from_config(config: dict, t: int) -> int:
    """`billing_cycle_anchor_config`: the next time after `t` on its day of month (a shorter month's last day) at
    its hour, minute and second UTC (those of `t` when not given), in its month when it names one."""
    now = datetime.fromtimestamp(t, UTC)
    hour, minute, second = (now.hour if config["hour"] is None else config["hour"],
                            now.minute if config["minute"] is None else config["minute"],
                            now.second if config["second"] is None else config["second"])
    year, month = now.year, config["month"] or now.month
    while True:
        day = min(config["day_of_month"], calendar.monthrange(year, month)[1])
        candidate = int(datetime(year, month, day, hour, minute, second, tzinfo=UTC).timestamp())
        if candidate > t:
            return candidate
        if config["month"]:
            year += 1
        else:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
