"""paykit-client (sdk/python) against the local stack: the README's walkthrough sync and async, a retried usage call
counted once, the error paths (401, 403, 422, 402), and verify_event against standardwebhooks' own signatures."""
from __future__ import annotations

import asyncio
import base64
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, TypeVar

import httpx
import pytest
import requests
from standardwebhooks import Webhook

from paykit_client import AsyncPayKit, PayKit, PayKitError, WebhookVerificationError, verify_event
from tests.e2e.sdk.conftest import BillingShop

T = TypeVar("T")
SUCCESS = "http://localhost:3000/billing/success?session_id={CHECKOUT_SESSION_ID}"
CANCEL = "http://localhost:3000/billing"
DECLINE_ON_CHARGE = "4000000000000341"  # attaches, then every charge is declined


def user_token(shop: BillingShop, prefix: str) -> str:
    return shop.stack.token("end_user", f"{prefix}-{uuid.uuid4()}", shop.project_id)


def emulator(shop: BillingShop, path: str, **body: Any) -> dict[str, Any]:
    reply = requests.post(f"{shop.stack.emulator_url}/_emulator{path}", json=body, timeout=40)
    assert reply.ok, reply.text
    return reply.json()


def eventually(read: Callable[[], T], done: Callable[[T], bool], seconds: float = 30) -> T:
    """Webhooks reach PayKit through a queue: ask again until `done` holds."""
    deadline = time.monotonic() + seconds
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.3)
        value = read()
    return value


def subscribe(shop: BillingShop, paykit: PayKit) -> Any:
    session = paykit.checkout(shop.prices["pro"], SUCCESS, CANCEL)
    emulator(shop, f"/checkout/{session.session_id}/pay", card="4242424242424242")
    return paykit.checkout_status(session.session_id)


def test_the_walkthrough_through_the_sync_client(billing_shop: BillingShop):
    shop = billing_shop
    with PayKit(shop.stack.url, user_token(shop, "py-walk")) as paykit:
        assert paykit.my_subscription() is None
        back = subscribe(shop, paykit)
        assert (back.status, back.subscription.status) == ("complete", "active")
        assert paykit.my_subscription().subscription_id == back.subscription.subscription_id

        emulator(shop, "/deliveries/wait", timeout=30)
        payments = eventually(paykit.my_payments, lambda page: page.total > 0)
        assert (payments.payments[0].amount_cents, payments.payments[0].currency) == (1900, "usd")

        granted = eventually(lambda: paykit.check("exports"), lambda check: check.allowed)
        assert (granted.allowed, granted.limit, granted.used, granted.remaining) == (True, 100, 0, 100)
        used = paykit.track_usage("exports", 3)
        assert (used.used, used.remaining, used.duplicate) == (3, 97, False)
        assert paykit.check("exports").remaining == 97
        assert "exports" in [f.feature for f in paykit.my_entitlements().features]

        preview = paykit.preview_change(shop.prices["team"], "always_invoice")
        assert preview.currency == "usd" and preview.amount_due_now > 0
        assert paykit.change_plan(shop.prices["team"], "always_invoice").price_id == shop.prices["team"]
        cancelled = paykit.cancel()
        assert cancelled.status == "active" and cancelled.cancel_at
        assert paykit.resume().cancel_at is None
        assert requests.get(paykit.portal(CANCEL), timeout=10).status_code == 200


def test_the_async_client_gives_the_same_answers(billing_shop: BillingShop):
    shop = billing_shop
    token = user_token(shop, "py-async")
    with PayKit(shop.stack.url, token) as sync_paykit:
        subscribe(shop, sync_paykit)
        eventually(lambda: sync_paykit.check("exports"), lambda check: check.allowed)

    async def walk() -> tuple[Any, ...]:
        async with AsyncPayKit(shop.stack.url, get_token=lambda: token) as paykit:
            mine, check, usage = await asyncio.gather(paykit.my_subscription(), paykit.check("exports"),
                                                      paykit.track_usage("exports", 2))
            return mine, check, usage, await paykit.check("exports"), await paykit.portal(CANCEL)

    mine, check, usage, after, portal = asyncio.run(walk())
    assert mine.status == "active" and check.allowed
    assert usage.used == 2 and after.used == 2
    assert portal.startswith("http")


