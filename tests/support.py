"""Test helpers, re-exported from the set-up the tests share with the benchmarks (local/testbed.py)."""
from __future__ import annotations

from local.handler_client import HandlerClient, Reply
from local.testbed import make_token, reset_service_caches

__all__ = ["HandlerClient", "Reply", "make_token", "reset_service_caches"]
