"""The webhook_endpoints API resource: create (the signing secret is shown once), retrieve, update, list, delete."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..engine import errors
from ..engine.ids import new_id, random_suffix
from ..engine.params import get_bool, get_list, get_metadata, get_str
from ..engine.render import paginate, render
from ..engine.routes import Ctx, api, retrieve, update

_EVENT_TYPE = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
MAX_ENDPOINTS = 16  # per account and mode, as Stripe limits them


def _enabled_events(params: dict, required: bool) -> list[str] | None:
    if "enabled_events" not in params:
        if required:
            raise errors.missing_parameter("enabled_events")
        return None
    events = [str(e) for e in get_list(params, "enabled_events")]
    if not events:
        raise errors.invalid("You must specify at least one event type in enabled_events.", param="enabled_events")
    for i, name in enumerate(events):
        if name != "*" and not _EVENT_TYPE.match(name):
            raise errors.invalid(f"Invalid enabled_events[{i}]: unknown event type {name}",
                                 param=f"enabled_events[{i}]")
    return events


def _url(params: dict, required: bool) -> str | None:
    url = get_str(params, "url", required=required)
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise errors.invalid(f"Invalid URL: {url}", param="url", code="url_invalid")
    return url


@api("POST", "/v1/webhook_endpoints", "webhook_endpoints", "WebhookEndpointCreateParams")
def create_endpoint(ctx: Ctx, params: dict) -> dict:
    url = _url(params, True)
    events = _enabled_events(params, True)
    if len(ctx.world.collections["webhook_endpoints"]) >= MAX_ENDPOINTS:
        raise errors.invalid(f"You have reached the maximum of {MAX_ENDPOINTS} test webhook endpoints.")
    secret = f"whsec_{random_suffix(32)}"
    endpoint = ctx.world.add("webhook_endpoints", {
        "id": new_id("we"), "object": "webhook_endpoint", "api_version": get_str(params, "api_version"),
        "application": None, "created": ctx.world.now(), "description": get_str(params, "description"),
        "enabled_events": events, "livemode": ctx.livemode, "metadata": get_metadata(params), "status": "enabled",
        "url": url, "_secret": secret,
        # A Connect endpoint would also get the events of connected accounts; the emulator has none (no Connect).
        "_connect": bool(get_bool(params, "connect")),
    })
    ctx.state.dispatcher.endpoint_changed(endpoint)
    out = render(ctx.world, "webhook_endpoints", endpoint, ctx.expand)
    out["secret"] = secret  # only the create response carries the signing secret
    return out


@api("GET", "/v1/webhook_endpoints", "webhook_endpoints", "WebhookEndpointListParams")
def list_endpoints(ctx: Ctx, params: dict) -> dict:
    items = list(ctx.world.newest_first("webhook_endpoints"))
    return paginate(ctx.world, "webhook_endpoints", items, params, "/v1/webhook_endpoints", ctx.expand)


retrieve("/v1/webhook_endpoints/<id>", "webhook_endpoints", "WebhookEndpointRetrieveParams")


@update("/v1/webhook_endpoints/<id>", "webhook_endpoints", "WebhookEndpointUpdateParams", event=None)
def update_endpoint(ctx: Ctx, params: dict, endpoint: dict) -> None:
    url = _url(params, False)
    events = _enabled_events(params, False)
    disabled = get_bool(params, "disabled")
    if url is not None:
        endpoint["url"] = url
    if events is not None:
        endpoint["enabled_events"] = events
    if "description" in params:
        endpoint["description"] = get_str(params, "description") or None
    if disabled is not None:
        endpoint["status"] = "disabled" if disabled else "enabled"
    endpoint["metadata"] = get_metadata(params, endpoint["metadata"])
    ctx.state.dispatcher.endpoint_changed(endpoint)


@api("DELETE", "/v1/webhook_endpoints/<id>", "webhook_endpoints", "WebhookEndpointDeleteParams")
def delete_endpoint(ctx: Ctx, params: dict, id: str) -> dict:
    ctx.world.get("webhook_endpoints", id)
    ctx.world.remove("webhook_endpoints", id)
    ctx.state.dispatcher.endpoint_deleted(id)
    return {"id": id, "object": "webhook_endpoint", "deleted": True}
