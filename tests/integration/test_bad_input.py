"""No input makes any route answer 5xx: junk bodies, ids, query strings and headers on every template route."""
from __future__ import annotations

import json
import uuid

import pytest

from local.template import http_routes
from tests.support import HandlerClient

JUNK_BODIES = [
    "", "{", "[]", "null", "0", '"text"', "{}", '{"name": null}', '{"name": {"$ne": 1}}',
    json.dumps({"name": "x" * 10, "secret_key": ["a"], "is_test_mode": "yes"}),
    json.dumps({"test_secret_key": "sk_test_" + "\u0000" * 10}),
    json.dumps({"a": [[[[[[[[[[1]]]]]]]]]]}), '{"name": 1e999}', b"\xff\xfe{", "\u00e9\u2603",
]


def concrete(path: str, project_id: str) -> list[str]:
    """The route's path with its parameters filled: the caller's project, a random id, and a non-UUID."""
    fills = [project_id, str(uuid.uuid4()), "not-a-uuid", "..%2F..", "'; DROP TABLE"]
    out = []
    for fill in fills:
        filled = path
        for param in ("{project_id}", "{event_id}", "{session_id}", "{mode}"):
            filled = filled.replace(param, fill)
        out.append(filled)
    return sorted(set(out))


@pytest.mark.parametrize("route", http_routes(), ids=lambda r: f"{r.method} {r.path}")
def test_no_input_makes_a_route_fail_with_5xx(client: HandlerClient, dev_token: str, project: dict, route) -> None:
    for path in concrete(route.path, project["id"]):
        for body in JUNK_BODIES:
            reply = client.request(route.method, path, token=dev_token, raw_body=body,
                                   query={"test_mode": "maybe", "page": "-1", "page_size": "1000"})
            assert reply.status < 500, (route, path, body, reply.text)
            if reply.status >= 400 and reply.text:
                assert "detail" in reply.json() or "message" in reply.json()
