"""The local gateway answers every HTTP method as API Gateway does: no route is a JSON 404, never a 501 page."""
from __future__ import annotations

import http.client

import pytest

from local.gateway import Gateway


@pytest.fixture()
def gateway():
    invoked: list[str] = []
    server = Gateway("127.0.0.1", 0, invoke=lambda name, event: invoked.append(name) or {"ok": True}).start()
    yield server
    server.stop()


@pytest.mark.parametrize("method", ["TRACE", "QUERY", "PATCH", "OPTIONS"])
def test_a_method_no_route_serves_is_a_json_404(gateway: Gateway, method: str) -> None:
    # Given a path the template routes for GET only (schemathesis's coverage phase sent TRACE and got http.server's 501)
    host, port = gateway.server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=10)
    # When another method is sent to it
    connection.request(method, "/api/v1/payments/stats")
    response = connection.getresponse()
    # Then the answer is API Gateway's JSON 404
    assert response.status == 404
    assert response.getheader("content-type") == "application/json"
    assert response.read() == b'{"message":"Not Found"}'
    connection.close()
