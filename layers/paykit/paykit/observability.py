"""Observability in one place: the structured logger, tracer and metrics every function shares.

Lambda's active tracing (template Globals) traces every invocation. The X-Ray SDK, which Powertools' Tracer
loads to add subsegments, costs about 250 ms of cold start (bench/cold_start.py), so it is opt-in:
POWERTOOLS_TRACER_SDK=true turns the Powertools Tracer on (add aws-xray-sdk to the layer's requirements for it);
otherwise `tracer` keeps the same decorators as no-ops.
"""
from __future__ import annotations

import os
import warnings
from typing import Any, Callable

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

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


logger = Logger()
tracer = _tracer()
metrics = Metrics()

__all__ = ["logger", "tracer", "metrics", "MetricUnit"]
