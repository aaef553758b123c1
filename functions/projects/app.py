"""The project registry of this service: create, list and read a developer's projects (decision 4)."""
from uuid import UUID

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from paykit import api
from paykit.auth import Role
from paykit.models.projects import ProjectCreate, ProjectCreatedOut, ProjectList, ProjectOut
from paykit.observability import logger, metrics, tracer
from paykit.store.table import default_table
from paykit.services import projects

# Clients are built during init, outside the handler, and reused by every warm invocation.
default_table()
app = api.resolver()


@app.post("/api/v1/projects/", status_code=201)
@app.post("/api/v1/projects", status_code=201)
def create_project(body: ProjectCreate) -> api.Response[ProjectCreatedOut]:
    created = projects.create_project(api.principal(app), body)
    return api.Response(status_code=201, content_type="application/json", body=created)


@app.get("/api/v1/projects/")
@app.get("/api/v1/projects")
def list_projects() -> ProjectList:
    return projects.list_projects(api.principal(app))


@app.get("/api/v1/projects/<project_id>")
def get_project(project_id: UUID) -> ProjectOut:
    return projects.get_project(api.principal(app), project_id)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return api.handle(app, event, context, role=Role.DEVELOPER)
