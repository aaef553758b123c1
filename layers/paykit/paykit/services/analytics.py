"""The revenue time series (issue 13): MRR, its movements, revenue and refunds per day, week or month, from the day
buckets the event processor keeps (one Query) and the counters (one GetItem), per developer or per project.

Stock figures (MRR, paying customers) are read backwards from today's counters: the value at the end of a day is
today's value minus the net movements of every later day, so a request costs the days from `from` to today, never
the history before it (docs/metrics.md).
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from paykit import metrics
from paykit.auth import Principal
from paykit.errors import InvalidInput
from paykit.models.analytics import Interval, Metric, Point, Summary, TimeSeries
from paykit.models.common import utcnow
from paykit.services.projects import owned_project
from paykit.store import keys
from paykit.store.table import Table, default_table

MAX_DAYS = 1096  # three years of daily buckets per request
DEFAULT_DAYS = 30
_FLOW = {"gross_revenue": ("revenue",), "refunds": ("refunds",), "failed_payments": ("failed",),
         "new_customers": ("customers_new", "customers_reactivated"), "churned_customers": ("customers_churned",),
         "cancellations": ("cancellations",), "usage_revenue": ("usage_revenue",)}


def timeseries(caller: Principal, metric: Metric, interval: Interval = "day", from_date: date | None = None,
               to_date: date | None = None, test_mode: bool = True, currency: str | None = None,
               project_id: uuid.UUID | None = None, table: Table | None = None,
               now: datetime | None = None) -> TimeSeries:
    table = table or default_table()
    today = (now or utcnow()).date()
    to_date = to_date or today
    from_date = from_date or to_date - timedelta(days=DEFAULT_DAYS - 1)
    if to_date > today:
        raise InvalidInput(("query", "to"), "Must not be after today (UTC)")
    if from_date > to_date:
        raise InvalidInput(("query", "from"), "Must not be after `to`")
    if (today - from_date).days >= MAX_DAYS:
        raise InvalidInput(("query", "from"), f"At most {MAX_DAYS} days back")
    mode = "test" if test_mode else "live"
    if project_id is not None:
        owned_project(caller, project_id, table)  # 404 / 403 as every project route
        counters_key = keys.counters(str(project_id), mode)
    else:
        counters_key = keys.developer_counters(caller.sub, mode)
    counters = table.get(counters_key) or {}
    buckets = {item["sk"].removeprefix("DAY#"): item for item in table.query_all(
        "pk = :pk AND sk BETWEEN :first AND :last",
        {":pk": counters_key["pk"], ":first": f"DAY#{from_date.isoformat()}", ":last": f"DAY#{today.isoformat()}"},
        newest_first=False)}
    currency = (currency or _main_currency(counters)).lower()
    days = _days(counters, buckets, currency, from_date, today)
    in_range = [d for d in days if d["day"] <= to_date]
    return TimeSeries(metric=metric, interval=interval, mode=mode, currency=currency,
                      project_id=str(project_id) if project_id else None, from_date=from_date.isoformat(),
                      to_date=to_date.isoformat(), points=_points(in_range, metric, interval),
                      summary=_summary(in_range, from_date, to_date))


def _main_currency(counters: dict[str, Any]) -> str:
    """The currency with the most MRR, else the most gross revenue, else usd."""
    def total(prefix: str, currency: str) -> int:
        return sum(int(v or 0) for n, v in counters.items() if n.startswith(prefix) and n.endswith(f"#{currency}"))

    currencies = sorted({n.rsplit("#", 1)[1] for n in counters if n.startswith(("mrr#", "gross#"))})
    if not currencies:
        return "usd"
    return max(currencies, key=lambda c: (total("mrr#", c), total("gross#", c)))


def _days(counters: dict[str, Any], buckets: dict[str, dict[str, Any]], currency: str, first: date,
          today: date) -> list[dict[str, Any]]:
    """One row per day from `first` to today: the day's flows and the MRR and paying customers at its end."""
    def get(bucket: dict[str, Any], name: str) -> int:
        return int(bucket.get(f"{name}#{currency}") or 0)

    mrr = sum(int(counters.get(f"mrr#{s}#{currency}") or 0) for s in metrics.MRR_STATUSES)
    customers = sum(int(counters.get(f"subscriptions#{s}#{currency}") or 0) for s in metrics.MRR_STATUSES)
    rows = []
    for offset in range((today - first).days, -1, -1):  # newest first: walk the stock figures back in time
        day = first + timedelta(days=offset)
        bucket = buckets.get(day.isoformat(), {})
        row = {"day": day, "mrr_end": mrr, "customers_end": customers, "net_new": metrics.net_new(bucket, currency),
               **{m: get(bucket, f"mrr_{m}") for m in metrics.MOVEMENTS},
               **{name: sum(get(bucket, part) for part in parts) for name, parts in _FLOW.items()}}
        rows.append(row)
        mrr -= row["net_new"]
        customers -= row["new_customers"] - row["churned_customers"]
    rows.reverse()
    return rows


