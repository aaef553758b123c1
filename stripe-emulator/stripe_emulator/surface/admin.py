"""`/_emulator/` routes for tests and local use: accounts and keys, reset, time, test payments, deliveries, faults."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request

from ..engine import errors
from ..engine.delivery import DeliveryPolicy
from ..engine.events import automatic
from ..engine.render import render
from ..engine.routes import ADMIN_ROUTES, AdminApp, admin
from ..engine.store import API_VERSION, apply_settings
from ..resources import checkout_payment, discounts, payments, portal, three_d_secure
from ..resources.billing import clock

DEFAULT_WAIT = 10.0
MAX_WAIT = 120.0
# The pay shortcut's buyer when the session names none (Checkout's hosted form would ask for one).
TEST_EMAIL = "test-buyer@example.com"


def _owned(app: AdminApp, object_id: str, collection: str) -> tuple[Any, dict]:
    world = app.state.world_of(object_id)
    obj = world.find(collection, object_id) if world else None
    if world is None or obj is None:
        raise errors.missing(collection.rstrip("s").replace("_", " "), object_id)
    return world, obj


def _timeout(body: dict) -> float:
    try:
        return min(float(body.get("timeout", DEFAULT_WAIT)), MAX_WAIT)
    except (TypeError, ValueError):
        raise errors.invalid("timeout must be a number of seconds", param="timeout") from None


@admin("GET", "")
@admin("GET", "/health")
def health(app: AdminApp, request: Request, body: dict) -> tuple[int, Any]:
    return 200, {"ok": True, "api_version": API_VERSION, "url": app.state.base_url,
                 "routes": sorted({f"{m} {p}" for m, p, _ in ADMIN_ROUTES})}


@admin("POST", "/reset")
def reset(app: AdminApp, request: Request, body: dict) -> tuple[int, Any]:
    app.reset()
    return 200, {"reset": True}


@admin("POST", "/accounts")
def create_account(app: AdminApp, request: Request, body: dict) -> tuple[int, Any]:
    account, keys = app.state.create_account(body.get("name"), **{k: v for k, v in body.items() if k != "name"})
    return 200, {**keys, "name": account.name, "settings": account.settings()}


@admin("GET", "/accounts")
def list_accounts(app: AdminApp, request: Request, body: dict) -> tuple[int, Any]:
    with app.state.lock:
        data = [{"id": a.id, "name": a.name, "settings": a.settings()} for a in app.state.accounts.values()]
    return 200, {"object": "list", "data": data}


@admin("POST", "/accounts/<account_id>")
def update_account(app: AdminApp, request: Request, body: dict, account_id: str) -> tuple[int, Any]:
    with app.state.lock:
        account = app.state.accounts.get(account_id)
        if account is None:
            raise errors.missing("account", account_id)
        apply_settings(account, body)
        return 200, {"id": account.id, "name": account.name, "settings": account.settings()}


@admin("POST", "/keys")
def create_key(app: AdminApp, request: Request, body: dict) -> tuple[int, Any]:
    """A further key: `{"account", "mode": "test"|"live", "type": "secret"|"restricted"|"publishable",
    "permissions": {"customers": "write", "*": "read"}}` (restricted keys default to read-only)."""
    with app.state.lock:
        account = app.state.accounts.get(str(body.get("account")))
        if account is None:
            raise errors.missing("account", str(body.get("account")), param="account")
        kind = body.get("type", "secret")
        if kind not in ("secret", "restricted", "publishable"):
            raise errors.invalid("type must be secret, restricted or publishable", param="type")
        mode = body.get("mode", "test")
        if mode not in ("test", "live"):
            raise errors.invalid("mode must be test or live", param="mode")
        permissions = body.get("permissions")
        if permissions is not None and (not isinstance(permissions, dict)
                                        or set(permissions.values()) - {"read", "write", "none"}):
            raise errors.invalid("permissions maps resources to read, write or none", param="permissions")
        key = app.state.add_key(account, mode == "live", kind, permissions=permissions)
        return 200, key.public()


@admin("POST", "/keys/revoke")
def revoke_key(app: AdminApp, request: Request, body: dict) -> tuple[int, Any]:
    with app.state.lock:
        key = app.state.keys.get(str(body.get("key", "")))
        if key is None:
            raise errors.invalid("No such API key", param="key")
        key.revoked = True
        return 200, {"revoked": True, "account": key.account_id, "livemode": key.livemode, "type": key.kind}


@admin("POST", "/advance")
def advance(app: AdminApp, request: Request, body: dict) -> tuple[int, Any]:
    """Moves an account's own clock (objects on no test clock) forward; `{"seconds": n}` with the account's key
    as Bearer, or `{"account": "acct_...", "mode": "test"}`."""
    try:
        seconds = int(body.get("seconds", 0))
    except (TypeError, ValueError):
        raise errors.invalid("seconds must be an integer", param="seconds") from None
    if seconds <= 0:
        raise errors.invalid("seconds must be positive", param="seconds")
    with app.state.lock:
        world = app.world_for_admin(request, body)
        steps = clock.advance(world, None, world.now() + seconds)
        return 200, {"account": world.account.id, "livemode": world.livemode, "now": world.now(), "steps": steps}


@admin("POST", "/checkout/<session_id>/pay")
def pay_checkout(app: AdminApp, request: Request, body: dict, session_id: str) -> tuple[int, Any]:
    with app.state.lock:
        world, session = _owned(app, session_id, "checkout_sessions")
        email = body.get("email") or (None if session["customer"] or session["customer_email"] else TEST_EMAIL)
        if body.get("promotion_code"):
            discounts.enter_code(world, session, str(body["promotion_code"]))
        result = checkout_payment.pay(world, session, str(body.get("card", "")), email, body.get("name"))
        out = {"status": result.status, "redirect_url": result.redirect_url, "payment_intent": result.payment_intent,
               "session": render(world, "checkout_sessions", session)}
        if result.message:
            out["error"] = {"message": result.message}
        return (402 if result.status == payments.DECLINED else 200), out


@admin("POST", "/payment_intents/<intent_id>/authenticate")
@admin("POST", "/setup_intents/<intent_id>/authenticate")
def authenticate(app: AdminApp, request: Request, body: dict, intent_id: str) -> tuple[int, Any]:
    """Completes or fails the 3-D Secure challenge of a payment or setup intent: `{"outcome": "complete" | "fail"}`
    -> `{"status", "payment_intent" | "setup_intent"}`."""
    collection = request.path.split("/")[2]  # the route's own collection
    outcome = body.get("outcome", "complete")
    if outcome not in ("complete", "fail"):
        raise errors.invalid("outcome must be complete or fail", param="outcome")
    with app.state.lock:
        world, intent = _owned(app, intent_id, collection)
        with automatic():
            status = three_d_secure.authenticate(world, collection, intent, outcome == "complete")
        return 200, {"status": status, collection.removesuffix("s"): render(world, collection, intent)}


@admin("POST", "/customers/<customer_id>/card")
def replace_card(app: AdminApp, request: Request, body: dict, customer_id: str) -> tuple[int, Any]:
    """`{"card": "4000000000000341", "pay_open_invoices": false}`: the customer's card from now on."""
    with app.state.lock:
        world, customer = _owned(app, customer_id, "customers")
        with automatic():
            pm = portal.replace_card(world, customer, str(body.get("card", "")),
                                     pay_open_invoices=_truthy(body.get("pay_open_invoices", False)))
        return 200, {"payment_method": render(world, "payment_methods", pm),
                     "customer": render(world, "customers", customer)}


