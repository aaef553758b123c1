"""The events resource: list (type patterns, created ranges, delivery success) and retrieve."""

from __future__ import annotations

from ..engine import errors
from ..engine.events import type_matches
from ..engine.params import get_bool, get_list, get_str, in_range, range_filter
from ..engine.render import paginate, public, renderer
from ..engine.routes import Ctx, api, retrieve
from ..engine.store import World


@renderer("events")
def _render_event(world: World, event: dict) -> dict:
    out = public(event)
    dispatcher = world.state.dispatcher
    out["pending_webhooks"] = dispatcher.pending_count(event["id"]) if dispatcher else 0
    return out


@api("GET", "/v1/events", "events", "EventListParams")
def list_events(ctx: Ctx, params: dict) -> dict:
    single = get_str(params, "type")
    types = [str(t) for t in get_list(params, "types")]
    if single and types:
        raise errors.invalid("You may only specify one of these parameters: type, types.", param="types")
    if len(types) > 20:
        raise errors.invalid("You may pass at most 20 types.", param="types")
    patterns = types or ([single] if single else [])
    created = range_filter(params, "created")
    delivered = get_bool(params, "delivery_success")
    dispatcher = ctx.state.dispatcher
    items = []
    for event in ctx.world.newest_first("events"):
        if patterns and not any(type_matches(p, event["type"]) for p in patterns):
            continue
        if not in_range(event["created"], created):
            continue
        if delivered is not None and dispatcher is not None and dispatcher.delivery_succeeded(event["id"]) != delivered:
            continue
        items.append(event)
    return paginate(ctx.world, "events", items, params, "/v1/events", ctx.expand)


retrieve("/v1/events/<id>", "events", "EventRetrieveParams")
