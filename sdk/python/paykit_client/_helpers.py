"""Named helpers for the end user's billing flows over the generated client, sync (PayKit) and async (AsyncPayKit)."""
from __future__ import annotations

import json
import time
import uuid
from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Generic, TypeVar

import httpx
from standardwebhooks import Webhook

from .generated.api.checkout import (
    create_checkout_session_api_v1_payments_stripe_checkout_session_post as create_checkout,
    get_checkout_session_api_v1_payments_stripe_checkout_session_session_id_get as get_checkout,
)
from .generated.api.my_subscription import (
    cancel_subscription_api_v1_payments_stripe_cancel_subscription_post as cancel_subscription,
    check_api_v1_payments_stripe_check_get as check_feature,
    customer_portal_api_v1_payments_stripe_customer_portal_post as customer_portal,
    my_entitlements_api_v1_payments_stripe_my_entitlements_get as my_entitlements,
    my_payments_api_v1_payments_stripe_my_payments_get as my_payments,
    my_subscription_api_v1_payments_stripe_my_subscription_get as my_subscription,
    preview_subscription_update_api_v1_payments_stripe_preview_subscription_update_post as preview_update,
    resume_subscription_api_v1_payments_stripe_resume_subscription_post as resume_subscription,
    update_subscription_api_v1_payments_stripe_update_subscription_post as update_subscription,
    usage_api_v1_payments_stripe_usage_post as usage,
)
from .generated.client import AuthenticatedClient
from .generated.models import (
    CancelOut, CancelRequest, CheckOut, CheckoutOut, CheckoutRequest, CheckoutRequestMetadataType0,
    CheckoutRequestMode, CheckoutSessionStatusOut, EntitlementsOut, PaymentList, PortalRequest, PreviewOut,
    SubscriptionOut, UpdateOut, UpdateRequest, UpdateRequestProrationBehavior, UsageOut, UsageRequest,
)
from .generated.types import UNSET, Response

T = TypeVar("T")
TokenSource = Callable[[], str]
RETRYABLE = (502, 503)  # PayKit's "retry later" (upstream trouble), and a gateway's


class PayKitError(Exception):
    """Every error PayKit answers: its status and the envelope's `detail` (a string, or 422's list of issues)."""

    def __init__(self, status: int, detail: Any, retry_after: float | None = None) -> None:
        self.status = status
        self.detail = detail
        self.retry_after = retry_after
        message = detail if isinstance(detail, str) else "; ".join(str(i.get("msg", i)) for i in detail or [])
        super().__init__(f"PayKit {status}: {message}")


def _error(response: Response[Any]) -> PayKitError:
    try:
        detail = json.loads(response.content).get("detail")
    except (ValueError, AttributeError):
        detail = response.content.decode(errors="replace") or response.status_code.phrase
    after = response.headers.get("Retry-After")
    return PayKitError(int(response.status_code), detail, float(after) if after and after.isdigit() else None)


@dataclass
class _Call(Generic[T]):
    """One operation of the generated client and its arguments; `keyed` writes are retried with the same key."""

    operation: ModuleType
    kwargs: dict[str, Any] = field(default_factory=dict)
    keyed: bool = False

    def attempts(self, retries: int, delay: float) -> Generator[tuple[dict[str, Any], float, bool], None, None]:
        """Each attempt's arguments (a key made once when the caller gave none), the wait before it, and whether it
        is the last."""
        kwargs = dict(self.kwargs)
        if self.keyed and not kwargs.get("idempotency_key"):
            kwargs["idempotency_key"] = str(uuid.uuid4())
        count = retries + 1 if self.keyed else 1
        for attempt in range(count):
            yield kwargs, (delay * 2 ** (attempt - 1) if attempt else 0.0), attempt == count - 1


def _answer(response: Response[Any]) -> Any:
    if not 200 <= response.status_code < 300:
        raise _error(response)
    return response.parsed


def _wait(response: Response[Any] | None, planned: float) -> float:
    after = response.headers.get("Retry-After") if response is not None else None
    return min(float(after), 30.0) if after and after.isdigit() else planned


class _BearerAuth(httpx.Auth):
    """Asks for the token before every request (a session that refreshes)."""

    def __init__(self, get_token: TokenSource) -> None:
        self.get_token = get_token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.get_token()}"
        yield request


