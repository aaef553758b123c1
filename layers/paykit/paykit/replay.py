"""Decision 32: an end-user POST with an `Idempotency-Key` answers its first answer to a retry (same key, same body),
422 to the key with another body and 409 while the first is in flight; keys are scoped by project, mode, user and
operation and kept KEEP_SECONDS. Powertools' idempotency utility keeps the records on the single table.

Two steps per request share a key: `answer` stores the route's answer (a success or a final 4xx), `plan` stores what
a change was validated to do (its target subscription, price...). A function that dies after Stripe acted and before
the answer was stored leaves no answer; the retry then replays the plan instead of re-checking a state that the
first attempt already changed ("already on this price"), and Stripe's idempotent replay gives the change's answer.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any, Callable, TypeVar

from aws_lambda_powertools.event_handler.openapi.encoders import jsonable_encoder
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from pydantic import BaseModel

from paykit import api, aws, errors
from paykit.auth import Principal
from paykit.settings import get_settings
from paykit.store import keys

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

KEEP_SECONDS = 25 * 3600  # at least 24 h (decision 32) and as long as Stripe keeps the keys PayKit derives from it
SHARDS = 8  # the records' partitions: every tenant's keys, spread by their hash (no LSI, so each can split further)
# Final answers a retry gets again; 401 never reaches a route, 409 (in flight, a race) and 5xx say "retry".
STORED_STATUSES = frozenset({400, 402, 403, 404, 422})
# Until a context is registered (a service called outside a handler), an attempt in flight holds its key for the
# API functions' timeout; Lambda's own remaining time is used once registered.
_FALLBACK_MILLIS = 10_000

_config = IdempotencyConfig(event_key_jmespath="key", payload_validation_jmespath="request",
                            raise_on_no_idempotency_key=True, expires_after_seconds=KEEP_SECONDS,
                            hash_function="sha256")


class _Fallback:
    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return _FALLBACK_MILLIS


_config.register_lambda_context(_Fallback())  # type: ignore[arg-type]


def register(context: Any) -> None:
    """Each invocation's Lambda context: an attempt that dies holds its key only until its timeout (then 409 ends)."""
    _config.register_lambda_context(context if context is not None else _Fallback())


@lru_cache(maxsize=None)
def _store(step: str, shard: int) -> DynamoDBPersistenceLayer:
    """One store per (step, shard), built once per container on the shared client: Powertools keys each record by
    its store's prefix, so the two steps of one request never share a store."""
    return DynamoDBPersistenceLayer(
        table_name=get_settings().table_name, key_attr="pk", sort_key_attr="sk",
        static_pk_value=keys.idempotency_partition(shard), expiry_attr="expires_at",
        in_progress_expiry_attr="in_flight_until", status_attr="idem_status", data_attr="answer",
        validation_key_attr="request_hash", boto3_client=aws.client("dynamodb"))


def _once(step: str, caller: Principal, mode: str, operation: str, client_key: str, request: Any,
          run: Callable[[], T]) -> T:
    scoped = [str(caller.project_id), mode, caller.sub, operation, client_key]
    shard = int(hashlib.sha256("\x1f".join(scoped).encode()).hexdigest(), 16) % SHARDS

    def call(payload: dict[str, Any]) -> T:  # Powertools hashes `payload`; the work itself needs none of it
        return run()

    once = idempotent_function(call, data_keyword_argument="payload", persistence_store=_store(step, shard),
                               config=_config, key_prefix=step)
    try:
        return once(payload={"key": scoped, "request": request})
    except IdempotencyAlreadyInProgressError as exc:
        raise errors.Conflict("A request with this Idempotency-Key is still in progress; retry later") from exc
    except IdempotencyValidationError as exc:
        raise errors.InvalidInput(("header", "idempotency-key"),
                                  "This Idempotency-Key was already used with another request body",
                                  "idempotency_key_reused") from exc
    except IdempotencyPersistenceLayerError as exc:  # the store's own call failed (throttled, unavailable)
        cause = exc.__cause__
        if cause is not None and aws.is_unavailable(cause):
            raise errors.ServiceUnavailable() from exc
        raise


def answer(caller: Principal, test_mode: bool, operation: str, client_key: str | None, body: BaseModel | None,
           run: Callable[[], M], model: type[M]) -> M:
    """The route's answer, the first one again for a retry with the same key and body. Without a key, `run()`."""
    if not client_key:
        return run()
    request = body.model_dump(mode="json") if body is not None else {}
    stored = _once("answer", caller, "test" if test_mode else "live", operation, client_key, request,
                   lambda: _outcome(run))
    if stored["status"] == 200:
        return model.model_validate(stored["body"])
    raise _error_of(stored["status"], stored["body"])


def plan(caller: Principal, mode: str, operation: str, client_key: str | None, request: Any,
         decide: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """What a change was validated to do, kept under the request's key: a retry after a crash acts on the same
    target without re-checking what the first attempt already changed. A refused check keeps nothing."""
    if not client_key:
        return decide()
    return _once("plan", caller, mode, operation, client_key, request, decide)


def _outcome(run: Callable[[], BaseModel]) -> dict[str, Any]:
    """A success, or a final refusal, as the answer to keep; anything else (5xx, 409) is raised and keeps nothing."""
    try:
        return {"status": 200, "body": jsonable_encoder(run(), by_alias=True)}
    except errors.PayKitError as exc:
        response = api.error_response(exc)
        if response.status_code not in STORED_STATUSES:
            raise
        return {"status": response.status_code, "body": json.loads(response.body)}


def _error_of(status: int, body: dict[str, Any]) -> errors.PayKitError:
    """The stored refusal as the error that answers it: paykit.api renders the same status and body again."""
    detail = body.get("detail")
    if status == 422 and isinstance(detail, list) and len(detail) == 1:
        return errors.InvalidInput(tuple(detail[0]["loc"]), detail[0]["msg"], detail[0]["type"])
    kind = next(cls for cls, code in api.STATUS_BY_ERROR.items() if code == status)
    return kind(str(detail))
