"""A per-container cache whose entries expire: warm invocations skip reads whose answers rarely change."""
from __future__ import annotations

import threading
import time
from typing import Callable, Generic, Hashable, TypeVar

V = TypeVar("V")


class TtlCache(Generic[V]):
    """Entries live `seconds` from when they were put (a hit never extends them); safe across threads."""

    def __init__(self, seconds: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._seconds = seconds
        self._monotonic = monotonic
        self._items: dict[Hashable, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            entry = self._items.get(key)
        return entry[1] if entry is not None and self._monotonic() - entry[0] < self._seconds else None

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._items[key] = (self._monotonic(), value)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
