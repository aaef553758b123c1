"""Observability in one place: the structured logger, tracer and metrics every function shares."""
import warnings

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
tracer = Tracer()
metrics = Metrics()

# A request that records no business metric is normal, not worth a warning per invocation.
warnings.filterwarnings("ignore", message="No application metrics to publish")

__all__ = ["logger", "tracer", "metrics", "MetricUnit"]
