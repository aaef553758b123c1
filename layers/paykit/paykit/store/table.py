"""A thin typed wrapper over the low-level DynamoDB client: (de)serialisation, queries by page, transactions, and
botocore's errors translated once into paykit.store.errors."""
from __future__ import annotations

import random
import time
from decimal import Decimal
from functools import lru_cache
from typing import Any, Iterable, Iterator

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from paykit import aws
from paykit.settings import get_settings
from paykit.store.errors import TransactionConflict, translate

TRANSACT_ATTEMPTS = 4
CONFLICT_BACKOFF = 0.05  # seconds, doubling, jittered (at most 0.35 s in all): colliding writers spread out

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, set)):
        return [_plain(v) for v in value]
    return value


def serialize(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in item.items() if v is not None}


def serialize_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in values.items()}


def deserialize(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}


class Table:
    def __init__(self, client: Any, name: str) -> None:
        self.client = client
        self.name = name

    def call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        """One DynamoDB request; its failure raised as the store's own exception."""
        try:
            return getattr(self.client, operation)(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc) from exc

    def get(self, key: dict[str, str], consistent: bool = False) -> dict[str, Any] | None:
        out = self.call("get_item", TableName=self.name, Key=serialize(key), ConsistentRead=consistent)
        return deserialize(out["Item"]) if "Item" in out else None

    def put(self, item: dict[str, Any], **kwargs: Any) -> None:
        self.call("put_item", TableName=self.name, Item=serialize(item), **_expression_args(kwargs))

    def delete(self, key: dict[str, str], **kwargs: Any) -> None:
        self.call("delete_item", TableName=self.name, Key=serialize(key), **_expression_args(kwargs))

    def update(self, key: dict[str, str], **kwargs: Any) -> dict[str, Any]:
        out = self.call(
            "update_item", TableName=self.name, Key=serialize(key), ReturnValues="ALL_NEW", **_expression_args(kwargs)
        )
        return deserialize(out.get("Attributes", {}))

    def query_page(
        self,
        key_condition: str,
        values: dict[str, Any],
        *,
        index: str | None = None,
        limit: int | None = None,
        start_key: dict[str, Any] | None = None,
        newest_first: bool = True,
        names: dict[str, str] | None = None,
        filter_expression: str | None = None,
        consistent: bool = False,
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        args: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": key_condition,
            "ExpressionAttributeValues": serialize_values(values),
            "ScanIndexForward": not newest_first,
        }
        if consistent:  # the base table only (an index cannot be read strongly consistent)
            args["ConsistentRead"] = True
        if index:
            args["IndexName"] = index
        if limit:
            args["Limit"] = limit
        if start_key:
            args["ExclusiveStartKey"] = serialize(start_key)
        if names:
            args["ExpressionAttributeNames"] = names
        if filter_expression:
            args["FilterExpression"] = filter_expression
        out = self.call("query", **args)
        last = deserialize(out["LastEvaluatedKey"]) if "LastEvaluatedKey" in out else None
        return [deserialize(i) for i in out.get("Items", [])], last

    def query_all(self, key_condition: str, values: dict[str, Any], **kwargs: Any) -> Iterator[dict[str, Any]]:
        start: dict[str, Any] | None = None
        while True:
            items, start = self.query_page(key_condition, values, start_key=start, **kwargs)
            yield from items
            if start is None:
                return

    def count(self, key_condition: str, values: dict[str, Any], *, index: str | None = None) -> int:
        """Exact number of items under a key condition (Select=COUNT, every page): for lists with no counter."""
        args: dict[str, Any] = {"TableName": self.name, "Select": "COUNT", "KeyConditionExpression": key_condition,
                                "ExpressionAttributeValues": serialize_values(values)}
        if index:
            args["IndexName"] = index
        total = 0
        while True:
            out = self.call("query", **args)
            total += out["Count"]
            if "LastEvaluatedKey" not in out:
                return total
            args["ExclusiveStartKey"] = out["LastEvaluatedKey"]

    def transact(self, actions: list[dict[str, Any]]) -> None:
        """Each action is {"Put"|"Update"|"ConditionCheck"|"Delete": {...}} with plain Python values.

        A transaction refused for a conflict with another in-flight one wrote nothing, so the same actions are sent
        again after a short jittered back-off (their conditions are evaluated anew); a conflict that outlasts
        TRANSACT_ATTEMPTS is raised for the caller to read again or answer 503."""
        items = [_transact_item(self.name, a) for a in actions]
        for attempt in range(TRANSACT_ATTEMPTS):
            try:
                self.call("transact_write_items", TransactItems=items)
                return
            except TransactionConflict:
                if attempt == TRANSACT_ATTEMPTS - 1:
                    raise
                time.sleep(random.uniform(0, CONFLICT_BACKOFF * 2 ** attempt))


def _expression_args(kwargs: dict[str, Any]) -> dict[str, Any]:
    out = dict(kwargs)
    if "ExpressionAttributeValues" in out:
        out["ExpressionAttributeValues"] = serialize_values(out["ExpressionAttributeValues"])
    return out


def _transact_item(table_name: str, action: dict[str, Any]) -> dict[str, Any]:
    (kind, body), = action.items()
    body = _expression_args(dict(body))
    body["TableName"] = table_name
    if "Item" in body:
        body["Item"] = serialize(body["Item"])
    if "Key" in body:
        body["Key"] = serialize(body["Key"])
    return {kind: body}


_BATCH_GET_MAX = 100
_BATCH_GET_ATTEMPTS = 5


def batch_get(table: Table, item_keys: Iterable[dict[str, str]], consistent: bool = False) -> list[dict[str, Any]]:
    """BatchGetItem in chunks of 100, retrying unprocessed keys a bounded number of times."""
    found: list[dict[str, Any]] = []
    pending = [serialize(k) for k in item_keys]
    for start in range(0, len(pending), _BATCH_GET_MAX):
        request = {table.name: {"Keys": pending[start:start + _BATCH_GET_MAX], "ConsistentRead": consistent}}
        for _ in range(_BATCH_GET_ATTEMPTS):
            out = table.call("batch_get_item", RequestItems=request)
            found += [deserialize(i) for i in out.get("Responses", {}).get(table.name, [])]
            request = out.get("UnprocessedKeys") or {}
            if not request:
                break
        else:
            raise RuntimeError("DynamoDB kept keys unprocessed")
    return found


@lru_cache(maxsize=1)
def default_table() -> Table:
    return Table(aws.client("dynamodb"), get_settings().table_name)
