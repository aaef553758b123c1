"""examples/react-billing in headless Chromium against the local stack: sign in, a locked feature gate, Subscribe
(useCheckout) to Stripe's hosted page and back, the gate opening, an export counted, cancel and resume."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.e2e.conftest import free_port
from tests.e2e.test_dashboard import ARGS, CHROMIUM
from tests.e2e.sdk.conftest import ROOT, TYPESCRIPT, BillingShop

EXAMPLE = ROOT / "examples" / "react-billing"


def npm(*args: str, cwd: Path, env: dict[str, str] | None = None) -> None:
    binary = shutil.which("npm")
    assert binary and (cwd / "node_modules").is_dir(), f"Node.js and `make sdk-deps` ({cwd.name}) are required"
    done = subprocess.run([binary, *args], cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.fixture(scope="module")
def example_url(billing_shop: BillingShop) -> Iterator[str]:
    """The example built against the package as installed from the repository path, served by `vite preview` with
    PayKit's API proxied under its origin."""
    npm("run", "build", cwd=TYPESCRIPT)  # the linked package's dist/, as `npm pack` would build it
    npm("run", "build", cwd=EXAMPLE, env={"VITE_PAYKIT_PRICE_ID": billing_shop.prices["pro"]})
    port = free_port()
    # vite's own launcher (one process: terminate() stops the server, which npx would leave behind)
    server = subprocess.Popen([str(EXAMPLE / "node_modules" / ".bin" / "vite"), "preview", "--host", "127.0.0.1", "--port",
                               str(port), "--strictPort"], cwd=EXAMPLE, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env={**os.environ, "PAYKIT_API": billing_shop.stack.url})
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "vite preview did not start"
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def test_the_example_billing_page_subscribes_and_opens_the_feature_gate(billing_shop: BillingShop,
                                                                         example_url: str, browser: Any):
    token = billing_shop.stack.token("end_user", f"example-{uuid.uuid4()}", billing_shop.project_id)
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        # Given a signed-in user without a plan: the gate is shut and Subscribe is offered
        page.goto(example_url)
        page.fill("input[name=token]", token)
        page.click("#signin button[type=submit]")
        page.wait_for_selector("#billing[data-status=none]", timeout=20_000)
        page.wait_for_selector("#gate[data-allowed=false]", timeout=20_000)
        # When they subscribe: useCheckout sends them to Stripe's hosted page, where they pay
        page.click("text=Subscribe")
        page.wait_for_url(f"{billing_shop.stack.emulator_url}/**", timeout=20_000)
        page.fill("#card-number", "4242 4242 4242 4242")
        page.fill("#card-expiry", "12 / 34")
        page.fill("#card-cvc", "123")
        page.fill("#name", "Example User")
        page.click("#submit")
        # Then they are back on the page with the session, subscribed, and the gate opens once Stripe's
        # entitlement webhook has been applied
        page.wait_for_url(f"{example_url}?session_id=cs_*", timeout=20_000)
        page.wait_for_selector("#billing[data-status=active][data-ends=false]", timeout=20_000)
        page.wait_for_selector("#gate[data-allowed=true]", timeout=40_000)
        assert page.inner_text("#remaining") == "100 of 100 exports left this period"
        # And an export is counted
        page.click("text=Export")
        page.wait_for_selector("#remaining:has-text('99 of 100')", timeout=20_000)
        # And they can cancel at the period end and keep the plan again
        page.click("text=Cancel at period end")
        page.wait_for_selector("#billing[data-ends=true]", timeout=20_000)
        page.click("text=Keep my plan")
        page.wait_for_selector("#billing[data-ends=false]", timeout=20_000)
        # And the payment shows once the webhooks are in (a reload: the token stays in the tab)
        deadline = time.monotonic() + 30
        while not page.query_selector("#payments li") and time.monotonic() < deadline:
            page.reload()
            page.wait_for_selector("#billing[data-status=active]", timeout=20_000)
        assert page.inner_text("#payments li") == "19.00 USD: succeeded"
        assert errors == []
    finally:
        context.close()
