"""The project registry (decision 4): create, list and read the developer's own projects."""
from __future__ import annotations

import uuid
from typing import Any

from paykit.auth import Principal
from paykit.errors import Forbidden, NotFound
from paykit.models.common import iso, utcnow
from paykit.models.projects import ProjectCreate, ProjectCreatedOut, ProjectList, ProjectOut
from paykit.settings import Settings, get_settings
from paykit.store import projects as project_store
from paykit.store.table import Table, default_table


def create_project(
    caller: Principal, body: ProjectCreate, table: Table | None = None, settings: Settings | None = None
) -> ProjectCreatedOut:
    table = table or default_table()
    settings = settings or get_settings()
    item = {
        "id": str(uuid.uuid4()),
        "name": body.name,
        "description": body.description,
        "owner_id": caller.sub,
        "is_active": True,
        "created_at": iso(utcnow()),
    }
    project_store.create(table, item, settings.max_projects_per_developer)
    return ProjectCreatedOut.model_validate(item)


def list_projects(caller: Principal, table: Table | None = None) -> ProjectList:
    items = project_store.list_for_developer(table or default_table(), caller.sub)
    return ProjectList(projects=[ProjectOut.model_validate(i) for i in items])


def owned_project(caller: Principal, project_id: uuid.UUID | str, table: Table | None = None) -> dict[str, Any]:
    """The project item, if the caller owns it: 404 when missing, 403 when someone else's (decision 4)."""
    item = project_store.get(table or default_table(), str(project_id))
    if item is None:
        raise NotFound("Project not found")
    if item["owner_id"] != caller.sub:
        raise Forbidden("You do not have permission to access this resource")
    return item


def get_project(caller: Principal, project_id: uuid.UUID, table: Table | None = None) -> ProjectOut:
    return ProjectOut.model_validate(owned_project(caller, project_id, table))
