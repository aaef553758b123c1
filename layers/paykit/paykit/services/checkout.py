"""End-user checkout (E12) and sync-on-return: one Stripe customer per (project, mode, user), sessions, recording."""
from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from paykit.auth import Principal
from paykit.cache import TtlCache
from paykit.errors import BadRequest, Conflict, InvalidInput, NotFound, ServiceUnavailable
from paykit.models.checkout import CheckoutOut, CheckoutRequest, CheckoutSessionStatusOut
from paykit.models.entitlements import billing_settings_of
from paykit.models.subscriptions import PaymentOut, SubscriptionOut
from paykit import names
from paykit.processor import EventProcessor, default_processor
from paykit.processor.projections.entitlements import ALLOW_EXISTING
from paykit.scope import Scope, check_redirect_url, scope_of
from paykit.services.subscriptions import SUBSCRIBED, customer_of, user_subscriptions
from paykit.store import keys
from paykit.store.errors import ConditionFailed, TransactionConflict
from paykit.store.table import Table, default_table
from paykit.stripe_gateway import StripeGateway, default_gateway




def ensure_customer(scope: Scope, table: Table, gateway: StripeGateway) -> str:
    """Decision 13: the user's customer, created at most once even when first checkouts race.

    Racers send the same idempotency key, so Stripe creates one customer and replays it to the others; the mapping
    is then put with `attribute_not_exists`, and a loser reads the winner's mapping.
    """
    existing = customer_of(table, scope)
    if existing:
        return existing
    try:  # the store resends a conflicted mapping transaction itself; a racer's won mapping is then a condition
        return _create_customer(scope, table, gateway)
    except TransactionConflict as exc:
        raise ServiceUnavailable("The customer is being created by another request; retry") from exc


def _create_customer(scope: Scope, table: Table, gateway: StripeGateway) -> str:
    existing = customer_of(table, scope, consistent=True)
    if existing:
        return existing
    raw = f"{scope.project_id}\x1f{scope.mode}\x1f{scope.user_id}"
    key = f"paykit-customer-{hashlib.sha256(raw.encode()).hexdigest()}"
    customer = gateway.call(scope.project_id, scope.mode, lambda c: c.v1.customers.create(
        {"metadata": {"user_id": scope.user_id, "project_id": scope.project_id}}, {"idempotency_key": key}))
    mapping = {"customer_id": customer.id, "user_id": scope.user_id}
    try:
        table.transact([
            {"Put": {"Item": {**keys.customer_of_user(scope.project_id, scope.mode, scope.user_id),
                              "type": "customer_of_user", **mapping},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Put": {"Item": {**keys.user_of_customer(scope.project_id, scope.mode, customer.id),
                              "type": "user_of_customer", **mapping}}},
        ])
    except ConditionFailed as exc:
        if not exc.failed_at(0):
            raise
        winner = table.get(keys.customer_of_user(scope.project_id, scope.mode, scope.user_id), consistent=True)
        return winner["customer_id"]
    return customer.id


