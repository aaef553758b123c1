"""Contains all the data models used in inputs/outputs"""

from .aggregated_payment_list import AggregatedPaymentList
from .aggregated_payment_out import AggregatedPaymentOut
from .aggregated_subscription_list import AggregatedSubscriptionList
from .aggregated_subscription_out import AggregatedSubscriptionOut
from .billing_settings import BillingSettings
from .billing_settings_out import BillingSettingsOut
from .cancel_out import CancelOut
from .cancel_request import CancelRequest
from .check_out import CheckOut
from .checkout_out import CheckoutOut
from .checkout_request import CheckoutRequest
from .checkout_request_metadata_type_0 import CheckoutRequestMetadataType0
from .checkout_request_mode import CheckoutRequestMode
from .checkout_session_status_out import CheckoutSessionStatusOut
from .currency_stats import CurrencyStats
from .discount_out import DiscountOut
from .entitlements_out import EntitlementsOut
from .error_detail import ErrorDetail
from .event_log_entry import EventLogEntry
from .event_log_entry_status_type_0 import EventLogEntryStatusType0
from .event_log_page import EventLogPage
from .event_replay_out import EventReplayOut
from .event_replay_out_status_type_0 import EventReplayOutStatusType0
from .export_project_payments_api_v1_payments_stripe_projects_project_id_payments_export_get_format import (
    ExportProjectPaymentsApiV1PaymentsStripeProjectsProjectIdPaymentsExportGetFormat,
)
from .export_project_subscriptions_api_v1_payments_stripe_projects_project_id_subscriptions_export_get_format import (
    ExportProjectSubscriptionsApiV1PaymentsStripeProjectsProjectIdSubscriptionsExportGetFormat,
)
from .export_subscriptions_api_v1_payments_subscriptions_export_get_format import (
    ExportSubscriptionsApiV1PaymentsSubscriptionsExportGetFormat,
)
from .export_transactions_api_v1_payments_transactions_export_get_format import (
    ExportTransactionsApiV1PaymentsTransactionsExportGetFormat,
)
from .feature_list import FeatureList
from .feature_out import FeatureOut
from .feature_out_kind import FeatureOutKind
from .feature_request import FeatureRequest
from .feature_request_kind import FeatureRequestKind
from .http_validation_error import HTTPValidationError
from .mode_stats import ModeStats
from .mode_stats_by_currency import ModeStatsByCurrency
from .payment_list import PaymentList
from .payment_out import PaymentOut
from .payment_stats import PaymentStats
from .payment_stats_by_currency import PaymentStatsByCurrency
from .payment_stats_by_currency_additional_property import (
    PaymentStatsByCurrencyAdditionalProperty,
)
from .payment_stats_by_mode import PaymentStatsByMode
from .point import Point
from .portal_out import PortalOut
from .portal_request import PortalRequest
from .preview_out import PreviewOut
from .product_feature_request import ProductFeatureRequest
from .project_create import ProjectCreate
from .project_created_out import ProjectCreatedOut
from .project_list import ProjectList
from .project_out import ProjectOut
from .project_payment_config import ProjectPaymentConfig
from .project_payment_config_list import ProjectPaymentConfigList
from .project_payment_list import ProjectPaymentList
from .project_payment_out import ProjectPaymentOut
from .receive_stripe_event_api_v1_payments_stripe_webhooks_project_id_mode_post_stripe_event import (
    ReceiveStripeEventApiV1PaymentsStripeWebhooksProjectIdModePostStripeEvent,
)
from .stats_timeseries_api_v1_payments_stats_timeseries_get_interval import (
    StatsTimeseriesApiV1PaymentsStatsTimeseriesGetInterval,
)
from .stats_timeseries_api_v1_payments_stats_timeseries_get_metric import (
    StatsTimeseriesApiV1PaymentsStatsTimeseriesGetMetric,
)
from .stripe_config_out import StripeConfigOut
from .stripe_config_request import StripeConfigRequest
from .subscription_list import SubscriptionList
from .subscription_out import SubscriptionOut
from .summary import Summary
from .time_series import TimeSeries
from .time_series_interval import TimeSeriesInterval
from .time_series_metric import TimeSeriesMetric
from .time_series_mode import TimeSeriesMode
from .update_out import UpdateOut
from .update_request import UpdateRequest
from .update_request_proration_behavior import UpdateRequestProrationBehavior
from .usage_out import UsageOut
from .usage_request import UsageRequest
from .user_usage_out import UserUsageOut
from .user_usage_out_usage import UserUsageOutUsage
from .validate_credentials_out import ValidateCredentialsOut
from .validate_credentials_request import ValidateCredentialsRequest
from .validation_error import ValidationError
from .webhook_ack import WebhookAck
from .webhook_urls_out import WebhookUrlsOut

__all__ = (
    "AggregatedPaymentList",
    "AggregatedPaymentOut",
    "AggregatedSubscriptionList",
    "AggregatedSubscriptionOut",
    "BillingSettings",
    "BillingSettingsOut",
    "CancelOut",
    "CancelRequest",
    "CheckOut",
    "CheckoutOut",
    "CheckoutRequest",
    "CheckoutRequestMetadataType0",
    "CheckoutRequestMode",
    "CheckoutSessionStatusOut",
    "CurrencyStats",
    "DiscountOut",
    "EntitlementsOut",
    "ErrorDetail",
    "EventLogEntry",
    "EventLogEntryStatusType0",
    "EventLogPage",
    "EventReplayOut",
    "EventReplayOutStatusType0",
    "ExportProjectPaymentsApiV1PaymentsStripeProjectsProjectIdPaymentsExportGetFormat",
    "ExportProjectSubscriptionsApiV1PaymentsStripeProjectsProjectIdSubscriptionsExportGetFormat",
    "ExportSubscriptionsApiV1PaymentsSubscriptionsExportGetFormat",
    "ExportTransactionsApiV1PaymentsTransactionsExportGetFormat",
    "FeatureList",
    "FeatureOut",
    "FeatureOutKind",
    "FeatureRequest",
    "FeatureRequestKind",
    "HTTPValidationError",
    "ModeStats",
    "ModeStatsByCurrency",
    "PaymentList",
    "PaymentOut",
    "PaymentStats",
    "PaymentStatsByCurrency",
    "PaymentStatsByCurrencyAdditionalProperty",
    "PaymentStatsByMode",
    "Point",
    "PortalOut",
    "PortalRequest",
    "PreviewOut",
    "ProductFeatureRequest",
    "ProjectCreate",
    "ProjectCreatedOut",
    "ProjectList",
    "ProjectOut",
    "ProjectPaymentConfig",
    "ProjectPaymentConfigList",
    "ProjectPaymentList",
    "ProjectPaymentOut",
    "ReceiveStripeEventApiV1PaymentsStripeWebhooksProjectIdModePostStripeEvent",
    "StatsTimeseriesApiV1PaymentsStatsTimeseriesGetInterval",
    "StatsTimeseriesApiV1PaymentsStatsTimeseriesGetMetric",
    "StripeConfigOut",
    "StripeConfigRequest",
    "SubscriptionList",
    "SubscriptionOut",
    "Summary",
    "TimeSeries",
    "TimeSeriesInterval",
    "TimeSeriesMetric",
    "TimeSeriesMode",
    "UpdateOut",
    "UpdateRequest",
    "UpdateRequestProrationBehavior",
    "UsageOut",
    "UsageRequest",
    "UserUsageOut",
    "UserUsageOutUsage",
    "ValidateCredentialsOut",
    "ValidateCredentialsRequest",
    "ValidationError",
    "WebhookAck",
    "WebhookUrlsOut",
)
