"""Every route against another tenant's resources: refused or scoped to the caller, leaking and changing nothing."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

import pytest

from local.template import http_routes
from paykit.processor import default_processor
from tests.security.conftest import World, assert_no_leak, concrete_path, tenant_snapshot
from local.stripe_events import body_of, event, signature_header, subscription
from tests.support import HandlerClient, Reply

STRIPE = "/api/v1/payments/stripe"


@dataclass(frozen=True)
class Attack:
    """One attempt on the victim (tenant B, its end user `victim`); `allowed` are the acceptable answers.

    Refusals (403, 404, and 400/422 where the contract says so) must carry the {"detail"} envelope. A 200/201 is only
    allowed where the route is scoped to the caller by construction (their own lists), and must show nothing of B.
    """

    name: str
    send: Callable[[HandlerClient, World, str], Reply]  # (client, world, concrete path)
    allowed: tuple[int, ...]


def dev_a(method: str, body: Any = None, **kw: Any) -> Callable[[HandlerClient, World, str], Reply]:
    return lambda client, w, path: client.request(method, path, token=w.a.token, json_body=body, **kw)


def user(who: str, method: str, body: Any = None, project_header: bool = False,
         path: Callable[[World], str] | None = None,
         extra_headers: dict[str, str] | None = None) -> Callable[[HandlerClient, World, str], Reply]:
    """An end user: `neighbour` (another user of B) or `outsider` (a user of A; with X-Project-ID: B if asked)."""
    def send(client: HandlerClient, w: World, concrete: str) -> Reply:
        tenant = w.b if who == "neighbour" else w.a
        headers = {**({"X-Project-ID": w.b.project_id} if project_header else {}), **(extra_headers or {})} or None
        return client.request(method, path(w) if path else concrete, token=w.user_token(tenant, getattr(w, who)),
                              json_body=body, headers=headers)
    return send


def end_user_attacks(method: str, body: Any = None, mutating: bool = True) -> list[Attack]:
    """Another user of B on the route, and a user of A naming B in X-Project-ID. On a read, the outsider's own
    (project A) answer must show nothing of B; on a change, the outsider is only sent with the header, so that
    their own subscription in A stays as it is for the other cases."""
    neighbour_status = (404,) if mutating else (200,)
    attacks = [Attack("neighbour-of-b", user("neighbour", method, body), neighbour_status),
               Attack("user-of-a-claiming-b", user("outsider", method, body, project_header=True), (403,))]
    if not mutating:
        attacks.append(Attack("user-of-a", user("outsider", method, body), (200,)))
    return attacks


def forged_cancel_of_victim(w: World) -> bytes:
    """A `customer.subscription.deleted` for the victim's subscription, as A's attacker would write it."""
    obj = subscription(w.victim_subscription, w.victim_customer, "canceled", created=1, user_id=w.victim,
                       project_id=w.b.project_id, period_start=1, period_end=2, canceled_at=2)
    return body_of(event("customer.subscription.deleted", obj, created=2_000_000_000))


def webhook(secret_of: str) -> Callable[[HandlerClient, World, str], Reply]:
    def send(client: HandlerClient, w: World, path: str) -> Reply:
        body = forged_cancel_of_victim(w)
        headers = {} if secret_of == "none" else {
            "stripe-signature": signature_header(body, w.a.webhook_secret if secret_of == "a" else "whsec_guess0000")}
        return client.post(path, raw_body=body, headers=headers, token=w.a.token)
    return send


OWNED = (403,)  # decision 4: another developer's existing project
CONFIG_BODY = {"test_secret_key": "sk_test_" + "x" * 24, "allowed_redirect_origins": ["https://evil.example.net"]}
CHECKOUT_BODY = {"price_id": "price_x", "success_url": "https://app.example.com/ok",
                 "cancel_url": "https://app.example.com/no"}

MATRIX: dict[str, list[Attack]] = {
    # Developer routes: developer A's token on developer B's project and resources.
    "GET /api/v1/projects/": [Attack("own-list", dev_a("GET"), (200,))],
    "GET /api/v1/projects": [Attack("own-list", dev_a("GET"), (200,))],
    "POST /api/v1/projects/": [Attack("owner-injection", dev_a("POST", {"name": "x", "owner_id": "B"}), (201, 422))],
    "POST /api/v1/projects": [Attack("owner-injection", dev_a("POST", {"name": "x", "owner_id": "B"}), (201, 422))],
    "GET /api/v1/projects/{project_id}": [Attack("b-project", dev_a("GET"), OWNED)],
    "GET /api/v1/payments/projects": [Attack("own-list", dev_a("GET"), (200,))],
    "GET /api/v1/payments/subscriptions": [
        Attack("own-list", dev_a("GET"), (200,)),
        Attack("filter-on-b", lambda c, w, p: c.get(p, token=w.a.token, query={"project_id": w.b.project_id}),
               (200, 403, 404))],
    "GET /api/v1/payments/transactions": [
        Attack("own-list", dev_a("GET"), (200,)),
        Attack("filter-on-b", lambda c, w, p: c.get(p, token=w.a.token, query={"project_id": w.b.project_id}),
               (200, 403, 404))],
    # Exports (issue 13): the lists' tenancy, a file instead of JSON.
    "GET /api/v1/payments/subscriptions/export": [
        Attack("own-export", dev_a("GET"), (200,)),
        Attack("filter-on-b", lambda c, w, p: c.get(p, token=w.a.token, query={"project_id": w.b.project_id,
                                                                               "format": "jsonl"}), (200,))],
    "GET /api/v1/payments/transactions/export": [
        Attack("own-export", dev_a("GET"), (200,)),
        Attack("filter-on-b", lambda c, w, p: c.get(p, token=w.a.token, query={"project_id": w.b.project_id,
                                                                               "format": "jsonl"}), (200,))],
    "GET /api/v1/payments/stats": [Attack("own-stats", dev_a("GET"), (200,))],
    "GET /api/v1/payments/stats/timeseries": [
        Attack("own-series", dev_a("GET"), (200,)),
        Attack("b-project", lambda c, w, p: c.get(p, token=w.a.token, query={"project_id": w.b.project_id}), (403,))],
    "GET /api/v1/payments/stripe/projects/{project_id}/config": [Attack("b-config", dev_a("GET"), OWNED)],
    "PUT /api/v1/payments/stripe/projects/{project_id}/config": [Attack("overwrite-b", dev_a("PUT", CONFIG_BODY), OWNED)],
    "DELETE /api/v1/payments/stripe/projects/{project_id}/config": [Attack("deactivate-b", dev_a("DELETE"), OWNED)],
    "GET /api/v1/payments/stripe/projects/{project_id}/subscriptions": [Attack("b-list", dev_a("GET"), OWNED)],
    "GET /api/v1/payments/stripe/projects/{project_id}/payments": [Attack("b-list", dev_a("GET"), OWNED)],
    "GET /api/v1/payments/stripe/projects/{project_id}/subscriptions/export": [Attack("b-export", dev_a("GET"), OWNED)],
    "GET /api/v1/payments/stripe/projects/{project_id}/payments/export": [Attack("b-export", dev_a("GET"), OWNED)],
    "GET /api/v1/payments/stripe/projects/{project_id}/webhook-urls": [Attack("b-urls", dev_a("GET"), OWNED)],
    "POST /api/v1/payments/stripe/projects/{project_id}/validate-credentials": [
        Attack("b-validate", dev_a("POST", {"secret_key": "sk_test_" + "y" * 24}), OWNED)],
    "GET /api/v1/payments/stripe/projects/{project_id}/events": [Attack("b-events", dev_a("GET"), OWNED)],
    # Entitlements (issue 14)
    "GET /api/v1/payments/stripe/projects/{project_id}/billing-settings": [Attack("b-settings", dev_a("GET"), OWNED)],
    "PUT /api/v1/payments/stripe/projects/{project_id}/billing-settings": [
        Attack("b-settings", dev_a("PUT", {"hard_limits": True}), OWNED)],
    "GET /api/v1/payments/stripe/projects/{project_id}/features": [Attack("b-features", dev_a("GET"), OWNED)],
    "POST /api/v1/payments/stripe/projects/{project_id}/features": [
        Attack("b-feature", dev_a("POST", {"key": "exports", "name": "Exports"}), OWNED)],
    "POST /api/v1/payments/stripe/projects/{project_id}/products/{product_id}/features": [
        Attack("b-attach", dev_a("POST", {"feature": "exports"}), OWNED)],
    "DELETE /api/v1/payments/stripe/projects/{project_id}/products/{product_id}/features/{feature_key}": [
        Attack("b-detach", dev_a("DELETE"), OWNED)],
    "GET /api/v1/payments/stripe/projects/{project_id}/usage": [
        Attack("b-usage", lambda c, w, p: c.get(p, token=w.a.token, query={"user_id": w.victim}), OWNED)],
    "POST /api/v1/payments/stripe/projects/{project_id}/events/{event_id}/replay": [
        Attack("b-project", dev_a("POST"), OWNED),
        Attack("b-event-under-a", lambda c, w, p: c.post(p.replace(w.b.project_id, w.a.project_id), token=w.a.token),
               (404,))],
    # Stripe's route: no bearer token counts; only B's webhook secret does (decision 7: 400 otherwise).
    "POST /api/v1/payments/stripe/webhooks/{project_id}/{mode}": [
        Attack("signed-with-a-secret", webhook("a"), (400,)),
        Attack("guessed-secret", webhook("guess"), (400,)),
        Attack("bearer-token-no-signature", webhook("none"), (400,))],
    # End-user routes: another user of B, and a user of A naming project B.
    "POST /api/v1/payments/stripe/checkout-session": [
        Attack("as-the-victim", user("neighbour", "POST", {**CHECKOUT_BODY, "metadata": {"user_id": "victim"}}),
               (422,)),
        Attack("into-project-a", user("neighbour", "POST", {**CHECKOUT_BODY, "metadata": {"project_id": "a"}}),
               (422,)),
        Attack("user-of-a-claiming-b", user("outsider", "POST", CHECKOUT_BODY, project_header=True), (403,))],
    "GET /api/v1/payments/stripe/checkout-session/{session_id}": [
        Attack("neighbour-reads-victims-session", user("neighbour", "GET"), (404,)),
        Attack("user-of-a-reads-victims-session", user("outsider", "GET"), (404,)),
        Attack("user-of-a-claiming-b", user("outsider", "GET", project_header=True), (403,))],
    "GET /api/v1/payments/stripe/my-subscription": end_user_attacks("GET", mutating=False),
    "GET /api/v1/payments/stripe/my-payments": end_user_attacks("GET", mutating=False),
    "POST /api/v1/payments/stripe/customer-portal": end_user_attacks("POST", {"return_url": "https://app.example.com"}),
    "POST /api/v1/payments/stripe/cancel-subscription": end_user_attacks("POST", {"cancel_immediately": True}),
    "POST /api/v1/payments/stripe/update-subscription": end_user_attacks("POST", {"new_price_id": "price_x"}),
    "POST /api/v1/payments/stripe/resume-subscription": end_user_attacks("POST"),
    "POST /api/v1/payments/stripe/preview-subscription-update": end_user_attacks("POST", {"new_price_id": "price_x"}),
    "GET /api/v1/payments/stripe/my-entitlements": end_user_attacks("GET", mutating=False),
    "GET /api/v1/payments/stripe/check": [
        Attack("neighbour-of-b", lambda c, w, p: c.get(p, token=w.user_token(w.b, w.neighbour),
                                                       query={"feature": "exports"}), (200,)),
        Attack("user-of-a-claiming-b", lambda c, w, p: c.get(p, token=w.user_token(w.a, w.outsider),
                                                             query={"feature": "exports"},
                                                             headers={"X-Project-ID": w.b.project_id}), (403,))],
    "POST /api/v1/payments/stripe/usage": [
        Attack("neighbour-of-b", user("neighbour", "POST", {"feature": "exports", "quantity": 1},
                                      extra_headers={"Idempotency-Key": "attack-1"}), (400, 403)),
        Attack("user-of-a-claiming-b", user("outsider", "POST", {"feature": "exports", "quantity": 1},
                                            project_header=True, extra_headers={"Idempotency-Key": "attack-2"}),
               (403,))],
}

ROUTES = {route.route_key: route for route in http_routes()}


def test_every_route_of_the_template_is_in_the_matrix():
    # A new route fails here until its cross-tenant attacks are written down above.
    assert sorted(set(ROUTES) - set(MATRIX)) == [], "routes without cross-tenant attacks"
    assert sorted(set(MATRIX) - set(ROUTES)) == [], "attacks on routes the template no longer has"


@pytest.mark.parametrize("route_key", sorted(MATRIX))
def test_another_tenant_is_refused_and_nothing_changes(client, world, service_env, route_key):
    if route_key not in ROUTES:
        pytest.fail(f"{route_key} is not in template.yaml")
    # Given tenant B (developer, project, config, a subscribed and paying end user) and everything it owns
    path = concrete_path(ROUTES[route_key], world)
    before = tenant_snapshot(world, service_env)
    assert before["stripe"]["subscriptions"] and any(i["pk"]["S"].startswith("SUB#") for i in before["items"])
    for attack in MATRIX[route_key]:
        # When the attacker tries the route on B's resources
        reply = attack.send(client, world, path)
        # Then the answer is a refusal with the documented envelope, or the attacker's own scope
        label = f"{route_key} [{attack.name}]"
        assert reply.status in attack.allowed, f"{label}: {reply.status} {reply.text}"
        if reply.status >= 400:
            detail = reply.json()["detail"]
            assert isinstance(detail, str) or reply.status == 422, f"{label}: {reply.text}"
        # And it shows nothing of B
        assert_no_leak(reply, world, label)
    # And nothing of B changed: table items, secrets, Stripe objects, queued events
    assert tenant_snapshot(world, service_env) == before


def test_an_event_about_bs_objects_delivered_to_as_endpoint_changes_only_a(world, service_env):
    # Given developer A, who signs with A's own webhook secret, so A's receiver accepts and queues the event
    forged = json.loads(forged_cancel_of_victim(world))
    before = tenant_snapshot(world, service_env)
    # When A's queue hands the processor an event canceling B's victim's subscription
    try:
        default_processor().process_event(world.a.project_id, "test", forged, json.dumps(forged))
    except Exception:  # noqa: BLE001 - failing is an acceptable outcome; touching B is not
        pass
    # Then events apply within the path's project only: nothing of B changed, in the table or in Stripe
    assert tenant_snapshot(world, service_env) == before


class LiveModeClient(HandlerClient):
    """Every request asks for live mode (`test_mode=false`): the mode a query picks never widens what a caller sees."""

    def request(self, method: str, path: str, *, query: dict[str, Any] | None = None, **kw: Any) -> Reply:
        return super().request(method, path, query={**(query or {}), "test_mode": "false"}, **kw)


@pytest.mark.parametrize("route_key", sorted(MATRIX))
def test_in_live_mode_another_tenant_is_refused_and_nothing_changes(world, service_env, route_key):
    # Given tenant B and everything it owns, and every attack above sent with test_mode=false
    client, path = LiveModeClient(), concrete_path(ROUTES[route_key], world)
    before = tenant_snapshot(world, service_env)
    for attack in MATRIX[route_key]:
        reply = attack.send(client, world, path)
        label = f"{route_key} [{attack.name}, live]"
        # Then the answer is what it is in test mode, or a refusal for want of live keys (B has test keys only)
        assert reply.status in (*attack.allowed, 400, 404), f"{label}: {reply.status} {reply.text}"
        assert_no_leak(reply, world, label)
    # And nothing of B changed
    assert tenant_snapshot(world, service_env) == before
