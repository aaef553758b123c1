"""The OpenAPI document: current, valid, the template's routes exactly, and served by the local gateway."""
from __future__ import annotations

import json
import re
import uuid

import pytest
import requests
from openapi_spec_validator import validate

from local.openapi import CALLER_BY_FUNCTION, DOCUMENT_PATH, ERRORS_BY_ROUTE, build_document, render
from local.template import http_routes
from tests.e2e.conftest import RunningStack

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


@pytest.fixture(scope="module")
def document() -> dict:
    return build_document()


def operations(document: dict) -> list[tuple[str, str, dict]]:
    return [(method.upper(), path, operation) for path, item in document["paths"].items()
            for method, operation in item.items() if method in METHODS]


def test_checked_in_document_is_current(document: dict) -> None:
    # Given the document built from the handlers now, Then docs/openapi.json is that document (`make openapi`)
    assert DOCUMENT_PATH.read_text(encoding="utf-8") == render(document), "docs/openapi.json is stale: make openapi"


def test_document_is_valid_openapi_31(document: dict) -> None:
    validate(document)  # raises on any violation of the OpenAPI 3.1 schema
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] == "PayKit / devkit4ai Payments API"


def test_paths_are_the_templates_http_routes_exactly(document: dict) -> None:
    # Given the routes template.yaml deploys, Then the document has exactly those operations, in the same spelling
    documented = {(method, path) for method, path, _ in operations(document)}
    assert documented == {(route.method, route.path) for route in http_routes()}
    # and every route has its error statuses and caller written down (a new route must be added to both tables)
    assert set(ERRORS_BY_ROUTE) == {route.route_key for route in http_routes()}
    assert set(CALLER_BY_FUNCTION) == {route.function for route in http_routes()}


def test_operation_ids_are_unique(document: dict) -> None:
    ids = [operation["operationId"] for _, _, operation in operations(document)]
    assert len(ids) == len(set(ids))


def test_every_error_uses_the_documented_envelopes(document: dict) -> None:
    schemas = document["components"]["schemas"]
    assert schemas["ErrorDetail"]["required"] == ["detail"]
    assert schemas["ValidationError"]["required"] == ["loc", "msg", "type"]
    for method, path, operation in operations(document):
        responses = operation["responses"]
        assert "422" in responses and "503" in responses, (method, path)
        for status, response in responses.items():
            if int(status) >= 400:
                ref = response["content"]["application/json"]["schema"]["$ref"]
                expected = "HTTPValidationError" if status == "422" else "ErrorDetail"
                assert ref == f"#/components/schemas/{expected}", (method, path, status)
        if operation["security"]:
            assert {"401", "403"} <= set(responses), (method, path)
            assert responses["401"]["headers"]["WWW-Authenticate"]["schema"]["const"] == "Bearer"
        assert not any(int(status) == 204 and "content" in response for status, response in responses.items())


def test_statuses_the_contract_names_are_documented(document: dict) -> None:
    paths = document["paths"]
    assert "201" in paths["/api/v1/projects/"]["post"]["responses"]
    assert "204" in paths["/api/v1/payments/stripe/projects/{project_id}/config"]["delete"]["responses"]
    assert "400" in paths["/api/v1/payments/stripe/checkout-session"]["post"]["responses"]  # already subscribed
    webhook = paths["/api/v1/payments/stripe/webhooks/{project_id}/{mode}"]["post"]
    assert webhook["security"] == [] and "400" in webhook["responses"]
    assert webhook["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/WebhookAck"}


def test_gateway_serves_the_document_and_an_offline_swagger_ui(local_stack: RunningStack, document: dict) -> None:
    # When a browser asks the local gateway for the document and the docs page
    served = requests.get(f"{local_stack.url}/openapi.json", timeout=30)
    page = requests.get(f"{local_stack.url}/docs", timeout=30)
    # Then the document is the checked-in one, and Swagger UI needs nothing from the network (no CDN is reachable)
    assert served.status_code == 200 and served.headers["content-type"] == "application/json"
    assert served.json() == json.loads(render(document))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "SwaggerUIBundle" in page.text and '"/api/v1/payments/stats"' in page.text
    assert not re.search(r"<(script|link)[^>]+(src|href)=['\"]https?://", page.text)


def test_documented_security_is_what_the_stack_enforces(local_stack: RunningStack, document: dict) -> None:
    # Given every operation, When it is called without a token, Then exactly the secured ones answer 401
    for method, path, operation in operations(document):
        concrete = re.sub(r"\{[^}]+\}", lambda m: "test" if m.group(0) == "{mode}" else str(uuid.uuid4()), path)
        reply = requests.request(method, f"{local_stack.url}{concrete}", json={}, timeout=30)
        assert (reply.status_code == 401) == bool(operation["security"]), (method, path, reply.status_code)
