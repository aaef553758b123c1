"""Test helpers: tokens signed for the test stack."""
from __future__ import annotations

import time
from typing import Any

import jwt

from local.handler_client import HandlerClient, Reply

__all__ = ["HandlerClient", "Reply", "make_token"]


def make_token(secret: str, sub: str, project_id: str | None = None, **claims: Any) -> str:
    payload: dict[str, Any] = {"sub": sub, "type": "access", "exp": int(time.time()) + 600}
    if project_id:
        payload["project_id"] = project_id
    payload.update(claims)
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, secret, algorithm="HS256")


def reset_service_caches() -> None:
    """Forget what earlier imports cached from the environment (settings, clients), as a fresh container would."""
    from paykit import auth, aws, processor, replay, secrets, settings, stripe_gateway
    from paykit.services import reconciler, webhooks, work
    from paykit.store import table

    for cached in (settings.get_settings, aws.client, table.default_table, secrets.default_secret_store,
                   auth.default_verifier, stripe_gateway.default_gateway, webhooks.default_receiver,
                   processor.default_processor, reconciler.default_reconciler, work.default_queue,
                   work.default_producer, work.default_worker, replay._store):
        cached.cache_clear()
