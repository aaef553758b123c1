"""AWS clients built once per container and reused across invocations (boto3 honours AWS_ENDPOINT_URL locally)."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

# Fail fast and retry a little: a request path must finish well inside API Gateway's 30 s.
_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})


@lru_cache(maxsize=None)
def client(service: str) -> Any:
    return boto3.session.Session().client(service, config=_CONFIG)
