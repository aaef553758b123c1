"""Moves Stripe events from the webhook DLQ back to the webhook queue, on AWS or the local stack (AWS_ENDPOINT_URL)."""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import boto3

USAGE = """
Usage:
  python scripts/redrive_dlq.py --stack paykit-prod            # queue URLs from the stack's outputs
  python scripts/redrive_dlq.py --queue-url URL --dlq-url URL  # explicit (the local stack prints none: see --prefix)
  AWS_ENDPOINT_URL=http://127.0.0.1:PORT python scripts/redrive_dlq.py --prefix paykit-local

Each message keeps its MessageGroupId and MessageDeduplicationId (Stripe's event id): a message reaches the DLQ
after 5 receives of 180 s, well past SQS's 5-minute deduplication window, and the processor's marker makes a
second copy a no-op anyway. A message is deleted from the DLQ only after it was sent to the queue.
"""


def redrive(sqs: Any, dlq_url: str, queue_url: str, limit: int | None = None) -> int:
    """Moves up to `limit` messages (all when None); returns how many were moved."""
    moved = 0
    while limit is None or moved < limit:
        batch = min(10, limit - moved) if limit is not None else 10
        messages = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=batch, WaitTimeSeconds=1,
                                       AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
        if not messages:
            return moved
        for message in messages:
            attributes = message.get("Attributes", {})
            args: dict[str, Any] = {"QueueUrl": queue_url, "MessageBody": message["Body"],
                                    "MessageGroupId": attributes["MessageGroupId"]}
            if attributes.get("MessageDeduplicationId"):
                args["MessageDeduplicationId"] = attributes["MessageDeduplicationId"]
            if message.get("MessageAttributes"):
                args["MessageAttributes"] = message["MessageAttributes"]
            sqs.send_message(**args)
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved


def _urls(args: argparse.Namespace, sqs: Any) -> tuple[str, str]:
    if args.queue_url and args.dlq_url:
        return args.queue_url, args.dlq_url
    if args.stack:
        outputs = boto3.client("cloudformation").describe_stacks(StackName=args.stack)["Stacks"][0]["Outputs"]
        values = {o["OutputKey"]: o["OutputValue"] for o in outputs}
        return values["WebhookQueueUrl"], values["WebhookDeadLetterQueueUrl"]
    # The local stack names queues `{prefix}-{LogicalId}.fifo` (local/aws_local.py).
    return (sqs.get_queue_url(QueueName=f"{args.prefix}-WebhookQueue.fifo")["QueueUrl"],
            sqs.get_queue_url(QueueName=f"{args.prefix}-WebhookDeadLetterQueue.fifo")["QueueUrl"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, epilog=USAGE,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", help="CloudFormation stack name (reads WebhookQueueUrl, WebhookDeadLetterQueueUrl)")
    parser.add_argument("--queue-url")
    parser.add_argument("--dlq-url")
    parser.add_argument("--prefix", default="paykit-local", help="queue name prefix of the local stack")
    parser.add_argument("--limit", type=int, default=None, help="move at most this many messages")
    args = parser.parse_args(argv)
    sqs = boto3.client("sqs", endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None)
    queue_url, dlq_url = _urls(args, sqs)
    moved = redrive(sqs, dlq_url, queue_url, args.limit)
    print(f"moved {moved} message(s) from the DLQ back to the webhook queue")
    return 0


if __name__ == "__main__":
    sys.exit(main())
