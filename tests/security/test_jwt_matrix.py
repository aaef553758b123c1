"""The verifier's JWT attack matrix (tests/unit/test_auth.py) sent through every route group's real handler."""
from __future__ import annotations

import time
from typing import Iterator

import jwt
import pytest

from local.template import Route, http_routes
from tests.conftest import JWT_SECRET
from tests.security.conftest import World, concrete_path, tenant_snapshot
from tests.support import HandlerClient, Reply, make_token, reset_service_caches
from tests.unit.test_auth import MALFORMED_HEADERS, invalid_tokens

# The role each function with HTTP routes requires (None: Stripe's webhook route, which takes no bearer token).
GROUP_ROLE = {"projects": "developer", "payments_overview": "developer", "stripe_config": "developer",
              "checkout": "end_user", "my_subscription": "end_user", "webhook_receiver": None}
GROUPS: dict[str, list[Route]] = {}
for _route in http_routes():
    GROUPS.setdefault(_route.function, []).append(_route)

UNAUTHORIZED = {"detail": "Could not validate credentials"}
# The HS512 case signs with the 43-byte test secret on purpose (an algorithm the service never accepts).
pytestmark = pytest.mark.filterwarnings("ignore:The HMAC key is")


# Reads that need a query parameter to be valid (the control below must reach past validation).
REQUIRED_QUERY = {"GET /api/v1/payments/stripe/check": {"feature": "exports"},
                  "GET /api/v1/payments/stripe/projects/{project_id}/usage": {"user_id": "someone"}}


def call(client: HandlerClient, route: Route, world: World, headers: dict[str, str]) -> Reply:
    body = {} if route.method in ("POST", "PUT") else None
    return client.request(route.method, concrete_path(route, world), json_body=body, headers=headers,
                          query=REQUIRED_QUERY.get(route.route_key))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def attacks(role: str | None, world: World) -> dict[str, tuple[dict[str, str], int]]:
    """Case name -> (headers, expected status) for one route group."""
    project = {"project_id": world.b.project_id} if role == "end_user" else {}
    cases = {f"header-{name}": (headers, 401) for name, headers in MALFORMED_HEADERS.items()}
    cases |= {name: (bearer(token), 401) for name, token in invalid_tokens(JWT_SECRET, **project).items()}
    if role == "developer":
        cases["end-user-token"] = (bearer(world.user_token(world.b, world.victim)), 403)
    if role == "end_user":
        cases["developer-token"] = (bearer(world.b.token), 403)
        cases["x-project-id-of-another-project"] = (
            {**bearer(world.user_token(world.b, world.victim)), "X-Project-ID": world.a.project_id}, 403)
    return cases


def test_every_function_with_routes_has_a_role_here():
    assert sorted(GROUPS) == sorted(GROUP_ROLE)


@pytest.mark.parametrize("group", sorted(GROUP_ROLE))
def test_bad_credentials_are_refused_on_every_route_and_change_nothing(client, world, service_env, group):
    role = GROUP_ROLE[group]
    # Given tenant B's data, which a valid token of B could read or change on these routes
    before = tenant_snapshot(world, service_env)
    for route in GROUPS[group]:
        for name, (headers, status) in attacks(role, world).items():
            # When the route is called with the bad credentials
            reply = call(client, route, world, headers)
            label = f"{route.route_key} [{name}]"
            if role is None:
                # Then Stripe's route ignores bearer tokens: without a signature it is a 400 (decision 7)
                assert reply.status == 400 and isinstance(reply.json()["detail"], str), f"{label}: {reply.text}"
                continue
            # Then it is refused before routing, with the documented envelope
            assert reply.status == status, f"{label}: {reply.status} {reply.text}"
            assert set(reply.json()) == {"detail"} and isinstance(reply.json()["detail"], str), label
            if status == 401:
                assert reply.json() == UNAUTHORIZED and reply.headers["www-authenticate"] == "Bearer", label
    # And nothing of B changed
    assert tenant_snapshot(world, service_env) == before


@pytest.mark.parametrize("group", sorted(g for g, role in GROUP_ROLE.items() if role))
def test_the_right_token_gets_past_auth_on_every_read(client, world, group):
    # The control for the matrix above: B's own valid token is not refused on the group's GET routes.
    token = world.b.token if GROUP_ROLE[group] == "developer" else world.user_token(world.b, world.victim)
    reads = [route for route in GROUPS[group] if route.method == "GET"]
    assert reads
    for route in reads:
        reply = call(client, route, world, bearer(token))
        assert reply.status == 200, f"{route.route_key}: {reply.status} {reply.text}"


@pytest.fixture()
def issuer_and_audience(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The service as deployed with JWT_ISSUER and JWT_AUDIENCE set (a fresh container reads them)."""
    monkeypatch.setenv("JWT_ISSUER", "https://issuer.test")
    monkeypatch.setenv("JWT_AUDIENCE", "paykit,paykit-admin")
    reset_service_caches()
    yield
    monkeypatch.undo()
    reset_service_caches()


@pytest.mark.parametrize("group", sorted(g for g, role in GROUP_ROLE.items() if role))
def test_issuer_and_audience_are_enforced_when_configured(client, world, service_env, issuer_and_audience, group):
    role = GROUP_ROLE[group]
    route = next(r for r in GROUPS[group] if r.method == "GET")
    extra = {"project_id": world.b.project_id} if role == "end_user" else {}
    sub = world.b.developer if role == "developer" else world.victim
    good = {"iss": "https://issuer.test", "aud": "paykit", **extra}
    before = tenant_snapshot(world, service_env)
    bad = {"wrong-issuer": {**good, "iss": "https://evil.test"}, "wrong-audience": {**good, "aud": "someone-else"},
           "no-issuer": {**good, "iss": None}, "no-audience": {**good, "aud": None}}
    for name, claims in bad.items():
        reply = call(client, route, world, bearer(make_token(JWT_SECRET, sub, **claims)))
        assert (reply.status, reply.json()) == (401, UNAUTHORIZED), f"{route.route_key} [{name}]: {reply.text}"
    assert tenant_snapshot(world, service_env) == before
    # And the right issuer and one of the audiences still get in
    ok = call(client, route, world, bearer(make_token(JWT_SECRET, sub, **{**good, "aud": ["other", "paykit-admin"]})))
    assert ok.status == 200, ok.text


def test_a_token_expired_beyond_the_leeway_is_refused_but_not_within_it(client, world):
    route = GROUPS["my_subscription"][0]
    now = int(time.time())
    for exp, status in ((now - 45, 401), (now - 5, 200)):
        token = jwt.encode({"sub": world.victim, "project_id": world.b.project_id, "type": "access", "exp": exp},
                           JWT_SECRET, "HS256")
        assert call(client, route, world, bearer(token)).status == status
