"""The route registry every resource module adds to, and the per-request context handlers receive."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .render import render
from .store import State, World

# The API request whose handling created an event (Stripe's `event.request`); None for automatic transitions.
current_request: contextvars.ContextVar[dict | None] = contextvars.ContextVar("current_request", default=None)


@contextmanager
def automatic() -> Iterator[None]:
    """Events created inside come from Stripe itself (clock advances, hosted pages): `request.id` is null."""
    token = current_request.set(None)
    try:
        yield
    finally:
        current_request.reset(token)


@dataclass
class Ctx:
    """What a `/v1` handler works on: the caller's account and mode, and the request's `expand[]` paths.
    (The request id and idempotency key reach events through `current_request`.)"""
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

    @cached_property
    def read_tree(self) -> dict[str, Any]:
        """The parameters the handler reads, nested ones included (see `reads.py`; computed on first use, once
        every module is loaded); `expand` is read by the app for every route."""
        from .reads import handler_tree

        return {**handler_tree(self.handler), "expand": None}

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
