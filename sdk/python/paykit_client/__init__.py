"""PayKit's Python client: the client openapi-python-client generates from docs/openapi.json (`.generated`), and
named helpers for the end user's billing flows, sync (`PayKit`) and async (`AsyncPayKit`)."""
from standardwebhooks import WebhookVerificationError

from ._helpers import AsyncPayKit, PayKit, PayKitError, verify_event
from .generated import models

__all__ = ["AsyncPayKit", "PayKit", "PayKitError", "WebhookVerificationError", "models", "verify_event"]