def test_a_usage_call_whose_answer_is_lost_is_sent_again_with_its_key_and_counts_once(billing_shop: BillingShop):
    shop = billing_shop
    token = user_token(shop, "py-retry")
    sent: list[str] = []

    class LosesFirstAnswer(httpx.HTTPTransport):
        """The server counts the first usage call; its answer never comes back."""

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = super().handle_request(request)
            if request.url.path.endswith("/usage"):
                sent.append(request.headers.get("Idempotency-Key", ""))
                if len(sent) == 1:
                    response.read()
                    raise httpx.ReadError("connection reset", request=request)
            return response

    with PayKit(shop.stack.url, token) as owner:
        subscribe(shop, owner)
        eventually(lambda: owner.check("exports"), lambda check: check.allowed)
    with PayKit(shop.stack.url, token, retry_delay=0.01,
                httpx_args={"transport": LosesFirstAnswer()}) as paykit:
        usage = paykit.track_usage("exports", 5)
        assert len(sent) == 2 and sent[0] == sent[1] and sent[0]
        assert (usage.used, usage.duplicate) == (5, True)
        assert paykit.check("exports").used == 5
        assert paykit.track_usage("exports").used == 6  # a new call is a new key


def test_errors_are_one_paykit_error_with_status_and_detail(billing_shop: BillingShop):
    shop = billing_shop
    with PayKit(shop.stack.url, "not-a-jwt") as stranger, pytest.raises(PayKitError) as unauthorized:
        stranger.my_subscription()
    assert (unauthorized.value.status, unauthorized.value.detail) == (401, "Could not validate credentials")

    developer = shop.stack.token("developer", f"py-dev-{uuid.uuid4()}")
    with PayKit(shop.stack.url, developer) as wrong_role, pytest.raises(PayKitError) as forbidden:
        wrong_role.check("exports")
    assert forbidden.value.status == 403 and isinstance(forbidden.value.detail, str)

    with PayKit(shop.stack.url, user_token(shop, "py-422")) as paykit, pytest.raises(PayKitError) as invalid:
        paykit.track_usage("Not A Feature!", 0)
    assert invalid.value.status == 422 and isinstance(invalid.value.detail, list)
    assert {issue["loc"][-1] for issue in invalid.value.detail} >= {"feature", "quantity"}

    with PayKit(shop.stack.url, user_token(shop, "py-402")) as paykit:
        customer = subscribe(shop, paykit).subscription.customer_id
        emulator(shop, f"/customers/{customer}/card", card=DECLINE_ON_CHARGE)
        with pytest.raises(PayKitError) as declined:
            paykit.change_plan(shop.prices["team"], "always_invoice")
        assert declined.value.status == 402 and "declined" in declined.value.detail.lower()
        assert paykit.my_subscription().status == "active"


SECRET = "whsec_" + base64.b64encode(b"paykit-test-signing-secret-32byt").decode()
BODY = '{"type": "subscription.updated", "data": {"status": "active"}}'


def signed(body: str, at: datetime | None = None, msg_id: str = "msg_1") -> dict[str, str]:
    at = at or datetime.now(timezone.utc)
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(SECRET).sign(msg_id, at, body)}


def test_verify_event_takes_standard_webhooks_signatures():
    assert verify_event(BODY, signed(BODY), SECRET) == {"type": "subscription.updated", "data": {"status": "active"}}
    upper = {name.upper(): value for name, value in signed(BODY).items()}
    assert verify_event(BODY.encode(), upper, SECRET)["type"] == "subscription.updated"


def test_verify_event_refuses_a_changed_body_another_secret_a_stale_timestamp_and_missing_headers():
    headers = signed(BODY)
    other = "whsec_" + base64.b64encode(b"another-secret-of-thirty-two-b!!").decode()
    stale = signed(BODY, datetime.now(timezone.utc) - timedelta(minutes=10))
    for body, sent, secret in [(BODY.replace("active", "canceled"), headers, SECRET), (BODY, headers, other),
                               (BODY, stale, SECRET), (BODY, {"webhook-id": "msg_1"}, SECRET)]:
        with pytest.raises(WebhookVerificationError):
            verify_event(body, sent, secret)
