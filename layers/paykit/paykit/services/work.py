"""Scheduled work fanned out over the work queue (issue 15): its messages, the producers that page an index into
it and hand on a cursor before their time runs out, and the worker that runs one scope per message."""
from __future__ import annotations

import json
import random
import time
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from typing import Any, Callable

from paykit import aws
from paykit.errors import NotFound, StripeCredentialsInvalid, StripeRateLimited, StripeUnavailable
from paykit.observability import logger
from paykit.settings import get_settings
from paykit.store import dirty, keys
from paykit.store.errors import ConditionFailed
from paykit.store.table import Table, default_table

# Message kinds: one scope of the reconciler, one scope or developer of the refresher, a producer's cursor, and
# the parked events of a project whose re-enabling PUT did not queue them all (decision 24).
RECONCILE, REFRESH, CONTINUE, DRAIN = "reconcile", "refresh", "continue", "drain"
# Passes: the reconciler's, the refresher's incremental one (the hourly schedule) and its full recount (on demand).
RECONCILE_PASS, REFRESH_CHANGED, REFRESH_ALL = "reconcile", "refresh-changed", "refresh-all"
PASSES = (RECONCILE_PASS, REFRESH_CHANGED, REFRESH_ALL)

PAGE_SIZE = 100
# A producer hands its cursor on while this much of its invocation is left: a page (one Query, ten
# SendMessageBatch calls) takes well under a second, so this is room for a slow one.
MARGIN_MS = 20_000
# The next incremental pass reads marks from this long before the last one started: a transaction that read its
# clock just before that start may have committed just after the pass read its bucket.
CLOCK_SKEW_SECONDS = 300
FIRST_PASS_LOOKBACK_SECONDS = dirty.MARK_DAYS * 86400
MAX_BACKOFF_SECONDS = 900
# A handed-on segment is claimed for the worker's whole timeout (template.yaml: 120 s): a copy of its message that
# arrives meanwhile (a standard queue delivers at least once) is dropped; a redelivery after a failed attempt comes
# after the queue's visibility timeout (720 s), when the claim has lapsed, and runs the segment again.
SEGMENT_LEASE_SECONDS = 120
SEGMENT_DAYS = 2


@dataclass(frozen=True)
class Work:
    """One message of the work queue."""

    kind: str
    project_id: str | None = None
    mode: str | None = None
    developer_id: str | None = None
    # CONTINUE only: the pass, where it stopped, the marks it reads (since) and when it started
    producer: str | None = None
    cursor: dict[str, Any] | None = None
    since: int | None = None
    started: int | None = None

    def body(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None}, separators=(",", ":"))

    @classmethod
    def parse(cls, body: str) -> "Work":
        data = json.loads(body)
        work = cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})
        valid = {RECONCILE: bool(work.project_id and work.mode),
                 REFRESH: bool(work.developer_id or (work.project_id and work.mode)),
                 CONTINUE: work.producer in PASSES, DRAIN: bool(work.project_id)}
        if not valid.get(work.kind):
            raise ValueError(f"not a work message: {body[:200]}")
        return work

    @property
    def scope(self) -> str:
        if self.kind == CONTINUE:
            return f"{self.producer}@{json.dumps(self.cursor, sort_keys=True)}"
        if self.kind == DRAIN:
            return f"parked@{self.project_id}"
        return self.developer_id and f"DEV#{self.developer_id}" or keys.scope(self.project_id or "", self.mode or "")


class WorkQueue:
    """The standard SQS queue of scheduled work (no order, no message groups: each scope stands alone)."""

    def __init__(self, sqs: Any, url: str | None) -> None:
        self.sqs = sqs
        self.url = url

    def send(self, works: list[Work]) -> int:
        """SendMessageBatch by 10, resending the entries SQS reports failed (a bounded number of times)."""
        for start in range(0, len(works), 10):
            entries = [{"Id": str(i), "MessageBody": w.body()} for i, w in enumerate(works[start:start + 10])]
            for _ in range(5):
                failed = {f["Id"] for f in self.sqs.send_message_batch(QueueUrl=self.url, Entries=entries)
                          .get("Failed", [])}
                entries = [e for e in entries if e["Id"] in failed]
                if not entries:
                    break
            else:
                raise RuntimeError("SQS kept refusing work messages")
        return len(works)

    def back_off(self, receipt_handle: str, seconds: int) -> None:
        """Hides one received message for `seconds`: only that scope waits, the rest of the queue flows."""
        self.sqs.change_message_visibility(QueueUrl=self.url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds)


