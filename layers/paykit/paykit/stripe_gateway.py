"""Stripe access per tenant: one cached StripeClient per (project, mode), errors mapped to domain errors.

The stripe SDK is imported on first use, so functions that never call Stripe do not pay for it at cold start.
"""
from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from paykit.errors import (
    BadRequest,
    Conflict,
    NotFound,
    PaymentRequired,
    StripeCredentialsInvalid,
    StripePermissionDenied,
    StripeRateLimited,
    StripeUnavailable,
)
from paykit.observability import logger
from paykit.secrets import SecretStore, default_secret_store, stripe_secret_name
from paykit.settings import Settings, get_settings

if TYPE_CHECKING:
    import stripe

T = TypeVar("T")


class StripeGateway:
    def __init__(self, secrets: SecretStore, settings: Settings) -> None:
        self._secrets = secrets
        self._settings = settings
        self._clients: dict[tuple[str, str], tuple[str, "stripe.StripeClient"]] = {}
        self._lock = threading.Lock()

    def new_client(self, api_key: str) -> "stripe.StripeClient":
        import stripe

        options: dict[str, Any] = {
            "max_network_retries": self._settings.stripe_max_network_retries,
            "http_client": stripe.RequestsClient(timeout=self._settings.stripe_timeout_seconds),
        }
        if self._settings.stripe_api_base:
            options["base_addresses"] = {"api": self._settings.stripe_api_base}
        return stripe.StripeClient(api_key, **options)

    def secret_key(self, project_id: str, mode: str, refresh: bool = False) -> str:
        name = stripe_secret_name(self._settings.secret_prefix, project_id, mode)
        if refresh:
            self._secrets.invalidate(name)
        key = self._secrets.get_field(name, "secret_key")
        if not key:
            raise NotFound("Stripe not configured")
        return key

    def client_for(self, project_id: str, mode: str, refresh: bool = False) -> "stripe.StripeClient":
        key = self.secret_key(project_id, mode, refresh)
        fingerprint = hashlib.sha256(key.encode()).hexdigest()
        with self._lock:
            cached = self._clients.get((project_id, mode))
            if cached is not None and cached[0] == fingerprint:
                return cached[1]
        client = self.new_client(key)
        with self._lock:
            self._clients[(project_id, mode)] = (fingerprint, client)
        return client

    def call(self, project_id: str, mode: str, operation: Callable[["stripe.StripeClient"], T]) -> T:
        """Runs one Stripe operation for the tenant; after an authentication error the key is refetched once."""
        try:
            return run_mapped(lambda: operation(self.client_for(project_id, mode)))
        except StripeCredentialsInvalid:
            logger.info("stripe rejected the cached key; refetching it once", mode=mode)
            return run_mapped(lambda: operation(self.client_for(project_id, mode, refresh=True)))


def run_mapped(operation: Callable[[], T]) -> T:
    """Stripe's errors as domain errors; Stripe's messages are kept only where they never hold a key."""
    import stripe

    try:
        return operation()
    except stripe.AuthenticationError as exc:
        raise StripeCredentialsInvalid(
            "The project's Stripe credentials were rejected by Stripe; update them with PUT .../config"
        ) from exc
    except stripe.PermissionError as exc:
        raise StripePermissionDenied("The project's Stripe key lacks a permission this operation needs") from exc
    except stripe.CardError as exc:
        raise PaymentRequired(exc.user_message or "The card was declined") from exc
    except stripe.IdempotencyError as exc:
        raise Conflict("Idempotency-Key was already used with other parameters") from exc
    except stripe.RateLimitError as exc:
        raise StripeRateLimited("Stripe is rate limiting requests; retry later", retry_after=2) from exc
    except stripe.APIConnectionError as exc:
        raise StripeUnavailable("Stripe did not answer in time; retry later") from exc
    except stripe.InvalidRequestError as exc:
        raise BadRequest(exc.user_message or "Stripe rejected the request") from exc
    except stripe.StripeError as exc:  # 5xx and anything else after the SDK's own retries
        raise StripeUnavailable("Stripe is unavailable; retry later") from exc


@lru_cache(maxsize=1)
def default_gateway() -> StripeGateway:
    return StripeGateway(default_secret_store(), get_settings())
