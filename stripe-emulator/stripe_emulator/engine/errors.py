"""Stripe's error envelope: the exception every handler raises and the constructors for its common cases."""

from __future__ import annotations

from typing import Any


class StripeError(Exception):
    """An API error rendered as Stripe's `{"error": {...}}` envelope with its HTTP status."""

    def __init__(
        self,
        status: int,
        type_: str,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message
        self.code = code
        self.param = param
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        # Stripe omits absent fields rather than sending nulls.
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        error.update({k: v for k, v in self.extra.items() if v is not None})
        return {"error": error}


def invalid(message: str, param: str | None = None, code: str | None = None) -> StripeError:
    return StripeError(400, "invalid_request_error", message, param=param, code=code)


def missing(kind: str, object_id: str, param: str = "id", status: int = 404) -> StripeError:
    """`resource_missing`: 404 for the object in the path, 400 for one named in the parameters (as Stripe does)."""
    return StripeError(
        status, "invalid_request_error", f"No such {kind}: '{object_id}'", code="resource_missing", param=param
    )


def unknown_parameter(name: str) -> StripeError:
    return invalid(f"Received unknown parameter: {name}", param=name, code="parameter_unknown")


def missing_parameter(name: str) -> StripeError:
    return invalid(f"Missing required param: {name}.", param=name, code="parameter_missing")


def card_error(message: str, code: str, decline_code: str | None = None, **extra: Any) -> StripeError:
    return StripeError(402, "card_error", message, code=code, decline_code=decline_code, **extra)


def authentication(message: str, code: str | None = None) -> StripeError:
    return StripeError(401, "invalid_request_error", message, code=code)


def permission(message: str) -> StripeError:
    return StripeError(403, "invalid_request_error", message)


def idempotency(message: str) -> StripeError:
    return StripeError(400, "idempotency_error", message)


def api_error(message: str = "Sorry, something went wrong on Stripe's end. Please try again later.") -> StripeError:
    return StripeError(500, "api_error", message)


def rate_limited() -> StripeError:
    return StripeError(
        429,
        "invalid_request_error",
        "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
        code="rate_limit",
        headers={"Stripe-Should-Retry": "true"},
    )
