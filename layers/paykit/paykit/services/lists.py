"""Subscription and payment lists (E1, E2, E10, E11): one Query per page on a GSI per filter, totals from counters."""
from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from paykit.auth import Principal
from paykit.errors import InvalidInput
from paykit.models.config import MODES
from paykit.models.lists import (
    AggregatedPaymentList,
    AggregatedPaymentOut,
    AggregatedSubscriptionList,
    AggregatedSubscriptionOut,
    PaymentList,
    PaymentOut,
    SubscriptionList,
    SubscriptionOut,
)
from paykit.services.projects import owned_project
from paykit.store import keys
from paykit.store import projects as project_store
from paykit.store.table import Table, batch_get, default_table

# `page=N` without a cursor has to read the N-1 pages before it; each Query of that walk reads at most this many.
_SKIP_BATCH = 1000
# What a cursor may name, per list kind: the record's pk and sk, and its position in the index (time#id).
_RECORD_KEY = {"subscription": re.compile(r"^SUB#[^#]+#(test|live)#[^#]+$"),
               "payment": re.compile(r"^PAY#[^#]+#(test|live)#[^#]+$"),
               "event": re.compile(r"^EVENT#[^#]+#(test|live)#.+$")}
_RECORD_SK = {"subscription": "SUB", "payment": "PAY", "event": "EVENT"}
_TIME = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z#"
_LIST_SK = {"subscription": re.compile(_TIME + r"[0-9a-f-]{36}$"), "payment": re.compile(_TIME + r"[0-9a-f-]{36}$"),
            "event": re.compile(_TIME + r".+$")}


@dataclass(frozen=True)
class ListQuery:
    kind: str  # "subscription" or "payment"
    project_id: str | None
    mode: str | None  # None: both modes
    status: str | None
    page: int
    page_size: int
    cursor: str | None


@dataclass
class ListPage:
    items: list[dict[str, Any]]
    total: int
    page: int
    next_cursor: str | None


def mode_of(test_mode: bool | None) -> str | None:
    return None if test_mode is None else ("test" if test_mode else "live")


# ---------------------------------------------------------------------- endpoints


def project_subscriptions(caller: Principal, project_id: uuid.UUID, test_mode: bool, page: int, page_size: int,
                          cursor: str | None, table: Table | None = None) -> SubscriptionList:
    """E10: the owner's project (403/404 otherwise), one mode (strict `test_mode`), newest first."""
    result = _project_list(caller, "subscription", project_id, test_mode, page, page_size, cursor, table)
    return SubscriptionList(subscriptions=[SubscriptionOut.model_validate(i) for i in result.items],
                            total=result.total, page=result.page, page_size=page_size, next_cursor=result.next_cursor)


def project_payments(caller: Principal, project_id: uuid.UUID, test_mode: bool, page: int, page_size: int,
                     cursor: str | None, table: Table | None = None) -> PaymentList:
    """E11: as E10, for payments."""
    result = _project_list(caller, "payment", project_id, test_mode, page, page_size, cursor, table)
    return PaymentList(payments=[PaymentOut.model_validate(i) for i in result.items],
                       total=result.total, page=result.page, page_size=page_size, next_cursor=result.next_cursor)


def developer_subscriptions(caller: Principal, project_id: uuid.UUID | None, test_mode: bool | None,
                            status: str | None, page: int, page_size: int, cursor: str | None,
                            table: Table | None = None) -> AggregatedSubscriptionList:
    """E1: across the caller's projects; another developer's project_id gives an empty list (decisions.md)."""
    result, names = _developer_list(caller, "subscription", project_id, test_mode, status, page, page_size, cursor,
                                    table)
    rows = [AggregatedSubscriptionOut.model_validate({**i, "project_name": names[i["project_id"]]})
            for i in result.items]
    return AggregatedSubscriptionList(subscriptions=rows, total=result.total, page=result.page, page_size=page_size,
                                      next_cursor=result.next_cursor)


def developer_payments(caller: Principal, project_id: uuid.UUID | None, test_mode: bool | None,
                       status: str | None, page: int, page_size: int, cursor: str | None,
                       table: Table | None = None) -> AggregatedPaymentList:
    """E2: as E1, for payments."""
    result, names = _developer_list(caller, "payment", project_id, test_mode, status, page, page_size, cursor, table)
    rows = [AggregatedPaymentOut.model_validate({**i, "project_name": names[i["project_id"]]}) for i in result.items]
    return AggregatedPaymentList(payments=rows, total=result.total, page=result.page, page_size=page_size,
                                 next_cursor=result.next_cursor)


