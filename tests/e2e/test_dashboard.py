"""The developer dashboard in headless Chromium over the seeded demo: its charts draw the API's numbers, nothing
overflows at desktop or phone width, text stays readable, and the token stays out of URLs and other origins."""
from __future__ import annotations

import os
import re
import time
from typing import Any, Iterator
from urllib.parse import urlsplit

import pytest
import requests
import stripe

from tests.e2e.conftest import RunningStack

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
MOVEMENTS_IN_ORDER = ("new", "expansion", "reactivation", "contraction", "churn")  # the page stacks ups, then downs
SCREENSHOTS = os.environ.get("DASHBOARD_SCREENSHOTS")  # a directory to keep the screenshots in, when set


def demo_token(stack: RunningStack) -> str:
    match = re.search(r"export DEV_TOKEN=(\S+)", stack.output())
    assert match, stack.output()
    return match.group(1)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


class Dashboard:
    """One browser page on /dashboard, with every request it sent."""

    def __init__(self, browser: Any, stack: RunningStack, viewport: dict[str, int]) -> None:
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.requests: list[Any] = []
        self.errors: list[str] = []
        self.page.on("request", lambda sent: self.requests.append(sent))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.stack = stack

    def open(self, query: str = "") -> "Dashboard":
        self.page.goto(f"{self.stack.url}/dashboard{query}")
        return self

    def sign_in(self, token: str) -> "Dashboard":
        self.page.fill("#token", token)
        self.page.click("#signin button[type=submit]")
        self.page.wait_for_selector("#status[data-ready='true']", timeout=30_000)
        return self

    def marks(self, chart: str, selector: str, *attributes: str) -> list[tuple[str, ...]]:
        """The data attributes of a chart's marks, in drawing order."""
        fields = ", ".join(f"e.dataset.{name}" for name in attributes)
        return [tuple(mark) for mark in self.page.eval_on_selector_all(
            f"#{chart} {selector}", f"els => els.map(e => [{fields}])")]

    def query(self, chart: str) -> dict[str, str]:
        return self.page.eval_on_selector(f"#{chart} svg", "svg => ({...svg.dataset})")

    def close(self) -> None:
        self.context.close()


@pytest.fixture(params=sorted(VIEWPORTS))
def dashboard(request: pytest.FixtureRequest, browser: Any, local_stack: RunningStack) -> Iterator[Dashboard]:
    board = Dashboard(browser, local_stack, VIEWPORTS[request.param])
    board.width = request.param  # type: ignore[attr-defined]
    yield board
    board.close()


