"""Subscription and payment lists (E1, E2, E10, E11) and their exports: one Query per page on a GSI per filter."""
from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from paykit.auth import Principal
from paykit.errors import InvalidInput
from paykit.models.common import ResponseModel, iso
from paykit.models.config import MODES
from paykit.models.lists import (
    EXPORT_MEDIA_TYPES,
    NEXT_CURSOR_HEADER,
    AggregatedPaymentList,
    AggregatedPaymentOut,
    AggregatedSubscriptionList,
    AggregatedSubscriptionOut,
    ProjectPaymentList,
    ProjectPaymentOut,
    SubscriptionList,
    SubscriptionOut,
)
from paykit.services.projects import owned_project
from paykit.store import keys
from paykit.store import projects as project_store
from paykit.store.paging import ListPage, Span, index_chunk, index_page, key_condition
from paykit.store.table import Table, batch_get, default_table


@dataclass(frozen=True)
class ListQuery:
    kind: str  # "subscription" or "payment"
    project_id: str | None
    mode: str | None  # None: both modes
    status: str | None
    page: int
    page_size: int
    cursor: str | None
    span: Span = field(default_factory=Span)


def mode_of(test_mode: bool | None) -> str | None:
    return None if test_mode is None else ("test" if test_mode else "live")


# Stored instants are 4-digit years in UTC; nothing PayKit lists is older than Stripe.
_EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)


def created_span(created_from: datetime | None, created_to: datetime | None) -> Span:
    """`created_from` <= created_at < `created_to` in the stored form; a naive datetime (or a bare date) is UTC."""
    bounds = []
    for name, moment in (("created_from", created_from), ("created_to", created_to)):
        if moment is None:
            bounds.append(None)
            continue
        try:
            moment = moment.replace(tzinfo=moment.tzinfo or timezone.utc).astimezone(timezone.utc)
        except OverflowError as exc:  # an offset that moves year 1 or 9999 out of range
            raise InvalidInput(("query", name), "Datetime out of range", "value_error") from exc
        bounds.append(iso(max(moment, _EARLIEST)))
    start, end = bounds
    if start is not None and end is not None and start >= end:
        raise InvalidInput(("query", "created_to"), "created_to must be after created_from", "value_error")
    return Span(start, end)


# ---------------------------------------------------------------------- endpoints


def project_subscriptions(caller: Principal, project_id: uuid.UUID, test_mode: bool, page: int, page_size: int,
                          cursor: str | None, table: Table | None = None, created_from: datetime | None = None,
                          created_to: datetime | None = None) -> SubscriptionList:
    """E10: the owner's project (403/404 otherwise), one mode (strict `test_mode`), newest first."""
    table = table or default_table()
    query, scopes = _project_scope(caller, "subscription", project_id, test_mode, page, page_size, cursor,
                                   created_span(created_from, created_to), table)
    result = list_page(table, caller.sub, query, scopes)
    return SubscriptionList(subscriptions=[SubscriptionOut.model_validate(i) for i in result.items],
                            total=result.total, page=result.page, page_size=page_size, next_cursor=result.next_cursor)


def project_payments(caller: Principal, project_id: uuid.UUID, test_mode: bool, page: int, page_size: int,
                     cursor: str | None, table: Table | None = None, created_from: datetime | None = None,
                     created_to: datetime | None = None) -> ProjectPaymentList:
    """E11: as E10, for payments."""
    table = table or default_table()
    query, scopes = _project_scope(caller, "payment", project_id, test_mode, page, page_size, cursor,
                                   created_span(created_from, created_to), table)
    result = list_page(table, caller.sub, query, scopes)
    return ProjectPaymentList(payments=[ProjectPaymentOut.model_validate(i) for i in result.items],
                              total=result.total, page=result.page, page_size=page_size,
                              next_cursor=result.next_cursor)


