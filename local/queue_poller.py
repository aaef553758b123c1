"""Lambda's SQS event source for the local stack: long-polls the webhook queue into the real event_processor handler."""
from __future__ import annotations

import threading
from typing import Any, Callable

from local import lambda_host


def lambda_records(messages: list[dict[str, Any]], queue_arn: str, region: str = "us-east-1") -> dict[str, Any]:
    """SQS messages (received with every attribute) shaped as the records Lambda hands a function."""
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m.get("Attributes", {}), "messageAttributes": m.get("MessageAttributes", {}),
        "md5OfBody": m.get("MD5OfBody", ""), "eventSource": "aws:sqs", "eventSourceARN": queue_arn,
        "awsRegion": region} for m in messages]}


class QueuePoller:
    """One poll -> one invocation -> delete what succeeded; failures stay invisible until the visibility timeout
    ends and count a receive each, so the queue's redrive policy moves a poison message to the DLQ after 5."""

    def __init__(self, sqs: Any, queue_url: str, function: str = "event_processor", batch_size: int = 10,
                 wait_seconds: int = 1, visibility_timeout: int | None = None,
                 invoke: Callable[[str, dict[str, Any]], Any] = lambda_host.invoke) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.function = function
        self.batch_size = batch_size
        self.wait_seconds = wait_seconds  # short: stop() returns within it
        self.visibility_timeout = visibility_timeout
        self._invoke = invoke
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]

    def poll_once(self) -> int:
        """One receive and one invocation; the number of messages received."""
        args: dict[str, Any] = {"QueueUrl": self.queue_url, "MaxNumberOfMessages": self.batch_size,
                                "WaitTimeSeconds": self.wait_seconds, "AttributeNames": ["All"],
                                "MessageAttributeNames": ["All"]}
        if self.visibility_timeout is not None:
            args["VisibilityTimeout"] = self.visibility_timeout
        messages = self.sqs.receive_message(**args).get("Messages", [])
        if not messages:
            return 0
        try:
            result = self._invoke(self.function, lambda_records(messages, self.queue_arn)) or {}
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        except Exception:  # noqa: BLE001 - a crashed invocation: Lambda retries the whole batch
            failed = {m["MessageId"] for m in messages}
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[start:start + 10])])
        return len(messages)

    def drain(self, max_polls: int = 100) -> int:
        """Polls until a receive comes back empty (tests and benchmarks); the number of messages handled."""
        total = 0
        for _ in range(max_polls):
            received = self.poll_once()
            if not received:
                return total
            total += received
        return total

    def start(self) -> "QueuePoller":
        self._thread = threading.Thread(target=self._run, name="queue-poller", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:  # noqa: BLE001 - moto stopping under us, or a transient error: poll again
                self._stop.wait(0.5)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
