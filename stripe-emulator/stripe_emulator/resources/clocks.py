"""Test clocks (`/v1/test_helpers/test_clocks`): frozen time for their customers, advanced on request."""

from __future__ import annotations

from ..engine import errors
from ..engine.events import automatic, emit
from ..engine.ids import new_id
from ..engine.params import get_int, get_str
from ..engine.render import paginate, render
from ..engine.routes import Ctx, api, retrieve
from ..engine.store import World
from .billing.clock import advance

CLOCK_LIFETIME = 30 * 86400


def _test_mode_only(ctx: Ctx) -> None:
    if ctx.livemode:
        raise errors.invalid("Test clocks are only available in test mode.")


@api("POST", "/v1/test_helpers/test_clocks", "test_clocks", "test_helpers.TestClockCreateParams")
def create_clock(ctx: Ctx, params: dict) -> dict:
    _test_mode_only(ctx)
    frozen_time = get_int(params, "frozen_time", required=True, minimum=0)
    clock = ctx.world.add("test_clocks", {
        "id": new_id("clock"), "object": "test_helpers.test_clock", "created": ctx.world.now(),
        "deletes_after": ctx.world.now() + CLOCK_LIFETIME, "frozen_time": frozen_time, "livemode": False,
        "name": get_str(params, "name"), "status": "ready", "status_details": {},
    })
    emit(ctx.world, "test_helpers.test_clock.created", "test_clocks", clock, created=ctx.world.now())
    return render(ctx.world, "test_clocks", clock, ctx.expand)


retrieve("/v1/test_helpers/test_clocks/<id>", "test_clocks", "test_helpers.TestClockRetrieveParams")


@api("GET", "/v1/test_helpers/test_clocks", "test_clocks", "test_helpers.TestClockListParams")
def list_clocks(ctx: Ctx, params: dict) -> dict:
    items = list(ctx.world.newest_first("test_clocks"))
    return paginate(ctx.world, "test_clocks", items, params, "/v1/test_helpers/test_clocks", ctx.expand)


@api("DELETE", "/v1/test_helpers/test_clocks/<id>", "test_clocks", "test_helpers.TestClockDeleteParams")
def delete_clock(ctx: Ctx, params: dict, id: str) -> dict:
    clock = ctx.world.get("test_clocks", id)
    _delete_clock_objects(ctx.world, id)
    ctx.world.remove("test_clocks", id)
    emit(ctx.world, "test_helpers.test_clock.deleted", "test_clocks", clock, created=ctx.world.now())
    return {"id": id, "object": "test_helpers.test_clock", "deleted": True}


def _delete_clock_objects(world: World, clock_id: str) -> None:
    """Deleting a clock deletes the customers on it and everything of theirs, without events, as Stripe does."""
    customers = {c["id"] for c in world.collections["customers"].values() if c["test_clock"] == clock_id}
    for collection in ("subscriptions", "invoices", "payment_intents", "charges", "payment_methods", "refunds"):
        for obj in list(world.collections[collection].values()):
            if obj.get("customer") in customers:
                if collection == "subscriptions":
                    for item_id in obj["_items"]:
                        world.remove("subscription_items", item_id)
                world.remove(collection, obj["id"])
    for customer_id in customers:
        world.remove("customers", customer_id)


@api("POST", "/v1/test_helpers/test_clocks/<id>/advance", "test_clocks", "test_helpers.TestClockAdvanceParams")
def advance_clock(ctx: Ctx, params: dict, id: str) -> dict:
    clock = ctx.world.get("test_clocks", id)
    frozen_time = get_int(params, "frozen_time", required=True)
    if frozen_time <= clock["frozen_time"]:
        raise errors.invalid("The frozen_time must be after the test clock's current frozen_time.",
                             param="frozen_time")
    clock["status"] = "advancing"
    clock["status_details"] = {"advancing": {"target_frozen_time": frozen_time}}
    emit(ctx.world, "test_helpers.test_clock.advancing", "test_clocks", clock, created=ctx.world.now())
    # Stripe advances asynchronously; here it is done when the call returns (status `ready`), so polling
    # clients see the end state at once.
    try:
        advance(ctx.world, id, frozen_time)
    finally:
        clock["status"] = "ready"
        clock["status_details"] = {}
    with automatic():
        emit(ctx.world, "test_helpers.test_clock.ready", "test_clocks", clock, created=ctx.world.now())
    return render(ctx.world, "test_clocks", clock, ctx.expand)
