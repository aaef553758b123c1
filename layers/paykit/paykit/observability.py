"""Observability in one place: the structured logger, tracer and metrics every function shares.

Lambda's active tracing (template Globals) traces every invocation. The X-Ray SDK, which Powertools' Tracer
loads to add subsegments, costs about 250 ms of cold start (bench/cold_start.py), so it is opt-in:
POWERTOOLS_TRACER_SDK=true turns the Powertools Tracer on (add aws-xray-sdk to the layer's requirements for it);
otherwise `tracer` keeps the same decorators as no-ops.

No log line holds a secret-shaped value (`paykit.redact`): a filter masks each record (message, its arguments,
structured keys, the exception's text) before any handler sees it, and the formatter masks the JSON line it writes,
which also covers the keys added with `append_keys` and Powertools' own rendering of the exception.
"""
from __future__ import annotations

import logging
import os
import warnings
from typing import Any, Callable

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.metrics import MetricUnit

from paykit.redact import redact, redact_value

# A request that records no business metric is normal, not worth a warning per invocation.
warnings.filterwarnings("ignore", message="No application metrics to publish")


class _UntracedTracer:
    """The subset of Powertools' Tracer the service uses, doing nothing."""

    def capture_lambda_handler(self, handler: Callable[..., Any] | None = None, **_: Any) -> Any:
        return handler if handler is not None else (lambda fn: fn)

    def capture_method(self, method: Callable[..., Any] | None = None, **_: Any) -> Any:
        return method if method is not None else (lambda fn: fn)

    def put_annotation(self, key: str, value: Any) -> None:
        pass


def _tracer() -> Any:
    if os.environ.get("POWERTOOLS_TRACER_SDK", "").lower() == "true":
        from aws_lambda_powertools import Tracer

        return Tracer()
    return _UntracedTracer()


_STANDARD_RECORD_KEYS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class RedactSecrets(logging.Filter):
    """Masks a record in place, so every handler of the logger (not only Powertools' own) gets it masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            try:
                record.msg, record.args = record.getMessage(), None
            except (TypeError, ValueError):  # a broken format string: logging reports it when it formats
                pass
        record.msg = redact_value(record.msg)  # a str, or the dict of a structured message
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_RECORD_KEYS:
                setattr(record, key, redact_value(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON line, masked: it renders exceptions from the exception object, not from the record's text."""

    def serialize(self, log: Any) -> str:
        return redact(super().serialize(log))


logger = Logger(logger_formatter=RedactingFormatter())
logger.addFilter(RedactSecrets())
tracer = _tracer()
metrics = Metrics()

__all__ = ["logger", "tracer", "metrics", "MetricUnit"]
