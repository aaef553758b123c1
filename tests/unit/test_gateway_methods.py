"""Requests no route serves get PayKit's envelope, locally as deployed: 404, or 405 with Allow, never a 501 page."""
from __future__ import annotations

import http.client
import json

import pytest

from local.gateway import Gateway


@pytest.fixture()
def gateway():
    # The real $default function (no AWS, no token): the same code the deployed $default route runs.
    server = Gateway("127.0.0.1", 0).start()
    yield server
    server.stop()


def send(gateway: Gateway, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    host, port = gateway.server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("method", ["TRACE", "QUERY", "PATCH", "OPTIONS", "POST", "DELETE"])
def test_another_method_on_a_routed_path_is_a_405_in_the_envelope_with_allow(gateway: Gateway, method: str) -> None:
    # Given a path the template routes for GET only (schemathesis's coverage phase sent TRACE and got http.server's 501)
    # When another method is sent to it
    status, headers, body = send(gateway, method, "/api/v1/payments/stats")
    # Then the answer is 405 in PayKit's envelope, naming the method the path has
    assert status == 405
    assert headers["content-type"] == "application/json"
    assert headers["allow"] == "GET"
    assert json.loads(body) == {"detail": "Method Not Allowed"}


def test_allow_lists_every_method_of_a_parameterised_path(gateway: Gateway) -> None:
    # Given a path with GET, PUT and DELETE routes (any project id fills the parameter)
    # When it is POSTed to
    status, headers, body = send(gateway, "POST", "/api/v1/payments/stripe/projects/any-id/config")
    # Then 405 lists all three
    assert (status, headers["allow"]) == (405, "DELETE, GET, PUT")
    assert json.loads(body) == {"detail": "Method Not Allowed"}


@pytest.mark.parametrize("method, path", [
    ("GET", "/nowhere"), ("GET", "/api/v1/projects/x/y"), ("TRACE", "/api/v1"), ("HEAD", "/api/v2/projects"),
])
def test_an_unknown_path_is_a_404_in_the_envelope(gateway: Gateway, method: str, path: str) -> None:
    # Given a path no route of the template has, whatever the method
    # When it is requested
    status, headers, body = send(gateway, method, path)
    # Then the answer is PayKit's 404, not API Gateway's {"message": "Not Found"}
    assert status == 404
    assert headers["content-type"] == "application/json"
    assert "allow" not in headers
    assert body == (b"" if method == "HEAD" else b'{"detail":"Not Found"}')
