"""Subscription and payment records as the API shows them, and the end user's subscription operations (E14-E18)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field, StringConstraints, model_validator

from paykit.models.common import RequestModel, ResponseModel

ProrationBehavior = Literal["create_prorations", "none", "always_invoice"]
PriceId = Annotated[str, StringConstraints(min_length=1, max_length=255)]


class DiscountOut(ResponseModel):
    """The subscription's discount (issue 14): its coupon's terms; MRR counts it when recurring (docs/metrics.md)."""

    percent_off: float | None = None
    amount_off_cents: int | None = None
    duration: str
    ends_at: datetime | None = None


class SubscriptionOut(ResponseModel):
    id: UUID
    project_id: UUID
    user_id: str | None = None  # the token's `sub`, which is a UUID in devkit4ai and any string elsewhere
    is_test_mode: bool
    subscription_id: str
    customer_id: str | None = None
    status: str
    plan_name: str | None = None
    quantity: int = 1
    current_period_start: datetime | None = None
    current_period_end: datetime | None = None
    cancel_at: datetime | None = None
    cancelled_at: datetime | None = None
    created_at: datetime
    discount: DiscountOut | None = None  # beyond the contract (issue 14)

    @model_validator(mode="before")
    @classmethod
    def _discount_from_record(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("discount_duration") and "discount" not in data:
            data = {**data, "discount": {"percent_off": data.get("discount_percent_off"),
                                         "amount_off_cents": data.get("discount_amount_off"),
                                         "duration": data["discount_duration"], "ends_at": data.get("discount_end")}}
        return data


class PaymentOut(ResponseModel):
    id: UUID
    project_id: UUID
    subscription_id: UUID | None = None
    user_id: str | None = None
    is_test_mode: bool
    payment_intent_id: str
    status: str
    amount_cents: int
    currency: str
    description: str | None = None
    refunded_amount_cents: int = 0
    discount_cents: int = 0  # beyond the contract (issue 14): what discounts took off this payment's invoice
    created_at: datetime


class PaymentList(ResponseModel):
    payments: list[PaymentOut]
    total: int
    page: int
    page_size: int
    next_cursor: str | None = None


class PortalRequest(RequestModel):
    return_url: Annotated[str, StringConstraints(min_length=1, max_length=2048)]


class PortalOut(ResponseModel):
    portal_url: str


class CancelRequest(RequestModel):
    cancel_immediately: bool = False


class CancelOut(ResponseModel):
    subscription_id: str
    status: str
    cancel_at: datetime | None = None
    cancelled_at: datetime | None = None
    message: str


class UpdateRequest(RequestModel):
    new_price_id: PriceId
    proration_behavior: ProrationBehavior = "create_prorations"


class UpdateOut(ResponseModel):
    subscription_id: str
    status: str
    price_id: str
    message: str


class PreviewOut(ResponseModel):
    """Beyond the docs: what a plan change would invoice, from Stripe's invoice preview; nothing is changed."""

    subscription_id: str
    price_id: str
    proration_behavior: str
    currency: str
    amount_due_now: int = Field(description="cents invoiced at once (always_invoice), else 0")
    next_invoice_amount: int = Field(description="cents of the next regular invoice, prorations included")
    next_invoice_at: datetime | None = None
