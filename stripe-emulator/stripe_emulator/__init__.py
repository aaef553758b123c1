"""A stateful, in-memory emulator of Stripe's HTTP API (checkout, billing, portal, webhooks) for local use."""

from .surface.server import EmulatorServer
from .engine.store import API_VERSION

__all__ = ["API_VERSION", "EmulatorServer"]
