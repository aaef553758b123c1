"""A stateful, in-memory emulator of Stripe's HTTP API (checkout, billing, portal, webhooks) for local use."""

from .server import EmulatorServer
from .store import API_VERSION

__all__ = ["API_VERSION", "EmulatorServer"]
