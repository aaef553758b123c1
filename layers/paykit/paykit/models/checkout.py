"""End-user checkout models (E12 and the sync-on-return read of a session)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from paykit.models.common import RequestModel, ResponseModel
from paykit.models.subscriptions import PaymentOut, SubscriptionOut

Url = Annotated[str, StringConstraints(min_length=1, max_length=2048)]


class CheckoutRequest(RequestModel):
    price_id: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    success_url: Url
    cancel_url: Url
    mode: Literal["subscription", "payment"] = "subscription"
    quantity: Annotated[int, Field(ge=1, le=10_000)] = 1
    metadata: dict[str, str] | None = None
    allow_existing_subscription: bool = False
    # Beyond the contract (issue 14), each only where the project's billing settings allow it.
    allow_promotion_codes: bool | None = None  # a code field on Stripe's page
    promotion_code: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None  # applied now
    trial_period_days: Annotated[int, Field(ge=1, le=730)] | None = None  # subscription mode

    @field_validator("metadata")
    @classmethod
    def _stripe_metadata_limits(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        # Stripe's limits (50 keys, 40-char keys, 500-char values), checked here for a 422 instead of a Stripe 400;
        # two keys are PayKit's own.
        if value is None:
            return None
        if len(value) > 48 or any(not 1 <= len(k) <= 40 or len(v) > 500 for k, v in value.items()):
            raise ValueError("metadata: at most 48 keys of 1-40 characters, values of at most 500 characters")
        if {"user_id", "project_id"} & value.keys():
            raise ValueError("metadata: user_id and project_id are set by PayKit")
        return value


class CheckoutOut(ResponseModel):
    session_id: str
    checkout_url: str


class CheckoutSessionStatusOut(ResponseModel):
    """Beyond the docs: what the app's success page reads; the subscription or payment is recorded already."""

    session_id: str
    mode: str
    status: str | None = None
    payment_status: str | None = None
    subscription: SubscriptionOut | None = None
    payment: PaymentOut | None = None
