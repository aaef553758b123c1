"""Secrets Manager access: one JSON secret per project and mode, cached per container for a bounded time."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from paykit import aws
from paykit.settings import get_settings


def stripe_secret_name(prefix: str, project_id: str, mode: str) -> str:
    return f"{prefix}/projects/{project_id}/{mode}"


@dataclass
class _Entry:
    value: Any
    fetched_at: float


class SecretStore:
    """Reads and writes secrets by name; values never leave this object except to their caller."""

    def __init__(self, client: Any, max_age_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._max_age = max_age_seconds
        self._clock = clock
        self._cache: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def get_string(self, name: str, max_age: float | None = None) -> str | None:
        """The secret's string, or None when the secret does not exist."""
        max_age = self._max_age if max_age is None else max_age
        with self._lock:
            entry = self._cache.get(name)
        if entry is not None and self._clock() - entry.fetched_at < max_age:
            return entry.value
        try:
            value = self._client.get_secret_value(SecretId=name)["SecretString"]
        except self._client.exceptions.ResourceNotFoundException:
            value = None
        with self._lock:
            self._cache[name] = _Entry(value, self._clock())
        return value

    def get_json(self, name: str, max_age: float | None = None) -> dict[str, str]:
        raw = self.get_string(name, max_age)
        return json.loads(raw) if raw else {}

    def get_field(self, name: str, field: str, max_age: float | None = None) -> str | None:
        """One field of a JSON secret. Its absence is never trusted from the cache: a key added a moment ago in
        another container is seen by the very next request (issue 11, item 6), at one read per miss."""
        value = self.get_json(name, max_age).get(field)
        return value if value else self.get_json(name, max_age=0).get(field) or None

    def put_json(self, name: str, value: dict[str, str], exists: bool) -> None:
        """Write the whole secret; `exists` is the caller's belief, corrected when wrong."""
        raw = json.dumps(value, separators=(",", ":"), sort_keys=True)
        if exists:
            try:
                self._client.put_secret_value(SecretId=name, SecretString=raw)
            except self._client.exceptions.ResourceNotFoundException:
                self._client.create_secret(Name=name, SecretString=raw)
        else:
            try:
                self._client.create_secret(Name=name, SecretString=raw)
            except self._client.exceptions.ResourceExistsException:
                self._client.put_secret_value(SecretId=name, SecretString=raw)
        with self._lock:
            self._cache[name] = _Entry(raw, self._clock())

    def invalidate(self, name: str) -> None:
        with self._lock:
            self._cache.pop(name, None)


@lru_cache(maxsize=1)
def default_secret_store() -> SecretStore:
    return SecretStore(aws.client("secretsmanager"), get_settings().secret_cache_seconds)
