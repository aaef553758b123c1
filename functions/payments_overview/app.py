"""Developer views across all owned projects (E1-E4); E3 lists projects with their payment-config state."""
from datetime import date
from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from paykit import api
from paykit.auth import Role
from paykit.models.analytics import Interval, Metric, TimeSeries
from paykit.models.config import ProjectPaymentConfigList
from paykit.models.lists import (
    EXPORT_RESPONSES,
    AggregatedPaymentList,
    AggregatedSubscriptionList,
    CreatedFrom,
    CreatedTo,
    ExportSize,
    Format,
)
from paykit.models.stats import PaymentStats
from paykit.observability import logger, metrics, tracer
from paykit.store.table import default_table
from paykit.services import analytics, config, lists, stats

# Clients are built during init, outside the handler, and reused by every warm invocation.
default_table()
app = api.resolver()


@app.get("/api/v1/payments/projects")
def list_payment_projects() -> ProjectPaymentConfigList:
    return config.list_payment_configs(api.principal(app))


@app.get("/api/v1/payments/subscriptions")
def list_subscriptions(project_id: UUID | None = None, test_mode: bool | None = None, status: str | None = None,
                       page: Annotated[int, Query(ge=1)] = 1, page_size: Annotated[int, Query(ge=1, le=100)] = 50,
                       cursor: str | None = None, created_from: CreatedFrom = None,
                       created_to: CreatedTo = None) -> AggregatedSubscriptionList:
    return lists.developer_subscriptions(api.principal(app), project_id, test_mode, status, page, page_size, cursor,
                                         created_from=created_from, created_to=created_to)


@app.get("/api/v1/payments/transactions")
def list_transactions(project_id: UUID | None = None, test_mode: bool | None = None, status: str | None = None,
                      page: Annotated[int, Query(ge=1)] = 1, page_size: Annotated[int, Query(ge=1, le=100)] = 50,
                      cursor: str | None = None, created_from: CreatedFrom = None,
                      created_to: CreatedTo = None) -> AggregatedPaymentList:
    return lists.developer_payments(api.principal(app), project_id, test_mode, status, page, page_size, cursor,
                                    created_from=created_from, created_to=created_to)


@app.get("/api/v1/payments/subscriptions/export", responses=EXPORT_RESPONSES)
def export_subscriptions(project_id: UUID | None = None, test_mode: bool | None = None, status: str | None = None,
                         created_from: CreatedFrom = None, created_to: CreatedTo = None, fmt: Format = "csv",
                         page_size: ExportSize = 1000, cursor: str | None = None) -> api.Response[str]:
    chunk = lists.export_developer(api.principal(app), "subscription", project_id, test_mode, status, created_from,
                                   created_to, fmt, page_size, cursor)
    return api.Response(status_code=200, content_type=chunk.media_type, body=chunk.body, headers=chunk.headers())


@app.get("/api/v1/payments/transactions/export", responses=EXPORT_RESPONSES)
def export_transactions(project_id: UUID | None = None, test_mode: bool | None = None, status: str | None = None,
                        created_from: CreatedFrom = None, created_to: CreatedTo = None, fmt: Format = "csv",
                        page_size: ExportSize = 1000, cursor: str | None = None) -> api.Response[str]:
    chunk = lists.export_developer(api.principal(app), "payment", project_id, test_mode, status, created_from,
                                   created_to, fmt, page_size, cursor)
    return api.Response(status_code=200, content_type=chunk.media_type, body=chunk.body, headers=chunk.headers())


@app.get("/api/v1/payments/stats")
def payment_stats(test_mode: bool = True) -> PaymentStats:
    return stats.payment_stats(api.principal(app), test_mode)


@app.get("/api/v1/payments/stats/timeseries")
def stats_timeseries(metric: Metric = "mrr", interval: Interval = "day",
                     from_date: Annotated[date | None, Query(alias="from")] = None,
                     to_date: Annotated[date | None, Query(alias="to")] = None, test_mode: bool = True,
                     currency: Annotated[str | None, Query(pattern="^[A-Za-z]{3}$")] = None,
                     project_id: UUID | None = None) -> TimeSeries:
    return analytics.timeseries(api.principal(app), metric, interval, from_date, to_date, test_mode, currency,
                                project_id)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return api.handle(app, event, context, role=Role.DEVELOPER)
