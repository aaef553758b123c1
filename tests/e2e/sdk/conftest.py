"""The SDKs' tests run against tests/e2e's local stack (the same session fixture, so no second stack) and one
storefront set up through the API."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import RunningStack

ROOT = Path(__file__).resolve().parents[3]
API = "/api/v1/payments/stripe"
TYPESCRIPT = ROOT / "sdk" / "typescript"


class BillingShop:
    """A developer's project with test keys, its webhook endpoint, two monthly prices (pro $19, team $49) on one
    product, and the product granting 100 "exports" a period: the README's walkthrough, set up through the API."""

    def __init__(self, stack: RunningStack) -> None:
        self.stack = stack
        self.developer = stack.token("developer", f"sdk-shop-{uuid.uuid4()}")
        account = requests.post(f"{stack.emulator_url}/_emulator/accounts", json={}, timeout=10).json()
        self.secret_key = account["test_secret_key"]
        self.project_id = self.api("POST", "/api/v1/projects/", {"name": "SDK shop"})["id"]
        config = f"{API}/projects/{self.project_id}/config"
        self.api("PUT", config, {"test_secret_key": self.secret_key})
        urls = self.api("GET", f"{API}/projects/{self.project_id}/webhook-urls")
        endpoint = self.stripe("/v1/webhook_endpoints", url=urls["test_webhook_url"], **{"enabled_events[]": "*"})
        self.api("PUT", config, {"test_webhook_secret": endpoint["secret"]})
        self.product = self.stripe("/v1/products", name="Pro")["id"]
        self.prices = {name: self.stripe("/v1/prices", product=self.product, currency="usd", unit_amount=amount,
                                         **{"recurring[interval]": "month"})["id"]
                       for name, amount in (("pro", 1900), ("team", 4900))}
        feature = self.api("POST", f"{API}/projects/{self.project_id}/features",
                           {"key": "exports", "name": "Exports", "kind": "metered", "limit": 100})
        self.api("POST", f"{API}/projects/{self.project_id}/products/{self.product}/features",
                 {"feature": feature["lookup_key"]})

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        reply = requests.request(method, f"{self.stack.url}{path}", json=body, timeout=30,
                                 headers={"Authorization": f"Bearer {self.developer}"})
        assert reply.ok, f"{method} {path}: {reply.status_code} {reply.text}"
        return reply.json()

    def stripe(self, path: str, **data: Any) -> dict[str, Any]:
        reply = requests.post(f"{self.stack.emulator_url}{path}", data=data, timeout=10,
                              headers={"Authorization": f"Bearer {self.secret_key}"})
        assert reply.ok, reply.text
        return reply.json()

    def environment(self) -> dict[str, str]:
        """What the TypeScript, React and example tests read (sdk/typescript/test/stack.ts)."""
        return {"PAYKIT_URL": self.stack.url, "PAYKIT_EMULATOR_URL": self.stack.emulator_url,
                "PAYKIT_PROJECT_ID": self.project_id, "PAYKIT_PRICE_PRO": self.prices["pro"],
                "PAYKIT_PRICE_TEAM": self.prices["team"]}


@pytest.fixture(scope="session")
def billing_shop(local_stack: RunningStack) -> BillingShop:
    return BillingShop(local_stack)


def run_vitest(files: list[str], env: dict[str, str], report: Path) -> dict[str, Any]:
    """Runs the given vitest files once; returns vitest's JSON report (the output is in the assertion on failure)."""
    npx = shutil.which("npx")
    assert npx, "Node.js (npx) is required: the TypeScript SDK's tests run on it"
    assert (TYPESCRIPT / "node_modules").is_dir(), "run `make sdk-deps` (npm ci in sdk/typescript) first"
    done = subprocess.run([npx, "vitest", "run", "--reporter=json", f"--outputFile={report}", "--reporter=default",
                           *files], cwd=TYPESCRIPT, env={**os.environ, **env, "CI": "1", "NO_COLOR": "1"},
                          capture_output=True, text=True, timeout=600)
    assert report.exists(), done.stdout + done.stderr
    result = json.loads(report.read_text())
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    return result
