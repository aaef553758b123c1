"""Key builders for every item type of the single table; docs/data-model.md lists the access patterns they serve."""
from __future__ import annotations

GSI1 = "gsi1"


def project(project_id: str) -> dict[str, str]:
    return {"pk": f"PROJECT#{project_id}", "sk": "PROJECT"}


def developer(owner_id: str) -> dict[str, str]:
    """The developer's own item: the count of projects, guarding the per-developer limit."""
    return {"pk": f"DEV#{owner_id}", "sk": "DEV"}


def developer_projects_gsi(owner_id: str) -> str:
    return f"DEV#{owner_id}#PROJECTS"


def project_gsi1(owner_id: str, created_at: str, project_id: str) -> dict[str, str]:
    return {"gsi1pk": developer_projects_gsi(owner_id), "gsi1sk": f"{created_at}#{project_id}"}
