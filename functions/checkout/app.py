"""End-user checkout (E12) and the success page's sync-on-return read of a Checkout session."""
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from paykit import api, replay
from paykit.auth import Role
from paykit.models.checkout import CheckoutOut, CheckoutRequest, CheckoutSessionStatusOut
from paykit.observability import logger, metrics, tracer
from paykit.services import checkout
from paykit.store.table import default_table

# Clients are built during init and reused by warm invocations; the Stripe SDK on the first Stripe call.
default_table()
app = api.resolver()
BASE = "/api/v1/payments/stripe"


@app.post(f"{BASE}/checkout-session")
def create_checkout_session(body: CheckoutRequest, test_mode: bool = True) -> CheckoutOut:
    # Decision 32: a retry with the same Idempotency-Key and body gets the first answer (paykit.replay).
    key = app.current_event.headers.get("idempotency-key")
    return replay.answer(api.principal(app), test_mode, "checkout", key, body,
                         lambda: checkout.create_checkout_session(api.principal(app), test_mode, body, key),
                         CheckoutOut)


@app.get(f"{BASE}/checkout-session/<session_id>")
def get_checkout_session(session_id: Annotated[str, Path(pattern=r"^cs_[A-Za-z0-9_]{1,250}$")],
                         test_mode: bool = True) -> CheckoutSessionStatusOut:
    return checkout.sync_checkout_session(api.principal(app), test_mode, session_id)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    replay.register(context)
    return api.handle(app, event, context, role=Role.END_USER)
