"""The WSGI application: routing, API keys and permissions, faults, idempotency, params, Stripe's error envelope."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import threading
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from ..engine import errors
from ..engine.events import current_request
from ..engine.faults import Faults
from ..engine.ids import mask_key, new_id
from ..engine.params import check_known, decode_form, expand_paths
from ..engine.routes import ADMIN_ROUTES, ROUTES, Ctx, Route, admin_body
from ..engine.store import API_VERSION, ApiKey, State, World

# Importing the resource modules (and the admin routes) registers their routes, renderers and hooks.
from ..resources import (  # noqa: F401
    account,
    balance,
    cards,
    charges,
    checkout,
    checkout_payment,
    clocks,
    customers,
    discounts,
    disputes,
    entitlements,
    events_api,
    meters,
    payments,
    portal,
    products,
    search,
    setup_intents,
    tax_ids,
    webhook_endpoints,
)
from ..resources.billing import invoices_api, subscriptions_api  # noqa: F401
from . import admin as admin_routes  # noqa: F401
from .pages import PAGE_ROUTES

log = logging.getLogger("stripe_emulator")

_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$")
MAX_IDEMPOTENCY_KEY = 255
# Stripe: "Keys are eligible to be removed from the system automatically after they're at least 24 hours old".
IDEMPOTENCY_KEY_LIFETIME = 24 * 3600


@dataclass
class IdempotentResult:
    method: str
    path: str
    params: dict
    status: int
    body: str
    request_id: str
    saved_at: int  # the world's clock (wall time plus the account clock's advance)


def _drop_expired(table: dict[str, IdempotentResult], now: int) -> None:
    """Removes the keys at least 24 hours old, so the table holds only a day's keys (it is kept oldest first)."""
    while table:
        key, oldest = next(iter(table.items()))
        if now - oldest.saved_at < IDEMPOTENCY_KEY_LIFETIME:
            return
        del table[key]


