"""Outbox sender: the table's stream, filtered to new outbox items, each sent once in effect (decision 33)."""
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from paykit.observability import logger, metrics, tracer
from paykit.services import outbox
from paykit.store.table import deserialize

# One failed item is reported alone; the stream retries from it (bisecting a failing batch) and then its DLQ keeps it.
batch = BatchProcessor(event_type=EventType.DynamoDBStreams)


def send_record(record: DynamoDBRecord) -> None:
    outbox.send(deserialize(record.raw_event["dynamodb"]["NewImage"]))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(event=event, record_handler=send_record, processor=batch, context=context)
