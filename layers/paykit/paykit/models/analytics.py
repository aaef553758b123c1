"""The revenue time series (issue 13): points per period of one metric, in one mode and one currency."""
from __future__ import annotations

from typing import Literal

from paykit.models.common import ResponseModel

Metric = Literal["mrr", "net_new_mrr", "mrr_movements", "gross_revenue", "refunds", "net_revenue", "failed_payments",
                 "new_customers", "churned_customers", "cancellations", "usage_revenue"]
Interval = Literal["day", "week", "month"]


class Point(ResponseModel):
    """One period: `date` is its first day (UTC; weeks start on Monday). `value` is the metric's figure; for
    `mrr_movements` it is net new MRR and the five movements are given too."""

    date: str
    value: int
    new: int | None = None
    expansion: int | None = None
    contraction: int | None = None
    churn: int | None = None
    reactivation: int | None = None


class Summary(ResponseModel):
    """The whole range's figures (docs/metrics.md); rates are per 30 days, None when their base is 0."""

    mrr_start_cents: int
    mrr_end_cents: int
    new_mrr_cents: int
    expansion_mrr_cents: int
    contraction_mrr_cents: int
    churned_mrr_cents: int
    reactivation_mrr_cents: int
    net_new_mrr_cents: int
    customers_start: int
    customers_end: int
    new_customers: int
    churned_customers: int
    customer_churn_rate: float | None
    revenue_churn_rate: float | None
    arpu_cents: int
    ltv_cents: int | None
    gross_revenue_cents: int
    refunded_cents: int
    net_revenue_cents: int
    failed_payments: int
    usage_revenue_cents: int  # the part of gross revenue that metered items billed (not MRR)


class TimeSeries(ResponseModel):
    metric: Metric
    interval: Interval
    mode: Literal["test", "live"]
    currency: str
    project_id: str | None
    from_date: str
    to_date: str
    points: list[Point]
    summary: Summary
