"""No secret-shaped value comes back: every template route x every string field, sent a key, answers and logs it masked.

The fields come from the checked-in OpenAPI document (kept equal to the handlers by tests/e2e/test_openapi.py):
every parameter (path, query, header: all strings on the wire) and every string, list-of-strings or string-map
property of the JSON body, plus an unknown body field named like a key (pydantic names it in its 422). The rest of
each request is valid, so the value reaches as far as it can: Stripe's own error messages included.
"""
from __future__ import annotations

import json
import logging
import secrets
import string
import uuid
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from local.template import http_routes
from paykit.observability import logger as paykit_logger
from paykit.redact import mask, redact
from tests.conftest import JWT_SECRET
from tests.integration.test_checkout import OK_URLS, Shop, make_shop, subscribe
from tests.secret_scan import _STANDARD_RECORD_KEYS, NOT_PAYKIT_LOGGERS
from tests.support import HandlerClient, Reply, make_token

DOCUMENT = json.loads((Path(__file__).resolve().parents[2] / "docs" / "openapi.json").read_text(encoding="utf-8"))
ROUTES = {route.route_key: route for route in http_routes()}
# Built at run time, so no line of this file is itself a secret; each request gets a value never seen before.
KINDS = {"secret key": "sk_" + "live_", "restricted key": "rk_" + "test_", "webhook secret": "whsec_"}


def secret_value(prefix: str) -> str:
    alphabet = string.ascii_letters + string.digits
    tail = "+=" if prefix == "whsec_" else ""  # the webhook secret's base64 characters ("/" would split a path)
    return prefix + "".join(secrets.choice(alphabet) for _ in range(24)) + tail


@dataclass
class Tenant:
    """A developer's project with test keys and prices; for end-user routes, a user with a paid subscription."""

    shop: Shop = dataclass_field(repr=False)  # a failing test's report shows no key or token
    developer_token: str = dataclass_field(repr=False)
    user_token: str = dataclass_field(repr=False)
    session_id: str = ""


def baseline_body(route_key: str, tenant: Tenant) -> Any:
    """A valid body for each route that takes one, so that one secret field at a time is the only thing wrong."""
    prices = tenant.shop.prices
    return {
        "POST /api/v1/projects/": {"name": "Shop", "description": "d"},
        "POST /api/v1/projects": {"name": "Shop", "description": "d"},
        "PUT /api/v1/payments/stripe/projects/{project_id}/config": {},
        "POST /api/v1/payments/stripe/projects/{project_id}/validate-credentials": {"secret_key": tenant.shop.key},
        "POST /api/v1/payments/stripe/webhooks/{project_id}/{mode}": {"id": "evt_1", "type": "ping"},
        "POST /api/v1/payments/stripe/checkout-session": {"price_id": prices["team"], **OK_URLS,
                                                          "metadata": {"plan": "team"},
                                                          "allow_existing_subscription": True},
        "POST /api/v1/payments/stripe/customer-portal": {"return_url": "https://app.example.com/account"},
        "POST /api/v1/payments/stripe/cancel-subscription": {},
        "POST /api/v1/payments/stripe/update-subscription": {"new_price_id": prices["team"]},
        "POST /api/v1/payments/stripe/preview-subscription-update": {"new_price_id": prices["team"]},
        "PUT /api/v1/payments/stripe/projects/{project_id}/billing-settings": {},
        "POST /api/v1/payments/stripe/projects/{project_id}/features": {"key": "seats", "name": "Seats"},
        "POST /api/v1/payments/stripe/projects/{project_id}/products/{product_id}/features": {"feature": "seats"},
        "POST /api/v1/payments/stripe/usage": {"feature": "exports", "quantity": 1},
    }.get(route_key)


def operation(route_key: str) -> dict[str, Any]:
    method, path = route_key.split(" ", 1)
    return DOCUMENT["paths"][path][method.lower()]


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """A $ref followed, and an Optional's null branch dropped."""
    if "$ref" in schema:
        schema = DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    variants = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    return resolve(variants[0]) if len(variants) == 1 else schema


