"""The event log of a project and mode (list, paged by page or cursor) and replay through the processor."""
from __future__ import annotations

import json
import uuid
from typing import Any

from paykit.auth import Principal
from paykit.errors import NotFound
from paykit.models.events import EventLogEntry, EventLogPage, EventReplayOut
from paykit.processor import EventProcessor, default_processor
from paykit.store.paging import index_page
from paykit.services.projects import owned_project
from paykit.store import events as event_store
from paykit.store import keys
from paykit.store.table import Table, default_table


def _mode(test_mode: bool) -> str:
    return "test" if test_mode else "live"


def _entry(item: dict[str, Any]) -> EventLogEntry:
    return EventLogEntry(id=item["event_id"], type=item["event_type"], received_at=item["received_at"],
                         status=item.get("status"), error=item.get("error"), reason=item.get("reason"))


def list_events(caller: Principal, project_id: uuid.UUID, test_mode: bool, page: int, page_size: int,
                cursor: str | None, table: Table | None = None) -> EventLogPage:
    """Newest first by reception, paged as the other lists (services/lists.py); `total` is an exact count."""
    table = table or default_table()
    item = owned_project(caller, project_id, table)
    project, mode = item["id"], _mode(test_mode)
    result = index_page(table, "event", keys.GSI1, keys.project_events_gsi(project, mode), page, page_size, cursor,
                        event_store.count(table, project, mode))
    return EventLogPage(events=[_entry(i) for i in result.items], total=result.total, page=result.page,
                        page_size=page_size, next_cursor=result.next_cursor)


def replay(caller: Principal, project_id: uuid.UUID, event_id: str, test_mode: bool, table: Table | None = None,
           processor: EventProcessor | None = None) -> EventReplayOut:
    """The stored event goes through the same exactly-once path: an applied event changes nothing."""
    table = table or default_table()
    item = owned_project(caller, project_id, table)
    project, mode = item["id"], _mode(test_mode)
    record = event_store.get(table, project, mode, event_id) if len(event_id) <= 255 else None
    if record is None or not record.get("body"):
        raise NotFound("Event not found")
    processor = processor or default_processor()
    try:
        outcome = processor.process_event(project, mode, json.loads(record["body"]), record["body"],
                                          record.get("received_at"))
    except Exception:  # noqa: BLE001 - the processor logged it and wrote the error into the record
        outcome = "failed"
    after = event_store.get(table, project, mode, event_id) or record
    messages = {
        "duplicate": "Already applied: nothing changed",
        "processed": "Applied",
        "ignored": after.get("reason") or "Recorded: this event type changes no state",
        "failed": "Failed again: see error",
    }
    return EventReplayOut(id=event_id, type=after["event_type"], status=after.get("status"),
                          applied=outcome == "processed" or (outcome == "ignored" and not after.get("reason")), message=messages[outcome],
                          error=after.get("error") if outcome == "failed" else None)
