"""Event-log reads: the stored events of one project and mode, newest first, from the sparse gsi1 partition."""
from __future__ import annotations

from typing import Any

from paykit.store import keys
from paykit.store.table import Table, serialize_values


def get(table: Table, project_id: str, mode: str, event_id: str) -> dict[str, Any] | None:
    return table.get(keys.event_record(project_id, mode, event_id), consistent=True)


def page(table: Table, project_id: str, mode: str, limit: int,
         start_key: dict[str, Any] | None) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    return table.query_page("gsi1pk = :pk", {":pk": keys.project_events_gsi(project_id, mode)}, index=keys.GSI1,
                            limit=limit, start_key=start_key, newest_first=True)


def count(table: Table, project_id: str, mode: str) -> int:
    """Exact, and right after TTL deletions too (a stored counter would drift as records expire)."""
    args: dict[str, Any] = {
        "TableName": table.name, "IndexName": keys.GSI1, "Select": "COUNT",
        "KeyConditionExpression": "gsi1pk = :pk",
        "ExpressionAttributeValues": serialize_values({":pk": keys.project_events_gsi(project_id, mode)}),
    }
    total = 0
    while True:
        out = table.client.query(**args)
        total += out["Count"]
        if "LastEvaluatedKey" not in out:
            return total
        args["ExclusiveStartKey"] = out["LastEvaluatedKey"]