@dataclass(frozen=True)
class Field:
    where: str  # path, query, header or body
    name: str
    # value, url (the value inside an otherwise valid URL), list, map-value, map-key; unknown-field and unknown-param
    # (named like the value, holding it)
    shape: str

    def __str__(self) -> str:
        return f"{self.where} {self.name} ({self.shape})"


def string_fields(route_key: str) -> list[Field]:
    op = operation(route_key)
    fields = [Field(p["in"], p["name"], "value") for p in op.get("parameters", [])]
    fields.append(Field("query", "", "unknown-param"))  # a parameter no route reads is still part of the request
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body is None:
        return fields
    for name, prop in resolve(body).get("properties", {}).items():
        schema = resolve(prop)
        if schema.get("type") == "string":
            fields.append(Field("body", name, "value"))
            if name.endswith("_url"):
                fields.append(Field("body", name, "url"))
        elif schema.get("type") == "array" and resolve(schema.get("items", {})).get("type") == "string":
            fields.append(Field("body", name, "list"))
        elif schema.get("type") == "object" and (schema.get("additionalProperties") or {}).get("type") == "string":
            fields += [Field("body", name, "map-value"), Field("body", name, "map-key")]
    return [*fields, Field("body", "", "unknown-field")]


def with_secret(field: Field, value: str, body: Any) -> Any:
    """The baseline body with the field set to the value (in the field's shape)."""
    placed: dict[str, Any] = {
        "value": value, "url": f"https://app.example.com/ok?k={value}", "list": [value],
        "map-value": {"plan": value}, "map-key": {value: "x"},  # 32 characters at most: a valid key
    }
    if field.shape == "unknown-field":
        return {**(body or {}), value: value}
    return {**(body or {}), field.name: placed[field.shape]}


