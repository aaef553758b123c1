"""Paging an index partition newest first: opaque cursors bound to their list, and `page=N` by walking."""
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
