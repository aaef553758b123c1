"""Downloads a whole list export (E1, E2, E10, E11 as CSV or JSON lines) by following X-Next-Cursor chunk by chunk.

Usage:
  PAYKIT_TOKEN=... python scripts/export.py transactions --format csv --out transactions.csv \\
      --param test_mode=false --param created_from=2026-01-01 --param created_to=2026-02-01
  PAYKIT_TOKEN=... python scripts/export.py projects/<project_id>/subscriptions --format jsonl > subs.jsonl

`list` is `subscriptions` or `transactions` (all your projects; --param project_id=... and status=... filter) or
`projects/<project_id>/subscriptions|payments` (one project, one mode: --param test_mode=false for live). The
token is read from PAYKIT_TOKEN and sent as a header only, never in a URL. Each request answers one chunk of at
most --page-size rows, written out before the next is asked for, so memory stays one chunk whatever the size.
The same loop with curl:

  cursor=; while :; do
    curl -sS -D headers.txt -H "Authorization: Bearer $PAYKIT_TOKEN" \\
      "$API/api/v1/payments/transactions/export?format=csv${cursor:+&cursor=$cursor}" >> transactions.csv
    cursor=$(tr -d '\\r' < headers.txt | sed -n 's/^[Xx]-[Nn]ext-[Cc]ursor: //p'); [ -n "$cursor" ] || break
  done
"""
from __future__ import annotations

import argparse
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Callable, Iterable, TextIO

# (path, query, token) -> (status, body text, X-Next-Cursor or None): urllib by default, the in-process client
# in the benchmark.
Fetch = Callable[[str, dict[str, str], str], tuple[int, str, str | None]]


def export_path(name: str) -> str:
    """The export route of a list name: `transactions`, `subscriptions` or `projects/<id>/subscriptions|payments`."""
    name = name.strip("/")
    if name in ("subscriptions", "transactions"):
        return f"/api/v1/payments/{name}/export"
    parts = name.split("/")
    if len(parts) == 3 and parts[0] == "projects" and parts[2] in ("subscriptions", "payments"):
        return f"/api/v1/payments/stripe/projects/{parts[1]}/{parts[2]}/export"
    raise ValueError(f"unknown list {name!r}: subscriptions, transactions or projects/<id>/subscriptions|payments")


def http_fetch(base_url: str) -> Fetch:
    def fetch(path: str, query: dict[str, str], token: str) -> tuple[int, str, str | None]:
        url = f"{base_url.rstrip('/')}{path}?{urllib.parse.urlencode(query)}"
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:  # noqa: S310 - the configured API only
                return reply.status, reply.read().decode("utf-8"), reply.headers.get("X-Next-Cursor")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace"), None
    return fetch


def chunks(fetch: Fetch, path: str, query: dict[str, str], token: str) -> Iterable[str]:
    """Each chunk's text, in order; a refused request raises with the API's answer."""
    cursor: str | None = None
    while True:
        status, body, cursor = fetch(path, {**query, **({"cursor": cursor} if cursor else {})}, token)
        if status != 200:
            raise RuntimeError(f"export failed with {status}: {body}")
        yield body
        if not cursor:
            return


def export(fetch: Fetch, path: str, query: dict[str, str], token: str, out: TextIO) -> int:
    """Writes every chunk to `out` as it arrives; returns the number of chunks."""
    count = 0
    for count, body in enumerate(chunks(fetch, path, query, token), start=1):
        out.write(body)
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("list", help="subscriptions | transactions | projects/<project_id>/subscriptions|payments")
    parser.add_argument("--api", default=os.environ.get("PAYKIT_API", "http://127.0.0.1:3000"))
    parser.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    parser.add_argument("--page-size", type=int, default=1000, help="rows per request (1-1000)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a filter of the list: project_id, test_mode, status, created_from, created_to")
    parser.add_argument("--out", help="file to write (default: standard output)")
    args = parser.parse_args(argv)
    token = os.environ.get("PAYKIT_TOKEN")
    if not token:
        parser.error("set PAYKIT_TOKEN to a developer token")
    query = dict(p.split("=", 1) for p in args.param)
    query.update(format=args.format, page_size=str(args.page_size))
    out = open(args.out, "w", encoding="utf-8", newline="") if args.out else sys.stdout
    try:
        export(http_fetch(args.api), export_path(args.list), query, token, out)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        if args.out:
            out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
