"""Per-project Stripe configuration (E5-E9): config, webhook URLs, credential checks, event log and replay."""
from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from paykit import api
from paykit.auth import Role
from paykit.models.entitlements import (
    BillingSettings,
    BillingSettingsOut,
    FeatureKey,
    FeatureList,
    FeatureOut,
    FeatureRequest,
    ProductFeatureRequest,
    ProductId,
    UserUsageOut,
)
from paykit.models.events import EventLogPage, EventReplayOut
from paykit.models.config import (
    StripeConfigOut,
    StripeConfigRequest,
    ValidateCredentialsOut,
    ValidateCredentialsRequest,
    WebhookUrlsOut,
)
from paykit.models.lists import (
    EXPORT_RESPONSES,
    CreatedFrom,
    CreatedTo,
    ExportSize,
    Format,
    ProjectPaymentList,
    SubscriptionList,
)
from paykit.observability import logger, metrics, tracer
from paykit.store.table import default_table
from paykit.services import config, entitlements, event_log, lists

# Clients are built during init and reused by warm invocations; Secrets Manager's only on the first write.
default_table()
app = api.resolver()
BASE = "/api/v1/payments/stripe/projects/<project_id>"


@app.get(f"{BASE}/config")
def get_config(project_id: UUID) -> api.Response[StripeConfigOut | None]:
    # The documented body for "no configuration" is the JSON literal null.
    return api.Response(status_code=200, content_type="application/json",
                        body=config.get_config(api.principal(app), project_id))


@app.put(f"{BASE}/config")
def put_config(project_id: UUID, body: StripeConfigRequest) -> StripeConfigOut:
    return config.put_config(api.principal(app), project_id, body)


@app.delete(f"{BASE}/config", status_code=204)
def delete_config(project_id: UUID) -> api.Response[None]:
    config.delete_config(api.principal(app), project_id)
    return api.Response(status_code=204, body="")


@app.get(f"{BASE}/webhook-urls")
def webhook_urls(project_id: UUID) -> WebhookUrlsOut:
    return config.webhook_urls(api.principal(app), project_id, api.request_base(app.current_event.raw_event))


@app.post(f"{BASE}/validate-credentials")
def validate_credentials(project_id: UUID, body: ValidateCredentialsRequest) -> ValidateCredentialsOut:
    return config.validate_credentials(api.principal(app), project_id, body.secret_key, body.is_test_mode)


@app.get(f"{BASE}/events")
def list_events(project_id: UUID, test_mode: bool = True, page: Annotated[int, Query(ge=1)] = 1,
                page_size: Annotated[int, Query(ge=1, le=100)] = 50,
                cursor: Annotated[str | None, Query(max_length=2048)] = None) -> EventLogPage:
    return event_log.list_events(api.principal(app), project_id, test_mode, page, page_size, cursor)


@app.post(f"{BASE}/events/<event_id>/replay")
def replay_event(project_id: UUID, event_id: str, test_mode: bool = True) -> EventReplayOut:
    return event_log.replay(api.principal(app), project_id, event_id, test_mode)


@app.get(f"{BASE}/subscriptions")
def project_subscriptions(project_id: UUID, test_mode: bool = True, page: Annotated[int, Query(ge=1)] = 1,
                          page_size: Annotated[int, Query(ge=1, le=100)] = 50, cursor: str | None = None,
                          created_from: CreatedFrom = None, created_to: CreatedTo = None) -> SubscriptionList:
    return lists.project_subscriptions(api.principal(app), project_id, test_mode, page, page_size, cursor,
                                       created_from=created_from, created_to=created_to)


@app.get(f"{BASE}/payments")
def project_payments(project_id: UUID, test_mode: bool = True, page: Annotated[int, Query(ge=1)] = 1,
                     page_size: Annotated[int, Query(ge=1, le=100)] = 50, cursor: str | None = None,
                     created_from: CreatedFrom = None, created_to: CreatedTo = None) -> ProjectPaymentList:
    return lists.project_payments(api.principal(app), project_id, test_mode, page, page_size, cursor,
                                  created_from=created_from, created_to=created_to)


@app.get(f"{BASE}/subscriptions/export", responses=EXPORT_RESPONSES)
def export_project_subscriptions(project_id: UUID, test_mode: bool = True, created_from: CreatedFrom = None,
                                 created_to: CreatedTo = None, fmt: Format = "csv", page_size: ExportSize = 1000,
                                 cursor: str | None = None) -> api.Response[str]:
    chunk = lists.export_project(api.principal(app), "subscription", project_id, test_mode, created_from, created_to,
                                 fmt, page_size, cursor)
    return api.Response(status_code=200, content_type=chunk.media_type, body=chunk.body, headers=chunk.headers())


@app.get(f"{BASE}/payments/export", responses=EXPORT_RESPONSES)
def export_project_payments(project_id: UUID, test_mode: bool = True, created_from: CreatedFrom = None,
                            created_to: CreatedTo = None, fmt: Format = "csv", page_size: ExportSize = 1000,
                            cursor: str | None = None) -> api.Response[str]:
    chunk = lists.export_project(api.principal(app), "payment", project_id, test_mode, created_from, created_to,
                                 fmt, page_size, cursor)
    return api.Response(status_code=200, content_type=chunk.media_type, body=chunk.body, headers=chunk.headers())


# ---------------------------------------------------------------- entitlements (issue 14)


@app.get(f"{BASE}/billing-settings")
def get_billing_settings(project_id: UUID) -> BillingSettingsOut:
    return entitlements.get_billing_settings(api.principal(app), project_id)


@app.put(f"{BASE}/billing-settings")
def put_billing_settings(project_id: UUID, body: BillingSettings) -> BillingSettingsOut:
    return entitlements.put_billing_settings(api.principal(app), project_id, body)


@app.get(f"{BASE}/features")
def list_features(project_id: UUID, test_mode: bool = True) -> FeatureList:
    return entitlements.list_features(api.principal(app), project_id, test_mode)


@app.post(f"{BASE}/features", status_code=201)
def create_feature(project_id: UUID, body: FeatureRequest, test_mode: bool = True) -> FeatureOut:
    return entitlements.create_feature(api.principal(app), project_id, test_mode, body)


@app.post(f"{BASE}/products/<product_id>/features")
def attach_feature(project_id: UUID, product_id: ProductId, body: ProductFeatureRequest,
                   test_mode: bool = True) -> FeatureOut:
    return entitlements.attach_feature(api.principal(app), project_id, product_id, body.feature, test_mode)


@app.delete(f"{BASE}/products/<product_id>/features/<feature_key>")
def detach_feature(project_id: UUID, product_id: ProductId, feature_key: FeatureKey,
                   test_mode: bool = True) -> FeatureOut:
    return entitlements.attach_feature(api.principal(app), project_id, product_id, feature_key, test_mode,
                                       attach=False)


@app.get(f"{BASE}/usage")
def user_usage(project_id: UUID, user_id: Annotated[str, Query(min_length=1, max_length=255)],
               test_mode: bool = True) -> UserUsageOut:
    return entitlements.user_usage(api.principal(app), project_id, user_id, test_mode)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return api.handle(app, event, context, role=Role.DEVELOPER)
