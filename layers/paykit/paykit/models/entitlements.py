"""Entitlements and usage (issue 14): features, the per-project billing settings, `check` and `usage`."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from paykit.models.common import RequestModel, ResponseModel

FeatureKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,79}$")]
FeatureKind = Literal["boolean", "metered", "static"]
ProductId = Annotated[str, StringConstraints(pattern=r"^prod_[A-Za-z0-9]{1,250}$")]


class FeatureRequest(RequestModel):
    """A feature as Stripe keeps it (an Entitlements feature; kind, limit and key in its metadata). `key` is what the
    app checks; `lookup_key` is Stripe's unique name, so one key can have several limits, one per plan (`exports`
    100 on Basic, 1,000 on Pro): by default the key, or `<key>-<limit>` for a metered feature."""

    key: FeatureKey
    lookup_key: FeatureKey | None = None
    name: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    kind: FeatureKind = "boolean"
    limit: Annotated[int, Field(ge=0, le=10**12)] | None = None  # metered: units per billing period
    value: Annotated[str, StringConstraints(max_length=500)] | None = None  # static: the value shown to the app

    @model_validator(mode="after")
    def _kind_fields(self) -> "FeatureRequest":
        if self.kind == "metered" and self.limit is None:
            raise ValueError("a metered feature needs a limit")
        if self.kind != "metered" and self.limit is not None:
            raise ValueError("only a metered feature has a limit")
        if self.kind != "static" and self.value is not None:
            raise ValueError("only a static feature has a value")
        return self


class FeatureOut(ResponseModel):
    key: str
    lookup_key: str
    name: str
    kind: FeatureKind
    limit: int | None = None
    value: str | None = None
    stripe_feature_id: str
    meter_id: str | None = None  # metered: the Billing Meter (event name = key) a metered price points at
    products: list[str] = Field(default_factory=list)


class FeatureList(ResponseModel):
    features: list[FeatureOut]


class ProductFeatureRequest(RequestModel):
    feature: FeatureKey  # the feature's lookup_key


class BillingSettings(RequestModel):
    """Per project: what end users may do at checkout and how access follows payment."""

    past_due_grace_days: Annotated[int, Field(ge=0, le=90)] = 7
    hard_limits: bool = False  # refuse usage past a metered feature's limit (else count it and report it)
    allow_promotion_codes: bool = False  # E12 may pass allow_promotion_codes / promotion_code
    max_trial_period_days: Annotated[int, Field(ge=0, le=730)] = 0  # E12's trial_period_days up to this; 0 = never


class BillingSettingsOut(BillingSettings):
    model_config = {"extra": "ignore"}


def billing_settings_of(config: dict[str, Any]) -> dict[str, Any]:
    """A project configuration's billing settings, the defaults filled in."""
    return {**BillingSettings().model_dump(), **(config.get("billing") or {})}


class CheckOut(ResponseModel):
    allowed: bool
    feature: str
    limit: int | None = None
    used: int | None = None
    remaining: int | None = None
    resets_at: str | None = None
    reason: str | None = None
    value: str | None = None  # a static feature's value


class EntitlementsOut(ResponseModel):
    features: list[CheckOut]
    subscription_status: str | None = None


class UsageRequest(RequestModel):
    feature: FeatureKey
    quantity: Annotated[int, Field(ge=1, le=10**9)] = 1


class UsageOut(ResponseModel):
    feature: str
    quantity: int
    used: int
    limit: int | None = None
    remaining: int | None = None
    resets_at: str | None = None
    duplicate: bool = False  # this Idempotency-Key was counted before: nothing counted again


class UserUsageOut(ResponseModel):
    user_id: str
    period_start: str | None
    usage: dict[str, int]
