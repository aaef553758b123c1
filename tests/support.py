"""Test helpers, re-exported from the set-up the tests share with the benchmarks (local/testbed.py)."""
from __future__ import annotations

from local.handler_client import HandlerClient, Reply
from local.testbed import make_token, reset_service_caches

__all__ = ["HandlerClient", "Reply", "make_token", "reset_service_caches"]


def stripe_calls(monkeypatch, path_part: str = "") -> list[str]:
    """The URLs of PayKit's calls to Stripe from now on (those naming `path_part`), seen at the official SDK's HTTP
    client: a count of what PayKit asked Stripe, without standing in for any of PayKit's code."""
    import stripe

    asked: list[str] = []
    send = stripe.RequestsClient.request

    def counting(self, method, url, headers, post_data=None):
        if path_part in url:
            asked.append(url)
        return send(self, method, url, headers, post_data)

    monkeypatch.setattr(stripe.RequestsClient, "request", counting)
    return asked
