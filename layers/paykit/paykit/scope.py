"""The end-user gate: every end-user route builds its keys from the caller's (project, mode, user) `Scope`, and only
once the project exists with an active configuration for that mode (decision 5). Redirect URLs are checked here
against the project's allowed origins (decision 15)."""
from __future__ import annotations

import hashlib
import re
from typing import Any, Callable
from urllib.parse import urlsplit

from paykit.auth import Principal
from paykit.cache import TtlCache
from paykit.errors import InvalidInput, NotFound
from paykit.store import keys
from paykit.store.table import Table, batch_get, default_table

# Reads (E14, E15, check) trust a project gate for this long per container: warm reads skip the project GetItem.
GATE_SECONDS = 30.0
_LOCAL_HOSTS = ("localhost", "127.0.0.1")
_UNSAFE_URL_CHARS = re.compile(r"[\x00-\x20\x7f\\]")


class Scope:
    """The caller's (project, mode, user): every key an end-user route touches is built from it, nothing else."""

    def __init__(self, caller: Principal, test_mode: bool, config: dict[str, Any]) -> None:
        self.project_id = str(caller.project_id)
        self.user_id = caller.sub
        self.mode = "test" if test_mode else "live"
        self.config = config

    def idempotency_key(self, operation: str, client_key: str | None, *parts: Any) -> str | None:
        """Decision 16: the client's Idempotency-Key, scoped by project, mode, user and operation, so one user's key
        never replays another's request; without one the SDK's own per-request key covers network retries."""
        if not client_key:
            return None
        raw = "\x1f".join([operation, self.project_id, self.mode, self.user_id, client_key, *map(str, parts)])
        return f"paykit-{operation}-{hashlib.sha256(raw.encode()).hexdigest()}"


_gates: TtlCache[dict[str, Any]] = TtlCache(GATE_SECONDS)


def scope_of(caller: Principal, test_mode: bool, table: Table | None = None, cached: bool = False) -> Scope:
    """404 when the token's project is missing, its config inactive or the mode has no secret key (decision 5)."""
    project_id = str(caller.project_id)
    mode = "test" if test_mode else "live"
    item = _gates.get(project_id) if cached else None
    if item is None or not _configured(item, mode):  # "not configured" is never trusted from the cache
        item = _gate((table or default_table()).get(keys.project(project_id)), mode)
        if cached:  # stamped when read, so a warm container still re-reads every GATE_SECONDS
            _gates.put(project_id, item)
    return Scope(caller, test_mode, item.get("config") or {})


def scope_with(caller: Principal, test_mode: bool, table: Table,
               own: Callable[[str, str, str], dict[str, str]]) -> tuple[Scope, dict[str, Any] | None]:
    """The gate read fresh together with one record of the caller's, `own(project_id, mode, user_id)`, in one
    consistent BatchGetItem: a deactivated configuration (E7) stops the next request (decision 24) at the cost of
    the read the record needed anyway. For `check` and `usage`, which act on what the gate allows."""
    project_id, mode = str(caller.project_id), "test" if test_mode else "live"
    wanted = own(project_id, mode, caller.sub)
    found = {item["pk"]: item for item in batch_get(table, [keys.project(project_id), wanted], consistent=True)}
    item = _gate(found.get(keys.project(project_id)["pk"]), mode)
    return Scope(caller, test_mode, item.get("config") or {}), found.get(wanted["pk"])


def _gate(item: dict[str, Any] | None, mode: str) -> dict[str, Any]:
    if item is None:
        raise NotFound("Project not found")
    if not _configured(item, mode):
        raise NotFound("Stripe not configured")
    return item


def _configured(item: dict[str, Any], mode: str) -> bool:
    config = item.get("config") or {}
    return bool(config.get("is_active") and (config.get(mode) or {}).get("secret_key_masked"))


def check_redirect_url(scope: Scope, field: str, url: str) -> str:
    """Decision 15: absolute https (http only to localhost in test mode), inside the project's allowed origins."""
    url = url.strip()
    try:
        # Whitespace, control characters and backslashes are where urlsplit and browsers read a different host
        # (browsers drop tabs/newlines and treat `\` as `/`); urlsplit raises on bad ports, IPv6 and NFKC tricks.
        if _UNSAFE_URL_CHARS.search(url):
            raise ValueError("unsafe characters")
        parts = urlsplit(url)
        port = "" if parts.port is None else f":{parts.port}"  # `:0` is not the default port
    except ValueError:
        port = None
    if port is None or not parts.hostname or "@" in parts.netloc or not (parts.scheme == "https" or (
            parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS and scope.mode == "test")):
        raise InvalidInput(("body", field), "Must be an absolute https URL (http only for localhost in test mode)",
                           "url_scheme")
    allowed = scope.config.get("allowed_redirect_origins") or []
    if allowed and f"{parts.scheme}://{parts.hostname.lower()}{port}" not in allowed:
        raise InvalidInput(("body", field), "URL origin is not in the project's allowed_redirect_origins",
                           "url_origin")
    return url
