"""What an app bundles from @paykit/client (bench.sdk's esbuild bundles): the client without verifyEvent carries
no signature code, and the hooks leave React and React Query to the app."""
from __future__ import annotations

from bench.sdk import BUNDLES, HOOKS, REACT, REACT_QUERY, bundle


def test_an_app_that_never_verifies_events_bundles_no_signature_code():
    helpers = bundle(dict((name, entry) for name, entry, _ in BUNDLES)["@paykit/client: client and helpers"], [])
    everything = bundle('export * from "./src/index.ts";', [])
    assert b"/api/v1/payments/stripe" in helpers and b"Idempotency-Key" in helpers
    assert b"webhook-signature" not in helpers
    assert b"webhook-signature" in everything


def test_the_hooks_leave_react_and_react_query_to_the_app():
    hooks = bundle(HOOKS, REACT + REACT_QUERY)
    assert b'from"@tanstack/react-query"' in hooks and b'from"react"' in hooks
    assert b"webhook-signature" not in hooks