def _project_list(caller: Principal, kind: str, project_id: uuid.UUID, test_mode: bool, page: int, page_size: int,
                  cursor: str | None, table: Table | None) -> ListPage:
    table = table or default_table()
    project = owned_project(caller, project_id, table)
    query = ListQuery(kind, project["id"], mode_of(test_mode), None, page, page_size, cursor)
    return list_page(table, caller.sub, query, [(project["id"], query.mode or "test")])


def _developer_list(caller: Principal, kind: str, project_id: uuid.UUID | None, test_mode: bool | None,
                    status: str | None, page: int, page_size: int, cursor: str | None,
                    table: Table | None) -> tuple[ListPage, dict[str, str]]:
    table = table or default_table()
    names = {p["id"]: p["name"] for p in project_store.list_for_developer(table, caller.sub)}
    wanted = str(project_id) if project_id else None
    if wanted is not None and wanted not in names:
        # Someone else's (or no) project: the developer's own view of it is empty, and nothing says it exists.
        return ListPage([], 0, page, None), names
    query = ListQuery(kind, wanted, mode_of(test_mode), status, page, page_size, cursor)
    scopes = [(p, m) for p in ([wanted] if wanted else names) for m in ([query.mode] if query.mode else MODES)]
    return list_page(table, caller.sub, query, scopes), names


# ---------------------------------------------------------------------- paging


def list_page(table: Table, owner_id: str, query: ListQuery, scopes: list[tuple[str, str]]) -> ListPage:
    """One page of a subscription or payment list; `total` from the scopes' counters."""
    index, partition = keys.list_partition(query.kind, owner_id, query.project_id, query.mode, query.status)
    counter = f"{_TAG[query.kind]}#{query.status}" if query.status else _TAG[query.kind]
    total = sum(int(c.get(counter) or 0) for c in batch_get(table, [keys.counters(p, m) for p, m in scopes]))
    return index_page(table, query.kind, index, partition, query.page, query.page_size, query.cursor, total)


def index_page(table: Table, kind: str, index: str, partition: str, page: int, page_size: int, cursor: str | None,
               total: int) -> ListPage:
    """One page of an index partition, newest first: a cursor resumes where the last page ended (one Query);
    `page=N` alone walks the pages before it."""
    values = {":pk": partition}
    condition = f"{index}pk = :pk"
    if cursor:
        page, start = decode_cursor(cursor, kind, index, partition)
        items, last = table.query_page(condition, values, index=index, limit=page_size, start_key=start)
    else:
        skip = (page - 1) * page_size
        if skip >= total:
            return ListPage([], total, page, None)
        items, last = _walk(table, condition, values, index, skip + page_size)
        items = items[skip:]
    more = last is not None and page * page_size < total and len(items) == page_size
    next_cursor = encode_cursor(kind, index, partition, page + 1, items[-1]) if more else None
    return ListPage(items, total, page, next_cursor)


_TAG = {"subscription": "subscriptions", "payment": "payments"}


def _walk(table: Table, condition: str, values: dict[str, Any], index: str,
          wanted: int) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    items: list[dict[str, Any]] = []
    start: dict[str, Any] | None = None
    while True:
        page, start = table.query_page(condition, values, index=index, start_key=start,
                                       limit=min(wanted - len(items), _SKIP_BATCH))
        items += page
        if start is None or len(items) >= wanted:
            return items, start


def _fingerprint(index: str, partition: str) -> str:
    return hashlib.sha256(f"{index}|{partition}".encode()).hexdigest()[:16]


def encode_cursor(kind: str, index: str, partition: str, page: int, last: dict[str, Any]) -> str:
    """Opaque: the next page number and the last row's position, bound to the list (owner and filters) it came from."""
    body = {"v": 1, "f": _fingerprint(index, partition), "n": page, "pk": last["pk"], "sk": last[f"{index}sk"]}
    return base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str, index: str, partition: str) -> tuple[int, dict[str, Any]]:
    """The cursor's page and DynamoDB start key; 422 for anything that is not a cursor of this very list.

    The start key's partition is always the caller's own (rebuilt here, never read from the cursor), so even a
    forged cursor only moves within the caller's list.
    """
    try:
        body = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        valid = (isinstance(body, dict) and body.get("v") == 1 and body.get("f") == _fingerprint(index, partition)
                 and isinstance(body.get("n"), int) and body["n"] >= 2
                 and isinstance(body.get("pk"), str) and _RECORD_KEY[kind].match(body["pk"])
                 and isinstance(body.get("sk"), str) and _LIST_SK[kind].match(body["sk"]))
    except (ValueError, TypeError):
        valid = False
    if not valid:
        raise InvalidInput(("query", "cursor"), "Invalid cursor", "value_error")
    return body["n"], {"pk": body["pk"], "sk": _RECORD_SK[kind], f"{index}pk": partition, f"{index}sk": body["sk"]}