def developer_subscriptions(caller: Principal, project_id: uuid.UUID | None, test_mode: bool | None,
                            status: str | None, page: int, page_size: int, cursor: str | None,
                            table: Table | None = None, created_from: datetime | None = None,
                            created_to: datetime | None = None) -> AggregatedSubscriptionList:
    """E1: across the caller's projects; another developer's project_id gives an empty list (decisions.md)."""
    result, names = _developer_list(caller, "subscription", project_id, test_mode, status, page, page_size, cursor,
                                    created_span(created_from, created_to), table)
    rows = [AggregatedSubscriptionOut.model_validate({**i, "project_name": names[i["project_id"]]})
            for i in result.items]
    return AggregatedSubscriptionList(subscriptions=rows, total=result.total, page=result.page, page_size=page_size,
                                      next_cursor=result.next_cursor)


def developer_payments(caller: Principal, project_id: uuid.UUID | None, test_mode: bool | None,
                       status: str | None, page: int, page_size: int, cursor: str | None,
                       table: Table | None = None, created_from: datetime | None = None,
                       created_to: datetime | None = None) -> AggregatedPaymentList:
    """E2: as E1, for payments."""
    result, names = _developer_list(caller, "payment", project_id, test_mode, status, page, page_size, cursor,
                                    created_span(created_from, created_to), table)
    rows = [AggregatedPaymentOut.model_validate({**i, "project_name": names[i["project_id"]]}) for i in result.items]
    return AggregatedPaymentList(payments=rows, total=result.total, page=result.page, page_size=page_size,
                                 next_cursor=result.next_cursor)


def _project_scope(caller: Principal, kind: str, project_id: uuid.UUID, test_mode: bool, page: int, page_size: int,
                   cursor: str | None, span: Span, table: Table) -> tuple[ListQuery, list[tuple[str, str]]]:
    """E10/E11's tenancy: the caller's own project (403/404 otherwise) in one mode."""
    project = owned_project(caller, project_id, table)
    query = ListQuery(kind, project["id"], mode_of(test_mode), None, page, page_size, cursor, span)
    return query, [(project["id"], query.mode or "test")]


def _developer_scope(caller: Principal, kind: str, project_id: uuid.UUID | None, test_mode: bool | None,
                     status: str | None, page: int, page_size: int, cursor: str | None, span: Span,
                     table: Table) -> tuple[ListQuery | None, list[tuple[str, str]], dict[str, str]]:
    """E1/E2's tenancy: the caller's projects; None for a project_id that is not theirs (an empty list)."""
    names = {p["id"]: p["name"] for p in project_store.list_for_developer(table, caller.sub)}
    wanted = str(project_id) if project_id else None
    if wanted is not None and wanted not in names:
        # Someone else's (or no) project: the developer's own view of it is empty, and nothing says it exists.
        return None, [], names
    query = ListQuery(kind, wanted, mode_of(test_mode), status, page, page_size, cursor, span)
    scopes = [(p, m) for p in ([wanted] if wanted else names) for m in ([query.mode] if query.mode else MODES)]
    return query, scopes, names


def _developer_list(caller: Principal, kind: str, project_id: uuid.UUID | None, test_mode: bool | None,
                    status: str | None, page: int, page_size: int, cursor: str | None, span: Span,
                    table: Table | None) -> tuple[ListPage, dict[str, str]]:
    table = table or default_table()
    query, scopes, names = _developer_scope(caller, kind, project_id, test_mode, status, page, page_size, cursor,
                                            span, table)
    if query is None:
        return ListPage([], 0, page, None), names
    return list_page(table, caller.sub, query, scopes), names


# ---------------------------------------------------------------------- one page


def list_page(table: Table, owner_id: str, query: ListQuery, scopes: list[tuple[str, str]]) -> ListPage:
    """One page of a subscription or payment list; `total` from the scopes' counters, or for a created-at range
    counted on the range once (Select=COUNT) and then carried by the cursor."""
    index, partition = keys.list_partition(query.kind, owner_id, query.project_id, query.mode, query.status)
    if query.span and query.cursor:
        total = 0  # the cursor carries it
    elif query.span:
        total = table.count(*key_condition(index, partition, query.span), index=index)
    else:
        counter = f"{_TAG[query.kind]}#{query.status}" if query.status else _TAG[query.kind]
        total = sum(int(c.get(counter) or 0) for c in batch_get(table, [keys.counters(p, m) for p, m in scopes]))
    return index_page(table, query.kind, index, partition, query.page, query.page_size, query.cursor, total,
                      query.span)