def backoff_seconds(receive_count: int, base: int) -> int:
    """Doubles per receive from `base`, at most 15 minutes, with up to 20 % jitter so throttled scopes spread out."""
    delay = min(MAX_BACKOFF_SECONDS, base * 2 ** max(0, receive_count - 1))
    return min(MAX_BACKOFF_SECONDS, delay + int(random.random() * delay * 0.2))


@dataclass
class PassReport:
    producer: str
    pages: int = 0
    enqueued: int = 0
    continued: bool = False  # handed its cursor on to the queue
    completed: bool = False
    duplicate: bool = False  # this segment was run, or is running, from another copy of its message


class Producer:
    """Pages an index into the work queue; near its own time limit it queues a CONTINUE message with its cursor,
    which the worker resumes (so no pass depends on one invocation's 15 minutes)."""

    def __init__(self, table: Table, queue: WorkQueue, clock: Callable[[], float] = time.time,
                 page_size: int = PAGE_SIZE, margin_ms: int = MARGIN_MS) -> None:
        self.table = table
        self.queue = queue
        self.clock = clock
        self.page_size = page_size
        self.margin_ms = margin_ms

    def start(self, producer: str, remaining_ms: Callable[[], int]) -> PassReport:
        """A scheduled pass from the first page; the incremental refresher reads the marks since its last pass."""
        if producer not in PASSES:
            raise ValueError(f"unknown pass {producer!r}")
        now = int(self.clock())
        since = None
        if producer == REFRESH_CHANGED:
            state = self.table.get(keys.work_state(producer), consistent=True) or {}
            since = int(state.get("since") or now - FIRST_PASS_LOOKBACK_SECONDS)
        return self.resume(Work(CONTINUE, producer=producer, since=since, started=now), remaining_ms)

    def resume(self, work: Work, remaining_ms: Callable[[], int]) -> PassReport:
        """Runs the pass from the work's cursor until the end or its time runs out. A handed-on segment is claimed
        first, so a second copy of its message neither repeats its pages nor starts a second chain."""
        report = PassReport(str(work.producer))
        segment = self._claim(work)
        if segment is False:
            report.duplicate = True
            logger.info("segment already taken", producer=work.producer)
            return report
        self._run(work, remaining_ms, report)
        if segment is not None:
            self.table.update(segment, UpdateExpression="SET done = :t", ExpressionAttributeValues={":t": True})
        return report

    def _claim(self, work: Work) -> dict[str, str] | bool | None:
        """The segment's key once claimed; False when another copy holds it or ran it; None for a pass's start."""
        if work.cursor is None:
            return None  # a pass's first segment runs in the scheduled invocation itself, never from the queue
        now = int(self.clock())
        segment = keys.work_segment(str(work.producer), int(work.started or 0),
                                    json.dumps(work.cursor, sort_keys=True, separators=(",", ":")))
        try:
            self.table.put({**segment, "type": "work_segment", "lease_until": now + SEGMENT_LEASE_SECONDS,
                            "expires_at": now + SEGMENT_DAYS * 86400},
                           ConditionExpression="attribute_not_exists(pk) OR "
                                               "(lease_until < :now AND attribute_not_exists(done))",
                           ExpressionAttributeValues={":now": now})
        except ConditionFailed:
            return False
        return segment

    def _run(self, work: Work, remaining_ms: Callable[[], int], report: PassReport) -> None:
        sources = self._sources(work)
        cursor = work.cursor or {}
        position, key = int(cursor.get("source", 0)), cursor.get("key")
        seen: set[str] = set()  # a scope marked in two hours is queued once per invocation
        while position < len(sources):
            if remaining_ms() < self.margin_ms:
                self.queue.send([replace(work, cursor={"source": position, "key": key})])
                report.continued = True
                logger.info("pass handed on", producer=work.producer, pages=report.pages, enqueued=report.enqueued)
                return
            items, key = self.table.query_page(**sources[position], limit=self.page_size, start_key=key)
            works = [w for item in items for w in self._works(str(work.producer), item) if w.scope not in seen]
            seen.update(w.scope for w in works)
            self.queue.send(works)
            report.pages += 1
            report.enqueued += len(works)
            if key is None:
                position += 1
        if work.producer == REFRESH_CHANGED and work.started is not None:
            self.table.put({**keys.work_state(REFRESH_CHANGED), "type": "work_state",
                            "since": work.started - CLOCK_SKEW_SECONDS})
        report.completed = True
        logger.info("pass enqueued", producer=work.producer, pages=report.pages, enqueued=report.enqueued)

    def _sources(self, work: Work) -> list[dict[str, Any]]:
        """The Queries of a pass, in order: sparse indexes and dirty buckets, never a Scan."""
        if work.producer == RECONCILE_PASS:
            return [{"key_condition": "gsi2pk = :pk", "values": {":pk": keys.ACTIVE_CONFIGS_GSI},
                     "index": keys.GSI2, "newest_first": False}]
        if work.producer == REFRESH_ALL:
            return [{"key_condition": "gsi1pk = :pk", "values": {":pk": keys.developers_gsi()},
                     "index": keys.GSI1, "newest_first": False}]
        since, until = int(work.since or 0), int(work.started or self.clock())
        return [{"key_condition": "pk = :pk", "values": {":pk": bucket, ":since": since},
                 "filter_expression": "marked_at >= :since", "newest_first": False}
                for bucket in dirty.buckets(since, until)]

    @staticmethod
    def _works(producer: str, item: dict[str, Any]) -> list[Work]:
        if producer == RECONCILE_PASS:
            from paykit.services.reconciler import scopes_of

            drain = [Work(DRAIN, project_id=item["id"])] if item.get("parked_events") else []
            return [Work(RECONCILE, project_id=item["id"], mode=mode) for mode in scopes_of(item)] + drain
        if producer == REFRESH_ALL:
            return [Work(REFRESH, developer_id=item["pk"].removeprefix("DEV#"))]
        return [Work(REFRESH, project_id=item["project_id"], mode=item["mode"])]


