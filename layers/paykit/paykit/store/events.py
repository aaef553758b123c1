"""Event-log reads: one stored event, and the exact size of a project and mode's log (listed by services/lists.py)."""
from __future__ import annotations

from typing import Any

from paykit.store import keys
from paykit.store.table import Table


def get(table: Table, project_id: str, mode: str, event_id: str) -> dict[str, Any] | None:
    return table.get(keys.event_record(project_id, mode, event_id), consistent=True)


def count(table: Table, project_id: str, mode: str) -> int:
    """Exact, and right after TTL deletions too (a stored counter would drift as records expire)."""
    return table.count("gsi1pk = :pk", {":pk": keys.project_events_gsi(project_id, mode)}, index=keys.GSI1)
