"""The two route registries (the `/v1` API's and the `/_emulator` admin routes'), the per-request context `/v1`
handlers receive, and the generic retrieve and update routes most resources share."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from werkzeug.wrappers import Request

from . import errors
from .events import Tracker
from .params import decode_pairs
from .reads import handler_tree
from .render import render
from .store import State, World


@dataclass
class Ctx:
    """What a `/v1` handler works on: the caller's account and mode, and the request's `expand[]` paths.
    (The request id and idempotency key reach events through `events.current_request`.)"""
    state: State
    world: World
    expand: list[str] = field(default_factory=list)

    @property
    def livemode(self) -> bool:
        return self.world.livemode


Handler = Callable[..., Any]


@dataclass
class Route:
    method: str
    path: str
    handler: Handler
    resource: str  # permission name for restricted keys, e.g. "customers", "checkout_sessions"
    params_type: str | None  # `stripe.params` type whose keys are the accepted top-level parameters
    extra_params: tuple[str, ...] = ()
    reads_from: Handler | None = None  # where the parameters are read, when the handler hands them on (`update`)

    @cached_property
    def read_tree(self) -> dict[str, Any]:
        """The parameters the handler reads, nested ones included (see `reads.py`; computed on first use, once
        every module is loaded); `expand` is read by the app for every route."""
        return {**handler_tree(self.reads_from or self.handler), "expand": None}

    @property
    def reads(self) -> frozenset[str]:
        return frozenset(self.read_tree)


ROUTES: list[Route] = []


def api(method: str, path: str, resource: str, params_type: str | None = None,
        extra_params: tuple[str, ...] = ()) -> Callable[[Handler], Handler]:
    """Register `handler(ctx, params, **path_args) -> dict` for a `/v1` route."""
    def register(handler: Handler) -> Handler:
        ROUTES.append(Route(method, path, handler, resource, params_type, extra_params))
        return handler
    return register


def retrieve(path: str, collection: str, params_type: str, resource: str | None = None) -> None:
    """Register a plain `GET /v1/<things>/<id>`: the account's object by id (404 otherwise), rendered with expand[].
    `resource` is the restricted-key permission when it is not the collection's own name."""
    def handler(ctx: Ctx, params: dict, id: str) -> dict:
        return render(ctx.world, collection, ctx.world.get(collection, id), ctx.expand)

    handler.__name__ = f"retrieve_{collection}"
    api("GET", path, resource or collection, params_type)(handler)


Finder = Callable[[World, str], dict]
Apply = Callable[[Ctx, dict, dict], Any]


def update(path: str, collection: str, params_type: str, *, event: str | None, resource: str | None = None,
           find: Finder | None = None, stamp: str | None = None) -> Callable[[Apply], Apply]:
    """Register `POST /v1/<things>/<id>` around `apply(ctx, params, obj)`, which sets what the parameters change:
    the object by id (`find`, default a plain 404 lookup), then `apply`, then (when anything changed) the `stamp`
    field set to now and `event` (`<thing>.updated`) with `previous_attributes`; the object rendered with expand[].
    `apply` may return a callable run after the event (changes Stripe announces in events of their own)."""
    def register(apply: Apply) -> Apply:
        def handler(ctx: Ctx, params: dict, id: str) -> dict:
            obj = find(ctx.world, id) if find is not None else ctx.world.get(collection, id)
            tracker = Tracker(ctx.world, collection, obj) if event or stamp else None
            then = apply(ctx, params, obj)
            if tracker is not None and stamp is not None and tracker.changes():
                obj[stamp] = ctx.world.now()
            if tracker is not None and event is not None:
                tracker.emit_updated(event)
            if callable(then):
                then()
            return render(ctx.world, collection, obj, ctx.expand)

        handler.__name__ = f"update_{collection}"
        ROUTES.append(Route("POST", path, handler, resource or collection, params_type, reads_from=apply))
        return apply
    return register


# --- the /_emulator routes -----------------------------------------------------------------------------------------


class AdminApp(Protocol):
    """What admin routes and hosted pages use of the application (`surface.app.EmulatorApp`)."""
    state: State
    dispatcher: Any
    faults: Any

    def reset(self) -> None: ...

    def world_for_admin(self, request: Request, body: dict) -> World: ...


AdminHandler = Callable[..., tuple[int, Any]]
ADMIN_ROUTES: list[tuple[str, str, AdminHandler]] = []


def admin(method: str, path: str) -> Callable[[AdminHandler], AdminHandler]:
    """Register `handler(app, request, body, **path_args) -> (status, json)` for `/_emulator<path>`."""
    def register(handler: AdminHandler) -> AdminHandler:
        ADMIN_ROUTES.append((method, f"/_emulator{path}", handler))
        return handler
    return register


def admin_body(request: Request) -> dict:
    """An admin call's parameters: JSON whatever the Content-Type (curl's `-d '{...}'` sends a JSON body as
    application/x-www-form-urlencoded), else form fields."""
    if request.method == "GET":
        return {}
    data = request.get_data(as_text=True)
    declared_json = request.mimetype == "application/json"
    if declared_json or data.lstrip().startswith(("{", "[")):
        try:
            body = json.loads(data) if data.strip() else {}
        except ValueError:
            raise errors.invalid("Invalid JSON body") from None
        if not isinstance(body, dict):
            raise errors.invalid("The JSON body must be an object")
        return body
    return decode_pairs(request.form.items(multi=True))
