"""E4 statistics: the documented PaymentStats fields, plus breakdowns that never add modes or currencies together."""
from __future__ import annotations

from pydantic import Field

from paykit.models.common import ResponseModel


class CurrencyStats(ResponseModel):
    """One (mode, currency): amounts in cents of that currency only. Definitions: docs/metrics.md."""
    revenue_cents: int = 0  # the contract's revenue: payments whose status is `succeeded` (not refunded at all)
    gross_revenue_cents: int = 0  # every paid payment's amount, whatever was refunded later
    refunded_cents: int = 0  # every refund, all time
    net_revenue_cents: int = 0  # gross_revenue_cents - refunded_cents
    usage_revenue_cents: int = 0  # the part of gross revenue that metered items billed (not MRR)
    mrr_cents: int = 0  # active + past_due subscriptions, prices normalised to a month, times quantity
    trialing_mrr_cents: int = 0  # the same over trialing subscriptions, reported apart
    arpu_cents: int = 0  # mrr_cents / paying subscriptions (active + past_due), rounded
    active_subscriptions: int = 0
    past_due_subscriptions: int = 0
    trialing_subscriptions: int = 0
    gross_revenue_30d_cents: int = 0  # paid payments created in the last 30 days (later refunds included)
    refunded_30d_cents: int = 0  # refunds made in the last 30 days (dated when they happened)
    net_revenue_30d_cents: int = 0  # gross_revenue_30d_cents - refunded_30d_cents
    failed_payments_30d: int = 0
    cancellations_30d: int = 0


class ModeStats(ResponseModel):
    total_subscriptions: int = 0
    active_subscriptions: int = 0  # active or trialing, as the documented top-level figure
    total_payments: int = 0
    successful_payments: int = 0
    by_currency: dict[str, CurrencyStats] = Field(default_factory=dict)


class PaymentStats(ResponseModel):
    total_projects: int
    projects_with_config: int
    projects_with_test: int
    projects_with_live: int
    total_subscriptions: int
    active_subscriptions: int
    total_payments: int
    successful_payments: int
    total_revenue_cents: int
    currency: str = "usd"
    # Beyond the contract (decision 5): which mode the top-level revenue is from, and the breakdowns.
    revenue_mode: str = "live"
    by_mode: dict[str, ModeStats] = Field(default_factory=dict)
    by_currency: dict[str, dict[str, CurrencyStats]] = Field(default_factory=dict)
