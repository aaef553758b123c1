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
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from typing import Any

import jwt

from bench.common import table, write_results
from bench.lists import seed_items
from local.aws_local import MotoAws, apply_environment
from local.handler_client import HandlerClient
from scripts.export import export, export_path

CHUNK = 1000
GOAL_RATIO = 1.5  # peak memory at the largest size over the smallest


class MotoProcess(MotoAws):
    """moto server in a child process: its memory and CPU stay out of this process's measurements."""

    def start(self) -> "MotoProcess":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        # The local stack's own moto server (local/aws_local.py: serialised DynamoDB requests, partition queries).
        serve = (f"import time; from local.aws_local import MotoAws; MotoAws('127.0.0.1', {port}).start(); "
                 "time.sleep(10**9)")
        self._process = subprocess.Popen([sys.executable, "-c", serve], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
        self.endpoint_url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("moto server did not start")

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # werkzeug may still be answering a whole-table Query
            self._process.kill()
            self._process.wait()


def start_moto() -> tuple[MotoProcess, str]:
    import secrets

    aws = MotoProcess().start()
    jwt_secret = secrets.token_urlsafe(32)
    apply_environment({**aws.environment(), "TABLE_NAME": "paykit-bench", "SECRET_PREFIX": "paykit/bench",
                       "AUTH_MODE": "hs256", "JWT_SECRET": jwt_secret, "POWERTOOLS_TRACE_DISABLED": "true",
                       "POWERTOOLS_LOG_LEVEL": "ERROR", "POWERTOOLS_METRICS_NAMESPACE": "PayKit",
                       "POWERTOOLS_SERVICE_NAME": "paykit"})
    aws.create_table("paykit-bench")
    return aws, jwt_secret


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


def run_size(client: HandlerClient, jwt_secret: str, n: int, clock: DynamoClock) -> dict[str, Any]:
    from bench.lists import build_records

    owner = f"bench-export-{n}-{uuid.uuid4().hex[:6]}"
    token = jwt.encode({"sub": owner, "type": "access", "exp": int(time.time()) + 7200}, jwt_secret, "HS256")
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
    from botocore.config import Config
    from paykit import aws as paykit_aws

    # moto's whole-table GSI reads are slow at 100,000 rows; the service's 5 s read timeout is about DynamoDB.
    paykit_aws._CONFIG = paykit_aws._CONFIG.merge(Config(read_timeout=600))
    paykit_aws.client.cache_clear()
    aws, jwt_secret = start_moto()
    try:
        client = HandlerClient()
        clock = DynamoClock()
        results = {n: run_size(client, jwt_secret, n, clock) for n in sizes}
    finally:
        aws.stop()
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
