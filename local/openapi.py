"""Build-time tooling: one OpenAPI document for the whole API, merged from every HTTP function's resolver.

Each function's Powertools resolver already describes its own routes (parameters, bodies, response models); this
module merges them in template.yaml's route order, adds what lives outside the resolvers (the bearer scheme, the
`{"detail": ...}` error envelope of paykit.api for each status a route can answer) and writes docs/openapi.json.
It runs at build time and in the local stack only, never in the Lambda layer, so it costs no cold start.

    python -m local.openapi            # rewrite docs/openapi.json (`make openapi`)
    python -m local.openapi --check    # exit 1 when docs/openapi.json is stale
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from local.lambda_host import load_function
from local.template import Route, http_routes

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT_PATH = ROOT / "docs" / "openapi.json"
TITLE = "PayKit / devkit4ai Payments API"
VERSION = "1.6.1"  # the devkit4ai contract's OpenAPI version (../shared/API_CONTRACT.md)
DESCRIPTION = (
    "The devkit4ai Payments API as PayKit serves it. Errors are `{\"detail\": \"...\"}`; validation errors "
    "`{\"detail\": [{\"loc\", \"msg\", \"type\"}]}`. Developer tokens are JWTs without a `project_id` claim; "
    "end-user tokens carry the project in `project_id`. The webhook receiver takes no token: Stripe signs the body."
)
BEARER = "BearerAuth"

# Who calls each function's routes: the role its lambda_handler gives paykit.api.handle (None: no token at all).
CALLER_BY_FUNCTION: dict[str, str | None] = {
    "projects": "developer",
    "payments_overview": "developer",
    "stripe_config": "developer",
    "checkout": "end_user",
    "my_subscription": "end_user",
    "webhook_receiver": None,
}

# paykit.stripe_gateway.run_mapped: Stripe's errors as statuses (400 invalid request, 402 card, 409 idempotency key
# reuse, 502 rejected project key, 503 rate limit / timeout / Stripe 5xx).
_STRIPE = (400, 402, 409, 502, 503)
# Statuses a route answers beyond its success, 422 and the auth check (401, 403 for the other role's token), from
# the services it calls; every HTTP route must be listed (a new route fails build_document until it is).
ERRORS_BY_ROUTE: dict[str, tuple[int, ...]] = {
    "GET /api/v1/projects/": (),
    "POST /api/v1/projects/": (409,),  # 403 also covers the project limit
    "GET /api/v1/projects": (),
    "POST /api/v1/projects": (409,),
    "GET /api/v1/projects/{project_id}": (404,),
    "GET /api/v1/payments/projects": (),
    "GET /api/v1/payments/subscriptions": (),
    "GET /api/v1/payments/transactions": (),
    "GET /api/v1/payments/subscriptions/export": (),
    "GET /api/v1/payments/transactions/export": (),
    "GET /api/v1/payments/stats": (),
    "GET /api/v1/payments/stats/timeseries": (403, 404),  # project_id of another developer / missing
    "GET /api/v1/payments/stripe/projects/{project_id}/config": (404,),
    "PUT /api/v1/payments/stripe/projects/{project_id}/config": (404, 409),  # 409: a concurrent write
    "DELETE /api/v1/payments/stripe/projects/{project_id}/config": (404,),
    "GET /api/v1/payments/stripe/projects/{project_id}/subscriptions": (404,),
    "GET /api/v1/payments/stripe/projects/{project_id}/payments": (404,),
    "GET /api/v1/payments/stripe/projects/{project_id}/subscriptions/export": (404,),
    "GET /api/v1/payments/stripe/projects/{project_id}/payments/export": (404,),
    "GET /api/v1/payments/stripe/projects/{project_id}/webhook-urls": (404,),
    "POST /api/v1/payments/stripe/projects/{project_id}/validate-credentials": (404,),  # a bad key: 200 valid=false
    "GET /api/v1/payments/stripe/projects/{project_id}/events": (404,),
    "POST /api/v1/payments/stripe/projects/{project_id}/events/{event_id}/replay": (404, *_STRIPE),
    "POST /api/v1/payments/stripe/webhooks/{project_id}/{mode}": (400, 404),  # 503 also: not queued, Stripe retries
    "POST /api/v1/payments/stripe/checkout-session": (404, *_STRIPE),  # 400 also: already subscribed
    "GET /api/v1/payments/stripe/checkout-session/{session_id}": (404, *_STRIPE),
    "GET /api/v1/payments/stripe/my-subscription": (404,),
    "GET /api/v1/payments/stripe/my-payments": (404,),
    "POST /api/v1/payments/stripe/customer-portal": (404, *_STRIPE),
    "POST /api/v1/payments/stripe/cancel-subscription": (404, *_STRIPE),
    "POST /api/v1/payments/stripe/update-subscription": (404, *_STRIPE),
    "POST /api/v1/payments/stripe/resume-subscription": (404, *_STRIPE),
    "POST /api/v1/payments/stripe/preview-subscription-update": (404, *_STRIPE),
    # Entitlements (issue 14)
    "GET /api/v1/payments/stripe/projects/{project_id}/billing-settings": (404,),
    "PUT /api/v1/payments/stripe/projects/{project_id}/billing-settings": (404, 409),
    "GET /api/v1/payments/stripe/projects/{project_id}/features": (404,),
    "POST /api/v1/payments/stripe/projects/{project_id}/features": (404, *_STRIPE),  # 409 also: the key exists
    "POST /api/v1/payments/stripe/projects/{project_id}/products/{product_id}/features": (404, *_STRIPE),
    "DELETE /api/v1/payments/stripe/projects/{project_id}/products/{product_id}/features/{feature_key}":
        (404, *_STRIPE),
    "GET /api/v1/payments/stripe/projects/{project_id}/usage": (404,),
    "GET /api/v1/payments/stripe/my-entitlements": (404,),
    "GET /api/v1/payments/stripe/check": (404,),
    "POST /api/v1/payments/stripe/usage": (400, 404, 409, 503),  # 403: not entitled or over a hard limit
}

WEBHOOK_ROUTE = "POST /api/v1/payments/stripe/webhooks/{project_id}/{mode}"
# The receiver reads the raw bytes itself (the signature covers them), so its resolver declares no body or header.
_WEBHOOK_INPUT = {
    "parameters": [{"name": "Stripe-Signature", "in": "header", "required": True,
                    "description": "Stripe's `t=...,v1=...` signature of the raw body (400 when missing or wrong)",
                    "schema": {"type": "string"}}],
    "requestBody": {"required": True, "description": "The Stripe event exactly as Stripe sent it",
                    "content": {"application/json": {"schema": {"type": "object", "title": "StripeEvent"}}}},
}

# Routes whose handler reads the client's Idempotency-Key header itself (decisions 16 and 32), so no resolver
# declares it; usage requires it (without it a retry after a lost answer would count twice).
_IDEMPOTENT_ROUTES = {f"POST /api/v1/payments/stripe/{name}" for name in (
    "checkout-session", "customer-portal", "cancel-subscription", "update-subscription", "resume-subscription",
    "usage")}
_KEY_REQUIRED_ROUTES = {"POST /api/v1/payments/stripe/usage"}
_IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "A retry with the same key and body (same user, project and mode) gets the first request's "
                   "answer and changes nothing more; the same key with another body is a 422, and a retry while "
                   "the first is still in progress a 409",
    "schema": {"type": "string"},
}

_ERROR_DESCRIPTIONS = {
    400: "Bad request",
    401: "Missing or invalid bearer token",
    402: "The card was declined",
    403: "Not allowed: another developer's project, or a token of the other role",
    404: "Not found",
    409: "Conflict",
    413: "Request body too large",
    502: "The project's Stripe key was rejected by Stripe",
    503: "A dependency is unavailable; retry later",
}
_ERROR_SCHEMA = {
    "type": "object",
    "title": "ErrorDetail",
    "properties": {"detail": {"type": "string", "title": "Detail"}},
    "required": ["detail"],
}
# paykit.api.validation_response: FastAPI's envelope with exactly these three fields (Powertools' own component
# leaves `msg` out of its properties and `detail` optional).
_VALIDATION_ERROR_SCHEMAS = {
    "ValidationError": {
        "type": "object",
        "title": "ValidationError",
        "properties": {
            "loc": {"type": "array", "title": "Location", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
            "msg": {"type": "string", "title": "Message"},
            "type": {"type": "string", "title": "Error Type"},
        },
        "required": ["loc", "msg", "type"],
    },
    "HTTPValidationError": {
        "type": "object",
        "title": "HTTPValidationError",
        "properties": {"detail": {"type": "array", "title": "Detail",
                                  "items": {"$ref": "#/components/schemas/ValidationError"}}},
        "required": ["detail"],
    },
}


def _resolver_document(function: str) -> dict[str, Any]:
    app = load_function(function).app
    return json.loads(app.get_openapi_json_schema(title=TITLE, version=VERSION))


def _merge_schemas(into: dict[str, Any], schemas: dict[str, Any], function: str) -> None:
    for name, schema in schemas.items():
        if name in into and into[name] != schema:
            raise ValueError(f"{function}: component {name} differs from another function's model of that name")
        into[name] = schema


def _error_responses(route: Route, operation: dict[str, Any]) -> dict[str, Any]:
    statuses = set(ERRORS_BY_ROUTE[route.route_key])
    if CALLER_BY_FUNCTION[route.function] is not None:
        statuses |= {401, 403}
    if "requestBody" in operation or CALLER_BY_FUNCTION[route.function] is None:
        statuses.add(413)  # paykit.api.handle checks the size before anything else
    statuses.add(503)  # every route reads DynamoDB or Secrets Manager: throttling is a 503 (paykit.api)
    responses: dict[str, Any] = {}
    for status in sorted(statuses):
        response: dict[str, Any] = {
            "description": _ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorDetail"}}},
        }
        if status == 401:
            response["headers"] = {"WWW-Authenticate": {"schema": {"type": "string", "const": "Bearer"}}}
        if status == 503:
            response["headers"] = {"Retry-After": {"schema": {"type": "string"}}}
        responses[str(status)] = response
    return responses


def _operation(route: Route, operation: dict[str, Any]) -> dict[str, Any]:
    operation = copy.deepcopy(operation)
    if route.route_key == WEBHOOK_ROUTE:
        operation["parameters"] = [*operation.get("parameters", []), *copy.deepcopy(_WEBHOOK_INPUT["parameters"])]
        operation["requestBody"] = copy.deepcopy(_WEBHOOK_INPUT["requestBody"])
    if route.route_key in _IDEMPOTENT_ROUTES:
        header = {**_IDEMPOTENCY_HEADER, "required": route.route_key in _KEY_REQUIRED_ROUTES}
        operation["parameters"] = [*operation.get("parameters", []), header]
    responses = operation.get("responses", {})
    responses.pop("ResponseValidationError", None)
    for status, response in responses.items():
        if status == "204":  # no body: Powertools would describe `null` JSON for a Response[None]
            response.pop("content", None)
    responses.update(_error_responses(route, operation))
    operation["responses"] = dict(sorted(responses.items()))
    caller = CALLER_BY_FUNCTION[route.function]
    operation["tags"] = [route.function]
    operation["security"] = [{BEARER: []}] if caller is not None else []
    if caller is not None:
        operation["x-paykit-caller"] = caller
    return operation


def build_document() -> dict[str, Any]:
    """The whole API: every HttpApi route of template.yaml, described by the resolver of the function serving it."""
    documents: dict[str, dict[str, Any]] = {}
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    for route in http_routes():
        if route.function not in documents:
            documents[route.function] = _resolver_document(route.function)
            _merge_schemas(schemas, documents[route.function].get("components", {}).get("schemas", {}),
                           route.function)
        method = route.method.lower()
        operation = documents[route.function]["paths"].get(route.path, {}).get(method)
        if operation is None:
            raise LookupError(f"{route.route_key}: template.yaml routes it to {route.function}, which does not serve it")
        paths.setdefault(route.path, {})[method] = _operation(route, operation)
    schemas.pop("ResponseValidationError", None)  # response validation failures are logged 500s, not a contract
    schemas.update(copy.deepcopy(_VALIDATION_ERROR_SCHEMAS))
    schemas["ErrorDetail"] = copy.deepcopy(_ERROR_SCHEMA)
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION, "description": DESCRIPTION},
        "servers": [{"url": "/", "description": "the host serving this document (make run: http://127.0.0.1:3000)"}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {BEARER: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def render(document: dict[str, Any]) -> str:
    """The checked-in form: stable key order from build_document, two-space indent, trailing newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


