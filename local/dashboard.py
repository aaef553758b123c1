"""The developer dashboard (web/dashboard.html) served by the local gateway at GET /dashboard."""
from __future__ import annotations

from pathlib import Path
from typing import Any

DASHBOARD = Path(__file__).resolve().parent.parent / "web" / "dashboard.html"


def dashboard_route(_request: dict[str, Any]) -> tuple[int, bytes]:
    """A static page: it calls only the public API, with the token the user gives it."""
    return 200, DASHBOARD.read_bytes()
