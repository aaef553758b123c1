"""AWS for the local stack and the tests: moto in server mode, with the resources created from template.yaml."""
from __future__ import annotations

import copy
import json
import logging
import os
import threading
import time
from typing import Any, Callable, Iterable

import boto3
import moto.dynamodb.models as moto_dynamodb
import moto.sqs.models as moto_sqs
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import StreamShard, Table as MotoTable
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

from local import moto_expressions
from local.template import queues, table_definition, ttl_attribute

DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class _OneDynamoDbRequestAtATime:
    """moto's DynamoDB backend is not thread-safe (concurrent TransactWriteItems can crash half-applied), while
    DynamoDB makes each request atomic. Serialising DynamoDB requests restores that guarantee; requests still
    interleave between calls, so read-modify-write races in PayKit stay real. Other services (SQS long polls) are
    left concurrent."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith("DynamoDB"):
            return self._app(environ, start_response)
        with self._lock:
            try:
                return list(self._app(environ, start_response))
            finally:
                if target.rsplit(".", 1)[-1] not in _READS:
                    _WRITES[0] += 1  # the query index below is rebuilt on its next use


# DynamoDB operations that change no item: every other request invalidates _query_candidates' groups.
_READS = {"GetItem", "BatchGetItem", "Query", "Scan", "DescribeTable", "ListTables", "DescribeTimeToLive",
          "DescribeContinuousBackups", "ListTagsOfResource", "TransactGetItems",
          "ListStreams", "DescribeStream", "GetShardIterator", "GetRecords"}  # DynamoDBStreams_20120810.*
_WRITES = [0]
_moto_query = MotoTable.query


def _query_candidates(table: Any, hash_key: Any, index_name: str | None,
                      hash_key_conditions: list[tuple[str, Any]] | None) -> list[Any] | None:
    """The items a Query can match, without moto's walk over the whole table (sorted anew on every Query): a
    table's partition, or an index partition from groups built once per write. None: let moto walk."""
    if index_name is None:
        found = table.items.get(hash_key) if hash_key is not None else None
        if found is None:
            return []
        return list(found.values()) if table.range_key_attr else [found]
    if not hash_key_conditions:
        return None
    names = tuple(name for name, _ in hash_key_conditions)
    cache = table.__dict__.setdefault("_paykit_query_groups", {})
    entry = cache.get((index_name, names))
    if entry is None or entry[0] != _WRITES[0]:
        groups: dict[tuple[Any, ...], list[Any]] = {}
        for item in table.all_items():
            values = tuple(item.attrs.get(name) for name in names)
            if all(values):
                groups.setdefault(values, []).append(item)
        entry = cache[(index_name, names)] = (_WRITES[0], groups)
    return entry[1].get(tuple(value for _, value in hash_key_conditions), [])


