"""Project registry models (decision 4): devkit4ai shapes."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints

from paykit.models.common import RequestModel, ResponseModel

# Name: OAS's 1-255 (the machine-readable source); description: MDX's 500 (OAS sets no bound). docs/decisions.md.
ProjectName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


class ProjectCreate(RequestModel):
    name: ProjectName
    description: Annotated[str, StringConstraints(max_length=500)] | None = None


class ProjectOut(ResponseModel):
    id: UUID
    name: str
    description: str | None = None
    is_active: bool
    created_at: datetime
    updated_at: datetime | None = None


class ProjectCreatedOut(ResponseModel):
    id: UUID
    name: str
    description: str | None = None
    owner_id: str
    is_active: bool
    created_at: datetime
    updated_at: datetime | None = None


class ProjectList(ResponseModel):
    projects: list[ProjectOut] = Field(default_factory=list)
