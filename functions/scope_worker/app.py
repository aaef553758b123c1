"""Scheduled-work worker: SQS batches of the work queue, one scope (or a producer's cursor) per message."""
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from paykit.observability import logger, metrics, tracer
from paykit.services.work import default_worker

# Clients are built during init; the Stripe SDK on the first reconcile.
default_worker()
batch = BatchProcessor(event_type=EventType.SQS)
_context: dict[str, LambdaContext] = {}


def process_record(record: SQSRecord) -> None:
    default_worker().handle(record.body, record.receipt_handle, int(record.attributes.approximate_receive_count),
                            _context["current"].get_remaining_time_in_millis)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    _context["current"] = context
    return process_partial_response(event=event, record_handler=process_record, processor=batch, context=context)
