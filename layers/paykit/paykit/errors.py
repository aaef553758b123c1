"""Domain errors: plain exceptions; paykit.api maps each to an HTTP status and the documented envelope."""
from __future__ import annotations


class PayKitError(Exception):
    """Base of every error a caller may see; `detail` is safe to show (never a secret)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Unauthorized(PayKitError):
    def __init__(self, detail: str = "Could not validate credentials") -> None:
        super().__init__(detail)


class Forbidden(PayKitError):
    pass


class NotFound(PayKitError):
    pass


class BadRequest(PayKitError):
    pass


class Conflict(PayKitError):
    pass


class PayloadTooLarge(PayKitError):
    pass


class InvalidInput(PayKitError):
    """A 422 for one field, in the validation envelope: {"detail": [{"loc", "msg", "type"}]}."""

    def __init__(self, loc: tuple[str | int, ...], msg: str, type_: str = "value_error") -> None:
        super().__init__(msg)
        self.loc = loc
        self.type = type_


class PaymentRequired(PayKitError):
    """A card error from Stripe."""


class StripeCredentialsInvalid(PayKitError):
    """The project's stored Stripe key was rejected by Stripe (revoked or wrong)."""


class StripePermissionDenied(StripeCredentialsInvalid):
    """The key is valid but restricted, without a permission the operation needs."""


class ServiceUnavailable(PayKitError):
    """A dependency kept throttling or failing after its client's own retries: 503 with Retry-After."""

    def __init__(self, detail: str = "Service temporarily unavailable; retry later", retry_after: int = 2) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class StripeUnavailable(ServiceUnavailable):
    """Stripe kept failing (rate limit, 5xx, timeout) after the SDK's retries."""

    def __init__(self, detail: str, retry_after: int = 5) -> None:
        super().__init__(detail, retry_after)


class StripeRateLimited(StripeUnavailable):
    """Stripe answered 429 for this account: its scheduled work backs off alone (issue 15)."""


class QueueUnavailable(PayKitError):
    """The event could not be queued durably; Stripe retries a 5xx."""