class _Helpers:
    """The helpers, written once: each builds a _Call; PayKit runs it, AsyncPayKit awaits it."""

    def __init__(self, base_url: str, token: str | None = None, *, get_token: TokenSource | None = None,
                 test_mode: bool = True, retries: int = 2, retry_delay: float = 0.3, timeout: float = 30.0,
                 httpx_args: dict[str, Any] | None = None) -> None:
        if not token and not get_token:
            raise ValueError("PayKit needs the end user's token, or get_token")
        args = dict(httpx_args or {})
        if get_token:
            args["auth"] = _BearerAuth(get_token)
        #: The generated client: every route of docs/openapi.json through `paykit_client.generated.api`.
        self.client = AuthenticatedClient(base_url=base_url.rstrip("/"), token=token or "",
                                          timeout=httpx.Timeout(timeout), httpx_args=args)
        self.test_mode = test_mode
        self.retries = retries
        self.retry_delay = retry_delay

    def _run(self, call: _Call[T]) -> Any:
        raise NotImplementedError

    def _call(self, operation: ModuleType, keyed: bool = False, **kwargs: Any) -> Any:
        return self._run(_Call(operation, {"test_mode": self.test_mode, **kwargs}, keyed))

    def checkout(self, price_id: str, success_url: str, cancel_url: str, *, mode: str = "subscription",
                 quantity: int | None = None, metadata: Mapping[str, str] | None = None,
                 idempotency_key: str | None = None, **options: Any) -> CheckoutOut:
        """E12: a Stripe Checkout session; send the user to `checkout_url`. `options`: allow_existing_subscription,
        allow_promotion_codes, promotion_code, trial_period_days."""
        body = CheckoutRequest(price_id=price_id, success_url=success_url, cancel_url=cancel_url,
                               mode=CheckoutRequestMode(mode), quantity=UNSET if quantity is None else quantity,
                               metadata=CheckoutRequestMetadataType0.from_dict(dict(metadata)) if metadata else UNSET,
                               **options)
        return self._call(create_checkout, True, body=body, idempotency_key=idempotency_key)

    def checkout_status(self, session_id: str) -> CheckoutSessionStatusOut:
        """The success page's call: the purchase is recorded at once, without waiting for the webhook."""
        return self._call(get_checkout, session_id=session_id)

    def my_subscription(self) -> SubscriptionOut | None:
        return self._call(my_subscription)

    def my_payments(self, page: int = 1, page_size: int = 50, cursor: str | None = None) -> PaymentList:
        return self._call(my_payments, page=page, page_size=page_size, cursor=cursor or UNSET)

    def check(self, feature: str) -> CheckOut:
        """May the user use `feature` now: `allowed`, `limit`, `used`, `remaining`, `resets_at`, `reason`."""
        return self._call(check_feature, feature=feature)

    def my_entitlements(self) -> EntitlementsOut:
        return self._call(my_entitlements)

    def track_usage(self, feature: str, quantity: int = 1, idempotency_key: str | None = None) -> UsageOut:
        """Counts usage once: the key (made here when not given) is sent again on every retry of this call."""
        return self._call(usage, True, body=UsageRequest(feature=feature, quantity=quantity),
                          idempotency_key=idempotency_key)

    def portal(self, return_url: str) -> str:
        """The URL of Stripe's billing portal for this user."""
        answer = self._call(customer_portal, True, body=PortalRequest(return_url=return_url))
        return answer.portal_url if not isinstance(answer, Awaitable) else _then(answer, lambda out: out.portal_url)

    def cancel(self, immediately: bool = False) -> CancelOut:
        return self._call(cancel_subscription, True, body=CancelRequest(cancel_immediately=immediately))

    def change_plan(self, new_price_id: str, proration_behavior: str | None = None) -> UpdateOut:
        return self._call(update_subscription, True, body=_update(new_price_id, proration_behavior))

    def preview_change(self, new_price_id: str, proration_behavior: str | None = None) -> PreviewOut:
        return self._call(preview_update, body=_update(new_price_id, proration_behavior))

    def resume(self) -> CancelOut:
        return self._call(resume_subscription, True)


def _update(new_price_id: str, proration_behavior: str | None) -> UpdateRequest:
    return UpdateRequest(new_price_id=new_price_id, proration_behavior=UpdateRequestProrationBehavior(
        proration_behavior) if proration_behavior else UNSET)


async def _then(answer: Awaitable[Any], pick: Callable[[Any], T]) -> T:
    return pick(await answer)


class PayKit(_Helpers):
    """PayKit's client for one end user: `PayKit(base_url, token)`; `.client` is the generated client."""

    def _run(self, call: _Call[T]) -> T:
        response: Response[Any] | None = None
        for kwargs, wait, last in call.attempts(self.retries, self.retry_delay):
            time.sleep(_wait(response, wait))
            try:
                response = call.operation.sync_detailed(client=self.client, **kwargs)
            except httpx.TransportError:
                if last:
                    raise
                response = None
                continue
            if response.status_code not in RETRYABLE:
                break
        assert response is not None
        return _answer(response)

    def close(self) -> None:
        self.client.get_httpx_client().close()

    def __enter__(self) -> "PayKit":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class AsyncPayKit(_Helpers):
    """The same helpers as coroutines: `await AsyncPayKit(base_url, token).check("exports")`."""

    async def _arun(self, call: _Call[T]) -> T:
        import asyncio  # here, not at import: sync users do not pay for it

        response: Response[Any] | None = None
        for kwargs, wait, last in call.attempts(self.retries, self.retry_delay):
            await asyncio.sleep(_wait(response, wait))
            try:
                response = await call.operation.asyncio_detailed(client=self.client, **kwargs)
            except httpx.TransportError:
                if last:
                    raise
                response = None
                continue
            if response.status_code not in RETRYABLE:
                break
        assert response is not None
        return _answer(response)

    def _run(self, call: _Call[T]) -> Awaitable[T]:  # type: ignore[override]
        return self._arun(call)

    async def aclose(self) -> None:
        await self.client.get_async_httpx_client().aclose()

    async def __aenter__(self) -> "AsyncPayKit":
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()


def verify_event(body: bytes | str, headers: Mapping[str, str], secret: str) -> Any:
    """Checks a PayKit event's Standard Webhooks signature (webhook-id, webhook-timestamp, webhook-signature) over the
    raw body, and its age; returns the parsed event or raises `standardwebhooks.WebhookVerificationError`."""
    return Webhook(secret).verify(body, dict(headers))
