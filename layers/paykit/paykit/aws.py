"""AWS clients built once per container and reused across invocations (boto3 honours AWS_ENDPOINT_URL locally)."""
from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import boto3
from botocore import exceptions as botocore_errors
from botocore.config import Config

from paykit.settings import get_settings

# Fail fast and retry a little: a request path must finish well inside API Gateway's 30 s (the read timeout is
# AWS_READ_TIMEOUT_SECONDS, 5 s by default).
_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})


_CLIENT_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _session() -> boto3.session.Session:
    """One session per container: its loader parses endpoint, partition and retry data once for all clients
    (a session per client parsed them per client, most of the webhook receiver's cold start over the floor)."""
    return boto3.session.Session()


@lru_cache(maxsize=None)
def client(service: str) -> Any:
    config = _CONFIG.merge(Config(read_timeout=get_settings().aws_read_timeout_seconds))
    with _CLIENT_LOCK:  # a session is not thread-safe while it builds clients; the clients themselves are
        return _session().client(service, config=config)


# Codes that mean "AWS is busy or failing, try again later", on top of any 5xx answer.
_UNAVAILABLE_CODES = frozenset({
    "ThrottlingException", "Throttling", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
    "RequestThrottled", "TooManyRequestsException", "LimitExceededException", "InternalServerError",
    "InternalFailure", "InternalServiceError", "ServiceUnavailable", "ServiceUnavailableException",
})


def send_message(sqs: Any, failure: str, **message: Any) -> None:
    """One SQS SendMessage. Whatever stops it (throttling, an outage, a refusal) is QueueUnavailable(failure): the
    message is not queued and the caller's client retries (a 503)."""
    from paykit.errors import QueueUnavailable

    try:
        sqs.send_message(**message)
    except (botocore_errors.ClientError, botocore_errors.BotoCoreError) as exc:
        raise QueueUnavailable(failure) from exc


def is_unavailable(exc: BaseException) -> bool:
    """Throttling, an AWS-side 5xx or a network failure that outlived botocore's retries: transient, not a bug."""
    if isinstance(exc, botocore_errors.ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return code in _UNAVAILABLE_CODES or status >= 500
    return isinstance(exc, (botocore_errors.ConnectionError, botocore_errors.HTTPClientError))