def create_checkout_session(caller: Principal, test_mode: bool, body: CheckoutRequest, client_key: str | None = None,
                            table: Table | None = None, gateway: StripeGateway | None = None) -> CheckoutOut:
    """The price is read (and checked) before anything is created: a refused request leaves no customer in Stripe
    and no mapping here (issue 11, item 8); its trial days and name come from that read (items 2 and 3)."""
    table, gateway = table or default_table(), gateway or default_gateway()
    scope = scope_of(caller, test_mode, table)
    success_url = check_redirect_url(scope, "success_url", body.success_url)
    cancel_url = check_redirect_url(scope, "cancel_url", body.cancel_url)
    # Decision 14, for subscription checkouts: a one-time purchase is not a second subscription.
    if body.mode == "subscription" and not body.allow_existing_subscription and any(
            s.get("status") in SUBSCRIBED for s in user_subscriptions(table, scope)):
        raise BadRequest("User already has an active subscription")
    price = checked_price(gateway, scope, body.price_id, body.mode)
    offer = checkout_offer(gateway, scope, body)
    customer_id = ensure_customer(scope, table, gateway)
    ours = {"user_id": scope.user_id, "project_id": scope.project_id}  # decision 12
    params: dict[str, Any] = {
        "mode": body.mode,
        "customer": customer_id,
        # A metered price takes no quantity: its usage is billed (issue 14).
        "line_items": [{"price": price["id"], **({} if _metered(price) else {"quantity": body.quantity})}],
        **offer,
        # `{CHECKOUT_SESSION_ID}` stays as sent: Stripe fills it in on the redirect.
        "success_url": success_url,
        "cancel_url": cancel_url,
        "client_reference_id": scope.user_id,
        "metadata": {**(body.metadata or {}), **ours},
    }
    if body.mode == "subscription":
        # The processor catches a second subscription that arrives anyway, unless the caller allowed one (item 10).
        allowed = {ALLOW_EXISTING: "true"} if body.allow_existing_subscription else {}
        params["subscription_data"] = {"metadata": {**ours, **allowed}}
        # API 2026-10-28 has no `trial_from_plan` on Checkout: the price's own trial is passed on (E12).
        trial_days = body.trial_period_days or (price.get("recurring") or {}).get("trial_period_days")
        if trial_days:
            params["subscription_data"]["trial_period_days"] = int(trial_days)
    else:
        params["payment_intent_data"] = {"metadata": ours}
        label = names.price_label(price, quantity=body.quantity)
        if label:  # shown on the receipt and in Stripe's dashboard; the payment record takes it from there
            params["payment_intent_data"]["description"] = label
    key = scope.idempotency_key("checkout", client_key)
    if body.mode != "subscription":  # one-time purchases are not limited
        session = gateway.call(scope.project_id, scope.mode, lambda c: _create_session(c, params, _options(key)))
        return CheckoutOut(session_id=session.id, checkout_url=session.url)
    return one_open_checkout(scope, table, gateway, customer_id, params, key)


def _options(key: str | None) -> dict[str, Any]:
    return {"idempotency_key": key} if key else {}


# An open session is reused only while it has this long left (Stripe's sessions last 24 h): a page about to expire
# is not handed out again.
REUSE_SECONDS = 30 * 60
CLAIM_SECONDS = 15  # how long a checkout being made holds the user's slot (the API functions time out at 10 s)
WAIT_SECONDS = 5.0  # how long a second request waits for the first one's session before it answers 409
ROUNDS = 3


