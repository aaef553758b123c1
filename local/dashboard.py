"""The developer dashboard (web/dashboard.html, .js, .css) served by the local gateway at GET /dashboard."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

WEB = Path(__file__).resolve().parent.parent / "web"
# The page may talk to its own origin only (the bearer token never leaves it), runs only its own script, and is
# never framed; the same policy is in the page's <meta> for any other static host.
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                               "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
}
FILES = {"/dashboard": ("dashboard.html", "text/html; charset=utf-8"),
         "/dashboard.js": ("dashboard.js", "text/javascript; charset=utf-8"),
         "/dashboard.css": ("dashboard.css", "text/css; charset=utf-8")}


def _static(name: str, content_type: str) -> Callable[[dict[str, Any]], tuple[int, Any]]:
    def route(_request: dict[str, Any]) -> tuple[int, tuple[bytes, dict[str, str]]]:
        """A static file: it calls only the public API, with the token the user pastes into it."""
        return 200, ((WEB / name).read_bytes(), {"content-type": content_type, **SECURITY_HEADERS})
    return route


def dashboard_routes() -> dict[tuple[str, str], Callable[[dict[str, Any]], tuple[int, Any]]]:
    """The gateway's extra routes for the page and its script and stylesheet."""
    return {("GET", path): _static(name, content_type) for path, (name, content_type) in FILES.items()}
