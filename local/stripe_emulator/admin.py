"""`/_emulator/` routes for tests and local use: accounts and keys, reset, time, test payments, deliveries, faults."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request

from . import billing, checkout, discounts, errors, payments, portal
from .params import decode_pairs
from .render import render
from .routes import automatic
from .store import API_VERSION, apply_settings

if TYPE_CHECKING:
    from .app import EmulatorApp

AdminHandler = Callable[..., tuple[int, Any]]
ADMIN_ROUTES: list[tuple[str, str, AdminHandler]] = []
DEFAULT_WAIT = 10.0
MAX_WAIT = 120.0
# The pay shortcut's buyer when the session names none (Checkout's hosted form would ask for one).
TEST_EMAIL = "test-buyer@example.com"


def admin(method: str, path: str) -> Callable[[AdminHandler], AdminHandler]:
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


def _owned(app: EmulatorApp, object_id: str, collection: str) -> tuple[Any, dict]:
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
def health(app: EmulatorApp, request: Request, body: dict) -> tuple[int, Any]:
    return 200, {"ok": True, "api_version": API_VERSION, "url": app.state.base_url,
                 "routes": sorted({f"{m} {p}" for m, p, _ in ADMIN_ROUTES})}


@admin("POST", "/reset")
def reset(app: EmulatorApp, request: Request, body: dict) -> tuple[int, Any]:
    app.reset()
    return 200, {"reset": True}


@admin("POST", "/accounts")
def create_account(app: EmulatorApp, request: Request, body: dict) -> tuple[int, Any]:
    account, keys = app.state.create_account(body.get("name"), **{k: v for k, v in body.items() if k != "name"})
    return 200, {**keys, "name": account.name, "settings": account.settings()}


@admin("GET", "/accounts")
def list_accounts(app: EmulatorApp, request: Request, body: dict) -> tuple[int, Any]:
    with app.state.lock:
        data = [{"id": a.id, "name": a.name, "settings": a.settings()} for a in app.state.accounts.values()]
    return 200, {"object": "list", "data": data}


@admin("POST", "/accounts/<account_id>")
def update_account(app: EmulatorApp, request: Request, body: dict, account_id: str) -> tuple[int, Any]:
    with app.state.lock:
        account = app.state.accounts.get(account_id)
        if account is None:
            raise errors.missing("account", account_id)
        apply_settings(account, body)
        return 200, {"id": account.id, "name": account.name, "settings": account.settings()}


@admin("POST", "/keys")
def create_key(app: EmulatorApp, request: Request, body: dict) -> tuple[int, Any]:
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
def revoke_key(app: EmulatorApp, request: Request, body: dict) -> tuple[int, Any]:
    with app.state.lock:
        key = app.state.keys.get(str(body.get("key", "")))
        if key is None:
            raise errors.invalid("No such API key", param="key")
        key.revoked = True
        return 200, {"revoked": True, "account": key.account_id, "livemode": key.livemode, "type": key.kind}


@admin("POST", "/advance")
def advance(app: EmulatorApp, request: Request, body: dict) -> tuple[int, Any]:
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
        steps = billing.advance(world, None, world.now() + seconds)
        return 200, {"account": world.account.id, "livemode": world.livemode, "now": world.now(), "steps": steps}


@admin("POST", "/checkout/<session_id>/pay")
def pay_checkout(app: EmulatorApp, request: Request, body: dict, session_id: str) -> tuple[int, Any]:
    with app.state.lock:
        world, session = _owned(app, session_id, "checkout_sessions")
        email = body.get("email") or (None if session["customer"] or session["customer_email"] else TEST_EMAIL)
        if body.get("promotion_code"):
            discounts.enter_code(world, session, str(body["promotion_code"]))
        result = checkout.pay(world, session, str(body.get("card", "")), email, body.get("name"))
        out = {"status": result.status, "redirect_url": result.redirect_url, "payment_intent": result.payment_intent,
               "session": render(world, "checkout_sessions", session)}
        if result.message:
            out["error"] = {"message": result.message}
        return (402 if result.status == payments.DECLINED else 200), out


@admin("POST", "/payment_intents/<pi_id>/authenticate")
def authenticate(app: EmulatorApp, request: Request, body: dict, pi_id: str) -> tuple[int, Any]:
    """Completes or fails the 3-D Secure challenge: `{"outcome": "complete" | "fail"}`."""
    outcome = body.get("outcome", "complete")
    if outcome not in ("complete", "fail"):
        raise errors.invalid("outcome must be complete or fail", param="outcome")
    with app.state.lock:
        world, pi = _owned(app, pi_id, "payment_intents")
        with automatic():
            status = payments.authenticate(world, pi, outcome == "complete")
        return 200, {"status": status, "payment_intent": render(world, "payment_intents", pi)}


@admin("POST", "/customers/<customer_id>/card")
def replace_card(app: EmulatorApp, request: Request, body: dict, customer_id: str) -> tuple[int, Any]:
    """`{"card": "4000000000000341", "pay_open_invoices": false}`: the customer's card from now on."""
    with app.state.lock:
        world, customer = _owned(app, customer_id, "customers")
        with automatic():
            pm = portal.replace_card(world, customer, str(body.get("card", "")),
                                     pay_open_invoices=_truthy(body.get("pay_open_invoices", False)))
        return 200, {"payment_method": render(world, "payment_methods", pm),
                     "customer": render(world, "customers", customer)}