class EmulatorApp:
    def __init__(self, state: State, faults: Faults, stopping: threading.Event) -> None:
        self.state = state
        self.dispatcher = state.dispatcher
        self.faults = faults
        self.stopping = stopping
        rules = [Rule(r.path, endpoint=f"api:{i}", methods=[r.method]) for i, r in enumerate(ROUTES)]
        rules += [Rule(path, endpoint=f"admin:{i}", methods=[method])
                  for i, (method, path, _) in enumerate(ADMIN_ROUTES)]
        rules += [Rule(path, endpoint=f"page:{i}", methods=["GET", "POST"]) for i, (path, _) in enumerate(PAGE_ROUTES)]
        rules += [Rule("/", endpoint="index:0", methods=["GET"])]
        self.url_map = Map(rules, strict_slashes=False)

    def reset(self) -> None:
        with self.state.lock:
            self.state.reset()
            self.dispatcher.reset()
            self.faults.clear()

    def __call__(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except Exception:  # the server must survive any bug in a handler
            log.exception("emulator error on %s %s", request.method, request.path)
            response = self._json(500, errors.api_error().body(), {})
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except (NotFound, MethodNotAllowed):
            if request.path.startswith("/v1/"):
                message = (f"Unrecognized request URL ({request.method}: {request.path}). Please see "
                           "https://stripe.com/docs or we can help at https://support.stripe.com/.")
                return self._json(404, errors.invalid(message).body(), {"Request-Id": new_id("req", 14)})
            return self._json(404, {"error": {"type": "invalid_request_error", "message": "Not found"}}, {})
        except HTTPException as exc:
            return exc.get_response(request.environ)
        kind, _, number = str(endpoint).partition(":")
        index = int(number)
        if kind == "api":
            return self.api(request, ROUTES[index], args)
        if kind == "admin":
            return self.admin(request, index, args)
        if kind == "page":
            with self.state.lock:
                return PAGE_ROUTES[index][1](self, request, **args)
        return self._json(200, {"emulator": "stripe", "api_version": API_VERSION, "admin": "/_emulator/health"}, {})

    # --- /v1 --------------------------------------------------------------------------------------------------------

    def api(self, request: Request, route: Route, args: dict) -> Response:
        request_id = new_id("req", 14)
        headers = {"Request-Id": request_id}
        try:
            key = self.authenticate(request, route)
            world = self.state.accounts[key.account_id].worlds[key.livemode]
            version = request.headers.get("Stripe-Version")
            if version is not None and not _VERSION.match(version):
                raise errors.invalid(f"Invalid Stripe API version: {version}", code="invalid_api_version")
            headers["Stripe-Version"] = version or API_VERSION
            self.inject_fault(request, key)
            params = self.params(request)
        except errors.StripeError as exc:
            headers.update(exc.headers)
            return self._json(exc.status, exc.body(), headers)
        idempotency_key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        with self.state.lock:
            try:
                replay = self.replay(world, request, params, idempotency_key)
            except errors.StripeError as exc:
                return self._json(exc.status, exc.body(), headers)
            if replay is not None:
                headers.update({"Idempotent-Replayed": "true", "Original-Request": replay.request_id,
                                "Stripe-Version": headers["Stripe-Version"]})
                return Response(replay.body, status=replay.status, headers=headers, content_type="application/json")
            status, body = self.run(world, route, args, params, request_id, idempotency_key, headers)
            text = json.dumps(body, indent=2)
            # Stripe saves the result once the endpoint ran: successes and card errors, not validation errors.
            if idempotency_key is not None and status in (200, 402):
                world.idempotency.pop(idempotency_key, None)  # an expired key saved again goes last: oldest first
                world.idempotency[idempotency_key] = IdempotentResult(
                    request.method, request.path, params, status, text, request_id, world.now())
        return Response(text, status=status, headers=headers, content_type="application/json")

    def run(self, world: World, route: Route, args: dict, params: dict, request_id: str,
            idempotency_key: str | None, headers: dict) -> tuple[int, Any]:
        token = current_request.set({"id": request_id, "idempotency_key": idempotency_key})
        try:
            check_known(params, route.params_type, route.extra_params, route.read_tree)
            return 200, route.handler(Ctx(self.state, world, expand_paths(params)), params, **args)
        except errors.StripeError as exc:
            headers.update(exc.headers)
            return exc.status, exc.body()
        finally:
            current_request.reset(token)

    def authenticate(self, request: Request, route: Route) -> ApiKey:
        secret = _bearer(request.headers.get("Authorization", ""))
        if not secret:
            raise errors.authentication(
                "You did not provide an API key. You need to provide your API key in the Authorization header, "
                "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
                "https://stripe.com/docs/api#authentication for details, or we can help at "
                "https://support.stripe.com/.")
        with self.state.lock:
            key = self.state.keys.get(secret)
        if key is None:
            raise errors.authentication(f"Invalid API key provided: {mask_key(secret)}")
        if key.revoked:
            raise errors.authentication(f"Expired API Key provided: {mask_key(secret)}", code="api_key_expired")
        if key.kind == "publishable":
            raise errors.authentication(
                "This API call cannot be made with a publishable API key. Please use a secret API key. You can "
                "find a list of your API keys at https://dashboard.stripe.com/account/apikeys.")
        if key.kind == "restricted":
            need = "read" if request.method == "GET" else "write"
            have = key.permissions.get(route.resource, key.permissions.get("*", "none"))
            if have == "none" or (need == "write" and have != "write"):
                raise errors.permission(
                    f"The provided key '{mask_key(secret)}' does not have the required permissions for this "
                    f"endpoint on account '{key.account_id}'. Having the 'rak_{route.resource}_{need}' permission "
                    "would allow this request to continue.")
        return key

    def inject_fault(self, request: Request, key: ApiKey) -> None:
        fault = self.faults.take(request.method, request.path, key.account_id)
        if fault is None:
            return
        if fault.kind == "500":
            raise errors.api_error()
        if fault.kind == "429":
            raise errors.rate_limited()
        # "hang": the answer comes only after the client's timeout; the call is then handled normally.
        self.stopping.wait(fault.hang_seconds)

    def params(self, request: Request) -> dict:
        if request.method in ("GET", "DELETE"):
            query = decode_form(request.query_string.decode("utf-8", "replace"))
            if request.method == "DELETE" and request.content_length:
                query.update(decode_form(request.get_data(as_text=True)))
            return query
        if request.mimetype == "application/json":
            raise errors.invalid("Invalid request: the v1 API takes form-encoded parameters, not JSON.")
        return decode_form(request.get_data(as_text=True))

    def replay(self, world: World, request: Request, params: dict,
               idempotency_key: str | None) -> IdempotentResult | None:
        if idempotency_key is None:
            return None
        if len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
            raise errors.invalid(f"Idempotency-Key can be at most {MAX_IDEMPOTENCY_KEY} characters long.")
        now = world.now()
        _drop_expired(world.idempotency, now)
        previous = world.idempotency.get(idempotency_key)
        if previous is None or now - previous.saved_at >= IDEMPOTENCY_KEY_LIFETIME:
            return None  # a key older than 24 hours runs as a new request
        if (previous.method, previous.path) != (request.method, request.path):
            raise errors.idempotency(
                f"Keys for idempotent requests can only be used for the same endpoint they were first used for "
                f"('{previous.method} {previous.path}' vs '{request.method} {request.path}'). Try using a key "
                "other than '" + idempotency_key + "' if you meant to execute a different request.")
        if previous.params != params:
            raise errors.idempotency(
                "Keys for idempotent requests can only be used with the same parameters they were first used "
                f"with. Try using a key other than '{idempotency_key}' if you meant to execute a different request.")
        return previous

    # --- /_emulator ----------------------------------------------------------------------------------------------

    def admin(self, request: Request, index: int, args: dict) -> Response:
        try:
            body = admin_body(request)
            status, out = ADMIN_ROUTES[index][2](self, request, body, **args)
        except errors.StripeError as exc:
            return self._json(exc.status, exc.body(), exc.headers)
        return self._json(status, out, {})

    def world_for_admin(self, request: Request, body: dict) -> World:
        """The world an admin call acts on: the Bearer key's, or `{"account", "mode"}`."""
        secret = _bearer(request.headers.get("Authorization", ""))
        if secret:
            key = self.state.keys.get(secret)
            if key is None:
                raise errors.authentication(f"Invalid API key provided: {mask_key(secret)}")
            return self.state.accounts[key.account_id].worlds[key.livemode]
        owner = self.state.accounts.get(str(body.get("account")))
        if owner is None:
            raise errors.invalid("Pass the account's API key as Bearer, or `account`.", param="account")
        return owner.worlds[body.get("mode", "test") == "live"]

    @staticmethod
    def _json(status: int, body: Any, headers: dict) -> Response:
        return Response(json.dumps(body, indent=2), status=status, headers=headers, content_type="application/json")


def _bearer(header: str) -> str | None:
    if header.startswith("Bearer "):
        return header[7:].strip() or None
    if header.startswith("Basic "):
        try:
            user = base64.b64decode(header[6:].strip()).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return None
        return user.split(":", 1)[0] or None
    return None
