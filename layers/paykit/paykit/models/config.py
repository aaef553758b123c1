"""Stripe configuration models (E3, E5-E9): credentials in, masked views out."""
from __future__ import annotations

import re
from urllib.parse import urlsplit
from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from paykit.models.common import RequestModel, ResponseModel
from paykit.redact import mask  # noqa: F401 - the services' one masker, re-exported with the models it masks

MODES = ("test", "live")
# Field of the request -> (mode, credential kind).
CREDENTIAL_FIELDS: dict[str, tuple[str, str]] = {
    f"{mode}_{kind}": (mode, kind) for mode in MODES for kind in ("secret_key", "publishable_key", "webhook_secret")
}
_KEY_PATTERNS = {
    "secret_key": r"^(sk|rk)_{mode}_[A-Za-z0-9]{{8,247}}$",  # restricted keys are accepted (decision 19)
    "publishable_key": r"^pk_{mode}_[A-Za-z0-9]{{8,247}}$",
    "webhook_secret": r"^whsec_[A-Za-z0-9+/=]{{8,250}}$",
}
PATTERNS: dict[str, re.Pattern[str]] = {
    field: re.compile(_KEY_PATTERNS[kind].format(mode=mode)) for field, (mode, kind) in CREDENTIAL_FIELDS.items()
}


def normalize_origin(value: str) -> str:
    """`scheme://host[:port]` in lower case; anything with a path, query, fragment or userinfo is refused."""
    parts = urlsplit(value.strip())
    if (parts.scheme not in ("https", "http") or not parts.hostname or parts.username is not None
            or parts.password is not None or parts.path not in ("", "/") or parts.query or parts.fragment):
        raise PydanticCustomError("invalid_origin", "Invalid origin: expected scheme://host[:port]")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


def _check_key_format(field: str, value: str | None) -> str | None:
    if value is not None and not PATTERNS[field].match(value):
        raise PydanticCustomError("invalid_key_format", "Invalid key format")
    return value


class StripeConfigRequest(RequestModel):
    test_secret_key: str | None = None
    test_publishable_key: str | None = None
    test_webhook_secret: str | None = None
    live_secret_key: str | None = None
    live_publishable_key: str | None = None
    live_webhook_secret: str | None = None
    # Beyond the docs (issue 4): origins allowed in success/cancel/return URLs; null clears the list.
    allowed_redirect_origins: list[Annotated[str, Field(min_length=1, max_length=255)]] | None = Field(
        default=None, max_length=50
    )

    @field_validator("allowed_redirect_origins", mode="after")
    @classmethod
    def _origins(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else sorted({normalize_origin(origin) for origin in value})

    @field_validator(*CREDENTIAL_FIELDS, mode="after")
    @classmethod
    def _key_format(cls, value: str | None, info) -> str | None:  # type: ignore[no-untyped-def]
        return _check_key_format(info.field_name, value)


class StripeConfigOut(ResponseModel):
    id: UUID
    project_id: UUID
    is_active: bool
    has_test_credentials: bool
    has_live_credentials: bool
    test_secret_key_masked: str | None = None
    test_publishable_key_masked: str | None = None
    test_webhook_secret_masked: str | None = None
    live_secret_key_masked: str | None = None
    live_publishable_key_masked: str | None = None
    live_webhook_secret_masked: str | None = None
    test_configured_at: datetime | None = None
    live_configured_at: datetime | None = None
    created_at: datetime
    updated_at: datetime | None = None
    allowed_redirect_origins: list[str] = Field(default_factory=list)


class WebhookUrlsOut(ResponseModel):
    test_webhook_url: str
    live_webhook_url: str


class ValidateCredentialsRequest(RequestModel):
    secret_key: Annotated[str, Field(min_length=1, max_length=512)]
    is_test_mode: bool = True


class ValidateCredentialsOut(ResponseModel):
    valid: bool
    message: str


class ProjectPaymentConfig(ResponseModel):
    id: UUID
    name: str
    description: str | None = None
    has_payment_config: bool
    has_test_credentials: bool
    has_live_credentials: bool
    test_configured_at: datetime | None = None
    live_configured_at: datetime | None = None
    is_active: bool
    created_at: datetime


class ProjectPaymentConfigList(ResponseModel):
    projects: list[ProjectPaymentConfig]
    total: int
