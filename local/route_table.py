"""Writes layers/paykit/paykit/route_table.py, the routes of template.yaml for functions that cannot read the template.

`python -m local.route_table` rewrites it; `--check` exits 1 when it is stale (tests/unit/test_route_parity.py checks
the same). Deployed, the $default route's function answers 405 with `Allow` from this table.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from local.template import http_routes

TABLE_PATH = Path(__file__).resolve().parent.parent / "layers" / "paykit" / "paykit" / "route_table.py"


def render() -> str:
    rows = "".join(f'    ("{route.method}", "{route.path}"),\n' for route in http_routes())
    return (
        '"""Generated from template.yaml by `python -m local.route_table`: every (method, path) of the HTTP API."""\n'
        "ROUTES: tuple[tuple[str, str], ...] = (\n"
        f"{rows})\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 when the table differs from template.yaml")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if TABLE_PATH.read_text(encoding="utf-8") != text:
            print(f"{TABLE_PATH} is stale: run python -m local.route_table", file=sys.stderr)
            return 1
        return 0
    TABLE_PATH.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