_TAG = {"subscription": "subscriptions", "payment": "payments"}


# ---------------------------------------------------------------------- exports


@dataclass(frozen=True)
class ExportChunk:
    """One bounded chunk of an export: the rows as CSV or JSON lines, and the cursor of the next chunk."""

    body: str
    media_type: str
    next_cursor: str | None
    filename: str

    def headers(self) -> dict[str, str]:
        out = {"Content-Disposition": f'attachment; filename="{self.filename}"'}
        if self.next_cursor:
            out[NEXT_CURSOR_HEADER] = self.next_cursor
        return out


def export_project(caller: Principal, kind: str, project_id: uuid.UUID, test_mode: bool,
                   created_from: datetime | None, created_to: datetime | None, fmt: str, size: int,
                   cursor: str | None, table: Table | None = None) -> ExportChunk:
    """E10/E11 as a file, one chunk per request: the same tenancy, filters and order as the list."""
    table = table or default_table()
    query, _ = _project_scope(caller, kind, project_id, test_mode, 1, size, cursor,
                              created_span(created_from, created_to), table)
    rows, next_cursor = _chunk(table, caller.sub, query)
    model = SubscriptionOut if kind == "subscription" else ProjectPaymentOut
    return _render(model, rows, fmt, first=cursor is None, next_cursor=next_cursor, name=_TAG[kind])


def export_developer(caller: Principal, kind: str, project_id: uuid.UUID | None, test_mode: bool | None,
                     status: str | None, created_from: datetime | None, created_to: datetime | None, fmt: str,
                     size: int, cursor: str | None, table: Table | None = None) -> ExportChunk:
    """E1/E2 as a file, one chunk per request: the same tenancy, filters and order as the list."""
    table = table or default_table()
    query, _, names = _developer_scope(caller, kind, project_id, test_mode, status, 1, size, cursor,
                                       created_span(created_from, created_to), table)
    rows, next_cursor = _chunk(table, caller.sub, query) if query else ([], None)
    rows = [{**row, "project_name": names[row["project_id"]]} for row in rows]
    model = AggregatedSubscriptionOut if kind == "subscription" else AggregatedPaymentOut
    name = "subscriptions" if kind == "subscription" else "transactions"
    return _render(model, rows, fmt, first=cursor is None, next_cursor=next_cursor, name=name)


def _chunk(table: Table, owner_id: str, query: ListQuery) -> tuple[list[dict[str, Any]], str | None]:
    index, partition = keys.list_partition(query.kind, owner_id, query.project_id, query.mode, query.status)
    return index_chunk(table, query.kind, index, partition, query.page_size, query.cursor, query.span)


# A cell a spreadsheet would run as a formula (OWASP "CSV injection") starts with one of these: such text cells
# (plan names and descriptions come from Stripe products anyone may name) get a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _render(model: type[ResponseModel], items: list[dict[str, Any]], fmt: str, *, first: bool,
            next_cursor: str | None, name: str) -> ExportChunk:
    rows = [model.model_validate(item).model_dump(mode="json") for item in items]
    if fmt == "jsonl":
        body = "".join(json.dumps(row, separators=(",", ":")) + "\n" for row in rows)
    else:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
        if first:  # the header once, so that appended chunks are one CSV file
            writer.writerow(list(model.model_fields))
        writer.writerows([[_csv_cell(value) for value in row.values()] for row in rows])
        body = out.getvalue()
    return ExportChunk(body, EXPORT_MEDIA_TYPES[fmt], next_cursor, f"{name}.{fmt}")


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
