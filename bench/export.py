"""Export of N rows (issue 13): rows per second and peak memory, which should stay flat in the number of rows.

Seeds N payments for one developer with BatchWriteItem into moto server (a process of its own), shaped exactly as
the event processor writes them (bench.lists' builders), then exports E2 as CSV through scripts/export.py's loop
over the in-process handlers, writing to a file. Peak memory is this process's: tracemalloc's peak over the export
alone (the handler and the client loop; seeding is outside it, moto is in its own process: the local stack's,
whose Queries read one partition). The rows per second are also given without the time spent inside DynamoDB
calls (PayKit's own cost per row, under tracemalloc, which slows Python allocations).
Usage: python -m bench.export --sizes 1000,10000,100000
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
import tracemalloc
import uuid
from typing import Any

from bench.common import table, write_results
from local.handler_client import HandlerClient
from local.testbed import Testbed, seed_items, start_testbed
from scripts.export import export, export_path

CHUNK = 1000
GOAL_RATIO = 1.5  # peak memory at the largest size over the smallest


class DynamoClock:
    """Wall time spent inside DynamoDB calls, and how many were made."""

    def __init__(self) -> None:
        from paykit import aws

        self.seconds = 0.0
        self.calls = 0
        self._started = 0.0
        events = aws.client("dynamodb").meta.events
        events.register("before-call.dynamodb", self._before)
        events.register("after-call.dynamodb", self._after)

    def _before(self, **_: Any) -> None:
        self._started = time.perf_counter()
        self.calls += 1

    def _after(self, **_: Any) -> None:
        self.seconds += time.perf_counter() - self._started


def run_size(client: HandlerClient, bed: Testbed, n: int, clock: DynamoClock) -> dict[str, Any]:
    from bench.lists import build_records

    owner = f"bench-export-{n}-{uuid.uuid4().hex[:6]}"
    token = bed.token(owner)
    project = client.post("/api/v1/projects/", token=token, json_body={"name": f"export {n}"}).json()["id"]
    started = time.monotonic()
    from datetime import datetime, timedelta, timezone

    items, _, _ = build_records(project, owner, n, datetime.now(timezone.utc) - timedelta(days=60))
    seed_items([i for i in items if i["type"] == "payment"])  # payments only: the export reads E2
    del items
    print(f"seeded {n} payments in {time.monotonic() - started:.0f} s")

    def fetch(path: str, query: dict[str, str], bearer: str) -> tuple[int, str, str | None]:
        reply = client.get(path, token=bearer, query=query)
        return reply.status, reply.text, reply.headers.get("x-next-cursor")

    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8", newline="") as out:
        path = out.name
        clock.seconds, clock.calls = 0.0, 0
        tracemalloc.start()
        started = time.perf_counter()
        chunks = export(fetch, export_path("transactions"), {"format": "csv", "page_size": str(CHUNK)}, token, out)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    with open(path, encoding="utf-8") as written:
        lines = sum(1 for _ in written)
    size = os.path.getsize(path)
    os.unlink(path)
    assert lines == n + 1, (lines, n)  # every row and one header
    own = seconds - clock.seconds
    return {"rows": n, "chunks": chunks, "seconds": round(seconds, 2), "dynamodb_seconds": round(clock.seconds, 2),
            "dynamodb_calls": clock.calls, "rows_per_second": round(n / seconds),
            "rows_per_second_without_dynamodb": round(n / own) if own > 0 else None,
            "peak_kib": round(peak / 1024), "file_kib": round(size / 1024)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated numbers of rows")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    # moto in a process of its own (the local stack's server), so that its memory stays out of the peak.
    # (its indexing of 100,000 rows takes longer than the service's 5 s read timeout, which is about DynamoDB).
    with start_testbed(emulator=False, moto_process=True, AWS_READ_TIMEOUT_SECONDS="600") as bed:
        client = HandlerClient()
        clock = DynamoClock()
        results = {n: run_size(client, bed, n, clock) for n in sizes}
    rows = [[n, r["chunks"], r["dynamodb_calls"], r["seconds"], r["rows_per_second"],
             r["rows_per_second_without_dynamodb"], r["peak_kib"], r["file_kib"]] for n, r in results.items()]
    ratio = results[sizes[-1]]["peak_kib"] / max(1, results[sizes[0]]["peak_kib"])
    print(f"E2 export as CSV, {CHUNK} rows a request, through scripts/export.py's loop (moto server as DynamoDB)")
    print(table(["rows", "chunks", "DynamoDB calls", "seconds", "rows/s", "rows/s without DynamoDB",
                 "peak memory KiB", "file KiB"], rows))
    print(f"peak memory {sizes[-1]} / {sizes[0]} rows: {ratio:.2f}x (goal <= {GOAL_RATIO}x: "
          f"{'ok' if ratio <= GOAL_RATIO else 'OVER'})")
    write_results("export", {"sizes": sizes, "chunk": CHUNK, "results": results, "peak_ratio": round(ratio, 2)})
    return results


if __name__ == "__main__":
    main()
