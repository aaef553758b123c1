"""The TypeScript client's vitest suite (sdk/typescript/test) against the local stack: every test runs, none skips."""
from __future__ import annotations

from pathlib import Path

from tests.e2e.sdk.conftest import BillingShop, run_vitest


def test_the_typescript_client_walks_the_readme_and_its_error_paths(billing_shop: BillingShop, tmp_path: Path):
    report = run_vitest(["test/client.test.ts", "test/webhooks.test.ts"], billing_shop.environment(),
                        tmp_path / "vitest.json")
    # Then every test ran against the stack and passed: a skip would mean the stack's URLs never reached vitest
    assert report["numTotalTests"] >= 9, report
    assert (report["numPassedTests"], report["numPendingTests"], report["numFailedTests"]) == \
        (report["numTotalTests"], 0, 0), report