def timeseries(stack: RunningStack, token: str, query: dict[str, str], metric: str, **extra: str) -> dict[str, Any]:
    params = {"metric": metric, "interval": query["interval"], "from": query["from"], "to": query["to"],
              "test_mode": str(query["mode"] == "test").lower(), "currency": query["currency"], **extra}
    reply = requests.get(f"{stack.url}/api/v1/payments/stats/timeseries", params=params, timeout=20,
                         headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_the_charts_draw_the_apis_numbers(local_stack: RunningStack, dashboard: Dashboard) -> None:
    # Given the seeded demo developer, signed in on the dashboard (default: test mode, 6 months, weekly)
    token = demo_token(local_stack)
    dashboard.open().sign_in(token)
    query = dashboard.query("chart-mrr")
    assert (query["mode"], query["interval"], query["metric"]) == ("test", "week", "mrr")
    # Then every MRR point is the API's point for the same query, over the six months
    mrr = timeseries(local_stack, token, query, "mrr")
    drawn = dashboard.marks("chart-mrr", "circle[data-testid=point]", "date", "value")
    assert drawn == [(p["date"], str(p["value"])) for p in mrr["points"]]
    assert len(drawn) >= 26 and sum(1 for _, value in drawn if value != "0") >= 20
    # And each movement bar (and the net marker) is the API's figure for its period and kind
    assert dashboard.query("chart-movements") == {**query, "metric": "mrr_movements"}
    movements = timeseries(local_stack, token, query, "mrr_movements")
    bars = dashboard.marks("chart-movements", "rect[data-testid=bar]", "date", "kind", "value")
    assert bars == [(p["date"], kind, str(p["value"] if kind == "net" else p[kind]))
                    for p in movements["points"] for kind in (*MOVEMENTS_IN_ORDER, "net")]
    assert any(kind == "churn" and value != "0" for _, kind, value in bars)
    # And revenue, refunds and failed payments too
    gross, refunds = (timeseries(local_stack, token, query, m) for m in ("gross_revenue", "refunds"))
    assert dashboard.marks("chart-revenue", "rect[data-testid=bar]", "date", "kind", "value") == [
        pair for g, r in zip(gross["points"], refunds["points"], strict=True)
        for pair in ((g["date"], "gross_revenue", str(g["value"])), (r["date"], "refunds", str(r["value"])))]
    failed = timeseries(local_stack, token, query, "failed_payments")
    assert dashboard.marks("chart-failed", "rect[data-testid=bar]", "date", "value") == [
        (p["date"], str(p["value"])) for p in failed["points"]]
    # And the headline figures are the range's summary
    summary = mrr["summary"]
    for tile, field in (("mrr", "mrr_end_cents"), ("gross_revenue", "gross_revenue_cents"),
                        ("refunds", "refunded_cents"), ("customers", "customers_end")):
        assert dashboard.page.get_attribute(f"[data-testid=kpi-{tile}]", "data-value") == str(summary[field])
    # And each project's row has its own figures (its main currency), from the per-project series
    rows = dashboard.page.eval_on_selector_all(
        "#projects tr[data-project-id]", "rows => rows.map(r => [r.dataset.projectId, "
        "r.querySelector('[data-field=mrr_end_cents]').dataset.value, "
        "r.querySelector('[data-field=mrr_end_cents]').dataset.currency])")
    assert len(rows) == 2
    for project_id, value, currency in rows:
        own = timeseries(local_stack, token, {**query, "currency": currency}, "mrr", project_id=project_id)
        assert (value, currency) == (str(own["summary"]["mrr_end_cents"]), own["currency"])
    assert {currency for _, _, currency in rows} == {"usd", "eur"}
    assert dashboard.errors == []



def test_switches_redraw_for_another_currency_and_interval(local_stack: RunningStack, browser: Any) -> None:
    board = Dashboard(browser, local_stack, VIEWPORTS["desktop"])
    try:
        token = demo_token(local_stack)
        board.open().sign_in(token)
        # When the developer picks eur, monthly
        board.page.select_option("#currency", "eur")
        board.page.wait_for_selector("#chart-mrr svg[data-currency=eur]", timeout=30_000)
        board.page.click("#interval button[data-value=month]")
        board.page.wait_for_selector("#chart-mrr svg[data-currency=eur][data-interval=month]", timeout=30_000)
        board.page.wait_for_selector("#status[data-ready='true']", timeout=30_000)
        # Then the MRR line and the movements are the eur monthly series, reactivation included
        query = board.query("chart-mrr")
        mrr = timeseries(local_stack, token, query, "mrr")
        assert board.marks("chart-mrr", "circle[data-testid=point]", "date", "value") == [
            (p["date"], str(p["value"])) for p in mrr["points"]]
        reactivations = board.marks("chart-movements", "rect[data-kind=reactivation]", "value")
        assert any(value != ("0",) for value in reactivations)
    finally:
        board.close()


def currency_shop(stack: RunningStack) -> tuple[str, list[str]]:
    """A developer whose project sells 1,000 JPY and 5.120 KWD a month, one paying subscriber each, applied
    through the real webhooks. Returns (developer token, the subscriptions)."""
    token = stack.token("developer", "e2e-currencies")
    auth = {"Authorization": f"Bearer {token}"}
    project = requests.post(f"{stack.url}/api/v1/projects/", json={"name": "Yen and Dinar"}, headers=auth,
                            timeout=10).json()["id"]
    account = requests.post(f"{stack.emulator_url}/_emulator/accounts", json={}, timeout=10).json()
    sdk = stripe.StripeClient(account["test_secret_key"], base_addresses={"api": stack.emulator_url})
    base = f"{stack.url}/api/v1/payments/stripe/projects/{project}"
    url = requests.get(f"{base}/webhook-urls", headers=auth, timeout=10).json()["test_webhook_url"]
    endpoint = sdk.v1.webhook_endpoints.create({"url": url, "enabled_events": ["*"]})
    assert requests.put(f"{base}/config", headers=auth, timeout=10, json={
        "test_secret_key": account["test_secret_key"], "test_webhook_secret": endpoint.secret}).status_code == 200
    subscriptions = []
    for currency, amount in (("jpy", 1000), ("kwd", 5120)):
        price = sdk.v1.prices.create({"unit_amount": amount, "currency": currency, "product_data": {"name": "Pro"},
                                      "recurring": {"interval": "month"}})
        customer = sdk.v1.customers.create({"email": f"{currency}@example.test"})
        user = {"user_id": f"user-{currency}", "project_id": project}
        session = sdk.v1.checkout.sessions.create({
            "mode": "subscription", "customer": customer.id, "line_items": [{"price": price.id, "quantity": 1}],
            "success_url": "http://localhost/ok", "cancel_url": "http://localhost/no", "metadata": user,
            "subscription_data": {"metadata": user}})
        paid = requests.post(f"{stack.emulator_url}/_emulator/checkout/{session.id}/pay",
                             json={"card": "4242424242424242"}, timeout=20).json()
        assert paid["status"] == "succeeded", paid
        subscriptions.append(sdk.v1.checkout.sessions.retrieve(session.id).subscription)
    requests.post(f"{stack.emulator_url}/_emulator/deliveries/wait", json={"timeout": 20}, timeout=30)
    deadline = time.monotonic() + 45
    while True:  # the queue poller applies the deliveries
        stats = requests.get(f"{stack.url}/api/v1/payments/stats", headers=auth, timeout=10).json()
        mrr = {c: f["test"]["mrr_cents"] for c, f in stats["by_currency"].items() if "test" in f}
        if mrr == {"jpy": 1000, "kwd": 5120}:
            return token, subscriptions
        assert time.monotonic() < deadline, stats
        time.sleep(0.5)


def test_amounts_show_in_their_currencys_decimals(local_stack: RunningStack, browser: Any) -> None:
    # Given a developer earning 1,000 JPY (zero-decimal) and 5.120 KWD (three-decimal) a month
    token, _ = currency_shop(local_stack)
    board = Dashboard(browser, local_stack, VIEWPORTS["desktop"])
    try:
        board.open().sign_in(token)
        shown = {}
        for currency in ("jpy", "kwd"):
            # When the developer picks the currency
            board.page.select_option("#currency", currency)
            board.page.wait_for_selector(f"#chart-mrr svg[data-currency={currency}]", timeout=30_000)
            board.page.wait_for_selector("#status[data-ready='true']", timeout=30_000)
            shown[currency] = board.page.inner_text("[data-testid=kpi-mrr] .value").replace("\xa0", " ")
            if SCREENSHOTS:
                board.page.screenshot(path=os.path.join(SCREENSHOTS, f"dashboard-{currency}.png"), full_page=True)
        # Then MRR reads in the currency's own units, not divided by 100
        assert shown == {"jpy": "¥1,000", "kwd": "KWD 5.120"}
        # And each payment of the list in its own currency's decimals
        amounts = [a.replace("\xa0", " ") for a in board.page.eval_on_selector_all(
            "#payments td.num", "cells => cells.map(c => c.textContent)")]
        assert sorted(amounts) == ["KWD 5.120", "¥1,000"]
        assert board.errors == []
    finally:
        board.close()


def test_nothing_overflows_and_text_keeps_a_readable_size(local_stack: RunningStack, dashboard: Dashboard) -> None:
    # Given the dashboard with six months of history, at desktop and phone width
    dashboard.open().sign_in(demo_token(local_stack))
    page = dashboard.page
    viewport = page.viewport_size
    # Then the page does not scroll sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    # And each chart and table lies inside its panel, and each panel inside the viewport
    boxes = page.eval_on_selector_all(".panel", """panels => panels.map(p => {
        const box = p.getBoundingClientRect();
        const inner = [...p.querySelectorAll('svg:not(.sparkline), table, .panel-head')].map(e => {
            const b = e.getBoundingClientRect(); return [e.tagName, b.left, b.right, b.top, b.bottom]; });
        return {id: p.id, left: box.left, right: box.right, top: box.top, bottom: box.bottom, inner}; })""")
    assert len(boxes) == 7
    for panel in boxes:
        assert 0 <= panel["left"] and panel["right"] <= viewport["width"], panel
        assert panel["inner"], panel
        for tag, left, right, top, bottom in panel["inner"]:
            assert panel["left"] <= left + 0.5 and right <= panel["right"] + 0.5, (panel["id"], tag, left, right)
            assert panel["top"] <= top + 0.5 and bottom <= panel["bottom"] + 0.5, (panel["id"], tag, top, bottom)
    # And no text renders at an absurd size: HTML text by its computed size, chart text by its drawn height
    sizes = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.childNodes.length && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
        .filter(e => e.getClientRects().length && !(e instanceof SVGElement))
        .map(e => [e.tagName, parseFloat(getComputedStyle(e).fontSize)])""")
    assert sizes and all(11 <= size <= 28 for _, size in sizes), [s for s in sizes if not 11 <= s[1] <= 28]
    heights = page.eval_on_selector_all("svg text", "els => els.map(e => e.getBoundingClientRect().height)")
    assert heights and all(8 <= height <= 20 for height in heights), sorted(set(heights))
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"dashboard-{dashboard.width}.png"),  # type: ignore[attr-defined]
                        full_page=True)
    assert dashboard.errors == []


def test_the_token_stays_out_of_urls_and_other_origins(local_stack: RunningStack, browser: Any) -> None:
    token = demo_token(local_stack)
    board = Dashboard(browser, local_stack, VIEWPORTS["desktop"])
    try:
        # Given a link that carries a token and another API origin (as the old page accepted)
        board.open(f"?token={token}&api=http://127.0.0.1:9")
        board.page.wait_for_selector("#status.notice")
        # Then neither is used: the address bar is clean and nothing was sent anywhere with it
        assert urlsplit(board.page.url).query == "" and token not in board.page.url
        assert not [r for r in board.requests if r.headers.get("authorization")]
        assert board.page.evaluate("sessionStorage.length") == 0
        # When the developer pastes the token into the form
        board.sign_in(token)
        # Then every request went to the page's own origin, none with the token in its URL
        origin = urlsplit(local_stack.url)
        api_calls = [r for r in board.requests if r.headers.get("authorization")]
        assert len(api_calls) >= 9
        assert all(urlsplit(r.url)[:2] == origin[:2] for r in board.requests), [r.url for r in board.requests]
        assert board.requests[0].is_navigation_request()  # the link itself, which the test opened
        assert all(token not in r.url for r in board.requests[1:])
        assert all(r.headers["authorization"] == f"Bearer {token}" for r in api_calls)
        assert token not in board.page.url
        # And the page's policy refuses any other origin, even to a script running in the page
        refused = board.page.evaluate("""() => new Promise(resolve => {
            document.addEventListener('securitypolicyviolation', e => resolve(e.effectiveDirective));
            fetch('http://127.0.0.1:9/elsewhere').catch(() => {});
            setTimeout(() => resolve('not refused by the policy'), 3000); })""")
        assert refused == "connect-src"
        headers = requests.get(f"{local_stack.url}/dashboard", timeout=10).headers
        assert "connect-src 'self'" in headers["content-security-policy"]
        assert headers["referrer-policy"] == "no-referrer"
        # And rows link to the objects in Stripe's test dashboard
        links = board.page.eval_on_selector_all("#subscriptions a", "links => links.map(a => a.href)")
        assert links and all(re.fullmatch(r"https://dashboard\.stripe\.com/test/subscriptions/sub_\w+", link)
                             for link in links)
        # When the developer signs out, the token is gone from the tab
        board.page.click("#signout")
        assert board.page.evaluate("sessionStorage.length") == 0
        assert board.page.is_visible("#signin")
    finally:
        board.close()
