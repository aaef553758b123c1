"""Developer views across all owned projects (E1-E4); E3 lists projects with their payment-config state."""
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from paykit import api
from paykit.auth import Role
from paykit.models.config import ProjectPaymentConfigList
from paykit.observability import logger, metrics, tracer
from paykit.store.table import default_table
from paykit.services import config

# Clients are built during init, outside the handler, and reused by every warm invocation.
default_table()
app = api.resolver()


@app.get("/api/v1/payments/projects")
def list_payment_projects() -> ProjectPaymentConfigList:
    return config.list_payment_configs(api.principal(app))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return api.handle(app, event, context, role=Role.DEVELOPER)
