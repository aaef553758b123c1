"""Sends outbox items again whose sends ended in the outbox DLQ, on AWS or the local stack (AWS_ENDPOINT_URL)."""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import boto3

USAGE = """
Usage:
  python scripts/redrive_outbox.py --stack paykit-prod          # table and DLQ from the stack's outputs
  python scripts/redrive_outbox.py --table NAME --dlq-url URL
  AWS_ENDPOINT_URL=http://127.0.0.1:PORT python scripts/redrive_outbox.py --table paykit-local   # local stack

A DLQ message says where the failed records are in the table's stream, not what they were (Lambda's on-failure
record). For each, the outbox items are read from the stream (24 h retention) and the table (7 days), and each is
written again as a copy under its own key: a new INSERT that the stream hands to the outbox sender. The copy keeps
the item's `key`, so a meter event is sent under its first identifier and Stripe counts it once; a second run, or a
run after a crash, writes the same copy at most once. A message leaves the DLQ only after its items were written.
"""

# A copy's partition: the item's own plus the DLQ message that brought it back (a rerun finds it written).
RESEND_SUFFIX = "#RESEND#"


def failed_records(streams: Any, info: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The stream records between the batch's first and last sequence numbers; None once the stream dropped them."""
    end = int(info["endSequenceNumber"])
    try:
        iterator = streams.get_shard_iterator(StreamArn=info["streamArn"], ShardId=info["shardId"],
                                              ShardIteratorType="AT_SEQUENCE_NUMBER",
                                              SequenceNumber=info["startSequenceNumber"])["ShardIterator"]
    except streams.exceptions.ResourceNotFoundException:
        return None
    found: list[dict[str, Any]] = []
    while iterator:
        page = streams.get_records(ShardIterator=iterator, Limit=100)
        for record in page["Records"]:
            if int(record["dynamodb"]["SequenceNumber"]) > end:
                return found
            found.append(record)
        if not page["Records"]:
            return found
        iterator = page.get("NextShardIterator")
    return found


def resend(dynamodb: Any, table: str, keys: dict[str, Any], tag: str) -> bool:
    """Writes the outbox item at `keys` again as a copy named by `tag`; False when the item is gone (expired)."""
    item = dynamodb.get_item(TableName=table, Key=keys, ConsistentRead=True).get("Item")
    if item is None or item.get("type", {}).get("S") != "outbox":
        return False
    copy = {**item, "pk": {"S": item["pk"]["S"] + RESEND_SUFFIX + tag}}
    try:
        dynamodb.put_item(TableName=table, Item=copy, ConditionExpression="attribute_not_exists(pk)")
    except dynamodb.exceptions.ConditionalCheckFailedException:
        pass  # written by an earlier run of this message: its INSERT is already on the stream
    return True


def redrive(sqs: Any, streams: Any, dynamodb: Any, table: str, dlq_url: str, limit: int | None = None
            ) -> dict[str, int]:
    """Handles up to `limit` DLQ messages (all when None): counts of messages done, items resent, items gone, and
    messages left in the DLQ because the stream no longer holds their records."""
    counts = {"messages": 0, "resent": 0, "gone": 0, "unreadable": 0}
    seen: set[str] = set()
    while limit is None or counts["messages"] + counts["unreadable"] < limit:
        messages = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                       VisibilityTimeout=60).get("Messages", [])
        fresh = [m for m in messages if m["MessageId"] not in seen]
        if not fresh:
            return counts
        for message in fresh:
            seen.add(message["MessageId"])
            records = failed_records(streams, json.loads(message["Body"])["DDBStreamBatchInfo"])
            if records is None:
                counts["unreadable"] += 1  # stays in the DLQ: docs/operations.md, "The outbox"
                continue
            for record in records:
                if record.get("eventName") != "INSERT":
                    continue
                done = resend(dynamodb, table, record["dynamodb"]["Keys"], message["MessageId"])
                counts["resent" if done else "gone"] += 1
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            counts["messages"] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, epilog=USAGE,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", help="CloudFormation stack name (reads TableName, OutboxDeadLetterQueueUrl)")
    parser.add_argument("--table", help="the table's name (instead of --stack)")
    parser.add_argument("--dlq-url", help="the outbox DLQ's URL (default: the stack's; on the local stack the "
                                          "queue `{table}-OutboxDeadLetterQueue`)")
    parser.add_argument("--limit", type=int, default=None, help="handle at most this many DLQ messages")
    args = parser.parse_args(argv)
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or None
    table, dlq_url = args.table, args.dlq_url
    if args.stack:
        outputs = boto3.client("cloudformation", endpoint_url=endpoint).describe_stacks(
            StackName=args.stack)["Stacks"][0]["Outputs"]
        values = {o["OutputKey"]: o["OutputValue"] for o in outputs}
        table, dlq_url = table or values["TableName"], dlq_url or values["OutboxDeadLetterQueueUrl"]
    if not table:
        parser.error("give --stack or --table")
    sqs = boto3.client("sqs", endpoint_url=endpoint)
    # The local stack names its queues `{table}-{LogicalId}` (local/aws_local.py).
    dlq_url = dlq_url or sqs.get_queue_url(QueueName=f"{table}-OutboxDeadLetterQueue")["QueueUrl"]
    counts = redrive(sqs, boto3.client("dynamodbstreams", endpoint_url=endpoint),
                     boto3.client("dynamodb", endpoint_url=endpoint), table, dlq_url, args.limit)
    print(f"{counts['messages']} DLQ message(s) handled: {counts['resent']} outbox item(s) written again, "
          f"{counts['gone']} already expired; {counts['unreadable']} left in the DLQ (no longer in the stream)")
    return 0 if counts["unreadable"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
