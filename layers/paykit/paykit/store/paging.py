"""Paging an index partition newest first: opaque cursors bound to their list, `page=N` by walking, and a
created-at range as a key condition on the sort key (never a filter), so every page costs the same."""
from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from paykit.errors import InvalidInput
from paykit.store.table import Table

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


@dataclass
class ListPage:
    items: list[dict[str, Any]]
    total: int
    page: int
    next_cursor: str | None


@dataclass(frozen=True)
class Span:
    """A created-at range in the stored form (`iso`): `start` <= created_at < `end`; None leaves that side open.

    List sort keys are `{created_at}#{id}`, so `start` sorts before every key of its instant and `end` before every
    key of its own: a half-open range is exactly one key condition."""
    start: str | None = None
    end: str | None = None

    def __bool__(self) -> bool:
        return self.start is not None or self.end is not None

    def holds(self, sort_key: str) -> bool:
        return (self.start is None or sort_key >= self.start) and (self.end is None or sort_key < self.end)


def key_condition(index: str, partition: str, span: Span | None = None) -> tuple[str, dict[str, Any]]:
    """The Query's key condition: the partition, and the span as a range on the sort key (BETWEEN, >= or <)."""
    values: dict[str, Any] = {":pk": partition}
    condition = f"{index}pk = :pk"
    if span and span.start is not None and span.end is not None:
        # BETWEEN is inclusive; no key equals `end` (each has `#id` after the instant), so this is < end.
        condition += f" AND {index}sk BETWEEN :from AND :to"
        values.update({":from": span.start, ":to": span.end})
    elif span and span.start is not None:
        condition += f" AND {index}sk >= :from"
        values[":from"] = span.start
    elif span and span.end is not None:
        condition += f" AND {index}sk < :to"
        values[":to"] = span.end
    return condition, values


def index_page(table: Table, kind: str, index: str, partition: str, page: int, page_size: int, cursor: str | None,
               total: int, span: Span | None = None) -> ListPage:
    """One page of an index partition, newest first: a cursor resumes where the last page ended (one Query);
    `page=N` alone walks the pages before it. A cursor carries a ranged list's total (counted once, on the page the
    walk started from) so that following pages cost one Query as unranged ones do."""
    condition, values = key_condition(index, partition, span)
    if cursor:
        page, start, carried = _decode(cursor, kind, index, partition, span)
        total = total if carried is None else carried
        items, last = table.query_page(condition, values, index=index, limit=page_size, start_key=start)
    else:
        skip = (page - 1) * page_size
        if skip >= total:
            return ListPage([], total, page, None)
        items, last = _walk(table, condition, values, index, skip + page_size)
        items = items[skip:]
    more = last is not None and page * page_size < total and len(items) == page_size
    next_cursor = (encode_cursor(kind, index, partition, page + 1, items[-1], span, total if span else None)
                   if more else None)
    return ListPage(items, total, page, next_cursor)


def index_chunk(table: Table, kind: str, index: str, partition: str, size: int, cursor: str | None,
                span: Span | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """Up to `size` rows from where `cursor` left off, and the cursor of the rest (None at the end): one Query of
    size + 1 rows, so a chunk that reaches the end says so. A Query also stops at 1 MB of items, so a chunk may
    hold fewer rows and still be followed by more. Exports walk a list with it, no total needed."""
    condition, values = key_condition(index, partition, span)
    start, number = None, 1
    if cursor:
        number, start, _ = _decode(cursor, kind, index, partition, span)
    items, last = table.query_page(condition, values, index=index, limit=size + 1, start_key=start)
    more = len(items) > size or (last is not None and bool(items))
    items = items[:size]
    return items, encode_cursor(kind, index, partition, number + 1, items[-1], span) if more else None


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


def _fingerprint(index: str, partition: str, span: Span | None = None) -> str:
    bound = f"|{span.start or ''}|{span.end or ''}" if span else ""  # unranged lists keep their cursors' form
    return hashlib.sha256(f"{index}|{partition}{bound}".encode()).hexdigest()[:16]


def encode_cursor(kind: str, index: str, partition: str, page: int, last: dict[str, Any], span: Span | None = None,
                  total: int | None = None) -> str:
    """Opaque: the next page number and the last row's position, bound to the list (owner, filters and created-at
    range) it came from; a ranged list's total rides along (it has no counter to read)."""
    body: dict[str, Any] = {"v": 1, "f": _fingerprint(index, partition, span), "n": page, "pk": last["pk"],
                            "sk": last[f"{index}sk"]}
    if total is not None:
        body["t"] = total
    return base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str, index: str, partition: str,
                  span: Span | None = None) -> tuple[int, dict[str, Any]]:
    """The cursor's page and DynamoDB start key; 422 for anything that is not a cursor of this very list."""
    page, start, _ = _decode(cursor, kind, index, partition, span)
    return page, start


def _decode(cursor: str, kind: str, index: str, partition: str,
            span: Span | None) -> tuple[int, dict[str, Any], int | None]:
    """(page, start key, carried total or None).

    The start key's partition is always the caller's own (rebuilt here, never read from the cursor), so even a
    forged cursor only moves within the caller's list, and its position must lie inside the range (DynamoDB refuses
    a start key outside the key condition).
    """
    try:
        body = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        valid = (isinstance(body, dict) and body.get("v") == 1
                 and body.get("f") == _fingerprint(index, partition, span)
                 and isinstance(body.get("n"), int) and body["n"] >= 2
                 and isinstance(body.get("pk"), str) and _RECORD_KEY[kind].match(body["pk"])
                 and isinstance(body.get("sk"), str) and _LIST_SK[kind].match(body["sk"])
                 and (span is None or span.holds(body["sk"]))
                 and (type(body.get("t", 0)) is int and body.get("t", 0) >= 0))
    except (ValueError, TypeError):
        valid = False
    if not valid:
        raise InvalidInput(("query", "cursor"), "Invalid cursor", "value_error")
    start = {"pk": body["pk"], "sk": _RECORD_SK[kind], f"{index}pk": partition, f"{index}sk": body["sk"]}
    return body["n"], start, body.get("t")
