"""Stripe's API resources, each registering its routes, renderers and hooks on the engine when imported."""
