"""List models (E1, E2, E10, E11): the documented records and envelopes, plus `next_cursor` (decision 23)."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BeforeValidator, Field, create_model

from paykit.models.common import ResponseModel
from paykit.models.subscriptions import PaymentList, PaymentOut, SubscriptionOut

__all__ = ["SubscriptionOut", "PaymentOut", "PaymentList", "SubscriptionList", "AggregatedSubscriptionOut",
           "AggregatedPaymentOut", "AggregatedSubscriptionList", "AggregatedPaymentList", "ProjectPaymentOut",
           "ProjectPaymentList", "ExportFormat", "EXPORT_RESPONSES", "CreatedFrom", "CreatedTo",
           "ExportSize", "Format"]


class ProjectPaymentOut(PaymentOut):
    """A listed payment (E11, E2, exports): the documented fields, then the transaction `type` (an addition)."""

    # Stored as `transaction_type`: `type` is the item kind in the single table.
    type: str | None = Field(default=None, validation_alias="transaction_type",
                             description="initial_payment, subscription_payment, proration_charge, proration_credit, "
                                         "refund or one_time_payment; null while no invoice or checkout has said")


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
AggregatedPaymentOut = _aggregated("AggregatedPaymentOut", ProjectPaymentOut)


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


class ProjectPaymentList(ResponseModel):
    payments: list[ProjectPaymentOut]
    total: int
    page: int
    page_size: int
    next_cursor: str | None = None


ExportFormat = Literal["csv", "jsonl"]
# Query parameters shared by the list and export routes of E1, E2, E10, E11: created_from <= created_at <
# created_to (additions of issue 13; a bare date is midnight UTC).
_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def _iso_only(value: Any) -> Any:
    """An ISO 8601 date or date-time, as the document says: pydantic would also read a number as Unix time."""
    if isinstance(value, (int, float)) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("Input should be an ISO 8601 date or date-time")
    return value


CreatedFrom = Annotated[datetime | None, BeforeValidator(_iso_only),
                        Query(description="rows created at or after this instant (UTC if naive)")]
CreatedTo = Annotated[datetime | None, BeforeValidator(_iso_only),
                      Query(description="rows created before this instant (UTC if naive)")]
ExportSize = Annotated[int, Query(ge=1, le=1000, description="rows in this chunk")]
Format = Annotated[ExportFormat, Query(alias="format", description="csv (RFC 4180) or jsonl (JSON lines)")]
EXPORT_MEDIA_TYPES: dict[str, str] = {"csv": "text/csv", "jsonl": "application/x-ndjson"}
NEXT_CURSOR_HEADER = "X-Next-Cursor"
EXPORT_RESPONSES: dict[int, Any] = {200: {
    "description": "One chunk of the list as CSV (a header row in the first chunk only) or JSON lines (each line "
                   "one row as the list shows it); request again with `cursor` = the X-Next-Cursor header until "
                   "it is absent, and append the chunks",
    "headers": {NEXT_CURSOR_HEADER: {"description": "the cursor of the next chunk; absent on the last one",
                                     "schema": {"type": "string"}}},
    "content": {media: {"schema": {"type": "string"}} for media in EXPORT_MEDIA_TYPES.values()},
}}
