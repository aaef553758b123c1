"""The React hooks (sdk/typescript/test/react.test.tsx, in jsdom with Testing Library) against the local stack, and
the entry rendered on a server (test/ssr.test.tsx, no DOM)."""
from __future__ import annotations

from pathlib import Path

from tests.e2e.sdk.conftest import BillingShop, run_vitest


def test_the_react_hooks_gate_subscribe_and_count_usage(billing_shop: BillingShop, tmp_path: Path):
    report = run_vitest(["test/react.test.tsx", "test/ssr.test.tsx"], billing_shop.environment(),
                        tmp_path / "vitest.json")
    assert report["numTotalTests"] >= 4, report
    assert (report["numPassedTests"], report["numPendingTests"], report["numFailedTests"]) == \
        (report["numTotalTests"], 0, 0), report
