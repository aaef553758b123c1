"""Scheduled reconciler: queues the Stripe events that Stripe could not deliver, through the receiver's send path."""
from dataclasses import asdict

from aws_lambda_powertools.utilities.typing import LambdaContext

from paykit.observability import logger, metrics, tracer
from paykit.services.reconciler import default_reconciler

# Clients are built during init; the Stripe SDK on the first project's call.
default_reconciler()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return asdict(default_reconciler().run())