@admin("POST", "/portal/<session_id>/<action>")
def portal_action(app: AdminApp, request: Request, body: dict, session_id: str, action: str) -> tuple[int, Any]:
    """What a customer does in the portal page: cancel | renew | switch | update_card."""
    with app.state.lock:
        world, session = _owned(app, session_id, "portal_sessions")
        obj = portal.portal_action(world, session, action, body)
        return 200, {"object": obj, "return_url": session["return_url"]}


@admin("GET", "/deliveries")
def list_deliveries(app: AdminApp, request: Request, body: dict) -> tuple[int, Any]:
    args = request.args
    data = app.dispatcher.list(args.get("event"), args.get("endpoint"), args.get("status"))
    return 200, {"object": "list", "data": data}


@admin("GET", "/deliveries/<delivery_id>")
def get_delivery(app: AdminApp, request: Request, body: dict, delivery_id: str) -> tuple[int, Any]:
    delivery = app.dispatcher.get(delivery_id)
    if delivery is None:
        raise errors.missing("delivery", delivery_id)
    return 200, delivery


@admin("POST", "/deliveries/<delivery_id>/resend")
def resend_delivery(app: AdminApp, request: Request, body: dict, delivery_id: str) -> tuple[int, Any]:
    delivery = app.dispatcher.resend(delivery_id)
    if delivery is None:
        raise errors.missing("delivery", delivery_id)
    return 200, delivery


