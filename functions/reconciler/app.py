"""Scheduled reconciler: queues one work message per active (project, mode); the worker asks Stripe for each."""
from dataclasses import asdict

from aws_lambda_powertools.utilities.typing import LambdaContext

from paykit.observability import logger, metrics, tracer
from paykit.services.work import RECONCILE_PASS, default_producer

# Clients are built during init and reused by warm invocations.
default_producer()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return asdict(default_producer().start(RECONCILE_PASS, context.get_remaining_time_in_millis))
