"""Lambda's DynamoDB stream event source for the local stack: reads the table's stream from moto and invokes the real
outbox_sender handler with the records its FilterCriteria (read from template.yaml) let through.

As Lambda does: records of a batch in stream order; a partial batch response resumes from the first failed record;
an invocation that raises is retried with the batch bisected (BisectBatchOnFunctionError); a record that still
fails after `max_attempts` goes, with its stream coordinates, to the on-failure destination (the outbox DLQ).
"""
from __future__ import annotations

import json
import threading
from typing import Any, Callable

from local import lambda_host
from local.template import functions


def matches(pattern: Any, value: Any) -> bool:
    """Lambda's filter rule subset PayKit uses: nested objects, each leaf a list of allowed values."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(matches(sub, value.get(key)) for key, sub in pattern.items())
    return value in pattern


def stream_event_source(function: str) -> dict[str, Any]:
    """The function's DynamoDB event source as the template declares it (batch size, filters, retries)."""
    spec = functions()[function]
    return next(e["Properties"] for e in spec.events.values() if e.get("Type") == "DynamoDB")


class StreamPoller:
    def __init__(self, aws: Any, table_name: str, function: str = "outbox_sender", dlq_url: str | None = None,
                 max_attempts: int = 3, interval: float = 0.2,
                 invoke: Callable[[str, dict[str, Any]], Any] = lambda_host.invoke) -> None:
        source = stream_event_source(function)
        self.function = function
        self.batch_size = int(source.get("BatchSize", 100))
        self.filters = [json.loads(f["Pattern"]) for f in (source.get("FilterCriteria") or {}).get("Filters", [])]
        self.max_attempts = max_attempts  # Lambda's MaximumRetryAttempts, kept small for a local stack
        self.interval = interval
        self.dlq_url = dlq_url
        self._invoke = invoke
        self._sqs = aws.client("sqs")
        self._streams = aws.client("dynamodbstreams")
        self._stream_arn = aws.client("dynamodb").describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
        shard = self._streams.describe_stream(StreamArn=self._stream_arn)["StreamDescription"]["Shards"][0]
        self._shard = shard["ShardId"]
        self._iterator_type, self._after = "TRIM_HORIZON", None
        self._pending: list[dict[str, Any]] = []  # matching records read, not yet handled
        # From now on, as a new event source mapping at LATEST would (tests share one table across a session); a
        # LATEST iterator would move on with every read that finds nothing, so the position is taken once here.
        self._read()
        self._pending.clear()
        self._attempts: dict[str, int] = {}
        self._size = self.batch_size  # halved while a failing batch is bisected
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _read(self) -> None:
        args: dict[str, Any] = {"StreamArn": self._stream_arn, "ShardId": self._shard,
                                "ShardIteratorType": self._iterator_type}
        if self._after is not None:
            args["SequenceNumber"] = self._after
        iterator = self._streams.get_shard_iterator(**args)["ShardIterator"]
        while True:
            records = self._streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]
            if not records:
                return
            self._iterator_type, self._after = "AFTER_SEQUENCE_NUMBER", records[-1]["dynamodb"]["SequenceNumber"]
            self._pending += [{**r, "eventSourceARN": self._stream_arn} for r in records
                              if any(matches(f, r) for f in self.filters)]
            iterator = self._streams.get_shard_iterator(StreamArn=self._stream_arn, ShardId=self._shard,
                                                        ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                                        SequenceNumber=self._after)["ShardIterator"]

    def pending_records(self) -> list[dict[str, Any]]:
        """The matching records not yet handled, oldest first (tests look before they drain)."""
        with self._lock:
            self._read()
            return list(self._pending)

    def poll_once(self) -> int:
        """Reads what is new and invokes the function with one batch; the number of records handed to it."""
        with self._lock:
            self._read()
            batch = self._pending[:self._size]
            if not batch:
                return 0
            try:
                result = self._invoke(self.function, {"Records": batch}) or {}
            except Exception:  # noqa: BLE001 - the invocation failed: bisect, then count attempts of single records
                if len(batch) > 1:
                    self._size = max(1, len(batch) // 2)
                    return len(batch)
                failed_from = 0
            else:
                failures = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
                failed_from = next((i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failures),
                                   len(batch))
            self._done(batch[:failed_from])
            if failed_from < len(batch):
                self._failed(batch[failed_from])
            else:
                self._size = self.batch_size
            return len(batch)

    def _done(self, records: list[dict[str, Any]]) -> None:
        del self._pending[:len(records)]

    def _failed(self, record: dict[str, Any]) -> None:
        sequence = record["dynamodb"]["SequenceNumber"]
        self._attempts[sequence] = self._attempts.get(sequence, 0) + 1
        if self._attempts[sequence] < self.max_attempts:
            return  # retried from this record on the next poll
        self._pending.remove(record)
        if self.dlq_url:  # Lambda's on-failure record: where the record is, not the record itself
            self._sqs.send_message(QueueUrl=self.dlq_url, MessageBody=json.dumps({
                "DDBStreamBatchInfo": {"streamArn": self._stream_arn, "shardId": self._shard,
                                       "startSequenceNumber": sequence, "endSequenceNumber": sequence,
                                       "batchSize": 1},
                "requestContext": {"condition": "RetryAttemptsExhausted",
                                   "approximateInvokeCount": self._attempts[sequence]}}))

    def drain(self, max_polls: int = 100) -> int:
        """Polls until nothing is left to hand over (tests and benchmarks); the number of records handed over."""
        total = 0
        for _ in range(max_polls):
            handed = self.poll_once()
            if not handed:
                return total
            total += handed
        return total

    def start(self) -> "StreamPoller":
        self._thread = threading.Thread(target=self._run, name="stream-poller", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if not self.poll_once():
                    self._stop.wait(self.interval)
            except Exception:  # noqa: BLE001 - moto stopping under us, or a transient error: poll again
                self._stop.wait(0.5)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
