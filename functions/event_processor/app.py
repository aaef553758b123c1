"""Stripe event processor: SQS FIFO batches from the receiver, each event applied exactly once, partial batch failures."""
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from paykit.observability import logger, metrics, tracer
from paykit.processor import default_processor

# Clients are built during init; the Stripe SDK only when an event needs an object fetched.
default_processor()
# BatchProcessor rather than SqsFifoPartialProcessor: every event is applied under its own ordering guard, so a
# failed event need not hold back the rest of its message group (which would send healthy events to the DLQ).
batch = BatchProcessor(event_type=EventType.SQS)


def process_record(record: SQSRecord) -> None:
    default_processor().process_message(record.body)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(event=event, record_handler=process_record, processor=batch, context=context)