@admin("POST", "/portal/<session_id>/<action>")
def portal_action(app: EmulatorApp, request: Request, body: dict, session_id: str, action: str) -> tuple[int, Any]:
    """What a customer does in the portal page: cancel | renew | switch | update_card."""
    with app.state.lock:
        world, session = _owned(app, session_id, "portal_sessions")
        obj = portal.portal_action(world, session, action, body)
        return 200, {"object": obj, "return_url": session["return_url"]}


@admin("GET", "/deliveries")
def list_deliveries(app: EmulatorApp, request: Request, body: dict) -> tuple[int, Any]:
    args = request.args
    data = app.dispatcher.list(args.get("event"), args.get("endpoint"), args.get("status"))
    return 200, {"object": "list", "data": data}


@admin("GET", "/deliveries/<delivery_id>")
def get_delivery(app: EmulatorApp, request: Request, body: dict, delivery_id: str) -> tuple[int, Any]:
    delivery = app.dispatcher.get(delivery_id)
    if delivery is None:
        raise errors.missing("delivery", delivery_id)
    return 200, delivery


@admin("POST", "/deliveries/<delivery_id>/resend")
def resend_delivery(app: EmulatorApp, request: Request, body: dict, delivery_id: str) -> tuple[int, Any]:
    delivery = app.dispatcher.resend(delivery_id)
    if delivery is None:
        raise errors.missing("delivery", delivery_id)
    return 200, delivery


@admin("POST", "/deliveries/wait")
def wait_deliveries(app: EmulatorApp, request: Request, body: dict) -> tuple[int, Any]:
    """Returns once nothing is queued or in flight (retries waiting for their backoff included)."""
    idle = app.dispatcher.wait_idle(_timeout(body))
    return 200, {"idle": idle, "pending": len(app.dispatcher.list(status="pending"))}


@admin("POST", "/deliveries/flush")
def flush_deliveries(app: EmulatorApp, request: Request, body: dict) -> tuple[int, Any]:
    """Like wait, but scheduled retries are attempted now instead of after their backoff."""
    idle = app.dispatcher.flush(_timeout(body))
    return 200, {"idle": idle, "pending": len(app.dispatcher.list(status="pending"))}


@admin("POST", "/faults")
def add_fault(app: EmulatorApp, request: Request, body: dict) -> tuple[int, Any]:
    return 200, app.faults.add(body).public()


@admin("GET", "/faults")
def list_faults(app: EmulatorApp, request: Request, body: dict) -> tuple[int, Any]:
    return 200, {"object": "list", "data": app.faults.list()}


@admin("DELETE", "/faults")
def clear_faults(app: EmulatorApp, request: Request, body: dict) -> tuple[int, Any]:
    return 200, {"cleared": app.faults.clear()}


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1", "yes")
