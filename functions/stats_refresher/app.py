"""Scheduled stats refresher: queues the scopes events changed since its last pass (`{"full": true}`: every
developer, the full recount); the worker recounts each, corrects drift and rolls it up."""
from dataclasses import asdict

from aws_lambda_powertools.utilities.typing import LambdaContext

from paykit.observability import logger, metrics, tracer
from paykit.services.work import REFRESH_ALL, REFRESH_CHANGED, default_producer

# Clients are built during init and reused by warm invocations.
default_producer()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    full = bool(event.get("full") or (event.get("detail") or {}).get("full"))
    report = default_producer().start(REFRESH_ALL if full else REFRESH_CHANGED, context.get_remaining_time_in_millis)
    logger.info("stats refresh enqueued", full=full, enqueued=report.enqueued)
    return asdict(report)
