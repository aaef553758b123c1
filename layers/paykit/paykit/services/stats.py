"""E4 statistics from the counters (one item per mode) and the last 30 days' buckets; the scheduled refresher that
keeps them true is paykit.services.refresher."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from paykit.auth import Principal
from paykit.models.common import utcnow
from paykit.models.config import MODES
from paykit.models.stats import CurrencyStats, ModeStats, PaymentStats
from paykit.store import keys
from paykit.store import projects as project_store
from paykit.store.table import Table, batch_get, default_table

WINDOW_DAYS = 30
NOT_COUNTERS = {"pk", "sk", "type"}


def day_key(moment: date) -> str:
    return moment.isoformat()


# ---------------------------------------------------------------------- E4


def payment_stats(caller: Principal, test_mode: bool, table: Table | None = None,
                  now: datetime | None = None) -> PaymentStats:
    """E4: test_mode=true covers test and live, false live only (decision 5); money is only summed per mode and
    currency. Cost, whatever the number of projects (issue 13): 1 Query of projects (at most 100, one page),
    1 BatchGetItem of the developer's counters and 1 Query of 30 days per mode."""
    table = table or default_table()
    today = (now or utcnow()).date()
    projects = project_store.list_for_developer(table, caller.sub)
    modes = MODES if test_mode else ("live",)
    counters = {c["pk"]: c for c in batch_get(table, [keys.developer_counters(caller.sub, m) for m in modes])}
    by_mode = {m: ModeStats() for m in modes}
    for mode in modes:
        _add_counters(by_mode[mode], counters.get(keys.developer_counters(caller.sub, mode)["pk"], {}))
        for day in _window(table, keys.developer_counters(caller.sub, mode)["pk"], today):
            _add_days(by_mode[mode], day)
        _derive(by_mode[mode])
    configs = [p.get("config") or {} for p in projects]
    currency, revenue_mode, revenue = _headline(by_mode)
    return PaymentStats(
        total_projects=len(projects),
        projects_with_config=sum(1 for c in configs if c),
        projects_with_test=sum(1 for c in configs if (c.get("test") or {}).get("secret_key_masked")),
        projects_with_live=sum(1 for c in configs if (c.get("live") or {}).get("secret_key_masked")),
        total_subscriptions=sum(s.total_subscriptions for s in by_mode.values()),
        active_subscriptions=sum(s.active_subscriptions for s in by_mode.values()),
        total_payments=sum(s.total_payments for s in by_mode.values()),
        successful_payments=sum(s.successful_payments for s in by_mode.values()),
        total_revenue_cents=revenue, currency=currency, revenue_mode=revenue_mode,
        by_mode=by_mode,
        by_currency={cur: {m: s.by_currency[cur] for m, s in by_mode.items() if cur in s.by_currency}
                     for cur in sorted({c for s in by_mode.values() for c in s.by_currency})},
    )


def _headline(by_mode: dict[str, ModeStats]) -> tuple[str, str, int]:
    """The documented single revenue figure without adding modes or currencies: live money in the currency with
    the most live revenue; with no live revenue at all (and test data in scope), the same over test money."""
    for mode in ("live", "test"):
        stats = by_mode.get(mode)
        if stats is None:
            continue
        earned = {cur: c.revenue_cents for cur, c in stats.by_currency.items() if c.revenue_cents}
        if earned:
            currency = max(sorted(earned), key=lambda cur: earned[cur])
            return currency, mode, earned[currency]
    return "usd", "live", 0


def _currency(stats: ModeStats, currency: str) -> CurrencyStats:
    return stats.by_currency.setdefault(currency, CurrencyStats())


def _add_counters(stats: ModeStats, stored: dict[str, Any]) -> None:
    stats.total_subscriptions += int(stored.get("subscriptions") or 0)
    stats.active_subscriptions += int(stored.get("subscriptions#active") or 0) + int(
        stored.get("subscriptions#trialing") or 0)
    stats.total_payments += int(stored.get("payments") or 0)
    stats.successful_payments += int(stored.get("payments#succeeded") or 0)
    for name, value in stored.items():
        parts = name.split("#")
        if len(parts) == 2 and parts[0] in _TOTALS and value:
            setattr(_currency(stats, parts[1]), _TOTALS[parts[0]], int(value))
            continue
        if name in NOT_COUNTERS or len(parts) != 3 or not value:
            continue
        kind, status, currency = parts
        target = _currency(stats, currency)
        if kind == "amount" and status == "succeeded":
            target.revenue_cents += int(value)
        elif kind == "mrr" and status in ("active", "past_due"):
            target.mrr_cents += int(value)
        elif kind == "mrr" and status == "trialing":
            target.trialing_mrr_cents += int(value)
        elif kind == "subscriptions" and status in ("active", "past_due", "trialing"):
            field = f"{status}_subscriptions"
            setattr(target, field, getattr(target, field) + int(value))


_TOTALS = {"gross": "gross_revenue_cents", "refunded": "refunded_cents", "usage": "usage_revenue_cents"}
_DAY_FIELDS = {"revenue": "gross_revenue_30d_cents", "refunds": "refunded_30d_cents", "failed": "failed_payments_30d",
               "cancellations": "cancellations_30d"}


def _derive(stats: ModeStats) -> None:
    """The figures defined from others (docs/metrics.md), per currency."""
    for figures in stats.by_currency.values():
        figures.net_revenue_cents = figures.gross_revenue_cents - figures.refunded_cents
        figures.net_revenue_30d_cents = figures.gross_revenue_30d_cents - figures.refunded_30d_cents
        paying = figures.active_subscriptions + figures.past_due_subscriptions
        figures.arpu_cents = round(figures.mrr_cents / paying) if paying else 0


def _add_days(stats: ModeStats, day: dict[str, Any]) -> None:
    for name, value in day.items():
        kind, _, currency = name.partition("#")
        if kind in _DAY_FIELDS and currency and value:
            target = _currency(stats, currency)
            setattr(target, _DAY_FIELDS[kind], getattr(target, _DAY_FIELDS[kind]) + int(value))


def _window(table: Table, partition: str, today: date, days: int = WINDOW_DAYS) -> list[dict[str, Any]]:
    """The last `days` days' buckets of one stats partition (today included): one Query."""
    items, _ = table.query_page("pk = :pk AND sk BETWEEN :first AND :last",
                                {":pk": partition, ":first": f"DAY#{day_key(today - timedelta(days=days - 1))}",
                                 ":last": f"DAY#{day_key(today)}"}, newest_first=False)
    return items