class BackOff(Exception):
    """The scope's message was hidden for a while (Stripe throttled or failed it): report it failed, not lost."""


class Worker:
    """Runs one work message: a scope reconciled or refreshed, a developer recounted, or a pass resumed."""

    def __init__(self, table: Table, queue: WorkQueue, producer: Producer, retry_base_seconds: int) -> None:
        self.table = table
        self.queue = queue
        self.producer = producer
        self.retry_base_seconds = retry_base_seconds

    def run(self, work: Work, remaining_ms: Callable[[], int]) -> Any:
        from paykit.services import refresher
        from paykit.services.reconciler import default_reconciler

        if work.kind == CONTINUE:
            return asdict(self.producer.resume(work, remaining_ms))
        if work.kind == RECONCILE:
            return {"queued": default_reconciler().reconcile_scope(str(work.project_id), str(work.mode))}
        if work.kind == DRAIN:  # what is left after this invocation's time stays flagged for the next pass
            from paykit.services.config import drain_parked

            deadline = time.monotonic() + max(0, remaining_ms() - MARGIN_MS) / 1000
            return {"queued": drain_parked(self.table, str(work.project_id), deadline=deadline)}
        if work.developer_id:
            return {"corrected": refresher.refresh_developer(self.table, work.developer_id)}
        return {"corrected": refresher.refresh_changed_scope(self.table, str(work.project_id), str(work.mode))}

    def handle(self, body: str, receipt_handle: str, receive_count: int, remaining_ms: Callable[[], int]) -> Any:
        """One SQS record. Stripe throttling or failing this account: the message is hidden for a back-off and
        reported failed (the DLQ takes it after the queue's receive limit). A key Stripe refuses or a config
        removed since: logged and done (the next pass asks again). Anything else fails the record for a retry."""
        work = Work.parse(body)
        logger.append_keys(work_kind=work.kind, scope=work.scope)
        try:
            result = self.run(work, remaining_ms)
        except StripeUnavailable as exc:
            delay = backoff_seconds(receive_count, self.retry_base_seconds)
            logger.warning("scope backs off", seconds=delay, receive_count=receive_count,
                           rate_limited=isinstance(exc, StripeRateLimited))
            self.queue.back_off(receipt_handle, delay)
            raise BackOff(work.scope) from exc
        except (StripeCredentialsInvalid, NotFound) as exc:
            logger.warning("scope skipped", error=exc.detail)
            return {"skipped": exc.detail}
        logger.info("scope done", result=result)
        return result


@lru_cache(maxsize=1)
def default_queue() -> WorkQueue:
    return WorkQueue(aws.client("sqs"), get_settings().work_queue_url)


@lru_cache(maxsize=1)
def default_producer() -> Producer:
    return Producer(default_table(), default_queue())


@lru_cache(maxsize=1)
def default_worker() -> Worker:
    return Worker(default_table(), default_queue(), default_producer(), get_settings().work_retry_base_seconds)