def _period(day: date, interval: Interval) -> date:
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    return day


def _points(rows: list[dict[str, Any]], metric: Metric, interval: Interval) -> list[Point]:
    periods: dict[date, list[dict[str, Any]]] = {}
    for row in rows:
        periods.setdefault(_period(row["day"], interval), []).append(row)
    points = []
    for start, part in periods.items():
        def total(name: str) -> int:
            return sum(r[name] for r in part)

        if metric == "mrr":
            points.append(Point(date=start.isoformat(), value=part[-1]["mrr_end"]))
        elif metric == "mrr_movements":
            points.append(Point(date=start.isoformat(), value=total("net_new"),
                                **{m: total(m) for m in metrics.MOVEMENTS}))
        elif metric == "net_new_mrr":
            points.append(Point(date=start.isoformat(), value=total("net_new")))
        elif metric == "net_revenue":
            points.append(Point(date=start.isoformat(), value=total("gross_revenue") - total("refunds")))
        else:
            points.append(Point(date=start.isoformat(), value=total(metric)))
    return points


def _summary(rows: list[dict[str, Any]], first: date, last: date) -> Summary:
    def total(name: str) -> int:
        return sum(r[name] for r in rows)

    start_mrr = rows[0]["mrr_end"] - rows[0]["net_new"]
    start_customers = rows[0]["customers_end"] - rows[0]["new_customers"] + rows[0]["churned_customers"]
    end_mrr, end_customers = rows[-1]["mrr_end"], rows[-1]["customers_end"]
    # Rates per 30 days over what the range held on average (docs/metrics.md): each day counts the customers and
    # the MRR it had at its start plus what it gained, so a range that starts from nothing still has a rate.
    customer_days = sum(r["customers_end"] + r["churned_customers"] for r in rows)
    mrr_days = sum(r["mrr_end"] - r["net_new"] + _gained(r) for r in rows)
    churn_rate = metrics.rate(total("churned_customers") * 30, customer_days)
    arpu = round(end_mrr / end_customers) if end_customers else 0
    return Summary(
        mrr_start_cents=start_mrr, mrr_end_cents=end_mrr, new_mrr_cents=total("new"),
        expansion_mrr_cents=total("expansion"), contraction_mrr_cents=total("contraction"),
        churned_mrr_cents=total("churn"), reactivation_mrr_cents=total("reactivation"),
        net_new_mrr_cents=total("net_new"), customers_start=start_customers, customers_end=end_customers,
        new_customers=total("new_customers"), churned_customers=total("churned_customers"),
        customer_churn_rate=churn_rate,
        revenue_churn_rate=metrics.rate((total("churn") + total("contraction")) * 30, mrr_days),
        arpu_cents=arpu,
        ltv_cents=round(arpu * customer_days / (total("churned_customers") * 30)) if churn_rate and arpu else None,
        gross_revenue_cents=total("gross_revenue"), refunded_cents=total("refunds"),
        net_revenue_cents=total("gross_revenue") - total("refunds"), failed_payments=total("failed_payments"),
        usage_revenue_cents=total("usage_revenue"))


def _gained(row: dict[str, Any]) -> int:
    """What a day added to MRR: new, expansion, reactivation and a positive refresher's adjustment."""
    moved = row["new"] + row["expansion"] + row["reactivation"] - row["contraction"] - row["churn"]
    return row["new"] + row["expansion"] + row["reactivation"] + max(0, row["net_new"] - moved)