def one_open_checkout(scope: Scope, table: Table, gateway: StripeGateway, customer_id: str, params: dict[str, Any],
                      key: str | None) -> CheckoutOut:
    """Issue 18, item 10: one open subscription checkout per user and mode. The user's slot item names the session
    handed out last and the hash of the request that made it. The same request again (a double click, a second tab,
    with or without a key) gets that session back while it is open; another request claims the slot, creates its
    session, expires the user's other open subscription sessions and notes its own. A request that finds the slot
    claimed waits for the claimer's session (the same request gets it) or answers 409."""
    slot_key = keys.open_checkout(scope.project_id, scope.mode, scope.user_id)
    made_from = hashlib.sha256(json.dumps(params, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    deadline = time.monotonic() + WAIT_SECONDS
    for _ in range(ROUNDS):
        slot = table.get(slot_key, consistent=True)
        while slot and slot.get("state") == "creating" and float(slot.get("claimed_until") or 0) > time.time():
            if time.monotonic() > deadline:
                raise Conflict("A checkout for this user is being created; retry")
            time.sleep(0.2)
            slot = table.get(slot_key, consistent=True)
        if slot and slot.get("state") == "ready" and slot.get("made_from") == made_from:
            found = gateway.call(scope.project_id, scope.mode,
                                 lambda c: c.v1.checkout.sessions.retrieve(slot["session_id"]))
            if found.status == "open" and int(found.expires_at or 0) > time.time() + REUSE_SECONDS:
                return CheckoutOut(session_id=found.id, checkout_url=found.url)
        version = int((slot or {}).get("version") or 0)
        try:
            table.put({**slot_key, "type": "open_checkout", "state": "creating", "made_from": made_from,
                       "claimed_until": int(time.time()) + CLAIM_SECONDS, "version": version + 1,
                       "expires_at": int(time.time()) + 86400},
                      ConditionExpression="attribute_not_exists(pk) OR version = :v",
                      ExpressionAttributeValues={":v": version})
        except ConditionFailed:
            continue  # another request claimed it first: wait for its session
        try:
            return _create_alone(scope, table, gateway, customer_id, params, key, slot_key, made_from, version + 1)
        except Exception:
            _release(table, slot_key, version + 1)
            raise
    raise Conflict("A checkout for this user is being created; retry")


def _create_alone(scope: Scope, table: Table, gateway: StripeGateway, customer_id: str, params: dict[str, Any],
                  key: str | None, slot_key: dict[str, str], made_from: str, version: int) -> CheckoutOut:
    """With the user's slot claimed: the session (Stripe replays it to a retried key, the one a hung or dead attempt
    made), then the user's other open subscription sessions expired, then the slot notes the session. A function
    that dies before the expiry leaves the others open: the next checkout of the user expires them, and the
    processor expires the rest when one completes."""
    session = gateway.call(scope.project_id, scope.mode, lambda c: _create_session(c, params, _options(key)))
    gateway.call(scope.project_id, scope.mode, lambda c: expire_open_sessions(c, customer_id, keep=session.id))
    table.put({**slot_key, "type": "open_checkout", "state": "ready", "session_id": session.id,
               "made_from": made_from, "version": version + 1,
               "expires_at": int(session.expires_at or time.time() + 86400)},
              ConditionExpression="version = :v", ExpressionAttributeValues={":v": version})
    return CheckoutOut(session_id=session.id, checkout_url=session.url)


def _release(table: Table, slot_key: dict[str, str], version: int) -> None:
    """A failed attempt gives the slot back at once (its retry need not wait for the claim to lapse)."""
    try:
        table.update(slot_key, UpdateExpression="SET #s = :released, version = :next",
                     ConditionExpression="version = :v", ExpressionAttributeNames={"#s": "state"},
                     ExpressionAttributeValues={":released": "released", ":v": version, ":next": version + 1})
    except Exception:  # noqa: BLE001 - the claim lapses by itself after CLAIM_SECONDS
        pass


def send_expire_open_checkouts(item: dict[str, Any], gateway: StripeGateway) -> None:
    """The outbox sender of a completed subscription checkout: the customer's other open subscription sessions
    expire (idempotent: an expired or completed session is left as it is)."""
    payload = item["payload"]
    gateway.call(item["project_id"], item["mode"],
                 lambda c: expire_open_sessions(c, payload["customer_id"], keep=payload["keep"]))


def expire_open_sessions(client: Any, customer_id: str, keep: str | None = None) -> list[str]:
    """Expires the customer's open subscription Checkout sessions but `keep`; a session completed or expired
    meanwhile is left as it is (Stripe refuses to expire it). Returns the ids expired."""
    import stripe

    expired = []
    for found in client.v1.checkout.sessions.list({"customer": customer_id, "status": "open", "limit": 100}).data:
        if found.mode != "subscription" or found.id == keep:
            continue
        try:
            client.v1.checkout.sessions.expire(found.id)
            expired.append(found.id)
        except stripe.InvalidRequestError:
            pass
    return expired


def _metered(price: dict[str, Any]) -> bool:
    return (price.get("recurring") or {}).get("usage_type") == "metered"


def checkout_offer(gateway: StripeGateway, scope: Scope, body: CheckoutRequest) -> dict[str, Any]:
    """E12's promotion options, each refused (422) unless the project's billing settings allow it; a promotion
    code is looked up (active, by its customer-facing code) before anything is created."""
    settings = billing_settings_of(scope.config)
    if (body.allow_promotion_codes or body.promotion_code) and not settings["allow_promotion_codes"]:
        field = "promotion_code" if body.promotion_code else "allow_promotion_codes"
        raise InvalidInput(("body", field), "This project does not allow promotion codes", "not_allowed")
    if body.trial_period_days:
        if body.mode != "subscription":
            raise InvalidInput(("body", "trial_period_days"), "Trials are for subscriptions", "value_error")
        if body.trial_period_days > settings["max_trial_period_days"]:
            raise InvalidInput(("body", "trial_period_days"),
                               f"At most {settings['max_trial_period_days']} trial days in this project", "not_allowed")
    if body.promotion_code and body.allow_promotion_codes:
        raise InvalidInput(("body", "promotion_code"), "Give a promotion code or allow codes on the page, not both",
                           "value_error")
    if body.allow_promotion_codes:
        return {"allow_promotion_codes": True}
    if not body.promotion_code:
        return {}
    found = gateway.call(scope.project_id, scope.mode, lambda c: c.v1.promotion_codes.list(
        {"code": body.promotion_code, "active": True, "limit": 1})).data
    if not found:
        raise InvalidInput(("body", "promotion_code"), "Unknown or inactive promotion code", "promotion_code_invalid")
    return {"discounts": [{"promotion_code": found[0].id}]}


# Prices are immutable but for `active`, nickname and metadata: a warm container reads each at most every 5 minutes
# (an archived price still cached is refused by Checkout itself, after the customer exists).
PRICE_SECONDS = 300.0
_prices: TtlCache[dict[str, Any]] = TtlCache(PRICE_SECONDS)


def checked_price(gateway: StripeGateway, scope: Scope, price_id: str, mode: str) -> dict[str, Any]:
    """The price with its product, refused with a 422 as Stripe's Checkout would refuse it, before any write."""
    price = _prices.get((scope.project_id, scope.mode, price_id))
    if price is None:
        price = _read_price(gateway, scope, price_id)
        _prices.put((scope.project_id, scope.mode, price_id), price)
    product = price.get("product")
    if not price.get("active", True) or (isinstance(product, dict) and product.get("active") is False):
        raise InvalidInput(("body", "price_id"), "The price is not active", "price_invalid")
    # Where Stripe's Checkout puts the blame: the line item in subscription mode, the mode in payment mode.
    if mode == "subscription" and not price.get("recurring"):
        raise InvalidInput(("body", "price_id"), "A subscription checkout needs a recurring price", "price_invalid")
    if mode == "payment" and price.get("recurring"):
        raise InvalidInput(("body", "mode"), "A recurring price needs mode=subscription", "value_error")
    return price


def _read_price(gateway: StripeGateway, scope: Scope, price_id: str) -> dict[str, Any]:
    import stripe

    def read(c: Any) -> dict[str, Any]:
        try:
            return c.v1.prices.retrieve(price_id, {"expand": ["product"]}).to_dict()
        except stripe.InvalidRequestError as exc:
            if exc.code == "resource_missing" or exc.http_status == 404:
                raise InvalidInput(("body", "price_id"), f"No such price: '{price_id}'", "price_invalid") from exc
            raise

    return gateway.call(scope.project_id, scope.mode, read)


def _create_session(client: Any, params: dict[str, Any], options: dict[str, Any]) -> Any:
    """Stripe validates the price (no extra call): its refusal of the line item is a 422 on `price_id`."""
    import stripe

    try:
        return client.v1.checkout.sessions.create(params, options)
    except stripe.InvalidRequestError as exc:
        if (exc.param or "").startswith("line_items") or exc.code == "resource_missing":
            raise InvalidInput(("body", "price_id"), exc.user_message or "Invalid price_id", "price_invalid") from exc
        if (exc.param or "") == "mode":
            raise InvalidInput(("body", "mode"), exc.user_message or "Invalid mode for this price") from exc
        raise


def sync_checkout_session(caller: Principal, test_mode: bool, session_id: str, table: Table | None = None,
                          gateway: StripeGateway | None = None,
                          processor: EventProcessor | None = None) -> CheckoutSessionStatusOut:
    """The success page's read: a completed session's subscription or payment is recorded at once (decision 17's
    path), so the user is subscribed before the webhook arrives; the webhook then changes nothing."""
    import stripe

    table, gateway, processor = table or default_table(), gateway or default_gateway(), processor or default_processor()
    scope = scope_of(caller, test_mode, table)

    def read(c: Any) -> Any:
        try:
            return c.v1.checkout.sessions.retrieve(session_id, {"expand": ["subscription", "payment_intent"]})
        except stripe.InvalidRequestError as exc:
            if exc.code == "resource_missing":
                raise NotFound("Checkout session not found") from exc
            raise

    session = gateway.call(scope.project_id, scope.mode, read).to_dict()
    metadata = session.get("metadata") or {}
    # Another user's (or project's) session is not found, never shown: same answer as a missing one.
    if metadata.get("project_id") != scope.project_id or metadata.get("user_id") != scope.user_id:
        raise NotFound("Checkout session not found")
    out = CheckoutSessionStatusOut(session_id=session["id"], mode=session.get("mode") or "",
                                   status=session.get("status"), payment_status=session.get("payment_status"))
    if session.get("status") != "complete":
        return out
    processor.apply_stripe_object(scope.project_id, scope.mode, "checkout_session", session)
    sub, pi = session.get("subscription"), session.get("payment_intent")
    if isinstance(sub, dict):
        item = table.get(keys.subscription(scope.project_id, scope.mode, sub["id"]), consistent=True)
        if item and item.get("status"):
            out.subscription = SubscriptionOut.model_validate(item)
    elif pi:
        item = table.get(keys.payment(scope.project_id, scope.mode, pi if isinstance(pi, str) else pi["id"]),
                         consistent=True)
        if item and item.get("status"):
            out.payment = PaymentOut.model_validate(item)
    return out
