"""Shared benchmark plumbing: result files and plain-text tables."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Sequence

# BENCH_RESULTS_DIR: elsewhere (the tests' runs leave a developer's last figures alone).
RESULTS = Path(os.environ.get("BENCH_RESULTS_DIR") or Path(__file__).resolve().parent / "results")


def write_results(name: str, payload: Any) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, default=str))
    return path


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def check_goal(counted: dict[str, Any], goal: dict[str, int] | None) -> tuple[bool, str]:
    """Whether each counted service stays within its goal, and the goal as text for the table."""
    ok = all(counted[service] <= limit for service, limit in (goal or {}).items())
    return ok, ", ".join(f"{service} <= {limit}" for service, limit in (goal or {}).items()) or "-"
