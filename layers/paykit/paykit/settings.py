"""Configuration: environment variables parsed once per container into a typed settings model."""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    table_name: str = "paykit"
    secret_prefix: str = "paykit/local"
    stage: str = "local"

    # Auth (decision 1): algorithms come from here, never from the token.
    auth_mode: Literal["hs256", "jwks"] = "hs256"
    jwt_secret: SecretStr | None = None  # local stack and tests only; deployed stacks use jwt_secret_arn
    jwt_secret_arn: str | None = None
    jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: list[str] = Field(default_factory=list)
    jwt_algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256"])
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=30)

    public_api_base_url: str | None = None
    webhook_base_url: str | None = None  # the webhook receiver's Function URL when deployed (decision 22)

    # Stripe: the emulator's address locally; Stripe's own API when unset.
    stripe_api_base: str | None = None
    stripe_timeout_seconds: float = 8.0
    stripe_max_network_retries: int = 2

    # The AWS SDK's read timeout: 5 s fails fast inside API Gateway's 30 s. Raised only for local runs at size,
    # where moto (not DynamoDB) takes seconds to index a table of 100,000 records (bench.lists, bench.export).
    aws_read_timeout_seconds: float = Field(default=5.0, gt=0, le=900)

    secret_cache_seconds: int = 300
    max_body_bytes: int = 64 * 1024
    max_projects_per_developer: int = 100

    # Webhooks: the FIFO queue between receiver and processor; bodies up to what one DynamoDB item can hold
    # (400 KB, less room for the other attributes) are accepted, larger ones get 413.
    queue_url: str | None = None
    webhook_max_body_bytes: int = 350_000
    webhook_secret_max_age_seconds: int = Field(default=60, ge=0, le=60)

    # Scheduled work (issue 15): the standard queue the schedules fan out into, and the first back-off of a scope
    # Stripe throttles or fails (doubled per receive, at most SQS's 12 h visibility limit; 15 min in practice).
    work_queue_url: str | None = None
    work_retry_base_seconds: int = Field(default=30, ge=0, le=900)

    @field_validator("jwt_audience", "jwt_algorithms", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator(
        "jwt_secret_arn", "jwks_url", "jwt_issuer", "public_api_base_url", "webhook_base_url", "stripe_api_base",
        "queue_url", "work_queue_url",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value


def settings_from_env(environ: dict[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    names = Settings.model_fields.keys()
    return Settings.model_validate({name: environ[name.upper()] for name in names if name.upper() in environ})


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return settings_from_env()
