"""List models (E1, E2, E10, E11): the documented records and envelopes, plus `next_cursor` (decision 23)."""
from __future__ import annotations

from typing import Any

from pydantic import create_model

from paykit.models.common import ResponseModel
from paykit.models.subscriptions import PaymentList, PaymentOut, SubscriptionOut

__all__ = ["SubscriptionOut", "PaymentOut", "PaymentList", "SubscriptionList", "AggregatedSubscriptionOut",
           "AggregatedPaymentOut", "AggregatedSubscriptionList", "AggregatedPaymentList"]


def _aggregated(name: str, record: type[ResponseModel]) -> type[ResponseModel]:
    """`record` plus project_name and provider, in the documented JSON order (right after project_id)."""
    fields: dict[str, Any] = {}
    for field, info in record.model_fields.items():
        fields[field] = (info.annotation, info)
        if field == "project_id":
            fields["project_name"] = (str, ...)
            fields["provider"] = (str, "stripe")
    return create_model(name, __base__=ResponseModel, **fields)


AggregatedSubscriptionOut = _aggregated("AggregatedSubscriptionOut", SubscriptionOut)
AggregatedPaymentOut = _aggregated("AggregatedPaymentOut", PaymentOut)


class SubscriptionList(ResponseModel):
    subscriptions: list[SubscriptionOut]
    total: int
    page: int
    page_size: int
    next_cursor: str | None = None


class AggregatedSubscriptionList(ResponseModel):
    subscriptions: list[AggregatedSubscriptionOut]
    total: int
    page: int
    page_size: int
    next_cursor: str | None = None


class AggregatedPaymentList(ResponseModel):
    payments: list[AggregatedPaymentOut]
    total: int
    page: int
    page_size: int
    next_cursor: str | None = None
