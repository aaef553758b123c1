"""Scheduled stats refresher: recounts every developer's counters from the records, corrects drift, rolls them up."""
from aws_lambda_powertools.utilities.typing import LambdaContext

from paykit.observability import logger, metrics, tracer
from paykit.services import stats
from paykit.store.table import default_table

# Clients are built during init and reused by warm invocations.
default_table()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    drift = stats.refresh_all()
    logger.info("stats refreshed", developers=len(drift), corrected=sum(drift.values()))
    return {"developers": len(drift), "corrected": sum(drift.values())}
