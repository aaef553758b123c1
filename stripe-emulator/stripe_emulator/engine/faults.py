"""Injected faults: the next N matching API calls answer 500, 429, or hang before answering."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from . import errors
from .ids import new_id

KINDS = ("500", "429", "hang")


@dataclass
class Fault:
    kind: str
    remaining: int
    path_prefix: str = "/v1/"
    method: str | None = None
    account: str | None = None
    hang_seconds: float = 5.0
    id: str = field(default_factory=lambda: new_id("fault", 12))

    def matches(self, method: str, path: str, account: str | None) -> bool:
        return (self.remaining > 0 and path.startswith(self.path_prefix)
                and (self.method is None or self.method == method)
                and (self.account is None or self.account == account))

    def public(self) -> dict:
        return {"id": self.id, "kind": self.kind, "remaining": self.remaining, "path_prefix": self.path_prefix,
                "method": self.method, "account": self.account, "hang_seconds": self.hang_seconds}


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, spec: dict) -> Fault:
        kind = str(spec.get("kind", ""))
        if kind not in KINDS:
            raise errors.invalid(f"kind must be one of {', '.join(KINDS)}", param="kind")
        try:
            count = int(spec.get("count", 1))
            hang_seconds = float(spec.get("hang_seconds", 5.0))
        except (TypeError, ValueError):
            raise errors.invalid("count must be an integer and hang_seconds a number") from None
        if count < 1 or hang_seconds < 0:
            raise errors.invalid("count must be at least 1 and hang_seconds not negative")
        method = spec.get("method")
        fault = Fault(kind=kind, remaining=count, path_prefix=str(spec.get("path_prefix") or "/v1/"),
                      method=str(method).upper() if method else None, account=spec.get("account") or None,
                      hang_seconds=hang_seconds)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str, account: str | None) -> Fault | None:
        """The first armed fault matching this call, with one use consumed."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path, account):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def list(self) -> list[dict]:
        with self._lock:
            return [f.public() for f in self._faults]

    def clear(self) -> int:
        with self._lock:
            count = len(self._faults)
            self._faults.clear()
            return count
