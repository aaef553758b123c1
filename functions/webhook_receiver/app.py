"""Stripe webhook receiver (E13): the API route and the Function URL (same rawPath), verify, queue, acknowledge."""
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from paykit import api
from paykit.models.events import WebhookAck
from paykit.observability import logger, metrics, tracer
from paykit.services.webhooks import default_receiver
from paykit.settings import get_settings

# Table, Secrets Manager and SQS clients are built during init; warm deliveries reuse them and their caches.
default_receiver()
app = api.resolver()


@app.post("/api/v1/payments/stripe/webhooks/<project_id>/<mode>",
          responses={200: {"description": "Verified and durably queued",
                           "content": {"application/json": {"model": WebhookAck}}}})
def receive_stripe_event(project_id: str, mode: str) -> dict:
    event = app.current_event.raw_event
    logger.append_keys(project_id=project_id, mode=mode)
    # The signature covers the raw bytes exactly as Stripe sent them (base64-decoded when the gateway encoded them).
    return default_receiver().receive(project_id, mode, event.get("headers") or {}, api.raw_body(event))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    # No bearer token: Stripe signs the body instead. Bodies up to what one DynamoDB item holds are accepted.
    return api.handle(app, event, context, role=None, max_body_bytes=get_settings().webhook_max_body_bytes)
