"""The project registry through the real handler, against moto server (decision 4)."""
from __future__ import annotations

import uuid

from tests.conftest import JWT_SECRET
from tests.support import HandlerClient, make_token


def test_create_project_answers_201_with_the_full_object(client: HandlerClient, dev_token: str, developer: str) -> None:
    # Given a developer / When they create a project
    reply = client.post("/api/v1/projects/", token=dev_token, json_body={"name": " Shop ", "description": "d"})
    # Then the full devkit4ai object comes back, owned by them
    assert reply.status == 201
    body = reply.json()
    assert list(body) == ["id", "name", "description", "owner_id", "is_active", "created_at", "updated_at"]
    assert body["name"] == "Shop" and body["description"] == "d" and body["owner_id"] == developer
    assert body["is_active"] is True and body["updated_at"] is None and body["created_at"].endswith("Z")
    uuid.UUID(body["id"])


def test_list_projects_is_wrapped_and_newest_first(client: HandlerClient, dev_token: str) -> None:
    first = client.post("/api/v1/projects/", token=dev_token, json_body={"name": "one"}).json()
    second = client.post("/api/v1/projects", token=dev_token, json_body={"name": "two"}).json()
    for path in ("/api/v1/projects/", "/api/v1/projects"):
        reply = client.get(path, token=dev_token)
        assert reply.status == 200
        assert [p["id"] for p in reply.json()["projects"]] == [second["id"], first["id"]]
        assert "owner_id" not in reply.json()["projects"][0]


def test_get_project_returns_the_devkit_shape(client: HandlerClient, dev_token: str, project: dict) -> None:
    reply = client.get(f"/api/v1/projects/{project['id']}", token=dev_token)
    assert reply.status == 200
    assert reply.json() == {k: project[k] for k in ("id", "name", "description", "is_active", "created_at",
                                                     "updated_at")}


def test_another_developers_project_is_403_and_a_missing_one_404(client: HandlerClient, project: dict) -> None:
    stranger = make_token(JWT_SECRET, "someone-else")
    assert client.get(f"/api/v1/projects/{project['id']}", token=stranger).status == 403
    assert client.get(f"/api/v1/projects/{uuid.uuid4()}", token=stranger).status == 404
    assert client.get("/api/v1/projects/", token=stranger).json() == {"projects": []}


def test_project_name_and_body_are_validated(client: HandlerClient, dev_token: str) -> None:
    for body in ({}, {"name": ""}, {"name": "   "}, {"name": "x" * 256}, {"name": 5}, {"name": "ok", "extra": 1},
                 {"name": "ok", "description": "d" * 501}, [], "text"):
        reply = client.post("/api/v1/projects/", token=dev_token, json_body=body)
        assert reply.status == 422, body
        assert all({"loc", "msg", "type"} <= set(e) for e in reply.json()["detail"])
    assert client.get("/api/v1/projects/not-a-uuid", token=dev_token).status == 422
    assert client.get("/api/v1/projects/", token=dev_token).json() == {"projects": []}


def test_malformed_json_is_422_and_oversized_body_is_413(client: HandlerClient, dev_token: str) -> None:
    malformed = client.post("/api/v1/projects/", token=dev_token, raw_body='{"name": ')
    assert malformed.status == 422
    huge = client.post("/api/v1/projects/", token=dev_token, json_body={"name": "x", "description": "y" * 70_000})
    assert huge.status == 413 and huge.json() == {"detail": "Request body too large"}
    assert client.get("/api/v1/projects/", token=dev_token).json() == {"projects": []}


def test_missing_token_is_401_before_validation(client: HandlerClient) -> None:
    reply = client.get("/api/v1/projects/not-a-uuid")
    assert reply.status == 401
    assert reply.json() == {"detail": "Could not validate credentials"}
    assert reply.headers["www-authenticate"] == "Bearer"


def test_end_user_token_on_project_routes_is_403(client: HandlerClient) -> None:
    end_user = make_token(JWT_SECRET, "user-1", project_id=str(uuid.uuid4()))
    reply = client.post("/api/v1/projects/", token=end_user, json_body={"name": "x"})
    assert reply.status == 403 and isinstance(reply.json()["detail"], str)


def test_project_limit_per_developer_is_403(client: HandlerClient, service_env: dict) -> None:
    # Given a service configured with a limit of two projects per developer
    from paykit.auth import Principal, Role
    from paykit.errors import Forbidden
    from paykit.models.projects import ProjectCreate
    from paykit.services import projects
    from paykit.settings import get_settings

    settings = get_settings().model_copy(update={"max_projects_per_developer": 2})
    caller = Principal(sub=f"dev-{uuid.uuid4()}", role=Role.DEVELOPER)
    # When the developer creates three
    for name in ("p1", "p2"):
        projects.create_project(caller, ProjectCreate(name=name), settings=settings)
    try:
        projects.create_project(caller, ProjectCreate(name="p3"), settings=settings)
        raised = False
    except Forbidden:
        raised = True
    # Then the third is refused and nothing of it is stored
    assert raised
    assert [p.name for p in projects.list_projects(caller).projects] == ["p2", "p1"]
