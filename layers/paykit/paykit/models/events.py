"""Event log models: one stored Stripe event per entry, and the outcome of a replay."""
from __future__ import annotations

from typing import Literal

from paykit.models.common import ResponseModel

EventStatus = Literal["processed", "ignored", "failed"]


class EventLogEntry(ResponseModel):
    id: str
    type: str
    received_at: str
    status: EventStatus | None
    error: str | None = None
    reason: str | None = None  # why an ignored event changed nothing (e.g. the configuration is deactivated)


class EventLogPage(ResponseModel):
    events: list[EventLogEntry]
    total: int
    page: int
    page_size: int
    next_cursor: str | None


class WebhookAck(ResponseModel):
    """E13's answer once the event is durably queued."""

    received: Literal[True]


class EventReplayOut(ResponseModel):
    id: str
    type: str
    status: EventStatus | None
    applied: bool
    message: str
    error: str | None = None
