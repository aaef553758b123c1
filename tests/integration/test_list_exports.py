"""created_from / created_to on E1, E2, E10, E11, and the exports of those lists (issue 13, item 4)."""
from __future__ import annotations

import csv
import io
import json
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Iterator

import pytest

from tests.conftest import JWT_SECRET
from tests.integration.test_lists import DAY, NOW, deliver, get, ids, new_project, seeded, sub_event  # noqa: F401
from tests.support import make_token


def at(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat().replace("+00:00", "Z")


@contextmanager
def dynamodb_queries() -> Iterator[list[dict[str, Any]]]:
    """The parameters of every DynamoDB Query the handlers make meanwhile."""
    from paykit import aws

    seen: list[dict[str, Any]] = []
    hooks = aws.client("dynamodb").meta.events
    hooks.register("provide-client-params.dynamodb.Query", lambda params, **_: seen.append(dict(params)),
                   unique_id="h6-queries")
    try:
        yield seen
    finally:
        hooks.unregister("provide-client-params.dynamodb.Query", unique_id="h6-queries")


def export(client, token: str, path: str, page_size: int, **query: Any) -> list[Any]:
    """Every chunk of an export, following X-Next-Cursor as scripts/export.py does; each chunk's reply."""
    replies, cursor = [], None
    for _ in range(50):
        reply = get(client, token, path, page_size=page_size, cursor=cursor, **query)
        assert reply.status == 200, reply.text
        replies.append(reply)
        cursor = reply.headers.get("x-next-cursor")
        if cursor is None:
            return replies
    raise AssertionError("the export never ended")


# ---------------------------------------------------------------------- created_from / created_to


def test_a_created_range_keeps_the_rows_created_inside_it_on_every_list(client, dev_token, seeded):
    # Given project one's test subscriptions sub_t0..sub_t6, created NOW - (10 - i) hours, and payments pi_0..pi_4
    # created NOW - (9 - i) hours; a range from 8.5 h ago to 5.5 h ago
    span = {"created_from": at(NOW - 8.5 * 3600), "created_to": at(NOW - 5.5 * 3600)}
    base = f"/api/v1/payments/stripe/projects/{seeded['one']}"
    # When each list is read with the range
    e10 = get(client, dev_token, f"{base}/subscriptions", **span).json()
    e11 = get(client, dev_token, f"{base}/payments", **span).json()
    e1 = get(client, dev_token, "/api/v1/payments/subscriptions", **span).json()
    e2 = get(client, dev_token, "/api/v1/payments/transactions", **span).json()
    # Then each holds exactly the rows created in the range, newest first, and a total that agrees
    assert (ids(e10["subscriptions"]), e10["total"]) == (["sub_t4", "sub_t3", "sub_t2"], 3)
    assert (ids(e11["payments"], "payment_intent_id"), e11["total"]) == (["pi_3", "pi_2", "pi_1"], 3)
    # (project two's subscriptions are 5.5 h and 4.5 h old, the live ones 20 and 19 h: none is in range)
    assert (ids(e1["subscriptions"]), e1["total"]) == (["sub_t4", "sub_t3", "sub_t2"], 3)
    assert (ids(e2["payments"], "payment_intent_id"), e2["total"]) == (["pi_3", "pi_2", "pi_1"], 3)
    # And the range combines with the other filters
    active = get(client, dev_token, "/api/v1/payments/subscriptions", status="active", **span).json()
    assert (ids(active["subscriptions"]), active["total"]) == (["sub_t2"], 1)


def test_the_range_is_half_open_and_a_bare_date_or_naive_time_is_utc(client, dev_token, seeded):
    path = f"/api/v1/payments/stripe/projects/{seeded['one']}/subscriptions"
    sub_t3 = NOW - 7 * 3600
    # When the range starts exactly at sub_t3's creation and ends exactly at sub_t5's
    rows = ids(get(client, dev_token, path, created_from=at(sub_t3), created_to=at(NOW - 5 * 3600)).json()[
        "subscriptions"])
    # Then created_from is included and created_to is not
    assert rows == ["sub_t4", "sub_t3"]
    # And a naive time is read as UTC, a bare date as its midnight UTC
    naive = at(sub_t3).rstrip("Z")
    assert ids(get(client, dev_token, path, created_from=naive, created_to=at(NOW - 5 * 3600)).json()[
        "subscriptions"]) == rows
    tomorrow = datetime.fromtimestamp(NOW + DAY, timezone.utc).date().isoformat()
    assert get(client, dev_token, path, created_from=tomorrow).json()["total"] == 0


def test_a_ranged_list_is_one_key_condition_query_per_page_and_its_cursor_keeps_the_total(client, dev_token, seeded):
    path = "/api/v1/payments/transactions"
    span = {"created_from": at(NOW - 8.5 * 3600), "created_to": at(NOW - 4.5 * 3600)}  # pi_1 .. pi_4
    # When the ranged list is walked by cursor, one row a page
    with dynamodb_queries() as queries:
        first = get(client, dev_token, path, page_size=1, **span).json()
    walked, cursor, totals = ids(first["payments"], "payment_intent_id"), first["next_cursor"], [first["total"]]
    page_queries = []
    while cursor:
        with dynamodb_queries() as queries_of_page:
            body = get(client, dev_token, path, page_size=1, cursor=cursor, **span).json()
        page_queries.append(queries_of_page)
        walked += ids(body["payments"], "payment_intent_id")
        totals.append(body["total"])
        cursor = body["next_cursor"]
    # Then it gives the range's rows in order with the same total on every page
    assert walked == ["pi_4", "pi_3", "pi_2", "pi_1"] and totals == [4] * 4
    # And the range is a key condition on the index's sort key, never a filter, on every Query of the list
    listed = [q for q in queries if q.get("IndexName") == "gsi3"]
    assert len(listed) == 2  # the count, then the page
    assert listed[0]["Select"] == "COUNT" and "Limit" not in listed[0]
    for query in listed + [q for page in page_queries for q in page if q.get("IndexName") == "gsi3"]:
        assert query["KeyConditionExpression"] == "gsi3pk = :pk AND gsi3sk BETWEEN :from AND :to"
        assert "FilterExpression" not in query
    # And each following page is one Query of one row (after the caller's project list), counting nothing again
    for page in page_queries:
        assert [(q.get("IndexName"), q.get("Limit"), q.get("Select")) for q in page] == [
            ("gsi1", None, None), ("gsi3", 1, None)]


def test_bad_ranges_and_cursors_of_another_range_are_422(client, dev_token, seeded):
    path = f"/api/v1/payments/stripe/projects/{seeded['one']}/subscriptions"
    for query in ({"created_from": "yesterday"}, {"created_to": "2026-13-01"},
                  {"created_from": at(NOW), "created_to": at(NOW)},
                  {"created_from": at(NOW), "created_to": at(NOW - 60)},
                  {"created_from": "9999-12-31T23:59:59-05:00"},
                  {"created_to": "0.5"}, {"created_from": "1764460800"}):  # numbers are not ISO dates
        reply = get(client, dev_token, path, **query)
        assert reply.status == 422, (query, reply.text)
        assert isinstance(reply.json()["detail"], list)
    # And a cursor is bound to its range: the unranged list's cursor and another range's cursor are refused
    unranged = get(client, dev_token, path, page_size=1).json()["next_cursor"]
    ranged = get(client, dev_token, path, page_size=1, created_from=at(NOW - DAY)).json()["next_cursor"]
    assert get(client, dev_token, path, page_size=1, cursor=unranged, created_from=at(NOW - DAY)).status == 422
    assert get(client, dev_token, path, page_size=1, cursor=ranged, created_from=at(NOW - 2 * DAY)).status == 422
    assert get(client, dev_token, path, page_size=1, cursor=ranged).status == 422
    assert get(client, dev_token, path, page_size=1, cursor=ranged, created_from=at(NOW - DAY)).status == 200


# ---------------------------------------------------------------------- exports


def test_a_jsonl_export_is_the_list_row_for_row_in_chunks_that_end_without_an_empty_one(client, dev_token, seeded):
    # Given every subscription of the developer as the list shows them (11, both projects and modes)
    listed = get(client, dev_token, "/api/v1/payments/subscriptions", page_size=100).json()["subscriptions"]
    # When the export is read in chunks of 4
    replies = export(client, dev_token, "/api/v1/payments/subscriptions/export", 4, format="jsonl")
    # Then 3 chunks hold exactly the list's rows, in its order, as JSON lines
    assert [len(r.text.splitlines()) for r in replies] == [4, 4, 3]
    assert [json.loads(line) for r in replies for line in r.text.splitlines()] == listed
    assert all(r.headers["content-type"] == "application/x-ndjson" for r in replies)
    assert replies[0].headers["content-disposition"] == 'attachment; filename="subscriptions.jsonl"'


def test_a_csv_export_has_one_header_and_the_lists_values_with_its_filters(client, dev_token, seeded):
    # Given project one's succeeded test payments as E2 lists them
    filters = {"project_id": seeded["one"], "test_mode": "true", "status": "succeeded"}
    listed = get(client, dev_token, "/api/v1/payments/transactions", **filters).json()["payments"]
    assert len(listed) == 4
    # When they are exported as CSV in chunks of 3 and the chunks appended
    replies = export(client, dev_token, "/api/v1/payments/transactions/export", 3, **filters)
    text = "".join(r.text for r in replies)
    # Then it is one CSV file: a header (the list's fields, in order) and one line per row
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(listed[0]) and rows[0][-1] == "type" and len(rows) == 5
    assert replies[0].headers["content-type"] == "text/csv" and len(replies) == 2
    as_text = [["" if v is None else str(v).lower() if isinstance(v, bool) else str(v) for v in row.values()]
               for row in listed]
    assert rows[1:] == as_text


def test_an_export_reads_one_bounded_query_per_chunk(client, dev_token, seeded):
    path = f"/api/v1/payments/stripe/projects/{seeded['one']}/subscriptions/export"
    # When a chunk of 2 rows is exported from the middle of the list
    first = get(client, dev_token, path, page_size=2)
    with dynamodb_queries() as queries:
        second = get(client, dev_token, path, page_size=2, cursor=first.headers["x-next-cursor"])
    # Then it read one Query of 3 rows (the chunk and one more to know whether another follows), no count
    assert [(q.get("IndexName"), q.get("Limit"), q.get("Select")) for q in queries] == [("gsi1", 3, None)]
    # And the second chunk has rows, no header, and the third chunk's cursor
    assert len(second.text.splitlines()) == 2 and not second.text.startswith("id,")
    assert second.headers["x-next-cursor"] != first.headers["x-next-cursor"]
    # And a chunk is at most 1000 rows
    assert get(client, dev_token, path, page_size=1001).status == 422


def test_an_export_has_the_lists_tenancy(client, dev_token, seeded):
    other = make_token(JWT_SECRET, f"dev-{uuid.uuid4()}")
    new_project(client, other, "Theirs")
    # When another developer exports with the owner's project as filter, or the owner's project directly
    for path in ("/api/v1/payments/subscriptions/export", "/api/v1/payments/transactions/export"):
        for fmt, empty in (("csv", 1), ("jsonl", 0)):
            reply = get(client, other, path, project_id=seeded["one"], format=fmt)
            # Then their own view is empty (a CSV header at most) and says nothing of the owner's rows
            assert reply.status == 200 and len(reply.text.splitlines()) == empty, reply.text
            assert seeded["one"] not in reply.text and "x-next-cursor" not in reply.headers
    for kind in ("subscriptions", "payments"):
        assert get(client, other, f"/api/v1/payments/stripe/projects/{seeded['one']}/{kind}/export").status == 403
    # And the owner's export cursor does not open the owner's list to them
    cursor = get(client, dev_token, "/api/v1/payments/subscriptions/export", page_size=1).headers["x-next-cursor"]
    assert get(client, other, "/api/v1/payments/subscriptions/export", cursor=cursor).status == 422


def test_a_csv_cell_that_a_spreadsheet_would_run_as_a_formula_is_quoted(client, dev_token):
    # Given a subscription whose plan (a Stripe product name anyone may set) looks like a formula
    project = new_project(client, dev_token, "Formulas")
    evt = sub_event(project, "sub_f", "active", NOW - 60)
    evt["data"]["object"]["items"]["data"][0]["price"]["nickname"] = '=HYPERLINK("http://evil.example","x")'
    deliver(project, "test", [evt])
    # When the project's subscriptions are exported as CSV and as JSON lines
    path = f"/api/v1/payments/stripe/projects/{project}/subscriptions/export"
    rows = list(csv.DictReader(io.StringIO(get(client, dev_token, path).text)))
    line = json.loads(get(client, dev_token, path, format="jsonl").text)
    # Then the CSV cell starts with an apostrophe and JSON keeps the value as it is
    assert rows[0]["plan_name"] == '\'=HYPERLINK("http://evil.example","x")'
    assert line["plan_name"] == '=HYPERLINK("http://evil.example","x")'


def test_the_export_script_writes_the_whole_list_chunk_by_chunk(client, dev_token, seeded):
    from scripts.export import export as run_export, export_path

    # Given the script's loop over the handlers (the token in a header, the cursor from X-Next-Cursor)
    def fetch(path: str, query: dict[str, str], token: str) -> tuple[int, str, str | None]:
        reply = client.get(path, token=token, query=query)
        return reply.status, reply.text, reply.headers.get("x-next-cursor")

    out = io.StringIO()
    # When project one's test subscriptions are exported 3 rows a request
    chunks = run_export(fetch, export_path(f"projects/{seeded['one']}/subscriptions"),
                        {"format": "csv", "page_size": "3"}, dev_token, out)
    # Then it asked 3 times and wrote one CSV with the 7 rows, newest first
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert chunks == 3 and [r["subscription_id"] for r in rows] == [f"sub_t{i}" for i in reversed(range(7))]
    # And a refused request stops it with the API's answer
    with pytest.raises(RuntimeError, match="403"):
        run_export(fetch, export_path(f"projects/{seeded['one']}/payments"), {},
                   make_token(JWT_SECRET, f"dev-{uuid.uuid4()}"), io.StringIO())


def test_a_chunk_cut_short_by_dynamodbs_1_mb_limit_is_followed_by_the_rest(client, dev_token, developer):
    from paykit.models.common import iso
    from paykit.processor.records import clean, record_id, with_listing
    from paykit.store import keys
    from paykit.store.table import default_table, serialize

    # Given 1,200 payments with long descriptions: 1,001 of them are more than the 1 MB a Query returns at most
    project = new_project(client, dev_token, "Big")
    owner = developer
    table = default_table()
    items = [with_listing(clean({
        **keys.payment(project, "test", f"pi_{i:05d}"), "type": "payment", "owner_id": owner,
        "id": record_id("pay", project, "test", f"pi_{i:05d}"), "project_id": project, "is_test_mode": True,
        "payment_intent_id": f"pi_{i:05d}", "status": "succeeded", "base_status": "succeeded", "amount_cents": 100,
        "currency": "usd", "description": "x" * 1000, "refunded_amount_cents": 0,
        "created_at": iso(datetime.fromtimestamp(NOW - DAY + i, timezone.utc))}), project, "test", "payment")
        for i in range(1200)]
    for i in range(0, len(items), 25):
        table.client.batch_write_item(RequestItems={table.name: [{"PutRequest": {"Item": serialize(item)}}
                                                                 for item in items[i:i + 25]]})
    # When the project's payments are exported 1,000 rows a request
    replies = export(client, dev_token, f"/api/v1/payments/stripe/projects/{project}/payments/export", 1000,
                     format="jsonl")
    # Then the first chunk stopped short of 1,000 rows, and the chunks still hold every row once, newest first
    assert len(replies[0].text.splitlines()) < 1000 and len(replies) >= 2
    rows = [json.loads(line)["payment_intent_id"] for r in replies for line in r.text.splitlines()]
    assert rows == [f"pi_{i:05d}" for i in reversed(range(1200))]
