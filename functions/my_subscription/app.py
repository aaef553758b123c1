"""The end user's own subscription (E14-E18), plus resume and a preview of a plan change."""
from typing import Annotated, Any, Callable, TypeVar

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from paykit import api, replay
from paykit.auth import Role
from paykit.models.subscriptions import (
    CancelOut,
    CancelRequest,
    PaymentList,
    PortalOut,
    PortalRequest,
    PreviewOut,
    SubscriptionOut,
    UpdateOut,
    UpdateRequest,
)
from paykit.models.entitlements import CheckOut, EntitlementsOut, FeatureKey, UsageOut, UsageRequest
from paykit.observability import logger, metrics, tracer
from paykit.services import entitlements, subscriptions
from paykit.store.table import default_table

# Clients are built during init and reused by warm invocations; the Stripe SDK on the first Stripe call.
default_table()
app = api.resolver()
BASE = "/api/v1/payments/stripe"
M = TypeVar("M")


def _client_key() -> str | None:
    return app.current_event.headers.get("idempotency-key")


def _once(operation: str, test_mode: bool, body: Any, model: type[M], run: Callable[[str | None], M]) -> M:
    """Decision 32: a retry with the same Idempotency-Key and body gets the first answer (paykit.replay)."""
    key = _client_key()
    return replay.answer(api.principal(app), test_mode, operation, key, body, lambda: run(key), model)


@app.get(f"{BASE}/my-subscription")
def my_subscription(test_mode: bool = True) -> api.Response[SubscriptionOut | None]:
    found = subscriptions.get_my_subscription(api.principal(app), test_mode)
    # The documented body for "no subscription" is the JSON literal null.
    return api.Response(status_code=200, content_type="application/json", body=found)


@app.get(f"{BASE}/my-payments")
def my_payments(test_mode: bool = True, page: Annotated[int, Query(ge=1)] = 1,
                page_size: Annotated[int, Query(ge=1, le=100)] = 50,
                cursor: Annotated[str | None, Query(max_length=2048)] = None) -> PaymentList:
    return subscriptions.list_my_payments(api.principal(app), test_mode, page, page_size, cursor)


@app.post(f"{BASE}/customer-portal")
def customer_portal(body: PortalRequest, test_mode: bool = True) -> PortalOut:
    return _once("portal", test_mode, body, PortalOut, lambda key: subscriptions.create_portal_session(
        api.principal(app), test_mode, body.return_url, key))


@app.post(f"{BASE}/cancel-subscription")
def cancel_subscription(body: CancelRequest, test_mode: bool = True) -> CancelOut:
    return _once("cancel", test_mode, body, CancelOut, lambda key: subscriptions.cancel_subscription(
        api.principal(app), test_mode, body.cancel_immediately, key))


@app.post(f"{BASE}/update-subscription")
def update_subscription(body: UpdateRequest, test_mode: bool = True) -> UpdateOut:
    return _once("update", test_mode, body, UpdateOut, lambda key: subscriptions.update_subscription(
        api.principal(app), test_mode, body.new_price_id, body.proration_behavior, key))


@app.post(f"{BASE}/resume-subscription")
def resume_subscription(test_mode: bool = True) -> CancelOut:
    return _once("resume", test_mode, None, CancelOut, lambda key: subscriptions.resume_subscription(
        api.principal(app), test_mode, key))


@app.post(f"{BASE}/preview-subscription-update")
def preview_subscription_update(body: UpdateRequest, test_mode: bool = True) -> PreviewOut:
    return subscriptions.preview_subscription_update(api.principal(app), test_mode, body.new_price_id,
                                                     body.proration_behavior)


# ---------------------------------------------------------------- entitlements (issue 14)


@app.get(f"{BASE}/my-entitlements")
def my_entitlements(test_mode: bool = True) -> EntitlementsOut:
    return entitlements.my_entitlements(api.principal(app), test_mode)


@app.get(f"{BASE}/check")
def check(feature: FeatureKey, test_mode: bool = True) -> CheckOut:
    return entitlements.check(api.principal(app), test_mode, feature)


@app.post(f"{BASE}/usage")
def usage(body: UsageRequest, test_mode: bool = True) -> UsageOut:
    # Usage keeps its first answer in its own transaction, with the count (services/entitlements.py).
    return entitlements.record_usage(api.principal(app), test_mode, body, _client_key())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    replay.register(context)
    return api.handle(app, event, context, role=Role.END_USER)