@admin("POST", "/deliveries/wait")
def wait_deliveries(app: AdminApp, request: Request, body: dict) -> tuple[int, Any]:
    """Returns once nothing is queued or in flight (retries waiting for their backoff included)."""
    idle = app.dispatcher.wait_idle(_timeout(body))
    return 200, {"idle": idle, "pending": len(app.dispatcher.list(status="pending"))}


@admin("POST", "/deliveries/flush")
def flush_deliveries(app: AdminApp, request: Request, body: dict) -> tuple[int, Any]:
    """Like wait, but scheduled retries are attempted now instead of after their backoff."""
    idle = app.dispatcher.flush(_timeout(body))
    return 200, {"idle": idle, "pending": len(app.dispatcher.list(status="pending"))}


@admin("POST", "/faults")
def add_fault(app: AdminApp, request: Request, body: dict) -> tuple[int, Any]:
    return 200, app.faults.add(body).public()


@admin("GET", "/faults")
def list_faults(app: AdminApp, request: Request, body: dict) -> tuple[int, Any]:
    return 200, {"object": "list", "data": app.faults.list()}


@admin("DELETE", "/faults")
def clear_faults(app: AdminApp, request: Request, body: dict) -> tuple[int, Any]:
    return 200, {"cleared": app.faults.clear()}


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1", "yes")


# --- webhook delivery policies ---------------------------------------------------------------------------------


def _set_policy(app: AdminApp, owner_id: str, body: dict) -> None:
    if body:
        app.dispatcher.set_policy(owner_id, None if body.get("reset") else DeliveryPolicy.parse(body))


@admin("GET", "/accounts/<account_id>/delivery")
@admin("POST", "/accounts/<account_id>/delivery")
def account_delivery(app: AdminApp, request: Request, body: dict, account_id: str) -> tuple[int, Any]:
    """`{"concurrency"?, "shuffle"?, "duplicates"?, "window"?, "seed"?}` for every endpoint of the account (both
    modes); `{"reset": true}` goes back to orderly delivery."""
    with app.state.lock:
        if account_id not in app.state.accounts:
            raise errors.missing("account", account_id)
    _set_policy(app, account_id, body)
    return 200, {"owner": account_id, **app.dispatcher.policy(account_id, account_id).public()}


@admin("GET", "/webhook_endpoints/<endpoint_id>/delivery")
@admin("POST", "/webhook_endpoints/<endpoint_id>/delivery")
def endpoint_delivery(app: AdminApp, request: Request, body: dict, endpoint_id: str) -> tuple[int, Any]:
    """The same for one endpoint; it overrides its account's policy (`{"reset": true}`: the account's again)."""
    with app.state.lock:
        world = app.state.world_of(endpoint_id)
        endpoint = world.find("webhook_endpoints", endpoint_id) if world else None
        if endpoint is None:
            raise errors.missing("webhook_endpoint", endpoint_id)
        account_id = world.account.id
    _set_policy(app, endpoint_id, body)
    return 200, {"owner": endpoint_id, **app.dispatcher.policy(endpoint_id, account_id).public()}