class LogCapture(logging.Handler):
    """Every PayKit log record as the service writes it (its JSON line) and as other handlers get it."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".")[0] in NOT_PAYKIT_LOGGERS:  # Stripe's side (the emulator) holds keys legitimately
            return
        line = paykit_logger.registered_formatter.format(record) if record.name == paykit_logger.name else ""
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD_RECORD_KEYS}
        self.texts.append(f"{line} {record.getMessage()} {extras!r} {record.exc_text or ''}")

    def __enter__(self) -> "LogCapture":
        for target in (logging.getLogger(), logging.getLogger(paykit_logger.name)):
            target.addHandler(self)
        return self

    def __exit__(self, *_: Any) -> None:
        for target in (logging.getLogger(), logging.getLogger(paykit_logger.name)):
            target.removeHandler(self)


@pytest.fixture()
def tenant(client: HandlerClient, emulator: Any, request: pytest.FixtureRequest) -> Tenant:
    # A tenant per route: a route's own changes (a new key, a canceled plan) never change what another route meets.
    developer_token = make_token(JWT_SECRET, f"dev-{uuid.uuid4()}")
    shop = make_shop(client, developer_token, emulator)
    user_token = make_token(JWT_SECRET, f"user-{uuid.uuid4()}", shop.project_id)
    session_id = f"cs_test_{uuid.uuid4().hex}"
    if operation(request.node.callspec.params["route_key"]).get("x-paykit-caller") == "end_user":
        session_id = subscribe(client, shop, user_token)["session_id"]
    return Tenant(shop, developer_token, user_token, session_id)


def sender(client: HandlerClient, route_key: str, tenant: Tenant) -> Callable[[Field, str], Reply]:
    method, template_path = route_key.split(" ", 1)
    caller = operation(route_key).get("x-paykit-caller")
    token = {"developer": tenant.developer_token, "end_user": tenant.user_token}.get(caller)
    path_values = {"project_id": tenant.shop.project_id, "mode": "test", "event_id": "evt_1NoSuchEvent",
                   "session_id": tenant.session_id, "product_id": "prod_NoSuchProduct", "feature_key": "seats"}
    body = baseline_body(route_key, tenant)

    def send(field: Field, value: str) -> Reply:
        path = template_path.format(**{**path_values, **({field.name: value} if field.where == "path" else {})})
        return client.request(
            method, path, token=token,
            query={field.name or value: value} if field.where == "query" else None,
            headers={field.name: value} if field.where == "header" else None,
            json_body=with_secret(field, value, body) if field.where == "body" else body)
    return send


def test_every_route_that_takes_a_body_has_a_valid_baseline() -> None:
    # A new body route fails here until it has a baseline above (else its secrets would only meet a 422).
    dummy = Tenant(Shop("p", "k", "u", {"team": "price_x"}), "", "", "")
    takes_body = {key for key in ROUTES if "requestBody" in operation(key)}
    assert {key for key in takes_body if baseline_body(key, dummy) is None} == set()


@pytest.mark.parametrize("route_key", sorted(ROUTES))
def test_no_answer_or_log_line_holds_a_secret_sent_in_any_string_field(client, tenant, route_key) -> None:
    # Given the route with a valid request, and each of its string fields in turn holding a fresh key of each kind
    send = sender(client, route_key, tenant)
    fields = string_fields(route_key)
    assert fields
    leaks: list[str] = []
    statuses: set[int] = set()
    for field in fields:
        for kind, prefix in KINDS.items():
            value = secret_value(prefix)
            # When the request is sent
            with LogCapture() as logs:
                reply = send(field, value)
            statuses.add(reply.status)
            # Then neither the answer (body, headers) nor any PayKit log line holds the value (masked is fine)
            places = {"answer body": reply.text, "answer headers": repr(reply.headers), "log": " ".join(logs.texts)}
            leaks += [f"{field} <- {kind} ({mask(value)}): {where}, status {reply.status}"
                      for where, text in places.items() if value in text]
            # And nothing failed: a key where an id belongs is a 4xx, never a 5xx
            assert reply.status < 500, f"{route_key} {field} <- {kind}: {reply.status} {redact(reply.text)}"
    assert leaks == [], f"{route_key}: {leaks}"
    # (the sweep reached past validation somewhere on this route, or the route has no body to be valid)
    assert statuses - {422} or not any(f.where == "body" for f in fields), statuses


def test_stripes_own_message_naming_the_price_comes_back_masked(client, emulator) -> None:
    # Given an end user of a configured project
    developer_token = make_token(JWT_SECRET, f"dev-{uuid.uuid4()}")
    shop = make_shop(client, developer_token, emulator)
    value = secret_value(KINDS["secret key"])
    # When they check out a "price" that is a live secret key (the example)
    reply = client.post("/api/v1/payments/stripe/checkout-session", token=shop.token(),
                        json_body={"price_id": value, **OK_URLS})
    # Then the 422 still names the price, in the masked form PayKit shows keys in
    assert reply.status == 422
    (error,) = reply.json()["detail"]
    assert error["loc"] == ["body", "price_id"]
    named_masked, leaked = mask(value) in error["msg"], value in reply.text  # booleans: a report shows neither
    assert named_masked and not leaked


def test_an_unknown_field_named_like_a_key_is_named_masked(client) -> None:
    # Given a developer creating a project with an extra field whose name is a key
    value = secret_value(KINDS["restricted key"])
    reply = client.post("/api/v1/projects/", token=make_token(JWT_SECRET, f"dev-{uuid.uuid4()}"),
                        json_body={"name": "Shop", value: 1})
    # Then the 422 locates the field by its masked name
    assert reply.status == 422
    named_masked = ["body", mask(value)] in [error["loc"] for error in reply.json()["detail"]]
    assert named_masked  # a boolean: the report of a failure must not show the value