@lru_cache(maxsize=1)
def served_document() -> str:
    """What the local gateway serves at /openapi.json (built once per process: the handlers do not change)."""
    return render(build_document())


def openapi_route(_request: dict[str, Any]) -> tuple[int, Any]:
    """The local gateway's GET /openapi.json."""
    return 200, json.loads(served_document())


def docs_route(_request: dict[str, Any]) -> tuple[int, Any]:
    """The local gateway's GET /docs: Swagger UI."""
    return 200, swagger_page()


@lru_cache(maxsize=1)
def swagger_page() -> bytes:
    """Swagger UI with the document and Powertools' bundled assets inline: no CDN is needed (or reachable)."""
    from aws_lambda_powertools.event_handler.openapi import swagger_ui
    from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html

    assets = Path(swagger_ui.__file__).parent
    page = generate_swagger_html(
        served_document(),
        (assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
        (assets / "swagger-ui.min.css").read_text(encoding="utf-8"),
        swagger_base_url="",
        oauth2_config=None,
        persist_authorization=True,
    )
    return page.encode()


def main() -> int:
    parser = argparse.ArgumentParser(description="Write (or --check) docs/openapi.json from the handlers.")
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/openapi.json is stale")
    args = parser.parse_args()
    # The handlers build their boto3 clients at import (no call is made): botocore only needs a region for that.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    document = build_document()
    text = render(document)
    if args.check:
        current = DOCUMENT_PATH.read_text(encoding="utf-8") if DOCUMENT_PATH.exists() else ""
        if current != text:
            print(f"{DOCUMENT_PATH} is stale: run `make openapi`", file=sys.stderr)
            return 1
        return 0
    DOCUMENT_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {DOCUMENT_PATH.relative_to(ROOT)} ({len(document['paths'])} paths)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