def _query_with_candidates(table: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
    """moto's Table.query (its checks, sorting, paging, filters) over the candidates alone (see above)."""
    index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
    candidates = _query_candidates(table, hash_key, index_name, kwargs.get("hash_key_conditions"))
    if candidates is None:
        return _moto_query(table, hash_key, *args, **kwargs)
    table.all_items = lambda: candidates  # this Query only: requests are serialised above
    try:
        return _moto_query(table, hash_key, *args, **kwargs)
    finally:
        del table.all_items


class _CopyWithoutTables:
    """Stands in for the `copy` module inside moto's DynamoDB backend while a transaction runs under an item-level
    undo log: moto snapshots each touched *table* with deepcopy for its rollback, O(table size) per transaction,
    which made the 5,000-event benchmark crawl. Every other deepcopy (update_item's old image) is left as it is."""

    def __init__(self) -> None:
        self.state = threading.local()

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        if getattr(self.state, "skip_tables", False) and isinstance(value, MotoTable):
            return value  # the undo log below restores the touched items instead
        return copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


_COPY = _CopyWithoutTables()
_moto_transact_write_items = moto_dynamodb.DynamoDBBackend.transact_write_items


def _touched_items(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[Any, Any, Any, Any]]:
    """(table, hash, range, deep copy of the item or None) for each item a transaction names, before it runs."""
    undo = []
    for action in transact_items:
        for op_type, op in action.items():
            table = backend.tables.get(op.get("TableName"))
            key = op.get("Item") if op_type == "Put" else op.get("Key")
            if table is None or not key or table.hash_key_attr not in key:
                continue  # moto rejects it before writing anything for this action
            if table.range_key_attr is not None and table.range_key_attr not in key:
                continue
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr is not None else None
            undo.append((table, hash_value, range_value, copy.deepcopy(table.get_item(hash_value, range_value))))
    return undo


def _restore(undo: list[tuple[Any, Any, Any, Any]], stream_lengths: dict[int, int]) -> None:
    for table, hash_value, range_value, item in reversed(undo):
        if range_value is None:
            if item is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = item
        elif item is None:
            if hash_value in table.items:
                table.items[hash_value].pop(range_value, None)
        else:
            table.items[hash_value][range_value] = item
        if table.stream_shard is not None:  # the rolled-back writes never happened: drop their stream records
            del table.stream_shard.items[stream_lengths[id(table)]:]


def _transact_write_items_with_item_undo(backend: Any, transact_items: list[dict[str, Any]]) -> None:
    """moto's transact_write_items (its checks, its TransactionCanceledException with reasons), all-or-nothing
    through an undo log of the touched items instead of a deep copy of whole tables."""
    undo = _touched_items(backend, transact_items)
    streams = {id(t): len(t.stream_shard.items) for t, *_ in undo if t.stream_shard is not None}
    _COPY.state.skip_tables = True
    try:
        _moto_transact_write_items(backend, transact_items)
    except BaseException:
        _restore(undo, streams)
        raise
    finally:
        _COPY.state.skip_tables = False


_moto_stream_add = StreamShard.add


def _install_filtered_streams() -> None:
    """moto builds a stream record (the item's JSON, twice) for every write of a table with a stream, a cost on
    every write of the local stack. The table's one consumer (the outbox sender) is handed only the records its
    filter criteria in template.yaml let through, so the local stream keeps only those; StreamPoller applies the
    same criteria again, as Lambda would."""
    from local.stream_poller import stream_event_source

    patterns = [json.loads(f["Pattern"]) for f in (stream_event_source("outbox_sender").get("FilterCriteria") or {})
                .get("Filters", [])]
    names = {name for p in patterns for name in p.get("eventName", ["INSERT", "MODIFY", "REMOVE"])}
    types = {value for p in patterns
             for value in p.get("dynamodb", {}).get("NewImage", {}).get("type", {}).get("S", [])}

    def add(shard: Any, old: Any, new: Any) -> None:
        name = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
        kind = new.attrs.get("type") if new is not None else None
        if name in names and (not types or (kind is not None and kind.value in types)):
            _moto_stream_add(shard, old, new)

    StreamShard.add = add  # type: ignore[method-assign]


def _install_partition_queries() -> None:
    MotoTable.query = _query_with_candidates  # type: ignore[method-assign]


def _install_item_level_rollback() -> None:
    moto_dynamodb.copy = _COPY  # type: ignore[assignment]
    moto_dynamodb.DynamoDBBackend.transact_write_items = _transact_write_items_with_item_undo  # type: ignore


def _install_cheap_sqs_clock() -> None:
    """moto reads every message's visibility through datetime arithmetic (unix_time_millis), and does so for every
    message in the queue several times per SendMessage (queue.attributes counts them) and per ReceiveMessage: at a
    few thousand queued events each send took a quarter of a second. The same comparison against time.time() (the
    same epoch milliseconds) keeps moto's behaviour at a fraction of the cost."""
    moto_sqs.Message.visible = property(lambda m: time.time() * 1000.0 > m.visible_at)  # type: ignore[assignment]
    moto_sqs.Message.delayed = property(lambda m: time.time() * 1000.0 < m.delayed_until)  # type: ignore


class _MotoServer(ThreadedMotoServer):
    def _server_entry(self) -> None:
        _install_item_level_rollback()
        _install_cheap_sqs_clock()
        _install_partition_queries()
        _install_filtered_streams()
        moto_expressions.install()
        app = _OneDynamoDbRequestAtATime(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()


class MotoAws:
    """A moto server on a loopback port and the clients that talk to it over HTTP."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _MotoServer(ip_address=host, port=port, verbose=False)
        self.endpoint_url = ""
        self.queue_urls: dict[str, str] = {}  # every queue create_queues made, by the template's logical id

    def start(self) -> "MotoAws":
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log line per AWS call
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        self._server.stop()

    def environment(self) -> dict[str, str]:
        return {**DUMMY_CREDENTIALS, "AWS_ENDPOINT_URL": self.endpoint_url}

    def client(self, service: str) -> Any:
        return boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        ).client(service, endpoint_url=self.endpoint_url)

    def create_table(self, name: str) -> None:
        dynamodb = self.client("dynamodb")
        dynamodb.create_table(**table_definition(name))
        attribute = ttl_attribute()
        if attribute:
            dynamodb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute}
            )


    def create_queues(self, prefix: str) -> dict[str, str]:
        """The template's SQS queues (named `{prefix}-{LogicalId}`, `.fifo` where FIFO), DLQs first; logical id -> URL."""
        sqs = self.client("sqs")
        urls: dict[str, str] = {}
        arns: dict[str, str] = {}
        for spec in queues():
            attributes = dict(spec.attributes)
            if spec.dead_letter_queue:
                attributes["RedrivePolicy"] = json.dumps(
                    {"deadLetterTargetArn": arns[spec.dead_letter_queue], "maxReceiveCount": spec.max_receive_count})
            name = f"{prefix}-{spec.logical_id}" + (".fifo" if spec.fifo else "")
            url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
            urls[spec.logical_id] = self.queue_urls[spec.logical_id] = url
            arns[spec.logical_id] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
                "Attributes"]["QueueArn"]
        return urls


def apply_environment(values: dict[str, str]) -> None:
    os.environ.update(values)
