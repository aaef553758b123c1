"""Developer views across all owned projects (E1-E4); E3 lists projects with their payment-config state."""
from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from paykit import api
from paykit.auth import Role
from paykit.models.config import ProjectPaymentConfigList
from paykit.models.lists import AggregatedPaymentList, AggregatedSubscriptionList
from paykit.models.stats import PaymentStats
from paykit.observability import logger, metrics, tracer
from paykit.store.table import default_table
from paykit.services import config, lists, stats

# Clients are built during init, outside the handler, and reused by every warm invocation.
default_table()
app = api.resolver()


@app.get("/api/v1/payments/projects")
def list_payment_projects() -> ProjectPaymentConfigList:
    return config.list_payment_configs(api.principal(app))


@app.get("/api/v1/payments/subscriptions")
def list_subscriptions(project_id: UUID | None = None, test_mode: bool | None = None, status: str | None = None,
                       page: Annotated[int, Query(ge=1)] = 1, page_size: Annotated[int, Query(ge=1, le=100)] = 50,
                       cursor: str | None = None) -> AggregatedSubscriptionList:
    return lists.developer_subscriptions(api.principal(app), project_id, test_mode, status, page, page_size, cursor)


@app.get("/api/v1/payments/transactions")
def list_transactions(project_id: UUID | None = None, test_mode: bool | None = None, status: str | None = None,
                      page: Annotated[int, Query(ge=1)] = 1, page_size: Annotated[int, Query(ge=1, le=100)] = 50,
                      cursor: str | None = None) -> AggregatedPaymentList:
    return lists.developer_payments(api.principal(app), project_id, test_mode, status, page, page_size, cursor)


@app.get("/api/v1/payments/stats")
def payment_stats(test_mode: bool = True) -> PaymentStats:
    return stats.payment_stats(api.principal(app), test_mode)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return api.handle(app, event, context, role=Role.DEVELOPER)
