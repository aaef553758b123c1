"""Base models: requests reject unknown fields and other JSON types (422); datetimes are UTC and serialise with a Z suffix."""
from __future__ import annotations

from datetime import datetime, timezone

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    # Strict: a body must have the documented JSON types (0 is not false, "2" is not 2); the OpenAPI document says
    # so and schemathesis's negative tests hold the API to it.
    model_config = ConfigDict(extra="forbid", strict=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(extra="ignore")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    """The stored form of a datetime: sortable, UTC, microseconds, Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
