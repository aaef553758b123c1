"""Bodies are JSON of the documented types: what schemathesis found answering 500 or accepting wrong types."""
from __future__ import annotations

import json

import pytest

from tests.conftest import JWT_SECRET
from tests.support import HandlerClient, make_token

NOT_JSON = [
    ("text/plain", json.dumps({"name": "Shop"})),
    ("multipart/form-data", json.dumps({"name": "Shop"})),  # no boundary: Powertools' parser raised ValueError
    ("multipart/form-data; boundary=zz", '--zz\r\nContent-Disposition: form-data; name="name"\r\n\r\nShop\r\n--zz--\r\n'),
    ("application/x-www-form-urlencoded", "name=Shop"),
]


@pytest.mark.parametrize(("content_type", "body"), NOT_JSON, ids=[c for c, _ in NOT_JSON])
def test_a_body_that_is_not_json_is_a_422_not_a_500(client: HandlerClient, dev_token: str, content_type: str,
                                                     body: str) -> None:
    # Given a valid project body sent under another Content-Type
    # When it is posted
    reply = client.post("/api/v1/projects/", token=dev_token, raw_body=body, headers={"content-type": content_type})
    # Then it is refused in the validation envelope, and nothing was created
    assert reply.status == 422, reply.text
    assert reply.json() == {"detail": [{"loc": ["body"], "msg": "Content-Type must be application/json",
                                        "type": "unsupported_content_type"}]}
    assert client.get("/api/v1/projects/", token=dev_token).json()["projects"] == []


def test_a_json_content_type_with_charset_is_accepted(client: HandlerClient, dev_token: str) -> None:
    # Given a JSON body labelled with its charset, When posted, Then it is created as usual
    reply = client.post("/api/v1/projects/", token=dev_token, raw_body=json.dumps({"name": "Shop"}),
                        headers={"content-type": "application/json; charset=utf-8"})
    assert reply.status == 201, reply.text


def test_the_token_is_checked_before_the_content_type(client: HandlerClient) -> None:
    # Given no token and a form body, When posted, Then 401 comes first, as in FastAPI
    reply = client.post("/api/v1/projects/", raw_body="name=Shop",
                        headers={"content-type": "application/x-www-form-urlencoded"})
    assert reply.status == 401


@pytest.mark.parametrize("value", [0, 1, "true", "false", None])
def test_a_boolean_field_takes_only_json_booleans(client: HandlerClient, dev_token: str, project: dict,
                                                  value: object) -> None:
    # Given a boolean field sent as a number, a string or null (pydantic's lax mode took 0 as false)
    url = f"/api/v1/payments/stripe/projects/{project['id']}/validate-credentials"
    # When it is posted
    reply = client.post(url, token=dev_token, json_body={"secret_key": "sk_test_x", "is_test_mode": value})
    # Then it is a 422 naming the field
    assert reply.status == 422, reply.text
    assert reply.json()["detail"][0]["loc"] == ["body", "is_test_mode"]


def test_an_integer_field_takes_no_numeric_string(client: HandlerClient, project: dict) -> None:
    # Given an end user of the project, When a checkout sends its quantity as a string, Then 422 on that field
    token = make_token(JWT_SECRET, "buyer", project["id"])
    reply = client.post("/api/v1/payments/stripe/checkout-session", token=token, json_body={
        "price_id": "price_x", "success_url": "https://a.example/s", "cancel_url": "https://a.example/c",
        "quantity": "2"})
    assert reply.status == 422, reply.text
    assert reply.json()["detail"][0]["loc"] == ["body", "quantity"]
